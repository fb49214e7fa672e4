"""Checkers for the exercises of Chapter 7 (contractive autoencoders)."""

import numpy as np

from companion.exercises._measure import Target, held_out_mnist, model_input, not_a_model, reconstruct, verdict_on
from companion.exercises._verdict import (
    measured_number,
    Verdict,
    call_for_number,
    check_letters,
    check_number,
    check_prediction,
    checker,
    correct,
    learner_code,
    wrong,
)

_TRUE_STATEMENTS = frozenset("acd")
_REREAD = ("The penalty", "Measuring contraction", "Tangent directions")  # the sections the statements test
_STATEMENT_EXPLANATIONS = {
    "a": "(a) is true: J_ji = dh_j/dx_i = h_j (1 - h_j) W_ij for h = sigmoid(x W + b).",
    "b": "(b) is false: a saturated unit (h near 0 or 1) has h (1 - h) near 0, so it "
    "contributes almost nothing to the penalty, whatever its weights.",
    "c": "(c) is true: the penalty alone would make f constant; the reconstruction "
    "loss keeps it sensitive along the directions in which the data vary.",
    "d": "(d) is true: the leading right singular vectors of J are the input "
    "directions the code follows most, local tangents of the data.",
    "e": "(e) is false: a denoising AE contracts only implicitly, through the noise; "
    "the chapter measures the contractive AE contracting more.",
}


@checker
def check_unit_jacobian(answer):
    """Exercise 7.1: ``||J||_F^2`` of one sigmoid unit with h = 0.5 and ``||w||^2 = 4``.

    Args:
        answer: the learner's number.

    Returns:
        Verdict.
    """
    hints = [
        (0.5 * 0.5 * 4, "square the derivative h (1 - h) before you multiply by the weights."),
        (0.0625, "multiply by the squared norm of the unit's weights too."),
        (0.0625 * 2, "use the squared norm of the weights, not the norm."),
    ]
    return check_number(answer, 0.25, 1e-6, hints, "(0.5 x 0.5)^2 x 4 = 0.25.")


@checker
def check_penalty_function(frobenius_squared):
    """Exercise 7.2: ``frobenius_squared(h, W)`` in NumPy.

    For a sigmoid layer with outputs ``h`` (batch, units) and kernel ``W``
    (inputs, units), return the mean over the batch of
    ``sum_j (h_j (1 - h_j))^2 sum_i W_ij^2``.

    Args:
        frobenius_squared: the learner's function.

    Returns:
        Verdict.
    """
    rng = np.random.default_rng(7)
    h = rng.uniform(0.05, 0.95, size=(6, 5))
    kernel = rng.normal(size=(8, 5))
    signature = "frobenius_squared(h, W)"
    value, verdict = call_for_number(frobenius_squared, signature, (h.copy(), kernel.copy()))
    if verdict is not None:
        return verdict
    slopes = (h * (1 - h)) ** 2
    if np.isclose(value, np.mean(slopes @ (kernel**2).sum(axis=0))):
        return correct("the mean over the batch of sum_j (h_j (1 - h_j))^2 ||W_:j||^2.")
    if np.isclose(value, np.sum(slopes @ (kernel**2).sum(axis=0))):
        return wrong("average over the batch instead of summing.")
    if np.isclose(value, np.mean((h * (1 - h)) @ (kernel**2).sum(axis=0))):
        return wrong("square the derivative h (1 - h) too.")
    return wrong("for each example, weight each unit's squared slope by the squared norm of its "
                 "column of W, add over the units, then average over the batch.")


@checker
def check_contraction_statements(answer):
    """Exercise 7.3: which statements (a)-(e) about contractive autoencoders are true.

    Args:
        answer: the letters of the true statements.

    Returns:
        Verdict.
    """
    return check_letters(answer, "abcde", _TRUE_STATEMENTS, _STATEMENT_EXPLANATIONS, _REREAD)


# --- 7.4 a prediction: ten times the penalty weight ---------------------------------------------

STRONGER_PENALTY_CHOICES = {
    "a": "It falls to less than half of the chapter's contractive encoder's.",
    "b": "It falls by 10% to 50%.",
    "c": "It falls by less than 10%, stays the same or grows.",
}


def stronger_penalty_outcome(ratio):
    """The letter of Exercise 7.4 that a ratio of mean Jacobian norms (10 lambda over lambda) bears out."""
    if ratio < 0.5:
        return "a"
    return "b" if ratio < 0.9 else "c"


@checker
def check_stronger_penalty(answer, norm, stronger_norm):
    """Exercise 7.4: the mean Jacobian norm when lambda grows tenfold, predicted before it is measured.

    Args:
        answer: the learner's letter.
        norm: the measured mean ||J||_F of the chapter's contractive encoder.
        stronger_norm: the same for the encoder trained with ten times the penalty weight.

    Returns:
        Verdict: whether the prediction held, with the measured numbers.
    """
    measured = [measured_number(value, name, "one positive number", low=1e-12)
                for name, value in (("norm", norm), ("stronger_norm", stronger_norm))]
    for verdict in measured:
        if isinstance(verdict, Verdict):
            return verdict
    ratio = measured[1] / measured[0]
    sentence = (f"Measured: mean ||J||_F {measured[0]:.3f} with lambda, {measured[1]:.3f} with 10 lambda "
                f"({ratio:.0%} of it). The penalty is lambda ||J||_F^2: at ten times the weight, the "
                "reconstruction loss can afford far less sensitivity, and the sigmoid units move towards "
                "saturation, where h (1 - h) and with it the Jacobian is small.")
    return check_prediction(answer, STRONGER_PENALTY_CHOICES, stronger_penalty_outcome(ratio), sentence)


# --- 7.5 an experiment: contract without losing the digits --------------------------------------

CONTRACTION_DIGITS = 1000  # the last test digits, for the reconstruction error
JACOBIAN_DIGITS = 100  # the first of them, for the Jacobian (each is a code-size x 784 matrix)
# Reasons for the bounds, measured after 6 epochs on 10,000 digits: the plain encoder's mean
# ||J||_F is about 9, the denoising one's 6, the contractive one's with lambda = 0.01 about 1.3,
# with lambda = 0.03 about 0.7 (test MSE 0.039); with lambda = 0.1 or more the code collapses
# towards the mean digit (MSE 0.06, the mean digit's own is about 0.067; longer training brings
# lambda = 0.1 back, to 0.027 after 10 epochs on 60,000 digits); untrained, MSE 0.23.
JACOBIAN_BOUND = 1.0
CONTRACTION_MSE_BOUND = 0.05


@checker
def check_contracting_autoencoder(model):
    """Exercise 7.5: an encoder whose mean Jacobian norm is small while the reconstructions stay good.

    The checker loads held-out test digits, measures the test MSE per pixel of
    the model's reconstructions, and computes the Jacobian of ``model.encoder``
    by automatic differentiation (:func:`companion.jacobian`) at some of them.

    Args:
        model: the learner's trained autoencoder, with an ``.encoder``.

    Returns:
        Verdict, with each measured number next to its bound.
    """
    verdict = not_a_model(model, "an autoencoder", needs=("encoder",))
    if verdict is not None:
        return verdict
    from companion.autodiff import jacobian  # imports the backend: load it when needed

    images = held_out_mnist(CONTRACTION_DIGITS)[0]
    reconstructions = reconstruct(model, images)
    mse = float(np.mean((reconstructions - images.reshape(len(images), -1)) ** 2))
    batch = model_input(model, images[:JACOBIAN_DIGITS])
    with learner_code("differentiating your encoder", "The checker differentiates model.encoder with "
                      "cp.jacobian: build it from Keras layers, with one code per image."):
        matrices = np.asarray(jacobian(model.encoder, batch), dtype="float64").reshape(len(batch), -1)
    if not np.all(np.isfinite(matrices)):
        return wrong("your encoder's Jacobian holds NaN or infinite values: did training diverge?")
    norm = float(np.sqrt((matrices**2).sum(axis=1)).mean())
    targets = [Target("mean ||J||_F", norm, JACOBIAN_BOUND, at_least=False, digits=3),
               Target("test MSE per pixel", mse, CONTRACTION_MSE_BOUND, at_least=False, digits=4)]
    hints = []
    if not targets[0].met:
        hints.append("The encoder is too sensitive: a larger penalty weight contracts it more "
                     "(cp.build_contractive_autoencoder(..., contraction=...)); a plain or denoising "
                     "encoder is not contracted enough.")
    if not targets[1].met:
        hints.append("The reconstructions are too poor: a penalty weight that is too large makes every "
                     "digit's code alike (the output drifts to the mean digit); check also the number of "
                     "epochs and that the output has a sigmoid.")
    return verdict_on(targets, f"on held-out test digits ({JACOBIAN_DIGITS} for the Jacobian, "
                      f"{CONTRACTION_DIGITS:,} for the MSE)", " ".join(hints))
