"""Checkers for the exercises of Chapter 4 (greedy layer-wise pretraining)."""

import keras

from companion.exercises._verdict import (
    check_count,
    check_letters,
    checker,
    correct,
    is_unattempted,
    unattempted,
    wrong,
)

_TRUE_STATEMENTS = frozenset("ace")
_STATEMENT_HINTS = {
    "a": "(a) is true: phase 2 trains on the cached outputs of hidden layer 1, which "
    "are computed once; layer 1 does not change in that phase.",
    "b": "(b) is false: after pretraining, fine-tuning trains all layers together "
    "on the full reconstruction (or classification) loss.",
    "c": "(c) is true: pretraining uses only images, so it can use every unlabelled "
    "image, while the classifier sees only the few labelled ones.",
    "d": "(d) is false: with ReLUs, good initialisations and Adam, end-to-end training "
    "of a few layers works well; the chapter measures how the two compare.",
    "e": "(e) is true: a phase for layer i needs the activations of layer i-1 for all "
    "training images; caching them avoids recomputing the frozen layers every epoch.",
}


@checker
def check_greedy_statements(answer):
    """Exercise 4.3: which statements (a)-(e) about greedy pretraining are true.

    Args:
        answer: the letters of the true statements.

    Returns:
        Verdict.
    """
    return check_letters(answer, "abcde", _TRUE_STATEMENTS, _STATEMENT_HINTS)


@checker
def check_cached_values(answer):
    """Exercise 4.1: values cached for phase 3 of a 784-128-64-32 stack on 60,000 images.

    Args:
        answer: the learner's count.

    Returns:
        Verdict.
    """
    hints = {
        60_000 * 128: "that is the cache of phase 2 (outputs of hidden layer 1); phase 3 "
        "trains on the outputs of hidden layer 2.",
        60_000 * 32: "phase 3 trains layer 3; its inputs are the outputs of hidden layer 2.",
        60_000 * 784: "phase 1 trains on the images themselves and caches nothing.",
        64: "that is one image's cached vector; there are 60,000 images.",
    }
    return check_count(
        answer,
        60_000 * 64,
        hints,
        "60,000 images x 64 outputs of hidden layer 2, computed once with layers 1 and 2 frozen.",
    )


@checker
def check_phase_two_model(phase_model, autoencoder):
    """Exercise 4.2: the phase-2 model of a stacked autoencoder.

    It must map 128 hidden-1 values through ``encoder_hidden_2`` and
    ``decoder_hidden_1`` back to 128 values, sharing those two layers with
    ``autoencoder`` (a 784-128-64-... model from ``cp.build_stacked_autoencoder``).

    Args:
        phase_model: the learner's model.
        autoencoder: the stacked autoencoder whose layers it must reuse.

    Returns:
        Verdict.
    """
    if is_unattempted(phase_model):
        return unattempted("build the phase-2 model and assign it to `phase_two`.")
    if not isinstance(phase_model, keras.Model):
        return wrong(f"Expected a keras.Model. Received: {type(phase_model).__name__}.")
    in_shape, out_shape = tuple(phase_model.input.shape), tuple(phase_model.output.shape)
    if in_shape != (None, 128) or out_shape != (None, 128):
        return wrong(
            "phase 2 reconstructs the 128 outputs of hidden layer 1: expected input and "
            f"output shape (None, 128). Received: {in_shape} -> {out_shape}."
        )
    wanted = {
        id(autoencoder.encoder.get_layer("encoder_hidden_2")): "encoder_hidden_2",
        id(autoencoder.decoder.get_layer("decoder_hidden_1")): "decoder_hidden_1",
    }
    used = {id(layer) for layer in phase_model.layers}
    missing = [name for key, name in wanted.items() if key not in used]
    if missing:
        return wrong(
            f"the phase model must reuse the autoencoder's own layers {missing} "
            "(get them with autoencoder.encoder.get_layer(...)), not new copies, so "
            "that training it trains the full model."
        )
    return correct("128 -> 64 -> 128 with the autoencoder's own layers.")
