"""Checkers of Chapter 11."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

import companion as cp
from companion.exercises import ch11

# --- 11.1 the detector written by the learner ---

import keras  # noqa: E402


class Detector:
    """A learner's AnomalyDetector, right."""

    def __init__(self, autoencoder, fpr=0.05):
        self.autoencoder, self.fpr, self.threshold = autoencoder, fpr, None

    def scores(self, images):
        ops = keras.ops
        images = ops.convert_to_tensor(images, "float32")
        errors = ops.square(images - self.autoencoder(images))
        return ops.sum(ops.reshape(errors, (ops.shape(images)[0], -1)), axis=1)

    def fit(self, normal_images):
        scores = np.sort(keras.ops.convert_to_numpy(self.scores(normal_images)))
        self.threshold = scores[len(scores) - int(np.floor(self.fpr * len(scores))) - 1]
        return self

    def flag(self, images):
        return keras.ops.convert_to_numpy(self.scores(images)) > self.threshold


def test_detector_accepts_the_solution_and_the_package_functions():
    verdict = ch11.check_anomaly_detector(Detector)
    assert verdict.status == "correct", verdict.message

    class WithPackage(Detector):
        def scores(self, images):
            return cp.anomaly_scores(self.autoencoder, images)

        def fit(self, normal_images):
            self.threshold = cp.threshold_at_fpr(self.scores(normal_images), self.fpr)

    assert ch11.check_anomaly_detector(WithPackage).status == "correct"


class MeanScore(Detector):
    def scores(self, images):
        return keras.ops.mean(keras.ops.reshape(keras.ops.square(keras.ops.subtract(images, self.autoencoder(images))),
                                                (len(images), -1)), axis=1)


class BatchScore(Detector):
    def scores(self, images):
        return keras.ops.sum(keras.ops.square(keras.ops.subtract(images, self.autoencoder(images))))


class PixelScore(Detector):
    def scores(self, images):
        return keras.ops.square(keras.ops.subtract(images, self.autoencoder(images)))


class FlagsBelow(Detector):
    def flag(self, images):
        return keras.ops.convert_to_numpy(self.scores(images)) < self.threshold


class LowQuantile(Detector):
    def fit(self, normal_images):
        self.threshold = np.quantile(keras.ops.convert_to_numpy(self.scores(normal_images)), self.fpr)


class HighestScore(Detector):
    def fit(self, normal_images):
        self.threshold = np.max(keras.ops.convert_to_numpy(self.scores(normal_images)))


class TooLow(Detector):
    def fit(self, normal_images):
        self.threshold = np.quantile(keras.ops.convert_to_numpy(self.scores(normal_images)), 0.8)


class RefitsOnFlag(Detector):
    def flag(self, images):
        self.fit(images)
        return super().flag(images)


class NoFlag:
    def __init__(self, autoencoder, fpr):
        pass

    def scores(self, images):
        return np.zeros(len(images))

    def fit(self, images):
        pass


@pytest.mark.parametrize("answer, words", [
    (MeanScore, "with images of shape (7, 784), the score of each image is too small by a factor of 784"),
    (BatchScore, "returns one number: one score per batch instead of per image (7)"),
    (PixelScore, "one score per pixel"),
    (FlagsBelow, "flags 89.5% of them: you flag the normal images"),
    (LowQuantile, "flags 90.0% of them: you flag the normal images"),
    (HighestScore, "flags 0.0% of them, where 10% were allowed: the threshold is higher than it needs to be"),
    (TooLow, "flags 20.0% of them, more than the 10% false positives allowed"),
    (RefitsOnFlag, "does flag choose its threshold again on the images it is given"),
    (NoFlag, "has no method `flag`"),
    (lambda autoencoder: None, "raised TypeError"),
    ("AnomalyDetector", "Expected the class `AnomalyDetector`"),
], ids=["mean", "per batch", "per pixel", "flags below", "low quantile", "highest score", "too many",
        "refits", "no flag", "one argument", "text"])
def test_detector_names_what_differs(answer, words):
    verdict = ch11.check_anomaly_detector(answer)
    assert verdict.status == "wrong" and words in verdict.message, verdict.message


class Scaffold:
    def __init__(self, autoencoder, fpr=0.05):
        raise NotImplementedError  # your code here


class ScoresLeft(Detector):
    def scores(self, images):
        raise NotImplementedError  # your code here


@pytest.mark.parametrize("answer, words", [(..., "write `AnomalyDetector(autoencoder, fpr)`"),
                                           (Scaffold, "reached `raise NotImplementedError`"),
                                           (ScoresLeft, "replace `raise NotImplementedError`")])
def test_detector_unattempted(answer, words):
    verdict = ch11.check_anomaly_detector(answer)
    assert verdict.status == "unattempted" and words in verdict.message, verdict.message


# --- 11.2 AUROC from pairs ---


def right_auroc(normal, anomalous):
    differences = np.asarray(anomalous)[None, :] - np.asarray(normal)[:, None]
    return np.mean(differences > 0) + 0.5 * np.mean(differences == 0)


def test_auroc_function_right():
    assert ch11.check_auroc_function(right_auroc).status == "correct"
    sklearn_way = lambda n, a: roc_auc_score(np.r_[np.zeros(len(n)), np.ones(len(a))], np.r_[n, a])  # noqa: E731
    assert ch11.check_auroc_function(sklearn_way).status == "correct"
    assert ch11.check_auroc_function(...).status == "unattempted"


@pytest.mark.parametrize(
    "function, hint",
    [
        (lambda n, a: 1 - right_auroc(n, a), "order is reversed"),
        (lambda n, a: np.mean(a[None, :] > n[:, None]), "ties are missing"),
        (lambda n, a: np.mean(a[None, :] >= n[:, None]), "ties count one half"),
        (lambda n, a: right_auroc(n, a) * len(n) * len(a), "divide by the number of pairs"),
        (lambda n, a: 0.5, "share of pairs"),
        (lambda n, a: [0.5, 0.5], "one number"),
        (lambda n, a: float("nan"), "finite"),
        (lambda n, a: None, "forget `return`"),
        (lambda n, a: "0.8", "one number"),
        (lambda n: 0.5, "raised TypeError"),
        ("auroc", ": a function. Received"),
    ],
)
def test_auroc_function_wrong(function, hint):
    verdict = ch11.check_auroc_function(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


# --- 11.3 statements ---


def test_statements():
    assert ch11.check_threshold_statements({"b", "d"}).status == "correct"
    assert ch11.check_threshold_statements("db").status == "correct"
    assert ch11.check_threshold_statements(...).status == "unattempted"
    verdict = ch11.check_threshold_statements("abd")
    assert verdict.status == "wrong" and "Re-read" in verdict.message
    assert ch11.check_threshold_statements(3.5).status == "wrong"
    assert ch11.check_threshold_statements({"z"}).status == "wrong"


# --- 11.4 complexity-corrected score ---


@pytest.mark.parametrize(
    "answer, status, hint",
    [
        (208 / np.log(2) - 280, "correct", "bits"),
        (20.1, "correct", "bits"),
        (-72, "wrong", "divide the nats by ln 2"),
        (208 / np.log(2) - 35, "wrong", "multiply by 8"),
        (208 * np.log(2) - 280, "wrong", "not a multiplication"),
        (280 - 208 / np.log(2), "wrong", "not the other way"),
        (1e3, "wrong", "Check the formula"),
        ([20.1], "wrong", "Expected a number"),
        (20 + 1j, "wrong", "real number"),
        (..., "unattempted", "replace"),
    ],
)
def test_complexity_score(answer, status, hint):
    verdict = ch11.check_complexity_score(answer)
    assert verdict.status == status and hint in verdict.message, verdict.message


# --- 11.5 a trained detector, measured on held-out digits ---

PATTERN = np.random.default_rng(0).uniform(size=(28, 28)).astype("float32")


@pytest.fixture
def held_out(monkeypatch):
    """Synthetic held-out digits: the zeros are one pattern plus a little noise, the others random images."""
    rng = np.random.default_rng(1)
    labels = np.repeat(np.arange(10), 20)
    images = rng.uniform(size=(200, 28, 28)).astype("float32")
    zeros = labels == 0
    images[zeros] = np.clip(PATTERN + 0.05 * rng.normal(size=(zeros.sum(), 28, 28)), 0, 1)
    monkeypatch.setattr(ch11, "detector_test_digits", lambda: (images, labels))
    return images, labels


def knows_the_zeros(batch):
    """A perfect detector of the synthetic zeros: it reconstructs every image as the zeros' pattern."""
    return np.broadcast_to(PATTERN.reshape(batch.shape[1:]), batch.shape).copy()


def test_a_detector_of_the_zeros_passes_with_its_auroc(held_out):
    verdict = ch11.check_digit_detector(knows_the_zeros)
    assert verdict.status == "correct", verdict.message
    assert "AUROC 1.00 (target 0.95)" in verdict.message


def test_the_model_gets_the_images_in_its_own_input_shape(held_out):
    import keras

    def pattern_model(shape):  # outputs the zeros' pattern, whatever the input, in the input's shape
        pattern = keras.ops.convert_to_tensor(PATTERN.reshape((1, *shape)))
        return keras.Sequential([keras.Input(shape), keras.layers.Lambda(lambda x: 0 * x + pattern)])

    flat = pattern_model((784,))
    assert ch11.check_digit_detector(flat).status == "correct"
    channels = pattern_model((28, 28, 1))
    assert ch11.check_digit_detector(channels).status == "correct"


def test_an_untrained_autoencoder_is_rejected_with_its_auroc(held_out):
    cp.seed_everything(0)
    untrained = cp.build_stacked_autoencoder((28, 28), 8, hidden_sizes=(32,))
    verdict = ch11.check_digit_detector(untrained)
    assert verdict.status == "wrong" and "target 0.95" in verdict.message, verdict.message
    assert "not trained" in verdict.message or "reconstructed better" in verdict.message


def test_a_detector_that_flags_the_zeros_is_told_so(held_out):
    def flips_the_zeros(batch):  # reconstructs every image well except those close to the zeros' pattern
        return np.where(np.abs(batch - PATTERN) < 0.2, 1 - batch, batch)

    verdict = ch11.check_digit_detector(flips_the_zeros)
    assert verdict.status == "wrong" and "reconstructed better" in verdict.message, verdict.message


def raises(batch):
    raise RuntimeError("out of memory")


@pytest.mark.parametrize(
    "model, hint",
    [
        ("model", "Expected an autoencoder trained on the zeros (a Keras model)"),
        (42, "Expected an autoencoder trained on the zeros (a Keras model)"),
        ([knows_the_zeros], "Received: [<function"),
        (raises, "raised RuntimeError: out of memory"),
        (lambda batch: batch[:, :10], "image of the input's size"),
        (lambda batch: batch[:5], "one output per image (200)"),
        (lambda batch: np.full(batch.shape, np.nan), "NaN"),
        (lambda batch: np.full(batch.shape, np.inf), "NaN or infinite"),
        (lambda batch: None, "array of numbers"),
        (lambda batch: "images", "array of numbers"),
        (lambda batch: batch.astype(str), "array of numbers"),
        (lambda batch: batch, "AUROC 0.50"),  # the identity reconstructs everything: no detector
        (lambda batch: np.zeros_like(batch), "AUROC"),  # the all-black baseline
    ],
    ids=["string", "number", "list", "raises", "wrong output shape", "too few outputs", "nan", "inf", "none",
         "text", "strings", "identity", "black"],
)
def test_bad_detectors_get_a_verdict_not_an_exception(held_out, model, hint):
    verdict = ch11.check_digit_detector(model)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def test_a_model_with_the_wrong_input_shape_is_explained(held_out):
    model = cp.build_stacked_autoencoder((100,), 4, hidden_sizes=())
    verdict = ch11.check_digit_detector(model)
    assert verdict.status == "wrong" and "takes inputs of shape (100,)" in verdict.message


@pytest.mark.parametrize("answer", [..., None])
def test_detector_not_attempted(held_out, answer):
    assert ch11.check_digit_detector(answer).status == "unattempted"


# --- 11.6 a prediction, checked against the measured AUROC ---


@pytest.mark.parametrize("auroc, outcome", [(0.2, "a"), (0.499, "a"), (0.5, "b"), (0.9, "b"), (0.91, "c"), (1.0, "c")])
def test_fashion_pca_outcome_follows_the_measurement(auroc, outcome):
    assert ch11.fashion_pca_outcome(auroc) == outcome


@pytest.mark.parametrize(
    "answer, auroc, status, words",
    [
        ("c", 0.97, "correct", "your prediction held: (c) It flags the digits"),
        ("a", 0.97, "wrong", "your prediction (a) did not hold. The experiment measured:"),
        ("a", 0.3, "correct", "Measured: AUROC 0.300"),
        ("z", 0.97, "wrong", 'one of "a", "b" or "c"'),
        (["c"], 0.97, "wrong", "Expected one letter"),
        (None, 0.97, "unattempted", "write your prediction first"),
    ],
)
def test_fashion_pca_prediction(answer, auroc, status, words):
    verdict = ch11.check_fashion_pca_prediction(answer, auroc)
    assert verdict.status == status and words in verdict.message, verdict.message


def test_fashion_pca_prediction_asks_for_the_measurement():
    verdict = ch11.check_fashion_pca_prediction("c", None)
    assert verdict.status == "wrong" and "pass `pca_auroc`" in verdict.message, verdict.message


def test_statements_key_is_sealed():
    assert isinstance(ch11._TRUE_STATEMENTS, ch11.SealedLetters)
    verdict = ch11.check_threshold_statements("bd")
    assert "(a) is false: the AUROC" in verdict.message and "(d) is true: a likelihood" in verdict.message
