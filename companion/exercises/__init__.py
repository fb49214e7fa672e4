"""Exercise checkers, one module per chapter (``cp.exercises.ch01``, ...).

A checker never raises for a learner's answer: it returns a :class:`Verdict`
that prints what to do (not attempted), a specific hint (wrong) or a short
confirmation (correct).
"""

from companion.exercises import ch01, ch02, ch03, ch04, ch05, ch06, ch07, ch08, ch09, ch10, ch11, ch12, ch13
from companion.exercises._verdict import Verdict

__all__ = [
    "Verdict", "ch01", "ch02", "ch03", "ch04", "ch05", "ch06", "ch07", "ch08", "ch09", "ch10", "ch11", "ch12", "ch13",
]
