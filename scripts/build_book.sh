#!/usr/bin/env bash
# Build the book: install what is needed, execute every chapter (full run unless
# COMPANION_FAST=1) and write the HTML to _build/html. Warnings are errors.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup_env.sh"
jupyter-book build . -W -n --keep-going
echo "The book is in $(pwd)/_build/html/index.html"
