"""Checkers of Chapter 7."""

import numpy as np
import pytest

from companion.exercises import ch07


def test_unit_jacobian():
    assert ch07.check_unit_jacobian(0.25).status == "correct"
    assert ch07.check_unit_jacobian(...).status == "unattempted"
    for answer, hint in ((1.0, "square the derivative"), (0.0625, "multiply by the squared norm"),
                         (0.125, "not the norm 2"), (3, "Check the formula"), ("0.25", "Expected a number")):
        verdict = ch07.check_unit_jacobian(answer)
        assert verdict.status == "wrong" and hint in verdict.message


def right(h, w):
    return np.mean(((h * (1 - h)) ** 2) @ (w**2).sum(axis=0))


def test_penalty_right():
    assert ch07.check_penalty_function(right).status == "correct"


@pytest.mark.parametrize(
    "function, hint",
    [
        (lambda h, w: np.sum(((h * (1 - h)) ** 2) @ (w**2).sum(axis=0)), "average over the batch"),
        (lambda h, w: np.mean((h * (1 - h)) @ (w**2).sum(axis=0)), "square the derivative"),
        (lambda h, w: ((h * (1 - h)) ** 2) @ (w**2).sum(axis=0), "return one number"),
        (lambda h, w: 1.0, "compute"),
        (lambda h: 1.0, "raised TypeError"),
    ],
)
def test_penalty_wrong(function, hint):
    verdict = ch07.check_penalty_function(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def test_penalty_unattempted():
    def not_done(h, w):
        raise NotImplementedError

    assert ch07.check_penalty_function(not_done).status == "unattempted"


def test_statements():
    assert ch07.check_contraction_statements("acd").status == "correct"
    assert "Re-read" in ch07.check_contraction_statements("acde").message


@pytest.mark.parametrize(
    "function, hint",
    [
        (lambda h, w: [[1.0], [1.0, 2.0]], "must return one number"),
        (lambda h, w: right(h, w) + 0j, "real numbers, not complex ones"),
        (lambda h, w: np.inf, "expected a finite number"),
    ],
    ids=["ragged", "complex", "infinite"],
)
def test_penalty_odd_results(function, hint):
    verdict = ch07.check_penalty_function(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def test_unit_jacobian_complex():
    verdict = ch07.check_unit_jacobian(0.25 + 1e-9j)
    assert verdict.status == "wrong" and "Expected a real number" in verdict.message
