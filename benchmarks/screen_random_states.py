"""Screen (issue #4): how much of a split's AUC-PR is DASAD's random state, and what would
averaging several networks buy?

The leaderboards fit DASAD once per split, with ``random_state`` = the split's seed, and the
defaults were chosen on those fits. This refits every stored split of one set, protocol and
budget with ``random_state`` = seed + 1000 k for k = 0 .. ``--members`` - 1 (k = 0 is the
stored fit, checked against the store) and records each network's test AUC-PR and AUC-ROC,
and those of the ensembles of the first 3 and of all networks: the mean of each network's
test scores standardised by its own training scores (``decision_scores_``' mean and standard
deviation, training data only). Rows are appended to ``OUT.jsonl`` as they finish (a run that
dies resumes); the summary is printed and written to ``OUT.md``.

Usage::

    PYOD_DASAD_DATA=../shared/datasets python benchmarks/screen_random_states.py \\
        --set paper --protocol adbench --budget 0.1 --out benchmarks/results/screen_random_states_paper_la10
"""
import argparse
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for path in (ROOT, os.path.dirname(os.path.abspath(__file__))):
    if path not in sys.path:
        sys.path.insert(0, path)

from screen_by_label_count import add_one_set_arguments, make_split, screen_one_set  # noqa: E402

OFFSET = 1000
ENSEMBLES = (3,)


def fit_task(args):
    """Every member's and ensemble's test metrics on one split."""
    import torch
    from sklearn.metrics import average_precision_score, roc_auc_score

    from pyod_dasad import DASAD

    torch.set_num_threads(1)  # one thread per fit, as the leaderboard runs
    split, members, data_dir = args
    sp = make_split(split, data_dir)
    row = {k: split[k] for k in ("set", "dataset", "protocol", "budget", "seed", "n_labelled", "ref_auc_pr")}
    standardised = []
    for k in range(members):
        clf = DASAD(random_state=split["seed"] + OFFSET * k).fit(sp.X_train, sp.y_train)
        scores = clf.decision_function(sp.X_test)
        train = clf.decision_scores_
        standardised.append((scores - train.mean()) / (train.std() + 1e-12))
        row["member%d_auc_pr" % k] = float(average_precision_score(sp.y_test, scores))
        row["member%d_auc_roc" % k] = float(roc_auc_score(sp.y_test, scores))
    for size in tuple(e for e in ENSEMBLES if e < members) + (members,):
        mean = np.mean(standardised[:size], axis=0)
        row["ens%d_auc_pr" % size] = float(average_precision_score(sp.y_test, mean))
        row["ens%d_auc_roc" % size] = float(roc_auc_score(sp.y_test, mean))
    return row


def summary(rows, members):
    """Markdown: per data set the stored network, the members' mean and spread, the
    ensembles; then paired changes against the stored network."""
    from scipy.stats import wilcoxon

    sizes = [e for e in ENSEMBLES if e < members] + [members]
    rows = sorted(rows, key=lambda r: (r["dataset"], r["seed"]))
    pr = lambda r, k: r["member%d_auc_pr" % k]  # noqa: E731
    lines = ["| dataset | splits | stored (k = 0) | mean of %d networks | spread (mean over splits of max - min) | %s |"
             % (members, " | ".join("ensemble of %d" % s for s in sizes)),
             "|---|---:|---:|---:|---:|" + "---:|" * len(sizes)]
    for name in sorted({r["dataset"] for r in rows}) + ["mean"]:
        rs = rows if name == "mean" else [r for r in rows if r["dataset"] == name]
        per = np.array([[pr(r, k) for k in range(members)] for r in rs])
        lines.append("| %s | %d | %.3f | %.3f | %.3f | %s |" % (
            name if name != "mean" else "**mean**", len(rs), per[:, 0].mean(), per.mean(),
            (per.max(1) - per.min(1)).mean(),
            " | ".join("%.3f" % np.mean([r["ens%d_auc_pr" % s] for r in rs]) for s in sizes)))
    base = np.array([pr(r, 0) for r in rows])
    others = np.array([np.mean([pr(r, k) for k in range(1, members)]) for r in rows])
    lines += ["", "Paired over the %d splits, AUC-PR (AUC-ROC) change against the stored network:" % len(rows), "",
              "| against k = 0 | AUC-PR | AUC-ROC | splits ahead | p (Wilcoxon) |", "|---|---:|---:|---:|---:|"]

    def line(label, values, roc_values):
        d = values - base
        p = wilcoxon(d).pvalue if np.any(d != 0) else float("nan")
        roc = roc_values - np.array([r["member0_auc_roc"] for r in rows])
        lines.append("| %s | %+.4f | %+.4f | %d of %d | %.3f |" % (label, d.mean(), roc.mean(), (d > 0).sum(),
                                                                   len(d), p))

    line("mean of networks k = 1 .. %d" % (members - 1), others,
         np.array([np.mean([r["member%d_auc_roc" % k] for k in range(1, members)]) for r in rows]))
    for s in sizes:
        line("ensemble of %d" % s, np.array([r["ens%d_auc_pr" % s] for r in rows]),
             np.array([r["ens%d_auc_roc" % s] for r in rows]))
    mismatch = [r for r in rows if r["member0_auc_pr"] != r["ref_auc_pr"]]
    lines += ["", "Stored fits reproduced to the last bit: %d of %d." % (len(rows) - len(mismatch), len(rows))]
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=5)
    add_one_set_arguments(ap)
    args = ap.parse_args(argv)
    return screen_one_set(args, fit_task, (args.members, args.data_dir), lambda rows: summary(rows, args.members))


if __name__ == "__main__":
    sys.exit(main())
