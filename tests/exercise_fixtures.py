"""Fixtures of the exercise checkers' tests (a pytest plugin, loaded by conftest.py).

``checker_digits`` replaces the one place where checkers load digits,
``companion.exercises._measure._checker_digits``, so that no checker test
reads the MNIST file; :func:`companion.exercises._measure.held_out_digits`
then serves the digits the test sets.
"""

import numpy as np
import pytest

from companion.exercises import _measure


class CheckerDigits:
    """The digits the checkers see during a test: ``set(split, images, labels)`` changes them."""

    def __init__(self):
        rng = np.random.default_rng(0)
        self.splits = {
            split: (rng.uniform(size=(n, 28, 28)).astype("float32"), np.arange(n) % 10)
            for split, n in (("test", 200), ("train", 600))
        }
        self.requests = []

    def set(self, split, images, labels=None):
        """Serve ``images`` (any shape with 784 values each) and ``labels`` (default: 0..9 repeated)."""
        images = np.asarray(images, dtype="float32").reshape(len(images), 28, 28)
        labels = np.arange(len(images)) % 10 if labels is None else np.asarray(labels)
        self.splits[split] = (images, labels)

    def __call__(self, split, n):
        self.requests.append((split, n))
        return self.splits[split]


@pytest.fixture
def checker_digits(monkeypatch):
    """Seeded fake digits for every checker: 200 test and 600 training images, uniform in [0, 1]."""
    digits = CheckerDigits()
    monkeypatch.setattr(_measure, "_checker_digits", digits)
    return digits
