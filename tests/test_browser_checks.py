"""The browser checks of the book catch each kind of broken page (a tiny site, no book needed)."""

import base64
import importlib.util
from pathlib import Path

import pytest

import book_browser

pytestmark = pytest.mark.browser

# A 1x1 PNG, so that the good page has an image that loads.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
MATHJAX = Path(importlib.util.find_spec("sphinx-mathjax-offline").origin).parent / "static" / "mathjax"
# How Sphinx loads MathJax and marks math (sphinx.ext.mathjax with sphinx-mathjax-offline).
MATHJAX_HEAD = (
    '<script>window.MathJax = {"options": {"processHtmlClass": "math"}}</script>'
    '<script defer src="mathjax/tex-chtml.js"></script>'
)

PAGES = {
    "index.html": '<meta http-equiv="Refresh" content="0; url=good.html" />',
    "good.html": f"""<html><head>{MATHJAX_HEAD}</head><body>
        <h1 id="top">A page without problems</h1>
        <p>Inline math <span class="math">\\(x^2 + y^2\\)</span> and a display:</p>
        <div class="math">\\[\\sum_i w_i x_i\\]</div>
        <img src="pixel.png" alt="pixel"><img src="pixel.png" alt="lazy pixel" loading="lazy" style="margin-top:3000px">
        <pre>prices = "$5 and $6"  # code may hold dollars</pre><p>So may prose: between $5 and $6 each.</p>
        <a href="good.html#top">up</a> <a href="index.html">home</a> <a href="https://example.org/">outside link</a>
        </body></html>""",
    "broken_image.html": '<html><body><img src="corrupt.png" alt="corrupt"></body></html>',
    "missing_stylesheet.html": '<html><head><link rel="stylesheet" href="missing.css"></head><body>x</body></html>',
    # MyST marks the page tex2jax_ignore and its math elements "math", so MathJax
    # typesets only what MyST parsed as math.
    "raw_math.html": f"""<html><head>{MATHJAX_HEAD}</head><body><section class="tex2jax_ignore mathjax_ignore">
        <p>Typeset: <span class="math">\\(a + b\\)</span>. Left raw: $x^2$ and $$\\int f$$.</p>
        </section></body></html>""",
    "untypeset_math.html": f"""<html><head>{MATHJAX_HEAD}</head><body>
        <p>MathJax finds no delimiters in <span class="math">x + y</span>.</p></body></html>""",
    "no_mathjax.html": '<html><body><p><span class="math">\\(a + b\\)</span></p></body></html>',
    "outside_request.html": '<html><head><script src="https://cdn.example.org/require.min.js"></script></head>'
    "<body>x</body></html>",
    "dead_links.html": '<html><body><a href="missing.html">gone</a> <a href="good.html#nowhere">no anchor</a>'
    "</body></html>",
    "script_error.html": "<html><body><script>console.error('boom'); undefinedFunction();</script></body></html>",
}

EXPECTED_CHECKS = {
    "good.html": set(),
    "broken_image.html": {"images"},
    "missing_stylesheet.html": {"resources"},
    "raw_math.html": {"math"},
    "untypeset_math.html": {"math"},
    "no_mathjax.html": {"math"},
    "outside_request.html": {"offline"},
    "dead_links.html": {"links"},
    "script_error.html": {"javascript"},
}


@pytest.fixture(scope="module")
def broken_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    for name, html in PAGES.items():
        (root / name).write_text(html, encoding="utf-8")
    (root / "pixel.png").write_bytes(PIXEL)
    (root / "corrupt.png").write_bytes(b"this is not an image")
    (root / "mathjax").symlink_to(MATHJAX, target_is_directory=True)
    return root


@pytest.fixture(scope="module")
def report(broken_site, tmp_path_factory):
    return book_browser.check_book(broken_site, screenshot_dir=tmp_path_factory.mktemp("shots"))


def messages(report, page):
    return [problem.detail for problem in report.problems if problem.page == page]


def test_every_page_is_found_and_redirects_are_followed(report):
    assert report.pages == sorted(PAGES)
    assert not messages(report, "index.html"), "index.html redirects to a page that exists"


@pytest.mark.parametrize("page", sorted(EXPECTED_CHECKS))
def test_each_broken_page_fails_exactly_its_check(report, page):
    found = {problem.check for problem in report.problems if problem.page == page}
    assert found == EXPECTED_CHECKS[page], "\n".join(map(str, report.problems))


def test_messages_say_what_is_wrong_and_where(report):
    (image,) = messages(report, "broken_image.html")
    assert image.startswith("image did not load: http://127.0.0.1:") and image.endswith("/corrupt.png")
    assert any("HTTP 404" in text and "missing.css" in text for text in messages(report, "missing_stylesheet.html"))
    raw = messages(report, "raw_math.html")
    assert any("raw TeX" in text and "$x^2$" in text for text in raw), raw
    assert any("raw TeX" in text and "$$\\int f$$" in text for text in raw), raw
    assert messages(report, "untypeset_math.html") == ['math element not typeset by MathJax: "x + y"']
    assert messages(report, "no_mathjax.html") == ["MathJax did not start, so 1 math element(s) stay raw TeX"]
    assert messages(report, "outside_request.html") == [
        "request to https://cdn.example.org/require.min.js (aborted: the book must work offline)"
    ]
    dead = messages(report, "dead_links.html")
    assert any("'missing.html'" in text and "not in the book" in text for text in dead), dead
    assert any("has no anchor #nowhere" in text for text in dead), dead
    errors = messages(report, "script_error.html")
    assert any("console error: boom" in text for text in errors), errors
    assert any("undefinedFunction is not defined" in text for text in errors), errors


def test_a_problem_names_its_page_and_check(report):
    problem = next(problem for problem in report.problems if problem.page == "dead_links.html")
    assert str(problem).startswith("dead_links.html: [links] link 'missing.html'")


def test_screenshots_of_the_landing_page_and_a_chapter_are_saved(report):
    assert sorted(path.name for path in report.screenshots) == ["chapter.png", "landing.png"]
    for path in report.screenshots:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_folder_without_a_book_is_an_error(tmp_path):
    with pytest.raises(book_browser.BookMissingError, match="index.html is missing"):
        book_browser.check_book(tmp_path)


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8000/a.html", True),
        ("http://localhost/x.js", True),
        ("data:image/png;base64,AAAA", True),
        ("https://cdn.jsdelivr.net/npm/require.js", False),
        ("http://127.0.0.2.example.org/x", False),
    ],
)
def test_only_loopback_urls_count_as_local(url, local):
    assert book_browser.is_local(url) is local
