"""Tests of our DeepOD shims (adbench_runs.deepod_compat): the PReNet pair sampler."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

pytest.importorskip("deepod")
from scipy.stats import chisquare  # noqa: E402

from adbench_runs.deepod_compat import (  # noqa: E402
    PReNetFastPairs,
    _FastPairPReNetLoader,
    distinct_pairs,
)
from deepod.models.tabular.prenet import PReNetLoader  # noqa: E402


def _loader(cls, X, y, batch_size=64):
    loader = PReNetLoader(X, y, batch_size=batch_size)
    loader.__class__ = cls
    return loader


def test_distinct_pairs_uniform_over_ordered_pairs():
    np.random.seed(0)
    pool = np.array([3, 7, 11, 20])
    first, second = distinct_pairs(pool, 24_000)
    assert np.all(first != second)
    assert set(first) | set(second) <= set(pool)
    counts = {p: 0 for p in itertools.permutations(pool, 2)}
    for a, b in zip(first, second):
        counts[(a, b)] += 1
    # 12 ordered pairs, 2,000 expected each; a skew of a few percent would fail
    assert chisquare(list(counts.values())).pvalue > 1e-3


def test_distinct_pairs_matches_deepods_draws_in_distribution():
    """Pair frequencies of ours and of np.random.choice(pool, 2, replace=False) agree."""
    pool = np.arange(5)
    np.random.seed(1)
    ours = distinct_pairs(pool, 20_000)
    ours = np.bincount(ours[0] * 5 + ours[1], minlength=25)
    theirs = np.zeros(25, dtype=int)
    for _ in range(20_000):
        a, b = np.random.choice(pool, 2, replace=False)
        theirs[a * 5 + b] += 1
    keep = theirs > 0
    assert np.array_equal(keep, ours > 0)  # the same 20 off-diagonal cells
    table = np.vstack([ours[keep], theirs[keep]])
    from scipy.stats import chi2_contingency
    assert chi2_contingency(table).pvalue > 1e-3


def test_distinct_pairs_needs_two_rows_like_deepod():
    with pytest.raises(ValueError, match="larger sample than population"):
        distinct_pairs(np.array([4]), 3)
    with pytest.raises(ValueError, match="larger sample than population"):
        np.random.choice(np.array([4]), 2, replace=False)  # DeepOD's own failure
    first, second = distinct_pairs(np.array([4]), 0)
    assert first.size == second.size == 0


@pytest.mark.parametrize("batch_size", [64, 7])
def test_fast_loader_batches_have_deepods_layout(batch_size):
    rng = np.random.default_rng(0)
    X = rng.random((200, 3))
    y = np.zeros(200, dtype=int)
    y[[5, 50, 150]] = 1
    np.random.seed(0)
    fast = _loader(_FastPairPReNetLoader, X, y, batch_size).batch_generation()
    orig = _loader(PReNetLoader, X, y, batch_size).batch_generation()
    for a, b in zip(fast, orig):
        assert a.shape == b.shape and a.dtype.kind == b.dtype.kind
    x1, x2, target = fast
    assert np.array_equal(target, orig[2])  # 0, 0, 4, 8, 0, 0, 4, 8, ...
    row = {tuple(r): i for i, r in enumerate(X)}
    i1 = np.array([row[tuple(r)] for r in x1])
    i2 = np.array([row[tuple(r)] for r in x2])
    anomalous = y == 1
    assert not anomalous[i1[target == 0]].any() and not anomalous[i2[target == 0]].any()
    assert not anomalous[i1[target == 4]].any() and anomalous[i2[target == 4]].all()
    assert anomalous[i1[target == 8]].all() and anomalous[i2[target == 8]].all()
    assert np.all(i1[target != 4] != i2[target != 4])


def test_fast_loader_iterates_deepods_steps_per_epoch():
    X = np.random.default_rng(1).random((640, 2))
    y = np.zeros(640, dtype=int)
    y[:4] = 1
    loader = _loader(_FastPairPReNetLoader, X, y)
    batches = list(loader)
    assert len(batches) == loader.steps_per_epoch == 10


def test_prenet_fastpairs_fits_and_separates(cardio_small):
    X, y = cardio_small
    model = PReNetFastPairs(epochs=3, device="cpu", verbose=0, random_state=0).fit(X, y)
    scores = model.decision_function(X)
    assert scores.shape == (len(X),) and np.isfinite(scores).all()
    # the five labelled anomalies score above the median unlabelled row
    assert np.median(scores[y == 1]) > np.median(scores[y == 0])
