"""Checkers for the exercises of Chapter 5 (denoising autoencoders)."""

import numpy as np

from companion.exercises._verdict import (
    as_float_array,
    call_learner_function,
    check_letters,
    check_number,
    checker,
    correct,
    wrong,
)

_TRUE_STATEMENTS = frozenset("ade")
_REREAD = (  # the sections the statements test
    "The denoising criterion",
    "Measuring noise: PSNR",
    "Corruption inside the model",
)
_STATEMENT_EXPLANATIONS = {
    "a": "(a) is true: the loss compares g(f(x~)) with the clean x, so the model must "
    "undo the corruption, not copy its input.",
    "b": "(b) is false: the Corruption layer is active only in training; predict and "
    "evaluate see the inputs unchanged.",
    "c": "(c) is false: a denoising autoencoder can be overcomplete; the corruption, not "
    "the bottleneck, is what stops it from learning the identity.",
    "d": "(d) is true: PSNR = 10 log10(1 / MSE) for pixels in [0, 1], so halving the "
    "MSE adds 10 log10(2), about 3 dB.",
    "e": "(e) is true: a masked pixel is 0 in the input, and the model has to fill it "
    "in from the pixels around it, which is what the features must capture.",
}


@checker
def check_psnr_value(answer):
    """Exercise 5.1: the PSNR of an image whose MSE is 0.01 (pixels in [0, 1]).

    Args:
        answer: the learner's value in dB.

    Returns:
        Verdict.
    """
    hints = [
        (2.0, "you took log10(1 / MSE); PSNR in dB is 10 times that."),
        (40.0, "that is 20 log10(1 / MSE); PSNR uses 10 log10(peak^2 / MSE), or "
         "20 log10(peak / RMSE)."),
        (-20.0, "check the sign: it is 10 log10(peak^2 / MSE), not MSE / peak^2."),
        (10.0, "10 log10(1 / 0.01) = 10 x 2."),
    ]
    return check_number(answer, 20.0, 0.01, hints, "10 log10(1^2 / 0.01) = 20 dB.")


@checker
def check_masking_function(mask_noise):
    """Exercise 5.2: ``mask_noise(x, fraction, rng)`` in NumPy.

    It must return a copy of ``x`` in which each value is set to 0 with
    probability ``fraction``, drawing from the generator ``rng``, and leave ``x``
    unchanged.

    Args:
        mask_noise: the learner's function.

    Returns:
        Verdict.
    """
    x = np.full((100, 200), 0.5)
    signature = "mask_noise(x, fraction, rng)"
    for fraction in (0.0, 0.3, 1.0):
        original = x.copy()
        result, verdict = call_learner_function(mask_noise, signature, (x, fraction, np.random.default_rng(0)))
        if verdict is not None:
            return verdict
        if not np.array_equal(x, original):
            return wrong("your function changed x itself; work on a copy (x.copy() or x * mask).")
        array, verdict = as_float_array(result, signature)
        if verdict is None:
            verdict = _check_mask(array, original, fraction)
        if verdict is not None:
            return verdict
    return correct("each value is zeroed with the given probability, and x is left as it was.")


def _check_mask(result, original, fraction):
    if result.shape != original.shape:
        return wrong(f"the result must have the shape of x, {original.shape}. Received: {result.shape}.")
    if not np.all((result == 0) | (result == original)):
        return wrong("masking only sets values to 0; every other value must stay as it was.")
    zeroed = float((result == 0).mean())
    # 20,000 independent draws: the zeroed share is within 0.02 of the fraction
    # with overwhelming probability (more than 5 standard deviations).
    if abs(zeroed - fraction) > 0.02:
        return wrong(
            f"with fraction={fraction} about {fraction:.0%} of the values should be 0; "
            f"yours zeroes {zeroed:.1%}. Compare rng.uniform(size=x.shape) with fraction."
        )
    return None


@checker
def check_denoising_statements(answer):
    """Exercise 5.3: which statements (a)-(e) about denoising autoencoders are true.

    Args:
        answer: the letters of the true statements.

    Returns:
        Verdict.
    """
    return check_letters(answer, "abcde", _TRUE_STATEMENTS, _STATEMENT_EXPLANATIONS, _REREAD)
