"""Sparse autoencoders with a KL penalty (Chapter 6)."""

import keras
from keras import ops

from companion import _checks
from companion.models import build_stacked_autoencoder

_EPSILON = 1e-7  # keeps the logarithms finite when a unit is always on or off


@keras.saving.register_keras_serializable(package="companion")
class KLSparsity(keras.regularizers.Regularizer):
    """``beta * sum_j KL(rho || rho_hat_j)`` on a batch of sigmoid activations.

    ``rho_hat_j`` is the mean activation of unit ``j`` over the batch, and
    ``KL(rho || q) = rho log(rho / q) + (1 - rho) log((1 - rho) / (1 - q))``, the
    divergence between Bernoulli distributions of means ``rho`` and ``q``.

    Args:
        rho: target mean activation, in (0, 1).
        beta: weight of the penalty (>= 0).

    Raises:
        TypeError: if ``rho`` or ``beta`` is not a number.
        ValueError: if ``rho`` is not in (0, 1) or ``beta`` is negative or infinite.
    """

    def __init__(self, rho=0.05, beta=1.0):
        self.rho = _checks.number("rho", rho, low=0, high=1, low_open=True, high_open=True)
        self.beta = _checks.non_negative_number("beta", beta)

    def __call__(self, activations):
        rho_hat = ops.clip(ops.mean(activations, axis=0), _EPSILON, 1 - _EPSILON)
        rho = self.rho
        kl = rho * ops.log(rho / rho_hat) + (1 - rho) * ops.log((1 - rho) / (1 - rho_hat))
        return self.beta * ops.sum(kl)

    def get_config(self):
        return {"rho": self.rho, "beta": self.beta}


def build_sparse_autoencoder(
    input_shape=(784,),
    code_size=196,
    *,
    rho=0.05,
    beta=1.0,
    hidden_sizes=(),
    output_activation="sigmoid",
    name="sparse_autoencoder",
):
    """Build an autoencoder with a sigmoid code and a KL sparsity penalty (Chapter 6).

    Args:
        input_shape: shape of one example.
        code_size: number of (sigmoid) code units; may exceed what a dense
            code would need, since sparsity, not size, limits the code.
        rho: target mean activation of each code unit.
        beta: weight of the KL penalty.
        hidden_sizes: sizes of hidden layers between input and code.
        output_activation: activation of the output layer.
        name: name of the model.

    Returns:
        Autoencoder: whose encoder ends with a ``code_penalty`` layer.

    Raises:
        TypeError, ValueError: for bad sizes, ``rho`` or ``beta``.
    """
    return build_stacked_autoencoder(
        input_shape,
        code_size,
        hidden_sizes=hidden_sizes,
        code_activation="sigmoid",
        output_activation=output_activation,
        code_regularizer=KLSparsity(rho, beta),
        name=name,
    )
