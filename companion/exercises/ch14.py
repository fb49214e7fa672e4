"""Checkers of the closing quiz, "Which autoencoder when?".

Each scenario is a question with four options and one best answer. A wrong
choice gets the sections of the course to re-read, never the right letter.
The key of each scenario is sealed: a salted digest of its letter (a
``SealedLetters``), so reading the module or its objects does not give the
answers away.
"""

from dataclasses import dataclass

from companion.exercises._verdict import SealedLetters, check_choice, checker


@dataclass(frozen=True)
class Scenario:
    """One question of the quiz: its sealed key, why the key is right, and where the course answers it.

    ``right`` is the right letter, as a ``SealedLetters`` of one letter;
    ``explanation`` is shown with the confirmation, once the right letter is
    given; ``reread`` holds the ``"Chapter N: section title"`` of the sections
    a wrong choice is sent to.
    """

    right: SealedLetters
    explanation: str
    reread: tuple


def _sealed(key, digest):
    """The key of scenario ``key``: ``letters_digest(letter, f"ch14.{key}")``."""
    return SealedLetters(f"ch14.{key}", digest)


SCENARIOS = {
    "denoise_scans": Scenario(
        _sealed("denoise_scans", "1eeb4a6a80a92ffc10ba434a6d12289787b8ed7400131db08046a1e0d5793af2"),
        "Corrupt the input and compare the output with the clean page: the loss then rewards removing "
        "noise, not copying it. A bottleneck alone keeps whatever varies most, and speckle varies a lot.",
        ("Chapter 5: The denoising criterion", "Chapter 5: Does it denoise?"),
    ),
    "retrieval": Scenario(
        _sealed("retrieval", "dcba0e2226cf9aeaa61d4635c619c700c4f7e9dc86482492950920a8c60afc22"),
        "A short code whose nearest neighbours show the same thing is what retrieval needs; the stacked and "
        "convolutional codes had the best precision@10 of the course, and search in 32 numbers is fast.",
        ("Chapter 10: Retrieval", "Chapter 8: Digits: convolutional versus dense"),
    ),
    "chosen_digit": Scenario(
        _sealed("chosen_digit", "c1bf5a59b6a045943a781b71457a89e7a1b6a09e4ae1733499f8d0401ea4ec27"),
        "A conditional VAE gets the label as an input of its decoder: sampling z from the prior with the "
        "chosen label draws that digit, with z setting the style.",
        ("Chapter 9: Generating and interpolating", "Chapter 12: A conditional VAE: draw the digit you ask for"),
    ),
    "few_labels": Scenario(
        _sealed("few_labels", "368ef05896b366f7850cd11fe916d69d00306545f4197c5030958b2bd9cf99a1"),
        "The autoencoder learns from all 60,000 images, labelled or not; spreading the 100 labels over a "
        "graph of nearest codes beat a probe on the best code in Chapter 10.",
        ("Chapter 10: Classifying with few labels", "Chapter 10: Letting the unlabelled images vote"),
    ),
    "outliers": Scenario(
        _sealed("outliers", "c1a41f67f893d1aca7f5303447c252c113f0a11141eb05c03c4ddbf3856258d8"),
        "Train on normal parts only and set the threshold at the 95th percentile of the scores of normal "
        "parts held out from training: that fixes the false-alarm rate without ever looking at a defect.",
        ("Chapter 11: The one-class protocol", "Chapter 11: Choosing a threshold"),
    ),
    "interpretable": Scenario(
        _sealed("interpretable", "b74fe7f210e5cbf9d11f14fcd2e83df612bafe2c1495557062d325f3e8e6b7f9"),
        "A sparse autoencoder trained on the activations writes each one as a few active features of an "
        "overcomplete dictionary; the inputs that activate a feature most say what it stands for.",
        ("Chapter 6: TopK codes and dead units", "Chapter 6: A dictionary of a classifier's activations"),
    ),
    "tokens": Scenario(
        _sealed("tokens", "cd19cd84b7de608df95a31f096b5bcf96bde6ff3c9928874aa28292b76b7c0f9"),
        "A VQ-VAE's code is a grid of codebook indices: discrete tokens, which a sequence model can "
        "predict one after another.",
        ("Chapter 12: Discrete codes: the VQ-VAE",),
    ),
    "baseline": Scenario(
        _sealed("baseline", "8867d99dc3f8d310911f768649b5a2ca0535fe15dff34e421844e65740768f83"),
        "PCA is the best linear autoencoder, computed by one SVD, with no training loop; Chapter 11 found "
        "it close to the deep detectors, so it is the baseline every autoencoder must beat.",
        ("Chapter 1: PCA is the optimum", "Chapter 11: The one-class protocol"),
    ),
    "likelihood_novelty": Scenario(
        _sealed("likelihood_novelty", "8cd71d7d26470376b62da5d657afd5d6ed627c072a7000298c3ce2dc0ae390e9"),
        "A likelihood measures how simple an image is as much as how familiar: in Chapter 11 the VAE's "
        "negative ELBO followed the length of the images' PNG files, so the simple digits looked more likely "
        "than the clothes and the score ranked them the wrong way round (AUROC below 0.5). Subtracting the "
        "PNG bits leaves how much better the model codes an image than a generic compressor, and that score "
        "found the digits (AUROC above 0.9). A threshold or a change of unit keeps the wrong ranking, and a "
        "tighter bound is still a likelihood, dominated by the same complexity.",
        ("Chapter 11: When a likelihood is not a novelty score", "Chapter 11: Why: the likelihood measures complexity",
         "Chapter 11: A remedy: subtract the complexity"),
    ),
    "blurry_vae": Scenario(
        _sealed("blurry_vae", "142048b92575acf5a2af158e4e1cc20827b66c2a9cff3d4f5542b753a69b2cf2"),
        "A mean over the 784 pixels plus a summed KL is the loss of a VAE with beta = 784, divided by 784, "
        "and Adam's steps hardly depend on the scale of a loss. Against a KL 784 times heavier, every code "
        "unit is cheapest at the prior: Chapter 9's twin of this model had no active unit, and its decoder "
        "drew nearly one blurred digit even from the mean codes. Sum the cross-entropy over the pixels, "
        "print both terms in nats per image, and count the active units.",
        ("Chapter 9: The loss-scaling trap", "Chapter 9: Active units and posterior collapse"),
    ),
    "checkerboard": Scenario(
        _sealed("checkerboard", "90f7c70edee8c7121af0b5f527e3278ebaeda1b0b5ee4ea8289b249ad6cf9600"),
        "With kernel 3 and stride 2, the kernel's copies overlap on every other row and column, so output "
        "pixels receive 1, 2 or 4 of them whatever the weights: the grid comes from the layer's geometry, "
        "and in Chapter 8 the trained decoder still drew it on a flat patch. Nearest-neighbour upsampling "
        "followed by a convolution computes every output pixel the same way, with the same number of "
        "weights; a kernel of 5 still overlaps unevenly, since 5 is not a multiple of the stride.",
        ("Chapter 8: Checkerboard artefacts", "Chapter 8: The checkerboard in trained decoders"),
    ),
    "contraction": Scenario(
        _sealed("contraction", "aa2b652c3fe09fa096aa1df3df89dd0abe70015f204eea559d18242d20558108"),
        "The contractive penalty acts on the encoder's Jacobian, so it is the code that stops moving: in "
        "Chapter 7 the contractive encoder moved least under the same small noise, and the denoising one "
        "sat between it and the plain one, robust only implicitly. The denoising criterion acts on the "
        "output: a corrupted input is compared with its clean original, which is what trains the "
        "reconstruction to remove noise; the contractive autoencoder is never asked for a clean image.",
        ("Chapter 7: Measuring contraction", "Chapter 5: The denoising criterion"),
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
check_likelihood_novelty = _scenario_checker("likelihood_novelty")
check_blurry_vae = _scenario_checker("blurry_vae")
check_checkerboard = _scenario_checker("checkerboard")
check_contraction = _scenario_checker("contraction")
