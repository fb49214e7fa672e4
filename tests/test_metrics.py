"""companion.metrics against hand computations."""

import re

import numpy as np
import pytest

import keras

import companion as cp


@pytest.fixture
def pair():
    x = np.zeros((2, 2, 2))
    x_hat = x.copy()
    x_hat[0] = 0.5  # image 0: 4 pixels off by 0.5; image 1: exact
    x_hat[1, 0, 0] = 0.1
    return x, x_hat


def test_mse_per_pixel(pair):
    x, x_hat = pair
    assert cp.mse_per_pixel(x, x_hat) == pytest.approx((4 * 0.25 + 0.01) / 8)


def test_squared_error_per_image(pair):
    x, x_hat = pair
    assert cp.squared_error_per_image(x, x_hat) == pytest.approx((1.0 + 0.01) / 2)


def test_psnr_per_image_average(pair):
    x, x_hat = pair
    expected = np.mean([10 * np.log10(1 / 0.25), 10 * np.log10(1 / (0.01 / 4))])
    assert cp.psnr(x, x_hat) == pytest.approx(expected)
    assert cp.psnr(x, x_hat, data_range=255) == pytest.approx(expected + 20 * np.log10(255))


def test_psnr_of_identical_images_is_infinite():
    x = np.ones((3, 4))
    assert cp.psnr(x, x) == np.inf


@pytest.mark.parametrize("metric", [cp.mse_per_pixel, cp.squared_error_per_image, cp.psnr])
def test_shape_mismatch_is_explained(metric):
    with pytest.raises(ValueError, match=r"same shape.*\(2, 4\).*\(2, 5\)"):
        metric(np.zeros((2, 4)), np.zeros((2, 5)))


def test_single_vector_is_not_a_batch():
    with pytest.raises(ValueError, match="at least 2-D"):
        cp.mse_per_pixel(np.zeros(4), np.zeros(4))


@pytest.mark.parametrize("data_range, error", [(0, ValueError), (-1.0, ValueError), (float("inf"), ValueError),
                                               (float("nan"), ValueError), ("255", TypeError), (None, TypeError)])
def test_psnr_rejects_bad_range(data_range, error):
    with pytest.raises(error, match=r"data_range must be a finite number > 0. Received: data_range="):
        cp.psnr(np.zeros((1, 2)), np.ones((1, 2)), data_range=data_range)


@pytest.mark.parametrize("metric", [cp.mse_per_pixel, cp.squared_error_per_image, cp.psnr])
@pytest.mark.parametrize("shape", [(0, 4), (0, 28, 28), (3, 0)])
def test_an_empty_batch_is_explained(metric, shape):
    with pytest.raises(ValueError, match=rf"must hold at least one value each.*Received: x.shape={re.escape(str(shape))}"):
        metric(np.zeros(shape), np.zeros(shape))


def test_metrics_take_tensors_of_the_backend():
    x = keras.ops.convert_to_tensor(np.zeros((2, 3), dtype="float32"))
    assert cp.mse_per_pixel(x, keras.ops.ones((2, 3))) == pytest.approx(1.0)


def test_principal_angles_of_known_planes():
    e = np.eye(3)
    xy_plane = e[:, :2]
    tilted = np.column_stack([e[:, 0], np.cos(0.3) * e[:, 1] + np.sin(0.3) * e[:, 2]])
    np.testing.assert_allclose(cp.principal_angles(xy_plane, tilted), [0.0, np.degrees(0.3)], atol=1e-9)


def test_principal_angles_ignore_the_basis():
    rng = np.random.default_rng(0)
    basis = rng.normal(size=(10, 3))
    mixed = basis @ rng.normal(size=(3, 3))  # same span, skewed basis
    np.testing.assert_allclose(cp.principal_angles(basis, mixed), 0.0, atol=1e-6)


def test_principal_angles_bad_shapes():
    with pytest.raises(ValueError, match=r"same number of rows.*\(5, 2\) and \(4, 2\)"):
        cp.principal_angles(np.zeros((5, 2)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"at least one\). Received shapes \(5, 0\) and \(5, 2\)"):
        cp.principal_angles(np.zeros((5, 0)), np.ones((5, 2)))


def test_noise_gain_of_identity_and_projection():
    x = np.zeros((200, 50), dtype="float32")
    assert cp.noise_gain(lambda batch: batch, x) == pytest.approx(1.0)
    projection = np.diag([1.0] * 5 + [0.0] * 45)
    assert cp.noise_gain(lambda batch: batch @ projection, x) == pytest.approx(5 / 50, rel=0.1)
    assert cp.noise_gain(lambda batch: 2 * batch, x, noise_std=0.3, seed=4) == pytest.approx(4.0)


def test_noise_gain_uses_predict_of_models():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, use_bias=False, kernel_initializer="zeros")])
    assert cp.noise_gain(model, np.ones((10, 3))) == 0.0


@pytest.mark.parametrize("noise_std, error", [(0, ValueError), (float("inf"), ValueError), (float("nan"), ValueError),
                                              ("0.1", TypeError), (True, TypeError)])
def test_noise_gain_rejects_bad_std(noise_std, error):
    with pytest.raises(error, match=rf"noise_std must be a finite number > 0. Received: noise_std={noise_std!r}"):
        cp.noise_gain(lambda b: b, np.zeros((2, 2)), noise_std=noise_std)


def test_noise_gain_of_no_examples_is_an_error_not_nan():
    with pytest.raises(ValueError, match=r"x must hold at least one example. Received: x.shape=\(0, 4\)"):
        cp.noise_gain(lambda b: b, np.zeros((0, 4)))


def test_noise_gain_takes_a_function_that_returns_tensors():
    x = np.zeros((20, 5), dtype="float32")
    assert cp.noise_gain(lambda batch: 3 * keras.ops.convert_to_tensor(batch), x) == pytest.approx(9.0)
