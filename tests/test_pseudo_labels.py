import numpy as np
import pytest

from pyod_dasad.pseudo_labels import assign_pseudo_labels, rank_normalise


def test_rank_normalise_range_and_order():
    r = rank_normalise([5.0, 1.0, 3.0])
    assert np.allclose(r, [1.0, 0.0, 0.5])
    assert np.allclose(rank_normalise([2.0]), [0.5])


def _setup(n=1000, seed=0):
    rng = np.random.RandomState(seed)
    base = rng.rand(n)
    scores = base + 0.01 * rng.randn(n)
    magnitudes = np.column_stack([base + 0.01 * rng.randn(n) for _ in range(3)])
    alpha = np.full((n, 3), 1 / 3)
    return base, scores, magnitudes, alpha


def test_counts_and_uncertain_band_get_weight_zero():
    base, scores, mags, alpha = _setup()
    pl = assign_pseudo_labels(scores, mags, alpha, anomaly_ratio=0.01, normal_ratio=0.8, min_credibility=0.5)
    assert pl.n_anomalies == 10
    assert pl.n_normals == 800
    middle = np.argsort(pl.consensus)[800:990]
    assert np.all(pl.weights[middle] == 0)  # uncertain: left out of every loss
    assert pl.n_uncertain == 190
    top = np.argsort(base)[-20:]  # the 1% most deviating (up to noise at the boundary)
    assert set(np.flatnonzero((pl.labels == 1) & (pl.weights > 0))) <= set(top)


def test_low_credibility_candidates_are_left_out():
    base, scores, mags, alpha = _setup()
    # sample 0 looks very normal to the model but very abnormal to every view
    scores[0] = -10.0
    mags[0] = 10.0
    # sample 1 is abnormal for everyone: credible
    scores[1], mags[1] = 10.0, 10.0
    pl = assign_pseudo_labels(scores, mags, alpha, 0.01, 0.8, min_credibility=0.5)
    assert pl.credibility[0] < 0.5 and pl.weights[0] == 0
    assert pl.labels[1] == 1 and pl.weights[1] > 0.9


def test_attention_weights_the_agreement():
    n = 200
    rng = np.random.RandomState(1)
    scores = rng.rand(n)
    agree = scores.copy()
    disagree = rng.rand(n)
    mags = np.column_stack([agree, disagree, disagree])
    on_agree = assign_pseudo_labels(scores, mags, np.tile([1.0, 0.0, 0.0], (n, 1)), min_credibility=0.0)
    on_disagree = assign_pseudo_labels(scores, mags, np.tile([0.0, 0.5, 0.5], (n, 1)), min_credibility=0.0)
    assert on_agree.credibility.mean() > 0.99
    assert on_disagree.credibility.mean() < 0.8


def test_unsupervised_mode_uses_views_only():
    base, scores, mags, alpha = _setup()
    scores = np.zeros_like(scores)  # an untrained model: no information
    pl = assign_pseudo_labels(scores, mags, alpha, 0.01, 0.8, 0.5, use_score=False)
    top = np.argsort(base)[-20:]
    assert set(np.flatnonzero(pl.labels == 1)) <= set(top)


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="same shape"):
        assign_pseudo_labels(np.zeros(5), np.zeros((5, 3)), np.zeros((5, 2)))
