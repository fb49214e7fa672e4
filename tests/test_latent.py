"""Latent-space helpers of Chapter 9 and the classifier score."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib import pyplot as plt

import keras

import companion as cp


def linear_decoder(latent_dim=2):
    codes = keras.Input(shape=(latent_dim,))
    pixels = keras.layers.Dense(16, activation="sigmoid", name="pixels")(codes)
    return keras.Model(codes, keras.layers.Reshape((4, 4, 1))(pixels))


def test_prior_quantiles_are_symmetric_and_cut_the_tails():
    points = cp.prior_quantiles(5, tail=0.05)
    np.testing.assert_allclose(points, -points[::-1], atol=1e-6)
    np.testing.assert_allclose(points[[0, 2]], [-1.6448536, 0.0], atol=1e-5)
    with pytest.raises(ValueError, match="Received: tail=0.5"):
        cp.prior_quantiles(5, tail=0.5)
    with pytest.raises(ValueError, match="Received: n=1"):
        cp.prior_quantiles(1)


@pytest.mark.parametrize("tail, error", [(0, ValueError), (float("nan"), ValueError), (float("inf"), ValueError),
                                         ("0.05", TypeError), (None, TypeError)])
def test_prior_quantiles_refuse_a_tail_that_is_not_a_probability(tail, error):
    with pytest.raises(error, match=r"tail must be a finite number strictly between 0 and 0.5. Received: tail="):
        cp.prior_quantiles(5, tail=tail)


def test_decoded_grid_puts_z1_on_columns_and_z2_on_rows():
    decoder = linear_decoder()
    kernel = np.zeros((2, 16), dtype="float32")
    kernel[0, 0] = 1.0  # pixel 0 follows z1
    kernel[1, 1] = 1.0  # pixel 1 follows z2
    decoder.get_layer("pixels").set_weights([kernel, np.zeros(16, dtype="float32")])
    images, positions = cp.decode_latent_grid(decoder, n=3)
    assert images.shape == (3, 3, 4, 4, 1)
    pixel0, pixel1 = images[..., 0, 0, 0], images[..., 0, 1, 0]
    assert np.all(np.diff(pixel0, axis=1) > 0)  # left to right: z1 grows
    assert np.all(np.diff(pixel1, axis=0) < 0)  # top to bottom: z2 falls
    np.testing.assert_allclose(positions, cp.prior_quantiles(3))


def test_grid_needs_a_two_dimensional_latent_space():
    with pytest.raises(ValueError, match="Received: latent_dim=3"):
        cp.decode_latent_grid(linear_decoder(3))


@pytest.mark.parametrize("helper", [cp.decode_latent_grid, cp.plot_latent_grid, cp.latent_explorer])
def test_passing_the_whole_vae_says_to_pass_its_decoder(helper):
    if helper is cp.latent_explorer:
        pytest.importorskip("ipywidgets")
    vae = cp.build_vae((28, 28, 1), 2, hidden_sizes=(8,))
    with pytest.raises(TypeError, match=r"not the whole VAE: pass vae.decoder"):
        helper(vae)
    plt.close("all")


def test_grid_of_a_vae_decoder_is_a_numpy_array():
    images, _ = cp.decode_latent_grid(cp.build_vae((28, 28, 1), 2, hidden_sizes=(8,)).decoder, n=2)
    assert isinstance(images, np.ndarray) and images.shape == (2, 2, 28, 28, 1)


def test_plots_have_titles_and_axis_labels():
    grid = cp.plot_latent_grid(linear_decoder(), n=4)
    scatter = cp.plot_latent_scatter(np.random.default_rng(0).normal(size=(50, 2)), np.arange(50) % 10)
    for fig in (grid, scatter):
        ax = fig.axes[0]
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
        plt.close(fig)
    assert scatter.axes[1].get_ylabel() == "digit"  # the colour bar


def test_scatter_rejects_wrong_shapes():
    with pytest.raises(ValueError, match=r"Received: codes.shape=\(5, 3\)"):
        cp.plot_latent_scatter(np.zeros((5, 3)), np.zeros(5))
    with pytest.raises(ValueError, match=r"Received: labels.shape=\(4,\)"):
        cp.plot_latent_scatter(np.zeros((5, 2)), np.zeros(4))


def test_interpolation_runs_from_start_to_end():
    path = cp.interpolate_codes([0.0, 2.0], [1.0, 0.0], steps=3)
    np.testing.assert_allclose(path, [[0, 2], [0.5, 1], [1, 0]])
    with pytest.raises(ValueError, match="same shape"):
        cp.interpolate_codes([0.0], [1.0, 2.0])


class RecordingDecoder:
    """Stands in for a decoder and remembers the codes it was asked to decode."""

    inputs = [keras.KerasTensor((None, 2))]

    def __init__(self):
        self.codes = []

    def __call__(self, codes, training=None):
        self.codes.append(np.array(codes))
        return np.zeros((len(codes), 4, 4, 1), dtype="float32")


def test_explorer_decodes_the_sliders_values_when_one_moves():
    pytest.importorskip("ipywidgets")
    decoder = RecordingDecoder()
    explorer = cp.latent_explorer(decoder, limit=2.0)
    *sliders, _output = explorer.children
    assert [s.description for s in sliders] == ["z1", "z2"]
    assert (sliders[0].min, sliders[0].max) == (-2.0, 2.0)
    with pytest.raises(ValueError, match="Received: step=0"):
        cp.latent_explorer(decoder, step=0)
    with pytest.raises(TypeError, match="Received: limit='3'"):
        cp.latent_explorer(decoder, limit="3")
    np.testing.assert_array_equal(decoder.codes[-1], [[0.0, 0.0]])  # drawn once at the start
    sliders[0].value = 1.5
    np.testing.assert_array_equal(decoder.codes[-1], [[1.5, 0.0]])
    plt.close("all")


def test_classifier_score_bounds():
    confident_and_diverse = np.eye(10)
    assert cp.classifier_score(confident_and_diverse) == pytest.approx(10.0)
    all_the_same = np.tile(np.eye(10)[3], (20, 1))
    assert cp.classifier_score(all_the_same) == pytest.approx(1.0)
    unsure = np.full((20, 10), 0.1)
    assert cp.classifier_score(unsure) == pytest.approx(1.0)
    two_classes = np.eye(10)[[0, 1] * 5]
    assert cp.classifier_score(two_classes) == pytest.approx(2.0)


def test_classifier_score_rejects_non_distributions():
    with pytest.raises(ValueError, match="sum to 1"):
        cp.classifier_score(np.full((3, 4), 0.5))
    with pytest.raises(ValueError, match=r"Received: shape \(4,\)"):
        cp.classifier_score(np.full(4, 0.25))
