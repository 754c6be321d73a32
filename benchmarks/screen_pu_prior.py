"""Screen (issue #4, not a default): can a positive-unlabelled class-prior estimate tell
DASAD how many anomalies hide in the unlabelled set?

DASAD's credible-normal share comes from its own hidden-anomaly share estimate
(``pseudo_labels.auto_ratios``), which overshoots under the DevNet/FEAWAD protocol (2%
hidden anomalies, estimates of 0.4-0.9 on satellite and mammography), where the
pseudo-labels then leave out normals the scorer needs. Labelled anomalies are a random
sample of the anomalies in both protocols (the SCAR assumption of PU learning), so Elkan
and Noto's estimator applies: a probabilistic classifier ``g`` separates labelled rows from
unlabelled ones (out of fold), ``c = mean g`` over the labelled rows, and each unlabelled
row counts ``(1 - c) / c * g / (1 - g)`` hidden positives. This script compares that
estimate (scikit-learn's HistGradientBoostingClassifier and LogisticRegression, 5-fold) with
the truth on the paper's six DevNet-protocol datasets, under both protocols; training
labels only, no DASAD fit. Usage::

    PYOD_DASAD_DATA=../shared/datasets python benchmarks/screen_pu_prior.py \\
        --out benchmarks/results/screen_pu_prior.json
"""
import argparse
import json
import logging
import os
import sys
import warnings

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

DATASETS = ["arrhythmia", "spambase", "cardio", "mammography", "satellite", "shuttle"]
SETTINGS = {"DevNet protocol": None, "ADBench la = 10%": 0.1, "ADBench la = 1%": 0.01}


def elkan_noto_share(X, labelled, model, seed=0):
    """Estimated share of positives among the unlabelled rows (Elkan and Noto, 2008);
    NaN when there are fewer than two labelled rows (no out-of-fold estimate of ``c``)."""
    labelled = np.asarray(labelled, dtype=int)
    n_pos = int(labelled.sum())
    if n_pos < 2:
        return float("nan")
    cv = StratifiedKFold(min(5, n_pos), shuffle=True, random_state=seed)
    g = cross_val_predict(model, X, labelled, cv=cv, method="predict_proba")[:, 1]
    c = g[labelled == 1].mean()
    g_u = np.clip(g[labelled == 0], 0.0, 1.0 - 1e-9)
    hidden = np.clip((1.0 - c) / c * g_u / (1.0 - g_u), 0.0, 1.0)
    return float(hidden.mean())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+", default=DATASETS)
    ap.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    warnings.filterwarnings("ignore", category=UserWarning)
    from adbench_runs.datasets import load_dataset
    from adbench_runs.protocols import adbench_split, default_n_labelled, devnet_split

    models = {"hgb": lambda: HistGradientBoostingClassifier(max_iter=100, random_state=0),
              "lr": lambda: LogisticRegression(max_iter=1000)}
    rows = []
    for name in args.datasets:
        ds = load_dataset(name, args.data_dir)
        for setting, la in SETTINGS.items():
            for seed in args.seeds:
                if la is None:
                    split = devnet_split(ds.X, ds.y, seed=seed, n_labelled=default_n_labelled(name))
                else:
                    split = adbench_split(ds.X, ds.y, seed=seed, la=la)
                unlabelled = split.y_train == 0
                row = {"dataset": name, "setting": setting, "seed": seed, "n_labelled": int(split.y_train.sum()),
                       "truth": float(split.y_train_true[unlabelled].mean())}
                for key, make in models.items():
                    row[key] = elkan_noto_share(split.X_train, split.y_train, make())
                rows.append(row)
                logging.info("%-12s %-17s %d labelled %4d truth %.3f hgb %.3f lr %.3f", name, setting, seed,
                             row["n_labelled"], row["truth"], row["hgb"], row["lr"])
    table = _table(rows)
    print(table)
    if args.out:
        with open(args.out, "w") as fh:
            json.dump({"command": "python benchmarks/screen_pu_prior.py " + " ".join(sys.argv[1:]),
                       "table": table, "rows": rows}, fh, indent=1)
    return 0


def _table(rows):
    """Per dataset and setting: the truth and each estimate, mean over seeds."""
    lines = ["| dataset | setting | hidden share (truth) | Elkan-Noto, HGB | Elkan-Noto, LR |", "|---|---|---:|---:|---:|"]
    for name in dict.fromkeys(r["dataset"] for r in rows):
        for setting in dict.fromkeys(r["setting"] for r in rows):
            sub = [r for r in rows if r["dataset"] == name and r["setting"] == setting]
            if sub:
                lines.append("| %s | %s | %.3f | %.3f | %.3f |" % (
                    name, setting, np.mean([r["truth"] for r in sub]), np.nanmean([r["hgb"] for r in sub]),
                    np.nanmean([r["lr"] for r in sub])))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
