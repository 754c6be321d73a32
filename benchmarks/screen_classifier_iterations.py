"""Screen (issue #5): would a cheaper warm-up classifier change DASAD's decisions?

The out-of-fold classifier of :func:`pyod_dasad.warmup.classifier_share_bound`
(gradient boosting, ``BOUND_MAX_ITER`` = 30 iterations, 5 folds) runs once per fit with 5 or
more labelled anomalies: with 20 or more its bound sets the warm-up weight (0.5 under
``FEW_HIDDEN_BOUND``, else 0.1), with 5-19 its 90% upper confidence bound sets the
credible-normal share where it is under ``MPE_SMALL_SHARE`` (the few-label rule). It is a
fixed cost per fit: 0.1-2 s, most on high-dimensional data (arrhythmia, mvtec).

For every stored split with 5 or more labels (``screen_by_label_count.splits``) this
computes the bound at each of ``--iterations`` and its seconds (one thread), and lists the
splits where a cheaper classifier would take the other branch of the rule that uses it.
Where neither rule changes branch a fit's warm-up weight is unchanged; the few-label rule's
share also moves with the bound's value wherever it fires, so those splits are listed with
their bounds. Nothing is fitted: this reads training rows and labels only (the true hidden
share is read for the report).

Usage::

    PYOD_DASAD_DATA=../shared/datasets python benchmarks/screen_classifier_iterations.py \\
        --iterations 30 15 10 --out benchmarks/results/screen_classifier_iterations
"""
import argparse
import os
import shlex
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import screen_by_label_count as base  # noqa: E402


def decision(bound, n_labelled):
    """The branch the package takes on a bound: True where it acts (few anomalies hide),
    False where it does not, None without a bound."""
    from pyod_dasad import pseudo_labels, warmup

    if bound is None:
        return None
    if n_labelled < pseudo_labels.MPE_MIN_LABELS:
        return bound < pseudo_labels.MPE_SMALL_SHARE
    return bound < warmup.FEW_HIDDEN_BOUND


def bound_task(args):
    """The bound of one split at each iteration count, with its seconds."""
    import torch

    from pyod_dasad import DASAD, pseudo_labels
    from pyod_dasad._validation import check_features
    from pyod_dasad.warmup import classifier_share_bound

    torch.set_num_threads(1)
    split, iterations, data_dir = args
    sp = base.make_split(split, data_dir)
    X = check_features(DASAD(), sp.X_train, reset=True)
    y = np.asarray(sp.y_train)
    n_labelled = int(y.sum())
    delta = pseudo_labels.FEW_LABELS_DELTA if n_labelled < pseudo_labels.MPE_MIN_LABELS else None
    row = dict(split, n_labelled=n_labelled, hidden_share_truth=float(np.asarray(sp.y_train_true)[y == 0].mean()))
    for it in iterations:
        t0 = time.perf_counter()
        row["bound_%d" % it] = classifier_share_bound(X, y, split["seed"], max_iter=it, delta=delta)
        row["seconds_%d" % it] = round(time.perf_counter() - t0, 3)
    return row


def report(rows, iterations, command):
    """Markdown: mean bound and seconds per set and label range, then the branch changes."""
    from pyod_dasad import pseudo_labels

    ref = iterations[0]
    lines = ["# A cheaper warm-up classifier: bounds, seconds and decisions", "",
             "Command: `%s`" % command, "",
             "Bound of the hidden share (5-19 labels: the 90% upper confidence bound) and its seconds "
             "(one thread), mean over the stored splits:", "",
             "| set | protocol | labels | splits | true share | " + " | ".join(
                 "bound, %d it." % it for it in iterations) + " | " + " | ".join(
                 "seconds, %d it." % it for it in iterations) + " |",
             "|---|---|---|---:|---:|" + "---:|" * (2 * len(iterations))]
    groups = {}
    for r in rows:
        few = r["n_labelled"] < pseudo_labels.MPE_MIN_LABELS
        groups.setdefault((r["set"], r["protocol"], "5-19" if few else "20+"), []).append(r)
    for g in sorted(groups):
        rs = groups[g]
        bounds = ["%.3f" % np.mean([r["bound_%d" % it] for r in rs if r["bound_%d" % it] is not None])
                  for it in iterations]
        secs = ["%.2f" % np.mean([r["seconds_%d" % it] for r in rs]) for it in iterations]
        lines.append("| %s | %s | %s | %d | %.3f | %s | %s |" % (
            *g, len(rs), np.mean([r["hidden_share_truth"] for r in rs]), " | ".join(bounds), " | ".join(secs)))
    total = {it: sum(r["seconds_%d" % it] for r in rows) for it in iterations}
    lines += ["", "Total classifier seconds over the %d splits: %s." % (len(rows), ", ".join(
        "%.1f s at %d iterations" % (total[it], it) for it in iterations)), ""]
    for it in iterations[1:]:
        flips = [r for r in rows if decision(r["bound_%d" % ref], r["n_labelled"])
                 != decision(r["bound_%d" % it], r["n_labelled"])]
        lines += ["Splits where %d iterations take the other branch than %d (%d of %d; the rule: under %.2f with "
                  "5-19 labels, the few-label rule's credible normals; under 0.2 with 20+, the warm-up weight 0.5):"
                  % (it, ref, len(flips), len(rows), pseudo_labels.MPE_SMALL_SHARE), ""]
        if flips:
            lines += ["| set | dataset | protocol | budget | seed | labels | true share | bound, %d it. | bound, %d it. |"
                      % (ref, it), "|---|---|---|---|---:|---:|---:|---:|---:|"]
            lines += ["| %s | %s | %s | %s | %d | %d | %.3f | %.3f | %.3f |" % (
                *base.split_key(r)[:5], r["n_labelled"], r["hidden_share_truth"], r["bound_%d" % ref], r["bound_%d" % it])
                for r in flips]
        lines.append("")
    firing = [r for r in rows if r["n_labelled"] < pseudo_labels.MPE_MIN_LABELS
              and decision(r["bound_%d" % ref], r["n_labelled"])]
    lines += ["Where the few-label rule fires at %d iterations (its credible-normal share moves with the bound):"
              % ref, "", "| set | dataset | budget | seed | labels | true share | " + " | ".join(
                  "bound, %d it." % it for it in iterations) + " |", "|---|---|---|---:|---:|---:|" + "---:|" * len(
                  iterations)]
    lines += ["| %s | %s | %s | %d | %d | %.3f | %s |" % (
        r["set"], r["dataset"], r["budget"], r["seed"], r["n_labelled"], r["hidden_share_truth"],
        " | ".join("%.4f" % r["bound_%d" % it] for it in iterations)) for r in firing]
    return "\n".join(lines) + "\n"


def main(argv=None):
    from pyod_dasad import warmup

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", nargs="+", type=int, default=[warmup.BOUND_MAX_ITER, 15, 10],
                    help="boosting iterations to compare; the first is the reference (the package's)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--stores-dir", default=base.STORES)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--out", required=True, help="path without suffix: OUT.jsonl (every split) and OUT.md")
    args = ap.parse_args(argv)
    from pyod_dasad import pseudo_labels

    splits = base.splits(pseudo_labels.FEW_LABELS_MIN, args.stores_dir)
    have = {base.split_key(r) for r in base._read(args.out + ".jsonl")}
    todo = [(s, args.iterations, args.data_dir) for s in splits if base.split_key(s) not in have]
    print("%d splits with %d+ labels, %d to compute" % (len(splits), pseudo_labels.FEW_LABELS_MIN, len(todo)),
          flush=True)
    base.run_fits(bound_task, todo, args.jobs, args.out + ".jsonl")
    wanted = {base.split_key(s) for s in splits}
    rows = [r for r in base._read(args.out + ".jsonl") if base.split_key(r) in wanted]
    command = "python benchmarks/screen_classifier_iterations.py " + " ".join(
        shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    base.write_report(report(rows, args.iterations, command), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
