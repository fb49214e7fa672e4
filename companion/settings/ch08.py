"""Chapter 8, the convolutional autoencoder."""

FULL = {
    "n_train": 12_000,
    "n_test": 10_000,
    "n_patches": 6_000,
    "n_patch_test": 2_000,
    "filters": (16, 32),
    "code_size": 32,
    "patch_code_size": 64,
    "epochs": 6,
    "patch_epochs": 8,
    "learning_rate": 2e-3,
    "batch_size": 32,
    # early stopping: few training digits, so that the validation loss stops improving
    "n_few": 256,
    "few_max_epochs": 40,
    # the corruption levels of the denoisers (Chapter 5's kinds)
    "noise_levels": {
        "MNIST": {"gaussian": 0.3, "masking": 0.3, "salt_and_pepper": 0.1},
        "patches": {"gaussian": 0.1, "masking": 0.3, "salt_and_pepper": 0.1},
    },
    # Exercise 8.6: the budget autoencoder's training digits and epochs
    "exercise_n_train": 12_000,
    "exercise_epochs": 6,
}
FAST = {**FULL, "n_train": 3_000, "n_test": 2_000, "n_patches": 2_000, "n_patch_test": 1_000, "epochs": 2,
        "patch_epochs": 3, "exercise_n_train": 10_000, "exercise_epochs": 3}
