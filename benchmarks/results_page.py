"""Render the book's results page, ``book/results.md``, from the benchmark JSON files.

The page has two sections: "Reproducing the papers" from ``benchmarks/papers.json``
(written by ``papers.py``) and "Build and test times" from
``benchmarks/timings.json`` (written by ``timings.py``). Either file may be
missing or partial: what has not been measured is shown as "not measured".
Both scripts call this renderer at the end; run it alone to re-render the page
without training or timing anything:

    .venv/bin/python benchmarks/results_page.py
"""

import argparse
import statistics
import sys
from pathlib import Path

import results_files

NOT_MEASURED = "*not measured*"
DASH = "—"

# Targets of the build and test times, in seconds.
FAST_NOTEBOOK_TARGET = 90
TEST_COMMAND_TARGET = 30 * 60
BOOK_BUILD_TARGET = 45 * 60

PAPERS_COMMAND = "COMPANION_DATA=/path/to/folder nice -n 5 .venv/bin/python benchmarks/papers.py"
TIMINGS_COMMAND = "COMPANION_DATA=/path/to/folder nice -n 5 .venv/bin/python benchmarks/timings.py"
RENDER_COMMAND = ".venv/bin/python benchmarks/results_page.py"

# What each experiment did and how to read its rows, in the order of papers.py.
EXPERIMENT_NOTES = {
    "linear_vs_pca": (
        "Linear autoencoder and PCA",
        ("By the Eckart-Young theorem {cite}`eckart1936approximation`, PCA gives the smallest squared error of "
         "any rank-30 linear reconstruction, and a linear autoencoder trained with the mean squared error "
         "reaches that optimum {cite}`baldi1989neural`. The reference is therefore PCA's own test MSE with the "
         "same 30 components, computed here: the ratio's floor is 1.0 (exactly so on the training images, up to "
         "sampling noise on the test images). {doc}`Chapter 1 </notebooks/01_linear_autoencoder_pca>` trains "
         "the same model at code size 32."),
    ),
    "hinton2006": (
        "Hinton and Salakhutdinov (2006)",
        ("{cite:t}`hinton2006reducing` give the average squared error per test image of reconstructions from "
         "30 numbers (their Fig. 2B): 3.00 for their 784-1000-500-250-30 autoencoder, 8.01 for logistic PCA and "
         "13.87 for PCA. Their PCA is standard, centred PCA with 30 components on pixels in [0, 1]; ours is "
         "fitted on the 60,000 training images and measured on the 10,000 test images with "
         "`cp.squared_error_per_image`. Reproducing 13.87 checks the metric. Their autoencoder was pretrained "
         "layer by layer as a stack of RBMs, then fine-tuned with backpropagation of the cross-entropy for a "
         "long time. Ours, `cp.build_stacked_autoencoder(hidden_sizes=(1000, 500, 250), code_size=30)` with a "
         "linear code layer as in the paper, starts from a random initialisation and is trained with modern "
         "methods (ReLU units, Adam, cross-entropy) for the epochs and wall time below. A ratio above 1 means a "
         "larger error than the paper's."),
    ),
    "denoising": (
        "Denoising autoencoders",
        ("{cite:t}`vincent2008extracting` introduced the denoising criterion but report classification errors, "
         "not the PSNR of denoised MNIST digits. The reference is the claim of "
         "{doc}`Chapter 5 </notebooks/05_denoising_autoencoder>`, which its notebook asserts: at the corruption "
         "and level it was trained on, the denoising autoencoder raises the PSNR of corrupted test digits by at "
         "least 3 dB. The gain is PSNR(clean, denoised) minus PSNR(clean, noisy), both averaged over images with "
         "`cp.psnr`; model and settings are those of the chapter's full run. A ratio above 1 means a larger gain "
         "than claimed."),
    ),
    "sparse": (
        "Sparse autoencoders",
        ("The KL penalty of {cite:t}`ng2011sparse` pulls the mean activation of every code unit toward the "
         "target rho = 0.05. The reference is that target, and the ratio is the measured mean activation (over "
         "all units and test digits) divided by rho. {doc}`Chapter 6 </notebooks/06_sparse_autoencoder>` claims "
         "that with beta = 0.01 the mean stays above the target (ratio above 1) and that with its largest "
         "weight, beta = 0.03, it comes within half of rho of the target (ratio between 0.5 and 1.5)."),
    ),
    "contractive": (
        "Contractive autoencoder",
        ("{cite:t}`rifai2011contractive` penalise the squared Frobenius norm of the encoder's Jacobian; their "
         "comparisons use models and settings of their own, so the reference is the claim of "
         "{doc}`Chapter 7 </notebooks/07_contractive_autoencoder>`: the mean Frobenius norm of the contractive "
         "code's Jacobian on test digits (closed form for a sigmoid layer) is less than a third of a plain "
         "sigmoid code's, trained the same way. A ratio below 1 means the claim holds."),
    ),
    "vae_dense": (
        "Variational autoencoder (Kingma and Welling)",
        ("{cite:t}`kingma2014auto` report the variational lower bound only as curves (their Figure 2): MNIST, "
         "encoder and decoder with one hidden layer of 500 units, Bernoulli decoder, minibatches of 100, "
         "Adagrad, the bound per image estimated on the test set after up to 10^8 training samples (about 1,700 "
         "epochs). With 20 latent dimensions the test bound ends near -100 nats, read off the plot to within a "
         "few nats. Ours has the same sizes, `cp.build_vae(latent_dim=20, kind=\"dense\", hidden_sizes=(500,))`, "
         "with ReLU instead of tanh units and Adam instead of Adagrad; our number is minus the loss of "
         "`vae.evaluate` on the test images (one sample of z per image), in nats. Both bounds are negative: a "
         "ratio above 1 means a lower (worse) bound than the paper's."),
    ),
    "vae_conv": (
        "Convolutional VAE (Keras example)",
        ("The keras.io example {cite}`chollet2020vae` trains Conv2D(32, 3, stride 2), Conv2D(64, 3, stride 2), "
         "Dense(16) and a 2-D latent space, with a Dense(7 x 7 x 64) and Conv2DTranspose(64), (32), (1) decoder, "
         "on the 70,000 training and test digits for 30 epochs with batch 128 and Adam. The log of its current "
         "version (last modified 2024-04-24) gives the mean loss per image of every epoch (its `total_loss` "
         "metric: the reconstruction cross-entropy summed over pixels plus the KL term), down to 150.40 nats in "
         "epoch 30. The first version (2020) printed about 146.5 instead, because its KL term was a mean over "
         "the two latent dimensions, half the ELBO's. `cp.build_vae(input_shape=(28, 28, 1), latent_dim=2, "
         "kind=\"conv\", filters=(32, 64), hidden_sizes=(16,))` builds the same architecture and is trained the "
         "same way; to stay within the time budget of this page it may stop before epoch 30, and the reference "
         "is then the example's loss at the same epoch. Our number is the same quantity, the mean loss over the "
         "last epoch in `fit`'s history. A ratio above 1 means a larger loss than the example's."),
    ),
}


def notebook_names():
    """Names (without ``.ipynb``) of the chapter notebooks in the repository."""
    return sorted(path.stem for path in (results_files.ROOT / "notebooks").glob("*.ipynb"))


def rows_of(papers):
    """The rows of every experiment in ``papers``, in order."""
    if not papers:
        return []
    return [row for entry in papers["experiments"].values() for row in entry["rows"]]


def render(papers, timings, notebooks):
    """The Markdown source of the results page.

    Args:
        papers: content of ``papers.json`` (or None).
        timings: content of ``timings.json`` (or None).
        notebooks: names of the chapter notebooks, listed in the timings table.

    Returns:
        str.
    """
    introduction = (
        "This page checks the course against the papers it teaches, and measures how long the book and its "
        "tests take to build. The script that measured each section also wrote it, from a JSON file in "
        "`benchmarks/`; both can be run again (see the end of each section).\n"
    )
    parts = [
        "# Results\n",
        introduction,
        papers_section(papers),
        timings_section(timings, notebooks),
    ]
    return "\n".join(parts)


def papers_section(papers):
    lines = ["## Reproducing the papers\n"]
    rows = rows_of(papers)
    if not rows:
        lines.append(f"The papers' numbers are {NOT_MEASURED} yet: run `{PAPERS_COMMAND}`.\n")
        return "\n".join(lines)
    lines.append(machine_sentence(papers) + " " + papers_summary(papers) + "\n")
    if papers["mode"] != "full":
        lines.append(":::{warning}\nThese numbers come from the quick check (tiny subsets, one epoch): they "
                     "test the script, not the papers.\n:::\n")
    lines.append("| Experiment | Source | Metric | Theirs | Ours | Ours / theirs | Wall time |")
    lines.append("|---|---|---|--:|--:|--:|--:|")
    lines.extend(table_row(row) for row in rows)
    lines.append("")
    lines.append("### What was measured\n")
    for name, entry in papers["experiments"].items():
        lines.append(experiment_notes(name, entry))
    lines.append("### Reproducing this section\n")
    lines.append(
        "From the root of a clone, with the MNIST file in a folder, the following command trains every model "
        "above on CPU and writes `benchmarks/papers.json` and this page; `--only` re-runs some experiments and "
        f"keeps the other rows, and `{RENDER_COMMAND}` re-renders the page from the JSON files:\n")
    lines.append(f"```bash\n{PAPERS_COMMAND}\n```\n")
    return "\n".join(lines)


def machine_sentence(data):
    machine = data["machine"]
    gpus = "no GPU" if machine["gpus"] == 0 else f"{machine['gpus']} GPU(s)"
    versions = data.get("versions")
    software = f"; TensorFlow {versions['tensorflow']}, Keras {versions['keras']}" if versions else ""
    return (f"Measured on this machine: {machine['cpu_cores']} CPU cores ({machine['cpu_model']}), {gpus}, "
            f"Python {machine['python']}{software}.")


def papers_summary(papers):
    entries = papers["experiments"].values()
    dates = sorted(entry["date"][:10] for entry in entries)
    when = dates[-1] if dates[0] == dates[-1] else f"{dates[0]} to {dates[-1]}"
    summary = (f"Training and measuring everything took "
               f"{results_files.format_duration(papers['training_seconds'])} ({when}); each row gives the wall "
               "time of the training and measurement behind its number.")
    loads = [value for entry in entries for value in entry.get("load_average", ())]
    cores = papers["machine"]["cpu_cores"]
    if loads and max(loads) > cores:
        summary += (f" Other jobs shared the machine meanwhile (1-minute load average from {min(loads):.1f} to "
                    f"{max(loads):.1f} on {cores} cores), so the wall times are upper bounds of what it takes "
                    "alone.")
    return summary


def table_row(row):
    decimals = row["decimals"]
    cells = [
        row["experiment"],
        source_cell(row),
        row["metric"],
        f"{row['reference']:.{decimals}f}",
        f"{row['ours']:.{decimals}f}",
        f"{row['ratio']:.3f}",
        results_files.format_duration(row["seconds"]),
    ]
    return "| " + " | ".join(cells) + " |"


def source_cell(row):
    cite = "{cite}`" + ",".join(row["cites"]) + "`"
    kind = row["reference_kind"]
    if kind == "paper":
        return cite
    if kind == "example":
        return f"Keras example {cite}"
    if kind == "bound":
        return f"PCA, the optimum {cite}"
    if kind == "chapter":
        number = int(Path(row["chapter"]).name.split("_")[0])
        return f"{{doc}}`Chapter {number}'s claim </{row['chapter']}>`, method {cite}"
    raise ValueError(f"reference_kind must be paper, example, bound or chapter. Received: {kind!r}")


def experiment_notes(name, entry):
    title, text = EXPERIMENT_NOTES[name]
    lines = [f"**{title}.** {text}\n"]
    for row in entry["rows"]:
        details = "".join(f" {label}: {value}." for label, value in row["details"])
        lines.append(f"- *{row['experiment']}*: {row['settings']}; {results_files.format_duration(row['seconds'])}.{details}")
    lines.append("")
    return "\n".join(lines)


def timings_section(timings, notebooks):
    measurements = (timings or {}).get("measurements", {})
    fast = measurements.get("fast_notebooks", {})
    build = measurements.get("book_build")
    full = (build or {}).get("notebooks", {})
    names = sorted(set(notebooks) | set(fast) | set(full))

    notebook_rows = [notebook_row(name, fast.get(name), full.get(name)) for name in names]
    command_rows = [
        command_row("Tests: `bash scripts/test.sh`, fast mode", measurements.get("test_command"),
                    TEST_COMMAND_TARGET),
        command_row("Book: `bash scripts/build_book.sh`, full mode", build, BOOK_BUILD_TARGET),
    ]
    lines = ["## Build and test times\n"]
    if timings:
        lines.append(machine_sentence(timings) + " " + timings_conditions(measurements) + "\n")
    lines.append(f"Each notebook, in fast mode (`COMPANION_FAST=1`, as in the tests; target: under "
                 f"{format_target(FAST_NOTEBOOK_TARGET)}) and in full mode (from the book build's log):\n")
    lines.append("| Notebook | Fast: runs | Min | Median | Max | Under target | Full mode |")
    lines.append("|---|--:|--:|--:|--:|---|--:|")
    lines.extend(notebook_rows)
    lines.append("")
    lines.append("The two commands of the README, each in a fresh clone with a new `.venv` installed from "
                 "`requirements/lock.txt`:\n")
    lines.append("| Command | Runs | Time | Target | Under target |")
    lines.append("|---|--:|--:|--:|---|")
    lines.extend(command_rows)
    lines.append("")
    if any(NOT_MEASURED in row for row in notebook_rows + command_rows):
        lines.append(f"Cells marked {NOT_MEASURED} have not been timed on this machine yet; the command below "
                     "times them.\n")
    lines.append("### Reproducing this section\n")
    lines.append(
        "The script runs every notebook three times in fast mode, then the test command and the book build "
        "once each in a fresh clone (removed afterwards), and takes the full-mode time of each notebook from "
        "the book build's log. The whole run takes about an hour; `--only` times one part (`fast-notebooks`, "
        "`test-command`, `book-build`) and keeps the others:\n")
    lines.append(f"```bash\n{TIMINGS_COMMAND}\n```\n")
    return "\n".join(lines)


def timings_conditions(measurements):
    by_cache = {}
    for key, label in (("test_command", "the test command"), ("book_build", "the book build")):
        entry = measurements.get(key)
        if entry is not None:
            by_cache.setdefault(bool(entry.get("pip_cache")), []).append(label)
    wording = {False: "without pip's cache, as on a fresh machine", True: "with pip's cache"}
    notes = [f"{' and '.join(labels)} installed packages {wording[cache]}" for cache, labels in by_cache.items()]
    return ("In the fresh clones, " + "; ".join(notes) + ".") if notes else ""


def format_target(seconds):
    """A target such as ``"90 s"`` or ``"30 min"``."""
    return f"{seconds} s" if seconds < 60 * 5 else f"{seconds // 60} min"


def notebook_row(name, fast, full_seconds):
    """A row of the notebooks table: fast-mode runs, min, median, max, verdict, full-mode time."""
    full_cell = NOT_MEASURED if full_seconds is None else results_files.format_duration(full_seconds)
    runs = (fast or {}).get("seconds") or []
    if not runs:
        return f"| `{name}` | 0 | {DASH} | {NOT_MEASURED} | {DASH} | {DASH} | {full_cell} |"
    verdict = "yes" if max(runs) < FAST_NOTEBOOK_TARGET else "**no**"
    low, median, high = (results_files.format_duration(value) for value in (min(runs), statistics.median(runs), max(runs)))
    return f"| `{name}` | {len(runs)} | {low} | {median} | {high} | {verdict} | {full_cell} |"


def command_row(label, entry, target):
    """A row of the commands table: runs, median time, target and verdict."""
    runs = (entry or {}).get("seconds") or []
    if not runs:
        return f"| {label} | 0 | {NOT_MEASURED} | {format_target(target)} | {DASH} |"
    verdict = "yes" if max(runs) < target else "**no**"
    return (f"| {label} | {len(runs)} | {results_files.format_duration(statistics.median(runs))} | "
            f"{format_target(target)} | {verdict} |")


def write_page(path, *, papers, timings):
    """Render the page from the two results (either may be None) and write it to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(papers, timings, notebook_names()), encoding="utf-8")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=Path, default=results_files.PAPERS_JSON, help="results of papers.py")
    parser.add_argument("--timings", type=Path, default=results_files.TIMINGS_JSON, help="results of timings.py")
    parser.add_argument("--output", type=Path, default=results_files.RESULTS_PAGE, help="the page to write")
    args = parser.parse_args(argv)
    write_page(args.output, papers=results_files.read_json(args.papers), timings=results_files.read_json(args.timings))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    sys.exit(main())
