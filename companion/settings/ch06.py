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
    "k": 20,  # active units per image of the TopK code
    # a dictionary of a classifier's activations
    "classifier_hidden": 128,
    "classifier_epochs": 8,
    "dictionary_size": 512,
    "dictionary_k": 16,
    "dictionary_epochs": 16,
    "dictionary_learning_rate": 1e-3,
    # filters learned from natural image patches
    "patch_size": 8,
    "n_patches": 50_000,
    "patch_code_size": 100,
    "patch_k": 5,
    "patch_epochs": 20,
    "whitening_epsilon": 0.1,
    # the exercises
    "exercise_n_train": 20_000,
    "exercise_epochs": 10,
}
FAST = {
    **FULL,
    "n_train": 10_000,
    "n_test": 2_000,
    "epochs": 6,
    "betas": (0.0, 0.01, 0.03),  # no penalty, the chapter's weight, and a larger one
    "classifier_epochs": 4,
    "dictionary_epochs": 8,
    "n_patches": 15_000,
    "patch_epochs": 12,
    "exercise_n_train": 10_000,
    "exercise_epochs": 5,
}
