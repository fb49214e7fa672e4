"""Checkers of Chapter 4."""

import pytest

import keras

import companion as cp
from companion.exercises import ch04


@pytest.fixture(scope="module")
def stack():
    return cp.build_stacked_autoencoder((784,), hidden_sizes=(128, 64), code_size=32)


def phase_two_from(encoder_layer, decoder_layer):
    inputs = keras.Input(shape=(128,))
    return keras.Model(inputs, decoder_layer(encoder_layer(inputs)))


def test_cached_values():
    assert ch04.check_cached_values(3_840_000).status == "correct"
    assert ch04.check_cached_values(...).status == "unattempted"
    for answer, hint in ((7_680_000, "cache of phase 2"), (1_920_000, "outputs of hidden layer 2"),
                         (64, "one image"), ("3840000", "whole number")):
        verdict = ch04.check_cached_values(answer)
        assert verdict.status == "wrong" and hint in verdict.message


def test_phase_two_right(stack):
    model = phase_two_from(stack.encoder.get_layer("encoder_hidden_2"), stack.decoder.get_layer("decoder_hidden_1"))
    assert ch04.check_phase_two_model(model, stack).status == "correct"


def test_phase_two_with_copies_is_wrong(stack):
    model = phase_two_from(keras.layers.Dense(64, activation="relu"), keras.layers.Dense(128, activation="relu"))
    verdict = ch04.check_phase_two_model(model, stack)
    assert verdict.status == "wrong" and "reuse the autoencoder's own layers" in verdict.message


def test_phase_two_wrong_shape_type_and_unattempted(stack):
    inputs = keras.Input(shape=(784,))
    whole = keras.Model(inputs, stack.decoder(stack.encoder(inputs)))
    assert "expected input and output shape (None, 128)" in ch04.check_phase_two_model(whole, stack).message
    assert "Expected a keras.Model" in ch04.check_phase_two_model("model", stack).message
    assert ch04.check_phase_two_model(..., stack).status == "unattempted"


def test_greedy_statements():
    assert ch04.check_greedy_statements({"a", "c", "e"}).status == "correct"
    verdict = ch04.check_greedy_statements({"a", "c", "d", "e"})
    assert verdict.status == "wrong" and "Re-read" in verdict.message


def test_cached_values_huge_number():
    verdict = ch04.check_cached_values(60_000 ** 100)
    assert verdict.status == "wrong" and "a number with 478 digits" in verdict.message


@pytest.fixture(scope="module")
def f2_g2(stack):
    return stack.encoder.get_layer("encoder_hidden_2"), stack.decoder.get_layer("decoder_hidden_1")


@pytest.mark.parametrize(
    "make",
    [
        lambda f2, g2: keras.Sequential([keras.Input((128,)), f2, g2]),
        lambda f2, g2: keras.Sequential([f2, g2]),
        lambda f2, g2: keras.Sequential([keras.Input((128,)), keras.Sequential([f2]), g2]),
        lambda f2, g2: (lambda x: keras.Model(x, [g2(f2(x))]))(keras.Input((128,))),
    ],
    ids=["sequential", "sequential-unbuilt", "nested", "one-output-list"],
)
def test_phase_two_right_in_any_form(stack, f2_g2, make):
    verdict = ch04.check_phase_two_model(make(*f2_g2), stack)
    assert verdict.status == "correct", verdict.message


def test_phase_two_the_whole_stack_is_wrong(stack):
    verdict = ch04.check_phase_two_model(stack, stack)
    assert verdict.status == "wrong"
    assert "expected shape=(None, 784), found shape=(2, 128)" in verdict.message
    assert "expected input and output shape (None, 128)" in verdict.message
    assert "\x1b" not in verdict.message and "Arguments received" not in verdict.message


def test_phase_two_with_two_outputs_is_wrong(stack, f2_g2):
    f2, g2 = f2_g2
    inputs = keras.Input((128,))
    codes = f2(inputs)
    verdict = ch04.check_phase_two_model(keras.Model(inputs, [g2(codes), codes]), stack)
    assert verdict.status == "wrong" and "returns 2 outputs; phase 2 has one" in verdict.message


def test_phase_two_with_a_layer_in_between_is_wrong(stack, f2_g2):
    f2, g2 = f2_g2
    model = keras.Sequential([keras.Input((128,)), f2, keras.layers.Dense(64), g2])
    verdict = ch04.check_phase_two_model(model, stack)
    assert verdict.status == "wrong" and "with nothing else in between" in verdict.message


def test_phase_two_with_the_wrong_autoencoder(stack, f2_g2):
    model = keras.Sequential([keras.Input((128,)), *f2_g2])
    verdict = ch04.check_phase_two_model(model, "stack")
    assert verdict.status == "wrong" and "as the second argument" in verdict.message
