"""Train-time corruption and the denoising autoencoder (Chapter 5)."""

import keras
from keras import ops

from companion import _checks
from companion.models import build_stacked_autoencoder

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


def build_denoising_autoencoder(
    input_shape=(784,),
    code_size=64,
    *,
    hidden_sizes=(256,),
    corruption="gaussian",
    level=0.3,
    seed=None,
    activation="relu",
    output_activation="sigmoid",
    name="denoising_autoencoder",
):
    """Build a dense autoencoder that corrupts its inputs during training (Chapter 5).

    Trained with ``fit(x_clean, x_clean)``, it minimises L(x, g(f(x~))): the
    encoder sees a corrupted x~, the loss compares with the clean x. At
    inference (``predict``, ``evaluate``, calling the encoder) nothing is corrupted.

    Args:
        input_shape: shape of one example.
        hidden_sizes: sizes of the encoder's hidden layers.
        code_size: number of code units.
        corruption: ``"gaussian"``, ``"masking"`` or ``"salt_and_pepper"``.
        level: the corruption's level (see :class:`Corruption`).
        seed: seed of the corruption.
        activation: activation of the hidden layers.
        output_activation: activation of the output layer.
        name: name of the model.

    Returns:
        Autoencoder: whose encoder starts with a ``Corruption`` layer named ``corruption``.

    Raises:
        TypeError, ValueError: for bad sizes, kinds or levels.
    """
    return build_stacked_autoencoder(
        input_shape,
        code_size,
        hidden_sizes=hidden_sizes,
        activation=activation,
        output_activation=output_activation,
        corruption=Corruption(corruption, level, seed=seed, name="corruption"),
        name=name,
    )
