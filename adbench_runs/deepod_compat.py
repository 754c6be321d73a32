"""Compatibility shims for DeepOD 0.4.1 (our code; site-packages untouched).

DeepOD 0.4.1 (PyPI) declares ``torch<1.13.1`` but its tabular models run on
torch 2.x and NumPy 2 when installed with ``--no-deps`` -- except REPEN:
its triplet sampler does ``ids[i] = inlier_ids[np.random.choice(n, 1)]``,
assigning a length-1 array into an int slot, which NumPy >= 2 rejects
("setting an array element with a sequence"). :class:`REPEN` below is
DeepOD's REPEN with that sampler rewritten to index with scalars; it makes the
same ``np.random.choice`` calls in the same order, so on NumPy 1.x it draws
exactly the batches the original draws.

Note: DeepOD's REPEN ignores ``y`` (its training uses only the unsupervised
LeSiNN initial scores); it is kept under the name the authors give it.

:class:`PReNetFastPairs` is DeepOD's PReNet with its pair sampler rewritten so
that a pair costs O(1) instead of O(n). DeepOD's ``PReNetLoader`` draws every
unlabelled-unlabelled and anomaly-anomaly pair with
``np.random.choice(pool, 2, replace=False)``, which permutes the whole pool
(NumPy's legacy generator shuffles all ``n`` indices to return two), and it
runs ``len(X) / batch_size`` steps per epoch: the cost of an epoch is
quadratic in the number of training rows. Measured here (AMD EPYC, one core,
``benchmarks/prenet_pair_sampler.py``): 16 ms per 64-pair batch on NSL-KDD's
55,003 DevNet-protocol training rows, 69 ms on credit-card Fraud's 232,122 --
about 23 minutes and 6.9 hours of sampling per 100-epoch fit. The rewrite
draws the same pairs *in distribution*: per batch row, the same pattern (rows ``i % 4`` in {0, 1}: two distinct
unlabelled rows, target 0; ``i % 4 == 2``: an unlabelled row and a labelled
anomaly, target 4; ``i % 4 == 3``: two distinct labelled anomalies, target 8),
each pair uniform over ordered pairs of distinct rows, rows independent.
It does not reproduce DeepOD's random stream, so a fit with the same seed
differs from DeepOD-PReNet's; everything else (network, loss, optimiser,
epochs, steps, inference) is DeepOD's own code.
"""
from __future__ import annotations

import numpy as np
from deepod.models.tabular import PReNet as _DeepODPReNet
from deepod.models.tabular import REPEN as _DeepODREPEN
from deepod.models.tabular.prenet import PReNetLoader
from deepod.models.tabular.repen import REPENLoader

__all__ = ["REPEN", "PReNetFastPairs", "distinct_pairs"]


class _ScalarIndexREPENLoader(REPENLoader):
    """DeepOD's triplet loader with scalar indexing (NumPy 2 safe)."""

    def triplet_batch_generation(self, prior_knowledge=None):
        X = self.X
        scores = self.init_scores
        inlier_ids, outlier_ids = self.inlier_ids, self.outlier_ids
        batch_size = self.batch_size

        transforms = np.sum(scores[inlier_ids]) - scores[inlier_ids]
        positive_weights = (transforms / np.sum(transforms)).flatten()
        negative_weights = (scores[outlier_ids] / np.sum(scores[outlier_ids])).flatten()
        examples_ids = np.zeros(batch_size, dtype=int)
        positives_ids = np.zeros(batch_size, dtype=int)
        negatives_ids = np.zeros(batch_size, dtype=int)
        for i in range(batch_size):
            sid = np.random.choice(len(inlier_ids), 1, p=positive_weights)[0]
            examples_ids[i] = inlier_ids[sid]
            sid2 = np.random.choice(len(inlier_ids), 1)[0]
            while sid2 == sid:
                sid2 = np.random.choice(len(inlier_ids), 1)[0]
            positives_ids[i] = inlier_ids[sid2]
            if prior_knowledge is not None and i % 2 == 0:
                negatives_ids[i] = np.random.choice(prior_knowledge.shape[0], 1)[0]
            else:
                sid = np.random.choice(len(outlier_ids), 1, p=negative_weights)[0]
                negatives_ids[i] = outlier_ids[sid]
        examples = X[examples_ids, :]
        positives = X[positives_ids, :]
        if prior_knowledge is not None:
            negatives = np.zeros([batch_size, X.shape[1]])
            negatives[1::2] = X[negatives_ids[1::2], :]
            negatives[::2] = prior_knowledge[negatives_ids[::2], :]
        else:
            negatives = X[negatives_ids, :]
        return examples, positives, negatives


class REPEN(_DeepODREPEN):
    """DeepOD's REPEN, with the NumPy-2-safe triplet loader (same parameters)."""

    def training_prepare(self, X, y):
        train_loader, net, criterion = super().training_prepare(X, y)
        train_loader.__class__ = _ScalarIndexREPENLoader
        return train_loader, net, criterion


def distinct_pairs(pool, n_pairs: int):
    """``n_pairs`` ordered pairs of distinct elements of ``pool``, each uniform, in O(n_pairs).

    Equal in distribution to ``n_pairs`` independent calls of
    ``np.random.choice(pool, 2, replace=False)`` (drawn from NumPy's global
    generator, as DeepOD does), without permuting ``pool`` for every pair.

    Parameters
    ----------
    pool : ndarray of shape (n,)
        The elements to pair; ``n >= 2`` when ``n_pairs > 0``.
    n_pairs : int
        Number of pairs.

    Returns
    -------
    first, second : ndarray of shape (n_pairs,)
        ``first[k] != second[k]`` as positions in ``pool``.
    """
    pool = np.asarray(pool)
    n = len(pool)
    if n_pairs > 0 and n < 2:
        # DeepOD's np.random.choice(pool, 2, replace=False) fails here too
        raise ValueError(f"Cannot take a larger sample than population when 'replace=False' "
                         f"(a pair of distinct rows from a pool of {n})")
    i = np.random.randint(0, n, size=n_pairs)
    j = np.random.randint(0, n - 1, size=n_pairs) if n_pairs > 0 else np.zeros(0, dtype=int)
    j = j + (j >= i)  # uniform over the n - 1 positions other than i
    return pool[i], pool[j]


class _FastPairPReNetLoader(PReNetLoader):
    """DeepOD's PReNet pair loader with O(1) pair draws (same pair distribution)."""

    def batch_generation(self):
        b = self.batch_size
        kind = np.arange(b) % 4
        x1_id = np.empty(b, dtype=int)
        x2_id = np.empty(b, dtype=int)
        uu, ua, aa = kind <= 1, kind == 2, kind == 3
        x1_id[uu], x2_id[uu] = distinct_pairs(self.unlabeled_id, int(uu.sum()))
        x1_id[ua] = np.random.choice(self.unlabeled_id, int(ua.sum()))
        x2_id[ua] = np.random.choice(self.known_anom_id, int(ua.sum()))
        x1_id[aa], x2_id[aa] = distinct_pairs(self.known_anom_id, int(aa.sum()))
        y = np.select([uu, ua, aa], [0, 4, 8]).astype(int)
        return self.X[x1_id], self.X[x2_id], y


class PReNetFastPairs(_DeepODPReNet):
    """DeepOD's PReNet with an O(1)-per-pair sampler (same parameters, same pair distribution)."""

    def training_prepare(self, X, y):
        train_loader, net, criterion = super().training_prepare(X, y)
        train_loader.__class__ = _FastPairPReNetLoader
        return train_loader, net, criterion
