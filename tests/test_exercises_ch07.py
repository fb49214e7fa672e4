"""Checkers of Chapter 7."""

import numpy as np
import pytest

from companion.exercises import ch07


def test_unit_jacobian():
    assert ch07.check_unit_jacobian(0.25).status == "correct"
    assert ch07.check_unit_jacobian(...).status == "unattempted"
    for answer, hint in ((1.0, "square the derivative"), (0.0625, "multiply by the squared norm"),
                         (0.125, "not the norm"), (3, "Check the formula"), ("0.25", "Expected a number")):
        verdict = ch07.check_unit_jacobian(answer)
        assert verdict.status == "wrong" and hint in verdict.message


def right(h, w):
    return np.mean(((h * (1 - h)) ** 2) @ (w**2).sum(axis=0))


def test_penalty_right():
    assert ch07.check_penalty_function(right).status == "correct"


@pytest.mark.parametrize(
    "function, hint",
    [
        (lambda h, w: np.sum(((h * (1 - h)) ** 2) @ (w**2).sum(axis=0)), "average over the batch"),
        (lambda h, w: np.mean((h * (1 - h)) @ (w**2).sum(axis=0)), "square the derivative"),
        (lambda h, w: ((h * (1 - h)) ** 2) @ (w**2).sum(axis=0), "return one number"),
        (lambda h, w: 1.0, "average over the batch"),
        (lambda h: 1.0, "raised TypeError"),
    ],
)
def test_penalty_wrong(function, hint):
    verdict = ch07.check_penalty_function(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def test_penalty_unattempted():
    def not_done(h, w):
        raise NotImplementedError

    assert ch07.check_penalty_function(not_done).status == "unattempted"


def test_statements():
    assert ch07.check_contraction_statements("acd").status == "correct"
    assert "Re-read" in ch07.check_contraction_statements("acde").message


@pytest.mark.parametrize(
    "function, hint",
    [
        (lambda h, w: [[1.0], [1.0, 2.0]], "must return one number"),
        (lambda h, w: right(h, w) + 0j, "real numbers, not complex ones"),
        (lambda h, w: np.inf, "expected a finite number"),
    ],
    ids=["ragged", "complex", "infinite"],
)
def test_penalty_odd_results(function, hint):
    verdict = ch07.check_penalty_function(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def test_unit_jacobian_complex():
    verdict = ch07.check_unit_jacobian(0.25 + 1e-9j)
    assert verdict.status == "wrong" and "Expected a real number" in verdict.message


def raises(*args):
    raise RuntimeError("broken")


# --- 7.4 ten times the penalty, predicted ---


@pytest.mark.parametrize("ratio, letter", [(0.16, "a"), (0.49, "a"), (0.5, "b"), (0.89, "b"), (0.9, "c"), (1.5, "c")])
def test_stronger_penalty_outcome(ratio, letter):
    assert ch07.stronger_penalty_outcome(ratio) == letter


def test_stronger_penalty_prediction_follows_the_measurement():
    held = ch07.check_stronger_penalty("a", 1.3, 0.2)
    assert held.status == "correct" and "1.300 with lambda, 0.200 with 10 lambda (15% of it)" in held.message
    missed = ch07.check_stronger_penalty("c", 1.3, 0.2)
    assert missed.status == "wrong" and "did not hold" in missed.message
    assert ch07.check_stronger_penalty("c", 1.0, 1.0).status == "correct"
    assert ch07.check_stronger_penalty("b", np.float32(1.0), np.array(0.7)).status == "correct"


@pytest.mark.parametrize("answer, status", [(..., "unattempted"), (None, "unattempted"), ("d", "wrong"),
                                            (1, "wrong"), (["a"], "wrong")])
def test_stronger_penalty_odd_answers(answer, status):
    assert ch07.check_stronger_penalty(answer, 1.3, 0.2).status == status


@pytest.mark.parametrize("measured", [None, ..., "1.3", [1.3, 0.2], float("nan"), float("inf"), 0.0, -1.0,
                                      True, np.ones(3)], ids=repr)
def test_stronger_penalty_odd_measurements(measured):
    verdict = ch07.check_stronger_penalty("a", measured, 0.2)
    assert verdict.status == "wrong" and "`norm`" in verdict.message, verdict.message
    assert ch07.check_stronger_penalty("a", 1.3, measured).status == "wrong"


# --- 7.5 a contracting autoencoder, measured on held-out digits ---


@pytest.fixture
def held_out(monkeypatch):
    """Synthetic held-out digits: random pixels in [0, 1] (their mean image has an MSE of about 1/12)."""
    images = np.random.default_rng(5).uniform(size=(120, 28, 28)).astype("float32")
    monkeypatch.setattr(ch07, "held_out_mnist", lambda n: (images, np.zeros(len(images), dtype=int)))
    return images


def dense_encoder(weight, shape=(784,)):
    """A Keras encoder of 8 units whose Jacobian grows with ``weight``."""
    import keras

    return keras.Sequential([keras.Input(shape), keras.layers.Flatten(),
                             keras.layers.Dense(8, kernel_initializer=keras.initializers.Constant(weight))])


class Autoencoder:
    """Reconstructs with ``decode(batch)``; its encoder is a Keras model."""

    def __init__(self, encoder, decode=lambda batch: np.array(batch)):
        self.encoder, self.decode = encoder, decode

    def __call__(self, batch):
        return self.decode(batch)


def test_a_contracting_model_that_reconstructs_passes(held_out):
    verdict = ch07.check_contracting_autoencoder(Autoencoder(dense_encoder(1e-4)))
    assert verdict.status == "correct", verdict.message
    assert "needed: at most 1.000" in verdict.message and "needed: at most 0.0500" in verdict.message


@pytest.mark.parametrize("shape", [(28, 28), (28, 28, 1)])
def test_the_encoder_gets_the_digits_in_its_own_shape(held_out, shape):
    assert ch07.check_contracting_autoencoder(Autoencoder(dense_encoder(1e-4, shape))).status == "correct"


def test_a_sensitive_encoder_is_rejected(held_out):
    verdict = ch07.check_contracting_autoencoder(Autoencoder(dense_encoder(0.1)))
    assert verdict.status == "wrong" and "too sensitive" in verdict.message, verdict.message


def test_a_collapsed_model_is_rejected(held_out):
    mean_digit = held_out.reshape(len(held_out), -1).mean(axis=0)
    collapsed = Autoencoder(dense_encoder(0.0), lambda batch: np.broadcast_to(mean_digit, (len(batch), 784)))
    verdict = ch07.check_contracting_autoencoder(collapsed)
    assert verdict.status == "wrong" and "reconstructions are too poor" in verdict.message, verdict.message
    assert "too sensitive" not in verdict.message


def test_an_untrained_contractive_autoencoder_is_rejected(held_out):
    import companion as cp

    cp.seed_everything(0)
    verdict = ch07.check_contracting_autoencoder(cp.build_contractive_autoencoder((784,), 16, contraction=0.03))
    assert verdict.status == "wrong" and "reconstructions are too poor" in verdict.message, verdict.message


@pytest.mark.parametrize(
    "model, status, hint",
    [
        (..., "unattempted", "train an autoencoder"),
        (None, "unattempted", "train an autoencoder"),
        ("model", "wrong", "Expected an autoencoder"),
        (7, "wrong", "Expected an autoencoder"),
        (lambda batch: batch, "wrong", "without it"),
        (Autoencoder(lambda batch: np.asarray(batch).reshape(len(batch), -1)[:, :4]), "wrong",
         "differentiating your encoder raised"),
        (Autoencoder(raises), "wrong", "differentiating your encoder raised"),
        (Autoencoder(dense_encoder(1e-4), raises), "wrong", "raised RuntimeError: broken"),
        (Autoencoder(dense_encoder(1e-4), lambda batch: None), "wrong", "array of numbers"),
        (Autoencoder(dense_encoder(1e-4), lambda batch: np.array(batch)[:, :5]), "wrong", "the input's size"),
        (Autoencoder(dense_encoder(np.nan)), "wrong", "NaN or infinite"),
    ],
    ids=["ellipsis", "none", "string", "number", "no encoder", "numpy encoder", "encoder raises",
         "model raises", "returns none", "wrong output shape", "nan weights"],
)
def test_bad_models_get_a_verdict(held_out, model, status, hint):
    verdict = ch07.check_contracting_autoencoder(model)
    assert verdict.status == status and hint in verdict.message, verdict.message


def test_a_model_for_other_images_is_explained(held_out):
    import companion as cp

    verdict = ch07.check_contracting_autoencoder(cp.build_stacked_autoencoder((100,), 4, hidden_sizes=()))
    assert verdict.status == "wrong" and "takes inputs of shape (100,)" in verdict.message
