"""Chapter 4, greedy layer-wise pretraining."""

FULL = {
    "n_train": 60_000,
    "n_test": 10_000,
    "hidden_sizes": (128, 64),
    "code_size": 32,
    "phase_epochs": 3,
    "fine_tune_epochs": 6,
    "learning_rate": 1e-3,
    "batch_size": 64,
    "n_labels": 300,
    "seeds": (1, 2, 3, 4, 5),
    "classifier_epochs": 60,
    "classifier_batch_size": 32,
    "classifier_learning_rate": 1e-3,
}
FAST = {
    **FULL,
    "n_train": 10_000,
    "n_test": 2_000,
    "phase_epochs": 2,
    "fine_tune_epochs": 4,
    "learning_rate": 3e-3,
    "seeds": (1, 2, 3),
    "classifier_epochs": 40,
}
