"""DASADEnsemble: the average of DASAD networks fitted with different random states."""
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from _dasad_helpers import blobs, fast_dasad
from pyod_dasad import DASAD, DASADEnsemble
from pyod_dasad.ensemble import member_seeds


def _ensemble(**overrides):
    params = dict(n_estimators=3, base_estimator=fast_dasad(), random_state=7)
    params.update(overrides)
    return DASADEnsemble(**params)


@pytest.fixture(scope="module")
def data():
    return blobs()


@pytest.fixture(scope="module")
def fitted(data):
    X, y, _ = data
    return _ensemble().fit(X, y)


def test_members_are_single_fits_with_strided_seeds(fitted, data):
    X, y, _ = data
    assert fitted.seeds_ == [7, 1007, 2007]
    for member, seed in zip(fitted.estimators_, fitted.seeds_):
        single = fast_dasad(random_state=seed).fit(X, y)
        np.testing.assert_array_equal(member.decision_scores_, single.decision_scores_)
        np.testing.assert_array_equal(member.decision_function(X[:50]), single.decision_function(X[:50]))


def test_scores_are_the_mean_of_standardised_member_scores(fitted, data):
    X, _, _ = data
    train = np.stack([m.decision_scores_ for m in fitted.estimators_])
    expected_train = np.mean([(s - s.mean()) / s.std() for s in train], axis=0)
    np.testing.assert_allclose(fitted.decision_scores_, expected_train, rtol=1e-12, atol=1e-12)
    test = np.stack([m.decision_function(X[:40]) for m in fitted.estimators_])
    expected = np.mean([(t - s.mean()) / s.std() for t, s in zip(test, train)], axis=0)
    np.testing.assert_allclose(fitted.decision_function(X[:40]), expected, rtol=1e-12, atol=1e-12)


def test_threshold_and_labels_follow_contamination(fitted):
    assert fitted.labels_.shape == fitted.decision_scores_.shape
    assert abs(fitted.labels_.mean() - fitted.contamination) < 0.02
    np.testing.assert_array_equal(fitted.labels_, (fitted.decision_scores_ > fitted.threshold_).astype(int))


def test_separates_the_anomalies(data):
    X, y, truth = data
    ens = _ensemble(base_estimator=fast_dasad(epochs=10, steps_per_epoch=10)).fit(X, y)
    assert roc_auc_score(truth, ens.decision_function(X)) > 0.9


def test_repeatable_and_seed_dependent(fitted, data):
    X, y, _ = data
    again = _ensemble().fit(X, y)
    np.testing.assert_array_equal(again.decision_function(X), fitted.decision_function(X))
    other = _ensemble(random_state=8).fit(X, y)
    assert not np.array_equal(other.decision_scores_, fitted.decision_scores_)


def test_parallel_members_match_sequential(fitted, data):
    X, y, _ = data
    parallel = _ensemble(n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(parallel.decision_function(X), fitted.decision_function(X))


def test_pickle_clone_and_params(fitted, data):
    X, _, _ = data
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.decision_function(X), fitted.decision_function(X))
    fresh = clone(fitted)
    assert not hasattr(fresh, "estimators_")
    assert fresh.get_params()["base_estimator__epochs"] == fitted.base_estimator.epochs
    fresh.set_params(base_estimator__epochs=2, n_estimators=2)
    assert fresh.base_estimator.epochs == 2 and fresh.n_estimators == 2
    assert fitted.base_estimator.epochs == 3  # the fitted ensemble's parameters are untouched


def test_base_estimator_is_not_fitted_or_changed(data):
    X, y, _ = data
    base = fast_dasad(random_state=123)
    ens = DASADEnsemble(n_estimators=2, base_estimator=base, random_state=0).fit(X, y)
    assert base.random_state == 123 and not hasattr(base, "net_")
    assert [m.random_state for m in ens.estimators_] == [0, 1000]


def test_default_base_estimator_is_dasad():
    ens = DASADEnsemble(n_estimators=1)
    base, n, _ = ens._check_params()
    assert isinstance(base, DASAD) and n == 1
    assert base.get_params() == DASAD().get_params()


def test_random_state_none_and_randomstate(data):
    X, y, _ = data
    a = _ensemble(n_estimators=1, random_state=None).fit(X, y)
    b = _ensemble(n_estimators=1, random_state=None).fit(X, y)
    assert a.seeds_ != b.seeds_
    rng = np.random.RandomState(5)
    before = rng.get_state()[1].copy()
    c = _ensemble(n_estimators=2, random_state=rng).fit(X, y)
    np.testing.assert_array_equal(rng.get_state()[1], before)  # the caller's generator is not advanced
    assert c.seeds_[1] == c.seeds_[0] + 1000


def test_member_seeds_wrap():
    assert member_seeds(2 ** 32 - 1, 2) == [2 ** 32 - 1, 999]


def test_dataframe_feature_names_reach_the_members(data):
    pd = pytest.importorskip("pandas")
    X, y, _ = data
    frame = pd.DataFrame(X, columns=["f%d" % i for i in range(X.shape[1])])
    ens = _ensemble(n_estimators=1).fit(frame, y)
    assert list(ens.feature_names_in_) == list(frame.columns)
    assert list(ens.estimators_[0].feature_names_in_) == list(frame.columns)
    assert ens.decision_function(frame).shape == (len(frame),)


@pytest.mark.parametrize("params, error, match", [
    ({"n_estimators": 0}, ValueError, "n_estimators"),
    ({"n_estimators": 2.5}, ValueError, "n_estimators"),
    ({"n_estimators": True}, ValueError, "n_estimators"),
    ({"base_estimator": "DASAD"}, TypeError, "base_estimator must be a DASAD"),
    ({"base_estimator": fast_dasad(epochs=0)}, ValueError, "epochs"),
    ({"contamination": 0.7}, ValueError, "contamination"),
    ({"n_jobs": 0}, ValueError, "n_jobs"),
    ({"verbose": -1}, ValueError, "verbose"),
    ({"random_state": -3}, ValueError, "random_state"),
])
def test_bad_parameters_fail_before_any_fit(data, params, error, match):
    X, y, _ = data
    ens = _ensemble(**params)
    with pytest.raises(error, match=match):
        ens.fit(X, y)
    assert not hasattr(ens, "estimators_")


def test_bad_input_names_the_problem(fitted, data):
    X, y, _ = data
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="(?i)nan"):
        _ensemble().fit(bad, y)
    with pytest.raises(ValueError, match="y"):
        _ensemble().fit(X, np.full(len(X), 2))
    with pytest.raises(ValueError, match="features"):
        fitted.decision_function(X[:, :4])


def test_unfitted_raises():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        DASADEnsemble().decision_function(np.zeros((2, 3)))
