"""Chapter 3, tied weights."""

from companion.settings import ch02

# the tied model is Chapter 2's network with its decoder tied, trained the same way
_CHAPTER_2_TRAINING = ("n_train", "n_test", "hidden_sizes", "code_size", "epochs", "learning_rate", "batch_size")

FULL = {
    **{key: ch02.FULL[key] for key in _CHAPTER_2_TRAINING},
    "error_tolerance": 0.10,  # tied error <= (1 + this) x untied error
    # Exercise 3.4 (a tied linear autoencoder) and Exercise 3.5 (a tied one under a budget)
    "exercise_n_train": 20_000,
    "tied_linear_epochs": 4,
    "tied_linear_learning_rate": 2e-3,
    "exercise_epochs": 8,
    "exercise_learning_rate": 3e-3,
}
FAST = {
    **FULL,
    "n_train": 10_000,
    "n_test": 2_000,
    "epochs": 9,
    "learning_rate": 3e-3,
    "exercise_n_train": 10_000,
    "exercise_epochs": 5,
}
