"""companion.models: shapes, parameter counts, training, bad arguments (save/load: test_save_load.py)."""

import numpy as np
import pytest

import keras

import companion as cp


def dense_params(n_in, n_out):
    return n_in * n_out + n_out


BUILDERS = {
    "linear": (lambda: cp.build_linear_autoencoder((784,), code_size=32),
               dense_params(784, 32) + dense_params(32, 784)),
    "nonlinear": (lambda: cp.build_nonlinear_autoencoder((784,), code_size=8, hidden_size=64),
                  dense_params(784, 64) + dense_params(64, 8) + dense_params(8, 64) + dense_params(64, 784)),
    "stacked": (lambda: cp.build_stacked_autoencoder((784,), hidden_sizes=(128, 64), code_size=32),
                dense_params(784, 128) + dense_params(128, 64) + dense_params(64, 32)
                + dense_params(32, 64) + dense_params(64, 128) + dense_params(128, 784)),
    # each normalised hidden layer: weights without bias, then scale, offset, moving mean and variance
    "stacked_normalized": (lambda: cp.build_stacked_autoencoder((784,), hidden_sizes=(128, 64), code_size=32,
                                                                batch_normalization=True),
                           784 * 128 + 4 * 128 + 128 * 64 + 4 * 64 + dense_params(64, 32)
                           + 32 * 64 + 4 * 64 + 64 * 128 + 4 * 128 + dense_params(128, 784)),
}


@pytest.mark.parametrize("kind", BUILDERS)
def test_shapes_and_parameter_count(kind, tiny_images):
    build, expected_params = BUILDERS[kind]
    model = build()
    assert model.count_params() == expected_params
    codes = model.encoder(tiny_images)
    assert codes.shape == (16, model.encoder.output.shape[-1])
    assert model.decoder(codes).shape == (16, 784)
    assert model(tiny_images).shape == (16, 784)


@pytest.mark.parametrize("kind", BUILDERS)
def test_one_training_step_lowers_the_loss(kind, tiny_images):
    cp.seed_everything(0)
    model = BUILDERS[kind][0]()
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    before = model.evaluate(tiny_images, tiny_images, verbose=0)
    model.train_on_batch(tiny_images, tiny_images)
    after = model.evaluate(tiny_images, tiny_images, verbose=0)
    assert after < before


def test_linear_autoencoder_has_no_activations():
    model = cp.build_linear_autoencoder(code_size=4)
    dense = [layer for sub in (model.encoder, model.decoder) for layer in sub.layers
             if isinstance(layer, keras.layers.Dense)]
    assert len(dense) == 2
    assert all(layer.activation is keras.activations.linear for layer in dense)


def test_image_shaped_input_is_flattened_and_restored():
    model = cp.build_stacked_autoencoder((28, 28), hidden_sizes=(16,), code_size=4)
    images = np.zeros((3, 28, 28), dtype="float32")
    assert model.encoder(images).shape == (3, 4)
    assert model(images).shape == (3, 28, 28)


def test_sub_models_are_named():
    model = cp.build_linear_autoencoder(code_size=2)
    assert (model.encoder.name, model.decoder.name) == ("encoder", "decoder")
    assert model.encoder.get_layer("code").units == 2


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"code_size": 0}, ValueError, "code_size=0"),
        ({"code_size": 2.0}, TypeError, "code_size=2.0"),
        ({"input_shape": ()}, TypeError, r"input_shape=\(\)"),
        ({"input_shape": (28, -1)}, ValueError, r"input_shape\[1\] must be a positive integer"),
        ({"hidden_sizes": 64}, TypeError, "hidden_sizes=64"),
        ({"hidden_sizes": (64, 0)}, ValueError, r"hidden_sizes\[1\]"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        cp.build_stacked_autoencoder(**kwargs)


def test_bad_hidden_size_of_nonlinear_builder():
    with pytest.raises(ValueError, match="hidden_size=-5"):
        cp.build_nonlinear_autoencoder(hidden_size=-5)


def test_training_flag_reaches_the_sub_models():
    """fit must see the encoder's training-only layers (here: heavy masking)."""
    inputs = keras.Input((10,))
    encoder = keras.Model(inputs, cp.Corruption("masking", 0.9, seed=1)(inputs))
    codes = keras.Input((10,))
    decoder = keras.Model(codes, keras.layers.Dense(10, kernel_initializer="identity")(codes))
    model = cp.Autoencoder(encoder, decoder)
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).uniform(0.5, 1.0, size=(64, 10)).astype("float32")
    assert model.evaluate(x, x, verbose=0) == pytest.approx(0.0, abs=1e-12)
    assert model.train_on_batch(x, x) > 0.1  # 90% of the inputs masked during training

