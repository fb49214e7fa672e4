"""Checkers of Chapter 3."""

import numpy as np
import pytest

import companion as cp
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


# Exercise 3.4: prediction, the kernel of a tied linear autoencoder

ORTHONORMAL = np.linalg.qr(np.random.default_rng(34).normal(size=(784, 32)))[0]


@pytest.mark.parametrize(
    "kernel, outcome",
    [
        (ORTHONORMAL, "b"),
        (ORTHONORMAL * 1.02, "b"),
        (ORTHONORMAL @ np.diag(np.linspace(0.5, 2, 32)), "a"),
        (np.random.default_rng(0).normal(scale=0.05, size=(784, 32)), "a"),  # Glorot-like: far from I
        (ORTHONORMAL * 0.01, "c"),
    ],
    ids=["orthonormal", "nearly", "scaled columns", "random", "shrunk"],
)
def test_tied_linear_outcome(kernel, outcome):
    assert ch03.tied_linear_outcome(kernel) == outcome


@pytest.mark.parametrize(
    "answer, kernel, status, words",
    [
        ("b", ORTHONORMAL, "correct", "your prediction held: (b)"),
        (" B ", ORTHONORMAL, "correct", "|W^T W - I| is 0.000"),
        ("a", ORTHONORMAL, "wrong", "your prediction (a) did not hold"),
        ("z", ORTHONORMAL, "wrong", 'one of "a", "b" or "c"'),
        (0, ORTHONORMAL, "wrong", "Expected one letter"),
        (..., ORTHONORMAL, "unattempted", "write your prediction first"),
        ("b", None, "wrong", "run the experiment's cell first"),
        ("b", ORTHONORMAL[0], "wrong", "run the experiment's cell first"),
        ("b", ORTHONORMAL.tolist(), "wrong", "run the experiment's cell first"),
        ("b", np.full((784, 32), np.nan), "wrong", "run the experiment's cell first"),
        ("b", np.array([["a"]]), "wrong", "run the experiment's cell first"),
    ],
)
def test_tied_linear_prediction(answer, kernel, status, words):
    verdict = ch03.check_tied_linear_prediction(answer, kernel)
    assert verdict.status == status and words in verdict.message, verdict.message


# Exercise 3.5: a trained tied autoencoder under a parameter budget, measured on the checker's digits

RNG = np.random.default_rng(35)
HELD_OUT = RNG.uniform(size=(200, 28, 28)).astype("float32")


@pytest.fixture
def held_out(monkeypatch):
    monkeypatch.setattr(ch03, "held_out_digits", lambda: HELD_OUT)


class Answer:
    """A stand-in for a trained autoencoder with weights that are or are not shared."""

    def __init__(self, reconstruct, *, tied=True, code_size=32, parameters=105_520):
        kernel = np.zeros((784, 128))
        self.encoder = lambda batch: np.zeros((len(batch), code_size), dtype="float32")
        self.encoder.weights = [kernel, np.zeros(128)]
        self.decoder = lambda codes: codes
        self.decoder.weights = [kernel if tied else np.zeros((128, 784)), np.zeros(784)]
        self.reconstruct, self.parameters = reconstruct, parameters

    def __call__(self, batch):
        return self.reconstruct(batch)

    def count_params(self):
        return self.parameters


def near_copy(batch):
    return batch + 0.01


def test_tied_budget_model_that_reconstructs_passes_with_its_numbers(held_out):
    verdict = ch03.check_tied_budget_autoencoder(Answer(near_copy))
    assert verdict.status == "correct", verdict.message
    assert "parameters: 105520; needed: at most 120000" in verdict.message
    assert "105,520 parameters; 205,872 untied" in verdict.message
    assert "needed: at most 11.50" in verdict.message


def test_tied_budget_real_models(held_out):
    cp.seed_everything(0)
    tied = cp.build_tied_autoencoder((784,), 32, hidden_sizes=(128,))
    untied = cp.build_stacked_autoencoder((784,), 32, hidden_sizes=(128,))
    untrained = ch03.check_tied_budget_autoencoder(tied)
    not_tied = ch03.check_tied_budget_autoencoder(untied)
    assert untrained.status == "wrong" and "needed: at most 11.50" in untrained.message, untrained.message
    assert "105,520 parameters; 209,968 untied" in untrained.message
    assert not_tied.status == "wrong" and "2 of its 2 kernels are its own" in not_tied.message, not_tied.message


def pca_32(batch):
    """The chapter's linear baseline on the synthetic digits: PCA with 32 components."""
    flat = batch.reshape(len(batch), -1)
    mean = flat.mean(axis=0)
    _, _, vt = np.linalg.svd(flat - mean, full_matrices=False)
    return ((flat - mean) @ vt[:32].T @ vt[:32] + mean).reshape(batch.shape)


@pytest.mark.parametrize(
    "answer, hint",
    [
        (Answer(pca_32), "squared error per image"),
        (Answer(near_copy, tied=False), "1 of its 1 kernels are its own"),
        (Answer(near_copy, parameters=222_384), "parameters: 222384; needed: at most 120000"),
        (Answer(near_copy, code_size=64), "codes of 64 numbers"),
    ],
    ids=["pca-32", "untied", "too many parameters", "code too large"],
)
def test_tied_budget_misses_are_explained(held_out, answer, hint):
    verdict = ch03.check_tied_budget_autoencoder(answer)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def raises(batch):
    raise RuntimeError("out of memory")


def without_decoder_weights():
    answer = Answer(near_copy)
    answer.decoder = lambda codes: codes  # a function has no .weights
    return answer


def without_kernels():
    answer = Answer(near_copy)
    answer.decoder.weights = [np.zeros(784)]
    return answer


@pytest.mark.parametrize(
    "answer, hint",
    [
        ("model", "with .encoder and .decoder"),
        (3.5, "with .encoder and .decoder"),
        ([1, 2], "with .encoder and .decoder"),
        (near_copy, "with .encoder and .decoder"),
        (Answer(raises), "raised RuntimeError: out of memory"),
        (Answer(lambda batch: batch[:, :10]), "gives back an image of the input's size"),
        (Answer(lambda batch: np.full(batch.shape, np.inf)), "NaN or infinite"),
        (Answer(lambda batch: None), "array of numbers"),
        (Answer(lambda batch: [[1, 2], [3]]), "one output per image"),
        (without_decoder_weights(), "reading your model's weights raised AttributeError"),
        (without_kernels(), "no kernel is its own"),
    ],
    ids=["string", "number", "list", "function", "raises", "output shape", "inf", "none", "ragged",
         "no weights", "no kernels"],
)
def test_tied_budget_bad_answers_get_a_verdict(held_out, answer, hint):
    verdict = ch03.check_tied_budget_autoencoder(answer)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def test_tied_budget_with_the_wrong_input_shape(held_out):
    verdict = ch03.check_tied_budget_autoencoder(cp.build_tied_autoencoder((100,), 8, hidden_sizes=()))
    assert verdict.status == "wrong" and "takes inputs of shape (100,)" in verdict.message


@pytest.mark.parametrize("answer", [..., None])
def test_tied_budget_unattempted(held_out, answer):
    assert ch03.check_tied_budget_autoencoder(answer).status == "unattempted"
