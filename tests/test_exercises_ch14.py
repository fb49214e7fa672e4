"""Checkers of the closing quiz, and the sections that every checker sends a learner back to."""

import importlib
import json
import re
from pathlib import Path

import numpy as np
import pytest

from companion.exercises import ch14
from companion.exercises._verdict import SealedLetters

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
QUIZ = NOTEBOOKS / "14_which_autoencoder_when.ipynb"
CHECKERS = {key: getattr(ch14, f"check_{key}") for key in ch14.SCENARIOS}


def solution_letters():
    """``{key: letter}``: the letter that each scenario's solution cell in the quiz's notebook passes."""
    letters = {}
    for cell in json.loads(QUIZ.read_text(encoding="utf-8"))["cells"]:
        source = "".join(cell["source"])
        match = re.search(r'^answer = "([a-d])".*\ncp\.exercises\.ch14\.check_(\w+)\(answer\)', source, re.MULTILINE)
        if cell["cell_type"] == "code" and match:
            letters[match.group(2)] = match.group(1)
    return letters


SOLVED = solution_letters()


def test_every_scenario_has_a_solution_in_the_notebook():
    assert set(SOLVED) == set(ch14.SCENARIOS)


@pytest.mark.parametrize("key", CHECKERS)
def test_the_solution_letter_is_the_only_one_accepted_and_is_explained(key):
    scenario = ch14.SCENARIOS[key]
    accepted = [letter for letter in ch14.OPTION_LETTERS if CHECKERS[key](letter)]
    assert accepted == [SOLVED[key]]
    verdict = CHECKERS[key](SOLVED[key].upper())
    assert verdict.status == "correct" and scenario.explanation in verdict.message


@pytest.mark.parametrize("key", CHECKERS)
def test_the_key_is_sealed(key):
    key_object = ch14.SCENARIOS[key].right
    assert isinstance(key_object, SealedLetters)
    assert key_object.matches(SOLVED[key]) and key_object.salt == f"ch14.{key}"
    assert SOLVED[key] not in {value for value in vars(key_object).values() if len(str(value)) == 1}
    assert f"'{SOLVED[key]}'" not in repr(key_object) and f'"{SOLVED[key]}"' not in repr(key_object)


@pytest.mark.parametrize("key", CHECKERS)
def test_wrong_letters_name_sections_not_the_answer(key):
    scenario = ch14.SCENARIOS[key]
    wrong_letters = [letter for letter in ch14.OPTION_LETTERS if letter != SOLVED[key]]
    messages = {CHECKERS[key](letter).message for letter in wrong_letters}
    assert len(messages) == 1  # the same words whichever wrong option was chosen
    message = messages.pop()
    assert "Re-read" in message and f"({SOLVED[key]})" not in message
    assert scenario.explanation not in message


def option_texts(key):
    """``{letter: text}`` of the options of scenario ``key``, as the notebook prints them."""
    cells = json.loads(QUIZ.read_text(encoding="utf-8"))["cells"]
    for index, cell in enumerate(cells):
        if f"ch14.check_{key}(answer)" in "".join(cell["source"]):
            question = "".join(cells[index - 1]["source"])
            break
    options = re.findall(r"^- \(([a-d])\) (.+?)(?=^- \(|\Z)", question, re.MULTILINE | re.DOTALL)
    return {letter: " ".join(text.split()) for letter, text in options}


@pytest.mark.parametrize("key", CHECKERS)
def test_a_wrong_verdict_holds_no_words_of_the_right_option(key):
    options = option_texts(key)
    assert sorted(options) == list(ch14.OPTION_LETTERS), options
    right = options[SOLVED[key]]
    for letter in ch14.OPTION_LETTERS.replace(SOLVED[key], ""):
        message = " ".join(CHECKERS[key](letter).message.split())
        words = right.split()
        phrases = {" ".join(words[start:start + 5]) for start in range(max(len(words) - 4, 1))}
        assert not [phrase for phrase in phrases if phrase in message], (letter, message)


def test_the_answers_are_not_all_one_letter():
    assert len(set(SOLVED.values())) >= 3


@pytest.mark.parametrize("key", CHECKERS)
def test_each_scenario_names_sections_to_reread(key):
    assert ch14.SCENARIOS[key].reread and all(
        re.fullmatch(r"Chapter \d+: .+", reference) for reference in ch14.SCENARIOS[key].reread)


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
    for path in sorted((Path(ch14.__file__).parent).glob("ch[0-9][0-9].py")):
        module = importlib.import_module(f"companion.exercises.{path.stem}")
        chapter = int(path.stem[2:])
        for title in getattr(module, "_REREAD", ()):
            yield chapter, title
    for scenario in ch14.SCENARIOS.values():
        for reference in scenario.reread:
            number, title = re.fullmatch(r"Chapter (\d+): (.+)", reference).groups()
            yield int(number), title


@pytest.mark.parametrize("chapter, title", sorted(set(named_sections())))
def test_every_named_section_is_a_heading_of_its_chapter(chapter, title):
    assert title in headings(chapter), f"Chapter {chapter} has no section “{title}”"
