"""Checkers for the exercises of Chapter 13 (from denoising to diffusion)."""

import math

import numpy as np

from companion.exercises._build_it import (
    build,
    call_layer,
    check_config_round_trip,
    check_dtype,
    check_gradients,
    compare_outputs,
    passed,
)
from companion.exercises._measure import Target, not_a_model, verdict_on
from companion.exercises._verdict import (
    SealedLetters,
    check_letters,
    check_number,
    check_prediction,
    checker,
    end_check,
    learner_code,
    shown,
    validate_measurement,
    wrong,
)

# --- exercise 13.1: the forward process, written by the learner ---

# The checker builds the learner's layer with two schedules, calls it on vectors, images and a single
# example at steps that include the first (0) and the last (T - 1), and compares with the package's
# ForwardDiffusion; it names the usual slips when the output matches one of them; then the gradients
# with respect to x0 and the noise, float16, and the config round trip.
FORWARD_SIGNATURE = "ForwardDiffusion(steps=1000, beta_start=1e-4, beta_end=0.02)"
_SCHEDULES = ((1000, 1e-4, 0.02), (10, 0.01, 0.2))


def _forward_inputs(steps, seed=0):
    """[x0, noise, t] for vectors, images and one example; t holds the first and the last step."""
    rng = np.random.default_rng(seed)
    cases = []
    for shape in ((5, 3), (4, 6, 6, 1), (1, 2)):
        x0, noise = rng.normal(size=(2, *shape)).astype("float32")
        t = rng.integers(0, steps, size=shape[0])
        t[0] = steps - 1
        if shape[0] > 1:
            t[1] = 0
        cases.append([x0, noise, t.astype("int32")])
    return cases


def _slips(steps, beta_start, beta_end):
    """The usual slips, as functions of (x0, noise, t), each with what it changes, in words."""
    betas = np.linspace(beta_start, beta_end, steps)
    alpha_bars = np.cumprod(1 - betas)
    shifted_later = np.append(alpha_bars[1:], alpha_bars[-1] * (1 - betas[-1]))
    shifted_earlier = np.insert(alpha_bars[:-1], 0, 1.0)

    def mix(signal, noise_weight):
        def output(x0, noise, t):
            shape = (-1,) + (1,) * (x0.ndim - 1)
            return signal[t].reshape(shape) * x0 + noise_weight[t].reshape(shape) * noise
        return output

    return [
        (mix(np.sqrt(1 - betas), np.sqrt(betas)),
         "your x_t mixes x0 and the noise with one step's 1 - beta_t, not with the product of 1 - beta_s over "
         "every step up to t: it is noised as if by a single step"),
        (mix(alpha_bars, 1 - alpha_bars),
         "your weights are the variances alpha_bar_t and 1 - alpha_bar_t, not their square roots: the variance "
         "of x_t is then below 1 in the middle of the schedule"),
        (mix(np.sqrt(1 - alpha_bars), np.sqrt(alpha_bars)),
         "signal and noise are swapped: at the first step your x_t is almost all noise"),
        (mix(np.sqrt(shifted_later), np.sqrt(1 - shifted_later)),
         "your step t is one step too far: your output at step t is the reference's at step t + 1"),
        (mix(np.sqrt(shifted_earlier), np.sqrt(1 - shifted_earlier)),
         "your step t is one step behind: your output at step t is the reference's at step t - 1 (the "
         "product includes step t itself)"),
    ]


def _require_no_slip(layer, schedule, what):
    """End the check, naming the slip, when the learner's output is one of the usual slips."""
    from companion.diffusion import ForwardDiffusion

    reference = ForwardDiffusion(*schedule)
    for inputs in _forward_inputs(schedule[0], seed=1):
        got = np.asarray(call_layer(layer, inputs, what=what), dtype="float64")
        expected = np.asarray(reference(inputs), dtype="float64")
        if got.shape != expected.shape or np.allclose(got, expected, rtol=1e-4, atol=1e-5):
            continue
        for slip, words in _slips(*schedule):
            if np.allclose(got, slip(*inputs), rtol=1e-4, atol=1e-5):
                end_check(wrong(f"with steps={schedule[0]}, {words}."))


@checker
def check_forward_diffusion(answer):
    """Exercise 13.1: ``ForwardDiffusion``, the layer that noises clean examples to step ``t``.

    ``answer`` is a ``keras.layers.Layer`` subclass called as
    ``ForwardDiffusion(steps=1000, beta_start=1e-4, beta_end=0.02)`` on
    ``[x0, noise, t]``. The checker builds it with two schedules and compares
    its output with :class:`companion.ForwardDiffusion` on vectors, images and
    a single example, at steps that include the first and the last; when the
    output matches a usual slip (one step's beta instead of the product, the
    variances instead of their square roots, signal and noise swapped, a step
    off by one) the verdict names it. Then the gradients with respect to
    ``x0`` and the noise, float16, and the config round trip.

    Args:
        answer: the learner's class.

    Returns:
        Verdict: what differs, measured, when something does.
    """
    from companion.diffusion import ForwardDiffusion

    for schedule in _SCHEDULES:
        steps, beta_start, beta_end = schedule
        what = f"your layer (steps={steps})"
        layer = build(answer, FORWARD_SIGNATURE, steps=steps, beta_start=beta_start, beta_end=beta_end)
        inputs = _forward_inputs(steps)
        _require_no_slip(layer, schedule, what)
        compare_outputs(layer, ForwardDiffusion(*schedule), inputs, share=False, what=what)
        floats = [inputs[0][0], inputs[0][1], inputs[0][2].astype("float32")]
        compare_outputs(layer, ForwardDiffusion(*schedule), [floats], share=False,
                        what=f"{what}, given t as whole floats,")
        reference = ForwardDiffusion(*schedule)
        reference(floats)  # built, as JAX's stateless call needs
        check_gradients(layer, floats, reference=reference, wrt_inputs=True,
                        what=f"{what} (input 0: x0, input 1: noise)")
        check_config_round_trip(layer, inputs[1], what=what)
    half = build(answer, FORWARD_SIGNATURE, steps=10, beta_start=0.01, beta_end=0.2, dtype="float16")
    x0, noise, t = _forward_inputs(10)[1]
    check_dtype(half, [x0, noise, t.astype("float16")], what="your layer (dtype='float16')")
    return passed("your ForwardDiffusion", [
        "x_t equals the reference's for two schedules, on vectors, images and one example, at the first, "
        "the last and other steps",
        "t may be integers or whole floats",
        "gradients reach x0 and the noise as the reference's do",
        "it computes in float16 when asked",
        "from_config(get_config()) rebuilds it",
    ])


# --- exercise 13.2: true or false ---

_TRUE_STATEMENTS = SealedLetters("ch13.statements", "2482984545541eb370fd988d69ba0d50d820666828db26becc6bcdc19ead938f")
_REREAD = ("The denoiser knows the score", "Many noise levels and Langevin dynamics",
           "DDPM: denoising at every step", "Diffusion in the codes of a VAE", "One yardstick for every generator")
_STATEMENT_EXPLANATIONS = {
    "a": "the best denoiser in squared error is E[x | noisy x], and Tweedie's formula makes that the noisy "
    "input plus sigma squared times the score of the noisy data.",
    "b": "DDIM is another way to run the same trained network: only the sampler changes, not the "
    "training objective.",
    "c": "sqrt(alpha_bar_T) is about 0.006 for the linear schedule of 1,000 steps: what is left of x0 is "
    "far below the noise.",
    "d": "Langevin dynamics moves points along the score and adds noise; the score never needs the "
    "normalising constant, which is what makes it usable.",
    "e": "the autoencoder is trained first and kept fixed; the diffusion model learns the distribution of "
    "its codes, and the same decoder turns the sampled codes into images.",
    "f": "two finite samples of the same distribution still differ: their means and covariances are "
    "estimated with errors, so the distance between two sets of real digits is small but not zero.",
}


@checker
def check_diffusion_statements(answer):
    """Exercise 13.2: which statements on scores, DDPM, DDIM, latent diffusion and the yardstick are true.

    Args:
        answer: a set of letters, e.g. ``{"a", "c"}``.

    Returns:
        Verdict that names no letter when the set is wrong.
    """
    return check_letters(answer, "abcdef", _TRUE_STATEMENTS, _STATEMENT_EXPLANATIONS, _REREAD)


# --- exercise 13.3: when the noise takes over ---

def _first_step_below(values, bound):
    return int(np.argmax(values < bound))


@checker
def check_half_signal_step(answer):
    """Exercise 13.3: the first step of the chapter's schedule at which x_t holds more noise than signal.

    Args:
        answer: the step ``t``, counted from 0, as the chapter counts.

    Returns:
        Verdict.
    """
    from companion.diffusion import linear_schedule, signal_levels

    alpha_bars = signal_levels(linear_schedule(1000))
    step = _first_step_below(alpha_bars, 0.5)
    return check_number(answer, step, 0.0, [
        (_first_step_below(np.sqrt(alpha_bars), 0.5),
         "that is where sqrt(alpha_bar_t), the signal's standard deviation, falls below 1/2. The question "
         "compares variances: alpha_bar_t against 1 - alpha_bar_t."),
        (step + 1, "one step late: count the steps from 0, as the chapter's arrays do (alpha_bars[0] is the "
                   "first step)."),
    ], "alpha_bar_t falls below 1/2 about a quarter of the way through the 1,000 steps: the linear schedule "
       "destroys the signal early, so most steps work on images that are mostly noise.")


# --- exercise 13.4: Langevin without annealing, predicted, then measured ---

LANGEVIN_CHOICES = {
    "a": "the run at one small noise level ends about as close to the true weights as the annealed run "
         "(total variation within 0.05 of it).",
    "b": "it ends farther from the true weights: at a small noise level points cannot cross the empty space "
         "between components, so each component keeps the points that started near it.",
    "c": "it ends closer to the true weights: it spends every update at the level where the score is most "
         "precise.",
}
_SAME_DISTANCE = 0.05  # a share of 2,000 points has a standard error of about 0.01: 0.05 is a clear gap


def langevin_outcome(annealed_distance, plain_distance):
    """The letter of ``LANGEVIN_CHOICES`` that two measured total-variation distances fit.

    Args:
        annealed_distance: total variation between the annealed run's component shares and the weights.
        plain_distance: the same for the run at the smallest noise level only.
    """
    if abs(plain_distance - annealed_distance) <= _SAME_DISTANCE:
        return "a"
    return "b" if plain_distance > annealed_distance else "c"


@checker
def check_langevin_prediction(answer, annealed_distance, plain_distance):
    """Exercise 13.4: the learner's prediction of Langevin dynamics at one small noise level.

    Args:
        answer: the learner's letter, made before the experiment.
        annealed_distance: measured total variation of the annealed run (0 to 1).
        plain_distance: measured total variation of the run at the smallest level only.

    Returns:
        Verdict.
    """
    annealed_distance = validate_measurement(annealed_distance, "annealed_distance",
                                             expected="a total variation in [0, 1]", low=0.0, high=1.0)
    plain_distance = validate_measurement(plain_distance, "plain_distance",
                                          expected="a total variation in [0, 1]", low=0.0, high=1.0)
    measured = (f"Measured: total variation from the true weights {annealed_distance:.3f} for the annealed run, "
                f"{plain_distance:.3f} for the run at the smallest noise level only.")
    return check_prediction(answer, LANGEVIN_CHOICES, langevin_outcome(annealed_distance, plain_distance), measured)


# --- exercise 13.5: a noise predictor for the toy, measured against the true score ---

# Not the chapter's toy: five components on a smaller circle, so that the chapter's trained model is no answer.
EXERCISE_TOY = {"components": 5, "radius": 1.5, "std": 0.15}
TOY_NOISE_STD = 0.1
TOY_POINTS = 2000
TOY_COSINE_TARGET = 0.9
_CHECK_SEED = 13


def _toy_points(noise_std):
    """Noisy points of the exercise's toy, drawn by the checker: where the noised density is not negligible."""
    from companion.diffusion import ring_mixture

    mixture = ring_mixture(**EXERCISE_TOY)
    clean, _ = mixture.sample(TOY_POINTS, seed=_CHECK_SEED)
    noise = np.random.default_rng(_CHECK_SEED + 1).standard_normal(clean.shape)
    return mixture, (clean + noise_std * noise).astype("float32")


def _mean_cosine(model, noise_std):
    """Mean cosine between the score the model implies at ``noise_std`` and the true score."""
    mixture, points = _toy_points(noise_std)
    level = np.full((len(points), 1), math.log(noise_std), dtype="float32")
    with learner_code("calling your model on [points, log(sigma)]"):
        predicted = np.asarray(model.predict([points, level], batch_size=500, verbose=0), dtype="float64")
    if predicted.shape != points.shape:
        end_check(wrong(f"Expected the predicted noise, one 2-D vector per point: shape {points.shape}. "
                        f"Received: shape {predicted.shape}."))
    if not np.all(np.isfinite(predicted)):
        end_check(wrong("your model returned NaN or infinite values: did training diverge?"))
    learned = -predicted / noise_std
    true = mixture.score(points, noise_std)
    norms = np.linalg.norm(learned, axis=1) * np.linalg.norm(true, axis=1)
    return float(np.mean((learned * true).sum(axis=1) / np.maximum(norms, 1e-12)))


@checker
def check_toy_noise_predictor(model):
    """Exercise 13.5: a trained noise predictor for a new toy, at the small noise level sigma = 0.1.

    The checker draws 2,000 points of the toy ``cp.ring_mixture(components=5,
    radius=1.5, std=0.15)``,
    noises them with sigma = 0.1, asks the model for the noise from
    ``[points, log(sigma)]``, turns it into a score (``-eps_hat / sigma``)
    and compares its direction with the true score: the mean cosine must
    reach 0.9.

    Args:
        model: the learner's trained Keras model, inputs ``[x, level]`` with
            ``x`` of shape ``(n, 2)`` and ``level`` of shape ``(n, 1)``.

    Returns:
        Verdict, with the measured cosine next to the target.
    """
    verdict = not_a_model(model, "a noise predictor for the toy")
    if verdict is not None:
        return verdict
    if not hasattr(model, "predict"):
        return wrong(f"Expected a Keras model with inputs [x, level]. Received: {shown(model)} of type "
                     f"{type(model).__name__}.")
    cosine = _mean_cosine(model, TOY_NOISE_STD)
    target = Target("mean cosine with the true score", cosine, TOY_COSINE_TARGET, at_least=True, digits=3)
    if target.met:
        return verdict_on([target], f"on {TOY_POINTS:,} noisy points at sigma = {TOY_NOISE_STD}", "")
    if cosine < -0.5:
        hints = ("It points against the score: does your network predict the noise (x_t - x) / sigma, as the "
                 "chapter's does? A network that predicts the clean point, or -eps, flips the direction.")
    elif _mean_cosine(model, 0.5) > TOY_COSINE_TARGET:
        hints = ("At sigma = 0.5 the same model points the right way: train it on noise levels that reach "
                 "down to 0.1 (and pass log(sigma) as the level), with enough epochs for the steep score "
                 "near each component.")
    else:
        hints = ("Usual causes: too few epochs or points; noise levels in training that do not include 0.1; "
                 "or the level passed as sigma rather than log(sigma).")
    return verdict_on([target], f"on {TOY_POINTS:,} noisy points at sigma = {TOY_NOISE_STD}", hints)
