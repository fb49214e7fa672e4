"""Checkers for the exercises of Chapter 5 (denoising autoencoders)."""


import numpy as np

from companion.exercises._measure import Target, held_out_mnist, not_a_model, reconstruct, verdict_on
from companion.exercises._verdict import (
    measured_number,
    as_float_array,
    Verdict,
    call_learner_function,
    check_letters,
    check_number,
    check_prediction,
    checker,
    correct,
    wrong,
)

_TRUE_STATEMENTS = frozenset("ade")
_REREAD = (  # the sections the statements test
    "The denoising criterion",
    "Measuring noise: PSNR",
    "Corruption inside the model",
)
_STATEMENT_EXPLANATIONS = {
    "a": "(a) is true: the loss compares g(f(x~)) with the clean x, so the model must "
    "undo the corruption, not copy its input.",
    "b": "(b) is false: the Corruption layer is active only in training; predict and "
    "evaluate see the inputs unchanged.",
    "c": "(c) is false: a denoising autoencoder can be overcomplete; the corruption, not "
    "the bottleneck, is what stops it from learning the identity.",
    "d": "(d) is true: PSNR = 10 log10(1 / MSE) for pixels in [0, 1], so halving the "
    "MSE adds 10 log10(2), about 3 dB.",
    "e": "(e) is true: a masked pixel is 0 in the input, and the model has to fill it "
    "in from the pixels around it, which is what the features must capture.",
}


@checker
def check_psnr_value(answer):
    """Exercise 5.1: the PSNR of an image whose MSE is 0.01 (pixels in [0, 1]).

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
def check_masking_function(mask_noise):
    """Exercise 5.2: ``mask_noise(x, fraction, rng)`` in NumPy.

    It must return a copy of ``x`` in which each value is set to 0 with
    probability ``fraction``, drawing from the generator ``rng``, and leave ``x``
    unchanged.

    Args:
        mask_noise: the learner's function.

    Returns:
        Verdict.
    """
    x = np.full((100, 200), 0.5)
    signature = "mask_noise(x, fraction, rng)"
    for fraction in (0.0, 0.3, 1.0):
        original = x.copy()
        result, verdict = call_learner_function(mask_noise, signature, (x, fraction, np.random.default_rng(0)))
        if verdict is not None:
            return verdict
        if not np.array_equal(x, original):
            return wrong("your function changed x itself; work on a copy (x.copy() or x * mask).")
        array, verdict = as_float_array(result, signature)
        if verdict is None:
            verdict = _check_mask(array, original, fraction)
        if verdict is not None:
            return verdict
    return correct("each value is zeroed with the given probability, and x is left as it was.")


def _check_mask(result, original, fraction):
    if result.shape != original.shape:
        return wrong(f"the result must have the shape of x, {original.shape}. Received: {result.shape}.")
    if not np.all((result == 0) | (result == original)):
        return wrong("masking only sets values to 0; every other value must stay as it was.")
    zeroed = float((result == 0).mean())
    # 20,000 independent draws: the zeroed share is within 0.02 of the fraction
    # with overwhelming probability (more than 5 standard deviations).
    if abs(zeroed - fraction) > 0.02:
        return wrong(
            f"with fraction={fraction} about {fraction:.0%} of the values should be 0; "
            f"yours zeroes {zeroed:.1%}. Compare rng.uniform(size=x.shape) with fraction."
        )
    return None


@checker
def check_denoising_statements(answer):
    """Exercise 5.3: which statements (a)-(e) about denoising autoencoders are true.

    Args:
        answer: the letters of the true statements.

    Returns:
        Verdict.
    """
    return check_letters(answer, "abcde", _TRUE_STATEMENTS, _STATEMENT_EXPLANATIONS, _REREAD)


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
def check_noise_transfer(answer, noisy_psnr, denoised_psnr):
    """Exercise 5.4: the masking denoiser on Gaussian noise, predicted before it runs.

    Args:
        answer: the learner's letter.
        noisy_psnr: the measured PSNR of the noisy test digits, in dB.
        denoised_psnr: the measured PSNR of the masking denoiser's outputs, in dB.

    Returns:
        Verdict: whether the prediction held, with the measured numbers.
    """
    numbers = [measured_number(value, name) for name, value in
               (("noisy_psnr", noisy_psnr), ("denoised_psnr", denoised_psnr))]
    for verdict in numbers:
        if isinstance(verdict, Verdict):
            return verdict
    gain = numbers[1] - numbers[0]
    measured = (f"Measured: noisy input {numbers[0]:.1f} dB, output {numbers[1]:.1f} dB ({gain:+.1f} dB). "
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
    mse = ((clean - other) ** 2).mean(axis=1)
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
    clean = held_out_mnist(OCCLUSION_DIGITS)[0]
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
