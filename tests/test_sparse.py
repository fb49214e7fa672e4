"""KLSparsity, ActivityPenalty and build_sparse_autoencoder."""

import keras
import numpy as np
import pytest

import companion as cp


def numpy_kl_sum(activations, rho):
    rho_hat = activations.mean(axis=0)
    return np.sum(rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat)))


def test_value_equals_numpy_kl_sum():
    activations = np.random.default_rng(0).uniform(0.01, 0.99, size=(32, 20))
    regularizer = cp.KLSparsity(rho=0.1, beta=2.5)
    value = float(keras.ops.convert_to_numpy(regularizer(activations.astype("float32"))))
    assert value == pytest.approx(2.5 * numpy_kl_sum(activations, 0.1), rel=1e-5)


def test_zero_at_the_target_and_positive_elsewhere():
    at_target = np.full((8, 5), 0.05, dtype="float32")
    assert float(cp.KLSparsity(0.05)(at_target)) == pytest.approx(0.0, abs=1e-6)
    assert float(cp.KLSparsity(0.05)(at_target * 4)) > 0


def test_extreme_activations_stay_finite():
    for value in (0.0, 1.0):
        assert np.isfinite(float(cp.KLSparsity(0.05)(np.full((4, 3), value, dtype="float32"))))


def test_config_round_trip():
    regularizer = cp.KLSparsity(rho=0.02, beta=3.0)
    clone = keras.regularizers.deserialize(keras.regularizers.serialize(regularizer))
    assert isinstance(clone, cp.KLSparsity) and clone.get_config() == {"rho": 0.02, "beta": 3.0}


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"rho": 0}, ValueError, "rho must be a finite number strictly between 0 and 1. Received: rho=0"),
        ({"rho": 1.2}, ValueError, "rho=1.2"),
        ({"rho": float("nan")}, ValueError, "rho=nan"),
        ({"rho": "0.1"}, TypeError, "Received: rho='0.1'"),
        ({"beta": -1}, ValueError, "beta must be a finite number >= 0. Received: beta=-1"),
        ({"beta": float("inf")}, ValueError, "beta=inf"),
        ({"beta": "3"}, TypeError, "Received: beta='3'"),
        ({"beta": None}, TypeError, "Received: beta=None"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        cp.KLSparsity(**kwargs)
    with pytest.raises(error, match=message):
        cp.build_sparse_autoencoder(**kwargs)


def test_penalty_is_added_to_the_loss_without_batch_division(tiny_images):
    model = cp.build_sparse_autoencoder(code_size=10, rho=0.05, beta=2.0)
    codes = model.encoder(tiny_images)
    expected = 2.0 * numpy_kl_sum(keras.ops.convert_to_numpy(codes).astype("float64"), 0.05)
    assert len(model.encoder.losses) == 1
    assert float(keras.ops.convert_to_numpy(model.encoder.losses[0])) == pytest.approx(expected, rel=1e-4)


def test_sparse_model_shapes_and_training(tiny_images):
    cp.seed_everything(0)
    model = cp.build_sparse_autoencoder(code_size=12, rho=0.1, beta=1.0)
    assert model.encoder(tiny_images).shape == (16, 12)
    assert model.count_params() == 784 * 12 + 12 + 12 * 784 + 784
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy")
    before = model.evaluate(tiny_images, tiny_images, verbose=0)
    model.fit(tiny_images, tiny_images, epochs=3, verbose=0)
    assert model.evaluate(tiny_images, tiny_images, verbose=0) < before


# TopK, build_topk_autoencoder and dead_latents


def test_topk_keeps_the_k_largest_clipped_at_zero():
    values = np.array([[0.3, -1.0, 2.0, 0.5, 0.1], [-0.2, -0.1, -0.3, -0.4, 0.2]], dtype="float32")
    kept = keras.ops.convert_to_numpy(cp.TopK(2)(values))
    np.testing.assert_allclose(kept, [[0, 0, 2.0, 0.5, 0], [0, 0, 0, 0, 0.2]])


def test_topk_passes_gradients_through_the_kept_units_only(tiny_images):
    cp.seed_everything(0)
    model = cp.build_topk_autoencoder((784,), 30, k=4, input_mean=tiny_images.mean(axis=0))
    codes = keras.ops.convert_to_numpy(model.encoder(tiny_images))
    assert codes.shape == (16, 30) and np.all((codes > 0).sum(axis=1) <= 4) and np.all(codes >= 0)
    # d(output)/d(input) of TopK(2): 1 on the diagonal at the kept positive units, 0 everywhere else
    values = np.array([[0.3, -1.0, 2.0, 0.5, 0.1], [-0.2, -0.1, -0.3, -0.4, 0.2]], dtype="float32")
    layer = cp.TopK(2)
    layer(values)  # built outside the differentiated function (JAX traces it)
    kept = np.array([[0, 0, 1, 1, 0], [0, 0, 0, 0, 1]], dtype="float32")  # -0.1 is among the 2 largest, but clipped
    np.testing.assert_array_equal(cp.jacobian(layer, values), np.stack([np.diag(row) for row in kept]))


def test_topk_config_and_bad_arguments():
    layer = cp.TopK(3, name="sparse")
    clone = cp.TopK.from_config(layer.get_config())
    assert clone.k == 3 and clone.name == "sparse"
    for k, error in ((0, ValueError), (2.5, TypeError), ("3", TypeError), (None, TypeError)):
        with pytest.raises(error, match=r"k must be"):
            cp.TopK(k)
    with pytest.raises(ValueError, match=r"k must be at most the number of units \(4\). Received: k=5"):
        cp.TopK(5)(np.zeros((2, 4), dtype="float32"))


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"k": 401}, ValueError, r"k must be at most code_size \(400\). Received: k=401"),
        ({"k": 0}, ValueError, "k=0"),
        ({"input_mean": np.zeros(10)}, ValueError, r"input_mean must have the shape \(784,\)"),
        ({"transpose_init": "yes"}, TypeError, "transpose_init must be True or False"),
        ({"code_size": 0}, ValueError, "code_size"),
    ],
)
def test_topk_builder_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        cp.build_topk_autoencoder(**kwargs)


def test_transposed_start_reads_what_each_unit_writes():
    model = cp.build_topk_autoencoder((784,), 20, k=3)
    written = keras.ops.convert_to_numpy(model.decoder.get_layer("reconstruction").kernel)
    read = keras.ops.convert_to_numpy(model.encoder.get_layer("code").kernel)
    np.testing.assert_allclose(np.linalg.norm(written, axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(read, written.T)
    plain = cp.build_topk_autoencoder((784,), 20, k=3, transpose_init=False)
    assert not np.allclose(keras.ops.convert_to_numpy(plain.encoder.get_layer("code").kernel),
                           keras.ops.convert_to_numpy(plain.decoder.get_layer("reconstruction").kernel).T)


def test_topk_model_trains_one_step(tiny_images):
    """Runs on the backend in use: the fast tier runs it on TensorFlow, JAX and PyTorch."""
    cp.seed_everything(0)
    model = cp.build_topk_autoencoder((28, 28), 24, k=5, input_mean=tiny_images.mean(axis=0).reshape(28, 28),
                                      hidden_sizes=(32,))
    images = tiny_images.reshape(16, 28, 28)
    assert model(images).shape == (16, 28, 28)
    assert model.count_params() == (784 * 32 + 32) + (32 * 24 + 24) + (24 * 32 + 32) + (32 * 784 + 784)  # the centring is constant
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    before = [keras.ops.convert_to_numpy(weight).copy() for weight in model.trainable_weights]
    model.train_on_batch(images, images)
    after = [keras.ops.convert_to_numpy(weight) for weight in model.trainable_weights]
    assert any(not np.array_equal(old, new) for old, new in zip(before, after))


def test_dead_latents_counts_units_that_never_fire():
    codes = np.array([[0.0, 0.3, 0.0, 0.05], [0.0, 0.0, 0.2, 0.02]])
    assert cp.dead_latents(codes) == 1
    assert cp.dead_latents(codes, threshold=0.1) == 2
    with pytest.raises(ValueError, match=r"codes must be a non-empty array \(n, units\)"):
        cp.dead_latents(np.zeros(4))
    with pytest.raises(TypeError, match="threshold must be a finite number"):
        cp.dead_latents(codes, threshold="0")
