"""Living figures (companion.interactive): the exported models reproduce Keras, bad inputs get clear errors."""

import base64
import json
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import keras

import companion as cp
from companion.interactive import NOISE_CLIP

# An exported sigmoid output (pixels in [0, 1]) stays this close to Keras: int8
# kernels with one scale per output unit, rounded as GPTQ does. Measured at most
# 0.025 on the chapters' trained models, far less on these untrained ones.
EXPORT_TOLERANCE = 0.03


def dense_decoder(latent_dim=2, image_shape=(28, 28, 1), seed=0):
    """The dense decoder of cp.build_vae, shape for shape (2 -> 256 -> 512 -> 784)."""
    keras.utils.set_random_seed(seed)
    return cp.build_vae(image_shape, latent_dim, kind="dense", hidden_sizes=(512, 256), seed=seed).decoder


def codes_and_labels(n=300, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 2)).astype("float32"), rng.integers(0, 10, n)


def b64_array(text, dtype):
    return np.frombuffer(base64.b64decode(text), dtype=dtype)


def forward_from_json(layers, x):
    """Run the layers exactly as the page reads them from its JSON."""
    x = np.asarray(x, dtype="float64")
    for layer in layers:
        q = b64_array(layer["q"], "int8").reshape(layer["inputs"], layer["outputs"])
        scale, bias = b64_array(layer["scale"], "<f4"), b64_array(layer["bias"], "<f4")
        x = x @ (q * scale.astype("float64")) + bias
        x = {"relu": lambda v: np.maximum(v, 0), "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
             "tanh": np.tanh, "linear": lambda v: v}[layer["activation"]](x)
    return x


# --- export_dense --------------------------------------------------------------------------------


def test_the_exported_decoder_reproduces_predict_at_sample_points():
    decoder = dense_decoder()
    codes = np.random.default_rng(3).uniform(-3, 3, size=(200, 2)).astype("float32")
    export = cp.export_dense(decoder)
    expected = decoder.predict(codes, verbose=0).reshape(200, -1)
    assert np.abs(export.predict(codes) - expected).max() < EXPORT_TOLERANCE
    assert export.output_shape == (28, 28, 1)
    assert [layer["activation"] for layer in export.layers] == ["relu", "relu", "sigmoid"]
    assert all(layer["q"].dtype == np.int8 for layer in export.layers)
    # a quarter of the float32 weights, plus the scales and biases
    params = decoder.count_params()
    assert params < export.nbytes < params + 8 * 2000


def test_the_json_the_page_reads_holds_the_same_model():
    decoder = dense_decoder()
    export = cp.export_dense(decoder)
    codes = np.random.default_rng(4).standard_normal((20, 2))
    np.testing.assert_allclose(forward_from_json(export.to_json(), codes), export.predict(codes), atol=1e-12)


def test_a_denoising_autoencoder_is_followed_through_its_encoder_and_decoder():
    model = cp.build_denoising_autoencoder((784,), 16, hidden_sizes=(32,), seed=1)
    images = np.random.default_rng(0).uniform(size=(30, 784)).astype("float32")
    export = cp.export_dense(model, inputs=images)
    assert len(export.layers) == 4  # the Corruption layer passes through at inference
    assert np.abs(export.predict(images) - model.predict(images, verbose=0)).max() < EXPORT_TOLERANCE
    assert export.max_error < EXPORT_TOLERANCE


def test_a_convolutional_decoder_is_refused_by_name():
    decoder = cp.build_vae((28, 28, 1), 2, kind="conv", filters=(4,), hidden_sizes=(8,), decoder="transpose").decoder
    with pytest.raises(ValueError, match=r"Dense layers .* Received: layer '.*' of type Conv2DTranspose"):
        cp.export_dense(decoder)


def test_a_branching_model_is_refused():
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(4)(inputs)
    model = keras.Model(inputs, keras.layers.Dense(4)(inputs + hidden))  # a skip connection
    with pytest.raises(ValueError, match="not that \\(a branch or a skip connection\\?\\)"):
        cp.export_dense(model)


def test_an_activation_the_page_cannot_compute_is_refused():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="selu", name="odd")(inputs))
    with pytest.raises(ValueError, match="Received: layer 'odd' with activation='selu'"):
        cp.export_dense(model)


def test_export_needs_a_keras_model():
    with pytest.raises(TypeError, match="Received: ndarray"):
        cp.export_dense(np.zeros((2, 2)))


# --- latent_pad ----------------------------------------------------------------------------------


def payload_of(figure):
    """The JSON inside the HTML, as the page parses it."""
    match = re.search(r'<script type="application/json" class="cp-data">(.*?)</script>', figure.html, re.S)
    return json.loads(match.group(1))


def test_the_pad_carries_the_decoder_and_reference_decodes_from_predict():
    decoder = dense_decoder()
    codes, labels = codes_and_labels()
    figure = cp.latent_pad(decoder, codes, labels)
    payload = payload_of(figure)
    assert payload == figure.payload
    checks = np.array([check["z"] for check in payload["checks"]], dtype="float32")
    reference = np.stack([b64_array(check["image"], "uint8") for check in payload["checks"]]) / 255
    predicted = decoder.predict(checks, verbose=0).reshape(len(checks), -1)
    assert np.abs(reference - predicted).max() <= 0.5 / 255 + 1e-6
    # what the page computes from its JSON is the decoder's output, within the export tolerance
    assert np.abs(forward_from_json(payload["layers"], checks) - predicted).max() < EXPORT_TOLERANCE
    assert payload["image"] == [28, 28]
    points = b64_array(payload["points"], "<i2").reshape(-1, 2) / 32767 * payload["limit"]
    inside = np.all(np.abs(codes) <= payload["limit"], axis=1)
    np.testing.assert_allclose(points, codes[inside], atol=payload["limit"] / 32767)
    np.testing.assert_array_equal(b64_array(payload["labels"], "uint8"), labels[inside])


def test_the_pad_is_self_contained_light_and_has_a_png_fallback():
    figure = cp.latent_pad(dense_decoder(), *codes_and_labels())
    bundle = figure._repr_mimebundle_()
    assert set(bundle) == {"text/html", "image/png", "text/plain"}
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG\r\n\x1a\n")
    assert figure.nbytes < 1_000_000, "a living figure must stay under 1 MB"
    assert figure.export.nbytes < figure.nbytes
    assert 0 <= figure.max_error < EXPORT_TOLERANCE
    assert not re.search(r"https?://|src=|<link|import\(|fetch\(|XMLHttpRequest", figure.html)
    assert len(bundle["text/plain"]) <= 80


def test_each_pad_has_its_own_id():
    decoder, (codes, labels) = dense_decoder(), codes_and_labels(50)
    first, second = cp.latent_pad(decoder, codes, labels), cp.latent_pad(decoder, codes, labels)
    ids = [re.search(r'id="([^"]+)"', figure.html).group(1) for figure in (first, second)]
    assert ids[0] != ids[1]


def test_the_pad_needs_a_decoder_of_2d_codes():
    codes, labels = codes_and_labels(10)
    with pytest.raises(ValueError, match="latent_pad needs a decoder of 2-D codes. Received: latent_dim=3"):
        cp.latent_pad(dense_decoder(latent_dim=3), codes, labels)
    with pytest.raises(TypeError, match="not the whole VAE: pass vae.decoder"):
        cp.latent_pad(cp.build_vae((28, 28, 1), 2, kind="dense", hidden_sizes=(8,)), codes, labels)


def test_codes_and_labels_of_different_lengths_are_refused():
    codes, labels = codes_and_labels(10)
    with pytest.raises(ValueError, match=r"same length.*Received: len\(codes\)=10, labels.shape=\(9,\)"):
        cp.latent_pad(dense_decoder(), codes, labels[:9])


@pytest.mark.parametrize("codes", [np.zeros((5, 3)), np.zeros(5), np.zeros((0, 2))])
def test_codes_must_be_a_batch_of_2d_points(codes):
    with pytest.raises(ValueError, match=r"codes must have shape \(n, 2\)"):
        cp.latent_pad(dense_decoder(), codes, np.zeros(len(codes), dtype=int))


def test_labels_must_be_integers_and_limit_positive():
    codes, labels = codes_and_labels(10)
    with pytest.raises(TypeError, match="labels must be integer classes"):
        cp.latent_pad(dense_decoder(), codes, labels.astype(float))
    with pytest.raises(ValueError, match="Received: limit=0"):
        cp.latent_pad(dense_decoder(), codes, labels, limit=0)


# --- denoising_slider ----------------------------------------------------------------------------


def small_denoiser():
    return cp.build_denoising_autoencoder((784,), 16, hidden_sizes=(64,), seed=1)


def test_the_slider_reference_outputs_are_predict_on_the_noisy_images_the_page_makes():
    model = small_denoiser()
    images = np.random.default_rng(2).uniform(size=(3, 784)).astype("float32")
    figure = cp.denoising_slider(model, images, level=0.3, trained_level=0.3)
    payload = payload_of(figure)
    clean = b64_array(payload["clean"], "uint8").reshape(3, 784) / 255
    noise = b64_array(payload["noise"], "int8").reshape(3, 784) * payload["noise_scale"]
    assert payload["noise_scale"] == NOISE_CLIP / 127
    assert {check["level"] for check in payload["checks"]} == {0.1, 0.3, 0.6, 1.0}
    for check in payload["checks"]:
        noisy = np.clip(clean[check["index"]] + check["level"] * noise[check["index"]], 0, 1)[None]
        expected = model.predict(noisy.astype("float32"), verbose=0)
        assert np.abs(b64_array(check["image"], "uint8") / 255 - expected[0]).max() <= 0.5 / 255 + 1e-6
        assert np.abs(forward_from_json(payload["layers"], noisy) - expected).max() < EXPORT_TOLERANCE
        assert check["psnr_noisy"] == pytest.approx(cp.psnr(clean[check["index"]][None], noisy))
        assert check["psnr_denoised"] == pytest.approx(cp.psnr(clean[check["index"]][None], expected), rel=1e-5)
    assert figure.nbytes < 1_000_000
    assert 0 <= figure.max_error < EXPORT_TOLERANCE
    assert base64.b64decode(figure._repr_mimebundle_()["image/png"]).startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "images, kwargs, error, message",
    [
        (np.full((2, 100), 0.5), {}, ValueError, r"model's input size, 784 values. Received: images.shape=\(2, 100\)"),
        (np.full((2, 784), 1.5), {}, ValueError, r"values in \[0, 1\]"),
        (np.full((13, 784), 0.5), {}, ValueError, r"1 to 12 images. Received: images.shape=\(13, 784\)"),
        (np.full((2, 784), 0.5), {"level": 2.0}, ValueError, "Received: level=2.0"),
        (np.full((2, 784), 0.5), {"trained_level": "0.3"}, TypeError, "Received: trained_level='0.3'"),
    ],
)
def test_the_slider_refuses_bad_arguments(images, kwargs, error, message):
    with pytest.raises(error, match=message):
        cp.denoising_slider(small_denoiser(), images, **kwargs)


def test_interactive_is_the_module_and_its_names_are_public():
    assert cp.interactive.latent_pad is cp.latent_pad
    assert set(cp.interactive.__all__) <= set(cp.__all__)
