"""Reproduce the papers behind the course on full MNIST, on CPU, and write ``benchmarks/papers.json``.

Only the paper-scale runs that do not fit in a chapter are here: the linear
autoencoder against PCA at Hinton & Salakhutdinov's code size, their deep
autoencoder, Kingma & Welling's VAE, the Keras convolutional VAE, and the
one-class MNIST table of Ruff et al. (2018) with every score of Chapter 11 on
all ten digits, and the semi-supervised MNIST table of Kingma et al. (2014)
with a VAE's and a contractive autoencoder's codes. Each row
puts our number next to the one a paper or the Keras example gives for the same
metric. The chapters' own headline numbers reach the results page
(``book/results.md``) from the chapters themselves, with MyST-NB's glue; where a
run here follows a chapter, its settings come from ``companion.settings``.

Run it from the repository root with the MNIST file (about an hour on 2 CPU
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
KINGMA_ELBO = -100.0  # test lower bound per binarised image, N_z = 20, read off Figure 2 (within a few nats)
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
# alone (NN), a TSVM on contractive-autoencoder features (CAE) and a TSVM on the VAE's features (M1+TSVM).
KINGMA_SEMI_SUPERVISED = {
    100: {"NN": 25.81, "CAE": 13.47, "M1+TSVM": 11.82},
    600: {"NN": 11.44, "CAE": 6.3, "M1+TSVM": 5.72},
    1000: {"NN": 10.7, "CAE": 4.77, "M1+TSVM": 4.24},
}
SEMI_SUPERVISED_SEEDS = (1, 2, 3)  # labelled sets drawn per label count
SEMI_SUPERVISED_GRAPH = 20_000  # training images (labelled and not) in the label-spreading graph

# Epochs per experiment: the full run, and the quick check of the script (with tiny subsets).
FULL = {
    "linear_vs_pca": ch01.FULL["linear_epochs"],
    "hinton2006": deep_autoencoder.RECIPES[deep_autoencoder.RECORD].epochs,
    "vae_dense": 30,
    "vae_conv": 12,  # of the example's 30, to keep this run under 15 minutes
    "one_class": ch11.FULL["epochs"],  # Chapter 11's epochs, for every score and every digit
    "semi_supervised": 15,  # of the VAE (M1) and of the contractive autoencoder
}
QUICK = dict.fromkeys(FULL, 1)


class Workbench:
    """The data of one run, its epochs, and the PCA fit that two experiments share."""

    def __init__(self, epochs, n_train=None, n_test=None):
        (self.x_train, self.y_train), (self.x_test, self.y_test) = load_real_mnist(n_train, n_test)
        self.epochs = epochs

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
             details=()):
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
        settings: architecture, optimiser, batch size and epochs, in a few words.
        details: ``(label, value)`` pairs shown with the settings.
    """
    return {"id": row_id, "experiment": experiment, "metric": metric, "cites": list(cites),
            "reference_kind": reference_kind, "reference": float(reference), "ours": float(ours),
            "decimals": decimals, "seconds": float(seconds), "settings": settings,
            "details": [[label, value] for label, value in details]}


def epochs_text(count):
    """``"1 epoch"``, ``"30 epochs"``."""
    return f"{count} epoch" if count == 1 else f"{count} epochs"


def predict(model, x):
    return model.predict(x, batch_size=1000, verbose=0)


def linear_vs_pca(bench):
    """Chapter 1's linear autoencoder, trained as the chapter trains it, against PCA at code size 30."""
    epochs = bench.epochs["linear_vs_pca"]
    seed_everything()
    start = time.perf_counter()
    model = cp.build_linear_autoencoder(input_shape=(784,), code_size=CODE_SIZE)
    cp.train(model, bench.x_train, loss="mse", epochs=epochs, batch_size=ch01.FULL["batch_size"],
             learning_rate=ch01.FULL["learning_rate"], cosine_decay=True)
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
        settings=(f"784-{CODE_SIZE}-784 linear, MSE, Adam {ch01.FULL['learning_rate']:g} with cosine decay, "
                  f"batch {ch01.FULL['batch_size']}, {epochs_text(epochs)} (Chapter 1's settings)"),
    )]


def hinton2006(bench):
    """Hinton & Salakhutdinov (2006): PCA and a 784-1000-500-250-30 autoencoder on MNIST."""
    pca_row = make_row(
        "hinton_pca",
        experiment=f"PCA, {CODE_SIZE} components",
        metric="squared error per test image",
        cites=["hinton2006reducing"],
        reference_kind="paper",
        reference=HINTON_PCA,
        ours=cp.squared_error_per_image(bench.x_test, bench.pca_reconstruct(bench.x_test)),
        decimals=2,
        seconds=bench.pca[2],
        settings=f"centred PCA fitted on the {len(bench.x_train):,} training images, pixels in [0, 1]",
    )
    # the recipe and its curve: benchmarks/deep_autoencoder.py, which keeps every recipe tried
    _, recipe = deep_autoencoder.train_recipe(deep_autoencoder.RECORD, bench.x_train, bench.x_test,
                                              epochs=bench.epochs["hinton2006"])
    autoencoder_row = make_row(
        "hinton_deep_ae",
        experiment="Deep AE 784-1000-500-250-30",
        metric="squared error per test image",
        cites=["hinton2006reducing"],
        reference_kind="paper",
        reference=HINTON_AUTOENCODER,
        ours=recipe["test_error"],
        decimals=2,
        seconds=recipe["seconds"],
        settings=recipe["settings"],
        details=[("recipe", f"{deep_autoencoder.RECORD} in benchmarks/deep_autoencoder.py")],
    )
    return [pca_row, autoencoder_row]


def binarise(images, seed):
    """One fixed stochastic binarisation: each pixel is 1 with probability its grey level."""
    return (np.random.default_rng(seed).uniform(size=images.shape) < images).astype("float32")


def vae_dense(bench):
    """Kingma & Welling (2014): test ELBO on binarised digits of a VAE with 500 hidden units and 20 latents."""
    epochs = bench.epochs["vae_dense"]
    x_train, x_test = binarise(bench.x_train, seed=1), binarise(bench.x_test, seed=2)
    seed_everything()
    start = time.perf_counter()
    model = cp.build_vae(input_shape=(784,), code_size=20, kind="dense", hidden_sizes=(500,), seed=SEED)
    cp.train(model, x_train, epochs=epochs, batch_size=100, learning_rate=1e-3)
    result = model.evaluate(x_test, batch_size=1000, return_dict=True, verbose=0)
    return [make_row(
        "vae_dense_elbo",
        experiment="Dense VAE 784-500-20, binarised digits",
        metric="ELBO per test image (nats)",
        cites=["kingma2014auto"],
        reference_kind="paper",
        reference=KINGMA_ELBO,
        ours=-result["loss"],
        decimals=1,
        seconds=time.perf_counter() - start,
        settings=(f"digits binarised once at random (pixel = 1 with probability its grey level), ReLU, "
                  f"Bernoulli decoder, Adam 0.001, batch 100, {epochs_text(epochs)}"),
        details=[("reconstruction term", f"{result['reconstruction_loss']:.1f} nats"),
                 ("KL term", f"{result['kl_loss']:.1f} nats")],
    )]


def vae_conv(bench):
    """The keras.io convolutional VAE with a 2-D latent space: loss per image after its epochs."""
    epochs = bench.epochs["vae_conv"]
    if not 1 <= epochs <= len(KERAS_VAE_LOSS_BY_EPOCH):
        raise ValueError(f"The Keras example's log has {len(KERAS_VAE_LOSS_BY_EPOCH)} epochs to compare with. "
                         f"Received: epochs={epochs}")
    seed_everything()
    images = np.concatenate([bench.x_train, bench.x_test]).reshape(-1, 28, 28, 1)
    start = time.perf_counter()
    model = cp.build_vae(input_shape=(28, 28, 1), code_size=2, kind="conv", filters=(32, 64), hidden_sizes=(16,),
                         decoder="transpose", seed=SEED)
    history = cp.train(model, images, epochs=epochs, batch_size=128, learning_rate=1e-3).history
    return [make_row(
        "keras_conv_vae",
        experiment="Convolutional VAE, 2-D latent (Keras example)",
        metric=f"mean loss per image in epoch {epochs} (nats)",
        cites=["chollet2020vae"],
        reference_kind="example",
        reference=KERAS_VAE_LOSS_BY_EPOCH[epochs - 1],
        ours=history["loss"][-1],
        decimals=1,
        seconds=time.perf_counter() - start,
        settings=f"train + test images ({len(images):,}), Adam 0.001, batch 128, {epochs_text(epochs)}",
        details=[("reconstruction term in the last epoch", f"{history['reconstruction_loss'][-1]:.1f} nats"),
                 ("KL term in the last epoch", f"{history['kl_loss'][-1]:.1f} nats")],
    )]


def one_class_scores(bench, digit, epochs):
    """AUROC in % of every score of Chapter 11 with ``digit`` as the normal class, and the dense AE's seconds."""
    settings = ch11.FULL
    x_train, x_test = bench.x_train.reshape(-1, 28, 28), bench.x_test.reshape(-1, 28, 28)
    normal, _ = cp.one_class_split(x_train, bench.y_train, digit, validation_fraction=settings["validation_fraction"],
                                   seed=digit)
    is_anomaly = bench.y_test != digit
    fit = {"epochs": epochs, "batch_size": settings["batch_size"], "learning_rate": settings["learning_rate"]}
    sizes = {"hidden_sizes": settings["hidden_sizes"]}

    def auroc(scores):
        return 100 * roc_auc_score(is_anomaly, scores)

    start = time.perf_counter()
    dense = cp.build_stacked_autoencoder((28, 28), settings["code_size"], **sizes, name=f"dense_ae_{digit}")
    cp.train(dense, normal, loss="binary_crossentropy", **fit)
    scores = {"dense AE": auroc(cp.anomaly_scores(dense, x_test))}
    seconds = time.perf_counter() - start
    denoiser = cp.build_denoising_autoencoder((28, 28), settings["code_size"], **sizes, corruption="gaussian",
                                              level=settings["noise_level"], seed=digit, name=f"denoising_ae_{digit}")
    cp.train(denoiser, normal, loss="binary_crossentropy", **fit)
    scores["denoising AE"] = auroc(cp.anomaly_scores(denoiser, x_test))
    vae = cp.build_vae((28, 28), settings["vae_code_size"], **sizes, seed=digit, name=f"vae_{digit}")
    cp.train(vae, normal, **fit)
    scores["VAE (-ELBO)"] = auroc(cp.anomaly_scores(vae, x_test, kind="negative_elbo"))
    conv = cp.build_conv_autoencoder((28, 28, 1), settings["code_size"], filters=(16, 32), name=f"conv_ae_{digit}")
    cp.train(conv, normal[..., None], loss="binary_crossentropy", **{**fit, "epochs": max(1, epochs // 2)})
    scores["conv AE"] = auroc(cp.anomaly_scores(conv, x_test[..., None]))
    flat = normal.reshape(len(normal), -1)
    pca = PCA(settings["pca_components"], svd_solver="full").fit(flat)
    scores["PCA"] = auroc(cp.anomaly_scores(pca, x_test))
    forest = IsolationForest(n_estimators=settings["forest_trees"], random_state=digit).fit(flat)
    scores["isolation forest"] = auroc(-forest.score_samples(x_test.reshape(len(x_test), -1)))
    return scores, seconds


def one_class(bench):
    """Ruff et al. (2018), Table 1: one-class AUROC on MNIST, every digit, against One-Class Deep SVDD."""
    epochs = bench.epochs["one_class"]
    seed_everything()
    rows, dense, seconds = [], [], 0.0
    settings = (f"784-256-64-32 dense AE, sigmoid output, cross-entropy, Adam 0.001, batch 128, {epochs_text(epochs)} "
                "on the normal digit's training images (90%), squared reconstruction error, pixels in [0, 1], one seed")
    for digit in range(10):
        scores, digit_seconds = one_class_scores(bench, digit, epochs)
        dense.append(scores["dense AE"])
        seconds += digit_seconds
        rows.append(make_row(
            f"one_class_digit_{digit}",
            experiment=f"One-class MNIST, normal digit {digit}: dense AE vs One-Class Deep SVDD",
            metric="test AUROC (%), other digits as anomalies",
            cites=["ruff2018deep"],
            reference_kind="paper",
            reference=RUFF_ONE_CLASS_DEEP_SVDD[digit],
            ours=scores["dense AE"],
            decimals=1,
            seconds=digit_seconds,
            settings=settings,
            details=[("paper's DCAE", f"{RUFF_DCAE[digit]:.1f}")]
            + [(f"our {name}", f"{value:.1f}") for name, value in scores.items() if name != "dense AE"],
        ))
    rows.append(make_row(
        "one_class_mean",
        experiment="One-class MNIST, mean over the ten digits: dense AE vs One-Class Deep SVDD",
        metric="test AUROC (%), other digits as anomalies",
        cites=["ruff2018deep"],
        reference_kind="paper",
        reference=float(np.mean(RUFF_ONE_CLASS_DEEP_SVDD)),
        ours=float(np.mean(dense)),
        decimals=1,
        seconds=seconds,
        settings=settings,
        details=[("paper's DCAE", f"{np.mean(RUFF_DCAE):.1f}")],
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


def semi_supervised(bench):
    """Kingma et al. (2014), Table 1: MNIST with 100, 600 and 1000 labels, codes of a VAE and of a CAE."""
    epochs = bench.epochs["semi_supervised"]
    seed_everything()
    start = time.perf_counter()
    vae = cp.build_vae((784,), 50, hidden_sizes=(600, 600), seed=SEED, name="m1")
    cp.train(vae, bench.x_train, epochs=epochs, batch_size=100, learning_rate=1e-3)
    cae = cp.build_contractive_autoencoder((784,), 200, contraction=0.01)
    cp.train(cae, bench.x_train, loss="binary_crossentropy", epochs=epochs, batch_size=100, learning_rate=3e-3)
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
                    accuracy = cp.label_spreading(train[nodes], known, test, bench.y_test)
                    errors.setdefault((name, "spreading"), []).append(100 * (1 - accuracy))
        seconds = training_seconds + time.perf_counter() - start
        spread = {key: f"{np.mean(values):.2f} ± {np.std(values, ddof=1):.2f}" for key, values in errors.items()}
        common = (f"{n_labels} labels ({n_labels // 10} of each digit), mean of {len(SEMI_SUPERVISED_SEEDS)} "
                  f"labelled sets; VAE 784-600-600-50 (ReLU) and contractive AE 784-200 (sigmoid), "
                  f"{epochs_text(epochs)} each on the 60,000 training images; RBF SVM: scikit-learn's SVC() "
                  f"defaults; label spreading: LabelSpreading on a 10-nearest-neighbour graph of "
                  f"{len(graph):,} training codes")
        for row_id, experiment, key, reference in (
            ("nn", "labels only: RBF SVM on the pixels vs the paper's NN", ("pixels", "SVM"), paper["NN"]),
            ("cae", "CAE codes + RBF SVM vs the paper's CAE", ("CAE", "SVM"), paper["CAE"]),
            ("cae_spreading", "CAE codes + label spreading vs the paper's CAE", ("CAE", "spreading"), paper["CAE"]),
            ("m1", "VAE (M1) codes + RBF SVM vs M1+TSVM", ("VAE", "SVM"), paper["M1+TSVM"]),
            ("m1_spreading", "VAE (M1) codes + label spreading vs M1+TSVM", ("VAE", "spreading"),
             paper["M1+TSVM"]),
        ):
            rows.append(make_row(
                f"semi_{row_id}_{n_labels}",
                experiment=f"MNIST, {n_labels} labels, {experiment}",
                metric="test error (%)",
                cites=["kingma2014semi"],
                reference_kind="paper",
                reference=reference,
                ours=float(np.mean(errors[key])),
                decimals=2,
                seconds=seconds,
                settings=common,
                details=[("ours, mean ± std over the labelled sets", spread[key])],
            ))
    return rows


EXPERIMENTS = {"linear_vs_pca": linear_vs_pca, "hinton2006": hinton2006, "vae_dense": vae_dense,
               "vae_conv": vae_conv, "one_class": one_class, "semi_supervised": semi_supervised}


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
    bench = Workbench(QUICK, *QUICK_SIZES) if args.quick else Workbench(FULL)
    done = run_experiments(args.only or list(EXPERIMENTS), bench)
    papers = merge(results.read_json(args.output), done, "quick" if args.quick else "full")
    results.write_json(args.output, papers)
    print(f"wrote {args.output} (training and measurement: {results.format_duration(papers['training_seconds'])})")


if __name__ == "__main__":
    sys.exit(main())
