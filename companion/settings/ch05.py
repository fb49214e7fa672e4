"""Chapter 5, the denoising autoencoder."""

FULL = {
    "n_train": 60_000,
    "n_test": 10_000,
    "hidden_sizes": (256,),
    "code_size": 64,
    "epochs": 10,
    "learning_rate": 1e-3,
    "batch_size": 128,
    # the corruption each denoiser is trained on: kind -> level
    "training_levels": {"gaussian": 0.3, "masking": 0.4, "salt_and_pepper": 0.15},
    # the test digits are corrupted at the training level and at a stronger one
    "test_levels": {"gaussian": (0.3, 0.5), "masking": (0.4, 0.6), "salt_and_pepper": (0.15, 0.3)},
    "filter_sigma": 0.7,  # width in pixels of the Gaussian filter, the classical baseline
    # Exercise 5.5: the occlusion denoiser's training digits and epochs
    "exercise_n_train": 20_000,
    "exercise_epochs": 6,
}
# the quick run needs 20,000 digits for the denoisers to beat the median filter
# on salt-and-pepper noise, as they do in the book
FAST = {**FULL, "n_train": 20_000, "n_test": 2_000, "epochs": 6, "learning_rate": 3e-3, "exercise_n_train": 10_000,
        "exercise_epochs": 4}
