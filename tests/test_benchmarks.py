"""The benchmark scripts of the results page: quick run, rendering, log parsing, committed files."""

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
ROW_IDS = {
    "linear_ae_vs_pca",
    "hinton_pca",
    "hinton_deep_ae",
    "denoising_gaussian",
    "denoising_masking",
    "denoising_salt_and_pepper",
    "sparse_beta_0.01",
    "sparse_beta_0.03",
    "contractive_jacobian",
    "vae_dense_elbo",
    "keras_conv_vae",
}


@pytest.fixture
def benchmarks(monkeypatch):
    """The benchmark scripts' modules, importable by name as when the scripts run."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import results_files
    import results_page
    import timings

    return results_files, results_page, timings


@pytest.fixture
def tiny_mnist(tmp_path):
    """A folder with a valid, random ``mnist.npz`` just large enough for the quick run."""
    rng = np.random.default_rng(0)
    folder = tmp_path / "data"
    folder.mkdir()
    np.savez(
        folder / "mnist.npz",
        x_train=rng.integers(0, 256, size=(600, 28, 28), dtype=np.uint8),
        y_train=rng.integers(0, 10, size=600).astype(np.uint8),
        x_test=rng.integers(0, 256, size=(300, 28, 28), dtype=np.uint8),
        y_test=rng.integers(0, 10, size=300).astype(np.uint8),
    )
    return folder


def table_line(page, label):
    """The table row of the page whose first cell is ``label``."""
    lines = [line for line in page.splitlines() if line.startswith(f"| {label} |")]
    assert len(lines) == 1, f"expected one table row for {label!r}, found {len(lines)}"
    return lines[0]


def test_quick_run_writes_every_row_and_the_page_renders_each(tmp_path, tiny_mnist):
    output, page = tmp_path / "papers.json", tmp_path / "results.md"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "COMPANION_DATA": str(tiny_mnist),
           "PYTHONHASHSEED": "0"}
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "papers.py"), "--quick", "--output", str(output), "--page", str(page),
         "--timings", str(tmp_path / "no_timings.json")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]

    results = json.loads(output.read_text())
    assert results["mode"] == "quick"
    rows = [row for entry in results["experiments"].values() for row in entry["rows"]]
    assert {row["id"] for row in rows} == ROW_IDS
    for row in rows:
        for key in ("reference", "ours", "ratio", "seconds"):
            assert math.isfinite(row[key]), f"{row['id']}: {key} = {row[key]}"
        assert row["ratio"] == pytest.approx(row["ours"] / row["reference"])

    text = page.read_text()
    for row in rows:
        line = table_line(text, row["experiment"])
        assert f"| {row['ours']:.{row['decimals']}f} |" in line
        assert f"| {row['ratio']:.3f} |" in line
    assert "quick check" in text, "a page of quick numbers must say so"
    assert "*not measured*" in text  # no timings given


def test_quick_mode_never_overwrites_the_committed_results(benchmarks, capsys):
    import papers

    results_files, _, _ = benchmarks
    with pytest.raises(SystemExit):
        papers.parse_args(["--quick", "--output", str(results_files.PAPERS_JSON), "--page", "/tmp/results.md"])
    assert "may not overwrite" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        papers.parse_args(["--quick"])


def test_timings_not_yet_measured_are_shown_as_such(benchmarks):
    _, results_page, _ = benchmarks
    timings = {
        "machine": {"cpu_cores": 2, "cpu_model": "a CPU", "gpus": 0, "system": "Linux", "python": "3.11"},
        "measurements": {"fast_notebooks": {"01_a": {"seconds": [40.0, 44.0, 41.0]},
                                            "02_b": {"seconds": [95.0]}}},
    }
    page = results_page.render(None, timings, notebooks=["01_a", "02_b", "03_c"])

    assert table_line(page, "`01_a`") == "| `01_a` | 3 | 40 s | 41 s | 44 s | yes | *not measured* |"
    assert "| 1 | 1 min 35 s | 1 min 35 s | 1 min 35 s | **no** |" in table_line(page, "`02_b`")
    assert "| 0 | — | *not measured* |" in table_line(page, "`03_c`")
    assert "*not measured*" in table_line(page, "Tests: `bash scripts/test.sh`, fast mode")
    assert "have not been timed on this machine yet" in page
    assert "2 CPU cores (a CPU), no GPU" in page


def test_fully_measured_timings_need_no_excuse(benchmarks):
    _, results_page, _ = benchmarks
    timings = {
        "machine": {"cpu_cores": 2, "cpu_model": "a CPU", "gpus": 0, "system": "Linux", "python": "3.11"},
        "measurements": {
            "fast_notebooks": {"01_a": {"seconds": [40.0]}},
            "test_command": {"seconds": [720.0], "pip_cache": False},
            "book_build": {"seconds": [2900.0], "pip_cache": False, "notebooks": {"01_a": 300.0}},
        },
    }
    page = results_page.render(None, timings, notebooks=["01_a"])
    timings_part = page[page.index("## Build and test times"):]

    assert "*not measured*" not in timings_part
    assert table_line(page, "`01_a`").endswith("| 5 min 00 s |")
    assert table_line(page, "Tests: `bash scripts/test.sh`, fast mode") == \
        "| Tests: `bash scripts/test.sh`, fast mode | 1 | 12 min 00 s | 30 min | yes |"
    assert table_line(page, "Book: `bash scripts/build_book.sh`, full mode").endswith("| 45 min | **no** |")
    assert "without pip's cache" in page


def test_book_build_log_gives_each_notebook_time(benchmarks):
    _, _, timings = benchmarks
    log = (
        "\x1b[01mreading sources... \x1b[39;49;00m[ 50%] \x1b[35mnotebooks/01_linear\x1b[39;49;00m\n"
        "/tmp/x/notebooks/01_linear.ipynb: Executing notebook using local CWD [mystnb]\n"
        "/tmp/x/notebooks/01_linear.ipynb: Executed notebook in 312.57 seconds [mystnb]\n"
        "/tmp/x/notebooks/02_stacked.ipynb: Executed notebook in 8.00 seconds [mystnb]\n"
    )
    assert timings.parse_notebook_times(log) == {"01_linear": 312.57, "02_stacked": 8.0}
    assert timings.parse_notebook_times("build succeeded.\n") == {}


def test_fresh_clones_do_not_inherit_this_virtual_environment(benchmarks, monkeypatch):
    _, _, timings = benchmarks
    venv = ROOT / ".venv"
    monkeypatch.setenv("VIRTUAL_ENV", str(venv))
    monkeypatch.setenv("PATH", f"{venv / 'bin'}:/usr/bin:/bin")
    monkeypatch.setenv("COMPANION_FAST", "1")  # the book build must run in full mode
    monkeypatch.delenv("PIP_NO_CACHE_DIR", raising=False)

    env = timings.clean_environment(pip_cache=False)
    assert env["PATH"] == "/usr/bin:/bin"
    assert "VIRTUAL_ENV" not in env and "COMPANION_FAST" not in env
    assert env["PIP_NO_CACHE_DIR"] == "1", "a fresh machine has no pip cache"
    assert "PIP_NO_CACHE_DIR" not in timings.clean_environment(pip_cache=True)


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs the git repository to clone")
def test_fresh_clone_runs_the_last_commit_then_is_removed(benchmarks, tmp_path):
    _, _, timings = benchmarks
    seconds, log = timings.time_in_fresh_clone(["bash", "-c", "pwd; git log -1 --format=%h"],
                                               log_path=tmp_path / "clone.log", pip_cache=False)
    clone, commit = log.split()
    assert commit == timings.head_commit()
    assert not Path(clone).exists()
    assert 0 <= seconds < 60

    with pytest.raises(RuntimeError, match="exit code 3"):
        timings.time_in_fresh_clone(["bash", "-c", "exit 3"], log_path=tmp_path / "failed.log", pip_cache=False)


@pytest.mark.parametrize(("seconds", "expected"), [(0.4, "0 s"), (59.4, "59 s"), (65, "1 min 05 s"),
                                                   (3725, "1 h 02 min")])
def test_durations_read_naturally(benchmarks, seconds, expected):
    results_files, _, _ = benchmarks
    assert results_files.format_duration(seconds) == expected


def test_committed_page_is_rendered_from_the_committed_results(benchmarks):
    results_files, results_page, _ = benchmarks
    papers = results_files.read_json(results_files.PAPERS_JSON)
    if papers is None:
        pytest.skip("benchmarks/papers.json has not been written yet")
    assert papers["mode"] == "full", "the committed results must come from a full run"
    page = results_files.RESULTS_PAGE.read_text(encoding="utf-8")
    assert results_page.papers_section(papers) in page, "re-render the page: python benchmarks/results_page.py"
    assert {row["id"] for row in results_page.rows_of(papers)} == ROW_IDS
