"""train_greedy_layerwise: phases, frozen lower layers, shared layers, errors."""

import numpy as np
import pytest

import keras

import companion as cp
from companion.greedy import dense_pairs


@pytest.fixture
def data():
    return np.random.default_rng(0).uniform(size=(64, 784)).astype("float32")


def kernels(model):
    return {layer.name: keras.ops.convert_to_numpy(layer.kernel).copy()
            for part in (model.encoder, model.decoder) for layer in part.layers
            if isinstance(layer, keras.layers.Dense)}


def test_pairs_mirror_each_other():
    model = cp.build_stacked_autoencoder(hidden_sizes=(32, 16), code_size=8)
    names = [(enc.name, dec.name) for enc, dec in dense_pairs(model)]
    assert names == [("encoder_hidden_1", "reconstruction"), ("encoder_hidden_2", "decoder_hidden_1"),
                     ("code", "decoder_hidden_2")]


@pytest.mark.parametrize("hidden_sizes", [(), (32,), (32, 16, 12)])
def test_one_phase_per_layer_and_every_layer_trained(data, hidden_sizes):
    cp.seed_everything(0)
    model = cp.build_stacked_autoencoder(hidden_sizes=hidden_sizes, code_size=8)
    before = kernels(model)
    histories = cp.train_greedy_layerwise(model, data, epochs=2, batch_size=16)
    assert len(histories) == len(hidden_sizes) + 1
    assert all(len(h.history["loss"]) == 2 for h in histories)
    after = kernels(model)
    assert all(not np.allclose(before[name], after[name]) for name in before)


def test_phase_losses_fall():
    # data with structure (rank 4): on uniform noise the ReLUs of phase 1 may all
    # die, and phase 2 then has nothing to learn (so it went on PyTorch)
    rng = np.random.default_rng(0)
    data = (rng.uniform(size=(64, 4)) @ rng.uniform(size=(4, 784)) / 4).astype("float32")
    cp.seed_everything(0)
    model = cp.build_stacked_autoencoder(hidden_sizes=(32,), code_size=8)
    histories = cp.train_greedy_layerwise(model, data, epochs=5, batch_size=8, learning_rate=1e-3)
    assert all(h.history["loss"][-1] < h.history["loss"][0] for h in histories)


def test_image_shaped_inputs_are_flattened():
    model = cp.build_stacked_autoencoder((28, 28), hidden_sizes=(16,), code_size=4)
    images = np.random.default_rng(1).uniform(size=(8, 28, 28)).astype("float32")
    before = kernels(model)
    histories = cp.train_greedy_layerwise(model, images, epochs=1)
    assert len(histories) == 2 and all(np.isfinite(h.history["loss"][0]) for h in histories)
    after = kernels(model)
    assert all(not np.allclose(before[name], after[name]) for name in before)
    assert model(images).shape == (8, 28, 28)


def test_bad_inputs(data):
    model = cp.build_stacked_autoencoder(hidden_sizes=(16,), code_size=4)
    with pytest.raises(ValueError, match="examples of 784 values"):
        cp.train_greedy_layerwise(model, data[:, :100])
    with pytest.raises(ValueError, match="epochs=0"):
        cp.train_greedy_layerwise(model, data, epochs=0)
    with pytest.raises(ValueError, match="learning_rate must be a finite number > 0. Received: learning_rate=inf"):
        cp.train_greedy_layerwise(model, data, learning_rate=float("inf"))
    with pytest.raises(TypeError, match="Received: learning_rate='1e-3'"):
        cp.train_greedy_layerwise(model, data, learning_rate="1e-3")
    with pytest.raises(TypeError, match="Expected an autoencoder with .encoder"):
        cp.train_greedy_layerwise(keras.Sequential([keras.Input((4,)), keras.layers.Dense(4)]), data)
