"""Noise functions of companion.data and the Corruption layer: seeded, in [0, 1], clear errors."""

import re

import numpy as np
import pytest

import keras

import companion as cp

NOISES = {
    "gaussian": (cp.add_gaussian_noise, 0.3),
    "masking": (cp.mask_pixels, 0.3),
    "salt_and_pepper": (cp.add_salt_and_pepper, 0.3),
}


@pytest.fixture
def images():
    return np.random.default_rng(0).uniform(size=(50, 28, 28)).astype("float32")


@pytest.mark.parametrize("kind", NOISES)
def test_same_seed_same_noise_and_range(images, kind):
    noise, level = NOISES[kind]
    first = noise(images, level, seed=3)
    np.testing.assert_array_equal(first, noise(images, level, seed=3))
    assert not np.array_equal(first, noise(images, level, seed=4))
    assert first.shape == images.shape and first.dtype == np.float32
    assert first.min() >= 0.0 and first.max() <= 1.0
    assert not np.array_equal(first, images)


def test_gaussian_noise_has_the_asked_std():
    grey = np.full((200, 100), 0.5, dtype="float32")
    noisy = cp.add_gaussian_noise(grey, 0.1, seed=0)  # 0.5 +- 5 std: clipping is negligible
    assert np.std(noisy - grey) == pytest.approx(0.1, rel=0.02)


def test_masking_zeroes_the_asked_fraction_and_nothing_else(images):
    masked = cp.mask_pixels(images, 0.25, seed=1)
    changed = masked != images
    assert changed.mean() == pytest.approx(0.25, abs=0.01)
    assert np.all(masked[changed] == 0)


def test_salt_and_pepper_values(images):
    noisy = cp.add_salt_and_pepper(images, 0.2, seed=2)
    changed = noisy != images
    assert changed.mean() == pytest.approx(0.2, abs=0.01)
    assert set(np.unique(noisy[changed])) <= {0.0, 1.0}
    assert (noisy[changed] == 1.0).mean() == pytest.approx(0.5, abs=0.03)


def test_zero_level_changes_nothing(images):
    np.testing.assert_array_equal(cp.add_gaussian_noise(images, 0.0), images)
    np.testing.assert_array_equal(cp.mask_pixels(images, 0.0), images)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda x: cp.add_gaussian_noise(x, -0.1), "level must be a finite number >= 0. Received: level=-0.1"),
        (lambda x: cp.mask_pixels(x, 1.5), "level must be a finite number between 0 and 1. Received: level=1.5"),
        (lambda x: cp.add_salt_and_pepper(x, -0.2), "level=-0.2"),
        (lambda x: cp.add_gaussian_noise(x, float("inf")), "level=inf"),
        (lambda x: cp.mask_pixels(x, float("nan")), "level=nan"),
        (lambda x: cp.corrupt(x, "masking", 2.0), "level=2.0"),
        (lambda x: cp.mask_pixels(x * 255, 0.1), r"values in \[0, 1\] \(load them with scale=True\)"),
    ],
)
def test_bad_arguments(images, call, message):
    with pytest.raises(ValueError, match=message):
        call(images)


@pytest.mark.parametrize("noise", [cp.add_gaussian_noise, cp.mask_pixels, cp.add_salt_and_pepper])
@pytest.mark.parametrize("level", ["0.3", None, True, [0.3]])
def test_a_level_that_is_not_a_number_is_named(images, noise, level):
    with pytest.raises(TypeError, match=rf"level must be a finite number.*Received: level={re.escape(repr(level))}"):
        noise(images, level)


@pytest.mark.parametrize("noise", [cp.add_gaussian_noise, cp.mask_pixels, cp.add_salt_and_pepper])
@pytest.mark.parametrize("bad", [None, "images", [["a", "b"]], np.array([[1 + 2j]])], ids=["None", "str", "strings", "complex"])
def test_images_that_are_not_numbers_are_refused(noise, bad):
    with pytest.raises(ValueError, match="Expected images: an array of numbers in \\[0, 1\\]"):
        noise(bad, 0.1)


@pytest.mark.parametrize("noise", [cp.add_gaussian_noise, cp.mask_pixels, cp.add_salt_and_pepper])
def test_nan_pixels_are_refused_not_passed_on(images, noise):
    images[0, 3, 4] = np.nan
    images[1, 0, 0] = np.nan
    with pytest.raises(ValueError, match="The images hold 2 NaN values"):
        noise(images, 0.1)


def test_integer_and_boolean_images_in_range_are_accepted():
    binary = np.array([[0, 1, 1, 0]])
    assert cp.mask_pixels(binary, 0.0).dtype == np.float32
    np.testing.assert_array_equal(cp.mask_pixels(binary.astype(bool), 0.0), binary)


@pytest.mark.parametrize("kind", ["gaussian", "masking", "salt_and_pepper"])
def test_corruption_layer_only_in_training(images, kind):
    layer = cp.Corruption(kind, 0.3, seed=5)
    flat = images.reshape(50, -1)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(flat)), flat)
    noisy = keras.ops.convert_to_numpy(layer(flat, training=True))
    assert noisy.min() >= 0 and noisy.max() <= 1 and not np.array_equal(noisy, flat)
    fresh = keras.ops.convert_to_numpy(layer(flat, training=True))
    assert not np.array_equal(noisy, fresh), "a new corruption at every step"


def test_corruption_is_seeded(images):
    flat = images.reshape(50, -1)
    draws = [keras.ops.convert_to_numpy(cp.Corruption("masking", 0.5, seed=9)(flat, training=True))
             for _ in range(2)]
    np.testing.assert_array_equal(*draws)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"kind": "blur"}, ValueError, "kind must be one of"),
        ({"kind": "masking", "level": 2}, ValueError, "between 0 and 1. Received: level=2"),
        ({"kind": "gaussian", "level": -1}, ValueError, "must be a finite number >= 0. Received: level=-1"),
        ({"kind": "gaussian", "level": float("inf")}, ValueError, "Received: level=inf"),
        ({"kind": "salt_and_pepper", "level": float("nan")}, ValueError, "Received: level=nan"),
        ({"kind": "gaussian", "level": "0.3"}, TypeError, "Received: level='0.3'"),
        ({"kind": "masking", "level": None}, TypeError, "Received: level=None"),
        ({"kind": "masking", "level": True}, TypeError, "Received: level=True"),
    ],
)
def test_corruption_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        cp.Corruption(**kwargs)


@pytest.fixture
def mixed_precision():
    """Run a test under the mixed_float16 policy, and put float32 back afterwards."""
    keras.mixed_precision.set_global_policy("mixed_float16")
    yield
    keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("kind", ["gaussian", "masking", "salt_and_pepper"])
def test_denoising_autoencoder_trains_under_mixed_precision(mixed_precision, tiny_images, kind):
    model = cp.build_denoising_autoencoder((784,), 8, hidden_sizes=(16,), corruption=kind, level=0.3, seed=0)
    noisy = model.encoder.get_layer("corruption")(tiny_images, training=True)
    assert keras.backend.standardize_dtype(noisy.dtype) == "float16"
    model.compile(optimizer="adam", loss="mse")
    assert np.isfinite(model.train_on_batch(tiny_images, tiny_images))


def test_denoising_autoencoder_trains(tiny_images):
    cp.seed_everything(0)
    model = cp.build_denoising_autoencoder(hidden_sizes=(32,), code_size=8, corruption="salt_and_pepper",
                                           level=0.2, seed=1)
    assert model.encoder.get_layer("corruption").kind == "salt_and_pepper"
    model.compile(optimizer="adam", loss="binary_crossentropy")
    before = model.evaluate(tiny_images, tiny_images, verbose=0)
    model.fit(tiny_images, tiny_images, epochs=3, verbose=0)
    assert model.evaluate(tiny_images, tiny_images, verbose=0) < before


def test_binarise_draws_each_pixel_with_its_grey_level_as_probability(images):
    binary = cp.binarise(images, seed=3)
    np.testing.assert_array_equal(binary, cp.binarise(images, seed=3))
    assert not np.array_equal(binary, cp.binarise(images, seed=4))
    assert binary.shape == images.shape and binary.dtype == np.float32
    assert set(np.unique(binary)) == {0.0, 1.0}
    # a pixel's draw is 1 as often as its grey level says: the mean within 5 standard errors
    error = np.sqrt(np.sum(images * (1 - images))) / images.size
    assert abs(binary.mean() - images.mean()) < 5 * error
    assert np.array_equal(cp.binarise(np.round(images), seed=0), np.round(images))  # 0 and 1 stay as they are


@pytest.mark.parametrize("bad, message", [(np.full((2, 3), 1.5), r"values in \[0, 1\]"),
                                          (np.array([[0.2, np.nan]]), "The images hold 1 NaN values")])
def test_binarise_refuses_what_is_not_a_grey_level(bad, message):
    with pytest.raises(ValueError, match=message):
        cp.binarise(bad)
