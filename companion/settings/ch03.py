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
}
FAST = {**FULL, "n_train": 10_000, "n_test": 2_000, "epochs": 12, "learning_rate": 3e-3}
