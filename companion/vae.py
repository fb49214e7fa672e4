"""The variational autoencoder of Chapter 9: sampling layer, KL term, model and builder.

Everything here uses the backend-neutral Keras 3 API (``keras.ops``,
``keras.random``): the model trains with ``fit`` on TensorFlow, JAX or PyTorch,
because the loss is computed in :meth:`VAE.compute_loss` rather than in a
backend-specific ``train_step``.
"""

import math

import keras
from keras import ops

from companion import _checks
from companion.conv import check_divisible
from companion.models import Autoencoder, flat_image_input, restore_image_shape

KINDS = ("dense", "conv")


def kl_divergence(z_mean, z_log_var):
    """KL divergence from the prior N(0, I) to the encoder's N(mean, diag(exp(log_var))).

    The closed form for diagonal Gaussians, summed over the latent dimensions:
    ``-1/2 * sum(1 + log_var - mean**2 - exp(log_var))`` (Kingma & Welling 2014,
    appendix B). Used by :class:`VAE` (Chapter 9).

    Args:
        z_mean: tensor or array of shape ``(batch, code_size)``.
        z_log_var: log-variances, same shape.

    Returns:
        A tensor of shape ``(batch,)``: the KL of each example, in nats
        (float32 at least, also for the float16 codes of mixed precision).
    """
    z_mean, z_log_var = _at_least_float32(z_mean, z_log_var)
    return -0.5 * ops.sum(1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=-1)


def bernoulli_reconstruction_loss(x, x_hat):
    """Negative log-likelihood of ``x`` under independent Bernoulli pixels ``x_hat``.

    The binary cross-entropy summed over every value of one example (Chapter 9).
    For grey levels in (0, 1) it is not zero even when ``x_hat == x``: its floor is
    the entropy of the targets.

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
    which for ``beta=1`` is the negative ELBO (Chapter 9). ``fit`` and
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
        self.add_loss(ops.mean(kl_divergence(z_mean, z_log_var)))
        return self.decoder(codes, training=training)

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
        total = ops.mean(reconstruction) + self.beta * kl
        for loss in other_losses:
            total = total + ops.sum(loss)
        return total

    def get_config(self):
        return {**super().get_config(), "beta": self.beta, "seed": self.seed}


def build_vae(
    input_shape=(28, 28, 1),
    code_size=2,
    *,
    kind="dense",
    hidden_sizes=(512, 256),
    filters=(32, 64),
    beta=1.0,
    seed=None,
    name="vae",
):
    """Build a variational autoencoder with a dense or a convolutional encoder and decoder.

    ``kind="dense"``: the image is flattened, passes through Dense layers of
    ``hidden_sizes`` (ReLU) and the decoder mirrors them. ``kind="conv"``: one
    Conv2D (3x3, stride 2, ReLU) per entry of ``filters``, then Dense layers of
    ``hidden_sizes``; the decoder maps the code to the last feature map with one
    Dense layer and climbs back with Conv2DTranspose layers, as in the Keras
    example "Variational AutoEncoder" (which is ``filters=(32, 64)``,
    ``hidden_sizes=(16,)``, ``code_size=2``). Chapter 9.

    Args:
        input_shape: shape of one image, ``(height, width, channels)`` for
            ``kind="conv"``; any shape for ``kind="dense"``.
        code_size: size of the code ``z`` (the latent dimension).
        kind: ``"dense"`` or ``"conv"``.
        hidden_sizes: sizes of the encoder's Dense layers (may be empty).
        filters: filters of the encoder's convolutions (``kind="conv"`` only).
        beta: weight of the KL term.
        seed: seed of the sampling noise.
        name: name of the model; the sub-models are ``encoder`` and ``decoder``.

    Returns:
        VAE: with ``.encoder`` (image -> ``[z_mean, z_log_var]``) and ``.decoder``.

    Raises:
        TypeError, ValueError: for sizes that are not positive integers, an
            unknown ``kind``, or an image size the convolutions cannot halve
            ``len(filters)`` times.
    """
    input_shape = _checks.shape_tuple("input_shape", input_shape)
    hidden_sizes = _checks.sizes_tuple("hidden_sizes", hidden_sizes)
    code_size = _checks.positive_int("code_size", code_size)
    _checks.one_of("kind", kind, KINDS)
    if kind == "dense":
        encoder_body, decoder = _dense_parts(input_shape, hidden_sizes, code_size)
    else:
        input_shape = _checks.image_shape(input_shape)
        filters = _checks.filters_tuple(filters)
        check_divisible(input_shape, len(filters))
        encoder_body, decoder = _conv_parts(input_shape, hidden_sizes, filters, code_size)
    inputs, features = encoder_body
    z_mean = keras.layers.Dense(code_size, name="z_mean")(features)
    z_log_var = keras.layers.Dense(code_size, name="z_log_var")(features)
    encoder = keras.Model(inputs, [z_mean, z_log_var], name="encoder")
    return VAE(encoder, decoder, beta=beta, seed=seed, name=name)


def _dense_parts(input_shape, hidden_sizes, code_size):
    inputs, x = flat_image_input(input_shape)
    for depth, size in enumerate(hidden_sizes, start=1):
        x = keras.layers.Dense(size, activation="relu", name=f"encoder_hidden_{depth}")(x)

    codes = keras.Input(shape=(code_size,), name="code_input")
    y = codes
    for depth, size in reversed(list(enumerate(hidden_sizes, start=1))):
        y = keras.layers.Dense(size, activation="relu", name=f"decoder_hidden_{depth}")(y)
    y = keras.layers.Dense(math.prod(input_shape), activation="sigmoid", name="reconstruction")(y)
    return (inputs, x), keras.Model(codes, restore_image_shape(y, input_shape), name="decoder")


def _conv_parts(input_shape, hidden_sizes, filters, code_size):
    inputs = keras.Input(shape=input_shape, name="image")
    x = inputs
    for depth, count in enumerate(filters, start=1):
        x = keras.layers.Conv2D(count, 3, strides=2, padding="same", activation="relu",
                                name=f"encoder_conv_{depth}")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    for depth, size in enumerate(hidden_sizes, start=1):
        x = keras.layers.Dense(size, activation="relu", name=f"encoder_hidden_{depth}")(x)

    shrink = 2 ** len(filters)
    feature_shape = (input_shape[0] // shrink, input_shape[1] // shrink, filters[-1])
    codes = keras.Input(shape=(code_size,), name="code_input")
    y = keras.layers.Dense(math.prod(feature_shape), activation="relu", name="decoder_dense")(codes)
    y = keras.layers.Reshape(feature_shape, name="decoder_reshape")(y)
    for depth, count in reversed(list(enumerate(filters, start=1))):
        y = keras.layers.Conv2DTranspose(
            count, 3, strides=2, padding="same", activation="relu", name=f"decoder_deconv_{depth}"
        )(y)
    y = keras.layers.Conv2DTranspose(input_shape[-1], 3, padding="same", activation="sigmoid",
                                     name="reconstruction")(y)
    return (inputs, x), keras.Model(codes, y, name="decoder")
