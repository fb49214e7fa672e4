"""Shared fixtures: no test touches the network, and data files are tiny fakes."""

from pathlib import Path

import numpy as np
import pytest

import keras

import companion as cp  # noqa: F401  (imports Keras quietly first)


def _network_disabled():
    raise Exception("URL fetch failure: network access is disabled in the tests")


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Make every Keras download fail as it does offline."""
    monkeypatch.setattr(keras.datasets.mnist, "load_data", _network_disabled)
    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", _network_disabled)


@pytest.fixture
def fake_splits():
    """Valid MNIST-layout arrays: 12 train and 5 test images."""
    rng = np.random.default_rng(0)
    return {
        "x_train": rng.integers(0, 256, size=(12, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, size=12).astype(np.uint8),
        "x_test": rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, size=5).astype(np.uint8),
    }


@pytest.fixture(autouse=True)
def no_debian_fashion_mnist(monkeypatch):
    """Tests see no Debian Fashion-MNIST package, whether or not this machine has it."""
    from companion import data

    monkeypatch.setattr(data, "DEBIAN_FASHION_MNIST", Path(__file__).parent / "no-such-folder")


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """An empty folder named by COMPANION_DATA."""
    monkeypatch.setenv("COMPANION_DATA", str(tmp_path))
    return tmp_path


@pytest.fixture
def tiny_images():
    """Seeded float32 'images' in [0, 1] for one quick training step."""
    return np.random.default_rng(1).uniform(size=(16, 784)).astype("float32")


# --- checks of the built book (tests marked "book"), run after `jupyter-book build` ---


def pytest_addoption(parser):
    parser.addoption(
        "--book-html",
        metavar="DIR",
        default=None,
        help="check the book built in DIR (e.g. _build/html): runs the tests marked 'book', "
        "which are skipped without this option",
    )


def pytest_collection_modifyitems(config, items):
    for item in items:  # every notebook cell that nbval runs belongs to the slow tier
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)
    if config.getoption("--book-html"):
        return
    skip = pytest.mark.skip(reason="checks the built book: run `pytest -m book --book-html _build/html` after the build")
    for item in items:
        if item.get_closest_marker("book"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def book_html(request):
    """The built book named by --book-html; a missing book fails the test, it is not skipped."""
    folder = Path(request.config.getoption("--book-html")).resolve()
    if not (folder / "index.html").is_file():
        pytest.fail(f"--book-html {folder}: no built book there (index.html is missing). "
                    "Build it first: jupyter-book build . -W -n --keep-going", pytrace=False)
    return folder
