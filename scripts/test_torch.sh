#!/usr/bin/env bash
# The tests that touch the Keras backend (all but those marked backend_free or answer_key), on
# PyTorch's CPU build: the third backend, beside the test command's TensorFlow
# and JAX runs. Installs PyTorch (requirements/torch.txt) into .venv first.
# benchmarks/timings.py --only torch-tier runs it and records its result for the
# results page. Extra arguments go to pytest, e.g. `bash scripts/test_torch.sh -x`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup_env.sh"
python -m pip install --quiet --disable-pip-version-check -r requirements/torch.txt
export COMPANION_FAST=1
export PYTHONHASHSEED=0
source scripts/backend_tier.sh  # setup_env.sh has moved to the repository root
KERAS_BACKEND=torch python -m pytest -n 2 -q -m "$BACKEND_TIER_MARKERS" "$@" tests
