"""Reproduce the numbers of the papers behind the course on full MNIST, on CPU.

Trains the models of the results page (``book/results.md``), writes every
measurement to ``benchmarks/papers.json`` and renders the page from it. Each row
puts our number next to the one a paper, the Keras example or a chapter's claim
gives for the same metric, with the ratio ours / theirs and the wall time.

Run it from the repository root with the MNIST file (about 40 minutes on 2 CPU
cores; the epochs of each experiment are in ``FULL`` below):

    COMPANION_DATA=/path/to/folder nice -n 5 .venv/bin/python benchmarks/papers.py

Re-run some experiments only; the other rows of the JSON file are kept:

    COMPANION_DATA=/path/to/folder .venv/bin/python benchmarks/papers.py --only vae_dense vae_conv

Check that everything runs end to end (tiny subsets, one epoch, about a minute).
The two output paths are required and may not be the committed files:

    COMPANION_DATA=/path/to/folder .venv/bin/python benchmarks/papers.py --quick \\
        --output /tmp/papers.json --page /tmp/results.md

Re-render the page from the JSON files without training:

    .venv/bin/python benchmarks/results_page.py
"""

import argparse  # noqa: I001  (companion is imported before Keras on purpose)
import math
import os
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import companion as cp  # before Keras: keeps TensorFlow's native logs quiet
import keras

import results_files
import results_page

SEED = 42
CODE_SIZE = 30  # the code size of Hinton & Salakhutdinov's MNIST autoencoder

# Numbers the sources report, on the metric of each row (see results_page.py for the prose).
HINTON_AUTOENCODER = 3.00  # squared error per test image, 784-1000-500-250-30, RBM-pretrained
HINTON_PCA = 13.87  # the same for PCA with 30 components
KINGMA_ELBO = -100.0  # test lower bound per image, N_z = 20, read off Figure 2 (within a few nats)
# The keras.io VAE example's mean loss per image in each of its 30 epochs (its `total_loss`
# metric, in the log of the version last modified on 2024-04-24): the reference at our last epoch.
KERAS_VAE_LOSS_BY_EPOCH = (
    213.84, 172.53, 165.35, 162.23, 160.27, 158.89, 157.83, 156.84, 156.05, 155.49,
    154.95, 154.36, 153.87, 153.64, 153.21, 152.93, 152.59, 152.28, 152.10, 151.86,
    151.61, 151.45, 151.27, 151.14, 151.01, 150.88, 150.72, 150.61, 150.48, 150.40,
)
DENOISING_GAIN = 3.0  # dB: Chapter 5 claims at least this PSNR gain at every corruption
CONTRACTION_RATIO = 1 / 3  # Chapter 7 claims ||J|| of the contractive code below a third of the plain one's
SPARSITY_TARGET = 0.05  # rho of Chapter 6's sparse autoencoders


@dataclass(frozen=True)
class Budget:
    """The size of a run: sample counts (None: the whole split) and epochs per experiment."""

    mode: str
    n_train: int | None
    n_test: int | None
    epochs: dict


FULL = Budget(
    "full",
    n_train=None,
    n_test=None,
    epochs={
        "linear_vs_pca": 10,
        "hinton2006": 30,
        "denoising": 10,
        "sparse": 10,
        "contractive": 10,
        "vae_dense": 30,
        "vae_conv": 12,  # of the example's 30, to keep the whole run within about 40 minutes
    },
)
QUICK = Budget("quick", n_train=512, n_test=256, epochs=dict.fromkeys(FULL.epochs, 1))


class Workbench:
    """The data of one run, its budget, and the PCA fit that two experiments share."""

    def __init__(self, budget):
        with warnings.catch_warnings():
            # numbers compared with papers must come from real MNIST, not the fallback digits
            warnings.simplefilter("error", cp.FallbackDataWarning)
            (self.x_train, _), (self.x_test, _) = cp.load_mnist(budget.n_train, budget.n_test, flatten=True)
        self.budget = budget
        self._pca = None

    def epochs(self, experiment):
        """Epochs of ``experiment`` in this run."""
        return self.budget.epochs[experiment]

    def pca(self):
        """Mean, the ``CODE_SIZE`` leading principal axes of the training images, and the fit's seconds."""
        if self._pca is None:
            start = time.perf_counter()
            x = self.x_train.astype("float64")
            mean = x.mean(axis=0)  # centred, as standard PCA
            _, _, axes = np.linalg.svd(x - mean, full_matrices=False)
            self._pca = (mean, axes[:CODE_SIZE], time.perf_counter() - start)
        return self._pca

    def pca_reconstruct(self, images):
        """Project images on the principal subspace and map them back to pixels."""
        mean, axes, _ = self.pca()
        return ((images - mean) @ axes.T @ axes + mean).astype("float32")


def make_row(row_id, *, experiment, metric, cites, reference, reference_kind, ours, decimals, seconds,
             settings, chapter=None, details=()):
    """One row of the results table: their number, ours, the ratio ours / theirs.

    Args:
        row_id: a stable identifier.
        experiment: what was trained or measured, in a few words.
        metric: the metric both numbers are on.
        cites: keys of ``book/references.bib``.
        reference: their number.
        reference_kind: ``"paper"``, ``"example"`` (Keras), ``"bound"`` (a theorem's
            optimum, computed here) or ``"chapter"`` (a chapter's claim).
        ours: our number.
        decimals: decimals shown for both numbers.
        seconds: wall time of the training and measurement behind ``ours``.
        settings: architecture, optimiser, batch size and epochs, in a few words.
        chapter: docname of the chapter whose claim or setting the row uses.
        details: ``(label, value)`` pairs shown under the table.

    Returns:
        dict.
    """
    return {
        "id": row_id,
        "experiment": experiment,
        "metric": metric,
        "cites": list(cites),
        "chapter": chapter,
        "reference_kind": reference_kind,
        "reference": float(reference),
        "ours": float(ours),
        "ratio": float(ours) / float(reference),
        "decimals": decimals,
        "seconds": float(seconds),
        "settings": settings,
        "details": [[label, value] for label, value in details],
    }


def train(model, x, *, epochs, loss, learning_rate, batch_size, cosine=False):
    """Fit ``model`` to reconstruct ``x`` with Adam, as the chapters do.

    Args:
        cosine: decay the learning rate to 0 along a cosine over the run (Chapter 1).
    """
    if cosine:
        steps = epochs * math.ceil(len(x) / batch_size)
        learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, steps)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss)
    model.fit(x, x, epochs=epochs, batch_size=batch_size, verbose=0)
    return model


def plural(count, noun):
    """``"1 epoch"``, ``"30 epochs"``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def predict(model, x):
    return model.predict(x, batch_size=1000, verbose=0)


def linear_vs_pca(bench):
    """Chapter 1: the linear autoencoder's test MSE against PCA's, the Eckart-Young optimum."""
    epochs = bench.epochs("linear_vs_pca")
    cp.seed_everything(SEED)
    start = time.perf_counter()
    model = train(cp.build_linear_autoencoder(code_size=CODE_SIZE), bench.x_train, epochs=epochs, loss="mse",
                  learning_rate=2e-3, batch_size=64, cosine=True)
    linear_mse = cp.mse_per_pixel(bench.x_test, predict(model, bench.x_test))
    seconds = time.perf_counter() - start
    pca_mse = cp.mse_per_pixel(bench.x_test, bench.pca_reconstruct(bench.x_test))
    return [make_row(
        "linear_ae_vs_pca",
        experiment=f"Linear AE vs PCA, code size {CODE_SIZE}",
        metric="test MSE per pixel",
        cites=["eckart1936approximation", "baldi1989neural"],
        chapter="notebooks/01_linear_autoencoder_pca",
        reference=pca_mse,
        reference_kind="bound",
        ours=linear_mse,
        decimals=5,
        seconds=seconds + bench.pca()[2],
        settings=(f"784-{CODE_SIZE}-784 linear, MSE, Adam 2e-3 with cosine decay, batch 64, "
                  f"{plural(epochs, 'epoch')}"),
    )]


def hinton2006(bench):
    """Hinton & Salakhutdinov (2006): PCA and a 784-1000-500-250-30 autoencoder on MNIST."""
    epochs = bench.epochs("hinton2006")
    pca_error = cp.squared_error_per_image(bench.x_test, bench.pca_reconstruct(bench.x_test))
    pca_row = make_row(
        "hinton_pca",
        experiment=f"PCA, {CODE_SIZE} components",
        metric="squared error per test image",
        cites=["hinton2006reducing"],
        reference=HINTON_PCA,
        reference_kind="paper",
        ours=pca_error,
        decimals=2,
        seconds=bench.pca()[2],
        settings=f"centred PCA fitted on the {len(bench.x_train):,} training images, pixels in [0, 1]",
    )

    cp.seed_everything(SEED)
    start = time.perf_counter()
    model = cp.build_stacked_autoencoder(
        hidden_sizes=(1000, 500, 250), code_size=CODE_SIZE, activation="relu", code_activation=None,
        output_activation="sigmoid", name="hinton_autoencoder")
    train(model, bench.x_train, epochs=epochs, loss="binary_crossentropy", learning_rate=1e-3, batch_size=128,
          cosine=True)
    error = cp.squared_error_per_image(bench.x_test, predict(model, bench.x_test))
    autoencoder_row = make_row(
        "hinton_deep_ae",
        experiment="Deep AE 784-1000-500-250-30",
        metric="squared error per test image",
        cites=["hinton2006reducing"],
        reference=HINTON_AUTOENCODER,
        reference_kind="paper",
        ours=error,
        decimals=2,
        seconds=time.perf_counter() - start,
        settings=(f"ReLU, linear code, sigmoid output, cross-entropy, Adam 1e-3 with cosine decay, batch 128, "
                  f"{plural(epochs, 'epoch')}, no pretraining"),
    )
    return [pca_row, autoencoder_row]


DENOISING_LEVELS = {"gaussian": 0.3, "masking": 0.4, "salt_and_pepper": 0.15}
NOISES = {"gaussian": cp.add_gaussian_noise, "masking": cp.mask_pixels, "salt_and_pepper": cp.add_salt_and_pepper}
NOISE_NAMES = {"gaussian": "Gaussian noise, std 0.3", "masking": "masking 40%", "salt_and_pepper": "salt & pepper 15%"}


def denoising(bench):
    """Chapter 5: PSNR gain of a denoising autoencoder at the corruption it was trained on."""
    epochs = bench.epochs("denoising")
    cp.seed_everything(SEED)
    rows = []
    for kind, level in DENOISING_LEVELS.items():
        start = time.perf_counter()
        model = train(cp.build_denoising_autoencoder(corruption=kind, level=level, seed=7, name=f"dae_{kind}"),
                      bench.x_train, epochs=epochs, loss="binary_crossentropy", learning_rate=1e-3, batch_size=128)
        noisy = NOISES[kind](bench.x_test, level, seed=123)
        noisy_db = cp.psnr(bench.x_test, noisy)
        denoised_db = cp.psnr(bench.x_test, predict(model, noisy))
        rows.append(make_row(
            f"denoising_{kind}",
            experiment=f"Denoising AE, {NOISE_NAMES[kind]}",
            metric="PSNR gain on test digits (dB)",
            cites=["vincent2008extracting"],
            chapter="notebooks/05_denoising_autoencoder",
            reference=DENOISING_GAIN,
            reference_kind="chapter",
            ours=denoised_db - noisy_db,
            decimals=2,
            seconds=time.perf_counter() - start,
            settings=f"784-256-64 ReLU, cross-entropy, Adam 1e-3, batch 128, {plural(epochs, 'epoch')}",
            details=[("PSNR of the noisy digits", f"{noisy_db:.2f} dB"),
                     ("PSNR of the denoised digits", f"{denoised_db:.2f} dB")],
        ))
    return rows


def sparse(bench):
    """Chapter 6: the mean activation of a KL-sparse code against its target rho."""
    epochs = bench.epochs("sparse")
    cp.seed_everything(SEED)
    rows = []
    for beta in (0.01, 0.03):
        start = time.perf_counter()
        model = train(cp.build_sparse_autoencoder(code_size=400, rho=SPARSITY_TARGET, beta=beta), bench.x_train,
                      epochs=epochs, loss="binary_crossentropy", learning_rate=3e-3, batch_size=128)
        codes = predict(model.encoder, bench.x_test)
        dead_share = float((codes.mean(axis=0) < 1e-3).mean())
        test_mse = cp.mse_per_pixel(bench.x_test, predict(model, bench.x_test))
        rows.append(make_row(
            f"sparse_beta_{beta}",
            experiment=f"Sparse AE, rho = {SPARSITY_TARGET}, beta = {beta}",
            metric="mean code activation on test digits",
            cites=["ng2011sparse"],
            chapter="notebooks/06_sparse_autoencoder",
            reference=SPARSITY_TARGET,
            reference_kind="chapter",
            ours=float(codes.mean()),
            decimals=4,
            seconds=time.perf_counter() - start,
            settings=f"784-400 sigmoid code, cross-entropy + KL, Adam 3e-3, batch 128, {plural(epochs, 'epoch')}",
            details=[("Share of units almost never active (mean < 0.001)", f"{dead_share:.2f}"),
                     ("Test MSE per pixel", f"{test_mse:.4f}")],
        ))
    return rows


def mean_jacobian_norm(model, images):
    """Mean over images of the Frobenius norm of the Jacobian of the sigmoid layer ``code`` (Chapter 7)."""
    codes = predict(model.encoder, images).astype("float64")
    kernel = keras.ops.convert_to_numpy(model.encoder.get_layer("code").kernel).astype("float64")
    return float(np.sqrt(cp.squared_jacobian_norms(codes, kernel)).mean())


def contractive(bench):
    """Chapter 7: the contractive code's Jacobian norm over a plain sigmoid code's."""
    epochs = bench.epochs("contractive")
    cp.seed_everything(SEED)
    start = time.perf_counter()
    fit = {"epochs": epochs, "loss": "binary_crossentropy", "learning_rate": 3e-3, "batch_size": 128}
    plain = train(cp.build_stacked_autoencoder(hidden_sizes=(), code_size=256, code_activation="sigmoid",
                                               name="plain"), bench.x_train, **fit)
    contracting = train(cp.build_contractive_autoencoder(code_size=256, contraction=0.01), bench.x_train, **fit)
    plain_norm = mean_jacobian_norm(plain, bench.x_test)
    contractive_norm = mean_jacobian_norm(contracting, bench.x_test)
    return [make_row(
        "contractive_jacobian",
        experiment="Contractive vs plain AE, 256 sigmoid codes",
        metric="mean Jacobian norm, contractive / plain",
        cites=["rifai2011contractive"],
        chapter="notebooks/07_contractive_autoencoder",
        reference=CONTRACTION_RATIO,
        reference_kind="chapter",
        ours=contractive_norm / plain_norm,
        decimals=3,
        seconds=time.perf_counter() - start,
        settings=(f"784-256-784 sigmoid, lambda = 0.01, cross-entropy, Adam 3e-3, batch 128, "
                  f"{plural(epochs, 'epoch')} each"),
        details=[("Mean Frobenius norm of the plain code's Jacobian", f"{plain_norm:.3f}"),
                 ("The same for the contractive code", f"{contractive_norm:.3f}")],
    )]


def vae_dense(bench):
    """Kingma & Welling (2014): test ELBO of a VAE with one hidden layer of 500 units and 20 latents."""
    epochs = bench.epochs("vae_dense")
    cp.seed_everything(SEED)
    start = time.perf_counter()
    model = cp.build_vae(input_shape=(784,), latent_dim=20, kind="dense", hidden_sizes=(500,), seed=SEED)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(bench.x_train, epochs=epochs, batch_size=100, verbose=0)
    result = model.evaluate(bench.x_test, batch_size=1000, return_dict=True, verbose=0)
    return [make_row(
        "vae_dense_elbo",
        experiment="Dense VAE 784-500-20",
        metric="ELBO per test image (nats)",
        cites=["kingma2014auto"],
        reference=KINGMA_ELBO,
        reference_kind="paper",
        ours=-result["loss"],
        decimals=1,
        seconds=time.perf_counter() - start,
        settings=f"ReLU, Bernoulli decoder, Adam 1e-3, batch 100, {plural(epochs, 'epoch')}",
        details=[("Reconstruction term (nats)", f"{result['reconstruction_loss']:.1f}"),
                 ("KL term (nats)", f"{result['kl_loss']:.1f}")],
    )]


def vae_conv(bench):
    """The keras.io convolutional VAE with a 2-D latent space: loss per image after its epochs."""
    epochs = bench.epochs("vae_conv")
    if not 1 <= epochs <= len(KERAS_VAE_LOSS_BY_EPOCH):
        raise ValueError(f"The Keras example's log has {len(KERAS_VAE_LOSS_BY_EPOCH)} epochs to compare with. "
                         f"Received: epochs={epochs}")
    cp.seed_everything(SEED)
    images = np.concatenate([bench.x_train, bench.x_test]).reshape(-1, 28, 28, 1)
    start = time.perf_counter()
    model = cp.build_vae(input_shape=(28, 28, 1), latent_dim=2, kind="conv", filters=(32, 64), hidden_sizes=(16,),
                         seed=SEED)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    history = model.fit(images, epochs=epochs, batch_size=128, verbose=0).history
    return [make_row(
        "keras_conv_vae",
        experiment="Convolutional VAE, 2-D latent (Keras example)",
        metric=f"mean loss per image in epoch {epochs} (nats)",
        cites=["chollet2020vae"],
        reference=KERAS_VAE_LOSS_BY_EPOCH[epochs - 1],
        reference_kind="example",
        ours=history["loss"][-1],
        decimals=1,
        seconds=time.perf_counter() - start,
        settings=f"train + test images ({len(images):,}), Adam 1e-3, batch 128, {plural(epochs, 'epoch')}",
        details=[("Reconstruction term in the last epoch (nats)", f"{history['reconstruction_loss'][-1]:.1f}"),
                 ("KL term in the last epoch (nats)", f"{history['kl_loss'][-1]:.1f}")],
    )]


EXPERIMENTS = {
    "linear_vs_pca": linear_vs_pca,
    "hinton2006": hinton2006,
    "denoising": denoising,
    "sparse": sparse,
    "contractive": contractive,
    "vae_dense": vae_dense,
    "vae_conv": vae_conv,
}


def run_experiments(names, budget):
    """Run the named experiments and return ``{name: {"rows", "seconds", "epochs", "date"}}``."""
    bench = Workbench(budget)
    done = {}
    for name in names:
        print(f"{name}: {budget.epochs[name]} epoch(s) ...", flush=True)
        start = time.perf_counter()
        load_before = os.getloadavg()[0]
        rows = EXPERIMENTS[name](bench)
        done[name] = {"rows": rows, "seconds": time.perf_counter() - start, "epochs": budget.epochs[name],
                      "date": results_files.now(), "load_average": [load_before, os.getloadavg()[0]]}
        for row in rows:
            print(f"  {row['id']}: ours {row['ours']:.4g}, theirs {row['reference']:.4g}, "
                  f"ratio {row['ratio']:.3f}, {results_files.format_duration(row['seconds'])}", flush=True)
    return done


def merge(previous, done, budget):
    """The results file: ``done`` plus, from ``previous`` (same mode), the experiments not re-run."""
    experiments = {}
    if previous is not None and previous.get("mode") == budget.mode:
        experiments.update({name: entry for name, entry in previous["experiments"].items() if name in EXPERIMENTS})
    experiments.update(done)
    ordered = {name: experiments[name] for name in EXPERIMENTS if name in experiments}
    return {
        "mode": budget.mode,
        "machine": results_files.machine_info(gpu_count=len(_gpus())),
        "versions": {"tensorflow": _tensorflow_version(), "keras": keras.__version__, "numpy": np.__version__},
        "training_seconds": sum(entry["seconds"] for entry in ordered.values()),
        "experiments": ordered,
    }


def _gpus():
    import tensorflow as tf

    return tf.config.list_physical_devices("GPU")


def _tensorflow_version():
    import tensorflow as tf

    return tf.__version__


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="tiny subsets and one epoch, to check that everything runs (needs --output and --page)")
    parser.add_argument("--only", nargs="+", choices=list(EXPERIMENTS), metavar="EXPERIMENT",
                        help=f"run only these experiments, keep the others' rows: {', '.join(EXPERIMENTS)}")
    parser.add_argument("--output", type=Path, help=f"results JSON (default {results_files.PAPERS_JSON})")
    parser.add_argument("--page", type=Path, help=f"page to render (default {results_files.RESULTS_PAGE})")
    parser.add_argument("--timings", type=Path, default=results_files.TIMINGS_JSON,
                        help="timings JSON rendered in the page's second section")
    args = parser.parse_args(argv)
    if args.quick:
        if args.output is None or args.page is None:
            parser.error("--quick needs --output and --page, so that the committed results stay as they are")
        committed = [str(path) for path in (args.output, args.page) if results_files.is_committed_file(path)]
        if committed:
            parser.error(f"--quick may not overwrite the committed results. Received: {', '.join(committed)}")
    args.output = args.output or results_files.PAPERS_JSON
    args.page = args.page or results_files.RESULTS_PAGE
    return args


def main(argv=None):
    args = parse_args(argv)
    budget = QUICK if args.quick else FULL
    names = args.only or list(EXPERIMENTS)
    done = run_experiments(names, budget)
    results = merge(results_files.read_json(args.output), done, budget)
    results_files.write_json(args.output, results)
    results_page.write_page(args.page, papers=results, timings=results_files.read_json(args.timings))
    print(f"wrote {args.output} and {args.page} "
          f"(training and measurement: {results_files.format_duration(results['training_seconds'])})")


if __name__ == "__main__":
    sys.exit(main())
