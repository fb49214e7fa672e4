"""Chapter 7, the contractive autoencoder."""

FULL = {
    "n_train": 60_000,
    "n_test": 10_000,
    "code_size": 256,
    "deep_code_size": 64,  # the code of the two-layer stack
    "contraction": 0.01,
    "denoising_level": 0.3,  # the Gaussian corruption of the denoising model compared with
    "epochs": 10,
    "learning_rate": 3e-3,
    "batch_size": 128,
    "stack_epochs": 4,
    # Exercise 7.5: the contracting autoencoder's training digits and epochs
    "exercise_n_train": 20_000,
    "exercise_epochs": 6,
}
FAST = {**FULL, "n_train": 10_000, "n_test": 2_000, "epochs": 5, "stack_epochs": 2, "exercise_n_train": 10_000,
        "exercise_epochs": 6}
