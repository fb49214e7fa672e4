"""Checkers for the exercises of Chapter 7 (contractive autoencoders)."""

import contextlib
import functools
import io
import math

import keras
import numpy as np

from companion.exercises._build_it import (
    build,
    call_layer,
    check_config_round_trip,
    check_dtype,
    check_gradients,
    compare_outputs,
    describe_difference,
    passed,
    random_inputs,
)
from companion.exercises._measure import (
    Target,
    held_out_digits,
    model_input,
    not_a_model,
    pixel_mse,
    reconstruct,
    verdict_on,
)
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

# Exercise 7.1: the learner writes the contractive layer: a sigmoid Dense layer that adds
# contraction * mean ||J||_F^2 (in closed form) to the loss in its call. The checker builds it at two
# sizes, compares its outputs and gradients with cp.ContractiveDense's given the same weights, its
# penalty with the Jacobian computed by automatic differentiation (cp.jacobian) on batches of 1, 7
# and 64 inputs, checks that the penalty enters the loss once per call, the dtype and the config,
# and trains a small autoencoder with it as the encoder: it must contract more than a plain one.
BUILD_SIGNATURE = "ContractiveDense(units, contraction=0.01)"
_BUILD_SIZES = ((3, 0.1, 5), (16, 0.01, 12))  # (units, contraction, inputs)
_BATCH_SIZES = (7, 64, 1)  # a batch of 7 first: a sum over the batch shows as a factor of 7
# The toy problem of the training run: 256 points in [0, 1]^12 near a 3-dimensional plane, a code of
# 8 units, Adam at 0.01 for 5 epochs of batches of 32. The plain sigmoid encoder ends with a mean
# ||J||_F of about 0.76, the reference with contraction 0.1 at about 0.21 (0.27 of it).
_TOY_UNITS = 8
_TOY_CONTRACTION = 0.1
_TOY_EPOCHS = 5
_TOY_RATIO_TARGET = 0.5
_TOY_SEED = 7


def _jacobian_penalty(layer, x, contraction):
    """``contraction`` times the mean over the batch of ``||J||_F^2`` of ``layer`` at ``x``, by autodiff."""
    from companion.autodiff import jacobian  # imports the backend: load it when needed

    matrices = np.asarray(jacobian(lambda batch: layer(batch), x), dtype="float64").reshape(len(x), -1)
    return contraction * float(np.mean(np.sum(matrices**2, axis=1)))


def _layer_losses(layer, x, what):
    """The values the layer added to the loss during one call on ``x``, as floats."""
    call_layer(layer, x, what=what)
    with learner_code(f"reading the losses of {what} (layer.losses)"):
        losses = [float(np.asarray(keras.ops.convert_to_numpy(value)).reshape(-1)[0]) for value in layer.losses]
    return losses


@checker
def check_contractive_dense(answer):
    """Exercise 7.1: the contractive layer written by the learner.

    ``answer`` is a ``keras.layers.Layer`` subclass (a ``Dense`` layer, say)
    called as ``ContractiveDense(units, contraction=0.01)``: a sigmoid layer
    ``z = sigmoid(W x + b)`` (``inputs @ kernel + bias``, the kernel being ``W^T``) that, at each
    call, adds ``contraction`` times the mean over the batch of
    ``||J||_F^2 = sum_j (z_j (1 - z_j))^2 sum_i W_ji^2``
    to the loss with ``add_loss``. The checker builds it at two sizes; with the
    weights of :class:`companion.ContractiveDense` it must give its outputs and
    gradients on batches of 1, 7 and 64 inputs, and a penalty equal to the one
    computed from the Jacobian by automatic differentiation, entered once per
    call; it checks the dtype and ``from_config(get_config())``; and a small
    autoencoder with it as the encoder, trained briefly, must contract more
    than one with a plain sigmoid encoder.

    Args:
        answer: the learner's class.

    Returns:
        Verdict: what differs, measured, when something does.
    """
    from companion.contractive import ContractiveDense  # the reference; the module imports Keras

    for units, contraction, input_dim in _BUILD_SIZES:
        layer = build(answer, BUILD_SIGNATURE, units=units, contraction=contraction)
        what = f"your layer (units={units}, contraction={contraction})"
        inputs = random_inputs([(batch, input_dim) for batch in _BATCH_SIZES], low=-2.0, high=2.0)
        reference = ContractiveDense(units, contraction=contraction)
        compare_outputs(layer, reference, inputs, what=what)
        check_gradients(layer, inputs[0], reference=reference, what=what)
        for x in inputs:
            _require_penalty(layer, reference, x, contraction, what)
        _require_config(layer, inputs[0], what)
    check_dtype(build(answer, BUILD_SIGNATURE, units=3, contraction=0.1, dtype="float16"),
                random_inputs([(4, 5)])[0], what="your layer (dtype='float16')")
    _require_training(answer)
    return passed("your ContractiveDense", [
        "the reference's outputs and gradients on batches of 1, 7 and 64 inputs, at two sizes",
        "its penalty is the Jacobian's, as automatic differentiation computes it, entered once per call",
        "float16 and from_config(get_config()) alike",
        "as the encoder of a small autoencoder, it contracts more than a plain sigmoid encoder",
    ])


def _require_penalty(layer, reference, x, contraction, what):
    """End the check unless one call adds one penalty, ``contraction * mean ||J||_F^2`` of the layer at ``x``."""
    where = f"with inputs of shape {x.shape}"
    losses = _layer_losses(layer, x, what)
    if not losses:
        end_check(wrong(f"{where}, {what} adds nothing to the loss: layer.losses is empty after a call "
                        "(Keras collects what a layer's call passes to self.add_loss)."))
    if len(losses) > 1:
        end_check(wrong(f"{where}, one call of {what} adds {len(losses)} terms to the loss "
                        f"({', '.join(f'{value:.4g}' for value in losses)}): the penalty belongs in it once."))
    _layer_losses(layer, x, what)
    with learner_code(f"reading the losses of {what} (layer.losses)"):
        again = len(layer.losses)
    if again != 1:
        end_check(wrong(f"after two calls of {what}, layer.losses holds {again} penalties: each call should "
                        "replace the last one, as self.add_loss does."))
    got = losses[0]
    expected = _jacobian_penalty(reference, x, contraction)  # the same weights: compare_outputs shared them
    if describe_difference(got, expected, rtol=1e-3, atol=1e-7) is None:
        return
    codes = np.asarray(keras.ops.convert_to_numpy(reference(x)), dtype="float64")
    kernel = np.asarray(keras.ops.convert_to_numpy(reference.kernel), dtype="float64")
    slopes = codes * (1 - codes)
    squares = np.sum(kernel**2, axis=0)
    known = [
        (np.sum(codes**2 * squares, axis=1), "your penalty weighs each unit by its output h, where the Jacobian "
         "has the sigmoid's slope at the unit: a saturated unit (h near 1) adds much to yours, almost nothing "
         "to ||J||_F^2"),
        (np.sum(slopes * squares, axis=1), "your penalty grows with the sigmoid's slope at each unit, where "
         "||J||_F^2 grows with its square"),
        (np.sum(slopes**2 * np.sum(kernel, axis=0), axis=1), "your penalty adds up the kernel's weights "
         "themselves, so it changes when a weight changes sign; ||J||_F^2 does not"),
        (np.sum(slopes**2 * np.sqrt(squares), axis=1), "your penalty grows with the length of each unit's "
         "weight vector, where ||J||_F^2 grows with its square"),
    ]
    for values, sentence in known:
        for scale in (contraction, contraction * len(x), 1.0):
            if describe_difference(got, scale * float(np.mean(values)), rtol=1e-3, atol=1e-7) is None:
                end_check(wrong(f"{where}, {sentence}."))
    difference = describe_difference(got, expected, rtol=1e-3, atol=1e-7,
                                     what="your penalty, compared with contraction * mean ||J||_F^2 by autodiff,")
    end_check(wrong(f"{where}, {difference}."))


def _require_config(layer, x, what):
    """End the check unless ``from_config(get_config())`` rebuilds the layer, with its contraction."""
    check_config_round_trip(layer, x, what=what)
    with learner_code(f"calling get_config() of {what}"):
        config = layer.get_config()
    if "contraction" not in config:
        end_check(wrong(f"config does not round-trip: get_config() leaves out `contraction`, so {what} is "
                        "rebuilt with the default weight of the penalty."))
    with learner_code(f"rebuilding {what} with from_config(get_config())"):
        clone = type(layer).from_config(dict(config))
    rebuilt = f"the rebuilt {what.removeprefix('your ')}"
    call_layer(clone, x, what=rebuilt)
    with learner_code(f"setting the weights of {rebuilt}"):
        for weight, original in zip(clone.weights, layer.weights):
            weight.assign(keras.ops.convert_to_numpy(original))
    got, expected = _layer_losses(clone, x, rebuilt), _layer_losses(layer, x, what)
    if len(got) != len(expected) or any(describe_difference(a, b) is not None for a, b in zip(got, expected)):
        end_check(wrong(f"config does not round-trip: with the same weights, {rebuilt} adds {got} to the loss, "
                        f"the original {expected}."))


def toy_data():
    """Exercise 7.1's toy problem: 256 points in [0, 1]^12 near a 3-dimensional plane, float32."""
    rng = np.random.default_rng(4)
    axes, _ = np.linalg.qr(rng.normal(size=(12, 3)))
    return (0.5 + 0.25 * rng.normal(size=(256, 3)) @ axes.T).clip(0, 1).astype("float32")


def _trained_norm(encoder_layer, x, doing):
    """Mean ||J||_F of ``encoder_layer`` after 5 epochs as the encoder of a small autoencoder of ``x``."""
    from companion.autodiff import jacobian  # imports the backend: load it when needed
    from companion.training import train  # the training module imports the optimisers: load it when needed

    with learner_code(doing):
        inputs = keras.Input((x.shape[1],))
        codes = encoder_layer(inputs)
        model = keras.Model(inputs, keras.layers.Dense(x.shape[1], activation="sigmoid")(codes))
        encoder = keras.Model(inputs, codes)
    with learner_code(f"training {doing.removeprefix('building ')}"), contextlib.redirect_stdout(io.StringIO()):
        train(model, x, None, loss="mse", epochs=_TOY_EPOCHS, batch_size=32, learning_rate=0.01)
    with learner_code(f"differentiating {doing.removeprefix('building ')}"):
        matrices = np.asarray(jacobian(encoder, x), dtype="float64").reshape(len(x), -1)
    return float(np.mean(np.sqrt(np.sum(matrices**2, axis=1))))


@functools.cache
def _plain_norm(backend):
    """The baseline of the training run: the same autoencoder with a plain sigmoid encoder (one per backend)."""
    keras.utils.set_random_seed(_TOY_SEED)
    return _trained_norm(keras.layers.Dense(_TOY_UNITS, activation="sigmoid"), toy_data(), "building the baseline")


def _require_training(answer):
    """End the check unless the layer, as a small autoencoder's encoder, contracts more than a plain sigmoid layer."""
    x = toy_data()
    plain = _plain_norm(keras.backend.backend())
    keras.utils.set_random_seed(_TOY_SEED)  # the same initial weights and batches on every run
    layer = build(answer, BUILD_SIGNATURE, units=_TOY_UNITS, contraction=_TOY_CONTRACTION)
    norm = _trained_norm(layer, x, "building a small autoencoder with your layer as its encoder")
    if not math.isfinite(norm):
        end_check(wrong("training a small autoencoder with your layer as its encoder diverged: its Jacobian "
                        "holds NaN or infinite values."))
    if norm > _TOY_RATIO_TARGET * plain:
        end_check(wrong(f"trained for {_TOY_EPOCHS} epochs on a toy problem as the encoder of a small autoencoder "
                        f"(contraction={_TOY_CONTRACTION}), your layer ends with a mean ||J||_F of {norm / plain:.0%} "
                        f"of a plain sigmoid encoder's; needed: at most {_TOY_RATIO_TARGET:.0%}. Does the penalty's "
                        "gradient reach the kernel?"))


STATEMENT_LETTERS = "abcde"
_TRUE_STATEMENTS = SealedLetters("ch07.statements", "f05896f01658bd4094d81fdf5a56d31c08445c0aad252d90140b70986993f65a")
_REREAD = ("The penalty", "Measuring contraction", "Tangent directions")  # the sections the statements test
_STATEMENT_EXPLANATIONS = {
    "a": "J_ji = dz_j/dx_i = z_j (1 - z_j) W_ji for z = sigmoid(W x + b).",
    "b": "a saturated unit (z near 0 or 1) has z (1 - z) near 0, so it "
    "contributes almost nothing to the penalty, whatever its weights.",
    "c": "the penalty alone would make f constant; the reconstruction "
    "loss keeps it sensitive along the directions in which the data vary.",
    "d": "the leading right singular vectors of J are the input "
    "directions the code follows most, local tangents of the data.",
    "e": "a denoising AE contracts only implicitly, through the noise; "
    "the chapter measures the contractive AE contracting more.",
}


@checker
def check_unit_jacobian(answer):
    """Exercise 7.2: ``||J||_F^2`` of one sigmoid unit with z = 0.5 and ``||w||^2 = 4``.

    Args:
        answer: the learner's number.

    Returns:
        Verdict.
    """
    hints = [
        (0.5 * 0.5 * 4, "square the derivative z (1 - z) before you multiply by the weights."),
        (0.0625, "multiply by the squared norm of the unit's weights too."),
        (0.0625 * 2, "use the squared norm of the weights, not the norm."),
    ]
    return check_number(answer, 0.25, 1e-6, hints, "(0.5 x 0.5)^2 x 4 = 0.25.")


@checker
def check_contraction_statements(answer):
    """Exercise 7.3: which statements (a)-(e) about contractive autoencoders are true.

    Args:
        answer: the letters of the true statements.

    Returns:
        Verdict.
    """
    return check_letters(answer, STATEMENT_LETTERS, _TRUE_STATEMENTS, _STATEMENT_EXPLANATIONS, _REREAD)


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
def check_stronger_penalty_prediction(answer, norm, stronger_norm):
    """Exercise 7.4: the mean Jacobian norm when lambda grows tenfold, predicted before it is measured.

    Args:
        answer: the learner's letter.
        norm: the measured mean ||J||_F of the chapter's contractive encoder.
        stronger_norm: the same for the encoder trained with ten times the penalty weight.

    Returns:
        Verdict: whether the prediction held, with the measured numbers.
    """
    norm = validate_measurement(norm, "norm", expected="one positive number", low=1e-12)
    stronger_norm = validate_measurement(stronger_norm, "stronger_norm", expected="one positive number", low=1e-12)
    ratio = stronger_norm / norm
    sentence = (f"Measured: mean ||J||_F {norm:.3f} with lambda, {stronger_norm:.3f} with 10 lambda "
                f"({ratio:.0%} of it). The penalty is lambda ||J||_F^2: at ten times the weight, the "
                "reconstruction loss can afford far less sensitivity, and the sigmoid units move towards "
                "saturation, where z (1 - z) and with it the Jacobian is small.")
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

    images, _ = held_out_digits(CONTRACTION_DIGITS)
    reconstructions = reconstruct(model, images)
    mse = pixel_mse(images, reconstructions)
    batch = model_input(model, images[:JACOBIAN_DIGITS])
    with learner_code("differentiating your encoder", "The checker differentiates model.encoder with "
                      "cp.jacobian: build it from Keras layers, with one code per image."):
        matrices = np.asarray(jacobian(model.encoder, batch), dtype="float64").reshape(len(batch), -1)
    if not np.all(np.isfinite(matrices)):
        end_check(wrong("your encoder's Jacobian holds NaN or infinite values: did training diverge?"))
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
