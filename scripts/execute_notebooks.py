"""Execute the chapters once, in parallel, into the book's execution cache.

The test command runs this before its strict book build: every notebook of
``notebooks/`` runs once, one per core, and lands in the jupyter-cache that
``jupyter-book build`` then reads (``scripts/execution_cache.sh`` links it at
``_build/.jupyter_cache``), so the build executes no chapter a second time. The
build writes the executed copies to ``_build/jupyter_execute``, which
``tests/test_checked_outputs.py`` compares with the checked outputs stored in
the notebooks, as nbval would.

A notebook that raises (an error in a chapter, or a hidden ``assert`` that
fails) ends the command with its traceback and exit status 1, before the build.

Usage: python scripts/execute_notebooks.py [--cache DIR] [NOTEBOOK ...]
(default: every notebook of notebooks/, into the cache that _config.yml names)
"""

import argparse
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

import yaml
from jupyter_cache import get_cache
from jupyter_cache.executors.basic import ExecutionWorkerLocalMProc, ProcessData

ROOT = Path(__file__).resolve().parent.parent
TIMINGS = ROOT / "benchmarks" / "timings.json"


def execution_settings():
    """The cache folder and the per-cell timeout of the book's ``_config.yml``."""
    execute = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["execute"]
    return ROOT / execute["cache"], int(execute["timeout"])


def longest_first(paths):
    """Order ``paths`` by their last measured fast-mode time, longest first, so no core idles at the end."""
    try:
        measured = json.loads(TIMINGS.read_text(encoding="utf-8"))["measurements"]["fast_notebooks"]
    except (OSError, KeyError, ValueError):
        measured = {}
    return sorted(paths, key=lambda path: -max(measured.get(path.stem, {}).get("seconds", [0.0])))


def execute(paths, cache_path=None):
    """Run the notebooks of ``paths`` that the cache lacks; return the tracebacks of those that failed."""
    configured_cache, timeout = execution_settings()
    cache_path = cache_path or configured_cache
    cache = get_cache(str(cache_path))
    records = [cache.add_nb_to_project(str(path)) for path in longest_first(paths)]
    to_run = {record.pk for record in cache.list_unexecuted(filter_pks=[record.pk for record in records])}
    jobs = [ProcessData(record.pk, record.uri, cache, timeout, False) for record in records if record.pk in to_run]
    print(f"Executing {len(jobs)} notebooks ({len(records) - len(jobs)} already in the cache) "
          f"on {os.cpu_count()} cores", flush=True)
    failures = {}
    # one notebook at a time per process, in the order given (imap's default chunk of one)
    with multiprocessing.Pool() as pool:
        for status, uri in pool.imap_unordered(ExecutionWorkerLocalMProc(), jobs):
            if status == 0:
                seconds = cache.get_cached_project_nb(uri).data.get("execution_seconds", float("nan"))
                print(f"  executed {Path(uri).name} in {seconds:.0f} s", flush=True)
            else:
                failures[uri] = cache.get_project_record(uri).traceback or "(it could not start: see the log above)"
                print(f"  FAILED   {Path(uri).name}", flush=True)
    return failures


def main(arguments):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--cache", type=Path, help="the jupyter-cache folder (default: _config.yml's)")
    options = parser.parse_args(arguments)
    paths = [path.resolve() for path in options.notebooks] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    start = time.perf_counter()
    failures = execute(paths, options.cache)
    print(f"Notebook execution took {time.perf_counter() - start:.0f} s", flush=True)
    for uri, traceback in failures.items():
        print(f"\n=== {Path(uri).name} raised ===\n{traceback}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
