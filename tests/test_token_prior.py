"""Chapter 13: the causal transformer that learns a prior over VQ tokens."""

import keras
import numpy as np
import pytest

import companion as cp


def to_numpy(tensor):
    return keras.ops.convert_to_numpy(tensor)


def test_prior_inputs_shift_the_tokens_right_after_a_start_token():
    grids = np.arange(8).reshape(2, 2, 2)  # read in raster order
    np.testing.assert_array_equal(cp.prior_inputs(grids, 8), [[8, 0, 1, 2], [8, 4, 5, 6]])
    assert cp.prior_inputs(grids, 8).dtype == np.int32
    with pytest.raises(ValueError, match="between 0 and 6"):
        cp.prior_inputs(grids, 7)


def test_each_position_sees_only_the_tokens_before_it():
    prior = cp.build_token_prior(6, 5, width=8, heads=2, blocks=2, seed=0)
    inputs = np.array([[5, 1, 2, 3, 4, 0]], dtype="int32")
    before = to_numpy(prior(inputs))
    assert before.shape == (1, 6, 5)
    changed = inputs.copy()
    changed[0, 3] = 0  # the token drawn at position 2, input of position 3
    after = to_numpy(prior(changed))
    np.testing.assert_allclose(after[0, :3], before[0, :3], atol=1e-6)  # the earlier positions never see it
    assert not np.allclose(after[0, 3:], before[0, 3:])


def test_a_prior_learns_a_rule_between_neighbouring_tokens():
    """Sequences that count up modulo K from a random first token: the samples follow the rule."""
    keras.utils.set_random_seed(0)
    k, length = 6, 5
    first = np.random.default_rng(0).integers(0, k, size=(600, 1))
    sequences = (first + np.arange(length)) % k
    prior = cp.build_token_prior(length, k, width=16, heads=2, blocks=1, seed=0)
    cp.train(prior, cp.prior_inputs(sequences, k), sequences,
             loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), epochs=12, batch_size=50,
             learning_rate=1e-2)
    samples = cp.sample_tokens(prior, 200, seed=1)
    assert samples.shape == (200, length) and samples.min() >= 0 and samples.max() < k
    follows = (samples[:, 1:] == (samples[:, :-1] + 1) % k).mean()
    assert follows > 0.95, follows  # a random prior follows it one time in six
    # the first token is uniform: every value appears
    assert len(set(samples[:, 0])) == k
    np.testing.assert_array_equal(cp.sample_tokens(prior, 5, seed=3), cp.sample_tokens(prior, 5, seed=3))


def test_a_low_temperature_concentrates_the_draws():
    prior = cp.build_token_prior(3, 4, width=8, heads=2, blocks=1, seed=2)
    prior.get_layer("logits").bias.assign(np.array([2.0, 0.0, 0.0, 0.0], dtype="float32"))
    cold = cp.sample_tokens(prior, 300, seed=0, temperature=0.1)
    warm = cp.sample_tokens(prior, 300, seed=0, temperature=1.0)
    assert (cold == 0).mean() > (warm == 0).mean()
    with pytest.raises(ValueError, match="temperature"):
        cp.sample_tokens(prior, 2, temperature=0.0)


@pytest.mark.parametrize("kwargs, message", [
    (dict(width=10, heads=4), "multiple of heads"),
    (dict(blocks=0), "blocks"),
    (dict(codebook_size=0), "codebook_size"),
])
def test_wrong_token_prior_arguments_raise_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        cp.build_token_prior(**{"sequence_length": 4, **kwargs})
