"""Checkers of Chapter 9."""

import os
from pathlib import Path

import numpy as np
import pytest

import keras
from keras import ops

import companion as cp
from companion.exercises import ch09


# --- 9.1 build it: the Sampling layer ---


def sampling_with(draw):
    """A Sampling layer whose call is ``draw(layer, z_mean, z_log_var)``, otherwise the reference."""
    return type("LearnerSampling", (cp.Sampling,), {"call": lambda self, inputs: draw(self, *inputs)})


def noise(layer, z_mean):
    return keras.random.normal(ops.shape(z_mean), dtype=z_mean.dtype, seed=layer.seed_generator)


class WithoutConfig(keras.layers.Layer):
    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        return z_mean + ops.exp(0.5 * z_log_var) * noise(self, z_mean)


class ConfigWithoutSeed(WithoutConfig):
    def get_config(self):
        return super().get_config()


class NotAttempted(keras.layers.Layer):
    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        raise NotImplementedError  # your code here


def test_sampling_right():
    verdict = ch09.check_sampling(cp.Sampling)
    assert verdict.status == "correct", verdict.message
    learner = sampling_with(lambda self, m, v: m + ops.sqrt(ops.exp(v)) * noise(self, m))
    assert ch09.check_sampling(learner).status == "correct"


@pytest.mark.parametrize(
    "draw, words",
    [
        (lambda self, m, v: m + ops.exp(v) * noise(self, m), "your samples' spread is the variance, not the standard"),
        (lambda self, m, v: m + noise(self, m), "the spread does not follow z_log_var"),
        (lambda self, m, v: m + v * noise(self, m), "they do not follow from the variances"),
        (lambda self, m, v: ops.exp(0.5 * v) * noise(self, m), "they are not centred on z_mean"),
        (lambda self, m, v: m + 0 * v, "no noise"),
        (lambda self, m, v: m + ops.exp(0.5 * v) * keras.random.normal(ops.shape(m)[-1:], seed=self.seed_generator),
         "every image of the batch gets the same draw"),
        (lambda self, m, v: m + ops.exp(0.5 * v) * keras.random.normal((*ops.shape(m)[:-1], 1), seed=self.seed_generator),
         "correlated noise"),
        (lambda self, m, v: m + ops.exp(0.5 * v) * 3**0.5 * keras.random.uniform(ops.shape(m), -1, 1,
                                                                                  seed=self.seed_generator),
         "the noise is not Gaussian"),
        (lambda self, m, v: m + ops.exp(0.5 * v) * keras.random.normal(ops.shape(m)),
         "two layers made with seed=5 draw different noise"),
        (lambda self, m, v: m + ops.exp(0.5 * v) * keras.random.normal(ops.shape(m), seed=3),
         "two calls of your layer draw the same noise"),
        (lambda self, m, v: m + ops.stop_gradient(ops.exp(0.5 * v)) * noise(self, m),
         "no gradient flows back to input 1"),
        (lambda self, m, v: ops.stop_gradient(m) + ops.exp(0.5 * v) * noise(self, m),
         "no gradient flows back to input 0"),
        (lambda self, m, v: [m, m + ops.exp(0.5 * v) * noise(self, m)], "your layer returns"),
    ],
    ids=["variance", "ignores log_var", "log_var as deviation", "no mean", "no noise", "one draw per batch",
         "one draw per image", "uniform", "unseeded", "int seed", "stop log_var", "stop mean",
         "two outputs"],
)
def test_sampling_wrong(draw, words):
    verdict = ch09.check_sampling(sampling_with(draw))
    assert verdict.status == "wrong" and words in verdict.message, verdict.message


def test_sampling_noise_of_another_dtype():
    learner = sampling_with(lambda self, m, v: m + ops.exp(0.5 * v) * keras.random.normal(
        ops.shape(m), seed=self.seed_generator))
    verdict = ch09.check_sampling(learner)
    assert verdict.status == "wrong", verdict.message
    # promoted to float32 (JAX, PyTorch), or refused by TensorFlow's multiplication of float16 by float32
    assert "with dtype='float16' your layer returns float32" in verdict.message or "half" in verdict.message


@pytest.mark.parametrize(
    "answer, status, words",
    [
        (WithoutConfig, "wrong", "has no get_config of its own"),
        (ConfigWithoutSeed, "wrong", "get_config() leaves out `seed`"),
        (NotAttempted, "unattempted", "Not attempted"),
        (..., "unattempted", "Not attempted"),
        ("Sampling", "wrong", "a class or a function"),
        (lambda seed: None, "wrong", "forget `return`"),
    ],
    ids=["no config", "config without seed", "scaffold", "ellipsis", "text", "returns None"],
)
def test_sampling_odd_answers(answer, status, words):
    verdict = ch09.check_sampling(answer)
    assert verdict.status == status and words in repr(verdict).replace("\n", " "), verdict


# --- 9.2 build it: the VAE's loss ---


def bce_per_image(x, x_hat):
    return ops.sum(ops.reshape(ops.binary_crossentropy(x, x_hat), (ops.shape(x)[0], -1)), axis=-1)


def kl_per_image(m, v):
    return -0.5 * ops.sum(1 + v - ops.square(m) - ops.exp(v), axis=-1)


def solution_loss(x, x_hat, z_mean, z_log_var):
    return ops.mean(bce_per_image(x, x_hat) + kl_per_image(z_mean, z_log_var))


def by_hand_loss(x, x_hat, z_mean, z_log_var):
    flat_x, flat_hat = ops.reshape(x, (ops.shape(x)[0], -1)), ops.reshape(x_hat, (ops.shape(x)[0], -1))
    reconstruction = -ops.sum(flat_x * ops.log(flat_hat) + (1 - flat_x) * ops.log(1 - flat_hat), axis=-1)
    kl = 0.5 * ops.sum(ops.exp(z_log_var) + z_mean**2 - 1 - z_log_var, axis=-1)
    return ops.mean(reconstruction + kl)


def loss_not_attempted(x, x_hat, z_mean, z_log_var):
    raise NotImplementedError  # your code here


@pytest.mark.parametrize("answer", [
    pytest.param(ch09.reference_vae_loss, marks=pytest.mark.answer_key), solution_loss, by_hand_loss,
], ids=["package", "solution", "by hand"])
def test_vae_loss_right(answer):
    verdict = ch09.check_vae_loss(answer)
    assert verdict.status == "correct", verdict.message


@pytest.mark.parametrize(
    "answer, words",
    [
        (lambda x, h, m, v: ops.mean(ops.mean(ops.reshape(ops.binary_crossentropy(x, h), (ops.shape(x)[0], -1)), -1)
                                     + kl_per_image(m, v)),
         ["(a KL of zero) and a batch of 4 images of shape (28, 28, 1), the loss is too small by a factor of 784"]),
        (lambda x, h, m, v: ops.mean(bce_per_image(x, h) - kl_per_image(m, v)),
         ["when only z_mean is not zero, the KL has its sign flipped"]),
        (lambda x, h, m, v: ops.mean(bce_per_image(x, h) - 0.5 * ops.sum(1 + v - ops.exp(v), axis=-1)),
         ["when only z_mean is not zero, the KL does not change with z_mean"]),
        (lambda x, h, m, v: ops.mean(bce_per_image(x, h)) + ops.mean(-0.5 * (1 + v - ops.square(m) - ops.exp(v))),
         ["a code of 16 numbers, when only z_mean is not zero, the KL is too small by a factor of 16"]),
        (lambda x, h, m, v: ops.sum(bce_per_image(x, h) + kl_per_image(m, v)),
         ["a batch of 4 images", "the loss is too large by a factor of 4"]),
        (lambda x, h, m, v: bce_per_image(x, h) + kl_per_image(m, v),
         ["your vae_loss returns an array of shape (4,): the loss of a batch is one number"]),
        (lambda x, h, m, v: ops.mean(bce_per_image(x, h) + 2 * kl_per_image(m, v)),
         ["when only z_mean is not zero, the KL is too large by a factor of 2"]),
        (lambda x, h, m, v: ops.mean(bce_per_image(x, h) + kl_per_image(m, v) + 0.1 * ops.sum(v * v, axis=-1)),
         ["when only z_log_var is not zero, the KL is too large by a factor of"]),
        (lambda x, h, m, v: ops.mean(bce_per_image(x, h) + kl_per_image(m, ops.stop_gradient(v))),
         ["no gradient flows back to input 3 of your vae_loss"]),
    ],
    ids=["mean over pixels", "kl sign", "no mean term", "kl averaged", "summed over batch", "per image",
         "half missing", "log_var term", "stop log_var"],
)
def test_vae_loss_wrong(answer, words):
    verdict = ch09.check_vae_loss(answer)
    assert verdict.status == "wrong", verdict.message
    for word in words:
        assert word in verdict.message, verdict.message


@pytest.mark.parametrize(
    "answer, status, words",
    [
        (loss_not_attempted, "unattempted", "Not attempted"),
        (..., "unattempted", "Not attempted"),
        (lambda x, x_hat, z_mean, z_log_var: None, "wrong", "forget `return`"),
        (lambda x, x_hat: 0.0, "wrong", "raised TypeError"),
        (lambda x, h, m, v: "loss", "wrong", "tensors of numbers"),
        ("loss", "wrong", ": a function. Received"),
    ],
    ids=["scaffold", "ellipsis", "none", "signature", "text", "not a function"],
)
def test_vae_loss_odd_answers(answer, status, words):
    verdict = ch09.check_vae_loss(answer)
    assert verdict.status == status and words in repr(verdict).replace("\n", " "), verdict


def test_statements():
    right = ch09.check_vae_statements("bd")
    assert right.status == "correct" and "(a) is false:" in right.message and "(b) is true:" in right.message
    assert ch09.check_vae_statements("db").status == "correct"
    assert ch09.check_vae_statements(...).status == "unattempted"
    verdict = ch09.check_vae_statements("abd")
    assert verdict.status == "wrong" and "Re-read" in verdict.message
    assert ch09.check_vae_statements(42).status == "wrong"


# --- every checker: the bad answers of every kind get a verdict, never an exception ---


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
def held_out(checker_digits):
    """The checker's digits replaced by 40 copies of one nearly binary pattern: no MNIST needed."""
    images = np.repeat(PATTERN[None], 40, axis=0).astype("float32")
    checker_digits.set("test", images)
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


def test_elbo_model_measures_binarised_digits(checker_digits, monkeypatch):
    checker_digits.set("test", np.full((40, 28, 28), 0.5, "float32"))
    measured = []
    monkeypatch.setattr(ch09, "measured_negative_elbo", lambda vae, images: measured.append(images) or 100.0)
    verdict = ch09.check_elbo_model(vae_that_draws(PATTERN))
    assert verdict.status == "correct" and "binarised" in verdict.message, verdict.message
    ch09.check_elbo_model(vae_that_draws(PATTERN))
    first, again = measured
    assert set(np.unique(first)) == {0.0, 1.0} and abs(first.mean() - 0.5) < 0.05
    assert np.array_equal(first, again)  # the same draw at every check


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
def test_elbo_model_rejects_the_chapters_2d_vae():
    """On the real held-out digits the chapter's baseline fails (that the solution passes, in fast mode,
    is asserted where it is trained: a hidden cell of Chapter 9b, which the test command executes)."""
    if not (Path(os.environ.get("COMPANION_DATA", "")) / "mnist.npz").is_file():
        pytest.skip("needs MNIST in the folder named by COMPANION_DATA")
    (x_train, _), _ = cp.load_mnist(10_000, 1)
    settings = cp.chapter_settings(9, fast=True)
    cp.seed_everything(42)
    baseline = cp.build_vae((28, 28, 1), 2, kind="dense", hidden_sizes=(512, 256), seed=1)
    cp.train(baseline, x_train[..., None], epochs=settings.epochs_2d, batch_size=settings.batch_size,
             learning_rate=settings.learning_rate)
    verdict = ch09.check_elbo_model(baseline)
    assert verdict.status == "wrong", verdict.message


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
