#!/usr/bin/env bash
# Run the tests: install what is needed, run the unit tests of companion and
# nbval over every notebook, then build the book strictly, all in fast mode.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup_env.sh"
export COMPANION_FAST=1
export PYTHONHASHSEED=0
python -m pytest "$@"
jupyter-book build . -W -n --keep-going
