"""The result of checking an answer, and helpers shared by the checkers.

A checker never raises for a learner's answer. Each public ``check_*``
function is decorated with :func:`checker`, and every place where it
evaluates the learner's object (calls their function or model, reads what it
returned, reads their model's layers) runs inside :func:`call_learner_function`
or a ``with learner_code(...)`` block: an exception raised there becomes a
wrong :class:`Verdict` that names it in plain words.
"""

import contextlib
import functools
import math
import numbers
import re
import reprlib
import textwrap
from dataclasses import dataclass

import numpy as np

CORRECT, WRONG, UNATTEMPTED = "correct", "wrong", "unattempted"
_HEADINGS = {
    CORRECT: "✅ Correct",
    WRONG: "❌ Not yet",
    UNATTEMPTED: "✏️ Not attempted yet",
}
# Printed verdicts are cell outputs in the book: keep them within 80 columns
# (the emoji of a heading takes two).
_WIDTH = 78


@dataclass(frozen=True)
class Verdict:
    """What a checker says about an answer; ``bool(verdict)`` is True when correct.

    It prints as its heading and message, wrapped to lines of at most 78
    characters; a line break in the message starts a new paragraph.
    """

    status: str
    message: str

    def __post_init__(self):
        if self.status not in _HEADINGS:
            raise ValueError(f"status must be one of {sorted(_HEADINGS)}. Received: {self.status!r}")

    def __bool__(self):
        return self.status == CORRECT

    def __repr__(self):
        text = f"{_HEADINGS[self.status]}: {self.message}"
        return "\n".join(
            textwrap.fill(line, width=_WIDTH, break_long_words=False, break_on_hyphens=False)
            for line in text.split("\n")
        )


def correct(message):
    return Verdict(CORRECT, message)


def wrong(message):
    return Verdict(WRONG, message)


def unattempted(message):
    return Verdict(UNATTEMPTED, message)


# --- the safety net -------------------------------------------------------------------------------


class _LearnerCodeFailed(Exception):
    """Carries the Verdict that ends a check (for the learner's code that raised, or a failed measurement)."""

    def __init__(self, verdict):
        super().__init__(verdict.message)
        self.verdict = verdict


def checker(function):
    """Decorate a public checker so that no exception from the learner's code reaches the learner.

    The net is narrow on purpose: it catches only the exceptions raised inside
    a ``with learner_code(...)`` block of the checker (the places where it
    evaluates the learner's function or model) and returns the wrong Verdict
    that block made of them. Any other exception is a bug of the checker and
    propagates unchanged.

    Args:
        function: a ``check_*`` function that returns a Verdict.

    Returns:
        The function, wrapped.
    """

    @functools.wraps(function)
    def check(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except _LearnerCodeFailed as failure:
            return failure.verdict

    return check


def end_check(verdict):
    """End the check that is running with ``verdict``, from a helper called inside a :func:`checker`.

    Raises:
        _LearnerCodeFailed: always; the enclosing :func:`checker` returns ``verdict``.
    """
    raise _LearnerCodeFailed(verdict)


@contextlib.contextmanager
def learner_code(doing, hint=""):
    """Run a block that evaluates the learner's object, inside a :func:`checker`.

    An exception raised in the block ends the check with the wrong Verdict
    ``"<doing> raised <type>: <message>. <hint>"``.

    Args:
        doing: what the block does, e.g. ``"calling your model on 2 images"``.
        hint: optional advice shown after the exception.

    Raises:
        _LearnerCodeFailed: for any ``Exception`` raised in the block; the
            enclosing :func:`checker` turns it into its Verdict.
    """
    try:
        yield
    except _LearnerCodeFailed:
        raise
    except Exception as error:  # the learner's code: reported by `checker`, never re-raised
        raise _LearnerCodeFailed(wrong(f"{doing} raised {describe_error(error)}. {hint}".strip())) from error


_ANSI_CODES = re.compile(r"\x1b\[[0-9;]*m")
_KERAS_FRAMES = ("Exception encountered when calling", "Arguments received by")


def describe_error(error):
    """``"TypeError: message"`` in plain words, at most a few lines long.

    Keras' colour codes and the paragraphs that frame its messages (the layer
    being called, the arguments it received) are left out.
    """
    text = _ANSI_CODES.sub("", str(error))
    paragraphs = [part.strip() for part in text.split("\n\n") if part.strip()]
    kept = [part for part in paragraphs if not part.startswith(_KERAS_FRAMES)] or paragraphs
    message = " ".join(kept[0].split()).rstrip(".") if kept else ""
    message = textwrap.shorten(message, width=240, placeholder=" ...")
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxstring = _SHORT_REPR.maxother = 60


def shown(value):
    """A short text for ``value`` in a message: no endless digits or lists, never an error."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return _shown_whole_number(int(value))
    try:
        text = _SHORT_REPR.repr(value)
    except Exception:  # a learner's object whose repr fails
        text = "<>"
    return f"a {type(value).__name__}" if text.startswith("<") else text


def _shown_whole_number(number):
    if abs(number) < 10**15:
        return str(number)
    try:
        return f"a number with {len(str(abs(number)))} digits"
    except ValueError:  # longer than Python converts to text
        return "a number with thousands of digits"


# --- answers typed in a cell ----------------------------------------------------------------------


def is_unattempted(answer):
    """The notebooks' answer cells start as ``answer = ...``; None counts too."""
    return answer is Ellipsis or answer is None


def _is_complex(answer):
    return isinstance(answer, numbers.Complex) and not isinstance(answer, numbers.Real)


def as_whole_number(answer):
    """Return ``answer`` as an int, or a wrong Verdict explaining why it is not one."""
    if _is_complex(answer):
        return wrong(f"Expected a real whole number. Received: {answer!r}, a complex number.")
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        return wrong(f"Expected a whole number. Received: {shown(answer)} of type {type(answer).__name__}.")
    with learner_code("reading your number"):
        if isinstance(answer, numbers.Integral):
            return int(answer)  # exact, however many digits
        if not math.isfinite(answer) or answer != int(answer):
            return wrong(f"Expected a whole number. Received: {answer!r}.")
        return int(answer)


def check_count(answer, expected, hints, explanation, fallback="Count the weights and biases of every Dense layer."):
    """Verdict on a whole-number answer, with a hint for each known mistake.

    Args:
        answer: the learner's number (``...`` or None when not attempted).
        expected: the right count.
        hints: dict mapping a typical wrong count to a hint.
        explanation: shown with the confirmation when the count is right.
        fallback: what to reconsider, for a wrong count with no hint of its own.
    """
    if is_unattempted(answer):
        return unattempted("replace `...` with your number, then run the cell again.")
    count = as_whole_number(answer)
    if isinstance(count, Verdict):
        return count
    if count == expected:
        return correct(f"{count} = {explanation}")
    return wrong(hints.get(count, f"{shown(count)} is not it. {fallback}"))


def check_letters(answer, letters, true_letters, explanations, reread):
    """Verdict on a set of letters naming the true statements of a list.

    A wrong set gets the same answer whatever is wrong with it: "not yet" and
    the sections to re-read, never a letter or a count, so that guessing
    letter by letter teaches nothing. A right set gets one line on each
    statement.

    Args:
        answer: e.g. ``{"a", "c"}``, ``["a", "c"]`` or ``"ac"``.
        letters: all statement letters, e.g. ``"abcde"``.
        true_letters: the letters of the true statements.
        explanations: dict mapping each letter to why its statement is true or false.
        reread: the titles of the chapter's sections that the statements test.
    """
    if is_unattempted(answer):
        # no example set: it could be the answer
        return unattempted("replace `...` with the letters of the true statements, as a set or a string.")
    chosen = _read_letters(answer, letters)
    if isinstance(chosen, Verdict):
        return chosen
    if chosen == set(true_letters):
        return correct("\n".join(["the right set."] + [explanations[letter] for letter in sorted(letters)]))
    return wrong(f"not every statement is judged right. Re-read {_section_names(reread)}, then decide again "
                 "for each statement on its own.")


def check_choice(answer, letters, right_letter, explanation, reread):
    """Verdict on one letter chosen among the options of a question.

    Args:
        answer: the learner's letter, e.g. ``"b"``.
        letters: all option letters, e.g. ``"abcd"``.
        right_letter: the right option.
        explanation: shown with the confirmation.
        reread: the titles of the sections that answer the question.
    """
    if is_unattempted(answer):
        return unattempted("replace `...` with one letter, in quotes.")  # no example: it could be the answer
    letter = _read_one_letter(answer, letters)
    if isinstance(letter, Verdict):
        return letter
    if letter == right_letter:
        return correct(f"({letter}). {explanation}")
    return wrong(f"not this one. Re-read {_section_names(reread)}.")


def check_prediction(answer, choices, outcome, measured):
    """Verdict on a prediction made before an experiment, once the experiment has run.

    The outcome comes from the experiment's measurement, not from an answer
    key, so the verdict always agrees with what the chapter shows.

    Args:
        answer: the learner's predicted letter.
        choices: dict mapping each letter to the outcome it predicts.
        outcome: the letter of the outcome the experiment measured.
        measured: one sentence with the measured numbers.
    """
    letters = "".join(sorted(choices))
    if is_unattempted(answer):
        return unattempted(f'write your prediction first (one of {_listed(letters)}), then run the experiment.')
    letter = _read_one_letter(answer, letters)
    if isinstance(letter, Verdict):
        return letter
    what_happened = f"({outcome}) {choices[outcome]} {measured}"
    if letter == outcome:
        return correct(f"your prediction held: {what_happened}")
    return wrong(f"your prediction ({letter}) did not hold. What happened: {what_happened}")


def _read_letters(answer, letters):
    """The set of lower-case letters in ``answer``, or a wrong Verdict."""
    if isinstance(answer, str):
        answer = answer.replace(",", "").replace(" ", "")
    if not isinstance(answer, (str, set, frozenset, list, tuple)):
        return wrong(f'Expected letters such as {{"a", "c"}}. Received: {shown(answer)}.')
    with learner_code("reading your letters"):
        chosen = {str(letter).strip().lower() for letter in answer}
    unknown = chosen - set(letters)
    if unknown:
        return wrong(f"The statements are labelled {letters[0]} to {letters[-1]}. Unknown: {shown(sorted(unknown))}.")
    return chosen


def _read_one_letter(answer, letters):
    """``answer`` as one lower-case letter of ``letters``, or a wrong Verdict."""
    if not isinstance(answer, str):
        return wrong(f"Expected one letter, one of {_listed(letters)}. Received: {shown(answer)}.")
    letter = answer.strip().strip("()").strip().lower()
    if letter not in set(letters):
        return wrong(f"Expected one letter, one of {_listed(letters)}. Received: {shown(answer)}.")
    return letter


def _listed(letters):
    quoted = [f'"{letter}"' for letter in letters]
    return ", ".join(quoted[:-1]) + f" or {quoted[-1]}"


def _section_names(titles):
    """Section titles as the page shows them, quoted and joined with commas and "and"."""
    titles = [titles] if isinstance(titles, str) else list(titles)
    quoted = [f"“{title}”" for title in titles]
    joined = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" and {quoted[-1]}"
    return ("the section " if len(quoted) == 1 else "the sections ") + joined


def check_number(answer, expected, tolerance, hints, explanation):
    """Verdict on a real-number answer, with a hint for each known mistake.

    Args:
        answer: the learner's number.
        expected: the right value.
        tolerance: largest accepted absolute difference.
        hints: list of ``(typical wrong value, hint)``.
        explanation: shown with the confirmation.
    """
    if is_unattempted(answer):
        return unattempted("replace `...` with your number, then run the cell again.")
    if _is_complex(answer):
        return wrong(f"Expected a real number. Received: {answer!r}, a complex number.")
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        return wrong(f"Expected a number. Received: {shown(answer)} of type {type(answer).__name__}.")
    with learner_code("reading your number"):
        try:
            value = float(answer)
        except OverflowError:  # an int with hundreds of digits
            return wrong(f"Expected a finite number. Received: {shown(answer)}.")
    if not math.isfinite(value):
        return wrong(f"Expected a finite number. Received: {answer!r}.")
    if abs(value - expected) <= tolerance:
        return correct(explanation)
    for typical, hint in hints:
        if abs(value - typical) <= tolerance:
            return wrong(hint)
    return wrong(f"{shown(answer)} is not it. Check the formula in the chapter.")


# --- functions written by the learner -------------------------------------------------------------


def call_learner_function(function, signature, args, error_hints=None):
    """Call a learner's function; never let its errors escape.

    Args:
        function: what the learner passed.
        signature: how the exercise names it, e.g. ``"pca_reconstruct(x, k)"``.
        args: the arguments to call it with.
        error_hints: optional dict mapping an exception type to a hint.

    Returns:
        ``(result, None)`` when the call returned, else ``(None, verdict)``.
    """
    if is_unattempted(function):
        return None, unattempted(f"define `{signature}` and pass the function itself.")
    if not callable(function):
        return None, wrong(f"Expected a function. Received: {type(function).__name__}.")
    try:
        return function(*args), None
    except NotImplementedError:
        return None, unattempted("replace `raise NotImplementedError` with your code.")
    except Exception as error:  # the learner's code: report, never re-raise
        hint = next((text for kind, text in (error_hints or {}).items() if isinstance(error, kind)), "")
        return None, wrong(f"{signature} raised {describe_error(error)}. {hint}".strip())


def as_float_array(result, signature, expected="an array of numbers"):
    """Return ``(array, None)`` when ``result`` holds real numbers, else ``(None, verdict)``.

    Args:
        result: what the learner's function returned.
        signature: how the exercise names the function.
        expected: what it must return, for the message, e.g. ``"one number"``.
    """
    if result is None:
        return None, wrong(f"{signature} returned None: did you forget `return`?")
    not_numbers = wrong(f"{signature} must return {expected}. Received: {shown(result)}.")
    with learner_code(f"reading what {signature} returned"):
        try:
            array = np.asarray(result)
        except (TypeError, ValueError, OverflowError):  # e.g. a ragged list
            return None, not_numbers
        if np.iscomplexobj(array):
            return None, wrong(f"{signature} must return real numbers, not complex ones. Received: {shown(result)}.")
        if array.dtype.kind not in "biufO":  # text, dates, ...
            return None, not_numbers
        try:
            return array.astype("float64"), None
        except (TypeError, ValueError, OverflowError):  # e.g. a dict, a generator, huge ints
            return None, not_numbers


def as_result_array(result, expected_shape, signature):
    """Return ``(array, None)`` for a finite float array of the expected shape, else ``(None, verdict)``."""
    array, verdict = as_float_array(result, signature)
    if verdict is not None:
        return None, verdict
    if array.shape != tuple(expected_shape):
        return None, wrong(f"{signature} should return shape {tuple(expected_shape)}. Received: {array.shape}.")
    if not np.all(np.isfinite(array)):
        return None, wrong(f"{signature} returned NaN or infinite values.")
    return array, None


def as_number(result, signature):
    """Return ``(float, None)`` when ``result`` is one finite number, else ``(None, verdict)``."""
    array, verdict = as_float_array(result, signature, expected="one number")
    if verdict is not None:
        return None, verdict
    if array.size != 1:
        return None, wrong(f"{signature} must return one number. Received: an array of shape {array.shape}.")
    value = float(array.reshape(-1)[0])
    if not math.isfinite(value):
        return None, wrong(f"{signature} returned {value}; expected a finite number.")
    return value, None


def call_for_array(function, signature, args, expected_shape, error_hints=None):
    """Call a learner's function that must return a finite array of ``expected_shape``.

    Returns:
        ``(array, None)`` or ``(None, verdict)``.
    """
    result, verdict = call_learner_function(function, signature, args, error_hints)
    return (None, verdict) if verdict is not None else as_result_array(result, expected_shape, signature)


def call_for_number(function, signature, args):
    """Call a learner's function that must return one number.

    Returns:
        ``(float, None)`` or ``(None, verdict)``.
    """
    result, verdict = call_learner_function(function, signature, args)
    return (None, verdict) if verdict is not None else as_number(result, signature)


def measured_number(value, name, expected="one finite number", low=-math.inf, high=math.inf):
    """``value`` as a float in [low, high], or a wrong Verdict asking for the experiment's measurement.

    Prediction checkers read the numbers that their experiment's cell measured with it.
    """
    if isinstance(value, (bool, str)) or not isinstance(value, (numbers.Real, np.ndarray, np.generic)) \
            or np.size(value) != 1 or np.asarray(value).dtype.kind not in "iuf":
        number = math.nan
    else:
        number = float(np.asarray(value, dtype="float64").reshape(-1)[0])
    if not (math.isfinite(number) and low <= number <= high):
        return wrong(f"pass `{name}` as the experiment's cell measured it, {expected}. Received: {shown(value)}.")
    return number
