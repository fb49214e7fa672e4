"""Chapter 3, tied weights."""

FULL = {
    "n_train": 60_000,
    "n_test": 10_000,
    "hidden_sizes": (128, 64),
    "code_size": 32,
    "epochs": 30,
    "learning_rate": 1e-3,  # Adam, decayed to 0 along a cosine
    "batch_size": 64,
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
    "epochs": 12,
    "learning_rate": 3e-3,
    "exercise_n_train": 10_000,
    "exercise_epochs": 5,
}
