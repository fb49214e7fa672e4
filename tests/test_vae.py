"""The VAE of Chapter 9: KL and reconstruction terms, sampling, model, builder, backends."""

import re

import numpy as np
import pytest

import keras
from keras import ops

import companion as cp
from companion.vae import bernoulli_reconstruction_loss

METRICS = {"loss", "reconstruction_loss", "kl_loss"}


def to_numpy(tensor):
    return keras.ops.convert_to_numpy(tensor)


def small_vae(kind="dense", **kwargs):
    options = {"code_size": 3, "hidden_sizes": (16,), "filters": (4, 8), "seed": 1}
    return cp.build_vae((28, 28, 1), kind=kind, **{**options, **kwargs})


def test_kl_divergence_matches_the_numpy_closed_form_unit_by_unit_and_summed():
    rng = np.random.default_rng(0)
    mean = rng.normal(size=(5, 4)).astype("float32")
    log_var = rng.normal(size=(5, 4)).astype("float32")
    variance = np.exp(log_var.astype("float64"))
    expected = 0.5 * (variance + mean.astype("float64") ** 2 - 1.0 - log_var)
    np.testing.assert_allclose(to_numpy(cp.kl_per_unit(mean, log_var)), expected, rtol=1e-5)
    np.testing.assert_allclose(to_numpy(cp.kl_divergence(mean, log_var)), expected.sum(axis=1), rtol=1e-5)


def test_kl_divergence_is_zero_only_at_the_prior():
    zeros = np.zeros((2, 3), dtype="float32")
    np.testing.assert_array_equal(to_numpy(cp.kl_divergence(zeros, zeros)), [0.0, 0.0])
    shifted = to_numpy(cp.kl_divergence(zeros + 0.1, zeros))
    assert np.all(shifted > 0)


def test_reconstruction_loss_is_the_summed_binary_cross_entropy():
    rng = np.random.default_rng(1)
    x = rng.random((3, 4, 4, 1)).astype("float32")
    p = rng.uniform(0.05, 0.95, size=(3, 4, 4, 1)).astype("float32")
    expected = -np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=(1, 2, 3))
    np.testing.assert_allclose(to_numpy(bernoulli_reconstruction_loss(x, p)), expected, rtol=1e-5)


def test_sampling_has_the_requested_mean_and_spread():
    n = 20_000
    mean = np.full((n, 2), [1.5, -2.0], dtype="float32")
    log_var = np.full((n, 2), [0.0, np.log(0.25)], dtype="float32")
    z = to_numpy(cp.Sampling(seed=3)([mean, log_var]))
    # 5 standard errors: a correct layer fails this about once in a million runs
    np.testing.assert_allclose(z.mean(axis=0), [1.5, -2.0], atol=5 * 1.0 / np.sqrt(n))
    np.testing.assert_allclose(z.std(axis=0), [1.0, 0.5], rtol=5 / np.sqrt(2 * n))


def test_sampling_with_a_seed_repeats_its_draws():
    mean = np.zeros((4, 2), dtype="float32")
    first = to_numpy(cp.Sampling(seed=7)([mean, mean]))
    second = to_numpy(cp.Sampling(seed=7)([mean, mean]))
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, to_numpy(cp.Sampling(seed=8)([mean, mean])))


@pytest.mark.parametrize("kind", ["dense", "conv"])
def test_shapes_of_encoder_decoder_and_model(kind):
    vae = small_vae(kind)
    x = np.zeros((2, 28, 28, 1), dtype="float32")
    z_mean, z_log_var = vae.encoder(x)
    assert z_mean.shape == z_log_var.shape == (2, 3)
    decoded = to_numpy(vae.decoder(z_mean))
    assert decoded.shape == (2, 28, 28, 1)
    assert decoded.min() >= 0 and decoded.max() <= 1
    assert vae(x).shape == (2, 28, 28, 1)


def test_the_dense_vae_takes_tanh_hidden_layers_on_both_sides():
    vae = small_vae("dense", hidden_sizes=(16, 8), activation="tanh")
    hidden = [layer for part in (vae.encoder, vae.decoder) for layer in part.layers if "hidden" in layer.name]
    assert len(hidden) == 4 and all(layer.activation is keras.activations.tanh for layer in hidden)
    relu = small_vae("dense", hidden_sizes=(16, 8))
    assert all(layer.activation is keras.activations.relu for layer in relu.encoder.layers if "hidden" in layer.name)


def test_dense_parameter_count_follows_the_formula():
    vae = cp.build_vae((784,), 2, hidden_sizes=(32,))
    encoder = (784 * 32 + 32) + 2 * (32 * 2 + 2)
    decoder = (2 * 32 + 32) + (32 * 784 + 784)
    assert vae.encoder.count_params() == encoder
    assert vae.decoder.count_params() == decoder
    assert vae.count_params() == encoder + decoder


def test_conv_builder_reproduces_the_keras_example_architecture():
    vae = cp.build_vae((28, 28, 1), 2, kind="conv", filters=(32, 64), hidden_sizes=(16,), decoder="transpose")
    conv = (3 * 3 * 1 * 32 + 32) + (3 * 3 * 32 * 64 + 64)
    encoder = conv + (7 * 7 * 64 * 16 + 16) + 2 * (16 * 2 + 2)
    deconv = (3 * 3 * 64 * 64 + 64) + (3 * 3 * 64 * 32 + 32) + (3 * 3 * 32 * 1 + 1)
    decoder = (2 * 7 * 7 * 64 + 7 * 7 * 64) + deconv
    assert vae.encoder.count_params() == encoder
    assert vae.decoder.count_params() == decoder


def test_conv_decoder_upsamples_then_convolves_by_default():
    """Chapter 8's decoder without checkerboard: UpSampling2D + Conv2D, no Conv2DTranspose."""
    vae = cp.build_vae((28, 28, 1), 2, kind="conv", filters=(32, 64), hidden_sizes=(16,))
    kinds = [type(layer).__name__ for layer in vae.decoder.layers]
    assert "Conv2DTranspose" not in kinds and kinds.count("UpSampling2D") == 2
    convs = (3 * 3 * 64 * 64 + 64) + (3 * 3 * 64 * 32 + 32) + (3 * 3 * 32 * 1 + 1)  # as many weights as before
    assert vae.decoder.count_params() == (2 * 7 * 7 * 64 + 7 * 7 * 64) + convs
    assert tuple(vae.decoder.outputs[0].shape) == (None, 28, 28, 1)


def test_compute_loss_is_reconstruction_plus_beta_times_kl(tiny_images):
    x = tiny_images.reshape(-1, 28, 28, 1)[:8]
    vae = small_vae(beta=0.5)
    vae.compile(optimizer="adam")
    reconstructions = vae(x)
    loss = float(to_numpy(vae.compute_loss(x, None, reconstructions)))
    z_mean, z_log_var = (to_numpy(t).astype("float64") for t in vae.encoder(x))
    kl = np.mean(0.5 * np.sum(np.exp(z_log_var) + z_mean**2 - 1 - z_log_var, axis=1))
    p = np.clip(to_numpy(reconstructions).astype("float64"), 1e-7, 1 - 1e-7)
    xx = x.astype("float64")
    bce = np.mean(-np.sum(xx * np.log(p) + (1 - xx) * np.log(1 - p), axis=(1, 2, 3)))
    np.testing.assert_allclose(loss, bce + 0.5 * kl, rtol=1e-4)


def test_other_losses_are_added_but_not_counted_as_kl(tiny_images):
    x = tiny_images.reshape(-1, 28, 28, 1)[:8]
    vae = small_vae(beta=0.5)
    penalty = keras.layers.ActivityRegularization(l2=1e-3, name="penalty")
    encoder = vae.encoder
    means, log_vars = encoder.outputs
    vae = cp.VAE(keras.Model(encoder.inputs, [penalty(means), log_vars]), vae.decoder, beta=0.5, seed=1)
    vae.compile(optimizer="adam")
    reconstructions = vae(x)
    kl, extra = (float(to_numpy(loss)) for loss in vae.losses)
    loss = float(to_numpy(vae.compute_loss(x, None, reconstructions)))
    reconstruction = float(np.mean(to_numpy(bernoulli_reconstruction_loss(x, reconstructions))))
    # float32 sums of about 550 nats: agreement to 1e-5 relative is what they keep
    np.testing.assert_allclose(loss, reconstruction + 0.5 * kl + extra, rtol=1e-5)
    np.testing.assert_allclose(float(to_numpy(vae.kl_tracker.result())), kl, rtol=1e-6)


def test_beta_zero_is_allowed():
    assert small_vae(beta=0).beta == 0.0


@pytest.mark.parametrize("kind", ["dense", "conv"])
def test_fit_logs_the_three_terms_and_learns(tiny_images, kind):
    cp.seed_everything(0)
    x = tiny_images.reshape(-1, 28, 28, 1)
    vae = small_vae(kind)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    before = vae.evaluate(x, return_dict=True, verbose=0)
    history = vae.fit(x, epochs=3, batch_size=16, validation_data=(x,), verbose=0).history
    after = vae.evaluate(x, return_dict=True, verbose=0)
    assert set(history) == METRICS | {f"val_{name}" for name in METRICS}
    assert set(after) == METRICS == set(vae.metric_names)
    # the logged total is the sum of the logged terms (beta = 1)
    np.testing.assert_allclose(after["loss"], after["reconstruction_loss"] + after["kl_loss"], rtol=1e-4)
    assert after["loss"] < before["loss"]


def test_the_warm_up_raises_the_kl_weight_to_beta_on_every_backend(tiny_images):
    """kl_weight() is the loss's weight of the KL. The warm-up keeps its step counter as a model variable, which
    reaches kl_weight() in every backend's compiled step."""
    x = np.resize(tiny_images.reshape(-1, 28, 28, 1), (32, 28, 28, 1))  # 4 batches of 8
    base = small_vae("dense")
    assert base.kl_weight() == base.beta
    vae = cp.WarmUpVAE(base.encoder, base.decoder, beta=2.0, seed=3, warm_up_steps=8)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    start = vae.evaluate(x, return_dict=True, verbose=0)  # no update yet: weight 0
    assert start["kl_loss"] > 0  # the KL is still measured ...
    np.testing.assert_allclose(start["loss"], start["reconstruction_loss"], rtol=1e-5)  # ... and costs nothing
    vae.fit(x, epochs=1, batch_size=8, verbose=0)  # 4 updates: half way
    assert float(ops.convert_to_numpy(vae.updates)) == 4.0
    halfway = vae.evaluate(x, return_dict=True, verbose=0)  # evaluating counts no update
    np.testing.assert_allclose(halfway["loss"], halfway["reconstruction_loss"] + 1.0 * halfway["kl_loss"], rtol=1e-4)
    vae.fit(x, epochs=2, batch_size=8, verbose=0)  # past the warm-up: the full beta
    after = vae.evaluate(x, return_dict=True, verbose=0)
    np.testing.assert_allclose(after["loss"], after["reconstruction_loss"] + 2.0 * after["kl_loss"], rtol=1e-4)


def test_free_bits_charge_each_unit_at_least_its_free_nats(tiny_images):
    x = tiny_images.reshape(-1, 28, 28, 1)
    base = small_vae("dense")
    z_mean, z_log_var = (to_numpy(t).astype("float64") for t in base.encoder(x))
    batch_kl = (0.5 * (np.exp(z_log_var) + z_mean**2 - 1.0 - z_log_var)).mean(axis=0)  # (3,) units
    free_nats = float(np.median(batch_kl))  # one unit below it, one above: both branches of the max
    for nats, expected in ((0.0, batch_kl.sum()), (free_nats, np.maximum(batch_kl, free_nats).sum())):
        vae = cp.FreeBitsVAE(base.encoder, base.decoder, beta=2.0, seed=3, free_nats=nats)
        vae.compile(optimizer=keras.optimizers.Adam(1e-3))
        scores = vae.evaluate(x, batch_size=len(x), return_dict=True, verbose=0)  # one batch: the batch's mean
        np.testing.assert_allclose(scores["kl_loss"], expected, rtol=1e-4)
        np.testing.assert_allclose(scores["loss"], scores["reconstruction_loss"] + 2.0 * expected, rtol=1e-4)
    assert np.maximum(batch_kl, free_nats).sum() > batch_kl.sum()  # the free nats changed the loss


@pytest.mark.parametrize(
    ("kind", "kwargs", "error", "message"),
    [
        ("WarmUpVAE", {"warm_up_steps": 0}, ValueError, "Received: warm_up_steps=0"),
        ("WarmUpVAE", {"warm_up_steps": 2.5}, TypeError, "Received: warm_up_steps=2.5"),
        ("FreeBitsVAE", {"free_nats": -0.5}, ValueError, "Received: free_nats=-0.5"),
        ("FreeBitsVAE", {"free_nats": "1"}, TypeError, "Received: free_nats='1'"),
    ],
)
def test_remedies_bad_arguments_say_what_was_received(kind, kwargs, error, message):
    base = small_vae("dense")
    with pytest.raises(error, match=re.escape(message)):
        getattr(cp, kind)(base.encoder, base.decoder, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"code_size": 0}, ValueError, "Received: code_size=0"),
        ({"code_size": 2.5}, TypeError, "Received: code_size=2.5"),
        ({"kind": "recurrent"}, ValueError, "kind must be one of"),
        ({"activation": "sigmoid"}, ValueError, "Received: activation='sigmoid'"),
        ({"kind": "conv", "activation": "tanh"}, ValueError, "Received: kind='conv', activation='tanh'"),
        ({"beta": -1.0}, ValueError, "Received: beta=-1.0"),
        ({"beta": float("inf")}, ValueError, "Received: beta=inf"),
        ({"beta": float("nan")}, ValueError, "Received: beta=nan"),
        ({"beta": "1"}, TypeError, "Received: beta='1'"),
        ({"beta": None}, TypeError, "Received: beta=None"),
        ({"beta": True}, TypeError, "Received: beta=True"),
        ({"hidden_sizes": 16}, TypeError, "hidden_sizes must be a tuple"),
        ({"kind": "conv", "input_shape": (28, 28)}, ValueError, r"\(height, width, channels\)"),
        ({"kind": "conv", "input_shape": (30, 30, 1)}, ValueError, r"multiples of 2\*\*2 = 4"),
        ({"kind": "conv", "filters": (8, 8, 8)}, ValueError, r"multiples of 2\*\*3 = 8"),
        ({"kind": "conv", "filters": ()}, ValueError, "at least one level"),
        ({"kind": "conv", "decoder": "deconv"}, ValueError, "decoder must be one of"),
    ],
)
def test_bad_arguments_say_what_was_received(kwargs, error, message):
    options = {"input_shape": (28, 28, 1), "code_size": 2, **kwargs}
    with pytest.raises(error, match=message):
        cp.build_vae(**options)


def test_wrongly_shaped_images_are_rejected_with_the_expected_shape():
    with pytest.raises(ValueError, match=r"expected shape=\(None, 28, 28, 1\)"):
        small_vae()(np.zeros((2, 784), dtype="float32"))


@pytest.fixture
def mixed_precision():
    """Run a test under the mixed_float16 policy, and put float32 back afterwards."""
    keras.mixed_precision.set_global_policy("mixed_float16")
    yield
    keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("kind", ["dense", "conv"])
def test_one_training_step_under_mixed_precision(mixed_precision, tiny_images, kind):
    x = tiny_images.reshape(-1, 28, 28, 1)
    vae = small_vae(kind)
    assert keras.backend.standardize_dtype(vae.decoder(np.zeros((2, 3), "float32")).dtype) == "float16"
    vae.compile(optimizer="adam")
    logs = vae.train_on_batch(x, return_dict=True)
    assert set(logs) == METRICS and all(np.isfinite(value) for value in logs.values())
    np.testing.assert_allclose(logs["loss"], logs["reconstruction_loss"] + logs["kl_loss"], rtol=1e-3)


def test_losses_are_float32_for_float16_inputs():
    x = np.full((2, 4), 0.5, dtype="float16")
    assert keras.backend.standardize_dtype(bernoulli_reconstruction_loss(x, x).dtype) == "float32"
    assert keras.backend.standardize_dtype(cp.kl_divergence(x, x).dtype) == "float32"


# --- measuring a trained VAE: importance-weighted log-likelihood, active units ---


@pytest.fixture(scope="module")
def trained_vae():
    """A small dense VAE trained briefly on seeded blobs: its q(z|x) is far from the true posterior."""
    cp.seed_everything(0)
    rng = np.random.default_rng(0)
    centres = rng.uniform(size=(4, 64))
    images = np.clip(centres[rng.integers(0, 4, size=400)] + 0.1 * rng.normal(size=(400, 64)), 0, 1)
    images = images.astype("float32").reshape(-1, 8, 8, 1)
    vae = cp.build_vae((8, 8, 1), 4, hidden_sizes=(32,), seed=0)
    vae.compile(optimizer=keras.optimizers.Adam(3e-3))
    vae.fit(images, epochs=5, batch_size=40, verbose=0)
    return vae, images


def paired_standard_error(first, second):
    difference = first - second
    return difference.mean(), difference.std(ddof=1) / np.sqrt(len(difference))


def test_iwae_with_one_sample_estimates_the_elbo(trained_vae):
    vae, images = trained_vae
    iwae = cp.importance_weighted_log_likelihood(vae, images, k=1, seed=1)
    elbo = -cp.negative_elbo(vae, images, seed=2)  # independent draws, closed-form KL
    gap, error = paired_standard_error(iwae, elbo)
    assert iwae.shape == (len(images),) and iwae.dtype == np.float64
    assert abs(gap) < 3 * error, (gap, error)  # same expectation


def test_iwae_rises_with_k(trained_vae):
    """For any q(z|x): here an untrained encoder, whose q is far from the posterior."""
    _, images = trained_vae
    vae = cp.build_vae((8, 8, 1), 4, hidden_sizes=(32,), seed=0)
    estimates = {k: cp.importance_weighted_log_likelihood(vae, images, k=k, seed=3, batch_size=64)
                 for k in (1, 10, 100)}
    for low, high in ((1, 10), (10, 100)):
        gain, error = paired_standard_error(estimates[high], estimates[low])
        assert gain > 3 * error, (low, high, gain, error)


def test_iwae_is_exact_when_the_code_tells_nothing():
    """q(z|x) = p(z) and a decoder that ignores z: every weight is p(x), for any k."""
    vae = cp.build_vae((3, 3, 1), 2, hidden_sizes=(4,), seed=0)
    for layer in (vae.encoder.get_layer("z_mean"), vae.encoder.get_layer("z_log_var"),
                  vae.decoder.get_layer("reconstruction")):
        kernel, bias = layer.get_weights()
        layer.set_weights([np.zeros_like(kernel), np.linspace(-1, 1, bias.size).astype("float32")
                           if layer.name == "reconstruction" else np.zeros_like(bias)])
    images = np.random.default_rng(4).uniform(size=(5, 3, 3, 1)).astype("float32")
    p = 1 / (1 + np.exp(-np.linspace(-1, 1, 9)))
    flat = images.reshape(5, 9).astype("float64")
    log_p_x = np.sum(flat * np.log(p) + (1 - flat) * np.log(1 - p), axis=1)
    for k in (1, 7):
        estimate = cp.importance_weighted_log_likelihood(vae, images, k=k, seed=0, batch_size=2)
        np.testing.assert_allclose(estimate, log_p_x, rtol=1e-5)


def test_iwae_repeats_with_its_seed(trained_vae):
    vae, images = trained_vae
    first = cp.importance_weighted_log_likelihood(vae, images[:20], k=5, seed=7)
    np.testing.assert_array_equal(first, cp.importance_weighted_log_likelihood(vae, images[:20], k=5, seed=7))
    assert not np.array_equal(first, cp.importance_weighted_log_likelihood(vae, images[:20], k=5, seed=8))


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"k": 0}, ValueError, "Received: k=0"),
        ({"k": 2.5}, TypeError, "Received: k=2.5"),
        ({"k": None}, TypeError, "Received: k=None"),
        ({"seed": -1}, ValueError, "Received: seed=-1"),
        ({"batch_size": 0}, ValueError, "Received: batch_size=0"),
        ({"images": np.zeros((0, 8, 8, 1))}, ValueError, r"non-empty batch .* shape \(0, 8, 8, 1\)"),
        ({"images": np.zeros(5)}, ValueError, r"shape \(5,\)"),
        ({"vae": keras.Sequential([keras.layers.Dense(2)])}, TypeError, "needs a VAE with .encoder and .decoder"),
    ],
)
def test_iwae_bad_arguments_say_what_was_received(trained_vae, kwargs, error, message):
    vae, images = trained_vae
    arguments = {"vae": vae, "images": images[:4], **kwargs}
    with pytest.raises(error, match=message):
        cp.importance_weighted_log_likelihood(arguments.pop("vae"), arguments.pop("images"), **arguments)


def test_iwae_refuses_a_plain_autoencoder_and_a_decoder_of_the_wrong_shape(trained_vae):
    vae, images = trained_vae
    plain = cp.Autoencoder(keras.Model(vae.encoder.inputs, vae.encoder.outputs[0]), vae.decoder)
    with pytest.raises(TypeError, match=r"must return \[z_mean, z_log_var\]"):
        cp.importance_weighted_log_likelihood(plain, images[:4])
    codes = keras.Input((4,))
    wrong = cp.VAE(vae.encoder, keras.Model(codes, keras.layers.Dense(10)(codes)))
    with pytest.raises(ValueError, match=r"input's shape. Received: images of shape \(8, 8, 1\)"):
        cp.importance_weighted_log_likelihood(wrong, images[:4])


def test_active_units_count_the_means_that_move(trained_vae):
    vae, images = trained_vae
    activity = cp.latent_activity(vae, images, batch_size=64)
    z_mean = to_numpy(vae.encoder(images)[0])
    np.testing.assert_allclose(activity, z_mean.var(axis=0), rtol=1e-5)
    assert cp.active_units(vae, images) == int(np.sum(activity > 0.01))
    assert cp.active_units(vae.encoder, images, threshold=0) == 4
    assert cp.active_units(vae, images, threshold=1e9) == 0


def test_a_collapsed_code_has_no_active_unit():
    vae = cp.build_vae((3, 3, 1), 2, hidden_sizes=(4,), seed=0)
    layer = vae.encoder.get_layer("z_mean")
    layer.set_weights([np.zeros_like(weight) for weight in layer.get_weights()])
    assert cp.active_units(vae, np.random.default_rng(0).uniform(size=(10, 3, 3, 1))) == 0


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"threshold": -0.1}, ValueError, "Received: threshold=-0.1"),
        ({"threshold": "0.01"}, TypeError, "Received: threshold='0.01'"),
        ({"batch_size": 0}, ValueError, "Received: batch_size=0"),
    ],
)
def test_active_units_bad_arguments(trained_vae, kwargs, error, message):
    vae, images = trained_vae
    with pytest.raises(error, match=message):
        cp.active_units(vae, images, **kwargs)
