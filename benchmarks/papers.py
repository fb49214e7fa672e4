"""Reproduce the papers behind the course on full MNIST, on CPU, and write ``benchmarks/papers.json``.

Only the paper-scale runs that do not fit in a chapter are here: the linear
autoencoder against PCA at Hinton & Salakhutdinov's code size, their deep
autoencoder (and, without more data, the best committed run of
``benchmarks/deep_autoencoder.py``, which that row quotes), Kingma & Welling's
VAE, the test log-likelihood of Burda et al.'s VAE on binarised digits, the
Keras convolutional VAE, and the
one-class MNIST table of Ruff et al. (2018) with every score of Chapter 11 on
all ten digits, and the semi-supervised MNIST table of Kingma et al. (2014)
with a VAE's and a contractive autoencoder's codes. Each row
puts our number next to the one a paper or the Keras example gives for the same
metric. The chapters' own headline numbers reach the results page
(``book/results.md``) from the chapters themselves, with MyST-NB's glue; where a
run here follows a chapter, its settings come from ``companion.settings``.

Run it from the repository root with the MNIST file (about an hour and a half on 2 CPU
cores; the epochs of each experiment are in ``FULL`` below):

    COMPANION_DATA=/path/to/folder nice -n 5 .venv/bin/python benchmarks/papers.py

Re-run some experiments only; the other rows of the JSON file are kept:

    COMPANION_DATA=/path/to/folder .venv/bin/python benchmarks/papers.py --only vae_dense

Check that everything runs end to end (tiny subsets, one epoch, about a minute);
the output path is required and may not be the committed file:

    COMPANION_DATA=/path/to/folder .venv/bin/python benchmarks/papers.py --quick --output /tmp/papers.json

The book shows the results at its next build.
"""

import argparse  # noqa: I001  (companion is imported before Keras on purpose)
import functools
import math
import os
import sys
import time

import numpy as np

import companion as cp  # before Keras: keeps TensorFlow's native logs quiet
import keras
import tensorflow as tf
from companion.settings import ch01, ch11
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

import deep_autoencoder
import results
from _common import (PAPERS_JSON, QUICK_SIZES, SEED, load_real_mnist, parse_with_quick_check,
                     seed_everything)

CODE_SIZE = deep_autoencoder.CODE_SIZE  # Hinton & Salakhutdinov's code size, for PCA and the autoencoder alike

# Numbers the sources report, on the metric of each row (the page's prose says where each comes from).
HINTON_AUTOENCODER = results.HINTON_TEST_ERROR  # 784-1000-500-250-30, RBM-pretrained (the recipes' figure uses it too)
HINTON_PCA = 13.87  # the same for PCA with 30 components
# Martens (2010) trained the same network from random weights with Hessian-free optimisation; Sutskever et al.
# (2013, Table 1, column HF*) quote his MNIST training error, with L2 regularisation. It is no test error, and
# the row gives it as a detail only.
MARTENS_TRAINING_ERROR = 1.4
KINGMA_ELBO = -100.0  # test lower bound per binarised image, N_z = 20, read off Figure 2 (within a few nats)
BURDA_VAE_LOG_LIKELIHOOD = results.BURDA_VAE_LOG_LIKELIHOOD  # Table 1: their VAE, one stochastic layer
BURDA_IWAE_LOG_LIKELIHOOD = results.BURDA_IWAE_LOG_LIKELIHOOD  # and their IWAE, k = 50
# The keras.io VAE example's mean loss per image in each of its 30 epochs (its `total_loss`
# metric, in the log of the version last modified on 2024-04-24): the reference at our last epoch.
KERAS_VAE_LOSS_BY_EPOCH = (
    213.84, 172.53, 165.35, 162.23, 160.27, 158.89, 157.83, 156.84, 156.05, 155.49,
    154.95, 154.36, 153.87, 153.64, 153.21, 152.93, 152.59, 152.28, 152.10, 151.86,
    151.61, 151.45, 151.27, 151.14, 151.01, 150.88, 150.72, 150.61, 150.48, 150.40,
)

# Ruff et al. (2018), Table 1, MNIST: mean AUROC in % over ten seeds, normal digit 0 to 9.
RUFF_ONE_CLASS_DEEP_SVDD = (98.0, 99.7, 91.7, 91.9, 94.9, 88.5, 98.3, 94.6, 93.9, 96.5)
RUFF_DCAE = (97.6, 98.3, 85.4, 86.7, 86.5, 78.2, 94.6, 92.3, 86.5, 90.4)

# Kingma et al. (2014), Table 1: test error in % on MNIST with N labels: a neural network trained on the labels
# alone (NN), the contractive autoencoder (CAE: a published baseline of the table, its own column beside
# the TSVM's) and a TSVM on the VAE's features (M1+TSVM). NN at 100 labels: 25.81, as the table prints it.
KINGMA_SEMI_SUPERVISED = {
    100: {"NN": 25.81, "CAE": 13.47, "M1+TSVM": 11.82},
    600: {"NN": 11.44, "CAE": 6.3, "M1+TSVM": 5.72},
    1000: {"NN": 10.7, "CAE": 4.77, "M1+TSVM": 4.24},
}
SEMI_SUPERVISED_SEEDS = (1, 2, 3)  # labelled sets drawn per label count
SEMI_SUPERVISED_GRAPH = 20_000  # training images (labelled and not) in the label-spreading graph
# The rows of each label count: id, what is compared, our key in the errors, the paper's column.
SEMI_SUPERVISED_ROWS = (
    ("nn", "labels only: RBF SVM on the pixels vs the paper's NN", ("pixels", "SVM"), "NN"),
    ("cae", "CAE codes + RBF SVM vs the paper's CAE", ("CAE", "SVM"), "CAE"),
    ("cae_spreading", "CAE codes + label spreading vs the paper's CAE", ("CAE", "spreading"), "CAE"),
    ("m1", "VAE (M1) codes + RBF SVM vs M1+TSVM", ("VAE", "SVM"), "M1+TSVM"),
    ("m1_spreading", "VAE (M1) codes + label spreading vs M1+TSVM", ("VAE", "spreading"), "M1+TSVM"),
)

# Epochs per experiment: the full run, and the quick check of the script (with tiny subsets).
FULL = {
    "linear_vs_pca": ch01.FULL["linear_epochs"],
    "hinton2006": deep_autoencoder.RECIPES[deep_autoencoder.RECORD].epochs,
    "hinton2006_no_augmentation": 0,  # reads the committed run of its recipe: trains nothing
    "vae_dense": 30,
    "vae_conv": 12,  # of the example's 30, to keep this run under 15 minutes
    "one_class": ch11.FULL["epochs"],  # Chapter 11's epochs, for every score and every digit
    "semi_supervised": 15,  # of the VAE (M1) and of the contractive autoencoder
    "burda_vae": 350,  # passes over the training digits, each binarised anew (the paper made 3,280)
}
QUICK = dict.fromkeys(FULL, 1)
# The normal digits of the one-class experiment: all ten in the full run; in the quick check two, which run
# the same code as the other eight (five models trained and scored per digit, most of the quick check's time).
DIGITS = tuple(range(10))
QUICK_DIGITS = (0, 1)
FULL_SIZES = (60_000, 10_000)  # MNIST's training and test images: the full run's

# What the experiments build and how they train them, exactly as passed to companion; the settings sentences of
# the results page are made of these values (see the *_settings functions), so that they cannot drift apart.
PIXELS = 784
LINEAR_FIT = {"loss": "mse", "batch_size": ch01.FULL["batch_size"], "learning_rate": ch01.FULL["learning_rate"],
              "cosine_decay": True}
VAE_DENSE = {"code_size": 20, "hidden_sizes": (500,)}
VAE_DENSE_FIT = {"batch_size": 100, "learning_rate": 1e-3}
BURDA_VAE = {"code_size": 50, "hidden_sizes": (200, 200), "activation": "tanh"}  # the paper's, one stochastic layer
BURDA_FIT = {"batch_size": 100, "learning_rate": 1e-3, "cosine_decay": True}
BURDA_ADAM_EPSILON = 1e-4  # the paper's
BURDA_SAMPLES = 5_000  # importance samples per test digit, as in the paper (the quick check: QUICK_SAMPLES)
QUICK_SAMPLES = 10
BURDA_CURVE_EVERY = 10  # epochs between two points of the test curve
VAE_CONV = {"code_size": 2, "kind": "conv", "filters": (32, 64), "hidden_sizes": (16,),
            "decoder": "transpose"}  # the Keras example's
VAE_CONV_FIT = {"batch_size": 128, "learning_rate": 1e-3}
ONE_CLASS_FIT = {"loss": "binary_crossentropy", "batch_size": ch11.FULL["batch_size"],
                 "learning_rate": ch11.FULL["learning_rate"]}
M1 = {"code_size": 50, "hidden_sizes": (600, 600)}  # the VAE of Kingma et al.'s M1
M1_FIT = {"batch_size": 100, "learning_rate": 1e-3}
CAE = {"code_size": 200, "contraction": 0.01}
CAE_FIT = {"loss": "binary_crossentropy", "batch_size": 100, "learning_rate": 3e-3}
SPREADING_NEIGHBOURS = 10
LOSS_NAMES = {"mse": "MSE", "binary_crossentropy": "cross-entropy"}
DECODER_NAMES = {"transpose": "transposed convolutions", "upsampling": "upsampling and convolutions"}


class Workbench:
    """The data of one run, its epochs, and the PCA fit that two experiments share."""

    def __init__(self, epochs, n_train=None, n_test=None, digits=DIGITS, samples=BURDA_SAMPLES):
        (self.x_train, self.y_train), (self.x_test, self.y_test) = load_real_mnist(n_train, n_test)
        self.epochs = epochs
        self.digits = digits  # the one-class experiment's normal digits
        self.samples = samples  # importance samples per test digit of the log-likelihood

    def settings(self, name):
        """``{row id: settings sentence}`` of experiment ``name`` in this run."""
        return settings_of(name, self.epochs[name], len(self.x_train), len(self.x_test))

    @functools.cached_property
    def pca(self):
        """Mean, the ``CODE_SIZE`` leading principal axes of the training images, and the fit's seconds."""
        start = time.perf_counter()
        x = self.x_train.astype("float64")
        mean = x.mean(axis=0)  # centred, as standard PCA
        _, _, axes = np.linalg.svd(x - mean, full_matrices=False)
        return mean, axes[:CODE_SIZE], time.perf_counter() - start

    def pca_reconstruct(self, images):
        """Project images on the principal subspace and map them back to pixels."""
        mean, axes, _ = self.pca
        return ((images - mean) @ axes.T @ axes + mean).astype("float32")


def make_row(row_id, *, experiment, metric, cites, reference_kind, reference, ours, decimals, seconds, settings,
             details=(), curve=None):
    """One row of the results table: their number and ours, on the same metric.

    Args:
        row_id: a stable identifier.
        experiment: what was trained or measured, in a few words.
        metric: the metric both numbers are on.
        cites: keys of ``book/references.bib``.
        reference_kind: ``"paper"``, ``"example"`` (Keras) or ``"bound"`` (a theorem's
            optimum, computed here).
        reference: their number.
        ours: our number.
        decimals: decimals shown for both numbers.
        seconds: wall time of the training and measurement behind ``ours``.
        settings: ``{row id: sentence}`` of the experiment (:func:`settings_of`); the row's sentence says its
            architecture, optimiser, batch size and epochs, in a few words.
        details: ``(label, value)`` pairs shown with the settings.
        curve: optional ``{name: list}`` of the training curve (``"epoch"`` and the values measured then).
    """
    row = {"id": row_id, "experiment": experiment, "metric": metric, "cites": list(cites),
           "reference_kind": reference_kind, "reference": float(reference), "ours": float(ours),
           "decimals": decimals, "seconds": float(seconds), "settings": settings[row_id],
           "details": [[label, value] for label, value in details]}
    if curve is not None:
        row["curve"] = curve
    return row


def epochs_text(count):
    """``"1 epoch"``, ``"30 epochs"``."""
    return f"{count} epoch" if count == 1 else f"{count} epochs"


def layers_text(*sizes):
    """``"784-500-20"``."""
    return "-".join(str(size) for size in sizes)


def fit_text(epochs, *, batch_size, learning_rate, loss=None, cosine_decay=False):
    """How ``cp.train`` was called, in words: ``"MSE, Adam 0.002 with cosine decay, batch 64, 10 epochs"``."""
    loss = f"{LOSS_NAMES[loss]}, " if loss else ""
    decay = " with cosine decay" if cosine_decay else ""
    return f"{loss}Adam {learning_rate:g}{decay}, batch {batch_size}, {epochs_text(epochs)}"


def vae_terms(reconstruction, kl, when=""):
    """The details of a VAE's row: its ELBO's two terms."""
    return [(f"reconstruction term{when}", f"{reconstruction:.1f} nats"), (f"KL term{when}", f"{kl:.1f} nats")]


def predict(model, x):
    return model.predict(x, batch_size=1000, verbose=0)


def linear_vs_pca_settings(epochs, n_train, n_test):
    return {"linear_ae_vs_pca": f"{layers_text(PIXELS, CODE_SIZE, PIXELS)} linear, {fit_text(epochs, **LINEAR_FIT)} "
                                "(Chapter 1's settings)"}


def linear_vs_pca(bench):
    """Chapter 1's linear autoencoder, trained as the chapter trains it, against PCA at code size 30."""
    seed_everything()
    start = time.perf_counter()
    model = cp.build_linear_autoencoder(input_shape=(PIXELS,), code_size=CODE_SIZE)
    cp.train(model, bench.x_train, epochs=bench.epochs["linear_vs_pca"], **LINEAR_FIT)
    linear_mse = cp.mse_per_pixel(bench.x_test, predict(model, bench.x_test))
    seconds = time.perf_counter() - start
    return [make_row(
        "linear_ae_vs_pca",
        experiment=f"Linear AE vs PCA, code size {CODE_SIZE}",
        metric="test MSE per pixel",
        cites=["eckart1936approximation", "baldi1989neural"],
        reference_kind="bound",
        reference=cp.mse_per_pixel(bench.x_test, bench.pca_reconstruct(bench.x_test)),
        ours=linear_mse,
        decimals=5,
        seconds=seconds + bench.pca[2],
        settings=bench.settings("linear_vs_pca"),
    )]


def hinton2006_settings(epochs, n_train, n_test):
    return {"hinton_pca": f"centred PCA fitted on the {n_train:,} training images, pixels in [0, 1]",
            "hinton_deep_ae": deep_autoencoder.recipe_for(deep_autoencoder.RECORD, epochs).settings()}


def hinton2006(bench):
    """Hinton & Salakhutdinov (2006): PCA and a 784-1000-500-250-30 autoencoder on MNIST."""
    row = functools.partial(make_row, metric="squared error per test image", cites=["hinton2006reducing"],
                            reference_kind="paper", decimals=2, settings=bench.settings("hinton2006"))
    pca_row = row(
        "hinton_pca",
        experiment=f"PCA, {CODE_SIZE} components",
        reference=HINTON_PCA,
        ours=cp.squared_error_per_image(bench.x_test, bench.pca_reconstruct(bench.x_test)),
        seconds=bench.pca[2],
    )
    # the recipe and its curve: benchmarks/deep_autoencoder.py, which keeps every recipe tried
    _, recipe = deep_autoencoder.train_recipe(deep_autoencoder.RECORD, bench.x_train, bench.x_test,
                                              epochs=bench.epochs["hinton2006"])
    autoencoder_row = row(
        "hinton_deep_ae",
        experiment=f"Deep AE {layers_text(PIXELS, *deep_autoencoder.HIDDEN_SIZES, CODE_SIZE)}",
        reference=HINTON_AUTOENCODER,
        ours=recipe["test_error"],
        seconds=recipe["seconds"],
        details=[("recipe", f"{deep_autoencoder.RECORD} in benchmarks/deep_autoencoder.py")],
    )
    return [pca_row, autoencoder_row]


def unaugmented_runs():
    """The committed runs of the recipes without shifted copies (``deep_autoencoder.json``), best first."""
    return deep_autoencoder.without_more_data(results.read_json(results.DEEP_AUTOENCODER_JSON))


def hinton2006_no_augmentation_settings(epochs, n_train, n_test):
    """The settings of the quoted recipe; the arguments are unused, since the row trains nothing."""
    name, _ = unaugmented_runs()[0]
    return {"hinton_deep_ae_no_augmentation": deep_autoencoder.RECIPES[name].settings()}


def hinton2006_no_augmentation(bench):
    """Hinton & Salakhutdinov's autoencoder trained on the 60,000 digits alone: the best recipe's committed run.

    Each recipe takes up to 45 minutes, so this row does not train it again: it
    reads the run of ``benchmarks/deep_autoencoder.py`` (curve, test error and
    training time), which keeps every recipe tried.
    """
    tried = unaugmented_runs()
    name, entry = tried[0]
    return [make_row(
        "hinton_deep_ae_no_augmentation",
        experiment=f"Deep AE {layers_text(PIXELS, *deep_autoencoder.HIDDEN_SIZES, CODE_SIZE)}, "
                   "without more data",
        metric="squared error per test image",
        cites=["hinton2006reducing", "martens2010deep", "sutskever2013importance"],
        reference_kind="paper",
        reference=HINTON_AUTOENCODER,
        ours=entry["test_error"],
        decimals=2,
        seconds=entry["seconds"],
        settings=bench.settings("hinton2006_no_augmentation"),
        details=[("recipe", f"{name} in benchmarks/deep_autoencoder.py, its run of {entry['date'][:10]}"),
                 ("every recipe without more data", "; ".join(f"{other} {run['test_error']:.2f}"
                                                             for other, run in tried)),
                 ("Martens (2010), from random weights", f"training error {MARTENS_TRAINING_ERROR} "
                  "(Hessian-free optimisation, L2 regularisation; as Sutskever et al. 2013, Table 1, quote it)")],
    )]


def vae_dense_settings(epochs, n_train, n_test):
    return {"vae_dense_elbo": "digits binarised once at random (pixel = 1 with probability its grey level), ReLU, "
                              f"Bernoulli decoder, {fit_text(epochs, **VAE_DENSE_FIT)}"}


def vae_dense(bench):
    """Kingma & Welling (2014): test ELBO on binarised digits of a VAE with 500 hidden units and 20 latents."""
    x_train, x_test = cp.binarise(bench.x_train, seed=1), cp.binarise(bench.x_test, seed=2)
    seed_everything()
    start = time.perf_counter()
    model = cp.build_vae(input_shape=(PIXELS,), kind="dense", seed=SEED, **VAE_DENSE)
    cp.train(model, x_train, epochs=bench.epochs["vae_dense"], **VAE_DENSE_FIT)
    result = model.evaluate(x_test, batch_size=1000, return_dict=True, verbose=0)
    return [make_row(
        "vae_dense_elbo",
        experiment=f"Dense VAE {layers_text(PIXELS, *VAE_DENSE['hidden_sizes'], VAE_DENSE['code_size'])}, "
                   "binarised digits",
        metric="ELBO per test image (nats)",
        cites=["kingma2014auto"],
        reference_kind="paper",
        reference=KINGMA_ELBO,
        ours=-result["loss"],
        decimals=1,
        seconds=time.perf_counter() - start,
        settings=bench.settings("vae_dense"),
        details=vae_terms(result["reconstruction_loss"], result["kl_loss"]),
    )]


def dynamically_binarised(images, batch_size, seed):
    """Shuffled batches of ``images``, binarised anew at every pass: each pixel is 1 with probability its grey level.

    The protocol of Burda et al. (2016) and of most log-likelihoods reported on MNIST: the model never sees the
    same binary digit twice, which keeps a model this size from overfitting one binarisation.
    ``cp.train(..., binarise=True)`` does the same on every backend; this TensorFlow pipeline draws the next
    batch while the model trains on this one, which saves time over 350 passes, and the committed row used it.
    """
    generator = tf.random.Generator.from_seed(seed)
    batches = (tf.data.Dataset.from_tensor_slices(images).shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
               .batch(batch_size))
    binarised = batches.map(lambda batch: tf.cast(generator.uniform(tf.shape(batch)) < batch, "float32"))
    return binarised.prefetch(tf.data.AUTOTUNE)  # the next batch is drawn while the model trains on this one


def burda_vae_settings(epochs, n_train, n_test):
    sizes = layers_text(PIXELS, *BURDA_VAE["hidden_sizes"], BURDA_VAE["code_size"])
    return {"burda_vae_log_likelihood": f"{sizes} tanh, Gaussian code, Bernoulli decoder; the {n_train:,} training "
                                        "digits binarised anew at every pass, the test digits once; "
                                        f"{fit_text(epochs, **BURDA_FIT)}, Adam's epsilon {BURDA_ADAM_EPSILON:g}; "
                                        "log-likelihood estimated with importance sampling"}


def burda_vae(bench):
    """Burda et al. (2016): test log-likelihood of a VAE on binarised MNIST, ``bench.samples`` importance samples
    per digit (5,000 in the full run, as in the paper)."""
    epochs = bench.epochs["burda_vae"]
    x_train = bench.x_train.reshape(-1, PIXELS)
    x_test = cp.binarise(bench.x_test.reshape(-1, PIXELS), seed=2)
    seed_everything()
    start = time.perf_counter()
    model = cp.build_vae((PIXELS,), seed=SEED, **BURDA_VAE)
    updates = epochs * math.ceil(len(x_train) / BURDA_FIT["batch_size"])
    schedule = keras.optimizers.schedules.CosineDecay(BURDA_FIT["learning_rate"], updates)
    model.compile(optimizer=keras.optimizers.Adam(schedule, epsilon=BURDA_ADAM_EPSILON))
    curve = {"epoch": [], "train_loss": [], "test_elbo": []}
    batches = dynamically_binarised(x_train, BURDA_FIT["batch_size"], seed=SEED)
    for first in range(0, epochs, BURDA_CURVE_EVERY):
        passes = min(BURDA_CURVE_EVERY, epochs - first)
        history = model.fit(batches, initial_epoch=first, epochs=first + passes, shuffle=False,  # shuffled above
                            verbose=0).history
        curve["epoch"].append(first + passes)
        curve["train_loss"].append(history["loss"][-1])
        curve["test_elbo"].append(-model.evaluate(x_test, batch_size=1000, verbose=0, return_dict=True)["loss"])
        print(f"  epoch {first + passes}: training loss {history['loss'][-1]:.2f}, "
              f"test ELBO {curve['test_elbo'][-1]:.2f} ({results.format_duration(time.perf_counter() - start)})",
              flush=True)
    log_likelihood = cp.importance_weighted_log_likelihood(model, x_test, k=bench.samples, seed=SEED, batch_size=10)
    error = log_likelihood.std(ddof=1) / math.sqrt(len(log_likelihood))
    return [make_row(
        "burda_vae_log_likelihood",
        experiment=f"Dense VAE {layers_text(PIXELS, *BURDA_VAE['hidden_sizes'], BURDA_VAE['code_size'])} tanh, "
                   "dynamically binarised digits",
        metric=f"test log-likelihood (nats), {bench.samples:,} importance samples",
        cites=["burda2016importance"],
        reference_kind="paper",
        reference=BURDA_VAE_LOG_LIKELIHOOD,
        ours=float(log_likelihood.mean()),
        decimals=2,
        seconds=time.perf_counter() - start,
        settings=bench.settings("burda_vae"),
        details=[("standard error of ours", f"{error:.2f} nats"),
                 ("ours in bits per pixel", f"{-log_likelihood.mean() / (PIXELS * math.log(2)):.4f}"),
                 ("paper's IWAE (k = 50)", f"{BURDA_IWAE_LOG_LIKELIHOOD:.2f}"),
                 ("test ELBO at the end", f"{curve['test_elbo'][-1]:.2f} nats")],
        curve=curve,
    )]


def vae_conv_settings(epochs, n_train, n_test):
    return {"keras_conv_vae": f"train + test images ({n_train + n_test:,}), stride-2 convolutions of "
                              f"{layers_text(*VAE_CONV['filters'])} filters and a dense layer of "
                              f"{layers_text(*VAE_CONV['hidden_sizes'])} units, {DECODER_NAMES[VAE_CONV['decoder']]} in "
                              f"the decoder, {fit_text(epochs, **VAE_CONV_FIT)}"}


def vae_conv(bench):
    """The keras.io convolutional VAE with a 2-D latent space: loss per image after its epochs."""
    epochs = bench.epochs["vae_conv"]
    if not 1 <= epochs <= len(KERAS_VAE_LOSS_BY_EPOCH):
        raise ValueError(f"The Keras example's log has {len(KERAS_VAE_LOSS_BY_EPOCH)} epochs to compare with. "
                         f"Received: epochs={epochs}")
    seed_everything()
    images = np.concatenate([bench.x_train, bench.x_test]).reshape(-1, 28, 28, 1)
    start = time.perf_counter()
    model = cp.build_vae(input_shape=(28, 28, 1), seed=SEED, **VAE_CONV)
    history = cp.train(model, images, epochs=epochs, **VAE_CONV_FIT).history
    return [make_row(
        "keras_conv_vae",
        experiment=f"Convolutional VAE, {VAE_CONV['code_size']}-D latent (Keras example)",
        metric=f"mean loss per image in epoch {epochs} (nats)",
        cites=["chollet2020vae"],
        reference_kind="example",
        reference=KERAS_VAE_LOSS_BY_EPOCH[epochs - 1],
        ours=history["loss"][-1],
        decimals=1,
        seconds=time.perf_counter() - start,
        settings=bench.settings("vae_conv"),
        details=vae_terms(history["reconstruction_loss"][-1], history["kl_loss"][-1], " in the last epoch"),
    )]


def one_class_scores(bench, digit, epochs):
    """AUROC in % of every score of Chapter 11 with ``digit`` as the normal class, and the dense AE's seconds."""
    settings = ch11.FULL
    x_train, x_test = bench.x_train.reshape(-1, 28, 28), bench.x_test.reshape(-1, 28, 28)
    normal, _ = cp.one_class_split(x_train, bench.y_train, digit, validation_fraction=settings["validation_fraction"],
                                   seed=digit)
    is_anomaly = bench.y_test != digit
    sizes = {"hidden_sizes": settings["hidden_sizes"]}
    fit = {**ONE_CLASS_FIT, "epochs": epochs}
    vae_fit = {key: value for key, value in fit.items() if key != "loss"}  # the VAE has its own loss

    def auroc(scores):
        return 100 * roc_auc_score(is_anomaly, scores)

    start = time.perf_counter()
    dense = cp.build_stacked_autoencoder((28, 28), settings["code_size"], **sizes, name=f"dense_ae_{digit}")
    cp.train(dense, normal, **fit)
    scores = {"dense AE": auroc(cp.anomaly_scores(dense, x_test))}
    seconds = time.perf_counter() - start
    denoiser = cp.build_denoising_autoencoder((28, 28), settings["code_size"], **sizes, corruption="gaussian",
                                              level=settings["noise_level"], seed=digit, name=f"denoising_ae_{digit}")
    cp.train(denoiser, normal, **fit)
    scores["denoising AE"] = auroc(cp.anomaly_scores(denoiser, x_test))
    vae = cp.build_vae((28, 28), settings["vae_code_size"], **sizes, seed=digit, name=f"vae_{digit}")
    cp.train(vae, normal, **vae_fit)
    scores["VAE (-ELBO)"] = auroc(cp.anomaly_scores(vae, x_test, kind="negative_elbo"))
    conv = cp.build_conv_autoencoder((28, 28, 1), settings["code_size"], filters=(16, 32), name=f"conv_ae_{digit}")
    cp.train(conv, normal[..., None], **{**fit, "epochs": max(1, epochs // 2)})
    scores["conv AE"] = auroc(cp.anomaly_scores(conv, x_test[..., None]))
    flat = normal.reshape(len(normal), -1)
    pca = PCA(settings["pca_components"], svd_solver="full").fit(flat)
    scores["PCA"] = auroc(cp.anomaly_scores(pca, x_test))
    forest = IsolationForest(n_estimators=settings["forest_trees"], random_state=digit).fit(flat)
    scores["isolation forest"] = auroc(-forest.score_samples(x_test.reshape(len(x_test), -1)))
    return scores, seconds


def one_class_settings(epochs, n_train, n_test):
    sizes = layers_text(PIXELS, *ch11.FULL["hidden_sizes"], ch11.FULL["code_size"])
    normal = 1 - ch11.FULL["validation_fraction"]
    settings = (f"{sizes} dense AE, sigmoid output, {fit_text(epochs, **ONE_CLASS_FIT)} on the normal digit's "
                f"training images ({normal:.0%}), squared reconstruction error, pixels in [0, 1], one seed")
    return dict.fromkeys([*(f"one_class_digit_{digit}" for digit in range(10)), "one_class_mean"], settings)


def one_class(bench):
    """Ruff et al. (2018), Table 1: one-class AUROC on MNIST, every digit, against One-Class Deep SVDD."""
    seed_everything()
    row = functools.partial(make_row, metric="test AUROC (%), other digits as anomalies", cites=["ruff2018deep"],
                            reference_kind="paper", decimals=1, settings=bench.settings("one_class"))
    rows, dense, seconds = [], [], 0.0
    for digit in bench.digits:
        scores, digit_seconds = one_class_scores(bench, digit, bench.epochs["one_class"])
        dense.append(scores["dense AE"])
        seconds += digit_seconds
        rows.append(row(
            f"one_class_digit_{digit}",
            experiment=f"One-class MNIST, normal digit {digit}: dense AE vs One-Class Deep SVDD",
            reference=RUFF_ONE_CLASS_DEEP_SVDD[digit],
            ours=scores["dense AE"],
            seconds=digit_seconds,
            details=[("paper's DCAE", f"{RUFF_DCAE[digit]:.1f}")]
            + [(f"our {name}", f"{value:.1f}") for name, value in scores.items() if name != "dense AE"],
        ))
    digits = list(bench.digits)
    over = "the ten digits" if digits == list(DIGITS) else "digits " + ", ".join(map(str, digits))
    rows.append(row(
        "one_class_mean",
        experiment=f"One-class MNIST, mean over {over}: dense AE vs One-Class Deep SVDD",
        reference=float(np.mean(np.take(RUFF_ONE_CLASS_DEEP_SVDD, digits))),
        ours=float(np.mean(dense)),
        seconds=seconds,
        details=[("paper's DCAE", f"{np.mean(np.take(RUFF_DCAE, digits)):.1f}")],
    ))
    return rows


def balanced_labels(labels, n_labels, seed):
    """Indices of ``n_labels / 10`` training images of each digit, drawn with ``seed``."""
    rng = np.random.default_rng(seed)
    pools = [np.flatnonzero(labels == digit) for digit in range(10)]
    # min(): the quick check's few hundred images may hold fewer of a digit
    return np.concatenate([rng.choice(pool, min(n_labels // 10, len(pool)), replace=False) for pool in pools])


def svm_error(train, labels, test, test_labels):
    """Test error in % of scikit-learn's RBF support vector machine (``SVC()``, its defaults)."""
    with threadpool_limits(1):
        return 100 * (1 - SVC().fit(train, labels).score(test, test_labels))


def semi_supervised_settings(epochs, n_train, n_test):
    models = (f"VAE {layers_text(PIXELS, *M1['hidden_sizes'], M1['code_size'])} (ReLU; {fit_text(epochs, **M1_FIT)}) "
              f"and contractive AE {layers_text(PIXELS, CAE['code_size'])} (sigmoid, contraction weight "
              f"{CAE['contraction']:g}; {fit_text(epochs, **CAE_FIT)}) on the {n_train:,} training images")
    graph = min(SEMI_SUPERVISED_GRAPH, n_train)
    settings = {}
    for n_labels in KINGMA_SEMI_SUPERVISED:
        sentence = (f"{n_labels} labels ({n_labels // 10} of each digit), mean of {len(SEMI_SUPERVISED_SEEDS)} "
                    f"labelled sets; {models}; RBF SVM: scikit-learn's SVC() defaults; label spreading: "
                    f"LabelSpreading on a {SPREADING_NEIGHBOURS}-nearest-neighbour graph of {graph:,} training codes")
        settings.update({f"semi_{row_id}_{n_labels}": sentence for row_id, *_ in SEMI_SUPERVISED_ROWS})
    return settings


def semi_supervised(bench):
    """Kingma et al. (2014), Table 1: MNIST with 100, 600 and 1000 labels, codes of a VAE and of a CAE."""
    epochs = bench.epochs["semi_supervised"]
    row = functools.partial(make_row, metric="test error (%)", cites=["kingma2014semi"], reference_kind="paper",
                            decimals=2, settings=bench.settings("semi_supervised"))
    seed_everything()
    start = time.perf_counter()
    vae = cp.build_vae((PIXELS,), seed=SEED, name="m1", **M1)
    cp.train(vae, bench.x_train, epochs=epochs, **M1_FIT)
    cae = cp.build_contractive_autoencoder((PIXELS,), **CAE)
    cp.train(cae, bench.x_train, epochs=epochs, **CAE_FIT)
    codes = {"pixels": (bench.x_train, bench.x_test)}
    for name, model in (("CAE", cae), ("VAE", vae)):
        codes[name] = (cp.encode(model, bench.x_train), cp.encode(model, bench.x_test))
    training_seconds = time.perf_counter() - start
    graph = np.arange(min(SEMI_SUPERVISED_GRAPH, len(bench.x_train)))
    rows = []
    for n_labels, paper in KINGMA_SEMI_SUPERVISED.items():
        start = time.perf_counter()
        errors = {}
        for seed in SEMI_SUPERVISED_SEEDS:
            chosen = balanced_labels(bench.y_train, n_labels, seed)
            nodes = np.union1d(graph, chosen)
            known = np.where(np.isin(nodes, chosen), bench.y_train[nodes].astype(int), -1)
            for name, (train, test) in codes.items():
                errors.setdefault((name, "SVM"), []).append(
                    svm_error(train[chosen], bench.y_train[chosen], test, bench.y_test))
                if name != "pixels":
                    accuracy = cp.label_spreading(train[nodes], known, test, bench.y_test,
                                                  n_neighbors=SPREADING_NEIGHBOURS)
                    errors.setdefault((name, "spreading"), []).append(100 * (1 - accuracy))
        seconds = training_seconds + time.perf_counter() - start
        spread = {key: f"{np.mean(values):.2f} ± {np.std(values, ddof=1):.2f}" for key, values in errors.items()}
        for row_id, experiment, key, column in SEMI_SUPERVISED_ROWS:
            rows.append(row(
                f"semi_{row_id}_{n_labels}",
                experiment=f"MNIST, {n_labels} labels, {experiment}",
                reference=paper[column],
                ours=float(np.mean(errors[key])),
                seconds=seconds,
                details=[("ours, mean ± std over the labelled sets", spread[key])],
            ))
    return rows


EXPERIMENTS = {"linear_vs_pca": linear_vs_pca, "hinton2006": hinton2006,
               "hinton2006_no_augmentation": hinton2006_no_augmentation, "vae_dense": vae_dense,
               "burda_vae": burda_vae, "vae_conv": vae_conv, "one_class": one_class,
               "semi_supervised": semi_supervised}
SETTINGS = {"linear_vs_pca": linear_vs_pca_settings, "hinton2006": hinton2006_settings,
            "hinton2006_no_augmentation": hinton2006_no_augmentation_settings,
            "vae_dense": vae_dense_settings, "burda_vae": burda_vae_settings, "vae_conv": vae_conv_settings,
            "one_class": one_class_settings, "semi_supervised": semi_supervised_settings}


def settings_of(name, epochs, n_train=FULL_SIZES[0], n_test=FULL_SIZES[1]):
    """``{row id: settings sentence}`` of experiment ``name`` run for ``epochs`` on ``n_train`` and ``n_test`` images.

    The sentences are made of the values the experiment passes to companion, so
    the results page cannot describe other settings than those it ran with.
    """
    return SETTINGS[name](epochs, n_train, n_test)


def run_experiments(names, bench):
    """Run the named experiments; return ``{name: {"rows", "seconds", "epochs", "date", "machine", ...}}``."""
    done = {}
    for name in names:
        print(f"{name}: {epochs_text(bench.epochs[name])} ...", flush=True)
        start, load_before = time.perf_counter(), os.getloadavg()[0]
        rows = EXPERIMENTS[name](bench)
        done[name] = {"rows": rows, "seconds": time.perf_counter() - start, "epochs": bench.epochs[name],
                      "date": results.now(), "load_average": [load_before, os.getloadavg()[0]],
                      "machine": results.machine_info(gpu_count=len(tf.config.list_physical_devices("GPU"))),
                      "versions": {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__}}
        for row in rows:
            print(f"  {row['id']}: ours {row['ours']:.4g}, theirs {row['reference']:.4g}, "
                  f"{results.format_duration(row['seconds'])}", flush=True)
    return done


def merge(previous, done, mode):
    """The results file: ``done`` plus, from ``previous`` (same mode), the experiments not re-run."""
    experiments = dict(previous["experiments"]) if previous and previous.get("mode") == mode else {}
    experiments.update(done)
    ordered = {name: experiments[name] for name in EXPERIMENTS if name in experiments}
    return {"mode": mode, "training_seconds": sum(entry["seconds"] for entry in ordered.values()),
            "experiments": ordered}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=list(EXPERIMENTS), metavar="EXPERIMENT",
                        help=f"run only these experiments, keep the others' rows: {', '.join(EXPERIMENTS)}")
    return parse_with_quick_check(parser, argv, PAPERS_JSON, "results JSON")


def main(argv=None):
    args = parse_args(argv)
    bench = (Workbench(QUICK, *QUICK_SIZES, digits=QUICK_DIGITS, samples=QUICK_SAMPLES) if args.quick
             else Workbench(FULL))
    done = run_experiments(args.only or list(EXPERIMENTS), bench)
    papers = merge(results.read_json(args.output), done, "quick" if args.quick else "full")
    results.write_json(args.output, papers)
    print(f"wrote {args.output} (training and measurement: {results.format_duration(papers['training_seconds'])})")


if __name__ == "__main__":
    sys.exit(main())
