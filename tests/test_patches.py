"""load_image_patches: shapes, range, seeded determinism, disjoint splits, bad arguments."""

import numpy as np
import pytest
import sklearn.datasets

import companion as cp
from companion import data


class CodedPhotos:
    """Stand-ins for the photographs whose pixels spell out where they are."""

    def __init__(self, shape=(427, 640)):
        rows, cols = np.indices(shape)
        self.images = [
            np.stack([cols % 256, rows % 256, 64 * photo + 4 * (rows // 256) + cols // 256], axis=-1)
            .astype(np.uint8)
            for photo in (0, 1)
        ]

    @staticmethod
    def decode(patches):
        """(photo, row, col) of every pixel of a batch of patches."""
        values = np.rint(patches * 255).astype(int)
        photo, high = np.divmod(values[..., 2], 64)
        return photo, values[..., 1] + 256 * (high // 4), values[..., 0] + 256 * (high % 4)


@pytest.fixture
def coded(monkeypatch):
    photos = CodedPhotos()
    monkeypatch.setattr(sklearn.datasets, "load_sample_images", lambda: photos)
    return photos


def test_shapes_dtype_and_range():
    x_train, x_test = cp.load_image_patches(patch_size=16, n_train=40, n_test=12)
    assert x_train.shape == (40, 16, 16, 3) and x_test.shape == (12, 16, 16, 3)
    assert x_train.dtype == np.float32 and x_test.dtype == np.float32
    for x in (x_train, x_test):
        assert 0.0 <= x.min() and x.max() <= 1.0
        assert x.std() > 0.05  # pieces of photographs, not blank


def test_same_seed_same_patches_other_seed_other_patches():
    first = cp.load_image_patches(8, 30, 10, seed=5)
    again = cp.load_image_patches(8, 30, 10, seed=5)
    other = cp.load_image_patches(8, 30, 10, seed=6)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])


def test_patches_are_crops_from_one_band_of_the_right_parity(coded):
    size, band = 24, data.PATCH_BAND_WIDTH
    x_train, x_test = cp.load_image_patches(size, n_train=50, n_test=50, seed=3)
    for split, parity in ((x_train, 0), (x_test, 1)):
        photo, rows, cols = coded.decode(split)
        assert np.all(photo == photo[:, :1, :1])
        steps = np.arange(size)
        np.testing.assert_array_equal(rows, rows[:, :1, :1] + steps[None, :, None] + 0 * cols)
        np.testing.assert_array_equal(cols, cols[:, :1, :1] + steps[None, None, :] + 0 * rows)
        assert np.all(cols[:, 0, 0] // band == cols[:, 0, -1] // band), "a patch lies inside one band"
        assert np.all(cols[:, 0, 0] // band % 2 == parity)


def test_training_and_test_patches_never_share_a_pixel(coded):
    x_train, x_test = cp.load_image_patches(16, n_train=300, n_test=300, seed=1)
    pixels = [set(zip(*(part.ravel() for part in coded.decode(split)))) for split in (x_train, x_test)]
    assert pixels[0] and pixels[1] and not pixels[0] & pixels[1]


def test_both_photographs_and_every_band_are_used(coded):
    x_train, x_test = cp.load_image_patches(8, n_train=100, n_test=100, seed=0)
    for split, bands in ((x_train, {0, 2, 4}), (x_test, {1, 3})):
        photo, _, cols = coded.decode(split)
        # a given (photo, band) is missed by 100 draws with probability < (5/6)**100
        used = set(zip(photo[:, 0, 0], cols[:, 0, 0] // data.PATCH_BAND_WIDTH))
        assert used == {(p, b) for p in (0, 1) for b in bands}


def test_largest_patch_fits_a_band():
    x_train, x_test = cp.load_image_patches(data.PATCH_BAND_WIDTH, n_train=2, n_test=2)
    assert x_train.shape[1:] == (128, 128, 3)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"patch_size": 0}, ValueError, "patch_size=0"),
        ({"patch_size": 129}, ValueError, "patch_size must be at most 128.*Received: patch_size=129"),
        ({"patch_size": 32.0}, TypeError, "patch_size=32.0"),
        ({"n_train": -1}, ValueError, "n_train=-1"),
        ({"n_test": "10"}, TypeError, "n_test='10'"),
        ({"seed": -2}, ValueError, "seed=-2"),
        ({"seed": 1.5}, TypeError, "seed=1.5"),
        ({"seed": None}, TypeError, "seed=None"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        cp.load_image_patches(**kwargs)
