"""The benchmark results: their JSON files, the machine they come from, and the tables of the results page.

``papers.py`` and ``timings.py`` write ``papers.json`` and ``timings.json``
here; the book's results page (``book/results.md``) reads them at every build
and shows them with the table functions below, which return pandas DataFrames.
"""

import datetime
import json
import math
import os
import platform
import statistics
from pathlib import Path

import pandas as pd
from IPython.display import Markdown

from _common import COLAB_CHECK_JSON, DEEP_AUTOENCODER_JSON, PAPERS_JSON, ROOT, TIMINGS_JSON  # noqa: F401 (the page's)

HINTON_TEST_ERROR = 3.00  # Hinton & Salakhutdinov (2006), Fig. 2B: squared error per test image (papers.py's row)
# Burda et al. (2016), Table 1, MNIST, one stochastic layer: test NLL in nats of the VAE (trained with k = 1) and
# of the IWAE (trained with k = 50), each estimated with 5,000 importance samples; here as log-likelihoods.
BURDA_VAE_LOG_LIKELIHOOD = -86.76  # papers.py's row
BURDA_IWAE_LOG_LIKELIHOOD = -84.78  # in the row's details and the figure

NOT_MEASURED = "*not measured*"
DASH = "—"
NBSP = "\u00a0"
# Targets of the build and test times, in seconds.
FAST_NOTEBOOK_TARGET = 90
TEST_COMMAND_TARGET = 15 * 60
BOOK_BUILD_TARGET = 45 * 60
BOOK_REBUILD_TARGET = 2 * 60  # a second build with nothing changed: no chapter runs


def now():
    """The current UTC time, to the second, in ISO format."""
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()


def cpu_model():
    """The processor's name from /proc/cpuinfo, or what ``platform`` knows elsewhere."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def machine_info(gpu_count):
    """CPU cores and model, GPU count, operating system and Python version of this machine."""
    return {
        "cpu_cores": os.cpu_count(),
        "cpu_model": cpu_model(),
        "gpus": int(gpu_count),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


def read_json(path):
    """The content of a JSON file, or None if there is no such file."""
    path = Path(path)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def write_json(path, data):
    """Write ``data`` as indented JSON (no NaN or infinity: they are not JSON)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def format_duration(seconds, *, sep=" "):
    """Seconds as ``"42 s"``, ``"6 min 05 s"`` or ``"1 h 02 min"``; ``sep=NBSP`` keeps it on one line."""
    if seconds is None or not math.isfinite(seconds):
        raise ValueError(f"seconds must be a finite number. Received: seconds={seconds!r}")
    seconds = round(seconds)
    if seconds < 60:
        text = f"{seconds} s"
    elif seconds < 3600:
        text = f"{seconds // 60} min {seconds % 60:02d} s"
    else:
        text = f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    return text.replace(" ", sep)


def duration_cell(seconds):
    """A duration for a table cell, on one line; a dash when there is none."""
    return DASH if seconds is None else format_duration(seconds, sep=NBSP)


def markdown(table, align):
    """A DataFrame as a Markdown table that the page renders (``align``: one ``l`` or ``r`` per column)."""
    colalign = ["right" if side == "r" else "left" for side in align]
    return Markdown(table.to_markdown(index=False, disable_numparse=True, colalign=colalign))


# --- the papers' experiments (papers.json) ---


def experiments_of(papers):
    """The experiments of ``papers`` (None: none), in order."""
    return list((papers or {}).get("experiments", {}).values())


def rows_of(papers):
    """The rows of every experiment in ``papers``, in order."""
    return [row for entry in experiments_of(papers) for row in entry["rows"]]


def experiment_cell(row):
    """A row's experiment, with the citations of its reference number."""
    cite = "{cite}`" + ",".join(row["cites"]) + "`"
    links = {"paper": " ", "example": " ", "bound": "; PCA is the optimum "}
    if row["reference_kind"] not in links:
        raise ValueError(f"reference_kind must be one of {sorted(links)}. Received: {row['reference_kind']!r}")
    return row["experiment"] + links[row["reference_kind"]] + cite


def papers_table(papers):
    """One row per measurement: theirs, ours, the ratio ours / theirs and the wall time behind ours."""
    records = []
    for row in rows_of(papers):
        measured = row["ours"] is not None
        number = f"{{:.{row['decimals']}f}}"
        records.append({
            "Experiment": experiment_cell(row),
            "Metric": row["metric"],
            "Theirs": number.format(row["reference"]),
            "Ours": number.format(row["ours"]) if measured else NOT_MEASURED,
            "Ours / theirs": f"{row['ours'] / row['reference']:.3f}" if measured else DASH,
            "Wall time": duration_cell(row["seconds"] if measured else None),
        })
    return pd.DataFrame(records, columns=["Experiment", "Metric", "Theirs", "Ours", "Ours / theirs", "Wall time"])


def settings_table(papers):
    """How each number was obtained: its run's settings, the terms it adds up from, when and where it was measured."""
    records = [{"Experiment": row["experiment"], "Settings": row["settings"],
                "Details": "; ".join(f"{label}: {value}" for label, value in row["details"]) or DASH,
                "Measured": f"{entry['date'][:10]}, {entry['machine']['cpu_model']}" if "date" in entry else DASH}
               for entry in experiments_of(papers) for row in entry["rows"]]
    return pd.DataFrame(records, columns=["Experiment", "Settings", "Details", "Measured"])


# --- the recipes for the deep autoencoder (deep_autoencoder.json) ---


def recipes_of(curves):
    """``(name, entry)`` of every recipe in ``curves`` (None: none), best final test error first."""
    recipes = (curves or {}).get("recipes", {})
    return sorted(recipes.items(), key=lambda item: item[1]["test_error"])


SHARED_SETTINGS = ("linear code, logistic output, cross-entropy, ", ", no pretraining")  # every recipe's


def recipe_settings(settings):
    """A recipe's settings without what every recipe shares (the page says it once)."""
    for shared in SHARED_SETTINGS:
        settings = settings.replace(shared, "")
    return settings


def recipes_table(curves):
    """One row per recipe, best first: its final test error, its lowest on the way, the training error, the time."""
    records = []
    for name, entry in recipes_of(curves):
        curve = entry["curve"]
        lowest = min(range(len(curve["test_error"])), key=curve["test_error"].__getitem__)
        records.append({
            "Recipe": f"`{name}`",
            "Test error": f"{entry['test_error']:.2f}",
            "Lowest on the way": f"{curve['test_error'][lowest]:.2f} (epoch {curve['epoch'][lowest]})",
            "Training error": f"{curve['train_error'][-1]:.2f}",
            "Ours / theirs": f"{entry['test_error'] / HINTON_TEST_ERROR:.3f}",
            "Training time": duration_cell(entry["seconds"]),
        })
    columns = ["Recipe", "Test error", "Lowest on the way", "Training error", "Ours / theirs", "Training time"]
    return pd.DataFrame(records, columns=columns)


def recipes_settings_table(curves):
    """What each recipe does, in the order of :func:`recipes_table`."""
    records = [{"Recipe": f"`{name}`", "Settings": recipe_settings(entry["settings"])}
               for name, entry in recipes_of(curves)]
    return pd.DataFrame(records, columns=["Recipe", "Settings"])


def recipes_figure(curves):
    """Test (solid) and training (dashed) error of every recipe against minutes of training, with the paper's line.

    Two panels: the recipes that train on the digits alone, and those that add shifted copies of them.
    """
    import matplotlib.pyplot as plt

    figure, panels = plt.subplots(1, 2, figsize=(9, 3.8), sharey=True)
    titles = ("the 60,000 digits alone", "with shifted copies of the digits")
    for panel, title, more_data in zip(panels, titles, (False, True)):
        for name, entry in recipes_of(curves):
            if bool(entry["shifted_copies"]) != more_data:
                continue
            minutes = [seconds / 60 for seconds in entry["curve"]["seconds"]]
            (line,) = panel.plot(minutes, entry["curve"]["test_error"], label=f"{name} (test)")
            panel.plot(minutes, entry["curve"]["train_error"], linestyle="--", color=line.get_color(), linewidth=1)
        panel.axhline(HINTON_TEST_ERROR, color="black", linewidth=1, linestyle=":")
        panel.annotate("Hinton & Salakhutdinov (2006)", (0, HINTON_TEST_ERROR), xytext=(4, -12),
                       textcoords="offset points", fontsize=8)
        panel.set(title=title, xlabel="minutes of training", ylim=(1, 8))
        if panel.get_legend_handles_labels()[0]:
            panel.legend(fontsize=7, title="dashed: training digits", title_fontsize=7)
    panels[0].set_ylabel("squared error per image")
    figure.tight_layout()
    return figure


def curve_row(papers, row_id):
    """The row ``row_id`` of ``papers`` if it holds a training curve, else None (not measured yet)."""
    return next((row for row in rows_of(papers) if row["id"] == row_id and "curve" in row), None)


def log_likelihood_figure(row, others):
    """A VAE's test ELBO against epochs, its final importance-weighted estimate, and the paper's ``others`` lines.

    Args:
        row: a row of ``papers.json`` with a ``curve`` (``epoch``, ``test_elbo``) and ``ours``.
        others: ``{label: log-likelihood}`` drawn as dotted horizontal lines.
    """
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 3.6))
    curve = row["curve"]
    axes.plot(curve["epoch"], curve["test_elbo"], marker="o", markersize=3, label="ours: test ELBO (one sample)")
    axes.plot(curve["epoch"][-1], row["ours"], marker="*", markersize=10, linestyle="none", color="black",
              label="ours: importance-weighted estimate")
    for label, value in others.items():
        axes.axhline(value, color="grey", linewidth=1, linestyle=":")
        axes.annotate(label, (curve["epoch"][0], value), xytext=(4, 4), textcoords="offset points", fontsize=8)
    low = min(*others.values(), *curve["test_elbo"][len(curve["test_elbo"]) // 4:])
    axes.set(xlabel="epochs (passes over the binarised training digits)", ylabel="nats per test digit",
             ylim=(low - 2, max(others.values()) + 4))
    axes.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    return figure


def machine_text(machine, versions=None):
    """``2 CPU cores (AMD EPYC), no GPU, Python 3.11.7; TensorFlow 2.21.0, Keras 3.15.1``."""
    gpus = "no GPU" if machine["gpus"] == 0 else f"{machine['gpus']} GPU(s)"
    software = f"; TensorFlow {versions['tensorflow']}, Keras {versions['keras']}" if versions else ""
    return f"{machine['cpu_cores']} CPU cores ({machine['cpu_model']}), {gpus}, Python {machine['python']}{software}"


def papers_summary(papers):
    """The machines, the total time and the dates of the runs, and whether other jobs slowed them."""
    entries = [entry for entry in experiments_of(papers) if "date" in entry]
    if not entries:
        return f"The papers' numbers are {NOT_MEASURED} yet."
    machines = list(dict.fromkeys(machine_text(entry["machine"], entry.get("versions")) for entry in entries))
    summary = (f"Measured on this machine: {machines[0]}." if len(machines) == 1 else
               f"Measured on {len(machines)} machines (the last column of the settings below says which): "
               + "; ".join(machines) + ".")
    dates = sorted(entry["date"][:10] for entry in entries)
    when = dates[-1] if dates[0] == dates[-1] else f"{dates[0]} to {dates[-1]}"
    summary += f" Training and measuring everything took {format_duration(papers['training_seconds'])} ({when})."
    busy = [(max(entry["load_average"]), entry["machine"]["cpu_cores"]) for entry in entries
            if max(entry.get("load_average", [0])) > entry["machine"]["cpu_cores"]]
    if busy:
        load, cores = max(busy)
        summary += (f" Other jobs shared the machine meanwhile (1-minute load average up to {load:.1f} on {cores} "
                    "cores), so the wall times are upper bounds of what it takes alone.")
    if papers["mode"] != "full":
        summary += " **These numbers come from the quick check (tiny subsets, one epoch): they test the script, " \
                   "not the papers.**"
    return summary


# --- build and test times (timings.json) ---


def format_target(seconds):
    """A target such as ``"90 s"`` or ``"30 min"``."""
    return f"{seconds}{NBSP}s" if seconds < 60 * 5 else f"{seconds // 60}{NBSP}min"


def verdict(runs, target):
    """``"yes"`` if every run is under ``target`` seconds, ``"**no**"`` otherwise; a dash without runs."""
    return DASH if not runs else "yes" if max(runs) < target else "**no**"


def notebooks_table(timings, notebooks):
    """Each notebook (a link to it, if it exists) with its fast-mode runs (count, median, slowest, verdict) and its
    full-mode time (timed alone if it was, else from the book build's log)."""
    measurements = (timings or {}).get("measurements", {})
    fast = measurements.get("fast_notebooks", {})
    full = dict((measurements.get("book_build") or {}).get("notebooks", {}))
    # a chapter timed alone in full mode (timings.py --only full-notebooks) is newer than the book build
    full.update({name: statistics.median(entry["seconds"])
                 for name, entry in measurements.get("full_notebooks", {}).items()})
    records = []
    for name in sorted(set(notebooks) | set(fast) | set(full)):
        runs = (fast.get(name) or {}).get("seconds") or []
        link = f"{{doc}}`/notebooks/{name}`" if (ROOT / "notebooks" / f"{name}.ipynb").exists() else name
        records.append({"Chapter": link, "Fast runs": str(len(runs)),
                        "Median": duration_cell(statistics.median(runs)) if runs else NOT_MEASURED,
                        "Slowest": duration_cell(max(runs) if runs else None),
                        f"Under {format_target(FAST_NOTEBOOK_TARGET)}": verdict(runs, FAST_NOTEBOOK_TARGET),
                        "Full mode": duration_cell(full[name]) if name in full else NOT_MEASURED})
    return pd.DataFrame(records)


def commands_table(timings):
    """The README's two commands in a fresh clone: runs, median time, target and verdict."""
    measurements = (timings or {}).get("measurements", {})
    records = []
    for label, key, target in (
            ("Tests: `bash scripts/test.sh`, fast mode", "test_command", TEST_COMMAND_TARGET),
            ("Book: `bash scripts/build_book.sh`, full mode", "book_build", BOOK_BUILD_TARGET),
            ("Book again, nothing changed: the same in fast mode, second run", "book_rebuild",
             BOOK_REBUILD_TARGET)):
        entry = measurements.get(key) or {}
        runs = entry.get("seconds") or []
        under = verdict(runs, target)
        executed = entry.get("chapters_executed") or []
        if executed:  # a rebuild that ran chapters has missed its point, however fast
            under = f"**no**: {len(executed)} chapter(s) ran"
        records.append({"Command": label, "Runs": str(len(runs)),
                        "Time": duration_cell(statistics.median(runs)) if runs else NOT_MEASURED,
                        "Target": format_target(target), "Under target": under})
    return pd.DataFrame(records, columns=["Command", "Runs", "Time", "Target", "Under target"])


README_START = "<!-- the test command's last measurement: benchmarks/timings.py writes it -->"
README_END = "<!-- end of the measurement -->"


def readme_test_command(timings):
    """The README's paragraph on the test command's last run, from ``timings.json``."""
    entry = ((timings or {}).get("measurements") or {}).get("test_command")
    if not entry or "steps" not in entry:
        return "The test command has not been timed in a fresh clone yet (`benchmarks/timings.py --only test-command`)."
    counts = "; ".join(f"{step['step']}: {step.get('passed', 0):,} passed, {step.get('skipped', 0)} skipped, "
                       f"{format_duration(step['seconds'])}" for step in entry["steps"])
    cache = "with pip's cache" if entry.get("pip_cache") else "without pip's cache, as on a fresh machine"
    return (f"Last measured ({entry['date'][:10]}, commit `{entry['commit']}`, "
            f"{machine_text(timings['machine'])}): the whole test command took "
            f"{format_duration(max(entry['seconds']))} in a fresh clone, installs {cache} included. "
            f"pytest: {counts}. Chapters executed once each: {entry['notebooks_executed']}; executed again by "
            f"the book build: {', '.join(entry['executed_again_by_the_build']) or 'none'}. "
            + torch_tier_text(timings))


def torch_tier_text(timings):
    """One sentence on the last run of the backend tier on PyTorch (``scripts/test_torch.sh``)."""
    entry = ((timings or {}).get("measurements") or {}).get("torch_tier")
    if not entry:
        return "The backend tier has not been run on PyTorch yet (`bash scripts/test_torch.sh`)."
    return (f"On PyTorch (`bash scripts/test_torch.sh`, the tests that touch the backend): "
            f"{entry.get('passed', 0):,} passed, {entry.get('skipped', 0)} skipped, {entry.get('failed', 0)} failed, "
            f"in {format_duration(max(entry['seconds']))} ({entry['date'][:10]}, commit `{entry['commit']}`).")


def timings_summary(timings):
    """The machine, and whether the fresh clones' installs used pip's cache."""
    if not timings:
        return f"The build and test times are {NOT_MEASURED} yet."
    by_cache = {}
    for key, label in (("test_command", "the test command"), ("book_build", "the book build"),
                       ("book_rebuild", "the two fast builds")):
        entry = timings["measurements"].get(key)
        if entry is not None:
            by_cache.setdefault(bool(entry.get("pip_cache")), []).append(label)
    wording = {False: "without pip's cache, as on a fresh machine", True: "with pip's cache"}
    notes = [f"{' and '.join(labels)} installed packages {wording[cache]}" for cache, labels in by_cache.items()]
    clones = " In the fresh clones, " + "; ".join(notes) + "." if notes else ""
    return f"Measured on this machine: {machine_text(timings['machine'])}.{clones}"


def notebook_names():
    """Names (without ``.ipynb``) of the chapter notebooks in the repository."""
    return sorted(path.stem for path in (ROOT / "notebooks").glob("*.ipynb"))


# --- the chapters as Colab runs them (colab_check.json) ---


COLAB_RUN_FIELDS = ("date", "commit", "python", "versions", "constraints")  # what each chapter's run records


def colab_check_chapters(check):
    """``{chapter: result}`` of ``check`` (None: none), in order, each with the run it comes from.

    A chapter carries the :data:`COLAB_RUN_FIELDS` of its own run; in a file
    written before they were kept per chapter, it takes the file's.
    """
    check = check or {}
    run = {key: check[key] for key in COLAB_RUN_FIELDS if key in check}
    return {name: {**run, **entry} for name, entry in sorted((check.get("chapters") or {}).items())}


def colab_environment_text(entry):
    """``Python 3.11.7 and tensorflow 2.20.0, keras 3.13.2; constraints ...``."""
    versions = ", ".join(f"{name} {version}" for name, version in entry["versions"].items())
    return f"Python {entry['python']} and {versions}; constraints {entry['constraints']}"


def colab_check_summary(check):
    """When the chapters ran, with which Python and which versions of the main packages."""
    chapters = colab_check_chapters(check).values()
    if not chapters:
        return f"The Colab-like check is {NOT_MEASURED} yet."
    dates = sorted(entry["date"][:10] for entry in chapters)
    when = f"on {dates[0]}" if dates[0] == dates[-1] else f"from {dates[0]} to {dates[-1]}"
    environments = list(dict.fromkeys(colab_environment_text(entry) for entry in chapters))
    if len(environments) == 1:
        return f"Run {when} with {environments[0]}."
    return (f"Run {when} in {len(environments)} environments (the table says when each chapter ran): "
            + "; ".join(f"({number}) {text}" for number, text in enumerate(environments, 1)) + ".")


def colab_check_table(check):
    """Each chapter that the check ran: passed or failed, its time in fast mode, and when (date and commit)."""
    records = [{"Chapter": f"{{doc}}`/notebooks/{name}`" if (ROOT / "notebooks" / f"{name}.ipynb").exists() else name,
                "Result": "passed" if entry["passed"] else "**failed**",
                "Time, fast mode": duration_cell(entry["seconds"]) if entry["passed"] else DASH,
                "Run": f"{entry['date'][:10]}, `{entry['commit']}`"}
               for name, entry in colab_check_chapters(check).items()]
    return pd.DataFrame(records, columns=["Chapter", "Result", "Time, fast mode", "Run"])
