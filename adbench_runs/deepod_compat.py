"""Compatibility shims for DeepOD 0.4.1 under NumPy 2 (our code; site-packages untouched).

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
"""
from __future__ import annotations

import numpy as np
from deepod.models.tabular import REPEN as _DeepODREPEN
from deepod.models.tabular.repen import REPENLoader

__all__ = ["REPEN"]


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
