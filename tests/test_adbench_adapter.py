"""ADBench's custom-model contract for adbench_runs.adbench_adapter.ADBenchDASAD (main env).

The real ADBench runner is exercised in tests/legacy/ inside ADBench's own environment.
"""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from adbench_runs.adbench_adapter import ADBenchDASAD

REPO = Path(__file__).resolve().parents[1]
# a short schedule of the real DASAD (warm-up, then pseudo-labels), so each fit takes seconds
# 100 training steps: with un-normalised view tokens (token_norm='none', the default since
# 0.1) DASAD needs more than the 15 steps these tests once used (AUC-ROC 0.80 on seed 1 then)
FAST = dict(epochs=10, warmup_epochs=2, steps_per_epoch=10, batch_size=128, device="cpu")


def _data_dir():
    env = os.environ.get("PYOD_DASAD_DATA")
    return Path(env) if env else REPO.parent / "shared" / "datasets"


@pytest.fixture(scope="module")
def cardio_split():
    path = _data_dir() / "adbench" / "6_cardio.npz"
    if not path.is_file():
        pytest.skip("dataset %s not found (set PYOD_DASAD_DATA to the shared datasets folder)" % path)
    data = np.load(path, allow_pickle=False)
    X, y = data["X"], data["y"].astype(int)
    rng = np.random.RandomState(0)
    idx = rng.permutation(len(y))
    train, test = idx[:1200], idx[1200:]
    y_train = np.zeros(len(train), dtype=int)
    anomalies = np.flatnonzero(y[train] == 1)
    y_train[anomalies[:10]] = 1  # 10 labelled anomalies, the rest stay unlabelled (0)
    return X[train], y_train, X[test], y[test]


def test_module_import_is_cheap():
    code = (
        "import sys; import adbench_runs.adbench_adapter as m; "
        "heavy = [n for n in ('adbench', 'tensorflow', 'keras', 'torch', 'pyod_dasad', 'pyod') "
        "if n in sys.modules]; print(heavy); sys.exit(1 if heavy else 0)"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", code], cwd=str(REPO), env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_constructor_takes_adbench_arguments_and_stores_them():
    model = ADBenchDASAD(seed=np.int64(3), model_name="Customized", epochs=2)
    assert model.seed == 3 and isinstance(model.seed, np.int64)
    assert model.model_name == "Customized"
    assert model.dasad_params == {"epochs": 2}
    params = model._resolved_params()
    assert params["random_state"] == 3 and type(params["random_state"]) is int
    assert ADBenchDASAD(seed=1, random_state=7)._resolved_params()["random_state"] == 7
    assert ADBenchDASAD(seed=None)._resolved_params()["random_state"] is None
    assert "epochs=2" in repr(model)


def test_non_integer_seed_is_rejected_with_a_clear_message():
    with pytest.raises(TypeError, match="seed must be an integer"):
        ADBenchDASAD(seed=1.5)._resolved_params()


def test_configure_bakes_parameters_into_a_class():
    Fast = ADBenchDASAD.configure(epochs=2, batch_size=64)
    assert issubclass(Fast, ADBenchDASAD)
    model = Fast(seed=np.int64(1), model_name="Customized")  # how ADBench builds it
    params = model._resolved_params()
    assert params["epochs"] == 2 and params["batch_size"] == 64 and params["random_state"] == 1
    assert Fast.configure(epochs=3)(seed=1)._resolved_params()["batch_size"] == 64
    assert ADBenchDASAD(seed=1)._resolved_params() == {"random_state": 1}  # base class untouched


def test_predict_before_fit_raises():
    with pytest.raises(RuntimeError, match="not fitted"):
        ADBenchDASAD(seed=np.int64(1)).predict_score(np.zeros((3, 2)))


def test_fit_by_keyword_returns_self_and_scores_are_finite(cardio_split):
    pytest.importorskip("pyod_dasad", reason="pyod_dasad is not importable yet")
    from pyod_dasad import DASAD
    from sklearn.metrics import roc_auc_score

    X_train, y_train, X_test, y_test = cardio_split
    model = ADBenchDASAD(seed=np.int64(1), model_name="Customized", **FAST)
    fitted = model.fit(X_train=X_train, y_train=y_train)  # ADBench calls fit by keyword
    assert fitted is model
    assert isinstance(model.model_, DASAD)
    assert model.model_.random_state == 1
    scores = model.predict_score(X_test)
    assert isinstance(scores, np.ndarray) and scores.shape == (X_test.shape[0],)
    assert scores.dtype == np.float64 and np.all(np.isfinite(scores))
    # 10 labelled anomalies, 100 training steps: measured 0.975 (seeds 2, 3: 0.986, 0.986)
    # on this split, identical on torch 2.13 and torch 1.12.1; a random scorer gives 0.5
    assert roc_auc_score(y_test, scores) > 0.8


def test_all_zero_labels_as_in_adbench_la_zero(cardio_split):
    pytest.importorskip("pyod_dasad", reason="pyod_dasad is not importable yet")
    X_train, y_train, X_test, _ = cardio_split
    model = ADBenchDASAD(seed=np.int64(2), **FAST).fit(X_train=X_train, y_train=np.zeros_like(y_train))
    scores = model.predict_score(X_test)
    assert scores.shape == (X_test.shape[0],) and np.all(np.isfinite(scores))


def test_same_seed_same_scores(cardio_split):
    pytest.importorskip("pyod_dasad", reason="pyod_dasad is not importable yet")
    X_train, y_train, X_test, _ = cardio_split
    Fast = ADBenchDASAD.configure(**FAST)
    a = Fast(seed=np.int64(5)).fit(X_train=X_train, y_train=y_train)
    b = Fast(seed=np.int64(5)).fit(X_train=X_train, y_train=y_train)
    np.testing.assert_allclose(a.predict_score(X_test), b.predict_score(X_test), rtol=1e-5, atol=1e-6)
