"""Checkers for the exercises of Chapter 11 (anomaly and out-of-distribution detection)."""

import math

import numpy as np
from sklearn.metrics import roc_auc_score

from companion.exercises._build_it import describe_difference
from companion.exercises._measure import held_out_digits, not_a_model, pixel_mse, reconstruct
from companion.exercises._verdict import (
    SealedLetters,
    check_letters,
    check_number,
    check_prediction,
    checker,
    correct,
    end_check,
    is_unattempted,
    learner_code,
    learner_result,
    read_array,
    read_number,
    shown,
    unattempted,
    validate_measurement,
    wrong,
)

DETECTOR_CLASS = 0  # Exercise 11.5: the normal digit
DETECTOR_TARGET = 0.95  # its AUROC against the other nine digits
DETECTOR_TEST_IMAGES = 2000  # the last test images of MNIST: never seen in training

_TRUE_STATEMENTS = SealedLetters("ch11.statements", "3a243cf1665f81adcdaf3da67b4c40c8ae0ce2b4cc90175ca135043c06737161")
_REREAD = (  # the sections the statements test
    "Scores and the AUROC",
    "Choosing a threshold",
    "When a likelihood is not a novelty score",
)
_STATEMENT_EXPLANATIONS = {
    "a": "the AUROC does not depend on any threshold; it is the probability "
    "that a random anomaly scores higher than a random normal image.",
    "b": "a threshold chosen on the test set has seen the answers; its false "
    "positive rate on new images would be higher than the one it was tuned to.",
    "c": "an AUROC of 0.3 ranks the wrong way round; the score is informative, "
    "and its negation has an AUROC of 0.7.",
    "d": "a likelihood also measures how simple an image is, and a simple "
    "image, such as a black one, can be more likely than any training image.",
    "e": "the threshold fixes the false positive rate on normal images only; "
    "precision also depends on how many anomalies there are, which it cannot control.",
}

# --- exercise 11.1: the detector written by the learner ---

DETECTOR_SIGNATURE = "AnomalyDetector(autoencoder, fpr)"
_SCORE_SHAPES = ((7, 784), (1, 28, 28), (5, 28, 28, 1))
_VALIDATION_IMAGES = 200
_REQUESTED_RATES = (0.1, 0.05)


def _toy_autoencoder():
    """A fixed 'autoencoder' for any image shape: it pulls every pixel towards a soft 0 or 1."""
    import keras

    class ToyAutoencoder(keras.Model):
        def call(self, images):
            return 0.9 * keras.ops.sigmoid(20.0 * (images - 0.5)) + 0.05

    return ToyAutoencoder(name="checkers_autoencoder")


def _reference_scores(images):
    x = images.reshape(len(images), -1).astype("float64")
    reconstructions = 0.9 / (1.0 + np.exp(-20.0 * (x - 0.5))) + 0.05
    return np.sum((x - reconstructions) ** 2, axis=1)


def _normal_images(n, seed):
    """'Normal' images: pixels near 0 or 1, which the toy autoencoder keeps; a little noise spreads the scores."""
    rng = np.random.default_rng(seed)
    pixels = (rng.uniform(size=(n, 28, 28)) < 0.2).astype("float32")
    noise = rng.uniform(0.0, 0.25, size=(n, 1, 1)) * rng.uniform(-1, 1, size=(n, 28, 28))
    return np.clip(pixels + noise, 0.0, 1.0).astype("float32")


def _anomalies(n, seed):
    """Images of dark grey noise: far from the normal ones, their scores are much higher."""
    return np.random.default_rng(seed).uniform(0.2, 0.4, size=(n, 28, 28)).astype("float32")


def _as_numpy(value, doing):
    import keras

    with learner_code(doing):
        try:
            return keras.ops.convert_to_numpy(value)
        except Exception:  # not a tensor: read_array says what it is
            return value


def _build_detector(answer, fpr):
    if is_unattempted(answer):
        end_check(unattempted(f"write `{DETECTOR_SIGNATURE}`, run its cell, then pass the class to the checker."))
    if not callable(answer):
        end_check(wrong(f"Expected the class `AnomalyDetector`. Received: {shown(answer)} of type "
                        f"{type(answer).__name__}."))
    with learner_code(f"building AnomalyDetector(autoencoder, fpr={fpr})"):
        detector = answer(_toy_autoencoder(), fpr)
    for method in ("scores", "fit", "flag"):
        with learner_code(f"reading the method `{method}` of your AnomalyDetector"):
            found = callable(getattr(detector, method, None))
        if not found:
            end_check(wrong(f"your AnomalyDetector has no method `{method}`: it needs scores, fit and flag."))
    return detector


def _check_scores(detector):
    for shape in _SCORE_SHAPES:
        images = np.random.default_rng(len(shape) + shape[0]).uniform(size=shape).astype("float32")
        signature = f"detector.scores(images of shape {shape})"
        result = _as_numpy(learner_result(detector.scores, signature, (images.copy(),)), f"reading {signature}")
        scores = read_array(result, signature)
        expected = _reference_scores(images)
        n = shape[0]
        if scores.size == 1 and n > 1:
            end_check(wrong(f"{signature} returns one number: one score per batch instead of per image ({n})."))
        if scores.shape != (n,) and scores.size == images.size:
            end_check(wrong(f"{signature} returns shape {scores.shape}: one score per pixel, where each image "
                            "gets one score."))
        if scores.shape != (n,):
            end_check(wrong(f"{signature} should return one score per image, shape ({n},). Received: "
                            f"{scores.shape}."))
        difference = describe_difference(scores, expected, rtol=1e-4, atol=1e-5, what="the score of each image")
        if difference is not None:
            end_check(wrong(f"with images of shape {shape}, {difference} (the score of an image is its squared "
                            "reconstruction error, as in the chapter)."))


def _flags(detector, images, doing):
    signature = f"detector.flag({doing})"
    result = _as_numpy(learner_result(detector.flag, signature, (images.copy(),)), f"reading {signature}")
    flags = read_array(result, signature, shape=(len(images),))
    if not np.all((flags == 0) | (flags == 1)):
        end_check(wrong(f"{signature} should give True or False for each image. Received: {shown(result)}."))
    return flags.astype(bool)


def _check_threshold(answer, fpr, seed):
    detector = _build_detector(answer, fpr)
    validation = _normal_images(_VALIDATION_IMAGES, seed)
    learner_result(detector.fit, f"detector.fit(normal validation images), fpr={fpr}", (validation.copy(),))
    flagged = float(np.mean(_flags(detector, validation, "the same normal validation images")))
    allowed, step = fpr, 1.0 / _VALIDATION_IMAGES
    where = (f"with fpr={fpr}, fitted on {_VALIDATION_IMAGES} normal validation images, your detector flags "
             f"{flagged:.1%} of them")
    if flagged >= 1 - allowed - step:
        end_check(wrong(f"{where}: you flag the normal images. An image is an anomaly when its score is high."))
    if flagged > allowed + 1e-9:
        end_check(wrong(f"{where}, more than the {allowed:.0%} false positives allowed."))
    if flagged < allowed - step - 1e-9:
        end_check(wrong(f"{where}, where {allowed:.0%} were allowed: the threshold is higher than it needs to be, "
                        "so it lets through anomalies it could catch."))
    anomalies = _anomalies(50, seed)
    caught = float(np.mean(_flags(detector, anomalies, "images far from the normal ones")))
    if caught < 0.9:
        end_check(wrong(f"with fpr={fpr}, your detector flags only {caught:.0%} of 50 images whose scores are far "
                        "above every normal validation score: does flag choose its threshold again on the images "
                        "it is given, rather than use the one fit chose?"))


@checker
def check_anomaly_detector(answer):
    """Exercise 11.1: the learner's ``AnomalyDetector(autoencoder, fpr)``.

    ``scores(images)`` gives each image's squared reconstruction error by the
    autoencoder; ``fit(normal_images)`` chooses the
    threshold on normal validation images so that at most a share ``fpr`` of
    them is flagged; ``flag(images)`` says, for each image, whether its score
    is above the threshold. The checker gives it an autoencoder of its own,
    compares the scores with its own on batches of three shapes, and measures
    the share of normal validation images flagged for two values of ``fpr``.

    Args:
        answer: the learner's class.

    Returns:
        Verdict: what differs, measured, when something does.
    """
    _check_scores(_build_detector(answer, _REQUESTED_RATES[0]))
    for seed, fpr in enumerate(_REQUESTED_RATES):
        _check_threshold(answer, fpr, seed)
    return correct("your AnomalyDetector scores images of three shapes as the chapter does, and its threshold "
                   "flags as many normal validation images as the false positive rate allows, no more, for two "
                   "rates.")


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
    value = read_number(learner_result(auroc, signature, (normal.copy(), anomalous.copy())), signature)
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


def detector_test_digits():
    """The last test images of MNIST and their labels, as the checker of Exercise 11.5 reads them."""
    return held_out_digits(DETECTOR_TEST_IMAGES)


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
    images, labels = detector_test_digits()
    reconstructions = reconstruct(model, images)
    errors = pixel_mse(images, reconstructions, per_image=True)  # ranks the images as the squared error does
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
def check_fashion_pca_prediction(answer, auroc):
    """Exercise 11.6: the learner's prediction of a Fashion-MNIST PCA's AUROC with MNIST as the outlier.

    Args:
        answer: the learner's letter, made before the experiment.
        auroc: the AUROC of the PCA's reconstruction error, measured in the chapter.

    Returns:
        Verdict.
    """
    auroc = validate_measurement(auroc, "pca_auroc", expected="an AUROC in [0, 1]", low=0.0, high=1.0)
    measured = f"Measured: AUROC {auroc:.3f} of the squared reconstruction error, MNIST as the outlier."
    return check_prediction(answer, FASHION_PCA_CHOICES, fashion_pca_outcome(auroc), measured)
