"""Checkers of Chapter 10."""

from types import SimpleNamespace

import numpy as np
import pytest

import companion as cp
from companion.exercises import ch10


def test_precision_value():
    assert ch10.check_precision_value(0.7).status == "correct"
    assert ch10.check_precision_value(...).status == "unattempted"
    for answer, hint in ((7, "divide by the 10"), (0.3, "not the others"), (7 / 9, "query itself"),
                         (0.5, "Check the formula"), ("0.7", "Expected a number"), (float("nan"), "finite")):
        verdict = ch10.check_precision_value(answer)
        assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def test_graph_edges():
    assert ch10.check_graph_edges(100_000).status == "correct"
    assert ch10.check_graph_edges(None).status == "unattempted"
    for answer, hint in ((10_000, "10 neighbours"), (10**8, "every pair"), (123, "10 nearest"),
                         (1.5, "whole number"), ("many", "whole number")):
        verdict = ch10.check_graph_edges(answer)
        assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def right(codes, labels, k):
    distances = np.linalg.norm(codes[:, None] - codes[None], axis=-1)
    np.fill_diagonal(distances, np.inf)
    nearest = np.argsort(distances, axis=1)[:, :k]
    return np.mean(labels[nearest] == labels[:, None])


def with_query(codes, labels, k):
    distances = np.linalg.norm(codes[:, None] - codes[None], axis=-1)
    nearest = np.argsort(distances, axis=1)[:, :k]
    return np.mean(labels[nearest] == labels[:, None])


def test_precision_function_right():
    assert ch10.check_precision_function(right).status == "correct"
    assert ch10.check_precision_function(lambda c, l, k: cp.precision_at_k(c, l, k=k)).status == "correct"
    assert ch10.check_precision_function(...).status == "unattempted"


def raises(codes, labels, k):
    raise ValueError("oops")


def not_implemented(codes, labels, k):
    raise NotImplementedError


@pytest.mark.parametrize(
    "function, hint",
    [
        (with_query, "leave the query out"),
        (lambda c, l, k: 0.5, "is not it"),
        (lambda c, l, k: None, "forget `return`"),
        (lambda c, l, k: "high", "must return one number"),
        (lambda c, l, k: [0.1, 0.2], "must return one number"),
        (lambda c, l, k: float("nan"), "finite number"),
        (lambda c, l: 0.5, "raised TypeError"),
        (raises, "raised ValueError: oops"),
        ("precision", "Expected a function"),
    ],
    ids=["with-query", "constant", "none", "string", "shape", "nan", "signature", "raises", "not-callable"],
)
def test_precision_function_wrong(function, hint):
    verdict = ch10.check_precision_function(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def test_precision_function_not_implemented():
    assert ch10.check_precision_function(not_implemented).status == "unattempted"


def test_statements():
    assert ch10.check_code_statements("ac").status == "correct"
    assert ch10.check_code_statements({"c", "a"}).status == "correct"
    assert ch10.check_code_statements(...).status == "unattempted"
    verdict = ch10.check_code_statements("abc")
    assert verdict.status == "wrong" and "Re-read" in verdict.message
    assert ch10.check_code_statements(3.5).status == "wrong"


# --- the trained autoencoder: the checker's held-out digits are replaced by small synthetic ones ---


@pytest.fixture
def digits(monkeypatch):
    """1,000 'digits': 10 prototypes of 784 pixels in [0, 1], plus a little noise."""
    rng = np.random.default_rng(0)
    prototypes = (rng.random((10, 784)) < 0.2).astype("float32")
    labels = np.arange(1000) % 10
    images = np.clip(prototypes[labels] + rng.normal(0, 0.05, (1000, 784)), 0, 1).astype("float32")
    monkeypatch.setattr(ch10, "held_out_digits", lambda: (images, labels))
    return images, labels, prototypes


def principal_autoencoder(images, code_size=10):
    """A linear autoencoder whose weights are PCA's: the best linear one, without training."""
    model = cp.build_linear_autoencoder((784,), code_size)
    mean = images.mean(axis=0)
    _, _, vt = np.linalg.svd(images - mean, full_matrices=False)
    basis = vt[:code_size].T  # (784, code_size)
    model.encoder.get_layer("code").set_weights([basis, -mean @ basis])
    model.decoder.get_layer("reconstruction").set_weights([basis.T, mean])
    return model


def test_trained_autoencoder_right(digits):
    images, _, _ = digits
    verdict = ch10.check_trained_autoencoder(principal_autoencoder(images))
    assert verdict.status == "correct", verdict.message
    assert "squared error per image" in verdict.message and "needed: at most 20.0" in verdict.message


def test_trained_autoencoder_rejects_an_untrained_model(digits):
    untrained = cp.build_stacked_autoencoder((784,), 16, hidden_sizes=(64,))
    verdict = ch10.check_trained_autoencoder(untrained)
    assert verdict.status == "wrong"
    assert "needed: at most 20.0" in verdict.message and "Usual causes" in verdict.message


def fake_model(encode, decode=lambda codes: np.zeros((len(codes), 784))):
    """Stands in for a learner's model: only `encoder.predict` and `decoder.predict`."""
    return SimpleNamespace(encoder=SimpleNamespace(predict=lambda images, **options: encode(images)),
                           decoder=SimpleNamespace(predict=lambda codes, **options: decode(codes)))


def broken_layer(images):
    raise RuntimeError("broken layer")


@pytest.mark.parametrize(
    "answer, status, hint",
    [
        (..., "unattempted", "train an autoencoder"),
        (None, "unattempted", "train an autoencoder"),
        ("my model", "wrong", "Expected an autoencoder"),
        (42, "wrong", "Expected an autoencoder"),
        (fake_model(broken_layer), "wrong", "raised RuntimeError: broken layer"),
        (fake_model(lambda images: np.full((len(images), 8), np.nan)), "wrong", "NaN"),
        (fake_model(lambda images: np.zeros((len(images), 64))), "wrong", "at most 16"),
        (fake_model(lambda images: np.zeros((len(images), 8)), lambda codes: np.zeros((len(codes), 10))),
         "wrong", "one 784-pixel image per code"),
        (fake_model(lambda images: [np.zeros((len(images), 8))] * 2), "wrong", "squared error per image"),
    ],
    ids=["ellipsis", "none", "string", "number", "raises", "nan", "wide-codes", "wrong-output-shape", "vae-outputs"],
)
def test_trained_autoencoder_bad_answers(digits, answer, status, hint):
    verdict = ch10.check_trained_autoencoder(answer)
    assert verdict.status == status and hint in verdict.message, verdict.message


def test_trained_autoencoder_wrong_input_shape(digits):
    model = cp.build_stacked_autoencoder((100,), 8, hidden_sizes=())
    verdict = ch10.check_trained_autoencoder(model)
    assert verdict.status == "wrong" and "takes inputs of shape (100,)" in verdict.message, verdict.message


def test_image_shaped_models_are_accepted(digits):
    images, _, _ = digits
    model = cp.build_stacked_autoencoder((28, 28), 8, hidden_sizes=())
    verdict = ch10.check_trained_autoencoder(model)
    assert verdict.status == "wrong" and "squared error per image" in verdict.message, verdict.message


# --- 10.6 a prediction, checked against the measured accuracies ---


@pytest.mark.parametrize(
    "before, after, outcome",
    [(0.9, 0.9, "b"), (0.9, 0.901, "b"), (0.9, 0.899, "b"), (0.9, 0.85, "a"), (0.9, 0.95, "c")],
)
def test_rotation_outcome_follows_the_measurement(before, after, outcome):
    assert ch10.rotation_outcome(before, after) == outcome


def test_rotation_outcome_of_a_real_rotation_is_the_same_accuracy():
    rng = np.random.default_rng(0)
    codes, labels = rng.normal(size=(600, 8)), rng.integers(0, 3, size=600)
    codes[:, 0] += 2 * labels  # a class signal in one unit
    rotation, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    before = cp.knn_accuracy(codes[:300], labels[:300], codes[300:], labels[300:], k=5)
    after = cp.knn_accuracy(codes[:300] @ rotation, labels[:300], codes[300:] @ rotation, labels[300:], k=5)
    assert ch10.rotation_outcome(before, after) == "b"


@pytest.mark.parametrize(
    "prediction, status, words",
    [
        ("b", "correct", "your prediction held: (b) The same"),
        ("b", "correct", "Measured: 5-NN accuracy 0.912 on the codes, 0.912 on the rotated codes."),
        ("a", "wrong", "your prediction (a) did not hold. What happened: (b)"),
        ("(C)", "wrong", "your prediction (c) did not hold"),
        ("d", "wrong", 'one of "a", "b" or "c"'),
        (2, "wrong", "Expected one letter"),
        (..., "unattempted", "write your prediction first"),
    ],
)
def test_rotation_prediction(prediction, status, words):
    verdict = ch10.check_rotation_prediction(prediction, 0.912, 0.912)
    assert verdict.status == status and words in verdict.message, verdict.message
