"""The warm-up weight rule (``warmup_weight='auto'``, ``pyod_dasad.warmup``)."""
import numpy as np
import pytest

from pyod_dasad import DASAD
from pyod_dasad.pseudo_labels import MPE_MIN_LABELS
from pyod_dasad.warmup import (BOUND_MAX_LABELLED, BOUND_MAX_UNLABELLED, DEFAULT_WARMUP_WEIGHT, FEW_HIDDEN_BOUND,
                               FEW_HIDDEN_WARMUP_WEIGHT, classifier_share_bound, resolve_warmup_weight)


def _pu(n_unlabelled, hidden_share, n_labelled=30, d=4, seed=0):
    """Normals N(0, 1); anomalies N(3, 1) in the first two features. ``n_labelled`` labelled
    anomalies and ``hidden_share`` of the unlabelled rows anomalous (a random sample of the
    same anomalies, as the bound assumes)."""
    rng = np.random.default_rng(seed)
    n_hidden = int(round(hidden_share * n_unlabelled))
    normals = rng.standard_normal((n_unlabelled - n_hidden, d))
    anomalies = rng.standard_normal((n_labelled + n_hidden, d))
    anomalies[:, :2] += 3.0
    X = np.vstack([anomalies[:n_labelled], anomalies[n_labelled:], normals])
    y = np.zeros(X.shape[0], dtype=np.int64)
    y[:n_labelled] = 1
    return X, y


def test_bound_is_small_where_few_anomalies_hide_and_bounds_many():
    few = classifier_share_bound(*_pu(1500, 0.02), seed=0)
    many = classifier_share_bound(*_pu(1500, 0.3), seed=0)
    assert 0.0 <= few < FEW_HIDDEN_BOUND
    assert many >= 0.2  # an upper bound of the hidden share (0.3), up to sampling noise
    assert many > few


def test_bound_needs_a_labelled_row_per_fold_and_is_repeatable():
    X, y = _pu(200, 0.0, n_labelled=4)
    assert classifier_share_bound(X, y, seed=0) is None
    X, y = _pu(3000, 0.05)  # more unlabelled rows than the classifier sees: a seeded sample
    assert (y == 0).sum() > BOUND_MAX_UNLABELLED
    assert classifier_share_bound(X, y, seed=3) == classifier_share_bound(X, y, seed=3)
    X, y = _pu(2500, 0.0, n_labelled=BOUND_MAX_LABELLED + 100)  # many labels: a seeded sample too
    assert 0.0 <= classifier_share_bound(X, y, seed=3) < FEW_HIDDEN_BOUND


def test_resolve_warmup_weight():
    X, y = _pu(1500, 0.02)
    assert resolve_warmup_weight(0.3, X, y, 0, warmup_epochs=5) == (0.3, None)  # a number is kept
    weight, bound = resolve_warmup_weight("auto", X, y, 0, warmup_epochs=5)
    assert weight == FEW_HIDDEN_WARMUP_WEIGHT and bound < FEW_HIDDEN_BOUND
    assert resolve_warmup_weight("auto", X, y, 0, warmup_epochs=0) == (DEFAULT_WARMUP_WEIGHT, None)
    X, y = _pu(1500, 0.3)
    weight, bound = resolve_warmup_weight("auto", X, y, 0, warmup_epochs=5)
    assert weight == DEFAULT_WARMUP_WEIGHT and bound >= FEW_HIDDEN_BOUND
    X, y = _pu(1500, 0.02, n_labelled=MPE_MIN_LABELS - 1)  # too few labels to bound with
    assert resolve_warmup_weight("auto", X, y, 0, warmup_epochs=5) == (DEFAULT_WARMUP_WEIGHT, None)


def _fit(X, y, **kw):
    return DASAD(epochs=7, steps_per_epoch=4, random_state=1, verbose=0, **kw).fit(X, y)


def test_auto_fit_is_the_fit_with_the_weight_it_chose():
    """The bound draws nothing from the fit's generators: an 'auto' fit equals the fit with
    the chosen weight given as a number, bit for bit, either way the rule goes."""
    X, y = _pu(600, 0.02)
    auto = _fit(X, y)
    assert auto.warmup_weight_ == FEW_HIDDEN_WARMUP_WEIGHT and auto.warmup_share_bound_ < FEW_HIDDEN_BOUND
    np.testing.assert_array_equal(auto.decision_scores_, _fit(X, y, warmup_weight=0.5).decision_scores_)
    X, y = _pu(600, 0.02, n_labelled=10)
    auto = _fit(X, y)
    assert auto.warmup_weight_ == DEFAULT_WARMUP_WEIGHT and auto.warmup_share_bound_ is None
    np.testing.assert_array_equal(auto.decision_scores_, _fit(X, y, warmup_weight=0.1).decision_scores_)
    fixed = _fit(X, y, warmup_weight=0.25)
    assert fixed.warmup_weight_ == 0.25 and fixed.warmup_share_bound_ is None


@pytest.mark.parametrize("bad", ["half", 0.0, 1.5, -0.1])
def test_bad_warmup_weight_is_named(bad):
    X, y = _pu(100, 0.0, n_labelled=5)
    with pytest.raises(ValueError, match="warmup_weight"):
        DASAD(warmup_weight=bad).fit(X, y)
