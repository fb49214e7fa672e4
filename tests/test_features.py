"""split_model, fraction_of_variance_explained, zca_whiten and the filter measures of Chapter 6."""

import keras
import numpy as np
import pytest

import companion as cp


def chain():
    cp.seed_everything(0)
    return keras.Sequential(
        [keras.Input((6,)), keras.layers.Dense(5, activation="relu", name="hidden"),
         keras.layers.Dense(3, activation="softmax", name="out")]
    )


def test_split_model_gives_back_the_model():
    model = chain()
    x = np.random.default_rng(0).normal(size=(7, 6)).astype("float32")
    front, back = cp.split_model(model, "hidden")
    assert front(x).shape == (7, 5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(back(front(x))), keras.ops.convert_to_numpy(model(x)),
                               rtol=1e-6)
    assert back.layers[-1] is model.get_layer("out")  # shared weights, not copies


def test_split_model_bad_arguments():
    model = chain()
    with pytest.raises(ValueError, match=r"layer_name must be one of \['hidden', 'out'\]. Received: layer_name='x'"):
        cp.split_model(model, "x")
    with pytest.raises(ValueError, match="must not be the last layer"):
        cp.split_model(model, "out")
    with pytest.raises(TypeError, match="model must be a built Keras model"):
        cp.split_model("model", "hidden")


def test_fraction_of_variance_explained():
    x = np.random.default_rng(1).normal(size=(50, 4))
    assert cp.fraction_of_variance_explained(x, x) == pytest.approx(1.0)
    assert cp.fraction_of_variance_explained(x, np.tile(x.mean(axis=0), (50, 1))) == pytest.approx(0.0)
    assert cp.fraction_of_variance_explained(x, np.zeros_like(x)) < 0.1
    with pytest.raises(ValueError, match="no variance"):
        cp.fraction_of_variance_explained(np.ones((3, 2)), np.ones((3, 2)))
    with pytest.raises(ValueError):
        cp.fraction_of_variance_explained(x, x[:, :2])


def test_zca_whiten_decorrelates_the_training_patches():
    rng = np.random.default_rng(2)
    mixing = rng.normal(size=(9, 9))
    train, test = rng.normal(size=(5000, 9)) @ mixing, rng.normal(size=(10, 9)) @ mixing
    white, white_test = cp.zca_whiten(train, test, epsilon=1e-6)
    assert white.dtype == np.float32 and white_test.shape == (10, 9)
    np.testing.assert_allclose(white.mean(axis=1), 0, atol=1e-5)  # each patch's mean removed
    variances = np.linalg.eigvalsh(np.cov(white, rowvar=False))  # every direction but the patch mean's: 1
    np.testing.assert_allclose(variances, [0] + [1] * 8, atol=0.02)
    with pytest.raises(ValueError, match=r"patches must be flat arrays \(n, 9\)"):
        cp.zca_whiten(train, test[:, :4])
    with pytest.raises(ValueError, match="epsilon must be a finite number > 0"):
        cp.zca_whiten(train, epsilon=0)


def grating(angle, size=8):
    rows, cols = np.mgrid[:size, :size]
    return np.cos(1.2 * (np.cos(angle) * cols + np.sin(angle) * rows))


def test_orientation_selectivity_of_gratings_blobs_and_noise():
    gratings = np.stack([grating(angle) for angle in (0, 0.7, np.pi / 2)])
    assert np.all(cp.orientation_selectivity(gratings) > 0.8)
    rows, cols = np.mgrid[:8, :8]
    blob = np.exp(-((rows - 3.5) ** 2 + (cols - 3.5) ** 2) / 4)[None]
    assert cp.orientation_selectivity(blob)[0] < 0.05
    noise = np.random.default_rng(3).normal(size=(500, 8, 8))
    assert np.median(cp.orientation_selectivity(noise)) < 0.3
    assert cp.orientation_selectivity(np.zeros((1, 8, 8)))[0] == 0


def test_energy_concentration_of_a_local_and_a_spread_filter():
    local = np.zeros((8, 8))
    local[2:5, 3:5] = [[1, -1], [2, -2], [1, -1]]
    spread = grating(0.3)
    measured = cp.energy_concentration(np.stack([local, spread]), 4)
    assert measured[0] > 0.9 and measured[1] < 0.5
    with pytest.raises(ValueError, match="window must be at most 8"):
        cp.energy_concentration(local[None], 9)
    with pytest.raises(ValueError, match=r"filters must be an array \(n, height, width\)"):
        cp.energy_concentration(local, 4)
