"""Checkers of Chapter 6."""

import numpy as np
import pytest

from companion.exercises import ch06


def kl(rho, q):
    return rho * np.log(rho / q) + (1 - rho) * np.log((1 - rho) / (1 - q))


def test_kl_value_right_and_unattempted():
    assert ch06.check_kl_value(0.09394).status == "correct"
    assert ch06.check_kl_value(...).status == "unattempted"


@pytest.mark.parametrize("answer, hint", [(0.13978, "target rho comes first"), (0.0408, "natural logarithms"),
                                          (-0.0693, "add the second term"), (1.0, "Check the formula"),
                                          ("0.09", "Expected a number")])
def test_kl_value_wrong(answer, hint):
    verdict = ch06.check_kl_value(answer)
    assert verdict.status == "wrong" and hint in verdict.message


def test_kl_sparsity_right():
    def right(a, rho):
        return kl(rho, a.mean(axis=0)).sum()

    assert ch06.check_kl_sparsity(right).status == "correct"


@pytest.mark.parametrize(
    "function, hint",
    [
        (lambda a, rho: kl(rho, a).sum(), "average the activations over the batch first"),
        (lambda a, rho: kl(a.mean(axis=0), rho).sum(), "swapped"),
        (lambda a, rho: kl(rho, a.mean(axis=0)).mean(), "sum the divergences"),
        (lambda a, rho: kl(rho, a.mean(axis=0)), "one number"),
        (lambda a, rho: 0.0, "compute rho_hat"),
        (lambda a: 0.0, "raised TypeError"),
    ],
)
def test_kl_sparsity_wrong(function, hint):
    verdict = ch06.check_kl_sparsity(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def test_kl_sparsity_unattempted():
    def not_done(a, rho):
        raise NotImplementedError

    assert ch06.check_kl_sparsity(not_done).status == "unattempted"


def test_sparsity_statements():
    assert ch06.check_sparsity_statements("bce").status == "correct"
    assert "Re-read" in ch06.check_sparsity_statements("bcde").message


def right_kl_sparsity(a, rho):
    return kl(rho, a.mean(axis=0)).sum()


@pytest.mark.parametrize(
    "function, hint",
    [
        (lambda a, rho: [[1.0], [1.0, 2.0]], "must return one number. Received: [[1.0], [1.0, 2.0]]"),
        (lambda a, rho: right_kl_sparsity(a, rho) + 1j, "real numbers, not complex ones"),
        (lambda a, rho: complex(right_kl_sparsity(a, rho)), "real numbers, not complex ones"),
        (lambda a, rho: np.nan, "expected a finite number"),
        (lambda a, rho: "0.09", "must return one number"),
    ],
    ids=["ragged", "complex", "complex-zero-imaginary", "nan", "text"],
)
def test_kl_sparsity_odd_results(function, hint):
    verdict = ch06.check_kl_sparsity(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def test_kl_value_complex_or_huge():
    verdict = ch06.check_kl_value(0.09394 + 0j)
    assert verdict.status == "wrong" and "Expected a real number" in verdict.message
    verdict = ch06.check_kl_value(-(10 ** 400))
    assert verdict.status == "wrong" and "finite number" in verdict.message
