"""companion.runtime: fast mode and seeding."""

import os
import random
import subprocess
import sys

import numpy as np
import pytest

import keras

import companion as cp


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("YES", True), ("0", False),
                                             ("", False), ("off", False)])
def test_fast_mode_values(monkeypatch, value, expected):
    monkeypatch.setenv("COMPANION_FAST", value)
    assert cp.fast_mode() is expected


def test_fast_mode_unset_means_full(monkeypatch):
    monkeypatch.delenv("COMPANION_FAST", raising=False)
    assert cp.fast_mode() is False


def test_unknown_fast_value_is_an_error(monkeypatch):
    monkeypatch.setenv("COMPANION_FAST", "fsat")
    with pytest.raises(ValueError, match="COMPANION_FAST='fsat'"):
        cp.fast_mode()


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


@pytest.mark.parametrize("seed, error", [(-1, ValueError), (1.5, TypeError), ("3", TypeError), (True, TypeError)])
def test_bad_seed(seed, error):
    with pytest.raises(error, match=rf"seed must be a non-negative integer. Received: seed={seed!r}"):
        cp.seed_everything(seed)


@pytest.mark.parametrize("deterministic", [False, True])
def test_deterministic_switches_tensorflow_op_determinism(deterministic):
    assert cp.seed_everything(3, deterministic=deterministic) == 3
    if keras.backend.backend() == "tensorflow":
        from tensorflow.python.framework import config

        assert config.is_op_determinism_enabled() is deterministic


@pytest.mark.parametrize("deterministic", ["yes", 1, None])
def test_deterministic_must_be_a_bool(deterministic):
    with pytest.raises(TypeError, match=rf"deterministic must be True or False. Received: deterministic={deterministic!r}"):
        cp.seed_everything(0, deterministic=deterministic)


@pytest.mark.slow
def test_importing_companion_leaves_tf_cpp_min_log_level_alone():
    """The variable is the learner's; TensorFlow itself sets it to "1" on import if unset, companion adds nothing."""
    env = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}

    def value_after(module):
        script = f"import os, {module}; print(repr(os.environ.get('TF_CPP_MIN_LOG_LEVEL')))"
        run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-2000:]
        return run.stdout.strip().splitlines()[-1]

    assert value_after("companion") == value_after("keras") in ("None", "'1'")
