"""Checkers for the exercises of Chapter 7 (contractive autoencoders)."""

import numpy as np

from companion.exercises._verdict import (
    call_for_number,
    check_letters,
    check_number,
    checker,
    correct,
    wrong,
)

_TRUE_STATEMENTS = frozenset("acd")
_REREAD = ("The penalty", "Measuring contraction", "Tangent directions")  # the sections the statements test
_STATEMENT_EXPLANATIONS = {
    "a": "(a) is true: J_ji = dh_j/dx_i = h_j (1 - h_j) W_ij for h = sigmoid(x W + b).",
    "b": "(b) is false: a saturated unit (h near 0 or 1) has h (1 - h) near 0, so it "
    "contributes almost nothing to the penalty, whatever its weights.",
    "c": "(c) is true: the penalty alone would make f constant; the reconstruction "
    "loss keeps it sensitive along the directions in which the data vary.",
    "d": "(d) is true: the leading right singular vectors of J are the input "
    "directions the code follows most, local tangents of the data.",
    "e": "(e) is false: a denoising AE contracts only implicitly, through the noise; "
    "the chapter measures the contractive AE contracting more.",
}


@checker
def check_unit_jacobian(answer):
    """Exercise 7.1: ``||J||_F^2`` of one sigmoid unit with h = 0.5 and ``||w||^2 = 4``.

    Args:
        answer: the learner's number.

    Returns:
        Verdict.
    """
    hints = [
        (0.5 * 0.5 * 4, "square the derivative: (h (1 - h))^2 = 0.0625, not 0.25."),
        (0.0625, "multiply by the squared norm of the unit's weights, 4."),
        (0.0625 * 2, "use the squared norm ||w||^2 = 4, not the norm 2."),
    ]
    return check_number(answer, 0.25, 1e-6, hints, "(0.5 x 0.5)^2 x 4 = 0.25.")


@checker
def check_penalty_function(frobenius_squared):
    """Exercise 7.2: ``frobenius_squared(h, W)`` in NumPy.

    For a sigmoid layer with outputs ``h`` (batch, units) and kernel ``W``
    (inputs, units), return the mean over the batch of
    ``sum_j (h_j (1 - h_j))^2 sum_i W_ij^2``.

    Args:
        frobenius_squared: the learner's function.

    Returns:
        Verdict.
    """
    rng = np.random.default_rng(7)
    h = rng.uniform(0.05, 0.95, size=(6, 5))
    kernel = rng.normal(size=(8, 5))
    signature = "frobenius_squared(h, W)"
    value, verdict = call_for_number(frobenius_squared, signature, (h.copy(), kernel.copy()))
    if verdict is not None:
        return verdict
    slopes = (h * (1 - h)) ** 2
    if np.isclose(value, np.mean(slopes @ (kernel**2).sum(axis=0))):
        return correct("the mean over the batch of sum_j (h_j (1 - h_j))^2 ||W_:j||^2.")
    if np.isclose(value, np.sum(slopes @ (kernel**2).sum(axis=0))):
        return wrong("average over the batch instead of summing.")
    if np.isclose(value, np.mean((h * (1 - h)) @ (kernel**2).sum(axis=0))):
        return wrong("square the derivative h (1 - h) too.")
    return wrong("compute ((h * (1 - h))**2 @ (W**2).sum(axis=0)).mean().")


@checker
def check_contraction_statements(answer):
    """Exercise 7.3: which statements (a)-(e) about contractive autoencoders are true.

    Args:
        answer: the letters of the true statements.

    Returns:
        Verdict.
    """
    return check_letters(answer, "abcde", _TRUE_STATEMENTS, _STATEMENT_EXPLANATIONS, _REREAD)
