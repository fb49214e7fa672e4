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

A cell that runs past the per-cell timeout is retried once, with its whole
notebook: now and then a kernel's reply is lost and the client waits for it
until the timeout, on a cell that has long finished. In fast mode no cell
takes more than a minute or two, so the timeout is cut to
``FAST_CELL_TIMEOUT`` there; the book's 30 minutes are for the full run.

Each chapter's line names its slowest cell and the time spent outside its
cells (the kernel's start, the client's waits), so that a run that stalls
says where.

Usage: python scripts/execute_notebooks.py [--cache DIR] [--cell-timeout SECONDS] [NOTEBOOK ...]
(default: every notebook of notebooks/, into the cache that _config.yml names)
"""

import argparse
import json
import math
import multiprocessing
import os
import sys
import time
from datetime import datetime
from pathlib import Path

import yaml
from jupyter_cache import get_cache
from jupyter_cache.executors.basic import ExecutionWorkerLocalMProc, ProcessData
from jupyter_cache.executors.utils import single_nb_execution

ROOT = Path(__file__).resolve().parent.parent
TIMINGS = ROOT / "benchmarks" / "timings.json"
FAST_CELL_TIMEOUT = 600  # seconds; the longest cell of the quick run takes about 45
TIMED_OUT = "CellTimeoutError"  # nbclient's exception, in the traceback the cache keeps


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


def cell_timeout(configured):
    """The per-cell timeout: the book's, cut to ``FAST_CELL_TIMEOUT`` in fast mode."""
    from companion.runtime import fast_mode  # the one reader of COMPANION_FAST

    return min(configured, FAST_CELL_TIMEOUT) if fast_mode() else configured


def execute(paths, cache_path=None, timeout=None):
    """Run the notebooks of ``paths`` that the cache lacks; return the tracebacks of those that failed.

    A notebook whose cell timed out runs once more; its second failure is the one returned.
    """
    configured_cache, configured_timeout = execution_settings()
    timeout = timeout or cell_timeout(configured_timeout)
    cache_path = cache_path or configured_cache
    cache = get_cache(str(cache_path))
    records = [cache.add_nb_to_project(str(path)) for path in longest_first(paths)]
    to_run = {record.pk for record in cache.list_unexecuted(filter_pks=[record.pk for record in records])}
    jobs = [ProcessData(record.pk, record.uri, cache, timeout, False) for record in records if record.pk in to_run]
    print(f"Executing {len(jobs)} notebooks ({len(records) - len(jobs)} already in the cache) "
          f"on {os.cpu_count()} cores", flush=True)
    failures = run(jobs, cache)
    retries = [job for job in jobs if TIMED_OUT in failures.get(job.uri, "")]
    if retries:
        names = ", ".join(Path(job.uri).name for job in retries)
        print(f"A cell timed out after {timeout} s in {names}: retrying once", flush=True)
        failures.update({job.uri: None for job in retries})
        failures.update(run(retries, cache))
    return {uri: traceback for uri, traceback in failures.items() if traceback is not None}


def cell_seconds(cell):
    """How long a code cell of a notebook executed with ``record_timing`` ran.

    None for a cell that never started; ``math.inf`` for one that started and never
    replied (the cell a timeout stopped).
    """
    timing = cell.get("metadata", {}).get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not start:
        return None
    if not end:
        return math.inf
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def where_the_time_went(name, nb, seconds):
    """One line: the notebook's slowest cell (its index among all cells), and its time outside the cells."""
    timed = [(cell_seconds(cell), index) for index, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    timed = [(taken, index) for taken, index in timed if taken is not None]
    if not timed:
        return f"  {name}: no cell ran"
    longest, index = max(timed)
    if longest == math.inf:
        return f"  {name}: cell {index} started and never finished"
    outside = seconds - sum(taken for taken, _ in timed)
    return f"  {name}: slowest cell {index} ({longest:.0f} s), {outside:.0f} s outside its cells"


class TimedWorker(ExecutionWorkerLocalMProc):
    """jupyter-cache's worker, which also prints where each notebook's time went."""

    @staticmethod
    def execute(project_nb, data):
        result = single_nb_execution(project_nb.nb, cwd=str(Path(project_nb.uri).parent),
                                     timeout=data.timeout, allow_errors=data.allow_errors, record_timing=True)
        try:  # a report that fails must not fail a chapter that ran
            print(where_the_time_went(Path(project_nb.uri).name, result.nb, result.time), flush=True)
        except Exception as error:  # noqa: BLE001
            print(f"  {Path(project_nb.uri).name}: no timing ({error!r})", flush=True)
        for cell in result.nb.cells:  # the cache's hash of a notebook covers its cells' metadata
            cell.metadata.pop("execution", None)
        return result


def cached_seconds(cache, uri, tries=10):
    """The execution time that the cache stored with notebook ``uri``; NaN if its entry cannot be read.

    The worker process has committed the entry when it reports success, yet in one full test run,
    under heavy load, the lookup found nothing and the report crashed. It reads again a few times, and
    a time it cannot read is no reason to fail a notebook that ran.
    """
    for attempt in range(tries):
        record = cache.get_cached_project_nb(uri)
        if record is not None:
            return record.data.get("execution_seconds", float("nan"))
        time.sleep(0.1 * (attempt + 1))
    return float("nan")


def run(jobs, cache):
    """Execute ``jobs`` in parallel, one notebook per process; the tracebacks of the failed ones."""
    failures = {}
    # one notebook at a time per process, in the order given (imap's default chunk of one)
    with multiprocessing.Pool() as pool:
        for status, uri in pool.imap_unordered(TimedWorker(), jobs):
            if status == 0:
                print(f"  executed {Path(uri).name} in {cached_seconds(cache, uri):.0f} s", flush=True)
            else:
                failures[uri] = cache.get_project_record(uri).traceback or "(it could not start: see the log above)"
                print(f"  FAILED   {Path(uri).name}", flush=True)
    return failures


def main(arguments):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--cache", type=Path, help="the jupyter-cache folder (default: _config.yml's)")
    parser.add_argument("--cell-timeout", type=int, metavar="SECONDS",
                        help=f"seconds a cell may run (default: _config.yml's, at most {FAST_CELL_TIMEOUT} in fast mode)")
    options = parser.parse_args(arguments)
    paths = [path.resolve() for path in options.notebooks] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    start = time.perf_counter()
    failures = execute(paths, options.cache, options.cell_timeout)
    print(f"Notebook execution took {time.perf_counter() - start:.0f} s", flush=True)
    for uri, traceback in failures.items():
        print(f"\n=== {Path(uri).name} raised ===\n{traceback}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
