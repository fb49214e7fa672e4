"""Chapter 13: the toy's known score, the noise predictors, DDPM and DDIM, Langevin dynamics, the yardstick."""

import math

import keras
import numpy as np
import pytest

import companion as cp


def to_numpy(tensor):
    return keras.ops.convert_to_numpy(tensor)


def two_gaussians(**kwargs):
    return cp.GaussianMixture([[-2.0, 0.0], [2.0, 0.0]], 0.5, **kwargs)


# --- the toy ---


def test_the_mixture_score_is_the_gradient_of_its_log_density():
    mixture = cp.GaussianMixture([[0.0, 0.0], [2.0, 1.0], [-1.0, 2.0]], 0.4, weights=[1, 2, 3])
    points = np.random.default_rng(0).normal(size=(20, 2))
    step = 1e-5
    for noise_std in (0.0, 0.7):
        numeric = np.stack([(mixture.log_density(points + step * unit, noise_std)
                             - mixture.log_density(points - step * unit, noise_std)) / (2 * step)
                            for unit in np.eye(2)], axis=1)
        np.testing.assert_allclose(mixture.score(points, noise_std), numeric, rtol=1e-5, atol=1e-6)


def test_noising_the_mixture_widens_its_components():
    """One component: the noised density is N(mean, std^2 + noise^2), whose score is -(x - mean) / variance."""
    mixture = cp.GaussianMixture([[1.0, -1.0]], 0.6)
    x = np.array([[3.0, 0.5]])
    np.testing.assert_allclose(mixture.score(x, 0.8), -(x - [1.0, -1.0]) / (0.36 + 0.64))


def test_samples_follow_the_weights_and_the_spread():
    mixture = two_gaussians(weights=[1, 3])
    points, components = mixture.sample(20_000, seed=1)
    assert points.dtype == np.float32 and points.shape == (20_000, 2)
    # the share of a Bernoulli(0.75) from 20,000 draws has a standard error of 0.003
    assert abs(components.mean() - 0.75) < 0.015
    spread = points[components == 1] - [2.0, 0.0]
    np.testing.assert_allclose(spread.std(axis=0), [0.5, 0.5], rtol=0.05)
    np.testing.assert_array_equal(mixture.sample(5, seed=3)[0], mixture.sample(5, seed=3)[0])
    assert (mixture.responsibilities(points[:100]).argmax(axis=1) == components[:100]).mean() > 0.95


@pytest.mark.parametrize("kwargs, message", [
    (dict(means=[0.0, 1.0], std=1.0), "means must be a 2-D array"),
    (dict(means=[[0.0]], std=0.0), "std"),
    (dict(means=[[0.0], [1.0]], std=1.0, weights=[1.0]), "one non-negative number per component"),
    (dict(means=[[0.0], [1.0]], std=1.0, weights=[1.0, -1.0]), "non-negative"),
])
def test_a_wrong_mixture_says_what_was_expected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        cp.GaussianMixture(**kwargs)


# --- the noise predictors ---


def test_the_level_embedding_is_sines_then_cosines():
    layer = cp.LevelEmbedding(6, max_frequency=100.0)
    levels = np.array([[0.0], [0.5]], dtype="float32")
    frequencies = np.geomspace(1.0, 100.0, 3)
    expected = np.concatenate([np.sin(levels * frequencies), np.cos(levels * frequencies)], axis=1)
    # float32 angles up to 50 radians are rounded by up to 50 * 2**-24 = 3e-6
    np.testing.assert_allclose(to_numpy(layer(levels)), expected, atol=1e-5)
    with pytest.raises(ValueError, match="size must be even"):
        cp.LevelEmbedding(5)
    with pytest.raises(ValueError, match="max_frequency"):
        cp.LevelEmbedding(4, max_frequency=1.0)


@pytest.mark.parametrize("kind, shape, options", [
    ("dense", (3,), dict(hidden_sizes=(8, 8))),
    ("unet", (8, 8, 2), dict(filters=(4, 8))),
])
def test_a_noise_predictor_maps_x_t_and_level_to_noise_of_x_t_shape(kind, shape, options):
    network = cp.build_noise_predictor(shape, kind=kind, embedding_size=8, **options)
    x = np.random.default_rng(0).normal(size=(5, *shape)).astype("float32")
    level = np.linspace(0, 1, 5, dtype="float32")[:, None]
    output = to_numpy(network([x, level]))
    assert output.shape == (5, *shape)
    if kind == "unet":  # the last convolution starts at zero: no noise predicted before training
        assert not output.any()
        network.get_layer("noise").kernel.assign(np.ones(network.get_layer("noise").kernel.shape))
    # the level changes the prediction: the network is told how noisy x_t is
    other = to_numpy(network([x, level[::-1]]))
    assert not np.allclose(to_numpy(network([x, level])), other)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(input_shape=(6, 6, 1), kind="unet", filters=(2, 4)), ValueError, "multiples of 4"),
    (dict(input_shape=(4,), kind="conv"), ValueError, "kind"),
    (dict(input_shape=(4,), hidden_sizes=(0,)), ValueError, "hidden_sizes"),
    (dict(input_shape=(4,), embedding_size=3), ValueError, "even"),
])
def test_wrong_noise_predictor_arguments_raise_clear_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        cp.build_noise_predictor(**kwargs)


# --- the forward process and the DDPM loss ---


def test_the_schedule_and_the_signal_levels():
    betas = cp.linear_schedule(1000)
    assert betas.shape == (1000,) and betas[0] == pytest.approx(1e-4) and betas[-1] == pytest.approx(0.02)
    alpha_bars = cp.signal_levels(betas)
    assert alpha_bars[0] == pytest.approx(1 - 1e-4)
    assert np.all(np.diff(alpha_bars) < 0)
    # Ho et al. (2020) chose the schedule so that x_T is almost pure noise
    assert alpha_bars[-1] < 1e-4
    with pytest.raises(ValueError, match="beta_end"):
        cp.linear_schedule(10, 0.1, 0.05)
    with pytest.raises(ValueError, match="steps"):
        cp.linear_schedule(0)


def test_forward_diffusion_mixes_signal_and_noise_at_each_examples_step():
    layer = cp.ForwardDiffusion(10, 0.01, 0.2)
    alpha_bars = cp.signal_levels(cp.linear_schedule(10, 0.01, 0.2))
    rng = np.random.default_rng(0)
    x0, noise = rng.normal(size=(2, 3, 4, 4, 1)).astype("float32")
    t = np.array([0, 4, 9])
    expected = (np.sqrt(alpha_bars[t])[:, None, None, None] * x0
                + np.sqrt(1 - alpha_bars[t])[:, None, None, None] * noise)
    np.testing.assert_allclose(to_numpy(layer([x0, noise, t])), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(to_numpy(layer([x0, noise, t.astype("float32")])), expected, rtol=1e-5, atol=1e-6)
    assert cp.ForwardDiffusion.from_config(layer.get_config()).get_config() == layer.get_config()


def test_the_ddpm_loss_is_the_error_of_the_predicted_noise():
    """An untrained U-Net predicts zero noise: the loss is then the mean square of the drawn noise, about 1."""
    model = cp.build_diffusion_model((8, 8, 1), kind="unet", filters=(4,), steps=50, seed=3)
    x0 = np.random.default_rng(0).uniform(-1, 1, size=(64, 8, 8, 1)).astype("float32")
    predicted = to_numpy(model(x0))
    assert predicted.shape == x0.shape and not predicted.any()
    loss = float(to_numpy(model.losses[0]))
    # the mean of 4,096 squares of N(0, 1) draws: 1 within a few standard errors (sqrt(2 / 4096) = 0.022)
    assert abs(loss - 1.0) < 0.1


def test_a_diffusion_model_learns_to_predict_the_noise():
    """On codes that all sit at one point, the noise is x_t's only variation: the loss falls well below 1."""
    cp.seed_everything(0)
    codes = np.full((512, 2), 0.5, dtype="float32")
    model = cp.build_diffusion_model((2,), hidden_sizes=(32, 32), steps=100, seed=1)
    history = cp.train(model, codes, epochs=15, batch_size=64, learning_rate=3e-3)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


def test_a_diffusion_model_saves_and_loads(tmp_path):
    model = cp.build_diffusion_model((3,), hidden_sizes=(8,), steps=20, beta_end=0.1, seed=2, name="toy")
    x = np.ones((4, 3), dtype="float32")
    level = np.full((4, 1), 0.5, dtype="float32")
    before = to_numpy(model.network([x, level]))
    model.save(tmp_path / "d.keras")
    loaded = keras.saving.load_model(tmp_path / "d.keras")
    assert isinstance(loaded, cp.DiffusionModel) and (loaded.steps, loaded.beta_end) == (20, 0.1)
    np.testing.assert_array_equal(to_numpy(loaded.network([x, level])), before)


# --- the samplers ---


class ExactNoise(keras.layers.Layer):
    """The best noise predictor for data that is one point ``c``: eps = (x_t - sqrt(ab) c) / sqrt(1 - ab)."""

    def __init__(self, point, alpha_bars, steps, **kwargs):
        super().__init__(**kwargs)
        self.point, self.alpha_bars, self.steps = point, alpha_bars, steps

    def call(self, inputs):
        x_t, level = inputs
        t = keras.ops.cast(keras.ops.round(level[:, 0] * self.steps), "int32")
        alpha_bar = keras.ops.take(keras.ops.convert_to_tensor(self.alpha_bars, "float32"), t)[:, None]
        return (x_t - keras.ops.sqrt(alpha_bar) * self.point) / keras.ops.sqrt(1 - alpha_bar)

    def compute_output_shape(self, input_shape):
        return input_shape[0]


def exact_model(point, steps=100):
    model = cp.build_diffusion_model((2,), hidden_sizes=(4,), steps=steps, beta_end=0.05)
    x_t, level = keras.Input((2,)), keras.Input((1,))
    model.network = keras.Model([x_t, level], ExactNoise(point, model.alpha_bars, steps)([x_t, level]))
    return model


def test_both_samplers_land_on_the_data_when_the_noise_is_predicted_exactly():
    point = np.array([0.7, -0.3], dtype="float32")
    model = exact_model(point)
    ddim = cp.ddim_sample(model, 6, steps=10, seed=0, batch_size=4)
    np.testing.assert_allclose(ddim, np.tile(point, (6, 1)), atol=1e-4)
    ddpm = cp.ddpm_sample(model, 6, seed=0)
    # the last step adds no noise, and every earlier step's noise is pulled back to the point
    np.testing.assert_allclose(ddpm, np.tile(point, (6, 1)), atol=1e-3)
    np.testing.assert_array_equal(cp.ddim_sample(model, 3, steps=10, seed=5), cp.ddim_sample(model, 3, steps=10, seed=5))
    assert cp.ddim_sample(model, 3, steps=10, seed=0, clip=(0.0, 0.5)).max() <= 0.5


def test_sampler_arguments_are_checked():
    model = exact_model(np.zeros(2, dtype="float32"), steps=20)
    with pytest.raises(ValueError, match="at most the model's 20"):
        cp.ddim_sample(model, 2, steps=21)
    with pytest.raises(TypeError, match="DiffusionModel"):
        cp.ddpm_sample(model.network, 2)
    with pytest.raises(ValueError, match="n"):
        cp.ddim_sample(model, 0, steps=5)


# --- Langevin dynamics and the learned score ---


def test_annealed_langevin_with_the_true_score_samples_the_mixture():
    mixture = two_gaussians(weights=[1, 3])
    start = np.random.default_rng(0).uniform(-4, 4, size=(2000, 2))
    samples = cp.annealed_langevin(mixture.score, np.geomspace(2.0, 0.05, 30), start, steps_per_level=100,
                                   step_scale=5e-4, seed=1)
    shares = mixture.responsibilities(samples).mean(axis=0)
    # a share of 2,000 draws has a standard error of 0.01: within three of them
    np.testing.assert_allclose(shares, [0.25, 0.75], atol=0.03)
    spread = samples[samples[:, 0] > 0] - [2.0, 0.0]
    np.testing.assert_allclose(spread.std(axis=0), [0.5, 0.5], rtol=0.15)


def test_langevin_levels_must_decrease():
    with pytest.raises(ValueError, match="decreasing"):
        cp.annealed_langevin(lambda x, s: -x, [0.1, 1.0], np.zeros((2, 2)))


def test_the_learned_score_of_a_noise_predictor_is_minus_its_noise_over_sigma():
    x_t, level = keras.Input((2,)), keras.Input((1,))
    # a "network" that predicts eps = x * exp(level) = x * sigma: the score is -x
    network = keras.Model([x_t, level], keras.layers.Multiply()([x_t, keras.layers.Activation("exponential")(level)]))
    x = np.array([[1.0, -2.0], [0.5, 0.0]], dtype="float32")
    np.testing.assert_allclose(cp.learned_score(network, x, 0.3), -x, rtol=1e-5)


# --- the yardstick ---


def test_the_frechet_distance_of_two_gaussians():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(20_000, 2))
    b = rng.normal(size=(20_000, 2)) * [2.0, 1.0] + [1.0, 0.0]
    # |mu_a - mu_b|^2 + sum (s_a - s_b)^2 for diagonal covariances: 1 + (1 - 2)^2
    assert cp.frechet_distance(a, b) == pytest.approx(2.0, abs=0.05)
    assert cp.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)
    with pytest.raises(ValueError, match="one width"):
        cp.frechet_distance(a, b[:, :1])


def test_the_generator_scores_read_confidence_balance_and_distance():
    classifier = cp.build_digit_classifier((4, 4), feature_size=8, seed=0)
    assert classifier.get_layer("features").units == 8
    rng = np.random.default_rng(1)
    real = rng.uniform(size=(300, 4, 4)).astype("float32")
    scores = cp.generator_scores(classifier, real[:150], real[150:])
    assert set(scores) == {"mean top probability", "class entropy (bits)", "smallest class share",
                           "largest class share", "classifier FID"}
    assert 0.1 <= scores["mean top probability"] <= 1.0
    assert 0.0 <= scores["class entropy (bits)"] <= math.log2(10) + 1e-9
    assert scores["smallest class share"] <= 0.1 <= scores["largest class share"]
    blank = cp.generator_scores(classifier, np.zeros((150, 4, 4, 1)), real[150:])
    # identical images: one class, no entropy, and further from real images than other real images
    assert blank["class entropy (bits)"] == 0.0 and blank["largest class share"] == 1.0
    assert blank["classifier FID"] > scores["classifier FID"]
