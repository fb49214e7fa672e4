"""The denoising autoencoder (Chapter 5): a stacked autoencoder that corrupts its inputs in training.

The corruption itself, the :class:`~companion.Corruption` layer, lives in
``companion.corruption``, which every builder can put in front of its
encoder; it is imported here too, as ``companion.denoising.Corruption``.
"""

from companion.corruption import CORRUPTIONS, Corruption  # noqa: F401  (the layer's home in Chapter 5)
from companion.models import build_stacked_autoencoder


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
