import numpy as np
import pytest

from pyod_dasad.pseudo_labels import (AUTO_ANOMALY_MAX, AUTO_LABELLED_QUANTILE, AUTO_NORMAL_MAX, AUTO_NORMAL_MIN,
                                      MPE_MIN_LABELS, MPE_NORMAL_MAX, MPE_QUANTILES, MPE_SMALL_SHARE,
                                      assign_pseudo_labels, auto_ratios,
                                      mixture_proportion_bound, rank_normalise)


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


def test_rank_normalise_by_column_matches_scipy_exactly():
    from scipy.stats import rankdata
    rng = np.random.RandomState(0)
    values = np.column_stack([rng.randint(0, 4, 50), rng.normal(size=50), rng.randint(0, 2, 50)]).astype(float)
    values[3, 1] = np.nan  # NaN propagates to its column only, as scipy's axis=0 does
    expected = (rankdata(values, axis=0) - 1.0) / 49.0
    np.testing.assert_array_equal(rank_normalise(values, axis=0), expected)
    assert rank_normalise(np.zeros((4, 0)), axis=0).shape == (4, 0)


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



def _mixture(share, n=4000, seed=0, n_labelled=200):
    """Scores as the deviation loss (margin 5) shapes them: unlabelled normals ~ N(0, 0.5), a
    ``share`` of anomalies ~ N(6, 1); the labelled anomalies are a random sample of the same
    anomaly distribution."""
    rng = np.random.RandomState(seed)
    n_anomalies = int(round(share * n))
    scores = np.concatenate([0.5 * rng.randn(n - n_anomalies), 6 + rng.randn(n_anomalies)])
    return scores, 6 + rng.randn(n_labelled)


@pytest.mark.parametrize("share", [0.002, 0.05, 0.2, 0.4])
def test_auto_ratios_estimate_the_hidden_anomaly_share(share):
    """The count-based estimate, which rules below ``MPE_MIN_LABELS`` labelled anomalies."""
    scores, labelled = _mixture(share, n_labelled=MPE_MIN_LABELS - 1)
    anomaly_ratio, normal_ratio, estimate = auto_ratios(scores, labelled)
    assert estimate == pytest.approx(share, abs=0.005 + 0.1 * share)
    # pseudo-anomalies: the unlabelled rows scoring like the labelled anomalies, at most 1%
    above = np.mean(scores >= np.quantile(labelled, AUTO_LABELLED_QUANTILE))
    assert anomaly_ratio == pytest.approx(min(above, AUTO_ANOMALY_MAX))
    assert anomaly_ratio <= share + 1e-3
    # credible normals stop short of the hidden anomalies
    assert normal_ratio == pytest.approx(np.clip(1 - estimate, AUTO_NORMAL_MIN, AUTO_NORMAL_MAX))
    assert normal_ratio <= 1 - share + 0.02


def test_auto_ratios_shrink_with_few_hidden_anomalies_and_many():
    shares = (0.002, 0.01, 0.25, 0.3, 0.4)
    ratios = [auto_ratios(*_mixture(s)) for s in shares]
    assert ratios[0][0] < 0.004  # two frauds in 1,000: no 1% of false pseudo-anomalies
    assert [r[0] for r in ratios[2:]] == [AUTO_ANOMALY_MAX] * 3
    normal = [r[1] for r in ratios]
    assert normal[:2] == [MPE_NORMAL_MAX] * 2  # 200 labels, under 5% hidden: the bound's rule
    assert normal == sorted(normal, reverse=True) and normal[-1] < 0.6
    few_labels = [auto_ratios(*_mixture(s, n_labelled=MPE_MIN_LABELS - 1))[1] for s in shares[:2]]
    assert few_labels == [AUTO_NORMAL_MAX] * 2  # too few labels for the bound: the count's cap


@pytest.mark.parametrize("share", [0.0, 0.01, 0.03])
def test_few_hidden_anomalies_keep_the_hard_normals_with_enough_labels(share):
    """With ``MPE_MIN_LABELS`` or more labelled anomalies and a mixture-proportion bound under
    ``MPE_SMALL_SHARE``, the credible normals are ``1 - 2 * bound`` (at most 95%) and the bound is
    the reported share; from 5% hidden on, the count's rule (at most 80%) is back."""
    scores, labelled = _mixture(share, n_labelled=MPE_MIN_LABELS)
    bound = mixture_proportion_bound(scores, labelled)
    assert bound == pytest.approx(share, abs=0.005)
    _, normal_ratio, estimate = auto_ratios(scores, labelled)
    assert estimate == bound and normal_ratio == pytest.approx(min(1 - 2 * bound, MPE_NORMAL_MAX))
    assert normal_ratio > AUTO_NORMAL_MAX
    scores, labelled = _mixture(0.08, n_labelled=200)
    assert auto_ratios(scores, labelled)[1] <= AUTO_NORMAL_MAX


def test_mixture_proportion_bound_is_a_bound():
    """An upper bound of the hidden share whatever the normals' scores: normals that score
    like anomalies raise it, never lower it; capped at 1."""
    rng = np.random.RandomState(4)
    labelled = 6 + rng.randn(400)
    clean = np.r_[0.5 * rng.randn(9500), 6 + rng.randn(500)]
    noisy = np.r_[4 + rng.randn(9500), 6 + rng.randn(500)]
    assert mixture_proportion_bound(clean, labelled) == pytest.approx(0.05, abs=0.01)
    assert mixture_proportion_bound(noisy, labelled) > mixture_proportion_bound(clean, labelled)
    assert mixture_proportion_bound(clean + 10, labelled) == 1.0


def test_auto_pseudo_anomalies_survive_memorised_labels():
    """Two labelled anomalies fitted far past the margin (score 12) would leave no unlabelled
    row above their tail; rows past half the margin still count."""
    scores, _ = _mixture(0.05)
    anomaly_ratio, normal_ratio, share = auto_ratios(scores, [12.0, 12.5], margin=5.0)
    assert anomaly_ratio == AUTO_ANOMALY_MAX
    assert share == pytest.approx(0.05 / (1 - AUTO_LABELLED_QUANTILE), abs=0.005)
    assert normal_ratio == AUTO_NORMAL_MAX
    scores, _ = _mixture(0.001)
    assert auto_ratios(scores, [12.0, 12.5], margin=5.0)[0] == pytest.approx(0.001)
    # without the margin cap, the memorised tail would hide every anomaly
    assert auto_ratios(scores, [12.0, 12.5], margin=30.0)[0] == 0.0


def test_auto_normal_share_never_below_half():
    scores, labelled = _mixture(0.49)
    anomaly_ratio, normal_ratio, share = auto_ratios(scores, labelled)
    assert share > 0.5 and normal_ratio == AUTO_NORMAL_MIN == 0.5


def test_saturated_share_estimate_falls_back_to_the_fixed_normal_share():
    """When 90%+ of the unlabelled rows score like the labelled anomalies the count is no
    estimate of the hidden share: the credible normals go back to the fixed 80%, not to
    the 50% floor; just below the cap the floor still applies."""
    rng = np.random.RandomState(0)
    labelled = rng.normal(5.0, 0.5, MPE_MIN_LABELS - 1)  # the count's rule (the bound needs 20)
    threshold = min(np.quantile(labelled, AUTO_LABELLED_QUANTILE), 2.5)  # 2.5: half the default margin
    scores = np.r_[np.full(950, threshold + 1.0), np.full(50, threshold - 1.0)]  # 95% above
    assert auto_ratios(scores, labelled) == (0.01, 0.8, 1.0)
    scores = np.r_[np.full(880, threshold + 1.0), np.full(120, threshold - 1.0)]  # 88%: share 0.978
    anomaly_ratio, normal_ratio, share = auto_ratios(scores, labelled)
    assert 0.97 < share < 1.0 and normal_ratio == AUTO_NORMAL_MIN


def test_auto_without_labelled_anomalies_falls_back_to_fixed_shares():
    scores = np.random.RandomState(0).randn(500)
    assert auto_ratios(scores, []) == (0.01, 0.8, None)
    assert auto_ratios([], [1.0, 2.0]) == (0.01, 0.8, None)


def test_auto_shares_cut_the_anomalies_taken_for_normals():
    """With 30% hidden anomalies the fixed 80% normal share takes ~100 of them for normals;
    the 'auto' shares, fed to the same assignment, take almost none."""
    scores, labelled = _mixture(0.3, n=1000)
    truth = np.r_[np.zeros(700), np.ones(300)]
    mags = np.column_stack([scores] * 3)
    alpha = np.full((1000, 3), 1 / 3)
    anomaly_ratio, normal_ratio, _ = auto_ratios(scores, labelled)
    auto = assign_pseudo_labels(scores, mags, alpha, anomaly_ratio, normal_ratio, min_credibility=0.0)
    fixed = assign_pseudo_labels(scores, mags, alpha, 0.01, 0.8, min_credibility=0.0)
    normal_anomalies = [truth[(pl.labels == 0) & (pl.weights > 0)].sum() for pl in (auto, fixed)]
    assert normal_anomalies[0] <= 15 and normal_anomalies[1] >= 90
    assert truth[(auto.labels == 1) & (auto.weights > 0)].mean() == 1.0


def _tied(rng, n):
    return np.column_stack([rng.randint(0, 5, n), rng.normal(size=n), np.round(rng.normal(size=n), 1)]).astype(float)


@pytest.mark.parametrize("n", [2, 3, 57, 4000])
def test_rankdata_by_torch_sort_equals_scipy(n, monkeypatch):
    """The CUDA ranking path, run on the CPU through torch: same ranks and order as scipy/numpy."""
    from scipy.stats import rankdata
    import pyod_dasad.pseudo_labels as pl
    monkeypatch.setattr(pl, "_on_cuda", lambda device: device is not None)  # take the torch path
    values = _tied(np.random.RandomState(n), n)
    for j in range(values.shape[1]):
        np.testing.assert_array_equal(pl._rankdata(values[:, j], "cpu"), rankdata(values[:, j]))
        np.testing.assert_array_equal(pl._stable_argsort(values[:, j], "cpu"), np.argsort(values[:, j], kind="stable"))
    np.testing.assert_array_equal(rank_normalise(values, axis=0, device="cpu"), rank_normalise(values, axis=0))
    scores = values[:, 1]
    alpha = np.full_like(values, 1 / 3)
    a = assign_pseudo_labels(scores, values, alpha, 0.05, 0.6, 0.3, device="cpu")
    b = assign_pseudo_labels(scores, values, alpha, 0.05, 0.6, 0.3)
    for field in ("labels", "weights", "credibility", "consensus"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    with_nan = values[:, 0].copy()
    with_nan[0] = np.nan  # NaN falls back to scipy, which propagates it
    assert np.isnan(pl._rankdata(with_nan, "cpu")).all()


@pytest.mark.cuda
@pytest.mark.skipif(not __import__("torch").cuda.is_available(), reason="needs CUDA")
def test_pseudo_labels_sorted_on_cuda_equal_the_host_ones():  # pragma: no cover - runs only with a GPU
    values = _tied(np.random.RandomState(0), 100_000)
    alpha = np.random.RandomState(1).dirichlet([1, 1, 1], 100_000)
    a = assign_pseudo_labels(values[:, 1], values, alpha, 0.01, 0.8, 0.5, device="cuda")
    b = assign_pseudo_labels(values[:, 1], values, alpha, 0.01, 0.8, 0.5)
    for field in ("labels", "weights", "credibility", "consensus"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))


def test_auto_ratios_upper_bound_caps_only_a_larger_count():
    rng = np.random.RandomState(0)
    scores = np.r_[rng.normal(0, 1, 700), rng.normal(6, 0.5, 300)]  # 30% score like the labels
    labelled = rng.normal(6, 0.5, 30)
    free = auto_ratios(scores, labelled)
    assert free == auto_ratios(scores, labelled, upper_bound=None)
    assert free == auto_ratios(scores, labelled, upper_bound=0.9)  # a looser bound changes nothing
    anomaly, normal, share = auto_ratios(scores, labelled, upper_bound=0.1)
    assert share == 0.1 and normal == pytest.approx(0.8) and anomaly == free[0]
    assert free[2] > 0.3 and free[1] == pytest.approx(1 - free[2])


def test_mixture_proportion_bound_at_a_confidence_lowers_the_labelled_shares():
    """``delta``: each labelled share is lowered by Hoeffding's sqrt(log(1/delta) / (2 m))
    before the ratio, so the bound is at least the plain one and the gap shrinks with m."""
    rng = np.random.RandomState(5)
    scores = np.r_[rng.randn(9800), 6 + rng.randn(200)]  # 2% hidden
    gaps = []
    for m in (5, 9, 19, 400):
        labelled = 6 + rng.randn(m)
        plain = mixture_proportion_bound(scores, labelled)
        at_90 = mixture_proportion_bound(scores, labelled, delta=0.1)
        slack = np.sqrt(np.log(10) / (2 * m))
        by_hand = min(np.mean(scores >= t) / (np.mean(labelled >= t) - slack)
                      for t in np.quantile(labelled, MPE_QUANTILES))
        assert at_90 == pytest.approx(min(1.0, by_hand))
        assert at_90 >= plain
        gaps.append(at_90 - plain)
    assert gaps[-1] < gaps[0]


def test_auto_ratios_few_label_bound_acts_below_the_rules_label_count_only():
    rng = np.random.RandomState(1)
    scores = np.r_[rng.normal(0, 1, 980), rng.normal(6, 0.5, 20)]
    few = rng.normal(6, 0.5, 9)
    count = auto_ratios(scores, few)
    assert count == auto_ratios(scores, few, few_label_bound=None)
    assert count == auto_ratios(scores, few, few_label_bound=MPE_SMALL_SHARE)  # not under 5%: no change
    anomaly, normal, share = auto_ratios(scores, few, few_label_bound=0.03)
    assert (anomaly, share) == (count[0], 0.03) and normal == pytest.approx(1 - 2 * 0.03)
    many = rng.normal(6, 0.5, MPE_MIN_LABELS)  # 20 labels: the network's bound rules, as before
    assert auto_ratios(scores, many, few_label_bound=0.001) == auto_ratios(scores, many)


@pytest.mark.parametrize("delta", [0.0, 1.0, -0.1, 2.0])
def test_mixture_proportion_bound_names_a_bad_confidence(delta):
    with pytest.raises(ValueError, match="delta"):
        mixture_proportion_bound(np.zeros(10), np.ones(5), delta=delta)
    with pytest.raises(ValueError, match="at least one labelled"):
        mixture_proportion_bound(np.zeros(10), np.array([]))


def test_ungated_mixture_rule_trusts_the_bound_at_any_share_with_enough_labels(monkeypatch):
    """``MPE_GATED = False`` (a screen's switch): with 20 or more labels the bound sets the
    credible normals above 5% too; with fewer labels the few-label rule keeps its gate."""
    import pyod_dasad.pseudo_labels as pseudo_labels

    scores, labelled = _mixture(0.15, n_labelled=MPE_MIN_LABELS)
    gated = auto_ratios(scores, labelled)
    bound = mixture_proportion_bound(scores, labelled)
    assert bound > MPE_SMALL_SHARE and gated[2] != bound  # above 5%: the count's rule
    monkeypatch.setattr(pseudo_labels, "MPE_GATED", False)
    anomaly, normal, share = auto_ratios(scores, labelled)
    assert (anomaly, share) == (gated[0], bound)
    assert normal == pytest.approx(np.clip(1 - 2 * bound, AUTO_NORMAL_MIN, MPE_NORMAL_MAX))
    few = labelled[:MPE_MIN_LABELS - 1]
    assert auto_ratios(scores, few, few_label_bound=0.2) == auto_ratios(scores, few)
    small, _ = _mixture(0.01, n_labelled=MPE_MIN_LABELS)
    monkeypatch.setattr(pseudo_labels, "MPE_GATED", True)
    under = auto_ratios(small, labelled)
    monkeypatch.setattr(pseudo_labels, "MPE_GATED", False)
    assert auto_ratios(small, labelled) == under  # under 5% both rules agree
