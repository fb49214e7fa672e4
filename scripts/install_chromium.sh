#!/usr/bin/env bash
# Make sure Chromium is there for the browser test of the built book
# (tests/test_browser_book.py drives it through Playwright, which downloads no
# browser of its own). Installs Debian's chromium package when it is missing;
# quiet and safe to run again. COMPANION_CHROMIUM names another Chromium or
# Chrome executable (e.g. on macOS) and skips the install.
set -euo pipefail

chromium="${COMPANION_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$chromium" ] || { [ -z "${COMPANION_CHROMIUM:-}" ] && command -v chromium >/dev/null 2>&1; }; then
  exit 0
fi

fail() {
  echo "ERROR: Chromium is needed for the browser test of the book, and $1." >&2
  echo "Install Debian's chromium package (apt-get install -y chromium), or set" >&2
  echo "COMPANION_CHROMIUM to the path of a Chromium or Chrome executable." >&2
  exit 1
}

[ -z "${COMPANION_CHROMIUM:-}" ] || fail "COMPANION_CHROMIUM=$chromium is not an executable"
command -v apt-get >/dev/null 2>&1 || fail "this system has no apt-get to install it"
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  fail "installing it needs root (run as root, or with password-less sudo)"
fi

echo "Installing Debian's chromium package for the browser test of the book"
export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
if ! { "${as_root[@]}" apt-get update -qq && "${as_root[@]}" apt-get install -y -qq chromium; } >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  rm -f "$log"
  fail "apt-get could not install it (see the lines above)"
fi
rm -f "$log"
[ -x /usr/bin/chromium ] || fail "apt-get finished but /usr/bin/chromium is missing"
