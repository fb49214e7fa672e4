"""Chapter 6, the sparse autoencoder."""

FULL = {
    "n_train": 60_000,
    "n_test": 10_000,
    "code_size": 400,  # more units than a dense code of the digits would need
    "rho": 0.05,
    "beta": 0.01,
    "rhos": (0.02, 0.05, 0.1),
    "betas": (0.0, 0.001, 0.01, 0.03),
    "l1": 1e-5,  # weight of the L1 activity penalty that the KL penalty is compared with
    "epochs": 10,
    "learning_rate": 3e-3,
    "batch_size": 128,
}
FAST = {**FULL, "n_train": 10_000, "n_test": 2_000, "epochs": 6}
