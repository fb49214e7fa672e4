#!/usr/bin/env bash
# Build the book: install what is needed, execute every chapter (full run unless
# COMPANION_FAST=1) and write the HTML to _build/html. Warnings are errors.
# Notebooks whose code, mode and package are unchanged since the last build come
# from the execution cache (see execution_cache.sh); `rm -rf _build` runs them all.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup_env.sh"
source scripts/execution_cache.sh
# shellcheck disable=SC2046  # no option, or --all
jupyter-book build . -W -n --keep-going $(book_cache_options)
echo "The book is in $(pwd)/_build/html/index.html"
