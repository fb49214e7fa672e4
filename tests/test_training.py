"""cp.train, the one training helper, and cp.glue, the hook of the results page."""

import re
import sys
import types

import numpy as np
import pytest

import keras

import companion as cp

SUMMARY = re.compile(r"^(\w+): (\d+) epochs?, loss [-\d.e]+(, \w+ [-\d.e]+)*$")


@pytest.fixture
def x():
    return np.random.default_rng(0).uniform(size=(40, 6)).astype("float32")


def autoencoder(name="tiny"):
    cp.seed_everything(0)
    return cp.build_linear_autoencoder((6,), 2, name=name)


def classifier():
    cp.seed_everything(0)
    return keras.Sequential([keras.Input((6,)), keras.layers.Dense(3, activation="softmax")], name="classifier")


def test_reconstruction_learns_x_itself_and_prints_one_summary_line(x, capsys):
    model = autoencoder()
    history = cp.train(model, x, loss="mse", epochs=3, batch_size=8, learning_rate=1e-2)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and SUMMARY.match(lines[0]), lines
    assert lines[0].startswith("tiny: 3 epochs, loss ")
    assert f"loss {history.history['loss'][-1]:.4g}" in lines[0]
    assert len(history.history["loss"]) == 3 and history.history["loss"][-1] < history.history["loss"][0]
    assert model.loss == "mse"  # train compiled the model with the loss it was given


def test_verbose_logs_replace_the_summary_line(x, capsys):
    cp.train(autoencoder(), x, loss="mse", epochs=2, batch_size=8, verbose=2)
    out = capsys.readouterr().out
    assert "Epoch 2/2" in out and not re.search(r"^tiny: 2 epochs", out, re.MULTILINE)


def test_classifier_with_labels_and_metrics(x, capsys):
    labels = np.arange(40) % 3
    history = cp.train(classifier(), x, labels, loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                       epochs=2, batch_size=10, validation_data=(x[:10], labels[:10]))
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    line = " ".join(capsys.readouterr().out.split())  # a long summary wraps
    # the loss first, then the other metrics, then their validation twins
    assert re.fullmatch(r"classifier: 2 epochs, loss \S+, accuracy \S+, val_loss \S+, val_accuracy \S+", line)


def test_validation_data_given_as_x_only_is_reconstructed(x):
    model = autoencoder()
    history = cp.train(model, x[:32], loss="mse", epochs=1, batch_size=8, validation_data=x[32:])
    assert history.history["val_loss"][-1] == pytest.approx(model.evaluate(x[32:], x[32:], verbose=0), rel=1e-5)


def test_cosine_decay_brings_the_learning_rate_to_zero(x):
    model = autoencoder()
    cp.train(model, x, loss="mse", epochs=2, batch_size=8, learning_rate=0.05, cosine_decay=True)
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert int(model.optimizer.iterations) == 2 * 5
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) == pytest.approx(0.0, abs=1e-9)


def test_cosine_decay_counts_the_examples_of_a_model_with_several_inputs(x):
    """With [inputs, levels] the decay spans the run's 2 x 5 steps, not 2 x ceil(2 / 8) (the list's length)."""
    inputs, level = keras.Input((x.shape[1],)), keras.Input((1,))
    model = keras.Model([inputs, level], keras.layers.Dense(x.shape[1])(keras.layers.Concatenate()([inputs, level])))
    cp.train(model, [x, np.ones((len(x), 1), "float32")], x, loss="mse", epochs=2, batch_size=8,
             learning_rate=0.05, cosine_decay=True)
    assert int(model.optimizer.iterations) == 2 * 5
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) == pytest.approx(0.0, abs=1e-9)
    schedule = model.optimizer._learning_rate  # halfway, the cosine is at half the initial rate
    assert float(keras.ops.convert_to_numpy(schedule(5))) == pytest.approx(0.025, rel=1e-5)


def test_constant_learning_rate_by_default(x):
    model = autoencoder()
    cp.train(model, x, loss="mse", epochs=1, batch_size=8, optimizer="sgd", learning_rate=0.05)
    assert isinstance(model.optimizer, keras.optimizers.SGD)
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) == pytest.approx(0.05)


def test_an_optimizer_instance_is_used_as_it_is(x):
    model = autoencoder()
    optimizer = keras.optimizers.RMSprop(0.01)
    cp.train(model, x, loss="mse", epochs=1, batch_size=8, optimizer=optimizer)
    assert model.optimizer is optimizer


@pytest.mark.parametrize("kwargs", [{"learning_rate": 0.01}, {"cosine_decay": True}])
def test_an_optimizer_instance_refuses_a_learning_rate_of_its_own(x, kwargs):
    with pytest.raises(ValueError, match=r"Pass learning_rate and cosine_decay only with an optimiser's name.*"
                                         r"Received: optimizer=Adam"):
        cp.train(autoencoder(), x, loss="mse", epochs=1, batch_size=8, optimizer=keras.optimizers.Adam(), **kwargs)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"epochs": 0}, ValueError, "Received: epochs=0"),
        ({"epochs": 2.0}, TypeError, "Received: epochs=2.0"),
        ({"epochs": None}, TypeError, "Received: epochs=None"),
        ({"batch_size": -8}, ValueError, "Received: batch_size=-8"),
        ({"batch_size": "8"}, TypeError, "Received: batch_size='8'"),
        ({"optimizer": "adamax"}, ValueError, r"optimizer must be one of \('adam', 'adamw', 'sgd'\). "
                                              r"Received: optimizer='adamax'"),
        ({"learning_rate": 0}, ValueError, "learning_rate must be a finite number > 0. Received: learning_rate=0"),
        ({"learning_rate": float("inf")}, ValueError, "Received: learning_rate=inf"),
        ({"learning_rate": "1e-3"}, TypeError, "Received: learning_rate='1e-3'"),
        ({"cosine_decay": "yes"}, TypeError, "cosine_decay must be True or False. Received: cosine_decay='yes'"),
        ({"verbose": 3}, ValueError, "Received: verbose=3"),
    ],
)
def test_bad_arguments(x, kwargs, error, message, capsys):
    options = {"loss": "mse", "epochs": 1, "batch_size": 8, **kwargs}
    with pytest.raises(error, match=message):
        cp.train(autoencoder(), x, **options)
    assert capsys.readouterr().out == ""  # refused before any training


def test_summary_line_of_one_epoch():
    line = cp.training.summary_line("m", {"val_loss": [0.5], "mae": [0.25], "loss": [0.123456]})
    assert line == "m: 1 epoch, loss 0.1235, mae 0.25, val_loss 0.5"


def test_glue_without_myst_nb_does_nothing_and_returns_the_value(monkeypatch):
    monkeypatch.setitem(sys.modules, "myst_nb", None)  # import myst_nb now raises ImportError
    value = {"mse": 0.01}
    assert cp.glue("ch01_mse", value) is value


def test_glue_with_myst_nb_records_the_value_without_showing_it(monkeypatch):
    calls = []
    fake = types.ModuleType("myst_nb")
    fake.glue = lambda name, value, display=True: calls.append((name, value, display))
    monkeypatch.setitem(sys.modules, "myst_nb", fake)
    assert cp.glue("ch01_mse_ratio", 1.004) == 1.004
    assert calls == [("ch01_mse_ratio", 1.004, False)]


def test_glue_records_numpy_scalars_as_plain_numbers(monkeypatch):
    calls = []
    fake = types.ModuleType("myst_nb")
    fake.glue = lambda name, value, display=True: calls.append(value)
    monkeypatch.setitem(sys.modules, "myst_nb", fake)
    cp.glue("ch01_mse_ratio", np.float32(1.5))
    assert calls == [1.5] and type(calls[0]) is float


def test_a_long_summary_is_wrapped_to_the_page():
    logs = {name: [123.456] for name in ("loss", "reconstruction_loss", "kl_loss",
                                         "val_loss", "val_reconstruction_loss", "val_kl_loss")}
    lines = cp.training.summary_line("variational_autoencoder", logs).splitlines()
    assert len(lines) > 1 and all(len(line) <= 79 for line in lines)
    assert all(line.startswith("    ") for line in lines[1:])
    # each value stays beside its name
    assert " ".join(lines).count("123.5") == 6 and not any(line.rstrip().endswith("loss") for line in lines)


# --- binarise=True: binary images drawn afresh at every pass (dynamic binarisation) ---


def distinct_binary_images(count):
    """Images of 0s and 1s that binarisation leaves as they are, each with its index written in bits."""
    return ((np.arange(count)[:, None] >> np.arange(8)) & 1).astype("float32")


def test_fresh_batches_give_every_image_once_per_pass_in_a_new_order():
    images = distinct_binary_images(50)
    batches = cp.training.FreshBinaryBatches(images, 8, seed=3)
    passes = []
    for _ in range(2):
        assert len(batches) == 7  # 50 images, 8 per batch: the last batch holds 2
        seen = np.concatenate([batches[i][0] for i in range(len(batches))])
        passes.append(seen @ (1 << np.arange(8)))  # each image's index, read back from its bits
        batches.on_epoch_end()
    assert all(sorted(order) == list(range(50)) for order in passes)
    assert list(passes[0]) != list(passes[1])  # a new order at the next pass


def test_fresh_batches_draw_binary_pixels_with_the_grey_levels_as_probabilities():
    grey = np.full((2000, 4), 0.3, "float32")  # identical images: only the draws differ
    batches = cp.training.FreshBinaryBatches(grey, 500, seed=0)
    first, target = batches[0]
    assert np.array_equal(first, target) and set(np.unique(first)) == {0.0, 1.0}
    draws = np.concatenate([batches[i][0] for i in range(len(batches))])
    error = np.sqrt(0.3 * 0.7 / draws.size)
    assert abs(draws.mean() - 0.3) < 5 * error
    assert np.array_equal(batches[1][0], batches[1][0])  # a batch depends on its pass and index only
    batches.on_epoch_end()
    assert not np.array_equal(batches[0][0], first)  # drawn afresh at the next pass


def test_training_draws_every_pass_afresh(monkeypatch):
    drawn, draw = [], cp.training.FreshBinaryBatches.__getitem__
    monkeypatch.setattr(cp.training.FreshBinaryBatches, "__getitem__",
                        lambda self, index: drawn.append((self.passes, index)) or draw(self, index))
    cp.train(autoencoder(), np.full((64, 6), 0.5, "float32"), loss="binary_crossentropy", epochs=3, batch_size=16,
             binarise=True)
    trained = drawn[-12:]  # 3 passes of 4 batches (Keras draws a batch or two before, to learn their shape)
    assert [index for _, index in trained] == [0, 1, 2, 3] * 3  # in order: fit does not shuffle them
    assert len(set(trained)) == 12  # no batch of one pass drawn again in another


def test_training_on_fresh_binary_batches():
    grey = np.random.default_rng(0).uniform(size=(64, 6)).astype("float32")
    weights = []
    for _ in range(2):  # the same global seed gives the same draws and the same model
        model = autoencoder()
        history = cp.train(model, grey, loss="binary_crossentropy", epochs=2, batch_size=16, binarise=True)
        weights.append(model.get_weights())
    assert len(history.history["loss"]) == 2
    assert all(np.array_equal(a, b) for a, b in zip(*weights))
    model = autoencoder()
    cp.train(model, grey, loss="binary_crossentropy", epochs=2, batch_size=16)  # the grey levels themselves
    assert not all(np.array_equal(a, b) for a, b in zip(model.get_weights(), weights[0]))


@pytest.mark.parametrize(
    "images, y, message",
    [
        (np.full((8, 6), 2.0, "float32"), None, r"values in \[0, 1\].*Received values from 2.0 to 2.0"),
        (np.full((8, 6), 0.5, "float32"), np.zeros(8), "expected y=None. Received: ndarray"),
    ],
)
def test_binarise_refuses_what_it_cannot_draw_from(images, y, message):
    with pytest.raises(ValueError, match=message):
        cp.train(autoencoder(), images, y, loss="mse", epochs=1, batch_size=8, binarise=True)
