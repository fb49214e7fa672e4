"""Reconstruction metrics and subspace comparison used throughout the course."""

import numpy as np
from scipy.linalg import subspace_angles

from companion import _checks
from companion.inference import call_in_batches


def mse_per_pixel(x, x_hat):
    """Mean squared error over all pixels of all images (Keras' ``"mse"``).

    Args:
        x: originals, shape ``(n, ...)``.
        x_hat: reconstructions of the same shape.

    Returns:
        float.

    Raises:
        ValueError: if the shapes differ or ``x`` is not a batch.
    """
    x, x_hat = _checks.array_pair(x, x_hat)
    return float(np.mean((x - x_hat) ** 2))


def squared_error_per_image(x, x_hat):
    """Squared error summed over the pixels of an image, averaged over images.

    This is the metric of Hinton & Salakhutdinov (2006), used from Chapter 2 on.

    Raises:
        ValueError: if the shapes differ or ``x`` is not a batch.
    """
    x, x_hat = _checks.array_pair(x, x_hat)
    per_image = ((x - x_hat) ** 2).reshape(len(x), -1).sum(axis=1)
    return float(per_image.mean())


def psnr(x, x_hat, data_range=1.0):
    """Peak signal-to-noise ratio in dB, computed per image and averaged.

    ``PSNR = 10 log10(data_range^2 / MSE)``; identical images give ``inf``.

    Args:
        x: clean images, shape ``(n, ...)``.
        x_hat: noisy or reconstructed images of the same shape.
        data_range: difference between the largest and smallest possible value.

    Raises:
        TypeError: if ``data_range`` is not a number.
        ValueError: for different shapes, an empty batch, or a ``data_range``
            that is not a finite number > 0.
    """
    x, x_hat = _checks.array_pair(x, x_hat)
    data_range = _checks.positive_number("data_range", data_range)
    mse = ((x - x_hat) ** 2).reshape(len(x), -1).mean(axis=1)
    with np.errstate(divide="ignore"):
        return float(np.mean(10 * np.log10(data_range**2 / mse)))


def principal_angles(basis_a, basis_b):
    """Principal angles in degrees between the column spaces of two matrices.

    Chapter 1 compares a linear autoencoder's decoder with PCA's components:
    all angles near 0 mean the two span the same subspace.

    Args:
        basis_a: array ``(d, k)`` whose columns span the first subspace.
        basis_b: array ``(d, m)`` whose columns span the second.

    Returns:
        np.ndarray: the ``min(k, m)`` angles, smallest first.

    Raises:
        ValueError: if the arrays are not 2-D with the same number of rows, or
            one of them is empty.
    """
    a, b = _checks.to_numpy(basis_a).astype("float64"), _checks.to_numpy(basis_b).astype("float64")
    if a.ndim != 2 or b.ndim != 2 or a.shape[0] != b.shape[0] or not a.size or not b.size:
        raise ValueError(
            "basis_a and basis_b must be 2-D with the same number of rows (one "
            f"column per basis vector, at least one). Received shapes {a.shape} and {b.shape}"
        )
    return np.sort(np.degrees(subspace_angles(a, b)))


def noise_gain(model, x, *, noise_std=0.1, seed=0):
    """Fraction of the energy of Gaussian input noise that reaches the output.

    ``gain = ||m(x + e) - m(x)||^2 / ||e||^2`` with ``e ~ N(0, noise_std^2)``
    (not clipped, so a linear model's gain depends only on its weights). An
    identity map has gain 1; an orthogonal projection onto k of d dimensions
    about k/d. Chapters 1 and 2 use it to tell copying from learning.

    Args:
        model: a Keras model or a function of a batch (run by
            ``companion.inference.call_in_batches``).
        x: inputs, shape ``(n, ...)``.
        noise_std: standard deviation of the noise.
        seed: seed of the noise.

    Returns:
        float.

    Raises:
        TypeError: if ``noise_std`` is not a number.
        ValueError: if ``noise_std`` is not a finite number > 0, or ``x`` is empty.
    """
    noise_std = _checks.positive_number("noise_std", noise_std)
    x = _checks.to_numpy(x).astype("float32")
    if x.size == 0:
        raise ValueError(f"x must hold at least one example. Received: x.shape={x.shape}")
    noise = np.random.default_rng(seed).normal(scale=noise_std, size=x.shape).astype("float32")
    passed = call_in_batches(model, x + noise).astype("float64") - call_in_batches(model, x).astype("float64")
    return float(np.sum(passed**2) / np.sum(noise.astype("float64") ** 2))


def classifier_score(probabilities):
    """How confidently and how diversely a classifier labels a set of images.

    ``exp(mean over images of KL(p(y|x) || p(y)))``, where ``p(y)`` is the mean
    of the predicted distributions: the Inception Score of Salimans et al.
    (2016) computed with any classifier. It is 1 when every image gets the same
    prediction and the number of classes when each image is classified with
    certainty and the classes are used equally. Chapter 9 scores generated
    digits with a small MNIST classifier.

    Args:
        probabilities: array ``(n, classes)``, rows of predicted probabilities.

    Returns:
        float between 1 and the number of classes.

    Raises:
        ValueError: if the rows are not probability distributions.
    """
    p = _checks.to_numpy(probabilities).astype("float64")
    if p.ndim != 2 or len(p) == 0:
        raise ValueError(f"probabilities must have shape (n, classes). Received: shape {p.shape}")
    # 1e-3: float32 softmax outputs sum to 1 within about 1e-6; anything further off
    # is not a distribution
    if np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError(
            "Each row of probabilities must be non-negative and sum to 1. Received: row sums from "
            f"{p.sum(axis=1).min():.3g} to {p.sum(axis=1).max():.3g}, smallest value {p.min():.3g}"
        )
    marginal = p.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * (np.log(p) - np.log(marginal)), 0.0)
    return float(np.exp(terms.sum(axis=1).mean()))
