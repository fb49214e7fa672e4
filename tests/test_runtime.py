"""companion.runtime: fast mode, budgets and seeding."""

import random

import numpy as np
import pytest

import keras

import companion as cp


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("YES", True), ("0", False),
                                             ("", False), ("off", False)])
def test_fast_mode_values(monkeypatch, value, expected):
    monkeypatch.setenv("COMPANION_FAST", value)
    assert cp.fast_mode() is expected
    assert cp.budget(full="full", fast="fast") == ("fast" if expected else "full")


def test_fast_mode_unset_means_full(monkeypatch):
    monkeypatch.delenv("COMPANION_FAST", raising=False)
    assert cp.budget(full=60_000, fast=1_000) == 60_000


def test_unknown_fast_value_is_an_error(monkeypatch):
    monkeypatch.setenv("COMPANION_FAST", "fsat")
    with pytest.raises(ValueError, match="COMPANION_FAST='fsat'"):
        cp.budget(full=1, fast=2)


def draws():
    return (random.random(), np.random.rand(), float(keras.random.uniform((1,))[0]),
            float(keras.initializers.GlorotUniform()((1, 1))[0, 0]))


def test_seed_everything_repeats_all_generators():
    cp.seed_everything(7)
    first = draws()
    cp.seed_everything(7)
    assert draws() == first
    cp.seed_everything(8)
    assert draws() != first


@pytest.mark.parametrize("seed, error", [(-1, ValueError), (1.5, TypeError), ("3", TypeError)])
def test_bad_seed(seed, error):
    with pytest.raises(error, match="seed"):
        cp.seed_everything(seed)
