"""companion: the models, data, plots and exercise checkers of the autoencoder course.

Every chapter imports it as ``import companion as cp``, before Keras.
"""

from companion._quiet import import_keras_quietly

import_keras_quietly()  # before any module below imports Keras

from companion import exercises  # noqa: E402
from companion.data import (
    DatasetUnavailableError,
    FallbackDataWarning,
    InvalidDataFileError,
    load_fashion_mnist,
    load_mnist,
)
from companion.greedy import train_greedy_layerwise
from companion.metrics import (
    mse_per_pixel,
    noise_gain,
    principal_angles,
    psnr,
    squared_error_per_image,
)
from companion.models import (
    Autoencoder,
    build_linear_autoencoder,
    build_nonlinear_autoencoder,
    build_stacked_autoencoder,
)
from companion.plots import plot_codes, plot_history, plot_images, plot_reconstructions
from companion.runtime import budget, fast_mode, seed_everything
from companion.tied import DenseTranspose, TiedAutoencoder, build_tied_autoencoder

__version__ = "0.1.0"

__all__ = [
    "Autoencoder",
    "DenseTranspose",
    "TiedAutoencoder",
    "DatasetUnavailableError",
    "FallbackDataWarning",
    "InvalidDataFileError",
    "budget",
    "build_linear_autoencoder",
    "build_nonlinear_autoencoder",
    "build_stacked_autoencoder",
    "build_tied_autoencoder",
    "exercises",
    "fast_mode",
    "load_fashion_mnist",
    "load_mnist",
    "mse_per_pixel",
    "noise_gain",
    "plot_codes",
    "plot_history",
    "plot_images",
    "plot_reconstructions",
    "principal_angles",
    "psnr",
    "seed_everything",
    "squared_error_per_image",
    "train_greedy_layerwise",
]
