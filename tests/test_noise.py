"""Noise functions of companion.data and the Corruption layer: seeded, in [0, 1], clear errors."""

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
        (lambda x: cp.add_gaussian_noise(x, -0.1), "std must be >= 0. Received: std=-0.1"),
        (lambda x: cp.mask_pixels(x, 1.5), "fraction must be between 0 and 1. Received: fraction=1.5"),
        (lambda x: cp.add_salt_and_pepper(x, -0.2), "fraction=-0.2"),
        (lambda x: cp.mask_pixels(x * 255, 0.1), r"values in \[0, 1\] \(load them with scale=True\)"),
    ],
)
def test_bad_arguments(images, call, message):
    with pytest.raises(ValueError, match=message):
        call(images)


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


@pytest.mark.parametrize("kwargs, message", [({"kind": "blur"}, "kind must be one of"),
                                             ({"kind": "masking", "level": 2}, "between 0 and 1"),
                                             ({"kind": "gaussian", "level": -1}, "must be >= 0")])
def test_corruption_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        cp.Corruption(**kwargs)


def test_denoising_autoencoder_train_save_load(tiny_images, tmp_path):
    cp.seed_everything(0)
    model = cp.build_denoising_autoencoder(hidden_sizes=(32,), code_size=8, corruption="salt_and_pepper",
                                           level=0.2, seed=1)
    assert model.encoder.get_layer("corruption").kind == "salt_and_pepper"
    model.compile(optimizer="adam", loss="binary_crossentropy")
    before = model.evaluate(tiny_images, tiny_images, verbose=0)
    model.fit(tiny_images, tiny_images, epochs=3, verbose=0)
    assert model.evaluate(tiny_images, tiny_images, verbose=0) < before
    model.save(tmp_path / "dae.keras")
    loaded = keras.saving.load_model(tmp_path / "dae.keras")
    np.testing.assert_array_equal(loaded.predict(tiny_images, verbose=0), model.predict(tiny_images, verbose=0))
    assert loaded.encoder.get_layer("corruption").get_config()["level"] == 0.2
