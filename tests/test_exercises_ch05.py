"""Checkers of Chapter 5."""

import numpy as np
import pytest

import companion as cp
from companion.exercises import ch05


def right_mask(x, fraction, rng):
    return x * (rng.uniform(size=x.shape) >= fraction)


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


def test_mask_right():
    assert ch05.check_masking_function(right_mask).status == "correct"


def test_mask_unattempted():
    def not_done(x, fraction, rng):
        raise NotImplementedError

    assert ch05.check_masking_function(not_done).status == "unattempted"
    assert ch05.check_masking_function(...).status == "unattempted"


def in_place(x, fraction, rng):
    x[rng.uniform(size=x.shape) < fraction] = 0
    return x


@pytest.mark.parametrize(
    "function, hint",
    [
        (in_place, "changed x itself"),
        (lambda x, f, rng: x * (rng.uniform(size=x.shape) < f), "should be 0; yours zeroes"),  # inverted mask
        (lambda x, f, rng: x * (rng.uniform(size=x.shape) >= f / 2), "about 30%"),
        (lambda x, f, rng: np.where(rng.uniform(size=x.shape) < f, 1.0, x), "only sets values to 0"),
        (lambda x, f, rng: right_mask(x, f, rng)[:, :10], "shape of x"),
        (lambda x, f: x, "raised TypeError"),
        ("mask", "Expected a function"),
    ],
)
def test_mask_wrong(function, hint):
    verdict = ch05.check_masking_function(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def test_denoising_statements():
    assert ch05.check_denoising_statements({"a", "d", "e"}).status == "correct"
    verdict = ch05.check_denoising_statements({"a", "b", "d", "e"})
    assert verdict.status == "wrong" and "Re-read" in verdict.message


@pytest.mark.parametrize(
    "function, hint",
    [
        (lambda x, f, rng: "masked", "must return an array of numbers"),
        (lambda x, f, rng: {"x": x}, "must return an array of numbers"),
        (lambda x, f, rng: (row for row in x), "must return an array of numbers"),
        (lambda x, f, rng: [[0.5], [0.5, 0.0]], "must return an array of numbers"),
        (lambda x, f, rng: right_mask(x, f, rng) + 0j, "real numbers, not complex ones"),
        (lambda x, f, rng: None, "did you forget `return`"),
    ],
    ids=["string", "dict", "generator", "ragged", "complex", "none"],
)
def test_mask_odd_results_get_a_verdict(function, hint):
    verdict = ch05.check_masking_function(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


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
    held = ch05.check_noise_transfer("c", 16.0, 13.0)
    assert held.status == "correct" and "16.0 dB" in held.message and "-3.0 dB" in held.message
    missed = ch05.check_noise_transfer("a", 16.0, 13.0)
    assert missed.status == "wrong" and "did not hold" in missed.message
    assert ch05.check_noise_transfer("a", 13.0, 16.0).status == "correct"
    assert ch05.check_noise_transfer(" (B) ", 13.0, 13.1).status == "correct"


@pytest.mark.parametrize("answer, status", [(..., "unattempted"), (None, "unattempted"), ("d", "wrong"),
                                            (3, "wrong"), (["c"], "wrong"), ("", "wrong")])
def test_noise_transfer_odd_answers(answer, status):
    assert ch05.check_noise_transfer(answer, 16.0, 13.0).status == status


@pytest.mark.parametrize("measured", [None, ..., "16 dB", [16.0, 13.0], float("nan"), float("inf"), True,
                                      np.zeros(3)], ids=repr)
def test_noise_transfer_odd_measurements(measured):
    verdict = ch05.check_noise_transfer("c", measured, 13.0)
    assert verdict.status == "wrong" and "noisy_psnr" in verdict.message, verdict.message
    assert ch05.check_noise_transfer("c", 16.0, measured).status == "wrong"


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
def held_out(monkeypatch):
    """Synthetic held-out digits: smooth blobs in [0, 1]."""
    rng = np.random.default_rng(5)
    y, x = np.mgrid[0:28, 0:28]
    centres = rng.uniform(8, 20, size=(60, 2))
    images = np.exp(-((y - centres[:, :1, None]) ** 2 + (x - centres[:, 1:, None]) ** 2) / 20).astype("float32")
    monkeypatch.setattr(ch05, "held_out_mnist", lambda n: (images, np.zeros(len(images), dtype=int)))
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
