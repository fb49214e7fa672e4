"""Open every page of the built book in headless Chromium and report what a reader would hit.

For each page it checks that:

- no JavaScript error is raised or logged (``javascript``);
- every file the page loads from the book exists (``resources``);
- every image has loaded, lazy ones included (``images``);
- MathJax has typeset every math element and no raw TeX is left in the text (``math``);
- every internal link points to a page of the book, and to an anchor that exists (``links``);
- no request leaves localhost: each one is recorded and aborted (``offline``).

The book is served from a local HTTP server on 127.0.0.1 and driven with Playwright
through Debian's Chromium (no browser download). Run it by hand with::

    .venv/bin/python tests/book_browser.py _build/html
"""

import argparse
import functools
import html.parser
import http.server
import os
import re
import shutil
import sys
import threading
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

CHECKS = ("javascript", "resources", "images", "math", "links", "offline")

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
# Folders that Sphinx fills with assets and sources, not pages.
ASSET_FOLDERS = {"_static", "_sources", "_images", "_downloads", ".doctrees"}

PAGE_TIMEOUT_MS = 60_000
IMAGE_TIMEOUT_MS = 20_000
IDLE_TIMEOUT_MS = 3_000
MATHJAX_START_MS = 3_000
MATHJAX_TYPESET_MS = 60_000
VIEWPORT = {"width": 1280, "height": 900}
# Long chapters make huge full-page screenshots; the top of a chapter shows the
# theme, text, math, code and the first figures.
SCREENSHOT_MAX_HEIGHT = 5_000


@dataclass(frozen=True)
class Problem:
    """One thing a reader would hit on one page."""

    page: str
    check: str
    detail: str

    def __str__(self):
        return f"{self.page}: [{self.check}] {self.detail}"


@dataclass
class Report:
    """What checking a whole book found."""

    pages: list
    problems: list = field(default_factory=list)
    screenshots: list = field(default_factory=list)

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


@contextmanager
def serve(root):
    """Serve ``root`` on a free port of 127.0.0.1; yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
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


# --- checking one page ------------------------------------------------------------------------


class _PageWatch:
    """Listens to one page: errors, failed files and requests that leave localhost."""

    def __init__(self, page_name):
        self.page_name = page_name
        self.problems = []
        self.reported_urls = set()

    def add(self, check, detail):
        problem = Problem(self.page_name, check, detail)
        if problem not in self.problems:
            self.problems.append(problem)

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


def check_page(browser, base_url, root, page_name, screenshot=None):
    """Open one page in a fresh browser context and return its problems."""
    watch = _PageWatch(page_name)
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    context.route("**/*", watch.on_route)
    page = context.new_page()
    page.on("response", watch.on_response)
    page.on("requestfailed", watch.on_request_failed)
    page.on("console", watch.on_console)
    page.on("pageerror", watch.on_page_error)
    try:
        page.goto(base_url + page_name, wait_until="load", timeout=PAGE_TIMEOUT_MS)
        _check_math(page, watch)
        for source in page.evaluate(_LOAD_EVERY_IMAGE, IMAGE_TIMEOUT_MS):
            watch.add("images", f"image did not load: {source}")
        for href, absolute in page.evaluate(_LINKS):
            if urllib.parse.urlsplit(absolute).netloc == urllib.parse.urlsplit(base_url).netloc:
                problem = link_problem(root, page_name, href)
                if problem:
                    watch.add("links", problem)
        _settle(page)
        if screenshot is not None:
            _save_screenshot(page, screenshot)
    finally:
        context.close()
    return watch.problems


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


def _settle(page):
    """Let late requests (widgets, deferred scripts) happen while the page is watched."""
    try:
        page.wait_for_load_state("networkidle", timeout=IDLE_TIMEOUT_MS)
    except Exception:  # a page that keeps polling is not an error in itself
        pass


def _save_screenshot(page, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    height = min(page.evaluate("document.documentElement.scrollHeight"), SCREENSHOT_MAX_HEIGHT)
    page.screenshot(
        path=str(path),
        full_page=True,
        clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": max(height, VIEWPORT["height"])},
    )


# --- the whole book ---------------------------------------------------------------------------


def screenshot_pages(root, pages):
    """The landing page and the first chapter (the first page under notebooks/, if any)."""
    landing = redirect_target(root, "index.html") or "index.html"
    landing = urllib.parse.urlsplit(urllib.parse.urljoin("http://book/", landing)).path.lstrip("/")
    chapters = [page for page in pages if page.startswith("notebooks/")]
    others = [page for page in pages if page != landing and redirect_target(root, page) is None]
    chapter = (chapters or others or [landing])[0]
    return {landing: "landing.png", chapter: "chapter.png"}


def check_book(root, screenshot_dir=None, pages=None):
    """Check every page of the book built in ``root``; return a :class:`Report`.

    Args:
        root: the HTML build folder, e.g. ``_build/html``.
        screenshot_dir: where to save PNGs of the landing page and a chapter, or None.
        pages: the pages to check (relative paths); all of them by default.

    Raises:
        BookMissingError: ``root`` holds no built book.
        FileNotFoundError: no Chromium to drive.
    """
    root = Path(root).resolve()
    pages = discover_pages(root) if pages is None else list(pages)
    report = Report(pages=pages)
    shots = screenshot_pages(root, pages) if screenshot_dir is not None else {}
    browser_pages = []
    for page in pages:
        target = redirect_target(root, page)
        if target is None:
            browser_pages.append(page)
            continue
        # A redirect page (index.html) only has to point to a page that exists.
        problem = link_problem(root, page, target)
        if problem:
            report.problems.append(Problem(page, "links", f"redirect: {problem}"))
    with serve(root) as base_url, launch_browser() as browser:
        for page in browser_pages:
            screenshot = Path(screenshot_dir) / shots[page] if page in shots else None
            report.problems.extend(check_page(browser, base_url, root, page, screenshot))
            if screenshot is not None:
                report.screenshots.append(screenshot)
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", nargs="?", default="_build/html", help="the built book (default: _build/html)")
    parser.add_argument("--screenshots", default=None, help="folder for the PNGs (default: beside the html folder)")
    args = parser.parse_args(argv)
    screenshots = Path(args.screenshots or Path(args.html).parent / "screenshots")
    report = check_book(args.html, screenshots)
    for problem in report.problems:
        print(problem)
    print(f"{len(report.pages)} pages checked, {len(report.problems)} problem(s); screenshots in {screenshots}")
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
