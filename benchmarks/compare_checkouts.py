"""Before/after timing of two checkouts of pyod_dasad on the same machine and data: run it
once per checkout, with that checkout first on the path, and compare the JSON lines.

Usage::

    git worktree add /tmp/before <old-commit>
    PYTHONPATH=/tmp/before python benchmarks/compare_checkouts.py --data-dir ../shared/datasets
    PYTHONPATH=.           python benchmarks/compare_checkouts.py --data-dir ../shared/datasets

Times are the best of two fits (cardio and shuttle, ADBench split seed 1, la=0.1, one
torch thread) with the contrastive loss on and off, and the scoring rate of
``decision_function`` on 500,000 x 30 Gaussian rows (a timing workload, not a dataset).
"""
import argparse
import json
import time

import numpy as np
import torch


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=None)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    import pyod_dasad
    from pyod_dasad import DASAD

    from adbench_runs.datasets import load_dataset
    from adbench_runs.protocols import adbench_split

    out = {"code": pyod_dasad.__file__}
    for name in ["cardio", "shuttle"]:
        ds = load_dataset(name, args.data_dir)
        sp = adbench_split(ds.X, ds.y, seed=1, la=0.1)
        for contrastive in ("asymmetric", "off"):
            best = float("inf")
            for _ in range(2):
                t0 = time.perf_counter()
                DASAD(random_state=1, contrastive=contrastive).fit(sp.X_train, sp.y_train)
                best = min(best, time.perf_counter() - t0)
            out["fit %s contrastive=%s (s)" % (name, contrastive)] = round(best, 2)
    rng = np.random.default_rng(1)
    X = rng.standard_normal((20000, 30)).astype(np.float32)
    y = np.zeros(20000, int)
    y[:50] = 1
    clf = DASAD(epochs=3, random_state=0).fit(X, y)
    Xt = rng.standard_normal((500000, 30)).astype(np.float32)
    clf.decision_function(Xt[:10000])
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        clf.decision_function(Xt)
        best = min(best, time.perf_counter() - t0)
    out["decision_function rows/s, d=30"] = round(500000 / best)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
