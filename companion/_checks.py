"""Argument checks that raise the messages the course promises."""

import numpy as np


def positive_int(name, value):
    """Return ``value`` as an int, or raise if it is not a positive integer."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive integer. Received: {name}={value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer. Received: {name}={value}")
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


def array_pair(first, second, names=("x", "x_hat")):
    """Return two float64 arrays of equal shape, or raise a clear error."""
    a, b = np.asarray(first, dtype="float64"), np.asarray(second, dtype="float64")
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


def non_negative_number(name, value):
    """Return ``value`` as a float, or raise if it is not a finite number >= 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number. Received: {name}={value!r}")
    if not (value >= 0 and np.isfinite(value)):
        raise ValueError(f"{name} must be a finite number >= 0. Received: {name}={value}")
    return float(value)
