"""Checkers for the exercises of Chapter 9 (variational autoencoders)."""

import math

import numpy as np

from companion.data import binarise
from companion.exercises._build_it import (
    build,
    call_layer,
    check_config_round_trip,
    check_dtype,
    check_gradients,
    check_short_training,
    describe_difference,
    passed,
    random_inputs,
)
from companion.exercises._measure import Target, held_out_digits, model_input, model_output, not_a_model, verdict_on
from companion.exercises._verdict import (
    SealedLetters,
    check_letters,
    check_number,
    check_prediction,
    checker,
    end_check,
    learner_code,
    require_callable,
    shown,
    validate_measurement,
    wrong,
)

# --- 9.1 build it: the Sampling layer ---------------------------------------------------------------

# The learner writes Sampling(seed=None), the reparameterisation trick as a Keras layer. The checker
# measures the mean, the spread, the shape and the independence of many draws for known means and
# log-variances, checks that the seed makes the draws repeatable, that gradients reach both inputs
# (they equal the reference's for the same noise), the dtype and the config.
SAMPLING_SIGNATURE = "Sampling(seed)"
_SEED = 5
_DRAWS = 20_000
_MEANS = (1.0, -2.0)
_VARIANCES = (0.25, 4.0)  # standard deviations 0.5 and 2: the variance and the deviation differ
_WITHIN_ONE_SD = 0.6827  # the share of a normal distribution within one standard deviation of its mean
_SHAPES = ((1, 2), (7, 16), (3, 4, 5))


def _sampling_inputs(shape, seed):
    mean, log_var = random_inputs([shape, shape], low=-1.5, high=1.5, seed=seed)
    return [mean, log_var]


@checker
def check_sampling(answer):
    """Exercise 9.1: the ``Sampling`` layer, written by the learner in Keras.

    ``answer`` is a ``keras.layers.Layer`` subclass called as
    ``Sampling(seed=...)`` on ``[z_mean, z_log_var]``, which returns one
    sample ``z`` of ``N(z_mean, exp(z_log_var))`` per value, with its noise
    drawn from a ``keras.random.SeedGenerator``. The checker measures many
    draws for known means and log-variances (their mean, standard deviation,
    share within one standard deviation, independence between images and
    units), the output's shape for inputs of several shapes, repeatable draws
    for a seed and new ones at each call, the gradients with respect to both
    inputs (the reference's for the same noise), the dtype and the config.

    Args:
        answer: the learner's class.

    Returns:
        Verdict: what differs, measured, when something does.
    """
    layer = build(answer, SAMPLING_SIGNATURE, seed=_SEED)
    for shape in _SHAPES:
        inputs = _sampling_inputs(shape, seed=len(shape))
        output = call_layer(layer, inputs)
        if isinstance(output, (list, tuple)) or output.shape != shape:
            got = [part.shape for part in output] if isinstance(output, (list, tuple)) else output.shape
            end_check(wrong(f"for z_mean and z_log_var of shape {shape}, your layer returns {got}: one sample "
                            "z has the shape of z_mean."))
    _require_distribution(layer)
    _require_seeded(answer, _sampling_inputs((7, 16), seed=2))
    inputs = _sampling_inputs((7, 16), seed=2)
    twin = build(answer, SAMPLING_SIGNATURE, seed=_SEED)
    call_layer(twin, inputs)
    noise = (call_layer(twin, inputs) - inputs[0]) / np.exp(0.5 * inputs[1])  # the draw of a second call
    learner = build(answer, SAMPLING_SIGNATURE, seed=_SEED)
    reference = _fixed_noise_sampling(noise)
    reference(inputs)  # built, as JAX's stateless call needs
    check_gradients(learner, inputs, reference=reference, wrt_inputs=True,
                    what="your layer (input 0: z_mean, input 1: z_log_var)")
    check_dtype(build(answer, SAMPLING_SIGNATURE, seed=_SEED, dtype="float16"), inputs)
    fresh = build(answer, SAMPLING_SIGNATURE, seed=_SEED)
    call_layer(fresh, inputs)
    with learner_code("calling get_config() of your layer"):
        config = fresh.get_config()
    if isinstance(config, dict) and "seed" not in config:
        end_check(wrong("config does not round-trip: get_config() leaves out `seed`, so a loaded model "
                        "draws other noise."))
    check_config_round_trip(fresh, inputs)
    return passed("your Sampling", [
        "the draws have the mean and the spread that z_mean and z_log_var ask for, Gaussian and independent",
        "a sample of z_mean's shape for three shapes",
        "a seed repeats the draws, each call draws anew",
        "the reference's gradients with respect to z_mean and z_log_var",
        "float16 in, float16 out",
        "from_config(get_config()) rebuilds it",
    ])


def _require_distribution(layer):
    """End the check unless many draws for known means and variances have those means and variances."""
    means = np.tile(np.asarray(_MEANS, dtype="float32"), (_DRAWS, 1))
    log_vars = np.tile(np.log(np.asarray(_VARIANCES, dtype="float32")), (_DRAWS, 1))
    draws = call_layer(layer, [means, log_vars])
    if not np.all(np.isfinite(draws)):
        end_check(wrong("your layer draws NaN or infinite values for log-variances of log 0.25 and log 4."))
    spread = draws.std(axis=0)
    centre = draws.mean(axis=0)
    given = "for z_mean = (1, -2) and z_log_var = (log 0.25, log 4), over 20,000 draws"
    if np.all(spread < 1e-6):
        if np.allclose(draws[0], _MEANS, atol=1e-5):
            end_check(wrong(f"no noise: {given}, every draw equals z_mean."))
        end_check(wrong(f"every image of the batch gets the same draw: {given}, the 20,000 rows are equal."))
    expected = np.sqrt(np.asarray(_VARIANCES))
    standard_error = expected / math.sqrt(_DRAWS)
    if np.any(np.abs(centre - np.asarray(_MEANS)) > 6 * standard_error):
        end_check(wrong(f"{given}, your draws average ({centre[0]:.3g}, {centre[1]:.3g}): they are not "
                        "centred on z_mean."))
    if not np.allclose(spread, expected, rtol=0.05):
        measured = f"{given}, the standard deviations of your draws are ({spread[0]:.3g}, {spread[1]:.3g})"
        if np.allclose(spread, np.asarray(_VARIANCES), rtol=0.05):
            end_check(wrong(f"{measured}: your samples' spread is the variance, not the standard deviation."))
        if np.allclose(spread, 1.0, rtol=0.05):
            end_check(wrong(f"{measured}: the spread does not follow z_log_var."))
        end_check(wrong(f"{measured}: they do not follow from the variances 0.25 and 4."))
    standard = (draws - centre) / spread
    within = float(np.mean(np.abs(standard) <= 1.0))
    if abs(within - _WITHIN_ONE_SD) > 0.02:
        end_check(wrong(f"the noise is not Gaussian: {within:.1%} of your draws lie within one standard deviation "
                        f"of their mean, where a normal distribution has {_WITHIN_ONE_SD:.1%}."))
    correlation = float(np.mean(standard[:, 0] * standard[:, 1]))
    if abs(correlation) > 0.05:
        end_check(wrong(f"the two units of a code draw correlated noise (correlation {correlation:.2f}): each "
                        "value of z must get noise of its own."))


def _require_seeded(answer, inputs):
    """End the check unless a seed repeats the draws of a fresh layer, and each call draws anew."""
    first = build(answer, SAMPLING_SIGNATURE, seed=_SEED)
    second = build(answer, SAMPLING_SIGNATURE, seed=_SEED)
    draws = call_layer(first, inputs)
    if describe_difference(call_layer(second, inputs), draws, rtol=1e-6, atol=1e-6) is not None:
        end_check(wrong(f"two layers made with seed={_SEED} draw different noise on their first call: the seed "
                        "does not reach the noise, so no run can be repeated."))
    if describe_difference(call_layer(first, inputs), draws, rtol=1e-6, atol=1e-6) is None:
        end_check(wrong("two calls of your layer draw the same noise: training would see one draw of the noise "
                        "for ever. A keras.random.SeedGenerator moves on at each call."))


def _fixed_noise_sampling(noise):
    """A layer that draws ``noise`` every time, as the learner's layer did: the reference for its gradients."""
    import keras  # the package imports Keras already

    class FixedNoiseSampling(keras.layers.Layer):
        def call(self, inputs):
            z_mean, z_log_var = inputs
            return z_mean + keras.ops.exp(0.5 * z_log_var) * keras.ops.convert_to_tensor(noise, z_mean.dtype)

    return FixedNoiseSampling()


# --- 9.2 build it: the VAE's loss -----------------------------------------------------------------

# The learner writes vae_loss(x, x_hat, z_mean, z_log_var), the loss that a VAE's compute_loss
# returns: the reconstruction term summed over the values of an image, plus the closed-form KL
# summed over the code, averaged over the batch. The checker compares each term apart (a KL of zero
# with z_mean = z_log_var = 0; the KL of z_mean alone, then of z_log_var alone), then the whole loss on
# three image shapes, its gradients with respect to all four inputs, and trains a small VAE with it.
LOSS_SIGNATURE = "vae_loss(x, x_hat, z_mean, z_log_var)"
_LOSS_SHAPES = (((4, 28, 28, 1), 16), ((1, 784), 2), ((3, 12, 20, 2), 8))
_LOSS_INPUTS = "input 0: x, 1: x_hat, 2: z_mean, 3: z_log_var"
# The toy problem of the short training run: 512 images of 8x8 binary pixels, four patterns with
# 5% of their pixels flipped. A dense VAE (hidden 32, code 2) trained with the reference loss for 8
# epochs at 0.01 measures about 15 nats per image (seeds 9 to 11, 3-6 s); untrained, about 45.
_TOY_SHAPE = (8, 8, 1)
_TOY_EPOCHS = 8
_TOY_TARGET = 24.0
_TOY_SEED = 9


def reference_vae_loss(x, x_hat, z_mean, z_log_var):
    """The package's loss of a batch: ``mean(bernoulli_reconstruction_loss + kl_divergence)``, in nats per image."""
    import keras  # the package imports Keras already

    from companion.vae import bernoulli_reconstruction_loss, kl_divergence

    return keras.ops.mean(bernoulli_reconstruction_loss(x, x_hat) + kl_divergence(z_mean, z_log_var))


def _loss_layer(function):
    """``function`` as a Keras layer of the list ``[x, x_hat, z_mean, z_log_var]``, for the harness."""
    import keras  # the package imports Keras already

    class Loss(keras.layers.Layer):
        def call(self, inputs):
            return function(*inputs)

    return Loss()


def _loss_inputs(image_shape, code_size, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, size=image_shape).astype("float32")
    x_hat = rng.uniform(0.05, 0.95, size=image_shape).astype("float32")
    z_mean = rng.normal(size=(image_shape[0], code_size)).astype("float32")
    z_log_var = rng.uniform(-1.5, 1.0, size=(image_shape[0], code_size)).astype("float32")
    return [x, x_hat, z_mean, z_log_var]


@checker
def check_vae_loss(answer):
    """Exercise 9.2: ``vae_loss(x, x_hat, z_mean, z_log_var)``, the loss of a VAE's ``compute_loss``.

    ``answer`` is a function of four tensors, written with ``keras.ops``: the
    images ``x`` and their reconstructions ``x_hat`` (pixel probabilities),
    both ``(batch, ...)``, and the encoder's ``z_mean`` and ``z_log_var``,
    ``(batch, code_size)``. It returns one number: the reconstruction term
    (binary cross-entropy) summed over the values of each image, plus the
    closed-form KL divergence from the prior summed over the code, averaged
    over the batch (the negative ELBO, in nats per image). The checker
    compares each term apart and the whole loss with the package's on three
    image shapes, its gradients with respect to the four inputs, and trains a
    small VAE with it on a toy problem.

    Args:
        answer: the learner's function.

    Returns:
        Verdict: what differs, measured, when something does.
    """
    require_callable(answer, LOSS_SIGNATURE, kind="a function")
    learner, reference = _loss_layer(answer), _loss_layer(reference_vae_loss)
    for image_shape, code_size in _LOSS_SHAPES:
        x, x_hat, z_mean, z_log_var = _loss_inputs(image_shape, code_size, seed=code_size)
        batch = f"a batch of {image_shape[0]} image{'s' if image_shape[0] > 1 else ''} of shape {image_shape[1:]}"
        zeros = np.zeros_like(z_mean)
        _compare_loss(learner, reference, [x, x_hat, zeros, zeros], "the loss",
                      f"with z_mean = 0 and z_log_var = 0 (a KL of zero) and {batch}")
        base = _loss_value(learner, [x, x_hat, zeros, zeros])
        base_reference = _loss_value(reference, [x, x_hat, zeros, zeros])
        for name, inputs in (("z_mean", [x, x_hat, z_mean, zeros]), ("z_log_var", [x, x_hat, zeros, z_log_var])):
            difference = describe_difference(_loss_value(learner, inputs) - base,
                                             _loss_value(reference, inputs) - base_reference,
                                             rtol=1e-4, atol=1e-4, what="the KL")
            if difference is not None:
                end_check(wrong(f"with {batch} and a code of {code_size} numbers, when only {name} is not zero, "
                                f"{difference.replace('is zero everywhere', 'does not change with ' + name)}."))
        _compare_loss(learner, reference, [x, x_hat, z_mean, z_log_var], "the loss",
                      f"with {batch} and a code of {code_size} numbers")
    inputs = _loss_inputs(*_LOSS_SHAPES[0], seed=1)
    check_gradients(learner, inputs, reference=reference, wrt_inputs=True, rtol=1e-3, atol=1e-5,
                    what=f"your vae_loss ({_LOSS_INPUTS})")
    _require_vae_training(answer)
    return passed("your vae_loss", [
        "its reconstruction term and both parts of its KL are the reference's, on three image shapes",
        "the reference's gradients with respect to x, x_hat, z_mean and z_log_var",
        "a VAE trained with it learns the toy problem",
    ])


def _loss_value(layer, inputs):
    value = call_layer(layer, inputs, what="your vae_loss")
    if isinstance(value, (list, tuple)) or value.size != 1:
        shape = "several tensors" if isinstance(value, (list, tuple)) else f"an array of shape {value.shape}"
        end_check(wrong(f"for a batch of {len(inputs[0])} images, your vae_loss returns {shape}: the loss of a "
                        "batch is one number."))
    return value.reshape(())


def _compare_loss(learner, reference, inputs, what, where):
    got, expected = _loss_value(learner, inputs), _loss_value(reference, inputs)
    difference = describe_difference(got, expected, rtol=1e-4, atol=1e-4, what=what)
    if difference is not None:
        end_check(wrong(f"{where}, {difference}."))


def toy_images(n=512, seed=7):
    """Exercise 9.2's toy problem: ``n`` images of 8x8 binary pixels, four patterns with 5% of pixels flipped."""
    rng = np.random.default_rng(seed)
    patterns = rng.uniform(size=(4, *_TOY_SHAPE)) < 0.4
    images = patterns[rng.integers(0, 4, size=n)]
    flips = rng.uniform(size=images.shape) < 0.05
    return np.where(flips, ~images, images).astype("float32")


def toy_negative_elbo(vae, images):
    """The negative ELBO of ``images`` under ``vae``, in nats per image: closed-form KL, the mean code."""
    import keras  # the package imports Keras already

    mean, log_var = (np.asarray(keras.ops.convert_to_numpy(part), dtype="float64") for part in vae.encoder(images))
    decoded = keras.ops.convert_to_numpy(vae.decoder(mean.astype("float32")))
    decoded = np.clip(np.asarray(decoded, dtype="float64"), 1e-7, 1 - 1e-7)
    flat, pixels = decoded.reshape(len(images), -1), images.reshape(len(images), -1)
    reconstruction = -np.sum(pixels * np.log(flat) + (1 - pixels) * np.log(1 - flat), axis=1)
    kl = 0.5 * np.sum(np.exp(log_var) + mean**2 - 1 - log_var, axis=1)
    return float(np.mean(reconstruction + kl))


def _require_vae_training(answer):
    """End the check unless a small VAE trained with the learner's loss reaches the toy problem's bound."""
    import keras  # the package imports Keras already

    from companion.vae import VAE, build_vae

    class VAEWithYourLoss(VAE):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            z_mean, z_log_var = self.encoder(x, training=training)
            return answer(x, y_pred, z_mean, z_log_var)

    images = toy_images()
    keras.utils.set_random_seed(_TOY_SEED)  # the same initial weights, noise and batches on every run
    parts = build_vae(_TOY_SHAPE, 2, hidden_sizes=(32,), seed=_TOY_SEED)
    vae = VAEWithYourLoss(parts.encoder, parts.decoder, seed=_TOY_SEED)

    def measured(trained):
        with learner_code("measuring the VAE trained with your loss"):
            return toy_negative_elbo(trained, images)

    check_short_training(vae, images, loss=None, epochs=_TOY_EPOCHS, batch_size=32, learning_rate=0.01,
                         target=_TOY_TARGET, measure=measured, name="negative ELBO", unit=" nats", digits=1,
                         what="a VAE trained with your vae_loss")


# --- 9.3 to 9.6 ----------------------------------------------------------------------------------

# Exercise 9.4: the bound on the negative ELBO, in nats per image, on the checker's own test digits,
# binarised once (Chapter 9b's protocol: on binary images the ELBO bounds a real log-likelihood).
# The chapter's 2-D VAE measures about 163 nats there after a short run (10 epochs on 10,000 digits)
# and an untrained VAE about 544; the solution, a 16-D dense VAE trained for 5 epochs on 10,000
# digits, about 134. The bound lies between, with room on both sides.
ELBO_TARGET = 140.0
ELBO_TEST_IMAGES = 1_000
ELBO_BINARISATION_SEED = 9
_ELBO_HINTS = (
    "Usual causes: a code of two dimensions (the chapter's 2-D VAE measures about 160 nats here: "
    "give the code 16 or more), too few epochs or training digits, a beta above 1 (the checker "
    "measures the ELBO itself, which a larger beta trades for a simpler code), or pixels not "
    "scaled to [0, 1]."
)

# Exercise 9.5: how many units stay active with beta = 8, against the plain VAE (beta = 1).
ACTIVE_UNITS_CHOICES = {
    "a": "More units stay active than with beta = 1: the larger weight makes each unit work harder.",
    "b": "Fewer units stay active than with beta = 1.",
    "c": "As many units stay active as with beta = 1: beta scales the KL of every unit alike, so it "
    "cannot change which units are worth keeping.",
}

STATEMENT_LETTERS = "abcde"
_TRUE_STATEMENTS = SealedLetters("ch09.statements", "ce83e7d21ed95ff364b4ab248509d4763b0e3a8fb3998265318657f592a9656a")
_REREAD = (  # the sections the statements test
    "A generative model with a code",
    "The reparameterisation trick",
    "A 16-D convolutional VAE, and a plain autoencoder",
)
_STATEMENT_EXPLANATIONS = {
    "a": "the KL term pulls every q(z|x) towards the prior; the "
    "reconstruction term is what keeps the codes of different images apart.",
    "b": "z = mean + sigma * eps is a differentiable function of the mean "
    "and log-variance, with the randomness in eps, which needs no gradient.",
    "c": "the loss is an upper bound of -log p(x) (the ELBO is a lower "
    "bound of log p(x)); a lower loss is a tighter bound, never the exact likelihood.",
    "d": "the plain autoencoder's codes are not pushed towards N(0, I), so "
    "codes drawn from N(0, I) fall where its decoder has seen no data.",
    "e": "with beta = 0 only the reconstruction term is left; the KL is "
    "ignored and the encoder's variances can shrink towards zero.",
}


@checker
def check_vae_statements(answer):
    """Exercise 9.3: which statements (a)-(e) about variational autoencoders are true.

    Args:
        answer: the letters of the true statements.

    Returns:
        Verdict.
    """
    return check_letters(answer, STATEMENT_LETTERS, _TRUE_STATEMENTS, _STATEMENT_EXPLANATIONS, _REREAD)


def _encoder_outputs(vae, batch):
    """The mean and log-variance the learner's encoder gives for ``batch``, as float64 arrays."""
    with learner_code("calling your VAE's encoder on the checker's digits"):
        encoder = vae.encoder
        outputs = encoder.predict(batch, batch_size=500, verbose=0) if hasattr(encoder, "predict") else encoder(batch)
    if not isinstance(outputs, (list, tuple)) or len(outputs) != 2:
        end_check(wrong("Expected an encoder that returns [z_mean, z_log_var], as cp.build_vae's does. "
                        f"Received: {shown(outputs) if not isinstance(outputs, (list, tuple)) else f'{len(outputs)} outputs'}"
                        " (a plain autoencoder's encoder returns one code)."))
    with learner_code("reading what your encoder returned"):
        mean, log_var = (np.asarray(output, dtype="float64") for output in outputs)
    if mean.ndim != 2 or mean.shape != log_var.shape or len(mean) != len(batch):
        end_check(wrong(f"Expected z_mean and z_log_var of one shape, (images, code size) = ({len(batch)}, d). "
                        f"Received: {mean.shape} and {log_var.shape}."))
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(log_var))):
        end_check(wrong("your encoder returned NaN or infinite values: did training diverge? Try a smaller "
                        "learning rate."))
    return mean, log_var


def measured_negative_elbo(vae, images, seed=0):
    """The negative ELBO of ``images`` under the learner's VAE, in nats per image; ends the check otherwise.

    One seeded code sample per image for the reconstruction term, the closed-form KL for the other,
    computed here in NumPy from what the encoder and decoder return (Exercise 9.4). It measures what
    :func:`companion.negative_elbo` measures, but a learner's model may be any Keras model with an
    encoder and a decoder (other input shapes, NumPy or tensor outputs, values outside [0, 1]); this
    version turns each of those into a verdict where ``negative_elbo`` would raise.
    """
    batch = model_input(vae, images)
    mean, log_var = _encoder_outputs(vae, batch)
    log_var = np.clip(log_var, -30.0, 30.0)  # a code of enormous variance decodes to nonsense, not to overflow
    codes = mean + np.exp(0.5 * log_var) * np.random.default_rng(seed).standard_normal(mean.shape)
    decoded = model_output(vae.decoder, codes.astype("float32"), doing="calling your VAE's decoder on codes")
    flat, pixels = decoded.reshape(len(images), -1), images.reshape(len(images), -1).astype("float64")
    if flat.shape != pixels.shape:
        end_check(wrong(f"a VAE's decoder gives back an image of the input's size: {images.shape[1:]} in, "
                        f"{decoded.shape[1:]} out. Check the decoder's last layer."))
    if flat.min() < 0 or flat.max() > 1:
        end_check(wrong(f"the decoder must give pixel probabilities in [0, 1]; yours range from {flat.min():.3g} to "
                        f"{flat.max():.3g}. End it with a sigmoid."))
    flat = np.clip(flat, 1e-7, 1 - 1e-7)  # as Keras' binary cross-entropy
    reconstruction = -np.sum(pixels * np.log(flat) + (1 - pixels) * np.log(1 - flat), axis=1)
    kl = 0.5 * np.sum(np.exp(log_var) + mean**2 - 1 - log_var, axis=1)
    return float(np.mean(reconstruction + kl))


@checker
def check_elbo_model(vae):
    """Exercise 9.4: a trained VAE whose negative ELBO on held-out digits is below ``ELBO_TARGET``.

    The checker loads test digits itself (the last ``ELBO_TEST_IMAGES`` of MNIST, which the
    chapter never trains on), binarises them once, as Chapter 9b does, so that the bound is
    one of a real log-likelihood, feeds them to the VAE in the shape its encoder declares, and
    measures the negative ELBO, in nats per image (one code sample per image, closed-form KL).

    Args:
        vae: the learner's trained VAE, with ``.encoder`` (image -> ``[z_mean, z_log_var]``)
            and ``.decoder`` (code -> pixel probabilities).

    Returns:
        Verdict, with the measured negative ELBO next to the bound.
    """
    verdict = not_a_model(vae, "a VAE", needs=("encoder", "decoder"))
    if verdict is not None:
        return verdict
    grey, _ = held_out_digits(ELBO_TEST_IMAGES)
    images = binarise(grey, seed=ELBO_BINARISATION_SEED)
    value = measured_negative_elbo(vae, images)
    target = Target("negative ELBO", value, ELBO_TARGET, at_least=False, unit=" nats", digits=1)
    return verdict_on([target], f"on {len(images):,} held-out test digits, binarised", _ELBO_HINTS)


def active_units_outcome(active_beta_1, active_beta_8):
    """The letter of ``ACTIVE_UNITS_CHOICES`` that the measured counts show (Exercise 9.5).

    Args:
        active_beta_1: active units of the VAE trained with beta = 1.
        active_beta_8: active units of the same VAE trained with beta = 8.

    Returns:
        ``"a"``, ``"b"`` or ``"c"``.
    """
    if active_beta_8 == active_beta_1:
        return "c"
    return "a" if active_beta_8 > active_beta_1 else "b"


@checker
def check_active_units_prediction(answer, active_beta_1, active_beta_8, code_size):
    """Exercise 9.5: the prediction of the active units with beta = 8, against the measurement.

    Args:
        answer: the learner's letter, ``"a"``, ``"b"`` or ``"c"``.
        active_beta_1: the measured active units with beta = 1.
        active_beta_8: the measured active units with beta = 8.
        code_size: the units of the code.

    Returns:
        Verdict.
    """
    active_beta_1 = _read_count(active_beta_1, "active_beta_1")
    active_beta_8 = _read_count(active_beta_8, "active_beta_8")
    code_size = _read_count(code_size, "settings.sweep_code_size", low=1)
    outcome = active_units_outcome(active_beta_1, active_beta_8)
    measured = (f"Active units of {code_size}: {active_beta_1} with beta = 1, {active_beta_8} with beta = 8. "
                "A unit is kept only where what it saves in reconstruction is worth beta times its KL.")
    return check_prediction(answer, ACTIVE_UNITS_CHOICES, outcome, measured)


def _read_count(value, name, low=0):
    """A count the experiment measured, as an int; ends the check otherwise."""
    count = validate_measurement(value, name, expected="a whole number of units", low=low)
    if count != int(count):
        end_check(wrong(f"run the experiment's cell first, then pass `{name}` as it measured it, a whole number "
                        f"of units. Received: {shown(value)}."))
    return int(count)


@checker
def check_hidden_beta(answer):
    """Exercise 9.6: the beta of a loss that averages the cross-entropy over 784 pixels and the KL over 32 units.

    Args:
        answer: the learner's number.

    Returns:
        Verdict.
    """
    hints = [
        (32 / 784, ("the ratio is upside down: factor out 1/784, the cross-entropy's, and see what "
                    "multiplies the KL.")),
        (784.0, ("that is the trap of the chapter, where the KL is summed; here the KL is averaged "
                 "over its units too.")),
        (1 / 32, "factor out the cross-entropy's 1/784 first, then read what multiplies the KL."),
        (32.0, "the KL is divided by 32, but the cross-entropy by 784: compare the two factors."),
        (1.0, "the two terms are not divided by the same number: 784 pixels against 32 units."),
    ]
    return check_number(answer, 784 / 32, 0.01, hints,
                        "(1/784) sum BCE + (1/32) KL = (1/784) (sum BCE + 24.5 KL): beta = 784/32 = 24.5.")
