"""Checkers of Chapter 5."""

import keras
import numpy as np
import pytest
from keras import ops

import companion as cp
from companion.exercises import ch05


@pytest.mark.parametrize("answer", [20, 20.0, 20.004, np.float32(20.0)])
def test_psnr_right(answer):
    assert ch05.check_psnr_value(answer).status == "correct"


@pytest.mark.parametrize("answer, hint", [(2, "10 times"), (40, "twice the PSNR"), (-20, "sign"), (10, "0.01 go into 1"),
                                          (33, "Check the formula"), ("20", "Expected a number"),
                                          (float("nan"), "finite")])
def test_psnr_wrong(answer, hint):
    verdict = ch05.check_psnr_value(answer)
    assert verdict.status == "wrong" and hint in verdict.message


def test_psnr_unattempted():
    assert ch05.check_psnr_value(...).status == "unattempted"


def test_denoising_statements():
    assert ch05.check_denoising_statements({"a", "d", "e"}).status == "correct"
    verdict = ch05.check_denoising_statements({"a", "b", "d", "e"})
    assert verdict.status == "wrong" and "Re-read" in verdict.message


@pytest.mark.parametrize("answer, hint", [(20 + 0j, "Expected a real number"), (10 ** 400, "finite number")],
                         ids=["complex", "huge"])
def test_psnr_complex_or_huge(answer, hint):
    verdict = ch05.check_psnr_value(answer)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def raises(*args):
    raise RuntimeError("broken")


# --- 5.4 the masking denoiser on Gaussian noise, predicted ---


@pytest.mark.parametrize("gain, letter", [(3.0, "a"), (0.6, "a"), (0.2, "b"), (-0.4, "b"), (-0.6, "c"), (-3.0, "c")])
def test_noise_transfer_outcome(gain, letter):
    assert ch05.noise_transfer_outcome(gain) == letter


def test_noise_transfer_prediction_follows_the_measurement():
    held = ch05.check_noise_transfer_prediction("c", 16.0, 13.0)
    assert held.status == "correct" and "16.0 dB" in held.message and "-3.0 dB" in held.message
    missed = ch05.check_noise_transfer_prediction("a", 16.0, 13.0)
    assert missed.status == "wrong" and "did not hold" in missed.message
    assert ch05.check_noise_transfer_prediction("a", 13.0, 16.0).status == "correct"
    assert ch05.check_noise_transfer_prediction(" (B) ", 13.0, 13.1).status == "correct"


@pytest.mark.parametrize("answer, status", [(..., "unattempted"), (None, "unattempted"), ("d", "wrong"),
                                            (3, "wrong"), (["c"], "wrong"), ("", "wrong")])
def test_noise_transfer_odd_answers(answer, status):
    assert ch05.check_noise_transfer_prediction(answer, 16.0, 13.0).status == status


@pytest.mark.parametrize("measured", [None, ..., "16 dB", [16.0, 13.0], float("nan"), float("inf"), True,
                                      np.zeros(3)], ids=repr)
def test_noise_transfer_odd_measurements(measured):
    verdict = ch05.check_noise_transfer_prediction("c", measured, 13.0)
    assert verdict.status == "wrong" and "noisy_psnr" in verdict.message, verdict.message
    assert ch05.check_noise_transfer_prediction("c", 16.0, measured).status == "wrong"


# --- 5.5 a denoiser for occlusion, measured on held-out digits ---


def test_occlude_pastes_one_seeded_white_square_per_image():
    images = np.zeros((5, 784), dtype="float32")
    occluded = ch05.occlude(images, seed=3)
    assert occluded.shape == (5, 784) and occluded.dtype == np.float32
    assert np.all((occluded == 1).sum(axis=1) == ch05.OCCLUSION_SIDE**2)
    assert np.array_equal(occluded, ch05.occlude(images, seed=3))
    assert not np.array_equal(occluded, ch05.occlude(images, seed=4))
    assert ch05.occlude(images.reshape(5, 28, 28, 1), seed=3).shape == (5, 28, 28, 1)
    assert np.all(images == 0)  # the input is left as it was
    with pytest.raises(ValueError, match="784 pixels"):
        ch05.occlude(np.zeros((5, 100)))


@pytest.fixture
def held_out(checker_digits):
    """Synthetic held-out digits: smooth blobs in [0, 1]."""
    rng = np.random.default_rng(5)
    y, x = np.mgrid[0:28, 0:28]
    centres = rng.uniform(8, 20, size=(60, 2))
    images = np.exp(-((y - centres[:, :1, None]) ** 2 + (x - centres[:, 1:, None]) ** 2) / 20).astype("float32")
    checker_digits.set("test", images)
    return images


def knows_the_clean_digits(images):
    """A perfect denoiser of the synthetic digits: it returns the clean images."""
    return lambda batch: images.reshape(batch.shape)


def test_a_denoiser_that_removes_the_squares_passes(held_out):
    verdict = ch05.check_occlusion_denoiser(knows_the_clean_digits(held_out))
    assert verdict.status == "correct", verdict.message
    assert "needed: at least 4.0 dB" in verdict.message


@pytest.mark.parametrize("model", [lambda batch: batch, lambda batch: batch * 0.9],
                         ids=["the occluded input (a perfect plain autoencoder copies it)", "fainter input"])
def test_the_baselines_are_rejected(held_out, model):
    verdict = ch05.check_occlusion_denoiser(model)
    assert verdict.status == "wrong" and "needed: at least 4.0 dB" in verdict.message, verdict.message
    assert "inputs and targets swapped" in verdict.message


def test_an_untrained_autoencoder_is_rejected(held_out):
    cp.seed_everything(0)
    verdict = ch05.check_occlusion_denoiser(cp.build_stacked_autoencoder((28, 28), 8, hidden_sizes=(32,)))
    assert verdict.status == "wrong" and "your PSNR gain" in verdict.message, verdict.message


def test_outputs_above_one_are_pointed_out(held_out):
    verdict = ch05.check_occlusion_denoiser(lambda batch: batch + 0.5)
    assert verdict.status == "wrong" and "above 1" in verdict.message


@pytest.mark.parametrize("shape", [(784,), (28, 28), (28, 28, 1)])
def test_the_model_gets_the_digits_in_its_own_shape(held_out, shape):
    import keras

    clean = keras.ops.convert_to_tensor(held_out.reshape((-1, *shape)))

    class Lookup(keras.layers.Layer):  # returns the clean digits, in the shape it declares
        def call(self, inputs):
            return 0 * inputs + clean[: keras.ops.shape(inputs)[0]]

        def compute_output_shape(self, input_shape):
            return input_shape

    inputs = keras.Input(shape)
    model = keras.Model(inputs, Lookup()(inputs))
    assert ch05.check_occlusion_denoiser(model).status == "correct"


@pytest.mark.parametrize(
    "model, status, hint",
    [
        (..., "unattempted", "train a denoising autoencoder"),
        (None, "unattempted", "train a denoising autoencoder"),
        ("model", "wrong", "Expected a denoising autoencoder"),
        (42, "wrong", "Expected a denoising autoencoder"),
        (raises, "wrong", "raised RuntimeError: broken"),
        (lambda batch: batch[:, :10], "wrong", "the input's size"),
        (lambda batch: batch[:3], "wrong", "one output per image"),
        (lambda batch: np.full(batch.shape, np.nan), "wrong", "NaN"),
        (lambda batch: None, "wrong", "array of numbers"),
        (lambda batch: "images", "wrong", "array of numbers"),
    ],
    ids=["ellipsis", "none", "string", "number", "raises", "wrong output shape", "too few outputs", "nan",
         "returns none", "returns text"],
)
def test_bad_models_get_a_verdict(held_out, model, status, hint):
    verdict = ch05.check_occlusion_denoiser(model)
    assert verdict.status == status and hint in verdict.message, verdict.message


def test_a_model_for_other_images_is_explained(held_out):
    verdict = ch05.check_occlusion_denoiser(cp.build_stacked_autoencoder((100,), 4, hidden_sizes=()))
    assert verdict.status == "wrong" and "takes inputs of shape (100,)" in verdict.message


# --- 5.1 salt-and-pepper noise written as a Keras layer ---


class SaltAndPepper(keras.layers.Layer):
    """The solution of Exercise 5.1, as the notebook writes it."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        if not training:
            return inputs
        shape = ops.shape(inputs)
        hit = keras.random.uniform(shape, seed=self.seed_generator) < self.rate
        salt = keras.random.uniform(shape, seed=self.seed_generator) < 0.5
        return ops.where(hit, ops.cast(salt, inputs.dtype), inputs)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


def reference_noise(rate, seed=None, **kwargs):
    return cp.Corruption("salt_and_pepper", level=rate, seed=seed, **kwargs)


class OneDraw(SaltAndPepper):  # one uniform draw: below rate / 2 pepper, below rate salt
    def call(self, inputs, training=False):
        if not training:
            return inputs
        draw = keras.random.uniform(ops.shape(inputs), seed=self.seed_generator)
        noisy = ops.where(draw < self.rate, ops.ones_like(inputs), inputs)
        return ops.where(draw < self.rate / 2, ops.zeros_like(inputs), noisy)


class Scaffold(keras.layers.Layer):
    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        raise NotImplementedError  # your code here

    def call(self, inputs, training=False):
        raise NotImplementedError  # your code here

    def get_config(self):
        raise NotImplementedError  # your code here


class ScaffoldCall(SaltAndPepper):
    def call(self, inputs, training=False):
        raise NotImplementedError  # your code here


class AlsoAtInference(SaltAndPepper):
    def call(self, inputs, training=False):
        return super().call(inputs, training=True)


class PepperOnly(SaltAndPepper):  # the chapter's masking noise
    def call(self, inputs, training=False):
        if not training:
            return inputs
        hit = keras.random.uniform(ops.shape(inputs), seed=self.seed_generator) < self.rate
        return ops.where(hit, ops.zeros_like(inputs), inputs)


class RateEach(SaltAndPepper):  # salt and pepper drawn apart, each with probability rate
    def call(self, inputs, training=False):
        if not training:
            return inputs
        shape = ops.shape(inputs)
        pepper = keras.random.uniform(shape, seed=self.seed_generator) < self.rate
        salt = keras.random.uniform(shape, seed=self.seed_generator) < self.rate
        return ops.where(pepper, ops.zeros_like(inputs), ops.where(salt, ops.ones_like(inputs), inputs))


class DropoutScaled(SaltAndPepper):  # keras.random.dropout rescales the values it keeps
    def call(self, inputs, training=False):
        if not training:
            return inputs
        return keras.random.dropout(inputs, self.rate, seed=self.seed_generator)


class FixedSeed(SaltAndPepper):  # an integer seed at each call: the same noise every time
    def call(self, inputs, training=False):
        if not training:
            return inputs
        shape = ops.shape(inputs)
        hit = keras.random.uniform(shape, seed=3) < self.rate
        salt = keras.random.uniform(shape, seed=4) < 0.5
        return ops.where(hit, ops.cast(salt, inputs.dtype), inputs)


class SharedDraw(SaltAndPepper):  # one draw for the whole batch
    def call(self, inputs, training=False):
        if not training:
            return inputs
        shape = (1, *ops.shape(inputs)[1:])
        hit = keras.random.uniform(shape, seed=self.seed_generator) < self.rate
        salt = keras.random.uniform(shape, seed=self.seed_generator) < 0.5
        return ops.where(hit, ops.cast(salt, inputs.dtype), inputs)


class TrainingByDefault(SaltAndPepper):
    def call(self, inputs, training=True):
        return super().call(inputs, training=training)


class NoRateInConfig(SaltAndPepper):
    def get_config(self):
        return {**keras.layers.Layer.get_config(self), "seed": self.seed}


class Float32Salt(SaltAndPepper):
    def call(self, inputs, training=False):
        if not training:
            return inputs
        shape = ops.shape(inputs)
        hit = keras.random.uniform(shape, seed=self.seed_generator) < self.rate
        salt = keras.random.uniform(shape, seed=self.seed_generator) < 0.5
        return ops.where(hit, ops.cast(salt, "float32"), inputs)


class LearnsSomething(SaltAndPepper):
    def build(self, input_shape):
        self.scale = self.add_weight(shape=(), initializer="ones")

    def call(self, inputs, training=False):
        return super().call(inputs, training=training) * self.scale


class SeedIgnored(SaltAndPepper):
    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.seed_generator = keras.random.SeedGenerator(None)


class GaussianToo(SaltAndPepper):  # salt and pepper, and a little Gaussian noise on the other values
    def call(self, inputs, training=False):
        if not training:
            return inputs
        noisy = inputs + keras.random.normal(ops.shape(inputs), stddev=0.01, seed=self.seed_generator)
        return super().call(noisy, training=True)


@pytest.mark.parametrize("answer", [
    SaltAndPepper, OneDraw, pytest.param(reference_noise, marks=pytest.mark.answer_key),
], ids=["solution", "one-draw", "reference"])
def test_salt_and_pepper_right(answer):
    verdict = ch05.check_salt_and_pepper(answer)
    assert verdict.status == "correct", verdict.message
    assert verdict.message == ch05.check_salt_and_pepper(SaltAndPepper).message  # nothing measured in it


@pytest.mark.parametrize("answer", [Scaffold, ScaffoldCall, ..., None], ids=["scaffold", "scaffold-call",
                                                                              "ellipsis", "none"])
def test_salt_and_pepper_unattempted(answer):
    verdict = ch05.check_salt_and_pepper(answer)
    assert verdict.status == "unattempted", verdict.message


@pytest.mark.parametrize(
    "answer, words",
    [
        (AlsoAtInference, "noise also at inference"),
        (PepperOnly, "0.0% become 1 (salt) and 100.0% become 0"),
        (RateEach, "(rate=0.3) replaces 5"),
        (DropoutScaled, "the values it does not set to 0 or 1 is too large by a factor of 1.43"),
        (FixedSeed, "no randomness in training"),
        (SharedDraw, "the same positions in every example"),
        (TrainingByDefault, "called without `training`"),
        (NoRateInConfig, "get_config() leaves out `rate`"),
        (Float32Salt, "returns float32"),
        (LearnsSomething, "1 trainable weight tensors"),
        (SeedIgnored, "the seed does not fix the noise"),
        (GaussianToo, "the values it does not set to 0 or 1 differs from the reference's"),
    ],
    ids=["at-inference", "pepper-only", "rate-each", "dropout-rescaled", "fixed-seed", "shared-draw",
         "training-default", "config", "dtype", "trainable", "seed-ignored", "gaussian-too"],
)
def test_salt_and_pepper_wrong(answer, words):
    verdict = ch05.check_salt_and_pepper(answer)
    assert verdict.status == "wrong" and words in verdict.message, verdict.message


@pytest.mark.parametrize("answer, words", [("SaltAndPepper", "Expected `SaltAndPepper(rate, seed=None)`"),
                                           (lambda rate, seed=None: None, "gave None"),
                                           (lambda rate, seed=None: 3, "Keras layer or model"),
                                           (lambda rate: reference_noise(rate), "raised TypeError"),
                                           (lambda rate, seed=None: keras.layers.Dense(4), "shape")],
                         ids=["string", "none", "number", "no-seed", "dense"])
def test_salt_and_pepper_odd_answers(answer, words):
    verdict = ch05.check_salt_and_pepper(answer)
    assert verdict.status == "wrong" and words in verdict.message, verdict.message
