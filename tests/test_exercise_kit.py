"""The shared pieces of the checkers: letters, choices, predictions and measured models."""

import keras
import numpy as np
import pytest

from companion.exercises import _measure, _verdict
from companion.exercises._verdict import checker

EXPLANATIONS = {letter: f"({letter}) is {'true' if letter in 'bd' else 'false'}: a reason." for letter in "abcde"}


def letters_verdict(answer):
    return _verdict.check_letters(answer, "abcde", "bd", EXPLANATIONS, ("The idea", "The proof"))


# --- true/false sets ---


def test_right_letters_explain_every_statement():
    verdict = letters_verdict("db")
    assert verdict.status == "correct"
    assert all(text in verdict.message for text in EXPLANATIONS.values())
    assert len(repr(verdict).splitlines()) == 6  # the heading line, then one line per statement


@pytest.mark.parametrize("answer", ["b", "bde", "abd", "", "abcde", "ace", {"B"}, ["d", "e"]])
def test_every_wrong_set_gets_the_same_message(answer):
    verdict = letters_verdict(answer)
    assert verdict.status == "wrong"
    assert verdict.message == letters_verdict("a").message
    assert "“The idea” and “The proof”" in verdict.message
    assert not any(f"({letter})" in verdict.message for letter in "abcde")  # no letter leaks
    assert not any(digit in verdict.message for digit in "0123456789")  # no count either


@pytest.mark.parametrize(
    "answer, status, words",
    [
        (..., "unattempted", "replace"),
        (None, "unattempted", "replace"),
        (3, "wrong", "Expected letters"),
        (float("nan"), "wrong", "Expected letters"),
        ({"z"}, "wrong", "labelled a to e"),
        (np.array(["b", "d"]), "wrong", "Expected letters"),
    ],
)
def test_letters_bad_answers(answer, status, words):
    verdict = letters_verdict(answer)
    assert verdict.status == status and words in verdict.message, verdict.message


def test_one_section_is_named_as_such():
    verdict = _verdict.check_letters("a", "ab", "b", {"a": "", "b": ""}, "The idea")
    assert "the section “The idea”" in verdict.message


# --- one choice ---


@pytest.mark.parametrize(
    "answer, status, words",
    [
        ("c", "correct", "(c). Because."),
        (" (C) ", "correct", "(c)"),
        ("a", "wrong", "Re-read the section “Costs”"),
        ("e", "wrong", 'one of "a", "b", "c" or "d"'),
        ("cd", "wrong", "Expected one letter"),
        ({"c"}, "wrong", "Expected one letter"),
        (3, "wrong", "Expected one letter"),
        (..., "unattempted", "replace"),
    ],
)
def test_choice(answer, status, words):
    verdict = _verdict.check_choice(answer, "abcd", "c", "Because.", "Costs")
    assert verdict.status == status and words in verdict.message, verdict.message


# --- predictions ---

CHOICES = {"a": "the error went up.", "b": "the error went down.", "c": "nothing changed."}


@pytest.mark.parametrize(
    "answer, outcome, status, words",
    [
        ("b", "b", "correct", "your prediction held: (b) the error went down. Measured: 3 to 2."),
        ("a", "b", "wrong", "your prediction (a) did not hold. What happened: (b)"),
        ("a", "a", "correct", "(a) the error went up."),
        ("x", "b", "wrong", 'one of "a", "b" or "c"'),
        (2, "b", "wrong", "Expected one letter"),
        (None, "b", "unattempted", "write your prediction first"),
    ],
)
def test_prediction(answer, outcome, status, words):
    verdict = _verdict.check_prediction(answer, CHOICES, outcome, "Measured: 3 to 2.")
    assert verdict.status == status and words in verdict.message, verdict.message


# --- measuring a model ---


@pytest.fixture
def digits():
    rng = np.random.default_rng(0)
    images, labels = rng.uniform(size=(20, 28, 28)).astype("float32"), np.arange(20) % 10
    return images, labels


@checker
def squared_error(model, images):
    """A small checker built from the helpers: the mean squared error of the reconstructions."""
    verdict = _measure.not_a_model(model, "an autoencoder")
    if verdict is not None:
        return verdict
    reconstructions = _measure.reconstruct(model, images)
    error = float(np.mean((reconstructions - images.reshape(len(images), -1)) ** 2))
    target = _measure.Target("mean squared error", error, 0.01, at_least=False, digits=3)
    return _measure.verdict_on([target], "on 20 images", "Train longer.")


def dense_model(input_shape, output_units=784):
    inputs = keras.Input(input_shape)
    flat = keras.layers.Flatten()(inputs)
    return keras.Model(inputs, keras.layers.Dense(output_units)(flat))


class Identity:
    def __call__(self, images):
        return images


class Raises:
    def __call__(self, images):
        raise RuntimeError("broken")


@pytest.mark.parametrize(
    "model, status, words",
    [
        (Identity(), "correct", "your mean squared error: 0.000; needed: at most 0.010"),
        (lambda images: images * 0, "wrong", "needed: at most 0.010.\nTrain longer."),
        (lambda images: images * np.nan, "wrong", "NaN or infinite"),
        (lambda images: images[:, :10], "wrong", "the input's size"),
        (lambda images: images[:3], "wrong", "one output per image (20)"),
        (lambda images: "images", "wrong", "array of numbers"),
        (lambda images: None, "wrong", "array of numbers"),
        (lambda images: [images, images], "correct", "0.000"),
        (Raises(), "wrong", "raised RuntimeError: broken"),
        (..., "unattempted", "train an autoencoder"),
        ("model", "wrong", "Expected an autoencoder (a Keras model). Received: 'model'"),
    ],
)
def test_measured_model(digits, model, status, words):
    verdict = squared_error(model, digits[0])
    assert verdict.status == status and words in verdict.message, verdict.message


@pytest.mark.parametrize("shape", [(784,), (28, 28), (28, 28, 1)])
def test_images_reach_a_keras_model_in_its_own_shape(digits, shape):
    verdict = squared_error(dense_model(shape), digits[0])
    assert verdict.status == "wrong" and "your mean squared error" in verdict.message, verdict.message


def test_a_model_for_other_images_is_named(digits):
    verdict = squared_error(dense_model((32, 32, 3)), digits[0])
    assert verdict.status == "wrong" and "takes inputs of shape (32, 32, 3)" in verdict.message
    verdict = squared_error(dense_model((784,), output_units=10), digits[0])
    assert verdict.status == "wrong" and "(28, 28) in, (10,) out" in verdict.message


def test_missing_parts_are_named():
    verdict = _measure.not_a_model(Identity(), "a VAE", needs=("encoder", "decoder"))
    assert verdict.status == "wrong" and ".encoder and .decoder" in verdict.message


def test_held_out_digits_are_the_last_test_digits(monkeypatch):
    import companion.data

    test_images = np.arange(50 * 4, dtype="float32").reshape(50, 2, 2)
    monkeypatch.setattr(companion.data, "load_mnist", lambda n_train: ((None, None), (test_images, np.arange(50))))
    images, labels = _measure.held_out_mnist(5)
    assert np.array_equal(labels, np.arange(45, 50)) and np.array_equal(images, test_images[45:])
    assert np.array_equal(_measure.held_out_mnist(5, last=False)[1], np.arange(5))
