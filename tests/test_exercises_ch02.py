"""Checkers of Chapter 2: unattempted, wrong type, wrong value, right."""

import numpy as np
import pytest

import keras

import companion as cp
from companion.exercises import ch02


# Exercise 2.1 (the sandwich written by the learner): see the end of this file


def test_bottleneck_right():
    model = cp.build_stacked_autoencoder((784,), hidden_sizes=(256,), code_size=16)
    verdict = ch02.check_bottleneck_model(model)
    assert verdict.status == "correct", verdict.message


@pytest.mark.parametrize(
    "kwargs, hint",
    [
        ({"hidden_sizes": (128,), "code_size": 16}, "expected [256, 16]"),
        ({"hidden_sizes": (256,), "code_size": 32}, "expected [256, 16]"),
        ({"hidden_sizes": (256,), "code_size": 16, "activation": "tanh"}, "ReLU"),
        ({"hidden_sizes": (256,), "code_size": 16, "code_activation": "relu"}, "linear"),
        ({"hidden_sizes": (256,), "code_size": 16, "output_activation": None}, "sigmoid"),
    ],
)
def test_bottleneck_wrong_models(kwargs, hint):
    verdict = ch02.check_bottleneck_model(cp.build_stacked_autoencoder((784,), **kwargs))
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def test_bottleneck_wrong_type_and_unattempted():
    plain = keras.Sequential([keras.Input((784,)), keras.layers.Dense(16)])
    assert "Expected a model with .encoder" in ch02.check_bottleneck_model(plain).message
    assert "Expected a model" in ch02.check_bottleneck_model("model").message
    assert ch02.check_bottleneck_model(None).status == "unattempted"


def test_depth_statements():
    assert ch02.check_depth_statements({"a", "c", "e"}).status == "correct"
    verdict = ch02.check_depth_statements({"a", "b", "c", "e"})
    assert verdict.status == "wrong" and "Re-read" in verdict.message
    assert ch02.check_depth_statements(...).status == "unattempted"
    assert "Expected the letters of the true statements" in ch02.check_depth_statements(42).message


def sequential_autoencoder(encoder_sizes=(256, 16), encoder_input=None):
    """A cp.Autoencoder of two keras.Sequential models, never called unless they start with an Input."""
    first = [keras.Input((encoder_input,))] if encoder_input else []
    encoder = keras.Sequential(first + [keras.layers.Dense(encoder_sizes[0], activation="relu"),
                                        keras.layers.Dense(encoder_sizes[1])])
    decoder = keras.Sequential([keras.layers.Dense(256, activation="relu"),
                                keras.layers.Dense(784, activation="sigmoid")])
    return cp.Autoencoder(encoder, decoder)


def test_bottleneck_unbuilt_sequentials_right():
    model = sequential_autoencoder()
    assert not model.built
    verdict = ch02.check_bottleneck_model(model)
    assert verdict.status == "correct" and "410912 parameters" in verdict.message, verdict.message


def test_bottleneck_unbuilt_sequentials_wrong():
    verdict = ch02.check_bottleneck_model(sequential_autoencoder((128, 16)))
    assert verdict.status == "wrong" and "expected [256, 16]" in verdict.message


def test_bottleneck_that_cannot_take_784_values():
    verdict = ch02.check_bottleneck_model(sequential_autoencoder(encoder_input=100))
    assert verdict.status == "wrong", verdict.message
    assert "building your model on a batch of 784 pixel values raised ValueError" in verdict.message


def test_bottleneck_whose_parts_fail_to_load():
    class Broken:
        decoder = None

        @property
        def encoder(self):
            raise RuntimeError("weights not loaded")

    verdict = ch02.check_bottleneck_model(Broken())
    assert verdict.status == "wrong"
    assert "reading your model's encoder and decoder raised RuntimeError: weights not loaded" in verdict.message


# Exercise 2.4: a trained autoencoder under a parameter budget, measured on the checker's digits

RNG = np.random.default_rng(24)
BASIS, _ = np.linalg.qr(RNG.normal(size=(784, 40)))
# 40 directions of unit variance: any 16-dimensional linear code leaves 24 per image, above the target
HELD_OUT = (0.5 + RNG.normal(size=(300, 40)) @ BASIS.T).reshape(300, 28, 28).astype("float32")
SYNTHETIC_TRAIN = (0.5 + RNG.normal(size=(2000, 40)) @ BASIS.T).astype("float32")


@pytest.fixture
def held_out(monkeypatch):
    monkeypatch.setattr(ch02, "held_out_digits", lambda: HELD_OUT)


class Answer:
    """A stand-in for a trained autoencoder: a reconstruction function, an encoder and a parameter count."""

    def __init__(self, reconstruct, code_size=16, parameters=103_328):
        self.reconstruct, self.code_size, self.parameters = reconstruct, code_size, parameters
        self.encoder = lambda batch: np.zeros((len(batch), self.code_size), dtype="float32")

    def __call__(self, batch):
        return self.reconstruct(batch)

    def count_params(self):
        return self.parameters


def near_copy(batch):
    return batch + 0.01


def pca_16(batch):
    """The chapter's baseline: PCA with 16 components."""
    mean = SYNTHETIC_TRAIN.mean(axis=0)
    _, _, vt = np.linalg.svd(SYNTHETIC_TRAIN - mean, full_matrices=False)
    flat = batch.reshape(len(batch), -1)
    return ((flat - mean) @ vt[:16].T @ vt[:16] + mean).reshape(batch.shape)


def test_budget_model_that_reconstructs_passes_with_its_numbers(held_out):
    verdict = ch02.check_budget_autoencoder(Answer(near_copy))
    assert verdict.status == "correct", verdict.message
    assert "parameters: 103328; needed: at most 110000" in verdict.message
    assert "squared error per image: 0.08; needed: at most 19.00" in verdict.message


@pytest.mark.parametrize(
    "answer, hint",
    [
        (Answer(pca_16), "squared error per image: 2"),
        (Answer(near_copy, parameters=220_320), "parameters: 220320; needed: at most 110000"),
        (Answer(near_copy, code_size=32), "codes of 32 numbers"),
        (Answer(lambda batch: np.zeros_like(batch)), "Usual causes"),
    ],
    ids=["pca-16", "too many parameters", "code too large", "blank"],
)
def test_budget_model_misses_are_explained(held_out, answer, hint):
    verdict = ch02.check_budget_autoencoder(answer)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def test_budget_model_untrained_is_rejected(held_out):
    cp.seed_everything(0)
    untrained = cp.build_stacked_autoencoder((784,), 16, hidden_sizes=(64,))
    verdict = ch02.check_budget_autoencoder(untrained)
    assert verdict.status == "wrong" and "needed: at most 19.00" in verdict.message, verdict.message
    assert "parameters: 103328" in verdict.message


def raises(batch):
    raise RuntimeError("out of memory")


def no_count():
    raise ValueError("the model has not been built")


@pytest.mark.parametrize(
    "answer, hint",
    [
        ("model", "with .encoder"),
        (42, "with .encoder"),
        ([1, 2], "with .encoder"),
        (near_copy, "with .encoder"),
        (Answer(raises), "raised RuntimeError: out of memory"),
        (Answer(lambda batch: batch[:, :10]), "gives back an image of the input's size"),
        (Answer(lambda batch: np.full(batch.shape, np.nan)), "NaN"),
        (Answer(lambda batch: None), "array of numbers"),
        (Answer(lambda batch: "images"), "array of numbers"),
        (Answer(lambda batch: batch[:3]), "one output per image"),
        (Answer(near_copy, parameters="many"), "parameters"),
    ],
    ids=["string", "number", "list", "function", "raises", "output shape", "nan", "none", "text", "too few",
         "odd count"],
)
def test_budget_model_bad_answers_get_a_verdict(held_out, answer, hint):
    verdict = ch02.check_budget_autoencoder(answer)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def test_budget_model_whose_parts_fail(held_out):
    broken_encoder = Answer(near_copy)
    broken_encoder.encoder = raises
    verdict = ch02.check_budget_autoencoder(broken_encoder)
    assert verdict.status == "wrong" and "calling your encoder" in verdict.message, verdict.message
    uncountable = Answer(near_copy)
    uncountable.count_params = no_count
    verdict = ch02.check_budget_autoencoder(uncountable)
    assert verdict.status == "wrong" and "counting your model's parameters raised" in verdict.message


def test_budget_model_with_the_wrong_input_shape(held_out):
    verdict = ch02.check_budget_autoencoder(cp.build_stacked_autoencoder((100,), 16, hidden_sizes=(8,)))
    assert verdict.status == "wrong" and "takes inputs of shape (100,)" in verdict.message


@pytest.mark.parametrize("answer", [..., None])
def test_budget_model_unattempted(held_out, answer):
    assert ch02.check_budget_autoencoder(answer).status == "unattempted"


# Exercise 2.5: prediction, digits of classes a model never saw


def errors_table(own_low, other_low, own_high, other_high):
    return {("0-4", "0-4"): own_low, ("5-9", "0-4"): other_low, ("5-9", "5-9"): own_high, ("0-4", "5-9"): other_high}


@pytest.mark.parametrize(
    "errors, outcome",
    [
        (errors_table(17, 29, 18, 31), "b"),
        (errors_table(17, 18, 18, 19), "a"),
        (errors_table(17, 29, 18, 19), "a"),  # the two halves disagree
        (errors_table(30, 17, 31, 18), "c"),
    ],
)
def test_unseen_digits_outcome(errors, outcome):
    assert ch02.unseen_digits_outcome(errors) == outcome


@pytest.mark.parametrize(
    "answer, errors, status, words",
    [
        ("b", errors_table(17, 29, 18, 31), "correct", "your prediction held: (b)"),
        ("a", errors_table(17, 29, 18, 31), "wrong", "did not hold. The experiment measured:"),
        ("(A)", errors_table(17, 18, 18, 19), "correct", "on 5-9, 18.0 and 19.0"),
        ("e", errors_table(17, 29, 18, 31), "wrong", 'one of "a", "b" or "c"'),
        (1, errors_table(17, 29, 18, 31), "wrong", "Expected one letter"),
        (..., errors_table(17, 29, 18, 31), "unattempted", "write your prediction first"),
        ("b", None, "wrong", "run the experiment's cell first"),
        ("b", {}, "wrong", "run the experiment's cell first"),
        ("b", errors_table(17, float("nan"), 18, 31), "wrong", "run the experiment's cell first"),
        ("b", errors_table(17, "29", 18, 31), "wrong", "run the experiment's cell first"),
    ],
)
def test_unseen_digits_prediction(answer, errors, status, words):
    verdict = ch02.check_unseen_digits_prediction(answer, errors)
    assert verdict.status == status and words in verdict.message, verdict.message


# Exercise 2.1: the sandwich written by the learner, checked like a Keras model


def sandwich(code_activation=None, output_activation="sigmoid", encoder_sizes=None, decoder_sizes=None,
             parts=True, copies=False, compose=None, flat=False):
    """A learner's build_sandwich, right by default, with one mistake when asked."""

    def build_sandwich(input_dim, hidden_sizes, code_size):
        def make():
            encoder = keras.Sequential(
                [keras.Input(shape=(input_dim,))]
                + [keras.layers.Dense(size, activation="relu") for size in (encoder_sizes or list)(hidden_sizes)]
                + [keras.layers.Dense(code_size, activation=code_activation)], name="encoder")
            decoder = keras.Sequential(
                [keras.Input(shape=(code_size,))]
                + [keras.layers.Dense(size, activation="relu")
                   for size in (decoder_sizes or (lambda sizes: list(reversed(sizes))))(hidden_sizes)]
                + [keras.layers.Dense(input_dim, activation=output_activation)], name="decoder")
            return encoder, decoder

        encoder, decoder = make()
        inputs = keras.Input(shape=(input_dim,))
        if flat:
            model = keras.Sequential([inputs, *encoder.layers, *decoder.layers])
        else:
            used = make() if copies else (encoder, decoder)
            outputs = compose(*used, inputs) if compose else used[1](used[0](inputs))
            model = keras.Model(inputs, outputs, name="sandwich")
        if parts:
            model.encoder, model.decoder = encoder, decoder
        return model

    return build_sandwich


class Sandwich(keras.Model):
    """The sandwich as a subclass: it builds its parts from its sizes, which its config holds."""

    def __init__(self, input_dim, hidden_sizes, code_size, **kwargs):
        super().__init__(**kwargs)
        self.input_dim, self.hidden_sizes, self.code_size = input_dim, tuple(hidden_sizes), code_size
        self.encoder = keras.Sequential(
            [keras.layers.Dense(size, activation="relu") for size in self.hidden_sizes]
            + [keras.layers.Dense(code_size)], name="encoder")
        self.decoder = keras.Sequential(
            [keras.layers.Dense(size, activation="relu") for size in reversed(self.hidden_sizes)]
            + [keras.layers.Dense(input_dim, activation="sigmoid")], name="decoder")

    def call(self, inputs):
        return self.decoder(self.encoder(inputs))

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim, "hidden_sizes": self.hidden_sizes,
                "code_size": self.code_size}


@pytest.mark.parametrize("answer", [
    sandwich(),
    Sandwich,
    pytest.param(lambda input_dim, hidden_sizes, code_size: cp.build_stacked_autoencoder(
        (input_dim,), code_size, hidden_sizes=hidden_sizes), marks=pytest.mark.answer_key),
], ids=["functional", "subclass", "the reference"])
def test_sandwich_accepts_the_solution(answer):
    verdict = ch02.check_sandwich(answer)
    assert verdict.status == "correct", verdict.message
    assert "passes every check" in verdict.message


WHAT = "your model (input_dim=12, hidden_sizes=(10, 6), code_size=3)"


class SandwichWithoutConfig(Sandwich):
    def get_config(self):
        return keras.Model.get_config(self)


@pytest.mark.parametrize("answer, words", [
    (sandwich(code_activation="relu"), f"the encoder of {WHAT} gives no negative values where the reference's "
                                       "code has them: its code layer has an activation"),
    (sandwich(output_activation=None), "gives values outside (0, 1) where the reference's lie inside: its last "
                                       "layer has no sigmoid"),
    (sandwich(output_activation="relu"), "the output of the decoder of your model"),
    (sandwich(encoder_sizes=lambda sizes: list(reversed(sizes))),
     f"the Dense layers of the encoder of {WHAT} go 12 → 6 → 10 → 3: from the input, the encoder narrows"),
    (sandwich(encoder_sizes=lambda sizes: sizes[:1], decoder_sizes=lambda sizes: sizes[:1]),
     "go 12 → 10 → 3: from the input"),
    (sandwich(decoder_sizes=list),
     "go 3 → 10 → 6 → 12; they do not mirror its encoder's, which go 12 → 10 → 6 → 3"),
    (sandwich(parts=False), f"{WHAT} has no `.encoder`: the model keeps its encoder and its decoder"),
    (sandwich(copies=True), f"{WHAT} holds 12 weight tensors that belong to neither its encoder nor its decoder"),
    (sandwich(compose=lambda encoder, decoder, inputs: decoder(encoder(inputs)) * 0.5),
     "differs by 50.0% from what its decoder makes of its encoder's codes"),
    (sandwich(compose=lambda encoder, decoder, inputs: decoder(keras.ops.stop_gradient(encoder(inputs)))),
     "its gradient is zero where the reference's is not"),
    (sandwich(flat=True), f"saved to a .keras file and loaded back, {WHAT} has no encoder any more"),
    (SandwichWithoutConfig, "config does not round-trip: get_config() leaves out `input_dim`, `hidden_sizes` and "
                            "`code_size`, arguments of __init__."),
], ids=["relu code", "linear output", "relu output", "hidden sizes reversed", "a hidden layer left out",
        "decoder not mirrored", "no parts", "copies", "halved", "stop gradient", "parts not saved", "no config"])
def test_sandwich_names_what_differs(answer, words):
    verdict = ch02.check_sandwich(answer)
    assert verdict.status == "wrong" and words in verdict.message, verdict.message


def test_sandwich_whose_parts_are_not_models():
    class TextDecoder(keras.Model):
        decoder = "decoder"  # a class attribute: PyTorch's modules take no text as a child

        def __init__(self, input_dim, hidden_sizes, code_size, **kwargs):
            super().__init__(**kwargs)
            self.encoder = keras.layers.Dense(code_size)

        def call(self, inputs):
            return self.encoder(inputs)

    verdict = ch02.check_sandwich(TextDecoder)
    assert verdict.status == "wrong" and "`.decoder` of your model" in verdict.message, verdict.message
    assert "expected a Keras model that works on its own" in verdict.message


def test_sandwich_with_frozen_encoder_is_named():
    def build_sandwich(input_dim, hidden_sizes, code_size):
        model = sandwich()(input_dim, hidden_sizes, code_size)
        model.encoder.trainable = False
        return model

    verdict = ch02.check_sandwich(build_sandwich)
    assert verdict.status == "wrong" and "has 6 trainable weight tensors where the reference has 12" in verdict.message


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="overrides TensorFlow's train_step")
def test_sandwich_that_does_not_learn_misses_the_training_target():
    class Lazy(Sandwich):
        def train_step(self, data):
            return {"loss": keras.ops.convert_to_tensor(1.0)}

    verdict = ch02.check_sandwich(Lazy)
    assert verdict.status == "wrong", verdict.message
    assert "after 6 epochs on a toy problem, your model's error relative to predicting the average is" in \
        verdict.message
    assert "needed: at most 0.10" in verdict.message


def test_sandwich_toy_problem_is_seeded_and_in_range():
    x = ch02.sandwich_toy_data()
    assert x.shape == (512, 12) and x.dtype == np.float32
    assert 0 < x.min() and x.max() < 1
    np.testing.assert_array_equal(x, ch02.sandwich_toy_data())


def sandwich_scaffold():
    def build_sandwich(input_dim, hidden_sizes, code_size):
        raise NotImplementedError  # your code here

    return build_sandwich


def empty_sandwich(input_dim, hidden_sizes, code_size):
    """Build the sandwich."""


@pytest.mark.parametrize("answer, words", [
    (..., "write `build_sandwich(input_dim, hidden_sizes, code_size)`"),
    (None, "write `build_sandwich(input_dim, hidden_sizes, code_size)`"),
    (sandwich_scaffold(), "reached `raise NotImplementedError`"),
    (empty_sandwich, "is still empty"),
], ids=["ellipsis", "none", "scaffold", "empty function"])
def test_sandwich_unattempted(answer, words):
    verdict = ch02.check_sandwich(answer)
    assert verdict.status == "unattempted" and words in verdict.message, verdict.message


@pytest.mark.parametrize("answer, words", [
    ("build_sandwich", "Expected `build_sandwich(input_dim, hidden_sizes, code_size)`: a class or a function"),
    (lambda input_dim, hidden_sizes, code_size: None, "gave None: did you forget `return`?"),
    (lambda input_dim, hidden_sizes, code_size: np.zeros(3), "to give a Keras layer or model"),
    (lambda input_dim, code_size: None, "raised TypeError"),
    (lambda input_dim, hidden_sizes, code_size: keras.layers.Dense(input_dim), "has no `.encoder`"),
], ids=["text", "returns none", "returns array", "wrong signature", "a layer without parts"])
def test_sandwich_wrong_kinds_of_answer(answer, words):
    verdict = ch02.check_sandwich(answer)
    assert verdict.status == "wrong" and words in verdict.message, verdict.message


def test_statements_key_is_not_readable():
    assert not any(isinstance(value, (set, frozenset)) for value in vars(ch02).values())
    verdict = ch02.check_depth_statements("ace")
    assert verdict.status == "correct"
    assert "(a) is true: nonlinear layers" in verdict.message and "(b) is false: a composition" in verdict.message
