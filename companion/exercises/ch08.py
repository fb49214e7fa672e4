"""Checkers for the exercises of Chapter 8 (convolutional autoencoders)."""

import numpy as np

from companion.exercises._measure import Target, encode, held_out_mnist, not_a_model, reconstruct, verdict_on
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

    The transposed convolution's output size follows from ``n``, ``k`` and ``s``.

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


# --- 8.5 a prediction: random weights on a constant input ---------------------------------------

RIPPLE_CHOICES = {
    "a": "Flat inside, as with the kernel of ones: 4 is a multiple of the stride 2, so every output "
    "pixel receives the same number of kernel copies.",
    "b": "A pattern that repeats every two pixels, as with a kernel of size 3.",
    "c": "Values with no pattern at all: random weights give random outputs.",
}


def ripple_outcome(inside):
    """The letter of Exercise 8.5 that the inside of an output map bears out.

    Args:
        inside: a 2-D array, the output away from the padded border.

    Returns:
        ``"a"`` for a flat map, ``"b"`` for one that repeats every two pixels
        (and is not flat), ``"c"`` otherwise.
    """
    inside = np.asarray(inside, dtype="float64")
    tolerance = 1e-5 * max(float(np.abs(inside).max()), 1e-12)
    if np.ptp(inside) <= tolerance:
        return "a"
    periodic = (np.allclose(inside[2:], inside[:-2], rtol=0, atol=tolerance)
                and np.allclose(inside[:, 2:], inside[:, :-2], rtol=0, atol=tolerance))
    return "b" if periodic else "c"


@checker
def check_ripple_prediction(answer, inside):
    """Exercise 8.5: a transposed convolution (kernel 4, stride 2) with random weights on a constant input.

    Args:
        answer: the learner's predicted letter.
        inside: the measured output map away from its border, a 2-D array.

    Returns:
        Verdict: whether the prediction held, with what was measured.
    """
    if not isinstance(inside, np.ndarray) or inside.ndim != 2 or min(inside.shape) < 4 \
            or inside.dtype.kind not in "iuf" or not np.all(np.isfinite(inside)):
        return wrong("pass `inside` as the experiment's cell computed it: the output map away from its "
                     f"border, a 2-D array of at least 4x4 finite numbers. Received: {shown(inside)}.")
    values = np.unique(np.round(inside, 4))
    measured = (f"Measured inside the output: {len(values)} different values, from {inside.min():.3f} to "
                f"{inside.max():.3f}. Each output pixel sums 2x2 = 4 of the 16 kernel weights, but which "
                "four depends on whether its row and column are even or odd: four different sums, unless "
                "the weights are balanced as a kernel of ones is. Training has to learn that balance.")
    return check_prediction(answer, RIPPLE_CHOICES, ripple_outcome(inside), measured)


# --- 8.6 an experiment: the best autoencoder within a parameter budget --------------------------

BUDGET_PARAMETERS = 30_000  # Exercise 8.6: at most this many parameters ...
BUDGET_CODE = 32  # ... and a code of at most this many numbers
BUDGET_DIGITS = 1000  # the last test digits, which no model trains on
# A reason for the bound: dense autoencoders within the budget (784-16-784 and 784-17-32-17-784)
# reach a test MSE of 0.024 to 0.028 after 6 epochs on 10,000 digits, an untrained model about
# 0.23; the solution, convolutional, reaches 0.017 after 3 epochs on 10,000 digits.
BUDGET_MSE = 0.019


@checker
def check_budget_autoencoder(model):
    """Exercise 8.6: an autoencoder of at most 30,000 parameters and a 32-number code, measured on held-out digits.

    The checker reconstructs held-out test digits with ``model`` (in the input
    shape it declares), encodes them with ``model.encoder`` to measure the code
    size, and counts the parameters.

    Args:
        model: the learner's trained autoencoder, with an ``.encoder``.

    Returns:
        Verdict, with each measured number next to its bound.
    """
    verdict = not_a_model(model, "an autoencoder", needs=("encoder",))
    if verdict is not None:
        return verdict
    images = held_out_mnist(BUDGET_DIGITS)[0]
    reconstructions = reconstruct(model, images)
    codes = encode(model.encoder, images)
    with learner_code("counting your model's parameters", "Pass a Keras model."):
        parameters = int(model.count_params())
    mse = float(np.mean((reconstructions - images.reshape(len(images), -1)) ** 2))
    targets = [
        Target("parameter count", parameters, BUDGET_PARAMETERS, at_least=False, digits=0),
        Target("code size", codes.shape[1], BUDGET_CODE, at_least=False, digits=0),
        Target("test MSE per pixel", mse, BUDGET_MSE, at_least=False, digits=4),
    ]
    hints = []
    if not targets[0].met:
        hints.append("Too many parameters: a Dense layer from a feature map costs one weight per value of "
                     "the map and per code unit; use fewer filters in the last level.")
    if not targets[1].met:
        hints.append("The code is too large: a fully convolutional code of 7x7xc holds 49c numbers; add a "
                     "Dense code (code_size=32).")
    if not targets[2].met:
        hints.append("The error is too high: a dense model spends its budget on one weight per pixel, while "
                     "convolutions reuse theirs everywhere; train longer, or check that the output has a "
                     "sigmoid and that inputs are scaled to [0, 1].")
    return verdict_on(targets, f"on {BUDGET_DIGITS:,} held-out test digits", " ".join(hints))
