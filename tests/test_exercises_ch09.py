"""Checkers of Chapter 9."""

import numpy as np
import pytest

from companion.exercises import ch09


def test_elbo_bound():
    assert ch09.check_elbo_bound(-105).status == "correct"
    assert ch09.check_elbo_bound(...).status == "unattempted"
    for answer, hint in ((105, "sign"), (-55, "subtracted"), (55, "-80 - 25"), (-80, "subtract the KL"),
                         (-100, "Check the formula"), ([-105], "Expected a number")):
        verdict = ch09.check_elbo_bound(answer)
        assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def right(mean, log_var):
    return 0.5 * np.sum(np.exp(log_var) + mean**2 - 1 - log_var, axis=1)


def test_kl_right():
    assert ch09.check_kl_function(right).status == "correct"
    assert ch09.check_kl_function(...).status == "unattempted"


@pytest.mark.parametrize(
    "function, hint",
    [
        (lambda m, v: -right(m, v), "sign is flipped"),
        (lambda m, v: 0.5 * np.sum(np.exp(0.5 * v) + m**2 - 1 - v, axis=1), "log of the variance"),
        (lambda m, v: 2 * right(m, v), "factor 1/2"),
        (lambda m, v: right(m, v).sum(), "should return shape (6,)"),
        (lambda m, v: np.zeros(6), "compute"),
        (lambda m: 0.0, "raised TypeError"),
        ("kl", "Expected a function"),
    ],
)
def test_kl_wrong(function, hint):
    verdict = ch09.check_kl_function(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def test_statements():
    assert ch09.check_vae_statements("bd").status == "correct"
    assert ch09.check_vae_statements("db").status == "correct"
    assert ch09.check_vae_statements(...).status == "unattempted"
    verdict = ch09.check_vae_statements("abd")
    assert verdict.status == "wrong" and "Re-read" in verdict.message
    assert ch09.check_vae_statements(42).status == "wrong"


def test_elbo_bound_complex_or_huge():
    verdict = ch09.check_elbo_bound(-105 + 0j)
    assert verdict.status == "wrong" and "Expected a real number" in verdict.message
    verdict = ch09.check_elbo_bound(-(10 ** 400))
    assert verdict.status == "wrong" and "finite number" in verdict.message


@pytest.mark.parametrize(
    "function, hint",
    [
        (lambda m, v: right(m, v) + 0j, "real numbers, not complex ones"),
        (lambda m, v: [[0.1], [0.2, 0.3]], "array of numbers"),
        (lambda m, v: None, "did you forget `return`"),
    ],
    ids=["complex", "ragged", "none"],
)
def test_kl_odd_results(function, hint):
    verdict = ch09.check_kl_function(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message
