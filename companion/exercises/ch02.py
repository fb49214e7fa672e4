"""Checkers for the exercises of Chapter 2 (stacked autoencoders)."""

import keras
import numpy as np

from companion.exercises._verdict import (
    check_count,
    check_letters,
    checker,
    correct,
    is_unattempted,
    learner_code,
    unattempted,
    wrong,
)

_TRUE_STATEMENTS = frozenset("ace")
_REREAD = (  # the sections the statements test
    "The sandwich",
    "Deep versus shallow versus PCA",
    "Capacity: a code wider than the image",
)
_STATEMENT_EXPLANATIONS = {
    "a": "(a) is true: nonlinear layers let the decoder's outputs lie on a curved "
    "surface instead of a flat k-dimensional subspace, as the chapter's table shows.",
    "b": "(b) is false: a composition of linear maps is linear, and its rank is at "
    "most the code size, so PCA stays the optimum however many layers there are.",
    "c": "(c) is true: the chapter encodes test digits with model.encoder alone and "
    "decodes codes with model.decoder alone.",
    "d": "(d) is false: a large code can copy its input, noise included, instead of "
    "learning structure; Chapter 1 measured it with the noise gain.",
    "e": "(e) is true: with pixel values in [0, 1] and a sigmoid output, binary "
    "cross-entropy is the negative log-likelihood of a Bernoulli model of each pixel.",
}


@checker
def check_sandwich_parameter_count(answer):
    """Exercise 2.1: parameters of the 784-128-64-32-64-128-784 autoencoder.

    Args:
        answer: the learner's count.

    Returns:
        Verdict.
    """
    sizes = (784, 128, 64, 32, 64, 128, 784)
    weights = sum(a * b for a, b in zip(sizes, sizes[1:]))
    biases = sum(sizes[1:])
    encoder = sum(a * b + b for a, b in zip(sizes[:4], sizes[1:4]))
    hints = {
        weights: "you counted the kernels; every Dense layer also has one bias per unit.",
        encoder: "that is the encoder alone; add the decoder's three Dense layers.",
        weights + biases - encoder: "that is the decoder alone; add the encoder's three layers.",
    }
    return check_count(
        answer,
        weights + biases,
        hints,
        f"{weights} kernel weights + {biases} biases over six Dense layers.",
    )


@checker
def check_bottleneck_model(model):
    """Exercise 2.2: a 784-256-16-256-784 model from ``cp.build_stacked_autoencoder``.

    Expected: ReLU hidden layers, a linear 16-unit code and a sigmoid output.
    A model that has not been built yet is built on a batch of 784 pixel values.

    Args:
        model: the learner's model.

    Returns:
        Verdict.
    """
    if is_unattempted(model):
        return unattempted("build the model with cp.build_stacked_autoencoder and assign it to `model`.")
    with learner_code("reading your model's encoder and decoder"):
        if not (hasattr(model, "encoder") and hasattr(model, "decoder")):
            return wrong(
                f"Expected a model with .encoder and .decoder, as cp.build_stacked_autoencoder "
                f"returns. Received: {type(model).__name__}."
            )
        encoder_dense = _dense_layers(model.encoder)
        decoder_dense = _dense_layers(model.decoder)
        encoder_sizes = [layer.units for layer in encoder_dense]
        decoder_sizes = [layer.units for layer in decoder_dense]
        names = [getattr(layer.activation, "__name__", "?") for layer in encoder_dense + decoder_dense]
    if encoder_sizes != [256, 16]:
        return wrong(
            f"the encoder's Dense layers have {encoder_sizes} units; expected [256, 16]: "
            "hidden_sizes=(256,) and code_size=16."
        )
    if decoder_sizes != [256, 784]:
        return wrong(f"the decoder's Dense layers have {decoder_sizes} units; expected [256, 784].")
    if names[0] != "relu" or names[2] != "relu":
        return wrong(f"the hidden layers should use ReLU. Received activations {names}.")
    if names[1] != "linear":
        return wrong(f"the code layer should be linear (code_activation=None). Received {names[1]!r}.")
    if names[3] != "sigmoid":
        return wrong(f"the output should be a sigmoid, for pixels in [0, 1]. Received {names[3]!r}.")
    return correct(f"784-256-16-256-784 with {_parameter_count(model)} parameters.")


@checker
def check_depth_statements(answer):
    """Exercise 2.3: which statements (a)-(e) about deep autoencoders are true.

    Args:
        answer: the letters of the true statements, e.g. ``{"a", "c"}``.

    Returns:
        Verdict.
    """
    return check_letters(answer, "abcde", _TRUE_STATEMENTS, _STATEMENT_EXPLANATIONS, _REREAD)


def _dense_layers(model):
    return [layer for layer in getattr(model, "layers", []) if isinstance(layer, keras.layers.Dense)]


def _parameter_count(model):
    """Count the model's parameters, building it on 784 pixel values first if it was never called."""
    with learner_code("building your model on a batch of 784 pixel values", "It should take 784 values per image."):
        if not model.built:
            model(np.zeros((2, 784), dtype="float32"))
        return model.count_params()
