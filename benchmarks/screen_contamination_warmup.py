"""Screen (issue #4): the warm-up weight under the robustness store's unlabelled-set
contamination sweep (DevNet/FEAWAD protocol, 0 / 2 / 5 / 8% contamination, 30 labels).

Every split of the sweep is fitted twice, with ``warmup_weight=0.1`` and ``0.5``, and the
classifier's bound that ``warmup_weight='auto'`` reads (``pyod_dasad.warmup``) is recorded
with the true hidden share, so that a threshold on the bound can be read off the table.
Fits are appended to ``OUT.jsonl`` as they finish (a run that dies resumes); the summary is
printed and written to ``OUT.md``.

Usage::

    PYOD_DASAD_DATA=../shared/datasets python benchmarks/screen_contamination_warmup.py \\
        --out benchmarks/results/screen_contamination_warmup
"""
import argparse
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for path in (ROOT, os.path.dirname(os.path.abspath(__file__))):
    if path not in sys.path:
        sys.path.insert(0, path)

from screen_by_label_count import _read, run_fits, write_report  # noqa: E402

DATASETS = ("cardio", "satellite", "mammography", "spambase")
LEVELS = (0.0, 0.02, 0.05, 0.08)
SEEDS = (0, 1, 2)
WEIGHTS = (0.1, 0.5)


def fit_task(args):
    """One split at one contamination level, both weights: the bound and the two AUC-PRs."""
    import torch
    from sklearn.metrics import average_precision_score

    from adbench_runs.datasets import load_dataset
    from adbench_runs.protocols import default_n_labelled, devnet_split
    from pyod_dasad import DASAD
    from pyod_dasad._validation import check_features
    from pyod_dasad.warmup import classifier_share_bound

    torch.set_num_threads(1)  # one thread per fit, as the leaderboard runs
    name, seed, level, data_dir = args
    ds = load_dataset(name, data_dir)
    sp = devnet_split(ds.X, ds.y, seed, n_labelled=default_n_labelled(name), contamination=level)
    X = check_features(DASAD(), sp.X_train, reset=True)
    y = np.asarray(sp.y_train)
    row = {"dataset": name, "seed": seed, "contamination": level,
           "truth": float(np.asarray(sp.y_train_true)[y == 0].mean()),
           "bound": classifier_share_bound(X, y, seed)}
    for weight in WEIGHTS:
        clf = DASAD(random_state=seed, warmup_weight=weight).fit(sp.X_train, sp.y_train)
        row["auc_pr_%g" % weight] = float(average_precision_score(sp.y_test, clf.decision_function(sp.X_test)))
    return row


def summary(rows, thresholds=(0.1, 0.2, 0.3)):
    """Markdown: per level the mean AUC-PR with each weight and with the rule at each threshold,
    and per split the bound and both fits."""
    lines = ["| contamination | splits | true share | bound (min-max) | weight 0.1 | weight 0.5 | "
             + " | ".join("rule at %g (fires)" % t for t in thresholds) + " |",
             "|---:|---:|---:|---:|---:|---:|" + "---:|" * len(thresholds)]
    for level in sorted({r["contamination"] for r in rows}):
        rs = [r for r in rows if r["contamination"] == level]
        b = np.array([r["bound"] for r in rs])
        cells = []
        for t in thresholds:
            fire = b < t
            rule = np.where(fire, [r["auc_pr_0.5"] for r in rs], [r["auc_pr_0.1"] for r in rs])
            cells.append("%.3f (%d)" % (rule.mean(), fire.sum()))
        lines.append("| %g | %d | %.3f | %.3f-%.3f | %.3f | %.3f | %s |" % (
            level, len(rs), np.mean([r["truth"] for r in rs]), b.min(), b.max(),
            np.mean([r["auc_pr_0.1"] for r in rs]), np.mean([r["auc_pr_0.5"] for r in rs]), " | ".join(cells)))
    lines += ["", "| dataset | seed | contamination | bound | weight 0.1 | weight 0.5 |",
              "|---|---:|---:|---:|---:|---:|"]
    for r in sorted(rows, key=lambda r: (r["contamination"], r["dataset"], r["seed"])):
        lines.append("| %s | %d | %g | %.3f | %.3f | %.3f |" % (r["dataset"], r["seed"], r["contamination"],
                                                              r["bound"], r["auc_pr_0.1"], r["auc_pr_0.5"]))
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+", default=list(DATASETS))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--out", required=True, help="path without suffix: OUT.jsonl (every split) and OUT.md")
    args = ap.parse_args(argv)
    done = {(r["dataset"], r["seed"], r["contamination"]) for r in _read(args.out + ".jsonl")}
    todo = [(d, s, c, args.data_dir) for c in LEVELS for d in args.datasets for s in SEEDS if (d, s, c) not in done]
    print("%d splits to fit" % len(todo), flush=True)
    run_fits(fit_task, todo, args.jobs, args.out + ".jsonl")
    write_report(summary(_read(args.out + ".jsonl")), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
