"""Chapter 4, greedy layer-wise pretraining."""

from companion.settings import ch02

# Chapter 2's network and data, pretrained layer by layer
_CHAPTER_2_NETWORK = ("n_train", "n_test", "hidden_sizes", "code_size")

FULL = {
    **{key: ch02.FULL[key] for key in _CHAPTER_2_NETWORK},
    "phase_epochs": 3,
    "fine_tune_epochs": 6,
    "learning_rate": 1e-3,
    "batch_size": 64,
    # the label-efficiency study
    "label_counts": (100, 300, 1000),
    "seeds": (1, 2, 3, 4, 5),
    "held_out_share": 0.2,  # of each labelled set, for early stopping
    "classifier_epochs": 60,  # at most: early stopping ends most runs sooner
    "fine_tune_classifier_epochs": 30,  # at most, as well
    "patience": 8,
    "classifier_batch_size": 32,
    "classifier_learning_rate": 1e-3,
    "fine_tune_learning_rate": 1e-4,
    "graph_size": 10_000,  # images in the label-spreading graph
    # the historical setting: sigmoid units, plain SGD
    "historical_sizes": (400, 400, 400),
    "historical_phase_epochs": 3,
    "historical_epochs": 20,
    "historical_learning_rate": 0.1,
    # Exercise 4.4: the historical network trained with Adam instead
    "optimiser_epochs": 20,
    "optimiser_learning_rate": 3e-3,
}
FAST = {
    **FULL,
    "n_train": 10_000,
    "n_test": 2_000,
    "phase_epochs": 2,
    "fine_tune_epochs": 4,
    "learning_rate": 3e-3,
    "label_counts": (100, 1000),
    "seeds": (1, 2),
    "classifier_epochs": 15,
    "fine_tune_classifier_epochs": 10,
    "patience": 4,
    "historical_phase_epochs": 2,
    "historical_epochs": 8,
}
