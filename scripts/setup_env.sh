# Create (or update) the virtual environment .venv with the pinned versions from
# requirements/lock.txt and the companion package, then activate it.
# Sourced by build_book.sh, test.sh and test_torch.sh; safe to run again. Sourced with
# --with-browser (as test.sh does), it also makes sure Chromium is installed for
# the browser test of the built book.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

# Chromium (Debian's package) installs while pip works: both mostly wait on downloads.
if [ "${1:-}" = "--with-browser" ]; then
  bash scripts/install_chromium.sh &
  browser_install=$!
fi

if [ ! -x .venv/bin/python ]; then
  echo "Creating the virtual environment .venv with $(python3 --version)"
  python3 -m venv .venv
fi
# shellcheck disable=SC1091
source .venv/bin/activate
# uv installs the lock several times faster than pip (parallel downloads and
# unpacking); the versions are the lock's either way.
python -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
uv pip install --quiet --python .venv/bin/python -r requirements/lock.txt
uv pip install --quiet --python .venv/bin/python --no-deps --editable .

# TensorFlow 2.21 logs harmless "NodeDef mentions attribute" errors from native
# code under every training cell; the book's and the tests' kernels inherit this.
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-3}"
# uv installs no compiled modules (.pyc), and some containers tell Python not to write
# them (PYTHONDONTWRITEBYTECODE): each of a run's Pythons then compiled TensorFlow, Keras
# and JAX from source again, and importing companion took 15 s instead of 5.5 s. The
# scripts' Pythons keep what they compile, in .venv and in __pycache__ folders git ignores.
unset PYTHONDONTWRITEBYTECODE

if [ -n "${browser_install:-}" ]; then
  wait "$browser_install"  # its failure ends the script, with its message
fi
