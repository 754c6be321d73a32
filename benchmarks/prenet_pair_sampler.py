"""Benchmark (issue #3): the cost of DeepOD PReNet's pair sampler, DeepOD's and ours.

DeepOD 0.4.1's ``PReNetLoader`` draws every unlabelled-unlabelled and
anomaly-anomaly pair with ``np.random.choice(pool, 2, replace=False)``, which
shuffles the whole pool (NumPy's legacy generator permutes all ``n`` indices to
return two) and runs ``n / batch_size`` steps an epoch, so a fit spends time
quadratic in the training rows drawing pairs. ``adbench_runs.deepod_compat``'s
``_FastPairPReNetLoader`` draws the same pairs in distribution in O(1) each.

For each dataset this prints and writes, on the DevNet/FEAWAD protocol's training
split (seed 0), the milliseconds per 64-pair batch of both samplers, the steps of a
100-epoch fit, and the sampling time per fit they imply (batches x steps; the
network's own time is not counted).

With ``--compare-db DB`` it also prints how DeepOD-PReNet and DeepOD-PReNet-fastpairs
agree in a results store, paired on (dataset, seed) under the DevNet protocol: mean
AUC-PR, AUC-ROC and fit seconds per dataset, the mean paired difference and the Wilcoxon
signed-rank p-value (scipy) over all pairs.

Usage::

    PYOD_DASAD_DATA=../shared/datasets python benchmarks/prenet_pair_sampler.py \\
        --datasets cardio shuttle nslkdd fraud --out benchmarks/results/prenet_pair_sampler.json \\
        --compare-db adbench_runs/results/paper_adbench/results.db
"""
import argparse
import json
import logging
import os
import platform
import shlex
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from adbench_runs.datasets import load_dataset  # noqa: E402
from adbench_runs.deepod_compat import _FastPairPReNetLoader  # noqa: E402
from adbench_runs.protocols import default_n_labelled, devnet_split  # noqa: E402
from adbench_runs.provenance import cpu_model  # noqa: E402
from speed import timed  # noqa: E402

logger = logging.getLogger("prenet_pair_sampler")


def time_batches(loader, n_batches: int, repeats: int = 3) -> float:
    """Best-of-``repeats`` milliseconds per ``loader.batch_generation()`` call."""
    best, _ = timed(lambda: [loader.batch_generation() for _ in range(n_batches)], repeats)
    return best / n_batches * 1e3


def measure(X, y, *, batch_size: int = 64, epochs: int = 100, n_batches: int = 50) -> dict:
    """Both samplers on one training set (``y``: 1 = labelled anomaly)."""
    from deepod.models.tabular.prenet import PReNetLoader

    row = {"n_train": int(len(X)), "n_labelled": int(np.sum(y == 1))}
    for key, cls in (("deepod", PReNetLoader), ("fastpairs", _FastPairPReNetLoader)):
        loader = PReNetLoader(X, y, batch_size=batch_size)
        loader.__class__ = cls
        np.random.seed(0)
        ms = time_batches(loader, n_batches)
        row[f"{key}_ms_per_batch"] = ms
        row["steps_per_fit"] = int(loader.steps_per_epoch * epochs)
        row[f"{key}_sampling_s_per_fit"] = ms * 1e-3 * row["steps_per_fit"]
    row["speedup"] = row["deepod_ms_per_batch"] / row["fastpairs_ms_per_batch"]
    return row


def paired_agreement(results, a: str = "DeepOD-PReNet", b: str = "DeepOD-PReNet-fastpairs",
                     metrics=("auc_pr", "auc_roc", "fit_seconds")) -> dict:
    """Detectors ``a`` and ``b`` paired on (dataset, seed): per-dataset means and the overall test.

    Parameters
    ----------
    results : pandas.DataFrame
        Rows of a results store with columns ``dataset``, ``seed``, ``detector``,
        ``status`` and ``metrics``; only ``status == 'ok'`` rows of pairs where both ran count.
    a, b : str
        The two detectors (``b - a`` is the difference reported).
    metrics : sequence of str

    Returns
    -------
    dict
        ``{"n_pairs", "datasets": {name: {metric: [mean a, mean b]}}, "overall": {metric:
        {"mean_a", "mean_b", "mean_diff", "wilcoxon_p"}}}``.
    """
    from scipy.stats import wilcoxon

    ok = results[(results["status"] == "ok") & results["detector"].isin([a, b])]
    wide = ok.pivot_table(index=["dataset", "seed"], columns="detector", values=list(metrics)).dropna()
    out = {"a": a, "b": b, "n_pairs": int(len(wide)), "datasets": {}, "overall": {}}
    if wide.empty:
        return out
    for name, block in wide.groupby(level="dataset"):
        out["datasets"][name] = {m: [float(block[m][a].mean()), float(block[m][b].mean())] for m in metrics}
    for m in metrics:
        diff = wide[m][b] - wide[m][a]
        p = float(wilcoxon(diff).pvalue) if (diff != 0).any() else 1.0
        out["overall"][m] = {"mean_a": float(wide[m][a].mean()), "mean_b": float(wide[m][b].mean()),
                             "mean_diff": float(diff.mean()), "wilcoxon_p": p}
    return out


def read_store(db: str, protocol: str = "devnet"):
    """The rows of one protocol of a results store (read-only)."""
    import sqlite3

    import pandas as pd

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return pd.read_sql("SELECT dataset, seed, detector, status, auc_pr, auc_roc, fit_seconds "
                           "FROM results WHERE protocol = ?", con, params=(protocol,))
    finally:
        con.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=["cardio", "shuttle", "nslkdd", "fraud"])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--batches", type=int, default=50, help="timed batches per sampler (best of 3)")
    parser.add_argument("--compare-db", default=None,
                        help="results store: pair DeepOD-PReNet with DeepOD-PReNet-fastpairs (DevNet protocol)")
    parser.add_argument("--out", default=None, help="JSON file to write")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    rows = []
    for name in args.datasets:
        ds = load_dataset(name, args.data_dir)
        split = devnet_split(ds.X, ds.y, 0, n_labelled=default_n_labelled(name))
        row = {"dataset": name, **measure(split.X_train, split.y_train, n_batches=args.batches)}
        rows.append(row)
        logger.info("%-12s n=%7d  DeepOD %8.3f ms/batch (%8.0f s/fit)  ours %6.3f ms/batch (%5.1f s/fit)  x%.0f",
                    name, row["n_train"], row["deepod_ms_per_batch"], row["deepod_sampling_s_per_fit"],
                    row["fastpairs_ms_per_batch"], row["fastpairs_sampling_s_per_fit"], row["speedup"])
    result = {"command": "python benchmarks/prenet_pair_sampler.py " + shlex.join(argv or sys.argv[1:]),
              "machine": {"platform": platform.platform(), "cpu": cpu_model(), "cores": os.cpu_count(),
                          "python": platform.python_version(), "numpy": np.__version__},
              "rows": rows}
    if args.compare_db:
        agreement = paired_agreement(read_store(args.compare_db))
        result["agreement"] = agreement
        logger.info("%s vs %s, %d (dataset, seed) pairs, DevNet protocol:", agreement["a"], agreement["b"],
                    agreement["n_pairs"])
        for name, cells in agreement["datasets"].items():
            logger.info("  %-12s AUC-PR %.3f / %.3f  AUC-ROC %.3f / %.3f  fit %7.1f / %6.1f s", name,
                        *cells["auc_pr"], *cells["auc_roc"], *cells["fit_seconds"])
        for m, o in agreement["overall"].items():
            logger.info("  all: %-11s %.4f / %.4f  paired difference %+.4f  Wilcoxon p = %.3g", m,
                        o["mean_a"], o["mean_b"], o["mean_diff"], o["wilcoxon_p"])
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(result, fh, indent=2)
            fh.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
