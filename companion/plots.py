"""Figures shared by the chapters: image grids, reconstructions, signed weights, histories.

Every helper returns its matplotlib ``Figure`` and works for any image size:
flat vectors are reshaped to squares unless ``image_shape`` says otherwise.
"""

import math

import matplotlib.pyplot as plt
import numpy as np

from companion._checks import to_numpy


def plot_images(
    images, *, image_shape=None, ncols=10, titles=None, title=None, cmap="gray", value_range=None
):
    """Show a batch of images in a grid.

    Args:
        images: array ``(n, h, w)``, ``(n, h, w, channels)`` or flat ``(n, d)``.
        image_shape: shape of one image for flat input (default: a square).
        ncols: images per row.
        titles: optional list of one title per image.
        title: title of the figure.
        cmap: colour map for single-channel images.
        value_range: ``(low, high)`` mapped to the ends of the colour map
            (default: each image's own range, as for weights or codes).

    Returns:
        matplotlib.figure.Figure.

    Raises:
        ValueError: if the images cannot be shown with the given shape.
    """
    images = as_images(images, image_shape)
    ncols = max(1, min(ncols, len(images)))
    nrows = math.ceil(len(images) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.2 * ncols, 1.3 * nrows), squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.axis("off")
        if index < len(images):
            _show(ax, images[index], cmap, value_range)
            if titles is not None:
                ax.set_title(str(titles[index]), fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_signed_images(images, *, image_shape=None, ncols=10, titles=None, title=None, label="value"):
    """Show signed values (weights, filters, differences) with white at zero.

    Every image shares one diverging colour map, ``RdBu_r``, with limits
    symmetric about zero (plus and minus the largest absolute value of all the
    images): red is positive, blue negative, white zero, and one colour bar says
    how much. Used for the weights and features of Chapters 3 to 6.

    Args:
        images: array ``(n, h, w)`` or flat ``(n, d)`` of signed values.
        image_shape: shape of one image for flat input (default: a square).
        ncols: images per row.
        titles: optional list of one title per image.
        title: title of the figure.
        label: what the values are, written along the colour bar.

    Returns:
        matplotlib.figure.Figure.

    Raises:
        ValueError: if the images cannot be shown with the given shape.
    """
    images = as_images(to_numpy(images), image_shape)
    limit = float(np.max(np.abs(images))) or 1.0  # all zeros: any symmetric range
    fig = plot_images(images, ncols=ncols, titles=titles, title=title, cmap="RdBu_r",
                      value_range=(-limit, limit))
    shown = [ax.images[0] for ax in fig.axes if ax.images]
    fig.colorbar(shown[0], ax=fig.axes, shrink=0.8, label=label)
    return fig


def plot_reconstructions(originals, reconstructions, *, n=10, image_shape=None, title=None):
    """Originals in the top row, each model's reconstructions in a row below.

    Args:
        originals: batch of images (any shape accepted by :func:`plot_images`).
        reconstructions: one batch of the same shape, a dict mapping a row
            label (e.g. a model name) to a batch, or a list of ``(label, batch)``
            pairs (labels may then repeat, e.g. "noisy" and "denoised" twice).
        n: how many images to show (the first ``n``).
        image_shape: shape of one image for flat input.
        title: title of the figure.

    Returns:
        matplotlib.figure.Figure.

    Raises:
        ValueError: if a batch has a different shape from ``originals``.
    """
    if isinstance(reconstructions, dict):
        reconstructions = list(reconstructions.items())
    elif not isinstance(reconstructions, list):
        reconstructions = [("reconstruction", reconstructions)]
    originals = to_numpy(originals)
    rows = [("original", originals)]
    for label, batch in reconstructions:
        batch = to_numpy(batch)
        if batch.shape != originals.shape:
            raise ValueError(
                f"Reconstructions {label!r} must have the shape of the originals "
                f"{originals.shape}. Received: {batch.shape}"
            )
        rows.append((label, batch))
    n = min(n, len(originals))
    fig, axes = plt.subplots(len(rows), n, figsize=(1.1 * n, 1.25 * len(rows)), squeeze=False)
    for row_axes, (label, batch) in zip(axes, rows):
        for ax, image in zip(row_axes, as_images(batch[:n], image_shape)):
            _show(ax, image, "gray", (0.0, 1.0))
            ax.set_xticks([])
            ax.set_yticks([])
        row_axes[0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_history(history, *, metrics=("loss",), title="Training history", log_scale=False):
    """Plot training (and validation) curves per epoch.

    Args:
        history: a Keras ``History`` or its ``.history`` dict.
        metrics: names to plot; ``val_<name>`` is added when present.
        title: title of the figure.
        log_scale: use a logarithmic y axis.

    Returns:
        matplotlib.figure.Figure.

    Raises:
        ValueError: if a metric is not in the history.
    """
    logs = getattr(history, "history", history)
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.2), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        if metric not in logs:
            raise ValueError(f"{metric!r} is not in the history. Available: {sorted(logs)}")
        for key, style in ((metric, "-"), (f"val_{metric}", "--")):
            if key in logs:
                epochs = np.arange(1, len(logs[key]) + 1)
                ax.plot(epochs, logs[key], style, marker="o", markersize=3, label=key)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        if log_scale:
            ax.set_yscale("log")
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def as_images(batch, image_shape=None):
    """Reshape a batch to ``(n, h, w)`` or ``(n, h, w, 3)`` for display.

    Raises:
        ValueError: if the batch cannot be reshaped as asked.
    """
    batch = to_numpy(batch)
    if batch.ndim == 0 or len(batch) == 0:
        raise ValueError(f"Expected a batch of at least one image. Received: shape {batch.shape}")
    if image_shape is not None:
        size = math.prod(image_shape)
        if batch[0].size != size:
            raise ValueError(
                f"Cannot show items of {batch[0].size} values as images of shape "
                f"{tuple(image_shape)} ({size} values)."
            )
        batch = batch.reshape((len(batch), *image_shape))
    elif batch.ndim == 2:
        side = math.isqrt(batch.shape[1])
        if side * side != batch.shape[1]:
            raise ValueError(
                f"Vectors of {batch.shape[1]} values are not square images; pass image_shape."
            )
        batch = batch.reshape(len(batch), side, side)
    if batch.ndim == 4 and batch.shape[-1] == 1:
        batch = batch[..., 0]
    if batch.ndim not in (3, 4):
        raise ValueError(f"Expected a batch of images. Received: shape {batch.shape}")
    return batch


def _show(ax, image, cmap, value_range):
    if image.ndim == 3:  # colour images are always shown in [0, 1]
        ax.imshow(np.clip(image, 0, 1))
    else:
        low, high = value_range or (None, None)
        ax.imshow(image, cmap=cmap, vmin=low, vmax=high)
