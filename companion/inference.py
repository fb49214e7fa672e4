"""Running a model over many inputs: the one way the package does it.

Every helper that runs a trained model over a data set (codes, anomaly
scores, decoded grids, the living figures' reference images) goes through
:func:`call_in_batches`. It calls the model directly, ``model(batch,
training=False)``, one batch at a time, and returns NumPy arrays. It does not
use ``model.predict``, for these reasons:

- ``predict`` compiles the model's forward pass (a ``tf.function`` on
  TensorFlow, ``jax.jit`` on JAX) for every new model and every new batch
  shape, the last, shorter batch included. The course's helpers run in
  loops (a beta sweep, a slider, an exercise checker building models), where
  the compiling costs more than the few batches it speeds up, and TensorFlow
  then warns about "retracing";
- ``predict`` prints a progress bar unless told ``verbose=0``, and runs
  through ``tf.data`` on TensorFlow;
- a direct call runs the layers as they are, with their inference behaviour
  (``training=False``: no ``Dropout``, no :class:`~companion.Corruption`,
  ``BatchNormalization`` with its moving statistics), on TensorFlow, JAX and
  PyTorch alike, and gives the same numbers on every call.
"""

import numpy as np

import keras

from companion import _checks

DEFAULT_BATCH_SIZE = 500


def call_in_batches(model, inputs, *, batch_size=DEFAULT_BATCH_SIZE):
    """The outputs of ``model`` on ``inputs``, computed ``batch_size`` examples at a time.

    A Keras model or layer is called with ``training=False``; any other
    callable (a function of ``keras.ops``) is called as it is. Quiet (no
    progress bar), deterministic and the same on every backend; see the
    module's docstring for why it does not use ``model.predict``. Used by the
    measuring helpers of Chapters 5 and 9 to 12.

    Args:
        model: a Keras model or layer, or a function from a batch to a batch.
        inputs: one array (or tensor) of examples, shape ``(n, ...)``, or a
            list or tuple of such arrays of equal length for a model with
            several inputs (a conditional decoder's ``[codes, labels]``).
            Their dtypes are kept: labels stay integers.
        batch_size: examples per call.

    Returns:
        numpy.ndarray ``(n, ...)``, or a list of them for a model with
        several outputs (a VAE's encoder gives ``[z_mean, z_log_var]``).

    Raises:
        TypeError: if ``model`` is not callable or ``batch_size`` is not an integer.
        ValueError: if the inputs are empty, have no batch axis, differ in
            length, or ``batch_size`` is not positive.
    """
    if not callable(model):
        raise TypeError(f"model must be a Keras model or a function of a batch. Received: {type(model).__name__}")
    batch_size = _checks.positive_int("batch_size", batch_size)
    several = isinstance(inputs, (list, tuple))
    arrays = [_checks.to_numpy(array) for array in (inputs if several else [inputs])]
    lengths = [len(array) if array.ndim else None for array in arrays]
    if not arrays or None in lengths or len(set(lengths)) != 1 or lengths[0] == 0:
        raise ValueError(
            "inputs must be a non-empty batch, an array of shape (n, ...) with n >= 1, or a list of such "
            f"arrays of the same length. Received: shapes {[array.shape for array in arrays]}"
        )
    run = (lambda batch: model(batch, training=False)) if isinstance(model, keras.layers.Layer) else model
    parts = []
    for start in range(0, lengths[0], batch_size):
        batch = [array[start:start + batch_size] for array in arrays]
        outputs = run(batch if several else batch[0])
        parts.append([_checks.to_numpy(output) for output in outputs] if isinstance(outputs, (list, tuple))
                     else _checks.to_numpy(outputs))
    if isinstance(parts[0], list):
        return [np.concatenate(pieces) for pieces in zip(*parts)]
    return np.concatenate(parts)
