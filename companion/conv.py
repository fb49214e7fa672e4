"""Convolutional autoencoders (Chapter 8).

The encoder halves the height and width of its feature maps once per entry of
``filters`` (max pooling or strided convolutions); the decoder doubles them back,
either with ``UpSampling2D`` followed by a ``Conv2D`` or with a strided
``Conv2DTranspose``. Chapter 8 compares the two decoders, including the
checkerboard artefacts of transposed convolutions (Odena et al. 2016).
"""

import keras

from companion import _checks
from companion.models import Autoencoder, corrupted

DECODERS = ("upsampling", "transpose")
DOWNSAMPLINGS = ("pooling", "strided")


def build_conv_autoencoder(
    input_shape=(28, 28, 1),
    code_size=32,
    *,
    filters=(32, 64),
    decoder="upsampling",
    downsampling="pooling",
    kernel_size=3,
    activation="relu",
    output_activation="sigmoid",
    corruption=None,
    name="conv_autoencoder",
):
    """Build a convolutional autoencoder for images of shape (height, width, channels).

    Encoder: for each entry ``f`` of ``filters``, a ``Conv2D(f)`` followed by a
    2x2 max pooling (or one ``Conv2D(f, strides=2)``), so the maps shrink by
    ``2 ** len(filters)``; then, if ``code_size`` is given, a ``Dense`` code.
    Decoder: the mirror image, each level doubling the size with
    ``UpSampling2D`` + ``Conv2D`` (``decoder="upsampling"``) or with a
    ``Conv2DTranspose`` of stride 2 (``decoder="transpose"``), then a ``Conv2D``
    to the image's channels. Used in Chapter 8.

    Args:
        input_shape: ``(height, width, channels)``; height and width must be
            divisible by ``2 ** len(filters)`` so that the decoder gives back
            exactly that size.
        filters: number of filters of each encoder level, outermost first
            (the decoder mirrors them). Not empty.
        code_size: number of units of a ``Dense`` code after the last level, or
            None for a fully convolutional model whose code is the last feature
            map, of shape ``(height / 2**L, width / 2**L, filters[-1])``.
        decoder: ``"upsampling"`` or ``"transpose"``.
        downsampling: ``"pooling"`` (``Conv2D`` then ``MaxPooling2D``) or
            ``"strided"`` (``Conv2D`` with ``strides=2``).
        kernel_size: side of every convolution kernel.
        activation: activation of the hidden convolutions.
        output_activation: activation of the last convolution (None: linear).
        corruption: optional corruption of the images, active only in
            training: a layer such as :class:`~companion.Corruption` or the name
            of its kind (Chapter 5).
        name: name of the model; the sub-models are ``encoder`` and ``decoder``.

    Returns:
        Autoencoder: with ``.encoder`` (image -> code) and ``.decoder``.

    Raises:
        TypeError, ValueError: for sizes that are not positive integers, an
            unknown ``decoder`` or ``downsampling``, or an input shape whose
            height or width the decoder cannot reconstruct exactly.
    """
    input_shape = _checks.image_shape(input_shape)
    filters = _checks.filters_tuple(filters)
    code_size = None if code_size is None else _checks.positive_int("code_size", code_size)
    kernel_size = _checks.positive_int("kernel_size", kernel_size)
    _checks.one_of("decoder", decoder, DECODERS)
    _checks.one_of("downsampling", downsampling, DOWNSAMPLINGS)
    check_divisible(input_shape, len(filters))

    conv = {"kernel_size": kernel_size, "padding": "same", "activation": activation}
    inputs = keras.Input(shape=input_shape, name="image")
    x = corrupted(inputs, corruption)
    for level, size in enumerate(filters, start=1):
        x = downsample(x, size, level, downsampling, conv)
    map_shape = tuple(x.shape[1:])
    if code_size is not None:
        x = keras.layers.Flatten(name="flatten")(x)
        x = keras.layers.Dense(code_size, name="code")(x)
    encoder = keras.Model(inputs, x, name="encoder")

    code_inputs = keras.Input(shape=tuple(x.shape[1:]), name="code_input")
    y = code_inputs
    if code_size is not None:
        y = keras.layers.Dense(map_shape[0] * map_shape[1] * map_shape[2], activation=activation,
                               name="decoder_dense")(y)
        y = keras.layers.Reshape(map_shape, name="decoder_reshape")(y)
    for level, size in reversed(list(enumerate(filters, start=1))):
        y = upsample(y, size, level, decoder, conv)
    y = keras.layers.Conv2D(input_shape[-1], kernel_size, padding="same", activation=output_activation,
                            name="reconstruction")(y)
    return Autoencoder(encoder, keras.Model(code_inputs, y, name="decoder"), name=name)


def check_divisible(input_shape, levels):
    """Raise if the height or width of ``input_shape`` is not a multiple of ``2**levels``.

    Each level halves the size (rounding up with ``padding="same"``) and the
    decoder doubles it, so only multiples of ``2**levels`` come back unchanged.

    Raises:
        ValueError: naming the sizes received and the nearest valid ones.
    """
    factor = 2**levels
    problems = []
    for axis, size in zip(("height", "width"), input_shape[:2]):
        if size % factor:
            below, above = size - size % factor, size - size % factor + factor
            nearest = f"{below} or {above}" if below else f"{above}"
            problems.append(f"{axis} {size} (nearest valid: {nearest})")
    if problems:
        raise ValueError(
            f"With {levels} levels of filters, the encoder halves the image {levels} times, "
            f"so its height and width must be multiples of 2**{levels} = {factor} for the "
            f"decoder to give back the same size. Received: input_shape={tuple(input_shape)}, "
            f"with {' and '.join(problems)}. Crop or pad the images (e.g. with "
            "keras.layers.ZeroPadding2D), or use fewer levels."
        )


def downsample(x, size, level, downsampling, conv):
    """One encoder level: halve the height and width, with ``size`` filters.

    Shared by :func:`build_conv_autoencoder` and the VQ-VAE of Chapter 12.

    Args:
        x: the feature maps, ``(batch, height, width, channels)``.
        size: filters of the level's convolution.
        level: the level's number, 1 for the outermost; it names the layers
            ``encoder_conv_<level>`` (and ``encoder_pool_<level>``).
        downsampling: ``"pooling"`` or ``"strided"``.
        conv: the other ``Conv2D`` arguments (kernel size, padding, activation).

    Returns:
        The maps, half as high and half as wide.
    """
    name = f"encoder_conv_{level}"
    if downsampling == "strided":
        return keras.layers.Conv2D(size, strides=2, name=name, **conv)(x)
    x = keras.layers.Conv2D(size, name=name, **conv)(x)
    name = f"encoder_pool_{level}"
    return keras.layers.MaxPooling2D(2, padding="same", name=name)(x)


def upsample(y, size, level, decoder, conv):
    """One decoder level: double height and width, with ``size`` filters.

    Shared by :func:`build_conv_autoencoder` and the VQ-VAE of Chapter 12.

    Args:
        y: the feature maps, ``(batch, height, width, channels)``.
        size: filters of the level's convolution.
        level: the level's number (as in :func:`downsample`); it names the
            layers ``decoder_deconv_<level>``, or ``decoder_upsample_<level>``
            and ``decoder_conv_<level>``.
        decoder: ``"transpose"`` or ``"upsampling"``.
        conv: the other convolution arguments.

    Returns:
        The maps, twice as high and twice as wide.
    """
    if decoder == "transpose":
        name = f"decoder_deconv_{level}"
        return keras.layers.Conv2DTranspose(
            size, strides=2, name=name, **conv
        )(y)
    y = keras.layers.UpSampling2D(2, name=f"decoder_upsample_{level}")(y)
    return keras.layers.Conv2D(size, name=f"decoder_conv_{level}", **conv)(y)


# Chapter 8's notebook shows these two functions' source under their former names.
_downsample, _upsample = downsample, upsample
