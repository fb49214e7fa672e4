"""Measuring a learner's trained model on held-out digits that the checker loads itself.

The exercises that ask the learner to train something are graded by what the
trained model does, not by its code. The helpers here load the checker's own
test digits, feed them to the learner's model in the shape it declares, and
read back finite arrays; when something goes wrong they end the check with a
wrong Verdict that says what was expected and what came. They must be called
inside a function decorated with :func:`companion.exercises._verdict.checker`.

Digits come from :func:`held_out_digits` only, errors are measured with
:func:`pixel_mse`, and a measured number is compared with its bound by a
:class:`Target`; :func:`verdict_on` prints each next to the other.
"""

import math
import warnings
from dataclasses import dataclass

import numpy as np

from companion.exercises._verdict import (
    correct,
    end_check,
    is_unattempted,
    learner_code,
    shown,
    unattempted,
    wrong,
)

IMAGE_SHAPES = "(784,), (28, 28) or (28, 28, 1)"


SPLITS = ("test", "train")


def _checker_digits(split, n):
    """MNIST digits of ``split`` for a checker: ``(images (m, 28, 28) in [0, 1], labels)``.

    All the test digits, or the first ``n`` training digits.

    The one place where the checkers load data. Tests replace it (the fixture
    ``checker_digits`` of ``tests/exercise_fixtures.py``) so that no checker
    reads the MNIST file in a unit test.
    """
    from companion.data import load_mnist  # the data module imports Keras: load it when needed

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the offline fallback warns once already in the chapter's setup
        (train, train_labels), (test, test_labels) = load_mnist(n_train=n if split == "train" else 1)
    return (test, test_labels) if split == "test" else (train, train_labels)


def held_out_digits(n, *, split="test"):
    """``n`` digits that the checker loads itself, and their labels.

    The one way a checker gets digits: the last ``n`` test digits (the chapters
    train on training digits and show the first test digits), or, with
    ``split="train"``, the first ``n`` training digits, for a reference that the
    checker fits itself (Chapter 1's PCA). Fewer come back when there are fewer.

    Args:
        n: how many digits, a positive whole number.
        split: ``"test"`` (held out from every model of the chapter) or ``"train"``.

    Returns:
        ``(images, labels)``: float32 images of shape ``(n, 28, 28)`` in [0, 1],
        and int64 labels of shape ``(n,)``.

    Raises:
        ValueError: for a split other than ``"test"`` or ``"train"``, or an ``n``
            that is not a positive whole number (a bug of the checker).
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}. Received: split={split!r}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive whole number. Received: n={n!r}")
    images, labels = _checker_digits(split, n)
    chosen = slice(-n, None) if split == "test" else slice(0, n)
    images = np.asarray(images[chosen], dtype="float32")
    return images.reshape(len(images), 28, 28), np.asarray(labels[chosen]).astype("int64")


def pixel_mse(a, b, *, per_image=False):
    """Mean squared error per pixel between two batches of images (Keras' ``"mse"``).

    The one error measure of the checkers: images of any shape are compared
    flat, so ``(n, 784)`` and ``(n, 28, 28)`` give the same number.

    Args:
        a, b: batches with the same number of images and of values per image.
        per_image: return one error per image instead of their mean.

    Returns:
        float, or a float64 array of shape ``(n,)`` with ``per_image=True``.

    Raises:
        ValueError: if the batches differ in size (a bug of the checker: the
            learner's outputs are read with :func:`reconstruct` first).
    """
    a = np.asarray(a, dtype="float64")
    b = np.asarray(b, dtype="float64")
    if len(a) != len(b) or a.size != b.size:
        raise ValueError(f"a and b must hold as many images of as many values. Received: shapes {a.shape} and "
                         f"{b.shape}")
    errors = np.mean((a.reshape(len(a), -1) - b.reshape(len(b), -1)) ** 2, axis=1)
    return errors if per_image else float(np.mean(errors))


def not_a_model(model, asked, needs=()):
    """A Verdict when ``model`` is not yet an answer, else None.

    Args:
        model: what the learner passed.
        asked: what the exercise asks for, e.g. ``"a denoising autoencoder"``.
        needs: attribute names the answer must have, e.g. ``("encoder", "decoder")``;
            an answer with them need not be callable itself.

    Returns:
        An unattempted Verdict for ``...`` or None, a wrong one for an object
        that cannot be called or lacks an attribute, else None.
    """
    if is_unattempted(model):
        return unattempted(f"train {asked} and pass it to the checker.")
    if not (callable(model) or needs):
        return wrong(f"Expected {asked} (a Keras model). Received: {shown(model)} of type {type(model).__name__}.")
    missing = [name for name in needs if getattr(model, name, None) is None]
    if missing:
        listed = " and ".join(f".{name}" for name in missing)
        return wrong(f"Expected {asked} with {listed}, such as a model from a companion builder. "
                     f"Received: {shown(model)} of type {type(model).__name__}, without it.")
    return None


def declared_input_shape(model):
    """The input shape a Keras model declares (without the batch axis), or None if it declares none."""
    for owner in (model, getattr(model, "encoder", None)):  # a functional model, or an Autoencoder's encoder
        try:
            return tuple(owner.inputs[0].shape[1:])
        except Exception:  # no symbolic inputs here: look further
            continue
    return None


def model_input(model, images):
    """``images`` reshaped to the input shape ``model`` declares; ends the check if it takes no such input."""
    shape = declared_input_shape(model)
    if shape is None:
        return images.astype("float32")
    pixels = int(np.prod(images.shape[1:]))
    if None in shape or math.prod(shape) != pixels:
        end_check(wrong(f"your model takes inputs of shape {shape}; the checker's images have {pixels} values "
                        f"each. Build it with input_shape {IMAGE_SHAPES}."))
    return images.reshape((len(images), *shape)).astype("float32")


def model_output(model, batch, doing="calling your model on the checker's digits"):
    """What ``model`` returns for ``batch``, as a finite float64 array; ends the check otherwise."""
    with learner_code(doing):
        output = model.predict(batch, batch_size=500, verbose=0) if hasattr(model, "predict") else model(batch)
    with learner_code(f"reading what {doing.removeprefix('calling ')} returned"):
        if isinstance(output, (list, tuple)):  # a VAE encoder's [z_mean, z_log_var, ...]: the means
            output = output[0]
        array = np.asarray(output)
        if array.dtype.kind not in "biuf":
            end_check(wrong(f"Expected an array of numbers from your model. Received: {shown(output)}."))
        array = array.astype("float64")
    if array.ndim == 0 or len(array) != len(batch):
        end_check(wrong(f"Expected one output per image ({len(batch)}). Received: shape {array.shape}."))
    if not np.all(np.isfinite(array)):
        end_check(wrong("your model returned NaN or infinite values: did training diverge? Try a smaller "
                        "learning rate."))
    return array


def reconstruct(model, images):
    """The model's reconstructions of ``images``, flat, shape ``(n, pixels)``; ends the check otherwise."""
    output = model_output(model, model_input(model, images))
    flat = output.reshape(len(images), -1)
    if flat.shape[1] != math.prod(images.shape[1:]):
        end_check(wrong(f"an autoencoder gives back an image of the input's size: {images.shape[1:]} in, "
                        f"{output.shape[1:]} out. Check the decoder's last layer."))
    return flat


def encode(encoder, images):
    """The encoder's codes of ``images``, shape ``(n, code size)``; ends the check otherwise."""
    codes = model_output(encoder, model_input(encoder, images), doing="calling your encoder on the checker's digits")
    return codes.reshape(len(images), -1)


@dataclass(frozen=True)
class Target:
    """One measured number and the bound it must meet.

    Attributes:
        name: what was measured, e.g. ``"PSNR gain"``.
        value: the measured value.
        bound: the value to reach.
        at_least: True when the value must be at least ``bound``, False for at most.
        unit: printed after the numbers, e.g. ``" dB"``.
        digits: decimals printed.
    """

    name: str
    value: float
    bound: float
    at_least: bool
    unit: str = ""
    digits: int = 2

    @property
    def met(self):
        return self.value >= self.bound if self.at_least else self.value <= self.bound

    def __str__(self):
        relation = "at least" if self.at_least else "at most"
        return (f"your {self.name}: {self.value:.{self.digits}f}{self.unit}; needed: {relation} "
                f"{self.bound:.{self.digits}f}{self.unit}")


def verdict_on(targets, where, hints):
    """Correct when every target is met; the message lists each measured value next to its bound.

    Args:
        targets: the :class:`Target` objects.
        where: on what they were measured, e.g. ``"on 1,000 test digits it never saw"``; the
            message starts with it, after the verdict's heading.
        hints: the usual causes of a miss, shown when a target is not met.

    Returns:
        Verdict.
    """
    measured = f"{where}: " + "; ".join(str(target) for target in targets) + "."
    if all(target.met for target in targets):
        return correct(measured)
    return wrong(f"{measured}\n{hints}")

