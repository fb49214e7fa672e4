"""Beyond the VAE (Chapter 12): conditional VAEs, latent traversals, vector quantisation.

- :func:`build_conditional_vae` gives the encoder and the decoder of a VAE the
  label as a second input, so that the decoder draws the digit it is asked for
  (Sohn et al. 2015).
- :func:`latent_traversals` decodes one latent at a time over a range of
  values, to see what each latent of a beta-VAE controls (Higgins et al. 2017).
- :class:`VectorQuantizer` replaces each encoder output vector by its nearest
  entry of a learned codebook, with the straight-through estimator, the codebook
  loss and the commitment loss of van den Oord et al. (2017);
  :func:`build_vq_autoencoder` puts it between a small convolutional encoder
  and an upsampling decoder (Chapter 8's recommended decoder).

Everything uses ``keras.ops``, so the models train on TensorFlow, JAX and PyTorch.
"""

import keras
import numpy as np
from keras import ops

from companion import _checks
from companion.inference import call_in_batches
from companion.conv import check_divisible, downsample, upsample
from companion.models import Autoencoder, dense_reconstruction, dense_tower, flat_image_input
from companion.vae import VAE

# --- the conditional VAE ---


@keras.saving.register_keras_serializable(package="companion")
class OneHot(keras.layers.Layer):
    """Turn integer labels ``(batch,)`` or ``(batch, 1)`` into one-hot vectors ``(batch, n_classes)``.

    Args:
        n_classes: number of classes (10 for digits). Chapter 12.
    """

    def __init__(self, n_classes, **kwargs):
        super().__init__(**kwargs)
        self.n_classes = _checks.positive_int("n_classes", n_classes)

    def call(self, labels):
        labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
        return ops.one_hot(labels, self.n_classes, dtype=self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n_classes)

    def get_config(self):
        return {**super().get_config(), "n_classes": self.n_classes}


@keras.saving.register_keras_serializable(package="companion")
class ConditionalVAE(VAE):
    """A VAE whose encoder and decoder both see the label (Sohn et al. 2015).

    ``model([images, labels])`` encodes, samples and decodes;
    ``model.encoder([images, labels])`` returns ``[z_mean, z_log_var]`` and
    ``model.decoder([codes, labels])`` returns pixel probabilities. Train it
    with ``fit([images, labels])``, without targets: the loss is
    :class:`~companion.VAE`'s, ``reconstruction + beta * KL`` in nats per
    image. Chapter 12.
    """

    def call(self, inputs, training=None):
        images, labels = _pair(inputs)
        z_mean, z_log_var = self.encoder([images, labels], training=training)
        codes = self.sampling([z_mean, z_log_var])
        self.add_loss(self.kl_term(z_mean, z_log_var))
        return self.decoder([codes, labels], training=training)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        images, _ = _pair(x)
        return super().compute_loss(images, y, y_pred, sample_weight, training)


def _pair(inputs):
    if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
        raise ValueError(
            "A conditional VAE takes two inputs, [images, labels]. "
            f"Received: {type(inputs).__name__} of length {len(inputs) if hasattr(inputs, '__len__') else '?'}"
        )
    return inputs


def build_conditional_vae(
    input_shape=(28, 28, 1),
    code_size=2,
    *,
    n_classes=10,
    hidden_sizes=(512, 256),
    beta=1.0,
    seed=None,
    name="conditional_vae",
):
    """Build a dense conditional VAE: the label enters the encoder and the decoder as a one-hot vector.

    The encoder concatenates the flattened image with the label's one-hot
    vector, passes them through Dense layers of ``hidden_sizes`` (ReLU) and
    outputs ``[z_mean, z_log_var]``; the decoder concatenates the code with the
    same one-hot vector and mirrors the encoder. Because the decoder is told
    the digit, the code is free to hold the rest: the style (Chapter 12).

    Args:
        input_shape: shape of one image (any shape; it is flattened).
        code_size: size of the code ``z``.
        n_classes: number of classes of the integer labels ``0 .. n_classes - 1``.
        hidden_sizes: sizes of the encoder's Dense layers (the decoder mirrors them).
        beta: weight of the KL term.
        seed: seed of the sampling noise.
        name: name of the model; the sub-models are ``encoder`` and ``decoder``.

    Returns:
        ConditionalVAE: with ``.encoder`` (``[images, labels]`` ->
        ``[z_mean, z_log_var]``) and ``.decoder`` (``[codes, labels]`` -> images).

    Raises:
        TypeError, ValueError: for sizes that are not positive integers or a
            ``beta`` that is not a finite number >= 0.
    """
    input_shape, hidden_sizes, code_size = _checks.architecture(input_shape, hidden_sizes, code_size)
    n_classes = _checks.positive_int("n_classes", n_classes)

    images, x = flat_image_input(input_shape)
    labels = keras.Input(shape=(), dtype="int32", name="label")
    x = keras.layers.Concatenate(name="image_and_label")([x, OneHot(n_classes, name="one_hot")(labels)])
    x = dense_tower(x, hidden_sizes, side="encoder")
    z_mean = keras.layers.Dense(code_size, name="z_mean")(x)
    z_log_var = keras.layers.Dense(code_size, name="z_log_var")(x)
    encoder = keras.Model([images, labels], [z_mean, z_log_var], name="encoder")

    codes = keras.Input(shape=(code_size,), name="code_input")
    code_labels = keras.Input(shape=(), dtype="int32", name="label")
    y = keras.layers.Concatenate(name="code_and_label")([codes, OneHot(n_classes, name="one_hot")(code_labels)])
    y = dense_reconstruction(dense_tower(y, hidden_sizes, side="decoder"), input_shape, "sigmoid")
    decoder = keras.Model([codes, code_labels], y, name="decoder")
    return ConditionalVAE(encoder, decoder, beta=beta, seed=seed, name=name)


def conditional_samples(model, labels, *, seed=0):
    """Draw one image per label: a code from the prior N(0, I), decoded with that label.

    Args:
        model: a :class:`ConditionalVAE` (or its decoder, ``[codes, labels]`` -> images).
        labels: integer labels, shape ``(n,)``.
        seed: seed of the codes.

    Returns:
        NumPy array of ``n`` images. Chapter 12.

    Raises:
        ValueError: if ``labels`` is not a non-empty 1-D array of integers, or
            if a label is outside ``0 .. n_classes - 1`` of the decoder's
            :class:`OneHot` layer (it would become an all-zero vector).
    """
    decoder = getattr(model, "decoder", model)
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) == 0 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"labels must be a non-empty 1-D array of integers. Received: shape {labels.shape}, dtype {labels.dtype}"
        )
    n_classes = next((layer.n_classes for layer in getattr(decoder, "layers", ()) if isinstance(layer, OneHot)), None)
    if n_classes is not None and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"labels must be between 0 and {n_classes - 1}, the decoder's classes. "
            f"Received: labels from {labels.min()} to {labels.max()}"
        )
    code_size = decoder.inputs[0].shape[-1]
    codes = np.random.default_rng(seed).standard_normal((len(labels), code_size)).astype("float32")
    return call_in_batches(decoder, [codes, labels.astype("int32")])


# --- latent traversals ---


def latent_traversals(decoder, code, values=(-3.0, -2.25, -1.5, -0.75, 0.0, 0.75, 1.5, 2.25, 3.0)):
    """Decode ``code`` with one latent at a time set to each of ``values``.

    Row ``d`` of the result changes latent ``d`` only, the others keeping the
    values of ``code``: what a latent controls is what changes along its row
    (Higgins et al. 2017). Chapter 12.

    Args:
        decoder: a model from codes ``(batch, code_size)`` to images.
        code: one code, shape ``(code_size,)``.
        values: the values each latent takes in turn (default: 9 from -3 to 3).

    Returns:
        NumPy array ``(code_size, len(values), *image_shape)``.

    Raises:
        ValueError: if ``code`` is not a vector of the decoder's code size.
    """
    code = _checks.to_numpy(code).astype("float32")
    code_size = decoder.inputs[0].shape[-1]
    if code.shape != (code_size,):
        raise ValueError(f"code must be one code of shape ({code_size},). Received: shape {code.shape}")
    values = np.asarray(values, dtype="float32")
    codes = np.repeat(code[None, None, :], code_size, axis=0).repeat(len(values), axis=1)
    for latent in range(code_size):
        codes[latent, :, latent] = values
    images = call_in_batches(decoder, codes.reshape(-1, code_size))
    return images.reshape(code_size, len(values), *images.shape[1:])


def traversal_effect(decoder, codes, *, low=-2.0, high=2.0):
    """How much each latent changes the decoded images: the mean absolute pixel change.

    For each code and each latent ``d``, decode the code with latent ``d`` set
    to ``low`` and to ``high``; the effect of ``d`` is the mean over codes and
    pixels of the absolute difference of the two images. A latent the decoder
    ignores has an effect of 0. Chapter 12.

    Args:
        decoder: a model from codes ``(batch, code_size)`` to images.
        codes: codes ``(n, code_size)``, e.g. the means of test images.
        low, high: the two values of the latent.

    Returns:
        NumPy array ``(code_size,)``.
    """
    codes = _checks.to_numpy(codes).astype("float32")
    n, code_size = codes.shape
    effects = np.empty(code_size)
    for latent in range(code_size):
        ends = np.concatenate([codes, codes])
        ends[:n, latent], ends[n:, latent] = low, high
        images = call_in_batches(decoder, ends).reshape(2, n, -1)
        effects[latent] = np.abs(images[1] - images[0]).mean()
    return effects


# --- vector quantisation ---


@keras.saving.register_keras_serializable(package="companion")
class VectorQuantizer(keras.layers.Layer):
    """Replace each vector of the last axis by its nearest codebook entry (van den Oord et al. 2017).

    The layer holds a codebook of ``codebook_size`` vectors ``e_k`` of the
    input's last dimension. Each input vector ``z_e`` becomes
    ``z_q = e_k`` with ``k = argmin_j ||z_e - e_j||``. The forward pass
    returns ``z_q``; the backward pass copies the gradient of ``z_q`` to
    ``z_e`` unchanged (the straight-through estimator), written as
    ``z_e + stop_gradient(z_q - z_e)``. The layer adds to the model's loss the
    codebook loss ``mean((stop_gradient(z_e) - z_q)**2)``, which moves the
    codes towards the encoder's outputs, and ``beta`` times the commitment loss
    ``mean((z_e - stop_gradient(z_q))**2)``, which keeps the encoder's outputs
    near their codes. Chapter 12.

    Args:
        codebook_size: number of codes ``K``.
        beta: weight of the commitment loss (0.25 in the paper).
        seed: seed of the codebook's initial values, uniform in ``(-1/K, 1/K)``.
    """

    def __init__(self, codebook_size, *, beta=0.25, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.codebook_size = _checks.positive_int("codebook_size", codebook_size)
        self.beta = _checks.non_negative_number("beta", beta)
        self.seed = seed

    def build(self, input_shape):
        limit = 1.0 / self.codebook_size
        self.codebook = self.add_weight(
            name="codebook",
            shape=(self.codebook_size, input_shape[-1]),
            initializer=keras.initializers.RandomUniform(-limit, limit, seed=self.seed),
        )

    def nearest(self, vectors):
        """The index of the nearest code of each vector of ``vectors`` ``(..., dim)``: int32 ``(...)``."""
        vectors = ops.convert_to_tensor(vectors)
        flat = ops.cast(ops.reshape(vectors, (-1, ops.shape(vectors)[-1])), self.codebook.dtype)
        distances = (
            ops.sum(ops.square(flat), axis=1, keepdims=True)
            - 2.0 * ops.matmul(flat, ops.transpose(self.codebook))
            + ops.sum(ops.square(self.codebook), axis=1)[None, :]
        )
        indices = ops.cast(ops.argmin(distances, axis=1), "int32")
        return ops.reshape(indices, ops.shape(vectors)[:-1])

    def lookup(self, indices):
        """The codes of integer ``indices`` ``(...)``: vectors ``(..., dim)``."""
        return ops.take(self.codebook, ops.cast(indices, "int32"), axis=0)

    def call(self, inputs):
        quantized = ops.cast(self.lookup(self.nearest(inputs)), inputs.dtype)
        codebook_loss = ops.mean(ops.square(ops.stop_gradient(inputs) - quantized))
        commitment_loss = ops.mean(ops.square(inputs - ops.stop_gradient(quantized)))
        self.add_loss(ops.cast(codebook_loss + self.beta * commitment_loss, "float32"))
        return inputs + ops.stop_gradient(quantized - inputs)  # straight through

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "codebook_size": self.codebook_size, "beta": self.beta, "seed": self.seed}


@keras.saving.register_keras_serializable(package="companion")
class VQAutoencoder(Autoencoder):
    """An autoencoder whose encoder ends with a :class:`VectorQuantizer` named ``quantizer``.

    ``model.encoder(x)`` gives the quantised codes ``z_q`` and
    ``model.decoder(z_q)`` the images, as for every autoencoder of the course;
    besides, ``model.indices(x)`` gives the integer code of each position and
    ``model.decode_indices(indices)`` the images of integer codes. Chapter 12.
    """

    @property
    def quantizer(self):
        """The :class:`VectorQuantizer` layer."""
        return self.encoder.get_layer("quantizer")

    @property
    def pre_quantizer(self):
        """The encoder up to its continuous output ``z_e``, before quantisation (built once)."""
        cached = self.__dict__.get("_pre_quantizer_model")
        if cached is None:
            cached = keras.Model(self.encoder.inputs[0], self.quantizer.input, name="pre_quantizer")
            # Stored outside Keras' attribute tracking: the sub-model shares the
            # encoder's layers and must not be saved or counted a second time.
            object.__setattr__(self, "_pre_quantizer_model", cached)
        return cached

    def indices(self, images, batch_size=500):
        """The index of the code chosen at each position: int32 array ``(n, height, width)``."""
        vectors = call_in_batches(self.pre_quantizer, np.asarray(images), batch_size=batch_size)
        return _checks.to_numpy(self.quantizer.nearest(vectors))

    def decode_indices(self, indices, batch_size=500):
        """The images decoded from integer codes ``(n, height, width)``."""
        vectors = _checks.to_numpy(self.quantizer.lookup(np.asarray(indices)))
        return call_in_batches(self.decoder, vectors, batch_size=batch_size)


def build_vq_autoencoder(input_shape=(28, 28, 1), code_size=16, *, codebook_size=64, filters=(32, 64), beta=0.25,
                         seed=None, name="vq_autoencoder"):
    """Build a convolutional autoencoder whose code is a grid of entries of a learned codebook.

    Encoder: one ``Conv2D(f, 3, strides=2)`` (ReLU) per entry of ``filters``,
    then a 1x1 ``Conv2D(code_size)`` that gives the continuous ``z_e``, then
    the :class:`VectorQuantizer`. For 28x28 digits and two levels the code is a
    7x7 grid of indices, each one of ``codebook_size`` codes of ``code_size``
    numbers. Decoder: per level, ``UpSampling2D`` then ``Conv2D`` (Chapter
    8's decoder without checkerboard artefacts), then a sigmoid ``Conv2D`` to
    the image's channels. Train it with a reconstruction loss such as
    ``"binary_crossentropy"``; the quantiser adds its own. Chapter 12.

    Args:
        input_shape: ``(height, width, channels)``, height and width
            multiples of ``2 ** len(filters)``.
        code_size: dimension ``D`` of each code vector.
        codebook_size: number of codes ``K``; each position holds
            ``log2(K)`` bits.
        filters: filters of each encoder level, outermost first.
        beta: weight of the commitment loss.
        seed: seed of the codebook's initial values.
        name: name of the model; the sub-models are ``encoder`` and ``decoder``.

    Returns:
        VQAutoencoder: with ``.encoder`` (image -> quantised codes),
        ``.decoder``, ``.quantizer``, ``.indices`` and ``.decode_indices``.

    Raises:
        TypeError, ValueError: for sizes that are not positive integers, a
            negative ``beta``, or an image size the encoder cannot halve
            ``len(filters)`` times.
    """
    input_shape = _checks.image_shape(input_shape)
    code_size = _checks.positive_int("code_size", code_size)
    filters = _checks.filters_tuple(filters)
    check_divisible(input_shape, len(filters))
    quantizer = VectorQuantizer(codebook_size, beta=beta, seed=seed, name="quantizer")

    conv = {"kernel_size": 3, "padding": "same", "activation": "relu"}
    inputs = keras.Input(shape=input_shape, name="image")
    x = inputs
    for level, size in enumerate(filters, start=1):
        x = downsample(x, size, level, "strided", conv)
    z_e = keras.layers.Conv2D(code_size, 1, name="pre_quantizer")(x)
    encoder = keras.Model(inputs, quantizer(z_e), name="encoder")

    codes = keras.Input(shape=tuple(z_e.shape[1:]), name="code_input")
    y = codes
    for level, size in reversed(list(enumerate(filters, start=1))):
        y = upsample(y, size, level, "upsampling", conv)
    y = keras.layers.Conv2D(input_shape[-1], 3, padding="same", activation="sigmoid", name="reconstruction")(y)
    return VQAutoencoder(encoder, keras.Model(codes, y, name="decoder"), name=name)


def perplexity(indices, codebook_size):
    """``exp(entropy)`` of the share of each code among ``indices``: the number of codes in effective use.

    It is ``codebook_size`` when every code is used equally often and 1 when
    a single code is used. Chapter 12.

    Args:
        indices: integer array of code indices, any shape.
        codebook_size: number of codes ``K``.

    Returns:
        float between 1 and ``codebook_size``.

    Raises:
        ValueError: if ``indices`` is empty or holds values outside ``0 .. K - 1``.
    """
    counts = code_counts(indices, codebook_size)
    shares = counts[counts > 0] / counts.sum()
    return float(np.exp(-np.sum(shares * np.log(shares))))


def code_counts(indices, codebook_size):
    """How many times each code appears among ``indices``: int array ``(codebook_size,)``. Chapter 12.

    Raises:
        ValueError: if ``indices`` is empty or holds values outside ``0 .. codebook_size - 1``.
    """
    codebook_size = _checks.positive_int("codebook_size", codebook_size)
    indices = _checks.to_numpy(indices).ravel()
    if indices.size == 0 or not np.issubdtype(indices.dtype, np.integer):
        raise ValueError(f"indices must be a non-empty array of integers. Received: {indices.size} values "
                         f"of dtype {indices.dtype}")
    if indices.min() < 0 or indices.max() >= codebook_size:
        raise ValueError(f"indices must lie in 0 .. {codebook_size - 1}. "
                         f"Received: values from {indices.min()} to {indices.max()}")
    return np.bincount(indices, minlength=codebook_size)


def reinitialize_dead_codes(model, images, *, min_count=1, seed=0):
    """Move the codes used fewer than ``min_count`` times onto encoder outputs chosen at random.

    A code that no encoder output is nearest to gets no gradient from the
    codebook loss and stays where it is, unused: a dead code. Setting it to a
    random ``z_e`` of the training images brings it back where the data is.
    Chapter 12.

    Args:
        model: a :class:`VQAutoencoder`.
        images: training images, to encode.
        min_count: codes used fewer times than this over ``images`` are dead.
        seed: seed of the choice of encoder outputs.

    Returns:
        int: the number of codes moved.

    Raises:
        TypeError: if ``model`` is not a :class:`VQAutoencoder`.
        ValueError: if ``min_count`` is not a positive integer, or if
            ``images`` give fewer encoder outputs than there are dead codes.
    """
    if not isinstance(model, VQAutoencoder):
        raise TypeError(
            "model must be a VQAutoencoder, e.g. from build_vq_autoencoder. "
            f"Received: {type(model).__name__}"
        )
    min_count = _checks.positive_int("min_count", min_count)
    vectors = call_in_batches(model.pre_quantizer, np.asarray(images))
    vectors = vectors.reshape(-1, vectors.shape[-1])
    counts = code_counts(_checks.to_numpy(model.quantizer.nearest(vectors)), model.quantizer.codebook_size)
    dead = np.flatnonzero(counts < min_count)
    if len(dead) > len(vectors):
        raise ValueError(
            f"images must give at least as many encoder outputs as there are dead codes ({len(dead)}), "
            f"to move each onto a different one; pass more images. Received: {len(vectors)} encoder outputs "
            f"from {len(images)} images"
        )
    if len(dead):
        codebook = _checks.to_numpy(model.quantizer.codebook).copy()
        chosen = np.random.default_rng(seed).choice(len(vectors), size=len(dead), replace=False)
        codebook[dead] = vectors[chosen]
        model.quantizer.codebook.assign(codebook)
    return len(dead)


def uniform_quantize(codes, bits, low, high):
    """Round each value of ``codes`` to the nearest of ``2**bits`` levels evenly spaced from ``low`` to ``high``.

    The plain way to store a continuous code in ``bits`` bits per unit, after
    training (Chapter 12 compares it with a VQ code of the same number of
    bits). Values outside ``[low, high]`` are clipped first.

    Args:
        codes: array ``(n, units)``.
        bits: bits per unit, a positive integer.
        low, high: per-unit (or scalar) ends of the range, e.g. the minimum
            and maximum of the training codes.

    Returns:
        float32 array of the shape of ``codes``.

    Raises:
        TypeError, ValueError: if ``bits`` is not a positive integer.
    """
    bits = _checks.positive_int("bits", bits)
    codes = _checks.to_numpy(codes).astype("float64")
    low, high = np.asarray(low, "float64"), np.asarray(high, "float64")
    steps = 2**bits - 1
    span = np.where(high > low, high - low, 1.0)
    levels = np.round((np.clip(codes, low, high) - low) / span * steps)
    return (low + levels / steps * span).astype("float32")


class DeadCodeRestarts(keras.callbacks.Callback):
    """After each epoch, move the dead codes of a :class:`VQAutoencoder` onto encoder outputs.

    A callback for ``cp.train(..., callbacks=[...])``: at the end of every
    epoch up to ``until_epoch``, :func:`reinitialize_dead_codes` runs on
    ``images`` (a sample of the training images is enough). The number of codes
    moved after each epoch is kept in ``self.moved``. Chapter 12.

    Args:
        images: training images to encode.
        until_epoch: the last epoch after which codes are moved (None: every epoch);
            leaving the last epochs alone lets the decoder adapt to the final codebook.
        min_count: see :func:`reinitialize_dead_codes`.
        seed: seed of the first restart (the next ones add the epoch).
    """

    def __init__(self, images, *, until_epoch=None, min_count=1, seed=0):
        super().__init__()
        self.images = images
        self.until_epoch = None if until_epoch is None else _checks.positive_int("until_epoch", until_epoch)
        self.min_count = _checks.positive_int("min_count", min_count)
        self.seed = seed
        self.moved = []

    def on_epoch_end(self, epoch, logs=None):
        if self.until_epoch is None or epoch + 1 <= self.until_epoch:
            self.moved.append(
                reinitialize_dead_codes(self.model, self.images, min_count=self.min_count, seed=self.seed + epoch)
            )
