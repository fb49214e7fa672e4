"""Checkers of Chapter 8."""

import numpy as np
import pytest

from companion.exercises import ch08


@pytest.mark.parametrize("answer", [15, 15.0, np.int64(15)])
def test_transpose_size_right(answer):
    assert ch08.check_transpose_output_size(answer).status == "correct"


@pytest.mark.parametrize(
    "answer, hint",
    [(14, 'padding="same"'), (3, "ordinary convolution"), (13, "add k - 1"), (17, "one step too many"),
     (20, "Use (n - 1) s + k"), (15.5, "whole number"), ("15", "Expected a whole number"),
     ([15], "Expected a whole number")],
)
def test_transpose_size_wrong(answer, hint):
    verdict = ch08.check_transpose_output_size(answer)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def test_transpose_size_unattempted():
    assert ch08.check_transpose_output_size(...).status == "unattempted"
    assert ch08.check_transpose_output_size(None).status == "unattempted"


def test_conv_parameters():
    assert ch08.check_conv_parameters(3 * 3 * 32 * 64 + 64).status == "correct"
    assert ch08.check_conv_parameters(...).status == "unattempted"
    for answer, hint in ((18432, "add the biases"), (640, "all 32 input channels"), (18464, "one bias per filter"),
                         (1000, "k x k x input channels"), (float("inf"), "whole number"),
                         (True, "Expected a whole number")):
        verdict = ch08.check_conv_parameters(answer)
        assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def right_overlap(n, k, s):
    counts = np.zeros((n - 1) * s + k, dtype=int)
    for i in range(n):
        counts[i * s:i * s + k] += 1
    return counts


def test_overlap_right():
    assert ch08.check_overlap_function(right_overlap).status == "correct"
    as_list = ch08.check_overlap_function(lambda n, k, s: right_overlap(n, k, s).tolist())
    assert as_list.status == "correct"


def test_overlap_unattempted():
    def not_done(n, k, s):
        raise NotImplementedError

    assert ch08.check_overlap_function(not_done).status == "unattempted"
    assert ch08.check_overlap_function(...).status == "unattempted"


def shifted_by_one(n, k, s):
    counts = np.zeros((n - 1) * s + k)
    for i in range(n):
        counts[i * s + 1:i * s + k + 1] += 1  # overhangs the end: fewer counted writes
    return counts


def stride_ignored(n, k, s):
    counts = np.zeros((n - 1) * s + k)
    for i in range(n):
        counts[i:i + k] += 1
    return counts


@pytest.mark.parametrize(
    "function, hint",
    [
        (lambda n, k, s: np.ones(n * s), "should return shape (11,)"),
        (shifted_by_one, "must add up to n k = 15"),
        (stride_ignored, "Input i covers outputs i s to i s + k - 1"),
        (lambda n, k, s: np.full((n - 1) * s + k, np.nan), "NaN"),
        (lambda n, k, s: "counts", "must return an array of numbers"),
        (lambda n, k: np.zeros(3), "raised TypeError"),
        (lambda n, k, s: np.zeros(3)[(n - 1) * s + k], "has (n - 1) s + k entries"),
        (42, "Expected a function"),
    ],
)
def test_overlap_wrong(function, hint):
    verdict = ch08.check_overlap_function(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def test_statements():
    assert ch08.check_conv_statements({"b", "c", "e"}).status == "correct"
    assert ch08.check_conv_statements("b, c, e").status == "correct"
    verdict = ch08.check_conv_statements({"a", "b", "c", "e"})
    assert verdict.status == "wrong" and "Re-read" in verdict.message
    assert ch08.check_conv_statements(...).status == "unattempted"
    assert ch08.check_conv_statements(3).status == "wrong"


def test_counts_huge_numbers():
    for check in (ch08.check_transpose_output_size, ch08.check_conv_parameters):
        verdict = check(784 ** 256)
        assert verdict.status == "wrong" and "a number with 741 digits" in verdict.message, verdict.message


@pytest.mark.parametrize(
    "function, hint",
    [
        (lambda n, k, s: right_overlap(n, k, s).astype(complex), "real numbers, not complex ones"),
        (lambda n, k, s: [[1]] + [[1, 2]] * ((n - 1) * s + k - 1), "array of numbers"),
    ],
    ids=["complex", "ragged"],
)
def test_overlap_odd_results(function, hint):
    verdict = ch08.check_overlap_function(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message
