# The tests that run again on each further Keras backend (JAX in scripts/test.sh, PyTorch
# in scripts/test_torch.sh): all but those that touch no backend (backend_free), the
# package's own answers to the exercises (answer_key: the learner's solutions still run),
# the slow subprocess tests and the checks of the built book and of the browser.
# Sourced by both scripts, so that their selections cannot drift apart.
# shellcheck disable=SC2034  # used by the scripts that source this file
BACKEND_TIER_MARKERS="not backend_free and not answer_key and not slow and not book and not browser"
