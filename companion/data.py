"""Data sets of the course: MNIST, Fashion-MNIST, an offline fallback, colour patches.

``load_mnist`` looks for the digits in this order:

1. the folder named by ``COMPANION_DATA`` (a Keras-format ``mnist.npz``);
2. Keras' own cache or download (``keras.datasets.mnist``), as on Colab;
3. scikit-learn's bundled 8x8 digits, upsampled to 28x28, with one warning.

A file that is found but is not a valid MNIST file raises
:class:`InvalidDataFileError` naming the file; it is never replaced silently.
Only a failed download (no network) leads to the fallback; any other error
is raised as it is.

What is loaded is checked by content: keys, shapes, dtypes and labels always,
and, for a full-size data set (60,000 training and 10,000 test images), the
SHA-256 of the test images' bytes and the number of test images per label,
against the known values for MNIST and Fashion-MNIST. So a Fashion-MNIST
file saved as ``mnist.npz`` is refused with a message that says so. Smaller
files, such as the tests' synthetic ones, are not full-size and skip that
identity check. Only the test split is compared: files of the same data set
may order the training images differently (the MNIST file in the course's
CI keeps the original labels' order, but not the order of images within a
digit), while the test images are the original ones in every copy.

``load_fashion_mnist`` looks in ``COMPANION_DATA`` (``fashion-mnist.npz``),
then in the idx files of Debian's ``dataset-fashion-mnist`` package, then in
Keras' cache or download; it has no fallback. The idx files are read and
checked like an ``.npz`` file.

A file is read and checked once per process: the splits of each file
(``COMPANION_DATA``'s ``.npz``, Debian's idx files) are kept in memory, keyed
on the file's resolved path, size, modification time (in nanoseconds) and
inode, so a second ``load_mnist`` costs a copy rather than a decompression and
a SHA-256, and a file that is replaced or rewritten is read and checked anew.
The loaders return copies of the kept arrays (fresh float32 arrays when
``scale=True``), so a notebook may change what it gets (``y[y == 9] = 0``)
without changing what the next call returns; read-only views would be as
safe but would break such code with an error about read-only memory.

``load_image_patches`` cuts colour patches from the two photographs that
scikit-learn ships, so it works offline.
"""

import gzip
import hashlib
import http.client
import os
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np

import keras

from companion import _checks

DATA_ENV_VAR = "COMPANION_DATA"
MNIST_FILE = "mnist.npz"
FASHION_MNIST_FILE = "fashion-mnist.npz"
IMAGE_SIDE = 28
_KEYS = ("x_train", "y_train", "x_test", "y_test")
_FALLBACK_TEST_SIZE = 297  # 1797 sklearn digits -> 1500 train, 297 test
PATCH_BAND_WIDTH = 128  # the photographs are split into vertical bands this wide

# Where Debian's package dataset-fashion-mnist puts the original idx files.
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
# An idx file starts with two zero bytes, a type code (8: unsigned bytes) and
# the number of dimensions, then one big-endian uint32 per dimension.
_IDX_UBYTE = 8

FULL_SIZE = (60_000, 10_000)  # training and test images of MNIST and Fashion-MNIST
# SHA-256 of the 10,000 test images as uint8 bytes in C order (the original
# t10k-images-idx3-ubyte without its 16-byte header), and test images per label.
KNOWN_TEST_SPLITS = {
    "MNIST": (
        "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
        (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009),
    ),
    "Fashion-MNIST": (
        "c867c93ff95360594e8ec3287995350b824dd110b11595c0e13d5423f621867a",
        (1000,) * 10,
    ),
}


class InvalidDataFileError(ValueError):
    """A data file exists but does not hold what the course expects."""


class DatasetUnavailableError(OSError):
    """A data set is neither in ``COMPANION_DATA`` nor downloadable."""


class FallbackDataWarning(UserWarning):
    """Real MNIST was not found; upsampled 8x8 digits are used instead."""


def load_mnist(n_train=None, n_test=None, *, flatten=False, scale=True):
    """Load MNIST digits as ``(x_train, y_train), (x_test, y_test)``.

    Used by every chapter. See the module docstring for the lookup order.

    Args:
        n_train: keep only the first ``n_train`` training images (None or more
            than there are: all).
        n_test: keep only the first ``n_test`` test images (None or more: all).
        flatten: return images as vectors of 784 values instead of 28x28.
        scale: return float32 in [0, 1] instead of uint8 in 0..255.

    Returns:
        Two ``(images, labels)`` tuples; labels are uint8 digits 0..9.

    Raises:
        InvalidDataFileError: if a data file is found but is not valid MNIST
            (Fashion-MNIST included).
        FileNotFoundError: if ``COMPANION_DATA`` names a folder that does not exist.
        ValueError, TypeError: if a subset size is not a positive integer, or
            ``flatten`` or ``scale`` is not True or False.
    """
    _check_options(n_train, n_test, flatten, scale)
    splits = _load_dataset("MNIST", MNIST_FILE, keras.datasets.mnist, fallback=_sklearn_digits)
    return _prepare(splits, n_train, n_test, flatten, scale)


def load_fashion_mnist(n_train=None, n_test=None, *, flatten=False, scale=True):
    """Load Fashion-MNIST (Xiao et al. 2017) with the contract of :func:`load_mnist`.

    Used by Chapter 11. Looks for ``fashion-mnist.npz`` (Keras layout) in
    ``COMPANION_DATA``, then for the idx files of Debian's
    ``dataset-fashion-mnist`` package (``/usr/share/datasets/fashion-mnist``), then in
    Keras' cache or download. There is no offline fallback.

    Raises:
        DatasetUnavailableError: if none of the three has it (offline, without
            the file or the package); the message names all three ways.
        InvalidDataFileError: if a data file is found but is not valid
            Fashion-MNIST.
        ValueError, TypeError: for bad options, as :func:`load_mnist`.
    """
    _check_options(n_train, n_test, flatten, scale)
    splits = _load_dataset(
        "Fashion-MNIST", FASHION_MNIST_FILE, keras.datasets.fashion_mnist, fallback=None,
        idx_folder=DEBIAN_FASHION_MNIST,
    )
    return _prepare(splits, n_train, n_test, flatten, scale)


def load_image_patches(patch_size=32, n_train=5000, n_test=1000, *, seed=0):
    """Cut square colour patches from scikit-learn's two sample photographs.

    The photographs (``china.jpg`` and ``flower.jpg``, 427x640 RGB, shipped with
    scikit-learn, so no download is needed) are split into vertical bands
    ``PATCH_BAND_WIDTH`` = 128 pixels wide. Training patches come from the even
    bands (0, 2, 4), test patches from the odd ones (1, 3): the two sets never
    share a pixel, yet both hold parts of the temple, the trees and the flower.
    Patch positions are drawn uniformly from one seeded generator. Chapter 8
    trains convolutional autoencoders on them.

    Args:
        patch_size: side of the square patches, from 1 to 128.
        n_train: number of training patches.
        n_test: number of test patches.
        seed: seed of the patch positions (a non-negative integer).

    Returns:
        ``(x_train, x_test)``: float32 arrays ``(n, patch_size, patch_size, 3)``
        with values in [0, 1].

    Raises:
        TypeError, ValueError: if a size is not a positive integer, if
            ``patch_size`` is larger than a band, or if ``seed`` is not a
            non-negative integer.
    """
    from sklearn.datasets import load_sample_images

    patch_size = _checks.positive_int("patch_size", patch_size)
    if patch_size > PATCH_BAND_WIDTH:
        raise ValueError(
            f"patch_size must be at most {PATCH_BAND_WIDTH}, the width of the bands that keep "
            f"training and test pixels apart. Received: patch_size={patch_size}"
        )
    n_train = _checks.positive_int("n_train", n_train)
    n_test = _checks.positive_int("n_test", n_test)
    seed = _checks.non_negative_int("seed", seed)
    photos = np.stack(load_sample_images().images)  # (2, 427, 640, 3) uint8
    rng = np.random.default_rng(seed)
    bands = photos.shape[2] // PATCH_BAND_WIDTH
    x_train = _cut_patches(photos, range(0, bands, 2), patch_size, n_train, rng)
    x_test = _cut_patches(photos, range(1, bands, 2), patch_size, n_test, rng)
    return x_train, x_test


def _cut_patches(photos, bands, patch_size, count, rng):
    """``count`` patches lying wholly inside one of ``bands``, of either photograph."""
    bands = np.asarray(bands)
    photo = rng.integers(len(photos), size=count)
    left = bands[rng.integers(len(bands), size=count)] * PATCH_BAND_WIDTH
    left = left + rng.integers(PATCH_BAND_WIDTH - patch_size + 1, size=count)
    top = rng.integers(photos.shape[1] - patch_size + 1, size=count)
    offsets = np.arange(patch_size)
    rows = (top[:, None] + offsets)[:, :, None]
    cols = (left[:, None] + offsets)[:, None, :]
    patches = photos[photo[:, None, None], rows, cols]  # (count, size, size, 3)
    return patches.astype("float32") / 255.0


def data_home():
    """Return the folder named by ``COMPANION_DATA``, or None when it is unset.

    Raises:
        FileNotFoundError: if the variable names a folder that does not exist.
    """
    value = os.environ.get(DATA_ENV_VAR, "").strip()
    if not value:
        return None
    folder = Path(value).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(
            f"{DATA_ENV_VAR} must name an existing folder holding {MNIST_FILE}. "
            f"Received: {DATA_ENV_VAR}={value!r}, which is not a folder."
        )
    return folder


def read_npz_dataset(path):
    """Read and validate a Keras-layout ``.npz`` file of 28x28 images.

    Args:
        path: the file, with arrays ``x_train, y_train, x_test, y_test``.

    Returns:
        ``((x_train, y_train), (x_test, y_test))`` as uint8 arrays.

    Raises:
        InvalidDataFileError: naming the file and what is wrong with it.
    """
    path = Path(path)
    try:
        with _open_npz(path) as archive:
            missing = [key for key in _KEYS if key not in archive.files]
            if missing:
                raise InvalidDataFileError(
                    f"{path} is missing the arrays {missing}. Expected the keys "
                    f"{list(_KEYS)}; found {sorted(archive.files)}."
                )
            arrays = {key: archive[key] for key in _KEYS}
    except InvalidDataFileError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise InvalidDataFileError(
            f"{path} is not a readable .npz file (truncated or corrupt?): {error}. "
            "Delete it and download it again."
        ) from error
    for split in ("train", "test"):
        _check_split(path, split, arrays[f"x_{split}"], arrays[f"y_{split}"])
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def read_idx_dataset(folder):
    """Read and validate the four idx files of an MNIST-layout data set.

    The files are the originals of MNIST and Fashion-MNIST, as Debian's
    ``dataset-fashion-mnist`` installs them: ``train-images-idx3-ubyte``,
    ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte`` and
    ``t10k-labels-idx1-ubyte``, each gzipped (``.gz``) or not.

    Args:
        folder: the folder that holds the four files.

    Returns:
        ``((x_train, y_train), (x_test, y_test))`` as uint8 arrays.

    Raises:
        InvalidDataFileError: naming the file that is missing, truncated, or
            not an idx file of unsigned bytes with the expected dimensions.
    """
    folder = Path(folder)
    arrays = {key: _read_idx(_idx_path(folder, stem), ndim=3 if key.startswith("x") else 1)
              for key, stem in IDX_FILES.items()}
    for split in ("train", "test"):
        _check_split(folder, split, arrays[f"x_{split}"], arrays[f"y_{split}"])
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _idx_path(folder, stem):
    """The gzipped or plain idx file ``stem`` in ``folder``."""
    for path in (folder / f"{stem}.gz", folder / stem):
        if path.is_file():
            return path
    raise InvalidDataFileError(
        f"{folder} has no {stem}.gz (or {stem}): an idx data set needs the four files "
        f"{', '.join(IDX_FILES.values())}."
    )


def _read_idx(path, ndim):
    """The array in one idx file, checked against its own header."""
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, zlib.error) as error:
        raise InvalidDataFileError(f"{path} cannot be read (truncated or corrupt?): {error}.") from error
    header = 4 + 4 * ndim
    if len(raw) < header or raw[:3] != bytes([0, 0, _IDX_UBYTE]) or raw[3] != ndim:
        raise InvalidDataFileError(
            f"{path} is not an idx file of unsigned bytes with {ndim} dimension(s): "
            f"it starts with {raw[:4].hex() or 'nothing'}, expected 0000080{ndim}."
        )
    shape = tuple(int(n) for n in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = header + int(np.prod(shape))
    if len(raw) != expected:
        raise InvalidDataFileError(
            f"{path} holds {len(raw):,} bytes, but its header announces shape {shape}, "
            f"that is {expected:,} bytes (truncated?)."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def _open_npz(path):
    """``np.load`` of an ``.npz`` archive; an ``.npy`` array under that name is an error."""
    loaded = np.load(path, allow_pickle=False)
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise InvalidDataFileError(
            f"{path} holds a single array of shape {loaded.shape} (a .npy file), not a .npz "
            f"archive of the arrays {list(_KEYS)}. Save one with "
            "np.savez(path, x_train=..., y_train=..., x_test=..., y_test=...)."
        )
    return loaded


_FILE_CACHE = {}  # (reader, stamps of the files) -> (splits, read-only, and the test split's fingerprint)


def _file_stamps(paths):
    """What tells a file's versions apart: resolved path, size, modification time (ns), inode."""
    stamps = []
    for path in paths:
        status = Path(path).stat()
        stamps.append((str(Path(path).resolve()), status.st_size, status.st_mtime_ns, status.st_ino))
    return tuple(stamps)


def _read_once(reader, source, files):
    """``reader(source)`` for these ``files``, read and validated once per version of the files.

    Returns:
        ``(splits, fingerprint)``: the splits as read-only arrays, and the
        fingerprint of their test split (see :func:`_fingerprint`), so that
        the identity check compares it with :data:`KNOWN_TEST_SPLITS` on every
        call without hashing the images again. A file that fails to read or
        validate is not kept: it raises again on the next call.
    """
    key = (reader.__name__, _file_stamps(files))
    if key not in _FILE_CACHE:
        splits = reader(source)
        for array in (array for split in splits for array in split):
            array.flags.writeable = False
        _FILE_CACHE[key] = (splits, _fingerprint(*splits[1]))
    return _FILE_CACHE[key]


def _fingerprint(x_test, y_test):
    """The SHA-256 of the test images' bytes and the number of test images per label."""
    digest = hashlib.sha256(np.ascontiguousarray(x_test, dtype=np.uint8).tobytes()).hexdigest()
    return digest, tuple(int(count) for count in np.bincount(y_test, minlength=10))


def _identify(x_test, y_test, fingerprint=None):
    """The name of the data set whose test split this is, by content, or None.

    Compares the SHA-256 of the images' bytes and the number of images per
    label with :data:`KNOWN_TEST_SPLITS` (MNIST and Fashion-MNIST).

    Args:
        x_test: the 10,000 test images, uint8 ``(10000, 28, 28)``.
        y_test: their labels 0..9.
        fingerprint: their :func:`_fingerprint`, if already known.

    Returns:
        ``"MNIST"``, ``"Fashion-MNIST"`` or None.
    """
    fingerprint = fingerprint or _fingerprint(x_test, y_test)
    for name, known in KNOWN_TEST_SPLITS.items():
        if fingerprint == known:
            return name
    return None


def _check_identity(path, expected, splits, fingerprint=None):
    """Raise unless a full-size data set is ``expected`` by content; smaller ones are not checked."""
    (x_train, _), (x_test, y_test) = splits
    if (len(x_train), len(x_test)) != FULL_SIZE:
        return
    found = _identify(x_test, y_test, fingerprint)
    if found == expected:
        return
    if found is None:
        reason = (f"its {len(x_test):,} test images or their labels differ from {expected}'s "
                  "(a damaged file, or another data set?)")
    else:
        reason = f"it looks like {found} (its test images are {found}'s)"
    raise InvalidDataFileError(f"{path} is not {expected}: {reason}. Replace it with a {expected} file.")


def _check_split(path, split, images, labels):
    problems = []
    if images.dtype != np.uint8:
        problems.append(f"x_{split} has dtype {images.dtype}, expected uint8")
    if images.ndim != 3 or images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        problems.append(f"x_{split} has shape {images.shape}, expected (n, 28, 28)")
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        problems.append(
            f"y_{split} has shape {labels.shape} and dtype {labels.dtype}, "
            "expected a 1-D integer array"
        )
    elif labels.size and (labels.min() < 0 or labels.max() > 9):
        problems.append(f"y_{split} holds labels outside 0..9")
    if images.ndim and labels.ndim and len(images) != len(labels):
        problems.append(f"x_{split} has {len(images)} images but y_{split} {len(labels)} labels")
    if problems:
        raise InvalidDataFileError(f"{path} is not a valid data file: " + "; ".join(problems) + ".")


def _load_dataset(name, filename, keras_module, fallback, idx_folder=None):
    """The splits of ``name`` from ``COMPANION_DATA``, ``idx_folder``, Keras, or ``fallback``."""
    folder = data_home()
    if folder is not None and (folder / filename).exists():
        splits, fingerprint = _read_once(read_npz_dataset, folder / filename, [folder / filename])
        _check_identity(folder / filename, name, splits, fingerprint)
        return splits
    if idx_folder is not None and idx_folder.is_dir():
        files = [_idx_path(idx_folder, stem) for stem in IDX_FILES.values()]
        splits, fingerprint = _read_once(read_idx_dataset, idx_folder, files)
        _check_identity(idx_folder, name, splits, fingerprint)
        return splits
    try:
        splits = keras_module.load_data()
    except Exception as error:
        if not _is_network_failure(error):
            raise
        if fallback is None:
            debian = (f" nor its idx files in {idx_folder} (Debian's package)"
                      if idx_folder is not None else "")
            raise DatasetUnavailableError(
                f"{name} is not here: there is no {filename} in {DATA_ENV_VAR} "
                f"({folder or 'unset'}){debian}, and the download failed ({error}). "
                f"Get it in one of these ways: put a Keras-format {filename} in a folder "
                f"and set {DATA_ENV_VAR} to it;"
                + (" on Debian or Ubuntu, `apt-get install dataset-fashion-mnist`;"
                   if idx_folder is not None else "")
                + " or connect to the internet, so that Keras downloads it."
            ) from error
        warnings.warn(
            f"Real {name} is not available ({DATA_ENV_VAR} is "
            f"{'unset' if folder is None else repr(str(folder)) + ' without ' + filename}, "
            "and the download failed), so the course uses scikit-learn's 8x8 digits "
            "upsampled to 28x28 (1,500 train, 297 test images). Numbers will differ from "
            f"the book. To use {name}, put a Keras-format {filename} in a folder and set "
            f"{DATA_ENV_VAR} to that folder, or connect to the internet.",
            FallbackDataWarning,
            stacklevel=3,
        )
        return fallback()
    source = f"Keras' {filename}"
    for split, (images, labels) in zip(("train", "test"), splits):
        _check_split(source, split, images, labels)
    _check_identity(source, name, splits)
    return splits


def _is_network_failure(error):
    """Whether a Keras download failed for lack of a network, rather than for a bug.

    Keras turns ``URLError`` and ``HTTPError`` into a bare
    ``Exception("URL fetch failure on ...")``; sockets raise ``OSError``
    (``URLError`` is one too) and a cut connection ``http.client.HTTPException``.
    """
    return isinstance(error, (OSError, http.client.HTTPException)) or str(error).startswith("URL fetch failure")


def _sklearn_digits():
    """scikit-learn's 8x8 digits upsampled to MNIST's layout (20x20 box in 28x28)."""
    from scipy.ndimage import zoom
    from sklearn.datasets import load_digits

    digits = load_digits()
    small = digits.images / 16.0  # values 0..16
    box = zoom(small, (1, 20 / 8, 20 / 8), order=1)
    margin = (IMAGE_SIDE - 20) // 2
    images = np.pad(box, ((0, 0), (margin, margin), (margin, margin)))
    images = np.clip(np.rint(images * 255), 0, 255).astype(np.uint8)
    labels = digits.target.astype(np.uint8)
    cut = len(images) - _FALLBACK_TEST_SIZE
    return (images[:cut], labels[:cut]), (images[cut:], labels[cut:])


def _check_options(n_train, n_test, flatten, scale):
    """Check the loaders' options before any file is read."""
    for name, value in (("n_train", n_train), ("n_test", n_test)):
        if value is not None:
            _checks.positive_int(name, value)
    _checks.boolean("flatten", flatten)
    _checks.boolean("scale", scale)


def _prepare(splits, n_train, n_test, flatten, scale):
    """The first ``n_train`` and ``n_test`` images (None: all), formatted: new arrays, never the kept ones."""
    (x_train, y_train), (x_test, y_test) = splits
    return (
        (_format(x_train[:n_train], flatten, scale), y_train[:n_train].copy()),
        (_format(x_test[:n_test], flatten, scale), y_test[:n_test].copy()),
    )


def _format(images, flatten, scale):
    if flatten:
        images = images.reshape(len(images), -1)
    return images.astype("float32") / 255.0 if scale else images.copy()


def add_gaussian_noise(images, level=0.3, *, seed=0):
    """Add Gaussian noise of standard deviation ``level`` and clip to [0, 1].

    Used from Chapter 5 on. The same seed gives the same noise.

    Args:
        images: float array with values in [0, 1] (any shape).
        level: standard deviation of the noise (>= 0).
        seed: seed of the noise.

    Returns:
        float32 array of the same shape, in [0, 1].

    Raises:
        TypeError: if ``level`` is not a number.
        ValueError: if ``level`` is negative or infinite, or the images are not
            numbers in [0, 1].
    """
    images = _checks.unit_images(images)
    level = _checks.non_negative_number("level", level)
    noise = np.random.default_rng(seed).normal(scale=level, size=images.shape)
    return np.clip(images + noise, 0.0, 1.0).astype("float32")


def mask_pixels(images, level=0.3, *, seed=0):
    """Masking noise: set each pixel to 0 with probability ``level``.

    The corruption of Vincent et al. (2008), used in Chapter 5.

    Args:
        images: float array with values in [0, 1].
        level: probability that a pixel is set to 0, in [0, 1].
        seed: seed of the noise.

    Returns:
        float32 array of the same shape.

    Raises:
        TypeError: if ``level`` is not a number.
        ValueError: if ``level`` is outside [0, 1] or the images are not
            numbers in [0, 1].
    """
    images = _checks.unit_images(images)
    level = _checks.fraction("level", level)
    keep = np.random.default_rng(seed).uniform(size=images.shape) >= level
    return (images * keep).astype("float32")


def add_salt_and_pepper(images, level=0.1, *, seed=0):
    """Salt-and-pepper noise: set a fraction ``level`` of pixels to 0 or 1, half each.

    Used in Chapter 5.

    Args:
        images: float array with values in [0, 1].
        level: probability that a pixel is replaced, in [0, 1].
        seed: seed of the noise.

    Returns:
        float32 array of the same shape.

    Raises:
        TypeError, ValueError: as :func:`mask_pixels`, for a ``level`` or images out of place.
    """
    images = _checks.unit_images(images)
    level = _checks.fraction("level", level)
    rng = np.random.default_rng(seed)
    hit = rng.uniform(size=images.shape) < level
    salt = rng.uniform(size=images.shape) < 0.5
    return np.where(hit, salt.astype("float32"), images).astype("float32")


def binarise(images, *, seed=0):
    """One random binarisation: each pixel becomes 1 with probability its grey level, else 0.

    The protocol of likelihoods on MNIST: a Bernoulli decoder gives a binary
    image a probability, so its log-likelihood is a real one, in nats, while
    the Bernoulli cross-entropy of grey levels is not. Chapters 9b and 11
    measure their VAEs on test images binarised once with it, and train them
    on images binarised afresh at every pass (:func:`~companion.train` with
    ``binarise=True``). The same seed gives the same draw.

    Args:
        images: float array with values in [0, 1] (any shape).
        seed: seed of the draw.

    Returns:
        float32 array of the same shape, of 0s and 1s.

    Raises:
        ValueError: if the images are not numbers in [0, 1].
    """
    images = _checks.unit_images(images)
    return (np.random.default_rng(seed).uniform(size=images.shape) < images).astype("float32")


NOISES = {"gaussian": add_gaussian_noise, "masking": mask_pixels, "salt_and_pepper": add_salt_and_pepper}


def corrupt(images, kind="gaussian", level=0.3, *, seed=0):
    """Corrupt images with the noise ``kind`` at ``level``: the NumPy twin of :class:`~companion.Corruption`.

    Chapter 5 corrupts test digits with it; the same ``kind`` and ``level`` as a
    denoising autoencoder's ``Corruption`` layer give the noise it was trained on.

    Args:
        images: float array with values in [0, 1].
        kind: ``"gaussian"``, ``"masking"`` or ``"salt_and_pepper"``.
        level: standard deviation (gaussian) or fraction of pixels (the others).
        seed: seed of the noise.

    Returns:
        float32 array of the same shape, in [0, 1].

    Raises:
        TypeError: if ``level`` is not a number.
        ValueError: for an unknown kind, a level out of range, or images that
            are not numbers in [0, 1].
    """
    _checks.one_of("kind", kind, tuple(NOISES))
    return NOISES[kind](images, level, seed=seed)
