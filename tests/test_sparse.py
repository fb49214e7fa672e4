"""KLSparsity, ActivityPenalty and build_sparse_autoencoder."""

import numpy as np
import pytest

import keras

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


def test_sparse_model_shapes_training_and_round_trip(tiny_images, tmp_path):
    cp.seed_everything(0)
    model = cp.build_sparse_autoencoder(code_size=12, rho=0.1, beta=1.0)
    assert model.encoder(tiny_images).shape == (16, 12)
    assert model.count_params() == 784 * 12 + 12 + 12 * 784 + 784
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy")
    before = model.evaluate(tiny_images, tiny_images, verbose=0)
    model.fit(tiny_images, tiny_images, epochs=3, verbose=0)
    assert model.evaluate(tiny_images, tiny_images, verbose=0) < before
    model.save(tmp_path / "sparse.keras")
    loaded = keras.saving.load_model(tmp_path / "sparse.keras")
    np.testing.assert_array_equal(loaded.predict(tiny_images, verbose=0), model.predict(tiny_images, verbose=0))
    penalty = loaded.encoder.get_layer("code_penalty").regularizer
    assert isinstance(penalty, cp.KLSparsity) and penalty.rho == 0.1
