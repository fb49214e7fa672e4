"""Recipes for Hinton & Salakhutdinov's deep autoencoder, trained from random weights on a CPU.

Their 784-1000-500-250-30 autoencoder (linear code, logistic output), pretrained
as a stack of RBMs and fine-tuned, reconstructs the 10,000 MNIST test digits
with a squared error of 3.00 per image (Hinton & Salakhutdinov 2006, Fig. 2B).
Each recipe here trains the same architecture on the 60,000 training digits and
records its curve: the test error (and the error on 10,000 training digits, to
show overfitting) after every epoch, against the seconds of training. The
curves are kept in ``benchmarks/deep_autoencoder.json``, one entry per recipe,
so that a new attempt starts from what was tried; the results page plots them,
``benchmarks/papers.py`` trains ``RECORD`` for its row, and its row without
more data quotes the best committed run of the recipes without shifted copies.

Run recipes (each of those below took 4 to 31 minutes on one CPU core;
TensorFlow's thread variables keep a run to one core, so that two recipes can
run side by side; the number of threads changes the last digits of the curve):

    COMPANION_DATA=/path/to/folder TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 \
        .venv/bin/python benchmarks/deep_autoencoder.py --recipe logistic_bn_noise

Check that everything runs (tiny subsets, one epoch), without touching the
committed curves:

    COMPANION_DATA=/path/to/folder .venv/bin/python benchmarks/deep_autoencoder.py --quick --output /tmp/deep.json
"""

import argparse  # noqa: I001  (companion is imported before Keras on purpose)
import dataclasses
import math
import os
import sys
import time

import numpy as np

import companion as cp  # before Keras: keeps TensorFlow's native logs quiet
import keras
import tensorflow as tf
from threadpoolctl import threadpool_limits

import results
from _common import (DEEP_AUTOENCODER_JSON, QUICK_SIZES, SEED, load_real_mnist, parse_with_quick_check,
                     seed_everything)

HIDDEN_SIZES, CODE_SIZE = (1000, 500, 250), 30
CURVE_IMAGES = 10_000  # training digits whose error is tracked next to the test error


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How the network is trained; the architecture never changes."""

    epochs: int
    batch_size: int
    learning_rate: float  # the peak of the schedule
    activation: str = "relu"  # of the hidden layers
    batch_normalization: bool = False
    input_noise: float = 0.0  # standard deviation of Gaussian noise on the inputs, in training only
    shifted_copies: int = 0  # copies of the training set, each digit moved by up to one pixel
    warmup_epochs: int = 0  # linear rise of the learning rate before the cosine decay
    weight_averaging: float = 0.0  # momentum of a moving average of the weights, which the model ends with (0: none)

    def settings(self):
        """The recipe in one line, for the tables."""
        units = {"relu": "ReLU", "sigmoid": "logistic"}.get(self.activation, self.activation)
        parts = [f"{units} hidden units", "linear code, logistic output, cross-entropy"]
        if self.batch_normalization:
            parts.append("batch normalisation")
        if self.input_noise:
            parts.append(f"Gaussian input noise {self.input_noise:g}")
        if self.shifted_copies:
            parts.append(f"training set plus {self.shifted_copies} copies shifted by up to 1 pixel")
        warmup = f"{self.warmup_epochs}-epoch warm-up, " if self.warmup_epochs else ""
        parts.append(f"Adam {self.learning_rate:g}, {warmup}cosine decay, batch {self.batch_size}")
        if self.weight_averaging:
            parts.append(f"weights averaged (moving average, momentum {self.weight_averaging:g})")
        parts.append(f"{self.epochs} epochs, no pretraining")
        return ", ".join(parts)


RECIPES = {
    # The results page's first attempt: ReLU units and Adam with a cosine decay, as the chapters train.
    "relu_adam": Recipe(epochs=30, batch_size=128, learning_rate=1e-3),
    # The paper's logistic units, made trainable from random weights by batch normalisation;
    # Gaussian input noise against the overfitting that longer training brings.
    "logistic_bn_noise": Recipe(epochs=80, batch_size=256, learning_rate=2e-3, activation="sigmoid",
                                batch_normalization=True, input_noise=0.1, warmup_epochs=2),
    # ReLU with batch normalisation and input noise, on a training set four times larger:
    # every digit also appears shifted by up to one pixel in each direction.
    "relu_bn_noise_shifts": Recipe(epochs=20, batch_size=256, learning_rate=2e-3, batch_normalization=True,
                                   input_noise=0.1, shifted_copies=3, warmup_epochs=1),
    # The same with more data (five shifted copies) or more passes (30 epochs over four copies).
    "relu_bn_noise_more_shifts": Recipe(epochs=20, batch_size=256, learning_rate=2e-3, batch_normalization=True,
                                        input_noise=0.1, shifted_copies=5, warmup_epochs=1),
    "relu_bn_noise_shifts_longer": Recipe(epochs=30, batch_size=256, learning_rate=2e-3, batch_normalization=True,
                                          input_noise=0.1, shifted_copies=3, warmup_epochs=1),
    # Without more data: every digit only as it is; against overfitting, stronger input noise, more passes
    # and a moving average of the weights, which the model ends with.
    "relu_noise_averaged": Recipe(epochs=160, batch_size=256, learning_rate=1e-3, input_noise=0.2,
                                  weight_averaging=0.999),
}
RECORD = "relu_bn_noise_more_shifts"  # the recipe behind the row of benchmarks/papers.py: the best so far


def without_more_data(curves):
    """``(name, entry)`` of the committed runs of the recipes that train on the digits alone, best first.

    Args:
        curves: the contents of ``deep_autoencoder.json``.
    """
    return [(name, entry) for name, entry in results.recipes_of(curves) if RECIPES[name].shifted_copies == 0]


def shifted_copies(images, copies, seed):
    """``images`` (n, 784) followed by ``copies`` copies, each digit moved by a random (dy, dx) in {-1, 0, 1}²."""
    rng = np.random.default_rng(seed)
    square = images.reshape(-1, 28, 28)
    out = [images]
    for _ in range(copies):
        shifts = rng.integers(-1, 2, size=(len(images), 2))
        moved = np.zeros_like(square)
        for (dy, dx) in {tuple(s) for s in shifts}:
            chosen = np.all(shifts == (dy, dx), axis=1)
            moved[chosen] = np.roll(square[chosen], (dy, dx), axis=(1, 2))  # MNIST's borders are blank
        out.append(moved.reshape(len(images), -1))
    return np.concatenate(out)


def build(recipe):
    corruption = cp.Corruption("gaussian", recipe.input_noise, seed=SEED) if recipe.input_noise else None
    return cp.build_stacked_autoencoder(input_shape=(784,), code_size=CODE_SIZE, hidden_sizes=HIDDEN_SIZES,
                                        activation=recipe.activation, code_activation=None,
                                        output_activation="sigmoid", corruption=corruption,
                                        batch_normalization=recipe.batch_normalization,
                                        name="hinton_autoencoder")


def optimizer(recipe, steps_per_epoch):
    total, warmup = recipe.epochs * steps_per_epoch, recipe.warmup_epochs * steps_per_epoch
    if warmup:
        schedule = keras.optimizers.schedules.CosineDecay(0.0, total - warmup, warmup_target=recipe.learning_rate,
                                                          warmup_steps=warmup)
    else:
        schedule = keras.optimizers.schedules.CosineDecay(recipe.learning_rate, total)
    if recipe.weight_averaging:
        return keras.optimizers.Adam(schedule, use_ema=True, ema_momentum=recipe.weight_averaging)
    return keras.optimizers.Adam(schedule)


class Curve(keras.callbacks.Callback):
    """After every epoch: seconds of training so far (measurement excluded), test and training error.

    It measures the weights as trained: a recipe with a moving average of the weights gets the average only
    when fit ends, so its final test error (``train_recipe``'s entry) is the averaged model's.
    """

    def __init__(self, x_test, x_seen):
        super().__init__()
        self.x_test, self.x_seen = x_test, x_seen
        self.points = {"epoch": [], "seconds": [], "test_error": [], "train_error": []}

    def on_train_begin(self, logs=None):
        self.start, self.measuring = time.perf_counter(), 0.0

    def on_epoch_end(self, epoch, logs=None):
        begin = time.perf_counter()
        self.points["epoch"].append(epoch + 1)
        self.points["seconds"].append(begin - self.start - self.measuring)
        self.points["test_error"].append(error(self.model, self.x_test))
        self.points["train_error"].append(error(self.model, self.x_seen))
        self.measuring += time.perf_counter() - begin
        print(f"  epoch {epoch + 1}: test {self.points['test_error'][-1]:.3f}, "
              f"train {self.points['train_error'][-1]:.3f}", flush=True)


def error(model, images):
    return cp.squared_error_per_image(images, model.predict(images, batch_size=1000, verbose=0))


def recipe_for(name, epochs=None):
    """Recipe ``name``, with ``epochs`` in place of its own count (and a warm-up shorter than them) if given."""
    recipe = RECIPES[name]
    if epochs is None:
        return recipe
    return dataclasses.replace(recipe, epochs=epochs, warmup_epochs=min(recipe.warmup_epochs, epochs - 1))


def train_recipe(name, x_train, x_test, epochs=None):
    """Train recipe ``name`` (``epochs`` overrides its count); return the model and its entry for the JSON file."""
    recipe = recipe_for(name, epochs)
    seed_everything()
    x = shifted_copies(x_train, recipe.shifted_copies, seed=SEED) if recipe.shifted_copies else x_train
    model = build(recipe)
    curve = Curve(x_test, x_train[:CURVE_IMAGES])
    start = time.perf_counter()
    cp.train(model, x, loss="binary_crossentropy", epochs=recipe.epochs, batch_size=recipe.batch_size,
             optimizer=optimizer(recipe, math.ceil(len(x) / recipe.batch_size)), callbacks=[curve])
    seconds = time.perf_counter() - start - curve.measuring
    entry = {"settings": recipe.settings(), "epochs": recipe.epochs, "shifted_copies": recipe.shifted_copies,
             "test_error": error(model, x_test), "seconds": seconds, "curve": curve.points}
    return model, entry


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", nargs="+", choices=list(RECIPES), default=list(RECIPES), metavar="RECIPE",
                        help=f"recipes to run (default: all): {', '.join(RECIPES)}")
    return parse_with_quick_check(parser, argv, DEEP_AUTOENCODER_JSON, "curves JSON")


def main(argv=None):
    args = parse_args(argv)
    # TensorFlow reads its threads from the environment when companion starts it; NumPy's follow
    threads = int(os.environ.get("TF_NUM_INTRAOP_THREADS", 0)) or None
    (x_train, _), (x_test, _) = load_real_mnist(*(QUICK_SIZES if args.quick else (None, None)))
    with threadpool_limits(threads):
        for name in args.recipe:
            print(f"{name}: {RECIPES[name].settings()}", flush=True)
            _, entry = train_recipe(name, x_train, x_test, epochs=1 if args.quick else None)
            entry.update(date=results.now(), threads=threads or "all",
                         machine=results.machine_info(gpu_count=len(tf.config.list_physical_devices("GPU"))))
            saved = results.read_json(args.output) or {"recipes": {}}
            saved["recipes"][name] = entry
            results.write_json(args.output, saved)
            print(f"{name}: test error {entry['test_error']:.3f} after {results.format_duration(entry['seconds'])}",
                  flush=True)


if __name__ == "__main__":
    sys.exit(main())
