"""No checker gives the answer away: a wrong answer's verdict holds no piece of the solution.

Every ``check_*`` of Chapters 1 to 13 and of the quiz gets a table of wrong answers: nothing
typed, 0, 1, -1, numbers near the right one, every wrong set of letters,
every wrong letter, functions that return zeros, their input, or the right
result scaled or shifted, and objects of the wrong kind. Whatever it says back
must not contain

- the solution's code: the expressions of the solution's functions and of
  the methods of its classes (a build-it exercise), and the expression the
  solution writes for a number (``(x - mean) @ axes.T @ axes + mean``,
  ``784 / 32``), compared without whitespace;
- the right letters: a verdict on a wrong pick names no right letter that the
  learner did not give;
- the expected number: no number written in the verdict rounds, at the
  precision it is written with, to the expected value (numbers the learner
  typed, echoed back, excepted).

The secrets come from the chapters themselves: the code cells of each
solution (between ``solution-start`` and ``solution-end``) in
``notebooks/*.ipynb``, run here statement by statement, and from the checkers:
the right letter or set is the one a checker accepts. Hints may say what was
measured ("784 times too large"); they may not say what to write.
"""

import ast
import functools
import itertools
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from companion.exercises._verdict import Verdict
from test_checkers_never_raise import CHECKERS, answer_checker

ROOT = Path(__file__).resolve().parents[1]
DIRECTIVE = re.compile(r"^```\{(solution-start|solution-end)\}", re.MULTILINE)
CALL = re.compile(r"cp\.exercises\.(ch\d+)\.(check_\w+)\(")
LETTERS = "abcdef"
MIN_CODE = 6  # characters without whitespace: shorter expressions ("kl.sum()") say nothing


def solution_cells():
    """``{"ch01.check_pca_reconstruct": [source, ...]}``: the code of each checker's solution."""
    cells = {}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        inside, solution = False, []
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "markdown":
                for kind in DIRECTIVE.findall(source):
                    if kind == "solution-end":
                        for name in {f"{m[0]}.{m[1]}" for code in solution for m in CALL.findall(code)}:
                            cells.setdefault(name, []).extend(solution)
                        solution = []
                    inside = kind == "solution-start"
            elif inside and "remove-cell" not in cell["metadata"].get("tags", []):
                solution.append(source)
    return cells


def normalised_code(text):
    """Code or prose without whitespace or brackets, the typographic minus and times as ASCII."""
    text = text.replace("\u2212", "-").replace("\u00d7", "*").replace("**", "^")
    text = re.sub(r"(?<=\d)[_,](?=\d{3})", "", text)
    return re.sub(r"[\s()]+", "", text)  # brackets too: "((h * (1 - h))**2 ..." and "(((h * ..." alike


class Solution:
    """What a learner must not be told: the solution's code, its answer, and the expected value."""

    def __init__(self, sources):
        self.code, self.functions, self.values, self.expression = [], {}, {}, None
        namespace = {"np": np, "sum": sum, "zip": zip, "range": range, "math": math}
        for source in sources:
            tree = ast.parse(source)
            for statement in tree.body:
                if isinstance(statement, (ast.FunctionDef, ast.ClassDef)):  # a class: a build-it's methods
                    self.code += [ast.get_source_segment(source, node.value) for node in ast.walk(statement)
                                  if isinstance(node, (ast.Return, ast.Assign)) and node.value is not None
                                  and not isinstance(node.value, (ast.Name, ast.Constant))]
                if isinstance(statement, ast.ClassDef):
                    continue  # it needs Keras: not run here
                elif isinstance(statement, ast.Assign) and any(
                        isinstance(target, ast.Name) and target.id in ("answer", "prediction")
                        for target in statement.targets):
                    if not isinstance(statement.value, (ast.Constant, ast.Set)):  # "784 / 32", not "b"
                        self.code.append(ast.get_source_segment(source, statement.value))
                        self.expression = statement.value
                elif not isinstance(statement, ast.Assign):
                    continue  # calls of the checker, imports, training
                try:
                    exec(compile(ast.Module([statement], []), "<solution>", "exec"), namespace)
                except Exception:  # a statement that needs the chapter's data or models
                    continue
                if isinstance(statement, ast.FunctionDef):
                    self.functions[statement.name] = namespace[statement.name]
        for name in ("answer", "prediction"):
            if name in namespace:
                self.values[name] = namespace[name]
        self.code = [segment for segment in map(normalised_code, filter(None, self.code))
                     if len(segment) >= MIN_CODE]

    @property
    def answer(self):
        return next(iter(self.values.values()), None)

    @property
    def function(self):
        return next(iter(self.functions.values()), None)


SOLUTIONS = {name: Solution(sources) for name, sources in solution_cells().items()}


def test_every_checker_has_its_solution_in_a_chapter():
    assert set(CHECKERS) - set(SOLUTIONS) == set(), "a checker without a solution cell that calls it"
    assert sum(bool(solution.code) for solution in SOLUTIONS.values()) >= 20


# --- the right answer, as the checker itself decides it -------------------------------------------


def accepted(name, answer):
    return bool(answer_checker(name)(answer))


@functools.cache
def right_letters(name):
    """The letter, or set of letters, that the checker accepts; None for another kind of answer."""
    answer = SOLUTIONS[name].answer if name in SOLUTIONS else None
    if isinstance(answer, (set, frozenset)):
        for size in range(len(LETTERS) + 1):
            for letters in itertools.combinations(LETTERS[:5], size):
                if accepted(name, set(letters)):
                    return frozenset(letters)
    if isinstance(answer, str) and len(answer) == 1:
        return next((letter for letter in LETTERS if accepted(name, letter)), None)
    return None


def mistakes(expression):
    """The values of the solution's expression with one slip: an operator swapped, a sign or a term lost."""
    swaps = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
    variants = []
    for node in ast.walk(expression):
        if isinstance(node, ast.BinOp) and type(node.op) in swaps:
            variants.append((node, "op", swaps[type(node.op)]()))
            variants += [(node, "keep", side) for side in (node.left, node.right)]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            variants.append((node, "keep", node.operand))
    values = []
    for node, kind, change in variants:
        tree = ast.parse(ast.unparse(expression), mode="eval")
        target = next(n for n in ast.walk(tree) if ast.dump(n) == ast.dump(node))
        replacement = ast.BinOp(target.left, change, target.right) if kind == "op" else change
        tree = _Replace(target, replacement).visit(tree)
        try:
            values.append(float(eval(compile(ast.fix_missing_locations(tree), "<slip>", "eval"),
                                     {"np": np, "__builtins__": {}})))
        except Exception:
            continue
    constants = [node.value for node in ast.walk(expression)
                 if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and node.value]
    return values + constants + [1 / value for value in constants]


class _Replace(ast.NodeTransformer):
    def __init__(self, target, replacement):
        self.target, self.replacement = target, replacement

    def generic_visit(self, node):
        if node is self.target:
            return self.replacement
        return super().generic_visit(node)


@functools.cache
def solution_function(name):
    """The solution's function, where it runs on its own (not on the chapter's models) and passes."""
    function = SOLUTIONS[name].function if name in SOLUTIONS else None
    return function if function is not None and accepted(name, function) else None


@functools.cache
def function_outputs(name):
    """The numbers the solution's function returns on the checker's own inputs."""
    function, outputs = solution_function(name), []
    if function is None:
        return ()

    def spy(*args, **kwargs):
        result = function(*args, **kwargs)
        outputs.append(result)
        return result

    answer_checker(name)(spy)
    return tuple(float(value) for value in outputs if np.ndim(value) == 0)


def expected_numbers(name):
    number = expected_number(name)
    return ([] if number is None else [number]) + list(function_outputs(name))


def expected_number(name):
    answer = SOLUTIONS[name].answer if name in SOLUTIONS else None
    if isinstance(answer, (int, float, np.number)) and not isinstance(answer, bool):
        return float(answer)
    return None


# --- the table of wrong answers -------------------------------------------------------------------


def scaled(function, factor=1.0, shift=0.0):
    def wrong(*args):
        return np.asarray(function(*args)) * factor + shift
    return wrong


GENERIC = {
    "none": None,
    "ellipsis": ...,
    "zero": 0,
    "one": 1,
    "minus one": -1,
    "half": 0.5,
    "text": "not sure",
    "returns zero": lambda *args: 0,
    "returns zeros": lambda *args: np.zeros_like(np.asarray(args[0], dtype=float)),
    "returns ones": lambda *args: np.ones_like(np.asarray(args[0], dtype=float)),
    "returns its input": lambda *args: args[0],
    "returns None": lambda *args: None,
    "scaffold": lambda *args: (_ for _ in ()).throw(NotImplementedError),
}


def wrong_answers(name):
    """``{description: answer}``: answers that the checker must call wrong without giving the solution."""
    answers = dict(GENERIC)
    right = right_letters(name)
    if isinstance(right, frozenset):
        for size in range(6):
            for letters in itertools.combinations("abcde", size):
                answers[f"letters {''.join(letters) or 'none'}"] = set(letters)
        answers["unknown letter"] = {"a", "z"}
    elif isinstance(right, str):
        answers.update({f"letter {letter}": letter for letter in LETTERS})
        answers["two letters"] = "ab"
    expected = expected_number(name)
    if expected is not None:
        for label, value in {"plus one": expected + 1, "minus one more": expected - 1, "twice": 2 * expected,
                             "negated": -expected, "784 times": 784 * expected, "a 784th": expected / 784,
                             "ten times": 10 * expected, "a tenth": expected / 10,
                             "upside down": 1 / expected if expected else 1.0,
                             "rounded": round(expected) if expected != round(expected) else expected + 0.5}.items():
            answers[f"number {label}"] = value
        for index, value in enumerate(mistakes(SOLUTIONS[name].expression) if SOLUTIONS[name].expression else []):
            answers[f"slip {index}: {value:g}"] = value
    function = solution_function(name)
    if function is None:  # a model's checker: functions would be measured as models, on the data
        answers = {label: answer for label, answer in answers.items() if not callable(answer)}
    else:
        answers.update({
            "twice the result": scaled(function, 2.0),
            "the result plus one": scaled(function, 1.0, 1.0),
            "the negated result": scaled(function, -1.0),
            "784 times the result": scaled(function, 784.0),
            "the result over 784": scaled(function, 1 / 784),
        })
    return {label: answer for label, answer in answers.items() if not accepted(name, answer)}


# --- finding the secrets in a verdict -------------------------------------------------------------

NUMBER = re.compile(r"(?<![\w.])[-\u2212]?\d[\d,_]*(?:\.\d+)?(?:[eE][-+]?\d+)?")


def numbers_in(text):
    """``[(value, decimals)]`` for every number written in ``text``."""
    found = []
    for match in NUMBER.finditer(text):
        written = match.group().replace("\u2212", "-").replace(",", "").replace("_", "")
        try:
            value = float(written)
        except ValueError:
            continue
        mantissa = re.split(r"[eE]", written)[0]
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        exponent = int(re.split(r"[eE]", written)[1]) if re.search(r"[eE]", written) else 0
        found.append((value, decimals - exponent))
    return found


def shows_number(text, expected, typed):
    """Whether ``text`` writes ``expected`` (at the precision it writes), other than a number the learner typed."""
    echoed = {value for value, _ in numbers_in(typed)}
    for value, decimals in numbers_in(text):
        if value in echoed or value == 0:
            continue
        digits = len(re.sub(r"\D", "", f"{abs(value):.{max(decimals, 0)}f}").lstrip("0"))
        if digits >= 2 and round(expected, decimals) == value:  # one digit ("1", "0.5") says too little
            return True
        if expected < 0 and round(-expected, decimals) == value and -expected >= 10:
            return True  # "105" for -105: the sign is the only thing left to find
    return False


LETTER = re.compile(r"\(([a-f])\)|[\"'`]([a-f])[\"'`]|\bletter ([a-f])\b|\boption ([a-f])\b")


_TOKEN = r"(?:\([a-f]\)|[\"'`][a-f][\"'`])"
OPTIONS = re.compile(rf"{_TOKEN}(?:,\s*{_TOKEN})*(?:,?\s+or\s+|\s+to\s+){_TOKEN}")  # "a", "b" or "c"


def letters_named(text):
    """The letters that ``text`` names on their own: a list of the options ("a", "b" or "c") names none."""
    text = OPTIONS.sub(" ", text)
    return {next(group for group in match.groups() if group) for match in LETTER.finditer(text)}


def typed_text(answer):
    try:
        return repr(answer)
    except Exception:
        return ""


def leaks(name, answer, verdict):
    """What ``verdict`` on the wrong ``answer`` gives away of the solution of checker ``name``."""
    solution = SOLUTIONS.get(name)
    text = repr(verdict)
    found = []
    flat = normalised_code(text)
    found += [f"the solution's code {code!r}" for code in (solution.code if solution else [])
              if code in flat and code not in normalised_code(typed_text(answer))]
    right = right_letters(name)
    if isinstance(right, str) and right in letters_named(text) and answer != right:
        found.append(f"the right letter ({right})")
    if isinstance(right, frozenset):
        given = set(answer) if isinstance(answer, (set, frozenset, str)) else set()
        judged = set(re.findall(r"\(([a-f])\)", OPTIONS.sub(" ", text)))  # "(b) is true"
        found += [f"the right letter ({letter})" for letter in sorted((judged & right) - given)]
        if right and right <= letters_named(text) and not right <= given:
            found.append(f"the right set {sorted(right)}")
    found += [f"the expected number {expected:g}" for expected in expected_numbers(name)
              if shows_number(text, expected, typed_text(answer))]
    return found


def test_the_leak_finder_finds_each_kind_of_leak():
    name = "ch01.check_pca_reconstruct"
    assert leaks(name, 0, Verdict("wrong", "return (x - mean) @ axes.T @ axes + mean.")), "code"
    assert leaks("ch09.check_hidden_beta", 1, Verdict("wrong", "it is 784/32: the ratio")), "expression"
    assert leaks("ch09.check_hidden_beta", 1, Verdict("wrong", "try about 24.5")), "number"
    assert leaks("ch08.check_transpose_output_size", 0, Verdict("wrong", "write (7 \u2212 1) \u00d7 2 + 3")), \
        "typographic minus and times"
    assert not leaks("ch09.check_hidden_beta", 1, Verdict("wrong", "your value is 784 times too small; 1 is not it"))
    statements = next(key for key in CHECKERS if isinstance(right_letters(key), frozenset))
    true = sorted(right_letters(statements))
    assert leaks(statements, set(), Verdict("wrong", f"({true[0]}) is true"))
    assert not leaks(statements, {true[0]}, Verdict("wrong", f"({true[0]}) is true, not enough"))
    prediction = "ch01.check_shuffled_pixels_prediction"
    wrong_letter = next(letter for letter in "abc" if letter != right_letters(prediction))
    assert leaks(prediction, wrong_letter, Verdict("wrong", f"What happened: ({right_letters(prediction)})"))


@pytest.mark.parametrize("name", CHECKERS)
def test_no_wrong_answer_is_told_the_solution(name):
    told = {}
    for label, answer in wrong_answers(name).items():
        verdict = answer_checker(name)(answer)
        assert isinstance(verdict, Verdict) and not verdict, (label, verdict)
        if found := leaks(name, answer, verdict):
            told[label] = (found, repr(verdict))
    assert not told, f"{name} gives the solution away:\n" + "\n".join(
        f"- for {label}: {', '.join(found)} in\n  {text}" for label, (found, text) in told.items())


@pytest.mark.parametrize("name", CHECKERS)
def test_no_checker_docstring_holds_the_solution(name):
    """``help(check)`` and ``check?`` show the docstring: it states the task, not the answer."""
    solution = SOLUTIONS.get(name) or Solution([])
    text = normalised_code(CHECKERS[name].__doc__ or "")
    assert [code for code in solution.code if code in text] == []
    assert [number for number in expected_numbers(name) if shows_number(CHECKERS[name].__doc__ or "", number, "")] == []
