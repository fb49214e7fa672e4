"""cp.chapter_settings and every chapter's settings module."""

import json
from pathlib import Path

import pytest

import companion as cp
from companion import settings

CHAPTERS = settings.chapters()
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def test_every_chapter_with_a_notebook_has_settings():
    # chapters keep their planned numbers, so the sequence may have gaps
    with_notebooks = sorted(int(path.name[:2]) for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    assert CHAPTERS == with_notebooks and len(CHAPTERS) >= 9


@pytest.mark.parametrize("value, mode", [("1", "fast"), ("0", "full"), (None, "full")])
def test_the_mode_follows_companion_fast(monkeypatch, value, mode):
    if value is None:
        monkeypatch.delenv("COMPANION_FAST", raising=False)
    else:
        monkeypatch.setenv("COMPANION_FAST", value)
    chosen = cp.chapter_settings(5)
    module = settings.chapter_module(5)
    assert chosen.mode == mode
    assert chosen.as_dict() == (module.FAST if mode == "fast" else module.FULL)
    assert chosen.n_train == chosen.as_dict()["n_train"]


def test_the_mode_can_be_chosen_explicitly(monkeypatch):
    monkeypatch.setenv("COMPANION_FAST", "1")
    assert cp.chapter_settings(2, fast=False).as_dict() == settings.chapter_module(2).FULL
    monkeypatch.setenv("COMPANION_FAST", "0")
    assert cp.chapter_settings(2, fast=True).mode == "fast"


def test_settings_are_a_copy():
    chosen = cp.chapter_settings(1, fast=True)
    chosen.as_dict()["n_train"] = -1
    assert cp.chapter_settings(1, fast=True).n_train > 0 and chosen.n_train > 0


@pytest.mark.parametrize("chapter, error, message", [
    (99, ValueError, r"chapter must be one of \[1, 2, .*\]. Received: chapter=99"),
    (0, ValueError, "Received: chapter=0"),
    ("5", TypeError, "Received: chapter='5'"),
    (5.0, TypeError, "Received: chapter=5.0"),
])
def test_unknown_chapter(chapter, error, message):
    with pytest.raises(error, match=message):
        cp.chapter_settings(chapter)


def test_an_unknown_fast_value_is_refused():
    with pytest.raises(TypeError, match="fast must be True or False. Received: fast='yes'"):
        cp.chapter_settings(1, fast="yes")


def test_an_unknown_setting_lists_the_known_ones():
    chosen = cp.chapter_settings(9, fast=True)
    with pytest.raises(AttributeError, match=r"Chapter 9 has no setting 'epoch'. Its settings are: .*n_train"):
        chosen.epoch  # noqa: B018


def test_repr_shows_the_mode_and_every_value():
    text = repr(cp.chapter_settings(3, fast=True))
    assert text.startswith("Chapter 3 settings (fast run):")
    assert all(f"  {key} = " in text for key in settings.chapter_module(3).FAST)


def trains_more(key):
    """Settings whose larger value means more training: epochs and counts (``n_*``)."""
    return "epochs" in key or key.startswith("n_")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_fast_and_full_have_the_same_keys(chapter):
    module = settings.chapter_module(chapter)
    assert set(module.FAST) == set(module.FULL)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_fast_never_trains_more_than_full(chapter):
    module = settings.chapter_module(chapter)
    for key, full in module.FULL.items():
        fast = module.FAST[key]
        if trains_more(key):
            assert fast <= full, f"ch{chapter:02d}: FAST[{key!r}] = {fast} > FULL's {full}"
        if "seed" in key and isinstance(full, tuple):
            assert len(fast) <= len(full), f"ch{chapter:02d}: FAST has more {key} than FULL"


def test_the_training_table_holds_counts_epochs_batches_and_rates():
    table = cp.chapter_settings(4, fast=False).training_table()
    module = settings.chapter_module(4).FULL
    rows = list(table.index)
    assert rows[:2] == ["n_train", "n_test"], "in the order of the settings module"
    assert {"phase_epochs", "classifier_epochs", "batch_size", "classifier_batch_size", "learning_rate",
            "historical_learning_rate"} <= set(rows)
    assert not {"hidden_sizes", "seeds", "patience", "label_counts", "graph_size"} & set(rows)
    assert table.loc["n_train", "value"] == f"{module['n_train']:,}" == "60,000"
    assert table.loc["fine_tune_learning_rate", "value"] == "0.0001"
    assert list(table.columns) == ["value"] and table.columns.name == "setting"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_has_a_training_table_of_its_mode(chapter):
    fast, full = (cp.chapter_settings(chapter, fast=mode).training_table() for mode in (True, False))
    assert list(fast.index) == list(full.index) and len(full) >= 2
    assert any("epochs" in name for name in full.index) or chapter == 14  # the quiz times one epoch per model


def test_every_chapter_shows_its_training_table_under_its_setup():
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]*.ipynb")):
        code = [cell for cell in json.loads(path.read_text(encoding="utf-8"))["cells"] if cell["cell_type"] == "code"]
        setup = next(index for index, cell in enumerate(code) if "cp.chapter_settings(" in "".join(cell["source"]))
        assert "".join(code[setup + 1]["source"]) == "settings.training_table()", path.name


@pytest.mark.parametrize("fast", [True, False])
def test_chapters_12_and_13_train_the_yardstick_classifier_alike(fast):
    # Chapter 13 sets Chapter 12's token priors beside its own generators: one
    # classifier recipe (the seed is in both notebooks) on the same digits.
    twelve, thirteen = (cp.chapter_settings(chapter, fast=fast) for chapter in (12, 13))
    for key in ("n_train", "classifier_epochs", "batch_size", "learning_rate"):
        assert getattr(twelve, key) == getattr(thirteen, key), key
    for path in (NOTEBOOKS / "12_beyond_the_vae.ipynb", NOTEBOOKS / "13_from_denoising_to_diffusion.ipynb"):
        assert "classifier = cp.build_digit_classifier(seed=13)" in path.read_text()
