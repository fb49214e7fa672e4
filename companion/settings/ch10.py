"""Chapter 10, what the codes are good for."""

FULL = {
    "n_train": 20_000,
    "n_test": 5_000,
    "code_size": 32,
    "wide_code_size": 256,  # the sparse and contractive codes, as in Chapters 6 and 7
    "hidden_sizes": (256,),
    "filters": (16, 32),
    "epochs": 8,
    "batch_size": 128,
    "learning_rate": 3e-3,
    "label_counts": (100, 1000),
    "seeds": (1, 2, 3),  # labelled sets drawn per label count
    "neighbours": 5,  # k of the k-NN classifier
    "retrieved": 10,  # k of precision@k
    "graph_size": 10_000,  # images in the label-spreading graph
    "noise_levels": (0.0, 0.15, 0.3),  # up to the denoising model's training level
    "n_map": 2_000,  # test digits on each t-SNE map
    "exercise_epochs": 10,
}
FAST = {
    **FULL,
    "n_train": 5_000,
    "n_test": 1_000,
    "epochs": 5,
    "seeds": (1, 2),
    "graph_size": 5_000,
    "n_map": 500,
}
