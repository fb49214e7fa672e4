"""Checkers for the exercises of Chapter 10 (what the codes are good for)."""

import numpy as np

from companion.exercises._measure import Target, encode, held_out_digits, model_output, not_a_model, pixel_mse, verdict_on
from companion.exercises._verdict import (
    SealedLetters,
    check_letters,
    check_number,
    check_prediction,
    checker,
    correct,
    end_check,
    learner_code,
    read_number,
    require_callable,
    shown,
    validate_measurement,
    wrong,
)

_TRUE_STATEMENTS = SealedLetters("ch10.statements", "63584aafad1f0ca5ea2e11cd4b534c79d13c762ca6437aae9e6b2b994a82a520")
_REREAD = (  # the sections the statements test
    "Classifying with few labels",
    "Letting the unlabelled images vote",
    "Retrieval",
    "Maps of the codes",
)
_STATEMENT_EXPLANATIONS = {
    "a": "the autoencoder learns from every image, labelled or not; only the "
    "probe, a small classifier on the codes, needs labels.",
    "b": "a lower reconstruction error says the code keeps more of each "
    "image, not that the classes are easier to separate; the table shows models with "
    "close errors and different probe accuracies.",
    "c": "precision@10 needs no classifier at all, only distances between "
    "codes and the labels of the retrieved images.",
    "d": "t-SNE keeps neighbourhoods, not distances; the size of a cluster "
    "and the gaps between clusters on its map mean little.",
    "e": "the graph links labelled and unlabelled images alike; a few "
    "labels are enough, and the unlabelled images carry them along the links.",
}

# --- exercise 10.1: precision@k written by the learner with keras.ops ---

PRECISION_SIGNATURE = "precision_at_k(codes, labels, k)"
# (codes, dimensions, classes, k): a batch of one neighbour, the chapter's k, and k near n - 1
_PRECISION_CASES = ((40, 3, 3, 5), (64, 8, 4, 10), (12, 2, 2, 1), (30, 5, 3, 29))
_PRECISION_TOLERANCE = 1e-5  # float32 distances on any backend


def _precision_data(n, dim, classes, seed):
    """Codes with some structure (each class shifted), so that the score is not a chance value."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % classes
    rng.shuffle(labels)
    codes = rng.normal(size=(n, dim)) + 1.5 * np.eye(max(dim, classes))[labels, :dim]
    return codes.astype("float32"), labels.astype("int64")


def _reference_precision(codes, labels, k, *, include_query=False, farthest=False, cosine=False,
                         skip_zero=False, per_query=False):
    """precision@k in NumPy, and the variants a learner may write by mistake."""
    codes = codes.astype("float64")
    if cosine:
        unit = codes / np.linalg.norm(codes, axis=1, keepdims=True)
        distances = 1.0 - unit @ unit.T
    else:
        distances = np.sqrt(((codes[:, None] - codes[None]) ** 2).sum(axis=-1))
    blocked = np.inf if not farthest else -np.inf
    if skip_zero:
        distances = np.where(distances <= 1e-6, blocked, distances)
    elif not include_query:
        np.fill_diagonal(distances, blocked)
    elif farthest:  # the query kept out with an infinite distance, then the order reversed: it comes first
        np.fill_diagonal(distances, np.inf)
    order = np.argsort(-distances if farthest else distances, axis=1, kind="stable")[:, :k]
    shares = np.mean(labels[order] == labels[:, None], axis=1)
    return shares if per_query else float(np.mean(shares))


def _learner_precision(precision_at_k, codes, labels, k):
    """What the learner's function returns, as NumPy (tensors of any backend converted)."""
    import keras  # only here: the module is imported by chapters that need no backend

    signature = f"precision_at_k(codes of shape {codes.shape}, labels, k={k})"
    with learner_code(f"calling {signature}"):
        result = precision_at_k(codes.copy(), labels.copy(), k)
    if result is None:
        end_check(wrong(f"{signature} returned None: did you forget `return`?"))
    with learner_code(f"reading what {signature} returned"):
        try:
            result = keras.ops.convert_to_numpy(result)
        except Exception:  # not a tensor: read_number says what it is
            pass
    return result, signature


@checker
def check_precision_at_k(answer):
    """Exercise 10.1: ``precision_at_k(codes, labels, k)``, written with Keras' backend-neutral operations.

    For each code, its ``k`` nearest other codes (Euclidean distance; the query
    itself is not one of its neighbours, a duplicate of it is) are retrieved; the
    score is the share of them with the query's label, averaged over the
    queries: one number in [0, 1]. A ``k`` of at least the number of codes must
    raise a ``ValueError``. The checker compares the learner's function with
    :func:`companion.precision_at_k` on random codes of several sizes and
    values of ``k``, and on codes that come in identical pairs.

    Args:
        answer: the learner's function.

    Returns:
        Verdict: what differs, measured, when something does.
    """
    from companion.representations import precision_at_k  # the reference

    require_callable(answer, PRECISION_SIGNATURE, kind="a function")
    for seed, (n, dim, classes, k) in enumerate(_PRECISION_CASES):
        codes, labels = _precision_data(n, dim, classes, seed)
        result, signature = _learner_precision(answer, codes, labels, k)
        if isinstance(result, np.ndarray) and result.ndim == 1 and result.size == n:
            end_check(wrong(f"{signature} returns one value per query ({n}): the score is their mean, one number."))
        value = read_number(result, signature)
        expected = precision_at_k(codes, labels, k=k)
        if abs(value - expected) <= _PRECISION_TOLERANCE:
            continue
        end_check(wrong(_what_differs(value, expected, codes, labels, k, signature)))
    _check_duplicates(answer)
    _check_too_large_k(answer)
    return correct("your precision_at_k gives the reference's score on codes of four sizes with k from 1 to n - 1, "
                   "keeps a code's duplicate among its neighbours, and refuses a k with too few codes.")


def _what_differs(value, expected, codes, labels, k, signature):
    def near(other):
        return abs(value - other) <= _PRECISION_TOLERANCE

    if not 0.0 <= value <= 1.0:
        return f"{signature} returns {value:.4g}, outside [0, 1]: a precision is a share of the retrieved codes."
    if near(_reference_precision(codes, labels, k, include_query=True)):
        return (f"{signature} is {value:.3f}, the reference's {expected:.3f}: your score counts each query as its "
                "own neighbour.")
    if near(_reference_precision(codes, labels, k, farthest=True)) \
            or near(_reference_precision(codes, labels, k, farthest=True, include_query=True)):
        return f"{signature} retrieves the farthest codes, not the nearest."
    if near(_reference_precision(codes, labels, k, cosine=True)):
        return (f"{signature} ranks the codes by cosine similarity; the chapter's retrieval, and the reference, "
                "rank them by Euclidean distance.")
    ratio = value / expected if expected else float("inf")
    for wrong_by, why in ((k / (k + 1), f"divides by {k + 1} retrieved codes where {k} are retrieved"),
                          (k / (k - 1) if k > 1 else None, "divides by one retrieved code fewer than k")):
        if wrong_by and abs(ratio - wrong_by) < 1e-4:
            return f"{signature} is {value:.3f}, the reference's {expected:.3f}: it {why}."
    return (f"{signature} is {value:.4f} where the reference's is {expected:.4f} "
            f"({abs(value - expected) / max(expected, 1e-12):.1%} {'higher' if value > expected else 'lower'}).")


def _check_duplicates(answer):
    """Codes that come in identical pairs: a code's twin is its nearest neighbour, at distance 0."""
    from companion.representations import precision_at_k

    codes, labels = _precision_data(20, 4, 4, 7)
    codes, labels = np.concatenate([codes, codes]), np.concatenate([labels, labels])
    for k in (1, 3):
        result, signature = _learner_precision(answer, codes, labels, k)
        value = read_number(result, signature)
        expected = precision_at_k(codes, labels, k=k)
        if abs(value - expected) <= _PRECISION_TOLERANCE:
            continue
        if abs(value - _reference_precision(codes, labels, k, skip_zero=True)) <= _PRECISION_TOLERANCE:
            end_check(wrong(f"on codes that come in identical pairs, {signature} is {value:.3f}, the reference's "
                            f"{expected:.3f}: it leaves out every code at distance 0, not only the query itself; "
                            "a duplicate of the query is a neighbour like any other."))
        end_check(wrong(f"on codes that come in identical pairs, {signature} is {value:.4f} where the reference's "
                        f"is {expected:.4f}."))


def _check_too_large_k(answer):
    """A k of at least the number of codes leaves too few neighbours: the function must say so."""
    codes, labels = _precision_data(6, 2, 2, 3)
    for k in (6, 9):
        signature = f"precision_at_k(codes of shape {codes.shape}, labels, k={k})"
        try:
            result = answer(codes.copy(), labels.copy(), k)
        except ValueError:
            continue
        except Exception as error:  # any other error is the learner's: name it
            end_check(wrong(f"{signature} raised {type(error).__name__}; with only {len(codes) - 1} other codes "
                            "per query, raise a ValueError that says so."))
        end_check(wrong(f"{signature} returns {shown(result)}: each query has only {len(codes) - 1} other codes, "
                        "so it should raise a ValueError instead of returning a score."))


# --- exercise 10.2: the precision of a code that knows nothing ---


@checker
def check_chance_precision(answer):
    """Exercise 10.2: precision@10 expected of random codes, for 1,000 images, 100 of each digit.

    Args:
        answer: the learner's number.

    Returns:
        Verdict.
    """
    hints = [
        (0.1, "that would be the share if a query could retrieve itself; count the images that it can "
              "retrieve, and those among them that show its digit."),
        (100 / 999, "the images a query can retrieve are the others; how many of them show its digit?"),
        (10 / 999, "the retrieved images are 10, but the precision is a share of them, not of the collection."),
        (0.99, "that is the share of images that show another digit."),
    ]
    return check_number(answer, 99 / 999, 1e-4, hints,
                        "each of the 10 retrieved images is any of the 999 others, 99 of which show the query's "
                        "digit: 99 / 999 = 0.0991, just under one in ten. A learned code must beat this.")


@checker
def check_code_statements(answer):
    """Exercise 10.3: which statements (a)-(e) about measuring codes are true.

    Args:
        answer: the letters of the true statements.

    Returns:
        Verdict.
    """
    return check_letters(answer, "abcde", _TRUE_STATEMENTS, _STATEMENT_EXPLANATIONS, _REREAD)


# --- exercise 10.4: an autoencoder, trained by the learner, measured on digits it never saw ---

MAX_CODE_SIZE = 16
TARGET_ERROR = 20.0  # squared error per image; an untrained model is above 50
TARGET_ACCURACY = 0.75  # 5-NN accuracy with 500 labelled codes
_N_HELD_OUT = 1_000
_HINTS = (
    "Usual causes: too few epochs, a model that was built but not trained, a learning "
    "rate far from 1e-3, or an output layer without a sigmoid."
)


def code_test_digits():
    """The last 1,000 MNIST test digits, flat, in [0, 1]: the checker's own data."""
    images, labels = held_out_digits(_N_HELD_OUT)
    return images.reshape(len(images), -1), labels


@checker
def check_trained_autoencoder(model):
    """Exercise 10.4: a trained autoencoder whose codes of at most 16 numbers are good for two things.

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
    images, labels = code_test_digits()
    codes = encode(model.encoder, images)
    if codes.shape[1] > MAX_CODE_SIZE:
        return wrong(f"Your codes have {codes.shape[1]} numbers; the exercise asks for at most {MAX_CODE_SIZE}.")
    reconstructions = model_output(model.decoder, codes.astype("float32"), "calling your decoder on the codes")
    if reconstructions.size != images.size:
        return wrong(
            f"Your decoder should return one 784-pixel image per code. Received: shape {reconstructions.shape}."
        )
    error = images.shape[1] * pixel_mse(images, reconstructions)  # squared error per image
    targets = [
        Target("squared error per image", error, TARGET_ERROR, at_least=False, digits=1),
        Target("5-NN accuracy on the codes", _knn_accuracy(codes, labels), TARGET_ACCURACY, at_least=True, digits=3),
    ]
    return verdict_on(targets, "on 1,000 digits it never saw", _HINTS)


def _knn_accuracy(codes, labels):
    from companion.representations import knn_accuracy

    half = len(codes) // 2
    return knn_accuracy(codes[:half], labels[:half], codes[half:], labels[half:], k=5)


# --- exercise 10.5: a prediction, checked against the experiment ---

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
    """Exercise 10.5: the letter of ``ROTATION_CHOICES`` that the measured accuracies give.

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
def check_rotation_prediction(answer, before, after):
    """Exercise 10.5: the learner's prediction of the 5-NN accuracy on rotated codes.

    Args:
        answer: the learner's letter, made before the experiment.
        before: 5-NN test accuracy on the stacked autoencoder's codes, measured in the chapter.
        after: the same on the codes multiplied by a random rotation.

    Returns:
        Verdict.
    """
    before = validate_measurement(before, "before", expected="an accuracy in [0, 1]", low=0.0, high=1.0)
    after = validate_measurement(after, "after", expected="an accuracy in [0, 1]", low=0.0, high=1.0)
    measured = f"Measured: 5-NN accuracy {before:.3f} on the codes, {after:.3f} on the rotated codes."
    return check_prediction(answer, ROTATION_CHOICES, rotation_outcome(before, after), measured)
