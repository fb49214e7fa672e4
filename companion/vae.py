"""The variational autoencoder of Chapter 9: sampling layer, KL term, model and builder.

Everything here uses the backend-neutral Keras 3 API (``keras.ops``,
``keras.random``): the model trains with ``fit`` on TensorFlow, JAX or PyTorch,
because the loss is computed in :meth:`VAE.compute_loss` rather than in a
backend-specific ``train_step``.
"""

import math

import numpy as np

import keras
from keras import ops

from companion import _checks
from companion.inference import DEFAULT_BATCH_SIZE, call_in_batches
from companion.conv import DECODERS, check_divisible, downsample, upsample
from companion.models import Autoencoder, dense_reconstruction, dense_tower, flat_image_input

KINDS = ("dense", "conv")
HIDDEN_ACTIVATIONS = ("relu", "tanh")  # of the dense VAE's hidden layers (Burda et al. 2016 used tanh)
ACTIVE_UNIT_THRESHOLD = 0.01  # Burda et al. (2016): a unit is active when Cov_x(E_q[u]) exceeds it


def kl_per_unit(z_mean, z_log_var):
    """KL divergence from the prior N(0, 1) to the encoder's N(mean, exp(log_var)), unit by unit.

    The closed form for one Gaussian unit of the code:
    ``-1/2 * (1 + log_var - mean**2 - exp(log_var))`` (Kingma & Welling 2014,
    appendix B). Chapter 9b reads it unit by unit to find collapsed units, and
    :class:`FreeBitsVAE` lets each unit's first nats cost nothing.

    Args:
        z_mean: tensor or array of shape ``(batch, code_size)``.
        z_log_var: log-variances, same shape.

    Returns:
        A tensor of the same shape: the KL of each unit of each example, in nats
        (float32 at least, also for the float16 codes of mixed precision).
    """
    z_mean, z_log_var = _at_least_float32(z_mean, z_log_var)
    return -0.5 * (1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))


def kl_divergence(z_mean, z_log_var):
    """KL divergence from the prior N(0, I) to the encoder's N(mean, diag(exp(log_var))).

    :func:`kl_per_unit` summed over the latent dimensions (the units of a
    diagonal Gaussian are independent). Used by :class:`VAE` (Chapter 9).

    Args:
        z_mean: tensor or array of shape ``(batch, code_size)``.
        z_log_var: log-variances, same shape.

    Returns:
        A tensor of shape ``(batch,)``: the KL of each example, in nats
        (float32 at least, also for the float16 codes of mixed precision).
    """
    return ops.sum(kl_per_unit(z_mean, z_log_var), axis=-1)


def bernoulli_reconstruction_loss(x, x_hat):
    """Negative log-likelihood of binary ``x`` under independent Bernoulli pixels ``x_hat``.

    The binary cross-entropy summed over every value of one example (Chapter 9).
    For grey levels in (0, 1) it is a loss and no likelihood (Chapter 9b), and it
    is not zero even when ``x_hat == x``: its floor is the entropy of the targets.

    Args:
        x: targets in [0, 1], shape ``(batch, ...)``.
        x_hat: predicted probabilities in [0, 1], same shape.

    Returns:
        A tensor of shape ``(batch,)``, in nats (float32 at least, also for
        the float16 outputs of mixed precision).
    """
    x, x_hat = _at_least_float32(x, x_hat)
    per_value = ops.binary_crossentropy(x, x_hat)
    return ops.sum(ops.reshape(per_value, (ops.shape(per_value)[0], -1)), axis=-1)


def _at_least_float32(*tensors):
    """The tensors cast to one float type of at least 32 bits: losses summed in float16 overflow."""
    tensors = [ops.convert_to_tensor(tensor) for tensor in tensors]
    dtype = keras.backend.result_type(*(tensor.dtype for tensor in tensors), "float32")
    return [ops.cast(tensor, dtype) for tensor in tensors]


@keras.saving.register_keras_serializable(package="companion")
class Sampling(keras.layers.Layer):
    """Draw ``z = mean + exp(log_var / 2) * eps`` with ``eps ~ N(0, I)``.

    The reparameterisation trick (Chapter 9): the randomness is in ``eps``, so
    gradients flow to the mean and the log-variance. The noise comes from a
    ``keras.random.SeedGenerator``: a layer made with a seed gives the same draws
    in every run.

    Args:
        seed: integer seed of the noise (None: drawn from Keras' global seed).
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        # noise of the means' dtype (float16 under mixed precision)
        eps = keras.random.normal(
            ops.shape(z_mean), dtype=z_mean.dtype, seed=self.seed_generator
        )
        return z_mean + ops.exp(0.5 * z_log_var) * eps

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


@keras.saving.register_keras_serializable(package="companion")
class VAE(Autoencoder):
    """A variational autoencoder: Gaussian encoder, sampling, Bernoulli decoder.

    ``model.encoder(x)`` returns ``[z_mean, z_log_var]``; ``model.decoder(z)``
    returns pixel probabilities; ``model(x)`` encodes, samples ``z`` and decodes
    (it samples in evaluation and prediction too, so that ``evaluate`` estimates
    the ELBO). Train it with ``compile(optimizer=...)`` and ``fit(x)``, without
    targets. The loss of one image is ``reconstruction + beta * KL``, in nats,
    which for ``beta=1`` is the negative ELBO (Chapter 9); a subclass may change
    the weight of the KL as training goes on (:meth:`kl_weight`), or how the KL
    of a batch is charged (:meth:`kl_term`). ``fit`` and
    ``evaluate`` report ``loss``, ``reconstruction_loss`` and ``kl_loss``, each
    averaged over images.

    Args:
        encoder: a model from images to ``[z_mean, z_log_var]``.
        decoder: a model from codes to images of probabilities.
        beta: weight of the KL term (1: the ELBO; Higgins et al. 2017 vary it;
            0 leaves a plain autoencoder with noisy codes).
        seed: seed of the :class:`Sampling` layer.

    Raises:
        TypeError, ValueError: if ``beta`` is not a finite number >= 0.
    """

    metric_names = ("loss", "reconstruction_loss", "kl_loss")

    def __init__(self, encoder, decoder, beta=1.0, seed=None, **kwargs):
        super().__init__(encoder, decoder, **kwargs)
        self.beta = _checks.non_negative_number("beta", beta)
        self.seed = seed
        self.sampling = Sampling(seed=seed, name="sampling")
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_tracker = keras.metrics.Mean(name="kl_loss")

    def call(self, inputs, training=None):
        z_mean, z_log_var = self.encoder(inputs, training=training)
        codes = self.sampling([z_mean, z_log_var])
        # Added here, inside call(), the KL reaches every backend's train step.
        self.add_loss(self.kl_term(z_mean, z_log_var))
        return self.decoder(codes, training=training)

    def kl_term(self, z_mean, z_log_var):
        """The KL term of a batch, which ``call()`` adds to the loss.

        The mean over the batch of :func:`kl_divergence`. A subclass may
        charge it otherwise, as :class:`FreeBitsVAE` does.
        """
        return ops.mean(kl_divergence(z_mean, z_log_var))

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        reconstruction = bernoulli_reconstruction_loss(x, y_pred)
        # The model's own loss, added in call(), comes first; any others
        # come from its layers (regularisers), added without the weight beta.
        kl, *other_losses = self.losses
        self.reconstruction_tracker.update_state(reconstruction)
        batch_size = ops.shape(reconstruction)[0]
        self.kl_tracker.update_state(kl, sample_weight=batch_size)
        total = ops.mean(reconstruction) + self.kl_weight() * kl
        for loss in other_losses:
            total = total + ops.sum(loss)
        return total

    def kl_weight(self):
        """The weight of the KL term in the loss: ``beta``.

        A subclass may return a tensor that changes as training goes on, such
        as a KL warm-up that raises it from 0 to ``beta`` over the first updates
        (Chapter 9b). Compute it from the model's own variables (a step counter
        kept with ``add_weight(trainable=False)``, say): on JAX the loss is
        computed from the model's variables alone, and reading the optimizer's
        ``iterations`` there fails.
        """
        return self.beta

    def get_config(self):
        return {**super().get_config(), "beta": self.beta, "seed": self.seed}


@keras.saving.register_keras_serializable(package="companion")
class WarmUpVAE(VAE):
    """A :class:`VAE` whose weight of the KL rises from 0 to ``beta`` in a straight line (Chapter 9b).

    The weight is ``beta * min(updates / warm_up_steps, 1)``, where ``updates``
    counts the training steps taken (Sønderby et al. 2016; Bowman et al. 2016
    used an S-shaped curve). Early in training the codes can carry information
    before the KL's pull towards the prior is felt, which can keep some units
    of the code from collapsing (Chapter 9b measures how many). The counter is a non-trainable variable of the model,
    so that every backend's compiled step updates it; ``evaluate`` and
    ``predict`` do not count.

    Args:
        encoder, decoder, beta, seed: as for :class:`VAE`.
        warm_up_steps: the number of updates after which the weight is ``beta``.

    Raises:
        TypeError, ValueError: if ``warm_up_steps`` is not a positive integer,
            or ``beta`` is not a finite number >= 0.
    """

    def __init__(self, encoder, decoder, beta=1.0, seed=None, *,
                 warm_up_steps, **kwargs):
        super().__init__(encoder, decoder, beta=beta, seed=seed, **kwargs)
        self.warm_up_steps = _checks.positive_int("warm_up_steps",
                                                  warm_up_steps)
        # a variable of the model: every backend's compiled step updates it
        self.updates = self.add_weight(shape=(), initializer="zeros",
                                       trainable=False, name="updates")

    def compute_loss(self, *args, training=True, **kwargs):
        if training:
            self.updates.assign_add(1.0)
        return super().compute_loss(*args, training=training, **kwargs)

    def kl_weight(self):
        return self.beta * ops.minimum(self.updates / self.warm_up_steps, 1.0)

    def get_config(self):
        return {**super().get_config(), "warm_up_steps": self.warm_up_steps}


@keras.saving.register_keras_serializable(package="companion")
class FreeBitsVAE(VAE):
    """A :class:`VAE` whose KL costs nothing below ``free_nats`` per unit of the code (Chapter 9b).

    The KL term of a batch is ``sum_u max(free_nats, mean over the batch of
    KL_u)`` (Kingma et al. 2016 group the units; here each unit is its own
    group): a unit may carry its first ``free_nats`` nats of information for
    free, so the KL no longer pays a unit to carry none. ``fit`` and
    ``evaluate`` report this term as ``kl_loss``; :func:`kl_per_unit` gives the
    true KL.

    Args:
        encoder, decoder, beta, seed: as for :class:`VAE`.
        free_nats: the nats per unit that cost nothing (a finite number >= 0;
            0 gives back the plain VAE's loss).

    Raises:
        TypeError, ValueError: if ``free_nats`` or ``beta`` is not a finite number >= 0.
    """

    def __init__(self, encoder, decoder, beta=1.0, seed=None, *,
                 free_nats, **kwargs):
        super().__init__(encoder, decoder, beta=beta, seed=seed, **kwargs)
        self.free_nats = _checks.non_negative_number("free_nats", free_nats)

    def kl_term(self, z_mean, z_log_var):
        # each unit's KL, averaged over the batch, costs at least free_nats
        batch_kl = ops.mean(kl_per_unit(z_mean, z_log_var), axis=0)
        return ops.sum(ops.maximum(batch_kl, self.free_nats))

    def get_config(self):
        return {**super().get_config(), "free_nats": self.free_nats}


def build_vae(
    input_shape=(28, 28, 1),
    code_size=2,
    *,
    kind="dense",
    hidden_sizes=(512, 256),
    filters=(32, 64),
    decoder="upsampling",
    activation="relu",
    beta=1.0,
    seed=None,
    name="vae",
):
    """Build a variational autoencoder with a dense or a convolutional encoder and decoder.

    ``kind="dense"``: the image is flattened, passes through Dense layers of
    ``hidden_sizes`` (ReLU, or ``activation``) and the decoder mirrors them. ``kind="conv"``: one
    Conv2D (3x3, stride 2, ReLU) per entry of ``filters``, then Dense layers of
    ``hidden_sizes``; the decoder maps the code to the last feature map with one
    Dense layer and climbs back one level per entry of ``filters``: by default
    with ``UpSampling2D`` followed by a 3x3 ``Conv2D``, which Chapter 8 shows
    to be free of checkerboard artefacts; ``decoder="transpose"`` uses 3x3
    ``Conv2DTranspose`` layers of stride 2 instead, as in the Keras example
    "Variational AutoEncoder" (which is ``filters=(32, 64)``,
    ``hidden_sizes=(16,)``, ``code_size=2``, ``decoder="transpose"``). Chapter 9.

    Args:
        input_shape: shape of one image, ``(height, width, channels)`` for
            ``kind="conv"``; any shape for ``kind="dense"``.
        code_size: size of the code ``z`` (the latent dimension).
        kind: ``"dense"`` or ``"conv"``.
        hidden_sizes: sizes of the encoder's Dense layers (may be empty).
        filters: filters of the encoder's convolutions (``kind="conv"`` only).
        decoder: how the convolutional decoder doubles the size of its maps,
            ``"upsampling"`` or ``"transpose"`` (``kind="conv"`` only).
        activation: ``"relu"`` or ``"tanh"``, of the hidden Dense layers
            (``kind="dense"`` only).
        beta: weight of the KL term.
        seed: seed of the sampling noise.
        name: name of the model; the sub-models are ``encoder`` and ``decoder``.

    Returns:
        VAE: with ``.encoder`` (image -> ``[z_mean, z_log_var]``) and ``.decoder``.

    Raises:
        TypeError, ValueError: for sizes that are not positive integers, an
            unknown ``kind``, ``decoder`` or ``activation``, or an image size the convolutions cannot halve
            ``len(filters)`` times.
    """
    input_shape = _checks.shape_tuple("input_shape", input_shape)
    hidden_sizes = _checks.sizes_tuple("hidden_sizes", hidden_sizes)
    code_size = _checks.positive_int("code_size", code_size)
    _checks.one_of("kind", kind, KINDS)
    _checks.one_of("decoder", decoder, DECODERS)
    _checks.one_of("activation", activation, HIDDEN_ACTIVATIONS)
    if kind == "conv" and activation != "relu":
        raise ValueError(f"activation applies to kind='dense' only. Received: kind='conv', activation={activation!r}")
    if kind == "dense":
        encoder_body, decoder_model = _dense_parts(input_shape, hidden_sizes, code_size, activation)
    else:
        input_shape = _checks.image_shape(input_shape)
        filters = _checks.filters_tuple(filters)
        check_divisible(input_shape, len(filters))
        encoder_body, decoder_model = _conv_parts(input_shape, hidden_sizes, filters, code_size, decoder)
    inputs, features = encoder_body
    z_mean = keras.layers.Dense(code_size, name="z_mean")(features)
    z_log_var = keras.layers.Dense(code_size, name="z_log_var")(features)
    encoder = keras.Model(inputs, [z_mean, z_log_var], name="encoder")
    return VAE(encoder, decoder_model, beta=beta, seed=seed, name=name)


def _dense_parts(input_shape, hidden_sizes, code_size, activation):
    inputs, x = flat_image_input(input_shape)
    x = dense_tower(x, hidden_sizes, side="encoder", activation=activation)
    codes = keras.Input(shape=(code_size,), name="code_input")
    y = dense_tower(codes, hidden_sizes, side="decoder", activation=activation)
    return (inputs, x), keras.Model(codes, dense_reconstruction(y, input_shape, "sigmoid"), name="decoder")


def _conv_parts(input_shape, hidden_sizes, filters, code_size, decoder):
    conv = {"kernel_size": 3, "padding": "same", "activation": "relu"}
    inputs = keras.Input(shape=input_shape, name="image")
    x = inputs
    for depth, count in enumerate(filters, start=1):
        x = downsample(x, count, depth, "strided", conv)
    x = dense_tower(keras.layers.Flatten(name="flatten")(x), hidden_sizes, side="encoder")

    shrink = 2 ** len(filters)
    feature_shape = (input_shape[0] // shrink, input_shape[1] // shrink, filters[-1])
    codes = keras.Input(shape=(code_size,), name="code_input")
    y = keras.layers.Dense(math.prod(feature_shape), activation="relu", name="decoder_dense")(codes)
    y = keras.layers.Reshape(feature_shape, name="decoder_reshape")(y)
    for depth, count in reversed(list(enumerate(filters, start=1))):
        # by default (Chapter 8) upsampling then a convolution, which leaves no checkerboard
        y = upsample(y, count, depth, decoder, conv)
    last = keras.layers.Conv2DTranspose if decoder == "transpose" else keras.layers.Conv2D
    y = last(input_shape[-1], 3, padding="same", activation="sigmoid", name="reconstruction")(y)
    return (inputs, x), keras.Model(codes, y, name="decoder")


# --- measuring a trained VAE (Chapter 9) ------------------------------------------------------------

_LOG_2PI = math.log(2 * math.pi)


def vae_parts(vae, function):
    """The encoder and decoder of ``vae``, or a TypeError naming ``function``."""
    encoder, decoder = getattr(vae, "encoder", None), getattr(vae, "decoder", None)
    if encoder is None or decoder is None:
        raise TypeError(
            f"{function} needs a VAE with .encoder and .decoder, as cp.build_vae returns. "
            f"Received: {type(vae).__name__}"
        )
    return encoder, decoder


def posterior(encoder, images, batch_size=DEFAULT_BATCH_SIZE):
    """The encoder's ``[z_mean, z_log_var]`` for a batch of images, as float64 arrays.

    Raises:
        TypeError: if the encoder does not return two outputs (a mean and a log-variance).
    """
    outputs = call_in_batches(encoder, images, batch_size=batch_size)
    if not isinstance(outputs, list) or len(outputs) != 2:
        raise TypeError(
            "The VAE's encoder must return [z_mean, z_log_var], as cp.build_vae's does. "
            f"Received: {type(outputs).__name__} from the encoder"
        )
    return [part.astype("float64") for part in outputs]


def importance_weighted_log_likelihood(vae, images, *, k=100, seed=0, batch_size=100):
    """The importance-weighted estimate of ``log p(x)`` of each image, in nats (Chapter 9).

    For each image, ``k`` codes are drawn from the encoder's ``q(z|x)`` and
    weighted by ``w = p(x|z) p(z) / q(z|x)``; the estimate is
    ``log(mean of the k weights)`` (Burda et al. 2016). Its expectation
    is a lower bound of ``log p(x)`` that rises with ``k`` towards it: with
    ``k = 1`` it is a one-sample estimate of the ELBO (with the KL estimated
    from the sample rather than in closed form). ``p(x|z)`` is the decoder's
    Bernoulli likelihood (:func:`bernoulli_reconstruction_loss`), as in the
    VAE's loss. The draws are seeded: the same call gives the same numbers.

    Args:
        vae: a VAE whose ``encoder`` returns ``[z_mean, z_log_var]`` and whose
            ``decoder`` gives back images of the input's shape (as
            :func:`build_vae` makes).
        images: a batch in the VAE's input shape, values in [0, 1].
        k: importance samples per image (a positive integer).
        seed: seed of the draws (an integer >= 0).
        batch_size: images handled at a time; the decoder sees
            ``batch_size * k`` codes at once.

    Returns:
        numpy.ndarray of shape ``(n,)``, float64: one estimate per image.

    Raises:
        TypeError, ValueError: for a ``k``, ``seed`` or ``batch_size`` that is
            not a positive (``seed``: non-negative) integer, an empty batch, a
            model without an encoder that returns a mean and a log-variance, or
            a decoder whose output does not have the images' shape.
    """
    k = _checks.positive_int("k", k)
    seed = _checks.non_negative_int("seed", seed)
    batch_size = _checks.positive_int("batch_size", batch_size)
    images = _checks.image_batch(images)
    encoder, decoder = vae_parts(vae, "importance_weighted_log_likelihood")
    means, log_vars = posterior(encoder, images, batch_size)
    rng = np.random.default_rng(seed)
    estimates = []
    # one batch of images at a time: the decoder's batch_size * k images must fit in memory
    for start in range(0, len(images), batch_size):
        x = images[start:start + batch_size]
        z_mean, z_log_var = means[start:start + batch_size], log_vars[start:start + batch_size]
        eps = rng.standard_normal((len(x), k, z_mean.shape[-1]))
        z = z_mean[:, None] + np.exp(0.5 * z_log_var)[:, None] * eps  # (batch, k, code)
        x_hat = call_in_batches(decoder, z.reshape(-1, z.shape[-1]).astype("float32"), batch_size=len(x) * k)
        if x_hat.shape[1:] != x.shape[1:]:
            raise ValueError(
                "The VAE's decoder must give back images of the input's shape. "
                f"Received: images of shape {x.shape[1:]} gave outputs of shape {x_hat.shape[1:]}"
            )
        repeated = np.repeat(x, k, axis=0)
        log_p_x_given_z = -ops.convert_to_numpy(bernoulli_reconstruction_loss(repeated, x_hat))
        log_p_z = -0.5 * np.sum(z**2 + _LOG_2PI, axis=-1)
        log_q_z = -0.5 * np.sum(eps**2 + z_log_var[:, None] + _LOG_2PI, axis=-1)
        log_w = log_p_x_given_z.astype("float64").reshape(len(x), k) + log_p_z - log_q_z
        top = log_w.max(axis=1, keepdims=True)  # log-mean-exp without overflow
        estimates.append(top[:, 0] + np.log(np.mean(np.exp(log_w - top), axis=1)))
    return np.concatenate(estimates)


def latent_activity(vae, images, *, batch_size=500):
    """The activity of each code unit: the variance over images of its posterior mean (Chapter 9).

    Burda et al. (2016) call ``A_u = Cov_x(E_q[u])`` the activity of unit
    ``u``: a unit whose mean barely moves from image to image tells the decoder
    nothing about the image, whatever its ``q(u|x)`` is; the KL term then
    pulls its ``q(u|x)`` to the prior (posterior collapse).

    Args:
        vae: a VAE (or its encoder) whose encoder returns ``[z_mean, z_log_var]``.
        images: a batch in the VAE's input shape.
        batch_size: images encoded at a time.

    Returns:
        numpy.ndarray of shape ``(code_size,)``, float64.

    Raises:
        TypeError, ValueError: for an empty batch, a bad ``batch_size`` or an
            encoder that does not return a mean and a log-variance.
    """
    batch_size = _checks.positive_int("batch_size", batch_size)
    images = _checks.image_batch(images)
    means, _ = posterior(getattr(vae, "encoder", vae), images, batch_size)
    return means.var(axis=0)


def active_units(vae, images, *, threshold=ACTIVE_UNIT_THRESHOLD, batch_size=500):
    """How many code units are active: activity (:func:`latent_activity`) above ``threshold`` (Chapter 9).

    Args:
        vae: a VAE (or its encoder) whose encoder returns ``[z_mean, z_log_var]``.
        images: a batch in the VAE's input shape.
        threshold: the activity above which a unit counts as active; 0.01 as
            in Burda et al. (2016).
        batch_size: images encoded at a time.

    Returns:
        int.

    Raises:
        TypeError, ValueError: as :func:`latent_activity`, or for a negative
            or non-finite ``threshold``.
    """
    threshold = _checks.non_negative_number("threshold", threshold)
    return int(np.sum(latent_activity(vae, images, batch_size=batch_size) > threshold))
