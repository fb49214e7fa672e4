"""Per-example Jacobians by automatic differentiation, on whichever backend Keras uses.

Chapter 7 checks the closed-form Jacobian of a sigmoid layer against automatic
differentiation. Each backend has its own way to ask for the Jacobian of every
example of a batch; :func:`jacobian` hides the difference, so the chapter (and a
learner's own check) runs on TensorFlow, JAX and PyTorch alike.
"""

import keras

BACKENDS = ("tensorflow", "jax", "torch")


def jacobian(function, x):
    """The Jacobian of ``function`` at every example of the batch ``x``, by autodiff.

    ``function`` maps a batch to a batch and treats its examples independently
    (a Keras layer or model in inference, or any ``keras.ops`` expression):
    example ``b`` of the output depends on example ``b`` of the input only. Then
    ``result[b, j..., i...]`` is the derivative of output value ``j`` of example
    ``b`` with respect to input value ``i`` of the same example. Each backend
    computes it its own way: TensorFlow with ``tf.GradientTape.batch_jacobian``,
    JAX with ``jax.vmap(jax.jacrev(...))``, PyTorch with
    ``torch.func.vmap(torch.func.jacrev(...))``. Chapter 7 checks the closed-form
    penalty of a contractive layer with it.

    Args:
        function: a callable from a batch ``(batch, *input_shape)`` to a batch
            ``(batch, *output_shape)``, written with Keras layers or ``keras.ops``.
        x: the inputs, an array or tensor of shape ``(batch, *input_shape)``;
            converted to float32.

    Returns:
        numpy.ndarray: shape ``(batch, *output_shape, *input_shape)``.

    Raises:
        ValueError: if ``x`` has no batch axis, if ``function`` does not keep
            the batch size, or if the Keras backend cannot differentiate
            (only ``tensorflow``, ``jax`` and ``torch`` can).
    """
    backend = keras.backend.backend()
    if backend not in BACKENDS:
        raise ValueError(
            f"jacobian needs a Keras backend with automatic differentiation, one of {BACKENDS}. "
            f"Received: the {backend!r} backend (set KERAS_BACKEND before importing Keras)"
        )
    x = keras.ops.convert_to_tensor(x, dtype="float32")
    if len(x.shape) < 1 or x.shape[0] == 0:
        raise ValueError(
            f"x must be a non-empty batch, of shape (batch, *input_shape). Received: x.shape={tuple(x.shape)}"
        )
    result = _JACOBIANS[backend](function, x)
    return keras.ops.convert_to_numpy(result)


def _check_batch(outputs, x):
    if len(outputs.shape) < 1 or outputs.shape[0] != x.shape[0]:
        raise ValueError(
            "function must map a batch to a batch of the same size. "
            f"Received: inputs of shape {tuple(x.shape)}, outputs of shape {tuple(outputs.shape)}"
        )


def _tensorflow_jacobian(function, x):
    import tensorflow as tf

    with tf.GradientTape() as tape:
        tape.watch(x)
        outputs = function(x)
        _check_batch(outputs, x)
        scalar = len(outputs.shape) == 1
        if scalar:  # one number per example: batch_jacobian needs an axis for it
            outputs = outputs[:, None]
    jacobians = tape.batch_jacobian(outputs, x)
    return jacobians[:, 0] if scalar else jacobians


def _jax_jacobian(function, x):
    import jax

    _check_batch(jax.eval_shape(function, x), x)
    return jax.vmap(jax.jacrev(lambda example: function(example[None])[0]))(x)


def _torch_jacobian(function, x):
    import torch

    with torch.no_grad():
        _check_batch(function(x), x)
    return torch.func.vmap(torch.func.jacrev(lambda example: function(example[None])[0]))(x)


_JACOBIANS = {"tensorflow": _tensorflow_jacobian, "jax": _jax_jacobian, "torch": _torch_jacobian}
