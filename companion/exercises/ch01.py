"""Checkers for the exercises of Chapter 1 (linear autoencoder and PCA)."""

import math
import numbers
import warnings

import numpy as np

from companion.exercises._measure import Target, not_a_model, reconstruct, verdict_on
from companion.exercises._verdict import (
    call_for_array,
    check_count,
    check_letters,
    check_prediction,
    checker,
    correct,
    end_check,
    shown,
    wrong,
)

# Exercise 1.4: a linear autoencoder with a code of this size, trained by the learner, is
# measured against PCA with as many components on digits it never saw.
LINEAR_CODE_SIZE = 16
# Test MSE at most 2% above PCA's: the chapter's training recipe (8 epochs on 10,000 digits,
# Adam with a cosine decay) ends 0.5-1% above it; 3 epochs end 9% above it, one epoch without
# the decay 25% above it and an untrained model about 5 times above it.
LINEAR_MSE_RATIO_TARGET = 1.02
REFERENCE_TRAIN_IMAGES = 20_000  # the training digits the checker fits its PCA on
HELD_OUT_IMAGES = 2_000  # the last test digits: the chapter shows and measures the first ones
_LINEARITY_TOLERANCE = 1e-3  # float32 rounding of a linear model stays below 1e-5
_RANK_TOLERANCE = 1e-4  # singular values below this share of the largest are rounding

# Exercise 1.5: the linear autoencoder on digits whose pixels are shuffled
SHUFFLE_CHOICES = {
    "a": "the error is clearly higher (more than 5% above PCA's on the real digits).",
    "b": "the error is about the same (within 5% of PCA's on the real digits).",
    "c": "the error is clearly lower (more than 5% below PCA's on the real digits).",
}
_SHUFFLE_BAND = 0.05

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


def reference_digits():
    """The checker's own data for Exercise 1.4: training digits for its PCA, and held-out test digits.

    Returns:
        ``(train, held_out)``, flat images of shape ``(n, 784)`` in [0, 1].
    """
    from companion.data import load_mnist  # the data module imports Keras: load it when needed

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the offline fallback warns once already in the chapter's setup
        (train, _), (test, _) = load_mnist(n_train=REFERENCE_TRAIN_IMAGES, flatten=True)
    return train, test[-HELD_OUT_IMAGES:]


def pca_test_mse(train, test, k):
    """Mean squared error per pixel of PCA with ``k`` components fitted on ``train``, on ``test``."""
    train = np.asarray(train, dtype="float64")
    mean = train.mean(axis=0)
    _, vectors = np.linalg.eigh(np.cov(train - mean, rowvar=False))
    axes = vectors[:, ::-1][:, :k]  # eigh sorts the eigenvalues up
    centred = np.asarray(test, dtype="float64") - mean
    return float(np.mean((centred - centred @ axes @ axes.T) ** 2))


@checker
def check_linear_autoencoder(model):
    """Exercise 1.4: a trained linear autoencoder with a 16-number code, within 2% of PCA.

    The checker fits PCA with 16 components on training digits, then measures
    the model and PCA on held-out test digits. It checks what the model does,
    not how it was built: its reconstructions must be an affine function of
    the input (a linear autoencoder) and span at most 16 directions (a code of
    16 numbers), and its test MSE must be at most 2% above PCA's.

    Args:
        model: the learner's trained model (or any function of a batch of images).

    Returns:
        Verdict, with the measured MSE ratio next to the target.
    """
    verdict = not_a_model(model, f"a linear autoencoder with a {LINEAR_CODE_SIZE}-number code")
    if verdict is not None:
        return verdict
    train, held_out = reference_digits()
    reconstructions = reconstruct(model, held_out)
    _require_linear(model, held_out, reconstructions)
    _require_code_size(reconstructions)
    mse = float(np.mean((held_out - reconstructions) ** 2))
    pca_mse = pca_test_mse(train, held_out, LINEAR_CODE_SIZE)
    ratio = Target("test MSE / PCA's", mse / pca_mse, LINEAR_MSE_RATIO_TARGET, at_least=False, digits=3)
    hints = (
        "Usual causes: too few epochs, a learning rate that stays high to the end "
        "(cosine_decay=True lets Adam settle into the minimum), a loss other than the mean "
        "squared error, or a model that was not trained."
    )
    where = f"on {len(held_out):,} test digits it never saw (your MSE {mse:.5f}, PCA's {pca_mse:.5f})"
    return verdict_on([ratio], where, hints)


def _require_linear(model, images, reconstructions):
    """End the check unless the model maps the midpoint of two images to the midpoint of their outputs."""
    half = len(images) // 2
    midpoints = reconstruct(model, (images[:half] + images[half : 2 * half]) / 2)
    expected = (reconstructions[:half] + reconstructions[half : 2 * half]) / 2
    scale = np.linalg.norm(reconstructions[:half] - reconstructions[half : 2 * half]) + 1e-12
    deviation = np.linalg.norm(midpoints - expected) / scale
    if deviation > _LINEARITY_TOLERANCE:
        end_check(
            wrong(
                f"your model is not linear: the output for the average of two digits differs from the "
                f"average of their outputs by {deviation:.1%}. Build a linear autoencoder "
                "(cp.build_linear_autoencoder): no activation on the code or the output."
            )
        )


def _require_code_size(reconstructions):
    """End the check if the reconstructions span more directions than the code has numbers."""
    singular_values = np.linalg.svd(reconstructions - reconstructions.mean(axis=0), compute_uv=False)
    rank = int(np.sum(singular_values > _RANK_TOLERANCE * singular_values[0])) if singular_values[0] > 0 else 0
    if rank > LINEAR_CODE_SIZE:
        end_check(
            wrong(
                f"your reconstructions span {rank} directions; a code of {LINEAR_CODE_SIZE} numbers "
                f"spans at most {LINEAR_CODE_SIZE}. Build the model with code_size={LINEAR_CODE_SIZE}."
            )
        )


def shuffled_pixels_outcome(shuffled_mse, pca_mse):
    """Exercise 1.5: the letter of ``SHUFFLE_CHOICES`` that the measured errors give.

    Args:
        shuffled_mse: test MSE of the linear autoencoder trained and tested on shuffled pixels.
        pca_mse: test MSE of PCA with as many components on the real digits.

    Returns:
        ``"a"``, ``"b"`` or ``"c"``.
    """
    ratio = shuffled_mse / pca_mse
    if ratio > 1 + _SHUFFLE_BAND:
        return "a"
    return "c" if ratio < 1 - _SHUFFLE_BAND else "b"


@checker
def check_shuffled_pixels_prediction(answer, shuffled_mse, pca_mse):
    """Exercise 1.5: the prediction of the linear autoencoder's error on shuffled pixels.

    Args:
        answer: the learner's letter, made before the experiment.
        shuffled_mse: the measured test MSE on shuffled pixels.
        pca_mse: PCA's test MSE on the real digits, with as many components.

    Returns:
        Verdict.
    """
    if not all(
        isinstance(value, numbers.Real) and math.isfinite(value) and value > 0 for value in (shuffled_mse, pca_mse)
    ):
        return wrong(
            "run the experiment's cell first: it measures shuffled_mse and pca_16_mse, two errors > 0. "
            f"Received: {shown(shuffled_mse)} and {shown(pca_mse)}."
        )
    outcome = shuffled_pixels_outcome(shuffled_mse, pca_mse)
    measured = (
        f"Measured: test MSE {shuffled_mse:.5f} on shuffled pixels, {pca_mse:.5f} for PCA on the "
        f"real digits, a ratio of {shuffled_mse / pca_mse:.3f}. The loss of a linear "
        "autoencoder depends on the pixels' covariance only, and shuffling reorders it "
        "without changing its eigenvalues."
    )
    return check_prediction(answer, SHUFFLE_CHOICES, outcome, measured)


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
