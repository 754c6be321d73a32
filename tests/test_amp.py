"""Mixed precision (``amp=True``): bfloat16 autocast on CPU here, float16/bfloat16 on CUDA."""
import pickle

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from pyod_dasad._compat import TORCH_2, amp_dtype, grad_scaler
from _dasad_helpers import blobs, fast_dasad

needs_cpu_amp = pytest.mark.skipif(not TORCH_2, reason="CPU autocast needs torch >= 2 (legacy env has 1.12)")


@needs_cpu_amp
def test_amp_on_cpu_trains_in_bfloat16_and_scores_in_float():
    X, y, truth = blobs(n_features=8)
    clf = fast_dasad(amp=True, epochs=6).fit(X, y)
    assert clf.amp_dtype_ == torch.bfloat16
    scores = clf.decision_function(X)
    assert scores.dtype == np.float64 and np.isfinite(scores).all()
    # the head runs in float32, so bfloat16's 8-bit mantissa does not collapse scores into ties
    assert len(np.unique(scores)) > 0.95 * len(scores)
    assert roc_auc_score(truth, scores) > 0.9
    exp = clf.explain(X[:5], top_k=2)
    assert np.allclose(exp.attention.sum(axis=1), 1.0, atol=1e-2)
    assert np.isfinite(exp.magnitudes).all()


def test_amp_off_by_default_and_float32_throughout():
    X, y, _ = blobs()
    clf = fast_dasad().fit(X, y)
    assert clf.amp is False and clf.amp_dtype_ is None
    assert all(p.dtype == torch.float32 for p in clf.net_.parameters())


@needs_cpu_amp
def test_amp_model_pickles_and_scores_the_same():
    X, y, _ = blobs()
    clf = fast_dasad(amp=True).fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    assert again.amp_dtype_ == torch.bfloat16
    np.testing.assert_array_equal(clf.decision_function(X), again.decision_function(X))


@pytest.mark.parametrize("bad", ["yes", 1, None])
def test_amp_must_be_a_bool(bad):
    X, y, _ = blobs()
    with pytest.raises(TypeError, match="amp must be True or False"):
        fast_dasad(amp=bad).fit(X, y)


@pytest.mark.skipif(TORCH_2, reason="torch 1.x only")
def test_amp_on_cpu_with_torch_1_falls_back_to_float32_with_a_warning(caplog):
    X, y, _ = blobs()
    clf = fast_dasad(amp=True).fit(X, y)
    assert clf.amp_dtype_ is None
    assert "amp=True is not supported" in caplog.text


def test_amp_dtype_and_scaler_per_device():
    assert amp_dtype(torch.device("cpu")) == (torch.bfloat16 if TORCH_2 else None)
    assert amp_dtype(torch.device("meta")) is None
    assert not grad_scaler(torch.device("cpu"), torch.bfloat16).is_enabled()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA (none on this machine)")
def test_amp_on_cuda():
    X, y, truth = blobs(n_features=8)
    clf = fast_dasad(amp=True, device="cuda", epochs=6).fit(X, y)
    assert clf.amp_dtype_ in (torch.bfloat16, torch.float16)
    assert roc_auc_score(truth, clf.decision_function(X)) > 0.9
