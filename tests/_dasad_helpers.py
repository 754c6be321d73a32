"""Small shared helpers for the pyod_dasad tests (not a conftest: imported explicitly)."""
import numpy as np

from pyod_dasad import DASAD

FAST = dict(hidden_dims=(16, 8), latent_dim=4, token_dim=8, projection_dim=4, epochs=3, lr=1e-2,
            steps_per_epoch=4, batch_size=32, warmup_epochs=1, device="cpu")


def fast_dasad(**overrides):
    params = dict(FAST)
    params.update(overrides)
    params.setdefault("random_state", 0)
    return DASAD(**params)


def blobs(n_normal=200, n_anomaly=20, n_features=6, n_labelled=5, seed=0):
    """Gaussian inliers plus shifted outliers (a test pattern, not a benchmark dataset)."""
    rng = np.random.RandomState(seed)
    X = np.vstack([rng.normal(0, 1, (n_normal, n_features)), rng.normal(3, 1, (n_anomaly, n_features))])
    truth = np.r_[np.zeros(n_normal, dtype=int), np.ones(n_anomaly, dtype=int)]
    y = np.zeros_like(truth)
    y[n_normal:n_normal + n_labelled] = 1
    return X, y, truth
