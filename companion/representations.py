"""What codes are good for: probes, neighbours and label propagation on codes.

Each function takes codes (one row per image) and labels as NumPy arrays (or
tensors of any Keras backend) and measures one use of the codes with a
scikit-learn estimator. Chapter 4 uses them on a pretrained encoder's codes,
Chapter 10 on the codes of every autoencoder of the course.

The estimators run on one thread: for these small problems one thread is as
fast as several on an idle machine and many times faster on a busy one, where
threads of several processes would compete for the same cores.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.manifold import TSNE
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.semi_supervised import LabelSpreading
from threadpoolctl import threadpool_limits

from companion import _checks
from companion.inference import call_in_batches


def encode(model, images, *, batch_size=500):
    """Codes of ``images``: the encoder's output, or a VAE's mean code.

    Args:
        model: an autoencoder with an ``.encoder`` (any builder of the course),
            or an encoder model itself. An encoder that returns several
            outputs (a VAE's ``[z_mean, z_log_var]``) gives its first.
        images: a batch of images in the encoder's input shape.
        batch_size: images per forward pass.

    Returns:
        np.ndarray of shape ``(len(images), code_size)``, float32.

    Raises:
        TypeError: if ``model`` is not a Keras model.
        ValueError: if ``images`` is empty.
    """
    encoder = getattr(model, "encoder", model)
    if not callable(encoder):
        raise TypeError(f"model must be a Keras autoencoder or encoder. Received: model={model!r}")
    images = _checks.image_batch(images)
    codes = call_in_batches(encoder, images, batch_size=batch_size)
    if isinstance(codes, list):
        codes = codes[0]
    codes = np.asarray(codes, dtype="float32")
    return codes.reshape(len(codes), -1)


def linear_probe(train_codes, train_labels, test_codes, test_labels, *, standardize=True, max_iter=1000):
    """Test accuracy of a logistic regression trained on frozen codes (a linear probe).

    The codes are standardised (scikit-learn's ``StandardScaler``, fitted on the
    training codes) and classified by ``LogisticRegression`` with its default
    L2 penalty. How well a linear classifier separates the classes is the usual
    measure of what a representation makes explicit. The solver stops after
    ``max_iter`` iterations, converged or not (without a warning).

    Args:
        train_codes: ``(n, d)`` codes of the labelled images.
        train_labels: ``(n,)`` their integer labels.
        test_codes: ``(m, d)`` codes of the test images.
        test_labels: ``(m,)`` their labels.
        standardize: scale each code unit to mean 0 and variance 1 first;
            pass False for pixels, whose rarely lit border pixels scaling
            would blow up.
        max_iter: iterations of the solver.

    Returns:
        float: accuracy on the test codes, in [0, 1].

    Raises:
        ValueError: for codes that are not 2-D, labels that do not match the
            codes in number, codes of different widths, or fewer than two
            classes among the training labels.
    """
    x, y, x_test, y_test = _labelled_pair(train_codes, train_labels, test_codes, test_labels)
    max_iter = _checks.positive_int("max_iter", max_iter)
    classifier = LogisticRegression(max_iter=max_iter)
    probe = make_pipeline(StandardScaler(), classifier) if _checks.boolean("standardize", standardize) else classifier
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        probe.fit(x, y)
        return float(probe.score(x_test, y_test))


def knn_accuracy(train_codes, train_labels, test_codes, test_labels, *, k=5):
    """Test accuracy of a k-nearest-neighbour vote in code space (Euclidean distance).

    Args:
        train_codes: ``(n, d)`` codes of the labelled images.
        train_labels: ``(n,)`` their integer labels.
        test_codes: ``(m, d)`` codes of the test images.
        test_labels: ``(m,)`` their labels.
        k: neighbours that vote.

    Returns:
        float: accuracy on the test codes, in [0, 1].

    Raises:
        ValueError: as :func:`linear_probe`, and if ``k`` exceeds the number of
            labelled codes.
    """
    x, y, x_test, y_test = _labelled_pair(train_codes, train_labels, test_codes, test_labels)
    k = _neighbours("k", k, len(x))
    with threadpool_limits(1):
        return float(KNeighborsClassifier(n_neighbors=k).fit(x, y).score(x_test, y_test))


def precision_at_k(codes, labels, *, k=10):
    """Mean share of each code's ``k`` nearest other codes that have its label.

    This is retrieval: each image is a query, the others are the collection,
    and a neighbour counts as relevant when it shows the same digit.

    Args:
        codes: ``(n, d)`` codes.
        labels: ``(n,)`` labels.
        k: neighbours retrieved per query (the query itself excluded).

    Returns:
        float in [0, 1].

    Raises:
        ValueError: for codes that are not 2-D, labels that do not match them,
            or ``k`` not smaller than the number of codes.
    """
    codes, labels = _codes_and_labels(codes, labels, ("codes", "labels"))
    k = _neighbours("k", k, len(codes) - 1)
    with threadpool_limits(1):
        _, index = NearestNeighbors(n_neighbors=k + 1).fit(codes).kneighbors(codes)
    neighbours = [row[row != query][:k] for query, row in enumerate(index)]
    return float(np.mean(labels[np.array(neighbours)] == labels[:, None]))


def label_spreading(codes, labels, test_codes, test_labels, *, n_neighbors=10, alpha=0.2):
    """Test accuracy of labels spread over a k-nearest-neighbour graph of codes.

    ``codes`` holds labelled and unlabelled images; ``labels`` marks the
    unlabelled ones with ``-1``. scikit-learn's ``LabelSpreading`` (Zhou et al.
    2004) links each code to its nearest neighbours and lets the few labels
    flow along the graph, so the unlabelled images shape the decision; test
    codes then take the labels of their neighbours in the graph.

    Args:
        codes: ``(n, d)`` codes of all training images.
        labels: ``(n,)`` integer labels, ``-1`` where unknown.
        test_codes: ``(m, d)`` codes of the test images.
        test_labels: ``(m,)`` their labels.
        n_neighbors: neighbours per node of the graph.
        alpha: how much a node's label may move away from its given one.

    Returns:
        float: accuracy on the test codes, in [0, 1].

    Raises:
        ValueError: as :func:`linear_probe`, if no label is known, or if
            ``n_neighbors`` is not smaller than the number of codes.
    """
    x, y, x_test, y_test = _labelled_pair(codes, labels, test_codes, test_labels, unlabelled=True)
    n_neighbors = _neighbours("n_neighbors", n_neighbors, len(x) - 1)
    alpha = _checks.number("alpha", alpha, low=0, high=1, low_open=True, high_open=True)
    model = LabelSpreading(kernel="knn", n_neighbors=n_neighbors, alpha=alpha, max_iter=100)
    # a code whose neighbours received no label has no class: 0/0, counted as a miss
    with np.errstate(divide="ignore", invalid="ignore"), threadpool_limits(1):
        model.fit(x, y)
        return float(model.score(x_test, y_test))


def tsne_map(codes, *, seed=0):
    """A 2-D map of codes by t-SNE: neighbours in code space stay neighbours on the map.

    scikit-learn's ``TSNE`` with a PCA initialisation (van der Maaten & Hinton
    2008). The map keeps neighbourhoods, not distances: the sizes of clusters
    and the gaps between them mean little. Used in Chapter 10.

    Args:
        codes: ``(n, d)`` codes, at least 5 of them (t-SNE needs more points
            than its perplexity, which is ``min(30, (n - 1) / 3)``).
        seed: seed of the optimisation.

    Returns:
        np.ndarray of shape ``(n, 2)``.

    Raises:
        ValueError: for codes that are not a 2-D array of at least 5 finite rows.
    """
    codes, _ = _codes_and_labels(codes, np.zeros(len(np.asarray(codes)), int), ("codes", "labels"))
    if len(codes) < 5:
        raise ValueError(f"codes must hold at least 5 rows for a t-SNE map. Received: codes.shape={codes.shape}")
    seed = _checks.non_negative_int("seed", seed)
    perplexity = min(30.0, (len(codes) - 1) / 3)
    with threadpool_limits(1):
        return TSNE(perplexity=perplexity, init="pca", random_state=seed).fit_transform(codes)


def _codes_and_labels(codes, labels, names):
    codes = _checks.to_numpy(codes)
    labels = _checks.to_numpy(labels)
    if codes.ndim != 2 or len(codes) == 0:
        raise ValueError(
            f"{names[0]} must be a non-empty 2-D array, one row of code per image. "
            f"Received: {names[0]}.shape={codes.shape}"
        )
    if labels.ndim != 1 or len(labels) != len(codes):
        raise ValueError(
            f"{names[1]} must be 1-D with one label per row of {names[0]}. "
            f"Received: {names[0]}.shape={codes.shape}, {names[1]}.shape={labels.shape}"
        )
    if labels.dtype.kind not in "iu":
        if labels.dtype.kind != "f" or not np.all(np.isfinite(labels) & (labels == np.round(labels))):
            raise ValueError(f"{names[1]} must be whole numbers. Received: {names[1]}.dtype={labels.dtype}")
    if not np.all(np.isfinite(codes)):
        raise ValueError(f"{names[0]} must be finite. Received: {names[0]} with NaN or infinite values")
    return codes.astype("float64"), labels.astype("int64")


def _labelled_pair(train_codes, train_labels, test_codes, test_labels, unlabelled=False):
    x, y = _codes_and_labels(train_codes, train_labels, ("train_codes", "train_labels"))
    x_test, y_test = _codes_and_labels(test_codes, test_labels, ("test_codes", "test_labels"))
    if x.shape[1] != x_test.shape[1]:
        raise ValueError(
            "train_codes and test_codes must have the same code size. "
            f"Received: train_codes.shape={x.shape}, test_codes.shape={x_test.shape}"
        )
    known = y[y >= 0] if unlabelled else y
    if len(np.unique(known)) < 2:
        raise ValueError(
            "train_labels must hold at least two classes" + (" (-1 marks unlabelled codes)" if unlabelled else "")
            + f". Received: train_labels with classes {np.unique(y).tolist()[:10]}"
        )
    return x, y, x_test, y_test


def _neighbours(name, value, available):
    value = _checks.positive_int(name, value)
    if value > available:
        raise ValueError(
            f"{name} must be at most {available}, the number of codes it can choose from. "
            f"Received: {name}={value}"
        )
    return value
