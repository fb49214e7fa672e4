"""Checkers of Chapter 2: unattempted, wrong type, wrong value, right."""

import pytest

import keras

import companion as cp
from companion.exercises import ch02


def test_sandwich_count():
    assert ch02.check_sandwich_parameter_count(222384).status == "correct"
    assert ch02.check_sandwich_parameter_count(cp.build_stacked_autoencoder().count_params())
    assert ch02.check_sandwich_parameter_count(...).status == "unattempted"


@pytest.mark.parametrize("answer, hint", [(221184, "bias"), (110816, "encoder alone"), (111568, "decoder alone"),
                                          (1, "Count the weights"), ("many", "whole number"),
                                          (float("nan"), "whole number")])
def test_sandwich_count_wrong(answer, hint):
    verdict = ch02.check_sandwich_parameter_count(answer)
    assert verdict.status == "wrong" and hint in verdict.message


def test_bottleneck_right():
    model = cp.build_stacked_autoencoder((784,), hidden_sizes=(256,), code_size=16)
    verdict = ch02.check_bottleneck_model(model)
    assert verdict.status == "correct", verdict.message


@pytest.mark.parametrize(
    "kwargs, hint",
    [
        ({"hidden_sizes": (128,), "code_size": 16}, "expected [256, 16]"),
        ({"hidden_sizes": (256,), "code_size": 32}, "expected [256, 16]"),
        ({"hidden_sizes": (256,), "code_size": 16, "activation": "tanh"}, "ReLU"),
        ({"hidden_sizes": (256,), "code_size": 16, "code_activation": "relu"}, "linear"),
        ({"hidden_sizes": (256,), "code_size": 16, "output_activation": None}, "sigmoid"),
    ],
)
def test_bottleneck_wrong_models(kwargs, hint):
    verdict = ch02.check_bottleneck_model(cp.build_stacked_autoencoder((784,), **kwargs))
    assert verdict.status == "wrong" and hint in verdict.message, verdict.message


def test_bottleneck_wrong_type_and_unattempted():
    plain = keras.Sequential([keras.Input((784,)), keras.layers.Dense(16)])
    assert "Expected a model with .encoder" in ch02.check_bottleneck_model(plain).message
    assert "Expected a model" in ch02.check_bottleneck_model("model").message
    assert ch02.check_bottleneck_model(None).status == "unattempted"


def test_depth_statements():
    assert ch02.check_depth_statements({"a", "c", "e"}).status == "correct"
    verdict = ch02.check_depth_statements({"a", "b", "c", "e"})
    assert verdict.status == "wrong" and "Re-read" in verdict.message
    assert ch02.check_depth_statements(...).status == "unattempted"
    assert "Expected letters" in ch02.check_depth_statements(42).message


def test_sandwich_count_huge_number():
    verdict = ch02.check_sandwich_parameter_count(784 ** 256)
    assert verdict.status == "wrong" and "a number with 741 digits" in verdict.message


def sequential_autoencoder(encoder_sizes=(256, 16), encoder_input=None):
    """A cp.Autoencoder of two keras.Sequential models, never called unless they start with an Input."""
    first = [keras.Input((encoder_input,))] if encoder_input else []
    encoder = keras.Sequential(first + [keras.layers.Dense(encoder_sizes[0], activation="relu"),
                                        keras.layers.Dense(encoder_sizes[1])])
    decoder = keras.Sequential([keras.layers.Dense(256, activation="relu"),
                                keras.layers.Dense(784, activation="sigmoid")])
    return cp.Autoencoder(encoder, decoder)


def test_bottleneck_unbuilt_sequentials_right():
    model = sequential_autoencoder()
    assert not model.built
    verdict = ch02.check_bottleneck_model(model)
    assert verdict.status == "correct" and "410912 parameters" in verdict.message, verdict.message


def test_bottleneck_unbuilt_sequentials_wrong():
    verdict = ch02.check_bottleneck_model(sequential_autoencoder((128, 16)))
    assert verdict.status == "wrong" and "expected [256, 16]" in verdict.message


def test_bottleneck_that_cannot_take_784_values():
    verdict = ch02.check_bottleneck_model(sequential_autoencoder(encoder_input=100))
    assert verdict.status == "wrong", verdict.message
    assert "building your model on a batch of 784 pixel values raised ValueError" in verdict.message


def test_bottleneck_whose_parts_fail_to_load():
    class Broken:
        decoder = None

        @property
        def encoder(self):
            raise RuntimeError("weights not loaded")

    verdict = ch02.check_bottleneck_model(Broken())
    assert verdict.status == "wrong"
    assert "reading your model's encoder and decoder raised RuntimeError: weights not loaded" in verdict.message
