"""The result of checking an answer, and helpers shared by the checkers.

A checker never raises for a learner's answer. Each public ``check_*``
function is decorated with :func:`checker`, and every place where it
evaluates the learner's object (calls their function or model, reads what it
returned, reads their model's layers) runs inside a ``with learner_code(...)``
block: an exception raised there becomes a wrong :class:`Verdict` that names
it in plain words (or an unattempted one for the scaffold's
``raise NotImplementedError``).

One way to signal a learner's error: a helper that finds one ends the check
with :func:`end_check` and the enclosing :func:`checker` returns its Verdict.
Helpers return the value they read (``read_array``, ``read_number``,
``read_whole_number``, ``learner_result``, ``validate_measurement``), never a
``(value, verdict)`` tuple nor "a value or a Verdict".

Answer keys are not stored readable: a set of true letters is a
:class:`SealedLetters` (a salted SHA-256 digest, compared by digest), and a
prediction's right letter is computed from the experiment's measurement.
"""

import contextlib
import dis
import functools
import hashlib
import hmac
import inspect
import math
import numbers
import os
import re
import reprlib
import sys
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
        if is_scaffold_error(error):
            raise _LearnerCodeFailed(unattempted(
                f"{doing} reached `raise NotImplementedError`: replace it with your code, "
                "run the cell again, then the check.")) from error
        raise _LearnerCodeFailed(wrong(f"{doing} raised {describe_error(error)}. {hint}".strip())) from error


def _library_folders():
    folders = []
    for name in ("keras", "numpy", "tensorflow", "jax", "torch", "companion"):
        module = sys.modules.get(name)
        if module is not None and getattr(module, "__file__", None):
            folders.append(os.path.dirname(os.path.abspath(module.__file__)) + os.sep)
    return tuple(folders)


def is_scaffold_error(error):
    """True for a ``NotImplementedError`` raised by the learner's code, such as an exercise's scaffold.

    Keras raises ``NotImplementedError`` itself (a model without ``get_config``
    whose arguments it cannot serialise): the innermost frame of the traceback
    tells which, and one raised inside a library is not a scaffold.
    """
    if not isinstance(error, NotImplementedError):
        return False
    traceback = error.__traceback__
    if traceback is None:
        return True
    while traceback.tb_next is not None:
        traceback = traceback.tb_next
    filename = os.path.abspath(traceback.tb_frame.f_code.co_filename)
    return not filename.startswith(_library_folders())


_EMPTY_BODY_OPS = {"RESUME", "NOP", "CACHE", "LOAD_CONST", "RETURN_CONST", "RETURN_VALUE"}


def is_empty_function(function):
    """True for a ``def`` whose body does nothing (``...``, ``pass`` or only a docstring); never for a lambda."""
    code = getattr(function, "__code__", None)
    if code is None or code.co_name == "<lambda>":
        return False
    try:
        instructions = list(dis.get_instructions(code))
    except Exception:  # not Python byte code
        return False
    return all(instruction.opname in _EMPTY_BODY_OPS and instruction.argval is None
               or instruction.opname in ("RESUME", "NOP", "CACHE", "RETURN_VALUE")
               for instruction in instructions)


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


def read_whole_number(answer):
    """``answer`` as an int; ends the check with a wrong Verdict saying why it is not one."""
    if _is_complex(answer):
        end_check(wrong(f"Expected a real whole number. Received: {answer!r}, a complex number."))
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        end_check(wrong(f"Expected a whole number. Received: {shown(answer)} of type {type(answer).__name__}."))
    with learner_code("reading your number"):
        if isinstance(answer, numbers.Integral):
            return int(answer)  # exact, however many digits
        if not math.isfinite(answer) or answer != int(answer):
            end_check(wrong(f"Expected a whole number. Received: {answer!r}."))
        return int(answer)


@checker
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
    count = read_whole_number(answer)
    if count == expected:
        return correct(f"{count} = {explanation}")
    return wrong(hints.get(count, f"{shown(count)} is not it. {fallback}"))


# --- answer keys that are not readable as plain attributes ----------------------------------------


def letters_digest(letters, salt):
    """The salted SHA-256 digest of a set of letters, as :class:`SealedLetters` stores it.

    Compute it once, when writing a checker, and paste the digest in the
    chapter's module::

        python -c "from companion.exercises._verdict import letters_digest; print(letters_digest('bd', 'ch05.statements'))"

    Args:
        letters: the letters, in any order (``"db"``, ``{"b", "d"}``).
        salt: a text unique to the question, e.g. ``"ch05.statements"``.

    Returns:
        str: 64 hexadecimal digits.
    """
    text = f"{salt}:{''.join(sorted({str(letter).lower() for letter in letters}))}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SealedLetters:
    """An answer key for letters (a true/false set, or one choice), stored as a salted digest.

    Pass it as ``true_letters`` to :func:`check_letters` or as ``right_letter``
    to :func:`check_choice`. The letters themselves are nowhere in the module,
    so a learner who reads the checker's attributes finds a digest.

    Attributes:
        salt: the text the digest was salted with (see :func:`letters_digest`).
        digest: ``letters_digest(letters, salt)``.
    """

    salt: str
    digest: str

    def matches(self, letters):
        """True when ``letters`` (a set or a string) is the sealed set."""
        return hmac.compare_digest(letters_digest(letters, self.salt), self.digest)

    def __repr__(self):
        return f"SealedLetters(salt={self.salt!r}, digest=...)"


def _key_matches(key, chosen):
    if isinstance(key, SealedLetters):
        return key.matches(chosen)
    return set(chosen) == set(key)


@checker
def check_letters(answer, letters, true_letters, explanations, reread):
    """Verdict on a set of letters naming the true statements of a list.

    A wrong set gets the same answer whatever is wrong with it: "not yet" and
    the sections to re-read, never a letter or a count, so that guessing
    letter by letter teaches nothing. A right set gets one line on each
    statement.

    Args:
        answer: e.g. ``{"a", "c"}``, ``["a", "c"]`` or ``"ac"``.
        letters: all statement letters, e.g. ``"abcde"``.
        true_letters: the key: a :class:`SealedLetters` (use this), or the
            letters of the true statements in plain text (the kit's own tests).
        explanations: dict mapping each letter to why its statement is true or
            false. With a :class:`SealedLetters` key, give the reason only: the
            verdict starts each line with "(a) is true:" or "(a) is false:".
        reread: the titles of the chapter's sections that the statements test.
    """
    if is_unattempted(answer):
        # no example set: it could be the answer
        return unattempted("replace `...` with the letters of the true statements, as a set or a string.")
    chosen = _read_letters(answer, letters)
    if _key_matches(true_letters, chosen):
        if isinstance(true_letters, SealedLetters):
            lines = [f"({letter}) is {'true' if letter in chosen else 'false'}: {explanations[letter]}"
                     for letter in sorted(letters)]
        else:
            lines = [explanations[letter] for letter in sorted(letters)]
        return correct("\n".join(["the right set."] + lines))
    return wrong(f"not every statement is judged right. Re-read {_section_names(reread)}, then decide again "
                 "for each statement on its own.")


@checker
def check_choice(answer, letters, right_letter, explanation, reread):
    """Verdict on one letter chosen among the options of a question.

    Args:
        answer: the learner's letter, e.g. ``"b"``.
        letters: all option letters, e.g. ``"abcd"``.
        right_letter: the key: a :class:`SealedLetters` of one letter (use
            this), or the letter in plain text (the kit's own tests).
        explanation: shown with the confirmation.
        reread: the titles of the sections that answer the question.
    """
    if is_unattempted(answer):
        return unattempted("replace `...` with one letter, in quotes.")  # no example: it could be the answer
    letter = _read_one_letter(answer, letters)
    if _key_matches(right_letter, {letter}):
        return correct(f"({letter}). {explanation}")
    return wrong(f"not this one. Re-read {_section_names(reread)}.")


@checker
def check_prediction(answer, choices, outcome, measured):
    """Verdict on a prediction made before an experiment, once the experiment has run.

    The outcome comes from the experiment's measurement, not from an answer
    key, so the verdict always agrees with what the chapter shows. The
    chapter's checker, ``check_<topic>_prediction(answer, <measurements>)``,
    reads each measurement with :func:`validate_measurement` first.

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
    if letter == outcome:
        return correct(f"your prediction held: ({outcome}) {choices[outcome]} {measured}")
    # the measurement, not the letter it points to: reading it against the options is the lesson
    return wrong(f"your prediction ({letter}) did not hold. The experiment measured: {measured} "
                 "Which option do these numbers fit? The solution explains why.")


def _read_letters(answer, letters):
    """The set of lower-case letters in ``answer``; ends the check otherwise."""
    if isinstance(answer, str):
        answer = answer.replace(",", "").replace(" ", "")
    if not isinstance(answer, (str, set, frozenset, list, tuple)):
        end_check(wrong("Expected the letters of the true statements: a set of one-letter strings, or one "
                        f"string of letters. Received: {shown(answer)}."))
    with learner_code("reading your letters"):
        chosen = {str(letter).strip().lower() for letter in answer}
    unknown = chosen - set(letters)
    if unknown:
        end_check(wrong(f"The statements are labelled {letters[0]} to {letters[-1]}. "
                        f"Unknown: {shown(sorted(unknown))}."))
    return chosen


def _read_one_letter(answer, letters):
    """``answer`` as one lower-case letter of ``letters``; ends the check otherwise."""
    expected = wrong(f"Expected one letter, one of {_listed(letters)}. Received: {shown(answer)}.")
    if not isinstance(answer, str):
        end_check(expected)
    letter = answer.strip().strip("()").strip().lower()
    if letter not in set(letters):
        end_check(expected)
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


@checker
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


def validate_measurement(value, name, *, expected="one finite number", low=-math.inf, high=math.inf):
    """``value``, a number the experiment's cell measured, as a float in [low, high]; ends the check otherwise.

    The one way a prediction checker reads its measurements: the learner may
    have skipped the experiment's cell or passed something else, and the
    verdict then asks for the measurement by its name.

    Args:
        value: what the learner passed.
        name: the variable's name in the notebook, e.g. ``"shuffled_mse"``.
        expected: what it must be, for the message, e.g. ``"an error > 0"``.
        low, high: the accepted range (inclusive).

    Returns:
        float.
    """
    if isinstance(value, (bool, str)) or not isinstance(value, (numbers.Real, np.ndarray, np.generic)) \
            or np.size(value) != 1 or np.asarray(value).dtype.kind not in "iuf":
        number = math.nan
    else:
        number = float(np.asarray(value, dtype="float64").reshape(-1)[0])
    if not (math.isfinite(number) and low <= number <= high):
        end_check(wrong(f"run the experiment's cell first, then pass `{name}` as it measured it, {expected}. "
                        f"Received: {shown(value)}."))
    return number


# --- functions written by the learner -------------------------------------------------------------


def require_callable(answer, signature, kind="a class or a function"):
    """End the check unless ``answer`` is a written class or function (``signature`` names it to the learner)."""
    if is_unattempted(answer):
        end_check(unattempted(f"write `{signature}`, run its cell, then pass it to the checker."))
    if not callable(answer):
        end_check(wrong(f"Expected `{signature}`: {kind}. Received: {shown(answer)} "
                        f"of type {type(answer).__name__}."))
    if not inspect.isclass(answer) and is_empty_function(answer):
        end_check(unattempted(f"the body of `{signature}` is still empty: write it, then run the check."))


def learner_result(function, signature, args=(), error_hints=None):
    """Call a learner's function and return what it returned; end the check when it cannot be.

    Unattempted for ``...``/None, an empty body or the scaffold's ``raise
    NotImplementedError``; wrong for something that is not a function, or an
    exception (with the hint of ``error_hints`` for its type).

    Args:
        function: what the learner passed.
        signature: how the exercise names it, e.g. ``"pca_reconstruct(x, k)"``.
        args: the arguments to call it with.
        error_hints: optional dict mapping an exception type to a hint.
    """
    require_callable(function, signature, kind="a function")
    try:
        return function(*args)
    except Exception as error:  # the learner's code: report, never re-raise
        if is_scaffold_error(error):
            end_check(unattempted("replace `raise NotImplementedError` with your code."))
        hint = next((text for kind, text in (error_hints or {}).items() if isinstance(error, kind)), "")
        end_check(wrong(f"{signature} raised {describe_error(error)}. {hint}".strip()))


def read_array(result, signature, *, shape=None, expected="an array of numbers"):
    """What a learner's function returned, as a float64 array; ends the check otherwise.

    Args:
        result: the returned value.
        signature: how the exercise names the function.
        shape: the shape it must have; then it must also be finite.
        expected: what it must return, for the message, e.g. ``"one number"``.
    """
    if result is None:
        end_check(wrong(f"{signature} returned None: did you forget `return`?"))
    not_numbers = wrong(f"{signature} must return {expected}. Received: {shown(result)}.")
    with learner_code(f"reading what {signature} returned"):
        try:
            array = np.asarray(result)
        except (TypeError, ValueError, OverflowError):  # e.g. a ragged list
            end_check(not_numbers)
        if np.iscomplexobj(array):
            end_check(wrong(f"{signature} must return real numbers, not complex ones. Received: {shown(result)}."))
        if array.dtype.kind not in "biufO":  # text, dates, ...
            end_check(not_numbers)
        try:
            array = array.astype("float64")
        except (TypeError, ValueError, OverflowError):  # e.g. a dict, a generator, huge ints
            end_check(not_numbers)
    if shape is not None:
        if array.shape != tuple(shape):
            end_check(wrong(f"{signature} should return shape {tuple(shape)}. Received: {array.shape}."))
        if not np.all(np.isfinite(array)):
            end_check(wrong(f"{signature} returned NaN or infinite values."))
    return array


def read_number(result, signature):
    """What a learner's function returned, as one finite float; ends the check otherwise."""
    array = read_array(result, signature, expected="one number")
    if array.size != 1:
        end_check(wrong(f"{signature} must return one number. Received: an array of shape {array.shape}."))
    value = float(array.reshape(-1)[0])
    if not math.isfinite(value):
        end_check(wrong(f"{signature} returned {value}; expected a finite number."))
    return value
