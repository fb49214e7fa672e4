"""cp.encode, cp.linear_probe, cp.knn_accuracy, cp.precision_at_k, cp.label_spreading."""

import numpy as np
import pytest

import companion as cp


def blobs(n_per_class=30, classes=3, width=4, spread=0.3, seed=0):
    """Well separated clusters: one per class, centres on the axes."""
    rng = np.random.default_rng(seed)
    centres = 3.0 * np.eye(classes, width)
    labels = np.repeat(np.arange(classes), n_per_class)
    codes = centres[labels] + spread * rng.normal(size=(len(labels), width))
    order = rng.permutation(len(labels))
    return codes[order].astype("float32"), labels[order]


@pytest.fixture(scope="module")
def data():
    train = blobs(seed=0)
    test = blobs(n_per_class=20, seed=1)
    return train, test


def test_separable_codes_are_classified_perfectly(data):
    (x, y), (x_test, y_test) = data
    assert cp.linear_probe(x, y, x_test, y_test) == 1.0
    assert cp.linear_probe(x, y, x_test, y_test, standardize=False) == 1.0
    assert cp.knn_accuracy(x, y, x_test, y_test, k=5) == 1.0
    assert cp.precision_at_k(x_test, y_test, k=10) == 1.0


def test_random_labels_are_near_chance(data):
    (x, _), (x_test, _) = data
    rng = np.random.default_rng(3)
    y, y_test = rng.integers(0, 3, len(x)), rng.integers(0, 3, len(x_test))
    assert cp.knn_accuracy(x, y, x_test, y_test) < 0.6
    assert cp.precision_at_k(x_test, y_test, k=5) < 0.6


def test_precision_at_k_counts_neighbours_not_the_query():
    codes = np.array([[0.0], [0.1], [5.0], [5.1]])
    labels = np.array([0, 0, 1, 0])
    # each query's nearest other code: 1, 0, 3, 2 -> same label for 0, 1 only
    assert cp.precision_at_k(codes, labels, k=1) == pytest.approx(0.5)


def test_label_spreading_uses_the_unlabelled_codes():
    x, y = blobs(n_per_class=40, seed=4)
    x_test, y_test = blobs(n_per_class=10, seed=5)
    known = np.full(len(y), -1)
    for label in range(3):  # one label per class
        first = np.flatnonzero(y == label)[0]
        known[first] = label
    assert cp.label_spreading(x, known, x_test, y_test, n_neighbors=5) > 0.9


def test_tensors_and_float_labels_are_accepted(data):
    import keras

    (x, y), (x_test, y_test) = data
    accuracy = cp.linear_probe(keras.ops.convert_to_tensor(x), y.astype("float32"), x_test, y_test)
    assert accuracy == 1.0


class TinyEncoder:
    """Stands in for a Keras encoder: it returns a list, as a VAE's does."""

    def __call__(self, images):
        flat = images.reshape(len(images), -1)
        return [flat[:, :2], flat[:, 2:4]]


class TinyVae:
    encoder = TinyEncoder()


def test_encode_takes_the_first_output_of_an_encoder():
    images = np.arange(24, dtype="float32").reshape(3, 2, 4)
    codes = cp.encode(TinyVae(), images)
    assert codes.shape == (3, 2) and codes.dtype == np.float32
    np.testing.assert_array_equal(codes[:, 0], [0, 8, 16])


def test_encode_runs_a_keras_autoencoder():
    model = cp.build_stacked_autoencoder((6,), 3, hidden_sizes=())
    codes = cp.encode(model, np.zeros((5, 6), "float32"))
    assert codes.shape == (5, 3)
    assert cp.encode(model.encoder, np.zeros((2, 6), "float32")).shape == (2, 3)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda x, y, xt, yt: cp.linear_probe(x[0], y, xt, yt), "train_codes must be a non-empty 2-D"),
        (lambda x, y, xt, yt: cp.linear_probe(x, y[:-1], xt, yt), "train_labels must be 1-D with one label"),
        (lambda x, y, xt, yt: cp.linear_probe(x, y, xt, yt[:5]), "test_labels must be 1-D with one label"),
        (lambda x, y, xt, yt: cp.linear_probe(x, y, xt[:, :2], yt), "the same code size"),
        (lambda x, y, xt, yt: cp.linear_probe(x, np.zeros_like(y), xt, yt), "at least two classes"),
        (lambda x, y, xt, yt: cp.linear_probe(x, y + 0.5, xt, yt), "whole numbers"),
        (lambda x, y, xt, yt: cp.linear_probe(np.full_like(x, np.nan), y, xt, yt), "must be finite"),
        (lambda x, y, xt, yt: cp.knn_accuracy(x, y, xt, yt, k=len(x) + 1), "k must be at most 90"),
        (lambda x, y, xt, yt: cp.knn_accuracy(x, y, xt, yt, k=0), "k must be a positive integer"),
        (lambda x, y, xt, yt: cp.precision_at_k(xt, yt, k=len(xt)), "k must be at most 59"),
        (lambda x, y, xt, yt: cp.precision_at_k(xt, y, k=3), "labels must be 1-D with one label"),
        (lambda x, y, xt, yt: cp.label_spreading(x, np.full_like(y, -1), xt, yt), "at least two classes"),
        (lambda x, y, xt, yt: cp.label_spreading(x, y, xt, yt, n_neighbors=len(x)), "n_neighbors must be at most"),
        (lambda x, y, xt, yt: cp.label_spreading(x, y, xt, yt, alpha=1.0), "alpha must be a finite number"),
        (lambda x, y, xt, yt: cp.encode(TinyVae(), np.zeros((0, 4))), "images must be a non-empty batch"),
    ],
)
def test_bad_input_gets_a_clear_error(data, call, message):
    (x, y), (x_test, y_test) = data
    with pytest.raises(ValueError, match=message) as error:
        call(x, y, x_test, y_test)
    assert "Received:" in str(error.value)


def test_bad_types_get_a_type_error(data):
    (x, y), (x_test, y_test) = data
    with pytest.raises(TypeError, match="Received: k="):
        cp.knn_accuracy(x, y, x_test, y_test, k=2.5)
    with pytest.raises(TypeError, match="Received: model="):
        cp.encode("not a model", x)
    with pytest.raises(TypeError, match="standardize"):
        cp.linear_probe(x, y, x_test, y_test, standardize="yes")


def test_tsne_map_keeps_clusters_apart():
    codes, labels = blobs(n_per_class=15, seed=6)
    plane = cp.tsne_map(codes, seed=0)
    assert plane.shape == (45, 2)
    assert cp.knn_accuracy(plane, labels, plane, labels, k=1) == 1.0
    np.testing.assert_allclose(cp.tsne_map(codes, seed=0), plane)


@pytest.mark.parametrize("codes, message", [
    (np.zeros((3, 4)), "at least 5 rows"),
    (np.zeros(10), "non-empty 2-D array"),
])
def test_tsne_map_bad_codes(codes, message):
    with pytest.raises(ValueError, match=message):
        cp.tsne_map(codes)
