"""Time the chapters, the test command and the book build on this machine.

Writes ``benchmarks/timings.json``, which the book's results page
(``book/results.md``) shows at its next build. Three parts:

- ``fast-notebooks``: every notebook in fast mode (``COMPANION_FAST=1``), run
  with nbclient in this repository and its ``.venv``, ``--repeats`` times;
- ``full-notebooks``: the chosen notebooks once each in full mode, run as
  above: a chapter's full-mode time without a whole book build (the page
  shows it in place of the book build's, which may be older);
- ``test-command``: the README's ``bash scripts/test.sh`` in a fresh clone of
  this repository's last commit, which creates a new ``.venv`` and installs
  ``requirements/lock.txt`` (without pip's cache, as on a fresh machine, unless
  ``--pip-cache``); its log gives the tests passed in each step and the
  chapters executed, and the README's paragraph on the test command is
  rewritten from the measurement;
- ``torch-tier``: ``bash scripts/test_torch.sh`` in this repository: the tests
  that touch the backend, on PyTorch (the test command runs them on TensorFlow
  and JAX); its counts and time;
- ``book-build``: ``bash scripts/build_book.sh`` in a fresh clone, in full mode;
  the full-mode time of every notebook is read from the build's log, where
  MyST-NB writes "Executed notebook in N seconds".
- ``book-rebuild``: ``bash scripts/build_book.sh`` twice in fast mode in one
  fresh clone; the second build, with nothing changed, should take every
  chapter from the execution cache (the log names the notebooks it executed).

The clones go to a temporary folder and are removed afterwards; the logs stay
in ``--logs``. ``COMPANION_DATA`` must name the folder with ``mnist.npz``.

Everything, about 80 minutes (the test command about 15 minutes, the book build
about 40, the two fast builds about 15):

    COMPANION_DATA=/path/to/folder nice -n 5 .venv/bin/python benchmarks/timings.py

One part, or some notebooks, keeping the other measurements of the JSON file:

    COMPANION_DATA=/path/to/folder .venv/bin/python benchmarks/timings.py \\
        --only fast-notebooks --repeats 1 --notebooks 01 05

Try it without touching the committed file: add ``--output /tmp/timings.json``.
To read a full run's numbers, keep its executed copies: add ``--executed /tmp/executed``.
"""

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import results
from _common import ALL, ROOT, TIMINGS_JSON, head_commit, select_chapters

PARTS = ("fast-notebooks", "full-notebooks", "test-command", "torch-tier", "book-build", "book-rebuild")
NOTEBOOK_TIMEOUT = 1800  # seconds per cell, as the book's execute.timeout
EXECUTED = re.compile(r"(\S+\.ipynb): Executed notebook in ([0-9.]+) seconds")
# pytest's last line, e.g. "==== 1502 passed, 12 skipped in 301.22s (0:05:01) ====" or, with -q, without the "="s
PYTEST_SUMMARY = re.compile(r"^=*\s*((?:\d+ (?:passed|failed|skipped|xfailed|xpassed|errors?|deselected|warnings?)(?:, )?)+)"
                            r" in ([0-9.]+)s\b", re.MULTILINE)
# the steps of scripts/test.sh that run pytest, in the order their reports appear (the JAX
# tier runs beside the build and the browsers; its report comes last)
TEST_STEPS = ("TensorFlow, every tier but the book's", "the built book", "JAX, the backend tier, beside the build")
NOTEBOOKS_EXECUTED = re.compile(r"^Executing (\d+) notebooks \((\d+) already in the cache\)", re.MULTILINE)
ANSI_CODES = re.compile(r"\x1b\[[0-9;]*m")


def parse_notebook_times(log):
    """Seconds per notebook from a Jupyter Book log: ``{"01_linear_autoencoder_pca": 312.5, ...}``.

    MyST-NB logs ``<path>.ipynb: Executed notebook in N seconds [mystnb]`` once
    per executed notebook (with colour codes on a terminal).
    """
    times = {}
    for line in ANSI_CODES.sub("", log).splitlines():
        match = EXECUTED.search(line)
        if match:
            times[Path(match.group(1)).stem] = float(match.group(2))
    return times


def parse_test_log(log):
    """What the test command ran, from its log: pytest's counts and time per step, and the chapters executed.

    Returns:
        dict: ``steps`` (one ``{"step", "passed", "skipped", "seconds", ...}`` per pytest run, in the order of
        ``TEST_STEPS``), ``notebooks_executed`` (chapters run by scripts/execute_notebooks.py) and
        ``executed_again_by_the_build`` (the notebooks that the book build executed itself: the results page only,
        when each chapter runs once).
    """
    log = ANSI_CODES.sub("", log)
    steps = []
    for name, match in zip(TEST_STEPS, PYTEST_SUMMARY.finditer(log)):
        counts = {word: int(number) for number, word in re.findall(r"(\d+) (\w+)", match.group(1))}
        steps.append({"step": name, **counts, "seconds": float(match.group(2))})
    executing = NOTEBOOKS_EXECUTED.search(log)
    return {"steps": steps, "notebooks_executed": int(executing.group(1)) if executing else 0,
            "executed_again_by_the_build": sorted(parse_notebook_times(log))}


def select_notebooks(ids):
    """The notebooks of these chapter ids (``09`` is not ``09b``), all if none given.

    Raises:
        ValueError: for an id that no notebook has.
    """
    return select_chapters(ROOT / "notebooks", ids or [ALL])


@contextlib.contextmanager
def environment(**variables):
    """Set environment variables (inherited by kernels and subprocesses), then restore them."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def time_notebook(path, executed=None):
    """Execute a notebook with nbclient in its own folder; return the wall time in seconds.

    With a folder ``executed``, the executed copy is written there, also when a cell raises.
    """
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=NOTEBOOK_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    try:
        client.execute()
    finally:
        if executed is not None:
            executed.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, executed / path.name)
    return time.perf_counter() - start


def time_notebooks(paths, repeats, *, fast, executed=None):
    """Run every notebook ``repeats`` times in fast or full mode; return ``{name: {"seconds": [...], ...}}``."""
    mode = "fast" if fast else "full"
    measured = {}
    with environment(COMPANION_FAST="1" if fast else "0", PYTHONHASHSEED="0"):
        for path in paths:
            runs = []
            for repeat in range(1, repeats + 1):
                runs.append(time_notebook(path, executed))
                print(f"{path.name}, {mode} mode, run {repeat}/{repeats}: {results.format_duration(runs[-1])}",
                      flush=True)
            measured[path.stem] = {"seconds": runs, "date": results.now(), "commit": head_commit()}
    return measured


def clean_environment(pip_cache):
    """The environment of a fresh clone's command: no trace of this repository's ``.venv``."""
    env = dict(os.environ)
    for name in ("VIRTUAL_ENV", "PYTHONHOME", "COMPANION_FAST"):
        env.pop(name, None)
    venv = str(ROOT / ".venv")
    env["PATH"] = os.pathsep.join(entry for entry in env.get("PATH", "").split(os.pathsep)
                                  if not entry.startswith(venv))
    if not pip_cache:  # neither pip's nor uv's (scripts/setup_env.sh installs the lock with uv)
        env["PIP_NO_CACHE_DIR"] = "1"
        env["UV_NO_CACHE"] = "1"
    return env


@contextlib.contextmanager
def fresh_clone():
    """A clone of this repository's last commit in a temporary folder, removed afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix="autoencoders-timing-"))
    clone = workdir / "autoencoders"
    try:
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        yield clone
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run_timed(command, clone, *, log_path, env):
    """Run ``command`` in ``clone`` and time it.

    Returns:
        tuple: seconds, and the command's output (stdout and stderr, also written to ``log_path``).

    Raises:
        RuntimeError: if the command fails (its time would mean nothing).
    """
    print(f"running {' '.join(command)} in {clone} (log: {log_path}) ...", flush=True)
    start = time.perf_counter()
    with open(log_path, "w", encoding="utf-8") as log:
        result = subprocess.run(command, check=False, cwd=clone, env=env, stdout=log, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed in the fresh clone (exit code {result.returncode}); "
                           f"see {log_path}")
    print(f"{' '.join(command)}: {results.format_duration(seconds)}", flush=True)
    return seconds, Path(log_path).read_text(encoding="utf-8", errors="replace")


def time_test_command(logs, pip_cache):
    with fresh_clone() as clone:
        seconds, log = run_timed(["bash", "scripts/test.sh"], clone, log_path=logs / "test_command.log",
                                 env=clean_environment(pip_cache))
    return {"seconds": [seconds], "pip_cache": pip_cache, **parse_test_log(log), "date": results.now(),
            "commit": head_commit()}


def time_torch_tier(logs):
    """The backend tier on PyTorch, in this repository's .venv; its counts (a failure raises)."""
    seconds, log = run_timed(["bash", "scripts/test_torch.sh"], ROOT, log_path=logs / "torch_tier.log",
                             env=dict(os.environ))
    summaries = PYTEST_SUMMARY.findall(ANSI_CODES.sub("", log))
    if not summaries:
        raise RuntimeError(f"no pytest summary in {logs / 'torch_tier.log'}")
    counts = {word: int(number) for number, word in re.findall(r"(\d+) (\w+)", summaries[-1][0])}
    return {"seconds": [seconds], **counts, "date": results.now(), "commit": head_commit()}


def update_readme(timings):
    """Write the test command's last measurement into the README, between its two markers."""
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(results.README_START) + len(results.README_START), text.index(results.README_END)
    readme.write_text(text[:start] + "\n" + results.readme_test_command(timings) + "\n" + text[end:],
                      encoding="utf-8")


def time_book_build(logs, pip_cache):
    with fresh_clone() as clone:
        seconds, log = run_timed(["bash", "scripts/build_book.sh"], clone, log_path=logs / "book_build.log",
                                 env=clean_environment(pip_cache))
    return {"seconds": [seconds], "pip_cache": pip_cache, "notebooks": parse_notebook_times(log),
            "date": results.now(), "commit": head_commit()}


def time_book_rebuild(logs, pip_cache):
    """Two fast-mode book builds in one fresh clone; the second should take its chapters from the cache."""
    env = {**clean_environment(pip_cache), "COMPANION_FAST": "1"}
    command = ["bash", "scripts/build_book.sh"]
    with fresh_clone() as clone:
        first, _ = run_timed(command, clone, log_path=logs / "book_rebuild_1.log", env=env)
        second, log = run_timed(command, clone, log_path=logs / "book_rebuild_2.log", env=env)
    chapters = set(results.notebook_names())
    executed = sorted(name for name in parse_notebook_times(log) if name in chapters)
    return {"seconds": [second], "first_build_seconds": first, "chapters_executed": executed,
            "pip_cache": pip_cache, "date": results.now(), "commit": head_commit()}


def gpu_count():
    """NVIDIA GPUs present (device files), without importing a deep learning framework."""
    return len(list(Path("/dev").glob("nvidia[0-9]*")))


def save(path, measurements):
    """Write the measurements with the machine's facts."""
    results.write_json(path, {"machine": results.machine_info(gpu_count()), "measurements": measurements})


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS), help="the parts to time")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each notebook in fast mode")
    parser.add_argument("--notebooks", nargs="+", metavar="ID",
                        help="only the notebooks of these chapter ids (the name before the first '_'), e.g. 01 09b")
    parser.add_argument("--pip-cache", action="store_true",
                        help="let the fresh clones' installs use pip's cache (a fresh machine has none)")
    parser.add_argument("--output", type=Path, default=TIMINGS_JSON, help="timings JSON")
    parser.add_argument("--executed", type=Path, help="folder for the executed copies of the timed notebooks, "
                                                      "their outputs to read")
    parser.add_argument("--logs", type=Path, help="folder for the logs of the fresh clones (default: a new "
                                                  "temporary folder)")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1. Received: --repeats {args.repeats}")
    if {"test-command", "book-build", "book-rebuild"} & set(args.only) and not os.environ.get("COMPANION_DATA"):
        parser.error("COMPANION_DATA must name the folder with mnist.npz: the fresh clones' notebooks need it")
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        notebooks = select_notebooks(args.notebooks) if {"fast-notebooks", "full-notebooks"} & set(args.only) else []
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None
    logs = args.logs or Path(tempfile.mkdtemp(prefix="autoencoders-timing-logs-"))
    logs.mkdir(parents=True, exist_ok=True)
    measurements = (results.read_json(args.output) or {}).get("measurements", {})
    try:
        if "fast-notebooks" in args.only:
            measurements.setdefault("fast_notebooks", {}).update(time_notebooks(notebooks, args.repeats, fast=True))
            save(args.output, measurements)
        if "full-notebooks" in args.only:
            timed = time_notebooks(notebooks, 1, fast=False, executed=args.executed)
            measurements.setdefault("full_notebooks", {}).update(timed)
            save(args.output, measurements)
        if "test-command" in args.only:
            measurements["test_command"] = time_test_command(logs, args.pip_cache)
            save(args.output, measurements)
            if args.output == TIMINGS_JSON:
                update_readme(results.read_json(TIMINGS_JSON))
        if "torch-tier" in args.only:
            measurements["torch_tier"] = time_torch_tier(logs)
            save(args.output, measurements)
            if args.output == TIMINGS_JSON:
                update_readme(results.read_json(TIMINGS_JSON))
        if "book-build" in args.only:
            measurements["book_build"] = time_book_build(logs, args.pip_cache)
            save(args.output, measurements)
        if "book-rebuild" in args.only:
            measurements["book_rebuild"] = time_book_rebuild(logs, args.pip_cache)
            save(args.output, measurements)
    finally:
        print(f"wrote {args.output}; logs in {logs}")


if __name__ == "__main__":
    sys.exit(main())
