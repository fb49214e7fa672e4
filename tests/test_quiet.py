"""companion._quiet: TensorFlow's misleading retracing warning stays out of the book."""

import logging

import pytest

import keras

import companion  # noqa: F401  (installs the filter)
from companion._quiet import RetracingWarningFilter, drop_retracing_warnings


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def record(message):
    return logging.LogRecord("tensorflow", logging.WARNING, __file__, 1, message, None, None)


def test_the_filter_drops_the_retracing_warning_and_nothing_else():
    keep = RetracingWarningFilter()
    assert not keep.filter(record("5 out of the last 5 calls to <function f> triggered tf.function retracing."))
    assert keep.filter(record("Gradients do not exist for variables ['dense/kernel']"))


def test_installing_twice_adds_one_filter():
    drop_retracing_warnings()
    drop_retracing_warnings()
    filters = logging.getLogger("tensorflow").filters
    assert sum(isinstance(existing, RetracingWarningFilter) for existing in filters) == 1


def retrace_six_times(function):
    import tensorflow as tf

    for width in range(1, 7):  # a new input shape: a new trace each call
        function(tf.zeros((width,)))


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="a TensorFlow warning")
def test_a_real_retracing_warning_is_dropped_and_would_otherwise_show():
    import tensorflow as tf

    logger, collect = logging.getLogger("tensorflow"), Collect()
    logger.addHandler(collect)
    installed = [existing for existing in logger.filters if isinstance(existing, RetracingWarningFilter)]
    try:
        retrace_six_times(tf.function(lambda x: x + 1))
        assert not any("retracing" in message for message in collect.messages)
        for existing in installed:  # the control: without the filter, TensorFlow warns
            logger.removeFilter(existing)
        retrace_six_times(tf.function(lambda x: x * 2))  # another code object, a fresh count
        assert any("triggered tf.function retracing" in message for message in collect.messages)
    finally:
        logger.removeHandler(collect)
        for existing in installed:
            logger.addFilter(existing)
