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


def test_exercises_become_headings_and_solutions_hidden_form_cells(converter):
    def markdown(text):
        return {"cell_type": "markdown", "metadata": {}, "source": text}

    def code(text, tags=()):
        return {"cell_type": "code", "metadata": {"tags": list(tags)}, "source": text, "outputs": [{"x": 1}],
                "execution_count": 3}

    notebook = {"metadata": {}, "cells": [
        code("import sys  # install", ["remove-cell"]),
        markdown("```{exercise-start} 9.1 A bound\n:label: ch09-ex-bound\n:nonumber:\n```\n\nWhat bound?"),
        code("answer = ...", ["nbval-check-output"]),
        markdown("```{exercise-end}\n```\n\n```{solution-start} ch09-ex-bound\n:class: dropdown\n```"),
        code("answer = -105"),
        markdown("```{solution-end}\n```"),
        code("assert answer", ["remove-cell"]),
    ]}
    cells = colab_notebooks.colab_version(notebook, converter)["cells"]
    assert [cell["cell_type"] for cell in cells] == ["code", "markdown", "code", "markdown", "code", "code"]
    assert cells[0]["source"] == "import sys  # install" and "cellView" not in cells[0]["metadata"]
    assert cells[1]["source"] == "### Exercise 9.1 A bound\n\nWhat bound?"
    assert cells[2]["source"] == "answer = ..." and "cellView" not in cells[2]["metadata"]
    assert cells[4]["metadata"]["cellView"] == "form"
    assert cells[4]["source"] == f"{colab_notebooks.SOLUTION_TITLE}\nanswer = -105"
    assert cells[5]["source"].startswith(colab_notebooks.CHECK_TITLE)
    assert all(cell.get("outputs", []) == [] and "tags" not in cell["metadata"] for cell in cells)
    assert notebook["cells"][2]["outputs"] == [{"x": 1}], "the source notebook is left as it was"


@pytest.mark.book
def test_the_colab_button_of_every_chapter_opens_its_colab_version(book_html):
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        page = (book_html / "notebooks" / f"{path.stem}.html").read_text(encoding="utf-8")
        links = re.findall(r'href="(https://colab\.research\.google\.com/[^"]+)"', page)
        assert links == [f"https://colab.research.google.com/github/autoencoder-course/autoencoders/blob/main/"
                         f"colab/{path.name}"], path.name
