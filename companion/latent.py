"""Looking at a latent space: scatter of codes, decoded grid, interpolation, explorer (Chapter 9)."""

import numpy as np
from matplotlib import pyplot as plt
from scipy import stats

from companion import _checks
from companion.inference import call_in_batches
from companion.plots import as_images


def prior_quantiles(n=15, tail=0.05):
    """``n`` points spaced by equal probability of the standard normal prior (Chapter 9).

    Args:
        n: number of points, at least 2.
        tail: probability left out at each end (0 < tail < 0.5).

    Returns:
        A float32 array of shape ``(n,)``, increasing, symmetric about 0.

    Raises:
        TypeError, ValueError: for ``n`` not an integer >= 2 or ``tail`` not a
            number strictly between 0 and 0.5.
    """
    n = _checks.positive_int("n", n)
    if n < 2:
        raise ValueError(f"n must be at least 2 (the two ends). Received: n={n}")
    tail = _checks.number("tail", tail, low=0, high=0.5, low_open=True, high_open=True)
    return stats.norm.ppf(np.linspace(tail, 1 - tail, n)).astype("float32")


def decode_latent_grid(decoder, n=15, *, tail=0.05):
    """Decode a square grid of points of a 2-D latent plane.

    Args:
        decoder: a model from codes ``(batch, 2)`` to images.
        n: points per side.
        tail: prior probability left out at each end of each axis.

    Returns:
        ``(images, positions)``: images of shape ``(n, n, height, width[, channels])``,
        row ``i`` at ``z2 = positions[n - 1 - i]`` (top row = largest ``z2``) and
        column ``j`` at ``z1 = positions[j]``.

    Raises:
        TypeError: if ``decoder`` is a whole autoencoder rather than its decoder.
        ValueError: if the decoder does not take 2-D codes.
    """
    latent_dim = code_size(decoder, "decode_latent_grid")
    if latent_dim != 2:
        raise ValueError(f"decode_latent_grid needs a decoder of 2-D codes. Received: latent_dim={latent_dim}")
    positions = prior_quantiles(n, tail)
    z1, z2 = np.meshgrid(positions, positions[::-1])
    codes = np.stack([z1.ravel(), z2.ravel()], axis=1)
    images = _decode(decoder, codes)
    return images.reshape(n, n, *images.shape[1:]), positions


def plot_latent_grid(decoder, n=15, *, tail=0.05, title="Images decoded over the latent plane"):
    """Show :func:`decode_latent_grid` as one large image with the latent values on the axes.

    Args:
        decoder: a model from codes ``(batch, 2)`` to images.
        n: points per side.
        tail: prior probability left out at each end of each axis.
        title: title of the figure.

    Returns:
        The matplotlib figure.

    Raises:
        TypeError: if ``decoder`` is a whole autoencoder rather than its decoder.
        ValueError: if the decoder does not take 2-D codes.
    """
    images, positions = decode_latent_grid(decoder, n, tail=tail)
    images = as_images(images.reshape(n * n, *images.shape[2:]))
    height, width = images.shape[1:3]
    mosaic = images.reshape(n, n, height, width, -1).transpose(0, 2, 1, 3, 4).reshape(n * height, n * width, -1)
    fig, ax = plt.subplots(figsize=(7, 7))
    ax.imshow(mosaic.squeeze(-1) if mosaic.shape[-1] == 1 else mosaic, cmap="gray", vmin=0, vmax=1)
    centres = np.arange(n) * width + width / 2
    labels = [f"{value:.1f}".replace("-0.0", "0.0") for value in positions]
    ax.set_xticks(centres, labels, rotation=90)
    ax.set_yticks(np.arange(n) * height + height / 2, labels[::-1])
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_latent_scatter(
    codes, labels, *, title="Test images in the latent plane", label_name="digit", max_points=5000
):
    """Scatter 2-D codes coloured by label, with a colour bar (Chapter 9).

    Args:
        codes: array ``(n, 2)`` (e.g. the encoder's means).
        labels: array ``(n,)`` of integer classes.
        title: title of the figure.
        label_name: what the labels are, shown on the colour bar.
        max_points: at most this many points are drawn (the first ones).

    Returns:
        The matplotlib figure.

    Raises:
        ValueError: if ``codes`` is not ``(n, 2)`` or ``labels`` does not match.
    """
    codes, labels = _checks.to_numpy(codes), _checks.to_numpy(labels)
    if codes.ndim != 2 or codes.shape[1] != 2:
        raise ValueError(f"codes must have shape (n, 2). Received: codes.shape={codes.shape}")
    if labels.shape != (len(codes),):
        raise ValueError(
            f"labels must have shape ({len(codes)},), one per code. Received: labels.shape={labels.shape}"
        )
    codes, labels = codes[:max_points], labels[:max_points]
    classes = np.unique(labels)
    fig, ax = plt.subplots(figsize=(7, 6))
    cmap = plt.get_cmap("tab10", len(classes))
    points = ax.scatter(
        codes[:, 0], codes[:, 1], c=labels, cmap=cmap, s=4, alpha=0.7,
        vmin=classes.min() - 0.5, vmax=classes.max() + 0.5,
    )
    fig.colorbar(points, ax=ax, ticks=classes, label=label_name)
    ax.set_xlabel("$z_1$ (encoder mean)")
    ax.set_ylabel("$z_2$ (encoder mean)")
    ax.set_title(title)
    ax.set_aspect("equal", adjustable="datalim")
    fig.tight_layout()
    return fig


def interpolate_codes(start, end, steps=9):
    """Points on the straight line from ``start`` to ``end``, both included (Chapter 9).

    Args:
        start, end: codes of the same shape ``(latent_dim,)``.
        steps: number of points.

    Returns:
        A float32 array ``(steps, latent_dim)``.

    Raises:
        ValueError, TypeError: for codes of different or non-vector shapes, or
            ``steps`` not a positive integer.
    """
    start, end = _checks.to_numpy(start).astype("float32"), _checks.to_numpy(end).astype("float32")
    if start.shape != end.shape or start.ndim != 1:
        raise ValueError(
            f"start and end must be two codes of the same shape (latent_dim,). "
            f"Received: start.shape={start.shape}, end.shape={end.shape}"
        )
    steps = _checks.positive_int("steps", steps)
    weights = np.linspace(0.0, 1.0, steps, dtype="float32")[:, None]
    return (1 - weights) * start + weights * end


def latent_explorer(decoder, *, limit=3.0, step=0.1):
    """Sliders, one per latent dimension, and the image the decoder makes of them.

    Works in Jupyter and Colab (ipywidgets). The book, which is static, shows
    :func:`plot_latent_grid` instead.

    Args:
        decoder: a model from codes ``(batch, latent_dim)`` to images.
        limit: each slider runs from ``-limit`` to ``limit``.
        step: slider step.

    Returns:
        An ``ipywidgets.VBox`` with the sliders and the image.

    Raises:
        ImportError: if ipywidgets is not installed (with the command to install it).
        TypeError: if ``decoder`` is a whole autoencoder rather than its decoder,
            or ``limit`` or ``step`` is not a number.
        ValueError: if ``limit`` or ``step`` is not a finite number > 0.
    """
    try:
        import ipywidgets as widgets
    except ImportError as error:
        raise ImportError("The latent explorer needs ipywidgets: pip install ipywidgets") from error
    limit = _checks.positive_number("limit", limit)
    step = _checks.positive_number("step", step)
    latent_dim = code_size(decoder, "latent_explorer")
    sliders = [
        widgets.FloatSlider(value=0.0, min=-limit, max=limit, step=step, description=f"z{i + 1}",
                            continuous_update=False)
        for i in range(latent_dim)
    ]
    output = widgets.Output()

    def show(_change=None):
        code = np.array([[slider.value for slider in sliders]], dtype="float32")
        image = as_images(_decode(decoder, code))[0]
        with output:
            output.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(2.5, 2.5))
            ax.imshow(image, cmap="gray", vmin=0, vmax=1)  # colour images ignore the map
            ax.set_title("z = (" + ", ".join(f"{v:.1f}" for v in code[0]) + ")", fontsize=8)
            ax.axis("off")
            plt.show()

    for slider in sliders:
        slider.observe(show, names="value")
    show()
    return widgets.VBox([*sliders, output])


def code_size(decoder, caller):
    """The size of the codes ``decoder`` takes, or a TypeError saying what to pass instead."""
    if hasattr(decoder, "encoder") and hasattr(decoder, "decoder"):
        raise TypeError(
            f"{caller} needs the decoder of the model, not the whole {type(decoder).__name__}: "
            f"pass vae.decoder (or model.decoder). Received: decoder={getattr(decoder, 'name', decoder)!r}"
        )
    if not hasattr(decoder, "inputs"):
        raise TypeError(
            f"{caller} needs a Keras model from codes to images, such as vae.decoder. "
            f"Received: {type(decoder).__name__}"
        )
    return decoder.inputs[0].shape[-1]


def _decode(decoder, codes):
    # not predict(), which compiles a new function for every new batch shape:
    # slow for one slider move, and TensorFlow warns after a few moves
    return call_in_batches(decoder, codes)
