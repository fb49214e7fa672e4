"""Chapter 1, the linear autoencoder and PCA."""

FULL = {
    "n_train": 60_000,
    "n_test": 10_000,
    "code_size": 32,
    "learning_rate": 2e-3,  # Adam, decayed to 0 along a cosine
    "batch_size": 64,
    "linear_epochs": 10,
    # the 3-D toy example
    "toy_epochs": 150,
    "toy_batch_size": 50,
    "toy_learning_rate": 0.02,
    # error versus code size
    "code_sizes": (2, 8, 16, 32, 64),
    "sweep_epochs": 8,
    "sweep_batch_size": 128,
    "nonlinear_learning_rate": 3e-3,
    # overcomplete code
    "overcomplete_size": 1024,
    "overcomplete_epochs": 5,
    "overcomplete_batch_size": 128,
    # claims checked by the notebook
    "mse_tolerance": 0.01,  # linear AE test MSE <= (1 + this) x PCA's
    "largest_angle_range": (8.0, 14.0),  # degrees, decoder span vs PCA subspace
    # Exercises 1.4 and 1.5: a linear autoencoder with a 16-number code
    "exercise_code_size": 16,
    "exercise_n_train": 20_000,
    "exercise_epochs": 8,
}
FAST = {
    **FULL,
    "n_train": 10_000,
    "n_test": 2_000,
    "code_sizes": (2, 8, 32),  # the sweep's ends and the chapter's code size
    "sweep_epochs": 4,
    "sweep_batch_size": 64,  # more steps on fewer digits
    "overcomplete_epochs": 3,
    # a sixth of the training steps: the subspace is still settling
    "mse_tolerance": 0.02,
    "largest_angle_range": (0.0, 85.0),
    "exercise_n_train": 10_000,
}
