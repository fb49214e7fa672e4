"""Checkers for the exercises of Chapter 12 (beyond the VAE)."""

import keras
import numpy as np

from companion.exercises._build_it import (
    build,
    call_layer,
    check_config_round_trip,
    check_dtype,
    compare_outputs,
    describe_difference,
    passed,
    random_inputs,
    randomize_weights,
    share_weights,
)
from companion.exercises._measure import (
    Target,
    held_out_digits,
    model_input,
    not_a_model,
    pixel_mse,
    reconstruct,
    verdict_on,
)
from companion.exercises._verdict import (
    SealedLetters,
    check_letters,
    check_prediction,
    checker,
    correct,
    end_check,
    learner_code,
    learner_result,
    read_array,
    shown,
    validate_measurement,
    wrong,
)

# --- exercise 12.1: the vector quantiser, written by the learner ---

# The checker builds the learner's layer with three (codebook size, dimension, beta), gives it the
# reference's codebook (random, so that every code is someone's nearest), and compares outputs on
# batches of 1 and 7 vectors and a 2x5x5 grid; then the loss it adds, the gradients of its output
# and of that loss, float16, and the config round trip (with a beta other than the default).
VQ_SIGNATURE = "VectorQuantizer(codebook_size, beta=0.25)"
_VQ_BUILDS = ((8, 4, 0.25), (3, 2, 1.0), (64, 16, 0.5))
_DEFAULT_BETA = 0.25
_VQ_TOLERANCE = 1e-5


def _vq_inputs(dim):
    return random_inputs([(1, dim), (7, dim), (2, 5, 5, dim)], low=-1.0, high=1.0)


def _codebook_of(layer, what):
    """The layer's one trainable weight, the codebook; ends the check when there is none."""
    with learner_code(f"reading the weights of {what}"):
        variables = list(layer.trainable_variables)
    if not variables:
        end_check(wrong(f"{what} has no trainable weights: its codebook must be a trainable weight, or the "
                        "codes never learn."))
    return variables[0]


def _added_loss(layer, inputs, what):
    """The sum of what the layer added with add_loss during a call on ``inputs``, and how many terms."""
    call_layer(layer, inputs, what=what)
    with learner_code(f"reading the losses {what} added"):
        losses = [np.asarray(keras.ops.convert_to_numpy(loss), dtype="float64") for loss in layer.losses]
    return losses


def _check_added_loss(layer, reference, inputs, what):
    losses = _added_loss(layer, inputs, what)
    if not losses:
        end_check(wrong(f"{what} adds no loss: layer.losses is empty after a call, so nothing moves the codes "
                        "towards the encoder's outputs and nothing keeps those outputs near their codes."))
    shapes = [loss.shape for loss in losses if loss.size != 1]
    if shapes:
        end_check(wrong(f"{what} adds a loss of shape {shapes[0]} on inputs of shape {inputs.shape}, where the "
                        "reference adds one number: average over every value of the batch."))
    reference(inputs)
    expected = float(sum(np.asarray(keras.ops.convert_to_numpy(loss)).sum() for loss in reference.losses))
    total = float(sum(loss.sum() for loss in losses))
    difference = describe_difference(total, expected, rtol=1e-4, atol=1e-6, what="the loss it adds")
    if difference is not None:
        twice = len(losses) > 1 and abs(total / expected - len(losses)) < 1e-3 if expected else False
        more = f" It calls add_loss {len(losses)} times in one call." if twice else ""
        end_check(wrong(f"with inputs of shape {inputs.shape}, {difference} (the sum of layer.losses after one "
                        f"call).{more}"))


def _vq_gradients(layer, inputs, weights_of_output):
    """Gradients of ``sum(output * R)`` and of the added loss, for the codebook and the input.

    Returns:
        ``(output_to_codebook, output_to_input, loss_to_codebook, loss_to_input)``, NumPy
        arrays, None where nothing flows (JAX gives zeros instead).
    """
    backend = keras.backend.backend()
    variable = layer.trainable_variables[0]
    weights = keras.ops.convert_to_tensor(weights_of_output)

    def through_output(output):
        return keras.ops.sum(keras.ops.multiply(keras.ops.cast(output, "float32"), weights))

    def added(losses):
        return sum((keras.ops.sum(keras.ops.cast(loss, "float32")) for loss in losses),
                   keras.ops.convert_to_tensor(0.0))

    if backend == "tensorflow":
        import tensorflow as tf

        x = tf.convert_to_tensor(inputs)
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            first = through_output(layer(x))
            second = added(layer.losses)
        grads = tape.gradient(first, [variable.value, x]) + tape.gradient(second, [variable.value, x])
    elif backend == "jax":
        import jax

        trainable = [v.value for v in layer.trainable_variables]
        non_trainable = [v.value for v in layer.non_trainable_variables]

        def call(values, x):
            output, _, losses = layer.stateless_call(values, non_trainable, x, return_losses=True)
            return output, losses

        x = keras.ops.convert_to_tensor(inputs)
        out_w, out_x = jax.grad(lambda v, x: through_output(call(v, x)[0]), argnums=(0, 1))(trainable, x)
        loss_w, loss_x = jax.grad(lambda v, x: added(call(v, x)[1]), argnums=(0, 1))(trainable, x)
        grads = [out_w[0], out_x, loss_w[0], loss_x]
    elif backend == "torch":
        import torch

        x = keras.ops.convert_to_tensor(inputs).detach().requires_grad_(True)
        first = through_output(layer(x))
        second = added(layer.losses)
        targets = [variable.value, x]
        grads = list(torch.autograd.grad(first, targets, allow_unused=True, retain_graph=True))
        grads += list(torch.autograd.grad(second, targets, allow_unused=True)) if second.requires_grad \
            else [None, None]
    else:
        raise ValueError(f"gradients need the tensorflow, jax or torch backend. Received: {backend!r}")
    return [None if grad is None else np.asarray(keras.ops.convert_to_numpy(grad), dtype="float64")
            for grad in grads]


def _zero(gradient):
    return gradient is None or not np.any(gradient)


def _scaled(got, expected, factor):
    return not _zero(got) and np.allclose(got, factor * expected, rtol=1e-3, atol=1e-6)


def _check_vq_gradients(layer, reference, inputs, beta, what):
    weights_of_output = np.random.default_rng(12).normal(size=inputs.shape).astype("float32")
    with learner_code(f"differentiating {what}'s output and the loss it adds"):
        out_w, out_x, loss_w, loss_x = _vq_gradients(layer, inputs, weights_of_output)
    _, _, ref_loss_w, ref_loss_x = _vq_gradients(reference, inputs, weights_of_output)
    if _zero(out_x):
        end_check(wrong(f"gradient zero at the encoder: the gradient of {what}'s output with respect to its input "
                        "is zero, so the reconstruction loss never reaches the encoder in front of the layer "
                        "(the straight-through estimator passes it on unchanged)."))
    difference = describe_difference(out_x, weights_of_output, what="the gradient of the output with respect to "
                                     "the input")
    if difference is not None:
        end_check(wrong(f"{difference}; the straight-through estimator passes the output's gradient to the input "
                        "unchanged, as if the layer were the identity."))
    if not _zero(out_w):
        end_check(wrong(f"the output of {what} sends gradient to the codebook: the reconstruction loss would move "
                        "the codes, where in the reference only the added codebook loss does."))
    if _zero(loss_w):
        end_check(wrong("no gradient of the added loss reaches the codebook: the codes never move towards the "
                        "encoder's outputs (the codebook loss)."))
    if _zero(loss_x):
        end_check(wrong("no gradient of the added loss reaches the input: nothing keeps the encoder's outputs "
                        "near their codes (the commitment loss)."))
    if beta != 1.0 and _scaled(loss_w, ref_loss_w, beta) and _scaled(loss_x, ref_loss_x, 1 / beta):
        end_check(wrong(f"the commitment weight scales the codebook term: with beta={beta}, the codebook's "
                        f"gradient from the added loss is {beta} times the reference's and the input's "
                        f"{1 / beta:g} times."))
    for got, expected, name in ((loss_w, ref_loss_w, "the codebook"), (loss_x, ref_loss_x, "the input")):
        difference = describe_difference(got, expected, rtol=1e-3, atol=1e-7,
                                          what=f"the gradient of the added loss with respect to {name}")
        if difference is not None:
            end_check(wrong(f"with beta={beta}, {difference}."))


def _check_nearest(layer, reference, inputs, what):
    """End the check unless every vector is replaced by its own nearest code, naming the rule it followed."""
    codebook = np.asarray(keras.ops.convert_to_numpy(reference.codebook), dtype="float64")
    output = call_layer(layer, inputs, what=what)
    if output.shape != inputs.shape:
        end_check(wrong(f"with inputs of shape {inputs.shape}, {what} returns shape {output.shape}: a quantiser "
                        "gives back one code vector in place of each input vector."))
    flat_out = output.reshape(-1, inputs.shape[-1])
    flat_in = inputs.reshape(-1, inputs.shape[-1]).astype("float64")
    to_codes = ((flat_out[:, None, :] - codebook[None]) ** 2).sum(axis=2)
    if np.any(to_codes.min(axis=1) > _VQ_TOLERANCE):
        share = np.mean(to_codes.min(axis=1) > _VQ_TOLERANCE)
        if np.allclose(flat_out, flat_in, atol=1e-5):
            end_check(wrong(f"{what} gives back its input unchanged in the forward pass: no vector is replaced "
                            "by a code."))
        end_check(wrong(f"with inputs of shape {inputs.shape}, {share:.0%} of the vectors {what} returns are not "
                        "vectors of its codebook."))
    chosen = to_codes.argmin(axis=1)
    distances = ((flat_in[:, None, :] - codebook[None]) ** 2).sum(axis=2)
    if np.array_equal(chosen, distances.argmin(axis=1)):
        return
    if np.array_equal(chosen, distances.argmax(axis=1)):
        end_check(wrong(f"{what} replaces each vector by its farthest code, not its nearest."))
    if np.array_equal(chosen, (flat_in @ codebook.T).argmax(axis=1)):
        end_check(wrong(f"{what} picks the code with the largest dot product, which is not the nearest code: the "
                        "distance also depends on each code's length."))
    share = np.mean(chosen != distances.argmin(axis=1))
    end_check(wrong(f"with inputs of shape {inputs.shape}, {share:.0%} of the vectors are replaced by a code other "
                    "than their nearest (Euclidean distance)."))


def _check_beta_round_trip(layer, inputs, what):
    """A rebuilt layer must add the same loss: get_config() must keep ``beta``."""
    with learner_code(f"rebuilding {what} with from_config(get_config())"):
        config = layer.get_config()
        clone = type(layer).from_config(dict(config))
    call_layer(clone, inputs, what="the rebuilt layer")
    with learner_code("setting the weights of the rebuilt layer"):
        for weight, original in zip(clone.weights, layer.weights):
            weight.assign(keras.ops.convert_to_numpy(original))
    original = sum(float(loss.sum()) for loss in _added_loss(layer, inputs, what))
    rebuilt = sum(float(loss.sum()) for loss in _added_loss(clone, inputs, "the rebuilt layer"))
    if not np.isclose(original, rebuilt, rtol=1e-5, atol=1e-8):
        left_out = [name for name in ("beta", "codebook_size") if name not in config]
        named = f": get_config() leaves out {' and '.join(f'`{n}`' for n in left_out)}" if left_out else ""
        end_check(wrong(f"config does not round-trip: the rebuilt layer adds another loss than the original"
                        f"{named}."))


@checker
def check_vector_quantizer(answer):
    """Exercise 12.1: the vector quantiser written as a Keras layer by the learner.

    ``answer`` is a ``keras.layers.Layer`` subclass called as
    ``VectorQuantizer(codebook_size, beta=0.25)``. The checker builds it with
    three codebook sizes and weights of the commitment loss, gives it the
    codebook of :class:`companion.VectorQuantizer` and tests it as Keras tests
    its layers: every input vector (batches of vectors, and a grid) must come
    out as its nearest code; the loss it adds with ``add_loss`` must equal the
    reference's; the gradient of its output must reach its input unchanged
    (straight-through) and not the codebook; the added loss must send the
    reference's gradients to the codebook and to the input; with
    ``dtype="float16"`` it must compute in float16; and
    ``from_config(get_config())`` must rebuild it.

    Args:
        answer: the learner's class (or a function that returns the layer).

    Returns:
        Verdict: what differs, measured, when something does.
    """
    from companion.beyond import VectorQuantizer  # the reference; the module imports Keras

    for codebook_size, dim, beta in _VQ_BUILDS:
        what = f"your layer (codebook_size={codebook_size}, beta={beta})"
        layer = build(answer, VQ_SIGNATURE, codebook_size, beta=beta)
        inputs = _vq_inputs(dim)
        call_layer(layer, inputs[1], what=what)
        _codebook_of(layer, what)
        reference = VectorQuantizer(codebook_size, beta=beta)
        reference(inputs[1])
        randomize_weights(reference, scale=0.6, what="the reference")
        share_weights(reference, layer, what=what)
        for x in inputs:
            _check_nearest(layer, reference, x, what)
        compare_outputs(layer, reference, inputs, share=False, what=what)
        for x in inputs[1:]:
            _check_added_loss(layer, reference, x, what)
        _check_vq_gradients(layer, reference, inputs[1], beta, what)
        _check_vq_gradients(layer, reference, inputs[2], beta, what)
        check_config_round_trip(layer, inputs[1], what=what)
        _check_beta_round_trip(layer, inputs[1], what)
    half = build(answer, VQ_SIGNATURE, 8, beta=0.25, dtype="float16")
    check_dtype(half, _vq_inputs(4)[1], what="your layer (dtype='float16')")
    return passed("your VectorQuantizer", [
        "each vector becomes its nearest code, for three codebooks and inputs of three shapes",
        "the loss it adds and its gradients to the codebook and the input equal the reference's",
        "the output's gradient reaches the input unchanged (straight-through)",
        "it computes in float16 when asked",
        "from_config(get_config()) rebuilds it",
    ])


# --- exercise 12.2: true or false ---

_TRUE_STATEMENTS = SealedLetters("ch12.statements", "f1b4c814f1c3d77c721596cba421a5ea5d011a304bbf1e0eeaeb7782c4e238d8")
_REREAD = ("A conditional VAE: draw the digit you ask for", "Latent traversals and the beta-VAE",
           "Discrete codes: the VQ-VAE", "Codebook usage and dead codes")
_STATEMENT_EXPLANATIONS = {
    "a": "the straight-through estimator copies the decoder's gradient to the encoder's "
    "output; the codes themselves learn only from the codebook loss.",
    "b": "the codebook loss moves the codes, not the encoder; without the commitment loss "
    "no term pulls the encoder's outputs towards the codes, and they can drift and grow away from "
    "every code.",
    "c": "the perplexity is exp(entropy) of the code shares; it equals K only when all K "
    "codes have the same share.",
    "d": "the label is given to the encoder and the decoder; the code drawn from the "
    "prior holds what the label does not say, the style.",
    "e": "a larger beta makes each latent cost more KL, so fewer latents stay active.",
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
        result = learner_result(nearest_codes, signature, (vectors.copy(), codebook.copy()))
        shape = np.shape(result) if isinstance(result, np.ndarray) else None
        if shape is not None and shape != (n,):
            end_check(wrong(f"{signature} should return shape ({n},): one index per vector, for {n} vectors "
                            f"and a codebook of {k} codes. Received: {shape}."))
        result = read_array(result, signature, shape=(n,))
        if np.any(result != np.round(result)):
            return wrong(f"{signature} must return whole numbers, the indices of codes. Received: {shown(result)}.")
        if np.array_equal(result, _farthest(vectors, codebook)):
            return wrong("these are the farthest codes, not the nearest ones.")
        if np.array_equal(result, _by_dot_product(vectors, codebook)):
            return wrong("the largest dot product is not the smallest distance: "
                         "||z - e||^2 = ||z||^2 - 2 z.e + ||e||^2 also depends on ||e||^2.")
        if not np.array_equal(result, expected):
            wrong_share = np.mean(result != expected)
            return wrong(f"{wrong_share:.0%} of the indices differ from the nearest codes (for {n} vectors "
                         f"and {k} codes of {dim} numbers, Euclidean distance).")
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
def check_swap_prediction(answer, share_asked, share_original):
    """Exercise 12.4: the learner's prediction of what the decoder draws from a 7's code and the label 1.

    Args:
        answer: the learner's letter, made before the experiment.
        share_asked: measured share of the images classified as 1.
        share_original: measured share classified as 7.

    Returns:
        Verdict.
    """
    share_asked = validate_measurement(share_asked, "share_1", expected="a share in [0, 1]", low=0.0, high=1.0)
    share_original = validate_measurement(share_original, "share_7", expected="a share in [0, 1]", low=0.0,
                                          high=1.0)
    measured = (f"Measured: the classifier reads {share_asked:.0%} of the decoded images as 1s and "
                f"{share_original:.0%} as 7s.")
    return check_prediction(answer, SWAP_CHOICES, swap_outcome(share_asked, share_original), measured)


# --- exercise 12.5: a trained VQ autoencoder, measured on held-out digits ---

VQ_TEST_IMAGES = 1000
VQ_MAX_CODEBOOK = 64
VQ_PERPLEXITY_TARGET = 16.0
VQ_MSE_TARGET = 0.015


def vq_test_digits():
    """The last test images of MNIST, as the checker of Exercise 12.5 reads them."""
    images, _ = held_out_digits(VQ_TEST_IMAGES)
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
    images = vq_test_digits()
    reconstructions = reconstruct(model, images)
    mse = pixel_mse(images, reconstructions)
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
