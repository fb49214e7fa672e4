"""Checkers for the exercises of Chapter 12 (beyond the VAE)."""

import numpy as np

from companion.exercises._measure import Target, held_out_mnist, model_input, not_a_model, reconstruct, verdict_on
from companion.exercises._verdict import (
    call_for_array,
    check_count,
    check_letters,
    check_prediction,
    checker,
    correct,
    end_check,
    learner_code,
    shown,
    wrong,
)

# --- exercise 12.1: the bits of a VQ code ---


@checker
def check_code_bits(answer):
    """Exercise 12.1: the bits of a 32x32 grid of indices into a codebook of 512 codes.

    Args:
        answer: the learner's whole number.

    Returns:
        Verdict.
    """
    hints = {
        32 * 32 * 512: "each position holds one of 512 symbols, which takes log2(512) = 9 bits, not 512.",
        32 * 32: "that is the number of positions; each holds log2(512) = 9 bits.",
        9: "that is one position; the grid has 32 x 32 of them.",
        128 * 128 * 3 * 8: "that is the image, 128 x 128 x 3 values of 8 bits; the question asks for its code.",
        32 * 32 * 32 * 9: "the code is the grid of indices, not the code vectors: one index per position.",
    }
    return check_count(answer, 32 * 32 * 9, hints, "32 x 32 positions x log2(512) = 9 bits: about 1/43 of the "
                       "image's 128 x 128 x 3 x 8 bits.", fallback="Multiply the positions by the bits of one "
                       "index, log2 of the codebook size.")


# --- exercise 12.2: true or false ---

_TRUE_STATEMENTS = frozenset("bc")
_REREAD = ("A conditional VAE: draw the digit you ask for", "Latent traversals and the beta-VAE",
           "Discrete codes: the VQ-VAE", "Codebook usage and dead codes")
_STATEMENT_EXPLANATIONS = {
    "a": "(a) is false: the straight-through estimator copies the decoder's gradient to the encoder's "
    "output; the codes themselves learn only from the codebook loss.",
    "b": "(b) is true: the codebook loss moves the codes, not the encoder; without the commitment loss "
    "no term pulls the encoder's outputs towards the codes, and they can drift and grow away from "
    "every code.",
    "c": "(c) is true: the perplexity is exp(entropy) of the code shares; it equals K only when all K "
    "codes have the same share.",
    "d": "(d) is false: the label is given to the encoder and the decoder; the code drawn from the "
    "prior holds what the label does not say, the style.",
    "e": "(e) is false: a larger beta makes each latent cost more KL, so fewer latents stay active.",
}


@checker
def check_statements(answer):
    """Exercise 12.2: which statements on conditional VAEs, beta-VAEs and VQ-VAEs are true.

    Args:
        answer: a set of letters, e.g. ``{"a", "c"}``.

    Returns:
        Verdict that names no letter when the set is wrong.
    """
    return check_letters(answer, "abcde", _TRUE_STATEMENTS, _STATEMENT_EXPLANATIONS, _REREAD)


# --- exercise 12.3: the nearest code ---


def _nearest(vectors, codebook):
    distances = ((vectors[:, None, :] - codebook[None, :, :]) ** 2).sum(axis=2)
    return distances.argmin(axis=1)


@checker
def check_nearest_codes(nearest_codes):
    """Exercise 12.3: ``nearest_codes(vectors, codebook)``, the index of each vector's nearest code.

    The checker calls the learner's function on random vectors and codebooks
    of several sizes and compares the indices with its own.

    Args:
        nearest_codes: the learner's function.

    Returns:
        Verdict.
    """
    signature = "nearest_codes(vectors, codebook)"
    rng = np.random.default_rng(12)
    for n, k, dim in ((50, 8, 4), (7, 3, 2), (200, 64, 16)):
        vectors = rng.normal(size=(n, dim)).astype("float32")
        codebook = rng.normal(size=(k, dim)).astype("float32")
        expected = _nearest(vectors, codebook)
        result, verdict = call_for_array(nearest_codes, signature, (vectors.copy(), codebook.copy()), (n,))
        if verdict is not None:
            if "should return shape" in verdict.message:
                return wrong(f"{verdict.message} One index per vector: {n} vectors, a codebook of {k} codes.")
            return verdict
        if np.any(result != np.round(result)):
            return wrong(f"{signature} must return whole numbers, the indices of codes. Received: {shown(result)}.")
        if np.array_equal(result, _farthest(vectors, codebook)):
            return wrong("these are the farthest codes: the nearest code has the smallest distance (argmin).")
        if np.array_equal(result, _by_dot_product(vectors, codebook)):
            return wrong("the largest dot product is not the smallest distance: "
                         "||z - e||^2 = ||z||^2 - 2 z.e + ||e||^2 also depends on ||e||^2.")
        if not np.array_equal(result, expected):
            wrong_share = np.mean(result != expected)
            return wrong(f"{wrong_share:.0%} of the indices differ from the nearest codes (for {n} vectors "
                         f"and {k} codes of {dim} numbers). Compute the squared distance of every vector to "
                         "every code, then take the arg min over the codes (axis 1).")
    return correct("every vector gets the index of its nearest code, as the VQ layer's look-up does.")


def _farthest(vectors, codebook):
    return ((vectors[:, None, :] - codebook[None, :, :]) ** 2).sum(axis=2).argmax(axis=1)


def _by_dot_product(vectors, codebook):
    return (vectors @ codebook.T).argmax(axis=1)


# --- exercise 12.4: a prediction on the conditional VAE ---

SWAP_CHOICES = {
    "a": "At least 10% are read as 7s, and no more as 1s than as 7s: the code of the 7 still says "
    "which digit it is.",
    "b": "At least 10% are read as 1s, and more as 1s than as 7s: the label decides the digit, the "
    "code keeps the style.",
    "c": "Under 10% are read as 1s and under 10% as 7s: a code and a label that disagree draw no "
    "clear digit.",
}


def swap_outcome(share_asked, share_original):
    """Exercise 12.4: the letter of ``SWAP_CHOICES`` that the classifier's shares give.

    Args:
        share_asked: share of the decoded images classified as the new label (1).
        share_original: share classified as the digit that was encoded (7).
    """
    if max(share_asked, share_original) < 0.1:
        return "c"
    return "b" if share_asked > share_original else "a"


@checker
def check_swap_prediction(prediction, share_asked, share_original):
    """Exercise 12.4: the learner's prediction of what the decoder draws from a 7's code and the label 1.

    Args:
        prediction: the learner's letter.
        share_asked: measured share of the images classified as 1.
        share_original: measured share classified as 7.

    Returns:
        Verdict.
    """
    measured = (f"Measured: the classifier reads {share_asked:.0%} of the decoded images as 1s and "
                f"{share_original:.0%} as 7s.")
    return check_prediction(prediction, SWAP_CHOICES, swap_outcome(share_asked, share_original), measured)


# --- exercise 12.5: a trained VQ autoencoder, measured on held-out digits ---

VQ_TEST_IMAGES = 1000
VQ_MAX_CODEBOOK = 64
VQ_PERPLEXITY_TARGET = 16.0
VQ_MSE_TARGET = 0.015


def held_out_digits():
    """The last test images of MNIST, as the checker of Exercise 12.5 reads them."""
    images, _ = held_out_mnist(VQ_TEST_IMAGES)
    return images


def _quantizer_of(model):
    """The VectorQuantizer inside ``model`` (or its encoder); ends the check when there is none."""
    from companion.beyond import VectorQuantizer

    with learner_code("looking for the VectorQuantizer layer of your model"):
        owners = [getattr(model, "encoder", None), model]
        for owner in owners:
            for layer in getattr(owner, "layers", None) or []:
                if isinstance(layer, VectorQuantizer):
                    return owner, layer
    end_check(wrong("your model has no cp.VectorQuantizer layer (looked in the model and its encoder). Build "
                    "it with cp.build_vq_autoencoder, or put a cp.VectorQuantizer in your encoder."))


def _code_indices(owner, quantizer, batch):
    """The code index of every position of every image of ``batch``."""
    import keras

    with learner_code("encoding the checker's digits up to the quantiser"):
        inputs = owner.inputs[0] if len(owner.inputs) == 1 else owner.inputs
        continuous = keras.Model(inputs, quantizer.input)
        vectors = continuous.predict(batch, batch_size=500, verbose=0)
        indices = np.asarray(keras.ops.convert_to_numpy(quantizer.nearest(vectors)))
    return indices


@checker
def check_vq_autoencoder(model):
    """Exercise 12.5: a trained VQ autoencoder that uses its codebook and reconstructs well.

    The checker loads held-out MNIST test digits itself, reconstructs them
    with ``model``, and reads the code index the model's
    :class:`~companion.VectorQuantizer` chooses at each position. It accepts
    the model when the codebook has at most 64 codes, the perplexity of the
    codes over all positions reaches the target and the mean squared error per
    pixel stays below its target.

    Args:
        model: the learner's trained model, e.g. from ``cp.build_vq_autoencoder``.

    Returns:
        Verdict, with the measured numbers next to the targets.
    """
    from companion.beyond import perplexity

    verdict = not_a_model(model, "a VQ autoencoder")
    if verdict is not None:
        return verdict
    owner, quantizer = _quantizer_of(model)
    if quantizer.codebook_size > VQ_MAX_CODEBOOK:
        return wrong(f"your codebook has {quantizer.codebook_size} codes; the exercise allows at most "
                     f"{VQ_MAX_CODEBOOK} (6 bits per position), so that a large codebook cannot buy the "
                     "perplexity.")
    images = held_out_digits()
    reconstructions = reconstruct(model, images)
    mse = float(np.mean((reconstructions - images.reshape(len(images), -1)) ** 2))
    indices = _code_indices(owner, quantizer, model_input(owner, images))
    targets = [
        Target("perplexity of the codes", perplexity(indices.astype("int64"), quantizer.codebook_size),
               VQ_PERPLEXITY_TARGET, at_least=True, digits=1),
        Target("test MSE per pixel", mse, VQ_MSE_TARGET, at_least=False, digits=4),
    ]
    hints = ("Usual causes: a model not trained or trained too briefly; dead codes (restart them with "
             "cp.DeadCodeRestarts after the first epochs); or a learning rate too small.")
    return verdict_on(targets, f"on {len(images):,} held-out test digits, codebook of "
                      f"{quantizer.codebook_size} codes", hints)
