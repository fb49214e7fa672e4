"""Chapter 8, the convolutional autoencoder."""

FULL = {
    "n_train": 12_000,
    "n_test": 10_000,
    "n_patches": 6_000,
    "n_patch_test": 2_000,
    "filters": (16, 32),
    "code_size": 32,
    "epochs": 6,  # at most: early stopping may end sooner
    "patch_epochs": 8,
    "learning_rate": 2e-3,
    "gaussian_levels": {"MNIST": 0.3, "patches": 0.1},
}
FAST = {**FULL, "n_train": 3_000, "n_test": 2_000, "n_patches": 2_000, "n_patch_test": 1_000, "epochs": 3,
        "patch_epochs": 4}
