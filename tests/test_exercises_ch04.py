"""Checkers of Chapter 4."""

import numpy as np
import pytest

import keras

import companion as cp
from companion.exercises import ch04


def test_cached_values():
    assert ch04.check_cached_values(3_840_000).status == "correct"
    assert ch04.check_cached_values(...).status == "unattempted"
    for answer, hint in ((7_680_000, "cache of phase 2"), (1_920_000, "outputs of hidden layer 2"),
                         (64, "one image"), ("3840000", "whole number")):
        verdict = ch04.check_cached_values(answer)
        assert verdict.status == "wrong" and hint in verdict.message


def test_greedy_statements():
    assert ch04.check_greedy_statements({"a", "c", "e"}).status == "correct"
    verdict = ch04.check_greedy_statements({"a", "c", "d", "e"})
    assert verdict.status == "wrong" and "Re-read" in verdict.message


def test_cached_values_huge_number():
    verdict = ch04.check_cached_values(60_000 ** 100)
    assert verdict.status == "wrong" and "a number with 478 digits" in verdict.message


# --- 4.2 phase 2, written by the learner ---


def layers_of(autoencoder, *names):
    found = {layer.name: layer for part in (autoencoder.encoder, autoencoder.decoder) for layer in part.layers}
    return [found[name] for name in names]


def one_graph(autoencoder, images):
    """The solution: the images go in, and hidden layer 1 runs frozen inside the phase model."""
    f1, f2, g2 = layers_of(autoencoder, "encoder_hidden_1", "encoder_hidden_2", "decoder_hidden_1")
    f1.trainable = False
    inputs = keras.Input(shape=images.shape[1:])
    model = keras.Model(inputs, g2(f2(f1(inputs))), name="phase_2")
    return model, images, keras.ops.convert_to_numpy(f1(images))


def cached(autoencoder, images):
    """The chapter's way: the outputs of hidden layer 1, computed once, are the inputs and the targets."""
    f1, f2, g2 = layers_of(autoencoder, "encoder_hidden_1", "encoder_hidden_2", "decoder_hidden_1")
    hidden = keras.ops.convert_to_numpy(f1(images))
    return keras.Sequential([f2, g2]), hidden, hidden


def cached_with(make_model=None, inputs=None, targets=None):
    """The cached variant with one mistake."""

    def phase_two(autoencoder, images):
        model, hidden, _ = cached(autoencoder, images)
        f1, f2, g2 = layers_of(autoencoder, "encoder_hidden_1", "encoder_hidden_2", "decoder_hidden_1")
        if make_model:
            model = make_model(autoencoder, f2, g2)
        return (model, hidden if inputs is None else inputs(images, hidden),
                hidden if targets is None else targets(images, hidden))

    return phase_two


def unfrozen(autoencoder, images):
    model, inputs, targets = one_graph(autoencoder, images)
    layers_of(autoencoder, "encoder_hidden_1")[0].trainable = True
    return model, inputs, targets


def copies(autoencoder, f2, g2):
    return keras.Sequential([keras.layers.Dense(f2.units, activation="relu"),
                             keras.layers.Dense(g2.units, activation="relu")])


def deeper(autoencoder, f2, g2):
    code, g3 = layers_of(autoencoder, "code", "decoder_hidden_2")
    return keras.Sequential([f2, code, g3, g2])


def frozen(autoencoder, f2, g2):
    model = keras.Sequential([f2, g2])
    f2.trainable = g2.trainable = False
    return model


def with_the_code_layer_trained_too(autoencoder, f2, g2):
    """Phase 2's outputs, plus a term worth zero whose gradient trains two more layers."""
    code, g3 = layers_of(autoencoder, "code", "decoder_hidden_2")
    inputs = keras.Input(shape=(f2.kernel.shape[0],))
    hidden_2 = f2(inputs)
    extra = keras.ops.sum(g3(code(hidden_2)), axis=-1, keepdims=True)
    return keras.Model(inputs, g2(hidden_2) + extra - keras.ops.stop_gradient(extra))


@pytest.mark.parametrize("answer", [one_graph, cached, cached_with(lambda a, f2, g2: keras.Sequential([f2, g2]))],
                         ids=["one graph", "cached", "sequential"])
def test_phase_two_accepts_the_solution_in_either_form(answer):
    verdict = ch04.check_phase_two(answer)
    assert verdict.status == "correct", verdict.message
    assert "passes every check" in verdict.message


WHAT = "your phase model (for a 20-12-8-4 stack)"


@pytest.mark.parametrize("answer, words", [
    (cached_with(targets=lambda images, hidden: images),
     "your targets have shape (256, 20) (the images' shape), where the outputs of hidden layer 1 on these images "
     "have shape (256, 12): phase 2 reconstructs those outputs."),
    (cached_with(targets=lambda images, hidden: hidden * 2),
     "your array of targets is too large by a factor of 2: phase 2 reconstructs those outputs."),
    (cached_with(targets=lambda images, hidden: hidden[::-1]),
     "your array of targets differs from the outputs of hidden layer 1 on the images by"),
    (cached_with(copies), f"{WHAT} does not hold the stack's own `encoder_hidden_2` and `decoder_hidden_1`"),
    (cached_with(deeper), f"on your inputs, the output of {WHAT} differs from what encoder_hidden_2 then "
                          "decoder_hidden_1 make of hidden layer 1's outputs by"),
    (cached_with(lambda autoencoder, f2, g2: keras.Sequential([f2])),
     f"{WHAT} does not hold the stack's own `decoder_hidden_1`"),
    (cached_with(lambda autoencoder, f2, g2: keras.Sequential([f2, g2, keras.layers.Dense(5)])),
     f"on your inputs, of shape (256, 12), {WHAT} returns (256, 5), where phase 2 reconstructs"),
    (unfrozen, f"training {WHAT} moved the weights of `encoder_hidden_1` by"),
    (cached_with(with_the_code_layer_trained_too), "changed `code`, `decoder_hidden_2` of the stack: phase 2 "
                                                   "trains two layers only"),
    (cached_with(frozen), f"training {WHAT} left `encoder_hidden_2` and `decoder_hidden_1` as they were"),
    (cached_with(inputs=lambda images, hidden: hidden[:10]), "the inputs that phase_two(autoencoder, images) "
                                                              "returns have shape (10, 12)"),
    (cached_with(inputs=lambda images, hidden: hidden * np.nan), "hold NaN or infinite values"),
], ids=["images as targets", "targets doubled", "targets shuffled", "copies", "deeper", "one layer", "another output", "unfrozen",
        "more layers trained", "frozen", "too few inputs", "nan inputs"])
def test_phase_two_names_what_differs(answer, words):
    verdict = ch04.check_phase_two(answer)
    assert verdict.status == "wrong" and words in verdict.message, verdict.message


def phase_two_scaffold(autoencoder, images):
    raise NotImplementedError  # your code here


@pytest.mark.parametrize("answer, status, words", [
    (..., "unattempted", "write `phase_two(autoencoder, images)`"),
    (phase_two_scaffold, "unattempted", "replace `raise NotImplementedError`"),
    ("phase_two", "wrong", ": a function. Received"),
    (lambda autoencoder, images: None, "wrong", "returned None"),
    (lambda autoencoder, images: autoencoder, "wrong", "to return three things: the phase model, its inputs and"),
    (lambda autoencoder, images: ("model", images, images), "wrong", "the phase model, a Keras model. Received"),
    (lambda autoencoder, images: (autoencoder, "images", images), "wrong", "must return an array of numbers"),
    (lambda autoencoder: None, "wrong", "raised TypeError"),
], ids=["ellipsis", "scaffold", "text", "none", "one thing", "model as text", "inputs as text", "wrong signature"])
def test_phase_two_odd_answers(answer, status, words):
    verdict = ch04.check_phase_two(answer)
    assert verdict.status == status and words in verdict.message, verdict.message


def raises(*args):
    raise RuntimeError("broken")


# --- 4.4 the sigmoid network with Adam, predicted ---


@pytest.mark.parametrize("accuracy, letter", [(0.11, "a"), (0.29, "a"), (0.3, "b"), (0.5, "b"), (0.51, "c"),
                                              (0.7, "c")])
def test_optimiser_outcome(accuracy, letter):
    assert ch04.optimiser_outcome(accuracy) == letter


def test_optimiser_prediction_follows_the_measurement():
    held = ch04.check_optimiser_prediction("c", 0.11, 0.66)
    assert held.status == "correct" and "11.0% with plain SGD, 66.0% with Adam" in held.message
    missed = ch04.check_optimiser_prediction("a", 0.11, 0.66)
    assert missed.status == "wrong" and "did not hold" in missed.message
    assert ch04.check_optimiser_prediction("a", 0.11, 0.12).status == "correct"
    assert ch04.check_optimiser_prediction("B", np.float64(0.1), np.array(0.4)).status == "correct"


@pytest.mark.parametrize("answer, status", [(..., "unattempted"), (None, "unattempted"), ("e", "wrong"),
                                            (0, "wrong"), (["c"], "wrong")])
def test_optimiser_prediction_odd_answers(answer, status):
    assert ch04.check_optimiser_prediction(answer, 0.11, 0.66).status == status


@pytest.mark.parametrize("measured", [None, ..., "66%", [0.1, 0.6], float("nan"), float("inf"), 66, -0.1,
                                      True, np.ones(3)], ids=repr)
def test_optimiser_prediction_odd_measurements(measured):
    verdict = ch04.check_optimiser_prediction("c", measured, 0.66)
    assert verdict.status == "wrong" and "`sgd_accuracy`" in verdict.message, verdict.message
    assert ch04.check_optimiser_prediction("c", 0.11, measured).status == "wrong"


# --- 4.5 a classifier from 100 labels, measured on held-out digits ---


@pytest.fixture
def held_out(checker_digits):
    """Synthetic held-out digits: each label lights one row of pixels."""
    rng = np.random.default_rng(3)
    labels = np.arange(200) % 10
    images = rng.uniform(0, 0.5, size=(200, 28, 28)).astype("float32")
    for image, label in zip(images, labels):
        image[2 * label + 4] = 1.0  # one bright row per label
    checker_digits.set("test", images, labels)
    return images, labels


def reads_the_bright_row(images):
    """A perfect classifier of the synthetic digits."""
    rows = np.asarray(images).reshape(len(images), 28, 28).mean(axis=2)
    return (rows.argmax(axis=1) - 4) // 2


def test_a_good_classifier_passes_as_labels_or_scores(held_out):
    verdict = ch04.check_few_label_classifier(reads_the_bright_row)
    assert verdict.status == "correct" and "your accuracy: 1.00; needed: at least 0.80" in verdict.message
    scores = lambda images: np.eye(10)[reads_the_bright_row(images)]  # noqa: E731
    assert ch04.check_few_label_classifier(scores).status == "correct"
    column = lambda images: reads_the_bright_row(images)[:, None].astype(float)  # noqa: E731
    assert ch04.check_few_label_classifier(column).status == "correct"


def test_a_keras_model_gets_the_digits_in_its_own_shape(held_out):
    for shape in ((784,), (28, 28), (28, 28, 1)):
        inputs = keras.Input(shape)
        rows = keras.ops.mean(keras.ops.reshape(inputs, (-1, 28, 28)), axis=2)
        scores = keras.ops.take(rows, np.arange(10) * 2 + 4, axis=1)  # the rows of the ten labels
        verdict = ch04.check_few_label_classifier(keras.Model(inputs, scores))
        assert verdict.status == "correct", verdict.message


def test_an_untrained_classifier_and_a_guess_are_rejected(held_out):
    cp.seed_everything(0)
    untrained = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, activation="softmax")])
    for model in (untrained, lambda images: np.zeros(len(images), dtype=int)):
        verdict = ch04.check_few_label_classifier(model)
        assert verdict.status == "wrong" and "needed: at least 0.80" in verdict.message, verdict.message
        assert "100 labelled digits alone" in verdict.message


def test_a_classifier_at_the_baselines_level_is_rejected(held_out):
    def right_three_times_in_four(images):
        labels = reads_the_bright_row(images)
        return np.where(np.arange(len(labels)) % 4 < 3, labels, (labels + 1) % 10)

    verdict = ch04.check_few_label_classifier(right_three_times_in_four)
    assert verdict.status == "wrong" and "your accuracy: 0.75" in verdict.message, verdict.message


@pytest.mark.parametrize(
    "classify, status, hint",
    [
        (..., "unattempted", "train a classifier"),
        (None, "unattempted", "train a classifier"),
        ("classifier", "wrong", "Expected a classifier"),
        (3, "wrong", "Expected a classifier"),
        (raises, "wrong", "raised RuntimeError: broken"),
        (lambda images: None, "wrong", "array of numbers"),
        (lambda images: "seven", "wrong", "array of numbers"),
        (lambda images: np.zeros(3), "wrong", "one output per image"),
        (lambda images: np.zeros((len(images), 5)), "wrong", "ten class scores"),
        (lambda images: np.full(len(images), 0.5), "wrong", "whole numbers from 0 to 9"),
        (lambda images: np.full(len(images), 12), "wrong", "whole numbers from 0 to 9"),
        (lambda images: np.full((len(images), 10), np.nan), "wrong", "NaN"),
        (lambda images: np.zeros((len(images), 10, 2)), "wrong", "Received: shape"),
    ],
    ids=["ellipsis", "none", "string", "number", "raises", "returns none", "returns text", "too few",
         "five scores", "fractions", "out of range", "nan", "3-d"],
)
def test_bad_classifiers_get_a_verdict(held_out, classify, status, hint):
    verdict = ch04.check_few_label_classifier(classify)
    assert verdict.status == status and hint in verdict.message, verdict.message


def test_a_keras_model_for_other_images_is_explained(held_out):
    model = keras.Sequential([keras.Input((100,)), keras.layers.Dense(10)])
    verdict = ch04.check_few_label_classifier(model)
    assert verdict.status == "wrong" and "takes inputs of shape (100,)" in verdict.message


def test_statements_key_is_not_readable():
    assert not any(isinstance(value, (set, frozenset)) for value in vars(ch04).values())
    verdict = ch04.check_greedy_statements("ace")
    assert verdict.status == "correct"
    assert "(a) is true: phase 2 trains" in verdict.message and "(b) is false: after pretraining" in verdict.message
