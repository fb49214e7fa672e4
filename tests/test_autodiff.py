"""cp.jacobian against central finite differences and the closed form of Chapter 7.

These tests run on the backend in use (KERAS_BACKEND): tensorflow, jax or torch.
"""

import numpy as np
import pytest

import keras
from keras import ops

import companion as cp


def central_differences(function, x, step=1e-4):
    """Per-example Jacobians of a NumPy function, in float64: (batch, outputs, inputs)."""
    columns = []
    for i in range(x.shape[1]):
        shift = np.zeros_like(x)
        shift[:, i] = step
        columns.append((function(x + shift) - function(x - shift)) / (2 * step))
    return np.stack(columns, axis=-1)


def random_sigmoid_layer(seed, inputs=23, units=17):
    rng = np.random.default_rng(seed)
    layer = cp.ContractiveDense(units, contraction=1.0)
    layer.build((None, inputs))
    layer.kernel.assign(rng.normal(scale=0.7, size=(inputs, units)).astype("float32"))
    layer.bias.assign(rng.normal(size=units).astype("float32"))
    x = rng.normal(size=(9, inputs)).astype("float32")
    return layer, x


def numpy_twin(layer):
    """The same sigmoid layer in float64 NumPy, for finite differences."""
    kernel = ops.convert_to_numpy(layer.kernel).astype("float64")
    bias = ops.convert_to_numpy(layer.bias).astype("float64")
    return lambda x: 1 / (1 + np.exp(-(x @ kernel + bias)))


@pytest.mark.parametrize("seed", [0, 1])
def test_jacobian_of_a_sigmoid_layer_matches_finite_differences_and_the_closed_form(seed):
    layer, x = random_sigmoid_layer(seed)
    jacobians = cp.jacobian(layer, x)
    assert jacobians.shape == (9, 17, 23)
    numeric = central_differences(numpy_twin(layer), x.astype("float64"))
    np.testing.assert_allclose(jacobians, numeric, atol=1e-5)
    closed = ops.convert_to_numpy(cp.squared_jacobian_norms(layer(x), layer.kernel))
    np.testing.assert_allclose((jacobians**2).sum(axis=(1, 2)), closed, rtol=1e-5)


def test_jacobian_of_a_nonlinear_function_with_image_shaped_inputs():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 2, 3)).astype("float32")
    weights = rng.normal(size=(6, 5)).astype("float32")

    def function(batch):
        flat = ops.reshape(batch, (-1, 6))
        return ops.tanh(ops.matmul(flat, weights)) * ops.sum(ops.square(flat), axis=1, keepdims=True)

    jacobians = cp.jacobian(function, x)
    assert jacobians.shape == (4, 5, 2, 3)

    def numpy_function(batch):
        flat = batch.reshape(len(batch), 6)
        return np.tanh(flat @ weights.astype("float64")) * (flat**2).sum(axis=1, keepdims=True)

    numeric = central_differences(numpy_function, x.reshape(4, 6).astype("float64"))
    np.testing.assert_allclose(jacobians.reshape(4, 5, 6), numeric, rtol=1e-4, atol=1e-4)


def test_jacobian_of_one_number_per_example():
    x = np.random.default_rng(4).normal(size=(5, 3)).astype("float32")
    jacobians = cp.jacobian(lambda batch: ops.sum(ops.square(batch), axis=1), x)
    assert jacobians.shape == (5, 3)
    np.testing.assert_allclose(jacobians, 2 * x, rtol=1e-6)


def test_jacobian_of_a_model_is_per_example():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="tanh")])
    x = np.random.default_rng(5).normal(size=(6, 4)).astype("float32")
    jacobians = cp.jacobian(model, x)
    one_by_one = np.concatenate([cp.jacobian(model, x[i : i + 1]) for i in range(6)])
    np.testing.assert_allclose(jacobians, one_by_one, rtol=1e-6)


@pytest.mark.parametrize(
    "function, x, message",
    [
        (lambda batch: batch, np.zeros((0, 3)), "non-empty batch"),
        (lambda batch: ops.sum(batch, axis=0), np.ones((4, 3)), "batch of the same size"),
    ],
)
def test_bad_arguments(function, x, message):
    with pytest.raises(ValueError, match=message):
        cp.jacobian(function, x)
