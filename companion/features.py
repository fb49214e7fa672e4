"""Reading what a sparse code learned (Chapter 6).

Two uses of sparse autoencoders, old and new. The classic one learns filters
from natural image patches: :func:`zca_whiten` prepares the patches, and
:func:`orientation_selectivity` and :func:`energy_concentration` measure
whether the learned filters are oriented and localised, as edge detectors
are. Today's use learns a dictionary of features of a trained network's
activations: :func:`split_model` cuts the network at a layer, so that the
activations there can be read, reconstructed and put back, and
:func:`fraction_of_variance_explained` says how much of them a reconstruction
keeps.
"""

import keras
import numpy as np

from companion import _checks


def split_model(model, layer_name):
    """Cut a chain of layers after ``layer_name``: ``front`` computes its output, ``back`` the rest.

    ``back(front(x))`` equals ``model(x)``; feeding ``back`` something else
    than ``front(x)`` (a reconstruction, zeros, a mean) shows what the rest of
    the network does with it. Chapter 6 splices a sparse autoencoder's
    reconstruction of a classifier's hidden layer in this way.

    Args:
        model: a Keras model whose layers form one chain (a ``Sequential``
            model, or a functional one without branches), already built.
        layer_name: the name of the layer to cut after.

    Returns:
        ``(front, back)``: two Keras models that share ``model``'s layers and
        weights.

    Raises:
        TypeError: if ``model`` is not a built Keras model.
        ValueError: if it has no layer ``layer_name``, or the layer is its last.
    """
    if not isinstance(model, keras.Model) or not model.built:
        raise TypeError(f"model must be a built Keras model. Received: model={model!r}")
    names = [layer.name for layer in model.layers]
    if layer_name not in names:
        raise ValueError(f"layer_name must be one of {names}. Received: layer_name={layer_name!r}")
    index = names.index(layer_name)
    if index == len(names) - 1:
        raise ValueError(f"layer_name must not be the last layer, {layer_name!r}: nothing would be left after it")
    cut = model.layers[index]
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    front = keras.Model(inputs, cut.output, name=f"{model.name}_to_{layer_name}")
    inputs = keras.Input(shape=tuple(cut.output.shape[1:]), name=f"{layer_name}_activations")
    outputs = inputs
    for layer in model.layers[index + 1 :]:
        outputs = layer(outputs)
    back = keras.Model(inputs, outputs, name=f"{model.name}_after_{layer_name}")
    return front, back


def fraction_of_variance_explained(x, x_hat):
    """``1 - sum ||x - x_hat||^2 / sum ||x - mean(x)||^2``: the share of the variance a reconstruction keeps.

    1 is a perfect reconstruction; 0 is no better than the mean of ``x``
    (mean ablation), and a reconstruction worse than the mean is negative.
    Chapter 6 uses it for a sparse autoencoder of a classifier's activations.

    Args:
        x: array ``(n, ...)``: one example per row.
        x_hat: its reconstruction, same shape.

    Returns:
        float.

    Raises:
        ValueError: if the shapes differ, or ``x`` has no variance.
    """
    x, x_hat = _checks.array_pair(x, x_hat)
    total = np.sum((x - x.mean(axis=0)) ** 2)
    if total == 0:
        raise ValueError("x has no variance: every example is the same, so there is nothing to explain")
    return float(1 - np.sum((x - x_hat) ** 2) / total)


def zca_whiten(x_train, *others, epsilon=0.01):
    """ZCA-whiten flat patches: remove each patch's mean, then decorrelate the pixels.

    Natural images are dominated by slow changes of brightness; whitening
    gives every spatial frequency the same variance, so that a sparse
    autoencoder learns edges rather than blurs (the classic UFLDL recipe).
    The whitening matrix ``U diag(1 / sqrt(s + epsilon s_max)) U^T`` comes
    from the covariance of ``x_train`` (eigenvalues ``s``, the largest
    ``s_max``, eigenvectors ``U``) and is applied to every array: each
    direction then has a variance of at most 1.

    Args:
        x_train: array ``(n, pixels)`` of the training patches.
        *others: further arrays ``(m, pixels)``, e.g. test patches.
        epsilon: added to the eigenvalues, relative to the largest one; it
            keeps the noisiest directions from being blown up.

    Returns:
        The whitened arrays, float32, in the order given.

    Raises:
        ValueError: if an array is not 2-D with as many pixels as ``x_train``.
        TypeError, ValueError: if ``epsilon`` is not a number > 0.
    """
    epsilon = _checks.positive_number("epsilon", epsilon)
    arrays = [np.asarray(array, dtype="float64") for array in (x_train, *others)]
    for array in arrays:
        if array.ndim != 2 or array.shape[1] != arrays[0].shape[1]:
            raise ValueError(f"patches must be flat arrays (n, {arrays[0].shape[-1]}). Received: shape {array.shape}")
    centred = [array - array.mean(axis=1, keepdims=True) for array in arrays]
    eigenvalues, eigenvectors = np.linalg.eigh(np.cov(centred[0], rowvar=False))
    scales = np.sqrt(np.clip(eigenvalues, 0, None) + epsilon * eigenvalues.max())
    whitening = (eigenvectors / scales) @ eigenvectors.T
    return tuple((array @ whitening).astype("float32") for array in centred)


def _as_filters(filters):
    filters = _checks.to_numpy(filters).astype("float64")
    if filters.ndim != 3 or filters.shape[0] == 0:
        raise ValueError(f"filters must be an array (n, height, width). Received: shape {filters.shape}")
    return filters - filters.mean(axis=(1, 2), keepdims=True)


def orientation_selectivity(filters):
    """How much of each filter's spectral power lies along one orientation, from 0 (none) to 1.

    With ``P(f)`` the power of the filter's 2-D Fourier transform at
    frequency ``f`` (the constant term left out) and ``theta(f)`` its angle,
    the selectivity is ``|sum P(f) exp(2i theta(f))| / sum P(f)``: 1 when all
    the power lies along one orientation, as for an edge or a grating; near
    0 for a blob or noise. The angle is doubled because ``f`` and ``-f``
    describe the same orientation. Chapter 6 applies it to the filters
    learned from image patches.

    Args:
        filters: array ``(n, height, width)``.

    Returns:
        np.ndarray of ``n`` values in [0, 1].

    Raises:
        ValueError: if ``filters`` is not a non-empty 3-D array.
    """
    filters = _as_filters(filters)
    power = np.abs(np.fft.fft2(filters)) ** 2
    fy = np.fft.fftfreq(filters.shape[1])[:, None]
    fx = np.fft.fftfreq(filters.shape[2])[None, :]
    doubled = np.exp(2j * np.arctan2(fy, fx))
    doubled[0, 0] = 0  # the constant term has no orientation
    total = power.sum(axis=(1, 2))
    resultant = np.abs((power * doubled).sum(axis=(1, 2)))
    return np.divide(resultant, total, out=np.zeros_like(total), where=total > 0)


def energy_concentration(filters, window):
    """The share of each filter's energy (squared weights) inside its best ``window`` x ``window`` square.

    A localised filter keeps most of its energy in one small region; a
    filter spread over the whole patch keeps about the window's share of the
    area. Chapter 6 applies it to the filters learned from image patches.

    Args:
        filters: array ``(n, height, width)``.
        window: side of the square, at most the filters' smaller side.

    Returns:
        np.ndarray of ``n`` values in [0, 1].

    Raises:
        ValueError: if ``filters`` is not a non-empty 3-D array, or the
            window does not fit.
        TypeError: if ``window`` is not a positive integer.
    """
    filters = _as_filters(filters)
    window = _checks.positive_int("window", window)
    if window > min(filters.shape[1:]):
        raise ValueError(f"window must be at most {min(filters.shape[1:])}, the filters' side. Received: window={window}")
    energy = filters**2
    windows = np.lib.stride_tricks.sliding_window_view(energy, (window, window), axis=(1, 2))
    best = windows.sum(axis=(-2, -1)).max(axis=(1, 2))
    total = energy.sum(axis=(1, 2))
    return np.divide(best, total, out=np.zeros_like(total), where=total > 0)
