"""Checkers of Chapter 3."""

import numpy as np
import pytest

import keras
from keras import ops

import companion as cp
from companion.exercises import ch03


# Exercises 3.1 and 3.2 (the tied layer and the tied sandwich written by the learner): see the end of this file


def test_tied_statements():
    assert ch03.check_tied_statements("bd").status == "correct"
    verdict = ch03.check_tied_statements({"a", "b", "d"})
    assert verdict.status == "wrong" and "Re-read" in verdict.message


# Exercise 3.4: prediction, the kernel of a tied linear autoencoder

ORTHONORMAL = np.linalg.qr(np.random.default_rng(34).normal(size=(784, 32)))[0]


@pytest.mark.parametrize(
    "kernel, outcome",
    [
        (ORTHONORMAL, "b"),
        (ORTHONORMAL * 1.02, "b"),
        (ORTHONORMAL @ np.diag(np.linspace(0.5, 2, 32)), "a"),
        (np.random.default_rng(0).normal(scale=0.05, size=(784, 32)), "a"),  # Glorot-like: far from I
        (ORTHONORMAL * 0.01, "c"),
    ],
    ids=["orthonormal", "nearly", "scaled columns", "random", "shrunk"],
)
def test_tied_linear_outcome(kernel, outcome):
    assert ch03.tied_linear_outcome(kernel) == outcome


@pytest.mark.parametrize(
    "answer, kernel, status, words",
    [
        ("b", ORTHONORMAL, "correct", "your prediction held: (b)"),
        (" B ", ORTHONORMAL, "correct", "|W W^T - I| is 0.000"),
        ("a", ORTHONORMAL, "wrong", "your prediction (a) did not hold"),
        ("z", ORTHONORMAL, "wrong", 'one of "a", "b" or "c"'),
        (0, ORTHONORMAL, "wrong", "Expected one letter"),
        (..., ORTHONORMAL, "unattempted", "write your prediction first"),
        ("b", None, "wrong", "run the experiment's cell first"),
        ("b", ORTHONORMAL[0], "wrong", "run the experiment's cell first"),
        ("b", ORTHONORMAL.tolist(), "wrong", "run the experiment's cell first"),
        ("b", np.full((784, 32), np.nan), "wrong", "run the experiment's cell first"),
        ("b", np.array([["a"]]), "wrong", "run the experiment's cell first"),
    ],
)
def test_tied_linear_prediction(answer, kernel, status, words):
    verdict = ch03.check_tied_linear_prediction(answer, kernel)
    assert verdict.status == status and words in verdict.message, verdict.message


# Exercise 3.5: a trained tied autoencoder under a parameter budget, measured on the checker's digits

RNG = np.random.default_rng(35)
HELD_OUT = RNG.uniform(size=(200, 28, 28)).astype("float32")


@pytest.fixture
def held_out(monkeypatch):
    monkeypatch.setattr(ch03, "held_out_digits", lambda: HELD_OUT)


class Answer:
    """A stand-in for a trained autoencoder with weights that are or are not shared."""

    def __init__(self, reconstruct, *, tied=True, code_size=32, parameters=105_520):
        kernel = np.zeros((784, 128))
        self.encoder = lambda batch: np.zeros((len(batch), code_size), dtype="float32")
        self.encoder.weights = [kernel, np.zeros(128)]
        self.decoder = lambda codes: codes
        self.decoder.weights = [kernel if tied else np.zeros((128, 784)), np.zeros(784)]
        self.reconstruct, self.parameters = reconstruct, parameters

    def __call__(self, batch):
        return self.reconstruct(batch)

    def count_params(self):
        return self.parameters


def near_copy(batch):
    return batch + 0.01


def test_tied_budget_model_that_reconstructs_passes_with_its_numbers(held_out):
    verdict = ch03.check_tied_budget_autoencoder(Answer(near_copy))
    assert verdict.status == "correct", verdict.message
    assert "parameters: 105520; needed: at most 120000" in verdict.message
    assert "105,520 parameters; 205,872 untied" in verdict.message
    assert "needed: at most 11.50" in verdict.message


def test_tied_budget_real_models(held_out):
    cp.seed_everything(0)
    tied = cp.build_tied_autoencoder((784,), 32, hidden_sizes=(128,))
    untied = cp.build_stacked_autoencoder((784,), 32, hidden_sizes=(128,))
    untrained = ch03.check_tied_budget_autoencoder(tied)
    not_tied = ch03.check_tied_budget_autoencoder(untied)
    assert untrained.status == "wrong" and "needed: at most 11.50" in untrained.message, untrained.message
    assert "105,520 parameters; 209,968 untied" in untrained.message
    assert not_tied.status == "wrong" and "2 of its 2 kernels are its own" in not_tied.message, not_tied.message


def pca_32(batch):
    """The chapter's linear baseline on the synthetic digits: PCA with 32 components."""
    flat = batch.reshape(len(batch), -1)
    mean = flat.mean(axis=0)
    _, _, vt = np.linalg.svd(flat - mean, full_matrices=False)
    return ((flat - mean) @ vt[:32].T @ vt[:32] + mean).reshape(batch.shape)


@pytest.mark.parametrize(
    "answer, hint",
    [
        (Answer(pca_32), "squared error per image"),
        (Answer(near_copy, tied=False), "1 of its 1 kernels are its own"),
        (Answer(near_copy, parameters=222_384), "parameters: 222384; needed: at most 120000"),
        (Answer(near_copy, code_size=64), "codes of 64 numbers"),
    ],
    ids=["pca-32", "untied", "too many parameters", "code too large"],
)
def test_tied_budget_misses_are_explained(held_out, answer, hint):
    verdict = ch03.check_tied_budget_autoencoder(answer)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def raises(batch):
    raise RuntimeError("out of memory")


def without_decoder_weights():
    answer = Answer(near_copy)
    answer.decoder = lambda codes: codes  # a function has no .weights
    return answer


def without_kernels():
    answer = Answer(near_copy)
    answer.decoder.weights = [np.zeros(784)]
    return answer


@pytest.mark.parametrize(
    "answer, hint",
    [
        ("model", "with .encoder and .decoder"),
        (3.5, "with .encoder and .decoder"),
        ([1, 2], "with .encoder and .decoder"),
        (near_copy, "with .encoder and .decoder"),
        (Answer(raises), "raised RuntimeError: out of memory"),
        (Answer(lambda batch: batch[:, :10]), "gives back an image of the input's size"),
        (Answer(lambda batch: np.full(batch.shape, np.inf)), "NaN or infinite"),
        (Answer(lambda batch: None), "array of numbers"),
        (Answer(lambda batch: [[1, 2], [3]]), "one output per image"),
        (without_decoder_weights(), "reading your model's weights raised AttributeError"),
        (without_kernels(), "no kernel is its own"),
    ],
    ids=["string", "number", "list", "function", "raises", "output shape", "inf", "none", "ragged",
         "no weights", "no kernels"],
)
def test_tied_budget_bad_answers_get_a_verdict(held_out, answer, hint):
    verdict = ch03.check_tied_budget_autoencoder(answer)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def test_tied_budget_with_the_wrong_input_shape(held_out):
    verdict = ch03.check_tied_budget_autoencoder(cp.build_tied_autoencoder((100,), 8, hidden_sizes=()))
    assert verdict.status == "wrong" and "takes inputs of shape (100,)" in verdict.message


@pytest.mark.parametrize("answer", [..., None])
def test_tied_budget_unattempted(held_out, answer):
    assert ch03.check_tied_budget_autoencoder(answer).status == "unattempted"


# Exercise 3.1: DenseTranspose written by the learner, checked like a Keras layer


class DenseTranspose(keras.layers.Layer):
    """The solution: a Dense layer whose kernel is another's, transposed, with a bias of its own."""

    def __init__(self, dense, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.dense = dense
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        self.bias = self.add_weight(name="bias", shape=(self.dense.kernel.shape[0],), initializer="zeros")

    def call(self, inputs):
        return self.activation(ops.matmul(inputs, ops.transpose(self.dense.kernel)) + self.bias)

    def get_config(self):
        return {**super().get_config(), "dense": keras.saving.serialize_keras_object(self.dense),
                "activation": keras.activations.serialize(self.activation)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        dense = keras.saving.deserialize_keras_object(config.pop("dense"))
        return cls(dense, **config)


def variant(call=None, build=None, get_config=None, from_config=True):
    """The solution with one mistake."""

    class Variant(DenseTranspose):
        pass

    if call:
        Variant.call = lambda self, inputs: call(self, inputs)
    if build:
        Variant.build = lambda self, input_shape: build(self, input_shape)
    if get_config:
        Variant.get_config = lambda self: get_config(self)
    if not from_config:
        Variant.from_config = classmethod(lambda cls, config: cls(**config))
    return Variant


def transposed(layer, inputs):
    return ops.matmul(inputs, ops.transpose(layer.dense.kernel))


def own_kernel(layer, input_shape):
    layer.kernel = layer.add_weight(shape=(input_shape[-1], layer.dense.kernel.shape[0]))
    layer.bias = layer.add_weight(shape=(layer.dense.kernel.shape[0],), initializer="zeros")


def copied_kernel(layer, input_shape):
    layer.copy = ops.convert_to_tensor(ops.convert_to_numpy(layer.dense.kernel).T)
    layer.bias = layer.add_weight(shape=(layer.dense.kernel.shape[0],), initializer="zeros")


def base_config(layer):
    return {**keras.layers.Layer.get_config(layer), "activation": keras.activations.serialize(layer.activation)}


@pytest.mark.parametrize("answer", [
    DenseTranspose, pytest.param(cp.DenseTranspose, marks=pytest.mark.answer_key),
], ids=["solution", "the reference"])
def test_dense_transpose_accepts_the_solution(answer):
    verdict = ch03.check_dense_transpose(answer)
    assert verdict.status == "correct", verdict.message
    assert "passes every check" in verdict.message


TIED_5 = "your layer (tied to a Dense layer from 8 to 5 numbers)"


@pytest.mark.parametrize("answer, words", [
    (variant(build=own_kernel, call=lambda self, x: self.activation(ops.matmul(x, self.kernel) + self.bias)),
     f"{TIED_5} has a kernel of its own, of shape (5, 8): a tied layer reuses the kernel"),
    (variant(build=lambda self, input_shape: None, call=lambda self, x: self.activation(transposed(self, x))),
     f"{TIED_5} has no weights of its own: a tied layer keeps a bias of its own"),
    (variant(build=lambda self, input_shape: setattr(self, "bias", self.add_weight(shape=(self.dense.units,)))),
     "besides the tied layer's, have shapes [(5,)]: a tied layer keeps one bias, one number per output"),
    (variant(call=lambda self, x: transposed(self, x) + self.bias),
     "the output of your layer (tied to a Dense layer from 40 to 16 numbers, activation='sigmoid') differs from "
     "the reference's by"),
    (variant(call=lambda self, x: self.activation(transposed(self, x) + self.bias + ops.sum(self.dense.bias))),
     f"with inputs of shape (1, 5), the output of {TIED_5} is shifted by a constant"),
    (variant(call=lambda self, x: self.activation(-transposed(self, x) + self.bias)),
     f"the output of {TIED_5} differs from the reference's by"),
    (variant(build=copied_kernel, call=lambda self, x: self.activation(ops.matmul(x, self.copy) + self.bias)),
     f"after the kernel of the Dense layer it is tied to changed, the output of {TIED_5} stays as it was"),
    (variant(call=lambda self, x: self.activation(
        ops.matmul(x, ops.stop_gradient(ops.transpose(self.dense.kernel))) + self.bias)),
     "no gradient reaches encoder_layer/kernel: its gradient is zero where the reference's is not"),
    (variant(get_config=lambda self: {**base_config(self), "dense": self.dense}),
     "holds something that JSON cannot store (TypeError: Object of type Dense is not JSON serializable)"),
    (variant(get_config=base_config), "raised KeyError: 'dense'. get_config() leaves out `dense`, an argument"),
    (variant(from_config=False), "holds the tied layer's config, a dict, in `dense`, where it needs the layer"),
], ids=["own kernel", "no bias", "bias per input", "no activation", "another bias", "kernel negated", "copied kernel",
        "stop gradient", "layer in config", "config without the layer", "default from_config"])
def test_dense_transpose_names_what_differs(answer, words):
    verdict = ch03.check_dense_transpose(answer)
    assert verdict.status == "wrong" and words in verdict.message, verdict.message


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="overrides TensorFlow's train_step")
def test_dense_transpose_whose_model_does_not_learn_misses_the_training_target(monkeypatch):
    class Lazy(keras.Model):
        def train_step(self, data):
            return {"loss": keras.ops.convert_to_tensor(1.0)}

    original = keras.Model

    def lazy_model(*args, **kwargs):  # the checker's tied autoencoder, built with keras.Model(inputs, outputs)
        return Lazy(*args, **kwargs) if args else original(*args, **kwargs)

    monkeypatch.setattr(ch03.keras, "Model", lazy_model)
    verdict = ch03.check_dense_transpose(DenseTranspose)
    assert verdict.status == "wrong", verdict.message
    assert "a tied linear autoencoder made with your layer's error / PCA's is" in verdict.message


def dense_transpose_scaffold():
    class DenseTranspose(keras.layers.Layer):
        def __init__(self, dense, activation=None, **kwargs):
            super().__init__(**kwargs)
            raise NotImplementedError  # your code here

    return DenseTranspose


@pytest.mark.parametrize("answer, words", [
    (..., "write `DenseTranspose(dense, activation=None)`"),
    (None, "write `DenseTranspose(dense, activation=None)`"),
    (dense_transpose_scaffold(), "reached `raise NotImplementedError`"),
    (variant(call=lambda self, x: (_ for _ in ()).throw(NotImplementedError)), "reached `raise NotImplementedError`"),
], ids=["ellipsis", "none", "scaffold", "call left"])
def test_dense_transpose_unattempted(answer, words):
    verdict = ch03.check_dense_transpose(answer)
    assert verdict.status == "unattempted" and words in verdict.message, verdict.message


@pytest.mark.parametrize("answer, words", [
    ("DenseTranspose", "Expected `DenseTranspose(dense, activation=None)`: a class or a function"),
    (lambda dense, activation=None: None, "gave None: did you forget `return`?"),
    (lambda dense, activation=None: dense.kernel, "to give a Keras layer or model"),
    (lambda dense, activation=None: keras.layers.Dense(dense.kernel.shape[0], activation=activation),
     "has a kernel of its own"),
    (lambda: None, "raised TypeError"),
], ids=["text", "returns none", "returns a tensor", "an untied Dense layer", "wrong signature"])
def test_dense_transpose_wrong_kinds_of_answer(answer, words):
    verdict = ch03.check_dense_transpose(answer)
    assert verdict.status == "wrong" and words in verdict.message, verdict.message


# Exercise 3.2: the tied sandwich written by the learner


class TiedSandwich(keras.Model):
    """The solution: a subclass that builds its tied decoder from its sizes, which its config holds."""

    def __init__(self, input_dim, hidden_sizes, code_size, transpose=DenseTranspose, **kwargs):
        super().__init__(**kwargs)
        self.input_dim, self.hidden_sizes, self.code_size = input_dim, tuple(hidden_sizes), code_size
        dense = [keras.layers.Dense(size, activation="relu") for size in self.hidden_sizes]
        dense.append(keras.layers.Dense(code_size))
        self.encoder = keras.Sequential([keras.Input(shape=(input_dim,)), *dense], name="encoder")
        activations = ["relu"] * len(self.hidden_sizes) + ["sigmoid"]
        self.decoder = keras.Sequential(
            [keras.Input(shape=(code_size,))]
            + [transpose(layer, activation=activation) for layer, activation in zip(reversed(dense), activations)],
            name="decoder")

    def call(self, inputs):
        return self.decoder(self.encoder(inputs))

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim, "hidden_sizes": self.hidden_sizes,
                "code_size": self.code_size}


def functional_tied_sandwich(input_dim, hidden_sizes, code_size):
    """A tied sandwich as a functional model: the tie does not survive from_config."""
    model = TiedSandwich(input_dim, hidden_sizes, code_size, transpose=cp.DenseTranspose)
    inputs = keras.Input(shape=(input_dim,))
    functional = keras.Model(inputs, model.decoder(model.encoder(inputs)))
    functional.encoder, functional.decoder = model.encoder, model.decoder
    return functional


@pytest.mark.parametrize("answer", [
    TiedSandwich,
    lambda input_dim, hidden_sizes, code_size: TiedSandwich(input_dim, hidden_sizes, code_size,
                                                           transpose=cp.DenseTranspose),
    pytest.param(lambda input_dim, hidden_sizes, code_size: cp.build_tied_autoencoder(
        (input_dim,), code_size, hidden_sizes=hidden_sizes), marks=pytest.mark.answer_key),
], ids=["solution", "with cp.DenseTranspose", "the reference"])
def test_tied_sandwich_accepts_the_solution(answer):
    verdict = ch03.check_tied_sandwich(answer)
    assert verdict.status == "correct", verdict.message
    assert "passes every check" in verdict.message


class TiedSandwichWithoutConfig(TiedSandwich):
    def get_config(self):
        return keras.Model.get_config(self)


class TiedSandwichWithASharedBias(TiedSandwich):
    def __init__(self, input_dim, hidden_sizes, code_size, **kwargs):
        super().__init__(input_dim, hidden_sizes, code_size, **kwargs)
        self.extra = self.add_weight(shape=(3,), initializer="zeros", trainable=False)


@pytest.mark.parametrize("answer, words", [
    (lambda input_dim, hidden_sizes, code_size: cp.build_stacked_autoencoder((input_dim,), code_size,
                                                                            hidden_sizes=hidden_sizes),
     "has 3 kernels of its own, of shapes [(3, 6), (6, 10), (10, 12)]: a tied decoder reuses the encoder's kernels"),
    (functional_tied_sandwich, "config does not round-trip the tie: rebuilt with from_config(get_config()), your "
                               "model (input_dim=12, hidden_sizes=(10, 6), code_size=3) holds 15 weight tensors "
                               "where the original holds 9"),
    (TiedSandwichWithoutConfig, "get_config() leaves out `input_dim`, `hidden_sizes` and `code_size`"),
    (TiedSandwichWithASharedBias, "holds 1 weight tensors that belong to neither its encoder nor its decoder"),
    (lambda input_dim, hidden_sizes, code_size: TiedSandwich(
        input_dim, hidden_sizes, code_size, transpose=variant(call=lambda self, x: transposed(self, x) + self.bias)),
     "the output of the decoder of your model (input_dim=12, hidden_sizes=(10, 6), code_size=3) differs from the "
     "reference's by"),
], ids=["untied", "functional", "no config", "an extra weight", "activations left out"])
def test_tied_sandwich_names_what_differs(answer, words):
    verdict = ch03.check_tied_sandwich(answer)
    assert verdict.status == "wrong" and words in verdict.message, verdict.message


@pytest.mark.parametrize("answer, status, words", [
    (..., "unattempted", "write `TiedSandwich(input_dim, hidden_sizes, code_size)`"),
    ("TiedSandwich", "wrong", "a class or a function"),
    (lambda input_dim, hidden_sizes, code_size: None, "wrong", "gave None: did you forget `return`?"),
], ids=["ellipsis", "text", "returns none"])
def test_tied_sandwich_odd_answers(answer, status, words):
    verdict = ch03.check_tied_sandwich(answer)
    assert verdict.status == status and words in verdict.message, verdict.message


def test_statements_key_is_not_readable():
    assert not any(isinstance(value, (set, frozenset)) for value in vars(ch03).values())
    verdict = ch03.check_tied_statements("bd")
    assert verdict.status == "correct"
    assert "(a) is false: the decoder keeps" in verdict.message and "(b) is true: the gradient" in verdict.message
