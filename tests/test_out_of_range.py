"""The out-of-range guard (``out_of_range_factor``): rows far outside the training data
rank above every training row and rise with distance; nothing within range changes."""
import pickle

import numpy as np
import pytest

from pyod_dasad import DASAD
from pyod_dasad.out_of_range import guard_scores, log_distances, range_statistics

from _dasad_helpers import blobs, fast_dasad


@pytest.fixture(scope="module")
def fitted():
    X, y, _ = blobs()
    return fast_dasad().fit(X, y), X


def _moved(X, feature, distance):
    """The first row of X moved ``distance`` training standard deviations along one feature."""
    row = X[:1].copy()
    row[0, feature] = X[:, feature].mean() + distance * X[:, feature].std()
    return row


def test_log_distances_match_the_plain_norm_and_do_not_overflow():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(50, 4))
    center, scale = X.mean(0), X.std(0)
    plain = np.linalg.norm((X - center) / scale, axis=1)
    assert np.allclose(np.exp(log_distances(X, center, scale)), plain)
    huge = np.array([[1e300, 1e300, 0.0, 0.0]])  # its square overflows float64
    assert np.isclose(log_distances(huge, np.zeros(4), np.ones(4))[0], np.log(1e300) + 0.5 * np.log(2))
    assert log_distances(np.zeros((1, 4)), np.zeros(4), np.ones(4))[0] == -np.inf


def test_range_statistics_reuse_a_fitted_standard_scaler():
    from sklearn.preprocessing import StandardScaler
    X = np.random.RandomState(1).normal(size=(40, 3)) * [1.0, 5.0, 0.0] + 2.0  # a constant feature
    center, scale, log_radius = range_statistics(X)
    scaler = StandardScaler().fit(X)
    assert np.allclose(center, scaler.mean_) and np.allclose(scale, scaler.scale_) and scale[2] == 1.0
    assert range_statistics(X, scaler)[2] == log_radius
    assert np.isclose(np.exp(log_radius), np.linalg.norm((X - scaler.mean_) / scaler.scale_, axis=1).max())


def test_guard_scores_raise_only_the_rows_out_of_range():
    scores = np.array([0.0, -5.0, np.nan, 9.0])
    log_distance = np.log([1.0, 30.0, 1e6, 30.0])
    out = guard_scores(scores, log_distance, np.log(2.0), 3.0, top=4.0)
    assert out[0] == 0.0                                    # within 3 x the radius of 2
    assert np.isclose(out[1], 4.0 + np.log(30.0 / 6.0))     # raised above the top score
    assert np.isclose(out[2], 4.0 + np.log(1e6 / 6.0))      # a NaN score gives way
    assert out[3] == 9.0                                    # already higher: kept
    assert np.isnan(scores[2])                              # the input is not modified


def test_far_rows_rank_above_every_training_row_by_more_the_farther_they_are(fitted):
    clf, X = fitted
    top = clf.decision_scores_.max()
    for feature in range(X.shape[1]):
        for sign in (1, -1):
            rows = np.vstack([_moved(X, feature, sign * d) for d in (1e3, 1e5, 1e20, 1e300)])
            scores = clf.decision_function(rows)
            distance = np.exp(log_distances(rows, clf.range_center_, clf.range_scale_))
            floor = top + np.log(distance / (clf.out_of_range_factor * clf.range_radius_))
            assert np.all(np.isfinite(scores)) and np.all(scores > top)
            assert np.all(scores >= floor - 1e-9) and np.all(np.diff(floor) > 0)
            assert np.all(clf.predict(rows) == 1)


def test_without_the_guard_far_rows_get_the_networks_extrapolation(fitted):
    """What the guard is for: the network alone can score a far row below the training
    rows, or NaN once float32 overflows inside it."""
    clf, X = fitted
    bare = pickle.loads(pickle.dumps(clf)).set_params(out_of_range_factor=None)
    far = np.vstack([_moved(X, f, s * d) for f in range(X.shape[1]) for s in (1, -1) for d in (1e3, 1e20)])
    network = bare.decision_function(far)
    assert np.any(np.isnan(network)) or np.any(network < clf.decision_scores_.max())


def test_rows_within_range_keep_the_networks_score(fitted):
    clf, X = fitted
    bare = pickle.loads(pickle.dumps(clf)).set_params(out_of_range_factor=None)
    rng = np.random.RandomState(3)
    inside = X[rng.choice(len(X), 50)] * 2.0  # at most twice the radius from the mean, roughly
    inside = inside[np.exp(log_distances(inside, clf.range_center_, clf.range_scale_)) <= 3 * clf.range_radius_]
    assert len(inside) > 0
    assert np.array_equal(clf.decision_function(inside), bare.decision_function(inside))
    assert np.array_equal(clf.decision_function(X), bare.decision_function(X))  # training rows: never out of range
    assert np.array_equal(clf.decision_function(X), clf.decision_scores_)


def test_fit_is_the_same_with_or_without_the_guard():
    X, y, _ = blobs()
    a, b = fast_dasad().fit(X, y), fast_dasad(out_of_range_factor=None).fit(X, y)
    assert np.array_equal(a.decision_scores_, b.decision_scores_) and a.threshold_ == b.threshold_
    assert a.range_radius_ == b.range_radius_ > 0


@pytest.mark.parametrize("preprocessing", ["minmax", "none"])
def test_the_distance_is_in_standard_deviations_whatever_the_preprocessing(preprocessing):
    X, y, _ = blobs()
    clf = fast_dasad(preprocessing=preprocessing).fit(X, y)
    assert np.allclose(clf.range_center_, X.mean(0)) and np.allclose(clf.range_scale_, X.std(0))
    assert clf.decision_function(_moved(X, 0, -1e4))[0] > clf.decision_scores_.max()


def test_explain_reports_the_guarded_score(fitted):
    clf, X = fitted
    far = _moved(X, 2, -1e4)
    assert clf.explain(far).scores[0] == clf.decision_function(far)[0]


def test_a_model_pickled_before_the_guard_loads_without_it(fitted):
    clf, X = fitted
    state = clf.__getstate__()
    for key in ("out_of_range_factor", "range_center_", "range_scale_", "range_radius_"):
        del state[key]
    old = DASAD.__new__(DASAD)
    old.__setstate__(pickle.loads(pickle.dumps(state)))
    assert old.get_params()["out_of_range_factor"] is None
    assert np.array_equal(old.decision_function(X), clf.decision_function(X))
    with pytest.raises(ValueError, match="before the parameter existed"):
        old.set_params(out_of_range_factor=3.0).decision_function(X)


def test_values_too_large_to_scale_are_a_clear_error():
    X, y, _ = blobs()
    with pytest.raises(ValueError, match="too large to scale in float64"):
        fast_dasad().fit(X * 1e300, y)


def test_distances_recorded_while_scaling_match_the_separate_pass(fitted):
    """With the default standardisation the distances come with the scaled batches (no
    second pass over X); they are the separate pass's distances."""
    from pyod_dasad.estimator import _BatchTransform
    clf, X = fitted
    rows = np.vstack([X, _moved(X, 0, 1e200), _moved(X, 1, -1e300)])
    transform = _BatchTransform(clf.scaler_, record_square_norms=True)
    for start in range(0, len(rows), 64):
        transform(rows[start:start + 64])
    with np.errstate(over="ignore"):
        recorded = 0.5 * np.log(np.concatenate(transform.square_norms))
    separate = log_distances(rows, clf.range_center_, clf.range_scale_)
    assert np.allclose(recorded[:-2], separate[:-2], rtol=1e-12)
    assert np.all(np.isinf(recorded[-2:])) and np.all(np.isfinite(separate[-2:]))  # overflowed: recomputed
    assert clf.decision_function(rows[-2:]).min() > clf.decision_scores_.max() + 5


def test_identical_training_rows_give_finite_scores_above_them():
    """Every training row the same: the radius is 0, any other row is out of range, and its
    score is still finite (the radius floor), as is one beyond float64's range."""
    X = np.ones((40, 3))
    y = np.zeros(40, dtype=int)
    y[:2] = 1
    clf = fast_dasad().fit(X, y)
    assert clf.range_radius_ == 0.0
    rows = np.array([[1.0, 1.0, 1.0], [1.0, 1.0, 2.0], [1.0, 1.0, 1e6], [1.0, 1.0, 1.7e308]])
    scores = clf.decision_function(rows)
    assert np.all(np.isfinite(scores))
    assert np.isclose(scores[0], clf.decision_scores_[0])  # a training row: the network's own score
    assert np.all(scores[1:] > clf.decision_scores_.max()) and np.all(np.diff(scores[1:]) > 0)


def test_explain_says_which_samples_are_out_of_range(fitted):
    clf, X = fitted
    rows = np.vstack([X[:2], _moved(X, 2, -1e4)])
    exp = clf.explain(rows)
    assert np.all(exp.distance_ratios[:2] <= 1.0) and exp.distance_ratios[2] > clf.out_of_range_factor
    assert exp.out_of_range.tolist() == [False, False, True]
    assert "out of range" in exp.describe(2) and "out of range" not in exp.describe(0)
    frame = exp.to_frame()
    assert frame["out_of_range"].tolist() == [False, False, True]
    off = pickle.loads(pickle.dumps(clf)).set_params(out_of_range_factor=None).explain(rows)
    assert off.out_of_range is None and np.allclose(off.distance_ratios, exp.distance_ratios)


def test_the_fitted_radius_is_the_separate_pass_radius(fitted):
    """The fit takes the training rows' distances from its last scoring pass over them; they
    give the radius of a separate pass over X, bit for bit."""
    clf, X = fitted
    assert clf.range_radius_ == float(np.exp(range_statistics(X, clf.scaler_)[2]))
