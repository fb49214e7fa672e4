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
    assert verdict.status == "wrong" and "(b) is false" in verdict.message
    assert ch02.check_depth_statements(...).status == "unattempted"
    assert "Expected letters" in ch02.check_depth_statements(42).message
