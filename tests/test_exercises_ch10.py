"""Checkers of Chapter 10."""

from types import SimpleNamespace

import numpy as np
import pytest

import companion as cp
from companion.exercises import ch10


# --- 10.1 precision@k written with keras.ops ---

import keras  # noqa: E402
from keras import ops  # noqa: E402


def precision_at_k(exclude="query", rank="euclidean", reduce=True, check_k=True, divide_by=None):
    """A learner's precision_at_k with keras.ops, right by default, with one mistake when asked."""

    def function(codes, labels, k):
        n = ops.shape(codes)[0]
        if check_k and k >= n:
            raise ValueError(f"k must be smaller than the number of codes ({n}). Received: k={k}")
        codes = ops.convert_to_tensor(codes, "float32")
        if rank == "cosine":
            unit = codes / ops.norm(codes, axis=1, keepdims=True)
            distances = 1.0 - ops.matmul(unit, ops.transpose(unit))
        else:
            squared = ops.sum(codes**2, axis=1)
            distances = squared[:, None] - 2 * ops.matmul(codes, ops.transpose(codes)) + squared[None, :]
        if exclude == "query":
            distances = ops.where(ops.eye(n) > 0, float("inf"), distances)
        elif exclude == "zero distance":
            distances = ops.where(distances < 1e-3, float("inf"), distances)
        _, nearest = ops.top_k(distances if rank == "farthest" else -distances, k)
        labels = ops.convert_to_tensor(labels)
        same = ops.cast(ops.take(labels, nearest) == labels[:, None], "float32")
        if divide_by is not None:
            return ops.sum(same) / (n * divide_by(k))
        return ops.mean(same) if reduce else ops.mean(same, axis=1)

    return function


def test_precision_at_k_accepts_the_solution():
    verdict = ch10.check_precision_at_k(precision_at_k())
    assert verdict.status == "correct", verdict.message


@pytest.mark.answer_key
def test_precision_at_k_accepts_the_reference():
    assert ch10.check_precision_at_k(lambda c, l, k: cp.precision_at_k(c, l, k=k)).status == "correct"


def numpy_precision(codes, labels, k):
    if k >= len(codes):
        raise ValueError("k too large")
    distances = np.linalg.norm(codes[:, None] - codes[None], axis=-1)
    np.fill_diagonal(distances, np.inf)
    return np.mean(labels[np.argsort(distances, axis=1)[:, :k]] == labels[:, None])


def test_precision_at_k_in_numpy_is_accepted_too():
    assert ch10.check_precision_at_k(numpy_precision).status == "correct"


@pytest.mark.parametrize(
    "answer, words",
    [
        (precision_at_k(exclude=None), "your score counts each query as its own neighbour"),
        (precision_at_k(exclude="zero distance"), "it leaves out every code at distance 0, not only the query"),
        (precision_at_k(rank="farthest"), "retrieves the farthest codes, not the nearest"),
        (precision_at_k(rank="cosine"), "ranks the codes by cosine similarity"),
        (precision_at_k(reduce=False), "returns one value per query (40): the score is their mean, one number"),
        (precision_at_k(check_k=False), "so it should raise a ValueError instead of returning a score"),
        (precision_at_k(divide_by=lambda k: k + 1), "it divides by 6 retrieved codes where 5 are retrieved"),
        (lambda c, l, k: 5 * numpy_precision(c, l, k), "outside [0, 1]"),
        (lambda c, l, k: numpy_precision(c, l, k) - 0.01, "where the reference's is"),
        (lambda c, l, k: "0.5", "must return one number"),
        (lambda c, l, k: None, "did you forget `return`"),
        (lambda c, l: 0.5, "raised TypeError"),
        ("precision", ": a function. Received"),
    ],
    ids=["query included", "duplicates left out", "farthest", "cosine", "per query", "any k", "k + 1",
         "above one", "off", "text", "none", "two arguments", "string"],
)
def test_precision_at_k_names_what_differs(answer, words):
    verdict = ch10.check_precision_at_k(answer)
    assert verdict.status == "wrong" and words in verdict.message, verdict.message


def test_precision_at_k_that_raises_another_error_for_a_large_k():
    def index_error(codes, labels, k):
        if k >= len(codes):
            raise IndexError("out of range")
        return numpy_precision(codes, labels, k)

    verdict = ch10.check_precision_at_k(index_error)
    assert verdict.status == "wrong" and "raised IndexError; with only 5 other codes" in verdict.message


def not_implemented(codes, labels, k):
    raise NotImplementedError  # your code here


def empty(codes, labels, k):
    """Nothing yet."""


@pytest.mark.parametrize("answer, words", [(..., "write `precision_at_k(codes, labels, k)`"),
                                           (None, "write `precision_at_k"),
                                           (not_implemented, "reached `raise NotImplementedError`"),
                                           (empty, "is still empty")])
def test_precision_at_k_unattempted(answer, words):
    verdict = ch10.check_precision_at_k(answer)
    assert verdict.status == "unattempted" and words in verdict.message, verdict.message


# --- 10.2 the precision of random codes ---


@pytest.mark.parametrize("answer, status, words", [
    (99 / 999, "correct", "99 of which"),
    (0.0991, "correct", "A learned code must beat this"),
    (0.1, "wrong", "if a query could retrieve itself"),
    (100 / 999, "wrong", "the images a query can retrieve are the others"),
    (0.99, "wrong", "another digit"),
    (0.5, "wrong", "is not it"),
    (..., "unattempted", "replace"),
    ("0.1", "wrong", "Expected a number"),
])
def test_chance_precision(answer, status, words):
    verdict = ch10.check_chance_precision(answer)
    assert verdict.status == status and words in verdict.message, verdict.message


def test_statements_key_is_sealed():
    assert isinstance(ch10._TRUE_STATEMENTS, ch10.SealedLetters)
    verdict = ch10.check_code_statements("ac")
    assert "(a) is true: the autoencoder learns" in verdict.message and "(d) is false: t-SNE" in verdict.message


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
    monkeypatch.setattr(ch10, "code_test_digits", lambda: (images, labels))
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


# --- 10.5 a prediction, checked against the measured accuracies ---


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
    "answer, status, words",
    [
        ("b", "correct", "your prediction held: (b) The same"),
        ("b", "correct", "Measured: 5-NN accuracy 0.912 on the codes, 0.912 on the rotated codes."),
        ("a", "wrong", "your prediction (a) did not hold. The experiment measured:"),
        ("(C)", "wrong", "your prediction (c) did not hold"),
        ("d", "wrong", 'one of "a", "b" or "c"'),
        (2, "wrong", "Expected one letter"),
        (..., "unattempted", "write your prediction first"),
    ],
)
def test_rotation_prediction(answer, status, words):
    verdict = ch10.check_rotation_prediction(answer, 0.912, 0.912)
    assert verdict.status == status and words in verdict.message, verdict.message


def test_rotation_prediction_asks_for_the_measurements():
    verdict = ch10.check_rotation_prediction("b", None, 0.9)
    assert verdict.status == "wrong" and "pass `before`" in verdict.message, verdict.message
    verdict = ch10.check_rotation_prediction("b", 0.9, 91.0)
    assert verdict.status == "wrong" and "pass `after`" in verdict.message, verdict.message
