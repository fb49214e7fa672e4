"""Checkers for the exercises of Chapter 9 (variational autoencoders)."""

import numpy as np

from companion.exercises._measure import Target, held_out_mnist, model_input, model_output, not_a_model, verdict_on
from companion.exercises._verdict import (
    call_for_array,
    check_letters,
    check_number,
    check_prediction,
    checker,
    correct,
    end_check,
    learner_code,
    shown,
    wrong,
)

# Exercise 9.4: the bound on the negative ELBO, in nats per image, on the checker's own test digits.
# The chapter's 2-D VAE measures about 163 nats there after a short run (10 epochs on 10,000 digits)
# and an untrained VAE about 545; the solution, a 16-D dense VAE trained for 5 epochs on 10,000
# digits, about 134. The bound lies between, with room on both sides.
ELBO_TARGET = 140.0
ELBO_TEST_IMAGES = 1_000
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

_TRUE_STATEMENTS = frozenset("bd")
_REREAD = (  # the sections the statements test
    "A generative model with a code",
    "The reparameterisation trick",
    "A 16-D convolutional VAE, and a plain autoencoder",
)
_STATEMENT_EXPLANATIONS = {
    "a": "(a) is false: the KL term pulls every q(z|x) towards the prior; the "
    "reconstruction term is what keeps the codes of different images apart.",
    "b": "(b) is true: z = mean + sigma * eps is a differentiable function of the mean "
    "and log-variance, with the randomness in eps, which needs no gradient.",
    "c": "(c) is false: the loss is an upper bound of -log p(x) (the ELBO is a lower "
    "bound of log p(x)); a lower loss is a tighter bound, never the exact likelihood.",
    "d": "(d) is true: the plain autoencoder's codes are not pushed towards N(0, I), so "
    "codes drawn from N(0, I) fall where its decoder has seen no data.",
    "e": "(e) is false: with beta = 0 only the reconstruction term is left; the KL is "
    "ignored and the encoder's variances can shrink towards zero.",
}


@checker
def check_elbo_bound(answer):
    """Exercise 9.1: the bound on ``log p(x)`` from a reconstruction term of 80 and a KL of 25 nats.

    Args:
        answer: the learner's number, in nats.

    Returns:
        Verdict.
    """
    hints = [
        (105.0, "the ELBO bounds log p(x), a negative number here: take the sign into account."),
        (-55.0, "the KL is subtracted from the expected log-likelihood (-80), not added."),
        (55.0, "both terms count against the bound: the expected log-likelihood is negative, and "
               "the KL is subtracted from it."),
        (-80.0, "subtract the KL term too."),
    ]
    return check_number(answer, -105.0, 1e-6, hints, "log p(x) >= -80 - 25 = -105 nats.")


@checker
def check_kl_function(kl):
    """Exercise 9.2: ``kl(mean, log_var)`` in NumPy, one value per row.

    Args:
        kl: the learner's function of two arrays ``(batch, code_size)``.

    Returns:
        Verdict.
    """
    rng = np.random.default_rng(9)
    mean = rng.normal(size=(6, 4))
    log_var = rng.normal(scale=0.7, size=(6, 4))
    signature = "kl(mean, log_var)"
    values, verdict = call_for_array(kl, signature, (mean.copy(), log_var.copy()), (6,))
    if verdict is not None:
        return verdict
    variance = np.exp(log_var)
    expected = 0.5 * np.sum(variance + mean**2 - 1 - log_var, axis=1)
    if np.allclose(values, expected, rtol=1e-6, atol=1e-8):
        return correct("1/2 sum(sigma^2 + mu^2 - 1 - log sigma^2), summed over the latent dimensions.")
    if np.allclose(values, -expected):
        return wrong("the sign is flipped: a KL divergence is never negative.")
    if np.allclose(values, 0.5 * np.sum(np.exp(0.5 * log_var) + mean**2 - 1 - log_var, axis=1)):
        return wrong("log_var is the log of the variance: sigma^2 = exp(log_var), not exp(log_var / 2).")
    if np.allclose(values, expected / 2) or np.allclose(values, 2 * expected):
        return wrong("check the factor 1/2 in front of the sum.")
    return wrong("use the closed form of the KL from the chapter, with sigma^2 = exp(log_var), "
                 "summed over the latent dimensions: one value per row.")


@checker
def check_vae_statements(answer):
    """Exercise 9.3: which statements (a)-(e) about variational autoencoders are true.

    Args:
        answer: the letters of the true statements.

    Returns:
        Verdict.
    """
    return check_letters(answer, "abcde", _TRUE_STATEMENTS, _STATEMENT_EXPLANATIONS, _REREAD)


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
    chapter never trains on), feeds them to the VAE in the shape its encoder declares, and
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
    images, _ = held_out_mnist(ELBO_TEST_IMAGES)
    value = measured_negative_elbo(vae, images)
    target = Target("negative ELBO", value, ELBO_TARGET, at_least=False, unit=" nats", digits=1)
    return verdict_on([target], f"on {len(images):,} held-out test digits", _ELBO_HINTS)


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
    outcome = active_units_outcome(active_beta_1, active_beta_8)
    measured = (f"Active units of {code_size}: {active_beta_1} with beta = 1, {active_beta_8} with beta = 8. "
                "A unit is kept only where what it saves in reconstruction is worth beta times its KL.")
    return check_prediction(answer, ACTIVE_UNITS_CHOICES, outcome, measured)


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
