#!/usr/bin/env bash
# Run the tests: install what is needed (Chromium included), run the unit tests
# of companion and nbval over every notebook, build the book strictly, then open
# every page of the built book in headless Chromium; all in fast mode.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup_env.sh" --with-browser
export COMPANION_FAST=1
export PYTHONHASHSEED=0
python -m pytest "$@"
jupyter-book build . -W -n --keep-going
# The checks of the built book (tests marked "book"); screenshots in _build/screenshots.
python -m pytest tests -m book --book-html _build/html
