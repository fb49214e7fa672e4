"""Write the Colab versions of the chapters: the same notebooks, in plain Markdown.

Colab opens a single notebook from the repository and renders its Markdown
cells as CommonMark, so the book's MyST syntax would show as raw text there.
This script writes ``colab/NN_name.ipynb`` from each ``notebooks/NN_name.ipynb``:

- citations (``{cite}``, ``{cite:t}``, ``{cite:p}``) become "Author (year)" or
  "(Author, year)", linked to the book's reference list;
- API roles (``{py:func}``, ``{py:class}``, ...) become links to the book's API page;
- links to the book's pages (``../book/references.md``) point to the published book;
- the exercise directives become headings, and each solution (its text and its
  code) becomes a section of its own under a heading "Solution N (click to
  open)", listed in the notebook's ``metadata.colab.collapsed_sections``, so
  Colab opens it folded: nothing of the answer shows until the reader unfolds
  it. Colab folds a section from its heading cell down to the next heading of
  the same or a higher level, so the text after a solution starts with one
  (the next exercise's heading, the summary's, or a heading added here); the
  code cells inside stay ordinary cells that "Run all" still runs;
- the cells that the book hides (``remove-cell``: the checks of the chapter's
  claims) are form cells too; they still run.

Outputs are dropped: the reader runs the notebook. The book's Colab button
opens these files (``book/_ext/notebook_launch.py``), and
``tests/test_colab_notebooks.py`` fails when one is missing, out of date, or
holds any MyST syntax. Run it after changing a chapter:

    .venv/bin/python scripts/colab_notebooks.py          # write colab/
    .venv/bin/python scripts/colab_notebooks.py --check  # exit 1 if out of date
"""

import argparse
import copy
import json
import re
import sys
from pathlib import Path

import yaml
from pybtex.database import parse_file

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
from author_year import authors  # noqa: E402  (the book's own labels)

NOTEBOOKS = ROOT / "notebooks"
COLAB = ROOT / "colab"
ROLE = re.compile(r"\{([a-z]+(?::[a-z]+)?)\}`([^`]*)`")
DIRECTIVE = re.compile(r"^```\{([a-z-]+)\}[ \t]*(.*?)\n((?::[a-z-]+:.*\n)*)(.*?)^```[ \t]*$",
                       re.MULTILINE | re.DOTALL)
BOOK_LINK = re.compile(r"\]\((?:\.\./)?(book|notebooks)/([A-Za-z0-9_./-]+?)\.(?:md|ipynb)(#[^)]*)?\)")
SOLUTION_LEVEL = 4  # "#### Solution 1.2": below "## Exercises" and "### Exercise 1.2"
SOLUTION_HEADING = "#" * SOLUTION_LEVEL + " Solution {number} (click to open)"
AFTER_SOLUTION_HEADING = "#" * SOLUTION_LEVEL + " After the solution"
SOLUTION_DIRECTIVE = re.compile(r"^```\{(solution-start|solution-end)\}([^\n]*)\n(?::[a-z-]+:.*\n)*```[ \t]*$",
                                re.MULTILINE)
EXERCISE_START = re.compile(r"^```\{exercise-start\}[ \t]*(\S+)[^\n]*\n((?::[a-z-]+:.*\n)*)", re.MULTILINE)
HEADING = re.compile(r"^(#{1,6})[ \t]")
CHECK_TITLE = "#@title Checks of the claims above (the book hides this cell)"


def book_url():
    """The published book's address, from ``_config.yml`` (``html.baseurl``)."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return config["html"]["baseurl"].rstrip("/") + "/"


def citation_labels():
    """``{key: ("Masci et al.", "2011")}`` for every entry of the book's bibliography."""
    entries = parse_file(str(ROOT / "book" / "references.bib")).entries
    return {key: (authors(entry), entry.fields.get("year", "")) for key, entry in entries.items()}


class Converter:
    """MyST Markdown to CommonMark for Colab, with links into the published book."""

    def __init__(self, url, labels):
        self.url = url
        self.labels = labels

    def role(self, match):
        name, text = match.groups()
        if name.startswith("cite"):
            return self.citation(name, text)
        if name.startswith("py:"):
            title, _, target = re.fullmatch(r"(.*?)(\s*<(.+)>)?", text).group(1, 2, 3)
            target = target or title
            return f"[`{title}`]({self.url}book/api.html#{target})"
        if name in ("math",):
            return f"${text}$"
        raise ValueError(f"no plain Markdown for the MyST role {{{name}}}. Received: {match.group(0)}")

    def citation(self, name, keys):
        unknown = [key for key in keys.split(",") if key.strip() not in self.labels]
        if unknown:
            raise ValueError(f"cited keys missing from book/references.bib. Received: {unknown}")
        works = [self.labels[key.strip()] for key in keys.split(",")]
        link = f"{self.url}book/references.html"
        if name == "cite:t":
            return ", ".join(f"[{authors} ({year})]({link})" for authors, year in works)
        return "(" + "; ".join(f"[{authors}, {year}]({link})" for authors, year in works) + ")"

    def directive(self, match):
        name, argument, _options, body = match.groups()
        if name == "exercise-start":
            return f"### Exercise {argument.strip()}\n\n{body}".rstrip() + "\n"
        if name in ("exercise-end", "solution-start", "solution-end"):  # colab_version() folds solutions
            return ""
        title = argument.strip() or name.capitalize()
        quoted = "\n".join(f"> {line}" if line else ">" for line in body.rstrip().splitlines())
        return f"> **{title}**\n>\n{quoted}\n"

    def markdown(self, text):
        text = DIRECTIVE.sub(self.directive, text)
        text = ROLE.sub(self.role, text)
        text = BOOK_LINK.sub(lambda m: f"]({self.url}{m.group(1)}/{m.group(2)}.html{m.group(3) or ''})", text)
        return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def form_cell(cell, title):
    """A Colab form cell: its code is hidden behind ``title`` until opened; it still runs."""
    cell["source"] = f"{title}\n" + "".join(cell["source"])
    cell["metadata"]["cellView"] = "form"


def colab_version(notebook, converter):
    """The Colab version of one chapter (a new notebook; ``notebook`` is unchanged)."""
    colab = copy.deepcopy(notebook)
    with_ids = (colab.get("nbformat", 4), colab.get("nbformat_minor", 0)) >= (4, 5)
    after_solution = False
    first_code = True  # the install cell: left as it is
    numbers = {}  # exercise label -> its number, "1.2"
    cells, collapsed = [], []

    def add(cell, cell_id=None):
        nonlocal after_solution
        if after_solution and not starts_section(cell, SOLUTION_LEVEL):
            if cell["cell_type"] == "code" and cell["metadata"].get("cellView") == "form":
                cells.append(cell)  # a hidden check of the solution: it may stay folded with it
                return
            cells.append(markdown_cell(AFTER_SOLUTION_HEADING, f"after-{collapsed[-1]}", with_ids))
        after_solution = False
        if cell_id is not None and with_ids:
            cell["id"] = cell_id
        cells.append(cell)

    for cell in colab["cells"]:
        source = "".join(cell["source"])
        tags = cell["metadata"].pop("tags", [])
        cell["metadata"].pop("lines_to_next_cell", None)
        if cell["cell_type"] == "markdown":
            for number, label in _exercise_numbers(source):
                numbers[label] = number
            start = 0
            for piece, match in enumerate([*SOLUTION_DIRECTIVE.finditer(source), None]):
                text = converter.markdown(source[start:match.start() if match else len(source)])
                if text:
                    part = copy.deepcopy(cell)
                    part["source"] = text
                    add(part, cell.get("id") if not piece else f"{cell.get('id', 'cell')}-{piece}"[:64])
                if match is None:
                    break
                start = match.end()
                if match.group(1) == "solution-end":
                    after_solution = True
                    continue
                label = match.group(2).strip()
                heading_id = re.sub(r"[^A-Za-z0-9_-]", "-", f"solution-{label}")[:64]
                add(markdown_cell(SOLUTION_HEADING.format(number=numbers.get(label, label)), heading_id,
                                  with_ids))
                collapsed.append(heading_id)
            continue
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
            cell["source"] = source
            if "remove-cell" in tags and not first_code:
                form_cell(cell, CHECK_TITLE)
            first_code = False
        add(cell)
    colab["cells"] = cells
    colab["metadata"]["colab"] = {"provenance": [], "collapsed_sections": collapsed}
    return colab


def _exercise_numbers(source):
    """``(number, label)`` of every exercise that starts in this Markdown source."""
    for number, options in EXERCISE_START.findall(source):
        label = re.search(r"^:label:[ \t]*(\S+)", options, flags=re.MULTILINE)
        yield number, label.group(1) if label else number


def markdown_cell(source, cell_id, with_ids):
    """A new Markdown cell, with Colab's cell id (``metadata.id``; also ``id`` from nbformat 4.5)."""
    cell = {"cell_type": "markdown", "metadata": {"id": cell_id}, "source": source}
    if with_ids:
        cell["id"] = cell_id
    return cell


def heading_level(line):
    """The level of a Markdown heading line (``"### Exercise"``: 3), or None."""
    match = HEADING.match(line)
    return len(match.group(1)) if match else None


def starts_section(cell, level):
    """Whether ``cell`` is a Markdown cell that opens with a heading of ``level`` or higher.

    Colab folds a section from its heading down to such a cell.
    """
    if cell["cell_type"] != "markdown":
        return False
    first = "".join(cell["source"]).lstrip("\n").split("\n", 1)[0]
    found = heading_level(first)
    return found is not None and found <= level


def render(notebook):
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def expected_files():
    """``{path in colab/: text}`` for every chapter."""
    converter = Converter(book_url(), citation_labels())
    files = {}
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        try:
            files[COLAB / path.name] = render(colab_version(notebook, converter))
        except ValueError as error:
            raise ValueError(f"{path.relative_to(ROOT)}: {error}") from None
    return files


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if colab/ is not up to date; write nothing")
    args = parser.parse_args(argv)
    files = expected_files()
    stale = [path for path, text in files.items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    orphans = sorted(set(COLAB.glob("*.ipynb")) - set(files))
    if args.check:
        for path in stale + orphans:
            print(f"out of date: {path.relative_to(ROOT)}")
        return 1 if stale or orphans else 0
    COLAB.mkdir(exist_ok=True)
    for path in stale:
        path.write_text(files[path], encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    for path in orphans:
        path.unlink()
        print(f"removed {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
