"""Checkers for the exercises of Chapter 10 (what the codes are good for)."""

import numpy as np

from companion.exercises._measure import Target, encode, held_out_mnist, model_output, not_a_model, verdict_on
from companion.exercises._verdict import (
    call_for_number,
    check_count,
    check_letters,
    check_number,
    check_prediction,
    checker,
    correct,
    shown,
    wrong,
)

_TRUE_STATEMENTS = frozenset("ac")
_REREAD = (  # the sections the statements test
    "Classifying with few labels",
    "Letting the unlabelled images vote",
    "Retrieval",
    "Maps of the codes",
)
_STATEMENT_EXPLANATIONS = {
    "a": "(a) is true: the autoencoder learns from every image, labelled or not; only the "
    "probe, a small classifier on the codes, needs labels.",
    "b": "(b) is false: a lower reconstruction error says the code keeps more of each "
    "image, not that the classes are easier to separate; the table shows models with "
    "close errors and different probe accuracies.",
    "c": "(c) is true: precision@10 needs no classifier at all, only distances between "
    "codes and the labels of the retrieved images.",
    "d": "(d) is false: t-SNE keeps neighbourhoods, not distances; the size of a cluster "
    "and the gaps between clusters on its map mean little.",
    "e": "(e) is false: the graph links labelled and unlabelled images alike; a few "
    "labels are enough, and the unlabelled images carry them along the links.",
}


@checker
def check_precision_value(answer):
    """Exercise 10.1: precision@10 of a query whose 10 neighbours hold 7 images of its digit.

    Args:
        answer: the learner's number.

    Returns:
        Verdict.
    """
    hints = [
        (7.0, "precision@10 is a share: divide by the 10 images retrieved."),
        (0.3, "count the neighbours that show the query's digit, not the others."),
        (7 / 9, "the query itself is not among its neighbours: divide by 10."),
    ]
    return check_number(answer, 0.7, 1e-9, hints, "7 of the 10 retrieved images are relevant: 7 / 10 = 0.7.")


@checker
def check_graph_edges(answer):
    """Exercise 10.2: edges of a 10-nearest-neighbour graph over 10,000 codes.

    Args:
        answer: the learner's whole number.

    Returns:
        Verdict.
    """
    hints = {
        10_000: "each code has 10 neighbours, not one.",
        100_000_000: "that is every pair of codes: the graph keeps only the 10 nearest of each.",
        99_990_000: "that is every ordered pair of distinct codes: keep only the 10 nearest.",
        50_000: "each code sends its own 10 links: count them per code, 10,000 x 10.",
    }
    return check_count(
        answer,
        100_000,
        hints,
        "10,000 codes x 10 links each.",
        fallback="Each code links to its 10 nearest neighbours.",
    )


@checker
def check_precision_function(precision_at_k):
    """Exercise 10.3: ``precision_at_k(codes, labels, k)`` in NumPy.

    Args:
        precision_at_k: the learner's function of ``(codes, labels, k)``.

    Returns:
        Verdict.
    """
    rng = np.random.default_rng(10)
    codes = rng.normal(size=(40, 3))
    labels = rng.integers(0, 3, size=40)
    codes[labels == 1] += 2.5  # some structure, so the answer is not a chance value
    signature = "precision_at_k(codes, labels, k)"
    value, verdict = call_for_number(precision_at_k, signature, (codes.copy(), labels.copy(), 5))
    if verdict is not None:
        return verdict
    expected = _precision(codes, labels, 5, include_query=False)
    if abs(value - expected) < 1e-9:
        return correct(f"{value:.3f}: the share of each code's 5 nearest other codes that share its label.")
    if abs(value - _precision(codes, labels, 5, include_query=True)) < 1e-9:
        return wrong("each code is its own nearest neighbour: leave the query out of its 5 neighbours.")
    if abs(value - _precision(codes, labels, 5, include_query=False, farthest=True)) < 1e-9:
        return wrong("you took the farthest codes: sort the distances in increasing order.")
    return wrong(
        f"{shown(value)} is not it. For each code, find its k nearest other codes (Euclidean "
        "distance), count those with the same label, divide by k, and average over codes."
    )


def _precision(codes, labels, k, include_query, farthest=False):
    distances = np.linalg.norm(codes[:, None] - codes[None], axis=-1)
    if not include_query:
        np.fill_diagonal(distances, -np.inf if farthest else np.inf)
    order = np.argsort(-distances if farthest else distances, axis=1)[:, :k]
    return float(np.mean(labels[order] == labels[:, None]))


@checker
def check_code_statements(answer):
    """Exercise 10.4: which statements (a)-(e) about measuring codes are true.

    Args:
        answer: the letters of the true statements.

    Returns:
        Verdict.
    """
    return check_letters(answer, "abcde", _TRUE_STATEMENTS, _STATEMENT_EXPLANATIONS, _REREAD)


# --- exercise 10.5: an autoencoder, trained by the learner, measured on digits it never saw ---

MAX_CODE_SIZE = 16
TARGET_ERROR = 20.0  # squared error per image; an untrained model is above 50
TARGET_ACCURACY = 0.75  # 5-NN accuracy with 500 labelled codes
_N_HELD_OUT = 1_000
_HINTS = (
    "Usual causes: too few epochs, a model that was built but not trained, a learning "
    "rate far from 1e-3, or an output layer without a sigmoid."
)


def held_out_digits():
    """The last 1,000 MNIST test digits, flat, in [0, 1]: the checker's own data."""
    images, labels = held_out_mnist(_N_HELD_OUT)
    return images.reshape(len(images), -1), labels


@checker
def check_trained_autoencoder(model):
    """Exercise 10.5: a trained autoencoder whose codes of at most 16 numbers are good for two things.

    The checker loads 1,000 MNIST test digits itself (the last ones, which the
    chapter never shows the model), encodes them and measures the squared
    error per image of the reconstructions and the accuracy of a 5-nearest-
    neighbour vote on the codes, with the labels of half of them.

    Args:
        model: the learner's autoencoder, with ``.encoder`` and ``.decoder``
            that take flat images of 784 pixels (or 28x28 images).

    Returns:
        Verdict.
    """
    verdict = not_a_model(model, "an autoencoder", needs=("encoder", "decoder"))
    if verdict is not None:
        return verdict
    images, labels = held_out_digits()
    codes = encode(model.encoder, images)
    if codes.shape[1] > MAX_CODE_SIZE:
        return wrong(f"Your codes have {codes.shape[1]} numbers; the exercise asks for at most {MAX_CODE_SIZE}.")
    reconstructions = model_output(model.decoder, codes.astype("float32"), "calling your decoder on the codes")
    if reconstructions.size != images.size:
        return wrong(
            f"Your decoder should return one 784-pixel image per code. Received: shape {reconstructions.shape}."
        )
    error = float(np.mean(np.sum((reconstructions.reshape(images.shape) - images) ** 2, axis=1)))
    targets = [
        Target("squared error per image", error, TARGET_ERROR, at_least=False, digits=1),
        Target("5-NN accuracy on the codes", _knn_accuracy(codes, labels), TARGET_ACCURACY, at_least=True, digits=3),
    ]
    return verdict_on(targets, "on 1,000 digits it never saw", _HINTS)


def _knn_accuracy(codes, labels):
    from companion.representations import knn_accuracy

    half = len(codes) // 2
    return knn_accuracy(codes[:half], labels[:half], codes[half:], labels[half:], k=5)


# --- exercise 10.6: a prediction, checked against the experiment ---

ROTATION_CHOICES = {
    "a": "Lower: the rotation mixes the code units, and each of them meant something.",
    "b": "The same: a rotation keeps every distance, and a k-NN vote sees only distances.",
    "c": "Higher: mixed units spread the digits more evenly over the code.",
}
# Rotating changes the distances only by floating-point rounding, which can at
# most break a tie between two neighbours the other way: a digit or two of the
# 1,000 or more test digits.
_SAME_ACCURACY = 0.002


def rotation_outcome(before, after):
    """Exercise 10.6: the letter of ``ROTATION_CHOICES`` that the measured accuracies give.

    Args:
        before: 5-NN test accuracy on the codes.
        after: the same on the rotated codes.

    Returns:
        ``"a"``, ``"b"`` or ``"c"``.
    """
    if abs(after - before) <= _SAME_ACCURACY:
        return "b"
    return "a" if after < before else "c"


@checker
def check_rotation_prediction(prediction, before, after):
    """Exercise 10.6: the learner's prediction of the 5-NN accuracy on rotated codes.

    Args:
        prediction: the learner's letter.
        before: 5-NN test accuracy on the stacked autoencoder's codes, measured in the chapter.
        after: the same on the codes multiplied by a random rotation.

    Returns:
        Verdict.
    """
    measured = f"Measured: 5-NN accuracy {before:.3f} on the codes, {after:.3f} on the rotated codes."
    return check_prediction(prediction, ROTATION_CHOICES, rotation_outcome(before, after), measured)
