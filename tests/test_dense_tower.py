"""companion.models.dense_tower and dense_reconstruction: the hidden layers every dense builder stacks."""

import pytest

import keras

import companion as cp
from companion.models import dense_reconstruction, dense_tower


def layer_names(model):
    return [layer.name for layer in model.layers]


def test_the_encoder_side_counts_up_and_the_decoder_side_mirrors_it():
    x = keras.Input((10,))
    encoder_out = dense_tower(x, (8, 6, 4), side="encoder")
    encoder = keras.Model(x, encoder_out)
    assert layer_names(encoder)[1:] == ["encoder_hidden_1", "encoder_hidden_2", "encoder_hidden_3"]
    assert [layer.units for layer in encoder.layers[1:]] == [8, 6, 4]
    codes = keras.Input((2,))
    decoder = keras.Model(codes, dense_tower(codes, (8, 6, 4), side="decoder", activation="tanh"))
    assert layer_names(decoder)[1:] == ["decoder_hidden_3", "decoder_hidden_2", "decoder_hidden_1"]
    assert [layer.units for layer in decoder.layers[1:]] == [4, 6, 8]
    assert all(layer.activation is keras.activations.tanh for layer in decoder.layers[1:])


def test_no_hidden_sizes_leave_the_tensor_as_it_is():
    x = keras.Input((3,))
    assert dense_tower(x, (), side="decoder") is x


def test_a_layer_factory_makes_each_layer():
    made = []

    def factory(size, name):
        made.append((size, name))
        return keras.layers.Dense(size, use_bias=False, name=name)

    x = keras.Input((5,))
    model = keras.Model(x, dense_tower(x, (4, 3), side="encoder", layer=factory))
    assert made == [(4, "encoder_hidden_1"), (3, "encoder_hidden_2")]
    assert model.count_params() == 5 * 4 + 4 * 3


def test_an_unknown_side_is_refused():
    with pytest.raises(ValueError, match=r"side must be one of \('encoder', 'decoder'\). Received: side='middle'"):
        dense_tower(keras.Input((3,)), (2,), side="middle")


def test_the_reconstruction_gives_back_the_shape_of_an_example():
    codes = keras.Input((2,))
    y = dense_reconstruction(codes, (4, 4, 1), "sigmoid")
    model = keras.Model(codes, y)
    assert model.output_shape == (None, 4, 4, 1)
    assert layer_names(model)[1:] == ["reconstruction", "unflatten"]


# The layers and parameter counts of the builders that use the tower, as saved
# models and the chapters' printed summaries know them (counted before the tower existed).
EXPECTED = {
    "stacked": (lambda: cp.build_stacked_autoencoder((28, 28), 8, hidden_sizes=(32, 16)),
                ["image", "flatten", "encoder_hidden_1", "encoder_hidden_2", "code"],
                ["code_input", "decoder_hidden_2", "decoder_hidden_1", "reconstruction", "unflatten"], 52_344),
    "normalised": (lambda: cp.build_stacked_autoencoder((784,), 8, hidden_sizes=(32, 16), batch_normalization=True),
                   ["image", "encoder_hidden_1", "encoder_hidden_1_normalized", "encoder_hidden_1_activation",
                    "encoder_hidden_2", "encoder_hidden_2_normalized", "encoder_hidden_2_activation", "code"],
                   ["code_input", "decoder_hidden_2", "decoder_hidden_2_normalized", "decoder_hidden_2_activation",
                    "decoder_hidden_1", "decoder_hidden_1_normalized", "decoder_hidden_1_activation",
                    "reconstruction"], 52_632),
    "tied": (lambda: cp.build_tied_autoencoder((28, 28), 8, hidden_sizes=(32, 16)),
             ["image", "flatten", "encoder_hidden_1", "encoder_hidden_2", "code"],
             ["code_input", "decoder_hidden_2", "decoder_hidden_1", "reconstruction", "unflatten"], 26_616),
    "contractive": (lambda: cp.build_contractive_autoencoder((784,), 8, hidden_sizes=(32, 16)),
                    ["image", "encoder_hidden_1", "encoder_hidden_2", "code"],
                    ["code_input", "decoder_hidden_2", "decoder_hidden_1", "reconstruction"], 52_344),
    "topk": (lambda: cp.build_topk_autoencoder((64,), 40, k=4, hidden_sizes=(32,)),
             ["image", "encoder_hidden_1", "code", "code_topk"],
             ["code_input", "decoder_hidden_1", "reconstruction"], 6_824),
    "vae": (lambda: cp.build_vae((28, 28, 1), 2, hidden_sizes=(32, 16)),
            ["image", "flatten", "encoder_hidden_1", "encoder_hidden_2", "z_mean", "z_log_var"],
            ["code_input", "decoder_hidden_2", "decoder_hidden_1", "reconstruction", "unflatten"], 52_180),
}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_the_builders_keep_their_layer_names_and_parameter_counts(kind):
    build, encoder_names, decoder_names, params = EXPECTED[kind]
    model = build()
    assert layer_names(model.encoder) == encoder_names
    assert layer_names(model.decoder) == decoder_names
    assert model.count_params() == params
