"""Every checker of every chapter answers a wrong answer of any kind with a Verdict, never an exception.

The table of answers holds the mistakes a learner makes (nothing typed yet,
a string, a list, a ragged list, a set, a wrong shape or dtype, NaN and
infinities, a function that raises or returns the wrong type, a Keras model
for other inputs, an object that fails whatever one does with it); each
checker gets each of them in place of the learner's answer. It is the one
table of odd answers: a chapter's tests assert the words of its own verdicts
instead. A checker's first argument is the learner's
answer; a checker with more arguments also takes what the chapter measured
(a prediction is checked against the experiment's numbers): the table
``MEASURED`` gives it plausible measurements, and a new checker of that kind
must be added to it.
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
    "ragged list": [[1, 2], [3]],
    "set": {1, 2},
    "dict": {"a": 1},
    "function in a list": [raises],
    "bool": True,
    "negative": -1,
    "fraction": 0.123,
    "huge int": 10**400,
    "nan": float("nan"),
    "inf": float("inf"),
    "complex": 1 + 2j,
    "matrix": np.zeros((2, 3)),
    "strings": np.array(["a", "b"]),
    "float32 nan": np.float32("nan"),
    "nan matrix": np.array([[np.nan]]),
    "hostile": Hostile(),
    "raises": raises,
    "returns None": lambda *args, **kwargs: None,
    "returns text": lambda *args, **kwargs: "text",
    "returns nan": lambda *args, **kwargs: np.full((3, 784), np.nan),
    "returns inf": lambda *args, **kwargs: np.inf,
    "returns complex": lambda *args, **kwargs: np.full((3, 784), 1 + 1j),
    "returns ragged": lambda *args, **kwargs: [[1], [2, 3]],
    "returns strings": lambda *args, **kwargs: np.array(["x"]),
    "returns a dict": lambda *args, **kwargs: {"a": 1.0},
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

UNSEEN_ERRORS = {("0-4", "0-4"): 10.0, ("5-9", "5-9"): 11.0, ("0-4", "5-9"): 20.0, ("5-9", "0-4"): 19.0}
# what each chapter passes after the learner's answer: the experiment's measurements
MEASURED = {
    "ch01.check_shuffled_pixels_prediction": (0.012, 0.012),
    "ch02.check_unseen_digits_prediction": (UNSEEN_ERRORS,),
    "ch03.check_tied_linear_prediction": (np.linalg.qr(np.random.default_rng(0).normal(size=(784, 8)))[0],),
    "ch04.check_optimiser_prediction": (0.5, 0.9),
    "ch05.check_noise_transfer_prediction": (20.0, 22.0),
    "ch06.check_halving_k_prediction": (10.0, 14.0),
    "ch07.check_stronger_penalty_prediction": (5.0, 1.0),
    "ch08.check_ripple_prediction": (np.tile([[0.1, 0.3], [0.3, 0.9]], (4, 4)),),
    "ch09.check_active_units_prediction": (6, 4, 16),
    "ch10.check_rotation_prediction": (0.9, 0.9),
    "ch11.check_fashion_pca_prediction": (0.97,),
    "ch12.check_swap_prediction": (0.9, 0.05),
    "ch13.check_langevin_prediction": (0.05, 0.2),
}


def test_every_checker_with_measurements_is_in_the_table():
    for name, checker in CHECKERS.items():
        extra = len(inspect.signature(checker).parameters) - 1
        assert len(MEASURED.get(name, ())) == extra, f"{name}: add its measurements to MEASURED"


def answer_checker(name):
    """The checker as a function of the learner's answer alone."""
    return lambda answer: CHECKERS[name](answer, *MEASURED.get(name, ()))


def test_every_chapter_has_checkers():
    chapters = {name.split(".")[0] for name in CHECKERS}
    assert len(chapters) == 14 and len(CHECKERS) >= 70


@pytest.mark.parametrize("kind", BAD_ANSWERS)
@pytest.mark.parametrize("name", CHECKERS)
def test_a_bad_answer_gets_a_verdict(name, kind):
    verdict = answer_checker(name)(BAD_ANSWERS[kind])
    assert isinstance(verdict, Verdict), f"{name} returned {type(verdict).__name__}"
    assert verdict.status != "correct" and verdict.message.strip()
    repr(verdict)  # prints


@pytest.mark.parametrize("kind", ["model for colour images", "classifier", "square classifier"])
@pytest.mark.parametrize("name", CHECKERS)
def test_a_wrong_model_gets_a_verdict(name, kind, keras_answers):
    verdict = answer_checker(name)(keras_answers[kind])
    assert isinstance(verdict, Verdict) and verdict.status != "correct", verdict
