"""Checkers of Chapter 6."""

import keras
import numpy as np
import pytest
from keras import ops

import companion as cp
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


def test_sparsity_statements():
    assert ch06.check_sparsity_statements("bce").status == "correct"
    assert "Re-read" in ch06.check_sparsity_statements("bcde").message


def test_kl_value_complex_or_huge():
    verdict = ch06.check_kl_value(0.09394 + 0j)
    assert verdict.status == "wrong" and "Expected a real number" in verdict.message
    verdict = ch06.check_kl_value(-(10 ** 400))
    assert verdict.status == "wrong" and "finite number" in verdict.message


# Every checker gives a verdict for every kind of bad answer, never an exception


def raises(*args):
    raise RuntimeError("out of memory")


@pytest.mark.parametrize(
    "answer, status, words",
    [
        (None, "unattempted", "replace `...`"),
        (..., "unattempted", "replace `...`"),
        ("0.09", "wrong", "Expected a number"),
        ([0.09], "wrong", "Expected a number"),
        (np.array([0.09, 0.1]), "wrong", "Expected a number"),
        (float("nan"), "wrong", "finite number"),
        (float("inf"), "wrong", "finite number"),
        (True, "wrong", "Expected a number"),
        (raises, "wrong", "Expected a number"),
    ],
    ids=["none", "ellipsis", "text", "list", "array", "nan", "inf", "bool", "function"],
)
def test_kl_value_bad_answers(answer, status, words):
    verdict = ch06.check_kl_value(answer)
    assert verdict.status == status and words in verdict.message, verdict.message


@pytest.mark.parametrize(
    "answer, status, words",
    [
        (None, "unattempted", "letters of the true statements"),
        (..., "unattempted", "letters of the true statements"),
        (3, "wrong", "Expected the letters of the true statements"),
        (["b", "c", "z"], "wrong", "Unknown: ['z']"),
        ("bcf", "wrong", "Unknown: ['f']"),
        ({"b": True}, "wrong", "Expected the letters of the true statements"),
        (float("nan"), "wrong", "Expected the letters of the true statements"),
        (raises, "wrong", "Expected the letters of the true statements"),
        ("b, c, e", "correct", "the right set"),
        ([], "wrong", "Re-read the sections “The KL sparsity penalty” and “Measuring sparsity”"),
    ],
    ids=["none", "ellipsis", "number", "list-unknown", "text-unknown", "dict", "nan", "function", "commas", "empty"],
)
def test_sparsity_statements_answers(answer, status, words):
    verdict = ch06.check_sparsity_statements(answer)
    assert verdict.status == status and words in verdict.message, verdict.message


def test_statement_sections_are_headings_of_the_chapter():
    import json
    from pathlib import Path

    notebook = Path(__file__).parents[1] / "notebooks" / "06_sparse_autoencoder.ipynb"
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    headings = {line[3:].strip() for cell in cells if cell["cell_type"] == "markdown"
                for line in "".join(cell["source"]).splitlines() if line.startswith("## ")}
    assert set(ch06._REREAD) <= headings


# Exercise 6.1: the KL sparsity penalty written as a Keras regulariser


class KLSparsity(keras.regularizers.Regularizer):
    """The solution of Exercise 6.1, as the notebook writes it."""

    def __init__(self, rho, beta):
        self.rho = rho
        self.beta = beta

    def __call__(self, activations):
        rho = self.rho
        rho_hat = ops.mean(activations, axis=0)
        kl = rho * ops.log(rho / rho_hat) + (1 - rho) * ops.log((1 - rho) / (1 - rho_hat))
        return self.beta * ops.sum(kl)

    def get_config(self):
        return {"rho": self.rho, "beta": self.beta}


def ops_kl(rho, q):
    return rho * ops.log(rho / q) + (1 - rho) * ops.log((1 - rho) / (1 - q))


class MeanOverUnits(KLSparsity):
    def __call__(self, activations):
        return self.beta * ops.mean(ops_kl(self.rho, ops.mean(activations, axis=0)))


class OtherDirection(KLSparsity):
    def __call__(self, activations):
        return self.beta * ops.sum(ops_kl(ops.mean(activations, axis=0), self.rho))


class OneTerm(KLSparsity):
    def __call__(self, activations):
        return self.beta * ops.sum(self.rho * ops.log(self.rho / ops.mean(activations, axis=0)))


class PerActivation(KLSparsity):
    def __call__(self, activations):
        return self.beta * ops.sum(ops_kl(self.rho, activations))


class NoBeta(KLSparsity):
    def __call__(self, activations):
        return ops.sum(ops_kl(self.rho, ops.mean(activations, axis=0)))


class Log10(KLSparsity):
    def __call__(self, activations):
        return super().__call__(activations) / np.log(10)


class PerUnit(KLSparsity):  # forgets the sum: one divergence per unit
    def __call__(self, activations):
        return self.beta * ops_kl(self.rho, ops.mean(activations, axis=0))


class NoGradient(KLSparsity):
    def __call__(self, activations):
        return self.beta * ops.stop_gradient(ops.sum(ops_kl(self.rho, ops.mean(activations, axis=0))))


class NoConfig(keras.regularizers.Regularizer):
    def __init__(self, rho, beta):
        self.rho, self.beta = rho, beta

    __call__ = KLSparsity.__call__


class NoBetaInConfig(KLSparsity):
    def get_config(self):
        return {"rho": self.rho}


class ScaffoldRegularizer(keras.regularizers.Regularizer):
    def __init__(self, rho, beta):
        raise NotImplementedError  # your code here

    def __call__(self, activations):
        raise NotImplementedError  # your code here

    def get_config(self):
        raise NotImplementedError  # your code here


class ScaffoldCall(KLSparsity):
    def __call__(self, activations):
        raise NotImplementedError  # your code here


@pytest.mark.parametrize("answer", [
    KLSparsity, pytest.param(cp.KLSparsity, marks=pytest.mark.answer_key),
], ids=["solution", "reference"])
def test_kl_sparsity_regularizer_right(answer):
    verdict = ch06.check_kl_sparsity_regularizer(answer)
    assert verdict.status == "correct", verdict.message
    assert verdict.message == ch06.check_kl_sparsity_regularizer(KLSparsity).message  # nothing measured in it


@pytest.mark.parametrize("answer", [ScaffoldRegularizer, ScaffoldCall, ..., None],
                         ids=["scaffold", "scaffold-call", "ellipsis", "none"])
def test_kl_sparsity_regularizer_unattempted(answer):
    verdict = ch06.check_kl_sparsity_regularizer(answer)
    assert verdict.status == "unattempted", verdict.message


@pytest.mark.parametrize(
    "answer, words",
    [
        (MeanOverUnits, "activations of shape (1, 8), your penalty is too small by a factor of 8"),
        (OtherDirection, "the divergence taken in the other direction"),
        (OneTerm, "only one of the divergence's two terms"),
        (PerActivation, "takes the divergence of every single activation"),
        (NoBeta, "beta=3.0 and activations of shape (1, 8), your penalty is too small by a factor of 3"),
        (Log10, "too small by a factor of 2.3"),
        (PerUnit, "returns shape (8,): a regulariser returns one number"),
        (NoGradient, "no gradient flows back to the input"),
        (NoConfig, "no get_config of its own"),
        (NoBetaInConfig, "get_config() leaves out `beta`"),
    ],
    ids=["mean-over-units", "other-direction", "one-term", "per-activation", "no-beta", "log10", "per-unit",
         "no-gradient", "no-config", "config-without-beta"],
)
def test_kl_sparsity_regularizer_wrong(answer, words):
    verdict = ch06.check_kl_sparsity_regularizer(answer)
    assert verdict.status == "wrong" and words in verdict.message, verdict.message


@pytest.mark.parametrize(
    "answer, words",
    [
        ("KLSparsity", "Expected `KLSparsity(rho, beta)`"),
        (lambda rho, beta: keras.layers.Dense(3), "Expected `KLSparsity(rho, beta)` to give a keras.regularizers"),
        (lambda rho, beta: lambda activations: 0.0, "to give a keras.regularizers"),
        (lambda rho: cp.KLSparsity(rho), "raised TypeError"),
        (type("Raises", (KLSparsity,), {"__call__": raises}), "raised RuntimeError: out of memory"),
        (type("ReturnsNone", (KLSparsity,), {"__call__": lambda self, a: None}), "did you forget `return`"),
        (type("ReturnsText", (KLSparsity,), {"__call__": lambda self, a: "kl"}), "tensor of numbers"),
        (type("ReturnsNaN", (KLSparsity,), {"__call__": lambda self, a: ops.sum(a) * np.nan}), "NaN"),
    ],
    ids=["string", "layer", "function", "no-beta-argument", "raises", "none", "text", "nan"],
)
def test_kl_sparsity_regularizer_odd_answers(answer, words):
    verdict = ch06.check_kl_sparsity_regularizer(answer)
    assert verdict.status == "wrong" and words in verdict.message, verdict.message


# Exercise 6.4: a sparse code at a chosen activity, measured on the checker's digits

RNG = np.random.default_rng(64)
HELD_OUT = RNG.uniform(size=(200, 28, 28)).astype("float32")


@pytest.fixture
def held_out(checker_digits):
    checker_digits.set("test", HELD_OUT)


class Answer:
    """A stand-in for a trained sparse autoencoder: a reconstruction and an encoder of a given mean activation."""

    def __init__(self, reconstruct, activity=0.1):
        self.reconstruct = reconstruct
        self.encoder = lambda batch: np.full((len(batch), 40), activity, dtype="float32")

    def __call__(self, batch):
        return self.reconstruct(batch)


def near_copy(batch):
    return np.clip(batch + 0.05, 0, 1)


def the_mean_digit(batch):
    return np.broadcast_to(HELD_OUT.mean(axis=0).reshape(1, *batch.shape[1:]), batch.shape)


def test_activity_target_good_model_passes_with_its_numbers(held_out):
    verdict = ch06.check_activity_target(Answer(near_copy, activity=0.105))
    assert verdict.status == "correct", verdict.message
    assert "mean activation: 0.105; needed: between 0.080 and 0.120" in verdict.message
    assert "test MSE per pixel: 0.00" in verdict.message


@pytest.mark.parametrize(
    "answer, hint",
    [
        (Answer(near_copy, activity=0.065), "too quiet: set rho to 0.1"),  # the chapter's model: rho = 0.05
        (Answer(near_copy, activity=0.3), "too active"),  # beta = 0: a plain sigmoid code
        (Answer(the_mean_digit), "The error is high"),  # the mean digit every time
        (Answer(lambda batch: np.zeros_like(batch)), "The error is high"),
        (Answer(near_copy, activity=1.5), "codes in [0, 1]"),
        (Answer(near_copy, activity=-0.1), "codes in [0, 1]"),
    ],
    ids=["chapter-rho", "no-penalty", "mean-digit", "blank", "above-one", "negative"],
)
def test_activity_target_misses_are_explained(held_out, answer, hint):
    verdict = ch06.check_activity_target(answer)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def test_activity_target_untrained_model_is_rejected(held_out):
    cp.seed_everything(0)
    verdict = ch06.check_activity_target(cp.build_sparse_autoencoder((784,), 40, rho=0.1, beta=0.1))
    assert verdict.status == "wrong" and "too active" in verdict.message, verdict.message


@pytest.mark.parametrize(
    "answer, words",
    [
        ("model", "with .encoder"),
        (42, "with .encoder"),
        ([1, 2], "with .encoder"),
        (near_copy, "with .encoder"),
        (Answer(raises), "raised RuntimeError: out of memory"),
        (Answer(lambda batch: batch[:, :10]), "gives back an image of the input's size"),
        (Answer(lambda batch: np.full(batch.shape, np.nan)), "NaN"),
        (Answer(lambda batch: None), "array of numbers"),
        (Answer(lambda batch: "images"), "array of numbers"),
        (Answer(lambda batch: batch[:3]), "one output per image"),
    ],
    ids=["string", "number", "list", "function", "raises", "output-shape", "nan", "none", "text", "too-few"],
)
def test_activity_target_bad_answers_get_a_verdict(held_out, answer, words):
    verdict = ch06.check_activity_target(answer)
    assert verdict.status == "wrong" and words in verdict.message, verdict.message


def test_activity_target_broken_encoder_and_wrong_input_shape(held_out):
    broken = Answer(near_copy)
    broken.encoder = raises
    verdict = ch06.check_activity_target(broken)
    assert verdict.status == "wrong" and "calling your encoder" in verdict.message, verdict.message
    nan_codes = Answer(near_copy)
    nan_codes.encoder = lambda batch: np.full((len(batch), 4), np.nan)
    assert "NaN" in ch06.check_activity_target(nan_codes).message
    verdict = ch06.check_activity_target(cp.build_sparse_autoencoder((100,), 16))
    assert verdict.status == "wrong" and "takes inputs of shape (100,)" in verdict.message


@pytest.mark.parametrize("answer", [..., None])
def test_activity_target_unattempted(held_out, answer):
    assert ch06.check_activity_target(answer).status == "unattempted"


# Exercise 6.5: prediction, halving k


@pytest.mark.parametrize(
    "error_k, error_half_k, outcome",
    [(0.018, 0.023, "a"), (0.018, 0.0185, "b"), (0.018, 0.0175, "b"), (0.018, 0.015, "c")],
)
def test_halving_k_outcome(error_k, error_half_k, outcome):
    assert ch06.halving_k_outcome(error_k, error_half_k) == outcome


@pytest.mark.parametrize(
    "answer, error_k, error_half_k, status, words",
    [
        ("a", 0.018, 0.023, "correct", "your prediction held: (a)"),
        ("b", 0.018, 0.023, "wrong", "did not hold. The experiment measured:"),
        (" (A) ", 0.018, 0.023, "correct", "0.0180 with k active units, 0.0230"),
        ("d", 0.018, 0.023, "wrong", 'one of "a", "b" or "c"'),
        (1, 0.018, 0.023, "wrong", "Expected one letter"),
        (["a"], 0.018, 0.023, "wrong", "Expected one letter"),
        (..., 0.018, 0.023, "unattempted", "write your prediction first"),
        (None, 0.018, 0.023, "unattempted", "write your prediction first"),
        ("a", None, 0.023, "wrong", "run the experiment's cell first"),
        ("a", float("nan"), 0.023, "wrong", "run the experiment's cell first"),
        ("a", 0.018, "0.023", "wrong", "run the experiment's cell first"),
        ("a", 0.018, -1.0, "wrong", "run the experiment's cell first"),
        ("a", True, 0.023, "wrong", "run the experiment's cell first"),
        ("a", [0.018], 0.023, "wrong", "run the experiment's cell first"),
        ("a", 0.018, float("inf"), "wrong", "run the experiment's cell first"),
        (raises, 0.018, 0.023, "wrong", "Expected one letter"),
        ("a", raises, 0.023, "wrong", "run the experiment's cell first"),
        ("a", np.float32(0.018), np.float64(0.023), "correct", "your prediction held"),
    ],
)
def test_halving_k_prediction(answer, error_k, error_half_k, status, words):
    verdict = ch06.check_halving_k_prediction(answer, error_k, error_half_k)
    assert verdict.status == status and words in verdict.message, verdict.message
