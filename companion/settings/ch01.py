"""Chapter 1, the linear autoencoder and PCA."""

FULL = {
    "n_train": 60_000,
    "n_test": 10_000,
    "code_size": 32,
    "learning_rate": 2e-3,  # Adam, decayed to 0 along a cosine
    "batch_size": 64,
    "linear_epochs": 10,
    "code_sizes": (2, 8, 16, 32, 64),
    "sweep_epochs": 8,
    "sweep_batch_size": 128,
    "overcomplete_size": 1024,
    "overcomplete_epochs": 5,
}
FAST = {**FULL, "n_train": 10_000, "n_test": 2_000, "sweep_epochs": 4, "overcomplete_epochs": 3}
