"""Chapter 12: the conditional VAE, latent traversals, the vector quantiser and its autoencoder."""

import keras
import numpy as np
import pytest

import companion as cp


def to_numpy(tensor):
    return keras.ops.convert_to_numpy(tensor)


def digits(n=16, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.uniform(size=(n, 28, 28, 1)).astype("float32")
    return images, rng.integers(0, 10, size=n).astype("int32")


def small_vq(**kwargs):
    options = {"codebook_size": 8, "filters": (4, 8), "seed": 1}
    return cp.build_vq_autoencoder((28, 28, 1), 3, **{**options, **kwargs})


def small_cvae(**kwargs):
    return cp.build_conditional_vae((28, 28, 1), 2, hidden_sizes=(16,), seed=1, **kwargs)


# --- the vector quantiser ---


def test_the_quantiser_returns_the_nearest_code():
    layer = cp.VectorQuantizer(5, seed=0)
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(2, 3, 3, 4)).astype("float32")
    quantized = to_numpy(layer(vectors))
    codebook = to_numpy(layer.codebook)
    distances = ((vectors[..., None, :] - codebook) ** 2).sum(axis=-1)
    expected = codebook[distances.argmin(axis=-1)]
    np.testing.assert_allclose(quantized, expected, atol=1e-6)
    np.testing.assert_array_equal(to_numpy(layer.nearest(vectors)), distances.argmin(axis=-1))
    np.testing.assert_allclose(to_numpy(layer.lookup(distances.argmin(axis=-1))), expected)


def test_the_quantiser_adds_the_codebook_and_commitment_losses():
    layer = cp.VectorQuantizer(4, beta=0.25, seed=0)
    vectors = np.random.default_rng(1).normal(size=(6, 2)).astype("float32")
    quantized = to_numpy(layer(vectors))
    squared = np.mean((vectors - quantized) ** 2)
    np.testing.assert_allclose(float(to_numpy(layer.losses[0])), 1.25 * squared, rtol=1e-5)


def test_the_gradient_goes_straight_through_to_the_encoder():
    """d(sum of outputs)/d(inputs) is 1 everywhere: the look-up passes gradients unchanged."""
    layer = cp.VectorQuantizer(4, beta=0.0, seed=0)
    vectors = np.random.default_rng(2).normal(size=(5, 3)).astype("float32")
    layer(vectors)  # build the codebook outside the differentiated function (JAX traces it)
    gradient = cp.jacobian(lambda x: keras.ops.sum(layer(x), axis=-1), vectors)
    np.testing.assert_allclose(np.asarray(gradient), np.ones((5, 3)), atol=1e-6)


def test_quantiser_bad_arguments():
    with pytest.raises(ValueError, match="codebook_size"):
        cp.VectorQuantizer(0)
    with pytest.raises(TypeError, match="codebook_size"):
        cp.VectorQuantizer(2.5)
    with pytest.raises(ValueError, match="beta"):
        cp.VectorQuantizer(4, beta=-1)


# --- the VQ autoencoder ---


def test_vq_autoencoder_shapes_and_parts():
    model = small_vq()
    images, _ = digits(4)
    assert model(images).shape == (4, 28, 28, 1)
    assert model.encoder(images).shape == (4, 7, 7, 3)
    assert model.quantizer.codebook.shape == (8, 3)
    assert model.indices(images).shape == (4, 7, 7)
    assert model.decode_indices(np.zeros((2, 7, 7), "int32")).shape == (2, 28, 28, 1)
    assert model.pre_quantizer.output.shape[1:] == (7, 7, 3)
    # 4*(9+1) + 8*(4*9+1) conv weights, then 3*(8+1) for the 1x1 conv, 8x3 codes
    assert model.encoder.count_params() == 40 + 296 + 27 + 24


def test_vq_autoencoder_trains_one_step_and_moves_its_codes():
    cp.seed_everything(0)
    model = small_vq()
    images, _ = digits(32)
    before = to_numpy(model.quantizer.codebook).copy()
    history = cp.train(model, images, loss="binary_crossentropy", epochs=1, batch_size=32)
    assert np.isfinite(history.history["loss"][0])
    assert not np.allclose(to_numpy(model.quantizer.codebook), before)


def test_vq_autoencoder_bad_arguments():
    with pytest.raises(ValueError, match="multiples of 2\\*\\*2"):
        cp.build_vq_autoencoder((30, 30, 1), 4, filters=(4, 8))
    with pytest.raises(ValueError, match="height, width, channels"):
        cp.build_vq_autoencoder((28, 28), 4)
    with pytest.raises(ValueError, match="codebook_size"):
        cp.build_vq_autoencoder((28, 28, 1), 4, codebook_size=0)


def test_dead_codes_are_moved_onto_encoder_outputs():
    model = small_vq()
    images, _ = digits(8)
    used = np.unique(model.indices(images))
    moved = cp.reinitialize_dead_codes(model, images, seed=0)
    assert moved == 8 - len(used)
    vectors = model.pre_quantizer.predict(images, verbose=0).reshape(-1, 3)
    codebook = to_numpy(model.quantizer.codebook)
    dead = np.setdiff1d(np.arange(8), used)
    for code in codebook[dead]:  # each moved code is one of the encoder's outputs
        assert np.min(np.abs(vectors - code).sum(axis=1)) < 1e-6


def test_reinitialize_dead_codes_refuses_other_models_and_too_few_images():
    with pytest.raises(TypeError, match="VQAutoencoder.*Received: Sequential"):
        cp.reinitialize_dead_codes(keras.Sequential([keras.Input((2,))]), digits(1)[0])
    model = small_vq(codebook_size=64)
    with pytest.raises(ValueError, match=r"dead codes \(64\).*Received: 49 encoder outputs from 1 images"):
        cp.reinitialize_dead_codes(model, digits(1)[0], min_count=100)


def test_the_pre_quantizer_is_built_once():
    model = small_vq()
    assert model.pre_quantizer is model.pre_quantizer
    weights = len(model.weights)
    model.pre_quantizer  # noqa: B018 (reading the property must not add weights)
    assert len(model.weights) == weights


def test_dead_code_restarts_stop_after_their_epoch():
    cp.seed_everything(0)
    model = small_vq()
    images, _ = digits(32)
    restarts = cp.DeadCodeRestarts(images, until_epoch=1)
    cp.train(model, images, loss="binary_crossentropy", epochs=2, batch_size=32, callbacks=[restarts])
    assert len(restarts.moved) == 1


# --- perplexity, counts, rounding ---


def test_perplexity_is_the_number_of_codes_in_effective_use():
    assert cp.perplexity(np.arange(8), 8) == pytest.approx(8.0)
    assert cp.perplexity(np.zeros(10, "int32"), 8) == pytest.approx(1.0)
    assert cp.perplexity(np.array([0, 0, 1, 1]), 64) == pytest.approx(2.0)
    np.testing.assert_array_equal(cp.code_counts(np.array([[0, 2], [2, 2]]), 3), [1, 0, 3])


@pytest.mark.parametrize("indices", [np.array([0, 8]), np.array([-1]), np.array([], "int32"), np.array([0.5])])
def test_perplexity_refuses_indices_outside_the_codebook(indices):
    with pytest.raises(ValueError, match="indices"):
        cp.perplexity(indices, 8)


def test_uniform_quantize_rounds_to_evenly_spaced_levels():
    codes = np.array([[0.0, -1.0], [0.49, 3.0], [1.0, 0.5]])
    rounded = cp.uniform_quantize(codes, 1, low=np.array([0.0, -1.0]), high=np.array([1.0, 1.0]))
    np.testing.assert_allclose(rounded, [[0.0, -1.0], [0.0, 1.0], [1.0, 1.0]])
    fine = cp.uniform_quantize(np.linspace(0, 1, 50)[:, None], 8, 0.0, 1.0)
    assert np.abs(fine[:, 0] - np.linspace(0, 1, 50)).max() <= 0.5 / 255 + 1e-6
    with pytest.raises(ValueError, match="bits"):
        cp.uniform_quantize(codes, 0, 0.0, 1.0)


# --- the conditional VAE ---


def test_conditional_vae_shapes_and_parts():
    model = small_cvae()
    images, labels = digits(4)
    assert model([images, labels]).shape == (4, 28, 28, 1)
    z_mean, z_log_var = model.encoder([images, labels])
    assert z_mean.shape == z_log_var.shape == (4, 2)
    assert model.decoder([np.zeros((4, 2), "float32"), labels]).shape == (4, 28, 28, 1)
    assert cp.conditional_samples(model, np.arange(10)).shape == (10, 28, 28, 1)


def test_the_label_changes_what_the_decoder_draws():
    model = small_cvae()
    codes = np.zeros((2, 2), "float32")
    drawn = to_numpy(model.decoder([codes, np.array([3, 8])]))
    assert not np.allclose(drawn[0], drawn[1])


def test_conditional_vae_trains_one_step_with_its_metrics():
    cp.seed_everything(0)
    model = small_cvae()
    images, labels = digits(32)
    history = cp.train(model, [images, labels], epochs=1, batch_size=32)
    assert {"loss", "reconstruction_loss", "kl_loss"} <= set(history.history)
    assert np.isfinite(history.history["loss"][0])


def test_conditional_vae_bad_arguments():
    with pytest.raises(ValueError, match="n_classes"):
        cp.build_conditional_vae((28, 28), 2, n_classes=0)
    with pytest.raises(ValueError, match="beta"):
        cp.build_conditional_vae((28, 28), 2, beta=-1.0)
    with pytest.raises(ValueError, match="two inputs"):
        small_cvae()(digits(2)[0])
    with pytest.raises(ValueError, match="1-D array of integers"):
        cp.conditional_samples(small_cvae(), np.array([[1, 2]]))


@pytest.mark.parametrize("labels", [[0, 10], [-1, 3]])
def test_conditional_samples_refuse_labels_outside_the_classes(labels):
    with pytest.raises(ValueError, match=r"between 0 and 9.*Received: labels from"):
        cp.conditional_samples(small_cvae(), np.array(labels))


# --- traversals ---


def test_latent_traversals_change_one_latent_per_row():
    decoder = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])
    code = np.array([0.5, -1.0, 2.0], "float32")
    images = cp.latent_traversals(decoder, code, values=[-1.0, 0.0, 1.0])
    assert images.shape == (3, 3, 4)
    kernel, bias = (to_numpy(w) for w in decoder.weights)
    expected = code @ kernel + bias + (0.0 - code[1]) * kernel[1]  # row 1, value 0
    np.testing.assert_allclose(images[1, 1], expected, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="one code of shape"):
        cp.latent_traversals(decoder, np.zeros(2))


def test_traversal_effect_is_zero_for_an_ignored_latent():
    decoder = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    kernel = decoder.weights[0]
    kernel.assign(np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 0.0]], "float32"))
    effects = cp.traversal_effect(decoder, np.zeros((5, 2), "float32"), low=-1.0, high=1.0)
    np.testing.assert_allclose(effects, [2.0, 0.0], atol=1e-6)  # |2*1| and |2*2| over 3 pixels: (2+4+0)/3
