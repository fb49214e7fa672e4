"""Checkers for the exercises of Chapter 6 (sparse autoencoders)."""

import numpy as np

from companion.exercises._verdict import (
    call_for_number,
    check_letters,
    check_number,
    checker,
    correct,
    wrong,
)

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
    return wrong("compute rho_hat = activations.mean(axis=0), then sum rho log(rho/rho_hat) + "
                 "(1 - rho) log((1 - rho)/(1 - rho_hat)) over the units.")


@checker
def check_sparsity_statements(answer):
    """Exercise 6.3: which statements (a)-(e) about sparse autoencoders are true.

    Args:
        answer: the letters of the true statements.

    Returns:
        Verdict.
    """
    return check_letters(answer, "abcde", _TRUE_STATEMENTS, _STATEMENT_EXPLANATIONS, _REREAD)
