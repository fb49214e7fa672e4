"""Living figures: small models that run in the page itself, with no kernel (Chapters 5 and 9).

A living figure is an HTML output with its own data and a short script in plain
JavaScript (no framework, nothing loaded from the network). The model runs in
the reader's browser: :func:`export_dense` turns a Keras model made of Dense
layers into 8-bit weights, one scale per output unit, and the page multiplies
them out at every move of the pointer or the slider. The same output works in
the built book, in Jupyter and in Colab; formats that cannot run scripts (a PDF,
a notebook viewer) get a static PNG of the same figure instead.

The decoder runs in the page, rather than a grid of images decoded in advance,
so that every point of the plane shows the decoder's own output, not the
nearest of a few hundred pictures: the 2-D VAE's decoder, 534,000 weights, is
534 kB as 8-bit integers, within the 1 MB a figure may weigh, whereas 16-bit
floats would pass it.
"""

import base64
import functools
import hashlib
import html
import io
import itertools
import json
import math
from importlib import resources

import numpy as np
from matplotlib import pyplot as plt

import keras

from companion import _checks
from companion.inference import call_in_batches
from companion.latent import code_size
from companion.metrics import psnr

__all__ = ["DenseExport", "LivingFigure", "denoising_slider", "export_dense", "latent_pad"]

# What the page can compute after a Dense layer.
ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh", "softplus")
# Layers that change nothing at inference (reshaping is implicit: the page works on flat vectors).
PASS_THROUGH = ("InputLayer", "Flatten", "Reshape", "Dropout", "GaussianNoise", "GaussianDropout", "Corruption")
# matplotlib's tab10, as in cp.plot_latent_scatter
TAB10 = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
# The noise of the denoising slider is stored as 8-bit integers, standard normal draws clipped here.
NOISE_CLIP = 4.0
_ids = itertools.count(1)


def _b64(array):
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


class DenseExport:
    """A chain of Dense layers with 8-bit weights, as the page runs it (Chapters 5 and 9).

    Made by :func:`export_dense`. Each kernel is stored as int8 with one float32
    scale per output unit (``kernel ~= q * scale``); biases stay float32.

    Attributes:
        layers: list of dicts with ``q`` (int8, ``(inputs, outputs)``), ``scale``,
            ``bias`` (float32, ``(outputs,)``) and ``activation`` (a name).
        input_size, output_size: lengths of the flat input and output vectors.
        output_shape: the shape of one output of the model (e.g. ``(28, 28, 1)``).
        max_error: the largest absolute difference from the Keras model on the
            inputs tried at export.
    """

    def __init__(self, layers, output_shape, max_error):
        self.layers = layers
        self.input_size = layers[0]["q"].shape[0]
        self.output_size = layers[-1]["q"].shape[1]
        self.output_shape = tuple(output_shape)
        self.max_error = float(max_error)

    def predict(self, x):
        """The outputs the page computes: float64, shape ``(n, output_size)``.

        Args:
            x: inputs of shape ``(n, input_size)`` (or ``(n, ...)`` of that many values).

        Returns:
            A float64 array ``(n, output_size)``.

        Raises:
            ValueError: if the inputs do not have ``input_size`` values each.
        """
        x = _checks.to_numpy(x).astype("float64")
        x = x.reshape(len(x), -1) if x.ndim > 1 else x.reshape(1, -1)
        if x.shape[1] != self.input_size:
            raise ValueError(
                f"inputs must have {self.input_size} values each. Received: x.shape={x.shape}"
            )
        for layer in self.layers:
            x = _activate(x @ (layer["q"] * layer["scale"].astype("float64")) + layer["bias"], layer["activation"])
        return x

    @property
    def nbytes(self):
        """Bytes of weights, scales and biases (before base64, which adds a third)."""
        return sum(layer["q"].nbytes + layer["scale"].nbytes + layer["bias"].nbytes for layer in self.layers)

    def to_json(self):
        """The layers as the page reads them: base64 strings and activation names."""
        return [
            {
                "inputs": int(layer["q"].shape[0]),
                "outputs": int(layer["q"].shape[1]),
                "q": _b64(layer["q"]),
                "scale": _b64(layer["scale"].astype("<f4")),
                "bias": _b64(layer["bias"].astype("<f4")),
                "activation": layer["activation"],
            }
            for layer in self.layers
        ]


def _activate(x, name):
    if name == "relu":
        return np.maximum(x, 0)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-x))
    if name == "tanh":
        return np.tanh(x)
    if name == "softplus":
        return np.logaddexp(0, x)
    return x


def _dense_layers(model, found):
    """Append (kernel, bias, activation) of every Dense layer of ``model``, in order, nested models included."""
    for layer in model.layers:
        kind = type(layer).__name__
        if isinstance(layer, keras.Model):
            _dense_layers(layer, found)
        elif isinstance(layer, keras.layers.Dense):
            activation = getattr(layer.activation, "__name__", str(layer.activation))
            if activation not in ACTIVATIONS:
                raise ValueError(
                    f"the page can compute the activations {ACTIVATIONS}. "
                    f"Received: layer {layer.name!r} with activation={activation!r}"
                )
            kernel = keras.ops.convert_to_numpy(layer.kernel).astype("float64")
            bias = keras.ops.convert_to_numpy(layer.bias) if layer.use_bias else np.zeros(kernel.shape[1])
            found.append([kernel, np.asarray(bias, dtype="float64"), activation])
        elif isinstance(layer, keras.layers.Activation):
            activation = getattr(layer.activation, "__name__", str(layer.activation))
            if not found or found[-1][2] != "linear" or activation not in ACTIVATIONS:
                raise ValueError(
                    f"an Activation layer must follow a linear Dense layer and be one of {ACTIVATIONS}. "
                    f"Received: layer {layer.name!r} with activation={activation!r}"
                )
            found[-1][2] = activation
        elif kind not in PASS_THROUGH:
            raise ValueError(
                "export_dense runs models made of Dense layers (with Flatten, Reshape, Dropout or "
                f"Corruption between them) in the page. Received: layer {layer.name!r} of type {kind}"
            )
    return found


def export_dense(model, *, inputs=None):
    """Export a Keras model made of Dense layers for the page: 8-bit weights (Chapters 5 and 9).

    Each kernel is quantised to int8 with one scale per output unit, a quarter
    of its float32 size; the rounding is chosen to keep each layer's outputs on
    ``inputs`` close to the model's (GPTQ), so pass inputs like those the page
    will compute. The export is checked against the model: unquantised, it must
    give the model's outputs on ``inputs`` (else the model is not a plain chain
    of its Dense layers).

    Args:
        model: a Keras model, e.g. ``vae.decoder`` or a dense autoencoder
            (nested encoder and decoder models are followed).
        inputs: inputs to fit the rounding to and check the export on;
            default: 256 standard normal draws.

    Returns:
        DenseExport: whose ``max_error`` is the largest difference from the
        model's outputs on ``inputs``.

    Raises:
        TypeError: if ``model`` is not a Keras model.
        ValueError: for a layer the page cannot run (a convolution, an unknown
            activation), or a model whose outputs are not those of its Dense
            layers applied in order (a branch, a skip connection).
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"export_dense needs a Keras model, such as vae.decoder. Received: {type(model).__name__}")
    found = _dense_layers(model, [])
    if not found:
        raise ValueError(f"export_dense found no Dense layer in the model. Received: model={model.name!r}")
    input_size = found[0][0].shape[0]
    if inputs is None:
        inputs = np.random.default_rng(0).standard_normal((256, input_size))
    inputs = _checks.to_numpy(inputs).astype("float32")
    input_shape = _input_shape(model, input_size)
    if inputs.ndim < 2 or inputs[0].size != input_size:
        raise ValueError(f"inputs must be a batch of model inputs of {input_size} values each. "
                         f"Received: inputs.shape={inputs.shape}")
    output_shape = tuple(model(inputs[:1].reshape(1, *input_shape), training=False).shape[1:])
    expected = _call(model, inputs.reshape(len(inputs), *input_shape))
    exact = inputs[:256].reshape(min(len(inputs), 256), -1).astype("float64")  # a few suffice to check the chain
    for kernel, bias, activation in found:
        exact = _activate(exact @ kernel + bias, activation)
    if exact.shape != expected[:256].shape or not np.allclose(exact, expected[:256], atol=1e-4, rtol=1e-3):
        raise ValueError(
            "export_dense runs the Dense layers of a model one after the other, but this model's outputs "
            f"are not that (a branch or a skip connection?). Received: model={model.name!r}"
        )
    layers = []
    seen = inputs.reshape(len(inputs), -1).astype("float64")  # each layer's inputs, through the 8-bit layers before
    for kernel, bias, activation in found:
        q, scale = _quantise(kernel, seen)
        layers.append({"q": q, "scale": scale.astype("float32"), "bias": bias.astype("float32"),
                       "activation": activation})
        seen = _activate(seen @ (q * scale) + bias, activation)
    return DenseExport(layers, output_shape, np.abs(seen - expected).max())


def _quantise(kernel, inputs, damping=0.01):
    """int8 kernel and per-output scales, rounded so that ``inputs @ kernel`` changes least (GPTQ).

    Rounding each weight to the nearest step leaves errors that add up over a
    layer's inputs. As in GPTQ (Frantar et al., 2023), the inputs are rounded
    one at a time, in order of decreasing energy, and the error each leaves is
    passed on to the inputs not yet rounded, weighted by how they co-vary on
    ``inputs``. On Chapter 5's denoiser this halves the largest error of an
    output pixel on noisy digits (from 0.05 to 0.024) for the same bytes;
    fitted to the very inputs a figure computes, it stays under 0.005.
    """
    scale = np.abs(kernel).max(axis=0) / 127
    scale[scale == 0] = 1.0
    gram = inputs.T @ inputs / len(inputs)
    gram += damping * max(np.mean(np.diag(gram)), 1e-8) * np.eye(len(gram))
    order = np.argsort(-np.diag(gram), kind="stable")
    upper = np.linalg.cholesky(np.linalg.inv(gram[np.ix_(order, order)])).T
    weights = kernel[order].copy()
    q = np.zeros(kernel.shape, dtype="int8")
    for i in range(len(weights)):
        rounded = np.clip(np.round(weights[i] / scale), -127, 127)
        q[order[i]] = rounded
        error = (weights[i] - rounded * scale) / upper[i, i]
        weights[i + 1:] -= np.outer(upper[i, i + 1:], error)
    return q, scale


def _input_shape(model, default_size):
    """The shape of one input of ``model``: a functional model's, its encoder's, or flat."""
    for candidate in (model, getattr(model, "encoder", None)):
        try:
            return tuple(candidate.inputs[0].shape[1:])
        except (AttributeError, TypeError, IndexError, ValueError):
            continue
    return (default_size,)


class LivingFigure:
    """An HTML figure with its own data and script, and a PNG for formats without scripts (Chapters 5 and 9).

    Made by :func:`latent_pad` and :func:`denoising_slider`. A notebook shows it
    as the last value of a cell, as any other output.

    Attributes:
        html: the self-contained HTML (a ``<div>`` with its data and script).
        payload: the data the page reads (a dict, JSON-ready).
        export: the :class:`DenseExport` of the model the page runs.
        max_error: the largest difference, over every output value, between
            the page's model and the Keras model, on inputs of the kind the page
            computes that the export was not fitted to.
    """

    def __init__(self, html_text, payload, fallback, export, max_error):
        self.html = html_text
        self.payload = payload
        self.export = export
        self.max_error = float(max_error)
        self._fallback = fallback
        self._png = None

    @property
    def nbytes(self):
        """The size of the HTML in bytes (the figure's data and script)."""
        return len(self.html.encode("utf-8"))

    def png(self):
        """The static fallback as PNG bytes (drawn once)."""
        if self._png is None:
            fig = self._fallback()
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
            plt.close(fig)
            self._png = buffer.getvalue()
        return self._png

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {
            "text/html": self.html,
            "image/png": base64.b64encode(self.png()).decode("ascii"),
            "text/plain": repr(self),
        }

    def __repr__(self):
        return f"<LivingFigure {self.payload['kind']}: {self.nbytes:,} bytes, max error {self.max_error:.4f}>"


def _figure(kind, title, payload, body, fallback, export, max_error):
    text = json.dumps(payload, separators=(",", ":"))
    digest = hashlib.sha1(text.encode()).hexdigest()[:8]
    element_id = f"cp-living-{kind}-{digest}-{next(_ids)}"
    html_text = (
        f'<div class="cp-living" id="{element_id}" data-kind="{kind}" style="{_STYLE_ROOT}">'
        f'<p style="margin:0 0 6px;font-weight:600">{html.escape(title)}</p>'
        f'<p class="cp-noscript" style="margin:0 0 6px;color:#a00">This figure runs JavaScript in the page; '
        f"run the notebook to use it.</p>{body}"
        f'<script type="application/json" class="cp-data">{text}</script>'
        f"<script>\n{_script().replace('__ID__', element_id)}</script></div>"
    )
    return LivingFigure(html_text, payload, fallback, export, max_error)


@functools.cache
def _script():
    """The figures' JavaScript, ``companion/static/living_figures.js`` (read once).

    One script serves both kinds of figure; each output carries its own copy,
    so that it stands alone (in Jupyter and Colab too). It finds its figure,
    reads the data, and redraws on every move. The figure's state is kept in
    data-* attributes (the code or level last drawn), where tests and readers
    can see it. ``__ID__`` in it is replaced by the figure's element id.
    """
    return resources.files("companion").joinpath("static", "living_figures.js").read_text(encoding="utf-8")


def _call(model, x):
    """The model's outputs on ``x``, flat, float64."""
    out = call_in_batches(model, x)
    return out.reshape(len(out), -1).astype("float64")


def _to_uint8(images):
    return np.clip(np.round(_checks.to_numpy(images).astype("float64") * 255), 0, 255).astype("uint8")


def _grey_shape(output_shape, caller):
    shape = tuple(output_shape)
    if len(shape) == 3 and shape[-1] == 1:
        shape = shape[:2]
    if len(shape) == 1 and math.isqrt(shape[0]) ** 2 == shape[0]:
        shape = (math.isqrt(shape[0]),) * 2
    if len(shape) != 2:
        raise ValueError(f"{caller} draws grey images, (height, width) or (height, width, 1). "
                         f"Received: output shape {output_shape}")
    return [int(size) for size in shape]


def latent_pad(decoder, codes, labels, *, limit=None, max_points=3000, label_name="digit",
               title="Drag the point over the latent plane"):
    """A latent plane to drag a point over, and the decoder's image of that point, live in the page (Chapter 9).

    The decoder (Dense layers only) runs in the reader's browser with 8-bit
    weights (:func:`export_dense`); the codes of test images are drawn beneath as
    dots coloured by label. Works in the built book, Jupyter and Colab, with no
    kernel once drawn; a static PNG (the plane and the images at a few codes)
    stands in where scripts cannot run.

    Args:
        decoder: a Keras model from 2-D codes to grey images, e.g. ``vae.decoder``.
        codes: array ``(n, 2)``, e.g. the encoder's means of the test images.
        labels: array ``(n,)`` of integer classes, one per code.
        limit: the plane spans ``[-limit, limit]`` on both axes; default: enough
            for 99.8% of the codes, at least 3 (codes outside it are not drawn).
        max_points: at most this many codes are drawn (the first ones in the plane).
        label_name: what the labels are, shown in the legend.
        title: the line above the figure.

    Returns:
        LivingFigure: with a few reference points, ``payload["checks"]``: codes
        and the images that the decoder gave for them.

    Raises:
        TypeError: if ``decoder`` is not a decoder model (a whole VAE, say).
        ValueError: if the decoder does not take 2-D codes, ``codes`` is not
            ``(n, 2)``, ``labels`` has another length, or the decoder has a
            layer the page cannot run.
    """
    latent_dim = code_size(decoder, "latent_pad")
    if latent_dim != 2:
        raise ValueError(f"latent_pad needs a decoder of 2-D codes. Received: latent_dim={latent_dim}")
    codes, labels = _checks.to_numpy(codes).astype("float32"), _checks.to_numpy(labels)
    if codes.ndim != 2 or codes.shape[1] != 2 or len(codes) == 0:
        raise ValueError(f"codes must have shape (n, 2), n >= 1. Received: codes.shape={codes.shape}")
    if labels.ndim != 1 or len(labels) != len(codes):
        raise ValueError(
            "codes and labels must have the same length, one label per code. "
            f"Received: len(codes)={len(codes)}, labels.shape={labels.shape}"
        )
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"labels must be integer classes. Received: labels.dtype={labels.dtype}")
    max_points = _checks.positive_int("max_points", max_points)
    if limit is None:
        limit = max(3.0, math.ceil(2 * np.quantile(np.abs(codes), 0.998)) / 2)
    limit = _checks.positive_number("limit", limit)
    classes = sorted(int(value) for value in np.unique(labels))
    # reference points: the origin and the mean code of the first four classes
    centres = [codes[labels == value].mean(axis=0) for value in classes[:4]]
    checks = np.clip(np.array([[0.0, 0.0], *centres], dtype="float32"), -limit, limit)
    # the rounding is fitted to a grid over the plane and the codes; the error is measured elsewhere
    grid = np.stack(np.meshgrid(*[np.linspace(-limit, limit, 33)] * 2), axis=-1).reshape(-1, 2)
    export = export_dense(decoder, inputs=np.concatenate([grid, codes[:500]]))
    held_out = np.random.default_rng(1).uniform(-limit, limit, size=(1000, 2)).astype("float32")
    max_error = np.abs(export.predict(held_out) - _call(decoder, held_out)).max()
    image_shape = _grey_shape(export.output_shape, "latent_pad")
    reference = _to_uint8(_call(decoder, checks))
    inside = np.all(np.abs(codes) <= limit, axis=1)  # the plane's few outliers are not drawn
    shown, shown_labels = codes[inside][:max_points], labels[inside][:max_points]
    scaled = np.round(shown / limit * 32767).astype("<i2")
    payload = {
        "kind": "pad",
        "layers": export.to_json(),
        "image": image_shape,
        "limit": limit,
        "points": _b64(scaled),
        "labels": _b64(np.searchsorted(classes, shown_labels).astype("uint8")),
        "classes": classes,
        "colours": [TAB10[i % len(TAB10)] for i in range(len(classes))],
        "checks": [{"z": [float(v) for v in z], "image": _b64(image)} for z, image in zip(checks, reference)],
    }
    legend = "".join(
        f'<span style="white-space:nowrap;margin-right:8px"><span style="display:inline-block;width:10px;'
        f'height:10px;border-radius:50%;background:{colour}"></span> {value}</span>'
        for value, colour in zip(classes, payload["colours"])
    )
    body = (
        f'<div style="{_STYLE_ROW}">'
        f'<div style="flex:1 1 240px;max-width:360px;min-width:0">'
        f'<div style="border:1px solid #bbb"><canvas class="cp-plane" tabindex="0" '
        f'aria-label="latent plane: drag the point, or use the arrow keys" '
        f'style="display:block;width:100%;aspect-ratio:1;touch-action:none;cursor:crosshair"></canvas></div>'
        f'<div style="font-size:12px;margin-top:4px;line-height:1.6">{html.escape(label_name)}: {legend}</div></div>'
        f'<div style="flex:0 0 auto">{_image_canvas("cp-image", image_shape, 168)}'
        f'<div class="cp-caption" style="font-size:13px;margin-top:4px;font-variant-numeric:tabular-nums">'
        f"</div></div></div>"
        '<p style="font-size:13px;margin:6px 0 0;color:#444">Dots: the test images\' codes. '
        "Drag the cross (or click, or use the arrow keys): the image is the decoder's output "
        "for that code, computed in your browser.</p>"
    )

    def fallback():
        fig, axes = plt.subplots(1, 1 + len(checks), figsize=(3.2 + 1.3 * len(checks), 3.2),
                                 gridspec_kw={"width_ratios": [2.5] + [1] * len(checks)}, layout="constrained")
        axes[0].scatter(shown[:, 0], shown[:, 1], s=2, c=[TAB10[i % 10] for i in np.searchsorted(
            classes, shown_labels)], alpha=0.6)
        axes[0].scatter(checks[:, 0], checks[:, 1], marker="x", c="k")
        axes[0].set(xlim=(-limit, limit), ylim=(-limit, limit), xlabel="$z_1$", ylabel="$z_2$",
                    title="Latent plane")
        for ax, z, image in zip(axes[1:], checks, reference):
            ax.imshow(image.reshape(image_shape), cmap="gray", vmin=0, vmax=255)
            ax.set_title(f"({z[0]:.1f}, {z[1]:.1f})", fontsize=8)
            ax.axis("off")
        fig.suptitle(title + " (static: run the notebook to drag it)", fontsize=9)
        return fig

    return _figure("pad", title, payload, body, fallback, export, max_error)


def denoising_slider(model, images, *, level=0.3, trained_level=None, max_level=1.0, seed=0,
                     title="Move the noise level"):
    """A noise-level slider: noisy digit, the model's denoised output and both PSNRs, live in the page (Chapter 5).

    Gaussian noise of standard deviation ``level`` is added to a clean image and
    clipped to [0, 1]; the model (Dense layers only, e.g. a denoising
    autoencoder) runs in the reader's browser with 8-bit weights
    (:func:`export_dense`). Each image has one fixed draw of noise that the
    slider scales, so what changes is the level alone. A chart shows the PSNR of
    the noisy and the denoised image at every level.

    Args:
        model: a Keras model from images to images, e.g. a denoising autoencoder.
        images: clean images in [0, 1], ``(n, ...)`` with ``1 <= n <= 12``; the
            reader picks one.
        level: the noise level shown first.
        trained_level: the level the model was trained at, marked on the chart
            (None: not marked).
        max_level: the slider runs from 0 to this.
        seed: seed of the noise.
        title: the line above the figure.

    Returns:
        LivingFigure: with reference points, ``payload["checks"]``: an image
        index, a level, the output the model gave for that noisy image,
        and the two PSNRs.

    Raises:
        TypeError: if ``model`` is not a Keras model or a level is not a number.
        ValueError: for images of another size than the model's inputs, out of
            [0, 1], more than 12 of them, a level out of range, or a layer the
            page cannot run.
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"denoising_slider needs a Keras model. Received: {type(model).__name__}")
    images = _checks.to_numpy(images).astype("float64")
    if images.ndim < 2 or not 1 <= len(images) <= 12:
        raise ValueError(f"images must be a batch of 1 to 12 images. Received: images.shape={images.shape}")
    if images.min() < 0 or images.max() > 1:
        raise ValueError(f"images must have values in [0, 1]. Received: values from {images.min()} to {images.max()}")
    max_level = _checks.positive_number("max_level", max_level)
    level = _checks.number("level", level, low=0, high=max_level)
    if trained_level is not None:
        trained_level = _checks.number("trained_level", trained_level, low=0, high=max_level)
    seed = _checks.non_negative_int("seed", seed)
    clean = _to_uint8(images.reshape(len(images), -1))
    flat_clean = clean / 255.0
    noise = np.random.default_rng(seed).standard_normal(flat_clean.shape).clip(-NOISE_CLIP, NOISE_CLIP)
    noise_q = np.round(noise / NOISE_CLIP * 127).astype("int8")
    noise = noise_q * (NOISE_CLIP / 127)
    input_shape = _input_shape(model, flat_clean.shape[1])
    if math.prod(input_shape) != flat_clean.shape[1]:
        raise ValueError(f"images must have the model's input size, {math.prod(input_shape)} values. "
                         f"Received: images.shape={images.shape}")
    check_levels = sorted({0.1, level, 0.6, max_level})
    check_pairs = [(i % len(images), value) for i, value in enumerate(check_levels)]
    noisy_checks = np.stack([np.clip(flat_clean[i] + value * noise[i], 0, 1) for i, value in check_pairs])

    def noisy_at(levels):
        return np.clip(flat_clean[:, None] + levels[None, :, None] * noise[:, None], 0, 1).reshape(-1, len(noise[0]))

    # the rounding is fitted to every image at 41 levels; the error is measured between them
    steps = np.linspace(0, max_level, 41)
    export = export_dense(model, inputs=np.concatenate([noisy_at(steps), noisy_checks]).reshape(-1, *input_shape))
    held_out = noisy_at(steps[:-1] + steps[1] / 2).reshape(-1, *input_shape).astype("float32")
    max_error = np.abs(export.predict(held_out) - _call(model, held_out)).max()
    image_shape = _grey_shape(export.output_shape, "denoising_slider")
    denoised = _call(model, noisy_checks.reshape(-1, *input_shape).astype("float32"))
    checks = [
        {"index": i, "level": value, "image": _b64(_to_uint8(out)),
         "psnr_noisy": psnr(flat_clean[i][None], noisy[None]), "psnr_denoised": psnr(flat_clean[i][None], out[None])}
        for (i, value), noisy, out in zip(check_pairs, noisy_checks, denoised)
    ]
    payload = {
        "kind": "denoise",
        "layers": export.to_json(),
        "image": image_shape,
        "clean": _b64(clean),
        "noise": _b64(noise_q),
        "noise_scale": NOISE_CLIP / 127,
        "count": len(images),
        "level": level,
        "max_level": max_level,
        "trained_level": trained_level,
        "checks": checks,
    }
    thumbs = "".join(
        f'<button type="button" class="cp-pick" data-index="{i}" aria-label="image {i + 1}" '
        f'style="padding:1px;margin:0 4px 4px 0;border:2px solid #ccc;background:#000;cursor:pointer;'
        f'line-height:0">{_image_canvas("cp-thumb", image_shape, 36)}</button>'
        for i in range(len(images))
    )
    panels = "".join(
        f'<div style="flex:0 0 auto;text-align:center;font-size:13px">{_image_canvas(name, image_shape, 100)}'
        f'<div class="{name}-label" style="font-variant-numeric:tabular-nums">{label}</div></div>'
        for name, label in (("cp-clean", "clean<br>&nbsp;"), ("cp-noisy", "noisy"), ("cp-denoised", "denoised"))
    )
    body = (
        f'<div style="margin-bottom:6px">{thumbs}</div>'
        '<label style="display:flex;align-items:center;gap:8px;flex-wrap:wrap;font-size:14px">'
        f'noise level &sigma; <input class="cp-level" type="range" min="0" max="{max_level}" step="0.01" '
        f'value="{level}" style="flex:1 1 160px;max-width:320px;min-width:0">'
        '<output class="cp-level-value" style="font-variant-numeric:tabular-nums"></output></label>'
        f'<div style="{_STYLE_ROW};gap:8px;margin-top:8px">{panels}'
        '<canvas class="cp-chart" aria-label="PSNR against the noise level" '
        'style="flex:1 1 240px;max-width:360px;min-width:0;aspect-ratio:1.6;display:block"></canvas></div>'
        '<p style="font-size:13px;margin:6px 0 0;color:#444">Pick a digit and move the slider: '
        "the model runs in your browser on the noisy image. The chart shows the PSNR of the noisy "
        "input and of the output at every level; the dot is the level chosen"
        + (", the dashed line the level the model was trained at" if trained_level is not None else "")
        + ".</p>"
    )

    def fallback():
        shown = [c for c in checks if c["index"] == 0][:1] + [c for c in checks if c["index"] != 0][:3]
        fig, axes = plt.subplots(2, len(shown), figsize=(1.8 * len(shown), 4), squeeze=False, layout="constrained")
        for column, check in enumerate(shown):
            i = check_pairs.index((check["index"], check["level"]))
            axes[0, column].imshow(noisy_checks[i].reshape(image_shape), cmap="gray", vmin=0, vmax=1)
            axes[0, column].set_title(f"noisy, level {check['level']:.2f}\n{check['psnr_noisy']:.1f} dB", fontsize=8)
            axes[1, column].imshow(denoised[i].reshape(image_shape), cmap="gray", vmin=0, vmax=1)
            axes[1, column].set_title(f"denoised\n{check['psnr_denoised']:.1f} dB", fontsize=8)
        for ax in axes.ravel():
            ax.axis("off")
        fig.suptitle(title + " (static: run the notebook to move it)", fontsize=9)
        return fig

    return _figure("denoise", title, payload, body, fallback, export, max_error)


def _image_canvas(name, image_shape, css_width):
    height, width = image_shape
    return (
        f'<canvas class="{name}" width="{width}" height="{height}" style="display:block;'
        f"width:{css_width}px;height:{round(css_width * height / width)}px;image-rendering:pixelated;"
        f'background:#000"></canvas>'
    )


_STYLE_ROOT = (
    "max-width:100%;box-sizing:border-box;padding:10px;border:1px solid #ddd;border-radius:6px;"
    "font-family:inherit;color:#222;background:#fff"
)
_STYLE_ROW = "display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start;max-width:100%"
