"""Checkers for the exercises of Chapter 1 (linear autoencoder and PCA)."""

import numpy as np

from companion.exercises._build_it import (
    build,
    call_layer,
    check_config_round_trip,
    check_gradients,
    check_short_training,
    compare_outputs,
    passed,
    random_inputs,
    randomize_weights,
)
from companion.exercises._measure import Target, held_out_digits, not_a_model, pixel_mse, reconstruct, verdict_on
from companion.exercises._verdict import (
    SealedLetters,
    check_letters,
    check_prediction,
    checker,
    correct,
    end_check,
    learner_result,
    read_array,
    validate_measurement,
    wrong,
)

# Exercise 1.1: the learner writes the linear autoencoder as a Keras model. The checker builds it
# at two sizes, probes it with random weights (linear, able to shift its output, as many directions
# through as the code has numbers), compares it with cp.build_linear_autoencoder on batches of 1, 7
# and 64 inputs with the same weights, checks its gradients and config, and trains it briefly.
BUILD_SIGNATURE = "LinearAutoencoder(input_dim, code_size)"
_BUILD_SIZES = ((12, 3), (784, 16))
_BATCH_SIZES = (1, 7, 64)
_AFFINE_TOLERANCE = 1e-4  # float32 rounding of a linear model stays below 1e-6
# The toy problem of the short training run: 12 values near a 3-dimensional subspace. Adam at
# 0.03 for 6 epochs of 32 batches brings the reference model to 1.1-1.7 times PCA's error (about
# 2 s), depending on its initial weights; 4 epochs at 0.01 leave it 3 to 5 times above.
_TOY_SIZES = (12, 3)
_TOY_EPOCHS = 6
_TOY_MSE_RATIO_TARGET = 2.0
_TOY_SEED = 11

# Exercise 1.4: a linear autoencoder with a code of this size, trained by the learner, is
# measured against PCA with as many components on digits it never saw.
LINEAR_CODE_SIZE = 16
# Test MSE at most 2% above PCA's: the chapter's training recipe (8 epochs on 10,000 digits,
# Adam with a cosine decay) ends 0.5-1% above it; 3 epochs end 9% above it, one epoch without
# the decay 25% above it and an untrained model about 5 times above it.
LINEAR_MSE_RATIO_TARGET = 1.02
REFERENCE_TRAIN_IMAGES = 20_000  # the training digits the checker fits its PCA on
HELD_OUT_IMAGES = 2_000  # the last test digits: the chapter shows and measures the first ones
_LINEARITY_TOLERANCE = 1e-3  # float32 rounding of a linear model stays below 1e-5
_RANK_TOLERANCE = 1e-4  # singular values below this share of the largest are rounding

# Exercise 1.5: the linear autoencoder on digits whose pixels are shuffled
SHUFFLE_CHOICES = {
    "a": "the error is clearly higher (more than 5% above PCA's on the real digits).",
    "b": "the error is about the same (within 5% of PCA's on the real digits).",
    "c": "the error is clearly lower (more than 5% below PCA's on the real digits).",
}
_SHUFFLE_BAND = 0.05

STATEMENT_LETTERS = "abcde"
_TRUE_STATEMENTS = SealedLetters("ch01.statements", "d198618ee15cdfb0bcfc9273482c9b73c9932ef2f8f1822105e063fff9830b11")
_REREAD = ("PCA is the optimum", "Undercomplete versus overcomplete")  # the sections the statements test
_STATEMENT_EXPLANATIONS = {
    "a": "any invertible mix of the principal axes gives the same "
    "reconstructions, so gradient descent has no reason to find orthonormal columns.",
    "b": "at the optimum the decoder's columns span the top-k principal "
    "subspace (Baldi & Hornik 1989); the principal angles in this chapter show it.",
    "c": "the codes are some invertible linear mix of the principal "
    "components, not the components themselves, and not ordered by variance.",
    "d": "by the Eckart-Young theorem no rank-k linear map reconstructs "
    "the training data better than PCA's projection.",
    "e": "with at least as many code units as inputs the identity map "
    "is available, so the error can reach zero without learning anything useful.",
}


@checker
def check_linear_autoencoder(answer):
    """Exercise 1.1: the linear autoencoder written as a Keras model by the learner.

    ``answer`` is a ``keras.Model`` subclass (or a function) called as
    ``LinearAutoencoder(input_dim, code_size)``: a Dense encoder to
    ``code_size`` numbers and a Dense decoder back to ``input_dim``, without
    activations, one after the other, with a ``get_config``. The checker
    builds it with two pairs of sizes and tests it as Keras tests its layers:
    with random weights it must be linear, able to shift its output, and pass
    exactly ``code_size`` independent directions from input to output; with
    the weights of :func:`companion.build_linear_autoencoder` it must give its
    outputs (batches of 1, 7 and 64) and gradients; ``from_config(get_config())``
    must rebuild it; and a short training run on a toy problem must bring its
    error near PCA's.

    Args:
        answer: the learner's class or function.

    Returns:
        Verdict: what differs, measured, when something does.
    """
    from companion.models import build_linear_autoencoder  # the reference; the module imports Keras

    for input_dim, code_size in _BUILD_SIZES:
        model = build(answer, BUILD_SIGNATURE, input_dim=input_dim, code_size=code_size)
        what = f"your model (input_dim={input_dim}, code_size={code_size})"
        inputs = random_inputs([(batch, input_dim) for batch in _BATCH_SIZES], low=0.0, high=1.0)
        for x in inputs:
            output = call_layer(model, x, what=what)
            if isinstance(output, (list, tuple)) or output.shape != x.shape:
                shape = [part.shape for part in output] if isinstance(output, (list, tuple)) else output.shape
                end_check(wrong(f"with inputs of shape {x.shape}, {what} returns {shape}: an autoencoder gives "
                                "back one tensor of its input's shape."))
        randomize_weights(model, what=what)
        _require_affine(model, inputs[-1], what)
        _require_shift(model, input_dim, what)
        _require_code_rank(model, input_dim, code_size, what)
        reference = build_linear_autoencoder((input_dim,), code_size)
        compare_outputs(model, reference, inputs, what=what)
        check_gradients(model, inputs[1], reference=reference, what=what)
        check_config_round_trip(model, inputs[1], what=what)
    _require_training(answer)
    return passed("your LinearAutoencoder", [
        "linear, with a code of code_size numbers, for two sizes",
        "the reference's outputs and gradients on batches of 1, 7 and 64 inputs",
        "from_config(get_config()) rebuilds it",
        "trained briefly, it reaches PCA's error on a toy problem",
    ])


def _relative_norm(difference, scale):
    return float(np.linalg.norm(difference) / max(float(np.linalg.norm(scale)), 1e-12))


def _require_affine(model, x, what):
    """End the check unless ``model(3a - 2b) = 3 model(a) - 2 model(b)`` (true of any linear map plus a shift)."""
    half = len(x) // 2
    a, b = x[:half], x[half : 2 * half]
    mixed = call_layer(model, (3 * a - 2 * b).astype("float32"), what=what)
    expected = 3 * call_layer(model, a, what=what) - 2 * call_layer(model, b, what=what)
    deviation = _relative_norm(mixed - expected, expected)
    if deviation > _AFFINE_TOLERANCE:
        end_check(wrong(f"{what} is not linear: with random weights, its output for 3a - 2b differs from "
                        f"3 f(a) - 2 f(b) by {deviation:.1%}. Something between input and output bends."))


def _require_shift(model, input_dim, what):
    """End the check if the model maps zero to zero whatever its weights: it has no bias to shift its output."""
    output = call_layer(model, np.zeros((1, input_dim), dtype="float32"), what=what)
    if not np.any(np.abs(output) > 1e-6):
        end_check(wrong(f"with random weights, {what} still maps the zero input to zero: nothing in it can "
                        "shift its output, so it cannot reconstruct data that is not centred at zero."))


def _require_code_rank(model, input_dim, code_size, what):
    """End the check unless as many independent directions go from input to output as the code has numbers.

    The rank is measured on ``2 * code_size + 8`` random inputs (all unit vectors for small inputs), so
    a rank above that is reported as "at least".
    """
    probes = min(input_dim, 2 * code_size + 8)
    directions = np.eye(input_dim, dtype="float32")[:probes] if probes == input_dim else \
        np.random.default_rng(7).normal(size=(probes, input_dim)).astype("float32")
    linear_part = call_layer(model, directions, what=what) - call_layer(model, np.zeros_like(directions[:1]), what=what)
    singular_values = np.linalg.svd(linear_part, compute_uv=False)
    rank = int(np.sum(singular_values > _RANK_TOLERANCE * singular_values[0])) if singular_values[0] > 0 else 0
    if rank > code_size:
        counted = f"at least {rank}" if rank == probes < input_dim else f"{rank}"
        end_check(wrong(f"with random weights, {what} passes {counted} independent directions from input to "
                        f"output, more than a code of {code_size} numbers can carry: does everything go "
                        "through the code?"))
    if rank < code_size:
        end_check(wrong(f"with random weights, {what} passes only {rank} independent directions from input to "
                        f"output, where a code of {code_size} numbers carries {code_size}."))


def toy_data():
    """Exercise 1.1's toy problem: 512 points in 12-D near a 3-D subspace, float32."""
    rng = np.random.default_rng(101)
    input_dim, code_size = _TOY_SIZES
    axes, _ = np.linalg.qr(rng.normal(size=(input_dim, code_size)))
    codes = rng.normal(size=(512, code_size)) * np.array([1.0, 0.6, 0.3])
    return (0.5 + codes @ axes.T + 0.1 * rng.normal(size=(512, input_dim))).astype("float32")


def _require_training(answer):
    """End the check unless a fresh model, trained briefly on the toy problem, nears PCA's error."""
    import keras  # the package imports Keras already; here only to seed it

    x = toy_data()
    input_dim, code_size = _TOY_SIZES
    keras.utils.set_random_seed(_TOY_SEED)  # the same initial weights and batches on every run
    model = build(answer, BUILD_SIGNATURE, input_dim=input_dim, code_size=code_size)
    pca_mse = pca_test_mse(x, x, code_size)

    def ratio(trained):
        return pixel_mse(x, call_layer(trained, x, what="your trained model")) / pca_mse

    check_short_training(model, x, loss="mse", epochs=_TOY_EPOCHS, batch_size=16, learning_rate=0.03,
                         target=_TOY_MSE_RATIO_TARGET, measure=ratio, name="error / PCA's", digits=2)


@checker
def check_pca_reconstruct(pca_reconstruct):
    """Exercise 1.2: a NumPy function ``pca_reconstruct(x, k)``.

    The function must centre ``x`` (rows are examples), project onto the top-k
    principal axes and map back, adding the mean again.

    Args:
        pca_reconstruct: the learner's function.

    Returns:
        Verdict.
    """
    x = _exercise_data()
    for k in (1, 3):
        signature = f"pca_reconstruct(x, k={k})"
        result = read_array(learner_result(pca_reconstruct, signature, (x.copy(), k)), signature, shape=x.shape)
        verdict = _compare_reconstruction(x, k, result)
        if verdict is not None:
            return verdict
    return correct("your reconstructions match PCA's for k=1 and k=3.")


@checker
def check_linear_ae_statements(answer):
    """Exercise 1.3: which statements (a)-(e) about a trained linear AE are true.

    Args:
        answer: the letters of the true statements, e.g. ``{"a", "c"}`` or ``"ac"``.

    Returns:
        Verdict.
    """
    return check_letters(answer, STATEMENT_LETTERS, _TRUE_STATEMENTS, _STATEMENT_EXPLANATIONS, _REREAD)


def reference_digits():
    """The checker's own data for Exercise 1.4: training digits for its PCA, and held-out test digits.

    Returns:
        ``(train, held_out)``, flat images of shape ``(n, 784)`` in [0, 1].
    """
    train, _ = held_out_digits(REFERENCE_TRAIN_IMAGES, split="train")
    held_out, _ = held_out_digits(HELD_OUT_IMAGES)
    return train.reshape(len(train), -1), held_out.reshape(len(held_out), -1)


def pca_test_mse(train, test, k):
    """Mean squared error per pixel of PCA with ``k`` components fitted on ``train``, on ``test``."""
    train = np.asarray(train, dtype="float64")
    mean = train.mean(axis=0)
    _, vectors = np.linalg.eigh(np.cov(train - mean, rowvar=False))
    axes = vectors[:, ::-1][:, :k]  # eigh sorts the eigenvalues up
    centred = np.asarray(test, dtype="float64") - mean
    return pixel_mse(centred, centred @ axes @ axes.T)


@checker
def check_trained_linear_autoencoder(model):
    """Exercise 1.4: a trained linear autoencoder with a 16-number code, within 2% of PCA.

    The checker fits PCA with 16 components on training digits, then measures
    the model and PCA on held-out test digits. It checks what the model does,
    not how it was built: its reconstructions must be an affine function of
    the input (a linear autoencoder) and span at most 16 directions (a code of
    16 numbers), and its test MSE must be at most 2% above PCA's.

    Args:
        model: the learner's trained model (or any function of a batch of images).

    Returns:
        Verdict, with the measured MSE ratio next to the target.
    """
    verdict = not_a_model(model, f"a linear autoencoder with a {LINEAR_CODE_SIZE}-number code")
    if verdict is not None:
        return verdict
    train, held_out = reference_digits()
    reconstructions = reconstruct(model, held_out)
    _require_linear(model, held_out, reconstructions)
    _require_code_size(reconstructions)
    mse = pixel_mse(held_out, reconstructions)
    pca_mse = pca_test_mse(train, held_out, LINEAR_CODE_SIZE)
    ratio = Target("test MSE / PCA's", mse / pca_mse, LINEAR_MSE_RATIO_TARGET, at_least=False, digits=3)
    hints = (
        "Usual causes: too few epochs, a learning rate that stays high to the end "
        "(cosine_decay=True lets Adam settle into the minimum), a loss other than the mean "
        "squared error, or a model that was not trained."
    )
    where = f"on {len(held_out):,} test digits it never saw (your MSE {mse:.5f}, PCA's {pca_mse:.5f})"
    return verdict_on([ratio], where, hints)


def _require_linear(model, images, reconstructions):
    """End the check unless the model maps the midpoint of two images to the midpoint of their outputs."""
    half = len(images) // 2
    midpoints = reconstruct(model, (images[:half] + images[half : 2 * half]) / 2)
    expected = (reconstructions[:half] + reconstructions[half : 2 * half]) / 2
    scale = np.linalg.norm(reconstructions[:half] - reconstructions[half : 2 * half]) + 1e-12
    deviation = np.linalg.norm(midpoints - expected) / scale
    if deviation > _LINEARITY_TOLERANCE:
        end_check(
            wrong(
                f"your model is not linear: the output for the average of two digits differs from the "
                f"average of their outputs by {deviation:.1%}. Build a linear autoencoder "
                "(cp.build_linear_autoencoder): no activation on the code or the output."
            )
        )


def _require_code_size(reconstructions):
    """End the check if the reconstructions span more directions than the code has numbers."""
    singular_values = np.linalg.svd(reconstructions - reconstructions.mean(axis=0), compute_uv=False)
    rank = int(np.sum(singular_values > _RANK_TOLERANCE * singular_values[0])) if singular_values[0] > 0 else 0
    if rank > LINEAR_CODE_SIZE:
        end_check(
            wrong(
                f"your reconstructions span {rank} directions; a code of {LINEAR_CODE_SIZE} numbers "
                f"spans at most {LINEAR_CODE_SIZE}. Build the model with code_size={LINEAR_CODE_SIZE}."
            )
        )


def shuffled_pixels_outcome(shuffled_mse, pca_mse):
    """Exercise 1.5: the letter of ``SHUFFLE_CHOICES`` that the measured errors give.

    Args:
        shuffled_mse: test MSE of the linear autoencoder trained and tested on shuffled pixels.
        pca_mse: test MSE of PCA with as many components on the real digits.

    Returns:
        ``"a"``, ``"b"`` or ``"c"``.
    """
    ratio = shuffled_mse / pca_mse
    if ratio > 1 + _SHUFFLE_BAND:
        return "a"
    return "c" if ratio < 1 - _SHUFFLE_BAND else "b"


@checker
def check_shuffled_pixels_prediction(answer, shuffled_mse, pca_mse):
    """Exercise 1.5: the prediction of the linear autoencoder's error on shuffled pixels.

    Args:
        answer: the learner's letter, made before the experiment.
        shuffled_mse: the measured test MSE on shuffled pixels.
        pca_mse: PCA's test MSE on the real digits, with as many components.

    Returns:
        Verdict.
    """
    shuffled_mse = validate_measurement(shuffled_mse, "shuffled_mse", expected="an error > 0", low=1e-12)
    pca_mse = validate_measurement(pca_mse, "pca_16_mse", expected="an error > 0", low=1e-12)
    outcome = shuffled_pixels_outcome(shuffled_mse, pca_mse)
    measured = (
        f"Measured: test MSE {shuffled_mse:.5f} on shuffled pixels, {pca_mse:.5f} for PCA on the "
        f"real digits, a ratio of {shuffled_mse / pca_mse:.3f}. The loss of a linear "
        "autoencoder depends on the pixels' covariance only, and shuffling reorders it "
        "without changing its eigenvalues."
    )
    return check_prediction(answer, SHUFFLE_CHOICES, outcome, measured)


def _exercise_data():
    """200 points in 6-D with very different variances along random axes."""
    rng = np.random.default_rng(2006)
    scales = np.array([5.0, 3.0, 2.0, 0.5, 0.2, 0.1])
    rotation, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    return rng.normal(size=(200, 6)) * scales @ rotation.T + rng.normal(size=6) * 4


def _pca_reference(x, k, center=True):
    mean = x.mean(axis=0) if center else np.zeros(x.shape[1])
    _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
    axes = vt[:k]
    return (x - mean) @ axes.T @ axes + mean


def _close(a, b):
    return np.allclose(a, b, rtol=1e-4, atol=1e-6 * np.abs(b).max())


def _compare_reconstruction(x, k, result):
    """Return None when ``result`` is right, else a wrong Verdict with a hint."""
    expected = _pca_reference(x, k)
    if _close(result, expected):
        return None
    if _close(result + x.mean(axis=0), expected):
        return wrong("the shape of the cloud is right, but add the mean back after projecting.")
    if _close(result, _pca_reference(x, k, center=False)):
        return wrong("centre x (subtract the column means) before the SVD; PCA works on centred data.")
    return wrong(
        f"with k={k} the projection should keep the k directions of largest variance: "
        "the first k rows of Vt from np.linalg.svd(x_centred, full_matrices=False)."
    )
