"""Checkers for the exercises of Chapter 5 (denoising autoencoders)."""

import keras
import numpy as np

from companion.exercises._build_it import (
    build,
    call_layer,
    check_config_round_trip,
    check_short_training,
    check_training_flag,
    describe_difference,
    passed,
    random_inputs,
)
from companion.exercises._measure import Target, held_out_digits, not_a_model, pixel_mse, reconstruct, verdict_on
from companion.exercises._verdict import (
    SealedLetters,
    check_letters,
    check_number,
    check_prediction,
    checker,
    end_check,
    learner_code,
    validate_measurement,
    wrong,
)

# Exercise 5.1: the learner writes salt-and-pepper noise as a Keras layer. The checker builds it at
# two rates, checks that it is the identity at inference (and when `training` is left out) on
# inputs of three ranks, and measures in training, over many draws, the share of values replaced,
# the share of those set to 1 rather than 0, that the other values are left as they were and that
# every example gets its own draw; then the seed, the dtype, the config round trip, and one epoch
# of `fit` with the layer in front of a model.
BUILD_SIGNATURE = "SaltAndPepper(rate, seed=None)"
_RATES = (0.3, 0.75)
_SHAPES = ((1, 12), (7, 28, 28), (64, 784))  # a batch of one, images, flat digits
_DRAWS = 4  # training calls on (64, 784) inputs: about 200,000 draws, so the shares are known to 0.003
_RATE_TOLERANCE = 0.01  # more than 3 standard deviations of the measured share of replaced values
_SALT_TOLERANCE = 0.02  # more than 5 standard deviations of the measured share of 1s among them
_ROW_AGREEMENT = 0.99  # share of positions replaced alike in two examples, above which the draw is shared
_SEED = 7

STATEMENT_LETTERS = "abcde"
_TRUE_STATEMENTS = SealedLetters("ch05.statements", "d84287b41bd67151b757155f224c646a0b16cedba2b2439c5692483fda632c76")
_REREAD = (  # the sections the statements test
    "The denoising criterion",
    "Measuring noise: PSNR",
    "Corruption inside the model",
)
_STATEMENT_EXPLANATIONS = {
    "a": "the loss compares g(f(x~)) with the clean x, so the model must "
    "undo the corruption, not copy its input.",
    "b": "the Corruption layer is active only in training; predict and "
    "evaluate see the inputs unchanged.",
    "c": "a denoising autoencoder can be overcomplete; the corruption, not "
    "the bottleneck, is what stops it from learning the identity.",
    "d": "PSNR = 10 log10(1 / MSE) for pixels in [0, 1], so halving the "
    "MSE adds 10 log10(2), about 3 dB.",
    "e": "a masked pixel is 0 in the input, and the model has to fill it "
    "in from the pixels around it, which is what the features must capture.",
}


@checker
def check_salt_and_pepper(answer):
    """Exercise 5.1: salt-and-pepper noise written as a Keras layer by the learner.

    ``answer`` is a ``keras.layers.Layer`` subclass called as
    ``SaltAndPepper(rate, seed=None)``. In training it replaces each value of
    its input with probability ``rate``, independently for every value of
    every example, by 0 or by 1 with equal chances, and leaves the others as
    they are; at inference (and when ``training`` is not given) it returns its
    input. The checker builds it at two rates and tests it as Keras tests its
    random layers: the identity at inference on inputs of three shapes; in
    training, measured over many draws, the share of values replaced and of
    those set to 1, the values it keeps, a fresh draw at each call and for each
    example; the same noise from two layers built with the same seed; no
    trainable weights; the dtype; ``from_config(get_config())``; and one epoch
    of ``fit`` with the layer in front of a model.

    Args:
        answer: the learner's class (or a function that returns the layer).

    Returns:
        Verdict: what differs, measured, when something does.
    """
    keras.utils.set_random_seed(_SEED)  # the same draws, and verdicts, on every run
    for rate in _RATES:
        layer = build(answer, BUILD_SIGNATURE, rate=rate)
        what = f"your layer (rate={rate})"
        inputs = random_inputs(_SHAPES, low=0.1, high=0.9)  # never 0 or 1 before the noise
        for x in inputs:
            check_training_flag(layer, x, inference="identity", training=None, what=what)
        check_training_flag(layer, inputs[-1], inference="identity", training="random", what=what)
        _require_noise(layer, inputs[-1], rate, what)
        with learner_code(f"reading the weights of {what}"):
            trainable = list(layer.trainable_weights)
        if trainable:
            end_check(wrong(f"{what} has {len(trainable)} trainable weight tensors "
                            f"{[tuple(weight.shape) for weight in trainable]}: a corruption learns nothing, "
                            "and the optimiser would change it."))
        check_config_round_trip(layer, inputs[1], what=what)
    _require_seed(answer, random_inputs([(16, 64)], low=0.1, high=0.9)[0])
    _require_dtype(answer)
    _require_fit(answer)
    return passed("your SaltAndPepper", [
        "the identity at inference on 3 input shapes, with or without training=False",
        "in training, at two rates, the right share of values replaced, as many by 0 as by 1, the other "
        "values untouched, a fresh draw for every call and every example",
        "seeded, float16 and from_config(get_config()) alike",
        "it trains in front of a model",
    ])


def _require_noise(layer, x, rate, what):
    """End the check unless training replaces a share ``rate`` of the values by 0 or 1, each example on its own."""
    outputs = [call_layer(layer, x, training=True, what=what) for _ in range(_DRAWS)]
    for output in outputs:
        if output.shape != x.shape:
            end_check(wrong(f"with inputs of shape {x.shape} and training=True, {what} returns shape "
                            f"{output.shape}: a corruption keeps its input's shape."))
        replaced = (output == 0) | (output == 1)
        if np.any(replaced) and not np.all(replaced):
            difference = describe_difference(output[~replaced], x[~replaced], rtol=1e-5, atol=1e-6,
                                              what="the values it does not set to 0 or 1")
            if difference is not None:
                end_check(wrong(f"in training, {difference}: salt-and-pepper noise leaves every value it "
                                "does not replace as it was."))
    stacked = np.stack(outputs)
    replaced = (stacked == 0) | (stacked == 1)
    rows = replaced[0]
    if len(rows) > 1 and np.mean(rows[1:] == rows[:1]) > _ROW_AGREEMENT:
        end_check(wrong(f"in training, {what} replaces the same positions in every example of a batch: each "
                        "example needs its own draw, or the model learns where the damage always is."))
    per_example = rows.mean(axis=1)
    if np.all((per_example == 0) | (per_example == 1)):
        end_check(wrong(f"in training, {what} replaces whole examples at once (every value of an example, "
                        "or none): each value needs its own draw."))
    share = float(replaced.mean())
    if abs(share - rate) > _RATE_TOLERANCE:
        end_check(wrong(f"{what} replaces {share:.1%} of the values by 0 or 1 in training (measured over "
                        f"{replaced.size:,} values), not the share that rate asks for."))
    salt = float((stacked == 1).sum() / max(replaced.sum(), 1))
    if abs(salt - 0.5) > _SALT_TOLERANCE:
        end_check(wrong(f"of the values {what} replaces in training, {salt:.1%} become 1 (salt) and "
                        f"{1 - salt:.1%} become 0 (pepper), where each should be as likely as the other."))


def _require_seed(answer, x):
    """End the check unless two layers built with the same seed draw the same noise, and other seeds other noise."""
    first, second, other = (build(answer, BUILD_SIGNATURE, rate=0.5, seed=seed) for seed in (_SEED, _SEED, 99))
    draws = [call_layer(layer, x, training=True, what=f"your layer (rate=0.5, seed={seed})")
             for layer, seed in ((first, _SEED), (second, _SEED), (other, 99))]
    if describe_difference(draws[1], draws[0], rtol=0, atol=0) is not None:
        end_check(wrong(f"two layers built with seed={_SEED} draw different noise at their first call: the "
                        "seed does not fix the noise (keras.random.SeedGenerator keeps a layer's seed)."))
    if describe_difference(draws[2], draws[0], rtol=0, atol=0) is None:
        end_check(wrong(f"layers built with seed={_SEED} and seed=99 draw the same noise: the seed is ignored."))


def _require_dtype(answer):
    """End the check unless a float16 layer returns float16 in training too."""
    layer = build(answer, BUILD_SIGNATURE, rate=0.3, dtype="float16")
    x = random_inputs([(8, 20)], low=0.1, high=0.9)[0].astype("float16")
    for training in (False, True):
        output = call_layer(layer, x, training=training, what="your layer (dtype='float16')", keep_dtype=True)
        got = keras.backend.standardize_dtype(output.dtype)
        if got != "float16":
            end_check(wrong(f"with dtype='float16' and training={training} your layer returns {got}: part of "
                            "it is computed in another dtype."))


def _require_fit(answer):
    """End the check unless the layer trains in front of a small model (inside ``fit``, compiled)."""
    x = random_inputs([(64, 12)], low=0.0, high=1.0, seed=5)[0]
    layer = build(answer, BUILD_SIGNATURE, rate=0.3, seed=1)
    with learner_code("building a model with your layer in front of a Dense layer"):
        model = keras.Sequential([keras.Input((12,)), layer, keras.layers.Dense(12)])
    check_short_training(model, x, loss="mse", epochs=1, batch_size=16, target=100.0,
                         name="training loss", what="a model with your layer in front")


@checker
def check_psnr_value(answer):
    """Exercise 5.2: the PSNR of an image whose MSE is 0.01 (pixels in [0, 1]).

    Args:
        answer: the learner's value in dB.

    Returns:
        Verdict.
    """
    hints = [
        (2.0, "you took log10(1 / MSE); PSNR in dB is 10 times that."),
        (40.0, "that is twice the PSNR: it compares powers, peak^2 / MSE, so it takes ten times "
         "their log10, not twenty times."),
        (-20.0, "check the sign: it is 10 log10(peak^2 / MSE), not MSE / peak^2."),
        (10.0, "check log10(1 / 0.01): how many times does 0.01 go into 1?"),
    ]
    return check_number(answer, 20.0, 0.01, hints, "10 log10(1^2 / 0.01) = 20 dB.")


@checker
def check_denoising_statements(answer):
    """Exercise 5.3: which statements (a)-(e) about denoising autoencoders are true.

    Args:
        answer: the letters of the true statements.

    Returns:
        Verdict.
    """
    return check_letters(answer, STATEMENT_LETTERS, _TRUE_STATEMENTS, _STATEMENT_EXPLANATIONS, _REREAD)


# --- 5.4 a prediction: a denoiser meets a noise it was not trained on ---------------------------

NOISE_TRANSFER_CHOICES = {
    "a": "The output's PSNR is more than 0.5 dB above the noisy input's: a denoiser removes noise of any kind.",
    "b": "The output's PSNR is about that of the noisy input (within 0.5 dB).",
    "c": "The output's PSNR is more than 0.5 dB below the noisy input's: the model makes the noisy digits worse.",
}
_SAME_WITHIN = 0.5  # dB: a difference smaller than this counts as "about the same"


def noise_transfer_outcome(gain):
    """The letter of Exercise 5.4 that a PSNR gain (output minus noisy input, in dB) bears out."""
    if gain > _SAME_WITHIN:
        return "a"
    return "c" if gain < -_SAME_WITHIN else "b"


@checker
def check_noise_transfer_prediction(answer, noisy_psnr, denoised_psnr):
    """Exercise 5.4: the masking denoiser on Gaussian noise, predicted before it runs.

    Args:
        answer: the learner's letter.
        noisy_psnr: the measured PSNR of the noisy test digits, in dB.
        denoised_psnr: the measured PSNR of the masking denoiser's outputs, in dB.

    Returns:
        Verdict: whether the prediction held, with the measured numbers.
    """
    noisy = validate_measurement(noisy_psnr, "noisy_psnr", expected="a PSNR in dB")
    denoised = validate_measurement(denoised_psnr, "denoised_psnr", expected="a PSNR in dB")
    gain = denoised - noisy
    measured = (f"Measured: noisy input {noisy:.1f} dB, output {denoised:.1f} dB ({gain:+.1f} dB). "
                "Masking noise only ever removes ink, so the model learned to trust every lit pixel "
                "and to fill in missing strokes; Gaussian noise lights the background, and the model "
                "turns the grey specks into pieces of stroke.")
    return check_prediction(answer, NOISE_TRANSFER_CHOICES, noise_transfer_outcome(gain), measured)


# --- 5.5 an experiment: a denoiser for occlusion, measured on held-out digits -------------------

OCCLUSION_SIDE = 8  # pixels: the white square of Exercise 5.5 hides about a tenth of a digit
OCCLUSION_SEED = 2024  # the checker's own draw of squares on its held-out digits
OCCLUSION_DIGITS = 1000  # the last test digits: the chapter trains on training digits
# A reason for the bound: the identity (the occluded input itself) gains 0 dB, the chapter's
# plain autoencoder about 0.9 dB and its best denoiser (salt-and-pepper) about 3 dB; the
# solution, trained on occluded digits for the quick run's budget, gains about 5 dB.
OCCLUSION_GAIN = 4.0  # dB, the PSNR gain over the occluded input to reach


def occlude(images, *, seed=0, side=OCCLUSION_SIDE):
    """Paste one white square of ``side`` x ``side`` pixels at a random place on each digit.

    The corruption of Exercise 5.5: a sticker over the digit, unlike any noise
    of the chapter. Seeded, so the same seed gives the same squares.

    Args:
        images: digits in [0, 1], shape ``(n, 784)``, ``(n, 28, 28)`` or ``(n, 28, 28, 1)``.
        seed: seed of the squares' places.
        side: the squares' side in pixels.

    Returns:
        float32 array of the shape of ``images``.

    Raises:
        ValueError: if the images do not hold 784 pixels each.
    """
    images = np.asarray(images, dtype="float32")
    if images.ndim < 2 or images[0].size != 784:
        raise ValueError(f"Expected digits of 784 pixels, shape (n, 784) or (n, 28, 28). Received: {images.shape}.")
    rng = np.random.default_rng(seed)
    tops, lefts = rng.integers(0, 28 - side + 1, size=(2, len(images)))
    positions = np.arange(28)
    rows = (positions >= tops[:, None]) & (positions < tops[:, None] + side)
    columns = (positions >= lefts[:, None]) & (positions < lefts[:, None] + side)
    square = rows[:, :, None] & columns[:, None, :]  # (n, 28, 28)
    occluded = np.where(square, 1.0, images.reshape(len(images), 28, 28))
    return occluded.reshape(images.shape).astype("float32")


def _psnr(clean, other):
    """Mean over images of 10 log10(1 / MSE), as ``cp.psnr`` (a perfect image counts 100 dB)."""
    mse = pixel_mse(clean, other, per_image=True)
    return float(np.mean(10 * np.log10(1 / np.maximum(mse, 1e-10))))


@checker
def check_occlusion_denoiser(model):
    """Exercise 5.5: a denoiser that removes white squares from digits it never saw.

    The checker loads held-out test digits, pastes its own seeded squares on
    them with :func:`occlude`, and measures how much the model's outputs raise
    the PSNR over the occluded inputs. It feeds the digits in the shape the
    model declares.

    Args:
        model: the learner's trained autoencoder.

    Returns:
        Verdict, with the measured gain next to the target.
    """
    verdict = not_a_model(model, "a denoising autoencoder")
    if verdict is not None:
        return verdict
    clean = held_out_digits(OCCLUSION_DIGITS)[0]
    occluded = occlude(clean, seed=OCCLUSION_SEED)
    outputs = reconstruct(model, occluded)
    clean, occluded = clean.reshape(len(clean), -1), occluded.reshape(len(clean), -1)
    gain = _psnr(clean, outputs) - _psnr(clean, occluded)
    target = Target("PSNR gain over the occluded digits", gain, OCCLUSION_GAIN, at_least=True, unit=" dB", digits=1)
    hints = ("Usual causes: a model trained on clean or differently corrupted inputs (it keeps the "
             "square), inputs and targets swapped (the input is occlude(x), the target the clean x), "
             "too few epochs, or an output layer without a sigmoid.")
    if 0 < outputs.min() and outputs.max() > 1 + 1e-3:
        hints += " Your outputs go above 1: pixels are in [0, 1]."
    return verdict_on([target], f"on {OCCLUSION_DIGITS:,} held-out test digits with the checker's squares", hints)
