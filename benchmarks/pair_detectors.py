"""Pair two detectors of one leaderboard store split by split, per setting.

For every setting (protocol, budget, noise) in which both detectors have an ``ok`` row on
the same split (dataset, seed), prints the mean AUC-PR and AUC-ROC of each, the paired mean
difference, how many splits the second is ahead on, and the Wilcoxon signed-rank p-value
(scipy; two-sided, zero differences dropped).

Usage::

    python benchmarks/pair_detectors.py adbench_runs/results/paper_adbench/results.db \\
        DASAD DASAD-Ensemble [--exclude-datasets fraud] [--out FILE.md]

``--exclude-datasets`` pairs on the other datasets only: how much of a difference one
dataset makes (on the paper datasets fraud's ADBench-protocol test sets hold four or five
anomalies, so one of them moves that split's AUC-ROC by about 0.2).
"""
import argparse
import sqlite3
import sys

import numpy as np
from scipy.stats import wilcoxon

SETTING = ("protocol", "budget", "noise_type", "noise_ratio")
SPLIT = ("dataset", "seed")


def load(path, detector, exclude_datasets=()):
    """``{(setting, split): (auc_pr, auc_roc)}`` of the detector's ``ok`` rows, without the
    datasets in ``exclude_datasets``."""
    con = sqlite3.connect(path)
    try:
        rows = con.execute(
            "SELECT %s, %s, auc_pr, auc_roc FROM results WHERE detector = ? AND status = 'ok'"
            % (", ".join(SETTING), ", ".join(SPLIT)), (detector,)).fetchall()
    finally:
        con.close()
    return {(tuple(r[:4]), tuple(r[4:6])): (r[6], r[7]) for r in rows if r[4] not in exclude_datasets}


def _p(diff):
    diff = diff[diff != 0]
    return float(wilcoxon(diff).pvalue) if diff.size else float("nan")


def _label(setting):
    protocol, budget, noise_type, noise_ratio = setting
    label = "%s, budget %s" % (protocol, budget)
    if noise_type not in (None, "", "none"):
        label += ", %s %s" % (noise_type, noise_ratio)
    return label


def pair(a, b):
    """One dict per setting shared by the two row sets (see the module docstring)."""
    settings = sorted({s for s, _ in a} & {s for s, _ in b}, key=lambda s: tuple(str(v) for v in s))
    out = []
    for setting in settings:
        keys = sorted(k for k in a if k[0] == setting and k in b)
        pr = np.array([[a[k][0], b[k][0]] for k in keys])
        roc = np.array([[a[k][1], b[k][1]] for k in keys])
        out.append({"setting": _label(setting), "splits": len(keys),
                    "datasets": len({k[1][0] for k in keys}),
                    "a_pr": pr[:, 0].mean(), "b_pr": pr[:, 1].mean(), "d_pr": (pr[:, 1] - pr[:, 0]).mean(),
                    "ahead": int((pr[:, 1] > pr[:, 0]).sum()), "p_pr": _p(pr[:, 1] - pr[:, 0]),
                    "a_roc": roc[:, 0].mean(), "b_roc": roc[:, 1].mean(),
                    "d_roc": (roc[:, 1] - roc[:, 0]).mean(), "p_roc": _p(roc[:, 1] - roc[:, 0])})
    return out


def markdown(rows, name_a, name_b, store, exclude_datasets=()):
    without = " Without %s." % ", ".join(exclude_datasets) if exclude_datasets else ""
    lines = ["%s against %s, paired split by split (`%s`): mean AUC-PR (AUC-ROC); p: Wilcoxon "
             "signed-rank, two-sided.%s" % (name_b, name_a, store, without), "",
             "| setting | datasets | splits | %s | %s | change | %s ahead | p | AUC-ROC change | p |"
             % (name_a, name_b, name_b),
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append("| %s | %d | %d | %.3f (%.3f) | %.3f (%.3f) | %+.4f | %d of %d | %.3g | %+.4f | %.3g |" % (
            r["setting"], r["datasets"], r["splits"], r["a_pr"], r["a_roc"], r["b_pr"], r["b_roc"], r["d_pr"],
            r["ahead"], r["splits"], r["p_pr"], r["d_roc"], r["p_roc"]))
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store")
    ap.add_argument("a", help="the reference detector")
    ap.add_argument("b", help="the detector compared with it")
    ap.add_argument("--exclude-datasets", nargs="+", default=[], metavar="DATASET",
                    help="pair on the other datasets only")
    ap.add_argument("--out", default=None, help="also write the table to this markdown file")
    args = ap.parse_args(argv)
    rows = pair(load(args.store, args.a, args.exclude_datasets), load(args.store, args.b, args.exclude_datasets))
    if not rows:
        print("no setting has ok rows of both %s and %s" % (args.a, args.b), file=sys.stderr)
        return 1
    text = markdown(rows, args.a, args.b, args.store, args.exclude_datasets)
    sys.stdout.write(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
