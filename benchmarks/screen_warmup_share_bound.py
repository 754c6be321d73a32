"""Screen (issue #4): choose the warm-up weight from a classifier's bound of the hidden
share (``warmup_weight='auto'``, ``pyod_dasad.warmup``), on every stored split with at least
20 labelled anomalies.

For each split it computes, from the training rows and labels only, the mixture-proportion
bound of the hidden-anomaly share under an out-of-fold labelled-against-unlabelled
classifier: the package's own ``classifier_share_bound`` (gradient boosting, 30 iterations)
and, for comparison, the same with 100 iterations on up to 4,096 unlabelled rows. The true
hidden share is read for the report only. Each split is then scored with the rule that
takes the warm-up weight 0.5 below a threshold and 0.1 above it: the AUC-PR of a fit with
weight 0.5 is read from a ``screen_by_label_count.py`` run (``--weights``, the twentieth
session's ``screen_warmup_weight_20_labels.jsonl``) and that of weight 0.1 from the stored
default rows. Both are full default fits of the same split, and the bound draws no random
number from the fit, so the rule's fit is one of the two, bit for bit; the refitted
leaderboard rows (``docs/decisions.md``) check this.

Usage::

    PYOD_DASAD_DATA=../shared/datasets python benchmarks/screen_warmup_share_bound.py \\
        --out benchmarks/results/screen_warmup_share_bound
"""
import argparse
import json
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for path in (ROOT, os.path.dirname(os.path.abspath(__file__))):
    if path not in sys.path:
        sys.path.insert(0, path)

from screen_by_label_count import _read, make_split, splits, write_report  # noqa: E402

WEIGHTS = os.path.join(ROOT, "benchmarks", "results", "screen_warmup_weight_20_labels.jsonl")
THRESHOLDS = (0.05, 0.08, 0.1, 0.15, 0.2)


def training_split(split, data_dir=None):
    """The split's training rows (as DASAD validates them), labels and true hidden share."""
    from pyod_dasad import DASAD
    from pyod_dasad._validation import check_features

    sp = make_split(split, data_dir)
    X = check_features(DASAD(), sp.X_train, reset=True)
    y = np.asarray(sp.y_train)
    return X, y, float(np.asarray(sp.y_train_true)[y == 0].mean())


def bounds(split, data_dir=None):
    """The package's bound (with its seconds) and the one from 100 iterations on up to 4,096
    unlabelled rows, on one split."""
    from pyod_dasad.warmup import classifier_share_bound

    X, y, truth = training_split(split, data_dir)
    t0 = time.perf_counter()
    bound = classifier_share_bound(X, y, split["seed"])
    seconds = time.perf_counter() - t0
    return dict(split, truth=truth, bound=bound, bound_seconds=round(seconds, 3),
                bound_100=classifier_share_bound(X, y, split["seed"], max_iter=100, max_unlabelled=4096))


def key(row):
    return row["set"], row["dataset"], row["protocol"], str(row["budget"]), int(row["seed"])


def compose(rows, weights, threshold, field="bound"):
    """Per (set, protocol, budget): the mean AUC-PR change of the rule over the stored rows,
    the splits where it fires, and the changes (for a paired test)."""
    out = {}
    for r in rows:
        w = weights.get(key(r))
        if w is None:
            continue
        fires = r[field] is not None and r[field] < threshold
        change = (w["auc_pr"] - w["ref_auc_pr"]) if fires else 0.0
        g = out.setdefault((r["set"], r["protocol"], str(r["budget"])), {"changes": [], "fired": 0})
        g["changes"].append(change)
        g["fired"] += int(fires)
    return out


def report(rows, weights):
    from scipy.stats import wilcoxon

    lines = ["Bound (gradient boosting, 30 iterations, <= 2,048 unlabelled rows) against the true hidden share:",
             "", "| set | protocol | budget | splits | true share | bound (min-max) | bound, 100 iterations "
             "| seconds (mean / max) |", "|---|---|---|---:|---:|---:|---:|---:|"]
    groups = {}
    for r in rows:
        groups.setdefault((r["set"], r["protocol"], str(r["budget"])), []).append(r)
    for g in sorted(groups):
        rs = groups[g]
        b = np.array([r["bound"] for r in rs], dtype=float)
        lines.append("| %s | %s | %s | %d | %.3f | %.3f (%.3f-%.3f) | %.3f | %.2f / %.2f |" % (
            *g, len(rs), np.mean([r["truth"] for r in rs]), np.nanmean(b), np.nanmin(b), np.nanmax(b),
            np.mean([r["bound_100"] for r in rs]), np.mean([r["bound_seconds"] for r in rs]),
            max(r["bound_seconds"] for r in rs)))
    lines += ["", "The rule (weight 0.5 where the bound is under the threshold, else 0.1), paired with the "
              "stored default rows: mean AUC-PR change (splits where it fires):", "",
              "| threshold | " + " | ".join("%s %s %s" % g for g in sorted(groups)) + " |",
              "|---:|" + "---:|" * len(groups)]
    for t in THRESHOLDS:
        c = compose(rows, weights, t)
        cells = []
        for g in sorted(groups):
            d = np.array(c[g]["changes"]) if g in c else np.array([])
            p = wilcoxon(d).pvalue if np.count_nonzero(d) > 1 else float("nan")
            cells.append("%+.4f (%d; p = %.2g)" % (d.mean(), c[g]["fired"], p) if d.size else "-")
        lines.append("| %.2f | %s |" % (t, " | ".join(cells)))
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min-labels", type=int, default=20)
    ap.add_argument("--weights", default=WEIGHTS, help="screen_by_label_count.py JSON lines with the weight-0.5 fits")
    ap.add_argument("--variant", default="warmup_weight=0.5", help="the variant name in --weights")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--out", required=True, help="path without suffix: OUT.jsonl (every split) and OUT.md")
    args = ap.parse_args(argv)
    done = {key(r) for r in _read(args.out + ".jsonl")}
    todo = [s for s in splits(args.min_labels) if key(s) not in done]
    print("%d splits to bound" % len(todo), flush=True)
    with open(args.out + ".jsonl", "a") as fh:
        for s in todo:
            fh.write(json.dumps(bounds(s, args.data_dir)) + "\n")
            fh.flush()
    weights = {key(r): r for r in _read(args.weights) if r["variant"] == args.variant}
    write_report(report(_read(args.out + ".jsonl"), weights), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
