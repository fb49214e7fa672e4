"""Checkers of Chapter 3."""

import numpy as np
import pytest

from companion.exercises import ch03


def test_tied_count_right_and_unattempted():
    assert ch03.check_tied_parameter_count(204800 + 272 + 1040).status == "correct"
    assert ch03.check_tied_parameter_count(...).status == "unattempted"


@pytest.mark.parametrize("answer, hint", [(2 * 204800 + 272 + 1040, "untied"), (204800, "biases of all four"),
                                          (204800 + 272, "256 + 784"), (204800 + 1040, "256 + 16"),
                                          (3, "Count the weights"), ([1], "whole number")])
def test_tied_count_wrong(answer, hint):
    verdict = ch03.check_tied_parameter_count(answer)
    assert verdict.status == "wrong" and hint in verdict.message


def test_tied_decode_right():
    assert ch03.check_tied_decode(lambda codes, kernel, bias: codes @ kernel.T + bias).status == "correct"


def test_tied_decode_unattempted():
    def not_done(codes, kernel, bias):
        raise NotImplementedError

    assert ch03.check_tied_decode(not_done).status == "unattempted"
    assert ch03.check_tied_decode(None).status == "unattempted"


@pytest.mark.parametrize(
    "function, hint",
    [
        (lambda c, k, b: c @ k + b, "transpose the kernel"),
        (lambda c, k, b: c @ k.T, "add the decoder's own bias"),
        (lambda c, k, b: np.tanh(c @ k.T + b), "no activation"),
        (lambda c, k, b: (c @ k.T + b).T, "should return shape (5, 7)"),
        (lambda c, k, b: np.full((5, 7), np.nan), "NaN"),
        (lambda c, k, b: "text", "array of numbers"),
        (lambda c, k: c, "raised TypeError"),
        (3, "Expected a function"),
    ],
)
def test_tied_decode_wrong(function, hint):
    verdict = ch03.check_tied_decode(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def test_tied_statements():
    assert ch03.check_tied_statements("bd").status == "correct"
    verdict = ch03.check_tied_statements({"a", "b", "d"})
    assert verdict.status == "wrong" and "Re-read" in verdict.message


def test_tied_count_huge_and_complex_numbers():
    verdict = ch03.check_tied_parameter_count(784 ** 256)
    assert verdict.status == "wrong" and "a number with 741 digits" in verdict.message
    verdict = ch03.check_tied_parameter_count(206112 + 0j)
    assert verdict.status == "wrong" and "real whole number" in verdict.message


@pytest.mark.parametrize(
    "function, hint",
    [
        (lambda c, k, b: (c @ k.T + b).astype(complex), "real numbers, not complex ones"),
        (lambda c, k, b: [[1.0, 2.0], [3.0]], "array of numbers"),
        (lambda c, k, b: [[1.0] * 7] * 4 + [["x"] * 7], "array of numbers"),
    ],
    ids=["complex", "ragged", "text"],
)
def test_tied_decode_odd_results(function, hint):
    verdict = ch03.check_tied_decode(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message
