"""Every page of the built book in headless Chromium: no JavaScript error, images, math, links, offline.

Run after the build (``scripts/test.sh`` does)::

    python -m pytest -m book --book-html _build/html

Screenshots of the landing page and of the first chapter go to ``_build/screenshots``.
"""

from pathlib import Path

import pytest
import yaml

import book_browser

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def report(book_html):
    return book_browser.check_book(book_html, screenshot_dir=book_html.parent / "screenshots")


def toc_files(entry):
    """Every ``file:`` of the table of contents, in order."""
    if isinstance(entry, dict):
        found = [entry["file"]] if "file" in entry else []
        found += [entry["root"]] if "root" in entry else []
        for value in entry.values():
            if isinstance(value, list):
                found += [name for item in value for name in toc_files(item)]
        return found
    return []


def test_every_page_of_the_table_of_contents_was_checked(report):
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    expected = {f"{Path(name).with_suffix('')}.html" for name in toc_files(toc)}
    missing = sorted(expected - set(report.pages))
    assert not missing, f"pages of _toc.yml missing from the built book: {missing}"


@pytest.mark.parametrize("check", book_browser.CHECKS)
def test_no_page_fails_the_check(report, check):
    problems = report.of_check(check)
    assert not problems, f"{len(problems)} problem(s) of kind '{check}':\n" + "\n".join(map(str, problems))


def test_screenshots_are_saved_for_a_person_to_look_at(report):
    assert {path.name for path in report.screenshots} == {"landing.png", "chapter.png"}
    for path in report.screenshots:
        assert path.stat().st_size > 10_000, f"{path} looks empty"
