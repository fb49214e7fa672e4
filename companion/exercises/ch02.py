"""Checkers for the exercises of Chapter 2 (stacked autoencoders)."""

import copy
import math
import numbers
import os
import tempfile
import warnings

import keras
import numpy as np

from companion.exercises import _measure
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
    randomize_weights,
    share_weights,
)
from companion.exercises._measure import (
    Target,
    encode,
    not_a_model,
    pixel_mse,
    reconstruct,
    verdict_on,
)
from companion.exercises._verdict import (
    SealedLetters,
    check_letters,
    check_prediction,
    checker,
    correct,
    end_check,
    is_unattempted,
    learner_code,
    shown,
    unattempted,
    wrong,
)

HELD_OUT_IMAGES = 2_000  # the last test digits: the chapter shows and measures the first ones

# Exercise 2.4: a stacked autoencoder with a 16-number code and at most 110,000 parameters.
BUDGET_CODE_SIZE = 16
BUDGET_PARAMETERS = 110_000  # a 784-64-16-64-784 model fits (103,328); one of 128 hidden units does not
# Squared error per image at most 19: PCA with 16 components, the linear optimum, reaches 21.2 on
# these digits and a shallow 784-16-784 model with a ReLU code 24 after the same training; the
# solution (784-64-16-64-784, 5 epochs on 10,000 digits) reaches 16.9, an untrained model 180.
BUDGET_ERROR_TARGET = 19.0

# Exercise 2.5: two autoencoders, one trained on the digits 0-4 and one on 5-9
UNSEEN_CHOICES = {
    "a": "about the same (within 20%): both models learned pen strokes, which every digit shares.",
    "b": "clearly higher (more than 20% above that of the model that saw those digits).",
    "c": "clearly lower (more than 20% below).",
}
_UNSEEN_BAND = 0.2

_TRUE_STATEMENTS = SealedLetters("ch02.statements", "743f09d3c3b213b69c8dddd24259a55c2478b826db3a4a68a7790e7426c5fcc7")
_REREAD = (  # the sections the statements test
    "The sandwich",
    "Deep versus shallow versus PCA",
    "Capacity: a code wider than the image",
)
_STATEMENT_EXPLANATIONS = {
    "a": "nonlinear layers let the decoder's outputs lie on a curved "
    "surface instead of a flat k-dimensional subspace, as the chapter's table shows.",
    "b": "a composition of linear maps is linear, and its rank is at "
    "most the code size, so PCA stays the optimum however many layers there are.",
    "c": "the chapter encodes test digits with model.encoder alone and "
    "decodes codes with model.decoder alone.",
    "d": "a large code can copy its input, noise included, instead of "
    "learning structure; Chapter 1 measured it with the noise gain.",
    "e": "with pixel values in [0, 1] and a sigmoid output, binary "
    "cross-entropy is the negative log-likelihood of a Bernoulli model of each pixel.",
}


# Exercise 2.1: the learner writes the sandwich, an encoder model and a decoder model composed into one
# autoencoder. The checker builds it with two sets of sizes and checks the parts (the encoder gives the
# code, the decoder mirrors the encoder), that the model is its encoder followed by its decoder and holds
# their weights, its outputs and gradients against cp.build_stacked_autoencoder given the same weights
# (part by part), the config and .keras round trips, and a short training run on a toy problem.
SANDWICH_SIGNATURE = "build_sandwich(input_dim, hidden_sizes, code_size)"
# Within each part of these sandwiches every weight has a shape of its own, so that the reference's
# weights are copied into the learner's without ambiguity.
SANDWICH_SIZES = ((12, (10, 6), 3), (784, (128, 64), 32))
_BATCH_SIZES = (1, 7, 64)
_RELATIVE_TOLERANCE = 1e-4  # float32 rounding of these models stays below 1e-6
# The toy problem: 512 points of 12 values in (0, 1) on a curved 2-D surface. Adam at 0.02 for 6 epochs
# of 16 batches (about 4 s) brings the reference 12-10-6-3 sandwich, tied or not, to 2-5% of the error
# of predicting the average point, over ten seeds; 4 epochs at 0.03 leave some seeds at 13-46%, and
# an untrained sandwich stays at about 100%.
_TOY_EPOCHS = 6
_TOY_BATCH_SIZE = 32
_TOY_LEARNING_RATE = 0.02
_TOY_ERROR_TARGET = 0.1
_TOY_SEED = 21


@checker
def check_sandwich(answer):
    """Exercise 2.1: the sandwich, an encoder model and a decoder model composed into one autoencoder.

    ``answer`` is a function (or a ``keras.Model`` subclass) called as
    ``build_sandwich(input_dim, hidden_sizes, code_size)``. The model it
    returns keeps its encoder and decoder, each a model that works on its
    own, as ``.encoder`` and ``.decoder``: the encoder goes from
    ``input_dim`` numbers through Dense layers of ``hidden_sizes`` (ReLU) to
    a linear code of ``code_size`` numbers, the decoder mirrors it back to
    ``input_dim`` sigmoid outputs, and the model runs the decoder on the
    encoder's output. The checker builds it with two sets of sizes and
    checks the parts' shapes and sizes; that the model is its encoder
    followed by its decoder and holds their weights (so that training it
    trains them); with the weights of
    :func:`companion.build_stacked_autoencoder`, its outputs and gradients
    and those of each part (batches of 1, 7 and 64); that
    ``from_config(get_config())`` and a ``.keras`` file rebuild it, parts
    included; and that a short training run on a toy problem trains it.

    Args:
        answer: the learner's function or class.

    Returns:
        Verdict: what differs, measured, when something does.
    """
    from companion.models import build_stacked_autoencoder  # the reference; the module imports Keras

    def reference(input_dim, hidden_sizes, code_size):
        return build_stacked_autoencoder((input_dim,), code_size, hidden_sizes=hidden_sizes)

    sandwich_checks(answer, SANDWICH_SIGNATURE, reference, tied=False)
    return passed("your build_sandwich", [
        "for two sets of sizes, its encoder gives the code and its decoder mirrors it",
        "the model is its encoder followed by its decoder, with their weights",
        "the reference's outputs and gradients, part by part, on batches of 1, 7 and 64 inputs",
        "from_config(get_config()) and a .keras file rebuild it, parts included",
        "trained briefly as a whole, it learns a toy problem and its encoder changes",
    ])


def sandwich_checks(answer, signature, reference_builder, *, tied):
    """The checks of a sandwich written by the learner, untied (Exercise 2.1) or tied (Exercise 3.2).

    Called inside a checker; ends the check at the first difference.

    Args:
        answer: the learner's function or class.
        signature: how the exercise names it, e.g. ``SANDWICH_SIGNATURE``.
        reference_builder: ``reference_builder(input_dim, hidden_sizes, code_size)`` builds the package's model.
        tied: whether the decoder must reuse the encoder's kernels.
    """
    for input_dim, hidden_sizes, code_size in SANDWICH_SIZES:
        model = build(answer, signature, input_dim=input_dim, hidden_sizes=hidden_sizes, code_size=code_size)
        what = f"your model (input_dim={input_dim}, hidden_sizes={hidden_sizes}, code_size={code_size})"
        encoder, decoder = model_parts(model, what)
        inputs = random_inputs([(batch, input_dim) for batch in _BATCH_SIZES], low=0.0, high=1.0)
        codes = random_inputs([(batch, code_size) for batch in _BATCH_SIZES], seed=7)
        for x in inputs:
            _require_shapes(model, encoder, decoder, x, code_size, what)
        _require_sizes(encoder, decoder, (input_dim, *hidden_sizes, code_size), what, tied)
        _require_own_weights(model, encoder, decoder, what)
        randomize_weights(model, what=what)
        _require_composed(model, encoder, decoder, inputs[1], what)
        reference = reference_builder(input_dim, hidden_sizes, code_size)
        reference(inputs[0])
        randomize_weights(reference, seed=5)  # biases too, so that a missing or misplaced one shows
        _share_parts(reference, encoder, decoder, what, tied)
        for x, z in zip(inputs, codes):
            _compare_part(encoder, reference.encoder, x, f"the encoder of {what}", role="code")
            _compare_part(decoder, reference.decoder, z, f"the decoder of {what}", role="reconstruction")
            _compare_part(model, reference, x, what)
        if tied:
            _require_count(model, reference, what)
        check_gradients(InPartOrder(model, encoder, decoder), inputs[1],
                        reference=InPartOrder(reference, reference.encoder, reference.decoder), what=what)
        if tied:
            _require_tie_rebuilt(model, what)
        check_config_round_trip(model, inputs[1], what=what)
        _require_saved_and_loaded(model, encoder, decoder, inputs[1], codes[1], what, tied)
    _require_training(answer, signature)


def model_parts(model, what):
    """The ``.encoder`` and ``.decoder`` of the learner's model; ends the check unless both are Keras layers."""
    with learner_code(f"reading the encoder and decoder of {what}"):
        parts = [getattr(model, name, None) for name in ("encoder", "decoder")]
    for name, part in zip(("encoder", "decoder"), parts):
        if part is None:
            end_check(wrong(f"{what} has no `.{name}`: the model keeps its encoder and its decoder, each a model "
                            "that works on its own, as its attributes `encoder` and `decoder`."))
        if not isinstance(part, keras.layers.Layer):
            end_check(wrong(f"`.{name}` of {what} is {shown(part)} of type {type(part).__name__}: expected a "
                            "Keras model that works on its own."))
    return parts


def _several(output):
    return isinstance(output, (list, tuple))


def _shape_of(output):
    return [part.shape for part in output] if _several(output) else output.shape


def _require_shapes(model, encoder, decoder, x, code_size, what):
    """End the check unless the model gives back its input's shape, the encoder codes and the decoder inputs."""
    output = call_layer(model, x, what=what)
    if _several(output) or output.shape != x.shape:
        end_check(wrong(f"with inputs of shape {x.shape}, {what} returns {_shape_of(output)}: an autoencoder "
                        "gives back one tensor of its input's shape."))
    codes = call_layer(encoder, x, what=f"the encoder of {what}")
    if _several(codes) or codes.shape != (len(x), code_size):
        end_check(wrong(f"with inputs of shape {x.shape}, the encoder of {what} returns {_shape_of(codes)}: the "
                        f"encoder's output is the code, {code_size} numbers per input."))
    decoded = call_layer(decoder, codes.astype("float32"), what=f"the decoder of {what}")
    if _several(decoded) or decoded.shape != x.shape:
        end_check(wrong(f"with codes of shape {codes.shape}, the decoder of {what} returns {_shape_of(decoded)}: "
                        f"the decoder turns each code back into {x.shape[1]} numbers."))


def _kernel_shapes(part, what):
    with learner_code(f"reading the weights of {what}"):
        return [tuple(weight.shape) for weight in part.weights if len(weight.shape) == 2]


def _path(kernels):
    """``"12 → 10 → 3"`` for kernels that chain, else their shapes."""
    if not kernels:
        return "nowhere: it has no Dense kernel"
    if all(a[1] == b[0] for a, b in zip(kernels, kernels[1:])):
        return " → ".join(str(size) for size in [kernels[0][0]] + [kernel[1] for kernel in kernels])
    return f"through kernels of shapes {kernels}"


def _require_sizes(encoder, decoder, sizes, what, tied):
    """End the check unless the encoder's kernels narrow through ``sizes`` and the decoder mirrors them."""
    expected = list(zip(sizes, sizes[1:]))
    encoder_kernels = _kernel_shapes(encoder, f"the encoder of {what}")
    if encoder_kernels != expected:
        end_check(wrong(f"the Dense layers of the encoder of {what} go {_path(encoder_kernels)}: from the input, the "
                        "encoder narrows through each hidden size in turn, then to the code."))
    if tied:
        with learner_code(f"reading the weights of {what}"):
            encoder_weights = {id(weight) for weight in encoder.weights}
            own = [tuple(weight.shape) for weight in decoder.weights
                   if len(weight.shape) == 2 and id(weight) not in encoder_weights]
        if own:
            end_check(wrong(f"the decoder of {what} has {len(own)} kernels of its own, of shapes {own}: a tied "
                            "decoder reuses the encoder's kernels, transposed, and keeps only biases of its own."))
        return
    decoder_kernels = _kernel_shapes(decoder, f"the decoder of {what}")
    if decoder_kernels != [(b, a) for a, b in reversed(expected)]:
        end_check(wrong(f"the Dense layers of the decoder of {what} go {_path(decoder_kernels)}; they do not mirror "
                        f"its encoder's, which go {_path(encoder_kernels)}."))


def _require_own_weights(model, encoder, decoder, what):
    """End the check unless the model's weights are exactly those of its encoder and decoder."""
    with learner_code(f"reading the weights of {what}"):
        whole = {id(weight) for weight in model.weights}
        parts = {id(weight) for weight in [*encoder.weights, *decoder.weights]}
    if whole - parts:
        end_check(wrong(f"{what} holds {len(whole - parts)} weight tensors that belong to neither its encoder "
                        "nor its decoder: the model should run through its own encoder and decoder, so that "
                        "training it trains them."))
    if parts - whole:
        end_check(wrong(f"the encoder and decoder of {what} hold {len(parts - whole)} weight tensors that the "
                        "model itself does not use: the model should run through its own encoder and decoder, "
                        "so that training it trains them."))


def _relative_norm(difference, scale):
    return float(np.linalg.norm(difference) / max(float(np.linalg.norm(scale)), 1e-12))


def _require_composed(model, encoder, decoder, x, what):
    """End the check unless ``model(x)`` is ``decoder(encoder(x))``, with the model's random weights."""
    direct = call_layer(model, x, what=what)
    codes = call_layer(encoder, x, what=f"the encoder of {what}")
    composed = call_layer(decoder, codes.astype("float32"), what=f"the decoder of {what}")
    deviation = _relative_norm(direct - composed, composed)
    if not deviation <= _RELATIVE_TOLERANCE:
        end_check(wrong(f"with random weights, the output of {what} differs by {deviation:.1%} from what its "
                        "decoder makes of its encoder's codes: the model should be its encoder followed by its "
                        "decoder, and nothing else."))


class _Weights:
    """A list of weights, for :func:`share_weights`, which reads ``.weights``."""

    def __init__(self, weights):
        self.weights = weights


def _own_weights(part, other):
    """The weights of ``part`` that are not ``other``'s (a tied decoder's biases)."""
    others = {id(weight) for weight in other.weights}
    return [weight for weight in part.weights if id(weight) not in others]


def _share_parts(reference, encoder, decoder, what, tied):
    """Copy the reference's weights into the learner's encoder and decoder, part by part."""
    share_weights(reference.encoder, encoder, what=f"the encoder of {what}")
    if not tied:
        share_weights(reference.decoder, decoder, what=f"the decoder of {what}")
        return
    with learner_code(f"reading the weights of the decoder of {what}"):
        own = _own_weights(decoder, encoder)
    share_weights(_Weights(_own_weights(reference.decoder, reference.encoder)), _Weights(own),
                  what=f"the decoder of {what}, besides the encoder's kernels,")


def _compare_part(learner, reference, x, what, role=None):
    """End the check unless ``learner(x)`` equals ``reference(x)``, naming the part and, if it can, the slip."""
    got = call_layer(learner, x, what=what)
    expected = np.asarray(keras.ops.convert_to_numpy(reference(x)), dtype="float64")
    difference = describe_difference(got, expected, rtol=_RELATIVE_TOLERANCE, atol=1e-5, what=f"the output of {what}")
    if difference is None:
        return
    if role == "code" and np.any(expected < 0) and np.allclose(got, np.maximum(expected, 0), atol=1e-5):
        end_check(wrong(f"{what} gives no negative values where the reference's code has them: its code layer "
                        "has an activation, where the chapter's code is linear."))
    if role == "reconstruction" and np.allclose(1 / (1 + np.exp(-got)), expected, atol=1e-5):
        end_check(wrong(f"{what} gives values outside (0, 1) where the reference's lie inside: its last layer "
                        "has no sigmoid, which keeps every output pixel between 0 and 1."))
    end_check(wrong(f"with inputs of shape {x.shape}, {difference}."))


def _require_count(model, reference, what):
    """End the check unless the learner's tied model counts as many parameters as the reference."""
    with learner_code(f"counting the parameters of {what}"):
        count = int(model.count_params())
    expected = int(reference.count_params())
    if count != expected:
        more = f"{count - expected:,} more" if count > expected else f"{expected - count:,} fewer"
        end_check(wrong(f"{what} counts {count:,} parameters, {more} than a tied model of these sizes: "
                        "Keras counts each weight tensor once, however many layers use it."))


def _require_tie_rebuilt(model, what):
    """End the check if ``from_config(get_config())`` ties the decoder to copies of the encoder's layers."""
    config = learner_config(model, what)
    if config is None:
        return  # check_config_round_trip says what get_config must return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            clone = type(model).from_config(copy.deepcopy(config))
            count, clone_count = len(model.weights), len(clone.weights)
    except Exception:  # the learner's code: check_config_round_trip says what fails, and how
        return
    if clone_count > count:
        end_check(wrong(f"config does not round-trip the tie: rebuilt with from_config(get_config()), {what} holds "
                        f"{clone_count} weight tensors where the original holds {count}. Its decoder's layers are "
                        "rebuilt from their own configs, tied to copies of the encoder's layers; a model that "
                        "builds its tied layers itself, from its sizes, ties them again."))


class InPartOrder(keras.layers.Layer):
    """A model seen with its trainable weights listed part by part: its encoder's, then its decoder's.

    ``check_gradients`` (the build-it harness) pairs the learner's
    weights with the reference's by shape, in order; a sandwich has biases of
    the same shape on both sides, so both are listed in the same order first.
    """

    def __init__(self, model, encoder, decoder):
        super().__init__()
        self.encoder_part = encoder
        self.decoder_part = decoder
        self.whole = model
        self.built = True

    def call(self, inputs):
        return self.whole(inputs)


def _learner_classes(*objects):
    """``{name: class}`` of the learner's own classes in these models and their layers, to load a .keras file."""
    classes, seen, stack = {}, set(), list(objects)
    while stack:
        layer = stack.pop()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        cls = type(layer)
        if not cls.__module__.startswith(("keras", "companion")):
            classes[cls.__name__] = cls
        for attribute in ("layers", "_layers"):
            stack.extend(item for item in getattr(layer, attribute, None) or []
                         if isinstance(item, keras.layers.Layer))
        stack.extend(value for value in vars(layer).values() if isinstance(value, keras.layers.Layer))
    return classes


def _loaded_part(loaded, original, name):
    """The loaded model's encoder or decoder: its attribute, else its layer named as the original part."""
    part = getattr(loaded, name, None)
    if isinstance(part, keras.layers.Layer):
        return part
    try:
        return loaded.get_layer(original.name)
    except (ValueError, AttributeError):
        return None


def _require_saved_and_loaded(model, encoder, decoder, x, codes, what, tied):
    """End the check unless a ``.keras`` round trip gives the same model, parts (and tie) included."""
    with learner_code(f"reading the classes of {what}"):
        custom_objects = _learner_classes(model, encoder, decoder)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "sandwich.keras")
        with learner_code(f"saving {what} to a .keras file"):
            model.save(path)
        with learner_code(f"loading {what} from its .keras file"), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            loaded = keras.saving.load_model(path, custom_objects=custom_objects)
    _compare_loaded(loaded, model, x, "the loaded model", what)
    parts = []
    for name, part, inputs in (("encoder", encoder, x), ("decoder", decoder, codes)):
        with learner_code(f"finding the {name} of the loaded model"):
            loaded_part = _loaded_part(loaded, part, name)
        if loaded_part is None:
            end_check(wrong(f"saved to a .keras file and loaded back, {what} has no {name} any more: neither "
                            f"a `.{name}` attribute nor a layer named {part.name!r}. Keras rebuilds a model from "
                            "its config, and an attribute set on a model after building it is not in the config."))
        _compare_loaded(loaded_part, part, inputs, f"the {name} of the loaded model", f"the {name} of {what}")
        parts.append(loaded_part)
    if tied:
        _require_tie_kept(*parts, codes, what)


def _compare_loaded(loaded, original, x, name, what):
    got = call_layer(loaded, x, what=name)
    expected = call_layer(original, x, what=what)
    difference = describe_difference(got, expected, rtol=1e-6, atol=1e-6, what=f"the output of {name}")
    if difference is not None:
        end_check(wrong(f"saved to a .keras file and loaded back, {difference.replace('reference', 'original')}."))


def _require_tie_kept(encoder, decoder, codes, what):
    """End the check unless the loaded decoder still reads the loaded encoder's kernels."""
    with learner_code("reading the weights of the loaded model"):
        own = [weight for weight in _own_weights(decoder, encoder) if len(weight.shape) == 2]
        kernels = [weight for weight in encoder.weights if len(weight.shape) == 2]
    if own:
        end_check(wrong(f"saved to a .keras file and loaded back, the decoder of {what} has {len(own)} kernels "
                        "of its own: the tie did not survive loading (the loaded decoder reads copies of the "
                        "encoder's kernels)."))
    before = call_layer(decoder, codes, what="the loaded model's decoder")
    with learner_code("changing the kernels of the loaded model's encoder"):
        for kernel in kernels:
            kernel.assign(keras.ops.convert_to_numpy(kernel) * 1.5)
    after = call_layer(decoder, codes, what="the loaded model's decoder")
    if np.allclose(after, before, rtol=1e-6, atol=1e-7):
        end_check(wrong(f"saved to a .keras file and loaded back, the decoder of {what} no longer follows its "
                        "encoder: a change to the encoder's kernels leaves the decoder's output as it was, so "
                        "the tie did not survive loading."))


def sandwich_toy_data():
    """Exercises 2.1 and 3.2's toy problem: 512 points of 12 values in (0, 1) on a curved 2-D surface, float32."""
    rng = np.random.default_rng(202)
    surface = rng.uniform(-1, 1, size=(512, 2))
    first, second = rng.normal(size=(2, 8)) * 1.5, rng.normal(size=(8, 12))
    return (1 / (1 + np.exp(-np.tanh(surface @ first) @ second))).astype("float32")


def _require_training(answer, signature):
    """End the check unless a fresh model, trained briefly as a whole on the toy problem, learns it."""
    x = sandwich_toy_data()
    input_dim, hidden_sizes, code_size = SANDWICH_SIZES[0]
    keras.utils.set_random_seed(_TOY_SEED)  # the same initial weights and batches on every run
    model = build(answer, signature, input_dim=input_dim, hidden_sizes=hidden_sizes, code_size=code_size)
    encoder, _ = model_parts(model, "your model")
    codes_before = call_layer(encoder, x[:64], what="your model's encoder")
    average_error = pixel_mse(x, np.broadcast_to(x.mean(axis=0), x.shape))

    def ratio(trained):
        return pixel_mse(x, call_layer(trained, x, what="your trained model")) / average_error

    check_short_training(model, x, loss="mse", epochs=_TOY_EPOCHS, batch_size=_TOY_BATCH_SIZE,
                         learning_rate=_TOY_LEARNING_RATE, target=_TOY_ERROR_TARGET, measure=ratio,
                         name="error relative to predicting the average", digits=2)
    codes_after = call_layer(encoder, x[:64], what="your model's encoder")
    if np.allclose(codes_after, codes_before):
        end_check(wrong("trained as a whole, your model left its encoder's codes as they were: training the "
                        "model does not train its encoder."))


@checker
def check_bottleneck_model(model):
    """Exercise 2.2: a 784-256-16-256-784 model from ``cp.build_stacked_autoencoder``.

    Expected: ReLU hidden layers, a linear 16-unit code and a sigmoid output.
    A model that has not been built yet is built on a batch of 784 pixel values.

    Args:
        model: the learner's model.

    Returns:
        Verdict.
    """
    if is_unattempted(model):
        return unattempted("build the model with cp.build_stacked_autoencoder and assign it to `model`.")
    with learner_code("reading your model's encoder and decoder"):
        if not (hasattr(model, "encoder") and hasattr(model, "decoder")):
            return wrong(
                f"Expected a model with .encoder and .decoder, as cp.build_stacked_autoencoder "
                f"returns. Received: {type(model).__name__}."
            )
        encoder_dense = _dense_layers(model.encoder)
        decoder_dense = _dense_layers(model.decoder)
        encoder_sizes = [layer.units for layer in encoder_dense]
        decoder_sizes = [layer.units for layer in decoder_dense]
        names = [getattr(layer.activation, "__name__", "?") for layer in encoder_dense + decoder_dense]
    if encoder_sizes != [256, 16]:
        return wrong(
            f"the encoder's Dense layers have {encoder_sizes} units; expected [256, 16]: "
            "hidden_sizes=(256,) and code_size=16."
        )
    if decoder_sizes != [256, 784]:
        return wrong(f"the decoder's Dense layers have {decoder_sizes} units; expected [256, 784].")
    if names[0] != "relu" or names[2] != "relu":
        return wrong(f"the hidden layers should use ReLU. Received activations {names}.")
    if names[1] != "linear":
        return wrong(f"the code layer should be linear (code_activation=None). Received {names[1]!r}.")
    if names[3] != "sigmoid":
        return wrong(f"the output should be a sigmoid, for pixels in [0, 1]. Received {names[3]!r}.")
    return correct(f"784-256-16-256-784 with {_parameter_count(model)} parameters.")


@checker
def check_depth_statements(answer):
    """Exercise 2.3: which statements (a)-(e) about deep autoencoders are true.

    Args:
        answer: the letters of the true statements, e.g. ``{"a", "c"}``.

    Returns:
        Verdict.
    """
    return check_letters(answer, "abcde", _TRUE_STATEMENTS, _STATEMENT_EXPLANATIONS, _REREAD)


def held_out_digits():
    """The checker's own test digits for Exercises 2.4 and 3.5, shape ``(2000, 28, 28)`` in [0, 1]."""
    images, _ = _measure.held_out_digits(HELD_OUT_IMAGES)
    return images


def measure_budget_model(model, images, code_size):
    """The parameters and squared error per image of a learner's autoencoder; ends the check otherwise.

    Called inside a checker, by Exercises 2.4 and 3.5.

    Args:
        model: the learner's autoencoder, with an ``.encoder``.
        images: the checker's held-out digits.
        code_size: the largest code allowed.

    Returns:
        ``(parameters, squared error per image)``.
    """
    reconstructions = reconstruct(model, images)
    codes = encode(model.encoder, images[:10])
    if codes.shape[1] > code_size:
        end_check(
            wrong(
                f"your encoder gives codes of {codes.shape[1]} numbers; the exercise allows at "
                f"most {code_size}. Build the model with code_size={code_size}."
            )
        )
    with learner_code("counting your model's parameters"):
        parameters = int(model.count_params())
    error = float(np.mean(np.sum((images.reshape(len(images), -1) - reconstructions) ** 2, axis=1)))
    return parameters, error


@checker
def check_budget_autoencoder(model):
    """Exercise 2.4: a trained autoencoder, 16-number code, at most 110,000 parameters, error at most 19.

    The checker reconstructs held-out test digits with the model and measures
    the squared error summed over the pixels of an image, averaged over images.

    Args:
        model: the learner's trained autoencoder (with ``.encoder``).

    Returns:
        Verdict, with the measured parameters and error next to their targets.
    """
    verdict = not_a_model(model, f"an autoencoder with a {BUDGET_CODE_SIZE}-number code", needs=("encoder",))
    if verdict is not None:
        return verdict
    images = held_out_digits()
    parameters, error = measure_budget_model(model, images, BUDGET_CODE_SIZE)
    hints = (
        "Usual causes: too few epochs; no hidden layer (a linear code cannot beat PCA's 21.2, and a "
        "ReLU on a lone code layer does no better); a linear output with the binary cross-entropy "
        "(use a sigmoid); or parameters spent on wide layers: each hidden unit next to the 784 pixels "
        "costs about 1,570 parameters, a weight in the encoder and one in the decoder for every pixel."
    )
    where = f"on {len(images):,} test digits it never saw"
    return budget_verdict(parameters, error, (BUDGET_PARAMETERS, BUDGET_ERROR_TARGET), where, hints)


def budget_verdict(parameters, error, targets, where, hints):
    """The Verdict on a model under a parameter budget: its count and error next to their bounds.

    Args:
        parameters: the model's parameter count.
        error: its squared error per image.
        targets: ``(most parameters, largest error)``.
        where: on what they were measured.
        hints: the usual causes of a miss.

    Returns:
        Verdict.
    """
    budget, target = targets
    measured = [
        Target("parameters", parameters, budget, at_least=False, digits=0),
        Target("squared error per image", error, target, at_least=False),
    ]
    return verdict_on(measured, where, hints)


def unseen_digits_outcome(errors):
    """Exercise 2.5: the letter of ``UNSEEN_CHOICES`` that the measured errors give.

    Args:
        errors: dict mapping ``(trained on, tested on)``, each ``"0-4"`` or ``"5-9"``, to the
            squared error per image.

    Returns:
        ``"a"``, ``"b"`` or ``"c"``: from the smaller of the two ratios (digits a model never
        saw, over the model that saw them); both must agree for ``"b"`` or ``"c"``.
    """
    ratios = [errors[("5-9", "0-4")] / errors[("0-4", "0-4")], errors[("0-4", "5-9")] / errors[("5-9", "5-9")]]
    if min(ratios) > 1 + _UNSEEN_BAND:
        return "b"
    return "c" if max(ratios) < 1 - _UNSEEN_BAND else "a"


@checker
def check_unseen_digits_prediction(answer, errors):
    """Exercise 2.5: the prediction of the error on digits of classes a model never saw.

    Args:
        answer: the learner's letter, made before the experiment.
        errors: dict mapping ``(trained on, tested on)`` to the squared error per image.

    Returns:
        Verdict.
    """
    keys = [(trained, tested) for trained in ("0-4", "5-9") for tested in ("0-4", "5-9")]
    if not (isinstance(errors, dict) and all(_is_error(errors.get(key)) for key in keys)):
        return wrong(
            "run the experiment's cell first: it measures unseen_errors, a dict of four errors > 0 "
            f"keyed by (trained on, tested on). Received: {shown(errors)}."
        )
    measured = (
        f"Measured, squared error per image: on the digits 0-4, {errors[('0-4', '0-4')]:.1f} for the "
        f"model trained on them and {errors[('5-9', '0-4')]:.1f} for the other; on 5-9, "
        f"{errors[('5-9', '5-9')]:.1f} and {errors[('0-4', '5-9')]:.1f}. An autoencoder learns to "
        "reconstruct what it was trained on, not images in general."
    )
    return check_prediction(answer, UNSEEN_CHOICES, unseen_digits_outcome(errors), measured)


def _is_error(value):
    return isinstance(value, numbers.Real) and math.isfinite(value) and value > 0


def _dense_layers(model):
    return [layer for layer in getattr(model, "layers", []) if isinstance(layer, keras.layers.Dense)]


def _parameter_count(model):
    """Count the model's parameters, building it on 784 pixel values first if it was never called."""
    with learner_code("building your model on a batch of 784 pixel values", "It should take 784 values per image."):
        if not model.built:
            model(np.zeros((2, 784), dtype="float32"))
        return model.count_params()
