"""Shared fixtures: no test touches the network, and data files are tiny fakes."""

from pathlib import Path

import numpy as np
import pytest

import keras

import companion as cp  # noqa: F401  (imports Keras quietly first)

pytest_plugins = ["exercise_fixtures"]

if keras.backend.backend() == "torch":
    import torch

    # The tests run tiny models, two pytest workers to a machine of a few cores (scripts/test_torch.sh).
    # PyTorch's intra-op threads (one per core by default) then wait for each other at every small op,
    # the more so on a busy machine: Chapter 8's decoder check took 20 to 70 s with them, 4 to 7 s
    # with one thread per process. TensorFlow and JAX run compiled graphs and do not suffer so.
    torch.set_num_threads(1)


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


# --- the backend tiers: every test runs on JAX and PyTorch too, unless it is marked backend_free ---


class _BackendTouched(Exception):
    """A test marked backend_free called a Keras layer or converted a tensor."""


def _refuse_backend(*args, **kwargs):
    raise _BackendTouched(
        "this test is marked backend_free but runs Keras (a layer, a model or keras.ops.convert_to_tensor): "
        "remove the mark, so that the JAX and PyTorch tiers run it too")


@pytest.fixture(autouse=True)
def backend_free_tests_touch_no_backend(request, monkeypatch):
    """A test marked backend_free runs once, on TensorFlow only: make sure it really needs no backend.

    The tiers on JAX and PyTorch deselect ``-m backend_free``; a test that is
    new or unmarked runs on every backend. This guard fails a marked test that
    calls a Keras layer or model or converts a tensor, so that a test that
    touches the backend cannot silently skip those tiers.
    """
    if request.node.get_closest_marker("backend_free"):
        monkeypatch.setattr(keras.layers.Layer, "__call__", _refuse_backend)
        monkeypatch.setattr(keras.ops, "convert_to_tensor", _refuse_backend)


# --- checks of the built book (tests marked "book"), run after `jupyter-book build` ---


def pytest_addoption(parser):
    parser.addoption(
        "--book-html",
        metavar="DIR",
        default=None,
        help="check the book built in DIR (e.g. _build/html): runs the tests marked 'book', "
        "which are skipped without this option",
    )


# Test files that touch no Keras backend: they run once, on TensorFlow (see backend_free_tests_touch_no_backend),
# except their tests whose id names one of the given parts (e.g. a checker that builds a model for its check).
BACKEND_FREE_FILES = {
    "test_api_page.py": (), "test_benchmarks.py": (), "test_checked_outputs.py": (),
    "test_checkers_never_raise.py": ("check_phase_two",),  # it builds the stack that the learner's function gets
    "test_colab_notebooks.py": (), "test_data.py": (),
    "test_exercises_ch14.py": (), "test_notebooks.py": (), "test_patches.py": (), "test_settings.py": (),
    "test_workflow.py": (),
}


def _backend_free(item):
    exceptions = BACKEND_FREE_FILES.get(item.path.name)
    return exceptions is not None and not any(part in item.name for part in exceptions)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _backend_free(item):
            item.add_marker(pytest.mark.backend_free)
    for item in items:  # a notebook run under nbval (by hand: pytest --nbval-lax notebooks/NN_x.ipynb) is slow
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
