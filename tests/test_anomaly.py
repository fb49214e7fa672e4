"""Anomaly scores, the one-class split, thresholds and PNG code lengths (Chapter 11)."""

import math

import keras
import numpy as np
import pytest
from sklearn.decomposition import PCA

import companion as cp


def images(n=6, seed=0, shape=(8, 8)):
    return np.random.default_rng(seed).uniform(size=(n, *shape)).astype("float32")


# --- one_class_split ---


def test_split_keeps_only_the_normal_class_and_holds_out_a_share():
    x = np.arange(20, dtype="float32").reshape(20, 1)
    y = np.array([0, 1] * 10)
    train, validation = cp.one_class_split(x, y, 1, validation_fraction=0.2, seed=3)
    assert len(train) == 8 and len(validation) == 2
    together = np.sort(np.concatenate([train, validation]).ravel())
    np.testing.assert_array_equal(together, np.arange(1, 20, 2))


def test_split_is_seeded_and_can_hold_out_nothing():
    x, y = images(10), np.zeros(10)
    first = cp.one_class_split(x, y, 0, seed=1)
    second = cp.one_class_split(x, y, 0, seed=1)
    np.testing.assert_array_equal(first[0], second[0])
    train, validation = cp.one_class_split(x, y, 0, validation_fraction=0)
    assert len(train) == 10 and len(validation) == 0


@pytest.mark.parametrize(
    "kwargs, error, text",
    [
        ({"normal_class": 7}, ValueError, "No image has the label"),
        ({"normal_class": 0, "validation_fraction": 1.0}, ValueError, "validation_fraction"),
        ({"normal_class": 0, "validation_fraction": "0.1"}, TypeError, "validation_fraction"),
        ({"normal_class": 0, "seed": -1}, ValueError, "seed"),
    ],
)
def test_split_errors(kwargs, error, text):
    with pytest.raises(error, match=text) as info:
        cp.one_class_split(images(10), np.zeros(10), **kwargs)
    assert "Received:" in str(info.value)


def test_split_refuses_labels_that_do_not_match_the_images():
    with pytest.raises(ValueError, match="one label per image"):
        cp.one_class_split(images(10), np.zeros(9), 0)
    with pytest.raises(ValueError, match="one label per image"):
        cp.one_class_split(images(10), np.zeros((10, 1)), 0)


def test_split_refuses_a_class_too_small_to_split():
    with pytest.raises(ValueError, match="too few"):
        cp.one_class_split(images(3), np.array([0, 1, 1]), 0, validation_fraction=0.5)


# --- anomaly_scores ---


def test_squared_error_of_a_callable_model_per_image():
    x = images(5)
    scores = cp.anomaly_scores(lambda batch: np.zeros_like(batch), x, batch_size=2)
    np.testing.assert_allclose(scores, (x.astype("float64") ** 2).reshape(5, -1).sum(axis=1), rtol=1e-6)


def test_cross_entropy_is_zero_free_and_largest_for_the_worst_reconstruction():
    x = np.stack([np.zeros((4, 4)), np.ones((4, 4))]).astype("float32")
    scores = cp.anomaly_scores(lambda batch: np.full_like(batch, 0.1), x, kind="cross_entropy")
    np.testing.assert_allclose(scores, [-16 * math.log(0.9), -16 * math.log(0.1)], rtol=1e-5)


def test_keras_autoencoder_scores_in_batches_give_the_same_result():
    cp.seed_everything(0)
    model = cp.build_stacked_autoencoder((8, 8), 4, hidden_sizes=(16,))
    x = images(7)
    np.testing.assert_allclose(cp.anomaly_scores(model, x, batch_size=3), cp.anomaly_scores(model, x), rtol=1e-5)


def test_pca_reconstruction_error_is_zero_in_its_subspace():
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(30, 2)) @ rng.normal(size=(2, 16))).reshape(30, 4, 4).astype("float32")
    pca = PCA(2).fit(x.reshape(30, -1))
    assert np.all(cp.anomaly_scores(pca, x) < 1e-8)


@pytest.mark.parametrize(
    "model, x, kwargs, error, text",
    [
        (lambda b: b, np.zeros((0, 4)), {}, ValueError, "non-empty batch"),
        (lambda b: b, np.zeros(4), {}, ValueError, "non-empty batch"),
        (lambda b: b[:, :2], images(3), {}, ValueError, "must reconstruct its input"),
        ("model", images(3), {}, TypeError, "model must be an autoencoder"),
        (lambda b: b, images(3), {"kind": "absolute"}, ValueError, "kind"),
        (lambda b: b, images(3), {"batch_size": 0}, ValueError, "batch_size"),
    ],
    ids=["empty", "1-D", "wrong output shape", "not a model", "unknown kind", "batch size"],
)
def test_score_errors(model, x, kwargs, error, text):
    with pytest.raises(error, match=text):
        cp.anomaly_scores(model, x, **kwargs)


def test_a_model_with_the_wrong_input_shape_is_refused():
    model = cp.build_stacked_autoencoder((16,), 4, hidden_sizes=())
    with pytest.raises(ValueError):
        cp.anomaly_scores(model, images(3, shape=(4, 4, 2)))


# --- negative_elbo ---


def test_negative_elbo_is_seeded_and_above_the_kl_term():
    cp.seed_everything(0)
    vae = cp.build_vae((8, 8, 1), 2, hidden_sizes=(16,), seed=0)
    x = images(4)[..., None]
    first = cp.negative_elbo(vae, x, samples=2, seed=5)
    np.testing.assert_allclose(first, cp.negative_elbo(vae, x, samples=2, seed=5))
    assert first.shape == (4,) and np.all(np.isfinite(first))
    z_mean, z_log_var = vae.encoder(x)
    kl = keras.ops.convert_to_numpy(cp.kl_divergence(z_mean, z_log_var))
    assert np.all(first > kl)


def test_negative_elbo_through_anomaly_scores_matches():
    cp.seed_everything(0)
    vae = cp.build_vae((6,), 2, hidden_sizes=(8,), seed=0)
    x = images(3, shape=(6,))
    np.testing.assert_allclose(cp.anomaly_scores(vae, x, kind="negative_elbo", seed=1),
                               cp.negative_elbo(vae, x, seed=1))


def test_negative_elbo_needs_a_vae():
    with pytest.raises(TypeError, match="VAE with .encoder"):
        cp.negative_elbo(lambda b: b, images(2))
    autoencoder = cp.build_stacked_autoencoder((8, 8), 2, hidden_sizes=())
    with pytest.raises(TypeError, match="z_mean, z_log_var"):
        cp.negative_elbo(autoencoder, images(2))


# --- threshold_at_fpr ---


def test_threshold_flags_at_most_the_requested_share():
    scores = np.random.default_rng(0).normal(size=1000)
    for fpr in (0.01, 0.05, 0.2):
        threshold = cp.threshold_at_fpr(scores, fpr)
        assert np.mean(scores > threshold) <= fpr
        assert np.mean(scores >= threshold) > fpr - 0.002  # the smallest such threshold
    assert cp.threshold_at_fpr(np.arange(100), 0.05) == 95


@pytest.mark.parametrize(
    "scores, fpr, error",
    [([], 0.05, ValueError), ([[1.0, 2.0]], 0.05, ValueError), ([1.0, np.nan], 0.05, ValueError),
     ([1.0, 2.0], 0.0, ValueError), ([1.0, 2.0], 1.0, ValueError), ([1.0, 2.0], "5%", TypeError)],
)
def test_threshold_errors(scores, fpr, error):
    with pytest.raises(error, match="Received"):
        cp.threshold_at_fpr(scores, fpr)


# --- png_bits ---


def test_png_bits_grow_with_complexity():
    flat = np.zeros((1, 28, 28))
    noise = np.random.default_rng(0).uniform(size=(1, 28, 28))
    bits = cp.png_bits(np.concatenate([flat, noise]))
    assert bits[0] < bits[1]
    assert np.all(bits % 8 == 0)
    np.testing.assert_array_equal(cp.png_bits(flat[..., None]), bits[:1])


def test_png_bits_refuse_colour_and_empty_batches():
    with pytest.raises(ValueError, match="greyscale"):
        cp.png_bits(np.zeros((2, 8, 8, 3)))
    with pytest.raises(ValueError, match="non-empty"):
        cp.png_bits(np.zeros((0, 8, 8)))


def test_nats_to_bits():
    np.testing.assert_allclose(cp.nats_to_bits([math.log(2), 0.0]), [1.0, 0.0])
