"""DASAD's PyOD/scikit-learn surface: fit/predict API, validation, reproducibility,
persistence, modes and explanations."""
import logging
import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from pyod_dasad import DASAD, Explanation
from pyod_dasad._compat import TORCH_2
from pyod_dasad.device import CPU_INFERENCE_BATCH, CUDA_INFERENCE_BATCH, resolve_inference_batch_size
from pyod_dasad.trainer import resolve_ema_decay
from _dasad_helpers import blobs, fast_dasad


@pytest.fixture(scope="module")
def data():
    return blobs()


@pytest.fixture(scope="module")
def fitted(data):
    X, y, _ = data
    return fast_dasad().fit(X, y)


# -- PyOD API -----------------------------------------------------------------------------
def test_fit_returns_self_and_sets_pyod_attributes(data):
    X, y, truth = data
    clf = fast_dasad(contamination=0.1)
    assert clf.fit(X, y) is clf
    assert clf.decision_scores_.shape == (len(X),)
    assert np.isfinite(clf.decision_scores_).all()
    assert clf.labels_.shape == (len(X),) and set(np.unique(clf.labels_)) <= {0, 1}
    assert np.isclose(clf.threshold_, np.percentile(clf.decision_scores_, 90))
    assert clf._classes == 2
    assert clf.n_features_in_ == X.shape[1]
    assert clf.n_labelled_ == 5
    assert clf.device_ == torch.device("cpu")
    assert len(clf.history_) == 3 and {"loss", "score", "rec", "con"} <= set(clf.history_[0])
    assert roc_auc_score(truth, clf.decision_scores_) > 0.9


def test_prediction_surfaces(fitted, data):
    X, _, _ = data
    scores = fitted.decision_function(X)
    assert np.allclose(scores, fitted.decision_scores_, atol=1e-5)
    pred = fitted.predict(X)
    assert np.array_equal(pred, (scores > fitted.threshold_).astype(int))
    for method in ("linear", "unify"):
        proba = fitted.predict_proba(X, method=method)
        assert proba.shape == (len(X), 2)
        assert np.allclose(proba.sum(axis=1), 1) and proba.min() >= 0 and proba.max() <= 1
    conf = fitted.predict_confidence(X)
    assert conf.shape == (len(X),) and conf.min() >= 0 and conf.max() <= 1
    pred2, conf2 = fitted.predict(X, return_confidence=True)
    assert np.array_equal(pred2, pred) and np.allclose(conf2, conf)
    if hasattr(fitted, "predict_with_rejection"):  # pyod >= 2
        rejected = fitted.predict_with_rejection(X)
        assert set(np.unique(rejected)) <= {-2, 0, 1}


def test_subset_and_order_invariance(fitted, data):
    X, _, _ = data
    full = fitted.decision_function(X)
    assert np.allclose(fitted.decision_function(X[:17]), full[:17], rtol=1e-5, atol=1e-5)
    order = np.random.RandomState(0).permutation(len(X))
    assert np.allclose(fitted.decision_function(X[order]), full[order], rtol=1e-5, atol=1e-5)


def test_linear_proba_matches_minmax_of_training_scores(fitted, data):
    X, _, _ = data
    s = fitted.decision_scores_
    expected = np.clip((fitted.decision_function(X) - s.min()) / (s.max() - s.min()), 0, 1)
    assert np.allclose(fitted.predict_proba(X)[:, 1], expected, atol=1e-6)


# -- unsupervised mode and label edge cases -----------------------------------------------
@pytest.mark.parametrize("how", ["no_y", "none", "zeros"])
def test_unsupervised_mode_warns_and_works(data, caplog, how):
    X, _, truth = data
    clf = fast_dasad(epochs=4)
    with caplog.at_level(logging.WARNING, logger="pyod_dasad"):
        if how == "no_y":
            clf.fit(X)
        elif how == "none":
            clf.fit(X, None)
        else:
            clf.fit(X, np.zeros(len(X)))
    assert "no labelled anomalies" in caplog.text
    assert clf.n_labelled_ == 0
    assert np.isfinite(clf.decision_scores_).all()
    assert clf.pseudo_label_history_ and clf.pseudo_label_history_[-1]["anomalies"] > 0


def test_single_labelled_anomaly(data):
    X, _, _ = data
    y = np.zeros(len(X), dtype=int)
    y[-1] = 1
    clf = fast_dasad().fit(X, y)
    assert clf.n_labelled_ == 1 and np.isfinite(clf.decision_scores_).all()


def test_more_labelled_anomalies_than_unlabelled():
    X, _, _ = blobs(n_normal=30, n_anomaly=60, n_labelled=0)
    y = np.r_[np.zeros(35, dtype=int), np.ones(55, dtype=int)]  # 55 labelled, 35 unlabelled
    clf = fast_dasad().fit(X, y)
    assert clf.n_labelled_ == 55 and np.isfinite(clf.decision_scores_).all()


def test_tiny_dataset_clamps_batch_size():
    X, y, _ = blobs(n_normal=6, n_anomaly=2, n_labelled=1)
    clf = fast_dasad(batch_size=256).fit(X, y)
    assert clf.decision_scores_.shape == (8,)


# -- input types --------------------------------------------------------------------------
def test_dataframe_float32_and_int_inputs(data):
    pd = pytest.importorskip("pandas")
    X, y, _ = data
    df = pd.DataFrame(X, columns=["f%d" % i for i in range(X.shape[1])])
    clf = fast_dasad().fit(df, pd.Series(y))
    assert list(clf.feature_names_in_) == list(df.columns)
    assert clf.decision_function(df).shape == (len(X),)
    assert np.allclose(fast_dasad().fit(X.astype(np.float32), y).decision_scores_,
                       fast_dasad().fit(X, y).decision_scores_, atol=1e-4)
    Xi = np.round(X * 10).astype(np.int64)
    assert np.isfinite(fast_dasad().fit(Xi, y).decision_function(Xi)).all()
    assert np.isfinite(fast_dasad().fit(X.tolist(), y.tolist()).decision_scores_).all()


# -- bad input ----------------------------------------------------------------------------
@pytest.mark.parametrize("bad, match", [
    (np.array([[1.0, np.nan], [0.0, 1.0], [1.0, 1.0]]), "NaN"),
    (np.array([[1.0, np.inf], [0.0, 1.0], [1.0, 1.0]]), "infinity"),
    (np.arange(5.0), "Expected 2D array"),
    (np.zeros((4, 3, 2)), "dim 3"),
    (np.zeros((0, 3)), "0 sample"),
    (np.zeros((3, 0)), "0 feature"),
])
def test_bad_X(bad, match):
    with pytest.raises(ValueError, match=match):
        fast_dasad().fit(bad)


def test_string_features_are_a_type_error():
    X = np.array([["a", "b"], ["c", "d"], ["e", "f"]])
    with pytest.raises(TypeError, match="string"):
        fast_dasad().fit(X)
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["x", "y", "z"]})
    with pytest.raises(TypeError, match="non-numeric columns \\['b'\\]"):
        fast_dasad().fit(df)
    with pytest.raises(TypeError, match="non-numeric"):
        fast_dasad().fit(np.array([[1.0, "x"], [2.0, "y"]], dtype=object))


@pytest.mark.parametrize("y, exc, match", [
    (np.zeros(5), ValueError, "5 labels but X has 220"),
    (np.r_[np.zeros(219, dtype=int), 2], ValueError, r"found other values \[2\]"),
    (np.r_[np.zeros(218), -1, 0.5], ValueError, r"found other values \[-1.0, 0.5\]"),
    (np.ones(220), ValueError, "every sample in y is a labelled anomaly"),
    (np.zeros((220, 2)), ValueError, "1-D"),
    (np.array(["a"] * 220), TypeError, "numeric"),
    (np.r_[np.zeros(219), np.nan], ValueError, "NaN"),
])
def test_bad_y(data, y, exc, match):
    X, _, _ = data
    with pytest.raises(exc, match=match):
        fast_dasad().fit(X, y)


def test_feature_count_mismatch_at_predict(fitted, data):
    X, _, _ = data
    with pytest.raises(ValueError, match="features"):
        fitted.decision_function(X[:, :3])
    with pytest.raises(ValueError, match="NaN"):
        fitted.decision_function(np.full((2, X.shape[1]), np.nan))


def test_not_fitted():
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        DASAD().decision_function(np.zeros((2, 2)))


@pytest.mark.parametrize("param, value, match", [
    ("epochs", 0, "epochs must be a positive integer"),
    ("epochs", 2.5, "epochs must be a positive integer"),
    ("batch_size", -1, "batch_size must be a positive integer"),
    ("batch_size", 1, "batch_size must be >= 2"),
    ("steps_per_epoch", 0, "steps_per_epoch"),
    ("contamination", 0.0, r"contamination must be in \(0, 0.5\]"),
    ("contamination", 0.7, r"contamination must be in \(0, 0.5\]"),
    ("lr", 0, "lr must be > 0"),
    ("views", (), "at least one"),
    ("views", ("latent", "pixels"), "unknown view"),
    ("attention", "soft", "attention must be one of"),
    ("token_norm", "layer", "token_norm must be one of"),
    ("view_dropout", 1.0, r"view_dropout must be in \[0, 1\)"),
    ("ema_decay", 1.0, r"ema_decay must be 'auto' or a number in \[0, 1\)"),
    ("ema_decay", "last", r"ema_decay must be 'auto' or a number in \[0, 1\)"),
    ("ema_decay", -0.1, "ema_decay must be a finite number >= 0"),
    ("contrastive", "yes", "contrastive must be one of"),
    ("pseudo_labels", "sometimes", "pseudo_labels must be True, False or 'auto'"),
    ("loss_weighting", "auto", "loss_weighting"),
    ("preprocessing", "robust", "preprocessing"),
    ("hidden_dims", (), "at least one hidden layer"),
    ("hidden_dims", (16, 0), "hidden_dims"),
    ("pseudo_anomaly_ratio", 0.6, r"pseudo_anomaly_ratio must be in \[0, 0.5\]"),
    ("pseudo_anomaly_ratio", -0.01, "pseudo_anomaly_ratio must be a finite number >= 0"),
    ("pseudo_anomaly_ratio", "most", "pseudo_anomaly_ratio must be 'auto' or 'estimate' or a number in \\[0, 0.5\\]"),
    ("pseudo_normal_ratio", "most", "pseudo_normal_ratio must be 'auto' or a number"),
    ("min_credibility", 1.0, "min_credibility"),
    ("random_state", -3, "random_state"),
    ("device", "gpu-please", "not a valid torch device"),
    ("n_jobs", 0, "n_jobs must be None, -1 or a positive integer"),
    ("inference_batch_size", 0, "inference_batch_size must be a positive integer"),
    ("inference_batch_size", "large", "inference_batch_size must be 'auto' or a positive integer"),
    ("contrastive_batch_size", 1, "contrastive_batch_size must be None or >= 2"),
    ("pseudo_label_rows", 0, "pseudo_label_rows must be a positive integer"),
    ("pseudo_label_rows", 1e5, "pseudo_label_rows must be a positive integer"),
    ("out_of_range_factor", 1.0, "out_of_range_factor must be None or a number > 1"),
    ("out_of_range_factor", float("inf"), "out_of_range_factor"),
    ("out_of_range_factor", "far", "out_of_range_factor"),
    ("contrastive_batch_size", 0, "contrastive_batch_size"),
    ("contrastive_batch_size", 2.5, "contrastive_batch_size"),
])
def test_bad_parameters_raise_at_fit(data, param, value, match):
    X, y, _ = data
    with pytest.raises(ValueError, match=match):
        fast_dasad(**{param: value}).fit(X, y)


def test_pseudo_labels_takes_booleans_or_auto(data):
    X, y, _ = data
    with pytest.raises(TypeError, match="pseudo_labels must be True, False or 'auto', got 2.5"):
        fast_dasad(pseudo_labels=2.5).fit(X, y)
    assert fast_dasad(pseudo_labels=np.bool_(False)).fit(X, y).pseudo_labels_ is False
    assert fast_dasad(pseudo_labels=1).fit(X, y).pseudo_labels_ is True


def test_fixed_pseudo_label_shares_must_not_overlap(data):
    X, y, _ = data
    with pytest.raises(ValueError, match="pseudo_anomaly_ratio \\+ pseudo_normal_ratio"):
        fast_dasad(pseudo_anomaly_ratio=0.3, pseudo_normal_ratio=0.8).fit(X, y)
    fast_dasad(pseudo_anomaly_ratio=0.3, pseudo_normal_ratio="auto").fit(X, y)  # 'auto' stays <= 0.8


def test_auto_pseudo_label_shares_are_estimated_once_from_the_labels(data):
    X, y, truth = data
    estimate = fast_dasad(epochs=5, pseudo_anomaly_ratio="estimate").fit(X, y)
    assert 0 < estimate.hidden_anomaly_share_ < 0.5
    shares = {(h["anomaly_ratio"], h["normal_ratio"]) for h in estimate.pseudo_label_history_}
    assert len(shares) == 1  # set at the end of the warm-up, then kept
    anomaly_ratio, normal_ratio = shares.pop()
    assert 0 < anomaly_ratio <= 0.01
    assert normal_ratio == pytest.approx(min(0.8, max(0.5, 1 - estimate.hidden_anomaly_share_)))
    assert any(h["anomalies"] > 0 for h in estimate.pseudo_label_history_)
    # the default takes no pseudo-anomaly when there are labels; the normal share is the same estimate
    auto = fast_dasad(epochs=5).fit(X, y)
    assert auto.hidden_anomaly_share_ == estimate.hidden_anomaly_share_  # same warm-up, same seed
    assert {(h["anomaly_ratio"], h["normal_ratio"]) for h in auto.pseudo_label_history_} == {(0.0, normal_ratio)}
    assert all(h["anomalies"] == 0 for h in auto.pseudo_label_history_)
    none = fast_dasad(epochs=5, pseudo_anomaly_ratio=0.0).fit(X, y)  # an explicit 0 is the same fit
    np.testing.assert_array_equal(none.decision_scores_, auto.decision_scores_)
    fixed = fast_dasad(epochs=5, pseudo_anomaly_ratio=0.01, pseudo_normal_ratio=0.8).fit(X, y)
    assert fixed.hidden_anomaly_share_ is None
    assert {(h["anomaly_ratio"], h["normal_ratio"]) for h in fixed.pseudo_label_history_} == {(0.01, 0.8)}
    unsupervised = fast_dasad(epochs=5).fit(X)  # 'auto' without labels: the 1% fallback, the only anomaly signal
    assert unsupervised.hidden_anomaly_share_ is None
    assert unsupervised.pseudo_label_history_[0]["normal_ratio"] == 0.8
    assert unsupervised.pseudo_label_history_[0]["anomaly_ratio"] == 0.01
    assert unsupervised.pseudo_label_history_[0]["anomalies"] > 0
    no_warmup = fast_dasad(epochs=3, warmup_epochs=0, pseudo_anomaly_ratio="estimate").fit(X, y)
    assert no_warmup.hidden_anomaly_share_ is None  # nothing trained to estimate from: the fallback shares
    assert (no_warmup.pseudo_label_history_[0]["anomaly_ratio"], no_warmup.pseudo_label_history_[0]["normal_ratio"]) \
        == (0.01, 0.8)


# -- reproducibility ----------------------------------------------------------------------
def test_same_seed_same_scores_and_different_seed_differs(data):
    X, y, _ = data
    a = fast_dasad(random_state=3).fit(X, y).decision_scores_
    b = fast_dasad(random_state=3).fit(X, y).decision_scores_
    c = fast_dasad(random_state=4).fit(X, y).decision_scores_
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)
    d = fast_dasad(random_state=np.int64(3)).fit(X, y).decision_scores_  # ADBench passes numpy ints
    assert np.array_equal(a, d)


def test_global_rng_state_untouched(data):
    X, y, _ = data
    np.random.seed(123)
    torch.manual_seed(123)
    np_state = np.random.get_state()
    torch_state = torch.get_rng_state()
    fast_dasad(random_state=0).fit(X, y)
    fast_dasad(random_state=None).fit(X, y)
    after = np.random.get_state()
    assert all(np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b for a, b in zip(np_state, after))
    assert torch.equal(torch_state, torch.get_rng_state())


# -- sklearn estimator contract -------------------------------------------------------------
def test_init_stores_parameters_only():
    clf = DASAD(epochs=-5, device="nonsense", views="bogus")  # validated at fit, not here
    assert clf.epochs == -5 and clf.device == "nonsense" and clf.views == "bogus"
    assert not [k for k in vars(clf) if k.endswith("_")]


def test_get_set_params_and_clone(fitted, data):
    X, y, _ = data
    params = fitted.get_params()
    assert params["epochs"] == 3 and params["hidden_dims"] == (16, 8)
    cl = clone(fitted)
    assert not hasattr(cl, "net_")
    assert cl.get_params() == params
    cl.fit(X, y)  # a clone really refits, to the same scores
    assert np.array_equal(cl.decision_scores_, fitted.decision_scores_)
    cl.set_params(epochs=4, attention="uniform")
    assert cl.epochs == 4 and cl.attention == "uniform"
    with pytest.raises(ValueError):
        cl.set_params(not_a_param=1)
    assert "DASAD(" in repr(cl)


def test_every_constructor_parameter_changes_behaviour(data):
    """Guard against dead parameters (PyOD issue #714): each non-default value changes
    the scores (or, for the ones that only set outputs/resources, what they govern)."""
    X, y, _ = data
    base = fast_dasad().fit(X, y)
    changes = dict(hidden_dims=(12, 6), latent_dim=3, token_dim=6, projection_dim=3, batch_norm=True,
                   views=("latent", "error"), attention="uniform", token_norm="direction", view_dropout=0.0,
                   pseudo_labels=False,
                   contrastive="symmetric", epochs=4, steps_per_epoch=5, batch_size=16, lr=3e-3,
                   weight_decay=1e-2, ema_decay=0.0, warmup_epochs=2, warmup_weight=0.5, pseudo_anomaly_ratio=0.05,
                   pseudo_normal_ratio=0.5, min_credibility=0.8, margin=0.01, lambda_rec=0.0,
                   lambda_con=0.5, loss_weighting="dwa", temperature_normal=0.3,
                   temperature_anomaly=1.0, corruption_rate=0.6, noise_std=0.2,
                   preprocessing="minmax", random_state=1)
    if TORCH_2:  # CPU autocast; torch 1.x falls back to float32 (tested in test_amp.py)
        changes["amp"] = True
    changes["contrastive_batch_size"] = 8  # of the 32-row batches
    changes["pseudo_label_rows"] = 50  # of the unlabelled rows
    same_scores = []
    for name, value in changes.items():
        s = fast_dasad(**{name: value}).fit(X, y).decision_scores_
        if np.allclose(s, base.decision_scores_):
            same_scores.append(name)
    assert same_scores == []
    # the contrastive loss is on by default: switching it off changes the fit
    assert not np.allclose(fast_dasad(contrastive="off").fit(X, y).decision_scores_, base.decision_scores_)
    # pseudo_label_interval needs more epochs after the warm-up to matter
    a = fast_dasad(epochs=5, pseudo_label_interval=1).fit(X, y)
    b = fast_dasad(epochs=5, pseudo_label_interval=3).fit(X, y)
    assert len(a.pseudo_label_history_) == 4 and len(b.pseudo_label_history_) == 2
    # contamination sets the threshold; inference_batch_size only the memory, not the scores
    assert fast_dasad(contamination=0.2).fit(X, y).threshold_ < base.threshold_
    small = fast_dasad(inference_batch_size=7).fit(X, y)
    assert np.allclose(small.decision_scores_, base.decision_scores_, atol=1e-5)


def test_n_jobs_sets_threads_only_for_the_call(data):
    X, y, _ = data
    before = torch.get_num_threads()
    one = fast_dasad(n_jobs=1).fit(X, y)
    assert torch.get_num_threads() == before
    every = fast_dasad(n_jobs=-1).fit(X, y)
    untouched = fast_dasad(n_jobs=None).fit(X, y)
    assert torch.get_num_threads() == before
    assert np.allclose(one.decision_scores_, every.decision_scores_, atol=1e-4)
    assert np.allclose(one.decision_scores_, untouched.decision_scores_, atol=1e-4)
    one.set_params(n_jobs=-1)
    one.decision_function(X)
    assert torch.get_num_threads() == before


# -- persistence ----------------------------------------------------------------------------
def test_pickle_round_trip_identical_scores(fitted, data):
    X, _, _ = data
    restored = pickle.loads(pickle.dumps(fitted))
    assert np.array_equal(restored.decision_function(X), fitted.decision_function(X))
    assert restored.get_params() == fitted.get_params()


def test_unpickle_model_pickled_before_token_norm(data):
    """A model pickled by 0.1 has no ``token_norm`` (its network had a LayerNorm on every
    token): it must load, report ``token_norm='all'`` and score as before."""
    X, y, _ = data
    old = fast_dasad(token_norm="all").fit(X, y)
    state = old.__getstate__()
    del state["token_norm"]
    state["net_config_"] = {k: v for k, v in state["net_config_"].items() if k != "token_norm"}
    restored = DASAD.__new__(DASAD)
    restored.__setstate__(pickle.loads(pickle.dumps(state)))
    assert restored.token_norm == "all"
    assert np.array_equal(restored.decision_function(X), old.decision_function(X))


def test_unpickle_model_pickled_before_ema_decay(data):
    """A model pickled before ``ema_decay`` existed kept its last step's weights: it must
    load, report ``ema_decay=0.0`` and score as before."""
    X, y, _ = data
    old = fast_dasad(ema_decay=0.0).fit(X, y)
    state = old.__getstate__()
    del state["ema_decay"]
    restored = DASAD.__new__(DASAD)
    restored.__setstate__(pickle.loads(pickle.dumps(state)))
    assert restored.ema_decay == 0.0 and restored.ema_decay_ == 0.0
    assert np.array_equal(restored.decision_function(X), old.decision_function(X))


@pytest.mark.parametrize("param", ["contrastive_batch_size", "pseudo_label_rows"])
def test_unpickle_model_pickled_before_a_row_limit_existed(data, param):
    """A model pickled before ``contrastive_batch_size`` (``pseudo_label_rows``) existed put
    every row into the contrastive loss (pseudo-labelled every unlabelled row): it loads
    with the parameter None, the rule it was fitted with, and scores as before."""
    X, y, _ = data
    old = fast_dasad().fit(X, y)
    state = old.__getstate__()
    del state[param]
    restored = DASAD.__new__(DASAD)
    restored.__setstate__(pickle.loads(pickle.dumps(state)))
    assert restored.get_params()[param] is None
    assert np.array_equal(restored.decision_function(X), old.decision_function(X))


def test_weight_average_is_the_fitted_network(data):
    """Averaging leaves the training path alone (same losses step for step) and only
    replaces the final weights and centre; a vanishing decay gives the last step's network."""
    X, y, _ = data
    last = fast_dasad(ema_decay=0.0).fit(X, y)
    averaged = fast_dasad(ema_decay=0.9).fit(X, y)
    nearly_last = fast_dasad(ema_decay=1e-9).fit(X, y)
    assert averaged.history_ == last.history_
    assert not np.allclose(averaged.decision_scores_, last.decision_scores_)
    assert not torch.allclose(averaged.net_.center, last.net_.center)
    assert np.allclose(nearly_last.decision_scores_, last.decision_scores_, atol=1e-5)
    assert torch.allclose(nearly_last.net_.center, last.net_.center, atol=1e-6)
    assert (last.ema_decay_, averaged.ema_decay_) == (0.0, 0.9)


def test_ema_decay_auto_averages_over_the_last_third_of_the_steps(data):
    X, y, _ = data
    assert resolve_ema_decay("auto", 30 * 20) == pytest.approx(0.995)
    assert resolve_ema_decay("auto", 300) == pytest.approx(0.99)
    assert resolve_ema_decay("auto", 3) == 0.0 and resolve_ema_decay(0.9, 3) == 0.9
    clf = fast_dasad(ema_decay="auto").fit(X, y)
    assert clf.ema_decay_ == pytest.approx(1 - 3 / (clf.epochs * clf.steps_per_epoch))


def test_unpickle_model_fitted_on_gpu_on_cpu_machine(fitted, data, caplog):
    """The state of a detector fitted on CUDA names device 'cuda'; on a machine without
    CUDA it must load on the CPU with identical scores."""
    X, _, _ = data
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA; the fallback path is for CPU-only machines")
    state = fitted.__getstate__()
    state["device_"] = torch.device("cuda", 0)
    restored = DASAD.__new__(DASAD)
    with caplog.at_level(logging.WARNING, logger="pyod_dasad"):
        restored.__setstate__(pickle.loads(pickle.dumps(state)))
    assert restored.device_ == torch.device("cpu")
    assert "loading on CPU" in caplog.text
    assert np.array_equal(restored.decision_function(X), fitted.decision_function(X))


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_fit_and_pickle_round_trip(data):  # pragma: no cover - runs only with a GPU
    # CUDA's random streams and arithmetic differ from the CPU's, so a CUDA fit follows
    # another trajectory (like another seed): it is held to the same bar, not to the CPU's scores
    X, y, truth = data
    gpu = fast_dasad(device="cuda").fit(X, y)
    assert gpu.device_.type == "cuda"
    cpu = fast_dasad(device="cpu").fit(X, y)
    assert roc_auc_score(truth, gpu.decision_scores_) > 0.9
    assert roc_auc_score(truth, gpu.decision_scores_) > roc_auc_score(truth, cpu.decision_scores_) - 0.05
    restored = pickle.loads(pickle.dumps(gpu))
    assert restored.device_.type == "cuda"
    assert np.allclose(restored.decision_function(X), gpu.decision_function(X), atol=1e-5)


def test_inference_batch_size_auto_follows_the_device(data):
    X, y, _ = data
    assert resolve_inference_batch_size("auto", torch.device("cpu")) == CPU_INFERENCE_BATCH == 4096
    assert resolve_inference_batch_size("auto", torch.device("cuda", 0)) == CUDA_INFERENCE_BATCH == 65536
    assert resolve_inference_batch_size(123, torch.device("cuda")) == 123
    auto = fast_dasad(device="cpu").fit(X, y)
    assert auto.inference_batch_size == "auto" and auto.get_params()["inference_batch_size"] == "auto"
    fixed = fast_dasad(device="cpu", inference_batch_size=CPU_INFERENCE_BATCH).fit(X, y)
    assert np.array_equal(auto.decision_scores_, fixed.decision_scores_)
    assert np.array_equal(auto.decision_function(X), fixed.decision_function(X))


# -- verbosity --------------------------------------------------------------------------------
def test_verbose_levels(data, capsys, caplog):
    X, y, _ = data
    fast_dasad(verbose=0).fit(X, y)
    assert capsys.readouterr().err == ""
    fast_dasad(verbose=1).fit(X, y)
    assert "DASAD" in capsys.readouterr().err  # the tqdm bar
    with caplog.at_level(logging.INFO, logger="pyod_dasad"):
        fast_dasad(verbose=2).fit(X, y)
    assert "epoch 3/3" in caplog.text


# -- explanations -----------------------------------------------------------------------------
def test_explain(fitted, data):
    X, _, truth = data
    exp = fitted.explain(X, top_k=3)
    assert isinstance(exp, Explanation) and len(exp) == len(X)
    assert np.allclose(exp.scores, fitted.decision_function(X))
    assert np.allclose(exp.attention.sum(axis=1), 1, atol=1e-6)
    assert exp.views == ("latent", "residual", "error")
    assert exp.magnitudes.shape == (len(X), 3) and (exp.magnitudes >= 0).all()
    assert exp.magnitude_percentiles.min() >= 0 and exp.magnitude_percentiles.max() <= 100
    assert exp.top_features.shape == (len(X), 3)
    assert exp.top_feature_names[0, 0] == "x%d" % exp.top_features[0, 0]
    # residual magnitudes are sorted and abnormal samples deviate more than normal ones
    assert (np.abs(exp.top_residuals[:, 0]) >= np.abs(exp.top_residuals[:, 1])).all()
    assert exp.magnitude_percentiles[truth == 1, 1].mean() > exp.magnitude_percentiles[truth == 0, 1].mean()
    assert set(exp.dominant_view) <= set(exp.views)
    assert "largest residuals" in exp.describe(0)
    pd = pytest.importorskip("pandas")
    frame = exp.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) == len(X) and "attention_latent" in frame
    with pytest.raises(ValueError, match="top_k"):
        fitted.explain(X, top_k=0)


def test_explain_uses_dataframe_feature_names_and_ablated_views(data):
    pd = pytest.importorskip("pandas")
    X, y, _ = data
    df = pd.DataFrame(X, columns=list("abcdef"))
    clf = fast_dasad(views=("residual", "error")).fit(df, y)
    exp = clf.explain(df.iloc[:5], top_k=2)
    assert exp.views == ("residual", "error") and exp.attention.shape == (5, 2)
    assert set(exp.top_feature_names.ravel()) <= set("abcdef")


@pytest.mark.parametrize("preprocessing", ["standard", "minmax"])
def test_scaler_fitted_in_row_blocks_equals_one_shot_fit(monkeypatch, preprocessing):
    """The scaler is fitted block by block (bounded float64 temporaries for large X)."""
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    import pyod_dasad.estimator as est_module
    monkeypatch.setattr(est_module, "_SCALER_CHUNK", 17)  # many blocks on a small X
    X, y, _ = blobs()
    X = X * np.arange(1, X.shape[1] + 1) + 5.0
    clf = fast_dasad(preprocessing=preprocessing).fit(X, y)
    ref = (StandardScaler() if preprocessing == "standard" else MinMaxScaler()).fit(X)
    np.testing.assert_allclose(clf.scaler_.transform(X), ref.transform(X), rtol=1e-10, atol=1e-12)


def test_explain_by_default_reports_at_most_five_features_and_all_of_fewer():
    """``explain(X)`` with the default works on data with fewer than five features (it
    raised before) and reports five of more."""
    rng = np.random.default_rng(0)
    y = np.zeros(200, dtype=int)
    y[:4] = 1
    for d, expected in ((3, 3), (8, 5)):
        X = rng.standard_normal((200, d))
        X[:10] += 3.0
        exp = fast_dasad().fit(X, y).explain(X[:4])
        assert exp.top_features.shape == (4, expected)
        assert len(set(exp.top_features[0])) == expected  # distinct features, all of them when d = 3
