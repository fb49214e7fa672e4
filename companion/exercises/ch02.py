"""Checkers for the exercises of Chapter 2 (stacked autoencoders)."""

import math
import numbers

import keras
import numpy as np

from companion.exercises._measure import Target, encode, held_out_mnist, not_a_model, reconstruct, verdict_on
from companion.exercises._verdict import (
    check_count,
    check_letters,
    check_prediction,
    checker,
    correct,
    end_check,
    is_unattempted,
    learner_code,
    shown,
    unattempted,
    wrong,
)

HELD_OUT_IMAGES = 2_000  # the last test digits: the chapter shows and measures the first ones

# Exercise 2.4: a stacked autoencoder with a 16-number code and at most 110,000 parameters.
BUDGET_CODE_SIZE = 16
BUDGET_PARAMETERS = 110_000  # a 784-64-16-64-784 model fits (103,328); one of 128 hidden units does not
# Squared error per image at most 19: PCA with 16 components, the linear optimum, reaches 21.2 on
# these digits and a shallow 784-16-784 model with a ReLU code 24 after the same training; the
# solution (784-64-16-64-784, 5 epochs on 10,000 digits) reaches 16.9, an untrained model 180.
BUDGET_ERROR_TARGET = 19.0

# Exercise 2.5: two autoencoders, one trained on the digits 0-4 and one on 5-9
UNSEEN_CHOICES = {
    "a": "about the same (within 20%): both models learned pen strokes, which every digit shares.",
    "b": "clearly higher (more than 20% above that of the model that saw those digits).",
    "c": "clearly lower (more than 20% below).",
}
_UNSEEN_BAND = 0.2

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


def held_out_digits():
    """The checker's own test digits for Exercises 2.4 and 3.5, shape ``(2000, 28, 28)`` in [0, 1]."""
    images, _ = held_out_mnist(HELD_OUT_IMAGES)
    return images


def measure_budget_model(model, images, code_size):
    """The parameters and squared error per image of a learner's autoencoder; ends the check otherwise.

    Called inside a checker, by Exercises 2.4 and 3.5.

    Args:
        model: the learner's autoencoder, with an ``.encoder``.
        images: the checker's held-out digits.
        code_size: the largest code allowed.

    Returns:
        ``(parameters, squared error per image)``.
    """
    reconstructions = reconstruct(model, images)
    codes = encode(model.encoder, images[:10])
    if codes.shape[1] > code_size:
        end_check(
            wrong(
                f"your encoder gives codes of {codes.shape[1]} numbers; the exercise allows at "
                f"most {code_size}. Build the model with code_size={code_size}."
            )
        )
    with learner_code("counting your model's parameters"):
        parameters = int(model.count_params())
    error = float(np.mean(np.sum((images.reshape(len(images), -1) - reconstructions) ** 2, axis=1)))
    return parameters, error


@checker
def check_budget_autoencoder(model):
    """Exercise 2.4: a trained autoencoder, 16-number code, at most 110,000 parameters, error at most 19.

    The checker reconstructs held-out test digits with the model and measures
    the squared error summed over the pixels of an image, averaged over images.

    Args:
        model: the learner's trained autoencoder (with ``.encoder``).

    Returns:
        Verdict, with the measured parameters and error next to their targets.
    """
    verdict = not_a_model(model, f"an autoencoder with a {BUDGET_CODE_SIZE}-number code", needs=("encoder",))
    if verdict is not None:
        return verdict
    images = held_out_digits()
    parameters, error = measure_budget_model(model, images, BUDGET_CODE_SIZE)
    hints = (
        "Usual causes: too few epochs; no hidden layer (a linear code cannot beat PCA's 21.2, and a "
        "ReLU on a lone code layer does no better); a linear output with the binary cross-entropy "
        "(use a sigmoid); or parameters spent on wide layers: each hidden unit next to the 784 pixels "
        "costs about 1,570 parameters, a weight in the encoder and one in the decoder for every pixel."
    )
    where = f"on {len(images):,} test digits it never saw"
    return budget_verdict(parameters, error, (BUDGET_PARAMETERS, BUDGET_ERROR_TARGET), where, hints)


def budget_verdict(parameters, error, targets, where, hints):
    """The Verdict on a model under a parameter budget: its count and error next to their bounds.

    Args:
        parameters: the model's parameter count.
        error: its squared error per image.
        targets: ``(most parameters, largest error)``.
        where: on what they were measured.
        hints: the usual causes of a miss.

    Returns:
        Verdict.
    """
    budget, target = targets
    measured = [
        Target("parameters", parameters, budget, at_least=False, digits=0),
        Target("squared error per image", error, target, at_least=False),
    ]
    return verdict_on(measured, where, hints)


def unseen_digits_outcome(errors):
    """Exercise 2.5: the letter of ``UNSEEN_CHOICES`` that the measured errors give.

    Args:
        errors: dict mapping ``(trained on, tested on)``, each ``"0-4"`` or ``"5-9"``, to the
            squared error per image.

    Returns:
        ``"a"``, ``"b"`` or ``"c"``: from the smaller of the two ratios (digits a model never
        saw, over the model that saw them); both must agree for ``"b"`` or ``"c"``.
    """
    ratios = [errors[("5-9", "0-4")] / errors[("0-4", "0-4")], errors[("0-4", "5-9")] / errors[("5-9", "5-9")]]
    if min(ratios) > 1 + _UNSEEN_BAND:
        return "b"
    return "c" if max(ratios) < 1 - _UNSEEN_BAND else "a"


@checker
def check_unseen_digits_prediction(answer, errors):
    """Exercise 2.5: the prediction of the error on digits of classes a model never saw.

    Args:
        answer: the learner's letter, made before the experiment.
        errors: dict mapping ``(trained on, tested on)`` to the squared error per image.

    Returns:
        Verdict.
    """
    keys = [(trained, tested) for trained in ("0-4", "5-9") for tested in ("0-4", "5-9")]
    if not (isinstance(errors, dict) and all(_is_error(errors.get(key)) for key in keys)):
        return wrong(
            "run the experiment's cell first: it measures unseen_errors, a dict of four errors > 0 "
            f"keyed by (trained on, tested on). Received: {shown(errors)}."
        )
    measured = (
        f"Measured, squared error per image: on the digits 0-4, {errors[('0-4', '0-4')]:.1f} for the "
        f"model trained on them and {errors[('5-9', '0-4')]:.1f} for the other; on 5-9, "
        f"{errors[('5-9', '5-9')]:.1f} and {errors[('0-4', '5-9')]:.1f}. An autoencoder learns to "
        "reconstruct what it was trained on, not images in general."
    )
    return check_prediction(answer, UNSEEN_CHOICES, unseen_digits_outcome(errors), measured)


def _is_error(value):
    return isinstance(value, numbers.Real) and math.isfinite(value) and value > 0


def _dense_layers(model):
    return [layer for layer in getattr(model, "layers", []) if isinstance(layer, keras.layers.Dense)]


def _parameter_count(model):
    """Count the model's parameters, building it on 784 pixel values first if it was never called."""
    with learner_code("building your model on a batch of 784 pixel values", "It should take 784 values per image."):
        if not model.built:
            model(np.zeros((2, 784), dtype="float32"))
        return model.count_params()
