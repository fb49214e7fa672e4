"""Seeding, and the switch between the book's full run and the tests' fast one.

Every notebook calls :func:`seed_everything` once in its setup cell and reads
its settings with :func:`~companion.chapter_settings`, which asks
:func:`fast_mode`; so ``COMPANION_FAST=1`` turns the whole course into a quick
version for the tests without any notebook reading the environment itself.
"""

import os
import random

import numpy as np

import keras

from companion import _checks

FAST_ENV_VAR = "COMPANION_FAST"
_TRUE_VALUES = ("1", "true", "yes", "on")
_FALSE_VALUES = ("", "0", "false", "no", "off")


def fast_mode():
    """Tell whether the course runs in its small, quick version.

    Reads ``COMPANION_FAST``: ``1``/``true``/``yes``/``on`` mean fast, unset,
    empty, ``0``/``false``/``no``/``off`` mean the full run. Used by every chapter.

    Returns:
        bool: True in fast mode.

    Raises:
        ValueError: if the variable holds anything else, so a typo does not
            silently start a long run.
    """
    value = os.environ.get(FAST_ENV_VAR, "").strip().lower()
    if value in _TRUE_VALUES:
        return True
    if value in _FALSE_VALUES:
        return False
    raise ValueError(
        f"{FAST_ENV_VAR} must be one of {_TRUE_VALUES + _FALSE_VALUES[1:]} "
        f"or unset. Received: {FAST_ENV_VAR}={os.environ[FAST_ENV_VAR]!r}"
    )


def seed_everything(seed=42, *, deterministic=True):
    """Seed Python, NumPy and Keras, and choose whether TensorFlow ops are deterministic.

    With ``deterministic=True`` (the default, as the book is built) two runs of
    a notebook on the same machine print the same numbers; TensorFlow then uses
    deterministic kernels only, for this whole process, which can be slower on a
    GPU and makes a few ops raise. ``deterministic=False`` turns that off again.
    Other backends are only seeded. Called once in the setup cell of every chapter.

    Args:
        seed: a non-negative integer.
        deterministic: turn TensorFlow's op determinism on (True) or off (False).

    Returns:
        int: the seed, for printing.

    Raises:
        TypeError: if ``seed`` is not an integer or ``deterministic`` not a bool.
        ValueError: if ``seed`` is negative.
    """
    deterministic = _checks.boolean("deterministic", deterministic)
    seed = _checks.non_negative_int("seed", seed)
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)  # also seeds the backend's own generator
    if keras.backend.backend() == "tensorflow":
        # the one TensorFlow-only line of the package; only enable_... is public API
        from tensorflow.python.framework import config as tf_config

        (tf_config.enable_op_determinism if deterministic else tf_config.disable_op_determinism)()
    return seed
