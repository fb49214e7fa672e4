"""Every page of the built book in headless Chromium, 1280 px and 390 px wide (see ``book_browser``).

Once per page: no JavaScript error, every file and icon there, images loaded, math
typeset, internal links alive, no request leaving localhost. At both widths: nothing
wider than the article unless it scrolls, no Keras progress bars, no blurry image on a
2x screen.

Run after the build (``scripts/test.sh`` does)::

    python -m pytest -m book --book-html _build/html

A screenshot of every page at both widths goes to ``_build/screenshots/1280/`` and
``_build/screenshots/390/``.
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


def test_every_page_has_a_screenshot_at_every_width(report, book_html):
    folder = book_html.parent / "screenshots"
    opened = [page for page in report.pages if book_browser.redirect_target(book_html, page) is None]
    expected = {
        book_browser.screenshot_path(folder, viewport["width"], page)
        for page in opened
        for viewport in book_browser.VIEWPORTS
    }
    assert set(report.screenshots) == expected
    for path in report.screenshots:
        assert path.stat().st_size > 10_000, f"{path} looks empty"
