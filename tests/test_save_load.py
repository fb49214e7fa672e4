"""Every model the package builds saves to ``.keras`` and loads back with identical outputs.

The table below holds one or more small configurations of every public builder
(every ``build_*`` name in ``companion.__all__``); a test fails when a builder
is added to the package without a row here, and another when a model class of
the package is returned by none of the rows. Each row is built, given new
seeded weights (every float variable, batch statistics included), saved,
loaded with ``keras.saving.load_model``
and compared with the original: the whole model, and its ``.encoder`` and
``.decoder`` on their own. Models that draw noise (the VAEs' sampling, the
corruption of denoising models) are compared on their deterministic part:
in inference mode, and on the encoder's means.
"""

import inspect
from dataclasses import dataclass
from typing import Callable

import keras
import numpy as np
import pytest

import companion as cp

N_IMAGES = 8


def to_numpy(tensor):
    return keras.ops.convert_to_numpy(tensor)


def images(shape, seed=1):
    """Seeded float32 images in [0, 1]: ``N_IMAGES`` of ``shape``."""
    return np.random.default_rng(seed).uniform(size=(N_IMAGES, *shape)).astype("float32")


def labelled(shape):
    return [images(shape), (np.arange(N_IMAGES) % 10).astype("int32")]


# --- what each model keeps besides its weights: checked after loading ---


def contraction_kept(model, loaded, inputs):
    assert loaded.encoder.get_layer("code").contraction == 0.01


def corruption_kept(kind, level):
    def check(model, loaded, inputs):
        layer = loaded.encoder.get_layer("corruption")
        assert isinstance(layer, cp.Corruption)
        assert (layer.kind, layer.level) == (kind, pytest.approx(level))
    return check


def sparsity_kept(model, loaded, inputs):
    penalty = loaded.encoder.get_layer("code_penalty").regularizer
    assert isinstance(penalty, cp.KLSparsity) and (penalty.rho, penalty.beta) == (0.1, 2.0)


def top_k_kept(model, loaded, inputs):
    layer = loaded.encoder.get_layer("code_topk")
    assert isinstance(layer, cp.TopK) and layer.k == 5


def ties_kept(model, loaded, inputs):
    """The loaded decoder still reads the loaded encoder's kernel: changing one changes the other."""
    assert loaded.name == "tied"
    codes = np.ones((1, 4), dtype="float32")
    before = to_numpy(loaded.decoder(codes))
    kernel = loaded.encoder.get_layer("code").kernel
    kernel.assign(kernel * 2.0)
    assert not np.allclose(to_numpy(loaded.decoder(codes)), before)


def beta_kept(model, loaded, inputs):
    assert loaded.beta == 2.0


def codebook_kept(model, loaded, inputs):
    assert isinstance(loaded.quantizer, cp.VectorQuantizer)
    np.testing.assert_array_equal(to_numpy(loaded.quantizer.codebook), to_numpy(model.quantizer.codebook))
    np.testing.assert_array_equal(loaded.indices(inputs), model.indices(inputs))
    indices = model.indices(inputs)
    np.testing.assert_array_equal(loaded.decode_indices(indices), model.decode_indices(indices))


def with_levels(shape):
    return [images(shape), np.linspace(0, 1, N_IMAGES, dtype="float32")[:, None]]


def schedule_kept(model, loaded, inputs):
    assert (loaded.steps, loaded.beta_start, loaded.beta_end, loaded.seed) == (30, 1e-3, 0.05, 2)
    np.testing.assert_array_equal(loaded.alpha_bars, model.alpha_bars)


def classes_kept(model, loaded, inputs):
    assert loaded.encoder.get_layer("one_hot").n_classes == 10


def warm_up_kept(model, loaded, inputs):
    assert loaded.warm_up_steps == 10
    np.testing.assert_array_equal(to_numpy(loaded.updates), to_numpy(model.updates))  # the steps taken


def free_nats_kept(model, loaded, inputs):
    assert loaded.free_nats == 0.5


@dataclass(frozen=True)
class Case:
    builder: str  # the name of the builder in companion.__all__
    kwargs: dict
    inputs: Callable[[], object]
    check: Callable = None  # what else the loaded model must keep
    wrap: Callable = None  # a model class built around the builder's parts (e.g. WarmUpVAE)

    def build(self):
        model = getattr(cp, self.builder)(**self.kwargs)
        return model if self.wrap is None else self.wrap(model)


FLAT = (8, 8)  # dense builders flatten their input and restore its shape
IMAGE = (8, 8, 1)

CASES = {
    "linear": Case("build_linear_autoencoder", dict(input_shape=FLAT, code_size=4), lambda: images(FLAT)),
    "nonlinear": Case("build_nonlinear_autoencoder", dict(input_shape=(64,), code_size=4, hidden_size=8),
                      lambda: images((64,))),
    "stacked": Case("build_stacked_autoencoder", dict(input_shape=FLAT, code_size=4, hidden_sizes=(16, 8)),
                    lambda: images(FLAT)),
    "stacked_normalized": Case("build_stacked_autoencoder",
                               dict(input_shape=(64,), code_size=4, hidden_sizes=(16,), batch_normalization=True),
                               lambda: images((64,))),
    "tied": Case("build_tied_autoencoder", dict(input_shape=FLAT, code_size=4, hidden_sizes=(16,), name="tied"),
                 lambda: images(FLAT), ties_kept),
    "denoising": Case("build_denoising_autoencoder",
                      dict(input_shape=(64,), code_size=4, hidden_sizes=(16,), corruption="salt_and_pepper",
                           level=0.2, seed=1),
                      lambda: images((64,)), corruption_kept("salt_and_pepper", 0.2)),
    "sparse": Case("build_sparse_autoencoder", dict(input_shape=(64,), code_size=12, rho=0.1, beta=2.0),
                   lambda: images((64,)), sparsity_kept),
    "topk": Case("build_topk_autoencoder",
                 dict(input_shape=FLAT, code_size=12, k=5, hidden_sizes=(16,), input_mean=images(FLAT).mean(axis=0)),
                 lambda: images(FLAT), top_k_kept),
    "contractive": Case("build_contractive_autoencoder",
                        dict(input_shape=(64,), code_size=4, hidden_sizes=(16,), contraction=0.01),
                        lambda: images((64,)), contraction_kept),
    "conv_transpose_masked": Case("build_conv_autoencoder",
                                  dict(input_shape=IMAGE, code_size=3, filters=(2, 4), decoder="transpose",
                                       corruption=cp.Corruption("masking", 0.2, seed=3, name="corruption")),
                                  lambda: images(IMAGE), corruption_kept("masking", 0.2)),
    "conv_fully_convolutional_rgb": Case("build_conv_autoencoder",
                                         dict(input_shape=(8, 4, 3), code_size=None, filters=(2, 3),
                                              downsampling="strided", kernel_size=5),
                                         lambda: images((8, 4, 3))),
    "vae_dense": Case("build_vae", dict(input_shape=IMAGE, code_size=2, hidden_sizes=(16,), seed=1),
                      lambda: images(IMAGE)),
    "vae_conv": Case("build_vae", dict(input_shape=IMAGE, code_size=2, kind="conv", hidden_sizes=(8,),
                                       filters=(2, 4), beta=2.0, seed=1),
                     lambda: images(IMAGE), beta_kept),
    "vae_warm_up": Case("build_vae", dict(input_shape=IMAGE, code_size=2, hidden_sizes=(16,), seed=1),
                        lambda: images(IMAGE), warm_up_kept,
                        wrap=lambda vae: cp.WarmUpVAE(vae.encoder, vae.decoder, beta=2.0, warm_up_steps=10)),
    "vae_free_bits": Case("build_vae", dict(input_shape=IMAGE, code_size=2, hidden_sizes=(16,), seed=1),
                          lambda: images(IMAGE), free_nats_kept,
                          wrap=lambda vae: cp.FreeBitsVAE(vae.encoder, vae.decoder, free_nats=0.5)),
    "conditional_vae": Case("build_conditional_vae", dict(input_shape=IMAGE, code_size=2, hidden_sizes=(16,), seed=1),
                            lambda: labelled(IMAGE), classes_kept),
    "noise_predictor_dense": Case("build_noise_predictor", dict(input_shape=(3,), hidden_sizes=(8,), embedding_size=4),
                                  lambda: with_levels((3,))),
    "noise_predictor_unet": Case("build_noise_predictor",
                                 dict(input_shape=IMAGE, kind="unet", filters=(2, 4), embedding_size=4),
                                 lambda: with_levels(IMAGE)),
    "diffusion": Case("build_diffusion_model", dict(input_shape=(3,), hidden_sizes=(8,), steps=30, beta_start=1e-3,
                                                    beta_end=0.05, seed=2),
                      lambda: with_levels((3,)), schedule_kept),
    "digit_classifier": Case("build_digit_classifier", dict(input_shape=FLAT, feature_size=4, seed=1),
                             lambda: images(FLAT)),
    "token_prior": Case("build_token_prior", dict(sequence_length=4, codebook_size=5, width=8, heads=2, blocks=1,
                                                  seed=1),
                        lambda: np.array([[5, 0, 1, 2], [5, 4, 3, 2]] * (N_IMAGES // 2), dtype="int32")),
    "vq": Case("build_vq_autoencoder", dict(input_shape=IMAGE, code_size=3, codebook_size=8, filters=(2, 4), seed=1),
               lambda: images(IMAGE), codebook_kept),
}


def public_builders():
    return {name for name in cp.__all__ if name.startswith("build_") and callable(getattr(cp, name))}


def public_model_classes():
    return {name for name in cp.__all__
            if inspect.isclass(getattr(cp, name)) and issubclass(getattr(cp, name), keras.Model)}


def test_the_table_covers_every_public_builder():
    covered = {case.builder for case in CASES.values()}
    assert covered == public_builders(), (
        f"builders without a row in CASES: {sorted(public_builders() - covered)}; "
        f"rows naming no public builder: {sorted(covered - public_builders())}"
    )


def test_the_table_builds_every_public_model_class():
    built = {type(case.build()).__name__ for case in CASES.values()}
    missing = public_model_classes() - built
    assert public_model_classes() and not missing, f"model classes that no row of CASES builds: {sorted(missing)}"


# --- the round trip ---


def perturb_weights(model, seed=0):
    """Give every float variable new seeded values (batch statistics included), so that the weights differ from
    any fresh initialisation, without the cost of compiling a training step."""
    rng = np.random.default_rng(seed)
    for variable in model.variables:
        if "float" in str(variable.dtype):
            value = to_numpy(variable)
            variable.assign((value * rng.uniform(0.5, 1.5, value.shape) + rng.uniform(0.0, 0.1, value.shape))
                            .astype(value.dtype))


def deterministic_outputs(model, inputs):
    """The model's outputs that draw no noise: named arrays to compare after loading."""
    if isinstance(model, cp.DiffusionModel):  # it draws steps and noise: compare its network
        return {"network": model.network(inputs)}
    if not isinstance(model, cp.Autoencoder):  # a noise predictor, a classifier
        return {"model": model(inputs)}
    if isinstance(model, cp.VAE):
        z_mean, z_log_var = model.encoder(inputs)
        z_mean = to_numpy(z_mean)
        decoder_inputs = [z_mean, inputs[1]] if isinstance(model, cp.ConditionalVAE) else z_mean
        return {"encoder z_mean": z_mean, "encoder z_log_var": z_log_var,
                "decoder(z_mean)": model.decoder(decoder_inputs)}
    codes = model.encoder(inputs)  # inference mode: corruption is off
    return {"model": model(inputs, training=False), "encoder": codes,
            "decoder(codes)": model.decoder(codes)}


def assert_same_outputs(loaded, model, inputs):
    expected = deterministic_outputs(model, inputs)
    received = deterministic_outputs(loaded, inputs)
    for name, value in expected.items():
        np.testing.assert_array_equal(to_numpy(received[name]), to_numpy(value), err_msg=name)


def round_trip(model, tmp_path):
    path = tmp_path / "x.keras"
    model.save(path)
    return keras.saving.load_model(path)


@pytest.mark.parametrize("name", CASES)
def test_saved_and_loaded_model_gives_identical_outputs(name, tmp_path):
    case = CASES[name]
    cp.seed_everything(0)
    model = case.build()
    inputs = case.inputs()
    fresh = {key: to_numpy(value) for key, value in deterministic_outputs(model, inputs).items()}
    perturb_weights(model)
    perturbed = deterministic_outputs(model, inputs)
    assert all(not np.array_equal(fresh[key], to_numpy(value)) for key, value in perturbed.items()), \
        "new weights left an output unchanged"
    loaded = round_trip(model, tmp_path)
    assert type(loaded) is type(model)
    if isinstance(model, cp.Autoencoder):
        assert (loaded.encoder.name, loaded.decoder.name) == ("encoder", "decoder")
    assert loaded.count_params() == model.count_params()
    assert_same_outputs(loaded, model, inputs)
    if case.check is not None:
        case.check(model, loaded, inputs)


# the builders whose models have no encoder and decoder (Chapter 13's)
NOT_AUTOENCODERS = {"build_noise_predictor", "build_diffusion_model", "build_digit_classifier", "build_token_prior"}
AUTOENCODERS = [name for name, case in CASES.items() if case.builder not in NOT_AUTOENCODERS]


def test_every_autoencoder_case_builds_an_autoencoder():
    for name, case in CASES.items():
        assert isinstance(case.build(), cp.Autoencoder) == (name in AUTOENCODERS), name


@pytest.mark.parametrize("name", AUTOENCODERS)
def test_a_frozen_encoder_stays_frozen_after_loading(name, tmp_path):
    model = CASES[name].build()
    model.encoder.trainable = False
    loaded = round_trip(model, tmp_path)
    assert not loaded.encoder.trainable and loaded.decoder.trainable
    # only the decoder's own variables train (a tied decoder's borrowed kernels are frozen with the encoder)
    assert len(loaded.trainable_variables) == len(model.trainable_variables) == len(model.decoder.trainable_variables)
    assert len(loaded.trainable_variables) > 0
