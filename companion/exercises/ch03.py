"""Checkers for the exercises of Chapter 3 (tied weights)."""

import math

import numpy as np

from companion.exercises import ch02
from companion.exercises._measure import not_a_model
from companion.exercises._verdict import (
    call_for_array,
    check_count,
    check_letters,
    check_prediction,
    checker,
    correct,
    learner_code,
    shown,
    wrong,
)

# Exercise 3.4: the kernel of a tied linear autoencoder after training
TIED_LINEAR_CHOICES = {
    "a": "far from the identity, as for Chapter 1's untied linear autoencoder: any invertible "
    "mix of the principal axes reconstructs as well.",
    "b": "close to the identity: the columns become orthonormal.",
    "c": "close to zero: the kernel shrinks away.",
}
_ORTHONORMAL_TOLERANCE = 0.1  # largest |W^T W - I| entry; Glorot's initial kernel is about 1 away
_SHRUNK_NORM = 0.1  # mean column norm of a kernel that has shrunk away

# Exercise 3.5: a tied autoencoder with a code of at most 32 numbers and at most 120,000 parameters
TIED_CODE_SIZE = 32
TIED_PARAMETERS = 120_000  # the chapter's 784-128-64-32 tied model fits (111,792); untied, it does not
# Squared error per image at most 11.5: PCA with 32 components reaches 13.2 on these digits, and the
# chapter's tied 784-128-64-32 model 12.8 after the solution's training; the solution (tied
# 784-128-32, 5 epochs on 10,000 digits) reaches 10.1, an untrained tied model 180.
TIED_ERROR_TARGET = 11.5

_TRUE_STATEMENTS = frozenset("bd")
_REREAD = (  # the sections the statements test
    "A layer that reuses a kernel",
    "Counting parameters",
    "Saving and loading keeps the tie",
)
_STATEMENT_EXPLANATIONS = {
    "a": "(a) is false: the decoder keeps biases of its own, one per output unit.",
    "b": "(b) is true: the gradient of the loss with respect to a shared kernel is "
    "the sum of the gradients through its encoder use and its decoder use.",
    "c": "(c) is false: the transposed kernel has the mirrored shape, so the decoder "
    "layer's sizes are fixed by the encoder layer it is tied to.",
    "d": "(d) is true: only the kernels are shared, so the saving is a bit less than half; biases are not shared.",
    "e": "(e) is false: a .keras file stores the kernel once per use, but loading "
    "rebuilds the tie, as the chapter checks by changing a kernel after loading.",
}


@checker
def check_tied_parameter_count(answer):
    """Exercise 3.1: parameters of a tied 784-256-16-256-784 autoencoder.

    Args:
        answer: the learner's count.

    Returns:
        Verdict.
    """
    kernels = 784 * 256 + 256 * 16
    encoder_biases = 256 + 16
    decoder_biases = 256 + 784
    hints = {
        2 * kernels + encoder_biases + decoder_biases: "that is the untied count; the decoder "
        "reuses the encoder's kernels, so count them once.",
        kernels: "you counted the kernels once; add the biases of all four layers.",
        kernels + encoder_biases: "the decoder's layers have biases of their own: 256 + 784.",
        kernels + decoder_biases: "add the encoder's biases too: 256 + 16.",
    }
    return check_count(
        answer,
        kernels + encoder_biases + decoder_biases,
        hints,
        f"{kernels} shared kernel weights + {encoder_biases} encoder biases + {decoder_biases} decoder biases.",
    )


@checker
def check_tied_decode(tied_decode):
    """Exercise 3.2: ``tied_decode(codes, kernel, bias)`` in NumPy.

    ``kernel`` is the encoder's Dense kernel, shape ``(n_in, n_out)``; the tied
    decoder maps codes of ``n_out`` values back to ``n_in`` values.

    Args:
        tied_decode: the learner's function.

    Returns:
        Verdict.
    """
    rng = np.random.default_rng(3)
    kernel = rng.normal(size=(7, 3))
    bias = rng.normal(size=7)
    codes = rng.normal(size=(5, 3))
    signature = "tied_decode(codes, kernel, bias)"
    transpose_hint = (
        f"The kernel has shape (n_in, n_out) = {kernel.shape} and the codes "
        f"(batch, n_out) = {codes.shape}: transpose the kernel."
    )
    result, verdict = call_for_array(
        tied_decode, signature, (codes.copy(), kernel.copy(), bias.copy()), (5, 7), {ValueError: transpose_hint}
    )
    if verdict is not None:
        return verdict
    if np.allclose(result, codes @ kernel.T + bias):
        return correct("codes @ kernel.T + bias: the decoder reuses the encoder's kernel.")
    if np.allclose(result, codes @ kernel.T):
        return wrong("the transposed product is right; add the decoder's own bias.")
    return wrong("the tied decoder multiplies the codes by the encoder's kernel, transposed, and adds "
                 "a bias of its own (no activation in this exercise).")


@checker
def check_tied_statements(answer):
    """Exercise 3.3: which statements (a)-(e) about tied weights are true.

    Args:
        answer: the letters of the true statements.

    Returns:
        Verdict.
    """
    return check_letters(answer, "abcde", _TRUE_STATEMENTS, _STATEMENT_EXPLANATIONS, _REREAD)


def tied_linear_outcome(kernel):
    """Exercise 3.4: the letter of ``TIED_LINEAR_CHOICES`` that a trained kernel gives.

    Args:
        kernel: the encoder's kernel ``W``, shape ``(784, k)``.

    Returns:
        ``"a"``, ``"b"`` or ``"c"``.
    """
    kernel = np.asarray(kernel, dtype="float64")
    if np.linalg.norm(kernel, axis=0).mean() < _SHRUNK_NORM:
        return "c"
    return "b" if _gram_deviation(kernel) < _ORTHONORMAL_TOLERANCE else "a"


def _gram_deviation(kernel):
    """The largest entry of ``|W^T W - I|``."""
    return float(np.abs(kernel.T @ kernel - np.eye(kernel.shape[1])).max())


@checker
def check_tied_linear_prediction(answer, kernel):
    """Exercise 3.4: the prediction of what ``W^T W`` becomes in a trained tied linear autoencoder.

    Args:
        answer: the learner's letter, made before the experiment.
        kernel: the trained encoder kernel, shape ``(784, k)``.

    Returns:
        Verdict.
    """
    array = np.asarray(kernel) if isinstance(kernel, np.ndarray) else None
    if array is None or array.ndim != 2 or array.dtype.kind != "f" or not np.all(np.isfinite(array)):
        return wrong(
            "run the experiment's cell first: it reads the trained kernel, an array of shape (784, k). "
            f"Received: {shown(kernel)}."
        )
    norms = np.linalg.norm(array, axis=0)
    measured = (
        f"Measured: the largest entry of |W^T W - I| is {_gram_deviation(array):.3f}, and the columns' "
        f"lengths run from {norms.min():.3f} to {norms.max():.3f}. With the decoder tied to the "
        "encoder, the reconstruction is W W^T x (plus biases), and the best map of rank k is the "
        "projection onto the principal subspace: W W^T must be a projection, so W^T W = I."
    )
    return check_prediction(answer, TIED_LINEAR_CHOICES, tied_linear_outcome(array), measured)


def held_out_digits():
    """The checker's own test digits for Exercise 3.5 (those of Exercise 2.4)."""
    return ch02.held_out_digits()


@checker
def check_tied_budget_autoencoder(model):
    """Exercise 3.5: a trained tied autoencoder, code of 32, at most 120,000 parameters, error at most 11.5.

    The checker verifies the tie from the model's weights: every kernel the
    decoder uses must be one of the encoder's. It then counts the parameters
    (with the count an untied model of the same sizes would have) and measures
    the squared error per image on held-out test digits.

    Args:
        model: the learner's trained autoencoder (with ``.encoder`` and ``.decoder``).

    Returns:
        Verdict, with the measured parameters and error next to their targets.
    """
    verdict = not_a_model(model, "a tied autoencoder", needs=("encoder", "decoder"))
    if verdict is not None:
        return verdict
    images = held_out_digits()
    parameters, error = ch02.measure_budget_model(model, images, TIED_CODE_SIZE)
    with learner_code("reading your model's weights"):
        encoder_weights = {id(weight) for weight in model.encoder.weights}
        decoder_kernels = [weight for weight in model.decoder.weights if len(weight.shape) == 2]
        own = [weight for weight in decoder_kernels if id(weight) not in encoder_weights]
        shared = sum(math.prod(weight.shape) for weight in decoder_kernels if id(weight) in encoder_weights)
    if not decoder_kernels or own:
        count = f"{len(own)} of its {len(decoder_kernels)} kernels are" if decoder_kernels else "no kernel is"
        return wrong(
            f"your decoder is not tied to the encoder: {count} its own. Build it with "
            "cp.build_tied_autoencoder, or make each decoder layer a cp.DenseTranspose of an encoder layer."
        )
    hints = (
        "Usual causes: too few epochs; parameters spent on narrow layers near the code rather than on "
        "the first hidden layer, whose units see the pixels; a linear output with the binary "
        "cross-entropy (use a sigmoid)."
    )
    where = (
        f"on {len(images):,} test digits it never saw, with the decoder tied to the encoder ({parameters:,} "
        f"parameters; {parameters + shared:,} untied)"
    )
    return ch02.budget_verdict(parameters, error, (TIED_PARAMETERS, TIED_ERROR_TARGET), where, hints)
