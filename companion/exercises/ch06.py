"""Checkers for the exercises of Chapter 6 (sparse autoencoders)."""

from dataclasses import dataclass

import keras
import numpy as np

from companion.exercises._build_it import (
    call_layer,
    check_gradients,
    check_short_training,
    describe_difference,
    passed,
)
from companion.exercises._measure import Target, encode, held_out_digits, not_a_model, pixel_mse, reconstruct, verdict_on
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

# Exercise 6.1: the learner writes the KL sparsity penalty as a Keras regulariser. The checker
# builds it with two pairs (rho, beta), compares its value with cp.KLSparsity's on random sigmoid
# activations of four shapes (a batch of one, and activations of rank 3), its gradient with
# respect to the activations, the config round trip, and trains a small autoencoder with it as
# the code's activity regulariser: the code's mean activation must come near rho.
BUILD_SIGNATURE = "KLSparsity(rho, beta)"
_SETTINGS = ((0.05, 1.0), (0.2, 3.0))
_SHAPES = ((1, 8), (32, 16), (7, 3), (6, 4, 5))
# The toy problem of the training run: 512 random points in [0, 1]^16 through a code of 8 sigmoid
# units, Adam at 0.01, batches of 32. In 4 epochs the reference with rho = 0.1 and beta = 1 brings
# the code's mean activation to 0.095-0.105; without the penalty it stays at 0.3-0.45.
_TOY_RHO = 0.1
_TOY_BETA = 1.0
_TOY_EPOCHS = 4
_TOY_DISTANCE = 0.02  # the mean activation's largest accepted distance from rho
_TOY_SEED = 6


def _kl(rho, q):
    return rho * np.log(rho / q) + (1 - rho) * np.log((1 - rho) / (1 - q))


def _activations(shape, seed):
    """Random sigmoid activations, in (0.01, 0.99)."""
    logits = np.random.default_rng(seed).normal(-1.0, 1.5, size=shape)
    return (1 / (1 + np.exp(-np.clip(logits, -4.5, 4.5)))).astype("float32")


def _build_regularizer(answer, rho, beta):
    """The learner's regulariser, ``answer(rho=rho, beta=beta)``; ends the check when it cannot be built."""
    require_callable(answer, BUILD_SIGNATURE, kind="a class")
    with learner_code(f"building KLSparsity(rho={rho}, beta={beta})"):
        regularizer = answer(rho=rho, beta=beta)
    if not isinstance(regularizer, keras.regularizers.Regularizer):
        end_check(wrong(f"Expected `{BUILD_SIGNATURE}` to give a keras.regularizers.Regularizer, which Keras "
                        f"accepts as an activity_regularizer. Received: {shown(regularizer)} of type "
                        f"{type(regularizer).__name__}."))
    return regularizer


def _penalty(regularizer, activations, doing):
    """The learner's penalty on ``activations`` (passed as a tensor, as Keras does), as one float."""
    with learner_code(doing):
        value = regularizer(keras.ops.convert_to_tensor(activations))
    if value is None:
        end_check(wrong(f"{doing} gave None: did you forget `return`?"))
    with learner_code(f"reading what {doing.removeprefix('calling ')} returned"):
        array = np.asarray(keras.ops.convert_to_numpy(value))
    if array.dtype.kind not in "iuf":
        end_check(wrong(f"Expected your regulariser to return a tensor of numbers. Received: {shown(value)}."))
    if array.size != 1:
        end_check(wrong(f"{doing} returns shape {array.shape}: a regulariser returns one number, which Keras "
                        "adds to the loss."))
    return float(array.reshape(-1)[0])


@checker
def check_kl_sparsity_regularizer(answer):
    """Exercise 6.1: the KL sparsity penalty written as a Keras regulariser by the learner.

    ``answer`` is a ``keras.regularizers.Regularizer`` subclass called as
    ``KLSparsity(rho, beta)``; called on a batch of sigmoid activations, it
    returns ``beta`` times the sum over the units of the divergence between
    ``rho`` and the unit's mean activation over the batch. The checker builds
    it with two pairs of arguments and tests it against
    :class:`companion.KLSparsity`: its value on activations of four shapes,
    its gradient with respect to them, ``from_config(get_config())``, and a
    short training run of a small autoencoder with it as the code's activity
    regulariser, whose code's mean activation must come near ``rho``.

    Args:
        answer: the learner's class.

    Returns:
        Verdict: what differs, measured, when something does.
    """
    from companion.sparse import KLSparsity  # the reference; the module imports Keras

    for rho, beta in _SETTINGS:
        regularizer = _build_regularizer(answer, rho, beta)
        reference = KLSparsity(rho, beta)
        for number, shape in enumerate(_SHAPES):
            activations = _activations(shape, seed=number)
            where = f"with rho={rho}, beta={beta} and activations of shape {shape}"
            got = _penalty(regularizer, activations, f"calling your regulariser on activations of shape {shape}")
            expected = float(keras.ops.convert_to_numpy(reference(activations)))
            _require_penalty(got, expected, activations, rho, beta, where)
        _require_gradient(regularizer, reference, activations, rho, beta)
        _require_config(regularizer, activations, rho, beta)
    _require_training(answer)
    return passed("your KLSparsity", [
        "the reference's penalty on activations of 4 shapes, for two pairs (rho, beta)",
        "its gradient with respect to the activations",
        "from_config(get_config()) rebuilds it",
        "as a code's activity regulariser, it brings the mean activation to rho on a toy problem",
    ])


def _require_penalty(got, expected, activations, rho, beta, where):
    """End the check unless the learner's penalty is the reference's, naming the kind of mistake when it is known."""
    if describe_difference(got, expected, rtol=1e-4, atol=1e-6) is None:
        return
    flat = activations.reshape(len(activations), -1).astype("float64")
    mean = flat.mean(axis=0)
    known = [
        (beta * _kl(mean, rho).sum(), "your penalty is the divergence taken in the other direction, from the "
         "units' mean activations to rho, where the penalty measures it from rho"),
        (beta * (rho * np.log(rho / mean)).sum(), "your penalty has only one of the divergence's two terms: "
         "the one for a unit being on; a Bernoulli divergence also counts the unit being off"),
        (beta * _kl(rho, flat).sum(), "your penalty takes the divergence of every single activation; the "
         "penalty compares each unit's mean activation over the batch with rho"),
        (beta * _kl(rho, flat).mean(axis=0).sum(), "your penalty averages the divergences of single "
         "activations; the penalty compares each unit's mean activation over the batch with rho"),
    ]
    if len(activations) > 1:  # with one example, the mean is the example itself
        for value, sentence in known:
            if describe_difference(got, value, rtol=1e-4, atol=1e-6) is None:
                end_check(wrong(f"{where}, {sentence}."))
    else:
        for value, sentence in known[:2]:
            if describe_difference(got, value, rtol=1e-4, atol=1e-6) is None:
                end_check(wrong(f"{where}, {sentence}."))
    difference = describe_difference(got, expected, rtol=1e-4, atol=1e-6, what="your penalty")
    end_check(wrong(f"{where}, {difference}."))


class _Penalty(keras.layers.Layer):
    """A regulariser as a layer, so that the harness can differentiate it: ``call`` returns its value."""

    def __init__(self, regularizer, **kwargs):
        super().__init__(**kwargs)
        self.penalty = regularizer

    def call(self, inputs):
        return keras.ops.reshape(self.penalty(inputs), (1,))


def _require_gradient(regularizer, reference, activations, rho, beta):
    """End the check unless the gradient with respect to the activations is the reference's."""
    reference_layer = _Penalty(reference)
    reference_layer(activations)  # built, as the harness differentiates built layers
    check_gradients(_Penalty(regularizer), activations, reference=reference_layer, wrt_inputs=True,
                    what=f"your regulariser (rho={rho}, beta={beta})")


def _require_config(regularizer, activations, rho, beta):
    """End the check unless ``from_config(get_config())`` gives a regulariser with the same arguments and values."""
    cls = type(regularizer)
    own = {name for klass in cls.__mro__ if not klass.__module__.startswith("keras") for name in vars(klass)}
    if "get_config" not in own:
        end_check(wrong("your regulariser has no get_config of its own, so Keras cannot save it with a model "
                        "nor rebuild it (config does not round-trip)."))
    with learner_code("calling get_config() of your regulariser"):
        config = regularizer.get_config()
    if not isinstance(config, dict):
        end_check(wrong(f"get_config() of your regulariser must return a dict. Received: {shown(config)}."))
    missing = [name for name in ("rho", "beta") if name not in config]
    if missing:
        end_check(wrong(f"config does not round-trip: get_config() leaves out {' and '.join(f'`{name}`' for name in missing)}."))
    with learner_code("rebuilding your regulariser with from_config(get_config())"):
        clone = cls.from_config(dict(config))
    doing = f"calling the rebuilt regulariser on activations of shape {activations.shape}"
    got = _penalty(clone, activations, doing)
    original = _penalty(regularizer, activations, f"calling your regulariser on activations of shape "
                                                  f"{activations.shape}")
    difference = describe_difference(got, original, what="the rebuilt regulariser's penalty")
    if difference is not None:
        end_check(wrong(f"config does not round-trip (rho={rho}, beta={beta}): "
                        f"{difference.replace('reference', 'original')}."))


def toy_data():
    """Exercise 6.1's toy problem: 512 points uniform in [0, 1]^16, float32."""
    return np.random.default_rng(3).uniform(size=(512, 16)).astype("float32")


def _require_training(answer):
    """End the check unless the regulariser, on a small autoencoder's code, brings its mean activation near rho."""
    x = toy_data()
    regularizer = _build_regularizer(answer, _TOY_RHO, _TOY_BETA)
    keras.utils.set_random_seed(_TOY_SEED)  # the same initial weights and batches on every run
    with learner_code("building a small autoencoder with your regulariser on its code"):
        inputs = keras.Input((x.shape[1],))
        codes = keras.layers.Dense(8, activation="sigmoid", activity_regularizer=regularizer, name="code")(inputs)
        outputs = keras.layers.Dense(x.shape[1], activation="sigmoid")(codes)
        model = keras.Model(inputs, outputs)
        encoder = keras.Model(inputs, codes)

    def distance(trained):
        return abs(float(np.mean(call_layer(encoder, x, what="the trained encoder"))) - _TOY_RHO)

    check_short_training(model, x, loss="mse", epochs=_TOY_EPOCHS, batch_size=32, learning_rate=0.01,
                         target=_TOY_DISTANCE, measure=distance, name="code's distance from rho in mean activation",
                         digits=3, what=f"a small autoencoder with KLSparsity(rho={_TOY_RHO}, beta={_TOY_BETA}) on its code")


# Exercise 6.4: a sparse code whose measured activity is the one asked for
ACTIVITY_TARGET = 0.1  # the mean activation asked for: twice the chapter's rho, so its model does not pass
ACTIVITY_TOLERANCE = 0.2  # within 20% of the target: the chapter's beta = 0.01 leaves the mean further above rho
ACTIVITY_MSE_TARGET = 0.06  # below the 0.067 of drawing the mean digit every time; the solution reaches 0.03-0.04
ACTIVITY_TEST_IMAGES = 2000  # the last test digits of MNIST: the chapter trains on training digits

# Exercise 6.5: halving k
HALVING_CHOICES = {
    "a": "The test error goes up: fewer active units carry less of each digit.",
    "b": "The test error stays about the same (within 5%): the code has units to spare.",
    "c": "The test error goes down: a sparser code generalises better.",
}
_HALVING_BAND = 0.05  # a change of less than 5% counts as "about the same"

STATEMENT_LETTERS = "abcde"
_TRUE_STATEMENTS = SealedLetters("ch06.statements", "c509697bddb612cff76706fe32ed412eb2227806eb2f98f3a4664c777fd3c673")
_REREAD = ("The KL sparsity penalty", "Measuring sparsity")  # the sections the statements test
_STATEMENT_EXPLANATIONS = {
    "a": "the penalty is on each unit's mean over the batch, so a unit "
    "may fire strongly for a few images as long as it is quiet on average.",
    "b": "KL(rho || q) is zero only at q = rho and grows on both sides.",
    "c": "with a larger beta the mean activations move closer to rho, and "
    "the reconstruction error rises; the chapter measures both.",
    "d": "the KL penalty needs activations in (0, 1) to read them as "
    "firing probabilities; with ReLU codes use an L1 penalty instead.",
    "e": "sparsity, not the number of units, limits what the code can "
    "hold, so the code can have more units than a dense code would need.",
}


@checker
def check_kl_value(answer):
    """Exercise 6.2: KL(0.05 || 0.2) in nats.

    Args:
        answer: the learner's number.

    Returns:
        Verdict.
    """
    hints = [
        (_kl(0.2, 0.05), "that is KL(0.2 || 0.05); the target rho comes first."),
        (_kl(0.05, 0.2) / np.log(10), "use natural logarithms (np.log), not log10."),
        (0.05 * np.log(0.05 / 0.2), "add the second term, (1 - rho) log((1 - rho) / (1 - rho_hat))."),
    ]
    return check_number(
        answer, _kl(0.05, 0.2), 1e-4, hints, "0.05 ln(0.05/0.2) + 0.95 ln(0.95/0.8) = 0.0939 nats."
    )


@checker
def check_sparsity_statements(answer):
    """Exercise 6.3: which statements (a)-(e) about sparse autoencoders are true.

    Args:
        answer: the letters of the true statements.

    Returns:
        Verdict.
    """
    return check_letters(answer, STATEMENT_LETTERS, _TRUE_STATEMENTS, _STATEMENT_EXPLANATIONS, _REREAD)


@dataclass(frozen=True)
class _Between:
    """A measured number that must lie between two bounds; reads as a :class:`Target` does.

    Two :class:`Target` objects (at least ``low``, at most ``high``) would check the same, but
    the verdict would then state the measured value twice; this one states it once, next to
    both bounds.
    """

    name: str
    value: float
    low: float
    high: float

    @property
    def met(self):
        return self.low <= self.value <= self.high

    def __str__(self):
        return f"your {self.name}: {self.value:.3f}; needed: between {self.low:.3f} and {self.high:.3f}"


@checker
def check_activity_target(model):
    """Exercise 6.4: a sparse autoencoder whose mean activation is within 20% of 0.1, with a test MSE under 0.06.

    The checker encodes and reconstructs its own held-out test digits with the
    model and measures the mean activation of the code (over images and
    units) and the mean squared error per pixel.

    Args:
        model: the learner's trained sparse autoencoder (with ``.encoder``).

    Returns:
        Verdict, with the measured numbers next to their targets.
    """
    verdict = not_a_model(model, "a sparse autoencoder with a sigmoid code", needs=("encoder",))
    if verdict is not None:
        return verdict
    images, _ = held_out_digits(ACTIVITY_TEST_IMAGES)
    reconstructions = reconstruct(model, images)
    codes = encode(model.encoder, images)
    if codes.min() < 0 or codes.max() > 1:
        end_check(wrong(f"a mean activation is a firing rate only for codes in [0, 1]; your encoder gives values "
                        f"from {codes.min():.3g} to {codes.max():.3g}. Build the model with "
                        "cp.build_sparse_autoencoder, whose code is a sigmoid."))
    activity = float(codes.mean())
    mse = pixel_mse(images, reconstructions)
    low, high = ACTIVITY_TARGET * (1 - ACTIVITY_TOLERANCE), ACTIVITY_TARGET * (1 + ACTIVITY_TOLERANCE)
    targets = [
        _Between("mean activation", activity, low, high),
        Target("test MSE per pixel", mse, ACTIVITY_MSE_TARGET, at_least=False, digits=3),
    ]
    hints = []
    if activity > high:
        hints.append("The code is too active: set rho to the target, 0.1, and raise beta until the mean "
                     "comes down to it (the chapter's beta = 0.01 leaves it well above rho).")
    if activity < low:
        hints.append("The code is too quiet: set rho to 0.1 (the chapter's model uses 0.05).")
    if mse > ACTIVITY_MSE_TARGET:
        hints.append("The error is high: train for more epochs, with the binary cross-entropy and a sigmoid "
                     "output; a beta far above 0.1 also costs error.")
    return verdict_on(targets, f"on {len(images):,} test digits it never saw", " ".join(hints))


def halving_k_outcome(error_k, error_half_k):
    """Exercise 6.5: the letter of ``HALVING_CHOICES`` that the two measured test errors give.

    Args:
        error_k: the test MSE of the TopK autoencoder with ``k`` active units.
        error_half_k: the test MSE of the same autoencoder with ``k // 2``.

    Returns:
        ``"a"`` if the error rose by more than 5%, ``"c"`` if it fell by more
        than 5%, else ``"b"``.
    """
    ratio = error_half_k / error_k
    if ratio > 1 + _HALVING_BAND:
        return "a"
    return "c" if ratio < 1 - _HALVING_BAND else "b"


@checker
def check_halving_k_prediction(answer, error_k, error_half_k):
    """Exercise 6.5: the prediction of what halving k does to a TopK autoencoder's test error.

    Args:
        answer: the learner's letter, made before the experiment.
        error_k: the measured test MSE with ``k`` active units.
        error_half_k: the measured test MSE with ``k // 2``.

    Returns:
        Verdict.
    """
    error_k = validate_measurement(error_k, "error_k", expected="a test error > 0", low=1e-12)
    error_half_k = validate_measurement(error_half_k, "error_half_k", expected="a test error > 0", low=1e-12)
    measured = (f"Measured test MSE per pixel: {error_k:.4f} with k active units, {error_half_k:.4f} with half "
                f"as many ({error_half_k / error_k - 1:+.0%}). Each image is drawn with fewer patterns, "
                "so it is drawn less exactly.")
    return check_prediction(answer, HALVING_CHOICES, halving_k_outcome(error_k, error_half_k), measured)
