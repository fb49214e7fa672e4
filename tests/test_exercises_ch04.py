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
    assert verdict.status == "wrong" and "(d) is false" in verdict.message
