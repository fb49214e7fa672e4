"""Chapter 9, the variational autoencoder (two notebooks: the VAE, and the VAE measured)."""

FULL = {
    "n_train": 60_000,
    "n_test": 10_000,
    "epochs_2d": 15,
    "epochs_16d": 6,
    "classifier_epochs": 3,  # the digit classifier behind the classifier score
    "learning_rate": 1e-3,
    "batch_size": 128,
    # the VAE measured: one dense VAE per beta, the same on every other count
    "sweep_code_size": 32,
    "sweep_hidden_sizes": (512, 256),
    "sweep_epochs": 10,
    "sweep_learning_rate": 1e-3,
    "betas": (0.25, 1.0, 4.0),
    "trap_epochs": 2,  # the pixel-mean VAE: its code collapses in the first epoch
    # remedies against collapse, at beta = 4: the KL's weight rises over the first half
    # of the updates (warm-up), or each unit's first nats of KL cost nothing (free bits)
    "warm_up_share": 0.5,
    "free_nats": 0.5,
    "remedy_k": 100,  # samples per digit of the log-likelihood estimate that compares them
    "activity_n": 2_000,  # test digits over which the activity of a unit is measured
    "iwae_n": 1_000,  # test digits of the importance-weighted estimate
    "iwae_k": 1_000,  # its largest number of samples per digit
    # Exercise 9.4: a VAE whose test ELBO beats the 2-D VAE's
    "exercise_n_train": 60_000,
    "exercise_epochs": 5,
}
FAST = {
    **FULL,
    "n_train": 10_000,
    "n_test": 2_000,
    "epochs_2d": 6,
    "epochs_16d": 4,
    "sweep_epochs": 4,
    "sweep_learning_rate": 3e-3,  # larger steps: the short run still shows units collapse
    "trap_epochs": 1,
    "activity_n": 1_000,
    "iwae_n": 500,
    "iwae_k": 100,
    "exercise_n_train": 10_000,
}
