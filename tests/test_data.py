"""companion.data: lookup order, validation of files, fallback and options."""

import hashlib
import http.client
import os
import urllib.error
import warnings
from pathlib import Path

import numpy as np
import pytest

import keras

import companion as cp
from companion import data


def write_npz(folder, splits, name="mnist.npz"):
    np.savez(folder / name, **splits)
    return folder / name


def test_valid_file_in_companion_data(data_dir, fake_splits):
    write_npz(data_dir, fake_splits)
    (x_train, y_train), (x_test, y_test) = cp.load_mnist(scale=False)
    np.testing.assert_array_equal(x_train, fake_splits["x_train"])
    np.testing.assert_array_equal(y_test, fake_splits["y_test"])
    assert x_train.dtype == np.uint8


def test_scaling_flattening_and_subsets(data_dir, fake_splits):
    write_npz(data_dir, fake_splits)
    (x_train, y_train), (x_test, _) = cp.load_mnist(n_train=4, n_test=2, flatten=True)
    assert x_train.shape == (4, 784) and x_test.shape == (2, 784)
    assert x_train.dtype == np.float32
    np.testing.assert_allclose(x_train[0], fake_splits["x_train"][0].ravel() / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(y_train, fake_splits["y_train"][:4])


def test_subset_larger_than_data_keeps_everything(data_dir, fake_splits):
    write_npz(data_dir, fake_splits)
    (x_train, _), _ = cp.load_mnist(n_train=1000)
    assert len(x_train) == 12


@pytest.mark.parametrize(
    "value, error, message",
    [(0, ValueError, "n_train=0"), (-3, ValueError, "n_train=-3"), (2.5, TypeError, "n_train=2.5"),
     (True, TypeError, "n_train=True")],
)
def test_bad_subset_size(data_dir, fake_splits, value, error, message):
    write_npz(data_dir, fake_splits)
    with pytest.raises(error, match=message):
        cp.load_mnist(n_train=value)


def test_missing_folder_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("COMPANION_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="COMPANION_DATA must name an existing folder"):
        cp.load_mnist()


def test_offline_fallback_warns_once(monkeypatch):
    monkeypatch.delenv("COMPANION_DATA", raising=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (x_train, y_train), (x_test, y_test) = cp.load_mnist()
    fallback = [w for w in caught if issubclass(w.category, cp.FallbackDataWarning)]
    assert len(caught) == 1 and len(fallback) == 1
    assert "COMPANION_DATA" in str(fallback[0].message)
    assert x_train.shape == (1500, 28, 28) and x_test.shape == (297, 28, 28)
    assert 0.0 <= x_train.min() and x_train.max() <= 1.0
    assert set(np.unique(y_train)) == set(range(10))
    # MNIST's layout: a digit in the centre, empty borders
    assert x_train[:, :4, :].max() == 0 and x_train[:, 4:24, 4:24].mean() > 0.1


def test_missing_file_in_folder_falls_back(data_dir):
    with pytest.warns(cp.FallbackDataWarning, match="without mnist.npz"):
        (x_train, _), _ = cp.load_mnist(n_train=10)
    assert x_train.shape == (10, 28, 28)


def test_keras_download_is_used_when_no_folder(monkeypatch, fake_splits):
    monkeypatch.delenv("COMPANION_DATA", raising=False)
    splits = ((fake_splits["x_train"], fake_splits["y_train"]), (fake_splits["x_test"], fake_splits["y_test"]))
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: splits)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (x_train, _), _ = cp.load_mnist(scale=False)
    np.testing.assert_array_equal(x_train, fake_splits["x_train"])


def test_invalid_keras_data_is_reported(monkeypatch, fake_splits):
    monkeypatch.delenv("COMPANION_DATA", raising=False)
    bad = ((fake_splits["x_train"][:, :20], fake_splits["y_train"]), (fake_splits["x_test"], fake_splits["y_test"]))
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: bad)
    with pytest.raises(cp.InvalidDataFileError, match=r"Keras' mnist.npz .*x_train has shape \(12, 20, 28\)"):
        cp.load_mnist()


@pytest.mark.parametrize(
    "corrupt, message",
    [
        (lambda s: s.pop("y_test"), r"missing the arrays \['y_test'\]"),
        (lambda s: s.update(x_train=s["x_train"].astype("float32")), "x_train has dtype float32, expected uint8"),
        (lambda s: s.update(x_test=s["x_test"][:, :14, :]), r"x_test has shape \(5, 14, 28\)"),
        (lambda s: s.update(y_train=s["y_train"][:7]), "x_train has 12 images but y_train 7 labels"),
        (lambda s: s.update(y_test=s["y_test"].astype("int64") + 10), "y_test holds labels outside 0..9"),
        (lambda s: s.update(y_train=s["y_train"].astype("float32")), "expected a 1-D integer array"),
    ],
    ids=["missing-key", "wrong-dtype", "wrong-shape", "length-mismatch", "bad-labels", "float-labels"],
)
def test_invalid_file_names_file_and_problem(data_dir, fake_splits, corrupt, message):
    corrupt(fake_splits)
    path = write_npz(data_dir, fake_splits)
    with pytest.raises(cp.InvalidDataFileError, match=message) as raised:
        cp.load_mnist()
    assert str(path) in str(raised.value)


@pytest.mark.parametrize("keep", [0.5, 0.1], ids=["half", "tenth"])
def test_truncated_file_is_an_error_not_a_fallback(data_dir, fake_splits, keep):
    path = write_npz(data_dir, fake_splits)
    content = path.read_bytes()
    path.write_bytes(content[: int(len(content) * keep)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the fallback's warning would fail the test
        with pytest.raises(cp.InvalidDataFileError, match="truncated or corrupt") as raised:
            cp.load_mnist()
    assert str(path) in str(raised.value)


def test_file_that_is_not_an_npz(data_dir):
    (data_dir / "mnist.npz").write_text("this is not a zip archive")
    with pytest.raises(cp.InvalidDataFileError, match="not a readable .npz"):
        cp.load_mnist()


def test_fashion_mnist_from_folder(data_dir, fake_splits):
    write_npz(data_dir, fake_splits, name="fashion-mnist.npz")
    (x_train, _), (x_test, _) = cp.load_fashion_mnist(flatten=True)
    assert x_train.shape == (12, 784) and x_test.shape == (5, 784)


def test_fashion_mnist_offline_has_no_fallback(monkeypatch):
    monkeypatch.delenv("COMPANION_DATA", raising=False)
    with pytest.raises(cp.DatasetUnavailableError, match="fashion-mnist.npz.*COMPANION_DATA"):
        cp.load_fashion_mnist()


def test_read_npz_dataset_is_public_and_validates(tmp_path, fake_splits):
    path = write_npz(tmp_path, fake_splits, name="custom.npz")
    (x_train, _), _ = data.read_npz_dataset(path)
    assert x_train.shape == (12, 28, 28)


@pytest.mark.parametrize("option", ["flatten", "scale"])
@pytest.mark.parametrize("value", ["no", 1, None])
def test_flatten_and_scale_must_be_booleans(data_dir, fake_splits, option, value):
    write_npz(data_dir, fake_splits)
    with pytest.raises(TypeError, match=rf"{option} must be True or False. Received: {option}={value!r}"):
        cp.load_mnist(**{option: value})
    with pytest.raises(TypeError, match=rf"{option}={value!r}"):
        cp.load_fashion_mnist(**{option: value})


def test_a_npy_file_named_like_the_npz_is_named_in_the_error(data_dir, fake_splits):
    path = data_dir / "mnist.npz"
    with open(path, "wb") as file:  # np.save(path) would add ".npy" to the name
        np.save(file, fake_splits["x_train"])
    with pytest.raises(cp.InvalidDataFileError, match=r"single array of shape \(12, 28, 28\) \(a .npy file\)") as raised:
        cp.load_mnist()
    assert str(path) in str(raised.value)


def test_zero_dimensional_arrays_are_named_in_the_error(data_dir, fake_splits):
    fake_splits.update(x_train=np.uint8(3), y_test=np.uint8(1))
    path = write_npz(data_dir, fake_splits)
    with pytest.raises(cp.InvalidDataFileError, match=r"x_train has shape \(\), expected \(n, 28, 28\)") as raised:
        cp.load_mnist()
    assert str(path) in str(raised.value)


# --- which data set a file holds, by content ---


@pytest.fixture
def full_size_is_the_fake_size(monkeypatch, fake_splits):
    """Make the fake splits count as full-size, and their test split as Fashion-MNIST's."""
    monkeypatch.setattr(data, "FULL_SIZE", (12, 5))
    counts = tuple(int(c) for c in np.bincount(fake_splits["y_test"], minlength=10))
    digest = hashlib.sha256(fake_splits["x_test"].tobytes()).hexdigest()
    monkeypatch.setitem(data.KNOWN_TEST_SPLITS, "Fashion-MNIST", (digest, counts))


def test_fashion_mnist_saved_as_mnist_is_refused(data_dir, fake_splits, full_size_is_the_fake_size):
    path = write_npz(data_dir, fake_splits)
    with pytest.raises(cp.InvalidDataFileError, match="is not MNIST: it looks like Fashion-MNIST") as raised:
        cp.load_mnist()
    assert str(path) in str(raised.value)
    write_npz(data_dir, fake_splits, name="fashion-mnist.npz")
    assert cp.load_fashion_mnist(n_test=2)[1][0].shape == (2, 28, 28)


def test_a_full_size_file_of_unknown_content_is_refused(data_dir, fake_splits, full_size_is_the_fake_size):
    fake_splits["x_test"][0, 0, 0] ^= 1  # one pixel off
    write_npz(data_dir, fake_splits, name="fashion-mnist.npz")
    with pytest.raises(cp.InvalidDataFileError, match="is not Fashion-MNIST: its 5 test images or their labels differ"):
        cp.load_fashion_mnist()


def test_keras_data_is_checked_by_content_too(monkeypatch, fake_splits, full_size_is_the_fake_size):
    monkeypatch.delenv("COMPANION_DATA", raising=False)
    splits = ((fake_splits["x_train"], fake_splits["y_train"]), (fake_splits["x_test"], fake_splits["y_test"]))
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: splits)
    with pytest.raises(cp.InvalidDataFileError, match="Keras' mnist.npz is not MNIST: it looks like Fashion-MNIST"):
        cp.load_mnist()


def test_small_files_skip_the_identity_check(data_dir, fake_splits, monkeypatch):
    monkeypatch.setitem(data.KNOWN_TEST_SPLITS, "MNIST", ("not this digest", (0,) * 10))
    write_npz(data_dir, fake_splits)
    assert len(cp.load_mnist()[0][0]) == 12  # 12 images are not full-size: no comparison


SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.mark.skipif(not (SHARED_DATA / "fashion-mnist.npz").exists(), reason="needs ../shared/data (the CI's data)")
def test_the_real_files_are_told_apart(monkeypatch, tmp_path):
    monkeypatch.setenv("COMPANION_DATA", str(SHARED_DATA))
    assert len(cp.load_mnist(scale=False)[1][0]) == 10_000
    assert len(cp.load_fashion_mnist(scale=False)[1][0]) == 10_000
    (tmp_path / "mnist.npz").symlink_to(SHARED_DATA / "fashion-mnist.npz")
    monkeypatch.setenv("COMPANION_DATA", str(tmp_path))
    with pytest.raises(cp.InvalidDataFileError, match=r"mnist.npz is not MNIST: it looks like Fashion-MNIST"):
        cp.load_mnist()


# --- only a network failure leads to the fallback ---


def raising(error):
    """A stand-in for ``load_data`` that fails with ``error``."""
    def load_data():
        raise error
    return load_data


@pytest.mark.parametrize("error", [
    Exception("URL fetch failure on https://storage.googleapis.com/mnist.npz: None -- [Errno -3] Temporary failure"),
    urllib.error.URLError("[Errno -2] Name or service not known"),
    ConnectionResetError(104, "Connection reset by peer"),
    http.client.IncompleteRead(b""),
], ids=["keras-url-fetch", "url-error", "connection-reset", "incomplete-read"])
def test_network_failures_lead_to_the_fallback(monkeypatch, error):
    monkeypatch.delenv("COMPANION_DATA", raising=False)
    monkeypatch.setattr(keras.datasets.mnist, "load_data", raising(error))
    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", raising(error))
    with pytest.warns(cp.FallbackDataWarning):
        assert len(cp.load_mnist()[0][0]) == 1500
    with pytest.raises(cp.DatasetUnavailableError):
        cp.load_fashion_mnist()


@pytest.mark.parametrize("error", [
    RuntimeError("a bug in the loader"),
    ValueError("Incomplete or corrupted file detected. The sha256 file hash does not match"),
    Exception("something else went wrong"),
], ids=["bug", "bad-hash", "other-exception"])
def test_other_failures_are_raised_not_hidden_by_the_fallback(monkeypatch, error):
    monkeypatch.delenv("COMPANION_DATA", raising=False)
    monkeypatch.setattr(keras.datasets.mnist, "load_data", raising(error))
    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", raising(error))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the fallback's warning would fail the test
        with pytest.raises(type(error), match=str(error)[:20]):
            cp.load_mnist()
        with pytest.raises(type(error), match=str(error)[:20]):
            cp.load_fashion_mnist()


# --- Fashion-MNIST from the idx files of Debian's dataset-fashion-mnist ---


def write_idx(folder, splits, *, gzipped=True):
    """The four idx files of ``splits`` in ``folder``, as Debian installs them."""
    import gzip

    folder.mkdir(parents=True, exist_ok=True)
    for key, stem in data.IDX_FILES.items():
        array = np.ascontiguousarray(splits[key], dtype=np.uint8)
        header = bytes([0, 0, 8, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
        content = header + array.tobytes()
        if gzipped:
            (folder / f"{stem}.gz").write_bytes(gzip.compress(content))
        else:
            (folder / stem).write_bytes(content)
    return folder


@pytest.fixture
def debian_folder(tmp_path, monkeypatch):
    """Where the Debian package's files are looked for; COMPANION_DATA unset."""
    monkeypatch.delenv("COMPANION_DATA", raising=False)
    folder = tmp_path / "usr-share-datasets-fashion-mnist"
    monkeypatch.setattr(data, "DEBIAN_FASHION_MNIST", folder)
    return folder


@pytest.mark.parametrize("gzipped", [True, False], ids=["gz", "plain"])
def test_fashion_mnist_from_debian_idx_files(debian_folder, fake_splits, gzipped):
    write_idx(debian_folder, fake_splits, gzipped=gzipped)
    (x_train, y_train), (x_test, y_test) = cp.load_fashion_mnist(scale=False)
    for key, array in {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}.items():
        np.testing.assert_array_equal(array, fake_splits[key])


def test_companion_data_comes_before_the_debian_files(debian_folder, fake_splits, tmp_path, monkeypatch):
    write_idx(debian_folder, fake_splits)
    other = {key: (255 - value if key.startswith("x") else value) for key, value in fake_splits.items()}
    monkeypatch.setenv("COMPANION_DATA", str(tmp_path))
    write_npz(tmp_path, other, name="fashion-mnist.npz")
    np.testing.assert_array_equal(cp.load_fashion_mnist(scale=False)[0][0], other["x_train"])


def test_the_debian_files_come_before_keras(debian_folder, fake_splits, monkeypatch):
    write_idx(debian_folder, fake_splits)
    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", raising(RuntimeError("Keras was asked")))
    assert len(cp.load_fashion_mnist()[0][0]) == 12


def test_offline_without_any_source_names_the_three_ways(debian_folder):
    with pytest.raises(cp.DatasetUnavailableError) as raised:
        cp.load_fashion_mnist()
    message = str(raised.value)
    assert "COMPANION_DATA" in message and "apt-get install dataset-fashion-mnist" in message
    assert "connect to the internet" in message and str(debian_folder) in message


def test_debian_files_must_be_fashion_mnist(debian_folder, fake_splits, monkeypatch):
    monkeypatch.setattr(data, "FULL_SIZE", (12, 5))  # the fakes count as full-size, and as MNIST
    counts = tuple(int(c) for c in np.bincount(fake_splits["y_test"], minlength=10))
    digest = hashlib.sha256(fake_splits["x_test"].tobytes()).hexdigest()
    monkeypatch.setitem(data.KNOWN_TEST_SPLITS, "MNIST", (digest, counts))
    write_idx(debian_folder, fake_splits)
    with pytest.raises(cp.InvalidDataFileError, match="is not Fashion-MNIST: it looks like MNIST"):
        cp.load_fashion_mnist()


def corrupt_idx(folder, stem, change):
    """Rewrite one of the idx files with ``change`` applied to its decompressed bytes."""
    import gzip

    path = folder / f"{stem}.gz"
    path.write_bytes(gzip.compress(change(gzip.decompress(path.read_bytes()))))


@pytest.mark.parametrize("change, message", [
    (lambda raw: raw[:-7], "holds .* bytes, but its header announces shape"),
    (lambda raw: bytes([0, 0, 9]) + raw[3:], "not an idx file of unsigned bytes with 3 dimension"),
    (lambda raw: b"", "starts with nothing"),
], ids=["truncated", "wrong-type", "empty"])
def test_damaged_idx_files_are_named(debian_folder, fake_splits, change, message):
    write_idx(debian_folder, fake_splits)
    corrupt_idx(debian_folder, "t10k-images-idx3-ubyte", change)
    with pytest.raises(cp.InvalidDataFileError, match=message) as raised:
        cp.load_fashion_mnist()
    assert "t10k-images-idx3-ubyte.gz" in str(raised.value)


def test_missing_or_unreadable_idx_file_is_named(debian_folder, fake_splits):
    write_idx(debian_folder, fake_splits)
    (debian_folder / "train-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(cp.InvalidDataFileError, match="has no train-labels-idx1-ubyte.gz"):
        cp.load_fashion_mnist()
    (debian_folder / "train-labels-idx1-ubyte.gz").write_bytes(b"not gzip at all")
    with pytest.raises(cp.InvalidDataFileError, match="train-labels-idx1-ubyte.gz cannot be read"):
        cp.load_fashion_mnist()


def test_idx_labels_that_do_not_match_the_images_are_refused(debian_folder, fake_splits):
    write_idx(debian_folder, {**fake_splits, "y_test": fake_splits["y_test"][:3]})
    with pytest.raises(cp.InvalidDataFileError, match="x_test has 5 images but y_test 3 labels"):
        cp.load_fashion_mnist()


INSTALLED_PACKAGE = data.DEBIAN_FASHION_MNIST  # read at import, before the fixtures hide it


@pytest.mark.skipif(not INSTALLED_PACKAGE.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_the_installed_debian_package_is_fashion_mnist(monkeypatch):
    monkeypatch.delenv("COMPANION_DATA", raising=False)
    monkeypatch.setattr(data, "DEBIAN_FASHION_MNIST", INSTALLED_PACKAGE)
    (x_train, _), (x_test, y_test) = cp.load_fashion_mnist(scale=False)
    assert (len(x_train), len(x_test)) == data.FULL_SIZE and data._identify(x_test, y_test) == "Fashion-MNIST"


# --- each file is read and checked once per process ---


@pytest.fixture
def count_reads(monkeypatch):
    """How many times each file is read: counts calls of the npz and idx readers."""
    reads = []
    for name in ("read_npz_dataset", "read_idx_dataset"):
        original = getattr(data, name)

        def counted(source, original=original):
            reads.append(Path(source))
            return original(source)

        counted.__name__ = original.__name__  # the cache is keyed on the reader's name
        monkeypatch.setattr(data, name, counted)
    return reads


def test_a_second_load_does_not_read_the_file_again(data_dir, fake_splits, count_reads):
    write_npz(data_dir, fake_splits)
    first = cp.load_mnist(scale=False)
    second = cp.load_mnist(scale=False, n_train=3)
    assert len(count_reads) == 1
    np.testing.assert_array_equal(second[0][0], first[0][0][:3])


def test_a_replaced_file_is_read_and_checked_again(data_dir, fake_splits, count_reads):
    path = write_npz(data_dir, fake_splits)
    assert cp.load_mnist(scale=False)[0][1][0] == fake_splits["y_train"][0]
    fake_splits["y_train"] = (fake_splits["y_train"] + 1) % 10  # same size, other content
    write_npz(data_dir, fake_splits)
    stamp = path.stat()
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1_000_000))  # a clock coarser than the writes
    np.testing.assert_array_equal(cp.load_mnist(scale=False)[0][1], fake_splits["y_train"])
    assert len(count_reads) == 2
    fake_splits["y_test"][0] = 12  # a broken file replaces a good one: the error comes, not the old arrays
    write_npz(data_dir, fake_splits)
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 2_000_000))
    with pytest.raises(cp.InvalidDataFileError, match="labels outside 0..9"):
        cp.load_mnist()


def test_each_test_file_is_its_own(tmp_path, monkeypatch, fake_splits, count_reads):
    for index in range(2):  # two folders, as two tests' tmp_path
        folder = tmp_path / f"run{index}"
        folder.mkdir()
        fake_splits["y_test"][:] = index
        write_npz(folder, fake_splits)
        monkeypatch.setenv("COMPANION_DATA", str(folder))
        assert set(cp.load_mnist()[1][1]) == {index}
    assert len(count_reads) == 2


def test_callers_cannot_change_what_the_next_caller_gets(data_dir, fake_splits):
    write_npz(data_dir, fake_splits)
    for options in ({"scale": False}, {"scale": False, "flatten": True}, {"scale": True}):
        (x_train, y_train), (x_test, y_test) = cp.load_mnist(**options)
        for array in (x_train, y_train, x_test, y_test):
            assert array.flags.writeable
            array[...] = 0  # a learner's in-place change
    (x_train, y_train), (x_test, y_test) = cp.load_mnist(scale=False)
    np.testing.assert_array_equal(x_train, fake_splits["x_train"])
    np.testing.assert_array_equal(y_test, fake_splits["y_test"])


def test_the_identity_check_runs_on_every_load(data_dir, fake_splits, count_reads, monkeypatch):
    write_npz(data_dir, fake_splits)
    assert len(cp.load_mnist()[0][0]) == 12
    monkeypatch.setattr(data, "FULL_SIZE", (12, 5))  # now the same file counts as full-size and unknown
    with pytest.raises(cp.InvalidDataFileError, match="is not MNIST"):
        cp.load_mnist()
    assert len(count_reads) == 1  # checked again from the kept fingerprint, without reading the file


def test_debian_idx_files_are_read_once(debian_folder, fake_splits, count_reads):
    write_idx(debian_folder, fake_splits, gzipped=True)
    cp.load_fashion_mnist()
    cp.load_fashion_mnist(n_test=2)
    assert count_reads == [debian_folder]
