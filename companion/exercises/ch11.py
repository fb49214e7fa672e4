"""Checkers for the exercises of Chapter 11 (anomaly and out-of-distribution detection)."""

import math

import numpy as np
from sklearn.metrics import roc_auc_score

from companion.exercises._measure import held_out_mnist, not_a_model, reconstruct
from companion.exercises._verdict import (
    call_for_number,
    check_letters,
    check_number,
    check_prediction,
    checker,
    correct,
    wrong,
)

DETECTOR_CLASS = 0  # Exercise 11.5: the normal digit
DETECTOR_TARGET = 0.95  # its AUROC against the other nine digits
DETECTOR_TEST_IMAGES = 2000  # the last test images of MNIST: never seen in training

_TRUE_STATEMENTS = frozenset("bd")
_REREAD = (  # the sections the statements test
    "Scores and the AUROC",
    "Choosing a threshold",
    "When a likelihood is not a novelty score",
)
_STATEMENT_EXPLANATIONS = {
    "a": "(a) is false: the AUROC does not depend on any threshold; it is the probability "
    "that a random anomaly scores higher than a random normal image.",
    "b": "(b) is true: a threshold chosen on the test set has seen the answers; its false "
    "positive rate on new images would be higher than the one it was tuned to.",
    "c": "(c) is false: an AUROC of 0.3 ranks the wrong way round; the score is informative, "
    "and its negation has an AUROC of 0.7.",
    "d": "(d) is true: a likelihood also measures how simple an image is, and a simple "
    "image, such as a black one, can be more likely than any training image.",
    "e": "(e) is false: the threshold fixes the false positive rate on normal images only; "
    "precision also depends on how many anomalies there are, which it cannot control.",
}


@checker
def check_auroc_by_hand(answer):
    """Exercise 11.1: the AUROC of normal scores 1, 2, 3 against anomalous scores 2.5 and 4.

    Args:
        answer: the learner's number.

    Returns:
        Verdict.
    """
    hints = [
        (1 / 6, "that is the share of pairs where the normal image scores higher; the AUROC "
                "counts the pairs where the anomaly does."),
        (5.0, "divide the count of well-ordered pairs by the number of pairs, 3 x 2 = 6."),
        (2 / 3, "2.5 beats 1 and 2, and 4 beats all three: 5 of the 6 pairs."),
    ]
    return check_number(answer, 5 / 6, 1e-3, hints,
                        "5 of the 3 x 2 = 6 (normal, anomaly) pairs are ordered right: 5/6 = 0.833.")


@checker
def check_auroc_function(auroc):
    """Exercise 11.2: ``auroc(normal_scores, anomalous_scores)`` from pairs, ties counted half.

    Args:
        auroc: the learner's function of two 1-D arrays.

    Returns:
        Verdict.
    """
    rng = np.random.default_rng(11)
    normal = rng.integers(0, 8, size=40).astype("float64")  # integers: ties on purpose
    anomalous = rng.integers(3, 12, size=25).astype("float64")
    signature = "auroc(normal_scores, anomalous_scores)"
    value, verdict = call_for_number(auroc, signature, (normal.copy(), anomalous.copy()))
    if verdict is not None:
        return verdict
    labels = np.r_[np.zeros(normal.size), np.ones(anomalous.size)]
    expected = roc_auc_score(labels, np.r_[normal, anomalous])
    differences = anomalous[None, :] - normal[:, None]
    if math.isclose(value, expected, abs_tol=1e-9):
        return correct(f"{value:.4f}, as sklearn.metrics.roc_auc_score gives.")
    if math.isclose(value, 1 - expected, abs_tol=1e-9):
        return wrong("the order is reversed: count the pairs where the anomaly scores higher.")
    if math.isclose(value, np.mean(differences > 0), abs_tol=1e-9):
        return wrong("ties are missing: a pair with equal scores counts one half.")
    if math.isclose(value, np.mean(differences >= 0), abs_tol=1e-9):
        return wrong("ties count one half, not one.")
    if math.isclose(value, np.sum(differences > 0) + 0.5 * np.sum(differences == 0), abs_tol=1e-6):
        return wrong("divide by the number of pairs, len(normal_scores) * len(anomalous_scores).")
    return wrong(f"got {value:.4g} on the checker's scores. Compare every anomalous score with every "
                 "normal one: the AUROC is the share of pairs the scores order right, a tie counting "
                 "one half.")


@checker
def check_threshold_statements(answer):
    """Exercise 11.3: which statements (a)-(e) about scores and thresholds are true.

    Args:
        answer: the letters of the true statements.

    Returns:
        Verdict.
    """
    return check_letters(answer, "abcde", _TRUE_STATEMENTS, _STATEMENT_EXPLANATIONS, _REREAD)


@checker
def check_complexity_score(answer):
    """Exercise 11.4: a negative ELBO of 208 nats minus a PNG file of 35 bytes, in bits.

    Args:
        answer: the learner's number, in bits.

    Returns:
        Verdict.
    """
    nll_bits = 208 / math.log(2)
    hints = [
        (208 - 280, "convert the negative ELBO to bits first: divide the nats by ln 2."),
        (nll_bits - 35, "the PNG's length is in bytes: multiply by 8 for bits."),
        (208 * math.log(2) - 280, "nats to bits is a division by ln 2, not a multiplication."),
        (280 - nll_bits, "the score is the model's bits minus the compressor's bits, not the other way."),
    ]
    return check_number(answer, nll_bits - 280, 0.05, hints,
                        f"208 / ln 2 = {nll_bits:.1f} bits, minus 35 x 8 = 280 bits: "
                        f"{nll_bits - 280:.1f} bits.")


def held_out_digits():
    """The last test images of MNIST and their labels, as the checker of Exercise 11.5 reads them."""
    return held_out_mnist(DETECTOR_TEST_IMAGES)


@checker
def check_digit_detector(model):
    """Exercise 11.5: an autoencoder trained on zeros that flags the other digits.

    The checker loads held-out test digits itself, reconstructs them with
    ``model`` and scores each by its squared reconstruction error; it accepts
    the model when the AUROC with 0 as the normal class reaches the target. It
    feeds the images in the shape the model expects: ``(28, 28)``,
    ``(28, 28, 1)`` or ``(784,)``.

    Args:
        model: the learner's trained autoencoder.

    Returns:
        Verdict, with the measured AUROC next to the target.
    """
    verdict = not_a_model(model, "an autoencoder trained on the zeros")
    if verdict is not None:
        return verdict
    images, labels = held_out_digits()
    reconstructions = reconstruct(model, images)
    errors = ((images.reshape(len(images), -1) - reconstructions) ** 2).sum(axis=1)
    auroc = roc_auc_score(labels != DETECTOR_CLASS, errors)
    measured = f"AUROC {auroc:.2f} (target {DETECTOR_TARGET:.2f})"
    if auroc >= DETECTOR_TARGET:
        return correct(f"{measured} on {len(images):,} held-out test digits, with 0 as the normal class.")
    if auroc < 0.5:
        return wrong(f"{measured}: the other digits are reconstructed better than the zeros. Train on "
                     "the zeros only (cp.one_class_split) and score by the reconstruction error.")
    return wrong(f"{measured}. Usual causes: a model not trained, or trained on every digit rather "
                 "than the zeros only, too few epochs, or pixels not scaled to [0, 1].")


# --- exercise 11.6: a prediction, checked against the experiment ---

FASHION_PCA_CHOICES = {
    "a": "It makes the likelihood's mistake: the digits are simpler, so they are reconstructed better "
    "than the clothes (AUROC below 0.5).",
    "b": "It barely tells them apart (AUROC between 0.5 and 0.9).",
    "c": "It flags the digits (AUROC above 0.9): their strokes lie outside the subspace of the clothes.",
}


def fashion_pca_outcome(auroc):
    """Exercise 11.6: the letter of ``FASHION_PCA_CHOICES`` that the measured AUROC gives."""
    if auroc < 0.5:
        return "a"
    return "b" if auroc <= 0.9 else "c"


@checker
def check_fashion_pca_prediction(prediction, auroc):
    """Exercise 11.6: the learner's prediction of a Fashion-MNIST PCA's AUROC with MNIST as the outlier.

    Args:
        prediction: the learner's letter.
        auroc: the AUROC of the PCA's reconstruction error, measured in the chapter.

    Returns:
        Verdict.
    """
    measured = f"Measured: AUROC {auroc:.3f} of the squared reconstruction error, MNIST as the outlier."
    return check_prediction(prediction, FASHION_PCA_CHOICES, fashion_pca_outcome(auroc), measured)
