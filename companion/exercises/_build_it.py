"""Grading a layer or model that the learner writes: the build-it exercises.

In a build-it exercise the learner writes the chapter's key piece in Keras 3
(a ``keras.layers.Layer`` or ``keras.Model`` subclass, or a function that
returns one) and the checker tests it the way Keras tests its own layers
(``keras.testing.TestCase.run_layer_test``): outputs against the package's
reference on inputs of several shapes, gradients, the ``training`` flag,
dtype, the ``get_config``/``from_config`` round trip and, where the chapter
trains it, a short training run. A chapter's checker composes the helpers
below in a few lines::

    @checker
    def check_tied_dense(answer):
        layer = build(answer, "TiedDense(units)", units=3)
        reference = companion.TiedDense(units=3)
        inputs = random_inputs([(2, 5), (7, 5)])
        compare_outputs(layer, reference, inputs)   # shares the reference's weights first
        check_gradients(layer, inputs[0], reference=reference)
        check_config_round_trip(layer, inputs[0])
        return passed("TiedDense", ["outputs", "gradients", "config"])

Every helper returns what it measured, or ends the check with a Verdict
(:func:`~companion.exercises._verdict.end_check`): it must run inside a
function decorated with :func:`~companion.exercises._verdict.checker`. A
verdict says what differs, measured ("too large by a factor of 784", "sign
flipped", "no gradient reaches ...", "get_config() leaves out units"), never
the code to write nor the expected values. The scaffold's ``raise
NotImplementedError`` (in ``__init__``, ``call`` or ``get_config``) and an empty
body give an unattempted Verdict. The helpers use ``keras.ops`` and each
backend's own automatic differentiation, so they run on TensorFlow, JAX and
PyTorch.
"""

import contextlib
import copy
import inspect
import io
import math
import warnings

import keras
import numpy as np

from companion.exercises._verdict import (
    correct,
    end_check,
    is_empty_function,
    learner_code,
    require_callable,
    shown,
    unattempted,
    wrong,
)

_SEED = 1234


# --- building and calling the learner's object ----------------------------------------------------


def _arguments(args, kwargs):
    listed = [shown(value) for value in args] + [f"{key}={shown(value)}" for key, value in kwargs.items()]
    return ", ".join(listed)


def learner_config(layer, what):
    """The learner's ``layer.get_config()``, or None where it is no dict (check_config_round_trip says so)."""
    with learner_code(f"calling get_config() of {what}"):
        config = layer.get_config()
    return config if isinstance(config, dict) else None


def build(answer, signature, *args, **kwargs):
    """The learner's layer or model: ``answer(*args, **kwargs)`` for their class or builder function.

    Args:
        answer: what the learner passed: a ``Layer``/``Model`` subclass, or a
            function that returns a Keras layer or model.
        signature: how the exercise names it, e.g. ``"LinearAutoencoder(input_dim, code_size)"``.
        *args, **kwargs: the arguments to build it with.

    Returns:
        keras.layers.Layer: the learner's object (a ``keras.Model`` is a layer too).

    Ends the check:
        unattempted for ``...`` or None, an empty function, or the scaffold's
        ``raise NotImplementedError``; wrong for something that cannot be
        called, an exception, or a result that is not a Keras layer or model.
    """
    require_callable(answer, signature)
    doing = f"building {_name(answer)}({_arguments(args, kwargs)})"
    with learner_code(doing):
        built = answer(*args, **kwargs)
    if built is None:
        end_check(wrong(f"{doing} gave None: did you forget `return`?"))
    if not isinstance(built, keras.layers.Layer):
        end_check(wrong(f"Expected `{signature}` to give a Keras layer or model. Received: {shown(built)} of "
                        f"type {type(built).__name__}."))
    return built


def _name(answer):
    return getattr(answer, "__name__", type(answer).__name__)


def random_inputs(shapes, *, low=-1.0, high=1.0, seed=_SEED, dtype="float32"):
    """Seeded uniform random inputs, one NumPy array per shape.

    Args:
        shapes: the shapes, batch axis first, e.g. ``[(1, 12), (7, 12)]``.
        low, high: the range of the values.
        seed: the NumPy seed.
        dtype: the arrays' dtype.

    Returns:
        list of numpy.ndarray.
    """
    rng = np.random.default_rng(seed)
    return [rng.uniform(low, high, size=shape).astype(dtype) for shape in shapes]


def _shape_text(inputs):
    if isinstance(inputs, (list, tuple)):
        return " and ".join(str(tuple(np.shape(part))) for part in inputs)
    return str(tuple(np.shape(inputs)))


def _to_numpy(value):
    if isinstance(value, (list, tuple)):
        return type(value)(_to_numpy(part) for part in value)
    if isinstance(value, dict):
        return {key: _to_numpy(part) for key, part in value.items()}
    return np.asarray(keras.ops.convert_to_numpy(value))


def call_layer(layer, inputs, *, training=None, what="your layer", keep_dtype=False):
    """``layer(inputs, training=training)`` as NumPy: one array, or a tuple or list of them.

    Args:
        layer: the learner's layer or model.
        inputs: an array, or a list of arrays for a layer with several inputs.
        training: passed on when not None.
        what: how the verdict names the layer, e.g. ``"your model"``.
        keep_dtype: keep the output's dtype (else float64).

    Returns:
        numpy.ndarray (or a tuple/list of them, as the layer returns).

    Ends the check:
        unattempted for the scaffold's ``raise NotImplementedError`` or an
        empty ``call``; wrong for an exception, None, or values that are not numbers.
    """
    doing = f"calling {what} on inputs of shape {_shape_text(inputs)}"
    if training is not None:
        doing += f" with training={training}"
    kwargs = {} if training is None else {"training": training}
    with learner_code(doing), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Keras' advice on unbuilt layers: the verdict says more
        output = layer(inputs, **kwargs)
    if output is None:
        if is_empty_function(getattr(type(layer), "call", None)):
            end_check(unattempted(f"the body of {what}'s `call` is still empty: write it, then run the check."))
        end_check(wrong(f"{doing} gave None: did you forget `return`?"))
    with learner_code(f"reading what {what} returned"):
        array = _to_numpy(output)
    for part in array if isinstance(array, (list, tuple)) else (array,):
        if not isinstance(part, np.ndarray) or part.dtype.kind not in "biuf":
            end_check(wrong(f"Expected {what} to return tensors of numbers. Received: {shown(output)}."))
    if keep_dtype:
        return array
    if isinstance(array, (list, tuple)):
        return type(array)(part.astype("float64") for part in array)
    return array.astype("float64")


# --- measured differences -------------------------------------------------------------------------


def _factor(value):
    return f"{value:,.0f}" if value >= 10 else f"{value:.3g}"


def describe_difference(got, expected, *, rtol=1e-4, atol=1e-5, what="the output"):
    """What differs between two arrays, measured, in a few words; None when they agree.

    In order: the shape; NaN or infinite values; a sign flip; a factor (the
    least-squares scale of ``got`` against ``expected`` explains the
    difference); a constant offset; otherwise the size of the difference
    relative to ``expected`` and where it is largest.

    Args:
        got: the learner's values.
        expected: the reference's values.
        rtol, atol: the tolerance, as in ``numpy.allclose``.
        what: how the sentence names the values, e.g. ``"the gradient of the kernel"``.

    Returns:
        str or None, e.g. ``"the output is too large by a factor of 784"``.
    """
    got = np.asarray(got, dtype="float64")
    expected = np.asarray(expected, dtype="float64")
    if got.shape != expected.shape:
        return f"{what} has shape {got.shape}, where the reference's has shape {expected.shape}"
    if not np.all(np.isfinite(got)):
        return f"{what} holds NaN or infinite values"
    if np.allclose(got, expected, rtol=rtol, atol=atol):
        return None
    reference_norm = float(np.linalg.norm(expected))
    scale = float(np.sum(got * expected) / reference_norm**2) if reference_norm > 0 else 0.0

    def explains(candidate):
        return np.allclose(got, candidate, rtol=10 * rtol, atol=10 * atol)

    if reference_norm > 0 and explains(scale * expected):
        if math.isclose(scale, -1.0, rel_tol=1e-3):
            return f"{what} has its sign flipped"
        if abs(scale) < 1e-12:
            return f"{what} is zero everywhere"
        sign = "has its sign flipped and " if scale < 0 else ""
        size = abs(scale)
        if size > 1:
            return f"{what} {sign}is too large by a factor of {_factor(size)}"
        return f"{what} {sign}is too small by a factor of {_factor(1 / size)}"
    offset = got - expected
    if expected.size > 1 and explains(expected + float(np.mean(offset))):
        return f"{what} is shifted by a constant {float(np.mean(offset)):+.3g}"
    relative = float(np.linalg.norm(offset) / max(reference_norm, 1e-12))
    where = np.unravel_index(int(np.argmax(np.abs(offset))), offset.shape)
    return (f"{what} differs from the reference's by {relative:.1%} of its size, the most at index "
            f"{tuple(int(i) for i in where)}")


def _weights_text(layer):
    shapes = [tuple(weight.shape) for weight in layer.weights]
    return f"{len(shapes)} weight tensors {shapes}" if shapes else "no weights"


def share_weights(reference, learner, *, what="your layer"):
    """Copy the reference's weights into the learner's layer, so that their outputs can be compared.

    Both must be built (called once). Weights are matched in order, or by
    shape when the learner created them in another order.

    Args:
        reference: the package's layer or model.
        learner: the learner's, built with the same arguments.
        what: how the verdict names the learner's layer.

    Ends the check:
        wrong when the two hold different numbers of values, naming the
        difference and the learner's weight shapes.
    """
    source = [keras.ops.convert_to_numpy(weight) for weight in reference.weights]
    with learner_code(f"reading the weights of {what}"):
        targets = list(learner.weights)
    wanted = [tuple(value.shape) for value in source]
    have = [tuple(weight.shape) for weight in targets]
    if sorted(wanted) != sorted(have):
        missing = sum(math.prod(shape) for shape in wanted) - sum(math.prod(shape) for shape in have)
        if missing > 0:
            amount = f"{missing:,} numbers fewer in its weights than the reference"
        elif missing < 0:
            amount = f"{-missing:,} numbers more in its weights than the reference"
        else:
            amount = "as many numbers as the reference in its weights, but in tensors of other shapes"
        end_check(wrong(f"{what} holds {amount} for the same arguments; it has {_weights_text(learner)}."))
    order = list(range(len(source)))
    if wanted != have:  # the learner created the same weights in another order
        unused = list(range(len(source)))
        order = []
        for shape in have:
            index = next(i for i in unused if wanted[i] == shape)
            unused.remove(index)
            order.append(index)
    with learner_code(f"setting the weights of {what}"):
        for weight, index in zip(targets, order):
            weight.assign(source[index])
    return order


def randomize_weights(layer, *, seed=_SEED, scale=0.5, what="your layer"):
    """Give every weight of ``layer`` seeded random normal values (biases too: Keras starts them at zero).

    Properties that must hold for any weights (a linear map, the zero input
    mapped to zero, the rank) are then measured on weights that are not special.
    """
    rng = np.random.default_rng(seed)
    with learner_code(f"setting the weights of {what}"):
        for weight in layer.weights:
            weight.assign(scale * rng.normal(size=tuple(weight.shape)).astype(weight.dtype))


def compare_outputs(learner, reference, inputs_list, *, training=None, share=True, rtol=1e-4, atol=1e-5,
                    what="your layer"):
    """Compare the learner's outputs with the reference's on several inputs; end the check at the first difference.

    Args:
        learner: the learner's layer or model (see :func:`build`).
        reference: the package's layer or model, built with the same arguments.
        inputs_list: the inputs to try, e.g. from :func:`random_inputs` with
            several batch sizes (and ranks, for a layer that takes any).
        training: passed to both calls; use a deterministic mode (random
            layers are compared by their statistics, not here).
        share: copy the reference's weights into the learner's layer first
            (:func:`share_weights`); both are called once to build them.
        rtol, atol: the tolerance.
        what: how the verdict names the learner's layer.

    Ends the check:
        wrong, with "with inputs of shape S, <what differs>" from :func:`describe_difference`.
    """
    if share:
        call_layer(learner, inputs_list[0], training=training, what=what)
        reference(inputs_list[0])
        share_weights(reference, learner, what=what)
    for inputs in inputs_list:
        got = call_layer(learner, inputs, training=training, what=what)
        expected = _to_numpy(reference(inputs, **({} if training is None else {"training": training})))
        got_parts = got if isinstance(got, (list, tuple)) else [got]
        expected_parts = expected if isinstance(expected, (list, tuple)) else [expected]
        if len(got_parts) != len(expected_parts):
            end_check(wrong(f"with inputs of shape {_shape_text(inputs)}, {what} returns {len(got_parts)} "
                            f"tensors where the reference returns {len(expected_parts)}."))
        for number, (part, expected_part) in enumerate(zip(got_parts, expected_parts)):
            name = "the output" if len(got_parts) == 1 else f"output {number}"
            difference = describe_difference(part, expected_part, rtol=rtol, atol=atol, what=name)
            if difference is not None:
                end_check(wrong(f"with inputs of shape {_shape_text(inputs)}, {difference}."))


# --- gradients ------------------------------------------------------------------------------------


def _gradients(layer, inputs, weights_of_output, training):
    """Gradients of ``sum(output * weights_of_output)`` for the trainable weights and the inputs.

    None marks a weight or input that the output does not depend on (JAX
    gives zeros instead).
    """
    backend = keras.backend.backend()
    several = isinstance(inputs, (list, tuple))
    parts = list(inputs) if several else [inputs]
    kwargs = {} if training is None else {"training": training}
    variables = list(layer.trainable_variables)
    weights = keras.ops.convert_to_tensor(weights_of_output)  # a tensor: NumPy on the left would take over

    def scalar(output):
        output = output[0] if isinstance(output, (list, tuple)) else output
        return keras.ops.sum(keras.ops.multiply(keras.ops.cast(output, "float32"), weights))

    if backend == "tensorflow":
        import tensorflow as tf

        tensors = [tf.convert_to_tensor(part) for part in parts]
        with tf.GradientTape() as tape:
            for tensor in tensors:
                tape.watch(tensor)
            value = scalar(layer(tensors if several else tensors[0], **kwargs))
        grads = tape.gradient(value, [variable.value for variable in variables] + tensors)
    elif backend == "jax":
        import jax

        trainable = [variable.value for variable in variables]
        non_trainable = [variable.value for variable in layer.non_trainable_variables]

        def function(trainable, tensors):
            output, _ = layer.stateless_call(trainable, non_trainable, tensors if several else tensors[0], **kwargs)
            return scalar(output)

        tensors = [keras.ops.convert_to_tensor(part) for part in parts]
        weight_grads, input_grads = jax.grad(function, argnums=(0, 1))(trainable, tensors)
        grads = list(weight_grads) + list(input_grads)
    elif backend == "torch":
        import torch

        tensors = [keras.ops.convert_to_tensor(part).detach().requires_grad_(True) for part in parts]
        value = scalar(layer(tensors if several else tensors[0], **kwargs))
        targets = [variable.value for variable in variables] + tensors
        if value.requires_grad:
            grads = torch.autograd.grad(value, targets, allow_unused=True)
        else:  # the output depends on nothing differentiable (a stopped gradient): torch.autograd.grad would raise
            grads = [None] * len(targets)
    else:
        raise ValueError(f"gradients need the tensorflow, jax or torch backend. Received: {backend!r}")
    grads = [None if grad is None else np.asarray(keras.ops.convert_to_numpy(grad), dtype="float64")
             for grad in grads]
    return variables, grads[: len(variables)], grads[len(variables):]


def _is_zero(gradient):
    return gradient is None or not np.any(gradient)


def check_gradients(learner, inputs, *, reference=None, wrt_inputs=False, training=None, rtol=1e-4, atol=1e-5,
                    what="your layer"):
    """Check that gradients reach every weight (and the inputs), and equal the reference's.

    The scalar differentiated is ``sum(output * R)`` for a fixed random ``R``,
    so every output value counts with its own weight. Each backend's own
    automatic differentiation computes it (``tf.GradientTape``, ``jax.grad``
    over ``stateless_call``, ``torch.autograd.grad``).

    Args:
        learner: the learner's layer, built; with ``reference``, its weights
            are the reference's (see :func:`share_weights`, which
            :func:`compare_outputs` calls).
        inputs: one array, or a list for a layer with several inputs.
        reference: the package's layer; when given, each gradient must be zero
            only where the reference's is, and equal it.
        wrt_inputs: also check the gradients with respect to the inputs (a
            reparameterised sample, a straight-through estimator).
        training: passed to the calls.
        rtol, atol: the tolerance of the comparison.
        what: how the verdict names the learner's layer.

    Ends the check:
        wrong for "no trainable weights", "no gradient reaches <weight>" (None
        or zero where the reference's is not) or a gradient that differs,
        measured by :func:`describe_difference`.
    """
    output = call_layer(learner, inputs, training=training, what=what)
    first = output[0] if isinstance(output, (list, tuple)) else output
    weights_of_output = np.random.default_rng(_SEED).normal(size=first.shape).astype("float32")
    doing = f"differentiating {what}'s output"
    with learner_code(doing):
        variables, weight_grads, input_grads = _gradients(learner, inputs, weights_of_output, training)
    if reference is None:
        if not variables and not wrt_inputs:
            end_check(wrong(f"{what} has no trainable weights: training cannot change it."))
        for variable, gradient in zip(variables, weight_grads):
            if _is_zero(gradient):
                end_check(wrong(f"no gradient reaches {variable.path}: its gradient is zero, so training "
                                "leaves it as it is."))
        if wrt_inputs:
            for number, gradient in enumerate(input_grads):
                if _is_zero(gradient):
                    end_check(wrong(f"no gradient flows back to input {number} of {what}: its gradient is zero."))
        return
    _, reference_weight_grads, reference_input_grads = _gradients(reference, inputs, weights_of_output, training)
    if len(variables) != len(reference_weight_grads):
        end_check(wrong(f"{what} has {len(variables)} trainable weight tensors where the reference has "
                        f"{len(reference_weight_grads)}: are some created with trainable=False, or not at all?"))
    reference_shapes = [None if grad is None else grad.shape for grad in reference_weight_grads]
    pairs = _pair_by_shape([tuple(variable.shape) for variable in variables], reference_shapes)
    for variable, gradient, index in zip(variables, weight_grads, pairs):
        expected = reference_weight_grads[index]
        if _is_zero(gradient) and not _is_zero(expected):
            end_check(wrong(f"no gradient reaches {variable.path}: its gradient is zero where the reference's "
                            "is not, so training leaves it as it is."))
        _require_same_gradient(gradient, expected, f"the gradient of {variable.path}", rtol, atol)
    if wrt_inputs:
        for number, (gradient, expected) in enumerate(zip(input_grads, reference_input_grads)):
            name = "the input" if len(input_grads) == 1 else f"input {number}"
            if _is_zero(gradient) and not _is_zero(expected):
                end_check(wrong(f"no gradient flows back to {name} of {what}: its gradient is zero where the "
                                "reference's is not."))
            _require_same_gradient(gradient, expected, f"the gradient with respect to {name}", rtol, atol)


def _require_same_gradient(gradient, expected, what, rtol, atol):
    """End the check where both gradients exist and differ beyond the tolerances."""
    if expected is None or gradient is None:
        return
    difference = describe_difference(gradient, expected, rtol=rtol, atol=atol, what=what)
    if difference is not None:
        end_check(wrong(f"{difference}."))


def _pair_by_shape(have, wanted):
    unused = list(range(len(wanted)))
    order = []
    for shape in have:
        index = next((i for i in unused if wanted[i] == shape), unused[0] if unused else 0)
        if index in unused:
            unused.remove(index)
        order.append(index)
    return order


# --- the training flag, dtype, config -------------------------------------------------------------


def check_training_flag(layer, inputs, *, inference="deterministic", training="random", what="your layer"):
    """Check what ``training=True`` and ``training=False`` change, as Keras' random layers behave.

    Args:
        layer: the learner's layer.
        inputs: one array (or a list of arrays).
        inference: ``"identity"`` (the layer returns its input at inference,
            like ``Dropout``) or ``"deterministic"`` (two calls agree).
        training: ``"random"`` (two training calls differ, and differ from
            inference), ``"deterministic"`` (they agree) or None (not checked).
        what: how the verdict names the layer.

    Ends the check:
        wrong for "noise also at inference", "at inference the layer changes
        its input by X", "training=True gives the inference output: the flag
        is ignored", "no randomness in training", or a call without
        ``training`` that does not behave as inference.
    """
    first = call_layer(layer, inputs, training=False, what=what)
    second = call_layer(layer, inputs, training=False, what=what)
    if describe_difference(second, first, rtol=1e-6, atol=1e-7) is not None:
        change = _relative_change(second, first)
        end_check(wrong(f"noise also at inference: two calls with training=False differ by {change:.1%} of the "
                        "output's size."))
    if inference == "identity":
        difference = describe_difference(first, inputs, rtol=1e-6, atol=1e-6, what="the output")
        if difference is not None:
            end_check(wrong(f"at inference (training=False) {what} should give back its input; {difference}."))
    default = call_layer(layer, inputs, what=what)
    if describe_difference(default, first, rtol=1e-6, atol=1e-7) is not None:
        end_check(wrong(f"called without `training`, {what} does not behave as at inference (training=False): "
                        "Keras calls layers that way outside `fit`."))
    if training is None:
        return
    noisy = call_layer(layer, inputs, training=True, what=what)
    again = call_layer(layer, inputs, training=True, what=what)
    if training == "random":
        if describe_difference(noisy, first, rtol=1e-6, atol=1e-7) is None:
            end_check(wrong(f"training=True gives the inference output: {what} ignores the `training` flag."))
        if describe_difference(again, noisy, rtol=1e-6, atol=1e-7) is None:
            end_check(wrong("no randomness in training: two calls with training=True give the same output."))
    elif describe_difference(again, noisy, rtol=1e-6, atol=1e-7) is not None:
        end_check(wrong(f"two calls with training=True differ by {_relative_change(again, noisy):.1%}: "
                        f"{what} should be deterministic."))


def _relative_change(a, b):
    a, b = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-12))


def check_dtype(layer, inputs, *, what="your layer"):
    """Check that the layer computes in its own dtype: its output's dtype is ``layer.compute_dtype``.

    Build the learner's layer with ``dtype="float16"`` or ``"bfloat16"`` for
    this check (``float64`` needs JAX's x64 mode); the inputs are cast to it.

    Ends the check:
        wrong for "with dtype=float16 your layer returns float32".
    """
    with learner_code(f"reading the dtype of {what}"):
        dtype = keras.backend.standardize_dtype(layer.compute_dtype)
    cast = [np.asarray(part).astype(dtype) for part in inputs] if isinstance(inputs, (list, tuple)) \
        else np.asarray(inputs).astype(dtype)
    output = call_layer(layer, cast, what=what, keep_dtype=True)
    for part in output if isinstance(output, (list, tuple)) else (output,):
        got = keras.backend.standardize_dtype(part.dtype)
        if got != dtype and np.dtype(got).kind == "f":
            end_check(wrong(f"with dtype={dtype!r} {what} returns {got}: part of it is computed in another dtype."))


def _init_parameters(cls):
    try:
        parameters = inspect.signature(cls.__init__).parameters.values()
    except (TypeError, ValueError):
        return [], []
    usable = [p for p in parameters if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    return ([p.name for p in usable if p.default is p.empty], [p.name for p in usable if p.default is not p.empty])


def _own_from_config(cls):
    """True when a class of the learner's (not Keras') defines ``from_config``: Keras' passes the config to ``__init__``."""
    return any("from_config" in vars(klass) for klass in cls.__mro__ if not klass.__module__.startswith("keras"))


def _listed_names(names):
    names = [f"`{name}`" for name in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"


def check_config_round_trip(layer, inputs, *, what="your layer"):
    """Check that ``type(layer).from_config(layer.get_config())`` rebuilds the same layer.

    As ``keras.saving`` does when it loads a ``.keras`` file: the rebuilt
    layer must have the same config, weights of the same shapes and, with the
    original's weights, the same outputs.

    Args:
        layer: the learner's layer, built (called once).
        inputs: inputs to compare the outputs on.
        what: how the verdict names the layer.

    Ends the check:
        unattempted for the scaffold's ``raise NotImplementedError`` in
        ``get_config``; wrong for "config does not round-trip: get_config()
        leaves out `code_size`" (an argument of ``__init__``, when the class
        leaves ``from_config`` to Keras, which passes the config to
        ``__init__``), another config after the round trip, weights of other
        shapes, or other outputs.
    """
    cls = type(layer)
    own_class = not cls.__module__.startswith("keras")
    if own_class and "get_config" not in {name for klass in cls.__mro__ if not klass.__module__.startswith("keras")
                                          for name in vars(klass)}:
        end_check(wrong(f"{what} has no get_config of its own, so Keras cannot rebuild it from its arguments "
                        "(config does not round-trip)."))
    with learner_code(f"calling get_config() of {what}"):
        config = layer.get_config()
    if not isinstance(config, dict):
        end_check(wrong(f"get_config() of {what} must return a dict. Received: {shown(config)}."))
    required, optional = _init_parameters(cls) if own_class else ([], [])
    missing = [name for name in required if name not in config]
    arguments = "an argument" if len(missing) == 1 else "arguments"
    left_out = f"get_config() leaves out {_listed_names(missing)}, {arguments} of __init__." if missing else ""
    if missing and not _own_from_config(cls):  # Keras' from_config passes the config to __init__
        end_check(wrong(f"config does not round-trip: {left_out}"))
    with learner_code(f"rebuilding {what} with from_config(get_config())", left_out):
        clone = cls.from_config(copy.deepcopy(config))  # Keras' from_config may pop keys from its argument
    with learner_code(f"calling get_config() of the rebuilt {what.removeprefix('your ')}"):
        clone_config = clone.get_config()
    if isinstance(clone_config, dict) and clone_config != config:
        changed = sorted(key for key in set(config) | set(clone_config) if config.get(key) != clone_config.get(key))
        end_check(wrong(f"config does not round-trip: after from_config, get_config() gives other values for "
                        f"{_listed_names(changed)}."))
    call_layer(clone, inputs, what=f"the rebuilt {what.removeprefix('your ')}")
    shapes = [tuple(weight.shape) for weight in layer.weights]
    clone_shapes = [tuple(weight.shape) for weight in clone.weights]
    if shapes != clone_shapes:
        left_out = [name for name in optional if name not in config]
        named = f"; get_config() leaves out {_listed_names(left_out)}" if left_out else ""
        end_check(wrong(f"config does not round-trip: the rebuilt layer has weights of shapes {clone_shapes}, "
                        f"the original {shapes}{named}."))
    with learner_code(f"setting the weights of the rebuilt {what.removeprefix('your ')}"):
        for weight, original in zip(clone.weights, layer.weights):
            weight.assign(keras.ops.convert_to_numpy(original))
    got = call_layer(clone, inputs, what=f"the rebuilt {what.removeprefix('your ')}")
    expected = call_layer(layer, inputs, what=what)
    difference = describe_difference(got, expected, what="the rebuilt layer's output")
    if difference is not None:
        end_check(wrong(f"config does not round-trip: with the same weights, {difference.replace('reference', 'original')}."))


# --- a short training run -------------------------------------------------------------------------


def check_short_training(model, x, y=None, *, loss="mse", epochs, batch_size, learning_rate=1e-2, optimizer="adam",
                         target, measure=None, name="training loss", unit="", digits=4, what="your model"):
    """Train the learner's model briefly on a toy problem; end the check unless it reaches ``target``.

    Seed Keras (``keras.utils.set_random_seed``) before building the model, so
    that its initial weights, and the verdict, are the same on every run.

    Args:
        model: the learner's model (a fresh one: this trains it).
        x, y: the training data (``y=None``: reconstruct ``x``).
        loss, epochs, batch_size, learning_rate, optimizer: passed to
            :func:`companion.train`.
        target: the value the measure must reach (at most).
        measure: a function of the trained model giving the number to compare
            (e.g. its error divided by PCA's); default: the last epoch's loss.
        name, unit, digits: how the verdict prints the number.
        what: how the verdict names the model.

    Returns:
        float: the measured value.

    Ends the check:
        wrong when training raises, diverges (NaN), or misses the target, with
        the measured number next to the target.
    """
    from companion.training import train  # the training module imports the optimisers: load it when needed

    with learner_code(f"training {what} for {epochs} epochs"), contextlib.redirect_stdout(io.StringIO()):
        history = train(model, x, y, loss=loss, epochs=epochs, batch_size=batch_size, optimizer=optimizer,
                        learning_rate=learning_rate)
        value = float(measure(model)) if measure is not None else float(history.history["loss"][-1])
    if not math.isfinite(value):
        end_check(wrong(f"training {what} diverged: its {name} is {value} after {epochs} epochs."))
    if value > target:
        end_check(wrong(f"after {epochs} epochs on a toy problem, {what}'s {name} is {value:.{digits}f}{unit}; "
                        f"needed: at most {target:.{digits}f}{unit}."))
    return value


def passed(name, checks):
    """The correct Verdict of a build-it check: what was tested, with no numbers that vary between machines.

    Args:
        name: what the learner wrote, e.g. ``"LinearAutoencoder"``.
        checks: what passed, in words, e.g. ``["outputs equal the reference's on 3 input shapes",
            "gradients reach every weight"]``.
    """
    listed = "; ".join(checks)
    return correct(f"{name} passes every check: {listed}.")
