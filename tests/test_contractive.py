"""The contractive penalty against autodiff, ContractiveDense and its builder."""

import numpy as np
import pytest

import keras

import companion as cp

def autodiff_frobenius(layer, x):
    """Mean squared Frobenius norm of the layer's Jacobian, by autodiff on the backend in use."""
    autodiff = pytest.importorskip("companion.autodiff", reason="the backend-neutral Jacobian helper of Chapter 7")
    jacobian = autodiff.jacobian(layer, x)  # (batch, units, inputs)
    return float(np.mean(np.sum(jacobian.astype("float64") ** 2, axis=(1, 2))))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_closed_form_equals_autodiff_on_random_weights(seed):
    rng = np.random.default_rng(seed)
    layer = cp.ContractiveDense(17, contraction=1.0)
    layer.build((None, 23))
    layer.kernel.assign(rng.normal(scale=0.7, size=(23, 17)).astype("float32"))
    layer.bias.assign(rng.normal(size=17).astype("float32"))
    x = rng.normal(size=(9, 23)).astype("float32")
    closed = float(keras.ops.convert_to_numpy(cp.contractive_penalty(layer(x), layer.kernel)))
    assert abs(closed - autodiff_frobenius(layer, x)) / closed < 1e-5


def test_layer_adds_the_weighted_penalty_to_the_loss():
    layer = cp.ContractiveDense(4, contraction=0.5)
    x = np.random.default_rng(0).uniform(size=(6, 3)).astype("float32")
    codes = layer(x)
    assert len(layer.losses) == 1
    expected = 0.5 * float(keras.ops.convert_to_numpy(cp.contractive_penalty(codes, layer.kernel)))
    assert float(keras.ops.convert_to_numpy(layer.losses[0])) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"contraction": -1}, ValueError, "contraction must be a finite number >= 0. Received: contraction=-1"),
        ({"contraction": float("inf")}, ValueError, "contraction=inf"),
        ({"contraction": "0.1"}, TypeError, "Received: contraction='0.1'"),
        ({"contraction": None}, TypeError, "Received: contraction=None"),
        ({"activation": "relu"}, ValueError, "needs a sigmoid"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        cp.ContractiveDense(3, **kwargs)


def test_builder_shapes_counts_and_training(tiny_images):
    cp.seed_everything(0)
    model = cp.build_contractive_autoencoder(code_size=8, hidden_sizes=(32,), contraction=0.01)
    assert model.encoder(tiny_images).shape == (16, 8)
    assert model.count_params() == (784 * 32 + 32) + (32 * 8 + 8) + (8 * 32 + 32) + (32 * 784 + 784)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy")
    before = model.evaluate(tiny_images, tiny_images, verbose=0)
    model.fit(tiny_images, tiny_images, epochs=3, verbose=0)
    assert model.evaluate(tiny_images, tiny_images, verbose=0) < before


def test_greedy_training_works_on_contractive_stacks(tiny_images):
    model = cp.build_contractive_autoencoder(code_size=8, hidden_sizes=(32,))
    layers = [layer for part in (model.encoder, model.decoder) for layer in part.layers if hasattr(layer, "kernel")]
    before = [keras.ops.convert_to_numpy(layer.kernel).copy() for layer in layers]
    histories = cp.train_greedy_layerwise(model, tiny_images, epochs=1)
    assert len(histories) == 2 and all(np.isfinite(h.history["loss"][0]) for h in histories)
    assert len(layers) == 4 and all(not np.allclose(old, keras.ops.convert_to_numpy(layer.kernel))
                                    for old, layer in zip(before, layers))


def test_builder_rejects_images():
    with pytest.raises(ValueError, match="must be flat"):
        cp.build_contractive_autoencoder(input_shape=(28, 28))


def test_squared_jacobian_norms_are_per_example_and_average_to_the_penalty():
    rng = np.random.default_rng(3)
    codes = rng.uniform(0.1, 0.9, size=(4, 3)).astype("float32")  # JAX computes in float32 by default
    kernel = rng.normal(size=(5, 3)).astype("float32")
    expected = np.array([np.sum((c * (1 - c))[None, :] ** 2 * kernel**2) for c in codes.astype("float64")])
    norms = keras.ops.convert_to_numpy(cp.squared_jacobian_norms(codes, kernel))
    np.testing.assert_allclose(norms, expected, rtol=1e-5)
    penalty = keras.ops.convert_to_numpy(cp.contractive_penalty(codes, kernel))
    np.testing.assert_allclose(penalty, expected.mean(), rtol=1e-5)
