"""Checkers for the exercises of Chapter 9 (variational autoencoders)."""

import numpy as np

from companion.exercises._verdict import (
    call_for_array,
    check_letters,
    check_number,
    checker,
    correct,
    wrong,
)

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
        (55.0, "ELBO = E[log p(x|z)] - KL = -80 - 25."),
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
    return wrong("compute 0.5 * np.sum(np.exp(log_var) + mean**2 - 1 - log_var, axis=1).")


@checker
def check_vae_statements(answer):
    """Exercise 9.3: which statements (a)-(e) about variational autoencoders are true.

    Args:
        answer: the letters of the true statements.

    Returns:
        Verdict.
    """
    return check_letters(answer, "abcde", _TRUE_STATEMENTS, _STATEMENT_EXPLANATIONS, _REREAD)
