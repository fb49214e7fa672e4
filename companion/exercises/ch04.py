"""Checkers for the exercises of Chapter 4 (greedy layer-wise pretraining)."""

import keras
import numpy as np

from companion.exercises._measure import Target, held_out_mnist, model_input, model_output, not_a_model, verdict_on
from companion.exercises._verdict import (
    measured_number,
    Verdict,
    check_count,
    check_letters,
    check_prediction,
    checker,
    correct,
    is_unattempted,
    learner_code,
    shown,
    unattempted,
    wrong,
)

_TRUE_STATEMENTS = frozenset("ace")
_REREAD = (  # the sections the statements test
    "The method",
    "What a phase costs",
    "Layer-wise or end-to-end, on the same budget",
)
_STATEMENT_EXPLANATIONS = {
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
    return check_letters(answer, "abcde", _TRUE_STATEMENTS, _STATEMENT_EXPLANATIONS, _REREAD)


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
    Any ``keras.Model`` that does so is right: functional, ``keras.Sequential``
    (with or without a ``keras.Input``), built or not. The check calls it on a
    small batch.

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
    batch = np.random.default_rng(4).uniform(size=(2, 128)).astype("float32")
    wanted, expected = _phase_two_reference(autoencoder, batch)
    outputs, verdict = _phase_two_outputs(phase_model, batch)
    if verdict is not None:
        return verdict
    with learner_code("reading your model's layers"):
        used = {id(layer) for layer in _all_layers(phase_model)}
    missing = [name for name, layer in wanted.items() if id(layer) not in used]
    if missing:
        return wrong(
            f"the phase model must reuse the autoencoder's own layers {missing} "
            "(get them with autoencoder.encoder.get_layer(...)), not new copies, so "
            "that training it trains the full model."
        )
    if not np.allclose(outputs, expected, rtol=1e-4, atol=1e-5):
        return wrong(
            "your model reuses both layers, but its outputs differ from "
            "decoder_hidden_1(encoder_hidden_2(x)): apply the two layers in that order, "
            "with nothing else in between."
        )
    return correct("128 -> 64 -> 128 with the autoencoder's own layers.")


def _phase_two_reference(autoencoder, batch):
    """The autoencoder's layers that phase 2 trains, by name, and what they make of ``batch``."""
    with learner_code(
        "finding encoder_hidden_2 and decoder_hidden_1 in the autoencoder",
        "Pass the chapter's stacked autoencoder, 784-128-64-..., as the second argument.",
    ):
        layers = {
            "encoder_hidden_2": autoencoder.encoder.get_layer("encoder_hidden_2"),
            "decoder_hidden_1": autoencoder.decoder.get_layer("decoder_hidden_1"),
        }
        outputs = batch
        for layer in layers.values():
            outputs = layer(outputs)
        return layers, keras.ops.convert_to_numpy(outputs)


def _phase_two_outputs(phase_model, batch):
    """Call the learner's model on ``batch``; return ``(outputs, None)`` or ``(None, verdict)``."""
    shapes_hint = (
        "Phase 2 reconstructs the 128 outputs of hidden layer 1: expected input and "
        "output shape (None, 128)."
    )
    with learner_code(f"calling your model on a batch of shape {batch.shape}", shapes_hint):
        outputs = phase_model(batch)
        if isinstance(outputs, (list, tuple)) and len(outputs) == 1:
            outputs = outputs[0]
        if isinstance(outputs, (list, tuple, dict)):
            return None, wrong(f"your model returns {len(outputs)} outputs; phase 2 has one. {shapes_hint}")
        outputs = keras.ops.convert_to_numpy(outputs)
    if outputs.shape != batch.shape:
        return None, wrong(f"{shapes_hint} Received: {batch.shape} -> {outputs.shape}.")
    return outputs, None


def _all_layers(model):
    """The model's layers, and those of the models nested in it."""
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _all_layers(layer)


# --- 4.4 a prediction: the historical network with a modern optimiser ---------------------------

OPTIMISER_CHOICES = {
    "a": "It stays near chance (below 30% test accuracy), as with plain SGD.",
    "b": "It learns a little (between 30% and 50%).",
    "c": "It learns (above 50%).",
}


def optimiser_outcome(accuracy):
    """The letter of Exercise 4.4 that a test accuracy bears out."""
    if accuracy < 0.3:
        return "a"
    return "b" if accuracy <= 0.5 else "c"


@checker
def check_optimiser_prediction(answer, sgd_accuracy, adam_accuracy):
    """Exercise 4.4: the sigmoid network from random weights, trained with Adam, predicted first.

    Args:
        answer: the learner's letter.
        sgd_accuracy: the measured test accuracy with plain SGD (the chapter's run).
        adam_accuracy: the measured test accuracy of the same network trained with Adam.

    Returns:
        Verdict: whether the prediction held, with the measured numbers.
    """
    measured = [measured_number(value, name, "an accuracy between 0 and 1", low=0, high=1)
                for name, value in (("sgd_accuracy", sgd_accuracy), ("adam_accuracy", adam_accuracy))]
    for verdict in measured:
        if isinstance(verdict, Verdict):
            return verdict
    sentence = (f"Measured test accuracy: {measured[0]:.1%} with plain SGD, {measured[1]:.1%} with Adam. "
                "The gradients that reach the lower sigmoid layers are tiny, and plain SGD moves each "
                "weight in proportion to its gradient; Adam divides by the gradient's typical size, so "
                "small gradients still make steps. The optimiser, not the missing pretraining, kept the "
                "historical network from learning.")
    return check_prediction(answer, OPTIMISER_CHOICES, optimiser_outcome(measured[1]), sentence)


# --- 4.5 an experiment: a classifier from 100 labels, measured on held-out digits ---------------

FEW_LABELS_DIGITS = 1000  # the last test digits
# A reason for the bound, measured on these digits with the labels of labelled_set(seed, 100):
# logistic regression on the pixels reaches 0.72-0.78 (seeds 1-5 of the full run, 0.75-0.76 for
# seeds 1-2 of the quick one), an untrained classifier about 0.1; the solution (labels spread
# over the codes of the chapter's autoencoder) 0.85-0.88 in the quick run (seeds 1-3).
FEW_LABELS_ACCURACY = 0.80


@checker
def check_few_label_classifier(classify):
    """Exercise 4.5: a classifier that learned from 100 labels and many unlabelled digits.

    The checker loads held-out test digits with their labels and gives the
    images to ``classify``: a function that takes digits of shape ``(n, 784)``,
    or a Keras model (which gets them in the shape it declares), and returns
    one label per digit, shape ``(n,)``, or ten class scores, shape ``(n, 10)``.

    Args:
        classify: the learner's classifier.

    Returns:
        Verdict, with the measured accuracy next to the target.
    """
    verdict = not_a_model(classify, "a classifier")
    if verdict is not None:
        return verdict
    images, labels = held_out_mnist(FEW_LABELS_DIGITS)
    flat = images.reshape(len(images), -1)
    doing = "calling your classifier on the checker's digits"
    if isinstance(classify, keras.Model):
        output = model_output(classify, model_input(classify, flat), doing=doing)
    else:  # a function: called on the flat digits, even if it has a `predict` of its own
        output = model_output(lambda batch: classify(batch), flat, doing=doing)
    if output.ndim == 2 and output.shape[1] == 10:
        predicted = output.argmax(axis=1)
    elif output.ndim == 1 or (output.ndim == 2 and output.shape[1] == 1):
        predicted = output.reshape(-1)
        if not np.all((predicted == np.round(predicted)) & (predicted >= 0) & (predicted <= 9)):
            return wrong("Expected labels, whole numbers from 0 to 9, one per digit. Received other values, "
                         f"e.g. {shown(predicted[:3].tolist())}. For scores, return ten per digit.")
    else:
        return wrong("Expected one label per digit, shape (n,), or ten class scores, shape (n, 10). "
                     f"Received: shape {output.shape}.")
    accuracy = float(np.mean(predicted == labels))
    target = Target("accuracy", accuracy, FEW_LABELS_ACCURACY, at_least=True)
    hints = ("Usual causes: a classifier that learned from the 100 labelled digits alone (logistic "
             "regression on the pixels stays near 0.75: the unlabelled digits have to help, e.g. through "
             "a graph of the autoencoder's codes), codes of an untrained encoder, or images scaled "
             "differently from the training images (pixels in [0, 1]).")
    return verdict_on([target], f"on {FEW_LABELS_DIGITS:,} held-out test digits", hints)
