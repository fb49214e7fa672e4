"""Checkers of the closing quiz, "Which autoencoder when?".

Each scenario is a question with four options and one best answer. A wrong
choice gets the sections of the course to re-read, never the right letter.
"""

from dataclasses import dataclass

from companion.exercises._verdict import check_choice, checker


@dataclass(frozen=True)
class Scenario:
    """One question of the quiz: its right option, why, and where the course answers it."""

    right: str
    explanation: str
    reread: tuple


SCENARIOS = {
    "denoise_scans": Scenario(
        "b",
        "Corrupt the input and compare the output with the clean page: the loss then rewards removing "
        "noise, not copying it. A bottleneck alone keeps whatever varies most, and speckle varies a lot.",
        ("Chapter 5: The denoising criterion", "Chapter 5: Does it denoise?"),
    ),
    "retrieval": Scenario(
        "a",
        "A short code whose nearest neighbours show the same thing is what retrieval needs; the stacked and "
        "convolutional codes had the best precision@10 of the course, and search in 32 numbers is fast.",
        ("Chapter 10: Retrieval", "Chapter 8: Digits: convolutional versus dense"),
    ),
    "chosen_digit": Scenario(
        "c",
        "A conditional VAE gets the label as an input of its decoder: sampling z from the prior with the "
        "chosen label draws that digit, with z setting the style.",
        ("Chapter 9: Generating and interpolating", "Chapter 12: A conditional VAE: draw the digit you ask for"),
    ),
    "few_labels": Scenario(
        "b",
        "The autoencoder learns from all 60,000 images, labelled or not; spreading the 100 labels over a "
        "graph of nearest codes beat a probe on the best code in Chapter 10.",
        ("Chapter 10: Classifying with few labels", "Chapter 10: Letting the unlabelled images vote"),
    ),
    "outliers": Scenario(
        "d",
        "Train on normal parts only and set the threshold at the 95th percentile of the scores of normal "
        "parts held out from training: that fixes the false-alarm rate without ever looking at a defect.",
        ("Chapter 11: The one-class protocol", "Chapter 11: Choosing a threshold"),
    ),
    "interpretable": Scenario(
        "c",
        "A sparse autoencoder trained on the activations writes each one as a few active features of an "
        "overcomplete dictionary; the inputs that activate a feature most say what it stands for.",
        ("Chapter 6: TopK codes and dead units", "Chapter 6: A dictionary of a classifier's activations"),
    ),
    "tokens": Scenario(
        "a",
        "A VQ-VAE's code is a grid of codebook indices: discrete tokens, which a sequence model can "
        "predict one after another.",
        ("Chapter 12: Discrete codes: the VQ-VAE",),
    ),
    "baseline": Scenario(
        "d",
        "PCA is the best linear autoencoder, computed by one SVD, with no training loop; Chapter 11 found "
        "it close to the deep detectors, so it is the baseline every autoencoder must beat.",
        ("Chapter 1: PCA is the optimum", "Chapter 11: The one-class protocol"),
    ),
}
OPTION_LETTERS = "abcd"


def _scenario_checker(key):
    scenario = SCENARIOS[key]

    @checker
    def check(answer):
        return check_choice(answer, OPTION_LETTERS, scenario.right, scenario.explanation, scenario.reread)

    check.__name__ = f"check_{key}"
    check.__doc__ = f"""Quiz scenario "{key}": the letter of the best option.

    Args:
        answer: one letter, ``"a"`` to ``"d"``.

    Returns:
        Verdict.
    """
    return check


check_denoise_scans = _scenario_checker("denoise_scans")
check_retrieval = _scenario_checker("retrieval")
check_chosen_digit = _scenario_checker("chosen_digit")
check_few_labels = _scenario_checker("few_labels")
check_outliers = _scenario_checker("outliers")
check_interpretable = _scenario_checker("interpretable")
check_tokens = _scenario_checker("tokens")
check_baseline = _scenario_checker("baseline")
