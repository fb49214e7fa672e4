"""Chapter 11, anomaly and out-of-distribution detection."""

FULL = {
    "n_train": 60_000,  # MNIST training images; each class keeps its own (about 6,000)
    "n_test": 10_000,
    "validation_fraction": 0.1,  # of the normal class, held out to choose thresholds
    "hidden_sizes": (256, 64),
    "code_size": 32,
    "epochs": 20,
    "noise_level": 0.3,  # Gaussian corruption of the denoising autoencoder (Chapter 5's level)
    "denoising_vae_classes": tuple(range(10)),  # the denoising and variational autoencoders
    "costly_classes": (2, 5, 8),  # hard for the paper's methods (Chapter 11 says which)
    "costly_epochs": 10,  # the convolutional autoencoder, trained on the costly classes only
    "pca_components": 32,
    "forest_trees": 100,
    "threshold_class": 3,
    "false_positive_rate": 0.05,
    "ood_n_train": 20_000,  # MNIST images of every digit, for the out-of-distribution model
    "ood_epochs": 10,
    "fashion_n_train": 60_000,
    "vae_code_size": 16,
    "vae_epochs": 10,
    "learning_rate": 1e-3,
    "batch_size": 128,
}
FAST = {**FULL, "denoising_vae_classes": (2, 5, 8), "costly_classes": (8,), "n_train": 12_000, "n_test": 2_000, "epochs": 6, "costly_epochs": 3, "ood_n_train": 6_000,
        "ood_epochs": 5, "fashion_n_train": 10_000, "vae_epochs": 5}
