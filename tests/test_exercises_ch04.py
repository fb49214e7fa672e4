"""Checkers of Chapter 4."""

import numpy as np
import pytest

import keras

import companion as cp
from companion.exercises import ch04


@pytest.fixture(scope="module")
def stack():
    return cp.build_stacked_autoencoder((784,), hidden_sizes=(128, 64), code_size=32)


def phase_two_from(encoder_layer, decoder_layer):
    inputs = keras.Input(shape=(128,))
    return keras.Model(inputs, decoder_layer(encoder_layer(inputs)))


def test_cached_values():
    assert ch04.check_cached_values(3_840_000).status == "correct"
    assert ch04.check_cached_values(...).status == "unattempted"
    for answer, hint in ((7_680_000, "cache of phase 2"), (1_920_000, "outputs of hidden layer 2"),
                         (64, "one image"), ("3840000", "whole number")):
        verdict = ch04.check_cached_values(answer)
        assert verdict.status == "wrong" and hint in verdict.message


def test_phase_two_right(stack):
    model = phase_two_from(stack.encoder.get_layer("encoder_hidden_2"), stack.decoder.get_layer("decoder_hidden_1"))
    assert ch04.check_phase_two_model(model, stack).status == "correct"


def test_phase_two_with_copies_is_wrong(stack):
    model = phase_two_from(keras.layers.Dense(64, activation="relu"), keras.layers.Dense(128, activation="relu"))
    verdict = ch04.check_phase_two_model(model, stack)
    assert verdict.status == "wrong" and "reuse the autoencoder's own layers" in verdict.message


def test_phase_two_wrong_shape_type_and_unattempted(stack):
    inputs = keras.Input(shape=(784,))
    whole = keras.Model(inputs, stack.decoder(stack.encoder(inputs)))
    assert "expected input and output shape (None, 128)" in ch04.check_phase_two_model(whole, stack).message
    assert "Expected a keras.Model" in ch04.check_phase_two_model("model", stack).message
    assert ch04.check_phase_two_model(..., stack).status == "unattempted"


def test_greedy_statements():
    assert ch04.check_greedy_statements({"a", "c", "e"}).status == "correct"
    verdict = ch04.check_greedy_statements({"a", "c", "d", "e"})
    assert verdict.status == "wrong" and "Re-read" in verdict.message


def test_cached_values_huge_number():
    verdict = ch04.check_cached_values(60_000 ** 100)
    assert verdict.status == "wrong" and "a number with 478 digits" in verdict.message


@pytest.fixture(scope="module")
def f2_g2(stack):
    return stack.encoder.get_layer("encoder_hidden_2"), stack.decoder.get_layer("decoder_hidden_1")


@pytest.mark.parametrize(
    "make",
    [
        lambda f2, g2: keras.Sequential([keras.Input((128,)), f2, g2]),
        lambda f2, g2: keras.Sequential([f2, g2]),
        lambda f2, g2: keras.Sequential([keras.Input((128,)), keras.Sequential([f2]), g2]),
        lambda f2, g2: (lambda x: keras.Model(x, [g2(f2(x))]))(keras.Input((128,))),
    ],
    ids=["sequential", "sequential-unbuilt", "nested", "one-output-list"],
)
def test_phase_two_right_in_any_form(stack, f2_g2, make):
    verdict = ch04.check_phase_two_model(make(*f2_g2), stack)
    assert verdict.status == "correct", verdict.message


def test_phase_two_the_whole_stack_is_wrong(stack):
    verdict = ch04.check_phase_two_model(stack, stack)
    assert verdict.status == "wrong"
    assert "expected shape=(None, 784), found shape=(2, 128)" in verdict.message
    assert "expected input and output shape (None, 128)" in verdict.message
    assert "\x1b" not in verdict.message and "Arguments received" not in verdict.message


def test_phase_two_with_two_outputs_is_wrong(stack, f2_g2):
    f2, g2 = f2_g2
    inputs = keras.Input((128,))
    codes = f2(inputs)
    verdict = ch04.check_phase_two_model(keras.Model(inputs, [g2(codes), codes]), stack)
    assert verdict.status == "wrong" and "returns 2 outputs; phase 2 has one" in verdict.message


def test_phase_two_with_a_layer_in_between_is_wrong(stack, f2_g2):
    f2, g2 = f2_g2
    model = keras.Sequential([keras.Input((128,)), f2, keras.layers.Dense(64), g2])
    verdict = ch04.check_phase_two_model(model, stack)
    assert verdict.status == "wrong" and "with nothing else in between" in verdict.message


def test_phase_two_with_the_wrong_autoencoder(stack, f2_g2):
    model = keras.Sequential([keras.Input((128,)), *f2_g2])
    verdict = ch04.check_phase_two_model(model, "stack")
    assert verdict.status == "wrong" and "as the second argument" in verdict.message


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
def held_out(monkeypatch):
    """Synthetic held-out digits: each label lights one row of pixels."""
    rng = np.random.default_rng(3)
    labels = np.arange(200) % 10
    images = rng.uniform(0, 0.5, size=(200, 28, 28)).astype("float32")
    for image, label in zip(images, labels):
        image[2 * label + 4] = 1.0  # one bright row per label
    monkeypatch.setattr(ch04, "held_out_mnist", lambda n: (images, labels))
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
