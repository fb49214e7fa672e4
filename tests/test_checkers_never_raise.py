"""Every checker of every chapter answers a wrong answer of any kind with a Verdict, never an exception.

The table of answers holds the mistakes a learner makes (nothing typed yet,
a string, a list, a wrong shape or dtype, NaN and infinities, a function that
raises or returns the wrong type, a Keras model for other inputs, an object
that fails whatever one does with it); each checker gets each of them in
place of the learner's answer. A checker's first argument is the learner's
answer; a checker with more arguments also takes what the chapter measured
(a prediction is checked against the experiment's numbers), and its own
tests give those.
"""

import importlib
import inspect
import pkgutil

import keras
import numpy as np
import pytest

import companion.exercises
from companion.exercises._verdict import Verdict


def all_checkers():
    for module_info in pkgutil.iter_modules(companion.exercises.__path__):
        if module_info.name.startswith("ch"):
            module = importlib.import_module(f"companion.exercises.{module_info.name}")
            for name, function in sorted(vars(module).items()):
                if name.startswith("check_") and inspect.isfunction(function) and function.__module__ == module.__name__:
                    if len(inspect.signature(function).parameters) == 1:
                        yield f"{module_info.name}.{name}", function


class Hostile:
    """An object that fails at everything a checker might try: printing, length, iterating, numbers."""

    def __repr__(self):
        raise RuntimeError("no repr")

    __str__ = __repr__

    def __len__(self):
        raise RuntimeError("no len")

    def __iter__(self):
        raise RuntimeError("no iter")

    def __float__(self):
        raise RuntimeError("no float")

    def __array__(self, *args, **kwargs):
        raise RuntimeError("no array")


def raises(*args, **kwargs):
    raise RuntimeError("the learner's bug")


def model_for(input_shape, output_units):
    inputs = keras.Input(input_shape)
    outputs = keras.layers.Dense(output_units)(keras.layers.Flatten()(inputs))
    return keras.Model(inputs, outputs)


BAD_ANSWERS = {
    "none": None,
    "ellipsis": ...,
    "text": "not sure",
    "empty text": "",
    "list": [1, 2],
    "dict": {"a": 1},
    "negative": -1,
    "fraction": 0.123,
    "huge int": 10**400,
    "nan": float("nan"),
    "inf": float("inf"),
    "complex": 1 + 2j,
    "matrix": np.zeros((2, 3)),
    "strings": np.array(["a", "b"]),
    "float32 nan": np.float32("nan"),
    "hostile": Hostile(),
    "raises": raises,
    "returns None": lambda *args, **kwargs: None,
    "returns text": lambda *args, **kwargs: "text",
    "returns nan": lambda *args, **kwargs: np.full((3, 784), np.nan),
    "no arguments": lambda: 0,
    "a class": Verdict,
}


@pytest.fixture(scope="module")
def keras_answers():
    """Models a learner might pass by mistake: for other images, or a classifier instead of an autoencoder."""
    return {
        "model for colour images": model_for((32, 32, 3), 10),
        "classifier": model_for((784,), 10),
        "square classifier": model_for((28, 28, 1), 10),
    }


CHECKERS = dict(all_checkers())


def test_every_chapter_has_checkers():
    chapters = {name.split(".")[0] for name in CHECKERS}
    assert len(chapters) >= 12 and len(CHECKERS) >= 40


@pytest.mark.parametrize("kind", BAD_ANSWERS)
@pytest.mark.parametrize("name", CHECKERS)
def test_a_bad_answer_gets_a_verdict(name, kind):
    verdict = CHECKERS[name](BAD_ANSWERS[kind])
    assert isinstance(verdict, Verdict), f"{name} returned {type(verdict).__name__}"
    assert verdict.status != "correct" and verdict.message.strip()
    repr(verdict)  # prints


@pytest.mark.parametrize("kind", ["model for colour images", "classifier", "square classifier"])
@pytest.mark.parametrize("name", CHECKERS)
def test_a_wrong_model_gets_a_verdict(name, kind, keras_answers):
    verdict = CHECKERS[name](keras_answers[kind])
    assert isinstance(verdict, Verdict) and verdict.status != "correct", verdict
