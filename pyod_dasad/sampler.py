"""Balanced mini-batches: half (labelled and pseudo-) anomalies, oversampled with
replacement; half unlabelled / credible-normal samples."""
import numpy as np


class BalancedBatchSampler:
    """Draw balanced batches of row indices from per-row targets and weights.

    Parameters
    ----------
    targets : ndarray of int, shape (n,)
        1 for a (labelled or pseudo-) anomaly, 0 for a (pseudo-) normal.
    weights : ndarray of float, shape (n,)
        Rows with weight 0 are never drawn.
    batch_size : int
    random_state : numpy.random.RandomState
    """

    def __init__(self, targets, weights, batch_size, random_state):
        self.batch_size = int(batch_size)
        self.random_state = random_state
        self.update(targets, weights)

    def update(self, targets, weights):
        """Rebuild the two pools after the targets or weights changed."""
        targets = np.asarray(targets)
        weights = np.asarray(weights)
        active = weights > 0
        self.anomaly_pool = np.flatnonzero(active & (targets == 1))
        self.normal_pool = np.flatnonzero(active & (targets == 0))
        if self.normal_pool.size == 0 and self.anomaly_pool.size == 0:
            raise ValueError("no sample has a positive weight; nothing to train on")

    def sample(self):
        """Return one batch of row indices (anomaly half first)."""
        rs = self.random_state
        if self.anomaly_pool.size == 0:
            n_anomalies = 0
        elif self.normal_pool.size == 0:
            n_anomalies = self.batch_size
        else:
            n_anomalies = self.batch_size // 2
        n_normals = self.batch_size - n_anomalies
        parts = []
        if n_anomalies:
            parts.append(rs.choice(self.anomaly_pool, n_anomalies, replace=True))
        if n_normals:
            replace = self.normal_pool.size < n_normals
            parts.append(rs.choice(self.normal_pool, n_normals, replace=replace))
        return np.concatenate(parts)
