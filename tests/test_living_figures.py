"""The living figures in a browser: drag the latent pad, move the noise slider, compare with the model.

Two tiers:

- ``book``: the built Chapter 9 and Chapter 5 pages, opened offline from a local
  server in headless Chromium (as ``book_browser`` does). The test drags over
  the latent plane (mouse at 1280 px, a finger tap at 390 px) and moves the
  noise slider, then reads the pixels the page drew and compares them with the
  reference images each figure carries: the outputs of ``model.predict`` at a
  few points, computed in Python at build time. It also checks that the page
  decodes the very code it reports (against a NumPy run of the figure's own
  weights), that nothing is requested from the network, and that each figure's
  own data and script stay under 1 MB.
- ``browser``: the same checks on a small fixture page made here from untrained
  models, so that the mechanism is tested without a built book.

Tolerances, in pixel values in [0, 1]:

- ``REFERENCE_TOLERANCE`` (0.02): page against ``predict``. The page runs the
  model with 8-bit weights, which the chapters check to stay within 0.01 of
  Keras on the inputs the figure computes (measured: 0.002 to 0.004); the
  reference and the canvas are both rounded to 1/255 (0.004 together); and a
  drag lands within half a CSS pixel of the reference code (on a plane 6 units
  wide and at least 300 px: 0.01 units), which moves a decoded pixel by a few
  thousandths. A wrong weight, layer or activation is off by far more.
- ``SAME_MODEL_TOLERANCE`` (1/255 + a hair): page against a NumPy run of the
  page's own weights at the code the page reports: the two differ only by the
  canvas's rounding to 8 bits.

Run the book tier after the build::

    python -m pytest -m book --book-html _build/html tests/test_living_figures.py
"""

import base64
import json
from contextlib import contextmanager

import numpy as np
import pytest

import book_browser

REFERENCE_TOLERANCE = 0.02
SAME_MODEL_TOLERANCE = 1 / 255 + 1e-6
MAX_FIGURE_BYTES = 1_000_000
PAGES = {"pad": "notebooks/09_variational_autoencoder.html", "denoise": "notebooks/05_denoising_autoencoder.html"}
ACTIVATIONS = {
    "relu": lambda v: np.maximum(v, 0),
    "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
    "tanh": np.tanh,
    "softplus": lambda v: np.logaddexp(0, v),
    "linear": lambda v: v,
}


# --- reading a figure -----------------------------------------------------------------------------


def b64_array(text, dtype):
    return np.frombuffer(base64.b64decode(text), dtype=dtype)


def forward(layers, x):
    """The figure's model, from the JSON the page reads, in float64 NumPy."""
    x = np.asarray(x, dtype="float64")[None]
    for layer in layers:
        q = b64_array(layer["q"], "int8").reshape(layer["inputs"], layer["outputs"])
        scale, bias = b64_array(layer["scale"], "<f4"), b64_array(layer["bias"], "<f4")
        x = ACTIVATIONS[layer["activation"]](x @ (q * scale.astype("float64")) + bias)
    return x[0]


@contextmanager
def opened(browser, url, width=1280, touch=False):
    """A tab at ``url`` that blocks and records every request; yields (page, urls requested, JS errors)."""
    context = browser.new_context(viewport={"width": width, "height": 900}, device_scale_factor=2,
                                  has_touch=touch, service_workers="block")
    requests, errors = [], []
    try:
        page = context.new_page()
        page.on("request", lambda request: requests.append(request.url))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.route(book_browser.OUTSIDE_URL, lambda route: route.abort("blockedbyclient"))
        page.goto(url, wait_until="load", timeout=book_browser.PAGE_TIMEOUT_MS)
        yield page, requests, errors
    finally:
        context.close()


def living_figure(page, kind):
    """The page's one figure of ``kind``, scrolled into view and started; (locator, payload)."""
    roots = page.locator(f".cp-living[data-kind={kind}]")
    assert roots.count() == 1, f"expected one living figure of kind {kind}, found {roots.count()}"
    root = roots.first
    root.scroll_into_view_if_needed()
    page.wait_for_function("el => el.dataset.ready === 'true'", arg=root.element_handle(), timeout=20_000)
    return root, json.loads(root.locator("script.cp-data").text_content())


def figure_bytes(root):
    """The figure's own HTML, data and script (the theme's and MathJax's files are shared, not counted)."""
    return root.evaluate("el => new Blob([el.outerHTML]).size")


def canvas_pixels(root, selector):
    """The grey values a canvas shows, in [0, 1], one per image pixel."""
    values = root.locator(selector).evaluate(
        "c => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)"
        ".filter((_, i) => i % 4 === 0)"
    )
    return np.array(values, dtype="float64") / 255


def next_frame(page):
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


def plane_point(root, limit, z):
    box = root.locator(".cp-plane").bounding_box()
    return (box["x"] + (z[0] + limit) / (2 * limit) * box["width"],
            box["y"] + (limit - z[1]) / (2 * limit) * box["height"])


def drag(page, root, limit, path):
    """Press on the plane at the first code of ``path`` and drag through the others."""
    page.mouse.move(*plane_point(root, limit, path[0]))
    page.mouse.down()
    for z in path[1:]:
        page.mouse.move(*plane_point(root, limit, z), steps=4)
    page.mouse.up()
    next_frame(page)


def shown_code(root):
    return np.array([float(value) for value in root.get_attribute("data-z").split(",")])


def outside(urls):
    return [url for url in urls if not book_browser.is_local(url)]


# --- the checks, shared by the two tiers ------------------------------------------------------------


def check_pad(page, requests, root, payload, min_change=0.2):
    limit = payload["limit"]
    half_pixel = limit / root.locator(".cp-plane").bounding_box()["width"]  # the plane is 2 * limit wide
    loaded = len(requests)
    before = canvas_pixels(root, ".cp-image")
    path = [(-0.8 * limit, -0.8 * limit), (0, 0), (0.8 * limit, 0.8 * limit)]
    drag(page, root, limit, path)
    after = canvas_pixels(root, ".cp-image")
    np.testing.assert_allclose(shown_code(root), path[-1], atol=half_pixel)
    assert np.abs(after - before).max() > min_change, "dragging across the plane did not change the image"
    for check in payload["checks"]:
        drag(page, root, limit, [(0.5 * limit, -0.5 * limit), check["z"]])
        assert_draws_reference(root, payload, check)
    assert len(requests) == loaded, f"the figure requested files: {requests[loaded:]}"


def assert_draws_reference(root, payload, check):
    """The pad shows a code within half a pixel of the check's, and draws the decoder's image of it."""
    half_pixel = payload["limit"] / root.locator(".cp-plane").bounding_box()["width"]
    code = shown_code(root)
    np.testing.assert_allclose(code, check["z"], atol=half_pixel)
    drawn = canvas_pixels(root, ".cp-image")
    error = np.abs(drawn - b64_array(check["image"], "uint8") / 255).max()
    assert error <= REFERENCE_TOLERANCE, f"at z={check['z']} the page differs from predict by {error:.3f}"
    assert np.abs(drawn - forward(payload["layers"], code)).max() <= SAME_MODEL_TOLERANCE


def set_level(page, root, index, level):
    root.locator(f".cp-pick[data-index='{index}']").click()
    root.locator("input.cp-level").fill(str(level))
    next_frame(page)
    assert int(root.get_attribute("data-index")) == index
    assert float(root.get_attribute("data-level")) == pytest.approx(level)


def check_slider(page, requests, root, payload, min_change=0.1):
    loaded = len(requests)
    n = payload["image"][0] * payload["image"][1]
    clean = b64_array(payload["clean"], "uint8").reshape(-1, n) / 255
    noise = b64_array(payload["noise"], "int8").reshape(-1, n) * payload["noise_scale"]
    set_level(page, root, 0, 0.1)
    low = canvas_pixels(root, ".cp-denoised")
    set_level(page, root, 0, 0.9)
    assert np.abs(canvas_pixels(root, ".cp-denoised") - low).max() > min_change, "the slider did not change the output"
    for check in payload["checks"]:
        index, level = check["index"], check["level"]
        set_level(page, root, index, level)
        noisy = np.clip(clean[index] + level * noise[index], 0, 1)
        assert np.abs(canvas_pixels(root, ".cp-noisy") - noisy).max() <= 0.5 / 255 + 1e-6
        drawn = canvas_pixels(root, ".cp-denoised")
        reference = b64_array(check["image"], "uint8") / 255
        assert np.abs(drawn - reference).max() <= REFERENCE_TOLERANCE, (check, np.abs(drawn - reference).max())
        assert np.abs(drawn - forward(payload["layers"], noisy)).max() <= SAME_MODEL_TOLERANCE
        assert float(root.get_attribute("data-psnr-noisy")) == pytest.approx(check["psnr_noisy"], abs=0.01)
        # 0.02 on a few pixels moves the PSNR by a few hundredths of a dB
        assert float(root.get_attribute("data-psnr-denoised")) == pytest.approx(check["psnr_denoised"], abs=0.2)
    assert len(requests) == loaded, f"the figure requested files: {requests[loaded:]}"


def check_fits(page, root):
    fits = root.evaluate(
        "el => el.scrollWidth <= el.clientWidth + 1 && "
        "el.getBoundingClientRect().right <= document.documentElement.clientWidth + 1"
    )
    assert fits, "the figure is wider than the phone's page"


@pytest.fixture(scope="module")
def browser():
    with book_browser.launch_browser() as browser:
        yield browser


# --- the built book -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def book_url(book_html):
    with book_browser.serve(book_html) as base_url:
        yield base_url


def check_built_figure(browser, url, kind, check):
    """Open the built page, check the figure's size, run ``check`` on it; return the size in bytes."""
    with opened(browser, url) as (page, requests, errors):
        root, payload = living_figure(page, kind)
        size = figure_bytes(root)
        assert size < MAX_FIGURE_BYTES, f"the {kind} figure weighs {size:,} bytes"
        check(page, requests, root, payload)
        assert not outside(requests), outside(requests)
        assert not errors, errors
    print(f"{kind}: {size:,} bytes")
    return size


@pytest.mark.book
def test_the_chapter_9_pad_draws_the_decoder_where_the_reader_drags(browser, book_url):
    check_built_figure(browser, book_url + PAGES["pad"], "pad", check_pad)


@pytest.mark.book
def test_the_chapter_9_pad_follows_a_finger_on_a_phone(browser, book_url):
    with opened(browser, book_url + PAGES["pad"], width=390, touch=True) as (page, requests, errors):
        root, payload = living_figure(page, "pad")
        check_fits(page, root)
        for check in payload["checks"][:2]:
            page.touchscreen.tap(*plane_point(root, payload["limit"], check["z"]))
            next_frame(page)
            assert_draws_reference(root, payload, check)
        assert not outside(requests) and not errors, (outside(requests), errors)


@pytest.mark.book
def test_the_chapter_5_slider_draws_the_denoiser_at_each_level(browser, book_url):
    check_built_figure(browser, book_url + PAGES["denoise"], "denoise", check_slider)
    with opened(browser, book_url + PAGES["denoise"], width=390) as (page, _, _):
        check_fits(page, living_figure(page, "denoise")[0])


# --- a fixture page, without the book -------------------------------------------------------------------


@pytest.fixture(scope="module")
def fixture_page(tmp_path_factory):
    import companion as cp

    decoder = cp.build_vae((28, 28, 1), 2, kind="dense", hidden_sizes=(64, 32), seed=3).decoder
    rng = np.random.default_rng(0)
    codes, labels = rng.standard_normal((200, 2)).astype("float32"), rng.integers(0, 10, 200)
    denoiser = cp.build_denoising_autoencoder((784,), 8, hidden_sizes=(32,), seed=4)
    digits = rng.uniform(size=(3, 784)).astype("float32") * (rng.uniform(size=(3, 784)) > 0.7)
    figures = [cp.latent_pad(decoder, codes, labels), cp.denoising_slider(denoiser, digits, trained_level=0.3)]
    folder = tmp_path_factory.mktemp("living")
    body = "".join(figure.html for figure in figures)
    (folder / "index.html").write_text(
        f"<!doctype html><html><head><meta charset='utf-8'></head><body><main>{body}</main></body></html>",
        encoding="utf-8",
    )
    with book_browser.serve(folder) as base_url:
        yield base_url + "index.html"


@pytest.mark.browser
def test_on_a_fixture_page_the_figures_draw_what_their_models_compute(browser, fixture_page):
    with opened(browser, fixture_page) as (page, requests, errors):
        check_pad(page, requests, *living_figure(page, "pad"), min_change=0.005)
        check_slider(page, requests, *living_figure(page, "denoise"), min_change=0.005)
        assert not outside(requests), outside(requests)
        assert not errors, errors
