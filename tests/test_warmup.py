"""The warm-up weight rule (``warmup_weight='auto'``, ``pyod_dasad.warmup``)."""
import numpy as np
import pytest

from pyod_dasad import DASAD
from pyod_dasad.pseudo_labels import MPE_MIN_LABELS
from pyod_dasad.warmup import (BOUND_MAX_LABELLED, BOUND_MAX_UNLABELLED, DEFAULT_WARMUP_WEIGHT, FEW_HIDDEN_BOUND,
                               FEW_HIDDEN_WARMUP_WEIGHT, classifier_share_bound, out_of_fold_scores,
                               resolve_warmup_weight)


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


def test_out_of_fold_scores_are_the_bounds_and_name_their_rows():
    """The labelled rows come first, then a seeded sample of the unlabelled ones; each row's
    probability is out of fold, and the bound is read from them."""
    from sklearn.metrics import roc_auc_score

    from pyod_dasad.pseudo_labels import mixture_proportion_bound

    X, y = _pu(3000, 0.05)
    rows, labelled, proba = out_of_fold_scores(X, y, seed=3)
    assert rows.size == 30 + BOUND_MAX_UNLABELLED and np.array_equal(labelled, y[rows] == 1)
    assert labelled[:30].all() and not labelled[30:].any() and np.unique(rows).size == rows.size
    assert ((proba >= 0) & (proba <= 1)).all() and roc_auc_score(labelled, proba) > 0.9  # out of fold, yet apart
    assert classifier_share_bound(X, y, seed=3) == mixture_proportion_bound(proba[~labelled], proba[labelled])
    assert out_of_fold_scores(*_pu(200, 0.0, n_labelled=4), seed=0) is None


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


def _pu_far(n_unlabelled, hidden_share, n_labelled):
    """``_pu`` with the anomalies 6 (not 3) standard deviations out: well separated."""
    X, y = _pu(n_unlabelled, hidden_share, n_labelled=n_labelled)
    X[:n_labelled + int(round(hidden_share * n_unlabelled)), :2] += 3.0
    return X, y


def test_few_label_bound_is_a_confidence_bound_computed_only_for_5_to_19_labels(monkeypatch):
    """The few-label rule's bound: the classifier's bound at 90% confidence (never below
    the plain bound), computed from 5 to 19 labelled anomalies with a warm-up, else None."""
    from pyod_dasad import pseudo_labels
    from pyod_dasad.warmup import few_label_share_bound

    X, y = _pu_far(1500, 0.02, n_labelled=9)
    bound = few_label_share_bound(X, y, 0, warmup_epochs=5)
    plain = classifier_share_bound(X, y, seed=0)
    assert bound == classifier_share_bound(X, y, seed=0, delta=pseudo_labels.FEW_LABELS_DELTA)
    assert plain <= bound < pseudo_labels.MPE_SMALL_SHARE  # few hide: the rule fires
    assert few_label_share_bound(X, y, 0, warmup_epochs=0) is None
    for n_labelled in (pseudo_labels.FEW_LABELS_MIN - 1, MPE_MIN_LABELS):
        X, y = _pu_far(1500, 0.02, n_labelled=n_labelled)
        assert few_label_share_bound(X, y, 0, warmup_epochs=5) is None
    X, y = _pu(1500, 0.3, n_labelled=pseudo_labels.FEW_LABELS_MIN)  # many hide: a large bound
    assert few_label_share_bound(X, y, 0, warmup_epochs=5) >= pseudo_labels.MPE_SMALL_SHARE
    monkeypatch.setattr(pseudo_labels, "FEW_LABELS_RULE", False)
    assert few_label_share_bound(*_pu_far(1500, 0.02, n_labelled=9), 0, warmup_epochs=5) is None


def test_few_label_rule_keeps_the_hard_normals_and_changes_nothing_else(monkeypatch):
    """With 9 labels and 2% hidden the rule sets the credible normals from the bound; a fit
    where it does not fire is the same with the rule on or off, bit for bit."""
    from pyod_dasad import pseudo_labels

    X, y = _pu_far(1500, 0.02, n_labelled=9)
    on = _fit(X, y, warmup_epochs=2)
    share = on.hidden_anomaly_share_
    assert share < pseudo_labels.MPE_SMALL_SHARE and on.few_label_share_bound_ == share
    assert _fit(X, y, warmup_epochs=2, pseudo_normal_ratio=0.8).few_label_share_bound_ is None  # not asked for
    assert on.pseudo_label_history_[0]["normal_ratio"] == pytest.approx(
        np.clip(1 - pseudo_labels.MPE_MARGIN * share, pseudo_labels.AUTO_NORMAL_MIN, pseudo_labels.MPE_NORMAL_MAX))
    monkeypatch.setattr(pseudo_labels, "FEW_LABELS_RULE", False)
    off = _fit(X, y, warmup_epochs=2)
    assert off.hidden_anomaly_share_ != share and off.few_label_share_bound_ is None
    assert not np.array_equal(on.decision_scores_, off.decision_scores_)
    X, y = _pu(600, 0.3, n_labelled=9)  # the bound is large: the rule does not fire
    off = _fit(X, y, warmup_epochs=2)
    monkeypatch.setattr(pseudo_labels, "FEW_LABELS_RULE", True)
    np.testing.assert_array_equal(_fit(X, y, warmup_epochs=2).decision_scores_, off.decision_scores_)
