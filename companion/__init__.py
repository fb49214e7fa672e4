"""companion: the models, data, plots and exercise checkers of the autoencoder course.

Every chapter imports it as ``import companion as cp``, before Keras. Inside a
notebook, importing it also makes matplotlib's inline figures retina PNGs (see
``companion._display``).
"""

from companion import _quiet  # noqa: F401  (first: imports Keras with native logs silenced)
from companion._display import use_retina_figures
from companion import exercises
from companion.beyond import (
    ConditionalVAE,
    DeadCodeRestarts,
    OneHot,
    VQAutoencoder,
    VectorQuantizer,
    build_conditional_vae,
    build_vq_autoencoder,
    code_counts,
    conditional_samples,
    latent_traversals,
    perplexity,
    reinitialize_dead_codes,
    traversal_effect,
    uniform_quantize,
)
from companion.anomaly import (
    anomaly_scores,
    nats_to_bits,
    negative_elbo,
    one_class_split,
    png_bits,
    threshold_at_fpr,
)
from companion.autodiff import jacobian
from companion.contractive import (
    ContractiveDense,
    build_contractive_autoencoder,
    contractive_penalty,
    squared_jacobian_norms,
)
from companion.conv import build_conv_autoencoder
from companion.data import (
    DatasetUnavailableError,
    FallbackDataWarning,
    InvalidDataFileError,
    add_gaussian_noise,
    add_salt_and_pepper,
    binarise,
    load_fashion_mnist,
    load_image_patches,
    corrupt,
    load_mnist,
    mask_pixels,
)
from companion.denoising import Corruption, build_denoising_autoencoder
from companion.diffusion import (
    DiffusionModel,
    ForwardDiffusion,
    GaussianMixture,
    LevelEmbedding,
    annealed_langevin,
    build_diffusion_model,
    build_digit_classifier,
    build_noise_predictor,
    ddim_sample,
    ddpm_sample,
    frechet_distance,
    generator_scores,
    learned_score,
    linear_schedule,
    ring_mixture,
    signal_levels,
)
from companion.greedy import train_greedy_layerwise
from companion.token_prior import PositionEmbedding, build_token_prior, prior_inputs, sample_tokens
from companion.metrics import (
    classifier_score,
    mse_per_pixel,
    noise_gain,
    principal_angles,
    psnr,
    squared_error_per_image,
)
from companion.models import (
    ActivityPenalty,
    Autoencoder,
    build_linear_autoencoder,
    build_nonlinear_autoencoder,
    build_stacked_autoencoder,
)
from companion.representations import (
    encode,
    knn_accuracy,
    label_spreading,
    linear_probe,
    precision_at_k,
    tsne_map,
)
from companion.plots import plot_history, plot_images, plot_reconstructions, plot_signed_images
from companion.runtime import fast_mode, seed_everything
from companion.settings import chapter_settings
from companion.training import glue, train
from companion.sparse import KLSparsity, TopK, build_sparse_autoencoder, build_topk_autoencoder, dead_latents
from companion.features import (
    energy_concentration,
    fraction_of_variance_explained,
    orientation_selectivity,
    split_model,
    zca_whiten,
)
from companion.tied import DenseTranspose, TiedAutoencoder, build_tied_autoencoder
from companion.latent import (
    decode_latent_grid,
    interpolate_codes,
    latent_explorer,
    plot_latent_grid,
    plot_latent_scatter,
    prior_quantiles,
)
from companion.vae import (
    VAE,
    FreeBitsVAE,
    Sampling,
    WarmUpVAE,
    active_units,
    bernoulli_reconstruction_loss,
    build_vae,
    importance_weighted_log_likelihood,
    kl_divergence,
    kl_per_unit,
    latent_activity,
)
# living figures: cp.interactive.latent_pad or cp.latent_pad, the same function
from companion import interactive
from companion.interactive import DenseExport, LivingFigure, denoising_slider, export_dense, latent_pad

__version__ = "0.1.0"

use_retina_figures()  # in a notebook: figures stay sharp on high-density screens

__all__ = [
    "PositionEmbedding",
    "build_token_prior",
    "prior_inputs",
    "sample_tokens",
    "DiffusionModel",
    "ForwardDiffusion",
    "GaussianMixture",
    "LevelEmbedding",
    "annealed_langevin",
    "build_diffusion_model",
    "build_digit_classifier",
    "build_noise_predictor",
    "ddim_sample",
    "ddpm_sample",
    "frechet_distance",
    "generator_scores",
    "learned_score",
    "linear_schedule",
    "signal_levels",
    "ring_mixture",
    "ConditionalVAE",
    "DeadCodeRestarts",
    "OneHot",
    "VQAutoencoder",
    "VectorQuantizer",
    "build_conditional_vae",
    "build_vq_autoencoder",
    "code_counts",
    "conditional_samples",
    "latent_traversals",
    "perplexity",
    "reinitialize_dead_codes",
    "traversal_effect",
    "uniform_quantize",
    "ActivityPenalty",
    "Autoencoder",
    "ContractiveDense",
    "Corruption",
    "DatasetUnavailableError",
    "DenseExport",
    "DenseTranspose",
    "FallbackDataWarning",
    "FreeBitsVAE",
    "InvalidDataFileError",
    "KLSparsity",
    "LivingFigure",
    "Sampling",
    "TiedAutoencoder",
    "TopK",
    "VAE",
    "WarmUpVAE",
    "active_units",
    "add_gaussian_noise",
    "add_salt_and_pepper",
    "anomaly_scores",
    "bernoulli_reconstruction_loss",
    "binarise",
    "build_contractive_autoencoder",
    "build_conv_autoencoder",
    "build_denoising_autoencoder",
    "build_linear_autoencoder",
    "build_nonlinear_autoencoder",
    "build_sparse_autoencoder",
    "build_stacked_autoencoder",
    "build_tied_autoencoder",
    "build_topk_autoencoder",
    "build_vae",
    "chapter_settings",
    "classifier_score",
    "contractive_penalty",
    "corrupt",
    "dead_latents",
    "encode",
    "decode_latent_grid",
    "energy_concentration",
    "denoising_slider",
    "exercises",
    "export_dense",
    "fast_mode",
    "fraction_of_variance_explained",
    "glue",
    "interpolate_codes",
    "importance_weighted_log_likelihood",
    "jacobian",
    "kl_divergence",
    "kl_per_unit",
    "knn_accuracy",
    "latent_activity",
    "latent_explorer",
    "linear_probe",
    "latent_pad",
    "label_spreading",
    "load_fashion_mnist",
    "load_image_patches",
    "load_mnist",
    "mask_pixels",
    "mse_per_pixel",
    "nats_to_bits",
    "orientation_selectivity",
    "negative_elbo",
    "noise_gain",
    "one_class_split",
    "plot_history",
    "plot_images",
    "plot_latent_grid",
    "plot_latent_scatter",
    "plot_reconstructions",
    "plot_signed_images",
    "png_bits",
    "precision_at_k",
    "principal_angles",
    "prior_quantiles",
    "psnr",
    "seed_everything",
    "split_model",
    "squared_error_per_image",
    "squared_jacobian_norms",
    "threshold_at_fpr",
    "train",
    "tsne_map",
    "train_greedy_layerwise",
    "zca_whiten",
]
