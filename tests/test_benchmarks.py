"""The benchmark scripts and the results page: quick run, tables, glue keys, log parsing, committed results."""

import ast
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
RESULTS_PAGE = ROOT / "book" / "results.md"
ROW_IDS = {"linear_ae_vs_pca", "hinton_pca", "hinton_deep_ae", "hinton_deep_ae_no_augmentation", "vae_dense_elbo",
           "burda_vae_log_likelihood", "keras_conv_vae",
           "one_class_mean", *(f"one_class_digit_{digit}" for digit in range(10)),
           *(f"semi_{kind}_{n}" for kind in ("nn", "cae", "cae_spreading", "m1", "m1_spreading")
             for n in (100, 600, 1000))}
NBSP = "\u00a0"
MACHINE = {"cpu_cores": 2, "cpu_model": "a CPU", "gpus": 0, "system": "Linux", "python": "3.11"}


@pytest.fixture
def results(monkeypatch):
    """The benchmarks' ``results`` module, importable by name as when the scripts and the page run."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import results

    return results


@pytest.fixture
def timings(results):
    import timings

    return timings


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


def row(**changes):
    """A measured row of papers.json."""
    return {"id": "a", "experiment": "Deep AE", "metric": "squared error per test image",
            "cites": ["hinton2006reducing"], "reference_kind": "paper", "reference": 3.0, "ours": 3.6, "decimals": 2,
            "seconds": 710.0, "settings": "30 epochs", "details": [["KL term", "6.1 nats"]], **changes}


def entry(*rows, machine=MACHINE, load=1.5):
    """An experiment of papers.json."""
    return {"rows": list(rows), "seconds": 710.0, "date": "2026-11-23T15:00:00+00:00", "load_average": [1.0, load],
            "machine": machine}


def papers_of(*rows, mode="full"):
    return {"mode": mode, "training_seconds": 710.0, "experiments": {"x": entry(*rows)}}


@pytest.mark.slow
def test_quick_run_writes_every_row_of_its_digits(tmp_path, tiny_mnist, results):
    import papers as papers_module

    output = tmp_path / "papers.json"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "COMPANION_DATA": str(tiny_mnist), "PYTHONHASHSEED": "0"}
    result = subprocess.run([sys.executable, str(BENCHMARKS / "papers.py"), "--quick", "--output", str(output)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]

    papers = json.loads(output.read_text())
    assert papers["mode"] == "quick"
    rows = [entry for experiment in papers["experiments"].values() for entry in experiment["rows"]]
    skipped_digits = {f"one_class_digit_{digit}" for digit in range(10) if digit not in papers_module.QUICK_DIGITS}
    assert {entry["id"] for entry in rows} == ROW_IDS - skipped_digits
    for entry in rows:
        for key in ("reference", "ours", "seconds"):
            assert math.isfinite(entry[key]), f"{entry['id']}: {key} = {entry[key]}"


def test_quick_mode_never_overwrites_the_committed_results(results, capsys):
    import papers

    for argv in (["--quick", "--output", str(results.PAPERS_JSON)], ["--quick"]):
        with pytest.raises(SystemExit):
            papers.parse_args(argv)
        assert "committed results may not be overwritten" in capsys.readouterr().err


@pytest.mark.parametrize(("seconds", "expected"), [(0.4, "0 s"), (59.4, "59 s"), (65, "1 min 05 s"),
                                                   (3725, "1 h 02 min")])
def test_durations_read_naturally_and_stay_on_one_line_in_tables(results, seconds, expected):
    assert results.format_duration(seconds) == expected
    assert results.duration_cell(seconds) == expected.replace(" ", NBSP)


def test_papers_table_gives_ratio_citations_and_wall_time(results):
    table = results.papers_table(papers_of(row(), row(reference_kind="bound", cites=["eckart1936approximation"])))

    first, bound = table.to_dict("records")
    assert first == {"Experiment": "Deep AE {cite}`hinton2006reducing`", "Metric": "squared error per test image",
                     "Theirs": "3.00", "Ours": "3.60", "Ours / theirs": "1.200",
                     "Wall time": f"11{NBSP}min{NBSP}50{NBSP}s"}
    assert bound["Experiment"] == "Deep AE; PCA is the optimum {cite}`eckart1936approximation`"
    with pytest.raises(ValueError, match="reference_kind"):
        results.papers_table(papers_of(row(reference_kind="chapter")))


def test_rows_not_measured_yet_are_shown_as_such(results):
    table = results.papers_table(papers_of(row(ours=None, seconds=None)))
    assert table.loc[0, "Ours"] == "*not measured*"
    assert table.loc[0, "Ours / theirs"] == table.loc[0, "Wall time"] == "—"
    assert results.papers_summary(None) == "The papers' numbers are *not measured* yet."


def test_papers_summary_says_where_when_and_how_the_numbers_were_measured(results):
    summary = results.papers_summary(papers_of(row()))
    assert summary == "Measured on this machine: 2 CPU cores (a CPU), no GPU, Python 3.11. Training and measuring " \
                      "everything took 11 min 50 s (2026-11-23)."
    assert "quick check" in results.papers_summary(papers_of(row(), mode="quick"))

    other = {**MACHINE, "cpu_model": "another CPU"}
    papers = {**papers_of(row()), "experiments": {"x": entry(row()), "y": entry(row(), machine=other, load=3.5)}}
    summary = results.papers_summary(papers)
    assert "Measured on 2 machines" in summary and "(a CPU)" in summary and "(another CPU)" in summary
    assert "load average up to 3.5 on 2 cores" in summary
    assert list(results.settings_table(papers)["Measured"]) == ["2026-11-23, a CPU", "2026-11-23, another CPU"]


def test_timings_not_yet_measured_are_shown_as_such(results):
    timings = {"machine": MACHINE, "measurements": {"fast_notebooks": {"01_a": {"seconds": [40.0, 44.0, 41.0]},
                                                                       "02_b": {"seconds": [95.0]}}}}
    notebooks = results.notebooks_table(timings, ["01_a", "02_b", "03_c"]).set_index("Chapter")
    commands = results.commands_table(timings)

    assert list(notebooks.columns) == ["Fast runs", "Median", "Slowest", f"Under 90{NBSP}s", "Full mode"]
    assert list(notebooks.loc["01_a"]) == ["3", f"41{NBSP}s", f"44{NBSP}s", "yes", "*not measured*"]
    assert notebooks.loc["02_b", f"Under 90{NBSP}s"] == "**no**"
    assert list(notebooks.loc["03_c"]) == ["0", "*not measured*", "—", "—", "*not measured*"]
    assert list(commands["Time"]) == ["*not measured*"] * 3
    assert results.timings_summary(None) == "The build and test times are *not measured* yet."


def test_fully_measured_timings_need_no_excuse(results):
    timings = {"machine": MACHINE, "measurements": {
        "fast_notebooks": {"01_a": {"seconds": [40.0]}},
        "test_command": {"seconds": [720.0], "pip_cache": False},
        "book_build": {"seconds": [2900.0], "pip_cache": False, "notebooks": {"01_a": 300.0}},
        "book_rebuild": {"seconds": [45.0], "pip_cache": False, "chapters_executed": []},
    }}
    notebooks = results.notebooks_table(timings, ["01_a"])
    commands = results.commands_table(timings).set_index("Command")

    assert "*not measured*" not in notebooks.to_string() + commands.to_string()
    assert notebooks.loc[0, "Full mode"] == f"5{NBSP}min{NBSP}00{NBSP}s"
    assert list(commands.loc["Tests: `bash scripts/test.sh`, fast mode"]) == \
        ["1", f"12{NBSP}min{NBSP}00{NBSP}s", f"15{NBSP}min", "yes"]
    assert commands.loc["Book: `bash scripts/build_book.sh`, full mode", "Under target"] == "**no**"
    assert "without pip's cache" in results.timings_summary(timings)
    rebuild = "Book again, nothing changed: the same in fast mode, second run"
    assert list(commands.loc[rebuild]) == ["1", f"45{NBSP}s", f"120{NBSP}s", "yes"]


def test_a_rebuild_that_runs_chapters_misses_its_target_however_fast(results):
    timings = {"machine": MACHINE, "measurements": {
        "book_rebuild": {"seconds": [30.0], "chapters_executed": ["01_a", "02_b"]}}}
    commands = results.commands_table(timings).set_index("Command")
    assert commands["Under target"].iloc[-1] == "**no**: 2 chapter(s) ran"


def page_values(monkeypatch):
    """Run the results page's code cells as the book build does (in book/); return their last expressions."""
    cells = re.findall(r"^```\{code-cell\}[^\n]*\n(.*?)^```$", RESULTS_PAGE.read_text(encoding="utf-8"),
                       flags=re.DOTALL | re.MULTILINE)
    monkeypatch.chdir(RESULTS_PAGE.parent)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the page adds benchmarks/ to it
    namespace, values = {}, []
    for cell in cells:
        tree = ast.parse(re.sub(r"^:tags:.*$", "", cell, flags=re.MULTILINE))
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, "results.md", "exec"), namespace)
        if last is not None:
            values.append(eval(compile(ast.Expression(last.value), "results.md", "eval"), namespace))
    return values


def test_committed_results_come_from_a_full_run_and_the_page_shows_every_row(results, monkeypatch):
    papers = results.read_json(results.PAPERS_JSON)
    assert papers["mode"] == "full", "the committed results must come from a full run"
    assert {entry["id"] for entry in results.rows_of(papers)} == ROW_IDS
    assert all(entry["ours"] is not None for entry in results.rows_of(papers)), "rerun: benchmarks/papers.py --only"

    markdown = "\n".join(value.data for value in page_values(monkeypatch))
    for entry in results.rows_of(papers):
        assert entry["experiment"] in markdown
    for name in results.notebook_names():
        assert name in markdown
    assert "*not measured*" not in markdown


def test_committed_settings_are_the_sentences_the_code_builds_from_its_values(results, monkeypatch):
    import papers

    committed = results.read_json(results.PAPERS_JSON)
    for name, entry in committed["experiments"].items():
        stored = {row["id"]: row["settings"] for row in entry["rows"]}
        assert stored == papers.settings_of(name, entry["epochs"]), \
            f"{name}'s settings changed since it ran: run benchmarks/papers.py --only {name}"

    # the sentences are made of the values the experiments pass to companion
    monkeypatch.setitem(papers.VAE_DENSE_FIT, "batch_size", 64)
    monkeypatch.setitem(papers.CAE_FIT, "learning_rate", 0.01)
    assert papers.settings_of("vae_dense", 7)["vae_dense_elbo"].endswith("Adam 0.001, batch 64, 7 epochs")
    assert "(sigmoid, contraction weight 0.01; cross-entropy, Adam 0.01, batch 100, 2 epochs)" in \
        papers.settings_of("semi_supervised", 2, n_train=512)["semi_cae_100"]
    assert "on the 512 training images" in papers.settings_of("semi_supervised", 2, n_train=512)["semi_m1_600"]


GLUE_CALL = re.compile(r"\bcp\.glue\(\s*(['\"])(?P<key>\w+)\1")
GLUE_ROLE = re.compile(r"\{glue(?::\w+)?\}`(?P<path>[^`:]+)::(?P<key>\w+)(?::[^`]*)?`")


def pasted_keys():
    """``{(notebook name, key)}`` of the page's glue roles that paste from a chapter."""
    return {(Path(match["path"]).stem, match["key"]) for match in GLUE_ROLE.finditer(RESULTS_PAGE.read_text())}


def test_the_page_pastes_from_notebooks_that_exist():
    pasted = pasted_keys()
    assert len(pasted) == 82
    for path in {match["path"] for match in GLUE_ROLE.finditer(RESULTS_PAGE.read_text())}:
        assert (RESULTS_PAGE.parent / path).resolve().is_file(), path


def test_the_page_pastes_exactly_the_keys_the_chapters_glue():
    glued = set()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        source = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
        glued |= {(path.stem, match["key"]) for match in GLUE_CALL.finditer(source)}
    pasted = pasted_keys()
    assert not pasted - glued, f"the page pastes keys that no chapter glues (as a literal cp.glue(\"key\", ...)): " \
                               f"{sorted(pasted - glued)}"
    assert not glued - pasted, f"chapters glue keys that the results page does not show: {sorted(glued - pasted)}"


def test_book_build_log_gives_each_notebook_time(timings):
    log = (
        "\x1b[01mreading sources... \x1b[39;49;00m[ 50%] \x1b[35mnotebooks/01_linear\x1b[39;49;00m\n"
        "/tmp/x/notebooks/01_linear.ipynb: Executing notebook using local CWD [mystnb]\n"
        "/tmp/x/notebooks/01_linear.ipynb: Executed notebook in 312.57 seconds [mystnb]\n"
        "/tmp/x/notebooks/02_stacked.ipynb: Executed notebook in 8.00 seconds [mystnb]\n"
    )
    assert timings.parse_notebook_times(log) == {"01_linear": 312.57, "02_stacked": 8.0}
    assert timings.parse_notebook_times("build succeeded.\n") == {}


def test_fresh_clones_do_not_inherit_this_virtual_environment(timings, monkeypatch):
    venv = ROOT / ".venv"
    monkeypatch.setenv("VIRTUAL_ENV", str(venv))
    monkeypatch.setenv("PATH", f"{venv / 'bin'}:/usr/bin:/bin")
    monkeypatch.setenv("COMPANION_FAST", "1")  # the book build must run in full mode
    monkeypatch.delenv("PIP_NO_CACHE_DIR", raising=False)
    monkeypatch.delenv("UV_NO_CACHE", raising=False)

    env = timings.clean_environment(pip_cache=False)
    assert env["PATH"] == "/usr/bin:/bin"
    assert "VIRTUAL_ENV" not in env and "COMPANION_FAST" not in env
    assert env["PIP_NO_CACHE_DIR"] == env["UV_NO_CACHE"] == "1", "a fresh machine has no pip or uv cache"
    assert "PIP_NO_CACHE_DIR" not in timings.clean_environment(pip_cache=True)


@pytest.mark.slow
@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs the git repository to clone")
def test_fresh_clone_runs_the_last_commit_then_is_removed(timings, tmp_path):
    env = timings.clean_environment(pip_cache=False)
    with timings.fresh_clone() as clone:
        seconds, log = timings.run_timed(["bash", "-c", "pwd; git log -1 --format=%h"], clone,
                                         log_path=tmp_path / "clone.log", env=env)
        where, commit = log.split()
        assert commit == timings.head_commit() and Path(where) == clone
        assert 0 <= seconds < 60
        with pytest.raises(RuntimeError, match="exit code 3"):
            timings.run_timed(["bash", "-c", "exit 3"], clone, log_path=tmp_path / "failed.log", env=env)
    assert not clone.exists()


COLAB_RUN = {"date": "2026-11-29T23:00:00+00:00", "commit": "abc1234", "python": "3.11.7",
             "versions": {"tensorflow": "2.20.0", "keras": "3.13.2"}, "constraints": "From Colab's list"}


@pytest.fixture
def colab_check(results):
    import colab_check

    return colab_check


def test_colab_check_result_is_shown_per_chapter(results):
    check = {**COLAB_RUN,  # as the file was before each chapter kept its own run: the file's run is every chapter's
             "chapters": {"01_linear_autoencoder_pca": {"passed": True, "seconds": 42.0, "message": ""},
                          "09_gone": {"passed": False, "seconds": None, "message": "ModuleNotFoundError"}}}
    table = results.colab_check_table(check).set_index("Result")
    assert list(table["Time, fast mode"]) == [f"42{NBSP}s", "—"]
    assert table.index.tolist() == ["passed", "**failed**"]
    assert table.loc["passed", "Chapter"] == "{doc}`/notebooks/01_linear_autoencoder_pca`"
    assert list(table["Run"]) == ["2026-11-29, `abc1234`"] * 2
    summary = results.colab_check_summary(check)
    assert summary == ("Run on 2026-11-29 with Python 3.11.7 and tensorflow 2.20.0, keras 3.13.2; constraints "
                       "From Colab's list.")
    assert results.colab_check_summary(None) == "The Colab-like check is *not measured* yet."
    assert results.colab_check_table(None).empty


def test_colab_check_selects_each_chapter_once_by_its_exact_id(results, tmp_path):
    import _common

    for name in ("01_a", "09_b", "09b_c", "10_d"):
        (tmp_path / f"{name}.ipynb").write_text("{}")
    names = [path.stem for path in _common.select_chapters(tmp_path, ["09", "09b", "01", "09"])]
    assert names == ["09_b", "09b_c", "01_a"]  # 09 is not 09b; asked twice, run once
    assert [path.stem for path in _common.select_chapters(tmp_path, ["all"])] == ["01_a", "09_b", "09b_c", "10_d"]
    with pytest.raises(ValueError, match=r"chapter id '9', '1'; the valid ids are 01 09 09b 10 \(or all\)"):
        _common.select_chapters(tmp_path, ["01", "9", "1"])


def test_colab_check_can_run_every_chapter_named_on_the_command_line(colab_check, monkeypatch, capsys):
    every = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "09b", "10", "11", "12", "13", "14"]
    monkeypatch.setenv("COMPANION_DATA", "/nowhere")  # parse_args checks only that it is set
    chosen = colab_check.parse_args(["--chapters", *every]).chapters
    assert [path.name.split("_")[0] for path in chosen] == every
    assert len({path.stem for path in chosen}) == len(every)  # one folder each: no FileExistsError
    assert set(chosen) <= set(colab_check.parse_args(["--chapters", "all"]).chapters)
    assert all(path.parent == colab_check.COLAB for path in chosen)

    with pytest.raises(SystemExit):
        colab_check.parse_args(["--chapters", "01", "99"])
    error = capsys.readouterr().err
    assert "'99'" in error and "09 09b 10" in error and "scripts/colab_notebooks.py" in error
    with pytest.raises(SystemExit) as help_exit:
        colab_check.parse_args(["--help"])
    assert help_exit.value.code == 0 and "09b" in capsys.readouterr().out


def test_colab_check_merges_a_run_into_the_earlier_results_per_chapter(colab_check):
    earlier = {**COLAB_RUN, "install_seconds": 60.0, "chapters": {
        "01_linear_autoencoder_pca": {"passed": True, "seconds": 60.0, "message": ""},
        "09_variational_autoencoder": {"passed": False, "seconds": None, "message": "boom"},
        "99_removed_since": {"passed": True, "seconds": 1.0, "message": ""}}}
    later = {**COLAB_RUN, "date": "2026-12-01T10:00:00+00:00", "commit": "def5678",
             "versions": {"tensorflow": "2.21.0", "keras": "3.14.0"}, "install_seconds": 50.0}
    merged = colab_check.merge(earlier, later, {
        "09_variational_autoencoder": {"passed": True, "seconds": 80.0, "message": ""},
        "09b_vae_measured": {"passed": True, "seconds": 70.0, "message": ""}})

    chapters = merged["chapters"]
    assert list(chapters) == ["01_linear_autoencoder_pca", "09_variational_autoencoder", "09b_vae_measured"]
    assert chapters["01_linear_autoencoder_pca"] == {**earlier["chapters"]["01_linear_autoencoder_pca"],
                                                     **COLAB_RUN}  # kept, with the run it comes from
    assert chapters["09_variational_autoencoder"]["passed"] and chapters["09_variational_autoencoder"]["commit"] == \
        "def5678"
    assert merged["install_seconds"] == 50.0 and merged["commit"] == "def5678"
    assert colab_check.merge(None, later, {})["chapters"] == {}
    summary = colab_check.results.colab_check_summary(merged)
    assert summary.startswith("Run from 2026-11-29 to 2026-12-01 in 2 environments")
    assert "tensorflow 2.20.0" in summary and "tensorflow 2.21.0" in summary


def test_a_chapter_timed_alone_in_full_mode_replaces_the_book_builds_time(results):
    timings = {"machine": MACHINE, "measurements": {
        "book_build": {"seconds": [2900.0], "notebooks": {"01_a": 300.0, "02_b": 200.0}},
        "full_notebooks": {"02_b": {"seconds": [250.0]}, "03_c": {"seconds": [400.0]}}}}
    table = results.notebooks_table(timings, ["01_a", "02_b", "03_c"]).set_index("Chapter")
    assert list(table["Full mode"]) == [f"5{NBSP}min{NBSP}00{NBSP}s", f"4{NBSP}min{NBSP}10{NBSP}s",
                                        f"6{NBSP}min{NBSP}40{NBSP}s"]


# --- the deep autoencoder's recipes (deep_autoencoder.json) ---


def recipe(test_errors, train_errors, seconds=600.0):
    epochs = list(range(1, len(test_errors) + 1))
    return {"settings": "a recipe", "epochs": len(epochs), "shifted_copies": 0, "test_error": test_errors[-1],
            "seconds": seconds, "curve": {"epoch": epochs, "seconds": [seconds * e / len(epochs) for e in epochs],
                                          "test_error": test_errors, "train_error": train_errors}}


def test_recipes_table_puts_the_best_first_and_shows_where_the_curve_was_lowest(results):
    curves = {"recipes": {"overfits": recipe([5.0, 3.2, 3.6], [5.0, 2.9, 1.8]),
                          "steady": recipe([5.0, 4.0, 3.1], [5.0, 3.9, 2.9])}}
    table = results.recipes_table(curves)
    assert list(table["Recipe"]) == ["`steady`", "`overfits`"]
    assert list(table["Lowest on the way"]) == ["3.10 (epoch 3)", "3.20 (epoch 2)"]
    assert list(table["Training error"]) == ["2.90", "1.80"]
    assert list(table["Ours / theirs"]) == [f"{3.1 / 3.0:.3f}", f"{3.6 / 3.0:.3f}"]


def test_recipes_settings_leave_out_what_every_recipe_shares(results):
    settings = "ReLU hidden units, linear code, logistic output, cross-entropy, Adam 0.001, 30 epochs, no pretraining"
    curves = {"recipes": {"worse": {**recipe([4.0], [3.0]), "settings": "logistic hidden units, no pretraining"},
                          "better": {**recipe([3.0], [2.0]), "settings": settings}}}
    table = results.recipes_settings_table(curves)
    assert list(table["Recipe"]) == ["`better`", "`worse`"]  # the order of the results table
    assert list(table["Settings"]) == ["ReLU hidden units, Adam 0.001, 30 epochs", "logistic hidden units"]


def test_recipes_figure_draws_test_and_training_curves_of_each_recipe_and_the_papers_line(results):
    import matplotlib.pyplot as plt

    figure = results.recipes_figure({"recipes": {"a": recipe([5.0, 4.0], [5.0, 3.5]),
                                                 "b": recipe([6.0, 3.0], [6.0, 2.0], seconds=1200.0)}})
    lines = figure.axes[0].get_lines()
    assert len(lines) == 2 * 2 + 1  # two curves per recipe and the paper's error
    assert [max(line.get_xdata()) for line in lines[:4]] == [20.0, 20.0, 10.0, 10.0]  # minutes; the best, b, first
    assert [line.get_ydata()[0] for line in lines if line.get_linestyle() == ":"] == [results.HINTON_TEST_ERROR]
    assert len(figure.axes[1].get_lines()) == 1  # no recipe with shifted copies: the paper's line alone
    plt.close(figure)


def test_recipes_figure_puts_the_recipes_with_shifted_copies_in_a_panel_of_their_own(results):
    import matplotlib.pyplot as plt

    shifted = {**recipe([4.0, 2.8], [4.0, 2.5]), "shifted_copies": 3}
    figure = results.recipes_figure({"recipes": {"alone": recipe([5.0, 3.5], [5.0, 2.5]), "shifted": shifted}})
    alone_lines, shifted_lines = (panel.get_lines() for panel in figure.axes)
    assert [line.get_ydata()[-1] for line in alone_lines] == [3.5, 2.5, results.HINTON_TEST_ERROR]
    assert [line.get_ydata()[-1] for line in shifted_lines] == [2.8, 2.5, results.HINTON_TEST_ERROR]
    plt.close(figure)


def test_the_log_likelihood_figure_draws_the_curve_our_estimate_and_the_papers_lines(results):
    import matplotlib.pyplot as plt

    row = {"id": "x", "ours": -90.0, "curve": {"epoch": [10, 20, 30], "test_elbo": [-99.0, -95.0, -93.0]}}
    assert results.curve_row({"experiments": {"e": {"rows": [row]}}}, "x") is row
    assert results.curve_row({"experiments": {"e": {"rows": [{"id": "x"}]}}}, "x") is None  # not measured yet
    figure = results.log_likelihood_figure(row, {"VAE": -86.76, "IWAE": -84.78})
    curve, estimate, *papers_lines = figure.axes[0].get_lines()
    assert list(curve.get_xdata()) == [10, 20, 30] and list(curve.get_ydata()) == [-99.0, -95.0, -93.0]
    assert (list(estimate.get_xdata()), list(estimate.get_ydata())) == ([30], [-90.0])  # at the last epoch
    assert sorted(line.get_ydata()[0] for line in papers_lines) == [-86.76, -84.78]
    low, high = figure.axes[0].get_ylim()
    assert low < -95.0 and high > -84.78  # every point from the second quarter on, and both lines, in view
    plt.close(figure)


def test_the_committed_log_likelihood_lies_above_its_last_elbo_as_the_page_says(results):
    papers = results.read_json(results.PAPERS_JSON)
    row = results.curve_row(papers, "burda_vae_log_likelihood")
    assert row is not None, "rerun: benchmarks/papers.py --only burda_vae"
    assert row["curve"]["epoch"][-1] == papers["experiments"]["burda_vae"]["epochs"]  # the curve runs to the end
    assert row["ours"] > row["curve"]["test_elbo"][-1]  # 5,000 samples tighten the one-sample bound


def test_dynamic_binarisation_draws_binary_pixels_anew_at_every_pass(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import papers

    grey = np.random.default_rng(0).uniform(size=(40, 784)).astype("float32")
    batches = papers.dynamically_binarised(grey, batch_size=16, seed=1)
    first, second = (np.concatenate([batch.numpy() for batch in batches]) for _ in range(2))
    assert first.shape == grey.shape and set(np.unique(first)) == {0.0, 1.0}
    # each pixel is 1 with probability its grey level: over 2 x 31,360 pixels, the mean is within 5 standard errors
    assert abs(np.mean([first.mean(), second.mean()]) - grey.mean()) < 5 * 0.5 / np.sqrt(2 * grey.size)
    # identical grey digits, so that the order cannot hide a repeated draw: every digit of every pass is new
    same = np.full((40, 784), 0.5, dtype="float32")
    passes = [np.concatenate([batch.numpy() for batch in batches])
              for batches in [papers.dynamically_binarised(same, batch_size=16, seed=1)] for _ in range(2)]
    drawn = np.concatenate(passes)
    assert len(set(map(bytes, drawn))) == len(drawn)  # 80 different binary digits
    # digits already binary stay as they are: each pass holds every digit once, shuffled
    binary = (grey > 0.5).astype("float32")
    rows = np.concatenate([batch.numpy() for batch in papers.dynamically_binarised(binary, 16, seed=1)])
    assert sorted(map(bytes, rows)) == sorted(map(bytes, binary)) and not np.array_equal(rows, binary)


def test_shifted_copies_move_every_digit_by_at_most_one_pixel(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import deep_autoencoder

    rng = np.random.default_rng(0)
    digits = np.zeros((50, 28, 28), "float32")
    digits[:, 4:24, 4:24] = rng.uniform(size=(50, 20, 20))  # ink away from the border, as in MNIST
    flat = digits.reshape(50, -1)
    out = deep_autoencoder.shifted_copies(flat, 2, seed=0)
    assert out.shape == (150, 784)
    np.testing.assert_array_equal(out[:50], flat)
    offsets = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    for copy in (out[50:100], out[100:]):
        for original, moved in zip(digits, copy.reshape(50, 28, 28)):
            assert any(np.array_equal(np.roll(original, offset, axis=(0, 1)), moved) for offset in offsets)
    moved_any = ~np.all(out[50:] == np.tile(flat, (2, 1)), axis=1)
    assert moved_any.mean() > 0.7  # 8 of the 9 offsets move the digit


def test_committed_recipe_curves_are_labelled_with_the_recipes_as_written(results, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import deep_autoencoder

    curves = results.read_json(results.DEEP_AUTOENCODER_JSON)
    assert set(curves["recipes"]) == set(deep_autoencoder.RECIPES), "run the new recipe, or remove the old one"
    for name, entry in curves["recipes"].items():
        recipe = deep_autoencoder.RECIPES[name]
        assert entry["settings"] == recipe.settings(), f"{name} changed since its curve was measured: run it again"
        assert entry["shifted_copies"] == recipe.shifted_copies
        assert entry["curve"]["epoch"] == list(range(1, recipe.epochs + 1))
    best = min(curves["recipes"], key=lambda name: curves["recipes"][name]["test_error"])
    assert deep_autoencoder.RECORD == best, "papers.py's row should train the best recipe"


def test_the_row_without_more_data_takes_the_best_recipe_that_adds_no_shifted_copies(results, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import deep_autoencoder

    alone = [name for name, recipe in deep_autoencoder.RECIPES.items() if not recipe.shifted_copies]
    shifted = [name for name, recipe in deep_autoencoder.RECIPES.items() if recipe.shifted_copies]
    curves = {"recipes": {alone[0]: recipe([4.0, 3.4], [4.0, 2.0]), alone[1]: recipe([4.0, 3.2], [4.0, 2.0]),
                          shifted[0]: recipe([4.0, 2.7], [4.0, 2.0])}}
    assert [name for name, _ in deep_autoencoder.without_more_data(curves)] == [alone[1], alone[0]]


def test_the_row_without_more_data_quotes_the_committed_run_of_its_recipe(results, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import deep_autoencoder

    (name, run), *_ = deep_autoencoder.without_more_data(results.read_json(results.DEEP_AUTOENCODER_JSON))
    (row,) = [row for row in results.rows_of(results.read_json(results.PAPERS_JSON))
              if row["id"] == "hinton_deep_ae_no_augmentation"]
    assert (row["ours"], row["seconds"]) == (run["test_error"], run["seconds"]), \
        "a recipe ran again: run benchmarks/papers.py --only hinton2006_no_augmentation"
    assert dict(row["details"])["recipe"].startswith(f"{name} in benchmarks/deep_autoencoder.py")


TEST_LOG = """\
\x1b[32m==== 1502 passed, 12 skipped in 301.22s (0:05:01) ====\x1b[0m
Executing 14 notebooks (0 already in the cache) on 2 cores
  06_sparse_autoencoder.ipynb: slowest cell 31 (12 s), 3 s outside its cells
  executed 06_sparse_autoencoder.ipynb in 43 s
notebooks/01_linear.ipynb: Executed notebook in 40.00 seconds
==== 31 passed in 80.00s (0:01:20) ====
The JAX tier (step 3):
1610 passed, 1 skipped in 88.10s (0:01:28)
"""


def test_the_test_command_log_gives_each_step_and_the_chapters_executed(timings):
    parsed = timings.parse_test_log(TEST_LOG)
    assert [step["step"] for step in parsed["steps"]] == list(timings.TEST_STEPS)
    assert parsed["steps"][0] == {"step": timings.TEST_STEPS[0], "passed": 1502, "skipped": 12, "seconds": 301.22}
    assert parsed["steps"][1]["passed"] == 31 and parsed["steps"][2]["skipped"] == 1
    assert parsed["notebooks_executed"] == 14
    assert parsed["executed_again_by_the_build"] == ["01_linear"]


def test_the_readme_shows_the_test_commands_last_measurement(results):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = readme.index(results.README_START), readme.index(results.README_END)
    shown = readme[start + len(results.README_START):end].strip()
    assert shown == results.readme_test_command(results.read_json(results.TIMINGS_JSON)), (
        "the README's measurement of the test command is not timings.json's: "
        "run benchmarks/timings.py --only test-command, which writes both")


def test_the_pytorch_tier_is_reported_with_its_counts_or_as_not_run(results):
    assert "not been run on PyTorch" in results.torch_tier_text({"measurements": {}})
    entry = {"seconds": [200.0], "passed": 1700, "skipped": 2, "date": "2026-12-06T22:00:00+00:00", "commit": "abc1234"}
    text = results.torch_tier_text({"measurements": {"torch_tier": entry}})
    assert "1,700 passed, 2 skipped, 0 failed" in text and "3 min 20 s" in text and "abc1234" in text
