"""Checkers for the exercises of Chapter 8 (convolutional autoencoders)."""

import contextlib
import io
import os
import tempfile

import numpy as np

from companion.exercises._build_it import (
    build,
    call_layer,
    check_config_round_trip,
    check_gradients,
    check_short_training,
    passed,
)
from companion.exercises._measure import Target, encode, held_out_digits, not_a_model, pixel_mse, reconstruct, verdict_on
from companion.exercises._verdict import (
    SealedLetters,
    check_count,
    check_letters,
    check_prediction,
    checker,
    correct,
    end_check,
    learner_code,
    learner_result,
    read_array,
    shown,
    wrong,
)

# --- 8.1 build it: a decoder that meets its output shape without a checkerboard -------------------

# The learner writes build_conv_decoder(code_shape, output_shape), a Keras model from a flat code to
# an image. The checker builds it for three pairs (square grey digits, colour patches, and a
# non-square shape with two channels, where height and width cannot be swapped unnoticed), reads
# the shape and range of its outputs, measures its checkerboard on random weights, checks its
# gradients, its config and a .keras save, and trains it briefly on a toy problem.
BUILD_SIGNATURE = "build_conv_decoder(code_shape, output_shape)"
_BUILD_SHAPES = (((32,), (28, 28, 1)), ((64,), (32, 32, 3)), ((16,), (12, 20, 2)))
_BATCH_SIZES = (1, 7)
# The checkerboard: the output's energy at the alternating-pixel (Nyquist) frequencies, per
# frequency, divided by its energy at an average frequency, for random codes and random weights
# (three draws), away from a 2-pixel border. White noise measures 1. Upsampling + Conv2D decoders
# (one or two levels, 8 to 32 filters) measure 0.1 to 0.5 on the three shapes, decoders of 3x3
# Conv2DTranspose with stride 2 measure 7 to 100; the bound lies between, in a factor of 3 of both.
_NYQUIST_BOUND = 2.0
_NYQUIST_CODES = 64
_NYQUIST_DRAWS = 3
_BORDER = 2
# The toy problem of the short training run: codes of 4 numbers, the position, width and
# brightness of one blob in a 16x16 image. Trained on the cross-entropy, the reference decoder
# (filters 32 and 16) leaves 0.05 to 0.15 of the images' variance unexplained after 6 epochs at
# 0.01 (2-4 s); a decoder that cannot use its code leaves all of it (1.0 or more).
_TOY_CODE, _TOY_SHAPE = (4,), (16, 16, 1)
_TOY_EPOCHS = 6
_TOY_TARGET = 0.4
_TOY_SEED = 8


def reference_decoder(code_shape, output_shape, decoder="upsampling"):
    """The package's decoder for ``output_shape`` from a flat code: Chapter 8's, filters 32 then 16.

    ``decoder="transpose"`` gives the same model with 3x3 ``Conv2DTranspose`` layers of stride 2, the
    checkerboard the exercise measures against.
    """
    from companion.conv import build_conv_autoencoder  # the reference; the module imports Keras

    return build_conv_autoencoder(tuple(output_shape), int(code_shape[0]), filters=(16, 32),
                                  decoder=decoder).decoder


@checker
def check_conv_decoder(answer):
    """Exercise 8.1: ``build_conv_decoder(code_shape, output_shape)``, written by the learner in Keras.

    ``answer`` is a function that returns a Keras model from codes of shape
    ``code_shape`` (one number, e.g. ``(32,)``) to images of exactly
    ``output_shape`` (height and width multiples of 4) with values in [0, 1],
    without a checkerboard. The checker builds it for ``(28, 28, 1)``,
    ``(32, 32, 3)`` and ``(12, 20, 2)``, and tests, as Keras tests its layers:
    the output's shape on batches of 1 and 7 codes; then, for the first shape,
    its range with random weights and large codes; its checkerboard, measured
    as the energy at the alternating-pixel frequency for random weights and
    codes, against a decoder of transposed convolutions; gradients that reach every weight and
    the code; ``from_config(get_config())`` and a ``.keras`` save and load;
    and a short training run on a toy problem.

    Args:
        answer: the learner's function (or a Model subclass taking the same arguments).

    Returns:
        Verdict: what differs, measured, when something does.
    """
    for index, (code_shape, output_shape) in enumerate(_BUILD_SHAPES):
        model = build(answer, BUILD_SIGNATURE, code_shape=code_shape, output_shape=output_shape)
        what = f"your decoder for code_shape={code_shape}, output_shape={output_shape}"
        codes = [np.random.default_rng(batch).normal(size=(batch, *code_shape)).astype("float32")
                 for batch in _BATCH_SIZES]
        for batch in codes:
            _require_output_shape(call_layer(model, batch, what=what), batch, output_shape, what)
        if index > 0:
            # the other shapes test the shape arithmetic; the rest does not depend on the shape, and each new
            # shape costs a compilation of every layer on JAX
            continue
        _randomize_weights(model, seed=0, what=what)
        _require_range(model, code_shape, what)
        _require_no_checkerboard(model, code_shape, output_shape, what)
        check_gradients(model, codes[1], wrt_inputs=True, what=what)
        check_config_round_trip(model, codes[1], what=what)
        _require_save_round_trip(model, codes[1], what)
    _require_training(answer)
    return passed("your build_conv_decoder", [
        "exactly the output shape asked for, for three shapes and two batch sizes",
        "values in [0, 1]",
        "no more energy at the alternating-pixel frequency than an upsampling decoder",
        "gradients reach every weight and the code",
        "from_config(get_config()) and a .keras file rebuild it",
        "trained briefly, it draws the toy problem's blobs",
    ])


def _require_output_shape(output, codes, output_shape, what):
    expected = (len(codes), *output_shape)
    if isinstance(output, (list, tuple)):
        end_check(wrong(f"for codes of shape {codes.shape}, {what} returns {len(output)} tensors: a decoder "
                        "gives back one image per code."))
    if output.shape == expected:
        return
    swapped = (len(codes), output_shape[1], output_shape[0], output_shape[2])
    note = ""
    if output.shape == swapped and swapped != expected:
        note = " Height and width are swapped."
    elif output.ndim == 4 and output.shape[1:3] == tuple(output_shape[:2]):
        note = f" The height and width are right; the channels are not ({output.shape[-1]} for {output_shape[-1]})."
    elif output.ndim == 4:
        note = (f" Its maps are {output.shape[1]}x{output.shape[2]} for an image of "
                f"{output_shape[0]}x{output_shape[1]}.")
    end_check(wrong(f"for codes of shape {codes.shape}, {what} returns shape {output.shape}, not the asked "
                    f"{expected}.{note}"))


def _randomize_weights(model, *, seed, what):
    """Random weights of a sensible scale, whatever the architecture: He-normal kernels, small random biases.

    Keras starts biases at zero; random ones show what a trained decoder can do (an offset in [0, 1]
    that no kernel explains), and every layer keeps its outputs of order one.
    """
    rng = np.random.default_rng(seed)
    with learner_code(f"setting the weights of {what}"):
        for weight in model.weights:
            shape = tuple(weight.shape)
            if len(shape) >= 2:
                fan_in = int(np.prod(shape[:-1])) if len(shape) == 2 else int(np.prod(shape[:-2])) * shape[-2]
                value = rng.normal(size=shape) * np.sqrt(2.0 / max(fan_in, 1))
            else:
                value = 0.1 * rng.normal(size=shape)
            weight.assign(value.astype(weight.dtype))


def _require_range(model, code_shape, what):
    """End the check unless the outputs lie in [0, 1], for large codes and random weights."""
    codes = 5 * np.random.default_rng(3).normal(size=(16, *code_shape)).astype("float32")
    output = call_layer(model, codes, what=what)
    if not np.all(np.isfinite(output)):
        end_check(wrong(f"{what} gives NaN or infinite values for random codes and weights."))
    low, high = float(output.min()), float(output.max())
    if low < 0 or high > 1:
        end_check(wrong(f"with random weights, {what} gives values from {low:.3g} to {high:.3g}: pixels of "
                        "an image in [0, 1] cannot lie outside [0, 1], whatever the weights."))


def nyquist_ratio(images, border=_BORDER):
    """The checkerboard of a batch of images: energy per alternating-pixel frequency over energy per frequency.

    The images ``(n, height, width, channels)`` lose a border of ``border`` pixels (zero padding
    bends the edges) and their mean; the power spectra of all images and channels are added, and
    the mean power at the three alternating-pixel frequencies (every other row, every other column,
    both) is divided by the mean power over every frequency but the constant one. White noise
    measures 1; a smooth image much less; a checkerboard much more.
    """
    images = np.asarray(images, dtype="float64")
    inside = images[:, border:images.shape[1] - border, border:images.shape[2] - border, :]
    inside = inside - inside.mean(axis=(1, 2), keepdims=True)
    power = (np.abs(np.fft.fft2(inside, axes=(1, 2))) ** 2).sum(axis=(0, 3))
    height, width = power.shape
    alternating = [power[height // 2, 0], power[0, width // 2], power[height // 2, width // 2]]
    average = (power.sum() - power[0, 0]) / max(height * width - 1, 1)
    return float(np.mean(alternating) / average) if average > 0 else 0.0


def measured_checkerboard(model, code_shape, what="the decoder", draws=_NYQUIST_DRAWS):
    """:func:`nyquist_ratio` of ``model``'s outputs for random codes, with random weights, over ``draws`` draws."""
    outputs = []
    for draw in range(draws):
        _randomize_weights(model, seed=100 + draw, what=what)
        codes = np.random.default_rng(200 + draw).normal(size=(_NYQUIST_CODES, *code_shape)).astype("float32")
        outputs.append(call_layer(model, codes, what=what))
    return nyquist_ratio(np.concatenate(outputs))


def _require_no_checkerboard(model, code_shape, output_shape, what):
    ratio = measured_checkerboard(model, code_shape, what)
    if ratio > _NYQUIST_BOUND:
        transposed = measured_checkerboard(reference_decoder(code_shape, output_shape, "transpose"), code_shape)
        upsampling = measured_checkerboard(reference_decoder(code_shape, output_shape), code_shape)
        end_check(wrong(
            f"{what} draws a checkerboard: for random codes and random weights, its output holds {ratio:.1f} "
            "times as much energy at the alternating-pixel frequency (every other pixel up, every other down) "
            f"as at an average frequency. A decoder of 3x3 transposed convolutions with stride 2 measures "
            f"{transposed:.1f} here, one of UpSampling2D and Conv2D {upsampling:.2f}: something in yours "
            "lets neighbouring pixels be computed differently."))


def _require_save_round_trip(model, codes, what):
    """End the check unless a ``.keras`` save and load gives back a model with the same outputs."""
    import keras  # the package imports Keras already

    expected = call_layer(model, codes, what=what)
    with tempfile.TemporaryDirectory() as folder, contextlib.redirect_stdout(io.StringIO()):
        path = os.path.join(folder, "decoder.keras")
        with learner_code(f"saving {what} to a .keras file"):
            model.save(path)
        with learner_code(f"loading {what} back from its .keras file",
                          "Layers that keras.saving cannot rebuild (a Lambda, a class not registered "
                          "as serializable) break saving."):
            loaded = keras.saving.load_model(path)
    got = call_layer(loaded, codes, what="the loaded decoder")
    if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-4, atol=1e-5):
        end_check(wrong(f"{what}, saved to a .keras file and loaded back, gives other outputs for the same "
                        "codes: something in it is not saved."))


def toy_problem(n=512, seed=101):
    """Exercise 8.1's toy problem: codes of 4 numbers and 16x16 images of one blob each, float32.

    The first two numbers of a code place the blob, the third sets its width and the fourth its
    brightness.
    """
    rng = np.random.default_rng(seed)
    codes = rng.uniform(-1, 1, size=(n, *_TOY_CODE))
    rows, cols = np.mgrid[0:_TOY_SHAPE[0], 0:_TOY_SHAPE[1]]
    centre_row = 7.5 + 4.5 * codes[:, 0, None, None]
    centre_col = 7.5 + 4.5 * codes[:, 1, None, None]
    width = 2.0 + 0.8 * codes[:, 2, None, None]
    brightness = 0.6 + 0.35 * codes[:, 3, None, None]
    images = brightness * np.exp(-((rows - centre_row) ** 2 + (cols - centre_col) ** 2) / (2 * width**2))
    return codes.astype("float32"), images[..., None].astype("float32")


def _require_training(answer):
    """End the check unless a fresh decoder, trained briefly on the toy problem, draws its blobs."""
    import keras  # the package imports Keras already; here only to seed it

    codes, images = toy_problem()
    keras.utils.set_random_seed(_TOY_SEED)  # the same initial weights and batches on every run
    model = build(answer, BUILD_SIGNATURE, code_shape=_TOY_CODE, output_shape=_TOY_SHAPE)
    variance = float(np.var(images))

    def unexplained(trained):
        return pixel_mse(images, call_layer(trained, codes, what="your trained decoder")) / variance

    check_short_training(model, codes, images, loss="binary_crossentropy", epochs=_TOY_EPOCHS, batch_size=32,
                         learning_rate=0.01, target=_TOY_TARGET, measure=unexplained,
                         name="share of the images' variance left unexplained", digits=2,
                         what="your decoder")


# --- 8.2 to 8.4 -----------------------------------------------------------------------------------

STATEMENT_LETTERS = "abcde"
_TRUE_STATEMENTS = SealedLetters("ch08.statements", "8f0e7c946867dddc94a173c89da1e1cb23010b94a2410e8548915a8e4f3a2c84")
_REREAD = ("Convolution, pooling and their sizes", "Checkerboard artefacts")  # the sections the statements test
_STATEMENT_EXPLANATIONS = {
    "a": "UpSampling2D followed by Conv2D(f, 3) and Conv2DTranspose(f, 3) "
    "on the same input have exactly the same number of parameters, 9 c f + f.",
    "b": "with kernel 3 and stride 2, output pixels are covered by one or by "
    "two kernel placements in turn, so even a constant input gives a periodic output.",
    "c": "a convolution's weights do not depend on the image size; only a "
    "Dense layer after Flatten ties the model to one height and width.",
    "d": "each level halves the height and width, so they must be multiples "
    "of 2**3 = 8; 28 is not, so the builder refuses that shape (three poolings would "
    "round 28 to 4, and the decoder would give back 32).",
    "e": "nearest-neighbour upsampling of a constant map is constant, and so is "
    "a convolution of it (away from the zero-padded border).",
}


@checker
def check_transpose_output_size(answer):
    """Exercise 8.2: height of ``Conv2DTranspose(8, 3, strides=2, padding="valid")`` on 7x7 maps.

    The transposed convolution's output size follows from ``n``, ``k`` and ``s``.

    Args:
        answer: the learner's whole number.

    Returns:
        Verdict.
    """
    hints = {
        14: 'n s = 14 is the size with padding="same"; with "valid" padding the kernel '
        "overhangs the last position by k - s.",
        3: "that is the size of an ordinary convolution, floor((n - k) / s) + 1; a transposed "
        "convolution goes the other way.",
        13: "(n - 1) s + 1 = 13 places the centres; add k - 1 for the kernel's reach.",
        17: "n s + k counts one step too many: the first input's kernel covers k rows and "
        "each of the other n - 1 inputs adds s.",
    }
    return check_count(answer, 15, hints, "(7 - 1) x 2 + 3 = 15 rows.",
                       "Use (n - 1) s + k for a transposed convolution with valid padding.")


@checker
def check_overlap_function(overlap_counts):
    """Exercise 8.3: ``overlap_counts(n, k, s)``, the 1-D overlap of a transposed convolution.

    For ``n`` inputs, kernel size ``k`` and stride ``s`` (valid padding), the
    function returns, for each of the ``(n - 1) s + k`` outputs, how many kernel
    placements cover it: input ``i`` writes to outputs ``i s`` to ``i s + k - 1``.

    Args:
        overlap_counts: the learner's function.

    Returns:
        Verdict.
    """
    signature = "overlap_counts(n, k, s)"
    for n, k, s in ((5, 3, 2), (4, 4, 2), (3, 2, 1), (6, 3, 3), (2, 5, 2)):
        expected = _overlap_counts(n, k, s)
        result = learner_result(overlap_counts, signature, (n, k, s),
                                error_hints={IndexError: "the output has (n - 1) s + k entries."})
        counts = read_array(result, signature, shape=expected.shape)
        if not np.array_equal(counts, expected):
            return wrong(_overlap_hint(counts, expected, n, k, s))
    return correct("with k = 3 and s = 2 the counts alternate 1, 2, 1, 2, ...: the checkerboard; "
                   "with k = 4 and s = 2 they are even inside.")


@checker
def check_conv_statements(answer):
    """Exercise 8.4: which statements (a)-(e) about convolutional autoencoders are true.

    Args:
        answer: the letters of the true statements.

    Returns:
        Verdict.
    """
    return check_letters(answer, STATEMENT_LETTERS, _TRUE_STATEMENTS, _STATEMENT_EXPLANATIONS, _REREAD)


def _overlap_counts(n, k, s):
    counts = np.zeros((n - 1) * s + k)
    for i in range(n):
        counts[i * s:i * s + k] += 1
    return counts


def _overlap_hint(counts, expected, n, k, s):
    where = int(np.flatnonzero(counts != expected)[0])
    if counts.sum() != n * k:
        return (f"for n={n}, k={k}, s={s} the counts must add up to n k = {n * k} (every input "
                f"writes k outputs). Received a total of {counts.sum():g}.")
    return (f"for n={n}, k={k}, s={s}, output {where} is covered {expected[where]:g} time(s), "
            f"yours says {counts[where]:g}. Input i covers outputs i s to i s + k - 1.")


# --- 8.5 a prediction: random weights on a constant input ---------------------------------------

RIPPLE_CHOICES = {
    "a": "Flat inside, as with the kernel of ones: 4 is a multiple of the stride 2, so every output "
    "pixel receives the same number of kernel copies.",
    "b": "A pattern that repeats every two pixels, as with a kernel of size 3.",
    "c": "Values with no pattern at all: random weights give random outputs.",
}


def ripple_outcome(inside):
    """The letter of Exercise 8.5 that the inside of an output map bears out.

    Args:
        inside: a 2-D array, the output away from the padded border.

    Returns:
        ``"a"`` for a flat map, ``"b"`` for one that repeats every two pixels
        (and is not flat), ``"c"`` otherwise.
    """
    inside = np.asarray(inside, dtype="float64")
    tolerance = 1e-5 * max(float(np.abs(inside).max()), 1e-12)
    if np.ptp(inside) <= tolerance:
        return "a"
    periodic = (np.allclose(inside[2:], inside[:-2], rtol=0, atol=tolerance)
                and np.allclose(inside[:, 2:], inside[:, :-2], rtol=0, atol=tolerance))
    return "b" if periodic else "c"


@checker
def check_ripple_prediction(answer, inside):
    """Exercise 8.5: a transposed convolution (kernel 4, stride 2) with random weights on a constant input.

    Args:
        answer: the learner's predicted letter.
        inside: the measured output map away from its border, a 2-D array.

    Returns:
        Verdict: whether the prediction held, with what was measured.
    """
    if not isinstance(inside, np.ndarray) or inside.ndim != 2 or min(inside.shape) < 4 \
            or inside.dtype.kind not in "iuf" or not np.all(np.isfinite(inside)):
        return wrong("pass `inside` as the experiment's cell computed it: the output map away from its "
                     f"border, a 2-D array of at least 4x4 finite numbers. Received: {shown(inside)}.")
    values = np.unique(np.round(inside, 4))
    measured = (f"Measured inside the output: {len(values)} different values, from {inside.min():.3f} to "
                f"{inside.max():.3f}. Each output pixel sums 2x2 = 4 of the 16 kernel weights, but which "
                "four depends on whether its row and column are even or odd: four different sums, unless "
                "the weights are balanced as a kernel of ones is. Training has to learn that balance.")
    return check_prediction(answer, RIPPLE_CHOICES, ripple_outcome(inside), measured)


# --- 8.6 an experiment: the best autoencoder within a parameter budget --------------------------

BUDGET_PARAMETERS = 30_000  # Exercise 8.6: at most this many parameters ...
BUDGET_CODE = 32  # ... and a code of at most this many numbers
BUDGET_DIGITS = 1000  # the last test digits, which no model trains on
# A reason for the bound: dense autoencoders within the budget (784-16-784 and 784-17-32-17-784)
# reach a test MSE of 0.024 to 0.028 after 6 epochs on 10,000 digits, an untrained model about
# 0.23; the solution, convolutional, reaches 0.017 after 3 epochs on 10,000 digits.
BUDGET_MSE = 0.019


@checker
def check_budget_autoencoder(model):
    """Exercise 8.6: an autoencoder of at most 30,000 parameters and a 32-number code, measured on held-out digits.

    The checker reconstructs held-out test digits with ``model`` (in the input
    shape it declares), encodes them with ``model.encoder`` to measure the code
    size, and counts the parameters.

    Args:
        model: the learner's trained autoencoder, with an ``.encoder``.

    Returns:
        Verdict, with each measured number next to its bound.
    """
    verdict = not_a_model(model, "an autoencoder", needs=("encoder",))
    if verdict is not None:
        return verdict
    images = held_out_digits(BUDGET_DIGITS)[0]
    reconstructions = reconstruct(model, images)
    codes = encode(model.encoder, images)
    with learner_code("counting your model's parameters", "Pass a Keras model."):
        parameters = int(model.count_params())
    mse = pixel_mse(reconstructions, images)
    targets = [
        Target("parameter count", parameters, BUDGET_PARAMETERS, at_least=False, digits=0),
        Target("code size", codes.shape[1], BUDGET_CODE, at_least=False, digits=0),
        Target("test MSE per pixel", mse, BUDGET_MSE, at_least=False, digits=4),
    ]
    hints = []
    if not targets[0].met:
        hints.append("Too many parameters: a Dense layer from a feature map costs one weight per value of "
                     "the map and per code unit; use fewer filters in the last level.")
    if not targets[1].met:
        hints.append("The code is too large: a fully convolutional code of 7x7xc holds 49c numbers; add a "
                     "Dense code (code_size=32).")
    if not targets[2].met:
        hints.append("The error is too high: a dense model spends its budget on one weight per pixel, while "
                     "convolutions reuse theirs everywhere; train longer, or check that the output has a "
                     "sigmoid and that inputs are scaled to [0, 1].")
    return verdict_on(targets, f"on {BUDGET_DIGITS:,} held-out test digits", " ".join(hints))
