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
}
FAST = {**FULL, "n_train": 10_000, "n_test": 2_000, "learning_rate": 3e-3}
