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
    history = model.fit(
        x,
        x if y is None else y,
        epochs=epochs,
        batch_size=batch_size,
        validation_data=validation_data,
        callbacks=callbacks,
        verbose=verbose,
    )
    if verbose == 0:
        print(summary_line(model.name, history.history))
    return history


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
