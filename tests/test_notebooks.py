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


# A Bernoulli decoder gives a probability only to binary images: the cross-entropy of grey levels is a loss,
# not minus a log-likelihood. A sentence that calls a number -log p(x) or a negative log-likelihood must say
# which images make it one: binary (binarised) ones, or a Gaussian decoder's, or say that it is none.
NUMBER_AS_LIKELIHOOD = re.compile(r"-\\log p(_\\theta)?\(\\mathbf\{x\}[^)]*\)|negative log.likelihood|\bNLL\b",
                                  re.IGNORECASE)
SAYS_WHICH_LIKELIHOOD = re.compile(
    r"binaris|binary (pixel|image|digit)s?|gaussian|no likelihood|not a (bound|likelihood)", re.IGNORECASE)
RESULTS_PAGE = ROOT / "book" / "results.md"


def sentences(text):
    """The sentences of a markdown text, on one line each; a list item or paragraph ends one too."""
    blocks = re.split(r"\n\s*\n(?!\$\$)|\n(?=\s*- )", text)  # a displayed formula belongs to its sentence
    ends = re.compile(r"(?<=[.:;!?])\s+(?=[A-Z({*]|\$(?!\$))")
    return [sentence for block in blocks for sentence in ends.split(" ".join(block.split()))]


def markdown_texts():
    """(where, text) of every markdown cell of the chapters, and of the results page."""
    for path in NOTEBOOKS:
        for index, cell in enumerate(load(path)["cells"]):
            if cell["cell_type"] == "markdown":
                yield f"{path.name}, cell {index}", "".join(cell["source"])
    yield RESULTS_PAGE.name, RESULTS_PAGE.read_text(encoding="utf-8")


def grey_level_likelihoods(texts):
    """The sentences of ``texts`` that call a number minus a log-likelihood without saying of which images."""
    return [f"{where}: {sentence}" for where, text in texts for sentence in sentences(text)
            if NUMBER_AS_LIKELIHOOD.search(sentence) and not SAYS_WHICH_LIKELIHOOD.search(sentence)]


def test_no_sentence_calls_a_grey_level_cross_entropy_a_likelihood():
    found = grey_level_likelihoods(markdown_texts())
    assert not found, "say which images make it a likelihood (binarised ones), or that it is none:\n" + "\n".join(found)


@pytest.mark.parametrize("sentence, flagged", [
    # the wordings the chapters used before they binarised their digits
    ("`evaluate` gives the negative ELBO of the test images, averaged: "
     "an upper bound of $-\\log p_\\theta(\\mathbf{x})$.", True),
    ("The usual loss is the **binary cross-entropy**, the negative log-likelihood of independent Bernoulli pixels:",
     True),
    ("On binary images its negative ELBO bounds $-\\log p_\\theta(\\mathbf{x})$.", False),
    ("The squared error is a Gaussian decoder's negative log-likelihood with a fixed variance.", False),
    ("For pixels in $[0, 1]$, $-\\log p_\\theta(\\mathbf{x} \\mid \\mathbf{z})$ is the cross-entropy.", True),
    ("The test NLL of the model is 98 nats.", True),
    ("On grey levels it is the training loss, not a bound of the negative log-likelihood.", False),
])
def test_the_likelihood_wording_check_flags_what_it_should(sentence, flagged):
    assert bool(grey_level_likelihoods([("text", sentence)])) == flagged


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
