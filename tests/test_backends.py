"""The package runs on every Keras backend: TensorFlow, JAX and PyTorch.

The whole fast unit tier runs once per backend (``KERAS_BACKEND=jax pytest ...``);
these tests make sure that such a run really uses the backend it asks for, and
that no module of the package quietly depends on TensorFlow.
"""

import os
import re
from pathlib import Path

import pytest

import keras

import companion

PACKAGE = Path(companion.__file__).parent
TENSORFLOW = re.compile(r"^\s*(import tensorflow|from tensorflow)", re.MULTILINE)


def test_the_tier_runs_on_the_backend_it_asks_for():
    asked = os.environ.get("KERAS_BACKEND")
    if asked is None:
        pytest.skip("KERAS_BACKEND is unset: Keras uses its configured default")
    assert keras.backend.backend() == asked


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_tensorflow_is_imported_only_beside_the_other_backends(path):
    """TensorFlow code is allowed where each backend gets its own branch, and for op determinism."""
    text = path.read_text(encoding="utf-8")
    if not TENSORFLOW.search(text) or path.name == "runtime.py":
        return
    assert "jax" in text and "torch" in text, f"{path.name} imports TensorFlow without a JAX and a PyTorch branch"
