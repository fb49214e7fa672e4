"""The result of checking an answer, and helpers shared by the checkers."""

import math
from dataclasses import dataclass

import numpy as np

CORRECT, WRONG, UNATTEMPTED = "correct", "wrong", "unattempted"
_HEADINGS = {
    CORRECT: "✅ Correct",
    WRONG: "❌ Not yet",
    UNATTEMPTED: "✏️ Not attempted yet",
}


@dataclass(frozen=True)
class Verdict:
    """What a checker says about an answer; ``bool(verdict)`` is True when correct."""

    status: str
    message: str

    def __post_init__(self):
        if self.status not in _HEADINGS:
            raise ValueError(f"status must be one of {sorted(_HEADINGS)}. Received: {self.status!r}")

    def __bool__(self):
        return self.status == CORRECT

    def __repr__(self):
        return f"{_HEADINGS[self.status]}: {self.message}"


def correct(message):
    return Verdict(CORRECT, message)


def wrong(message):
    return Verdict(WRONG, message)


def unattempted(message):
    return Verdict(UNATTEMPTED, message)


def is_unattempted(answer):
    """The notebooks' answer cells start as ``answer = ...``; None counts too."""
    return answer is Ellipsis or answer is None


def as_whole_number(answer):
    """Return ``answer`` as an int, or a wrong Verdict explaining why it is not one."""
    if isinstance(answer, bool) or not isinstance(answer, (int, float, np.integer, np.floating)):
        return wrong(f"Expected a whole number. Received: {answer!r} of type {type(answer).__name__}.")
    if not math.isfinite(answer):
        return wrong(f"Expected a whole number. Received: {answer!r}.")
    if answer != int(answer):
        return wrong(f"A count of parameters is a whole number. Received: {answer!r}.")
    return int(answer)
