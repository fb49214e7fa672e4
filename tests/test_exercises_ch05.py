"""Checkers of Chapter 5."""

import numpy as np
import pytest

from companion.exercises import ch05


def right_mask(x, fraction, rng):
    return x * (rng.uniform(size=x.shape) >= fraction)


@pytest.mark.parametrize("answer", [20, 20.0, 20.004, np.float32(20.0)])
def test_psnr_right(answer):
    assert ch05.check_psnr_value(answer).status == "correct"


@pytest.mark.parametrize("answer, hint", [(2, "10 times"), (40, "20 log10"), (-20, "sign"), (10, "10 x 2"),
                                          (33, "Check the formula"), ("20", "Expected a number"),
                                          (float("nan"), "finite")])
def test_psnr_wrong(answer, hint):
    verdict = ch05.check_psnr_value(answer)
    assert verdict.status == "wrong" and hint in verdict.message


def test_psnr_unattempted():
    assert ch05.check_psnr_value(...).status == "unattempted"


def test_mask_right():
    assert ch05.check_masking_function(right_mask).status == "correct"


def test_mask_unattempted():
    def not_done(x, fraction, rng):
        raise NotImplementedError

    assert ch05.check_masking_function(not_done).status == "unattempted"
    assert ch05.check_masking_function(...).status == "unattempted"


def in_place(x, fraction, rng):
    x[rng.uniform(size=x.shape) < fraction] = 0
    return x


@pytest.mark.parametrize(
    "function, hint",
    [
        (in_place, "changed x itself"),
        (lambda x, f, rng: x * (rng.uniform(size=x.shape) < f), "should be 0; yours zeroes"),  # inverted mask
        (lambda x, f, rng: x * (rng.uniform(size=x.shape) >= f / 2), "about 30%"),
        (lambda x, f, rng: np.where(rng.uniform(size=x.shape) < f, 1.0, x), "only sets values to 0"),
        (lambda x, f, rng: right_mask(x, f, rng)[:, :10], "shape of x"),
        (lambda x, f: x, "raised TypeError"),
        ("mask", "Expected a function"),
    ],
)
def test_mask_wrong(function, hint):
    verdict = ch05.check_masking_function(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def test_denoising_statements():
    assert ch05.check_denoising_statements({"a", "d", "e"}).status == "correct"
    verdict = ch05.check_denoising_statements({"a", "b", "d", "e"})
    assert verdict.status == "wrong" and "Re-read" in verdict.message


@pytest.mark.parametrize(
    "function, hint",
    [
        (lambda x, f, rng: "masked", "must return an array of numbers"),
        (lambda x, f, rng: {"x": x}, "must return an array of numbers"),
        (lambda x, f, rng: (row for row in x), "must return an array of numbers"),
        (lambda x, f, rng: [[0.5], [0.5, 0.0]], "must return an array of numbers"),
        (lambda x, f, rng: right_mask(x, f, rng) + 0j, "real numbers, not complex ones"),
        (lambda x, f, rng: None, "did you forget `return`"),
    ],
    ids=["string", "dict", "generator", "ragged", "complex", "none"],
)
def test_mask_odd_results_get_a_verdict(function, hint):
    verdict = ch05.check_masking_function(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


@pytest.mark.parametrize("answer, hint", [(20 + 0j, "Expected a real number"), (10 ** 400, "finite number")],
                         ids=["complex", "huge"])
def test_psnr_complex_or_huge(answer, hint):
    verdict = ch05.check_psnr_value(answer)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message
