"""Tied weights (Chapter 3): a decoder that reuses the encoder's kernels."""

import keras
from keras import ops

from companion import _checks
from companion.models import Autoencoder, dense_tower, flat_image_input, restore_image_shape


@keras.saving.register_keras_serializable(package="companion")
class DenseTranspose(keras.layers.Layer):
    """A dense layer whose kernel is the transpose of another ``Dense``'s kernel.

    It has its own bias (one per output, i.e. per input of the tied layer) and
    no kernel of its own: training it trains the tied layer's kernel. Sizes are
    read from ``dense.kernel.shape``, so ``dense`` must be built first.

    Args:
        dense: the built ``keras.layers.Dense`` layer to tie to.
        activation: activation of this layer (None: linear).
        use_bias: whether to add a bias.

    Raises:
        TypeError: if ``dense`` is not a Dense layer.
        ValueError: if ``dense`` is not built yet.
    """

    def __init__(self, dense, activation=None, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(dense, keras.layers.Dense):
            raise TypeError(f"dense must be a keras.layers.Dense layer. Received: {dense!r}")
        if not dense.built:
            raise ValueError(
                f"The Dense layer {dense.name!r} must be built (called on an input) "
                "before a DenseTranspose can be tied to it."
            )
        self.dense = dense
        self.activation = keras.activations.get(activation)
        self.use_bias = use_bias
        self.units = dense.kernel.shape[0]

    def build(self, input_shape):
        expected = self.dense.kernel.shape[1]
        if input_shape[-1] != expected:
            raise ValueError(
                f"{self.name} is tied to {self.dense.name!r}, whose kernel has shape "
                f"{tuple(self.dense.kernel.shape)}, so it expects inputs with {expected} "
                f"features. Received: input_shape={tuple(input_shape)}"
            )
        self.bias = (
            self.add_weight(name="bias", shape=(self.units,), initializer="zeros")
            if self.use_bias
            else None
        )

    def call(self, inputs):
        outputs = ops.matmul(inputs, ops.transpose(self.dense.kernel))
        if self.use_bias:
            outputs = outputs + self.bias
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {
            **super().get_config(),
            "dense": keras.saving.serialize_keras_object(self.dense),
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        dense = keras.saving.deserialize_keras_object(config.pop("dense"))  # built
        return cls(dense, **config)


@keras.saving.register_keras_serializable(package="companion")
class TiedAutoencoder(Autoencoder):
    """An autoencoder whose decoder layers are ``DenseTranspose`` of its encoder's.

    Its config holds the builder's arguments, so that loading a saved model
    rebuilds the same sharing of kernels before the weights are restored, and
    the names of its frozen parts (``trainable=False``), so that a frozen
    encoder stays frozen after a ``.keras`` round trip (Chapter 3).
    """

    def __init__(self, encoder, decoder, architecture, **kwargs):
        super().__init__(encoder, decoder, **kwargs)
        self.architecture = dict(architecture)

    def get_config(self):
        return {"name": self.name, "architecture": self.architecture, "frozen": self._frozen_parts()}

    @classmethod
    def from_config(cls, config):
        model = build_tied_autoencoder(**config["architecture"], name=config["name"])
        for path in config.get("frozen", ()):
            model._part(path).trainable = False
        return model

    def _frozen_parts(self):
        """Paths of the frozen parts: ``""`` (the whole model), ``"encoder"``, ``"encoder/code"``..."""
        parts = [("", self)]
        for sub_model in (self.encoder, self.decoder):
            parts.append((sub_model.name, sub_model))
            parts.extend((f"{sub_model.name}/{layer.name}", layer) for layer in sub_model.layers)
        return [path for path, part in parts if not part.trainable]

    def _part(self, path):
        """The model itself, a sub-model or a layer of one, by its path in ``_frozen_parts``."""
        if not path:
            return self
        sub_model, _, layer = path.partition("/")
        sub_model = {self.encoder.name: self.encoder, self.decoder.name: self.decoder}[sub_model]
        return sub_model.get_layer(layer) if layer else sub_model


def build_tied_autoencoder(input_shape=(784,), code_size=32, *, hidden_sizes=(128, 64), activation="relu",
                           code_activation=None, output_activation="sigmoid", name="tied_autoencoder"):
    """Build a symmetric dense autoencoder whose decoder reuses the encoder's kernels.

    The decoder's layers are :class:`DenseTranspose` of the encoder's ``Dense``
    layers in reverse order, each with its own bias: about half the parameters of
    :func:`~companion.build_stacked_autoencoder` with the same sizes (Chapter 3).

    Args:
        input_shape: shape of one example, e.g. ``(784,)`` or ``(28, 28)``.
        hidden_sizes: sizes of the encoder's hidden layers, outermost first.
        code_size: number of code units.
        activation: activation of the hidden layers (both sides).
        code_activation: activation of the code layer (None: linear).
        output_activation: activation of the output layer.
        name: name of the model.

    Returns:
        TiedAutoencoder: with ``.encoder`` and ``.decoder`` sharing kernels.

    Raises:
        TypeError, ValueError: for a shape or size that is not positive integers.
    """
    input_shape, hidden_sizes, code_size = _checks.architecture(input_shape, hidden_sizes, code_size)
    architecture = {
        "input_shape": input_shape,
        "hidden_sizes": hidden_sizes,
        "code_size": code_size,
        "activation": activation,
        "code_activation": code_activation,
        "output_activation": output_activation,
    }

    dense_layers = []  # the encoder's Dense layers, outermost first, for the decoder to tie to

    def kept(size, name, layer_activation=activation):
        dense_layers.append(keras.layers.Dense(size, activation=layer_activation, name=name))
        return dense_layers[-1]

    inputs, x = flat_image_input(input_shape)
    x = dense_tower(x, hidden_sizes, side="encoder", layer=kept)
    encoder = keras.Model(inputs, kept(code_size, "code", code_activation)(x), name="encoder")

    code_inputs = keras.Input(shape=(code_size,), name="code_input")
    y = code_inputs
    for depth, layer in reversed(list(enumerate(dense_layers, start=1))):
        is_output = depth == 1
        y = DenseTranspose(
            layer,
            activation=output_activation if is_output else activation,
            name="reconstruction" if is_output else f"decoder_hidden_{depth - 1}",
        )(y)
    decoder = keras.Model(code_inputs, restore_image_shape(y, input_shape), name="decoder")
    return TiedAutoencoder(encoder, decoder, architecture, name=name)
