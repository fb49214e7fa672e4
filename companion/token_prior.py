"""A learned prior over the tokens of a VQ autoencoder: a small causal transformer (Chapter 12).

Drawn independently, each of the 7x7 tokens of Chapter 12's VQ autoencoder comes
from how often each code appears at that position, and the decoded images
are not digits: the tokens do not agree with one another. An autoregressive
prior reads the grid as a sequence of 49 tokens, in raster order, and learns
``p(token_i | tokens before i)``; sampling draws one token at a time
(van den Oord et al. 2017 fit a PixelCNN; here a two-block transformer with a
causal mask, Vaswani et al. 2017, does the same job).

- :func:`build_token_prior`: the model, from the tokens shifted right (a start
  token first) to the logits of each position's token.
- :func:`prior_inputs`: those shifted inputs, for training and sampling.
- :func:`sample_tokens`: draw sequences, one position at a time.
"""

import numpy as np

import keras
from keras import ops

from companion import _checks


@keras.saving.register_keras_serializable(package="companion")
class PositionEmbedding(keras.layers.Layer):
    """Add a learned vector to each position of a sequence, shape ``(batch, length, width)``.

    Attention alone does not know the order of its inputs; this vector tells
    each position where it is.

    Args:
        initializer: of the position vectors.
    """

    def __init__(self, initializer="random_normal", **kwargs):
        super().__init__(**kwargs)
        self.initializer = keras.initializers.get(initializer)

    def build(self, input_shape):
        self.positions = self.add_weight(shape=tuple(input_shape[1:]), initializer=self.initializer,
                                         name="positions")

    def call(self, inputs):
        return inputs + ops.cast(self.positions, inputs.dtype)[None]

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "initializer": keras.initializers.serialize(self.initializer)}


def build_token_prior(sequence_length=49, codebook_size=64, *, width=64, heads=4, blocks=2, seed=None,
                      name="token_prior"):
    """Build a causal transformer that predicts each token of a sequence from the tokens before it.

    Inputs are the tokens shifted right by one, with the start token
    ``codebook_size`` first (:func:`prior_inputs`); output ``i`` is the logits
    of token ``i``, which sees inputs ``0 ... i`` only (a causal mask): the
    start token and the tokens before ``i``. Each of ``blocks`` blocks is
    layer normalisation, multi-head self-attention, a residual sum, layer
    normalisation, a two-layer GELU network of width ``2 * width`` and a
    residual sum. Chapter 12.

    Args:
        sequence_length: tokens per sequence (49 for a 7x7 grid).
        codebook_size: K, the number of different tokens.
        width: the size of each position's vector.
        heads: attention heads (``width`` must be a multiple of it).
        blocks: transformer blocks.
        seed: seed of the initial weights.
        name: name of the model.

    Returns:
        keras.Model: int inputs ``(batch, sequence_length)``, logits ``(batch,
        sequence_length, codebook_size)``.

    Raises:
        TypeError, ValueError: for sizes that are not positive integers or a
            width that the heads do not divide.
    """
    sequence_length = _checks.positive_int("sequence_length", sequence_length)
    codebook_size = _checks.positive_int("codebook_size", codebook_size)
    width = _checks.positive_int("width", width)
    heads = _checks.positive_int("heads", heads)
    blocks = _checks.positive_int("blocks", blocks)
    if width % heads:
        raise ValueError(f"width must be a multiple of heads. Received: width={width}, heads={heads}")
    initializer = keras.initializers.GlorotUniform(seed=seed)
    tokens = keras.Input((sequence_length,), dtype="int32", name="previous_tokens")
    x = keras.layers.Embedding(codebook_size + 1, width, name="token_embedding")(tokens)  # + the start token
    x = PositionEmbedding(keras.initializers.RandomNormal(stddev=0.02, seed=seed), name="position_embedding")(x)
    for index in range(1, blocks + 1):
        h = keras.layers.LayerNormalization(name=f"block{index}_norm1")(x)
        h = keras.layers.MultiHeadAttention(heads, width // heads, kernel_initializer=initializer,
                                            name=f"block{index}_attention")(h, h, use_causal_mask=True)
        x = keras.layers.Add(name=f"block{index}_add1")([x, h])
        h = keras.layers.LayerNormalization(name=f"block{index}_norm2")(x)
        h = keras.layers.Dense(2 * width, activation="gelu", kernel_initializer=initializer,
                               name=f"block{index}_dense1")(h)
        h = keras.layers.Dense(width, kernel_initializer=initializer, name=f"block{index}_dense2")(h)
        x = keras.layers.Add(name=f"block{index}_add2")([x, h])
    x = keras.layers.LayerNormalization(name="final_norm")(x)
    logits = keras.layers.Dense(codebook_size, kernel_initializer=initializer, name="logits")(x)
    return keras.Model(tokens, logits, name=name)


def prior_inputs(sequences, codebook_size):
    """The inputs of a token prior for ``sequences``: each shifted right by one, the start token first.

    Args:
        sequences: integer tokens, shape ``(n, length)`` (a grid ``(n, 7, 7)``
            is read in raster order).
        codebook_size: K; the start token is ``K``.

    Returns:
        numpy.ndarray ``(n, length)`` int32.

    Raises:
        ValueError: for tokens outside ``0 ... K - 1``.
    """
    sequences = np.asarray(sequences)
    sequences = sequences.reshape(len(sequences), -1)
    if sequences.size and (sequences.min() < 0 or sequences.max() >= codebook_size):
        raise ValueError(f"tokens must be between 0 and {codebook_size - 1}. "
                         f"Received: tokens from {sequences.min()} to {sequences.max()}")
    start = np.full((len(sequences), 1), codebook_size)
    return np.concatenate([start, sequences[:, :-1]], axis=1).astype("int32")


def sample_tokens(prior, n, *, seed=0, temperature=1.0):
    """Draw ``n`` sequences from a token prior, one position at a time.

    Position ``i`` is drawn from ``softmax(logits_i / temperature)`` given the
    tokens already drawn; the prior is called once per position, on the whole
    batch. Chapter 12.

    Args:
        prior: a model from :func:`build_token_prior`, trained.
        n: how many sequences.
        seed: seed of the draws.
        temperature: > 0; below 1 sharpens each position's distribution.

    Returns:
        numpy.ndarray ``(n, length)`` int64.
    """
    n = _checks.positive_int("n", n)
    temperature = _checks.positive_number("temperature", temperature)
    length = prior.inputs[0].shape[1]
    codebook_size = prior.outputs[0].shape[-1]
    rng = np.random.default_rng(seed)
    inputs = np.full((n, length), codebook_size, dtype="int32")
    drawn = np.zeros((n, length), dtype="int64")
    for position in range(length):
        logits = np.asarray(prior.predict_on_batch(inputs), dtype="float64")[:, position] / temperature
        probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        cumulative = probabilities.cumsum(axis=1)
        drawn[:, position] = (rng.uniform(size=(n, 1)) > cumulative).sum(axis=1).clip(max=codebook_size - 1)
        if position + 1 < length:
            inputs[:, position + 1] = drawn[:, position]
    return drawn
