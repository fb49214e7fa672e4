"""Checkers for the exercises of Chapter 3 (tied weights)."""

import copy
import json
import math

import keras
import numpy as np

from companion.exercises import ch01, ch02
from companion.exercises._build_it import (
    build,
    call_layer,
    check_config_round_trip,
    check_gradients,
    check_short_training,
    describe_difference,
    passed,
    learner_config,
    random_inputs,
)
from companion.exercises._measure import not_a_model, pixel_mse
from companion.exercises._verdict import (
    SealedLetters,
    check_letters,
    check_prediction,
    checker,
    describe_error,
    end_check,
    learner_code,
    shown,
    wrong,
)

# Exercise 3.4: the kernel of a tied linear autoencoder after training
TIED_LINEAR_CHOICES = {
    "a": "far from the identity, as for Chapter 1's untied linear autoencoder: any invertible "
    "mix of the principal axes reconstructs as well.",
    "b": "close to the identity: the rows of W become orthonormal.",
    "c": "close to zero: the kernel shrinks away.",
}
_ORTHONORMAL_TOLERANCE = 0.1  # largest |W W^T - I| entry; Glorot's initial kernel is about 1 away
_SHRUNK_NORM = 0.1  # mean column norm of a kernel that has shrunk away

# Exercise 3.5: a tied autoencoder with a code of at most 32 numbers and at most 120,000 parameters
TIED_CODE_SIZE = 32
TIED_PARAMETERS = 120_000  # the chapter's 784-128-64-32 tied model fits (111,792); untied, it does not
# Squared error per image at most 11.5: PCA with 32 components reaches 13.2 on these digits, and the
# chapter's tied 784-128-64-32 model 12.8 after the solution's training; the solution (tied
# 784-128-32, 5 epochs on 10,000 digits) reaches 10.1, an untrained tied model 180.
TIED_ERROR_TARGET = 11.5

_TRUE_STATEMENTS = SealedLetters("ch03.statements", "5c2b85f9c7d8bffeb60661f2fa2468395da80c95be55a4bd1e739abb67c886d3")
_REREAD = (  # the sections the statements test
    "A layer that reuses a kernel",
    "Counting parameters",
    "Saving and loading keeps the tie",
)
_STATEMENT_EXPLANATIONS = {
    "a": "the decoder keeps biases of its own, one per output unit.",
    "b": "the gradient of the loss with respect to a shared kernel is "
    "the sum of the gradients through its encoder use and its decoder use.",
    "c": "the transposed kernel has the mirrored shape, so the decoder "
    "layer's sizes are fixed by the encoder layer it is tied to.",
    "d": "only the kernels are shared, so the saving is a bit less than half; biases are not shared.",
    "e": "a .keras file stores the kernel once per use, but loading "
    "rebuilds the tie, as the chapter checks by changing a kernel after loading.",
}


# Exercise 3.1: the learner writes DenseTranspose, a layer tied to a built Dense layer (its "partner").
# The checker ties it to two partners (with and without an activation), checks its own weights (a bias,
# no kernel), its outputs against cp.DenseTranspose on batches of 1, 7 and 64 codes, that it follows a
# change of the partner's kernel, the gradients through it alone and in a tied pair (the partner's
# kernel gets both uses' gradients), the parameter count of a tied pair, the config round trip, and a
# short training run of a tied linear autoencoder.
DENSE_TRANSPOSE_SIGNATURE = "DenseTranspose(dense, activation=None)"
_PARTNERS = ((8, 5, None), (40, 16, "sigmoid"))  # the partner's inputs and units; the activation passed
_BATCH_SIZES = (1, 7, 64)
_PARTNER_NAME = "encoder_layer"
# The short training run: Chapter 1's toy problem (12 values near a 3-D subspace) and a tied linear
# autoencoder, Dense(3) and the learner's layer tied to it. Adam at 0.03 for 6 epochs of 32 batches
# brings the reference to 1.03-1.27 times PCA's error over ten seeds (about 2 s); tied, as untied, a
# linear autoencoder can do no better than PCA.
_TOY_EPOCHS = 6
_TOY_BATCH_SIZE = 16
_TOY_LEARNING_RATE = 0.03
_TOY_MSE_RATIO_TARGET = 2.0
_TOY_SEED = 31

# Exercise 3.2: the learner writes the tied sandwich; it is checked as Exercise 2.1's sandwich, with a
# decoder that keeps no kernel of its own, a parameter count that counts each kernel once, and a tie
# that survives a .keras round trip.
TIED_SANDWICH_SIGNATURE = "TiedSandwich(input_dim, hidden_sizes, code_size)"


@checker
def check_dense_transpose(answer):
    """Exercise 3.1: ``DenseTranspose``, a Dense layer whose kernel is another Dense layer's, transposed.

    ``answer`` is a ``keras.layers.Layer`` subclass (or a function) called
    as ``DenseTranspose(dense, activation=None)``, where ``dense`` is a built
    ``keras.layers.Dense`` from ``n`` to ``m`` numbers: the layer maps ``m``
    numbers back to ``n`` with that kernel, transposed, read at every call,
    and a bias of its own, then the activation. The checker ties it to two
    Dense layers and tests it as Keras tests its layers: its own weights
    (a bias of ``n`` numbers, no kernel), its outputs against
    :class:`companion.DenseTranspose` with the same bias (batches of 1, 7
    and 64), that it follows a change of the tied kernel, the gradients
    through it alone and in a tied pair (the kernel's gradient adds the
    contributions of both uses), that a model of the pair counts the kernel
    once, that ``from_config(get_config())`` rebuilds it (the tied layer
    stored in its config), and that a tied linear autoencoder made with it
    trains to near PCA's error on a toy problem.

    Args:
        answer: the learner's class or function.

    Returns:
        Verdict: what differs, measured, when something does.
    """
    from companion.tied import DenseTranspose as Reference  # the reference; the module imports Keras

    for n_inputs, units, activation in _PARTNERS:
        partner = _partner(n_inputs, units)
        arguments = {} if activation is None else {"activation": activation}
        layer = build(answer, DENSE_TRANSPOSE_SIGNATURE, partner, **arguments)
        shown_activation = "" if activation is None else f", activation={activation!r}"
        what = f"your layer (tied to a Dense layer from {n_inputs} to {units} numbers{shown_activation})"
        codes = random_inputs([(batch, units) for batch in _BATCH_SIZES])
        with learner_code(f"building {what} for inputs of shape (None, {units})"):
            if not layer.built:
                layer.build((None, units))
        bias = _require_bias_only(layer, partner, n_inputs, what)
        for z in codes:
            output = call_layer(layer, z, what=what)
            if isinstance(output, (list, tuple)) or output.shape != (len(z), n_inputs):
                shape = [part.shape for part in output] if isinstance(output, (list, tuple)) else output.shape
                end_check(wrong(f"with inputs of shape {z.shape}, {what} returns {shape}: tied to a Dense layer "
                                f"from {n_inputs} to {units} numbers, it maps {units} numbers back to {n_inputs}."))
        reference = Reference(partner, activation=activation)
        reference.build((None, units))
        _share_bias(bias, reference.bias, what)
        _compare(layer, reference, codes, what)
        _require_follows(layer, reference, partner, codes[1], what)
        check_gradients(TiedPair(partner, layer), codes[1], reference=TiedPair(partner, reference), what=what)
        images = random_inputs([(7, n_inputs)], low=0.0, high=1.0)[0]
        check_gradients(TiedPair(partner, layer, encode=True), images,
                        reference=TiedPair(partner, reference, encode=True), what=f"a Dense layer and {what}")
        _require_kernel_counted_once(partner, layer, what)
        _require_json_config(layer, what)
        _require_partner_rebuilt(layer, what)
        check_config_round_trip(layer, codes[1], what=what)
    _require_tied_training(answer)
    return passed("your DenseTranspose", [
        "a bias of its own and no kernel, for two tied Dense layers",
        "the reference's outputs on batches of 1, 7 and 64 codes, following changes of the tied kernel",
        "the reference's gradients, alone and in a tied pair, where the kernel's gradient adds both uses",
        "a model of the pair counts the kernel once",
        "from_config(get_config()) rebuilds it, with the layer it is tied to",
        "a tied linear autoencoder made with it trains to near PCA's error on a toy problem",
    ])


def _partner(n_inputs, units, *, seed=3):
    """A built Dense layer from ``n_inputs`` to ``units`` numbers, with seeded random weights."""
    dense = keras.layers.Dense(units, name=_PARTNER_NAME)
    dense.build((None, n_inputs))
    rng = np.random.default_rng(seed)
    dense.kernel.assign(rng.normal(scale=0.5, size=(n_inputs, units)).astype("float32"))
    dense.bias.assign(rng.normal(scale=0.5, size=(units,)).astype("float32"))
    return dense


def _require_bias_only(layer, partner, n_inputs, what):
    """The layer's own weight, a bias of ``n_inputs`` numbers; ends the check for a kernel or another shape."""
    with learner_code(f"reading the weights of {what}"):
        partner_weights = {id(weight) for weight in partner.weights}
        own = [weight for weight in layer.weights if id(weight) not in partner_weights]
    kernels = [tuple(weight.shape) for weight in own if len(weight.shape) >= 2]
    if kernels:
        end_check(wrong(f"{what} has a kernel of its own, of shape {kernels[0]}: a tied layer reuses the kernel of "
                        "the Dense layer it is tied to, so that training changes one matrix for both."))
    if not own:
        end_check(wrong(f"{what} has no weights of its own: a tied layer keeps a bias of its own, one number "
                        "per output."))
    shapes = [tuple(weight.shape) for weight in own]
    if shapes != [(n_inputs,)]:
        end_check(wrong(f"the weights of {what}, besides the tied layer's, have shapes {shapes}: a tied layer "
                        f"keeps one bias, one number per output, and it gives {n_inputs} outputs here."))
    return own[0]


def _share_bias(bias, reference_bias, what):
    """Give the learner's bias seeded random values (Keras starts biases at zero) and copy them to the reference's."""
    values = np.random.default_rng(11).normal(scale=0.5, size=tuple(reference_bias.shape)).astype("float32")
    with learner_code(f"setting the bias of {what}"):
        bias.assign(values)
    reference_bias.assign(values)


def _compare(layer, reference, codes, what):
    for z in codes:
        got = call_layer(layer, z, what=what)
        expected = np.asarray(keras.ops.convert_to_numpy(reference(z)), dtype="float64")
        difference = describe_difference(got, expected, what=f"the output of {what}")
        if difference is not None:
            end_check(wrong(f"with inputs of shape {z.shape}, {difference}."))


def _require_follows(layer, reference, partner, z, what):
    """End the check unless the layer's output follows a change of the tied layer's kernel."""
    before = call_layer(layer, z, what=what)
    changed = np.random.default_rng(13).normal(scale=0.5, size=tuple(partner.kernel.shape)).astype("float32")
    partner.kernel.assign(changed)
    got = call_layer(layer, z, what=what)
    expected = np.asarray(keras.ops.convert_to_numpy(reference(z)), dtype="float64")
    if describe_difference(got, expected) is not None:
        stayed = " stays as it was" if np.allclose(got, before) else " does not follow it"
        end_check(wrong(f"after the kernel of the Dense layer it is tied to changed, the output of {what}{stayed}: "
                        "a tied layer reads that kernel at every call."))


class TiedPair(keras.layers.Layer):
    """A Dense layer and a layer tied to it, seen as one layer, to measure gradients.

    Its trainable weights are the Dense layer's kernel and bias, then the
    tied layer's own: with ``encode=False`` the input goes through the tied
    layer alone (the kernel's gradient comes from that use only), with
    ``encode=True`` through the Dense layer first (from both uses).
    """

    def __init__(self, dense, tied, encode=False):
        super().__init__()
        self.dense = dense
        self.tied = tied
        self.encode = encode
        self.built = True

    def call(self, inputs):
        return self.tied(self.dense(inputs) if self.encode else inputs)


def _require_kernel_counted_once(partner, layer, what):
    """End the check unless Keras counts a model of the Dense layer and the learner's layer with one kernel."""
    n_inputs, units = tuple(partner.kernel.shape)
    with learner_code(f"building a model of a Dense layer and {what}"):
        inputs = keras.Input(shape=(n_inputs,))
        count = int(keras.Model(inputs, layer(partner(inputs))).count_params())
    tied = n_inputs * units + units + n_inputs  # the kernel once, the Dense layer's bias, the tied bias
    if count != tied:
        kernels = "twice" if count == tied + n_inputs * units else f"with {count - tied:+,} parameters"
        end_check(wrong(f"a model of a Dense layer and {what} counts {count:,} parameters: the kernel {kernels}, "
                        "where a tied pair holds it once."))


def _require_json_config(layer, what):
    """End the check if the config holds what a .keras file cannot store as JSON (a layer object, ...)."""
    config = learner_config(layer, what)
    if config is None:
        return  # check_config_round_trip says what get_config must return
    try:
        json.dumps(config)
    except Exception as error:  # TypeError for a layer object; whatever else a learner's object raises
        end_check(wrong(f"get_config() of {what} holds something that JSON cannot store ({describe_error(error)}): "
                        "a .keras file keeps the config as text, so it must hold the tied Dense layer's own "
                        "config, not the layer object."))


def _require_partner_rebuilt(layer, what):
    """End the check if ``from_config`` leaves a layer's config (a dict) where the rebuilt layer needs the layer."""
    config = learner_config(layer, what)
    if config is None or not any(_is_layer_config(value) for key, value in config.items()
                                 if key != "dtype"):  # Keras stores the dtype policy's config
        return  # check_config_round_trip says what is missing
    with learner_code(f"rebuilding {what} with from_config(get_config())"):
        clone = type(layer).from_config(copy.deepcopy(config))
        left = [name for name, value in vars(clone).items() if _is_layer_config(value) and "dtype" not in name]
    if left:
        end_check(wrong(f"config does not round-trip: rebuilt with from_config(get_config()), {what} holds the tied "
                        f"layer's config, a dict, in `{left[0]}`, where it needs the layer: Keras' own from_config "
                        "passes the config to __init__ as it is."))


def _is_layer_config(value):
    return isinstance(value, dict) and "class_name" in value and "config" in value


def _require_tied_training(answer):
    """End the check unless a tied linear autoencoder made with the learner's layer nears PCA's error."""
    x = ch01.toy_data()
    keras.utils.set_random_seed(_TOY_SEED)  # the same initial weights and batches on every run
    encoder_layer = keras.layers.Dense(3, name=_PARTNER_NAME)
    encoder_layer.build((None, x.shape[1]))
    layer = build(answer, DENSE_TRANSPOSE_SIGNATURE, encoder_layer)
    with learner_code("building a tied linear autoencoder with your layer"):
        inputs = keras.Input(shape=(x.shape[1],))
        model = keras.Model(inputs, layer(encoder_layer(inputs)))
    pca_mse = ch01.pca_test_mse(x, x, 3)

    def ratio(trained):
        return pixel_mse(x, call_layer(trained, x, what="the trained tied autoencoder")) / pca_mse

    check_short_training(model, x, loss="mse", epochs=_TOY_EPOCHS, batch_size=_TOY_BATCH_SIZE,
                         learning_rate=_TOY_LEARNING_RATE, target=_TOY_MSE_RATIO_TARGET, measure=ratio,
                         name="error / PCA's", digits=2, what="a tied linear autoencoder made with your layer")


@checker
def check_tied_sandwich(answer):
    """Exercise 3.2: the tied sandwich, whose decoder reuses the encoder's kernels, transposed.

    ``answer`` is a ``keras.Model`` subclass (or a function) called as
    ``TiedSandwich(input_dim, hidden_sizes, code_size)``: the sandwich of
    Exercise 2.1 (``.encoder`` and ``.decoder``, ReLU hidden layers, a linear
    code, a sigmoid output), with decoder layers tied to the encoder's Dense
    layers, each with a bias of its own. It is checked as Exercise 2.1's
    sandwich, against :func:`companion.build_tied_autoencoder` given the
    same weights, and besides: the decoder keeps no kernel of its own, the
    model counts each kernel once, and after ``from_config(get_config())``
    and a ``.keras`` round trip the decoder still reads the encoder's
    kernels (the tie survives).

    Args:
        answer: the learner's class or function.

    Returns:
        Verdict: what differs, measured, when something does.
    """
    from companion.tied import build_tied_autoencoder  # the reference; the module imports Keras

    def reference(input_dim, hidden_sizes, code_size):
        return build_tied_autoencoder((input_dim,), code_size, hidden_sizes=hidden_sizes)

    ch02.sandwich_checks(answer, TIED_SANDWICH_SIGNATURE, reference, tied=True)
    return passed("your TiedSandwich", [
        "for two sets of sizes, its encoder gives the code and its decoder reuses the encoder's kernels",
        "the model is its encoder followed by its decoder, and counts each kernel once",
        "the reference's outputs and gradients, part by part, on batches of 1, 7 and 64 inputs",
        "from_config(get_config()) and a .keras file rebuild it, and the tie survives",
        "trained briefly as a whole, it learns a toy problem and its encoder changes",
    ])


@checker
def check_tied_statements(answer):
    """Exercise 3.3: which statements (a)-(e) about tied weights are true.

    Args:
        answer: the letters of the true statements.

    Returns:
        Verdict.
    """
    return check_letters(answer, "abcde", _TRUE_STATEMENTS, _STATEMENT_EXPLANATIONS, _REREAD)


def tied_linear_outcome(kernel):
    """Exercise 3.4: the letter of ``TIED_LINEAR_CHOICES`` that a trained kernel gives.

    Args:
        kernel: the encoder's Keras kernel, ``W`` transposed, shape ``(784, k)``.

    Returns:
        ``"a"``, ``"b"`` or ``"c"``.
    """
    kernel = np.asarray(kernel, dtype="float64")
    if np.linalg.norm(kernel, axis=0).mean() < _SHRUNK_NORM:
        return "c"
    return "b" if _gram_deviation(kernel) < _ORTHONORMAL_TOLERANCE else "a"


def _gram_deviation(kernel):
    """The largest entry of ``|W W^T - I|``, the kernel being ``W^T``."""
    return float(np.abs(kernel.T @ kernel - np.eye(kernel.shape[1])).max())


@checker
def check_tied_linear_prediction(answer, kernel):
    """Exercise 3.4: the prediction of what ``W W^T`` becomes in a trained tied linear autoencoder.

    Args:
        answer: the learner's letter, made before the experiment.
        kernel: the trained encoder's Keras kernel, ``W`` transposed, shape ``(784, k)``.

    Returns:
        Verdict.
    """
    array = np.asarray(kernel) if isinstance(kernel, np.ndarray) else None
    if array is None or array.ndim != 2 or array.dtype.kind != "f" or not np.all(np.isfinite(array)):
        return wrong(
            "run the experiment's cell first: it reads the trained kernel, an array of shape (784, k). "
            f"Received: {shown(kernel)}."
        )
    norms = np.linalg.norm(array, axis=0)
    measured = (
        f"Measured: the largest entry of |W W^T - I| is {_gram_deviation(array):.3f}, and the lengths of "
        f"W's rows (the kernel's columns) run from {norms.min():.3f} to {norms.max():.3f}. With the decoder "
        "tied to the encoder, the reconstruction is W^T W x (plus biases), and the best map of rank k is "
        "the projection onto the principal subspace: W^T W must be a projection, so W W^T = I."
    )
    return check_prediction(answer, TIED_LINEAR_CHOICES, tied_linear_outcome(array), measured)


def held_out_digits():
    """The checker's own test digits for Exercise 3.5 (those of Exercise 2.4)."""
    return ch02.held_out_digits()


@checker
def check_tied_budget_autoencoder(model):
    """Exercise 3.5: a trained tied autoencoder, code of 32, at most 120,000 parameters, error at most 11.5.

    The checker verifies the tie from the model's weights: every kernel the
    decoder uses must be one of the encoder's. It then counts the parameters
    (with the count an untied model of the same sizes would have) and measures
    the squared error per image on held-out test digits.

    Args:
        model: the learner's trained autoencoder (with ``.encoder`` and ``.decoder``).

    Returns:
        Verdict, with the measured parameters and error next to their targets.
    """
    verdict = not_a_model(model, "a tied autoencoder", needs=("encoder", "decoder"))
    if verdict is not None:
        return verdict
    images = held_out_digits()
    parameters, error = ch02.measure_budget_model(model, images, TIED_CODE_SIZE)
    with learner_code("reading your model's weights"):
        encoder_weights = {id(weight) for weight in model.encoder.weights}
        decoder_kernels = [weight for weight in model.decoder.weights if len(weight.shape) == 2]
        own = [weight for weight in decoder_kernels if id(weight) not in encoder_weights]
        shared = sum(math.prod(weight.shape) for weight in decoder_kernels if id(weight) in encoder_weights)
    if not decoder_kernels or own:
        count = f"{len(own)} of its {len(decoder_kernels)} kernels are" if decoder_kernels else "no kernel is"
        return wrong(
            f"your decoder is not tied to the encoder: {count} its own. Build it with "
            "cp.build_tied_autoencoder, or make each decoder layer a cp.DenseTranspose of an encoder layer."
        )
    hints = (
        "Usual causes: too few epochs; parameters spent on narrow layers near the code rather than on "
        "the first hidden layer, whose units see the pixels; a linear output with the binary "
        "cross-entropy (use a sigmoid)."
    )
    where = (
        f"on {len(images):,} test digits it never saw, with the decoder tied to the encoder ({parameters:,} "
        f"parameters; {parameters + shared:,} untied)"
    )
    return ch02.budget_verdict(parameters, error, (TIED_PARAMETERS, TIED_ERROR_TARGET), where, hints)
