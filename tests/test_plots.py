"""companion.plots: figures for any image shape, and clear errors."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import companion as cp  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def shown_images(fig):
    return [ax.images[0].get_array() for ax in fig.axes if ax.images]


def test_reconstructions_rows_and_labels():
    originals = np.random.default_rng(0).uniform(size=(12, 36))  # 6x6 images, flat
    fig = cp.plot_reconstructions(originals, {"A": originals * 0.5, "B": originals}, n=5)
    assert len(fig.axes) == 15
    assert [fig.axes[i].get_ylabel() for i in (0, 5, 10)] == ["original", "A", "B"]
    assert shown_images(fig)[0].shape == (6, 6)
    np.testing.assert_allclose(shown_images(fig)[5], originals[0].reshape(6, 6) * 0.5)


def test_reconstructions_shape_mismatch():
    with pytest.raises(ValueError, match=r"'model' must have the shape of the originals"):
        cp.plot_reconstructions(np.zeros((3, 16)), {"model": np.zeros((3, 9))})


def test_images_with_explicit_non_square_shape():
    fig = cp.plot_images(np.zeros((4, 12)), image_shape=(3, 4), ncols=2, titles="abcd")
    assert [img.shape for img in shown_images(fig)] == [(3, 4)] * 4
    assert fig.axes[3].get_title() == "d"


def test_colour_images_are_shown_in_colour():
    fig = cp.plot_images(np.full((2, 5, 5, 3), 0.5))
    assert shown_images(fig)[0].shape == (5, 5, 3)


@pytest.mark.parametrize("empty", [np.zeros((0, 784)), np.zeros((0, 28, 28)), np.float32(0.5)])
def test_an_empty_batch_is_explained(empty):
    with pytest.raises(ValueError, match=r"Expected a batch of at least one image. Received: shape"):
        cp.plot_images(empty)


def test_tensors_of_the_backend_are_shown():
    import keras

    fig = cp.plot_images(keras.ops.zeros((2, 4, 4)))
    assert [img.shape for img in shown_images(fig)] == [(4, 4)] * 2


def test_non_square_vectors_need_a_shape():
    with pytest.raises(ValueError, match="pass image_shape"):
        cp.plot_images(np.zeros((2, 10)))


def test_history_plots_train_and_validation():
    fig = cp.plot_history({"loss": [3, 2, 1], "val_loss": [4, 3, 2]})
    lines = fig.axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["loss", "val_loss"]
    np.testing.assert_array_equal(lines[1].get_ydata(), [4, 3, 2])
    assert fig.axes[0].get_xlabel() == "epoch"


def test_history_unknown_metric():
    with pytest.raises(ValueError, match=r"'mae' is not in the history. Available: \['loss'\]"):
        cp.plot_history({"loss": [1.0]}, metrics=("mae",))


def test_signed_images_are_centred_on_zero_with_a_colour_bar():
    weights = np.random.default_rng(0).normal(loc=0.3, size=(6, 16))  # mostly positive
    fig = cp.plot_signed_images(weights, label="weight")
    shown = [ax.images[0] for ax in fig.axes if ax.images]
    largest = np.abs(weights).max()
    for image in shown:
        low, high = image.get_clim()
        assert low == pytest.approx(-largest) and high == pytest.approx(largest)
        assert image.get_cmap().name == "RdBu_r"
    colour_bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(colour_bars) == 1 and colour_bars[0].get_ylabel() == "weight"
    plt.close(fig)
