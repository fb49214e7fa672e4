"""Train-time corruption of the inputs, as a layer (Chapter 5).

Its own module, so that every builder (``models``, ``conv``) can put a
:class:`Corruption` in front of its encoder, and the denoising builder can
build on :func:`~companion.build_stacked_autoencoder`, without the two
modules importing each other.
"""

import keras
from keras import ops

from companion import _checks

CORRUPTIONS = ("gaussian", "masking", "salt_and_pepper")


@keras.saving.register_keras_serializable(package="companion")
class Corruption(keras.layers.Layer):
    """Corrupt the inputs during training; pass them through unchanged otherwise.

    The in-model twin of :func:`~companion.data.add_gaussian_noise`,
    :func:`~companion.data.mask_pixels` and :func:`~companion.data.add_salt_and_pepper`:
    a fresh corruption at every training step, clipped to [0, 1], seeded through
    ``keras.random.SeedGenerator``.

    Args:
        kind: ``"gaussian"``, ``"masking"`` or ``"salt_and_pepper"``.
        level: standard deviation (gaussian, >= 0) or fraction of pixels
            (masking, salt_and_pepper, in [0, 1]).
        seed: seed of the noise (None: drawn from the global Keras seed).

    Raises:
        TypeError: if ``level`` is not a number.
        ValueError: for an unknown kind, or a level out of range or infinite.
    """

    def __init__(self, kind="gaussian", level=0.3, seed=None, **kwargs):
        super().__init__(**kwargs)
        _checks.one_of("kind", kind, CORRUPTIONS)
        check_level = _checks.non_negative_number if kind == "gaussian" else _checks.fraction
        self.kind = kind
        self.level = check_level("level", level)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        if not training:
            return inputs
        shape = ops.shape(inputs)
        if self.kind == "gaussian":
            # the noise takes the inputs' dtype (float16 under mixed precision)
            noise = keras.random.normal(shape, stddev=self.level, dtype=inputs.dtype, seed=self.seed_generator)
            noisy = inputs + noise
            return ops.clip(noisy, 0.0, 1.0)
        hit = keras.random.uniform(shape, seed=self.seed_generator) < self.level
        if self.kind == "masking":
            return ops.where(hit, ops.zeros_like(inputs), inputs)
        salt = ops.cast(keras.random.uniform(shape, seed=self.seed_generator) < 0.5, inputs.dtype)
        return ops.where(hit, salt, inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "kind": self.kind, "level": self.level, "seed": self.seed}
