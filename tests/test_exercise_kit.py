"""The shared pieces of the checkers: letters, choices, predictions and measured models."""

import keras
import numpy as np
import pytest

from companion.exercises import _measure, _verdict
from companion.exercises._verdict import checker

EXPLANATIONS = {letter: f"({letter}) is {'true' if letter in 'bd' else 'false'}: a reason." for letter in "abcde"}


def letters_verdict(answer):
    return _verdict.check_letters(answer, "abcde", "bd", EXPLANATIONS, ("The idea", "The proof"))


# --- true/false sets ---


def test_right_letters_explain_every_statement():
    verdict = letters_verdict("db")
    assert verdict.status == "correct"
    assert all(text in verdict.message for text in EXPLANATIONS.values())
    assert len(repr(verdict).splitlines()) == 6  # the heading line, then one line per statement


@pytest.mark.parametrize("answer", ["b", "bde", "abd", "", "abcde", "ace", {"B"}, ["d", "e"]])
def test_every_wrong_set_gets_the_same_message(answer):
    verdict = letters_verdict(answer)
    assert verdict.status == "wrong"
    assert verdict.message == letters_verdict("a").message
    assert "“The idea” and “The proof”" in verdict.message
    assert not any(f"({letter})" in verdict.message for letter in "abcde")  # no letter leaks
    assert not any(digit in verdict.message for digit in "0123456789")  # no count either


@pytest.mark.parametrize(
    "answer, status, words",
    [
        (..., "unattempted", "replace"),
        (None, "unattempted", "replace"),
        (3, "wrong", "Expected the letters of the true statements"),
        (float("nan"), "wrong", "Expected the letters of the true statements"),
        ({"z"}, "wrong", "labelled a to e"),
        (np.array(["b", "d"]), "wrong", "Expected the letters of the true statements"),
    ],
)
def test_letters_bad_answers(answer, status, words):
    verdict = letters_verdict(answer)
    assert verdict.status == status and words in verdict.message, verdict.message


def test_one_section_is_named_as_such():
    verdict = _verdict.check_letters("a", "ab", "b", {"a": "", "b": ""}, "The idea")
    assert "the section “The idea”" in verdict.message


# --- one choice ---


@pytest.mark.parametrize(
    "answer, status, words",
    [
        ("c", "correct", "(c). Because."),
        (" (C) ", "correct", "(c)"),
        ("a", "wrong", "Re-read the section “Costs”"),
        ("e", "wrong", 'one of "a", "b", "c" or "d"'),
        ("cd", "wrong", "Expected one letter"),
        ({"c"}, "wrong", "Expected one letter"),
        (3, "wrong", "Expected one letter"),
        (..., "unattempted", "replace"),
    ],
)
def test_choice(answer, status, words):
    verdict = _verdict.check_choice(answer, "abcd", "c", "Because.", "Costs")
    assert verdict.status == status and words in verdict.message, verdict.message


# --- predictions ---

CHOICES = {"a": "the error went up.", "b": "the error went down.", "c": "nothing changed."}


@pytest.mark.parametrize(
    "answer, outcome, status, words",
    [
        ("b", "b", "correct", "your prediction held: (b) the error went down. Measured: 3 to 2."),
        ("a", "b", "wrong", "your prediction (a) did not hold. The experiment measured:"),
        ("a", "a", "correct", "(a) the error went up."),
        ("x", "b", "wrong", 'one of "a", "b" or "c"'),
        (2, "b", "wrong", "Expected one letter"),
        (None, "b", "unattempted", "write your prediction first"),
    ],
)
def test_prediction(answer, outcome, status, words):
    verdict = _verdict.check_prediction(answer, CHOICES, outcome, "Measured: 3 to 2.")
    assert verdict.status == status and words in verdict.message, verdict.message


# --- measuring a model ---


@pytest.fixture
def digits():
    rng = np.random.default_rng(0)
    images, labels = rng.uniform(size=(20, 28, 28)).astype("float32"), np.arange(20) % 10
    return images, labels


@checker
def squared_error(model, images):
    """A small checker built from the helpers: the mean squared error of the reconstructions."""
    verdict = _measure.not_a_model(model, "an autoencoder")
    if verdict is not None:
        return verdict
    reconstructions = _measure.reconstruct(model, images)
    error = float(np.mean((reconstructions - images.reshape(len(images), -1)) ** 2))
    target = _measure.Target("mean squared error", error, 0.01, at_least=False, digits=3)
    return _measure.verdict_on([target], "on 20 images", "Train longer.")


def dense_model(input_shape, output_units=784):
    inputs = keras.Input(input_shape)
    flat = keras.layers.Flatten()(inputs)
    return keras.Model(inputs, keras.layers.Dense(output_units)(flat))


class Identity:
    def __call__(self, images):
        return images


class Raises:
    def __call__(self, images):
        raise RuntimeError("broken")


@pytest.mark.parametrize(
    "model, status, words",
    [
        (Identity(), "correct", "your mean squared error: 0.000; needed: at most 0.010"),
        (lambda images: images * 0, "wrong", "needed: at most 0.010.\nTrain longer."),
        (lambda images: images * np.nan, "wrong", "NaN or infinite"),
        (lambda images: images[:, :10], "wrong", "the input's size"),
        (lambda images: images[:3], "wrong", "one output per image (20)"),
        (lambda images: "images", "wrong", "array of numbers"),
        (lambda images: None, "wrong", "array of numbers"),
        (lambda images: [images, images], "correct", "0.000"),
        (Raises(), "wrong", "raised RuntimeError: broken"),
        (..., "unattempted", "train an autoencoder"),
        ("model", "wrong", "Expected an autoencoder (a Keras model). Received: 'model'"),
    ],
)
def test_measured_model(digits, model, status, words):
    verdict = squared_error(model, digits[0])
    assert verdict.status == status and words in verdict.message, verdict.message


@pytest.mark.parametrize("shape", [(784,), (28, 28), (28, 28, 1)])
def test_images_reach_a_keras_model_in_its_own_shape(digits, shape):
    verdict = squared_error(dense_model(shape), digits[0])
    assert verdict.status == "wrong" and "your mean squared error" in verdict.message, verdict.message


def test_a_model_for_other_images_is_named(digits):
    verdict = squared_error(dense_model((32, 32, 3)), digits[0])
    assert verdict.status == "wrong" and "takes inputs of shape (32, 32, 3)" in verdict.message
    verdict = squared_error(dense_model((784,), output_units=10), digits[0])
    assert verdict.status == "wrong" and "(28, 28) in, (10,) out" in verdict.message


def test_missing_parts_are_named():
    verdict = _measure.not_a_model(Identity(), "a VAE", needs=("encoder", "decoder"))
    assert verdict.status == "wrong" and ".encoder and .decoder" in verdict.message


def test_held_out_digits_are_the_last_test_digits_or_the_first_training_ones(checker_digits):
    test_images = np.arange(50 * 784, dtype="float32").reshape(50, 784)
    checker_digits.set("test", test_images, np.arange(50))
    images, labels = _measure.held_out_digits(5)
    assert images.shape == (5, 28, 28) and images.dtype == np.float32 and labels.dtype == np.int64
    assert np.array_equal(labels, np.arange(45, 50)) and np.array_equal(images.reshape(5, -1), test_images[45:])
    train, _ = _measure.held_out_digits(7, split="train")
    assert train.shape == (7, 28, 28) and checker_digits.requests[-1] == ("train", 7)


@pytest.mark.parametrize("n, split", [(0, "test"), (2.5, "test"), (True, "test"), (3, "validation")])
def test_held_out_digits_bad_arguments_are_bugs_of_the_checker(checker_digits, n, split):
    with pytest.raises(ValueError, match="Received"):
        _measure.held_out_digits(n, split=split)


def test_pixel_mse_compares_images_flat():
    a = np.zeros((3, 28, 28))
    b = np.ones((3, 784)) * np.array([[1.0], [2.0], [3.0]])
    assert _measure.pixel_mse(a, b) == pytest.approx((1 + 4 + 9) / 3)
    assert np.allclose(_measure.pixel_mse(a, b, per_image=True), [1, 4, 9])
    with pytest.raises(ValueError, match="as many images"):
        _measure.pixel_mse(a, b[:2])


# --- the answer keys and the one way to read a measurement ---


def test_sealed_letters_match_by_digest_only():
    key = _verdict.SealedLetters("kit.test", _verdict.letters_digest("bd", "kit.test"))
    assert key.matches({"d", "b"}) and key.matches("DB") and not key.matches("b")
    assert "bd" not in repr(key) and "bd" not in key.digest
    assert _verdict.letters_digest("bd", "other") != key.digest  # salted
    sealed = _verdict.check_letters("db", "abcde", key, {letter: "why." for letter in "abcde"}, "The idea")
    assert sealed.status == "correct" and "(b) is true: why." in sealed.message and "(a) is false: why." in sealed.message
    assert _verdict.check_letters("d", "abcde", key, {}, ("The idea", "The proof")).message == \
        letters_verdict("a").message
    one = _verdict.SealedLetters("kit.choice", _verdict.letters_digest("c", "kit.choice"))
    assert _verdict.check_choice("c", "abcd", one, "Because.", "Costs").status == "correct"
    assert _verdict.check_choice("a", "abcd", one, "Because.", "Costs").status == "wrong"


@checker
def read_measurement(value):
    number = _verdict.validate_measurement(value, "gain_db", expected="a gain in dB", low=0)
    return _verdict.correct(f"{number:.1f}")


@pytest.mark.parametrize("value, status, words", [
    (3, "correct", "3.0"), (np.float32(2.5), "correct", "2.5"), (np.array([1.5]), "correct", "1.5"),
    (-1, "wrong", "run the experiment's cell first, then pass `gain_db`"), (None, "wrong", "a gain in dB"),
    (float("nan"), "wrong", "Received: nan"), ("3", "wrong", "`gain_db`"), (np.zeros(2), "wrong", "`gain_db`"),
])
def test_validate_measurement(value, status, words):
    verdict = read_measurement(value)
    assert verdict.status == status and words in verdict.message, verdict.message


def test_scaffold_errors_are_told_from_keras_own():
    def scaffold():
        raise NotImplementedError  # your code here

    with pytest.raises(NotImplementedError) as learner:
        scaffold()
    assert _verdict.is_scaffold_error(learner.value)

    class NoConfig(keras.Model):  # a subclassed model without get_config: Keras raises NotImplementedError
        def __init__(self, size, **kwargs):
            super().__init__(**kwargs)
            self.size = size

    with pytest.raises(NotImplementedError) as own:
        NoConfig(3).get_config()
    assert not _verdict.is_scaffold_error(own.value)
    assert not _verdict.is_scaffold_error(ValueError())


# --- the build-it harness ---


from companion.exercises import _build_it  # noqa: E402


@pytest.mark.parametrize("got, expected, words", [
    (np.ones(3), np.ones(3), None),
    (np.ones(3) * 784, np.ones(3), "too large by a factor of 784"),
    (np.array([1.0, 2.0]) / 784, np.array([1.0, 2.0]), "too small by a factor of 784"),
    (-np.array([1.0, 2.0]), np.array([1.0, 2.0]), "has its sign flipped"),
    (-2 * np.array([1.0, 2.0]), np.array([1.0, 2.0]), "sign flipped and is too large by a factor of 2"),
    (np.array([1.5, 2.5, 3.5]), np.array([1.0, 2.0, 3.0]), "shifted by a constant +0.5"),
    (np.zeros(2), np.array([1.0, 2.0]), "is zero everywhere"),
    (np.ones((2, 3)), np.ones((3, 2)), "has shape (2, 3), where the reference's has shape (3, 2)"),
    (np.array([np.nan, 1.0]), np.ones(2), "NaN or infinite"),
    (np.array([1.0, 5.0, 3.0]), np.array([1.0, 2.0, 3.0]), "differs from the reference's by"),
])
def test_describe_difference_measures_what_differs(got, expected, words):
    said = _build_it.describe_difference(got, expected)
    assert said is None if words is None else words in said, said


@checker
def layer_check(answer, **kwargs):
    """A small build-it checker: a Dense layer checked against keras.layers.Dense."""
    layer = _build_it.build(answer, "MyDense(units)", units=3)
    reference = keras.layers.Dense(3)
    inputs = _build_it.random_inputs([(2, 5), (4, 5)])
    _build_it.compare_outputs(layer, reference, inputs)
    _build_it.check_gradients(layer, inputs[0], reference=reference, wrt_inputs=True)
    _build_it.check_config_round_trip(layer, inputs[0])
    return _build_it.passed("MyDense", ["outputs", "gradients", "config"])


class MyDense(keras.layers.Layer):
    def __init__(self, units, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.units, self.scale = units, scale

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units))
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, inputs):
        return self.scale * (keras.ops.matmul(inputs, self.kernel) + self.bias)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "scale": self.scale}


class NoUnits(MyDense):
    def get_config(self):
        return {**keras.layers.Layer.get_config(self), "scale": self.scale}


class DropsScale(MyDense):
    def get_config(self):
        return {**keras.layers.Layer.get_config(self), "units": self.units}


class BuiltFromItsConfig(MyDense):
    """Its config holds a recipe, not the arguments of __init__: its own from_config reads it."""

    def get_config(self):
        return {**keras.layers.Layer.get_config(self), "recipe": [self.units, self.scale]}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        units, scale = config.pop("recipe")
        return cls(units, scale, **config)


class ForgetsUnits(BuiltFromItsConfig):
    def get_config(self):
        return {**keras.layers.Layer.get_config(self), "scale": self.scale}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class SwappedOrder(MyDense):
    def build(self, input_shape):
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros")
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units))


class BlocksInputGradient(MyDense):
    def call(self, inputs):
        return super().call(keras.ops.stop_gradient(inputs))


@pytest.mark.parametrize("answer, status, words", [
    (MyDense, "correct", "MyDense passes every check: outputs; gradients; config."),
    (SwappedOrder, "correct", "passes every check"),
    (lambda units: MyDense(units, scale=-1.0), "wrong", "the output has its sign flipped."),
    (lambda units: MyDense(units + 1), "wrong", "holds 6 numbers more in its weights than the reference"),
    (NoUnits, "wrong", "config does not round-trip: get_config() leaves out `units`"),
    (BuiltFromItsConfig, "correct", "passes every check"),
    (ForgetsUnits, "wrong", "with from_config(get_config()) raised TypeError: MyDense.__init__() missing 1 required "
                            "positional argument: 'units'. get_config() leaves out `units`, an argument of __init__."),
    (lambda units: DropsScale(units, scale=1.0 + 1e-9), "correct", "passes"),
    (BlocksInputGradient, "wrong", "no gradient flows back to the input"),
    (..., "unattempted", "write `MyDense(units)`"),
    (3, "wrong", "a class or a function"),
])
def test_the_harness_composes_a_checker(answer, status, words):
    verdict = layer_check(answer)
    assert verdict.status == status and words in verdict.message, verdict.message


@checker
def flag_check(layer, **kwargs):
    _build_it.check_training_flag(layer, np.ones((4, 6), dtype="float32"), **kwargs)
    return _verdict.correct("flag")


class AlwaysNoisy(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(1)

    def call(self, inputs, training=None):
        return inputs + keras.random.normal(keras.ops.shape(inputs), seed=self.seed_generator)


class IgnoresFlag(keras.layers.Layer):
    def call(self, inputs, training=None):
        return inputs * 0.5


@pytest.mark.parametrize("layer, kwargs, status, words", [
    (keras.layers.GaussianNoise(0.3, seed=1), {"inference": "identity"}, "correct", "flag"),
    (keras.layers.Dropout(0.5, seed=1), {"inference": "identity"}, "correct", "flag"),
    (AlwaysNoisy(), {}, "wrong", "noise also at inference: two calls with training=False differ by"),
    (IgnoresFlag(), {}, "wrong", "training=True gives the inference output"),
    (IgnoresFlag(), {"inference": "identity", "training": None}, "wrong", "is too small by a factor of 2"),
    (IgnoresFlag(), {"training": "deterministic"}, "correct", "flag"),
])
def test_training_flag(layer, kwargs, status, words):
    verdict = flag_check(layer, **kwargs)
    assert verdict.status == status and words in verdict.message, verdict.message


class CastsToFloat32(keras.layers.Layer):
    def call(self, inputs):
        return keras.ops.cast(inputs, "float32") * 2


@checker
def dtype_check(layer):
    _build_it.check_dtype(layer, np.ones((2, 3)))
    return _verdict.correct("dtype")


def test_dtype():
    assert dtype_check(keras.layers.Dense(2, dtype="float16")).status == "correct"
    verdict = dtype_check(CastsToFloat32(dtype="float16"))
    assert verdict.status == "wrong" and "with dtype='float16' your layer returns float32" in verdict.message


@checker
def training_check(model, target):
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    value = _build_it.check_short_training(model, x, loss="mse", epochs=2, batch_size=32, target=target)
    return _verdict.correct(f"{value:.3f}")


def test_short_training_reports_the_measure_and_its_target():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(4)(inputs))
    verdict = training_check(model, 1e-6)
    assert verdict.status == "wrong" and "your model's training loss is" in verdict.message
    assert "needed: at most 0.0000" in verdict.message
