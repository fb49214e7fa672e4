"""The Colab versions of the chapters (``colab/``, written by ``scripts/colab_notebooks.py``)."""

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import colab_notebooks  # noqa: E402

URL = "https://book.example/"
MYST = re.compile(r"\{[a-z]+(:[a-z]+)?\}`|^```\{|^:::\{|\]\([^)]*\.md[#)]", re.MULTILINE)


@pytest.fixture(scope="module")
def converter():
    return colab_notebooks.Converter(URL, {"masci2011stacked": ("Masci et al.", "2011"),
                                           "baldi1989neural": ("Baldi and Hornik", "1989")})


def myst_left(notebook):
    """The Markdown cells of ``notebook`` that still hold MyST syntax."""
    return ["".join(cell["source"]) for cell in notebook["cells"]
            if cell["cell_type"] == "markdown" and MYST.search("".join(cell["source"]))]


def test_every_chapter_has_an_up_to_date_colab_version():
    expected = colab_notebooks.expected_files()
    assert {path.name for path in expected} == {path.name for path in (ROOT / "notebooks").glob("*.ipynb")}
    stale = [path.name for path, text in expected.items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    assert not stale, f"run `.venv/bin/python scripts/colab_notebooks.py`: out of date {stale}"


@pytest.mark.parametrize("path", sorted((ROOT / "colab").glob("*.ipynb")), ids=lambda p: p.name)
def test_colab_versions_hold_no_myst_syntax(path):
    assert myst_left(json.loads(path.read_text(encoding="utf-8"))) == []


def test_the_chapters_themselves_do_hold_myst_syntax():
    """The check above can fail: it finds the roles and directives of the sources."""
    source = json.loads((ROOT / "notebooks" / "09_variational_autoencoder.ipynb").read_text(encoding="utf-8"))
    assert len(myst_left(source)) > 5


@pytest.mark.parametrize("myst, markdown", [
    ("{cite:t}`masci2011stacked`", f"[Masci et al. (2011)]({URL}book/references.html)"),
    ("{cite}`masci2011stacked,baldi1989neural`",
     f"([Masci et al., 2011]({URL}book/references.html); [Baldi and Hornik, 1989]({URL}book/references.html))"),
    ("{py:func}`cp.train <companion.train>`", f"[`cp.train`]({URL}book/api.html#companion.train)"),
    ("{py:class}`companion.VAE`", f"[`companion.VAE`]({URL}book/api.html#companion.VAE)"),
    ("the [references page](../book/references.md).", f"the [references page]({URL}book/references.html)."),
    ("[Chapter 8](08_convolutional_autoencoder.ipynb#pitfalls)",
     "[Chapter 8](08_convolutional_autoencoder.ipynb#pitfalls)"),
], ids=["cite-t", "cite-two", "py-func", "py-class", "book-link", "chapter-link"])
def test_roles_and_links_become_plain_markdown(converter, myst, markdown):
    assert converter.markdown(myst) == markdown


def test_an_unknown_citation_or_role_is_an_error_not_raw_text(converter):
    with pytest.raises(ValueError, match="nobody2020"):
        converter.markdown("{cite}`nobody2020`")
    with pytest.raises(ValueError, match="MyST role {eq}"):
        converter.markdown("{eq}`my-label`")


def test_exercises_become_headings_and_solutions_folded_sections(converter):
    def markdown(text):
        return {"cell_type": "markdown", "metadata": {}, "source": text}

    def code(text, tags=()):
        return {"cell_type": "code", "metadata": {"tags": list(tags)}, "source": text, "outputs": [{"x": 1}],
                "execution_count": 3}

    notebook = {"metadata": {}, "cells": [
        code("import sys  # install", ["remove-cell"]),
        markdown("```{exercise-start} 9.1 A bound\n:label: ch09-ex-bound\n:nonumber:\n```\n\nWhat bound?"),
        code("answer = ...", ["nbval-check-output"]),
        markdown("```{exercise-end}\n```\n\n```{solution-start} ch09-ex-bound\n:class: dropdown\n```\n\n"
                 "A bound of -105."),
        code("answer = -105"),
        markdown("```{solution-end}\n```"),
        code("assert answer", ["remove-cell"]),
        code("print(answer)"),
    ]}
    colab = colab_notebooks.colab_version(notebook, converter)
    cells = colab["cells"]
    assert [cell["cell_type"] for cell in cells] == ["code", "markdown", "code", "markdown", "markdown", "code",
                                                     "code", "markdown", "code"]
    assert cells[0]["source"] == "import sys  # install" and "cellView" not in cells[0]["metadata"]
    assert cells[1]["source"] == "### Exercise 9.1 A bound\n\nWhat bound?"
    assert cells[2]["source"] == "answer = ..." and "cellView" not in cells[2]["metadata"]
    assert cells[3]["source"] == "#### Solution 9.1 (click to open)"
    assert colab["metadata"]["colab"]["collapsed_sections"] == [cells[3]["metadata"]["id"]]
    assert cells[4]["source"] == "A bound of -105."
    assert cells[5]["source"] == "answer = -105" and "cellView" not in cells[5]["metadata"], "it runs as it is"
    assert cells[6]["source"].startswith(colab_notebooks.CHECK_TITLE)
    assert cells[7]["source"] == colab_notebooks.AFTER_SOLUTION_HEADING, "the fold ends before the next cell"
    assert all(cell.get("outputs", []) == [] and "tags" not in cell["metadata"] for cell in cells)
    assert notebook["cells"][2]["outputs"] == [{"x": 1}], "the source notebook is left as it was"
    assert unfolded_solutions(notebook, colab, converter) == []


FENCE = re.compile(r"^(```|~~~)")


def headings(cell):
    """The levels of the Markdown headings of ``cell``, outside fenced code."""
    levels, fenced = [], False
    for line in "".join(cell["source"]).splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced and (level := colab_notebooks.heading_level(line)) is not None:
            levels.append(level)
    return levels if cell["cell_type"] == "markdown" else []


def folded_cells(colab):
    """``[(cell, folded)]``: whether Colab opens ``cell`` hidden in a collapsed section.

    Colab folds a collapsed heading's section down to the next heading of the same or a higher level.
    To be safe, any such heading in a cell, not only on its first line, ends the section here.
    """
    collapsed = set(colab["metadata"].get("colab", {}).get("collapsed_sections", []))
    marks, fold = [], None  # fold: the level of the collapsed heading we are under
    for cell in colab["cells"]:
        levels = headings(cell)
        if fold is not None and any(level <= fold for level in levels):
            fold = None
        marks.append((cell, fold is not None))
        cell_id = cell["metadata"].get("id", cell.get("id"))
        if fold is None and levels and cell_id in collapsed:
            fold = levels[0]
    return marks


def normalised(text):
    return " ".join(text.split())


def solutions(notebook, converter):
    """The text and the code of every solution of a chapter, as Colab shows them.

    A piece that the chapter also shows outside its solutions (a checker's call) is no secret.
    """
    pieces, inside = {True: [], False: []}, False
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code":
            pieces[inside].append(source)
            continue
        start = 0
        for match in [*colab_notebooks.SOLUTION_DIRECTIVE.finditer(source), None]:
            pieces[inside].append(converter.markdown(source[start:match.start() if match else len(source)]))
            if match is None:
                break
            inside, start = match.group(1) == "solution-start", match.end()
    public = [normalised(text) for text in pieces[False]]
    secret = [normalised(text) for text in pieces[True] if text.strip()]
    return [text for text in secret if not any(text in shown for shown in public)]


def unfolded_solutions(notebook, colab, converter):
    """The pieces of the chapter's solutions that Colab shows before the reader unfolds them."""
    marks = folded_cells(colab)
    shown = [normalised("".join(cell["source"])) for cell, folded in marks if not folded]
    hidden = [normalised("".join(cell["source"])) for cell, folded in marks if folded]
    return [text for text in solutions(notebook, converter)
            if any(text in cell for cell in shown) or not any(text in cell for cell in hidden)]


@pytest.fixture(scope="module")
def book_converter():
    return colab_notebooks.Converter(colab_notebooks.book_url(), colab_notebooks.citation_labels())


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_every_solution_opens_folded_in_colab(path, book_converter):
    """Text and code of every solution sit in a collapsed section, whose heading says it is a solution."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    colab = json.loads((ROOT / "colab" / path.name).read_text(encoding="utf-8"))
    assert solutions(notebook, book_converter), "the chapter has solutions to fold"
    assert unfolded_solutions(notebook, colab, book_converter) == []
    collapsed = colab["metadata"]["colab"]["collapsed_sections"]
    headings_by_id = {cell["metadata"].get("id", cell.get("id")): "".join(cell["source"])
                      for cell in colab["cells"] if cell["cell_type"] == "markdown"}
    assert len(collapsed) == len(set(collapsed)) > 0
    for cell_id in collapsed:
        heading = headings_by_id.get(cell_id, "")
        assert re.fullmatch(r"#{1,6} Solution \S+ \(click to open\)", heading), (cell_id, heading)


def test_the_fold_check_finds_a_solution_left_open(book_converter):
    """The check above can fail: without the collapsed sections, or with a heading inside, answers show."""
    path = ROOT / "notebooks" / "01_linear_autoencoder_pca.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    colab = json.loads((ROOT / "colab" / path.name).read_text(encoding="utf-8"))
    opened = json.loads(json.dumps(colab))
    opened["metadata"]["colab"]["collapsed_sections"] = opened["metadata"]["colab"]["collapsed_sections"][1:]
    assert any("self.decoder(self.encoder(inputs))" in text
               for text in unfolded_solutions(notebook, opened, book_converter))
    broken = json.loads(json.dumps(colab))
    index = next(i for i, cell in enumerate(broken["cells"]) if "".join(cell["source"]).startswith("(b), (d)"))
    broken["cells"].insert(index, {"cell_type": "markdown", "metadata": {}, "source": "### Notes"})
    assert any(text.startswith("(b), (d)") for text in unfolded_solutions(notebook, broken, book_converter))


@pytest.mark.book
def test_the_colab_button_of_every_chapter_opens_its_colab_version(book_html):
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        page = (book_html / "notebooks" / f"{path.stem}.html").read_text(encoding="utf-8")
        links = re.findall(r'href="(https://colab\.research\.google\.com/[^"]+)"', page)
        assert links == [f"https://colab.research.google.com/github/autoencoder-course/autoencoders/blob/main/"
                         f"colab/{path.name}"], path.name
