"""Keep TensorFlow's native log lines, and one misleading warning, out of the notebooks.

TensorFlow writes start-up notes (oneDNN, CUDA drivers) and, in 2.21, harmless
"NodeDef mentions attribute" errors straight to file descriptor 2, which Jupyter
shows under every cell. Python exceptions and warnings are not affected, except
the retracing warning described in :class:`RetracingWarningFilter`.
"""

import contextlib
import logging
import os
import sys


@contextlib.contextmanager
def native_stderr_silenced():
    """Send writes to file descriptor 2 to /dev/null inside the block."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def import_keras_quietly():
    """Import Keras (and its backend) with native start-up logging silenced.

    Only the import is silenced: TensorFlow's later messages, errors included,
    stay visible. (The book's build scripts set ``TF_CPP_MIN_LOG_LEVEL`` for
    their own runs; importing companion never changes it.)
    """
    if "keras" in sys.modules:
        return
    with native_stderr_silenced():
        import keras

        # The backend's first tensor starts its devices: on a machine without a GPU, TensorFlow's probe of
        # CUDA logs "failed call to cuInit" under whichever cell first computes something.
        keras.ops.convert_to_numpy(keras.ops.zeros(()))


class RetracingWarningFilter(logging.Filter):
    """Drop TensorFlow's "calls to ... triggered tf.function retracing" warning.

    TensorFlow counts traces per Python function *code*, and Keras builds each
    model's predict and train steps from the same code, so the first predict of
    every new model counts as a retrace of one function. A chapter that trains
    and measures a handful of models (a beta sweep, an exercise checker) thus
    gets a 650-character warning about a loop that does not exist. Every other
    message of the ``tensorflow`` logger passes.
    """

    def filter(self, record):
        return "triggered tf.function retracing" not in record.getMessage()


def drop_retracing_warnings():
    """Install :class:`RetracingWarningFilter` on the ``tensorflow`` logger (once)."""
    logger = logging.getLogger("tensorflow")
    if not any(isinstance(existing, RetracingWarningFilter) for existing in logger.filters):
        logger.addFilter(RetracingWarningFilter())


import_keras_quietly()  # on import, before any companion module imports Keras
drop_retracing_warnings()
