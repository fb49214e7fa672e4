"""Fully connected autoencoders: linear and nonlinear (Chapter 1), stacked (Chapter 2).

Every builder returns an :class:`Autoencoder`, a Keras model whose
``.encoder`` and ``.decoder`` are models of their own. The stacked builder is
also the base of the denoising (Chapter 5) and sparse (Chapter 6) builders.
"""

import math

import keras

from companion import _checks
from companion.corruption import Corruption


@keras.saving.register_keras_serializable(package="companion")
class Autoencoder(keras.Model):
    """An encoder model followed by a decoder model.

    ``model.encoder(x)`` gives codes and ``model.decoder(codes)`` gives
    reconstructions; ``model(x)`` does both. Saves and loads as ``.keras``.
    """

    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        # Both parts are functional models that own their weights already.
        self.built = encoder.built and decoder.built

    def call(self, inputs, training=None):
        # pass `training` on, so that layers such as Corruption or Dropout inside
        # the encoder or decoder know when the model is being trained
        codes = self.encoder(inputs, training=training)
        return self.decoder(codes, training=training)

    def get_config(self):
        return {
            **super().get_config(),
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        encoder = keras.saving.deserialize_keras_object(config.pop("encoder"))
        decoder = keras.saving.deserialize_keras_object(config.pop("decoder"))
        return cls(encoder, decoder, **config)


@keras.saving.register_keras_serializable(package="companion")
class ActivityPenalty(keras.layers.Layer):
    """Add ``regularizer(inputs)`` to the loss and pass the inputs on unchanged.

    Unlike a layer's ``activity_regularizer``, which Keras divides by the batch
    size, the value is added as it is: right for penalties such as
    :class:`~companion.KLSparsity` that are already defined on batch means.

    Args:
        regularizer: a ``keras.regularizers.Regularizer`` (or its name).
    """

    def __init__(self, regularizer, **kwargs):
        super().__init__(**kwargs)
        self.regularizer = keras.regularizers.get(regularizer)

    def call(self, inputs):
        self.add_loss(self.regularizer(inputs))
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "regularizer": keras.regularizers.serialize(self.regularizer)}


def build_stacked_autoencoder(
    input_shape=(784,),
    code_size=32,
    *,
    hidden_sizes=(128, 64),
    activation="relu",
    code_activation=None,
    output_activation="sigmoid",
    corruption=None,
    code_regularizer=None,
    batch_normalization=False,
    name="stacked_autoencoder",
):
    """Build a symmetric dense autoencoder: input-hidden...-code-...hidden-input.

    Images of any shape are flattened on the way in and reshaped on the way out.
    Chapter 1 uses it with no hidden layers; Chapter 2 with several; Chapter 5
    puts a corruption layer in front of the encoder.

    Args:
        input_shape: shape of one example, e.g. ``(784,)`` or ``(28, 28)``.
        hidden_sizes: sizes of the encoder's hidden layers, outermost first;
            the decoder mirrors them. May be empty.
        code_size: number of code units.
        activation: activation of the hidden layers.
        code_activation: activation of the code layer (None: linear).
        output_activation: activation of the output layer (None: linear).
        corruption: optional corruption of the inputs, active only in training:
            a layer such as :class:`~companion.Corruption`, or the name of a
            kind (``"gaussian"``, ``"masking"``, ``"salt_and_pepper"``) for a
            ``Corruption`` of its default level (Chapter 5).
        code_regularizer: optional regulariser of the codes, such as
            :class:`~companion.KLSparsity`; its value on each batch of codes is
            added to the loss by an :class:`ActivityPenalty` layer (Chapter 6).
        batch_normalization: normalise every hidden layer's pre-activations
            over the batch (Ioffe and Szegedy, 2015) before its activation;
            the code and the output layers are left as they are. Used by the
            deep autoencoder of ``benchmarks/deep_autoencoder.py``.
        name: name of the model; the sub-models are ``encoder`` and ``decoder``.

    Returns:
        Autoencoder: with ``.encoder`` (input -> code) and ``.decoder``.

    Raises:
        TypeError, ValueError: for a shape or size that is not positive integers,
            or a ``corruption`` that is neither a layer nor a known kind.
    """
    input_shape, hidden_sizes, code_size = _checks.architecture(input_shape, hidden_sizes, code_size)

    def normalized(size, name):  # the normalisation's offset is the bias
        dense = keras.layers.Dense(size, use_bias=False, name=name)
        normalize = keras.layers.BatchNormalization(name=f"{name}_normalized")
        activate = keras.layers.Activation(activation, name=f"{name}_activation")
        return lambda x: activate(normalize(dense(x)))

    layer = normalized if batch_normalization else None
    inputs, x = flat_image_input(input_shape, corruption)
    x = dense_tower(x, hidden_sizes, side="encoder", activation=activation, layer=layer)
    codes = keras.layers.Dense(code_size, activation=code_activation, name="code")(x)
    if code_regularizer is not None:
        codes = ActivityPenalty(code_regularizer, name="code_penalty")(codes)
    encoder = keras.Model(inputs, codes, name="encoder")

    code_inputs = keras.Input(shape=(code_size,), name="code_input")
    y = dense_tower(code_inputs, hidden_sizes, side="decoder", activation=activation, layer=layer)
    decoder = keras.Model(code_inputs, dense_reconstruction(y, input_shape, output_activation), name="decoder")
    return Autoencoder(encoder, decoder, name=name)


SIDES = ("encoder", "decoder")


def dense_tower(x, hidden_sizes, *, side, activation="relu", layer=None):
    """Stack the hidden ``Dense`` layers of one side of a symmetric dense autoencoder.

    The one place where the builders' hidden layers are named: the encoder's
    are ``encoder_hidden_1`` (outermost, ``hidden_sizes[0]`` units) to
    ``encoder_hidden_<n>``; the decoder mirrors them, from ``decoder_hidden_<n>``
    (next to the code) down to ``decoder_hidden_1`` (next to the output), so
    that layers of the same depth have the same size on both sides. Saved
    models and the chapters' summaries rely on these names.

    Args:
        x: the tensor the tower starts from (the flattened input, or the codes).
        hidden_sizes: the encoder's hidden sizes, outermost first, as every
            dense builder takes them (the decoder side walks them backwards).
        side: ``"encoder"`` or ``"decoder"``.
        activation: activation of the layers (with the default ``layer``).
        layer: optional ``layer(size, name)`` that returns a callable from a
            tensor to a tensor, for layers other than a plain ``Dense``
            (a normalised one, a :class:`~companion.ContractiveDense`).

    Returns:
        The tensor after the last layer (``x`` itself if ``hidden_sizes`` is empty).

    Raises:
        ValueError: for a ``side`` other than ``"encoder"`` or ``"decoder"``.
    """
    _checks.one_of("side", side, SIDES)
    if layer is None:
        def layer(size, name):
            return keras.layers.Dense(size, activation=activation, name=name)
    depths = list(enumerate(hidden_sizes, start=1))
    for depth, size in depths if side == "encoder" else reversed(depths):
        x = layer(size, f"{side}_hidden_{depth}")(x)
    return x


def dense_reconstruction(y, input_shape, activation):
    """The decoder's last layer, ``Dense`` named ``reconstruction``, reshaped to one example's shape."""
    y = keras.layers.Dense(math.prod(input_shape), activation=activation, name="reconstruction")(y)
    return restore_image_shape(y, input_shape)


def flat_image_input(input_shape, corruption=None):
    """The encoder's input, and that input (corrupted, if asked) flattened to vectors."""
    inputs = keras.Input(shape=input_shape, name="image")
    x = corrupted(inputs, corruption)
    if len(input_shape) > 1:
        x = keras.layers.Flatten(name="flatten")(x)
    return inputs, x


def corrupted(inputs, corruption):
    """``inputs`` passed through ``corruption``: None, a layer, or a kind of :class:`~companion.Corruption`."""
    if corruption is None:
        return inputs
    if isinstance(corruption, str):
        corruption = Corruption(corruption, name="corruption")
    if not isinstance(corruption, keras.layers.Layer):
        raise TypeError(
            "corruption must be None, a Keras layer such as cp.Corruption('masking', 0.3), "
            "or one of 'gaussian', 'masking', 'salt_and_pepper'. "
            f"Received: corruption={corruption!r}"
        )
    return corruption(inputs)


def restore_image_shape(y, input_shape):
    """Reshape the decoder's flat output back to the shape of one example."""
    if len(input_shape) > 1:
        y = keras.layers.Reshape(input_shape, name="unflatten")(y)
    return y


def build_linear_autoencoder(input_shape=(784,), code_size=32, *, name="linear_autoencoder"):
    """Build the linear autoencoder of Chapter 1: one Dense code layer, no activations.

    Trained with mean squared error it learns the PCA subspace of its
    training data (Baldi & Hornik 1989), though not the principal axes.

    Args:
        input_shape: shape of one example, e.g. ``(784,)``.
        code_size: number of code units.
        name: name of the model.

    Returns:
        Autoencoder: ``encoder`` x -> W1 x + b1 and ``decoder`` z -> W2 z + b2.

    Raises:
        TypeError, ValueError: for a shape or size that is not positive integers.
    """
    return build_stacked_autoencoder(
        input_shape,
        code_size,
        hidden_sizes=(),
        code_activation=None,
        output_activation=None,
        name=name,
    )


def build_nonlinear_autoencoder(
    input_shape=(784,),
    code_size=32,
    *,
    hidden_size=256,
    activation="relu",
    output_activation="sigmoid",
    name="nonlinear_autoencoder",
):
    """Build a small nonlinear autoencoder: input-hidden-code-hidden-input.

    Chapter 1 contrasts it with the linear one: the nonlinear hidden layers let
    it leave the PCA subspace and reconstruct better at the same code size.

    Args:
        input_shape: shape of one example.
        code_size: number of (linear) code units.
        hidden_size: width of the hidden layer on each side of the code.
        activation: activation of the hidden layers.
        output_activation: activation of the output layer.
        name: name of the model.

    Returns:
        Autoencoder.

    Raises:
        TypeError, ValueError: for a shape or size that is not positive integers.
    """
    hidden_size = _checks.positive_int("hidden_size", hidden_size)
    return build_stacked_autoencoder(
        input_shape,
        code_size,
        hidden_sizes=(hidden_size,),
        activation=activation,
        output_activation=output_activation,
        name=name,
    )
