"""companion.inference.call_in_batches and companion._checks.image_batch: the package's one way to run a model."""

import numpy as np
import pytest

import keras

import companion as cp
from companion import _checks
from companion.inference import call_in_batches


def small_model():
    cp.seed_everything(0)
    return cp.build_stacked_autoencoder((6,), 3, hidden_sizes=(4,))


def inputs(n=11, size=6):
    return np.random.default_rng(0).uniform(size=(n, size)).astype("float32")


@pytest.mark.parametrize("batch_size", [1, 3, 11, 500])
def test_batches_give_the_model_outputs_as_numpy(batch_size):
    model, x = small_model(), inputs()
    out = call_in_batches(model, x, batch_size=batch_size)
    assert isinstance(out, np.ndarray) and out.shape == (11, 6) and out.dtype == np.float32
    np.testing.assert_allclose(out, keras.ops.convert_to_numpy(model(x)), rtol=1e-6, atol=1e-7)


def test_several_outputs_come_back_as_a_list_and_several_inputs_keep_their_dtypes():
    cp.seed_everything(0)
    cvae = cp.build_conditional_vae((6,), 2, hidden_sizes=(4,))
    z_mean, z_log_var = call_in_batches(cvae.encoder, [inputs(), np.arange(11) % 10], batch_size=4)
    assert z_mean.shape == z_log_var.shape == (11, 2)
    codes, labels = np.zeros((5, 2), "float32"), np.array([0, 1, 2, 3, 9], "int32")
    images = call_in_batches(cvae.decoder, [codes, labels], batch_size=2)
    whole = keras.ops.convert_to_numpy(cvae.decoder([codes, labels]))
    np.testing.assert_allclose(images, whole, rtol=1e-6, atol=1e-7)


def test_models_run_in_inference_mode():
    keep_nothing = keras.Sequential([keras.Input((6,)), keras.layers.Dropout(0.99)])
    x = inputs()
    np.testing.assert_array_equal(call_in_batches(keep_nothing, x, batch_size=4), x)
    corrupting = keras.Sequential([keras.Input((6,)), cp.Corruption("masking", 1.0)])
    np.testing.assert_array_equal(call_in_batches(corrupting, x), x)


def test_it_is_quiet_and_compiles_nothing(capsys):
    model = small_model()
    for batch_size in (1, 2, 3, 5, 7):  # a new last batch shape each time
        call_in_batches(model, inputs(), batch_size=batch_size)
    assert capsys.readouterr() == ("", "")  # no progress bar
    assert model.predict_function is None  # predict was never built: nothing to retrace


def test_a_plain_function_is_called_as_it_is():
    seen = []

    def double(batch):
        seen.append(len(batch))
        return batch * 2

    np.testing.assert_array_equal(call_in_batches(double, np.arange(7.0)[:, None], batch_size=3)[:, 0],
                                  np.arange(7.0) * 2)
    assert seen == [3, 3, 1]


def test_the_same_call_gives_the_same_numbers():
    model, x = small_model(), inputs()
    np.testing.assert_array_equal(call_in_batches(model, x, batch_size=4), call_in_batches(model, x, batch_size=4))


@pytest.mark.parametrize(
    ("model", "x", "kwargs", "error", "message"),
    [
        ("model", np.zeros((2, 6)), {}, TypeError, "model must be a Keras model or a function"),
        (lambda b: b, np.zeros((0, 6)), {}, ValueError, r"non-empty batch.*Received: shapes \[\(0, 6\)\]"),
        (lambda b: b, np.float32(1.0), {}, ValueError, r"Received: shapes \[\(\)\]"),
        (lambda b: b, [np.zeros((2, 6)), np.zeros(3)], {}, ValueError, "of the same length"),
        (lambda b: b, np.zeros((2, 6)), {"batch_size": 0}, ValueError, "Received: batch_size=0"),
        (lambda b: b, np.zeros((2, 6)), {"batch_size": 2.5}, TypeError, "Received: batch_size=2.5"),
    ],
    ids=["not callable", "empty", "scalar", "lengths differ", "batch size 0", "batch size float"],
)
def test_bad_arguments_say_what_was_received(model, x, kwargs, error, message):
    with pytest.raises(error, match=message):
        call_in_batches(model, x, **kwargs)


# --- the image-batch validator ---


def test_image_batch_gives_float32_numpy():
    batch = _checks.image_batch(np.zeros((3, 28, 28), "uint8"))
    assert batch.dtype == np.float32 and batch.shape == (3, 28, 28)
    assert _checks.image_batch(keras.ops.ones((2, 4))).shape == (2, 4)


@pytest.mark.parametrize(
    ("images", "error", "message"),
    [
        (np.zeros(784), ValueError, r"a single image needs a batch axis \(images\[None\]\). Received: an array "
                                    r"of shape \(784,\)"),
        (np.zeros((0, 28, 28)), ValueError, r"non-empty batch of images.*Received: an array of shape \(0, 28, 28\)"),
        (np.array([["a", "b"]]), TypeError, r"must be an array of numbers.*Received: ndarray of dtype <U1"),
    ],
    ids=["one image", "empty", "strings"],
)
def test_image_batch_errors_say_what_was_expected_and_received(images, error, message):
    with pytest.raises(error, match=message):
        _checks.image_batch(images)


@pytest.mark.parametrize(
    "measure",
    [
        lambda vae, x: cp.anomaly_scores(vae, x),
        lambda vae, x: cp.negative_elbo(vae, x),
        lambda vae, x: cp.latent_activity(vae, x),
        lambda vae, x: cp.importance_weighted_log_likelihood(vae, x, k=2),
        lambda vae, x: cp.png_bits(x),
        lambda vae, x: cp.encode(vae, x),
    ],
    ids=["anomaly_scores", "negative_elbo", "latent_activity", "iwae", "png_bits", "encode"],
)
def test_every_measure_refuses_a_single_image_with_the_same_message(measure):
    cp.seed_everything(0)
    vae = cp.build_vae((4, 4, 1), 2, hidden_sizes=(4,))
    with pytest.raises(ValueError, match=r"a single image needs a batch axis"):
        measure(vae, np.zeros((4, 4, 1), "float32")[0, 0])
