"""The browser checks of the book catch each kind of broken page (a tiny site, no book needed).

Each broken page fails exactly its check; the good page, which holds what each check
must let pass (a wide output that scrolls, a Keras model summary, a sharp image, an
SVG, an icon), fails none.
"""

import base64
import importlib.util
import io
import struct
from pathlib import Path

import pytest
from PIL import Image

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

# Every page is written in standards mode and UTF-8, as Sphinx writes them.
HTML5 = '<!DOCTYPE html><meta charset="utf-8">'
# Far longer than the screenshots are high.
TALL = 7_000
# 300 characters of monospace: wider than either window.
WIDE_LINE = "x" * 300
# A Keras model summary draws its table with "━" too: it is not a progress bar.
MODEL_SUMMARY = "\n".join(
    ["┏━━━━━━━━━━━━┳━━━━━━━━━┓", "┃ Layer      ┃ Param # ┃", "┡━━━━━━━━━━━━╇━━━━━━━━━┩", "│ dense      │     650 │"]
)

PAGES = {
    "index.html": '<meta http-equiv="Refresh" content="0; url=good.html" />',
    "good.html": f"""<html><head>{MATHJAX_HEAD}<link rel="icon" href="pixel.png"></head><body>
        <h1 id="top">A page without problems</h1>
        <p>Inline math <span class="math">\\(x^2 + y^2\\)</span> and a display:</p>
        <div class="math">\\[\\sum_i w_i x_i\\]</div>
        <img src="pixel.png" alt="pixel"><img src="sharp.png" alt="sharp" style="width:300px">
        <img src="shape.svg" alt="vector" style="width:300px">
        <pre>prices = "$5 and $6"  # code may hold dollars</pre><p>So may prose: between $5 and $6 each.</p>
        <div style="overflow-x:auto"><div class="cell_output"><pre>{WIDE_LINE}</pre></div></div>
        <div class="cell_output"><pre>{MODEL_SUMMARY}</pre></div>
        <a href="good.html#top">up</a> <a href="index.html">home</a> <a href="https://example.org/">outside link</a>
        <img src="pixel.png" alt="lazy pixel" loading="lazy" style="margin-top:{TALL}px">
        </body></html>""",
    "notes/plain.html": '<html><body><p>A page in a folder: <a href="../good.html">back</a>.</p></body></html>',
    "broken_image.html": '<html><body><img src="corrupt.png" alt="corrupt"></body></html>',
    "missing_stylesheet.html": '<html><head><link rel="stylesheet" href="missing.css"></head><body>x</body></html>',
    "missing_icon.html": '<html><head><link rel="icon" href="missing-icon.png"></head><body>x</body></html>',
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
    "wide_output.html": f'<html><body><div class="cell_output"><pre>{WIDE_LINE}</pre></div></body></html>',
    # As MathJax lays out a display equation, 600 px wide: it fits at 1280 px, and a
    # parent that hides its overflow clips it at 390 px.
    "clipped_math.html": """<html><body><div class="equation" style="overflow:hidden">
        <mjx-container class="MathJax" jax="CHTML" display="true" style="display:block">
        <span style="display:inline-block;width:600px">E = mc^2 + a long tail</span></mjx-container>
        </div></body></html>""",
    "progress_bar.html": """<html><body><div class="cell_output"><pre>Epoch 1/2
10/10 ━━━━━━━━━━━━━━━━━━━━ 1s 3ms/step
Epoch 2/2
10/10 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step</pre></div></body></html>""",
    "blurry_image.html": '<html><body><img src="small.png" alt="stretched" style="width:300px"></body></html>',
    "pixelated_image.html": '<html><body><img src="small.png" alt="pixel art" '
    'style="width:300px;image-rendering:pixelated"></body></html>',
}

EXPECTED_CHECKS = {
    "good.html": set(),
    "notes/plain.html": set(),
    "broken_image.html": {"images"},
    "missing_stylesheet.html": {"resources"},
    "missing_icon.html": {"resources"},
    "raw_math.html": {"math"},
    "untypeset_math.html": {"math"},
    "no_mathjax.html": {"math"},
    "outside_request.html": {"offline"},
    "dead_links.html": {"links"},
    "script_error.html": {"javascript"},
    "wide_output.html": {"overflow"},
    "clipped_math.html": {"overflow"},
    "progress_bar.html": {"progress"},
    "blurry_image.html": {"blurry"},
    "pixelated_image.html": set(),
}

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect width="20" height="10" fill="teal"/></svg>'


def png(width, height):
    """A grey PNG of the given size in pixels."""
    buffer = io.BytesIO()
    Image.new("L", (width, height), 128).save(buffer, format="PNG")
    return buffer.getvalue()


def png_size(path):
    """(width, height) in pixels, from a PNG's header."""
    return struct.unpack(">II", Path(path).read_bytes()[16:24])


@pytest.fixture(scope="module")
def broken_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    for name, html in PAGES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(HTML5 + html, encoding="utf-8")
    (root / "pixel.png").write_bytes(PIXEL)
    (root / "sharp.png").write_bytes(png(600, 40))  # 600 px for 300 CSS px: sharp at 2x
    (root / "small.png").write_bytes(png(50, 50))  # 50 px for 300 CSS px: blurry
    (root / "shape.svg").write_text(SVG, encoding="utf-8")
    (root / "corrupt.png").write_bytes(b"this is not an image")
    (root / "mathjax").symlink_to(MATHJAX, target_is_directory=True)
    return root


@pytest.fixture(scope="module")
def screenshot_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("shots")


@pytest.fixture(scope="module")
def report(broken_site, screenshot_dir):
    return book_browser.check_book(broken_site, screenshot_dir=screenshot_dir)


def messages(report, page, width=None):
    """The details of a page's problems (those seen at ``width``, if given)."""
    return [problem.detail for problem in report.problems if problem.page == page and width in (None, problem.width)]


def widths(report, page):
    return sorted(problem.width for problem in report.problems if problem.page == page)


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


def test_layout_messages_say_what_is_wrong_where_and_at_which_width(report):
    for width in (1280, 390):
        (wide,) = messages(report, "wide_output.html", width)
        assert wide.startswith("cell output ") and "px out of the article" in wide and '"xxxxxxxx' in wide, wide
    (clipped,) = messages(report, "clipped_math.html")
    assert widths(report, "clipped_math.html") == [390], "600 px of math fit at 1280 px"
    assert clipped.startswith("display math 600 px wide, clipped by overflow: hidden on div.equation"), clipped
    assert '"E = mc^2 + a long tail"' in clipped
    (progress,) = messages(report, "progress_bar.html")
    assert widths(report, "progress_bar.html") == [None], "the same output counts once, whatever the width"
    bar = "10/10 " + "━" * 20 + " 1s 3ms/step"
    assert progress == f'Keras progress bar in an output: "{bar}" (and 1 more line(s))'
    assert widths(report, "blurry_image.html") == [390, 1280]
    for blurry in messages(report, "blurry_image.html"):
        assert blurry == "image small.png is 50 px wide, shown at 300 CSS px: a 2x screen needs at least 540 px"
    (icon,) = messages(report, "missing_icon.html")
    assert icon.startswith("HTTP 404 for http://127.0.0.1:") and "/missing-icon.png" in icon, icon


def test_a_missing_icon_is_found_even_if_chromium_never_asks_for_it(broken_site):
    """Headless Chromium may skip the favicon: the check fetches every declared icon itself."""
    found = {}
    with book_browser.serve(broken_site) as base_url, book_browser.launch_browser() as browser:
        page = browser.new_page()  # no listener: only the icon check can see the 404
        for name in ("missing_icon.html", "good.html"):
            page.goto(base_url + name)
            watch = book_browser._PageWatch(name)
            book_browser._check_icons(page, watch)
            found[name] = [str(problem) for problem in watch.problems]
    assert found == {
        "missing_icon.html": [f"missing_icon.html: [resources] HTTP 404 for {base_url}missing-icon.png"],
        "good.html": [],
    }


def test_a_layout_problem_names_its_width(report):
    problem = next(problem for problem in report.problems if problem.page == "clipped_math.html")
    assert str(problem).startswith("clipped_math.html at 390 px: [overflow] display math 600 px wide")


def test_every_page_has_a_screenshot_at_every_width(report, screenshot_dir):
    opened = sorted(set(PAGES) - {"index.html"})
    names = [page.removesuffix(".html").replace("/", "__") for page in opened]
    expected = [f"{width}/{name}.png" for name in names for width in (1280, 390)]
    assert sorted(path.relative_to(screenshot_dir).as_posix() for path in report.screenshots) == sorted(expected)
    for path in report.screenshots:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_screenshots_are_one_pixel_per_css_pixel_and_capped_in_height(report, screenshot_dir):
    assert png_size(screenshot_dir / "390" / "missing_icon.png") == (390, 844)
    assert png_size(screenshot_dir / "1280" / "good.png") == (1280, book_browser.SCREENSHOT_MAX_HEIGHT)


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
