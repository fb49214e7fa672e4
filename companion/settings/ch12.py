"""Chapter 12, beyond the VAE: conditional VAE, beta-VAE traversals, VQ-VAE."""

FULL = {
    "n_train": 60_000,
    "n_test": 10_000,
    "hidden_sizes": (512, 256),  # of the dense models: conditional VAE and beta-VAEs
    "cvae_code_size": 2,
    "cvae_epochs": 4,
    "classifier_epochs": 3,  # the digit classifier that judges the generated digits
    "beta_code_size": 16,
    "betas": (1.0, 4.0),
    "beta_epochs": 4,
    "n_beta_train": 30_000,  # the beta-VAEs train on half the training digits
    "n_conv_train": 15_000,  # the convolutional models train on part of the training set
    "vq_code_size": 16,  # D, the numbers in each code vector
    "codebook_size": 64,  # K: log2(64) = 6 bits per position
    "filters": (16, 32),
    "vq_epochs": 4,
    "twin_channels": (1, 2, 3),  # numbers per position of the continuous codes compared with the VQ code
    "restart_until_epoch": 3,  # dead codes are moved after each of the first epochs only
    "prior_width": 64,  # of the token prior, a two-block causal transformer over the 49 tokens
    "prior_epochs": 8,  # on the tokens of every training digit
    "prior_batch_size": 256,
    "prior_learning_rate": 2e-3,  # with a cosine decay
    "n_token_samples": 1_000,  # per token prior, for the yardstick
    "learning_rate": 1e-3,
    "vq_learning_rate": 2e-3,
    "batch_size": 128,
}
FAST = {**FULL, "n_train": 5_000, "n_test": 2_000, "hidden_sizes": (256, 128), "classifier_epochs": 2,
        "n_beta_train": 5_000, "n_conv_train": 2_000, "vq_epochs": 3, "restart_until_epoch": 1,
        "twin_channels": (1, 2), "prior_epochs": 2, "prior_batch_size": 32, "n_token_samples": 300}
