"""Checkers for the exercises of Chapter 3 (tied weights)."""

import numpy as np

from companion.exercises._verdict import (
    call_for_array,
    check_count,
    check_letters,
    checker,
    correct,
    wrong,
)

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
    "d": "(d) is true: only the kernels are shared, so the saving is a bit less than "
    "half; biases are not shared.",
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
        f"{kernels} shared kernel weights + {encoder_biases} encoder biases + "
        f"{decoder_biases} decoder biases.",
    )


@checker
def check_tied_decode(tied_decode):
    """Exercise 3.2: ``tied_decode(codes, kernel, bias)`` in NumPy.

    ``kernel`` is the encoder's Dense kernel, shape ``(n_in, n_out)``; the tied
    decoder maps codes of ``n_out`` values back to ``n_in`` values:
    ``codes @ kernel.T + bias``.

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
    return wrong("compute codes @ kernel.T + bias (no activation in this exercise).")


@checker
def check_tied_statements(answer):
    """Exercise 3.3: which statements (a)-(e) about tied weights are true.

    Args:
        answer: the letters of the true statements.

    Returns:
        Verdict.
    """
    return check_letters(answer, "abcde", _TRUE_STATEMENTS, _STATEMENT_EXPLANATIONS, _REREAD)
