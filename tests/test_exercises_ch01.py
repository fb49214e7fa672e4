"""Checkers of Chapter 1: unattempted, wrong type, wrong shape, wrong value, NaN, right."""

import numpy as np
import pytest

from companion.exercises import Verdict, _verdict, ch01, ch02, ch03, ch04, ch05, ch06, ch07, ch08, ch09


def status(verdict):
    assert isinstance(verdict, Verdict)
    return verdict.status


# Exercise 1.1: parameter count

@pytest.mark.parametrize("answer", [..., None])
def test_parameter_count_unattempted(answer):
    verdict = ch01.check_parameter_count(answer)
    assert status(verdict) == "unattempted" and "replace `...`" in verdict.message


def test_parameter_count_right():
    verdict = ch01.check_parameter_count(50992)
    assert status(verdict) == "correct" and bool(verdict)
    assert status(ch01.check_parameter_count(50992.0)) == "correct"
    assert status(ch01.check_parameter_count(np.int64(50992))) == "correct"


@pytest.mark.parametrize(
    "answer, hint",
    [(50176, "bias"), (25088, "two weight matrices"), (25120, "encoder alone"), (50208, "784 biases"),
     (50960, "32 biases"), (12345, "Count the weights and biases")],
)
def test_parameter_count_wrong_values_get_specific_hints(answer, hint):
    verdict = ch01.check_parameter_count(answer)
    assert status(verdict) == "wrong" and not verdict
    assert hint in verdict.message


@pytest.mark.parametrize("answer, hint", [("50992", "whole number"), (float("nan"), "whole number"),
                                          (50992.5, "whole number"), (True, "whole number"),
                                          ([50992], "whole number")])
def test_parameter_count_wrong_type(answer, hint):
    verdict = ch01.check_parameter_count(answer)
    assert status(verdict) == "wrong" and hint in verdict.message


# Exercise 1.2: pca_reconstruct

def right_pca(x, k):
    mean = x.mean(axis=0)
    _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
    return (x - mean) @ vt[:k].T @ vt[:k] + mean


def test_pca_unattempted():
    def not_done(x, k):
        raise NotImplementedError

    assert status(ch01.check_pca_reconstruct(not_done)) == "unattempted"
    assert status(ch01.check_pca_reconstruct(...)) == "unattempted"


def test_pca_right():
    verdict = ch01.check_pca_reconstruct(right_pca)
    assert status(verdict) == "correct", verdict.message


def test_pca_with_sklearn_is_right_too():
    from sklearn.decomposition import PCA

    def with_sklearn(x, k):
        pca = PCA(n_components=k).fit(x)
        return pca.inverse_transform(pca.transform(x))

    assert status(ch01.check_pca_reconstruct(with_sklearn)) == "correct"


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda x, k: right_pca(x, k) - x.mean(axis=0), "add the mean back"),
        (lambda x, k: np.linalg.svd(x, full_matrices=False)[2][:k].T.__rmatmul__(x)
         @ np.linalg.svd(x, full_matrices=False)[2][:k], "centre x"),
        (lambda x, k: right_pca(x, x.shape[1] - k), "largest variance"),
        (lambda x, k: right_pca(x, k)[:, :k], "should return shape (200, 6)"),
        (lambda x, k: right_pca(x, k).T, "should return shape (200, 6)"),
        (lambda x, k: np.full_like(x, np.nan), "NaN"),
        (lambda x, k: "not an array", "array of numbers"),
        (lambda x, k: x[10**6], "raised IndexError"),
        (lambda x: x, "raised TypeError"),
    ],
    ids=["no-mean", "not-centred", "wrong-components", "wrong-shape", "transposed", "nan", "string",
         "crash", "wrong-signature"],
)
def test_pca_wrong_answers_get_hints(answer, hint):
    verdict = ch01.check_pca_reconstruct(answer)
    assert status(verdict) == "wrong" and hint in verdict.message, verdict.message


def test_pca_not_a_function():
    verdict = ch01.check_pca_reconstruct(np.zeros((3, 3)))
    assert status(verdict) == "wrong" and "Expected a function" in verdict.message


def test_pca_learner_cannot_damage_the_check_data():
    def mutating(x, k):
        result = right_pca(x, k)
        x[:] = 0  # a learner's in-place change must not affect the next k
        return result

    assert status(ch01.check_pca_reconstruct(mutating)) == "correct"


# Exercise 1.3: statements

@pytest.mark.parametrize("answer", [{"b", "d", "e"}, "bde", "b, d, e", ["E", "D", "B"], ("b", "d", "e")])
def test_statements_right_in_any_spelling(answer):
    assert status(ch01.check_linear_ae_statements(answer)) == "correct"


@pytest.mark.parametrize("answer", [{"a", "b", "d", "e"}, {"b", "d"}, {"b", "c", "d", "e"}, set(), "abcde"])
def test_statements_wrong_name_sections_never_letters(answer):
    verdict = ch01.check_linear_ae_statements(answer)
    assert status(verdict) == "wrong" and "“PCA is the optimum”" in verdict.message
    assert verdict.message == ch01.check_linear_ae_statements({"a"}).message  # the same for every wrong set


def test_statements_bad_input():
    assert "labelled a to e" in ch01.check_linear_ae_statements({"b", "z"}).message
    assert "Expected letters" in ch01.check_linear_ae_statements(3).message
    assert status(ch01.check_linear_ae_statements(...)) == "unattempted"


def test_verdict_prints_a_heading():
    assert repr(ch01.check_parameter_count(50992)).startswith("✅ Correct:")
    assert repr(ch01.check_parameter_count(1)).startswith("❌ Not yet:")
    with pytest.raises(ValueError, match="status must be one of"):
        Verdict("maybe", "?")


# No answer makes a checker raise

@pytest.mark.parametrize("answer, hint", [(784 ** 256, "a number with 741 digits is not it"),
                                          (10 ** 5000, "thousands of digits"), (1e300, "301 digits")],
                         ids=["784**256", "10**5000", "1e300"])
def test_parameter_count_huge_numbers_get_a_verdict(answer, hint):
    verdict = ch01.check_parameter_count(answer)
    assert status(verdict) == "wrong" and hint in verdict.message, verdict.message


@pytest.mark.parametrize("answer", [50992 + 0j, np.complex128(50992)])
def test_parameter_count_complex_is_not_a_whole_number(answer):
    verdict = ch01.check_parameter_count(answer)
    assert status(verdict) == "wrong" and "Expected a real whole number" in verdict.message


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda x, k: right_pca(x, k) + 0j, "must return real numbers, not complex ones"),
        (lambda x, k: None, "did you forget `return`"),
        (lambda x, k: [list(row) for row in right_pca(x, k)][:-1] + [[1.0]], "array of numbers"),
        (lambda x, k: {"x": x}, "array of numbers"),
    ],
    ids=["complex", "none", "ragged", "dict"],
)
def test_pca_odd_results_get_a_verdict(answer, hint):
    verdict = ch01.check_pca_reconstruct(answer)
    assert status(verdict) == "wrong" and hint in verdict.message, verdict.message


def test_pca_result_that_fails_to_convert_gets_a_verdict():
    class Unreadable:
        def __array__(self, dtype=None, copy=None):
            raise RuntimeError("cannot leave the device")

    verdict = ch01.check_pca_reconstruct(lambda x, k: Unreadable())
    assert status(verdict) == "wrong", verdict.message
    assert "raised RuntimeError: cannot leave the device" in verdict.message


def test_statements_with_unreadable_letters_get_a_verdict():
    class Unprintable:
        def __str__(self):
            raise RuntimeError("no text")

    verdict = ch01.check_linear_ae_statements([Unprintable()])
    assert status(verdict) == "wrong" and "reading your letters raised RuntimeError" in verdict.message


# The shared safety net

def test_safety_net_turns_errors_of_learner_code_into_a_verdict():
    @_verdict.checker
    def check_something(function):
        with _verdict.learner_code("calling your function", "Try again."):
            function()
        return _verdict.correct("fine")

    def failing():
        raise KeyError("missing")

    verdict = check_something(failing)
    assert status(verdict) == "wrong"
    assert verdict.message == "calling your function raised KeyError: 'missing'. Try again."


def test_safety_net_lets_bugs_of_the_checker_through():
    @_verdict.checker
    def buggy_check(answer):
        return 1 / 0

    with pytest.raises(ZeroDivisionError):
        buggy_check(3)


@pytest.mark.parametrize("module", [ch01, ch02, ch03, ch04, ch05, ch06, ch07, ch08, ch09])
def test_every_checker_has_the_safety_net(module):
    net = _verdict.checker(lambda: None).__code__
    checkers = [value for name, value in vars(module).items()
                if name.startswith("check_") and value.__module__ == module.__name__]
    assert checkers
    for function in checkers:
        assert function.__code__ is net, f"{module.__name__}.{function.__name__} lacks @checker"


def test_errors_are_described_in_plain_words():
    keras_style = ValueError(
        "Exception encountered when calling Sequential.call().\n\n"
        "\x1b[1mInput 0 is incompatible with the layer: expected shape=(None, 784)\x1b[0m\n\n"
        "Arguments received by Sequential.call():\n  • inputs=tf.Tensor(shape=(2, 128))"
    )
    assert _verdict.describe_error(keras_style) == (
        "ValueError: Input 0 is incompatible with the layer: expected shape=(None, 784)"
    )
    assert _verdict.describe_error(IndexError()) == "IndexError"
    assert len(_verdict.describe_error(RuntimeError("x" * 10_000))) < 300


def test_printed_verdicts_fit_in_80_columns():
    message = "a long message " * 20
    printed = repr(_verdict.wrong(message))
    assert max(len(line) for line in printed.splitlines()) <= 78
    assert len(printed.splitlines()) > 1
    assert " ".join(printed.split()) == f"❌ Not yet: {message}".strip()


# Exercise 1.4: a trained linear autoencoder, measured against PCA on the checker's own digits

def low_rank_digits(rng, n):
    """Synthetic "digits": 784 values near a 24-dimensional subspace, with decaying variances."""
    basis, _ = np.linalg.qr(np.random.default_rng(14).normal(size=(784, 24)))
    scales = np.geomspace(1.0, 0.05, 24)
    return (0.5 + 0.2 * (rng.normal(size=(n, 24)) * scales) @ basis.T
            + 0.002 * rng.normal(size=(n, 784))).astype("float32")


SYNTHETIC_TRAIN = low_rank_digits(np.random.default_rng(0), 600)
SYNTHETIC_HELD_OUT = low_rank_digits(np.random.default_rng(1), 200)


@pytest.fixture
def reference(monkeypatch):
    monkeypatch.setattr(ch01, "reference_digits", lambda: (SYNTHETIC_TRAIN, SYNTHETIC_HELD_OUT))


def pca_model(k, train=SYNTHETIC_TRAIN):
    """A function that reconstructs flat images from k principal components of `train`."""
    mean = train.mean(axis=0)
    _, _, vt = np.linalg.svd(train - mean, full_matrices=False)

    def model(batch):
        flat = batch.reshape(len(batch), -1)
        return ((flat - mean) @ vt[:k].T @ vt[:k] + mean).reshape(batch.shape)

    return model


def test_linear_autoencoder_at_pca_passes_with_its_ratio(reference):
    verdict = ch01.check_linear_autoencoder(pca_model(16))
    assert status(verdict) == "correct", verdict.message
    assert "test MSE / PCA's: 1.000; needed: at most 1.020" in verdict.message


def test_linear_autoencoder_untrained_is_rejected_with_its_ratio(reference):
    import companion as cp

    cp.seed_everything(0)
    untrained = cp.build_linear_autoencoder((784,), ch01.LINEAR_CODE_SIZE)
    verdict = ch01.check_linear_autoencoder(untrained)
    assert status(verdict) == "wrong" and "needed: at most 1.020" in verdict.message, verdict.message
    assert "too few epochs" in verdict.message


@pytest.mark.parametrize(
    "model, hint",
    [
        (pca_model(12), "needed: at most 1.020"),  # fewer components than the code allows: the chapter's baseline
        (pca_model(16, SYNTHETIC_TRAIN[:20]), "needed: at most 1.020"),  # trained on too few digits
        (lambda batch: np.broadcast_to(SYNTHETIC_TRAIN.mean(axis=0), batch.shape).copy(), "needed: at most"),
        (pca_model(32), "span 32 directions"),
        (lambda batch: np.clip(pca_model(16)(batch), 0.45, 0.55), "not linear"),
        (lambda batch: np.maximum(batch, 0.5), "not linear"),
    ],
    ids=["pca-12", "few digits", "mean image", "code too large", "clipped", "relu"],
)
def test_linear_autoencoder_misses_are_explained(reference, model, hint):
    verdict = ch01.check_linear_autoencoder(model)
    assert status(verdict) == "wrong" and hint in verdict.message, verdict.message


def raises(batch):
    raise RuntimeError("out of memory")


@pytest.mark.parametrize(
    "model, hint",
    [
        ("model", "Expected a linear autoencoder"),
        (42, "Expected a linear autoencoder"),
        ([1, 2], "Expected a linear autoencoder"),
        (np.zeros((3, 784)), "Expected a linear autoencoder"),
        (raises, "raised RuntimeError: out of memory"),
        (lambda: None, "raised TypeError"),
        (lambda batch: batch[:, :10], "gives back an image of the input's size"),
        (lambda batch: np.full(batch.shape, np.nan), "NaN"),
        (lambda batch: np.full(batch.shape, np.inf), "NaN or infinite"),
        (lambda batch: None, "array of numbers"),
        (lambda batch: "images", "array of numbers"),
        (lambda batch: batch[:3], "one output per image"),
        (lambda batch: batch.astype("complex64"), "array of numbers"),
    ],
    ids=["string", "number", "list", "array", "raises", "no argument", "output shape", "nan", "inf", "none",
         "text", "too few outputs", "complex"],
)
def test_linear_autoencoder_bad_answers_get_a_verdict(reference, model, hint):
    verdict = ch01.check_linear_autoencoder(model)
    assert status(verdict) == "wrong" and hint in verdict.message, verdict.message


def test_linear_autoencoder_with_the_wrong_input_shape(reference):
    import companion as cp

    verdict = ch01.check_linear_autoencoder(cp.build_linear_autoencoder((100,), 16))
    assert status(verdict) == "wrong" and "takes inputs of shape (100,)" in verdict.message


def test_linear_autoencoder_in_image_shape_is_measured(reference):
    import companion as cp

    model = cp.build_linear_autoencoder((28, 28), 16)
    verdict = ch01.check_linear_autoencoder(model)  # untrained: measured, then rejected
    assert status(verdict) == "wrong" and "test MSE / PCA's" in verdict.message


@pytest.mark.parametrize("answer", [..., None])
def test_linear_autoencoder_unattempted(reference, answer):
    assert status(ch01.check_linear_autoencoder(answer)) == "unattempted"


def test_pca_test_mse_matches_sklearn():
    from sklearn.decomposition import PCA

    pca = PCA(n_components=5).fit(SYNTHETIC_TRAIN)
    expected = np.mean((SYNTHETIC_HELD_OUT - pca.inverse_transform(pca.transform(SYNTHETIC_HELD_OUT))) ** 2)
    assert np.isclose(ch01.pca_test_mse(SYNTHETIC_TRAIN, SYNTHETIC_HELD_OUT, 5), expected, rtol=1e-4)


# Exercise 1.5: prediction, shuffled pixels

@pytest.mark.parametrize(
    "shuffled, pca, outcome",
    [(0.0273, 0.0270, "b"), (0.0300, 0.0270, "a"), (0.0240, 0.0270, "c"), (0.0283, 0.0270, "b")],
)
def test_shuffled_pixels_outcome(shuffled, pca, outcome):
    assert ch01.shuffled_pixels_outcome(shuffled, pca) == outcome


@pytest.mark.parametrize(
    "answer, status_, words",
    [
        ("b", "correct", "your prediction held: (b)"),
        ("(B)", "correct", "a ratio of 1.011"),
        ("a", "wrong", "your prediction (a) did not hold"),
        ("d", "wrong", 'one of "a", "b" or "c"'),
        (2, "wrong", "Expected one letter"),
        (["b"], "wrong", "Expected one letter"),
        (float("nan"), "wrong", "Expected one letter"),
        (..., "unattempted", "write your prediction first"),
        (None, "unattempted", "write your prediction first"),
    ],
)
def test_shuffled_pixels_prediction(answer, status_, words):
    verdict = ch01.check_shuffled_pixels_prediction(answer, 0.0273, 0.0270)
    assert status(verdict) == status_ and words in verdict.message, verdict.message
