"""Chapter 13, from denoising to diffusion: the toy's score, DDPM on pixels, diffusion on a VAE's codes."""

FULL = {
    # the 2-D toy (cp.ring_mixture): a denoiser at one noise level, then at every level
    "n_toy": 20_000,
    "toy_hidden_sizes": (128, 128, 128),
    "toy_noise_std": 0.5,  # sigma of the one-level denoiser
    "toy_copies": 4,  # noisy copies of each point: the noise a denoiser cannot predict averages out
    "toy_epochs": 10,
    "toy_batch_size": 256,
    "toy_learning_rate": 2e-3,
    "toy_sigma_max": 3.0,  # the noise levels of Langevin dynamics, geometric from the largest ...
    "toy_sigma_min": 0.05,  # ... to the smallest
    "langevin_levels": 20,
    "langevin_steps": 60,  # updates at each level
    "langevin_step_scale": 4e-4,  # epsilon of Song and Ermon: the step at the smallest level
    "n_langevin": 2_000,
    # MNIST
    "n_train": 60_000,
    "n_test": 10_000,
    "classifier_epochs": 3,  # the yardstick's digit classifier
    "hidden_sizes": (512, 256),  # of the dense autoencoders: plain AE, VAE, conditional VAE
    "code_size": 16,
    "ae_epochs": 5,
    "vae_epochs": 7,
    "cvae_code_size": 2,
    "cvae_epochs": 6,
    "diffusion_steps": 1_000,  # T, for both diffusion models
    "latent_hidden_sizes": (512, 512, 512),
    "latent_epochs": 25,
    "n_pixel_train": 30_000,
    "unet_filters": (16, 32),
    "pixel_epochs": 4,
    "ema_momentum": 0.999,  # latent diffusion samples with a moving average of its weights
    "ddim_steps": 50,
    "n_samples": 1_000,  # per generator, for the yardstick
    "n_ddpm_pixel": 40,  # pixel samples drawn with all 1,000 DDPM steps, for the figure
    "learning_rate": 1e-3,
    "pixel_learning_rate": 2e-3,
    "batch_size": 128,
}
FAST = {**FULL, "n_toy": 5_000, "toy_copies": 8, "langevin_levels": 10, "langevin_steps": 40, "n_langevin": 1_000,
        "n_train": 5_000, "n_test": 2_000, "classifier_epochs": 2, "hidden_sizes": (256, 128), "ae_epochs": 3,
        "vae_epochs": 4, "cvae_epochs": 3, "latent_hidden_sizes": (256, 256), "latent_epochs": 10,
        "n_pixel_train": 2_000, "pixel_epochs": 1, "ddim_steps": 20, "n_samples": 300, "n_ddpm_pixel": 8}
