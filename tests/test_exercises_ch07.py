"""Checkers of Chapter 7."""

import keras
import numpy as np
import pytest
from keras import ops

import companion as cp
from companion.exercises import ch07


def test_unit_jacobian():
    assert ch07.check_unit_jacobian(0.25).status == "correct"
    assert ch07.check_unit_jacobian(...).status == "unattempted"
    for answer, hint in ((1.0, "square the derivative"), (0.0625, "multiply by the squared norm"),
                         (0.125, "not the norm"), (3, "Check the formula"), ("0.25", "Expected a number")):
        verdict = ch07.check_unit_jacobian(answer)
        assert verdict.status == "wrong" and hint in verdict.message


def test_statements():
    assert ch07.check_contraction_statements("acd").status == "correct"
    assert "Re-read" in ch07.check_contraction_statements("acde").message


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
    held = ch07.check_stronger_penalty_prediction("a", 1.3, 0.2)
    assert held.status == "correct" and "1.300 with lambda, 0.200 with 10 lambda (15% of it)" in held.message
    missed = ch07.check_stronger_penalty_prediction("c", 1.3, 0.2)
    assert missed.status == "wrong" and "did not hold" in missed.message
    assert ch07.check_stronger_penalty_prediction("c", 1.0, 1.0).status == "correct"
    assert ch07.check_stronger_penalty_prediction("b", np.float32(1.0), np.array(0.7)).status == "correct"


@pytest.mark.parametrize("answer, status", [(..., "unattempted"), (None, "unattempted"), ("d", "wrong"),
                                            (1, "wrong"), (["a"], "wrong")])
def test_stronger_penalty_odd_answers(answer, status):
    assert ch07.check_stronger_penalty_prediction(answer, 1.3, 0.2).status == status


@pytest.mark.parametrize("measured", [None, ..., "1.3", [1.3, 0.2], float("nan"), float("inf"), 0.0, -1.0,
                                      True, np.ones(3)], ids=repr)
def test_stronger_penalty_odd_measurements(measured):
    verdict = ch07.check_stronger_penalty_prediction("a", measured, 0.2)
    assert verdict.status == "wrong" and "`norm`" in verdict.message, verdict.message
    assert ch07.check_stronger_penalty_prediction("a", 1.3, measured).status == "wrong"


# --- 7.5 a contracting autoencoder, measured on held-out digits ---


@pytest.fixture
def held_out(checker_digits):
    """Synthetic held-out digits: random pixels in [0, 1] (their mean image has an MSE of about 1/12)."""
    images = np.random.default_rng(5).uniform(size=(120, 28, 28)).astype("float32")
    checker_digits.set("test", images)
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


# --- 7.1 the contractive layer written by the learner ---


class ContractiveDense(keras.layers.Dense):
    """The solution of Exercise 7.1, as the notebook writes it."""

    def __init__(self, units, contraction=0.01, **kwargs):
        super().__init__(units, activation="sigmoid", **kwargs)
        self.contraction = contraction

    def penalty(self, codes):
        slopes = ops.square(codes * (1 - codes))
        return ops.mean(ops.sum(slopes * ops.sum(ops.square(self.kernel), axis=0), axis=-1))

    def call(self, inputs):
        codes = super().call(inputs)
        self.add_loss(self.contraction * self.penalty(codes))
        return codes

    def get_config(self):
        config = super().get_config()
        config.pop("activation")
        return {**config, "contraction": self.contraction}


def with_penalty(penalty):
    """A ContractiveDense whose penalty is ``penalty(codes, kernel)``."""
    return type("Variant", (ContractiveDense,), {"penalty": lambda self, codes: penalty(codes, self.kernel)})


SLOPE_INSTEAD_OF_H = with_penalty(  # z where the Jacobian has z (1 - z)
    lambda h, w: ops.mean(ops.sum(ops.square(h) * ops.sum(ops.square(w), axis=0), axis=-1)))
NO_SQUARED_SLOPE = with_penalty(
    lambda h, w: ops.mean(ops.sum(h * (1 - h) * ops.sum(ops.square(w), axis=0), axis=-1)))
SUMMED_WEIGHTS = with_penalty(
    lambda h, w: ops.mean(ops.sum(ops.square(h * (1 - h)) * ops.sum(w, axis=0), axis=-1)))
SUMMED_OVER_BATCH = with_penalty(
    lambda h, w: ops.sum(ops.square(h * (1 - h)) * ops.sum(ops.square(w), axis=0)))
NO_GRADIENT = with_penalty(
    lambda h, w: ops.stop_gradient(ops.mean(ops.sum(ops.square(h * (1 - h)) * ops.sum(ops.square(w), axis=0),
                                                    axis=-1))))


class NoContraction(ContractiveDense):
    def call(self, inputs):
        codes = keras.layers.Dense.call(self, inputs)
        self.add_loss(self.penalty(codes))
        return codes


class AddedTwice(ContractiveDense):
    def call(self, inputs):
        codes = super().call(inputs)
        self.add_loss(self.contraction * self.penalty(codes))
        return codes


class NoLoss(ContractiveDense):
    def call(self, inputs):
        return keras.layers.Dense.call(self, inputs)


class Linear(ContractiveDense):
    def __init__(self, units, contraction=0.01, **kwargs):
        keras.layers.Dense.__init__(self, units, **kwargs)
        self.contraction = contraction


class NoContractionInConfig(ContractiveDense):
    def get_config(self):
        config = keras.layers.Dense.get_config(self)
        config.pop("activation")
        return config


class RaisesInCall(ContractiveDense):
    def call(self, inputs):
        raise RuntimeError("broken")


class Scaffold(keras.layers.Dense):
    def __init__(self, units, contraction=0.01, **kwargs):
        super().__init__(units, activation="sigmoid", **kwargs)
        raise NotImplementedError  # your code here

    def call(self, inputs):
        raise NotImplementedError  # your code here

    def get_config(self):
        raise NotImplementedError  # your code here


class ScaffoldCall(ContractiveDense):
    def call(self, inputs):
        raise NotImplementedError  # your code here


@pytest.mark.parametrize("answer", [
    ContractiveDense, pytest.param(cp.ContractiveDense, marks=pytest.mark.answer_key),
], ids=["solution", "reference"])
def test_contractive_dense_right(answer):
    verdict = ch07.check_contractive_dense(answer)
    assert verdict.status == "correct", verdict.message
    assert verdict.message == ch07.check_contractive_dense(ContractiveDense).message  # nothing measured in it


@pytest.mark.parametrize("answer", [Scaffold, ScaffoldCall, ..., None],
                         ids=["scaffold", "scaffold-call", "ellipsis", "none"])
def test_contractive_dense_unattempted(answer):
    verdict = ch07.check_contractive_dense(answer)
    assert verdict.status == "unattempted", verdict.message


@pytest.mark.parametrize(
    "answer, words",
    [
        (SLOPE_INSTEAD_OF_H, "weighs each unit by its output h"),
        (NO_SQUARED_SLOPE, "grows with the sigmoid's slope at each unit, where ||J||_F^2 grows with its square"),
        (SUMMED_WEIGHTS, "adds up the kernel's weights themselves"),
        (SUMMED_OVER_BATCH, "with inputs of shape (7, 5), your penalty, compared with contraction * mean "
                            "||J||_F^2 by autodiff, is too large by a factor of 7"),
        (NoContraction, "too large by a factor of 10"),
        (AddedTwice, "adds 2 terms to the loss"),
        (NoLoss, "adds nothing to the loss"),
        (Linear, "the output differs from the reference's"),
        (NoContractionInConfig, "get_config() leaves out `contraction`"),
        (NO_GRADIENT, "Does the penalty's gradient reach the kernel?"),
    ],
    ids=["h-not-slope", "slope-not-squared", "weights-not-squared", "sum-over-batch", "no-contraction",
         "added-twice", "no-loss", "linear", "config", "no-gradient"],
)
def test_contractive_dense_wrong(answer, words):
    verdict = ch07.check_contractive_dense(answer)
    assert verdict.status == "wrong" and words in verdict.message, verdict.message


@pytest.mark.parametrize(
    "answer, words",
    [
        ("ContractiveDense", "Expected `ContractiveDense(units, contraction=0.01)`"),
        (lambda units, contraction=0.01: None, "gave None"),
        (lambda units, contraction=0.01: keras.regularizers.L2(), "Keras layer or model"),
        (lambda units: cp.ContractiveDense(units), "raised TypeError"),
        (RaisesInCall, "raised RuntimeError: broken"),
    ],
    ids=["string", "none", "regulariser", "no-contraction-argument", "raises"],
)
def test_contractive_dense_odd_answers(answer, words):
    verdict = ch07.check_contractive_dense(answer)
    assert verdict.status == "wrong" and words in verdict.message, verdict.message
