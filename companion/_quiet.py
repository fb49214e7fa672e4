"""Keep TensorFlow's native log lines out of the notebooks.

TensorFlow writes start-up notes (oneDNN, CUDA drivers) and, in 2.21, harmless
"NodeDef mentions attribute" errors straight to file descriptor 2, which Jupyter
shows under every cell. Python exceptions and warnings are not affected.
"""

import contextlib
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
        import keras  # noqa: F401


import_keras_quietly()  # on import, before any companion module imports Keras
