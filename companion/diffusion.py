"""From denoising to diffusion (Chapter 13): scores, noise schedules, samplers, and one yardstick.

A denoiser trained at noise level ``sigma`` estimates ``E[x | x + sigma*eps]``,
and by Tweedie's formula that estimate is the noisy input plus ``sigma**2``
times the score of the noisy data (Vincent 2011). The package's networks
predict the noise ``eps`` rather than the clean ``x`` (Ho et al. 2020); the
score is then ``-eps_hat / sigma``.

- :class:`GaussianMixture`: a 2-D toy whose noised density and score are known.
- :func:`build_noise_predictor`: a network ``eps(x_t, level)``, dense (for
  points and codes) or a small U-Net (for images).
- :class:`DiffusionModel`: trains such a network with the DDPM loss;
  :func:`ddpm_sample` and :func:`ddim_sample` draw from it.
- :func:`annealed_langevin`: Langevin dynamics from a score, noise level by noise level.
- :func:`build_digit_classifier` and :func:`generator_scores`: the yardstick of
  every generator of the course (confidence, class balance, classifier FID).
"""

import math

import numpy as np
import keras
from keras import ops

from companion import _checks
from companion.inference import call_in_batches

KINDS = ("dense", "unet")


# --- a toy with a known score ---


class GaussianMixture:
    """An equal-variance mixture of Gaussians in any dimension, with its noised density and score.

    Noising a sample with ``N(0, noise_std**2 I)`` gives the same mixture with
    variance ``std**2 + noise_std**2``, so the score of the noisy data,
    ``grad log p(x)``, is known in closed form. Chapter 13's toy.

    Args:
        means: array ``(components, dim)`` of the components' means.
        std: the standard deviation of every component (> 0).
        weights: the mixing weights (None: equal); normalised to sum to 1.

    Raises:
        TypeError, ValueError: for means that are not a 2-D array of finite
            numbers, a ``std`` that is not a number > 0, or weights that are
            not one non-negative number per component with a positive sum.
    """

    def __init__(self, means, std, weights=None):
        means = np.asarray(means, dtype="float64")
        if means.ndim != 2 or not means.size or not np.isfinite(means).all():
            raise ValueError(f"means must be a 2-D array (components, dim) of finite numbers. "
                             f"Received: shape {means.shape}")
        self.means = means
        self.std = _checks.positive_number("std", std)
        weights = np.ones(len(means)) if weights is None else np.asarray(weights, dtype="float64")
        if weights.shape != (len(means),) or (weights < 0).any() or weights.sum() <= 0:
            raise ValueError(f"weights must hold one non-negative number per component ({len(means)}), "
                             f"with a positive sum. Received: {weights.tolist()}")
        self.weights = weights / weights.sum()

    def sample(self, n, *, seed=0):
        """``n`` points and the component each came from: ``(points (n, dim) float32, components (n,))``."""
        n = _checks.positive_int("n", n)
        rng = np.random.default_rng(seed)
        components = rng.choice(len(self.means), size=n, p=self.weights)
        points = self.means[components] + self.std * rng.standard_normal((n, self.means.shape[1]))
        return points.astype("float32"), components

    def _log_terms(self, x, noise_std):
        """log(w_k N(x; mu_k, s^2 I)) for every point and component, and s^2."""
        x = np.asarray(x, dtype="float64")
        variance = self.std**2 + _checks.non_negative_number("noise_std", noise_std) ** 2
        squared = ((x[:, None, :] - self.means[None]) ** 2).sum(axis=-1)
        dim = self.means.shape[1]
        log_terms = np.log(self.weights) - squared / (2 * variance) - dim / 2 * np.log(2 * np.pi * variance)
        return log_terms, variance

    def log_density(self, x, noise_std=0.0):
        """log p(x) of the mixture noised with ``N(0, noise_std**2 I)``, one value per point."""
        log_terms, _ = self._log_terms(x, noise_std)
        return np.logaddexp.reduce(log_terms, axis=1)

    def responsibilities(self, x, noise_std=0.0):
        """p(component | x) under the noised mixture, shape ``(n, components)``."""
        log_terms, _ = self._log_terms(x, noise_std)
        return np.exp(log_terms - np.logaddexp.reduce(log_terms, axis=1, keepdims=True))

    def score(self, x, noise_std=0.0):
        """The score ``grad_x log p(x)`` of the noised mixture, shape ``(n, dim)``."""
        log_terms, variance = self._log_terms(x, noise_std)
        weights = np.exp(log_terms - np.logaddexp.reduce(log_terms, axis=1, keepdims=True))
        x = np.asarray(x, dtype="float64")
        return (weights[:, :, None] * (self.means[None] - x[:, None, :])).sum(axis=1) / variance


def ring_mixture(components=8, radius=2.0, std=0.2):
    """Chapter 13's toy: Gaussians evenly spaced on a circle, component ``k`` of weight proportional to ``k + 1``.

    The unequal weights make the toy a test of a sampler: it must put more
    points in the heavier components, not only near every component.

    Args:
        components: how many Gaussians (>= 2).
        radius: the circle's radius.
        std: each component's standard deviation.

    Returns:
        GaussianMixture: in 2-D.
    """
    components = _checks.positive_int("components", components)
    if components < 2:
        raise ValueError(f"components must be at least 2. Received: components={components}")
    radius = _checks.positive_number("radius", radius)
    angles = 2 * np.pi * np.arange(components) / components
    means = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return GaussianMixture(means, std, weights=np.arange(1, components + 1))


# --- the network: eps(x_t, level) ---


@keras.saving.register_keras_serializable(package="companion")
class LevelEmbedding(keras.layers.Layer):
    """Sines and cosines of a noise level at geometric frequencies (Vaswani et al. 2017; Ho et al. 2020).

    Maps a level of shape ``(batch,)`` or ``(batch, 1)`` to ``(batch, size)``:
    the first half ``sin(level * f_i)``, the second ``cos(level * f_i)``, with
    ``f_i`` from 1 to ``max_frequency``. Levels in ``[0, 1]`` (a step ``t / T``)
    or a few units wide (``log sigma``) are both resolved by the defaults.

    Args:
        size: length of the embedding (even, >= 2).
        max_frequency: the highest frequency (> 1).
    """

    def __init__(self, size=64, max_frequency=1000.0, **kwargs):
        super().__init__(**kwargs)
        self.size = _checks.positive_int("size", size)
        if self.size % 2:
            raise ValueError(f"size must be even (half sines, half cosines). Received: size={size}")
        self.max_frequency = _checks.number("max_frequency", max_frequency, low=1.0, low_open=True)

    def call(self, level):
        level = ops.reshape(ops.cast(level, self.compute_dtype), (-1, 1))
        half = self.size // 2
        exponents = ops.cast(ops.arange(half), self.compute_dtype) / max(half - 1, 1)
        frequencies = ops.exp(exponents * math.log(self.max_frequency))
        angles = level * frequencies[None, :]
        return ops.concatenate([ops.sin(angles), ops.cos(angles)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "max_frequency": self.max_frequency}


def build_noise_predictor(input_shape, *, kind="dense", hidden_sizes=(128, 128), filters=(32, 64),
                          embedding_size=64, max_frequency=1000.0, name="noise_predictor"):
    """Build a network that predicts the noise in ``x_t`` from ``[x_t, level]``.

    ``kind="dense"`` (points and codes): the input, flattened, concatenated with
    the level's embedding, through Dense layers of ``hidden_sizes`` (swish).
    ``kind="unet"`` (images, ``(height, width, channels)``): a small U-Net
    (Ronneberger et al. 2015), as in Ho et al. (2020) but far smaller. Each
    level of ``filters`` has a block of two 3x3 convolutions, to whose first
    output the level's embedding is added, one number per channel; a strided
    convolution halves the map; the way up doubles it (``UpSampling2D``) and
    concatenates the block's output of the same size (the skip connection).
    The last 3x3 convolution starts at zero, so the untrained network predicts
    no noise. Chapter 13.

    Args:
        input_shape: shape of one example, without the batch axis.
        kind: ``"dense"`` or ``"unet"``.
        hidden_sizes: widths of the Dense layers (``kind="dense"``).
        filters: filters of the U-Net's levels, top first (``kind="unet"``).
        embedding_size: length of the level's embedding (even).
        max_frequency: the highest frequency of the embedding (:class:`LevelEmbedding`):
            1000 for a step ``t / T`` of ``T = 1000`` steps (one turn per step),
            about 10 for a level that varies smoothly, such as ``log sigma``.
        name: name of the model.

    Returns:
        keras.Model: inputs ``[x_t, level]`` (``level`` of shape ``(batch, 1)``),
        output the predicted noise, of ``x_t``'s shape.

    Raises:
        TypeError, ValueError: for an unknown ``kind``, sizes that are not
            positive integers, or an image the U-Net cannot halve
            ``len(filters)`` times.
    """
    input_shape = _checks.shape_tuple("input_shape", input_shape)
    _checks.one_of("kind", kind, KINDS)
    x_t = keras.Input(input_shape, name="x_t")
    level = keras.Input((1,), name="level")
    embedding = LevelEmbedding(embedding_size, max_frequency, name="level_embedding")(level)
    embedding = keras.layers.Dense(embedding_size, activation="swish", name="level_dense")(embedding)
    if kind == "dense":
        output = _dense_body(x_t, embedding, _checks.sizes_tuple("hidden_sizes", hidden_sizes))
    else:
        input_shape = _checks.image_shape(input_shape)
        filters = _checks.filters_tuple(filters)
        for side in input_shape[:2]:
            if side % 2 ** len(filters):
                raise ValueError(f"the U-Net halves the image {len(filters)} times, so its height and width "
                                 f"must be multiples of {2 ** len(filters)}. Received: input_shape={input_shape}")
        output = _unet_body(x_t, embedding, filters)
    return keras.Model([x_t, level], output, name=name)


def _dense_body(x_t, embedding, hidden_sizes):
    flat = keras.layers.Flatten(name="flatten")(x_t)
    h = keras.layers.Concatenate(name="with_level")([flat, embedding])
    for index, width in enumerate(hidden_sizes, start=1):
        h = keras.layers.Dense(width, activation="swish", name=f"dense_{index}")(h)
    noise = keras.layers.Dense(flat.shape[-1], name="noise")(h)
    return keras.layers.Reshape(x_t.shape[1:], name="noise_shape")(noise)


def _block(h, embedding, width, name):
    """Two 3x3 convolutions; the level, one number per channel, added after the first."""
    h = keras.layers.Conv2D(width, 3, padding="same", activation="swish", name=f"{name}_conv1")(h)
    shift = keras.layers.Dense(width, name=f"{name}_level")(embedding)
    shift = keras.layers.Reshape((1, 1, width), name=f"{name}_level_map")(shift)
    h = keras.layers.Add(name=f"{name}_add_level")([h, shift])
    return keras.layers.Conv2D(width, 3, padding="same", activation="swish", name=f"{name}_conv2")(h)


def _unet_body(x_t, embedding, filters):
    h = x_t
    skips = []
    for index, width in enumerate(filters, start=1):
        h = _block(h, embedding, width, f"down{index}")
        skips.append(h)
        h = keras.layers.Conv2D(width, 3, strides=2, padding="same", activation="swish", name=f"halve{index}")(h)
    h = _block(h, embedding, filters[-1], "middle")
    for index, (width, skip) in reversed(list(enumerate(zip(filters, skips), start=1))):
        h = keras.layers.UpSampling2D(2, name=f"double{index}")(h)
        h = keras.layers.Concatenate(name=f"skip{index}")([h, skip])
        h = _block(h, embedding, width, f"up{index}")
    return keras.layers.Conv2D(x_t.shape[-1], 3, padding="same", kernel_initializer="zeros", name="noise")(h)


# --- DDPM: the noise schedule, the loss, the samplers ---


def linear_schedule(steps=1000, beta_start=1e-4, beta_end=0.02):
    """The variances ``beta_t`` of Ho et al. (2020), linear from ``beta_start`` to ``beta_end``.

    Returns:
        numpy.ndarray: ``beta_1 ... beta_T``, float64, shape ``(steps,)``.

    Raises:
        TypeError, ValueError: if ``steps`` is not a positive integer or the
            betas are not ``0 < beta_start <= beta_end < 1``.
    """
    steps = _checks.positive_int("steps", steps)
    beta_start = _checks.number("beta_start", beta_start, low=0.0, high=1.0, low_open=True, high_open=True)
    beta_end = _checks.number("beta_end", beta_end, low=beta_start, high=1.0, high_open=True)
    return np.linspace(beta_start, beta_end, steps)


def signal_levels(betas):
    """``alpha_bar_t = prod_{s <= t} (1 - beta_s)``: the share of the data's variance left at step ``t``."""
    return np.cumprod(1.0 - np.asarray(betas, dtype="float64"))


@keras.saving.register_keras_serializable(package="companion")
class ForwardDiffusion(keras.layers.Layer):
    """Noise clean examples to step ``t``: a draw of q(x_t | x_0) (Ho et al. 2020, eq. 4).

    ``layer([x0, noise, t])`` returns ``sqrt(alpha_bar_t) x0 + sqrt(1 -
    alpha_bar_t) noise``, where ``alpha_bar_t`` is the product of ``1 - beta_s``
    over the steps ``s = 0 ... t`` of a linear schedule (:func:`linear_schedule`):
    step 0 is the first, lightest noising, step ``T - 1`` the last. ``t`` holds
    one step per example, shape ``(batch,)``, integers or whole floats. It has
    no weights. Chapter 13 (the learner writes it in Exercise 13.1).

    Args:
        steps: the number of steps ``T``.
        beta_start, beta_end: the ends of the linear schedule.

    Raises:
        TypeError, ValueError: as :func:`linear_schedule`.
    """

    def __init__(self, steps=1000, beta_start=1e-4, beta_end=0.02, **kwargs):
        super().__init__(**kwargs)
        self.alpha_bars = signal_levels(linear_schedule(steps, beta_start, beta_end))
        self.steps, self.beta_start, self.beta_end = steps, beta_start, beta_end

    def call(self, inputs):
        x0, noise, t = inputs
        alpha_bars = ops.convert_to_tensor(self.alpha_bars, dtype=x0.dtype)
        alpha_bar = ops.take(alpha_bars, ops.cast(t, "int32"))
        alpha_bar = ops.reshape(alpha_bar, (-1,) + (1,) * (len(x0.shape) - 1))  # one per example
        return ops.sqrt(alpha_bar) * x0 + ops.sqrt(1.0 - alpha_bar) * noise

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "steps": self.steps, "beta_start": self.beta_start,
                "beta_end": self.beta_end}


@keras.saving.register_keras_serializable(package="companion")
class DiffusionModel(keras.Model):
    """A denoising diffusion model (Ho et al. 2020): a noise predictor trained with the DDPM loss.

    Each training example gets a step ``t`` drawn uniformly from ``0 ... T-1``
    and noise ``eps ~ N(0, I)``; the network sees ``x_t`` (:class:`ForwardDiffusion`)
    and the level ``t / T``, and the loss is the mean squared error between
    ``eps`` and its prediction (Ho et al.'s "simple" objective, their eq. 14).
    ``model(x0)`` returns the predicted noise and adds that loss; train with
    ``compile(optimizer=...)`` and ``fit(x0)`` (``companion.train(model, x0,
    ...)``), with data scaled to about unit variance (images to ``[-1, 1]``).
    Chapter 13.

    Args:
        network: a model from ``[x_t, level]`` to the predicted noise
            (:func:`build_noise_predictor`).
        steps: the number of steps ``T``.
        beta_start, beta_end: the ends of the linear schedule.
        seed: seed of the steps and the noise drawn in training.

    Raises:
        TypeError, ValueError: as :func:`linear_schedule`.
    """

    def __init__(self, network, steps=1000, beta_start=1e-4, beta_end=0.02, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.network = network
        self.forward_diffusion = ForwardDiffusion(steps, beta_start, beta_end, name="forward_diffusion")
        self.betas = linear_schedule(steps, beta_start, beta_end)
        self.alpha_bars = self.forward_diffusion.alpha_bars
        self.steps, self.beta_start, self.beta_end, self.seed = steps, beta_start, beta_end, seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.built = network.built

    def call(self, inputs, training=None):
        t = keras.random.randint((ops.shape(inputs)[0],), 0, self.steps, seed=self.seed_generator)
        noise = keras.random.normal(ops.shape(inputs), dtype=inputs.dtype, seed=self.seed_generator)
        x_t = self.forward_diffusion([inputs, noise, t])
        level = ops.cast(ops.reshape(t, (-1, 1)), inputs.dtype) / self.steps
        predicted = self.network([x_t, level], training=training)
        # Added here, inside call(), the loss reaches every backend's train step.
        self.add_loss(ops.mean(ops.square(ops.cast(noise - predicted, "float32"))))
        return predicted

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        return ops.sum(ops.stack([ops.sum(loss) for loss in self.losses]))

    def get_config(self):
        return {**super().get_config(), "network": keras.saving.serialize_keras_object(self.network),
                "steps": self.steps, "beta_start": self.beta_start, "beta_end": self.beta_end, "seed": self.seed}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        network = keras.saving.deserialize_keras_object(config.pop("network"))
        return cls(network, **config)


def build_diffusion_model(input_shape, *, kind="dense", hidden_sizes=(128, 128), filters=(32, 64),
                          embedding_size=64, steps=1000, beta_start=1e-4, beta_end=0.02, seed=None,
                          name="diffusion"):
    """Build a :class:`DiffusionModel` around a new noise predictor (:func:`build_noise_predictor`).

    The network sees the step as the level ``t / T``, embedded with frequencies
    up to ``T`` (one turn per step). Chapter 13 builds a U-Net on MNIST's
    pixels and a dense one on a VAE's codes.

    Args:
        input_shape: shape of one example, without the batch axis.
        kind, hidden_sizes, filters, embedding_size: the network's, as in
            :func:`build_noise_predictor`.
        steps, beta_start, beta_end: the schedule, as in :func:`linear_schedule`.
        seed: seed of the steps and noise drawn in training.
        name: name of the model; its network is ``model.network``.

    Returns:
        DiffusionModel.

    Raises:
        TypeError, ValueError: as :func:`build_noise_predictor` and :func:`linear_schedule`.
    """
    steps = _checks.positive_int("steps", steps)
    network = build_noise_predictor(input_shape, kind=kind, hidden_sizes=hidden_sizes, filters=filters,
                                    embedding_size=embedding_size, max_frequency=max(float(steps), 2.0))
    return DiffusionModel(network, steps, beta_start, beta_end, seed=seed, name=name)


def _predict_noise(network, x, t, steps):
    level = np.full((len(x), 1), t / steps, dtype="float32")
    return np.asarray(network.predict_on_batch([x, level]), dtype="float64")


def ddpm_sample(model, n, *, seed=0, batch_size=250, clip=None):
    """Draw ``n`` examples by running the reverse process of ``model`` for all its ``T`` steps.

    From ``x_T ~ N(0, I)``, each step takes ``x_{t-1} = (x_t - beta_t /
    sqrt(1 - alpha_bar_t) eps_hat) / sqrt(1 - beta_t) + sqrt(beta_t) z``
    (Ho et al. 2020, Algorithm 2, with ``sigma_t^2 = beta_t``). Chapter 13.

    Args:
        model: a trained :class:`DiffusionModel`.
        n: how many examples.
        seed: seed of the starting noise and of every step's noise.
        batch_size: examples denoised at once.
        clip: ``(low, high)`` to clip the samples to, or None.

    Returns:
        numpy.ndarray ``(n, ...)`` float32, in the model's data scale.
    """
    return _sample(model, n, seed, batch_size, clip, _ddpm_batch)


def ddim_sample(model, n, *, steps=50, seed=0, batch_size=250, clip=None):
    """Draw ``n`` examples with the deterministic DDIM sampler (Song, Meng and Ermon 2021, eq. 12, sigma = 0).

    It visits ``steps`` of the model's ``T`` steps, evenly spaced; at each, the
    predicted noise gives an estimate of ``x_0``, and the next ``x`` is that
    estimate noised to the next level with the same predicted noise. The
    starting noise is the only randomness. Chapter 13.

    Args:
        model: a trained :class:`DiffusionModel`.
        n: how many examples.
        steps: how many of the model's steps to visit (1 ... T).
        seed: seed of the starting noise.
        batch_size: examples denoised at once.
        clip: ``(low, high)`` to clip the samples to, or None.

    Returns:
        numpy.ndarray ``(n, ...)`` float32, in the model's data scale.
    """
    steps = _checks.positive_int("steps", steps)
    if steps > model.steps:
        raise ValueError(f"steps must be at most the model's {model.steps}. Received: steps={steps}")
    visited = np.unique(np.linspace(0, model.steps - 1, steps).round().astype(int))[::-1]
    return _sample(model, n, seed, batch_size, clip, lambda *args: _ddim_batch(*args, visited))


def _sample(model, n, seed, batch_size, clip, sample_batch):
    if not isinstance(model, DiffusionModel):
        raise TypeError(f"model must be a companion.DiffusionModel. Received: {type(model).__name__}")
    n = _checks.positive_int("n", n)
    batch_size = _checks.positive_int("batch_size", batch_size)
    rng = np.random.default_rng(seed)
    shape = tuple(model.network.inputs[0].shape[1:])
    batches = [sample_batch(model, rng, (min(batch_size, n - start),) + shape) for start in range(0, n, batch_size)]
    samples = np.concatenate(batches).astype("float32")
    return samples if clip is None else np.clip(samples, *clip)


def _ddpm_batch(model, rng, shape):
    x = rng.standard_normal(shape)
    for t in range(model.steps - 1, -1, -1):
        beta, alpha_bar = model.betas[t], model.alpha_bars[t]
        noise = _predict_noise(model.network, x.astype("float32"), t, model.steps)
        x = (x - beta / np.sqrt(1 - alpha_bar) * noise) / np.sqrt(1 - beta)
        if t > 0:
            x += np.sqrt(beta) * rng.standard_normal(shape)
    return x


def _ddim_batch(model, rng, shape, visited):
    x = rng.standard_normal(shape)
    for index, t in enumerate(visited):
        alpha_bar = model.alpha_bars[t]
        noise = _predict_noise(model.network, x.astype("float32"), t, model.steps)
        x0 = (x - np.sqrt(1 - alpha_bar) * noise) / np.sqrt(alpha_bar)
        following = model.alpha_bars[visited[index + 1]] if index + 1 < len(visited) else 1.0
        x = np.sqrt(following) * x0 + np.sqrt(1 - following) * noise
    return x


# --- Langevin dynamics ---


def annealed_langevin(score, noise_levels, start, *, steps_per_level=100, step_scale=0.1, seed=0):
    """Annealed Langevin dynamics (Song and Ermon 2019, Algorithm 1), from the largest noise level down.

    At level ``sigma_i`` the step is ``alpha_i = step_scale * sigma_i**2 /
    sigma_L**2`` and each update is ``x += alpha_i / 2 * score(x, sigma_i) +
    sqrt(alpha_i) * z``. Chapter 13.

    Args:
        score: a function ``(x, sigma) -> grad log p_sigma(x)``, arrays ``(n, ...)``.
        noise_levels: the levels ``sigma_1 > ... > sigma_L``.
        start: the starting points, array ``(n, ...)``.
        steps_per_level: updates at each level.
        step_scale: ``epsilon`` of Song and Ermon, the step at the last level.
        seed: seed of the injected noise.

    Returns:
        numpy.ndarray: the final points, float32, of ``start``'s shape.

    Raises:
        TypeError, ValueError: for noise levels that are not positive and
            decreasing, or steps and step scale that are not positive.
    """
    levels = np.asarray(noise_levels, dtype="float64")
    if levels.ndim != 1 or not levels.size or (levels <= 0).any() or (np.diff(levels) >= 0).any():
        raise ValueError(f"noise_levels must be positive and decreasing. Received: {levels.tolist()}")
    steps_per_level = _checks.positive_int("steps_per_level", steps_per_level)
    step_scale = _checks.positive_number("step_scale", step_scale)
    rng = np.random.default_rng(seed)
    x = np.array(start, dtype="float64")
    for sigma in levels:
        step = step_scale * sigma**2 / levels[-1] ** 2
        for _ in range(steps_per_level):
            x = x + step / 2 * np.asarray(score(x, sigma)) + np.sqrt(step) * rng.standard_normal(x.shape)
    return x.astype("float32")


def learned_score(network, x, sigma):
    """The score that a noise predictor implies at noise level ``sigma``: ``-eps_hat(x, log sigma) / sigma``.

    For a network trained to predict ``eps`` from ``x + sigma * eps`` and the
    level ``log(sigma)``, by Tweedie's formula. Chapter 13.
    """
    sigma = _checks.positive_number("sigma", sigma)
    x = np.asarray(x, dtype="float32")
    level = np.full((len(x), 1), math.log(sigma), dtype="float32")
    # predict_on_batch compiles once: Langevin dynamics calls it hundreds of times
    return -np.asarray(network.predict_on_batch([x, level]), dtype="float64") / sigma


# --- one yardstick for every generator ---


def build_digit_classifier(input_shape=(28, 28), *, feature_size=128, seed=None, name="digit_classifier"):
    """A small dense classifier of digits whose penultimate layer, ``features``, gives the classifier FID.

    Flatten, Dense(256, ReLU), Dense(``feature_size``, ReLU) named
    ``features``, Dense(10, softmax). Chapters 12 and 13 train it on real digits.

    Returns:
        keras.Model: images to class probabilities; ``model.get_layer("features")``.
    """
    input_shape = _checks.shape_tuple("input_shape", input_shape)
    feature_size = _checks.positive_int("feature_size", feature_size)
    initializer = keras.initializers.GlorotUniform(seed=seed)
    return keras.Sequential([
        keras.Input(input_shape),
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(256, activation="relu", kernel_initializer=initializer, name="hidden"),
        keras.layers.Dense(feature_size, activation="relu", kernel_initializer=initializer, name="features"),
        keras.layers.Dense(10, activation="softmax", kernel_initializer=initializer, name="probabilities"),
    ], name=name)


def frechet_distance(features_a, features_b):
    """The Fréchet distance between Gaussians fitted to two sets of features (Heusel et al. 2017).

    ``|mu_a - mu_b|^2 + Tr(C_a + C_b - 2 (C_a C_b)^(1/2))``, the distance of
    FID, here on any features. Chapter 13.

    Raises:
        ValueError: unless both are 2-D arrays of the same width with at least two rows each.
    """
    a, b = (np.asarray(features, dtype="float64") for features in (features_a, features_b))
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or min(len(a), len(b)) < 2:
        raise ValueError(f"features must be two 2-D arrays (n, width) of one width, n >= 2. "
                         f"Received: shapes {a.shape} and {b.shape}")
    covariance_a, covariance_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # Tr (C_a C_b)^(1/2) = Tr (S C_b S)^(1/2) with S = C_a^(1/2): the square roots of
    # the eigenvalues of a symmetric matrix, which rounding cannot make complex
    values, vectors = np.linalg.eigh(covariance_a)
    root_a = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    middle = np.linalg.eigvalsh(root_a @ covariance_b @ root_a)
    trace_root = np.sqrt(np.clip(middle, 0, None)).sum()
    difference = a.mean(axis=0) - b.mean(axis=0)
    return float(difference @ difference + np.trace(covariance_a) + np.trace(covariance_b) - 2 * trace_root)


def generator_scores(classifier, samples, real_images):
    """How a classifier of real digits reads generated ones: the course's yardstick (Chapters 12 and 13).

    Args:
        classifier: a model from :func:`build_digit_classifier`, trained.
        samples: generated images, ``(n, 28, 28)`` or ``(n, 28, 28, 1)``, in [0, 1].
        real_images: real test digits of the same shape, the reference of the
            Fréchet distance.

    Returns:
        dict: ``"mean top probability"`` (the classifier's confidence),
        ``"class entropy (bits)"`` of the histogram of the predicted classes
        (log2 10 = 3.32 when every digit is equally common), ``"smallest class
        share"`` and ``"largest class share"``, and ``"classifier FID"``: the
        Fréchet distance between the penultimate features of the samples and
        of ``real_images``.
    """
    shape = tuple(classifier.inputs[0].shape[1:])
    samples, real_images = (np.asarray(images, dtype="float32").reshape((-1,) + shape)
                            for images in (samples, real_images))
    features = keras.Model(classifier.inputs[0], [classifier.get_layer("features").output, classifier.outputs[0]])
    sample_features, probabilities = call_in_batches(features, samples)
    real_features, _ = call_in_batches(features, real_images)
    shares = np.bincount(probabilities.argmax(axis=1), minlength=10) / len(samples)
    present = shares[shares > 0]
    return {
        "mean top probability": float(probabilities.max(axis=1).mean()),
        "class entropy (bits)": float(-(present * np.log2(present)).sum()),
        "smallest class share": float(shares.min()),
        "largest class share": float(shares.max()),
        "classifier FID": frechet_distance(sample_features, real_features),
    }
