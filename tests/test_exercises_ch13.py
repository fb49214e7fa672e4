"""Checkers of the closing quiz, and the sections that every checker sends a learner back to."""

import importlib
import json
import re
from pathlib import Path

import numpy as np
import pytest

from companion.exercises import ch13

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
CHECKERS = {key: getattr(ch13, f"check_{key}") for key in ch13.SCENARIOS}


@pytest.mark.parametrize("key", CHECKERS)
def test_the_right_letter_is_explained(key):
    scenario = ch13.SCENARIOS[key]
    verdict = CHECKERS[key](scenario.right.upper())
    assert verdict.status == "correct" and scenario.explanation in verdict.message


@pytest.mark.parametrize("key", CHECKERS)
def test_wrong_letters_name_sections_not_the_answer(key):
    scenario = ch13.SCENARIOS[key]
    wrong_letters = [letter for letter in ch13.OPTION_LETTERS if letter != scenario.right]
    messages = {CHECKERS[key](letter).message for letter in wrong_letters}
    assert len(messages) == 1  # the same words whichever wrong option was chosen
    message = messages.pop()
    assert "Re-read" in message and f"({scenario.right})" not in message


def test_the_answers_are_not_all_one_letter():
    assert len({scenario.right for scenario in ch13.SCENARIOS.values()}) >= 3


class Unprintable:
    def __repr__(self):
        raise RuntimeError("no text")


@pytest.mark.parametrize(
    "answer, status, words",
    [
        (..., "unattempted", "replace `...`"),
        (None, "unattempted", "replace `...`"),
        ("e", "wrong", 'one of "a", "b", "c" or "d"'),
        ("ab", "wrong", "Expected one letter"),
        ("", "wrong", "Expected one letter"),
        (["a"], "wrong", "Expected one letter"),
        ({"a"}, "wrong", "Expected one letter"),
        (1, "wrong", "Expected one letter"),
        (float("nan"), "wrong", "Expected one letter"),
        (np.array("a"), "wrong", "Expected one letter"),
        (b"a", "wrong", "Expected one letter"),
        (Unprintable(), "wrong", "Expected one letter"),
        (print, "wrong", "Expected one letter"),
    ],
)
@pytest.mark.parametrize("key", CHECKERS)
def test_bad_answers_get_a_verdict(key, answer, status, words):
    verdict = CHECKERS[key](answer)
    assert verdict.status == status and words in verdict.message, verdict.message


# --- every section a checker names exists in its chapter ---


def headings(chapter):
    """The section titles of a chapter's notebooks (Chapter 9 has two: 09 and 09b)."""
    paths = sorted(NOTEBOOKS.glob(f"{chapter:02d}[_a-z]*.ipynb"))
    assert paths, f"no notebook of Chapter {chapter}"
    cells = [cell for path in paths for cell in json.loads(path.read_text())["cells"]]
    text = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")
    return set(re.findall(r"^#{2,4} (.+?)\s*$", text, re.MULTILINE))


def named_sections():
    """(chapter, title) of every section that a checker asks the learner to re-read."""
    for path in sorted((Path(ch13.__file__).parent).glob("ch[0-9][0-9].py")):
        module = importlib.import_module(f"companion.exercises.{path.stem}")
        chapter = int(path.stem[2:])
        for title in getattr(module, "_REREAD", ()):
            yield chapter, title
    for scenario in ch13.SCENARIOS.values():
        for reference in scenario.reread:
            number, title = re.fullmatch(r"Chapter (\d+): (.+)", reference).groups()
            yield int(number), title


@pytest.mark.parametrize("chapter, title", sorted(set(named_sections())))
def test_every_named_section_is_a_heading_of_its_chapter(chapter, title):
    assert title in headings(chapter), f"Chapter {chapter} has no section “{title}”"
