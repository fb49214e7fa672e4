"""Structure of the chapters: Colab install cell, table of contents, stored outputs."""

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
CHECK_TAG = "nbval-check-output"


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(notebook):
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def test_there_are_chapters():
    assert NOTEBOOKS, "notebooks/ holds no chapter"
    assert all(re.fullmatch(r"\d\d[a-z]?_[a-z0-9_]+\.ipynb", path.name) for path in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_installs_companion_only_on_colab(path):
    source = "".join(code_cells(load(path))[0]["source"])
    repository = CONFIG["repository"]
    expected = f'"companion @ git+{repository["url"]}@{repository["branch"]}"'
    assert 'if "google.colab" in sys.modules:' in source
    assert expected in source, f"{path.name}: install line must use {expected}"
    # skipped when this version of companion is already installed
    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.MULTILINE).group(1)
    assert f'if found != "{version}":' in source, f"{path.name}: the install must skip companion {version}"


@pytest.mark.parametrize("installed, installs", [(None, True), ("0.0.9", True), ("current", False)])
def test_the_install_cell_skips_only_the_same_version(installed, installs, monkeypatch):
    """Run Chapter 1's install cell as Colab would, with %pip replaced by a recorder."""
    import importlib.metadata
    import sys
    import types

    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.MULTILINE).group(1)
    installed = version if installed == "current" else installed

    def fake_version(package):
        if installed is None:
            raise importlib.metadata.PackageNotFoundError(package)
        return installed

    source = "".join(code_cells(load(NOTEBOOKS[0]))[0]["source"])
    source = re.sub(r"%pip install[^\n]*\\\n\s*(\"[^\"]+\")", r"calls.append(\1)", source)
    assert "%pip" not in source
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(importlib.metadata, "version", fake_version)
    calls = []
    exec(compile(source, "install cell", "exec"), {"calls": calls})
    assert len(calls) == (1 if installs else 0)


def test_colab_points_to_the_main_branch():
    assert CONFIG["repository"]["branch"] == "main"
    assert CONFIG["launch_buttons"]["colab_url"] == "https://colab.research.google.com"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_in_the_table_of_contents(path):
    toc = (ROOT / "_toc.yml").read_text()
    assert f"file: notebooks/{path.stem}" in toc


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_only_checked_cells_store_outputs_and_none_is_an_error(path):
    for cell in code_cells(load(path)):
        checked = CHECK_TAG in cell["metadata"].get("tags", [])
        if not checked:
            assert not cell["outputs"], f"{path.name}: unchecked cell stores outputs:\n{''.join(cell['source'])}"
        assert all(output["output_type"] != "error" for output in cell["outputs"])
        if checked:
            assert all("Figure size" not in json.dumps(output) for output in cell["outputs"]), \
                "figures must not be compared by nbval"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_exercise_has_a_checked_solution(path):
    notebook = load(path)
    text = "".join("".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "markdown")
    exercises = re.findall(r"```\{exercise-start\}[^\n]*\n:label: (\S+)", text)
    solutions = re.findall(r"```\{solution-start\} (\S+)\n:class: dropdown", text)
    assert len(exercises) >= 3
    assert solutions == exercises


# --- what the reader sees: lessons, not test logs ---

HIDDEN_TAGS = {"remove-cell", "remove-input"}
MACHINERY = re.compile(r"\bassert\b|cp\.budget|cp\.glue|fast_mode")


def is_exercise_code(source):
    return "cp.exercises." in source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_checks_and_budgets_are_off_the_page(path):
    for cell in code_cells(load(path)):
        source = "".join(cell["source"])
        if MACHINERY.search(source) and not is_exercise_code(source):
            tags = set(cell["metadata"].get("tags", []))
            assert tags & HIDDEN_TAGS, f"{path.name}: this cell must be tagged remove-cell:\n{source}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_model_is_trained_by_the_shared_helper(path):
    for cell in code_cells(load(path)):
        source = "".join(cell["source"])
        assert not re.search(r"^def train", source, re.MULTILINE), f"{path.name} defines its own train():\n{source}"
        assert ".compile(" not in source, f"{path.name}: train with cp.train, which compiles:\n{source}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_settings_come_from_the_chapter_settings(path):
    sources = [ "".join(cell["source"]) for cell in code_cells(load(path))]
    chapter = int(path.name[:2])
    assert any(f"cp.chapter_settings({chapter})" in source for source in sources), \
        f"{path.name}: read the settings with cp.chapter_settings({chapter})"


# --- the executed notebooks of the built book (tier "book") ---

MAX_COLUMNS, MAX_LINES = 80, 40
PROGRESS_BAR = re.compile(r"━|\d+/\d+ \[=*>?\.*\]|\bms/step\b|\bs/step\b")


def executed_notebooks(book_html):
    folder = book_html.parent / "jupyter_execute" / "notebooks"
    paths = sorted(folder.glob("*.ipynb"))
    assert len(paths) == len(NOTEBOOKS), f"expected {len(NOTEBOOKS)} executed notebooks in {folder}"
    return paths


def text_outputs(notebook):
    """(cell source, text) of every plain-text output; rich outputs (HTML tables, images) are exempt."""
    for cell in code_cells(notebook):
        tags = set(cell["metadata"].get("tags", []))
        if "remove-cell" in tags or "remove-output" in tags:
            continue
        for output in cell["outputs"]:
            if output["output_type"] == "stream":
                yield "".join(cell["source"]), "".join(output["text"])
            elif "data" in output and "text/html" not in output["data"] and "image/png" not in output["data"]:
                yield "".join(cell["source"]), "".join(output["data"].get("text/plain", ""))


@pytest.mark.book
def test_text_outputs_fit_the_page_and_show_no_progress_bars(book_html):
    problems = []
    for path in executed_notebooks(book_html):
        for source, text in text_outputs(load(path)):
            lines = text.splitlines()
            wide = [line for line in lines if len(line) > MAX_COLUMNS]
            if wide or len(lines) > MAX_LINES or PROGRESS_BAR.search(text):
                problems.append(f"{path.name}: {len(lines)} lines, widest {max(map(len, lines), default=0)}, "
                                f"progress bar: {bool(PROGRESS_BAR.search(text))}\n  cell: {source[:120]!r}")
    assert not problems, "\n".join(problems)
