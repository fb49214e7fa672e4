# The book's execution cache: jupyter-cache (`execute.cache` in _config.yml) keeps
# each notebook's executed outputs, keyed by its code cells, and Sphinx re-reads
# only the pages whose source changed. Sourced by build_book.sh and test.sh.
#
# What neither can see gets a cache of its own, named after it: the mode (fast,
# COMPANION_FAST=1, or full, which never share an entry) and the package and
# pinned versions (a change to either re-runs every notebook).
# _build/.jupyter_cache links to the cache in use under _build/jupyter_cache/.
# `rm -rf _build` forces a clean rebuild by hand.

execution_cache_key() {
  local mode=full
  if [ "${COMPANION_FAST:-0}" = "1" ]; then mode=fast; fi
  local inputs
  inputs="$(find companion -name '*.py' -not -path '*/__pycache__/*' | LC_ALL=C sort)"
  # shellcheck disable=SC2086  # file names without spaces, one per word
  echo "$mode-$(sha256sum $inputs requirements/lock.txt | sha256sum | cut -c1-12)"
}

# Link the cache for this mode and package, and print the options for
# `jupyter-book build`: --all (re-read every page) when the cache is new, since
# Sphinx would otherwise keep pages built in another mode or by another package.
# `book_cache_options fresh` empties the cache first: every notebook runs.
book_cache_options() {
  local key previous=""
  key="$(execution_cache_key)"
  if [ -L _build/.jupyter_cache ]; then previous="$(basename "$(readlink _build/.jupyter_cache)")"; fi
  if [ "${1:-}" = "fresh" ]; then rm -rf "_build/jupyter_cache/$key"; fi
  # caches of the same mode for an older package are dead weight
  find _build/jupyter_cache -mindepth 1 -maxdepth 1 -name "${key%%-*}-*" ! -name "$key" \
    -exec rm -rf {} + 2>/dev/null || true
  if [ "$key" != "$previous" ] || [ ! -d "_build/jupyter_cache/$key" ]; then
    echo "--all"
  fi
  mkdir -p "_build/jupyter_cache/$key"
  ln -sfn "jupyter_cache/$key" _build/.jupyter_cache
  echo "Execution cache: _build/jupyter_cache/$key" >&2
}
