"""DenseTranspose and build_tied_autoencoder: shapes, counts, training, ties, freezes that survive loading.

The round trip with identical outputs and kept ties is in test_save_load.py.
"""

import warnings

import numpy as np
import pytest

import keras

import companion as cp


def built_dense(n_in=6, units=3):
    dense = keras.layers.Dense(units)
    dense.build((None, n_in))
    return dense


def test_dense_transpose_uses_the_transposed_kernel():
    dense = built_dense()
    tied = cp.DenseTranspose(dense)
    codes = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    out = keras.ops.convert_to_numpy(tied(codes))
    np.testing.assert_allclose(out, codes @ keras.ops.convert_to_numpy(dense.kernel).T, rtol=1e-5, atol=1e-6)
    assert [w.shape for w in tied.trainable_weights if w is not dense.kernel and w is not dense.bias] == [(6,)]


def test_dense_transpose_standalone_round_trip():
    tied = cp.DenseTranspose(built_dense(), activation="sigmoid", name="tied")
    codes = np.ones((2, 3), dtype="float32")
    expected = keras.ops.convert_to_numpy(tied(codes))
    clone = cp.DenseTranspose.from_config(tied.get_config())
    clone(codes)
    clone.set_weights(tied.get_weights())
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(clone(codes)), expected)
    assert clone.get_config()["activation"] == "sigmoid"


def test_dense_transpose_bad_arguments():
    with pytest.raises(TypeError, match="must be a keras.layers.Dense"):
        cp.DenseTranspose(keras.layers.Conv2D(2, 3))
    with pytest.raises(ValueError, match="must be built"):
        cp.DenseTranspose(keras.layers.Dense(3))
    tied = cp.DenseTranspose(built_dense())
    with pytest.raises(ValueError, match=r"expects inputs with 3 features. Received: input_shape=\(None, 5\)"):
        tied.build((None, 5))


def test_tied_parameter_count_follows_the_formula():
    model = cp.build_tied_autoencoder((784,), hidden_sizes=(128, 64), code_size=32)
    kernels = 784 * 128 + 128 * 64 + 64 * 32
    biases = (128 + 64 + 32) + (64 + 128 + 784)
    assert model.count_params() == kernels + biases
    untied = cp.build_stacked_autoencoder((784,), hidden_sizes=(128, 64), code_size=32).count_params()
    assert untied == 2 * kernels + biases
    assert 0.49 < model.count_params() / untied < 0.51


def test_tied_shapes_and_training_step(tiny_images):
    cp.seed_everything(0)
    model = cp.build_tied_autoencoder((784,), hidden_sizes=(32,), code_size=8)
    assert model.encoder(tiny_images).shape == (16, 8)
    assert model(tiny_images).shape == (16, 784)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    before = model.evaluate(tiny_images, tiny_images, verbose=0)
    model.train_on_batch(tiny_images, tiny_images)
    assert model.evaluate(tiny_images, tiny_images, verbose=0) < before


def test_training_the_decoder_moves_the_encoder_kernel(tiny_images):
    model = cp.build_tied_autoencoder((784,), hidden_sizes=(), code_size=4)
    kernel = model.encoder.get_layer("code").kernel
    before = keras.ops.convert_to_numpy(kernel).copy()
    codes = np.ones((16, 4), dtype="float32")
    model.decoder.compile(optimizer="sgd", loss="mse")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.decoder.train_on_batch(codes, tiny_images)
    # the encoder's bias is not used: on TensorFlow and PyTorch Keras warns that it
    # gets no gradient, JAX gives it a zero gradient silently
    user_warnings = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert all("Gradients do not exist for variables ['code/bias']" in message for message in user_warnings)
    assert not np.allclose(keras.ops.convert_to_numpy(kernel), before)


def test_tied_image_shapes():
    model = cp.build_tied_autoencoder((28, 28), hidden_sizes=(16,), code_size=4)
    assert model(np.zeros((2, 28, 28), dtype="float32")).shape == (2, 28, 28)


@pytest.mark.parametrize("kwargs, message", [({"code_size": 0}, "code_size=0"),
                                             ({"hidden_sizes": "64"}, "hidden_sizes")])
def test_tied_bad_arguments(kwargs, message):
    with pytest.raises((TypeError, ValueError), match=message):
        cp.build_tied_autoencoder(**kwargs)


def round_trip(model, tmp_path):
    model.save(tmp_path / "model.keras")
    return keras.saving.load_model(tmp_path / "model.keras")


def test_a_frozen_encoder_stays_frozen_after_loading(tiny_images, tmp_path):
    model = cp.build_tied_autoencoder((784,), hidden_sizes=(32,), code_size=8)
    model.encoder.trainable = False
    assert len(model.trainable_variables) == 2  # the decoder's own biases; the kernels are the encoder's
    loaded = round_trip(model, tmp_path)
    assert len(loaded.trainable_variables) == 2
    assert not loaded.encoder.trainable and loaded.decoder.trainable
    kernel = loaded.encoder.get_layer("code").kernel
    before = keras.ops.convert_to_numpy(kernel).copy()
    loaded.compile(optimizer=keras.optimizers.SGD(1.0), loss="mse")
    loaded.train_on_batch(tiny_images, tiny_images)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(kernel), before)


@pytest.mark.parametrize("part, trainable", [
    (lambda model: model.encoder.get_layer("code"), 4),  # its kernel and bias frozen
    (lambda model: model.decoder.get_layer("reconstruction"), 3),  # with the kernel it borrows
    (lambda model: model, 0),
], ids=["encoder-layer", "decoder-layer", "whole-model"])
def test_other_freezes_survive_loading(tmp_path, part, trainable):
    model = cp.build_tied_autoencoder((784,), hidden_sizes=(32,), code_size=8)
    part(model).trainable = False
    assert len(model.trainable_variables) == trainable
    assert len(round_trip(model, tmp_path).trainable_variables) == trainable


def test_a_config_without_frozen_parts_still_loads():
    model = cp.build_tied_autoencoder((784,), hidden_sizes=(32,), code_size=8)
    config = model.get_config()
    del config["frozen"]  # as saved before the flags were kept
    assert len(cp.TiedAutoencoder.from_config(config).trainable_variables) == 6
