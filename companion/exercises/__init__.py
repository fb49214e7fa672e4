"""Exercise checkers, one module per chapter (``cp.exercises.ch01``, ...).

A checker never raises for a learner's answer: it returns a :class:`Verdict`
that prints what to do (not attempted), a specific hint (wrong) or a short
confirmation (correct).

How to write a checker
----------------------

The kit is three private modules; a chapter's module (``chNN.py``) composes
their helpers and keeps only its own settings, references and wording.

- ``_verdict.py``: :class:`Verdict`, the ``@checker`` decorator, ``learner_code``,
  ``end_check``, readers of typed answers and results, answer keys, and the
  shared ``check_letters``, ``check_choice``, ``check_prediction``,
  ``check_count``, ``check_number``.
- ``_measure.py``: trained models measured on digits the checker loads itself
  (``held_out_digits``, ``reconstruct``, ``encode``, ``pixel_mse``, ``Target``,
  ``verdict_on``).
- ``_build_it.py``: the harness of the build-it exercises (``build``,
  ``call_layer``, ``compare_outputs``, ``check_gradients``,
  ``check_training_flag``, ``check_dtype``, ``check_config_round_trip``,
  ``check_short_training``, ``passed``).

Conventions:

1. Every public ``check_*`` is decorated with ``@checker``, takes the learner's
   answer first (``answer``, or the learner's class, function or model) and
   returns a Verdict. Prediction checkers are named ``check_<topic>_prediction``
   and take ``(answer, <the experiment's measurements>)``.
2. One way to signal a learner's error: a helper ends the check with
   ``end_check(wrong(...))`` (or ``unattempted(...)``) and ``@checker`` returns
   that Verdict. Helpers return the value they read; never a
   ``(value, verdict)`` tuple nor "a value or a Verdict". Code that evaluates
   the learner's object runs in ``with learner_code("calling your model on
   ..."):``; the scaffold's ``raise NotImplementedError`` and an empty body
   give "not attempted".
3. A measurement passed to a prediction checker is read with
   ``validate_measurement(value, "name_in_the_notebook", low=..., high=...)``;
   the right letter is computed from it, never stored.
4. Digits come from ``_measure.held_out_digits(n)`` (the last ``n`` test
   digits; ``split="train"`` for the first training digits a reference is fitted
   on), images ``(n, 28, 28)`` float32 and int64 labels. Tests replace the data
   behind it with the ``checker_digits`` fixture of ``tests/exercise_fixtures.py``.
   Errors per pixel are ``_measure.pixel_mse(a, b)``.
5. A true/false set's key is a ``SealedLetters(salt, digest)`` (compute the
   digest once with ``letters_digest(letters, salt)``); its explanations give
   the reasons only, and the verdict adds "(a) is true:"/"(a) is false:".
6. No verdict or hint contains the solution: not the code to write, not the
   expected number, not the right letters or how many there are. A wrong
   verdict says WHAT differs, measured: "too large by a factor of 784", "sign
   flipped", "noise also at inference", "no gradient reaches ...", "get_config()
   leaves out `units`". A correct verdict of a build-it exercise prints no
   number that varies between machines (its cell is compared by nbval).
7. Tests (``tests/test_exercises_chNN.py``): the right answer, each plausible
   wrong one with its verdict's words asserted, wrong types and shapes, and
   not attempted; every new checker with measurements goes into ``MEASURED``
   of ``tests/test_checkers_never_raise.py``.

A build-it exercise: the learner writes the chapter's key piece in Keras 3
(``keras.ops``, any backend), and the checker tests it as Keras tests its own
layers (``keras.testing.TestCase.run_layer_test``): ``build`` it with two or
more sets of arguments; ``compare_outputs`` with the package's reference on
``random_inputs`` of several shapes (it shares the reference's weights);
``check_gradients`` (``wrt_inputs=True`` where gradients must pass through, as
in a reparameterised sample); ``check_training_flag`` for layers that behave
differently in training; ``check_dtype`` on a layer built with
``dtype="float16"``; ``check_config_round_trip``; and, where the chapter trains
the piece, ``check_short_training`` on a toy problem (seeded). Chapter 1's
``check_linear_autoencoder`` is the worked example.

The notebook layout of a build-it exercise (as every exercise: sphinx-exercise's
gated directives, the solution folded)::

    [markdown]  ```{exercise-start} N.M Title
                :label: chNN-ex-name
                :nonumber:
                ```
                The task: what to write, its signature and what it must do.
    [code, tags: nbval-check-output]
                class LinearAutoencoder(keras.Model):
                    '''Docstring: arguments and what call returns.'''

                    def __init__(self, input_dim, code_size, **kwargs):
                        super().__init__(**kwargs)
                        raise NotImplementedError  # your code here
                    ...  (each method: signature, docstring, the same body)


                cp.exercises.chNN.check_...(LinearAutoencoder)
    [markdown]  ```{exercise-end}
                ```

                ```{solution-start} chNN-ex-name
                :class: dropdown
                ```

                One or two sentences on the idea.
    [code, tags: nbval-check-output]
                the solution (numerically the package's reference), then the
                same check call
    [markdown]  ```{solution-end}
                ```
"""

from companion.exercises import ch01, ch02, ch03, ch04, ch05, ch06, ch07, ch08, ch09, ch10, ch11, ch12, ch13, ch14
from companion.exercises._verdict import Verdict

__all__ = [
    "Verdict", "ch01", "ch02", "ch03", "ch04", "ch05", "ch06", "ch07", "ch08", "ch09", "ch10", "ch11", "ch12",
    "ch13", "ch14",
]
