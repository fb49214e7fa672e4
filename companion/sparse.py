"""Sparse autoencoders: a KL penalty, and k-sparse (TopK) codes (Chapter 6)."""

import keras
import numpy as np
from keras import ops

from companion import _checks
from companion.models import Autoencoder, build_stacked_autoencoder, dense_reconstruction, dense_tower, flat_image_input

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


@keras.saving.register_keras_serializable(package="companion")
class TopK(keras.layers.Layer):
    """Keep the ``k`` largest values of each example, clipped at zero; set the rest to zero.

    The activation of k-sparse autoencoders (Makhzani and Frey 2013): the
    number of active code units is set directly, ``k`` per example, instead
    of being coaxed by a penalty. Makhzani and Frey keep the ``k`` largest
    values as they are; here the kept values also pass through a ReLU, so a
    code is never negative, as in the TopK (in its released code) with which
    Gao et al. (2024) train sparse autoencoders of a network's activations.
    Gradients flow through the kept units only. Values tied with the
    ``k``-th largest are all kept. Used by Chapter 6.

    Args:
        k: how many units stay active per example (a positive integer, at
            most the number of units it is applied to).

    Raises:
        TypeError, ValueError: if ``k`` is not a positive integer; a
            ValueError when the layer is built on fewer than ``k`` units.
    """

    def __init__(self, k, **kwargs):
        super().__init__(**kwargs)
        self.k = _checks.positive_int("k", k)

    def build(self, input_shape):
        units = input_shape[-1]
        if units is not None and units < self.k:
            raise ValueError(f"k must be at most the number of units ({units}). Received: k={self.k}")
        super().build(input_shape)

    def call(self, inputs):
        kth_largest = ops.top_k(inputs, self.k, sorted=True)[0][..., -1:]
        return ops.where(inputs >= kth_largest, ops.relu(inputs), ops.zeros_like(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "k": self.k}


def build_topk_autoencoder(
    input_shape=(784,),
    code_size=400,
    *,
    k=20,
    input_mean=None,
    transpose_init=True,
    hidden_sizes=(),
    output_activation="sigmoid",
    name="topk_autoencoder",
):
    """Build a k-sparse autoencoder: a linear code layer followed by :class:`TopK` (Chapter 6).

    Exactly ``k`` of the ``code_size`` units are active for each example
    (fewer if some of the ``k`` largest are negative): no penalty and no
    weight to tune. With ``output_activation=None`` and the mean squared
    error it is the sparse autoencoder of a network's activations (a
    dictionary of features) of Gao et al. (2024).

    Args:
        input_shape: shape of one example, e.g. ``(784,)`` or ``(64,)``.
        code_size: number of code units (latents), typically more than the
            input has values.
        k: active units per example.
        input_mean: optional mean of the training inputs (shape
            ``input_shape``), subtracted from every input by a ``centre``
            layer before the code layer, as Gao et al. subtract a bias
            ``b_pre`` before their encoder; Chapter 6 measures it, with
            ``transpose_init``, as a remedy for dead units. Without it,
            the units that point along the mean win the top ``k`` for every
            input, and most others never fire (Chapter 6 counts them).
        transpose_init: start the code layer's kernel as the transpose of
            the decoder's first kernel, whose rows are scaled to unit norm,
            one of Gao et al.'s two measures against dead latents (the
            other, an auxiliary loss, is not built in): every unit then
            starts out reading the direction it writes.
        hidden_sizes: sizes of hidden layers between input and code.
        output_activation: activation of the output layer (None: linear, for
            activations that are not in [0, 1]).
        name: name of the model.

    Returns:
        Autoencoder: whose encoder ends with a ``code_topk`` layer.

    Raises:
        TypeError, ValueError: for bad sizes, ``k`` that is not a positive
            integer at most ``code_size``, an ``input_mean`` of another
            shape than ``input_shape``, or a ``transpose_init`` that is not
            a bool.
    """
    input_shape, hidden_sizes, code_size = _checks.architecture(input_shape, hidden_sizes, code_size)
    k = _checks.positive_int("k", k)
    if k > code_size:
        raise ValueError(f"k must be at most code_size ({code_size}). Received: k={k}")
    transpose_init = _checks.boolean("transpose_init", transpose_init)
    inputs, x = flat_image_input(input_shape)
    if input_mean is not None:
        mean = _checks.to_numpy(input_mean).astype("float32")
        if mean.shape != input_shape:
            raise ValueError(f"input_mean must have the shape {input_shape}. Received: input_mean.shape={mean.shape}")
        x = keras.layers.Normalization(mean=mean.reshape(-1), variance=np.ones(mean.size), name="centre")(x)
    x = dense_tower(x, hidden_sizes, side="encoder")
    codes = TopK(k, name="code_topk")(keras.layers.Dense(code_size, name="code")(x))
    encoder = keras.Model(inputs, codes, name="encoder")
    code_inputs = keras.Input(shape=(code_size,), name="code_input")
    y = dense_tower(code_inputs, hidden_sizes, side="decoder")
    decoder = keras.Model(code_inputs, dense_reconstruction(y, input_shape, output_activation), name="decoder")
    if transpose_init:
        written = decoder.layers[1].kernel  # (code_size, next size): what each unit adds when it fires
        rows = ops.convert_to_numpy(written)
        rows = rows / np.linalg.norm(rows, axis=1, keepdims=True)
        written.assign(rows)
        encoder.get_layer("code").kernel.assign(rows.T)
    return Autoencoder(encoder, decoder, name=name)


def dead_latents(codes, *, threshold=0.0):
    """The number of code units that never exceed ``threshold`` on a batch (Chapter 6).

    A unit that never fires on a large test set takes no part in any code:
    its weights are spent for nothing. For TopK or ReLU codes the threshold
    is 0; sigmoid codes are never exactly 0, so Chapter 6 counts a sigmoid
    unit as firing above 0.1.

    Args:
        codes: array ``(n, units)``: one code per row.
        threshold: a unit fires on an example when its value exceeds this.

    Returns:
        int.

    Raises:
        TypeError, ValueError: if ``codes`` is not a non-empty 2-D array of
            numbers or ``threshold`` is not a finite number.
    """
    codes = _checks.to_numpy(codes)
    threshold = _checks.number("threshold", threshold)
    if codes.ndim != 2 or len(codes) == 0:
        raise ValueError(f"codes must be a non-empty array (n, units). Received: codes.shape={codes.shape}")
    return int(np.sum(~np.any(codes > threshold, axis=0)))
