"""Checkers of Chapter 12."""

import keras
import numpy as np
import pytest

import companion as cp
from companion.exercises import ch12

# --- 12.1 the vector quantiser, written by the learner ---

from keras import ops  # noqa: E402


def vector_quantizer(nearest="argmin", straight_through=True, loss=None, config=("codebook_size", "beta"),
                     trainable=True, add_twice=False):
    """A learner's VectorQuantizer class, right by default, with one mistake when asked."""

    class VectorQuantizer(keras.layers.Layer):
        def __init__(self, codebook_size, beta=0.25, **kwargs):
            super().__init__(**kwargs)
            self.codebook_size, self.beta = codebook_size, beta

        def build(self, input_shape):
            self.codebook = self.add_weight(shape=(self.codebook_size, input_shape[-1]), initializer="uniform",
                                            name="codebook", trainable=trainable)

        def call(self, inputs):
            flat = ops.reshape(inputs, (-1, ops.shape(inputs)[-1]))
            codebook = ops.cast(self.codebook, inputs.dtype)
            if nearest == "dot":
                index = ops.argmax(ops.matmul(flat, ops.transpose(codebook)), axis=1)
            else:
                distances = ops.sum((flat[:, None, :] - codebook[None]) ** 2, axis=-1)
                index = ops.argmax(distances, axis=1) if nearest == "argmax" else ops.argmin(distances, axis=1)
            quantized = ops.reshape(ops.take(codebook, index, axis=0), ops.shape(inputs))
            codebook_loss = ops.mean((ops.stop_gradient(inputs) - quantized) ** 2)
            commitment_loss = ops.mean((inputs - ops.stop_gradient(quantized)) ** 2)
            if loss is None:
                total = codebook_loss + self.beta * commitment_loss
            else:
                total = loss(self, inputs, quantized, codebook_loss, commitment_loss)
            if total is not False:
                self.add_loss(total)
                if add_twice:
                    self.add_loss(total)
            return inputs + ops.stop_gradient(quantized - inputs) if straight_through else quantized

        def get_config(self):
            return {**super().get_config(), **{name: getattr(self, name) for name in config}}

    return VectorQuantizer


def test_vector_quantizer_accepts_the_solution():
    verdict = ch12.check_vector_quantizer(vector_quantizer())
    assert verdict.status == "correct" and "passes every check" in verdict.message, verdict.message


@pytest.mark.answer_key
def test_vector_quantizer_accepts_the_reference():
    assert ch12.check_vector_quantizer(cp.VectorQuantizer).status == "correct"


@pytest.mark.parametrize(
    "answer, words",
    [
        (vector_quantizer(nearest="argmax"), "replaces each vector by its farthest code, not its nearest"),
        (vector_quantizer(nearest="dot"), "picks the code with the largest dot product"),
        (vector_quantizer(straight_through=False), "gradient zero at the encoder"),
        (vector_quantizer(loss=lambda self, x, q, cb, cm: self.beta * cb + cm),
         "the commitment weight scales the codebook term: with beta=0.25, the codebook's gradient"),
        (vector_quantizer(loss=lambda self, x, q, cb, cm: cb + cm),
         "with inputs of shape (7, 4), the loss it adds is too large by a factor of 1.6"),
        (vector_quantizer(loss=lambda self, x, q, cb, cm: (1 + self.beta) * ops.mean((x - q) ** 2)),
         "the gradient of the added loss with respect to the codebook is too large by a factor of 1.25"),
        (vector_quantizer(loss=lambda self, x, q, cb, cm: (1 + self.beta) * cb),
         "no gradient of the added loss reaches the input"),
        (vector_quantizer(loss=lambda self, x, q, cb, cm: False), "adds no loss: layer.losses is empty"),
        (vector_quantizer(loss=lambda self, x, q, cb, cm: ops.mean((ops.stop_gradient(x) - q) ** 2, axis=-1)
                          + self.beta * ops.mean((x - ops.stop_gradient(q)) ** 2, axis=-1)),
         "adds a loss of shape (7,)"),
        (vector_quantizer(add_twice=True), "It calls add_loss 2 times in one call"),
        (vector_quantizer(config=("codebook_size",)), "config does not round-trip: the rebuilt layer adds another "
                                                      "loss than the original: get_config() leaves out `beta`"),
        (vector_quantizer(config=("beta",)), "get_config() leaves out `codebook_size`"),
        (vector_quantizer(trainable=False), "has no trainable weights"),
    ],
    ids=["farthest", "dot product", "no straight-through", "beta on the codebook term", "no beta",
         "no stop gradient", "no commitment", "no add_loss", "per vector loss", "added twice",
         "config without beta", "config without size", "frozen codebook"],
)
def test_vector_quantizer_names_what_differs(answer, words):
    verdict = ch12.check_vector_quantizer(answer)
    assert verdict.status == "wrong" and words in verdict.message, verdict.message


def test_vector_quantizer_in_float32_only_is_named():
    class Float32(vector_quantizer()):
        def call(self, inputs):
            return super().call(ops.cast(inputs, "float32"))

    verdict = ch12.check_vector_quantizer(Float32)
    assert verdict.status == "wrong" and "with dtype='float16' your layer" in verdict.message, verdict.message


def vq_scaffold():
    class VectorQuantizer(keras.layers.Layer):
        def __init__(self, codebook_size, beta=0.25, **kwargs):
            super().__init__(**kwargs)
            raise NotImplementedError  # your code here

    return VectorQuantizer


def vq_without_call():
    class VectorQuantizer(vector_quantizer()):
        def call(self, inputs):
            raise NotImplementedError  # your code here

    return VectorQuantizer


@pytest.mark.parametrize("answer, words", [
    (..., "write `VectorQuantizer(codebook_size, beta=0.25)`"),
    (vq_scaffold(), "reached `raise NotImplementedError`"),
    (vq_without_call(), "reached `raise NotImplementedError`"),
], ids=["ellipsis", "scaffold", "call left"])
def test_vector_quantizer_unattempted(answer, words):
    verdict = ch12.check_vector_quantizer(answer)
    assert verdict.status == "unattempted" and words in verdict.message, verdict.message


@pytest.mark.parametrize("answer, words", [
    ("VectorQuantizer", "a class or a function"),
    (lambda codebook_size, beta=0.25: np.zeros(3), "to give a Keras layer or model"),
    (lambda codebook_size, beta=0.25: keras.layers.Dense(codebook_size), "holds 8 numbers more in its weights"),
    (lambda codebook_size, beta=0.25: keras.layers.Identity(), "has no trainable weights"),
], ids=["text", "array", "dense", "identity"])
def test_vector_quantizer_wrong_kinds_of_answer(answer, words):
    verdict = ch12.check_vector_quantizer(answer)
    assert verdict.status == "wrong" and words in verdict.message, verdict.message


# --- 12.2 statements ---


def test_statements_right_and_wrong_sets():
    assert ch12.check_statements({"b", "c"}).status == "correct"
    assert ch12.check_statements("cb").status == "correct"
    assert ch12.check_statements(["B", "c"]).status == "correct"
    for wrong_set in ("b", "abc", "bcd", "ae", set()):
        verdict = ch12.check_statements(wrong_set)
        assert verdict.status == "wrong" and "Re-read" in verdict.message
        # the verdict names no letter: the same message for every wrong set
        assert verdict.message == ch12.check_statements("a").message


@pytest.mark.parametrize("answer, status", [(..., "unattempted"), (None, "unattempted"), (3.5, "wrong"),
                                            ({"z"}, "wrong"), ({1, 2}, "wrong")])
def test_statements_odd_answers(answer, status):
    assert ch12.check_statements(answer).status == status


# --- 12.3 nearest codes ---


def right_nearest(vectors, codebook):
    return ((vectors[:, None, :] - codebook[None]) ** 2).sum(axis=2).argmin(axis=1)


def expanded_nearest(vectors, codebook):
    distances = (vectors**2).sum(1, keepdims=True) - 2 * vectors @ codebook.T + (codebook**2).sum(1)
    return distances.argmin(axis=1)


def test_nearest_codes_right():
    assert ch12.check_nearest_codes(right_nearest).status == "correct"
    assert ch12.check_nearest_codes(expanded_nearest).status == "correct"
    as_list = lambda v, c: right_nearest(v, c).tolist()
    assert ch12.check_nearest_codes(as_list).status == "correct"


def raises(vectors, codebook):
    raise RuntimeError("out of memory")


def not_implemented(vectors, codebook):
    raise NotImplementedError


@pytest.mark.parametrize(
    "function, status, hint",
    [
        (lambda v, c: ((v[:, None] - c[None]) ** 2).sum(2).argmax(1), "wrong", "farthest codes"),
        (lambda v, c: (v @ c.T).argmax(1), "wrong", "largest dot product"),
        (lambda v, c: ((v[:, None] - c[None]) ** 2).sum(2).argmin(0), "wrong", "one index per vector"),
        (lambda v, c: ((v[:, None] - c[None]) ** 2).sum(2), "wrong", "should return shape"),
        (lambda v, c: np.zeros(len(v)), "wrong", "differ from the nearest codes"),
        (lambda v, c: right_nearest(v, c) + 0.5, "wrong", "whole numbers"),
        (lambda v, c: np.full(len(v), np.nan), "wrong", "NaN"),
        (lambda v, c: None, "wrong", "forget `return`"),
        (lambda v, c: "indices", "wrong", "must return"),
        (lambda v: v, "wrong", "raised TypeError"),
        (raises, "wrong", "raised RuntimeError: out of memory"),
        ("nearest", "wrong", ": a function. Received"),
        (not_implemented, "unattempted", "NotImplementedError"),
        (..., "unattempted", "write `nearest_codes(vectors, codebook)`"),
    ],
    ids=["argmax", "dot", "axis 0", "distances", "zeros", "halves", "nan", "none", "text", "one argument",
         "raises", "string", "not implemented", "ellipsis"],
)
def test_nearest_codes_wrong(function, status, hint):
    verdict = ch12.check_nearest_codes(function)
    assert verdict.status == status and hint in verdict.message, verdict.message


# --- 12.4 the prediction ---


@pytest.mark.parametrize("share_1, share_7, outcome", [(0.9, 0.05, "b"), (0.27, 0.0, "b"), (0.1, 0.8, "a"),
                                                       (0.3, 0.3, "a"), (0.09, 0.05, "c"), (0.0, 0.0, "c")])
def test_swap_outcome_follows_the_measurement(share_1, share_7, outcome):
    assert ch12.swap_outcome(share_1, share_7) == outcome


@pytest.mark.parametrize(
    "answer, status, words",
    [
        ("b", "correct", "your prediction held: (b)"),
        ("(B)", "correct", "92% of the decoded images as 1s"),
        ("a", "wrong", "your prediction (a) did not hold. The experiment measured:"),
        ("z", "wrong", 'one of "a", "b" or "c"'),
        (2, "wrong", "Expected one letter"),
        (None, "unattempted", "write your prediction first"),
        (..., "unattempted", "write your prediction first"),
    ],
)
def test_swap_prediction(answer, status, words):
    verdict = ch12.check_swap_prediction(answer, 0.92, 0.03)
    assert verdict.status == status and words in verdict.message, verdict.message


def test_swap_prediction_asks_for_the_measurements():
    verdict = ch12.check_swap_prediction("b", None, 0.03)
    assert verdict.status == "wrong" and "pass `share_1`" in verdict.message, verdict.message
    verdict = ch12.check_swap_prediction("b", 0.9, 1.5)
    assert verdict.status == "wrong" and "pass `share_7`" in verdict.message, verdict.message


def test_statements_key_is_sealed():
    assert isinstance(ch12._TRUE_STATEMENTS, ch12.SealedLetters)
    verdict = ch12.check_statements("bc")
    assert "(a) is false: the straight-through" in verdict.message and "(c) is true: the perplexity" in verdict.message


# --- 12.5 a trained VQ autoencoder ---


def blocks(n, seed=0):
    """Synthetic digits: a few 4x4 blocks lit at random positions of the 7x7 grid."""
    rng = np.random.default_rng(seed)
    grid = (rng.uniform(size=(n, 7, 7)) < 0.3).astype("float32")
    return np.kron(grid, np.ones((4, 4), "float32"))


@pytest.fixture
def held_out(monkeypatch):
    images = blocks(64, seed=1)
    monkeypatch.setattr(ch12, "vq_test_digits", lambda: images)
    return images


def vq_model(codebook_size=8, collapsed=False, trained=False):
    cp.seed_everything(0)
    model = cp.build_vq_autoencoder((28, 28, 1), 4, codebook_size=codebook_size, filters=(8, 8), seed=1)
    if collapsed:  # every code in the same place: one code does everything, as in a collapsed codebook
        model.quantizer.codebook.assign(np.zeros(model.quantizer.codebook.shape, "float32"))
    if trained:
        images = blocks(512)[..., None]
        cp.train(model, images, loss="binary_crossentropy", epochs=8, batch_size=32, learning_rate=3e-3,
                 callbacks=[cp.DeadCodeRestarts(images, until_epoch=4)])
    return model


@pytest.fixture(scope="module")
def trained_vq():
    return vq_model(trained=True)


@pytest.mark.slow
def test_a_trained_vq_autoencoder_passes_with_its_numbers(held_out, trained_vq, monkeypatch):
    monkeypatch.setattr(ch12, "VQ_PERPLEXITY_TARGET", 2.0)  # 8 codes on blocks: lower bars than on digits
    monkeypatch.setattr(ch12, "VQ_MSE_TARGET", 0.05)
    verdict = ch12.check_vq_autoencoder(trained_vq)
    assert verdict.status == "correct", verdict.message
    assert "perplexity of the codes" in verdict.message and "test MSE per pixel" in verdict.message


def test_an_untrained_vq_autoencoder_is_rejected_with_its_numbers(held_out):
    verdict = ch12.check_vq_autoencoder(vq_model())
    assert verdict.status == "wrong" and "needed: at most 0.0150" in verdict.message, verdict.message
    assert "not trained" in verdict.message


def test_a_collapsed_codebook_is_rejected_for_its_perplexity(held_out):
    verdict = ch12.check_vq_autoencoder(vq_model(collapsed=True))
    assert verdict.status == "wrong" and "perplexity of the codes: 1.0" in verdict.message, verdict.message
    assert "dead codes" in verdict.message


def test_a_large_codebook_is_refused():
    verdict = ch12.check_vq_autoencoder(vq_model(codebook_size=128))
    assert verdict.status == "wrong" and "at most 64" in verdict.message


def test_a_model_without_a_quantiser_is_explained(held_out):
    plain = cp.build_conv_autoencoder((28, 28, 1), 8, filters=(4,))
    verdict = ch12.check_vq_autoencoder(plain)
    assert verdict.status == "wrong" and "no cp.VectorQuantizer" in verdict.message


def test_a_model_with_the_wrong_input_shape_is_explained(held_out):
    model = cp.build_vq_autoencoder((32, 32, 1), 2, codebook_size=4, filters=(4,))
    verdict = ch12.check_vq_autoencoder(model)
    assert verdict.status == "wrong" and "takes inputs of shape (32, 32, 1)" in verdict.message, verdict.message


def raising_model(batch):
    raise RuntimeError("out of memory")


@pytest.mark.parametrize(
    "model, hint",
    [
        ("model", "Expected a VQ autoencoder (a Keras model)"),
        (42, "Expected a VQ autoencoder"),
        ([1, 2], "Expected a VQ autoencoder"),
        (raising_model, "no cp.VectorQuantizer"),
        (lambda batch: batch, "no cp.VectorQuantizer"),
    ],
    ids=["string", "number", "list", "raises", "identity"],
)
def test_bad_models_get_a_verdict_not_an_exception(held_out, model, hint):
    verdict = ch12.check_vq_autoencoder(model)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def test_a_model_whose_decoder_fails_or_returns_nan_gets_a_verdict(held_out):
    model = vq_model()
    last = model.decoder.get_layer("reconstruction")
    bias = last.weights[1]
    bias.assign(np.full(bias.shape, np.nan, "float32"))
    verdict = ch12.check_vq_autoencoder(model)
    assert verdict.status == "wrong" and "NaN" in verdict.message, verdict.message


def test_a_model_with_the_wrong_output_shape_is_explained(held_out):
    base = vq_model()
    cropped = keras.Model(base.encoder.inputs, keras.layers.Cropping2D(2)(base(base.encoder.inputs[0])))
    verdict = ch12.check_vq_autoencoder(cropped)
    # the quantiser is found through the nested model's layers, or not at all: either way a verdict
    assert verdict.status == "wrong", verdict.message


@pytest.mark.parametrize("answer", [..., None])
def test_vq_not_attempted(answer):
    assert ch12.check_vq_autoencoder(answer).status == "unattempted"
