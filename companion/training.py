"""The one training helper of the course, and the hook that records headline numbers.

Every chapter trains its models with :func:`train`, and shows in the call what
it passes: the loss, the optimiser and its learning rate, the epochs and the
batch size. The book shows one summary line per fit instead of Keras' progress
bars; a learner who wants the logs passes ``verbose=2`` (or 1).
"""

import math

import numpy as np

import keras

from companion import _checks

OPTIMIZERS = {"adam": keras.optimizers.Adam, "adamw": keras.optimizers.AdamW, "sgd": keras.optimizers.SGD}


def train(
    model,
    x,
    y=None,
    *,
    loss=None,
    epochs,
    batch_size,
    optimizer="adam",
    learning_rate=1e-3,
    cosine_decay=False,
    metrics=None,
    validation_data=None,
    callbacks=None,
    verbose=0,
    binarise=False,
):
    """Compile ``model`` and fit it; return the ``History``.

    With ``y=None`` the model learns to reconstruct ``x`` (the targets are the
    inputs), as every autoencoder of the course does; a classifier passes its
    labels as ``y``. Used by every chapter.

    Args:
        model: a Keras model.
        x: training inputs.
        y: training targets (None: ``x`` itself).
        loss: a Keras loss or its name, e.g. ``"mse"``; None for a model that
            computes its own loss, such as :class:`~companion.VAE`.
        epochs: number of passes over ``x``.
        batch_size: examples per gradient step.
        optimizer: ``"adam"``, ``"adamw"`` or ``"sgd"``, or a
            ``keras.optimizers.Optimizer`` (then ``learning_rate`` and
            ``cosine_decay`` must keep their defaults).
        learning_rate: the optimiser's (initial) learning rate.
        cosine_decay: decay the learning rate to 0 along a cosine over the run,
            so that training settles into a minimum (Chapter 1).
        metrics: metrics to report besides the loss, e.g. ``["accuracy"]``.
        validation_data: ``(x_val, y_val)``, or ``x_val`` for a reconstruction.
        callbacks: Keras callbacks, e.g. ``keras.callbacks.EarlyStopping``.
        verbose: 0 prints one summary line after the fit; 1 or 2 print
            Keras' logs of every epoch instead.
        binarise: True trains on binary images drawn afresh at every pass
            from the grey levels of ``x`` (dynamic binarisation, each pixel 1
            with probability its grey level, as :func:`~companion.binarise`),
            the protocol of VAE likelihoods on MNIST (Chapters 9b and 11). The
            draws and the order of the batches follow the global seed
            (:func:`~companion.seed_everything`). Only for a reconstruction
            (``y=None``) of images in [0, 1]; ``validation_data`` is used as
            given, so binarise it with :func:`~companion.binarise`.

    Returns:
        keras.callbacks.History.

    Raises:
        TypeError, ValueError: for an unknown optimiser, epochs or batch size
            that are not positive integers, a learning rate that is not a
            finite number > 0, or ``learning_rate``/``cosine_decay`` given
            with an optimiser instance.
    """
    epochs = _checks.positive_int("epochs", epochs)
    batch_size = _checks.positive_int("batch_size", batch_size)
    cosine_decay = _checks.boolean("cosine_decay", cosine_decay)
    binarise = _checks.boolean("binarise", binarise)
    _checks.one_of("verbose", verbose, (0, 1, 2))
    examples = len(x[0]) if isinstance(x, (list, tuple)) else len(x)  # a model of several inputs gets a list
    steps = epochs * math.ceil(examples / batch_size)
    model.compile(
        optimizer=_optimizer(optimizer, learning_rate, cosine_decay, steps),
        loss=loss,
        metrics=metrics,
    )
    if validation_data is not None and not isinstance(validation_data, tuple):
        validation_data = (validation_data, validation_data)
    if binarise:
        if y is not None:
            raise ValueError(
                f"binarise=True trains a reconstruction of x; expected y=None. Received: {type(y).__name__}"
            )
        # the Keras way to feed batches made on the fly; their order is its own, so fit must not shuffle them
        data = {"x": FreshBinaryBatches(x, batch_size, seed=int(np.random.randint(2**31 - 1))), "shuffle": False}
    else:
        data = {"x": x, "y": x if y is None else y, "batch_size": batch_size}
    history = model.fit(
        **data,
        epochs=epochs,
        validation_data=validation_data,
        callbacks=callbacks,
        verbose=verbose,
    )
    if verbose == 0:
        print(summary_line(model.name, history.history))
    return history


class FreshBinaryBatches(keras.utils.PyDataset):
    """Batches of ``images`` binarised afresh at every pass, in a new order each time: ``(batch, batch)``.

    Batch ``i`` of pass ``p`` is drawn from the seed ``(seed, p, i)`` alone, so
    the batches do not depend on the order in which Keras asks for them.
    """

    def __init__(self, images, batch_size, *, seed):
        super().__init__()
        self.images = _checks.unit_images(images)
        self.batch_size, self.seed, self.passes = batch_size, seed, 0
        self.order = self._shuffled()

    def __len__(self):
        return math.ceil(len(self.images) / self.batch_size)

    def __getitem__(self, index):
        chosen = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        grey = self.images[chosen]
        rng = np.random.default_rng((self.seed, self.passes, index))
        batch = (rng.uniform(size=grey.shape) < grey).astype("float32")
        return batch, batch

    def on_epoch_end(self):
        self.passes += 1
        self.order = self._shuffled()

    def _shuffled(self):
        return np.random.default_rng((self.seed, self.passes)).permutation(len(self.images))


def summary_line(name, logs):
    """``"name: 10 epochs, loss 0.0123, val_loss 0.0125"``: the last value of each log.

    Lines longer than 79 characters are wrapped, with the continuation indented.
    """
    epochs = len(next(iter(logs.values()), []))
    # the loss first, then the other metrics, then their validation twins
    order = sorted(logs, key=lambda key: (key.startswith("val_"), key.removeprefix("val_") != "loss", key))
    items = [f"{name}: {epochs} epoch{'s' if epochs != 1 else ''}"]
    items += [f"{key} {_short(logs[key][-1])}" for key in order if logs[key]]
    lines = [items[0]]
    for item in items[1:]:  # break between items, never inside one: 79 columns at most
        if len(lines[-1]) + len(item) + 2 > 79:
            lines[-1] += ","
            lines.append("    " + item)
        else:
            lines[-1] += ", " + item
    return "\n".join(lines)


def _short(value):
    return f"{value:.4g}"


def _optimizer(optimizer, learning_rate, cosine_decay, steps):
    if isinstance(optimizer, keras.optimizers.Optimizer):
        if learning_rate != 1e-3 or cosine_decay:
            raise ValueError(
                "Pass learning_rate and cosine_decay only with an optimiser's name; an optimiser "
                f"instance brings its own. Received: optimizer={type(optimizer).__name__}, "
                f"learning_rate={learning_rate}, cosine_decay={cosine_decay}"
            )
        return optimizer
    _checks.one_of("optimizer", optimizer, tuple(OPTIMIZERS))
    learning_rate = _checks.positive_number("learning_rate", learning_rate)
    if cosine_decay:
        learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, steps)
    return OPTIMIZERS[optimizer](learning_rate)


def glue(name, value):
    """Record a chapter's headline number under ``name`` for the results page.

    In the book build this is MyST-NB's ``glue`` (nothing is shown where it is
    called; the results page pastes the value). Elsewhere, on Colab or in a
    plain Jupyter, it does nothing. Used by every chapter.

    Args:
        name: the key, ``chNN_what`` (e.g. ``"ch01_mse_ratio"``).
        value: a number (or short text).

    Returns:
        ``value``, unchanged.
    """
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # Colab and plain Jupyter: no book to paste into
        return value
    # a NumPy scalar would be pasted as "np.float64(...)", which the page cannot format
    myst_glue(name, value.item() if isinstance(value, np.generic) else value, display=False)
    return value
