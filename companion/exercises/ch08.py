"""Checkers for the exercises of Chapter 8 (convolutional autoencoders)."""

import numpy as np

from companion.exercises._verdict import (
    Verdict,
    call_for_array,
    check_count,
    check_letters,
    checker,
    correct,
    wrong,
)

_TRUE_STATEMENTS = frozenset("bce")
_REREAD = ("Convolution, pooling and their sizes", "Checkerboard artefacts")  # the sections the statements test
_STATEMENT_EXPLANATIONS = {
    "a": "(a) is false: UpSampling2D followed by Conv2D(f, 3) and Conv2DTranspose(f, 3) "
    "on the same input have exactly the same number of parameters, 9 c f + f.",
    "b": "(b) is true: with kernel 3 and stride 2, output pixels are covered by one or by "
    "two kernel placements in turn, so even a constant input gives a periodic output.",
    "c": "(c) is true: a convolution's weights do not depend on the image size; only a "
    "Dense layer after Flatten ties the model to one height and width.",
    "d": "(d) is false: each level halves the height and width, so they must be multiples "
    "of 2**3 = 8; 28 is not, so the builder refuses that shape (three poolings would "
    "round 28 to 4, and the decoder would give back 32).",
    "e": "(e) is true: nearest-neighbour upsampling of a constant map is constant, and so is "
    "a convolution of it (away from the zero-padded border).",
}


@checker
def check_transpose_output_size(answer):
    """Exercise 8.1: height of ``Conv2DTranspose(8, 3, strides=2, padding="valid")`` on 7x7 maps.

    The transposed convolution's output size is ``(n - 1) s + k`` = 15.

    Args:
        answer: the learner's whole number.

    Returns:
        Verdict.
    """
    hints = {
        14: 'n s = 14 is the size with padding="same"; with "valid" padding the kernel '
        "overhangs the last position by k - s.",
        3: "that is the size of an ordinary convolution, floor((n - k) / s) + 1; a transposed "
        "convolution goes the other way.",
        13: "(n - 1) s + 1 = 13 places the centres; add k - 1 for the kernel's reach.",
        17: "n s + k counts one step too many: the first input's kernel covers k rows and "
        "each of the other n - 1 inputs adds s.",
    }
    return check_count(answer, 15, hints, "(7 - 1) x 2 + 3 = 15 rows.",
                               "Use (n - 1) s + k for a transposed convolution with valid padding.")


@checker
def check_conv_parameters(answer):
    """Exercise 8.2: parameters of ``Conv2D(64, kernel_size=3)`` on maps with 32 channels.

    Args:
        answer: the learner's whole number.

    Returns:
        Verdict.
    """
    hints = {
        18432: "add the biases: one per filter, 64.",
        640: "each filter sees all 32 input channels: its kernel has 3 x 3 x 32 weights.",
        576: "each filter sees all 32 input channels, and has a bias.",
        18464: "one bias per filter (64), not per input channel.",
    }
    return check_count(answer, 18496, hints, "3 x 3 x 32 x 64 weights + 64 biases.",
                               "Count k x k x input channels weights per filter, plus one bias.")


@checker
def check_overlap_function(overlap_counts):
    """Exercise 8.3: ``overlap_counts(n, k, s)``, the 1-D overlap of a transposed convolution.

    For ``n`` inputs, kernel size ``k`` and stride ``s`` (valid padding), the
    function returns, for each of the ``(n - 1) s + k`` outputs, how many kernel
    placements cover it: input ``i`` writes to outputs ``i s`` to ``i s + k - 1``.

    Args:
        overlap_counts: the learner's function.

    Returns:
        Verdict.
    """
    signature = "overlap_counts(n, k, s)"
    for n, k, s in ((5, 3, 2), (4, 4, 2), (3, 2, 1), (6, 3, 3), (2, 5, 2)):
        expected = _overlap_counts(n, k, s)
        counts, verdict = call_for_array(overlap_counts, signature, (n, k, s), expected.shape,
                                         error_hints={IndexError: "the output has (n - 1) s + k entries."})
        if verdict is not None:
            return verdict
        if not np.array_equal(counts, expected):
            return wrong(_overlap_hint(counts, expected, n, k, s))
    return correct("with k = 3 and s = 2 the counts alternate 1, 2, 1, 2, ...: the checkerboard; "
                   "with k = 4 and s = 2 they are even inside.")


@checker
def check_conv_statements(answer):
    """Exercise 8.4: which statements (a)-(e) about convolutional autoencoders are true.

    Args:
        answer: the letters of the true statements.

    Returns:
        Verdict.
    """
    return check_letters(answer, "abcde", _TRUE_STATEMENTS, _STATEMENT_EXPLANATIONS, _REREAD)


def _overlap_counts(n, k, s):
    counts = np.zeros((n - 1) * s + k)
    for i in range(n):
        counts[i * s:i * s + k] += 1
    return counts


def _overlap_hint(counts, expected, n, k, s):
    where = int(np.flatnonzero(counts != expected)[0])
    if counts.sum() != n * k:
        return (f"for n={n}, k={k}, s={s} the counts must add up to n k = {n * k} (every input "
                f"writes k outputs). Received a total of {counts.sum():g}.")
    return (f"for n={n}, k={k}, s={s}, output {where} is covered {expected[where]:g} time(s), "
            f"yours says {counts[where]:g}. Input i covers outputs i s to i s + k - 1.")
