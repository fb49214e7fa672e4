"""Open every page of the built book in headless Chromium and report what a reader would hit.

Every page is opened in a window 1280 px wide (a laptop) and in one 390 px wide (a
phone), both with a 2x (retina) screen. At 1280 px it checks that:

- no JavaScript error is raised or logged (``javascript``);
- every file the page loads from the book exists, the icons its ``<link rel="icon">``
  tags declare included (``resources``);
- every image has loaded, lazy ones included (``images``);
- MathJax has typeset every math element and no raw TeX is left in the text (``math``);
- every internal link points to a page of the book, and to an anchor that exists (``links``);
- no request leaves localhost: each one is recorded and aborted (``offline``).

At both widths, dropdowns opened, it checks that:

- no cell output, table, code block or display equation is wider than the article
  and left unscrollable: spilling out of it, or clipped by ``overflow: hidden``
  (inside a box with ``overflow-x: auto`` or ``scroll`` it is fine) (``overflow``);
- no output shows Keras progress bars (``━━━``, ``ms/step``, ``[====>...]``) (``progress``);
- no image is shown larger than its pixels allow on a 2x screen: a file narrower
  than 90 % of twice its width in CSS px, unless it is an SVG, drawn
  ``image-rendering: pixelated`` (or ``crisp-edges``), or an icon of at most 48 px
  (``blurry``).

A problem of a layout check names the width it was seen at. A screenshot of every
page at both widths (its top 6000 px) goes to ``<screenshots>/1280/`` and
``<screenshots>/390/``, named after the page (``notebooks__01_pca.png``).

The book is served from a local HTTP server on 127.0.0.1 and driven with Playwright
through Debian's Chromium (no browser download). Run it by hand with::

    .venv/bin/python tests/book_browser.py _build/html
"""

import argparse
import concurrent.futures
import functools
import html.parser
import http.server
import multiprocessing
import os
import re
import shutil
import sys
import threading
import time
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

# Run once per page, at the first (desktop) width.
PAGE_CHECKS = ("javascript", "resources", "images", "math", "links", "offline")
# Run at every width.
LAYOUT_CHECKS = ("overflow", "progress", "blurry")
CHECKS = PAGE_CHECKS + LAYOUT_CHECKS

# Debian's package; COMPANION_CHROMIUM names another Chromium or Chrome binary.
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# Flags for a machine without internet: nothing may phone home, not even Chromium itself.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    # containers often have a small /dev/shm, where Chromium crashes on long pages
    "--disable-dev-shm-usage",
]
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
# The requests that Playwright hands to Python (every other one goes straight to the
# local server, which saves a round trip per file): any URL with a host, save a loopback one.
OUTSIDE_URL = re.compile(
    r"^(?!https?://(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?/)[a-z][a-z0-9+.-]*://", re.IGNORECASE
)
# Folders that Sphinx fills with assets and sources, not pages.
ASSET_FOLDERS = {"_static", "_sources", "_images", "_downloads", ".doctrees"}

PAGE_TIMEOUT_MS = 60_000
IMAGE_TIMEOUT_MS = 20_000
IDLE_TIMEOUT_MS = 3_000
MATHJAX_START_MS = 3_000
MATHJAX_TYPESET_MS = 60_000
# A laptop, then a phone; the page checks run in the first window.
VIEWPORTS = ({"width": 1280, "height": 900}, {"width": 390, "height": 844})
# Both windows have a high-density screen, as phones and retina laptops do.
DEVICE_SCALE_FACTOR = 2
# An image is blurry when its file has fewer pixels than this share of the screen
# pixels it covers; images at most ICON_MAX_WIDTH CSS px wide are icons.
SHARPNESS = 0.9
ICON_MAX_WIDTH = 48
# Browsers that check pages side by side, one per core of the machine the tests run on.
BROWSERS = 2
# Sub-pixel rounding: how far (CSS px) content may pass the edge of its box.
OVERFLOW_TOLERANCE_PX = 1
# Long chapters make huge full-page screenshots; their top shows the theme, text,
# math, code and the first figures. Screenshots are taken at one pixel per CSS px.
SCREENSHOT_MAX_HEIGHT = 6_000


@dataclass(frozen=True)
class Problem:
    """One thing a reader would hit on one page (at one window width, for a layout check)."""

    page: str
    check: str
    detail: str
    width: int | None = None

    def __str__(self):
        where = self.page if self.width is None else f"{self.page} at {self.width} px"
        return f"{where}: [{self.check}] {self.detail}"


@dataclass
class Report:
    """What checking a whole book found."""

    pages: list
    problems: list = field(default_factory=list)
    screenshots: list = field(default_factory=list)
    seconds: float = 0.0

    def add(self, problem):
        """Record a problem once (the same one seen at two widths counts once)."""
        if problem not in self.problems:
            self.problems.append(problem)

    def of_check(self, check):
        return [problem for problem in self.problems if problem.check == check]


class BookMissingError(FileNotFoundError):
    """The folder to check holds no built book."""


# --- pages and anchors, read from the files -------------------------------------------------


def discover_pages(root):
    """Every HTML page under ``root`` (relative POSIX paths), assets excluded, sorted."""
    root = Path(root)
    if not (root / "index.html").is_file():
        raise BookMissingError(
            f"No built book in {root}: index.html is missing. Build it first with "
            "`jupyter-book build . -W -n --keep-going`."
        )
    pages = [
        path.relative_to(root).as_posix()
        for path in root.rglob("*.html")
        if not ASSET_FOLDERS.intersection(path.relative_to(root).parts[:-1])
    ]
    return sorted(pages)


class _PageScanner(html.parser.HTMLParser):
    """Collects the ids and names an anchor can point to, and a meta refresh target."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.anchors = set()
        self.refresh_target = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.anchors.add(attrs[key])
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh":
            match = re.search(r"url\s*=\s*['\"]?([^'\";]+)", attrs.get("content") or "", re.IGNORECASE)
            if match:
                self.refresh_target = match.group(1).strip()


@functools.lru_cache(maxsize=None)
def _scan(path):
    scanner = _PageScanner()
    scanner.feed(Path(path).read_text(encoding="utf-8", errors="replace"))
    return scanner


def redirect_target(root, page):
    """The page a pure redirect page (meta refresh) sends the reader to, or None."""
    return _scan(Path(root) / page).refresh_target


def link_problem(root, base_page, href):
    """Why a same-site link ``href`` (relative to ``base_page``) is dead, or None."""
    base = urllib.parse.urljoin("http://book/", base_page)
    url = urllib.parse.urlsplit(urllib.parse.urljoin(base, href))
    relative = urllib.parse.unquote(url.path).lstrip("/")
    target = Path(root) / relative
    if url.path.endswith("/") or target.is_dir():
        target = target / "index.html"
    if not target.is_file():
        return f"link {href!r} points to {relative or '/'}, which is not in the book"
    fragment = urllib.parse.unquote(url.fragment)
    if fragment and target.suffix == ".html" and fragment not in _scan(target).anchors:
        return f"link {href!r}: {target.relative_to(root).as_posix()} has no anchor #{fragment}"
    return None


# --- the local server and the browser ---------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002  (the base class names it so)
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    """A server that says nothing when a closed tab drops a file it was loading."""

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def serve(root):
    """Serve ``root`` on a free port of 127.0.0.1; yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def chromium_path():
    """The Chromium binary to drive; raise a clear error when there is none."""
    chosen = os.environ.get("COMPANION_CHROMIUM")
    path = chosen or DEFAULT_CHROMIUM
    if Path(path).is_file() and os.access(path, os.X_OK):
        return path
    if chosen:
        raise FileNotFoundError(f"COMPANION_CHROMIUM must name an executable. Received: COMPANION_CHROMIUM={chosen}")
    found = shutil.which("chromium")
    if found:
        return found
    raise FileNotFoundError(
        f"Chromium is needed to check the book in a browser, but {path} does not exist. "
        "`bash scripts/test.sh` installs Debian's chromium package; elsewhere, install "
        "Chromium or Chrome and set COMPANION_CHROMIUM to its executable."
    )


@contextmanager
def launch_browser():
    """A headless Chromium driven by Playwright, without any of Playwright's own browsers."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def is_local(url):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.hostname in LOOPBACK_HOSTS


# --- checks that run inside the page ------------------------------------------------------------

_LOAD_EVERY_IMAGE = """
async (timeoutMs) => {
  const images = Array.from(document.images);
  // Lazy images below the fold (or in closed dropdowns) load only when asked to.
  for (const image of images) { if (image.loading === "lazy") image.loading = "eager"; }
  await Promise.all(images.map((image) => image.complete ? null : new Promise((resolve) => {
    image.addEventListener("load", resolve, { once: true });
    image.addEventListener("error", resolve, { once: true });
    setTimeout(resolve, timeoutMs);
  })));
  return images
    .filter((image) => !(image.complete && image.naturalWidth > 0))
    .map((image) => image.currentSrc || image.getAttribute("src") || image.outerHTML.slice(0, 120));
}
"""

_TYPESET_MATH = """
async ([startMs, typesetMs]) => {
  const selector = "span.math, div.math";
  const count = document.querySelectorAll(selector).length;
  const started = () => window.MathJax && MathJax.startup && MathJax.startup.promise;
  // After the load event MathJax has started if the page loads it (it is a
  // deferred script); a short grace period covers an async one.
  const deadline = Date.now() + startMs;
  while (count > 0 && !started() && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (count > 0 && !started()) return { count, loaded: false, untypeset: [], raw: [] };
  if (started()) {
    const timeout = new Promise((resolve) => setTimeout(() => resolve("timeout"), typesetMs));
    if (await Promise.race([MathJax.startup.promise, timeout]) === "timeout") {
      return { count, loaded: true, timedOut: true, untypeset: [], raw: [] };
    }
  }
  const snippet = (text) => text.replace(/\\s+/g, " ").trim().slice(0, 80);
  const untypeset = Array.from(document.querySelectorAll(selector))
    .filter((element) => !element.querySelector("mjx-container"))
    .map((element) => snippet(element.textContent));
  // Raw TeX delimiters in any text a reader can see (closed dropdowns included),
  // outside code. MyST marks every page tex2jax_ignore and only its math
  // elements for processing, so TeX that MyST did not parse stays raw.
  const skip = "pre, code, kbd, samp, script, style, textarea, mjx-container";
  // $...$ as Pandoc reads it: no space inside either dollar, no digit after the closing one.
  const rawTex = /\\$\\$[^$]+\\$\\$|\\$[^\\s$](?:[^$\\n]*[^\\s$])?\\$(?!\\d)|\\\\\\([\\s\\S]*?\\\\\\)|\\\\\\[[\\s\\S]*?\\\\\\]/g;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const raw = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    for (const match of node.textContent.matchAll(rawTex)) raw.push(snippet(match[0]));
  }
  return { count, loaded: true, timedOut: false, untypeset, raw };
}
"""

_LINKS = "() => Array.from(document.querySelectorAll('a[href]')).map((a) => [a.getAttribute('href'), a.href])"

_ICONS = """() => Array.from(document.querySelectorAll('link[rel~="icon" i][href]'), (link) => link.href)"""

_OPEN_DROPDOWNS = "() => { for (const details of document.querySelectorAll('details')) details.open = true; }"

# Candidates are checked against the article's box (and the window): the content of
# each one, walking up its ancestors, must fit, or meet a box that scrolls sideways
# before it meets one that clips it or the edge of the article. Only the innermost
# element of a nested faulty group is reported.
_OVERFLOW = """
async (tolerance) => {
  await document.fonts.ready;
  const container = document.querySelector("article.bd-article") || document.querySelector("main") || document.body;
  const math = 'mjx-container[display="true"], div.math';
  const selector = `${math}, table, div.cell_output, div.cell_output pre, .output, div.highlight pre`;
  const kindOf = (element) => {
    if (element.matches(math)) return "display math";
    if (element.matches("table")) return "table";
    return element.closest("div.cell_output, .output") ? "cell output" : "code block";
  };
  const describe = (node) => node.tagName.toLowerCase() + (node.id ? "#" + node.id : "")
    + Array.from(node.classList).slice(0, 2).map((name) => "." + name).join("");
  const boxRight = (node) => node.getBoundingClientRect().left + node.clientLeft + node.clientWidth;
  const article = container.getBoundingClientRect();
  const edge = Math.min(boxRight(container), document.documentElement.clientWidth);
  const snippet = (element) => {
    let text = "";
    try { text = MathJax.startup.document.getMathItemsWithin(element)[0].math; } catch (error) { text = ""; }
    return (text || element.textContent).replace(/\\s+/g, " ").trim().slice(0, 60);
  };
  const fault = (element) => {
    const rect = element.getBoundingClientRect();
    if (rect.width === 0 && rect.height === 0) return null;  // not laid out
    let right = Math.max(rect.right, rect.left + element.scrollWidth);
    const width = Math.round(right - rect.left);
    for (let node = element; node && node !== container; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (/^(inline|contents)$/.test(style.display) || right <= boxRight(node) + tolerance) continue;
      if (/^(auto|scroll)$/.test(style.overflowX)) { right = node.getBoundingClientRect().right; continue; }
      if (/^(hidden|clip)$/.test(style.overflowX)) {
        const box = `${describe(node)} (${Math.round(node.clientWidth)} px wide)`;
        return `${width} px wide, clipped by overflow: ${style.overflowX} on ${box}`;
      }
    }
    if (right <= edge + tolerance) return null;
    const spill = Math.round(right - edge);
    return `${width} px wide, spills ${spill} px out of the article (${Math.round(edge - article.left)} px wide)`;
  };
  const found = [];
  for (const element of container.querySelectorAll(selector)) {
    const detail = fault(element);
    if (detail) found.push({ element, detail });
  }
  return found
    .filter(({ element }) => !found.some((other) => other.element !== element && element.contains(other.element)))
    .map(({ element, detail }) => ({ kind: kindOf(element), detail, snippet: snippet(element) }));
}
"""

# Keras 3 bars are runs of "━" (box tables, as in model summaries, mix them with
# other box-drawing characters); Keras 2 bars are "[====>....]"; both print "ms/step".
_PROGRESS = """
() => {
  const selector = "div.cell_output, .output";
  const outputs = Array.from(document.querySelectorAll(selector))
    .filter((output) => !output.parentElement || !output.parentElement.closest(selector));
  const bar = (line) => (/━/.test(line) && !/[\\u2500\\u2502-\\u257F]/.test(line))
    || /\\d(?:\\.\\d+)?\\s*[mµu]?s\\/step/.test(line) || /\\d+\\/\\d+\\s*\\[[=>.]+\\]/.test(line);
  return outputs
    .map((output) => output.textContent.split("\\n").filter(bar).map((line) => line.replace(/\\s+/g, " ").trim()))
    .filter((lines) => lines.length > 0);
}
"""

_BLURRY = """
([scale, sharpness, iconMaxWidth]) => {
  const vector = (source) => /^data:image\\/svg/i.test(source)
    || /\\.svgz?$/i.test(new URL(source, location.href).pathname);
  const found = [];
  for (const image of document.images) {
    if (!image.complete || image.naturalWidth === 0) continue;  // the images check reports it
    const width = image.getBoundingClientRect().width;
    const source = image.currentSrc || image.src;
    if (width <= iconMaxWidth || vector(source)) continue;
    if (/pixelated|crisp-edges/.test(getComputedStyle(image).imageRendering)) continue;
    const needed = Math.ceil(width * scale * sharpness);
    if (image.naturalWidth < width * scale * sharpness) {
      found.push({ source, natural: image.naturalWidth, shown: Math.round(width), needed });
    }
  }
  return found;
}
"""


# --- checking one page ------------------------------------------------------------------------


class _PageWatch:
    """Listens to one page at every width: errors, failed files and requests that leave localhost."""

    def __init__(self, page_name):
        self.page_name = page_name
        self.problems = []
        self.reported_urls = set()

    def add(self, check, detail, width=None):
        problem = Problem(self.page_name, check, detail, width)
        if problem not in self.problems:
            self.problems.append(problem)

    def listen(self, page):
        """Watch a freshly opened browser tab."""
        page.route(OUTSIDE_URL, self.on_route)
        page.on("response", self.on_response)
        page.on("requestfailed", self.on_request_failed)
        page.on("console", self.on_console)
        page.on("pageerror", self.on_page_error)

    def on_route(self, route):
        url = route.request.url
        if is_local(url):
            route.continue_()
            return
        self.reported_urls.add(url)
        self.add("offline", f"request to {url} (aborted: the book must work offline)")
        route.abort("blockedbyclient")

    def on_response(self, response):
        if response.status >= 400 and is_local(response.url):
            self.reported_urls.add(response.url)
            self.add("resources", f"HTTP {response.status} for {response.url}")

    def on_request_failed(self, request):
        if is_local(request.url) and request.url not in self.reported_urls:
            self.reported_urls.add(request.url)
            self.add("resources", f"could not load {request.url}: {request.failure}")

    def on_console(self, message):
        if message.type != "error":
            return
        # A file already reported as missing or blocked also logs a console error.
        source = (message.location or {}).get("url", "")
        if source in self.reported_urls and message.text.startswith("Failed to load resource"):
            return
        where = f" ({source}:{message.location.get('lineNumber')})" if source else ""
        self.add("javascript", f"console error: {message.text}{where}")

    def on_page_error(self, error):
        self.add("javascript", f"uncaught {error.name or 'error'}: {error.message}")


def screenshot_path(screenshot_dir, width, page_name):
    """``<screenshot_dir>/<width>/<page>.png``, the page's folders joined with ``__``."""
    name = page_name.removesuffix(".html").replace("/", "__")
    return Path(screenshot_dir) / str(width) / f"{name}.png"


def check_page(contexts, base_url, root, page_name, screenshot_dir=None):
    """Open one page in every window (``{width: browser context}``).

    The page checks run in the first window, the layout checks in all of them.
    Returns the page's problems and the screenshots saved (none without ``screenshot_dir``).
    """
    watch = _PageWatch(page_name)
    screenshots = []
    # Every window starts loading the page at once; each is checked when it has loaded.
    tabs = {width: _open(context, base_url + page_name, watch) for width, context in contexts.items()}
    try:
        for index, (width, page) in enumerate(tabs.items()):
            page.wait_for_load_state("load", timeout=PAGE_TIMEOUT_MS)
            if index == 0:
                _check_content(page, watch, base_url, root, page_name)
                _settle(page)
            else:
                _wait_for_content(page)
            if screenshot_dir is not None:
                screenshots.append(_save_screenshot(page, screenshot_path(screenshot_dir, width, page_name)))
            _check_layout(page, watch, width, base_url)
    finally:
        for page in tabs.values():
            page.close()
    return watch.problems, screenshots


def _open(context, url, watch):
    """A new tab of ``context``, watched, that has started to load ``url``."""
    page = context.new_page()
    watch.listen(page)
    page.goto(url, wait_until="commit", timeout=PAGE_TIMEOUT_MS)
    return page


def _check_content(page, watch, base_url, root, page_name):
    """The page checks that read the page: math, images, links and icons."""
    _check_math(page, watch)
    for source in page.evaluate(_LOAD_EVERY_IMAGE, IMAGE_TIMEOUT_MS):
        watch.add("images", f"image did not load: {source}")
    for href, absolute in page.evaluate(_LINKS):
        if urllib.parse.urlsplit(absolute).netloc == urllib.parse.urlsplit(base_url).netloc:
            problem = link_problem(root, page_name, href)
            if problem:
                watch.add("links", problem)
    _check_icons(page, watch)


def _wait_for_content(page):
    """Let MathJax typeset and every image load, as the page checks do, before measuring."""
    page.evaluate(_TYPESET_MATH, [MATHJAX_START_MS, MATHJAX_TYPESET_MS])
    page.evaluate(_LOAD_EVERY_IMAGE, IMAGE_TIMEOUT_MS)


def _check_math(page, watch):
    math = page.evaluate(_TYPESET_MATH, [MATHJAX_START_MS, MATHJAX_TYPESET_MS])
    if not math["loaded"]:
        watch.add("math", f"MathJax did not start, so {math['count']} math element(s) stay raw TeX")
        return
    if math["timedOut"]:
        watch.add("math", f"MathJax did not finish typesetting within {MATHJAX_TYPESET_MS / 1000:.0f} s")
        return
    for text in math["untypeset"]:
        watch.add("math", f"math element not typeset by MathJax: \"{text}\"")
    for text in math["raw"]:
        watch.add("math", f"raw TeX left in the text: \"{text}\"")


def _check_icons(page, watch):
    """Fetch every declared icon: headless Chromium may request none, so a missing one goes unseen."""
    for url in page.evaluate(_ICONS):
        if url in watch.reported_urls or urllib.parse.urlsplit(url).scheme in ("data", "blob"):
            continue
        if not is_local(url):
            watch.add("offline", f"icon {url} is outside the book (the book must work offline)")
            continue
        try:
            response = page.context.request.get(url, fail_on_status_code=False)
        except Exception as error:  # the server closed the connection, or refused it
            watch.add("resources", f"could not load the icon {url}: {error}")
            continue
        if response.status >= 400:  # worded as a failed request the page made, so it counts once
            watch.add("resources", f"HTTP {response.status} for {url}")
        response.dispose()
        watch.reported_urls.add(url)


def _check_layout(page, watch, width, base_url):
    """The layout checks, every dropdown opened: overflow, progress and blurry."""
    page.evaluate(_OPEN_DROPDOWNS)
    for item in page.evaluate(_OVERFLOW, OVERFLOW_TOLERANCE_PX):
        watch.add("overflow", f"{item['kind']} {item['detail']}: \"{item['snippet']}\"", width)
    for lines in page.evaluate(_PROGRESS):
        more = f" (and {len(lines) - 1} more line(s))" if len(lines) > 1 else ""
        # the same output at every width: no width, so it counts once
        watch.add("progress", f"Keras progress bar in an output: \"{lines[0][:80]}\"{more}")
    for image in page.evaluate(_BLURRY, [DEVICE_SCALE_FACTOR, SHARPNESS, ICON_MAX_WIDTH]):
        watch.add(
            "blurry",
            f"image {image['source'].removeprefix(base_url)} is {image['natural']} px wide, shown at "
            f"{image['shown']} CSS px: a {DEVICE_SCALE_FACTOR}x screen needs at least {image['needed']} px",
            width,
        )


def _settle(page):
    """Let late requests (widgets, deferred scripts) happen while the page is watched."""
    try:
        page.wait_for_load_state("networkidle", timeout=IDLE_TIMEOUT_MS)
    except Exception:  # a page that keeps polling is not an error in itself
        pass


def _save_screenshot(page, path):
    """The top of the page (at most SCREENSHOT_MAX_HEIGHT CSS px), one pixel per CSS px."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Text in a web font still loading is not painted: under load, a search page was once shot
    # with borders and icons but no word on it.
    page.evaluate("async () => { await document.fonts.ready; }")
    viewport = page.viewport_size
    height = min(page.evaluate("document.documentElement.scrollHeight"), SCREENSHOT_MAX_HEIGHT)
    page.screenshot(
        path=str(path),
        full_page=True,
        scale="css",
        clip={"x": 0, "y": 0, "width": viewport["width"], "height": max(height, viewport["height"])},
    )
    return path


# --- the whole book ---------------------------------------------------------------------------


@contextmanager
def open_windows(browser):
    """One browser context per width of VIEWPORTS, each with a 2x screen: ``{width: context}``."""
    contexts = {}
    try:
        for viewport in VIEWPORTS:
            contexts[viewport["width"]] = browser.new_context(
                viewport=viewport, device_scale_factor=DEVICE_SCALE_FACTOR, service_workers="block"
            )
        yield contexts
    finally:
        for context in contexts.values():
            context.close()


def check_book(root, screenshot_dir=None, pages=None):
    """Check every page of the book built in ``root``; return a :class:`Report`.

    Args:
        root: the HTML build folder, e.g. ``_build/html``.
        screenshot_dir: where to save a PNG of every page at every width, or None.
        pages: the pages to check (relative paths); all of them by default.

    Raises:
        BookMissingError: ``root`` holds no built book.
        FileNotFoundError: no Chromium to drive.
    """
    started = time.monotonic()
    root = Path(root).resolve()
    pages = discover_pages(root) if pages is None else list(pages)
    report = Report(pages=pages)
    browser_pages = []
    for page in pages:
        target = redirect_target(root, page)
        if target is None:
            browser_pages.append(page)
            continue
        # A redirect page (index.html) only has to point to a page that exists.
        problem = link_problem(root, page, target)
        if problem:
            report.add(Problem(page, "links", f"redirect: {problem}"))
    # Rendering is most of the time: the pages are shared out among browsers, one per core.
    shares = [browser_pages[start::BROWSERS] for start in range(min(BROWSERS, len(browser_pages)))]
    context = multiprocessing.get_context("spawn")  # a fresh process: no threads of the test process copied
    with concurrent.futures.ProcessPoolExecutor(max(len(shares), 1), mp_context=context) as pool:
        for problems, screenshots in pool.map(check_pages, [root] * len(shares), shares,
                                              [screenshot_dir] * len(shares)):
            for problem in problems:
                report.add(problem)
            report.screenshots.extend(screenshots)
    report.seconds = time.monotonic() - started
    return report


def check_pages(root, pages, screenshot_dir=None):
    """Check ``pages`` in one browser of its own: every problem found, and the screenshots saved."""
    found, saved = [], []
    with serve(root) as base_url, launch_browser() as browser, open_windows(browser) as contexts:
        for page in pages:
            problems, screenshots = check_page(contexts, base_url, root, page, screenshot_dir)
            found.extend(problems)
            saved.extend(screenshots)
    return found, saved


def summary(report, screenshot_dir=None):
    """One line per check that found problems, then the totals."""
    lines = [f"  {check}: {len(report.of_check(check))}" for check in CHECKS if report.of_check(check)]
    widths = " and ".join(str(viewport["width"]) for viewport in VIEWPORTS)
    total = (
        f"{len(report.pages)} pages checked at {widths} px in {report.seconds:.0f} s, "
        f"{len(report.problems)} problem(s)"
    )
    if screenshot_dir is not None:
        total += f"; screenshots in {screenshot_dir}"
    return "\n".join((["problems by check:"] + lines if lines else []) + [total])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", nargs="?", default="_build/html", help="the built book (default: _build/html)")
    parser.add_argument("--screenshots", default=None, help="folder for the PNGs (default: beside the html folder)")
    args = parser.parse_args(argv)
    screenshots = Path(args.screenshots or Path(args.html).parent / "screenshots")
    report = check_book(args.html, screenshots)
    for problem in report.problems:
        print(problem)
    print(summary(report, screenshots))
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
