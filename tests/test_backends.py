"""The package runs on every Keras backend: TensorFlow, JAX and PyTorch.

The whole fast unit tier runs once per backend (``KERAS_BACKEND=jax pytest ...``);
these tests make sure that such a run really uses the backend it asks for, and
that no module of the package quietly depends on TensorFlow.
"""

import json
import os
import re
from pathlib import Path

import keras

import companion

PACKAGE = Path(companion.__file__).parent
TENSORFLOW = re.compile(r"^\s*(import tensorflow|from tensorflow)", re.MULTILINE)
# the package whose tensors each backend computes with
TENSOR_PACKAGES = {"tensorflow": {"tensorflow"}, "jax": {"jax", "jaxlib"}, "torch": {"torch"}, "numpy": {"numpy"}}


def configured_backend():
    """The backend named in Keras' own configuration file, read as Keras reads it; TensorFlow without one."""
    if "KERAS_HOME" in os.environ:
        folder = Path(os.environ["KERAS_HOME"])
    else:
        home = Path("~").expanduser()
        folder = (home if os.access(home, os.W_OK) else Path("/tmp")) / ".keras"
    config = folder / "keras.json"
    if config.is_file():
        return json.loads(config.read_text(encoding="utf-8")).get("backend", "tensorflow")
    return "tensorflow"


def test_the_tier_runs_on_the_backend_it_asks_for():
    """KERAS_BACKEND, or else the backend of keras.json, is the one whose tensors the run computes with."""
    asked = os.environ.get("KERAS_BACKEND") or configured_backend()
    assert keras.backend.backend() == asked
    tensor_package = type(keras.ops.zeros((1,))).__module__.split(".")[0]
    assert tensor_package in TENSOR_PACKAGES.get(asked, ()), (
        f"Keras computes with {tensor_package} tensors on the {asked!r} backend"
    )


def test_tensorflow_is_imported_only_beside_the_other_backends():
    """TensorFlow code is allowed where each backend gets its own branch, and for op determinism (runtime.py)."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if TENSORFLOW.search(text) and path.name != "runtime.py" and not ("jax" in text and "torch" in text):
            offenders.append(str(path.relative_to(PACKAGE)))
    assert not offenders, (
        "these package files import TensorFlow without a JAX and a PyTorch branch: " + ", ".join(offenders)
    )
