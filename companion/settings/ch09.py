"""Chapter 9, the variational autoencoder."""

FULL = {
    "n_train": 60_000,
    "n_test": 10_000,
    "epochs_2d": 15,
    "epochs_16d": 6,
    "classifier_epochs": 3,  # the digit classifier behind the classifier score
    "learning_rate": 1e-3,
    "batch_size": 128,
}
FAST = {**FULL, "n_train": 10_000, "n_test": 2_000, "epochs_2d": 10, "epochs_16d": 6}
