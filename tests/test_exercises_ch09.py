"""Checkers of Chapter 9."""

import os
from pathlib import Path

import numpy as np
import pytest

import keras

import companion as cp
from companion.exercises import ch09


def test_elbo_bound():
    assert ch09.check_elbo_bound(-105).status == "correct"
    assert ch09.check_elbo_bound(...).status == "unattempted"
    for answer, hint in ((105, "sign"), (-55, "subtracted"), (55, "count against the bound"), (-80, "subtract the KL"),
                         (-100, "Check the formula"), ([-105], "Expected a number")):
        verdict = ch09.check_elbo_bound(answer)
        assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def right(mean, log_var):
    return 0.5 * np.sum(np.exp(log_var) + mean**2 - 1 - log_var, axis=1)


def test_kl_right():
    assert ch09.check_kl_function(right).status == "correct"
    assert ch09.check_kl_function(...).status == "unattempted"


@pytest.mark.parametrize(
    "function, hint",
    [
        (lambda m, v: -right(m, v), "sign is flipped"),
        (lambda m, v: 0.5 * np.sum(np.exp(0.5 * v) + m**2 - 1 - v, axis=1), "log of the variance"),
        (lambda m, v: 2 * right(m, v), "factor 1/2"),
        (lambda m, v: right(m, v).sum(), "should return shape (6,)"),
        (lambda m, v: np.zeros(6), "closed form"),
        (lambda m: 0.0, "raised TypeError"),
        ("kl", "Expected a function"),
    ],
)
def test_kl_wrong(function, hint):
    verdict = ch09.check_kl_function(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def test_statements():
    assert ch09.check_vae_statements("bd").status == "correct"
    assert ch09.check_vae_statements("db").status == "correct"
    assert ch09.check_vae_statements(...).status == "unattempted"
    verdict = ch09.check_vae_statements("abd")
    assert verdict.status == "wrong" and "Re-read" in verdict.message
    assert ch09.check_vae_statements(42).status == "wrong"


def test_elbo_bound_complex_or_huge():
    verdict = ch09.check_elbo_bound(-105 + 0j)
    assert verdict.status == "wrong" and "Expected a real number" in verdict.message
    verdict = ch09.check_elbo_bound(-(10 ** 400))
    assert verdict.status == "wrong" and "finite number" in verdict.message


@pytest.mark.parametrize(
    "function, hint",
    [
        (lambda m, v: right(m, v) + 0j, "real numbers, not complex ones"),
        (lambda m, v: [[0.1], [0.2, 0.3]], "array of numbers"),
        (lambda m, v: None, "did you forget `return`"),
    ],
    ids=["complex", "ragged", "none"],
)
def test_kl_odd_results(function, hint):
    verdict = ch09.check_kl_function(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


# --- every checker: the bad answers of every kind get a verdict, never an exception ---


@pytest.mark.parametrize(
    "answer, status, hint",
    [
        (None, "unattempted", "replace"),
        (float("nan"), "wrong", "finite"),
        (float("inf"), "wrong", "finite"),
        ("-105", "wrong", "Expected a number"),
        ({"answer": -105}, "wrong", "Expected a number"),
        (np.array([-105.0]), "wrong", "Expected a number"),
        (True, "wrong", "Expected a number"),
        (np.float32(-105.0), "correct", "-105"),
    ],
)
def test_elbo_bound_bad_answers(answer, status, hint):
    verdict = ch09.check_elbo_bound(answer)
    assert verdict.status == status and hint in verdict.message, verdict.message


def raises_value_error(mean, log_var):
    raise ValueError("shapes do not match")


@pytest.mark.parametrize(
    "function, status, hint",
    [
        (None, "unattempted", "define"),
        ([right], "wrong", "Expected a function"),
        (lambda m, v: np.full(6, np.nan), "wrong", "NaN"),
        (lambda m, v: np.full(6, np.inf), "wrong", "NaN or infinite"),
        (lambda m, v: "0.5", "wrong", "array of numbers"),
        (lambda m, v: right(m, v)[:, None], "wrong", "should return shape (6,)"),
        (lambda m, v: right(m, v).astype("float32"), "correct", "1/2 sum"),
        (lambda m, v: np.zeros(6, dtype=int), "wrong", "closed form"),
        (raises_value_error, "wrong", "raised ValueError: shapes do not match"),
    ],
)
def test_kl_bad_answers(function, status, hint):
    verdict = ch09.check_kl_function(function)
    assert verdict.status == status and hint in verdict.message, verdict.message


@pytest.mark.parametrize(
    "answer, status",
    [(None, "unattempted"), (float("nan"), "wrong"), ({"z"}, "wrong"), (["b", "d"], "correct"),
     ({"a": 1}, "wrong"), (np.array(["b", "d"]), "wrong"), ("", "wrong")],
)
def test_statements_bad_answers(answer, status):
    assert ch09.check_vae_statements(answer).status == status


# --- 9.4 a VAE whose ELBO beats the bound ---

PATTERN = np.where(np.random.default_rng(0).uniform(size=(28, 28)) < 0.2, 0.99, 0.01)


@pytest.fixture
def held_out(monkeypatch):
    """The checker's digits replaced by 40 copies of one nearly binary pattern: no MNIST needed."""
    images = np.repeat(PATTERN[None], 40, axis=0).astype("float32")
    monkeypatch.setattr(ch09, "held_out_mnist", lambda n: (images, np.zeros(len(images), dtype=int)))
    return images


def vae_that_draws(pattern, input_shape=(28, 28, 1), code_size=4):
    """A VAE whose q(z|x) is the prior (no KL) and whose decoder always draws ``pattern``."""
    vae = cp.build_vae(input_shape, code_size, hidden_sizes=(8,), seed=0)
    for layer in (vae.encoder.get_layer("z_mean"), vae.encoder.get_layer("z_log_var")):
        layer.set_weights([np.zeros_like(weight) for weight in layer.get_weights()])
    out = vae.decoder.get_layer("reconstruction")
    kernel, _ = out.get_weights()
    logits = np.log(pattern / (1 - pattern)).reshape(-1).astype("float32")
    out.set_weights([np.zeros_like(kernel), logits])
    return vae


def test_elbo_model_accepts_a_good_model(held_out):
    verdict = ch09.check_elbo_model(vae_that_draws(PATTERN))
    assert verdict.status == "correct", verdict.message
    assert "needed: at most 140.0 nats" in verdict.message


def test_elbo_model_rejects_an_untrained_vae_with_the_numbers(held_out):
    verdict = ch09.check_elbo_model(cp.build_vae((28, 28, 1), 16, hidden_sizes=(32,), seed=0))
    assert verdict.status == "wrong"
    assert "your negative ELBO:" in verdict.message and "needed: at most 140.0 nats" in verdict.message
    assert "code of two dimensions" in verdict.message  # the hints


def test_elbo_model_accepts_every_declared_image_shape(held_out):
    for shape in ((784,), (28, 28)):
        assert ch09.check_elbo_model(vae_that_draws(PATTERN, input_shape=shape)).status == "correct"


class Raising:
    """An object with an encoder that raises and a decoder."""

    def __call__(self, x):
        return x

    @staticmethod
    def encoder(x):
        raise RuntimeError("encoder broken")

    @staticmethod
    def decoder(z):
        return z


class ReturnsText(Raising):
    @staticmethod
    def encoder(x):
        return ["mean", "log_var"]


def plain_autoencoder():
    vae = cp.build_vae((28, 28, 1), 4, hidden_sizes=(8,), seed=0)
    encoder = keras.Model(vae.encoder.inputs, vae.encoder.outputs[0])
    return cp.Autoencoder(encoder, vae.decoder)


def nan_vae():
    vae = vae_that_draws(PATTERN)
    layer = vae.encoder.get_layer("z_mean")
    layer.set_weights([np.full_like(weight, np.nan) for weight in layer.get_weights()])
    return vae


def linear_output_vae():
    vae = vae_that_draws(PATTERN)
    out = vae.decoder.get_layer("reconstruction")
    kernel, bias = out.get_weights()
    out.set_weights([kernel, bias])
    out.activation = keras.activations.linear
    return vae


def wrong_output_vae():
    vae = cp.build_vae((28, 28, 1), 4, hidden_sizes=(8,), seed=0)
    codes = keras.Input((4,))
    return cp.VAE(vae.encoder, keras.Model(codes, keras.layers.Dense(10, activation="sigmoid")(codes)))


@pytest.mark.parametrize(
    "make, status, hint",
    [
        (lambda: ..., "unattempted", "train a VAE"),
        (lambda: None, "unattempted", "train a VAE"),
        (lambda: "vae", "wrong", "Expected a VAE"),
        (lambda: [1, 2], "wrong", "Expected a VAE"),
        (lambda: np.zeros((28, 28)), "wrong", "Expected a VAE"),
        (lambda: keras.Sequential([keras.Input((784,)), keras.layers.Dense(784)]), "wrong", ".encoder"),
        (plain_autoencoder, "wrong", "returns [z_mean, z_log_var]"),
        (lambda: cp.build_vae((10,), 2, hidden_sizes=(8,)), "wrong", "takes inputs of shape (10,)"),
        (wrong_output_vae, "wrong", "image of the input's size"),
        (nan_vae, "wrong", "NaN or infinite"),
        (linear_output_vae, "wrong", "End it with a sigmoid"),
        (Raising, "wrong", "raised RuntimeError: encoder broken"),
        (ReturnsText, "wrong", "reading what your encoder returned raised"),
    ],
    ids=["ellipsis", "none", "str", "list", "array", "no-encoder", "plain-autoencoder", "input-shape",
         "output-shape", "nan", "linear-output", "raises", "returns-text"],
)
def test_elbo_model_bad_answers(held_out, make, status, hint):
    verdict = ch09.check_elbo_model(make())
    assert verdict.status == status and hint in verdict.message, verdict.message


@pytest.mark.slow
def test_elbo_model_rejects_the_chapters_2d_vae_and_accepts_the_solution():
    """On the real held-out digits: the chapter's baseline fails, the solution (fast-mode budget) passes."""
    if not (Path(os.environ.get("COMPANION_DATA", "")) / "mnist.npz").is_file():
        pytest.skip("needs MNIST in the folder named by COMPANION_DATA")
    (x_train, _), _ = cp.load_mnist(10_000, 1)
    settings = cp.chapter_settings(9, fast=True)
    cp.seed_everything(42)
    baseline = cp.build_vae((28, 28, 1), 2, kind="dense", hidden_sizes=(512, 256), seed=1)
    cp.train(baseline, x_train[..., None], epochs=settings.epochs_2d, batch_size=settings.batch_size,
             learning_rate=settings.learning_rate)
    assert ch09.check_elbo_model(baseline).status == "wrong"
    solution = cp.build_vae((28, 28, 1), 16, kind="dense", hidden_sizes=(512, 256), seed=4)
    cp.train(solution, x_train[:settings.exercise_n_train, ..., None], epochs=settings.exercise_epochs,
             batch_size=settings.batch_size, learning_rate=settings.learning_rate)
    verdict = ch09.check_elbo_model(solution)
    assert verdict.status == "correct", verdict.message


# --- 9.5 the prediction about active units at beta = 8 ---


@pytest.mark.parametrize(
    "active_beta_1, active_beta_8, outcome",
    [(7, 3, "b"), (27, 1, "b"), (7, 0, "b"), (7, 7, "c"), (0, 0, "c"), (7, 9, "a")],
)
def test_active_units_outcome(active_beta_1, active_beta_8, outcome):
    assert ch09.active_units_outcome(active_beta_1, active_beta_8) == outcome


@pytest.mark.parametrize(
    "answer, status, hint",
    [
        ("b", "correct", "your prediction held"),
        (" (B) ", "correct", "your prediction held"),
        ("a", "wrong", "did not hold"),
        ("c", "wrong", "7 with beta = 1, 3 with beta = 8"),
        ("d", "wrong", 'one of "a", "b" or "c"'),
        (..., "unattempted", "write your prediction first"),
        (None, "unattempted", "write your prediction first"),
        (2, "wrong", "Expected one letter"),
        (["b"], "wrong", "Expected one letter"),
        (float("nan"), "wrong", "Expected one letter"),
        ("ab", "wrong", "Expected one letter"),
    ],
)
def test_active_units_prediction(answer, status, hint):
    verdict = ch09.check_active_units_prediction(answer, 7, 3, 32)
    assert verdict.status == status and hint in verdict.message, verdict.message


# --- 9.6 the beta hidden in a loss of two means ---


@pytest.mark.parametrize(
    "answer, status, hint",
    [
        (24.5, "correct", "784/32"),
        (784 / 32, "correct", "24.5"),
        (32 / 784, "wrong", "upside down"),
        (784, "wrong", "trap of the chapter"),
        (1 / 32, "wrong", "factor out"),
        (32, "wrong", "compare the two factors"),
        (1, "wrong", "not divided by the same number"),
        (10, "wrong", "Check the formula"),
        (..., "unattempted", "replace"),
        (None, "unattempted", "replace"),
        ("24.5", "wrong", "Expected a number"),
        ([24.5], "wrong", "Expected a number"),
        (float("nan"), "wrong", "finite"),
        (float("inf"), "wrong", "finite"),
        (24.5 + 0j, "wrong", "real number"),
    ],
)
def test_hidden_beta(answer, status, hint):
    verdict = ch09.check_hidden_beta(answer)
    assert verdict.status == status and hint in verdict.message, verdict.message
