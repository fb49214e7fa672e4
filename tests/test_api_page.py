"""The API reference (book/api.md) documents exactly the public API of companion."""

import html.parser
import importlib
import inspect
import json
import re
import sys
from pathlib import Path

import pytest
import yaml

import companion

ROOT = Path(__file__).resolve().parents[1]
API_PAGE = ROOT / "book" / "api.md"
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import companion_api  # noqa: E402  (the Sphinx extension behind the page)

ROLE_TARGET = re.compile(r"\{py:(?:func|class|exc|meth|data)\}`[^`<]*<([^>`]+)>`|\{py:(?:func|class|exc|meth|data)\}`([^`<]+)`")


def defined_public_names(module):
    """A leaf module's public API: its ``__all__``, else the functions and classes it defines."""
    if hasattr(module, "__all__"):
        return [f"{module.__name__}.{name}" for name in module.__all__]
    return [
        f"{module.__name__}.{name}"
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(value) or inspect.isclass(value))
        and value.__module__ == module.__name__
    ]


def public_api():
    """Every public name, as readers type it: ``companion.X``, ``companion.exercises.ch05.check_...``."""
    names = set()
    for name in companion.__all__:
        value = getattr(companion, name)
        if not inspect.ismodule(value):
            names.add(f"companion.{name}")
            continue
        for inner in value.__all__:
            inner_value = getattr(value, inner)
            if inspect.ismodule(inner_value):
                names.update(defined_public_names(inner_value))
            else:
                names.add(f"{value.__name__}.{inner}")
    return names


def page_directive_options():
    text = API_PAGE.read_text(encoding="utf-8")
    match = re.search(r"```\{companion-api\} (\S+)\n((?::[\w-]+:.*\n)*)```", text)
    assert match, "book/api.md must hold a ```{companion-api} companion``` directive"
    options = dict(re.findall(r":([\w-]+): (.*)", match.group(2)))
    return match.group(1), options.get("module-order", "").split()


def planned_names():
    package, order = page_directive_options()
    return [name for section in companion_api.plan_api(package, order) for name in section.all_names()]


def resolve(name):
    module_name, _, attribute = name.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def test_the_page_is_in_the_reference_part_before_the_references():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    reference = next(part for part in toc["parts"] if part["caption"] == "Reference")
    files = [chapter["file"] for chapter in reference["chapters"]]
    assert "book/api" in files and files.index("book/api") < files.index("book/references"), files


def test_the_page_documents_every_public_name_once_and_nothing_else():
    planned = planned_names()
    duplicates = sorted({name for name in planned if planned.count(name) > 1})
    assert not duplicates, f"documented twice: {duplicates}"
    missing = sorted(public_api() - set(planned))
    extra = sorted(set(planned) - public_api())
    assert not missing, f"public names missing from the API page: {missing}"
    assert not extra, f"the API page documents names that are not public: {extra}"


def test_every_module_of_the_page_order_exists():
    _, order = page_directive_options()
    for short_name in order:
        assert importlib.util.find_spec(f"companion.{short_name}"), (
            f"book/api.md orders a module companion.{short_name} that does not exist"
        )


def test_sections_follow_the_page_order_and_exercises_come_last():
    package, order = page_directive_options()
    modules = [section.module for section in companion_api.plan_api(package, order)]
    ordered = [f"companion.{short_name}" for short_name in order]
    assert [module for module in modules if module in ordered] == [m for m in ordered if m in modules]
    assert modules[-1] == "companion.exercises"


@pytest.mark.parametrize("name", sorted(public_api()))
def test_every_public_name_has_a_docstring(name):
    docstring = inspect.getdoc(resolve(name))
    assert docstring and docstring.strip(), f"{name} has no docstring, so its entry on the API page is empty"


def test_the_rendered_source_uses_autodoc_under_the_public_names():
    sections = companion_api.plan_api("companion", ["data", "models"])
    source = "\n".join(companion_api.render_markdown(sections))
    assert source.index("## `companion.data`") < source.index("## `companion.models`")
    assert ".. autofunction:: companion.load_mnist" in source
    assert ".. autoclass:: companion.TiedAutoencoder" in source
    assert ".. autoexception:: companion.InvalidDataFileError" in source
    assert "### `companion.exercises.ch01`" in source
    assert ".. autofunction:: companion.exercises.ch01.check_linear_autoencoder" in source


def chapter_role_targets():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for cell in notebook["cells"]:
            if cell["cell_type"] == "markdown":
                for match in ROLE_TARGET.finditer("".join(cell["source"])):
                    yield path.name, (match.group(1) or match.group(2)).strip()


def test_chapter_links_to_the_api_point_to_documented_names():
    targets = list(chapter_role_targets())
    assert targets, "the chapters link to no entry of the API page"
    public = public_api()
    for notebook, target in targets:
        assert target in public or target.rpartition(".")[0] in public, f"{notebook}: {target} is not on the API page"


# --- the built page (after jupyter-book build) ---------------------------------------------------


class _Ids(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = []

    def handle_starttag(self, tag, attrs):
        self.ids += [value for key, value in attrs if key == "id" and value]


@pytest.mark.book
def test_the_built_page_has_an_entry_for_every_public_name_and_nothing_else(book_html):
    page = book_html / "book" / "api.html"
    assert page.is_file(), f"{page} is missing: is book/api in _toc.yml?"
    parser = _Ids()
    parser.feed(page.read_text(encoding="utf-8"))
    entries = {anchor for anchor in parser.ids if anchor.startswith("companion.")}
    public = public_api()
    missing = sorted(public - entries)
    assert not missing, f"public names without an entry on {page}: {missing}"
    # members of a public class (methods, attributes) are public too
    extra = sorted(anchor for anchor in entries - public if anchor.rpartition(".")[0] not in public)
    assert not extra, f"{page} documents names that are not public: {extra}"
