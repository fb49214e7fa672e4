"""Each chapter runs once per test run, and its checked outputs are compared as nbval would.

The test command executes every notebook once (``scripts/execute_notebooks.py``)
before the strict book build; the build writes the executed copies to
``_build/jupyter_execute``. The test marked ``book`` compares them with the
outputs stored in the notebooks. The others show, on small fixture notebooks,
that each fault fails the command: a cell that raises, a hidden assert that
fails, and a checked output that differs.
"""

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from checked_outputs import CHECK_TAG, checked_output_differences

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXECUTE = ROOT / "scripts" / "execute_notebooks.py"


def code_cell(source, outputs=(), tags=(CHECK_TAG,), cell_id=None):
    cell = {"cell_type": "code", "metadata": {"tags": list(tags)}, "source": source,
            "outputs": list(outputs), "execution_count": 1 if outputs else None}
    if cell_id:
        cell["id"] = cell_id
    return cell


def printed(text, name="stdout"):
    return {"output_type": "stream", "name": name, "text": text}


def result(text, **more):
    return {"output_type": "execute_result", "execution_count": 1, "metadata": {},
            "data": {"text/plain": text, **more}}


def notebook(*cells):
    return {"cells": list(cells), "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                              "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


# --- the comparison, on notebooks in memory ---


def test_identical_checked_outputs_agree():
    stored = notebook(code_cell("print(1)", [printed("1\n")], cell_id="a"), code_cell("2", [result("2")], cell_id="b"))
    assert checked_output_differences(stored, copy.deepcopy(stored)) == []


def test_a_differing_checked_output_names_its_cell_and_shows_both():
    stored = notebook(code_cell("print(cp.exercises.ch01.check(answer))", [printed("✅ Correct\n")], cell_id="a"))
    executed = copy.deepcopy(stored)
    executed["cells"][0]["outputs"] = [printed("❌ Not yet\n")]
    [problem] = checked_output_differences(stored, executed)
    assert "cell 0" in problem and "check(answer)" in problem
    assert "stored:\n    ✅ Correct" in problem and "executed:\n    ❌ Not yet" in problem


def test_an_extra_or_missing_output_differs():
    stored = notebook(code_cell("x", [result("1")], cell_id="a"))
    executed = copy.deepcopy(stored)
    executed["cells"][0]["outputs"].append(printed("warning\n", "stderr"))
    assert checked_output_differences(stored, executed)
    executed["cells"][0]["outputs"] = []
    assert checked_output_differences(stored, executed)


def test_unchecked_cells_images_and_metadata_are_not_compared():
    stored = notebook(code_cell("plot()", [result("<Figure>", **{"image/png": "AAAA"})], cell_id="a"),
                      code_cell("train()", [printed("loss 0.1\n")], tags=(), cell_id="b"))
    executed = copy.deepcopy(stored)
    executed["cells"][0]["outputs"][0]["data"]["image/png"] = "BBBB"
    executed["cells"][0]["outputs"][0]["metadata"] = {"needs_background": "light"}
    executed["cells"][1]["outputs"] = [printed("loss 0.2\n")]
    assert checked_output_differences(stored, executed) == []


def test_a_stream_printed_in_pieces_equals_it_printed_at_once():
    stored = notebook(code_cell("f()", [printed("a\nb\n")], cell_id="a"))
    executed = copy.deepcopy(stored)
    executed["cells"][0]["outputs"] = [printed("a\n"), printed("b\n")]
    assert checked_output_differences(stored, executed) == []


def test_a_checked_cell_missing_from_the_executed_copy_is_a_difference():
    stored = notebook(code_cell("x = 1", [], cell_id="a"), code_cell("x", [result("1")], cell_id="b"))
    executed = notebook(stored["cells"][0])
    [problem] = checked_output_differences(stored, executed)
    assert "cell 1" in problem and "not in the executed copy" in problem


# --- the whole path on fixture notebooks: execute once into a cache, then compare ---


def write(folder, name, nb):
    path = folder / name
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def execute(tmp_path, *paths, options=()):
    return subprocess.run([sys.executable, str(EXECUTE), "--cache", str(tmp_path / "cache"), *options,
                           *map(str, paths)], capture_output=True, text=True, timeout=300)


def executed_copy(tmp_path, path):
    from jupyter_cache import get_cache

    cache = get_cache(str(tmp_path / "cache"))
    record = cache.get_cached_project_nb(str(path))
    assert record is not None, f"{path.name} is not in the cache"
    return json.loads(json.dumps(cache.get_cache_bundle(record.pk).nb))


# Each fixture run starts a Python with jupyter-cache and a kernel per notebook: the
# faults share one run. Its cell timeout is short, so that the slow notebooks time out
# soon; every other cell takes milliseconds.
CELL_TIMEOUT = 8


@pytest.fixture(scope="module")
def fixture_run(tmp_path_factory):
    """One execution of a notebook for each fault, and of notebooks without one."""
    folder = tmp_path_factory.mktemp("fixture_run")
    marker = folder / "ran_once"
    stored_answer = notebook(code_cell("print(6 * 7)", [printed("41\n")], cell_id="answer"))
    paths = {
        "raising": write(folder, "raising.ipynb", notebook(code_cell("1 / 0", tags=()))),
        "failing": write(folder, "failing_assert.ipynb", notebook(
            code_cell("measured = 0.5", tags=()),
            code_cell('assert measured > 0.9, f"the claim fails: {measured}"', tags=("remove-cell",)))),
        "fine": write(folder, "fine.ipynb", notebook(code_cell("print('fine')", tags=()))),
        "broken_output": write(folder, "broken_output.ipynb", stored_answer),
        # the first run of "slow_once" waits past the timeout (as a lost kernel reply does); its retry finishes
        "slow_once": write(folder, "slow_once.ipynb", notebook(code_cell(
            f"import pathlib, time\nmarker = pathlib.Path({str(marker)!r})\nfirst = not marker.exists()\n"
            "marker.touch()\ntime.sleep(30 if first else 0)", tags=()))),
        "always_slow": write(folder, "always_slow.ipynb", notebook(code_cell("import time\ntime.sleep(30)", tags=()))),
    }
    run = execute(folder, *paths.values(), options=("--cell-timeout", str(CELL_TIMEOUT)))
    return folder, paths, stored_answer, run


@pytest.mark.slow
def test_a_raising_cell_and_a_failing_hidden_assert_fail_the_execution(fixture_run):
    _, _, _, run = fixture_run
    assert run.returncode == 1, run.stdout + run.stderr
    assert "=== raising.ipynb raised ===" in run.stderr and "ZeroDivisionError" in run.stderr
    assert "=== failing_assert.ipynb raised ===" in run.stderr and "the claim fails: 0.5" in run.stderr
    assert "fine.ipynb raised" not in run.stderr and "executed fine.ipynb" in run.stdout
    assert "fine.ipynb: slowest cell 0 (" in run.stdout  # where a stalled run's time went


@pytest.mark.slow
def test_a_broken_checked_output_is_found_and_each_notebook_runs_once(fixture_run):
    folder, paths, stored_answer, run = fixture_run
    assert "Executing 6 notebooks (0 already in the cache)" in run.stdout
    assert "broken_output.ipynb raised" not in run.stderr
    [problem] = checked_output_differences(stored_answer, executed_copy(folder, paths["broken_output"]))
    assert "stored:\n    41" in problem and "executed:\n    42" in problem
    again = execute(folder, paths["broken_output"], paths["fine"])  # what the cache holds is not executed again
    assert "Executing 0 notebooks (2 already in the cache)" in again.stdout


@pytest.mark.slow
def test_a_cell_that_times_out_is_retried_once(fixture_run):
    _, _, _, run = fixture_run
    assert f"A cell timed out after {CELL_TIMEOUT} s in" in run.stdout and "retrying once" in run.stdout
    assert "executed slow_once.ipynb" in run.stdout and "slow_once.ipynb raised" not in run.stderr
    assert "=== always_slow.ipynb raised ===" in run.stderr and "CellTimeoutError" in run.stderr
    assert "always_slow.ipynb: cell 0 started and never finished" in run.stdout  # the stalled cell, named


# --- the chapters, after the test command's book build ---


@pytest.mark.book
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_checked_outputs_match_the_executed_chapter(book_html, path):
    executed = book_html.parent / "jupyter_execute" / "notebooks" / path.name
    assert executed.is_file(), f"{path.name} was not executed by the book build: no {executed}"
    stored = json.loads(path.read_text(encoding="utf-8"))
    problems = checked_output_differences(stored, json.loads(executed.read_text(encoding="utf-8")))
    assert not problems, (f"{path.name}: checked outputs differ from the executed chapter; refresh them with "
                          "scripts/refresh_checked_outputs.py if the change is meant\n" + "\n".join(problems))
