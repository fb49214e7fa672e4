"""Checkers of Chapter 8."""

import keras
import numpy as np
import pytest

import companion as cp
from companion.exercises import ch08


# --- 8.1 build it: a decoder without a checkerboard ---


def decoder(code_shape, output_shape, level=None, output_activation="sigmoid", channels=None, map_shape=None,
            levels=2):
    """A decoder from a Dense map through two levels (``level(y, filters)``), as the learner might write it."""
    height, width, colours = output_shape
    level = level or upsampling_level
    codes = keras.Input(shape=code_shape)
    map_shape = map_shape or (height // 4, width // 4)
    y = keras.layers.Dense(map_shape[0] * map_shape[1] * 16, activation="relu")(codes)
    y = keras.layers.Reshape((*map_shape, 16))(y)
    for _ in range(levels):
        y = level(y, 16)
    y = keras.layers.Conv2D(channels or colours, 3, padding="same", activation=output_activation)(y)
    return keras.Model(codes, y)


def upsampling_level(y, filters):
    y = keras.layers.UpSampling2D(2)(y)
    return keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(y)


def transposed_level(y, filters):
    return keras.layers.Conv2DTranspose(filters, 3, strides=2, padding="same", activation="relu")(y)


def transposed_level_4(y, filters):
    return keras.layers.Conv2DTranspose(filters, 4, strides=2, padding="same", activation="relu")(y)


def reference(code_shape, output_shape):
    return ch08.reference_decoder(code_shape, output_shape)


@keras.saving.register_keras_serializable(package="tests_ch08")
class StopGradient(keras.layers.Layer):
    def call(self, inputs):
        return keras.ops.stop_gradient(inputs)


def stops_the_gradient(code_shape, output_shape):
    model = decoder(code_shape, output_shape)
    codes = keras.Input(shape=code_shape)
    return keras.Model(codes, model(StopGradient()(codes)))


def not_attempted(code_shape, output_shape):
    raise NotImplementedError  # your code here


@pytest.mark.parametrize("answer", [
    pytest.param(reference, marks=pytest.mark.answer_key), decoder,
], ids=["package", "learner's"])
def test_conv_decoder_right(answer):
    verdict = ch08.check_conv_decoder(answer)
    assert verdict.status == "correct", verdict.message
    assert "checkerboard" not in verdict.message.split("every check")[0]


@pytest.mark.parametrize(
    "answer, words",
    [
        (lambda code_shape, output_shape: decoder(code_shape, output_shape, level=transposed_level),
         ["draws a checkerboard", "transposed convolutions with stride 2 measures"]),
        (lambda code_shape, output_shape: decoder(code_shape, output_shape, level=transposed_level_4),
         ["draws a checkerboard"]),
        (lambda code_shape, output_shape: decoder(code_shape, output_shape, output_activation=None),
         ["with random weights", "cannot lie outside [0, 1]"]),
        (lambda code_shape, output_shape: decoder(code_shape, output_shape, map_shape=(4, 4), levels=3),
         ["returns shape (1, 32, 32, 1), not the asked (1, 28, 28, 1)", "Its maps are 32x32"]),
        (lambda code_shape, output_shape: decoder(code_shape, output_shape,
                                                  map_shape=(output_shape[1] // 4, output_shape[0] // 4)),
         ["(1, 20, 12, 2)", "Height and width are swapped"]),
        (lambda code_shape, output_shape: decoder(code_shape, output_shape, channels=1),
         ["returns shape (1, 32, 32, 1)", "the channels are not (1 for 3)"]),
        (stops_the_gradient, ["no gradient flows back to input 0 of your decoder"]),
        (lambda code_shape, output_shape: keras.Sequential(
            [keras.Input(code_shape), keras.layers.Dense(int(np.prod(output_shape)), activation="sigmoid"),
             keras.layers.Lambda(lambda t: keras.ops.reshape(t, (-1, *output_shape)))]),
         ["from_config(get_config()) raised", "Lambda"]),
    ],
    ids=["transposed k3", "transposed k4", "no sigmoid", "fixed 4x4 map", "swapped", "one channel",
         "stop gradient", "lambda"],
)
def test_conv_decoder_wrong(answer, words):
    verdict = ch08.check_conv_decoder(answer)
    assert verdict.status == "wrong", verdict.message
    for word in words:
        assert word in verdict.message, verdict.message


@pytest.mark.parametrize(
    "answer, status, words",
    [
        (not_attempted, "unattempted", "Not attempted"),
        (..., "unattempted", "write `build_conv_decoder(code_shape, output_shape)`"),
        (lambda code_shape, output_shape: None, "wrong", "forget `return`"),
        (lambda code_shape, output_shape: "decoder", "wrong", "Keras layer or model"),
        (lambda code_shape: None, "wrong", "raised TypeError"),
        ("decoder", "wrong", "a class or a function"),
    ],
    ids=["scaffold", "ellipsis", "none", "text", "signature", "not a function"],
)
def test_conv_decoder_odd_answers(answer, status, words):
    verdict = ch08.check_conv_decoder(answer)
    assert verdict.status == status and words in repr(verdict).replace("\n", " "), verdict


def test_nyquist_ratio_tells_a_checkerboard_from_noise():
    rng = np.random.default_rng(0)
    noise = rng.normal(size=(64, 16, 16, 1))
    board = noise + 3 * np.indices((16, 16)).sum(axis=0)[None, :, :, None] % 2
    smooth = np.repeat(np.repeat(rng.normal(size=(64, 8, 8, 1)), 2, axis=1), 2, axis=2)
    assert 0.5 < ch08.nyquist_ratio(noise) < 2
    assert ch08.nyquist_ratio(board) > 5
    assert ch08.nyquist_ratio(smooth) < 1e-12
    assert ch08.nyquist_ratio(np.zeros((2, 8, 8, 1))) == 0.0


def test_the_chapters_decoders_measure_on_either_side_of_the_bound():
    for code_shape, output_shape in ch08._BUILD_SHAPES:
        upsampling = ch08.measured_checkerboard(ch08.reference_decoder(code_shape, output_shape), code_shape)
        transposed = ch08.measured_checkerboard(ch08.reference_decoder(code_shape, output_shape, "transpose"),
                                                code_shape)
        assert 3 * upsampling < ch08._NYQUIST_BOUND < transposed / 3, (output_shape, upsampling, transposed)


@pytest.mark.parametrize("answer", [15, 15.0, np.int64(15)])
def test_transpose_size_right(answer):
    assert ch08.check_transpose_output_size(answer).status == "correct"


@pytest.mark.parametrize(
    "answer, hint",
    [(14, 'padding="same"'), (3, "ordinary convolution"), (13, "add k - 1"), (17, "one step too many"),
     (20, "Use (n - 1) s + k"), (15.5, "whole number"), ("15", "Expected a whole number"),
     ([15], "Expected a whole number")],
)
def test_transpose_size_wrong(answer, hint):
    verdict = ch08.check_transpose_output_size(answer)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def test_transpose_size_unattempted():
    assert ch08.check_transpose_output_size(...).status == "unattempted"
    assert ch08.check_transpose_output_size(None).status == "unattempted"


def right_overlap(n, k, s):
    counts = np.zeros((n - 1) * s + k, dtype=int)
    for i in range(n):
        counts[i * s:i * s + k] += 1
    return counts


def test_overlap_right():
    assert ch08.check_overlap_function(right_overlap).status == "correct"
    as_list = ch08.check_overlap_function(lambda n, k, s: right_overlap(n, k, s).tolist())
    assert as_list.status == "correct"


def test_overlap_unattempted():
    def not_done(n, k, s):
        raise NotImplementedError

    assert ch08.check_overlap_function(not_done).status == "unattempted"
    assert ch08.check_overlap_function(...).status == "unattempted"


def shifted_by_one(n, k, s):
    counts = np.zeros((n - 1) * s + k)
    for i in range(n):
        counts[i * s + 1:i * s + k + 1] += 1  # overhangs the end: fewer counted writes
    return counts


def stride_ignored(n, k, s):
    counts = np.zeros((n - 1) * s + k)
    for i in range(n):
        counts[i:i + k] += 1
    return counts


@pytest.mark.parametrize(
    "function, hint",
    [
        (lambda n, k, s: np.ones(n * s), "should return shape (11,)"),
        (shifted_by_one, "must add up to n k = 15"),
        (stride_ignored, "Input i covers outputs i s to i s + k - 1"),
        (lambda n, k, s: np.full((n - 1) * s + k, np.nan), "NaN"),
        (lambda n, k, s: "counts", "must return an array of numbers"),
        (lambda n, k: np.zeros(3), "raised TypeError"),
        (lambda n, k, s: np.zeros(3)[(n - 1) * s + k], "has (n - 1) s + k entries"),
        (42, ": a function. Received"),
    ],
)
def test_overlap_wrong(function, hint):
    verdict = ch08.check_overlap_function(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def test_statements():
    right = ch08.check_conv_statements({"b", "c", "e"})
    assert right.status == "correct" and "(a) is false:" in right.message and "(b) is true:" in right.message
    assert ch08.check_conv_statements("b, c, e").status == "correct"
    verdict = ch08.check_conv_statements({"a", "b", "c", "e"})
    assert verdict.status == "wrong" and "Re-read" in verdict.message
    assert ch08.check_conv_statements(...).status == "unattempted"
    assert ch08.check_conv_statements(3).status == "wrong"


def test_counts_huge_numbers():
    verdict = ch08.check_transpose_output_size(784 ** 256)
    assert verdict.status == "wrong" and "a number with 741 digits" in verdict.message, verdict.message


@pytest.mark.parametrize(
    "function, hint",
    [
        (lambda n, k, s: right_overlap(n, k, s).astype(complex), "real numbers, not complex ones"),
        (lambda n, k, s: [[1]] + [[1, 2]] * ((n - 1) * s + k - 1), "array of numbers"),
    ],
    ids=["complex", "ragged"],
)
def test_overlap_odd_results(function, hint):
    verdict = ch08.check_overlap_function(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def raises(*args):
    raise RuntimeError("broken")


# --- 8.5 random weights on a constant input, predicted ---

CHECKERBOARD = np.tile([[1.0, -0.5], [0.25, 2.0]], (4, 4))


@pytest.mark.parametrize(
    "inside, letter",
    [(np.full((8, 8), 0.7), "a"), (CHECKERBOARD, "b"), (np.random.default_rng(0).normal(size=(8, 8)), "c"),
     (np.zeros((8, 8)), "a"), (np.tile([[1.0, 1.0, 2.0, 2.0]], (8, 2)), "c")],
    ids=["flat", "period 2", "noise", "zeros", "period 4"],
)
def test_ripple_outcome(inside, letter):
    assert ch08.ripple_outcome(inside) == letter


def test_ripple_prediction_follows_the_measurement():
    held = ch08.check_ripple_prediction("b", CHECKERBOARD)
    assert held.status == "correct" and "4 different values, from -0.500 to 2.000" in held.message
    missed = ch08.check_ripple_prediction("a", CHECKERBOARD)
    assert missed.status == "wrong" and "did not hold" in missed.message
    assert ch08.check_ripple_prediction("A", np.ones((8, 8))).status == "correct"


@pytest.mark.parametrize("answer, status", [(..., "unattempted"), (None, "unattempted"), ("d", "wrong"),
                                            (2, "wrong"), (["b"], "wrong")])
def test_ripple_prediction_odd_answers(answer, status):
    assert ch08.check_ripple_prediction(answer, CHECKERBOARD).status == status


@pytest.mark.parametrize("inside", [None, ..., "map", [[1, 2], [3, 4]], np.ones(8), np.ones((2, 2)),
                                    np.full((8, 8), np.nan), np.full((8, 8), "a"), np.ones((8, 8, 1))],
                         ids=repr)
def test_ripple_prediction_odd_measurements(inside):
    verdict = ch08.check_ripple_prediction("b", inside)
    assert verdict.status == "wrong" and "pass `inside`" in verdict.message, verdict.message


# --- 8.6 an autoencoder on a budget, measured on held-out digits ---


@pytest.fixture
def held_out(checker_digits):
    """Synthetic held-out digits: smooth blobs in [0, 1]."""
    rng = np.random.default_rng(5)
    y, x = np.mgrid[0:28, 0:28]
    centres = rng.uniform(8, 20, size=(40, 2))
    images = np.exp(-((y - centres[:, :1, None]) ** 2 + (x - centres[:, 1:, None]) ** 2) / 20).astype("float32")
    checker_digits.set("test", images)
    return images


class Perfect:
    """Reconstructs the synthetic digits exactly, with a code and a parameter count of its own."""

    def __init__(self, parameters=1_000, code_size=32, encoder=None):
        self.parameters, self.code_size = parameters, code_size
        self.encoder = encoder or (lambda batch: np.zeros((len(batch), self.code_size)))

    def __call__(self, batch):
        return np.array(batch)

    def count_params(self):
        return self.parameters


def test_a_small_model_that_reconstructs_well_passes(held_out):
    verdict = ch08.check_budget_autoencoder(Perfect())
    assert verdict.status == "correct", verdict.message
    assert "your parameter count: 1000; needed: at most 30000" in verdict.message
    assert "your code size: 32; needed: at most 32" in verdict.message


@pytest.mark.parametrize(
    "model, hint",
    [
        (Perfect(parameters=50_000), "Too many parameters"),
        (Perfect(code_size=49 * 8), "add a Dense code"),
        (lambda batch: np.array(batch), "without it"),
        (Perfect(encoder=raises), "calling your encoder on the checker's digits raised RuntimeError"),
        (Perfect(encoder=lambda batch: np.full((len(batch), 4), np.nan)), "NaN"),
        (Perfect(encoder=lambda batch: "codes"), "array of numbers"),
    ],
    ids=["too many parameters", "code too large", "no encoder", "encoder raises", "nan codes", "text codes"],
)
def test_a_model_outside_the_budget_is_told_why(held_out, model, hint):
    verdict = ch08.check_budget_autoencoder(model)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def test_a_count_that_fails_is_reported(held_out):
    model = Perfect()
    model.count_params = raises
    verdict = ch08.check_budget_autoencoder(model)
    assert verdict.status == "wrong" and "counting your model's parameters raised" in verdict.message


def test_an_untrained_convolutional_autoencoder_is_rejected(held_out):
    import companion as cp

    cp.seed_everything(0)
    verdict = ch08.check_budget_autoencoder(cp.build_conv_autoencoder((28, 28, 1), 32, filters=(8, 8)))
    assert verdict.status == "wrong" and "The error is too high" in verdict.message, verdict.message
    assert "Too many parameters" not in verdict.message


def test_the_chapters_models_are_over_the_budget(held_out):
    import companion as cp

    for model in (cp.build_conv_autoencoder((28, 28, 1), 32, filters=(16, 32)),
                  cp.build_stacked_autoencoder((28, 28, 1), 32, hidden_sizes=(128,))):
        verdict = ch08.check_budget_autoencoder(model)
        assert verdict.status == "wrong" and "Too many parameters" in verdict.message, verdict.message


@pytest.mark.parametrize(
    "model, status, hint",
    [
        (..., "unattempted", "train an autoencoder"),
        (None, "unattempted", "train an autoencoder"),
        ("model", "wrong", "Expected an autoencoder"),
        (3.5, "wrong", "Expected an autoencoder"),
    ],
    ids=["ellipsis", "none", "string", "number"],
)
def test_odd_models_get_a_verdict(held_out, model, status, hint):
    verdict = ch08.check_budget_autoencoder(model)
    assert verdict.status == status and hint in verdict.message, verdict.message


@pytest.mark.parametrize(
    "output, hint",
    [(raises, "raised RuntimeError: broken"), (lambda batch: np.array(batch)[:, :10], "the input's size"),
     (lambda batch: np.full(np.shape(batch), np.inf), "NaN or infinite"), (lambda batch: None, "array of numbers")],
    ids=["raises", "wrong output shape", "inf", "none"],
)
def test_bad_outputs_get_a_verdict(held_out, output, hint):
    model = type("Bad", (Perfect,), {"__call__": lambda self, batch: output(batch)})()
    verdict = ch08.check_budget_autoencoder(model)
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def test_a_model_for_other_images_is_explained(held_out):
    import companion as cp

    verdict = ch08.check_budget_autoencoder(cp.build_stacked_autoencoder((100,), 4, hidden_sizes=()))
    assert verdict.status == "wrong" and "takes inputs of shape (100,)" in verdict.message
