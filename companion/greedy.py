"""Greedy layer-wise pretraining of a stacked autoencoder (Chapter 4)."""

import keras
import numpy as np

from companion import _checks


def dense_pairs(autoencoder):
    """Pair each encoder ``Dense`` layer with the decoder layer that mirrors it.

    Args:
        autoencoder: a model from :func:`~companion.build_stacked_autoencoder`.

    Returns:
        list of ``(encoder_layer, decoder_layer)``, outermost pair first.

    Raises:
        TypeError: if the model has no ``.encoder`` / ``.decoder``.
        ValueError: if the decoder does not mirror the encoder.
    """
    if not (hasattr(autoencoder, "encoder") and hasattr(autoencoder, "decoder")):
        raise TypeError(
            "Expected an autoencoder with .encoder and .decoder, such as one from "
            f"cp.build_stacked_autoencoder. Received: {type(autoencoder).__name__}"
        )
    encoder_layers = [layer for layer in autoencoder.encoder.layers if isinstance(layer, keras.layers.Dense)]
    decoder_layers = [layer for layer in autoencoder.decoder.layers if isinstance(layer, keras.layers.Dense)]
    pairs = list(zip(encoder_layers, reversed(decoder_layers)))
    mirrored = len(encoder_layers) == len(decoder_layers) and all(
        tuple(enc.kernel.shape) == tuple(dec.kernel.shape)[::-1] for enc, dec in pairs
    )
    if not encoder_layers or not mirrored:
        raise ValueError(
            "Greedy layer-wise training needs a decoder that mirrors the encoder "
            "(Dense kernels of transposed shapes). Received encoder kernels "
            f"{[tuple(layer.kernel.shape) for layer in encoder_layers]} and decoder kernels "
            f"{[tuple(layer.kernel.shape) for layer in decoder_layers]}."
        )
    return pairs


def train_greedy_layerwise(
    autoencoder,
    x,
    *,
    epochs=5,
    batch_size=128,
    learning_rate=1e-3,
    first_loss="binary_crossentropy",
    inner_loss="mse",
    verbose=0,
):
    """Pretrain a stacked autoencoder one pair of layers at a time.

    Phase ``i`` builds a shallow autoencoder from encoder layer ``i`` and the
    decoder layer that mirrors it, and trains it to reconstruct the outputs of
    encoder layer ``i - 1`` (the images for ``i = 1``). Those outputs are computed
    once and cached, so the layers below stay frozen. The phase models share
    their layers with ``autoencoder``, which is then ready for fine-tuning.
    Works for any number of layers (Chapters 4 and 7).

    Args:
        autoencoder: a model from :func:`~companion.build_stacked_autoencoder`.
        x: training inputs, shape ``(n, ...)`` matching the model's input.
        epochs: epochs per phase.
        batch_size: batch size of every phase.
        learning_rate: Adam's learning rate in every phase.
        first_loss: loss of phase 1 (reconstructing the images).
        inner_loss: loss of the later phases (reconstructing hidden activations).
        verbose: passed to ``fit``.

    Returns:
        list of ``keras.callbacks.History``, one per phase.

    Raises:
        TypeError, ValueError: for a model that is not a mirrored stack, bad
            numbers of epochs or batch size, or a learning rate that is not a
            finite number > 0.
    """
    epochs = _checks.positive_int("epochs", epochs)
    batch_size = _checks.positive_int("batch_size", batch_size)
    learning_rate = _checks.positive_number("learning_rate", learning_rate)
    pairs = dense_pairs(autoencoder)
    features = _checks.to_numpy(x).astype("float32").reshape(len(x), -1)
    n_inputs = pairs[0][0].kernel.shape[0]
    if features.shape[1] != n_inputs:
        raise ValueError(
            f"x must hold examples of {n_inputs} values for this autoencoder. "
            f"Received: x.shape={np.shape(x)}"
        )
    histories = []
    for phase, (encoder_layer, decoder_layer) in enumerate(pairs, start=1):
        inputs = keras.Input(shape=(features.shape[1],))
        phase_model = keras.Model(inputs, decoder_layer(encoder_layer(inputs)), name=f"phase_{phase}")
        phase_model.compile(
            optimizer=keras.optimizers.Adam(learning_rate),
            loss=first_loss if phase == 1 else inner_loss,
        )
        histories.append(
            phase_model.fit(features, features, epochs=epochs, batch_size=batch_size, verbose=verbose)
        )
        features = keras.ops.convert_to_numpy(encoder_layer(features))  # cached for the next phase
    return histories
