"""Checkers for the exercises of Chapter 6 (sparse autoencoders)."""

import math
import numbers
from dataclasses import dataclass

import numpy as np

from companion.exercises._measure import Target, encode, held_out_mnist, not_a_model, reconstruct, verdict_on
from companion.exercises._verdict import (
    call_for_number,
    check_letters,
    check_number,
    check_prediction,
    checker,
    correct,
    end_check,
    shown,
    wrong,
)

# Exercise 6.4: a sparse code whose measured activity is the one asked for
ACTIVITY_TARGET = 0.1  # the mean activation asked for: twice the chapter's rho, so its model does not pass
ACTIVITY_TOLERANCE = 0.2  # within 20% of the target: the chapter's beta = 0.01 leaves the mean further above rho
ACTIVITY_MSE_TARGET = 0.06  # below the 0.067 of drawing the mean digit every time; the solution reaches 0.03-0.04
ACTIVITY_TEST_IMAGES = 2000  # the last test digits of MNIST: the chapter trains on training digits

# Exercise 6.5: halving k
HALVING_CHOICES = {
    "a": "The test error goes up: fewer active units carry less of each digit.",
    "b": "The test error stays about the same (within 5%): the code has units to spare.",
    "c": "The test error goes down: a sparser code generalises better.",
}
_HALVING_BAND = 0.05  # a change of less than 5% counts as "about the same"

_TRUE_STATEMENTS = frozenset("bce")
_REREAD = ("The KL sparsity penalty", "Measuring sparsity")  # the sections the statements test
_STATEMENT_EXPLANATIONS = {
    "a": "(a) is false: the penalty is on each unit's mean over the batch, so a unit "
    "may fire strongly for a few images as long as it is quiet on average.",
    "b": "(b) is true: KL(rho || q) is zero only at q = rho and grows on both sides.",
    "c": "(c) is true: with a larger beta the mean activations move closer to rho, and "
    "the reconstruction error rises; the chapter measures both.",
    "d": "(d) is false: the KL penalty needs activations in (0, 1) to read them as "
    "firing probabilities; with ReLU codes use an L1 penalty instead.",
    "e": "(e) is true: sparsity, not the number of units, limits what the code can "
    "hold, so the code can have more units than a dense code would need.",
}


def _kl(rho, q):
    return rho * np.log(rho / q) + (1 - rho) * np.log((1 - rho) / (1 - q))


@checker
def check_kl_value(answer):
    """Exercise 6.1: KL(0.05 || 0.2) in nats.

    Args:
        answer: the learner's number.

    Returns:
        Verdict.
    """
    hints = [
        (_kl(0.2, 0.05), "that is KL(0.2 || 0.05); the target rho comes first."),
        (_kl(0.05, 0.2) / np.log(10), "use natural logarithms (np.log), not log10."),
        (0.05 * np.log(0.05 / 0.2), "add the second term, (1 - rho) log((1 - rho) / (1 - rho_hat))."),
    ]
    return check_number(
        answer, _kl(0.05, 0.2), 1e-4, hints, "0.05 ln(0.05/0.2) + 0.95 ln(0.95/0.8) = 0.0939 nats."
    )


@checker
def check_kl_sparsity(kl_sparsity):
    """Exercise 6.2: ``kl_sparsity(activations, rho)`` in NumPy.

    Returns ``sum_j KL(rho || rho_hat_j)`` where ``rho_hat_j`` is the mean of
    column ``j`` of ``activations`` (rows are examples).

    Args:
        kl_sparsity: the learner's function.

    Returns:
        Verdict.
    """
    activations = np.random.default_rng(6).uniform(0.01, 0.6, size=(40, 12))
    rho = 0.05
    signature = "kl_sparsity(activations, rho)"
    value, verdict = call_for_number(kl_sparsity, signature, (activations.copy(), rho))
    if verdict is not None:
        return verdict
    rho_hat = activations.mean(axis=0)
    if np.isclose(value, _kl(rho, rho_hat).sum()):
        return correct("the sum over units of KL(rho || mean activation).")
    if np.isclose(value, _kl(rho, activations).sum()) or np.isclose(value, _kl(rho, activations).mean(axis=0).sum()):
        return wrong("average the activations over the batch first (axis=0), then take KL of the means.")
    if np.isclose(value, _kl(rho_hat, rho).sum()):
        return wrong("the arguments are swapped: KL(rho || rho_hat) puts the target rho first.")
    if np.isclose(value, _kl(rho, rho_hat).mean()):
        return wrong("sum the divergences over the units instead of averaging them.")
    return wrong("first average each unit's activations over the batch: that is rho_hat. Then take "
                 "KL(rho || rho_hat) of each unit, as in the chapter, and add them up.")


@checker
def check_sparsity_statements(answer):
    """Exercise 6.3: which statements (a)-(e) about sparse autoencoders are true.

    Args:
        answer: the letters of the true statements.

    Returns:
        Verdict.
    """
    return check_letters(answer, "abcde", _TRUE_STATEMENTS, _STATEMENT_EXPLANATIONS, _REREAD)


@dataclass(frozen=True)
class _Between:
    """A measured number that must lie between two bounds; reads as a :class:`Target` does.

    Two :class:`Target` objects (at least ``low``, at most ``high``) would check the same, but
    the verdict would then state the measured value twice; this one states it once, next to
    both bounds.
    """

    name: str
    value: float
    low: float
    high: float

    @property
    def met(self):
        return self.low <= self.value <= self.high

    def __str__(self):
        return f"your {self.name}: {self.value:.3f}; needed: between {self.low:.3f} and {self.high:.3f}"


def held_out_digits():
    """The checker's own test digits for Exercise 6.4, shape ``(2000, 28, 28)`` in [0, 1]."""
    images, _ = held_out_mnist(ACTIVITY_TEST_IMAGES)
    return images


@checker
def check_activity_target(model):
    """Exercise 6.4: a sparse autoencoder whose mean activation is within 20% of 0.1, with a test MSE under 0.06.

    The checker encodes and reconstructs its own held-out test digits with the
    model and measures the mean activation of the code (over images and
    units) and the mean squared error per pixel.

    Args:
        model: the learner's trained sparse autoencoder (with ``.encoder``).

    Returns:
        Verdict, with the measured numbers next to their targets.
    """
    verdict = not_a_model(model, "a sparse autoencoder with a sigmoid code", needs=("encoder",))
    if verdict is not None:
        return verdict
    images = held_out_digits()
    reconstructions = reconstruct(model, images)
    codes = encode(model.encoder, images)
    if codes.min() < 0 or codes.max() > 1:
        end_check(wrong(f"a mean activation is a firing rate only for codes in [0, 1]; your encoder gives values "
                        f"from {codes.min():.3g} to {codes.max():.3g}. Build the model with "
                        "cp.build_sparse_autoencoder, whose code is a sigmoid."))
    activity = float(codes.mean())
    mse = float(np.mean((images.reshape(len(images), -1) - reconstructions) ** 2))
    low, high = ACTIVITY_TARGET * (1 - ACTIVITY_TOLERANCE), ACTIVITY_TARGET * (1 + ACTIVITY_TOLERANCE)
    targets = [
        _Between("mean activation", activity, low, high),
        Target("test MSE per pixel", mse, ACTIVITY_MSE_TARGET, at_least=False, digits=3),
    ]
    hints = []
    if activity > high:
        hints.append("The code is too active: set rho to the target, 0.1, and raise beta until the mean "
                     "comes down to it (the chapter's beta = 0.01 leaves it well above rho).")
    if activity < low:
        hints.append("The code is too quiet: set rho to 0.1 (the chapter's model uses 0.05).")
    if mse > ACTIVITY_MSE_TARGET:
        hints.append("The error is high: train for more epochs, with the binary cross-entropy and a sigmoid "
                     "output; a beta far above 0.1 also costs error.")
    return verdict_on(targets, f"on {len(images):,} test digits it never saw", " ".join(hints))


def halving_k_outcome(error_k, error_half_k):
    """Exercise 6.5: the letter of ``HALVING_CHOICES`` that the two measured test errors give.

    Args:
        error_k: the test MSE of the TopK autoencoder with ``k`` active units.
        error_half_k: the test MSE of the same autoencoder with ``k // 2``.

    Returns:
        ``"a"`` if the error rose by more than 5%, ``"c"`` if it fell by more
        than 5%, else ``"b"``.
    """
    ratio = error_half_k / error_k
    if ratio > 1 + _HALVING_BAND:
        return "a"
    return "c" if ratio < 1 - _HALVING_BAND else "b"


def _is_error(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value) and value > 0


@checker
def check_halving_k_prediction(answer, error_k, error_half_k):
    """Exercise 6.5: the prediction of what halving k does to a TopK autoencoder's test error.

    Args:
        answer: the learner's letter, made before the experiment.
        error_k: the measured test MSE with ``k`` active units.
        error_half_k: the measured test MSE with ``k // 2``.

    Returns:
        Verdict.
    """
    if not (_is_error(error_k) and _is_error(error_half_k)):
        return wrong("run the experiment's cell first: it measures error_k and error_half_k, two test errors "
                     f"> 0. Received: {shown(error_k)} and {shown(error_half_k)}.")
    measured = (f"Measured test MSE per pixel: {error_k:.4f} with k active units, {error_half_k:.4f} with half "
                f"as many ({error_half_k / error_k - 1:+.0%}). Each image is drawn with fewer patterns, "
                "so it is drawn less exactly.")
    return check_prediction(answer, HALVING_CHOICES, halving_k_outcome(error_k, error_half_k), measured)
