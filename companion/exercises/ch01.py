"""Checkers for the exercises of Chapter 1 (linear autoencoder and PCA)."""

import numpy as np

from companion.exercises._verdict import (
    call_for_array,
    check_count,
    check_letters,
    checker,
    correct,
    wrong,
)

STATEMENT_LETTERS = "abcde"
_TRUE_STATEMENTS = frozenset("bde")
_REREAD = ("PCA is the optimum", "Undercomplete versus overcomplete")  # the sections the statements test
_STATEMENT_EXPLANATIONS = {
    "a": "(a) is false: any invertible mix of the principal axes gives the same "
    "reconstructions, so gradient descent has no reason to find orthonormal columns.",
    "b": "(b) is true: at the optimum the decoder's columns span the top-k principal "
    "subspace (Baldi & Hornik 1989); the principal angles in this chapter show it.",
    "c": "(c) is false: the codes are some invertible linear mix of the principal "
    "components, not the components themselves, and not ordered by variance.",
    "d": "(d) is true: by the Eckart-Young theorem no rank-k linear map reconstructs "
    "the training data better than PCA's projection.",
    "e": "(e) is true: with at least as many code units as inputs the identity map "
    "is available, so the error can reach zero without learning anything useful.",
}


@checker
def check_parameter_count(answer):
    """Exercise 1.1: trainable parameters of a 784-32-784 linear autoencoder.

    Args:
        answer: the learner's count (a whole number).

    Returns:
        Verdict.
    """
    weights = 784 * 32
    hints = {
        2 * weights: "you counted both weight matrices; each Dense layer also has one bias per unit.",
        weights: "there are two weight matrices: the encoder's 784x32 and the decoder's 32x784.",
        weights + 32: "that is the encoder alone; add the decoder (weights and biases).",
        2 * weights + 32: "you added the code layer's biases; the output layer has 784 biases too.",
        2 * weights + 784: "you added the output biases; the code layer has 32 biases too.",
    }
    return check_count(
        answer,
        2 * weights + 32 + 784,
        hints,
        "784x32 + 32 (encoder) + 32x784 + 784 (decoder). Compare with model.count_params().",
    )


@checker
def check_pca_reconstruct(pca_reconstruct):
    """Exercise 1.2: a NumPy function ``pca_reconstruct(x, k)``.

    The function must centre ``x`` (rows are examples), project onto the top-k
    principal axes and map back, adding the mean again.

    Args:
        pca_reconstruct: the learner's function.

    Returns:
        Verdict.
    """
    x = _exercise_data()
    for k in (1, 3):
        result, verdict = call_for_array(pca_reconstruct, f"pca_reconstruct(x, k={k})", (x.copy(), k), x.shape)
        if verdict is None:
            verdict = _compare_reconstruction(x, k, result)
        if verdict is not None:
            return verdict
    return correct("your reconstructions match PCA's for k=1 and k=3.")


@checker
def check_linear_ae_statements(answer):
    """Exercise 1.3: which statements (a)-(e) about a trained linear AE are true.

    Args:
        answer: the letters of the true statements, e.g. ``{"a", "c"}`` or ``"ac"``.

    Returns:
        Verdict.
    """
    return check_letters(answer, STATEMENT_LETTERS, _TRUE_STATEMENTS, _STATEMENT_EXPLANATIONS, _REREAD)


def _exercise_data():
    """200 points in 6-D with very different variances along random axes."""
    rng = np.random.default_rng(2006)
    scales = np.array([5.0, 3.0, 2.0, 0.5, 0.2, 0.1])
    rotation, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    return rng.normal(size=(200, 6)) * scales @ rotation.T + rng.normal(size=6) * 4


def _pca_reference(x, k, center=True):
    mean = x.mean(axis=0) if center else np.zeros(x.shape[1])
    _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
    axes = vt[:k]
    return (x - mean) @ axes.T @ axes + mean


def _close(a, b):
    return np.allclose(a, b, rtol=1e-4, atol=1e-6 * np.abs(b).max())


def _compare_reconstruction(x, k, result):
    """Return None when ``result`` is right, else a wrong Verdict with a hint."""
    expected = _pca_reference(x, k)
    if _close(result, expected):
        return None
    if _close(result + x.mean(axis=0), expected):
        return wrong("the shape of the cloud is right, but add the mean back after projecting.")
    if _close(result, _pca_reference(x, k, center=False)):
        return wrong("centre x (subtract the column means) before the SVD; PCA works on centred data.")
    return wrong(
        f"with k={k} the projection should keep the k directions of largest variance: "
        "the first k rows of Vt from np.linalg.svd(x_centred, full_matrices=False)."
    )
