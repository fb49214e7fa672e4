"""build_conv_autoencoder: shapes, parameter counts, training, bad arguments (save/load: test_save_load.py)."""

import numpy as np
import pytest

import keras

import companion as cp


def conv_params(kernel_size, n_in, n_out):
    return kernel_size * kernel_size * n_in * n_out + n_out


def dense_params(n_in, n_out):
    return n_in * n_out + n_out


def expected_params(input_shape, filters, code_size, kernel_size=3):
    """Encoder convs, optional dense code and its mirror, decoder convs, output conv."""
    height, width, channels = input_shape
    sizes = (channels, *filters)
    count = sum(conv_params(kernel_size, n_in, n_out) for n_in, n_out in zip(sizes, sizes[1:]))
    if code_size is not None:
        cells = (height // 2 ** len(filters)) * (width // 2 ** len(filters)) * filters[-1]
        count += dense_params(cells, code_size) + dense_params(code_size, cells)
    mirrored = (filters[-1], *reversed(filters))
    count += sum(conv_params(kernel_size, n_in, n_out) for n_in, n_out in zip(mirrored, mirrored[1:]))
    return count + conv_params(kernel_size, filters[0], channels)


CONFIGS = {
    "mnist_upsampling": dict(input_shape=(28, 28, 1), filters=(4, 8), code_size=6, decoder="upsampling"),
    "mnist_transpose": dict(input_shape=(28, 28, 1), filters=(4, 8), code_size=6, decoder="transpose"),
    "rgb_fully_convolutional": dict(input_shape=(16, 8, 3), filters=(4, 8, 5), code_size=None),
    "rgb_strided_kernel_5": dict(input_shape=(8, 16, 3), filters=(6,), code_size=3,
                                 downsampling="strided", kernel_size=5, decoder="transpose"),
}


def images(input_shape, count=8, seed=1):
    return np.random.default_rng(seed).uniform(size=(count, *input_shape)).astype("float32")


@pytest.mark.parametrize("kind", CONFIGS)
def test_parameter_count_follows_the_formula(kind):
    config = CONFIGS[kind]
    model = cp.build_conv_autoencoder(**config)
    kernel_size = config.get("kernel_size", 3)
    assert model.count_params() == expected_params(
        config["input_shape"], config["filters"], config["code_size"], kernel_size)


@pytest.mark.parametrize("kind", CONFIGS)
def test_shapes_of_codes_and_reconstructions(kind):
    config = CONFIGS[kind]
    model = cp.build_conv_autoencoder(**config)
    x = images(config["input_shape"])
    codes = model.encoder(x)
    height, width, _ = config["input_shape"]
    shrink = 2 ** len(config["filters"])
    expected_code = ((config["code_size"],) if config["code_size"] is not None
                     else (height // shrink, width // shrink, config["filters"][-1]))
    assert tuple(codes.shape) == (8, *expected_code)
    assert tuple(model.decoder(codes).shape) == x.shape
    assert tuple(model(x).shape) == x.shape


def test_sub_models_and_key_layers_are_named():
    model = cp.build_conv_autoencoder((8, 8, 1), filters=(2, 4), code_size=3, decoder="upsampling")
    assert (model.encoder.name, model.decoder.name) == ("encoder", "decoder")
    assert model.encoder.get_layer("code").units == 3
    assert isinstance(model.encoder.get_layer("encoder_pool_2"), keras.layers.MaxPooling2D)
    assert isinstance(model.decoder.get_layer("decoder_upsample_1"), keras.layers.UpSampling2D)
    assert model.decoder.get_layer("reconstruction").filters == 1
    transpose = cp.build_conv_autoencoder((8, 8, 1), filters=(2, 4), decoder="transpose", downsampling="strided")
    assert isinstance(transpose.decoder.get_layer("decoder_deconv_2"), keras.layers.Conv2DTranspose)
    assert transpose.encoder.get_layer("encoder_conv_1").strides == (2, 2)
    assert not any(isinstance(layer, keras.layers.MaxPooling2D) for layer in transpose.encoder.layers)


def test_output_activation_keeps_values_in_unit_range():
    model = cp.build_conv_autoencoder((8, 8, 3), filters=(4,), code_size=None)
    output = keras.ops.convert_to_numpy(model(images((8, 8, 3)) * 50))
    assert output.min() >= 0.0 and output.max() <= 1.0


@pytest.mark.parametrize("kind", CONFIGS)
def test_one_training_step_lowers_the_loss(kind):
    cp.seed_everything(0)
    config = CONFIGS[kind]
    model = cp.build_conv_autoencoder(**config)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    x = images(config["input_shape"], count=16)
    before = model.evaluate(x, x, verbose=0)
    model.train_on_batch(x, x)
    assert model.evaluate(x, x, verbose=0) < before


def test_corruption_is_active_only_in_training():
    model = cp.build_conv_autoencoder((8, 8, 1), filters=(2,), code_size=None,
                                      corruption=cp.Corruption("masking", 1.0, seed=0, name="corruption"))
    x = images((8, 8, 1))
    blank = keras.ops.convert_to_numpy(model.encoder(np.zeros_like(x)))
    assert not np.array_equal(keras.ops.convert_to_numpy(model.encoder(x)), blank)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(model.encoder(x, training=True)), blank)


@pytest.mark.parametrize(
    "input_shape, filters, message",
    [
        ((30, 28, 1), (32, 64), r"Received: input_shape=\(30, 28, 1\), with height 30 \(nearest valid: 28 or 32\)"),
        ((28, 28, 3), (8, 16, 32), r"multiples of 2\*\*3 = 8.*height 28 \(nearest valid: 24 or 32\) "
                                   r"and width 28 \(nearest valid: 24 or 32\)"),
        ((2, 8, 1), (4, 4), r"height 2 \(nearest valid: 4\)"),
    ],
)
def test_input_shapes_the_decoder_cannot_reconstruct_are_refused(input_shape, filters, message):
    with pytest.raises(ValueError, match=message):
        cp.build_conv_autoencoder(input_shape, filters=filters)


def test_the_shape_error_suggests_padding():
    with pytest.raises(ValueError, match="Crop or pad the images"):
        cp.build_conv_autoencoder((27, 27, 1), filters=(8,))


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"input_shape": (28, 28)}, ValueError, r"must be \(height, width, channels\).*input_shape=\(28, 28\)"),
        ({"input_shape": 784}, ValueError, r"input_shape=\(784,\)"),
        ({"input_shape": (28, 0, 1)}, ValueError, r"input_shape\[1\] must be a positive integer"),
        ({"filters": ()}, ValueError, r"at least one level.*filters=\(\)"),
        ({"filters": 32}, TypeError, "filters=32"),
        ({"filters": (32, -1)}, ValueError, r"filters\[1\]"),
        ({"code_size": 0}, ValueError, "code_size=0"),
        ({"code_size": 2.5}, TypeError, "code_size=2.5"),
        ({"kernel_size": 0}, ValueError, "kernel_size=0"),
        ({"decoder": "deconv"}, ValueError, r"decoder must be one of \('upsampling', 'transpose'\). "
                                            r"Received: decoder='deconv'"),
        ({"downsampling": "average"}, ValueError, "downsampling='average'"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        cp.build_conv_autoencoder(**kwargs)
