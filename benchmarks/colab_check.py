"""Run chapters as a Colab user would: the installed package, Colab's versions, nothing else.

The steps:

1. build a wheel of ``companion`` from this repository;
2. create a fresh virtual environment and install into it the wheel with its
   dependencies, plus the Jupyter packages that run a notebook, every version
   constrained to Colab's (``requirements/colab.txt``, from Colab's published
   ``pip freeze``). pip fails if ``pyproject.toml``'s ranges exclude them;
3. copy the Colab version of each chosen chapter (``colab/``) alone into an
   empty folder outside the repository, and run it there with nbclient in
   fast mode (``COMPANION_FAST=1``).

A chapter fails if it reads a file of the repository, imports a package that
the environment lacks, or raises. The results go to
``benchmarks/colab_check.json``, which the results page shows, after every
chapter: each chapter's result replaces its earlier one, with the date, commit
and versions of its run, and the chapters not run keep theirs. The data come
from ``COMPANION_DATA`` as in the tests (Colab downloads them).

Chapters are named by their ids, the name before the first ``_`` (``09`` is
``09_variational_autoencoder``, ``09b`` is ``09b_vae_measured``), or ``all``:

    COMPANION_DATA=/path/to/folder .venv/bin/python benchmarks/colab_check.py --chapters 01 09
    COMPANION_DATA=/path/to/folder nice -n 5 .venv/bin/python benchmarks/colab_check.py --chapters all

It takes about 5 minutes for the install (TensorFlow's wheel is large) and a
minute or two per chapter. Not part of the test command.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import results
from _common import ALL, COLAB_CHECK_JSON, ROOT, chapter_id, head_commit
from _common import select_chapters as select_chapters_in

COLAB = ROOT / "colab"
CONSTRAINTS = ROOT / "requirements" / "colab.txt"
# What Colab has besides companion's dependencies that the chapters use (ipywidgets:
# Chapter 9's explorer) or that runs them; their versions come from the constraints.
COLAB_PACKAGES = ["ipykernel", "ipywidgets", "nbclient", "nbformat"]
# The versions the results page names, read back from the environment.
REPORTED = ["tensorflow", "keras", "numpy", "scipy", "scikit-learn", "matplotlib", "pandas"]
NOTEBOOK_TIMEOUT = 600  # seconds per cell, in fast mode
RUNNER = """
import sys, time, nbformat
from nbclient import NotebookClient
notebook = nbformat.read(sys.argv[1], as_version=4)
start = time.perf_counter()
NotebookClient(notebook, timeout=int(sys.argv[2]), kernel_name="python3").execute()
print(f"SECONDS {time.perf_counter() - start:.1f}")
"""


def run(command, **kwargs):
    """Run ``command``; raise with its output if it fails."""
    result = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed (exit code {result.returncode}):\n"
                           f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result.stdout


def build_wheel(folder):
    """A wheel of ``companion`` from this repository, in ``folder``."""
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(folder),
         str(ROOT)])
    return next(folder.glob("companion-*.whl"))


def colab_environment(folder, wheel):
    """A fresh virtual environment with the wheel and Colab's versions; its Python."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    python = folder / "bin" / "python"
    run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--constraint", str(CONSTRAINTS), str(wheel), *COLAB_PACKAGES])
    run([str(python), "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3"])
    return python


def installed_versions(python):
    """``{package: version}`` of :data:`REPORTED` in the environment of ``python``."""
    code = ("import importlib.metadata as m, json, sys; "
            "print(json.dumps({name: m.version(name) for name in sys.argv[1:]}))")
    return json.loads(run([str(python), "-c", code, *REPORTED]))


def run_chapter(python, chapter, workdir):
    """Run one Colab notebook alone in an empty folder; ``(passed, seconds, message)``."""
    folder = workdir / chapter.stem
    folder.mkdir()
    shutil.copy(chapter, folder / chapter.name)
    env = {key: value for key, value in os.environ.items()
           if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env.update(COMPANION_FAST="1", PYTHONHASHSEED="0", TF_CPP_MIN_LOG_LEVEL="3",
               PATH=f"{python.parent}{os.pathsep}{env.get('PATH', '')}", JUPYTER_PATH=str(python.parent.parent
                                                                                    / "share" / "jupyter"))
    result = subprocess.run([str(python), "-c", RUNNER, chapter.name, str(NOTEBOOK_TIMEOUT)], cwd=folder,
                            env=env, capture_output=True, text=True, check=False)
    if result.returncode == 0:
        return True, float(result.stdout.rsplit("SECONDS", 1)[1]), ""
    return False, None, (result.stdout + result.stderr)[-2000:]


def select_chapters(ids):
    """The Colab versions of these chapter ids, each once: ``09`` is ``09_...``, not ``09b_...``; ``all``: every one.

    Raises:
        ValueError: for an id that no Colab version has; the message lists the valid ids.
    """
    try:
        return select_chapters_in(COLAB, ids)
    except ValueError as error:
        raise ValueError(f"{error} (the Colab versions come from scripts/colab_notebooks.py)") from None


def merge(previous, this_run, outcome):
    """The results file: ``this_run`` (date, commit, versions...), its chapters' ``outcome``, and the chapters of
    ``previous`` that it did not run, each with the run it comes from; chapters without a Colab version are dropped.
    """
    chapters = {name: entry for name, entry in results.colab_check_chapters(previous).items()
                if (COLAB / f"{name}.ipynb").exists()}
    chapters.update({name: {**entry, **{key: this_run[key] for key in results.COLAB_RUN_FIELDS}}
                     for name, entry in outcome.items()})
    return {**this_run, "chapters": dict(sorted(chapters.items()))}


def parse_args(argv):
    ids = " ".join(chapter_id(path) for path in sorted(COLAB.glob("*.ipynb")))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", nargs="+", default=["01", "09"], metavar="ID",
                        help=f"the chapters to run, by their ids (the name before the first '_'): {ids}, or "
                             f"{ALL} (default: 01 09)")
    parser.add_argument("--output", type=Path, default=COLAB_CHECK_JSON,
                        help="the results' JSON file; the chapters not run keep their earlier results")
    args = parser.parse_args(argv)
    if not os.environ.get("COMPANION_DATA"):
        parser.error("COMPANION_DATA must name the folder with mnist.npz: there is no download here")
    try:
        args.chapters = select_chapters(args.chapters)
    except ValueError as error:
        parser.error(str(error))
    return args


def main(argv=None):
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="colab-check-"))
    outcome = {}
    try:
        start = time.perf_counter()
        python = colab_environment(workdir / "venv", build_wheel(workdir / "wheel"))
        this_run = {"date": results.now(), "commit": head_commit(), "python": installed_python(python),
               "versions": installed_versions(python), "constraints": constraints_source(),
               "install_seconds": time.perf_counter() - start}
        for chapter in args.chapters:
            passed, seconds, message = run_chapter(python, chapter, workdir)
            print(f"{chapter.name}: {'passed' if passed else 'FAILED'}"
                  f"{f' in {seconds:.0f} s' if passed else ''}\n{message}", flush=True)
            outcome[chapter.stem] = {"passed": passed, "seconds": seconds, "message": message}
            # after every chapter, so that a long run that stops keeps what it has checked
            results.write_json(args.output, merge(results.read_json(args.output), this_run, outcome))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"wrote {args.output}")
    return 0 if all(entry["passed"] for entry in outcome.values()) else 1


def installed_python(python):
    """The version of the environment's Python, e.g. ``3.11.7``."""
    return run([str(python), "-c", "import platform; print(platform.python_version())"]).strip()


def constraints_source():
    """Where ``requirements/colab.txt`` comes from: its line ``# Source: ...``."""
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        if line.startswith("# Source: "):
            return line.removeprefix("# Source: ")
    raise ValueError(f"{CONSTRAINTS} must name its source on a line '# Source: ...'")


if __name__ == "__main__":
    sys.exit(main())
