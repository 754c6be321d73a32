"""Credibility-weighted pseudo-labels for the unlabelled training samples.

After the warm-up, every unlabelled sample is ranked by a consensus of the model score and
the three views' deviation magnitudes (each rank-normalised to [0, 1]). Its *credibility* is
the attention-weighted agreement of the views' ranks with the reference rank (the model
score; with no labelled anomalies at all, the views' mean rank)::

    credibility_i = sum_j alpha_ij * (1 - |r_ij - r_ref,i|)

The top ``anomaly_ratio`` by consensus become pseudo-anomalies, the bottom ``normal_ratio``
credible pseudo-normals, each weighted by its credibility; everything else, and any candidate
whose credibility is below ``min_credibility``, is *uncertain* and gets weight 0. This is what
keeps anomalies hidden in the unlabelled set out of the normal class.
"""
import numpy as np
from scipy.stats import rankdata


def rank_normalise(values, axis=0):
    """Ranks scaled to [0, 1] along ``axis`` (ties share their average rank)."""
    values = np.asarray(values, dtype=float)
    n = values.shape[axis]
    if n < 2:
        return np.full(values.shape, 0.5)
    return (rankdata(values, axis=axis) - 1.0) / (n - 1.0)


class PseudoLabels:
    """Result of one pseudo-labelling pass over the unlabelled samples.

    Attributes
    ----------
    labels : ndarray of int, shape (n,)
        1 pseudo-anomaly, 0 pseudo-normal (or uncertain: see ``weights``).
    weights : ndarray of float, shape (n,)
        Credibility weight; 0 for uncertain samples, which enter no loss.
    credibility : ndarray of float, shape (n,)
    consensus : ndarray of float, shape (n,)
        Consensus deviation rank in [0, 1] (higher = more abnormal).
    """

    def __init__(self, labels, weights, credibility, consensus):
        self.labels = labels
        self.weights = weights
        self.credibility = credibility
        self.consensus = consensus

    @property
    def n_anomalies(self):
        return int(np.sum((self.labels == 1) & (self.weights > 0)))

    @property
    def n_normals(self):
        return int(np.sum((self.labels == 0) & (self.weights > 0)))

    @property
    def n_uncertain(self):
        return int(np.sum(self.weights == 0))


def assign_pseudo_labels(scores, magnitudes, alpha, anomaly_ratio=0.01, normal_ratio=0.8,
                         min_credibility=0.5, use_score=True):
    """Assign credibility-weighted pseudo-labels.

    Parameters
    ----------
    scores : ndarray (n,)
        Current model scores of the unlabelled samples.
    magnitudes : ndarray (n, J)
        Deviation magnitude of each enabled view.
    alpha : ndarray (n, J)
        Attention weights over the same views (rows sum to one).
    anomaly_ratio, normal_ratio : float
        Fractions of the unlabelled set taken as pseudo-anomaly / pseudo-normal candidates.
    min_credibility : float in [0, 1)
        Candidates below it are left uncertain (weight 0).
    use_score : bool
        Use the model score as reference and in the consensus; False when the model has
        seen no anomaly yet (unsupervised mode).

    Returns
    -------
    PseudoLabels
    """
    scores = np.asarray(scores, dtype=float)
    n = scores.shape[0]
    magnitudes = np.asarray(magnitudes, dtype=float).reshape(n, -1)
    alpha = np.asarray(alpha, dtype=float).reshape(n, -1)
    if magnitudes.shape != alpha.shape:
        raise ValueError("magnitudes %s and alpha %s must have the same shape" % (magnitudes.shape, alpha.shape))
    view_ranks = rank_normalise(magnitudes, axis=0)
    view_consensus = (alpha * view_ranks).sum(axis=1)
    if use_score:
        reference = rank_normalise(scores)
        consensus = 0.5 * (reference + view_consensus)
    else:
        reference = view_ranks.mean(axis=1)
        consensus = view_consensus
    credibility = (alpha * (1.0 - np.abs(view_ranks - reference[:, None]))).sum(axis=1)
    labels = np.zeros(n, dtype=np.int64)
    weights = np.zeros(n, dtype=float)
    if n == 0:
        return PseudoLabels(labels, weights, credibility, consensus)
    order = np.argsort(consensus, kind="stable")
    n_anomalies = min(int(np.ceil(anomaly_ratio * n)), n)
    n_normals = min(int(np.floor(normal_ratio * n)), n - n_anomalies)
    anomalies = order[n - n_anomalies:]
    normals = order[:n_normals]
    labels[anomalies] = 1
    weights[anomalies] = credibility[anomalies]
    weights[normals] = credibility[normals]
    weights[weights < min_credibility] = 0.0
    return PseudoLabels(labels, weights, credibility, consensus)
