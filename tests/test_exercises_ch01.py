"""Checkers of Chapter 1: unattempted, wrong type, wrong shape, wrong value, NaN, right."""

import numpy as np
import pytest

from companion.exercises import Verdict, _verdict, ch01, ch02, ch03, ch04, ch05, ch06, ch07, ch08, ch09


def status(verdict):
    assert isinstance(verdict, Verdict)
    return verdict.status


# Exercise 1.1 (the linear autoencoder written by the learner): see the end of this file

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
    assert status(verdict) == "wrong" and ": a function. Received" in verdict.message


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
    assert "Expected the letters of the true statements" in ch01.check_linear_ae_statements(3).message
    assert status(ch01.check_linear_ae_statements(...)) == "unattempted"


def test_verdict_prints_a_heading():
    assert repr(ch01.check_pca_reconstruct(right_pca)).startswith("✅ Correct:")
    assert repr(ch01.check_pca_reconstruct(lambda x, k: x)).startswith("❌ Not yet:")
    with pytest.raises(ValueError, match="status must be one of"):
        Verdict("maybe", "?")


# No answer makes a checker raise

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
def reference(checker_digits):
    checker_digits.set("train", SYNTHETIC_TRAIN)
    checker_digits.set("test", SYNTHETIC_HELD_OUT)


def test_reference_digits_come_from_the_one_seam(reference, checker_digits):
    train, held_out = ch01.reference_digits()
    assert np.allclose(train, SYNTHETIC_TRAIN) and np.allclose(held_out, SYNTHETIC_HELD_OUT)
    assert checker_digits.requests == [("train", ch01.REFERENCE_TRAIN_IMAGES), ("test", ch01.HELD_OUT_IMAGES)]


def pca_model(k, train=SYNTHETIC_TRAIN):
    """A function that reconstructs flat images from k principal components of `train`."""
    mean = train.mean(axis=0)
    _, _, vt = np.linalg.svd(train - mean, full_matrices=False)

    def model(batch):
        flat = batch.reshape(len(batch), -1)
        return ((flat - mean) @ vt[:k].T @ vt[:k] + mean).reshape(batch.shape)

    return model


def test_linear_autoencoder_at_pca_passes_with_its_ratio(reference):
    verdict = ch01.check_trained_linear_autoencoder(pca_model(16))
    assert status(verdict) == "correct", verdict.message
    assert "test MSE / PCA's: 1.000; needed: at most 1.020" in verdict.message


def test_linear_autoencoder_untrained_is_rejected_with_its_ratio(reference):
    import companion as cp

    cp.seed_everything(0)
    untrained = cp.build_linear_autoencoder((784,), ch01.LINEAR_CODE_SIZE)
    verdict = ch01.check_trained_linear_autoencoder(untrained)
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
    verdict = ch01.check_trained_linear_autoencoder(model)
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
    verdict = ch01.check_trained_linear_autoencoder(model)
    assert status(verdict) == "wrong" and hint in verdict.message, verdict.message


def test_linear_autoencoder_with_the_wrong_input_shape(reference):
    import companion as cp

    verdict = ch01.check_trained_linear_autoencoder(cp.build_linear_autoencoder((100,), 16))
    assert status(verdict) == "wrong" and "takes inputs of shape (100,)" in verdict.message


def test_linear_autoencoder_in_image_shape_is_measured(reference):
    import companion as cp

    model = cp.build_linear_autoencoder((28, 28), 16)
    verdict = ch01.check_trained_linear_autoencoder(model)  # untrained: measured, then rejected
    assert status(verdict) == "wrong" and "test MSE / PCA's" in verdict.message


@pytest.mark.parametrize("answer", [..., None])
def test_linear_autoencoder_unattempted(reference, answer):
    assert status(ch01.check_trained_linear_autoencoder(answer)) == "unattempted"


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


def test_shuffled_pixels_prediction_asks_for_the_measurements():
    verdict = ch01.check_shuffled_pixels_prediction("b", None, 0.027)
    assert status(verdict) == "wrong" and "pass `shuffled_mse`" in verdict.message, verdict.message
    verdict = ch01.check_shuffled_pixels_prediction("b", 0.027, -1.0)
    assert status(verdict) == "wrong" and "pass `pca_16_mse`" in verdict.message, verdict.message


def test_statements_key_is_not_readable():
    assert not any(isinstance(value, (set, frozenset)) or value in ("bde", ["b", "d", "e"])
                   for value in vars(ch01).values() if not callable(value) and not isinstance(value, type(np)))
    assert "b" not in repr(ch01._TRUE_STATEMENTS).split("digest")[1]
    verdict = ch01.check_linear_ae_statements("bde")
    assert "(a) is false: any invertible mix" in verdict.message and "(e) is true: with at least" in verdict.message


# Exercise 1.1: the linear autoencoder written by the learner, checked like a Keras layer

import keras  # noqa: E402


def linear_autoencoder(encoder=None, decoder=None, call=None, get_config=True, code=None):
    """A learner's LinearAutoencoder class, right by default, with one mistake when asked."""

    class LinearAutoencoder(keras.Model):
        def __init__(self, input_dim, code_size, **kwargs):
            super().__init__(**kwargs)
            self.input_dim, self.code_size = input_dim, code_size
            self.encoder = keras.layers.Dense(code or code_size, **(encoder or {}))
            self.decoder = keras.layers.Dense(input_dim, **(decoder or {}))

        def call(self, inputs):
            return call(self, inputs) if call else self.decoder(self.encoder(inputs))

    if get_config:
        def config(self):
            base = {**keras.Model.get_config(self), "input_dim": self.input_dim, "code_size": self.code_size}
            return get_config(base) if callable(get_config) else base

        LinearAutoencoder.get_config = config
    return LinearAutoencoder


def test_build_it_accepts_the_solution():
    verdict = ch01.check_linear_autoencoder(linear_autoencoder())
    assert status(verdict) == "correct", verdict.message
    assert "passes every check" in verdict.message


def test_build_it_accepts_a_function_that_builds_the_reference():
    import companion as cp

    verdict = ch01.check_linear_autoencoder(lambda input_dim, code_size: cp.build_linear_autoencoder(
        (input_dim,), code_size))
    assert status(verdict) == "correct", verdict.message


@pytest.mark.parametrize(
    "answer, words",
    [
        (linear_autoencoder(encoder={"activation": "relu"}),
         "is not linear: with random weights, its output for 3a - 2b differs from 3 f(a) - 2 f(b) by"),
        (linear_autoencoder(encoder={"use_bias": False}, decoder={"use_bias": False}),
         "still maps the zero input to zero: nothing in it can shift its output"),
        (linear_autoencoder(decoder={"use_bias": False}), "holds 12 numbers fewer in its weights than the reference"),
        (linear_autoencoder(code=32), "passes 12 independent directions from input to output, more than a code of 3"),
        (linear_autoencoder(call=lambda self, x: self.decoder(x)), "does everything go through the code?"),
        (linear_autoencoder(call=lambda self, x: self.decoder(self.encoder(x)) / 784),
         "with inputs of shape (1, 12), the output is too small by a factor of 784."),
        (linear_autoencoder(call=lambda self, x: -self.decoder(self.encoder(x))), "the output has its sign flipped"),
        (linear_autoencoder(call=lambda self, x: self.decoder(keras.ops.stop_gradient(self.encoder(x)))),
         "its gradient is zero where the reference's is not"),
        (linear_autoencoder(get_config=False), "has no get_config of its own"),
        (linear_autoencoder(get_config=lambda config: {k: v for k, v in config.items() if k != "code_size"}),
         "config does not round-trip: get_config() leaves out `code_size`"),
        (linear_autoencoder(call=lambda self, x: self.encoder(x)), "returns (1, 3): an autoencoder gives back"),
    ],
    ids=["relu", "no biases", "no decoder bias", "code size", "decoder skips the code", "divided", "negated",
         "stop gradient", "no config", "config without code_size", "encoder only"],
)
def test_build_it_names_what_differs(answer, words):
    verdict = ch01.check_linear_autoencoder(answer)
    assert status(verdict) == "wrong" and words in verdict.message, verdict.message


def test_build_it_with_frozen_weights_is_named():
    verdict = ch01.check_linear_autoencoder(linear_autoencoder(encoder={"trainable": False}))
    assert status(verdict) == "wrong" and "2 trainable weight tensors where the reference has 4" in verdict.message


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="overrides TensorFlow's train_step")
def test_build_it_that_does_not_learn_misses_the_training_target():
    class Lazy(linear_autoencoder()):
        def train_step(self, data):
            return {"loss": keras.ops.convert_to_tensor(1.0)}

    verdict = ch01.check_linear_autoencoder(Lazy)
    assert status(verdict) == "wrong", verdict.message
    assert "after 6 epochs on a toy problem, your model's error / PCA's is" in verdict.message
    assert "needed: at most 2.00" in verdict.message


def scaffold_class():
    class LinearAutoencoder(keras.Model):
        def __init__(self, input_dim, code_size, **kwargs):
            super().__init__(**kwargs)
            raise NotImplementedError  # your code here

    return LinearAutoencoder


def half_done_class():
    class LinearAutoencoder(linear_autoencoder()):
        def get_config(self):
            raise NotImplementedError  # your code here

    return LinearAutoencoder


def empty_function(input_dim, code_size):
    """Build the model."""


@pytest.mark.parametrize("answer, words", [
    (..., "write `LinearAutoencoder(input_dim, code_size)`"),
    (None, "write `LinearAutoencoder(input_dim, code_size)`"),
    (scaffold_class(), "reached `raise NotImplementedError`"),
    (half_done_class(), "calling get_config() of your model (input_dim=12, code_size=3) reached `raise"),
    (empty_function, "is still empty"),
], ids=["ellipsis", "none", "scaffold", "get_config left", "empty function"])
def test_build_it_unattempted(answer, words):
    verdict = ch01.check_linear_autoencoder(answer)
    assert status(verdict) == "unattempted" and words in verdict.message, verdict.message


@pytest.mark.parametrize("answer, words", [
    ("LinearAutoencoder", "Expected `LinearAutoencoder(input_dim, code_size)`: a class or a function"),
    (lambda input_dim, code_size: None, "gave None: did you forget `return`?"),
    (lambda input_dim, code_size: np.zeros(3), "to give a Keras layer or model"),
    (lambda input_dim: None, "raised TypeError"),
], ids=["text", "returns none", "returns array", "wrong signature"])
def test_build_it_wrong_kinds_of_answer(answer, words):
    verdict = ch01.check_linear_autoencoder(answer)
    assert status(verdict) == "wrong" and words in verdict.message, verdict.message
