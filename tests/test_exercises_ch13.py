"""Checkers of Chapter 13."""

import math

import keras
import numpy as np
import pytest
from keras import ops

import companion as cp
from companion.exercises import ch13

# --- 13.1 the forward process, written by the learner ---


def forward_diffusion(weights="sqrt", products=True, shift=0, swap=False, config=("steps", "beta_start", "beta_end"),
                      float32=False):
    """A learner's ForwardDiffusion class, right by default, with one mistake when asked."""

    class ForwardDiffusion(keras.layers.Layer):
        def __init__(self, steps=1000, beta_start=1e-4, beta_end=0.02, **kwargs):
            super().__init__(**kwargs)
            self.steps, self.beta_start, self.beta_end = steps, beta_start, beta_end
            betas = np.linspace(beta_start, beta_end, steps)
            levels = np.cumprod(1 - betas) if products else 1 - betas
            later = np.append(levels[1:], levels[-1] * (1 - betas[-1]))  # t + 1 where t is meant
            earlier = np.insert(levels[:-1], 0, 1.0)  # t - 1
            self.alpha_bars = {0: levels, 1: later, -1: earlier}[shift]

        def call(self, inputs):
            x0, noise, t = inputs
            dtype = "float32" if float32 else x0.dtype
            alpha_bar = ops.take(ops.convert_to_tensor(self.alpha_bars, dtype=dtype), ops.cast(t, "int32"))
            alpha_bar = ops.reshape(alpha_bar, (-1,) + (1,) * (len(x0.shape) - 1))
            signal, rest = (ops.sqrt(alpha_bar), ops.sqrt(1 - alpha_bar)) if weights == "sqrt" \
                else (alpha_bar, 1 - alpha_bar)
            if swap:
                signal, rest = rest, signal
            return signal * ops.cast(x0, dtype) + rest * ops.cast(noise, dtype)

        def get_config(self):
            return {**super().get_config(), **{name: getattr(self, name) for name in config}}

    return ForwardDiffusion


def test_forward_diffusion_accepts_the_solution():
    verdict = ch13.check_forward_diffusion(forward_diffusion())
    assert verdict.status == "correct" and "passes every check" in verdict.message, verdict.message


@pytest.mark.answer_key
def test_forward_diffusion_accepts_the_reference():
    assert ch13.check_forward_diffusion(cp.ForwardDiffusion).status == "correct"


@pytest.mark.parametrize("answer, words", [
    (forward_diffusion(products=False), "with one step's 1 - beta_t, not with the product"),
    (forward_diffusion(weights="variances"), "the variances alpha_bar_t and 1 - alpha_bar_t, not their square roots"),
    (forward_diffusion(swap=True), "signal and noise are swapped"),
    (forward_diffusion(shift=1), "one step too far"),
    (forward_diffusion(shift=-1), "one step behind"),
    (forward_diffusion(config=("steps",)), "config does not round-trip"),
    (forward_diffusion(float32=True), "with dtype='float16' your layer (dtype='float16') returns float32"),
])
def test_forward_diffusion_names_each_mistake(answer, words):
    verdict = ch13.check_forward_diffusion(answer)
    assert verdict.status == "wrong" and words in verdict.message, verdict.message


def test_forward_diffusion_not_attempted_and_not_a_layer():
    class ForwardDiffusion(keras.layers.Layer):
        def __init__(self, steps=1000, beta_start=1e-4, beta_end=0.02, **kwargs):
            super().__init__(**kwargs)
            raise NotImplementedError  # your code here

    assert ch13.check_forward_diffusion(ForwardDiffusion).status == "unattempted"
    assert ch13.check_forward_diffusion(...).status == "unattempted"
    assert ch13.check_forward_diffusion(42).status == "wrong"


def test_a_shape_mistake_is_measured():
    class Flat(forward_diffusion()):
        def call(self, inputs):
            return ops.reshape(super().call(inputs), (-1,))

    verdict = ch13.check_forward_diffusion(Flat)
    assert verdict.status == "wrong" and "shape" in verdict.message, verdict.message


# --- 13.2 and 13.3: statements and a number ---


def test_statements_accept_the_true_set_only():
    assert ch13.check_diffusion_statements({"a", "c"}).status == "correct"
    for wrong_set in ({"a"}, {"a", "b", "c"}, "acf"):
        verdict = ch13.check_diffusion_statements(wrong_set)
        assert verdict.status == "wrong" and "(a)" not in verdict.message.split("\n")[0], verdict.message
    assert ch13.check_diffusion_statements(...).status == "unattempted"


def test_the_half_signal_step_is_computed_from_the_schedule():
    alpha_bars = cp.signal_levels(cp.linear_schedule(1000))
    step = int(np.argmax(alpha_bars < 0.5))
    assert alpha_bars[step] < 0.5 <= alpha_bars[step - 1]
    assert ch13.check_half_signal_step(step).status == "correct"
    standard_deviation_step = int(np.argmax(np.sqrt(alpha_bars) < 0.5))
    verdict = ch13.check_half_signal_step(standard_deviation_step)
    assert verdict.status == "wrong" and "standard deviation" in verdict.message
    assert "one step late" in ch13.check_half_signal_step(step + 1).message
    assert ch13.check_half_signal_step("259").status == "wrong"
    assert ch13.check_half_signal_step(...).status == "unattempted"


# --- 13.4 the prediction ---


@pytest.mark.parametrize("annealed, plain, outcome", [
    (0.05, 0.30, "b"), (0.05, 0.08, "a"), (0.30, 0.05, "c"), (0.10, 0.151, "b")])
def test_the_langevin_outcome_comes_from_the_measurements(annealed, plain, outcome):
    assert ch13.langevin_outcome(annealed, plain) == outcome
    assert ch13.check_langevin_prediction(outcome, annealed, plain).status == "correct"
    other = next(letter for letter in "abc" if letter != outcome)
    verdict = ch13.check_langevin_prediction(other, annealed, plain)
    assert verdict.status == "wrong" and f"{plain:.3f}" in verdict.message


def test_the_langevin_prediction_reads_its_measurements():
    verdict = ch13.check_langevin_prediction("b", 1.5, 0.1)
    assert verdict.status == "wrong" and "annealed_distance" in verdict.message
    assert ch13.check_langevin_prediction(..., 0.1, 0.3).status == "unattempted"


# --- 13.5 a noise predictor for the toy ---


class TrueNoise(keras.layers.Layer):
    """Predicts the noise from the toy's true score: eps = -sigma * score(x), sigma = exp(level)."""

    def __init__(self, sign=1.0, blind_below=None, **kwargs):
        super().__init__(**kwargs)
        self.sign, self.blind_below = sign, blind_below
        mixture = cp.ring_mixture(**ch13.EXERCISE_TOY)
        self.means = ops.convert_to_tensor(mixture.means, "float32")
        self.log_weights = ops.convert_to_tensor(np.log(mixture.weights), "float32")
        self.variance = mixture.std ** 2

    def call(self, inputs):
        x, level = inputs
        sigma = ops.exp(level)
        variance = self.variance + sigma ** 2
        squared = ops.sum((x[:, None, :] - self.means[None]) ** 2, axis=-1)
        weights = ops.softmax(self.log_weights - squared / (2 * variance), axis=-1)
        score = ops.sum(weights[:, :, None] * (self.means[None] - x[:, None, :]), axis=1) / variance
        if self.blind_below is not None:  # below that level, a score that only points to the origin
            score = ops.where(sigma < self.blind_below, -x, score)
        return -self.sign * sigma * score


def toy_model(**kwargs):
    x, level = keras.Input((2,)), keras.Input((1,))
    return keras.Model([x, level], TrueNoise(**kwargs)([x, level]))


def test_the_toy_checker_accepts_the_true_score():
    verdict = ch13.check_toy_noise_predictor(toy_model())
    assert verdict.status == "correct" and "mean cosine with the true score: 1.000" in verdict.message, verdict.message


@pytest.mark.parametrize("kwargs, words", [
    (dict(sign=-1.0), "It points against the score"),
    (dict(blind_below=0.3), "at sigma = 0.5 the same model points the right way"),
])
def test_the_toy_checker_explains_a_miss(kwargs, words):
    verdict = ch13.check_toy_noise_predictor(toy_model(**kwargs))
    assert verdict.status == "wrong" and words.lower() in verdict.message.lower(), verdict.message
    assert "needed: at least 0.900" in verdict.message


def test_the_toy_checker_rejects_other_answers():
    assert ch13.check_toy_noise_predictor(...).status == "unattempted"
    assert ch13.check_toy_noise_predictor("model").status == "wrong"
    x, level = keras.Input((2,)), keras.Input((1,))
    one_number = keras.Model([x, level], keras.layers.Dense(1)(x))
    verdict = ch13.check_toy_noise_predictor(one_number)
    assert verdict.status == "wrong" and "shape (2000, 2)" in verdict.message, verdict.message
    untrained = cp.build_noise_predictor((2,), hidden_sizes=(8,))
    verdict = ch13.check_toy_noise_predictor(untrained)
    assert verdict.status == "wrong" and "Usual causes" in verdict.message, verdict.message
    assert math.isfinite(float(verdict.message.split("cosine with the true score: ")[1].split(";")[0]))
