"""Contractive autoencoders (Chapter 7): penalising the encoder's Jacobian."""

import keras
from keras import ops

from companion import _checks
from companion.models import Autoencoder, dense_reconstruction, dense_tower


def squared_jacobian_norms(codes, kernel):
    """``||J_f(x)||_F^2`` of each example, for a sigmoid layer ``z = sigmoid(W x + b)``.

    The Jacobian is ``J_ji = z_j (1 - z_j) W_ji``, so
    ``||J||_F^2 = sum_j (z_j (1 - z_j))^2 sum_i W_ji^2`` needs no autodiff
    (Chapter 7).

    Args:
        codes: the layer's outputs ``z``, shape ``(batch, units)``.
        kernel: its Keras kernel, ``W`` transposed, shape ``(inputs, units)``.

    Returns:
        A tensor of shape ``(batch,)``.
    """
    column_norms = ops.sum(ops.square(kernel), axis=0)  # sum_i W_ji^2, one per unit (the kernel is W^T)
    return ops.sum(ops.square(codes * (1.0 - codes)) * column_norms, axis=-1)


def contractive_penalty(codes, kernel):
    """Mean over a batch of ``||J_f(x)||_F^2`` for a sigmoid layer (Chapter 7).

    Args:
        codes: the layer's outputs ``z``, shape ``(batch, units)``.
        kernel: its Keras kernel, ``W`` transposed, shape ``(inputs, units)``.

    Returns:
        A scalar tensor: the mean of :func:`squared_jacobian_norms`.
    """
    return ops.mean(squared_jacobian_norms(codes, kernel))


@keras.saving.register_keras_serializable(package="companion")
class ContractiveDense(keras.layers.Dense):
    """A sigmoid ``Dense`` layer that adds ``contraction * mean ||J||_F^2`` to the loss.

    Args:
        units: number of units.
        contraction: the weight lambda of the penalty (>= 0).
        **kwargs: other ``Dense`` arguments; the activation must be sigmoid.

    Raises:
        TypeError: if ``contraction`` is not a number.
        ValueError: for a negative or infinite weight, or another activation.
    """

    def __init__(self, units, contraction=0.01, **kwargs):
        activation = kwargs.pop("activation", "sigmoid")
        if activation not in ("sigmoid", keras.activations.sigmoid):
            raise ValueError(
                "The closed-form contractive penalty needs a sigmoid activation. "
                f"Received: activation={activation!r}"
            )
        contraction = _checks.non_negative_number("contraction", contraction)
        super().__init__(units, activation="sigmoid", **kwargs)
        self.contraction = contraction

    def call(self, inputs, training=None):
        codes = super().call(inputs)
        self.add_loss(self.contraction * contractive_penalty(codes, self.kernel))
        return codes

    def get_config(self):
        config = super().get_config()
        config.pop("activation")
        return {**config, "contraction": self.contraction}


def build_contractive_autoencoder(
    input_shape=(784,),
    code_size=256,
    *,
    contraction=0.01,
    hidden_sizes=(),
    name="contractive_autoencoder",
):
    """Build an autoencoder whose encoder layers are :class:`ContractiveDense` (Chapter 7).

    Every encoder layer is a sigmoid layer with its own contractive penalty; the
    decoder mirrors it with sigmoid layers. With ``hidden_sizes`` the stack can be
    trained layer by layer with :func:`~companion.train_greedy_layerwise`.

    Args:
        input_shape: shape of one example (flat, e.g. ``(784,)``).
        code_size: number of code units.
        contraction: weight lambda of each layer's penalty.
        hidden_sizes: sizes of encoder layers before the code.
        name: name of the model.

    Returns:
        Autoencoder.

    Raises:
        TypeError, ValueError: for bad sizes or a negative weight.
    """
    input_shape, hidden_sizes, code_size = _checks.architecture(input_shape, hidden_sizes, code_size)
    if len(input_shape) != 1:
        raise ValueError(f"input_shape must be flat, such as (784,). Received: input_shape={input_shape}")
    sizes = (*hidden_sizes, code_size)

    def contractive(size, name):
        return ContractiveDense(size, contraction=contraction, name=name)

    inputs = keras.Input(shape=input_shape, name="image")
    x = dense_tower(inputs, hidden_sizes, side="encoder", layer=contractive)
    encoder = keras.Model(inputs, contractive(code_size, "code")(x), name="encoder")

    code_inputs = keras.Input(shape=(code_size,), name="code_input")
    y = dense_tower(code_inputs, hidden_sizes, side="decoder", activation="sigmoid")
    decoder = keras.Model(code_inputs, dense_reconstruction(y, input_shape, "sigmoid"), name="decoder")
    return Autoencoder(encoder, decoder, name=name)
