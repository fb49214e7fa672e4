"""The closing quiz, "Which autoencoder when?": the cost of each chapter's model."""

FULL = {
    "n_train": 4_096,  # digits of one timed epoch per model
    "batch_size": 128,
}
FAST = {**FULL, "n_train": 1_024}
