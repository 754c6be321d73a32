"""Scale check: fit DASAD on a 1,000,000 x 100 float32 matrix on CPU and report wall time
and peak RSS (the requirement: under 4 GiB).

The matrix is random test data generated here (Gaussian inliers, 0.5% shifted outliers,
1,000 of them labelled) - a memory/time workload, not a benchmark dataset. Not a CI test.

Usage::

    python benchmarks/scale_1m.py [--rows 1000000] [--features 100] [--epochs 30] [--out benchmarks/results/scale_1m.json]
"""
import argparse
import json
import logging
import platform
import resource
import sys
import time

import numpy as np
import torch


def peak_rss_gib():
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return kib / 1024 ** 2


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--features", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from pyod_dasad import DASAD
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    n, d = args.rows, args.features
    X = rng.standard_normal((n, d), dtype=np.float32)
    n_out = n // 200
    X[:n_out] += 2.0
    truth = np.zeros(n, dtype=np.int8)
    truth[:n_out] = 1
    y = np.zeros(n, dtype=np.int8)
    y[:1000] = 1
    rss_data = peak_rss_gib()
    t0 = time.perf_counter()
    clf = DASAD(epochs=args.epochs, random_state=0, device="cpu", verbose=1).fit(X, y)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    scores = clf.decision_function(X)
    predict_s = time.perf_counter() - t0
    result = {
        "rows": n, "features": d, "epochs": args.epochs,
        "fit_seconds": round(fit_s, 1), "decision_function_seconds": round(predict_s, 1),
        "peak_rss_gib": round(peak_rss_gib(), 3), "rss_after_data_gib": round(rss_data, 3),
        "data_gib": round(X.nbytes / 1024 ** 3, 3),
        "auc_roc_train": round(float(roc_auc_score(truth, scores)), 4),
        "torch": torch.__version__, "threads": torch.get_num_threads(),
        "machine": "%s, %s, %d logical CPUs" % (platform.platform(), platform.processor() or platform.machine(),
                                               __import__("os").cpu_count()),
        "python": sys.version.split()[0],
    }
    logging.info(json.dumps(result, indent=2))
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(result, fh, indent=2)
    return 0 if result["peak_rss_gib"] < 4.0 else 1


if __name__ == "__main__":
    sys.exit(main())
