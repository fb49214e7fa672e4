"""Argument checks that raise the messages the course promises.

Every message says what was expected and what was received, in the form
``Received: name=value``, as Keras' own validation messages do.
"""

import math
import numbers

import numpy as np

import keras


def positive_int(name, value):
    """Return ``value`` as an int, or raise if it is not a positive integer."""
    return _integer(name, value, minimum=1, expected="a positive integer")


def non_negative_int(name, value):
    """Return ``value`` as an int, or raise if it is not an integer >= 0 (a seed, for example)."""
    return _integer(name, value, minimum=0, expected="a non-negative integer")


def _integer(name, value, minimum, expected):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be {expected}. Received: {name}={value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be {expected}. Received: {name}={value}")
    return int(value)


def shape_tuple(name, value):
    """Return ``value`` as a tuple of positive ints (an int means a 1-D shape)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (value,)
    if not isinstance(value, (tuple, list)) or not value:
        raise TypeError(
            f"{name} must be a positive integer or a non-empty tuple of them. "
            f"Received: {name}={value!r}"
        )
    return tuple(positive_int(f"{name}[{i}]", size) for i, size in enumerate(value))


def sizes_tuple(name, value):
    """Return a (possibly empty) tuple of positive layer sizes."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)):
        raise TypeError(f"{name} must be a tuple or list of positive integers. Received: {name}={value!r}")
    return tuple(positive_int(f"{name}[{i}]", size) for i, size in enumerate(value))


def to_numpy(value):
    """A NumPy array of ``value``: an array, a list, or a tensor of any Keras backend."""
    if keras.ops.is_tensor(value):
        return keras.ops.convert_to_numpy(value)  # also detaches PyTorch tensors
    return np.asarray(value)


def array_pair(first, second, names=("x", "x_hat")):
    """Return two float64 arrays of equal shape, or raise a clear error.

    Raises:
        ValueError: if the shapes differ, the arrays are not batches (at
            least 2-D) or the batch is empty.
    """
    a, b = to_numpy(first).astype("float64"), to_numpy(second).astype("float64")
    if a.shape != b.shape:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same shape. "
            f"Received: {names[0]}.shape={a.shape}, {names[1]}.shape={b.shape}"
        )
    if a.ndim < 2:
        raise ValueError(
            f"{names[0]} must be a batch of images or vectors (at least 2-D). "
            f"Received: shape {a.shape}"
        )
    if a.size == 0:
        raise ValueError(
            f"{names[0]} and {names[1]} must hold at least one value each; an empty batch has no "
            f"error to measure. Received: {names[0]}.shape={a.shape}"
        )
    return a, b


def architecture(input_shape, hidden_sizes, code_size):
    """Validate the sizes every dense builder takes; return them as tuples and an int."""
    return (
        shape_tuple("input_shape", input_shape),
        sizes_tuple("hidden_sizes", hidden_sizes),
        positive_int("code_size", code_size),
    )


def one_of(name, value, choices):
    """Raise unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}. Received: {name}={value!r}")
    return value


def image_shape(input_shape):
    """Return ``input_shape`` as ``(height, width, channels)``, or raise."""
    input_shape = shape_tuple("input_shape", input_shape)
    if len(input_shape) != 3:
        raise ValueError(
            "input_shape must be (height, width, channels), e.g. (28, 28, 1) for MNIST "
            f"or (32, 32, 3) for colour patches. Received: input_shape={input_shape}"
        )
    return input_shape


def filters_tuple(filters):
    """Return the filters of a convolutional encoder, at least one level."""
    filters = sizes_tuple("filters", filters)
    if not filters:
        raise ValueError(f"filters must name at least one level, e.g. (32, 64). Received: filters={filters}")
    return filters


def number(name, value, *, low=None, high=None, low_open=False, high_open=False):
    """Return ``value`` as a float, or raise if it is not a finite number within the bounds.

    Bools, strings, None, NaN and infinities are refused, so that ``level="0.3"``
    or ``beta=float("inf")`` get a message naming the parameter instead of a
    comparison error or a silent ``inf`` loss.

    Args:
        name: the parameter's name, for the message.
        value: the value received.
        low, high: the bounds (None: unbounded on that side).
        low_open, high_open: exclude the bound itself (``> low`` rather than ``>= low``).

    Returns:
        float.

    Raises:
        TypeError: if ``value`` is not a real number (bools included).
        ValueError: if it is NaN, infinite or out of bounds.
    """
    expected = f"{name} must be a finite number{_bounds_text(low, high, low_open, high_open)}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{expected}. Received: {name}={value!r}")
    as_float = float(value)
    too_low = low is not None and (as_float <= low if low_open else as_float < low)
    too_high = high is not None and (as_float >= high if high_open else as_float > high)
    if not math.isfinite(as_float) or too_low or too_high:
        raise ValueError(f"{expected}. Received: {name}={value}")
    return as_float


def _bounds_text(low, high, low_open, high_open):
    """`` between 0 and 1``, `` strictly between 0 and 0.5``, `` >= 0``, `` > 0 and <= 1``."""
    if low is not None and high is not None and low_open == high_open:
        return f" {'strictly ' if low_open else ''}between {low:g} and {high:g}"
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {low:g}")
    if high is not None:
        parts.append(f"{'<' if high_open else '<='} {high:g}")
    return " " + " and ".join(parts) if parts else ""


def non_negative_number(name, value):
    """Return ``value`` as a float, or raise if it is not a finite number >= 0."""
    return number(name, value, low=0)


def positive_number(name, value):
    """Return ``value`` as a float, or raise if it is not a finite number > 0."""
    return number(name, value, low=0, low_open=True)


def fraction(name, value):
    """Return ``value`` as a float, or raise if it is not a number between 0 and 1 (both included)."""
    return number(name, value, low=0, high=1)


def boolean(name, value):
    """Return ``value``, or raise a TypeError if it is not True or False (a NumPy bool is accepted)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False. Received: {name}={value!r}")
    return bool(value)


def image_batch(images, name="images"):
    """Return ``images`` as a float32 NumPy batch, or raise a message a learner understands.

    A batch is an array (or a tensor of any backend) of numbers whose first
    axis counts the images: ``(n, height, width)``, ``(n, height, width,
    channels)`` or flat ``(n, pixels)``, with ``n >= 1``. The measuring
    helpers of Chapters 9 and 11 take their images through it.

    Raises:
        TypeError: if the values are not numbers (strings, objects).
        ValueError: if there is no batch axis (a single image given as a
            vector, a scalar) or the batch is empty.
    """
    array = to_numpy(images)
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool) or np.iscomplexobj(array):
        raise TypeError(
            f"{name} must be an array of numbers, a batch of images. "
            f"Received: {type(images).__name__} of dtype {array.dtype}"
        )
    if array.ndim < 2 or array.size == 0:
        raise ValueError(
            f"{name} must be a non-empty batch of images, an array of shape (n, ...) with n >= 1, "
            f"such as (n, 28, 28), (n, 28, 28, 1) or (n, 784); a single image needs a batch axis "
            f"({name}[None]). Received: an array of shape {array.shape}"
        )
    return array.astype("float32")


def unit_images(images):
    """``images`` as float32, or a clear error if they are not numbers in [0, 1] (NaN included)."""
    array = to_numpy(images)
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool) or np.iscomplexobj(array):
        raise ValueError(
            "Expected images: an array of numbers in [0, 1]. "
            f"Received: {type(images).__name__} of dtype {array.dtype}"
        )
    array = array.astype("float32")
    if np.isnan(array).any():
        raise ValueError(f"The images hold {int(np.isnan(array).sum())} NaN values; expected numbers in [0, 1].")
    if array.size and (array.min() < 0.0 or array.max() > 1.0):
        raise ValueError(
            "Expected images with values in [0, 1] (load them with scale=True). "
            f"Received values from {array.min()} to {array.max()}."
        )
    return array
