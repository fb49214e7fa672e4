"""Each chapter's settings, in one place: sample counts, sizes, epochs, learning rates.

Chapter ``N`` has a module ``companion.settings.chNN`` with two dicts of the
same keys: ``FULL``, the run that builds the book, and ``FAST``, the small, quick
run of the tests (``COMPANION_FAST=1``), which never trains more than ``FULL``.
A notebook reads its settings once, ``settings = cp.chapter_settings(5)``, and
then passes plain values (``epochs=settings.epochs``); the benchmarks import the
same modules, so a chapter and the results page cannot drift apart.
"""

import importlib
import pkgutil

from companion import _checks
from companion.runtime import fast_mode

# The settings a reader needs to repeat a chapter's training: sample counts
# (``n_train``, ``iwae_n``, ``exercise_n_train``), epochs, batch sizes and learning rates.
_TRAINING_WORDS = ("epochs", "learning_rate", "batch_size")


def _is_training_setting(key):
    counts = key.startswith("n_") or "_n_" in key or key.endswith("_n")
    return counts or any(word in key for word in _TRAINING_WORDS)


def _shown(value):
    """``60,000`` for a count, ``0.001`` for a rate."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


class Settings:
    """A chapter's settings for the current mode, read as attributes (``settings.epochs``)."""

    def __init__(self, chapter, values, mode):
        self._chapter = chapter
        self._values = dict(values)
        self.mode = mode

    def __getattr__(self, name):
        values = self.__dict__.get("_values", {})
        if name in values:
            return values[name]
        raise AttributeError(
            f"Chapter {self.__dict__.get('_chapter')} has no setting {name!r}. "
            f"Its settings are: {', '.join(sorted(values))}"
        )

    def as_dict(self):
        """All settings as a new dict."""
        return dict(self._values)

    def training_table(self):
        """The chapter's training settings as a small table, shown under each chapter's setup cell.

        Returns:
            pandas.DataFrame: one row per sample count, number of epochs,
            batch size and learning rate, in the order of the chapter's
            settings module, indexed by the name the cells use
            (``settings.<name>``), in one column, ``value``.
        """
        import pandas as pd  # only the table needs it

        names = [key for key in self._values if _is_training_setting(key)]
        table = pd.DataFrame({"value": [_shown(self._values[key]) for key in names]}, index=names)
        table.columns.name = "setting"  # one header row: setting | value
        return table

    def __repr__(self):
        items = "\n".join(f"  {key} = {value!r}" for key, value in self._values.items())
        return f"Chapter {self._chapter} settings ({self.mode} run):\n{items}"


def chapters():
    """The numbers of the chapters that have settings, in order."""
    return sorted(int(module.name[2:]) for module in pkgutil.iter_modules(__path__) if module.name.startswith("ch"))


def chapter_module(chapter):
    """The module ``companion.settings.chNN`` of a chapter (with ``FULL`` and ``FAST``).

    Raises:
        TypeError, ValueError: if ``chapter`` is not the number of a chapter with settings.
    """
    chapter = _checks.positive_int("chapter", chapter)
    if chapter not in chapters():
        raise ValueError(f"chapter must be one of {chapters()}. Received: chapter={chapter}")
    return importlib.import_module(f"{__name__}.ch{chapter:02d}")


def chapter_settings(chapter, *, fast=None):
    """The settings of a chapter for the current mode (Chapters 1 to 9 call it in their setup).

    Args:
        chapter: the chapter's number, e.g. 5.
        fast: True or False to choose the mode; None (the default) follows
            ``COMPANION_FAST`` (see :func:`~companion.fast_mode`).

    Returns:
        Settings: read as attributes, e.g. ``settings.epochs``.

    Raises:
        TypeError, ValueError: for an unknown chapter, a ``fast`` that is
            neither None nor a bool, or a ``COMPANION_FAST`` value that is not
            understood.
    """
    module = chapter_module(chapter)
    fast = fast_mode() if fast is None else _checks.boolean("fast", fast)
    return Settings(chapter, module.FAST if fast else module.FULL, "fast" if fast else "full")
