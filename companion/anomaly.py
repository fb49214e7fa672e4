"""Anomaly and out-of-distribution scores (Chapter 11).

An autoencoder trained on normal images only reconstructs normal images well:
its reconstruction error is an anomaly score. A VAE gives each binary image a
bound on its negative log-likelihood, the negative ELBO, which is a score too, but one
that also measures how *complex* an image is; :func:`png_bits` measures that
complexity, after Serra et al. (2020). The scores are computed in batches, on
any Keras backend, and returned as NumPy arrays for scikit-learn's metrics.
"""

import io
import math

import numpy as np

from keras import ops

from companion import _checks
from companion.inference import call_in_batches
from companion.vae import bernoulli_reconstruction_loss, kl_divergence, posterior, vae_parts

KINDS = ("squared_error", "cross_entropy", "negative_elbo")


def one_class_split(x, y, normal_class, *, validation_fraction=0.1, seed=0):
    """The images of one class, split into training and validation images.

    The one-class protocol of Ruff et al. (2018): a detector learns from the
    images of one class only, and the other classes are the anomalies of the
    test set. The validation images, normal images the detector never trains
    on, are where a threshold is chosen (:func:`threshold_at_fpr`), never on
    the test set. Chapter 11.

    Args:
        x: images, shape ``(n, ...)``.
        y: their labels, shape ``(n,)``.
        normal_class: the label of the normal class.
        validation_fraction: the share of the class's images held out, in
            [0, 1) (0: no validation images).
        seed: seed of the random split.

    Returns:
        ``(x_train, x_validation)``: the class's images, shuffled and split.

    Raises:
        TypeError, ValueError: if ``x`` and ``y`` differ in length, ``y`` is
            not 1-D, no image has the label ``normal_class``, or the
            fraction is out of range.
    """
    x, y = _checks.to_numpy(x), _checks.to_numpy(y)
    if y.ndim != 1 or len(x) != len(y):
        raise ValueError(
            "x and y must hold one label per image: y of shape (n,) for x of shape (n, ...). "
            f"Received: x.shape={x.shape}, y.shape={y.shape}"
        )
    validation_fraction = _checks.number("validation_fraction", validation_fraction, low=0, high=1, high_open=True)
    seed = _checks.non_negative_int("seed", seed)
    members = np.flatnonzero(y == normal_class)
    if members.size == 0:
        raise ValueError(
            f"No image has the label normal_class; the labels present are {sorted(np.unique(y).tolist())}. "
            f"Received: normal_class={normal_class!r}"
        )
    members = np.random.default_rng(seed).permutation(members)
    n_validation = int(round(validation_fraction * members.size))
    if validation_fraction > 0 and not 0 < n_validation < members.size:
        raise ValueError(
            f"The class has {members.size} image(s): too few to hold out a validation share of "
            f"{validation_fraction:g} and still train. Received: validation_fraction={validation_fraction}"
        )
    return x[members[n_validation:]], x[members[:n_validation]]


def anomaly_scores(model, images, *, kind="squared_error", batch_size=500, seed=0):
    """One anomaly score per image: the larger, the less normal (Chapter 11).

    ``kind="squared_error"``: ``||x - model(x)||^2``, summed over the pixels
    of each image. ``kind="cross_entropy"``: the binary cross-entropy of the
    reconstruction, summed over the pixels (Chapter 2's loss). Both take any
    autoencoder, or a fitted scikit-learn estimator with ``transform`` and
    ``inverse_transform`` (such as ``PCA``), which reconstructs the flattened
    images. ``kind="negative_elbo"``: the VAE's negative ELBO of each image, in
    nats (see :func:`negative_elbo`).

    Args:
        model: an autoencoder (any Keras model or callable from images to
            images of the same shape), a fitted ``PCA``, or a
            :class:`~companion.VAE` for ``"negative_elbo"``.
        images: a batch, shape ``(n, ...)``, values in [0, 1].
        kind: ``"squared_error"``, ``"cross_entropy"`` or ``"negative_elbo"``.
        batch_size: images scored at a time.
        seed: seed of the VAE's code samples (``"negative_elbo"`` only).

    Returns:
        numpy.ndarray of shape ``(n,)``, float64.

    Raises:
        TypeError, ValueError: for an unknown kind, a batch that is empty or
            not at least 2-D, a model whose output does not have the shape
            of its input, or a ``"negative_elbo"`` model that is not a VAE.
    """
    _checks.one_of("kind", kind, KINDS)
    if kind == "negative_elbo":
        return negative_elbo(model, images, batch_size=batch_size, seed=seed)
    images = _checks.image_batch(images)
    batch_size = _checks.positive_int("batch_size", batch_size)
    x_hat = _reconstruct(model, images, batch_size)
    if x_hat.shape != images.shape:
        raise ValueError(
            "The model must reconstruct its input: an output of the same shape as the images. "
            f"Received: images of shape {images.shape[1:]} gave outputs of shape {x_hat.shape[1:]}"
        )
    x, x_hat = images.reshape(len(images), -1).astype("float64"), x_hat.reshape(len(images), -1).astype("float64")
    if kind == "squared_error":
        return ((x - x_hat) ** 2).sum(axis=1)
    x_hat = np.clip(x_hat, 1e-7, 1 - 1e-7)
    return -(x * np.log(x_hat) + (1 - x) * np.log(1 - x_hat)).sum(axis=1)


def negative_elbo(vae, images, *, samples=1, batch_size=500, seed=0):
    """The negative ELBO of each image under a VAE, in nats (Chapter 11).

    ``-ELBO(x) = E_q[-log p(x|z)] + KL(q(z|x) || p(z))``, for binary images an
    upper bound of ``-log p(x)`` (:func:`~companion.binarise`): the Bernoulli reconstruction loss
    (:func:`~companion.bernoulli_reconstruction_loss`) of decoded code samples,
    averaged over ``samples`` draws, plus the closed-form KL term
    (:func:`~companion.kl_divergence`). The draws are seeded, so the same call
    gives the same scores.

    Args:
        vae: a :class:`~companion.VAE` (its ``encoder`` returns
            ``[z_mean, z_log_var]``).
        images: a batch in the VAE's input shape, values in [0, 1].
        samples: code samples per image.
        batch_size: images scored at a time.
        seed: seed of the code samples.

    Returns:
        numpy.ndarray of shape ``(n,)``, float64.

    Raises:
        TypeError, ValueError: for a model without an encoder that returns
            a mean and a log-variance, an empty batch, or a decoder whose
            output does not have the images' shape.
    """
    images = _checks.image_batch(images)
    samples = _checks.positive_int("samples", samples)
    batch_size = _checks.positive_int("batch_size", batch_size)
    seed = _checks.non_negative_int("seed", seed)
    encoder, decoder = vae_parts(vae, "negative_elbo")
    z_mean, z_log_var = (part.astype("float32") for part in posterior(encoder, images, batch_size))
    total = ops.convert_to_numpy(kl_divergence(z_mean, z_log_var)).astype("float64")
    noise = _code_noise(np.random.default_rng(seed), len(images), batch_size, samples, z_mean.shape[-1])
    for eps in noise:
        x_hat = call_in_batches(decoder, z_mean + np.exp(0.5 * z_log_var) * eps, batch_size=batch_size)
        if x_hat.shape != images.shape:
            raise ValueError(
                "The VAE's decoder must give back images of the input's shape. "
                f"Received: images of shape {images.shape[1:]} gave outputs of shape {x_hat.shape[1:]}"
            )
        reconstruction = ops.convert_to_numpy(bernoulli_reconstruction_loss(images, x_hat))
        total = total + reconstruction.astype("float64") / samples
    return total


def _code_noise(rng, n, batch_size, samples, code_size):
    """Standard normal draws ``(samples, n, code_size)``, float32, in the order the scores always drew them.

    Batch by batch, and within a batch one draw per sample: so a score does
    not depend on anything but ``batch_size`` and ``seed``, as before the
    batches were computed in one pass.
    """
    noise = np.empty((samples, n, code_size), dtype="float32")
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        for sample in range(samples):
            noise[sample, start:stop] = rng.standard_normal((stop - start, code_size)).astype("float32")
    return noise


def threshold_at_fpr(normal_scores, fpr=0.05):
    """The smallest threshold that flags at most a fraction ``fpr`` of normal scores (Chapter 11).

    An image is flagged when its score is *above* the threshold. Choose it on
    normal images held out from training (a validation split), never on the
    test set: the test set measures what the threshold does.

    Args:
        normal_scores: scores of normal validation images, shape ``(n,)``.
        fpr: the largest share of normal images flagged, in (0, 1).

    Returns:
        float: a score of ``normal_scores``.

    Raises:
        TypeError, ValueError: for scores that are empty, not 1-D or not
            finite, or an ``fpr`` out of range.
    """
    scores = _checks.to_numpy(normal_scores).astype("float64")
    if scores.ndim != 1 or scores.size == 0 or not np.all(np.isfinite(scores)):
        raise ValueError(
            "normal_scores must be a non-empty 1-D array of finite scores. "
            f"Received: shape {scores.shape}"
        )
    fpr = _checks.number("fpr", fpr, low=0, high=1, low_open=True, high_open=True)
    return float(np.quantile(scores, 1 - fpr, method="higher"))


def png_bits(images):
    """The length in bits of each image saved as an 8-bit greyscale PNG (Chapter 11).

    A measure of an image's complexity: a lossless compressor is a generic
    model of images, and its code length is the negative log-likelihood it
    gives the image, in bits. Serra et al. (2020) subtract it from a deep
    model's negative log-likelihood to score out-of-distribution inputs.
    Pillow writes the files at the strongest compression (level 9).

    Args:
        images: a batch of greyscale images, shape ``(n, height, width)`` or
            ``(n, height, width, 1)``, values in [0, 1].

    Returns:
        numpy.ndarray of shape ``(n,)``: bits per image, file header included.

    Raises:
        ValueError: for an empty batch or a shape that is not a batch of
            greyscale images.
    """
    from PIL import Image  # matplotlib requires Pillow, so it is always there

    images = _checks.image_batch(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3:
        raise ValueError(
            "png_bits needs greyscale images, shape (n, height, width) or (n, height, width, 1). "
            f"Received: shape {images.shape}"
        )
    pixels = np.round(np.clip(images, 0, 1) * 255).astype("uint8")
    bits = np.empty(len(pixels))
    for index, image in enumerate(pixels):
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="PNG", compress_level=9)
        bits[index] = 8 * buffer.getbuffer().nbytes
    return bits


def nats_to_bits(nats):
    """Convert a negative log-likelihood from nats to bits: divide by ln 2 (Chapter 11)."""
    return _checks.to_numpy(nats).astype("float64") / math.log(2)


def _reconstruct(model, images, batch_size):
    """The reconstructions of ``images`` by ``model``, a NumPy array."""
    if hasattr(model, "transform") and hasattr(model, "inverse_transform"):  # scikit-learn: PCA and friends
        flat = images.reshape(len(images), -1)
        return np.asarray(model.inverse_transform(model.transform(flat))).reshape(images.shape)
    if not callable(model):
        raise TypeError(
            "model must be an autoencoder (a Keras model or a function from images to images) or a "
            f"fitted scikit-learn estimator with transform and inverse_transform. Received: {type(model).__name__}"
        )
    return call_in_batches(model, images, batch_size=batch_size)
