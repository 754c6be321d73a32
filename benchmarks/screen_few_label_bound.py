"""Screen (issue #4): the mixture-proportion rule below 20 labels, with a classifier's upper
confidence bound of the hidden share (``pseudo_labels.FEW_LABELS_RULE``).

With 20 or more labelled anomalies and a mixture-proportion bound under 5%, DASAD keeps
``clip(1 - 2 * bound, 0.5, 0.95)`` of the unlabelled rows as credible normals (the
nineteenth session's rule). Below 20 labels the count-based estimate rules, and where few
anomalies hide it overshoots: on mammography under ADBench's protocol (2% hidden) it reads
0.17-0.81, so the credible normals fall to 50-80% and the hard normals are left out. The
warm-up network's own bound is no help there (it has memorised its few labels, and the
eleventh session's ``mpe2x95`` lost where one or two labels made it 0). The candidate takes
the bound from the out-of-fold classifier that ``warmup_weight='auto'`` uses
(:func:`pyod_dasad.warmup.classifier_share_bound`), lowered for its few labels to an upper
confidence bound (Hoeffding, 90%; :func:`pyod_dasad.warmup.few_label_share_bound`), and
applies the same rule when it is under 5%, from 5 labels (the classifier's folds) to 19.

Every stored DASAD split with 5-19 labelled anomalies (the leaderboard stores of
``screen_by_label_count.SETS``; the DevNet protocol at its 2% contamination) gets the
bound (cheap); the splits where it is under 5% are fitted with the rule off (DASAD before
the twenty-seventh session) and on, and the two are paired. Elsewhere the rule changes
nothing, bit for bit (the bound draws from none of the fit's generators). The rule-off fit
is checked against the stored row where the store predates the rule (``--check-store``).

``--fresh-budgets 0.02 0.03 0.2`` takes instead the ADBench-protocol splits of every
``Classical`` dataset at label budgets that no store holds, where no choice was made.

Usage::

    PYOD_DASAD_DATA=../shared/datasets python benchmarks/screen_few_label_bound.py \\
        --out benchmarks/results/screen_few_label_bound
"""
import argparse
import os
import shlex
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import screen_by_label_count as base  # noqa: E402

VARIANT = "few-label rule (classifier's 90% bound < 5%, 5-19 labels)"
OFF = "rule off"


def _fires(bound_row):
    """Whether the rule fires on a split of ``OUT_bounds.jsonl``."""
    import pyod_dasad.pseudo_labels as pseudo_labels

    return bound_row["bound"] is not None and bound_row["bound"] < pseudo_labels.MPE_SMALL_SHARE


def bound_task(args):
    """The few-label bound of one split (the rule switched on for the call)."""
    import torch

    import pyod_dasad.pseudo_labels as pseudo_labels
    from pyod_dasad.warmup import few_label_share_bound

    torch.set_num_threads(1)
    split, data_dir = args
    sp = base.make_split(split, data_dir)
    saved, pseudo_labels.FEW_LABELS_RULE = pseudo_labels.FEW_LABELS_RULE, True
    try:
        bound = few_label_share_bound(sp.X_train, sp.y_train, split["seed"], 1)
    finally:
        pseudo_labels.FEW_LABELS_RULE = saved
    truth = float(sp.y_train_true[sp.y_train == 0].mean())
    return dict(split, n_labelled=int(sp.y_train.sum()), bound=bound, hidden_share_truth=truth)


def fit_task(args):
    """One fit of a firing split under random state ``seed + offset``: the rule on
    (``screen=True``) or off."""
    import torch

    import pyod_dasad.pseudo_labels as pseudo_labels

    torch.set_num_threads(1)
    split, screen, offset, data_dir = args
    saved, pseudo_labels.FEW_LABELS_RULE = pseudo_labels.FEW_LABELS_RULE, screen
    try:
        res = base.fit_split(split, {}, data_dir, random_state=split["seed"] + offset)
    finally:
        pseudo_labels.FEW_LABELS_RULE = saved
    return dict(split, variant=VARIANT if screen else OFF, offset=offset, **res)


def main(argv=None):
    import pyod_dasad.pseudo_labels as pseudo_labels

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--offsets", nargs="+", type=int, default=[0],
                    help="random states seed + OFFSET to fit (0: the stored state; the ensemble's "
                         "members are 1000, 2000, 3000, 4000)")
    ap.add_argument("--stores-dir", default=base.STORES,
                    help="the leaderboard stores to take the splits (and stored rows) from")
    ap.add_argument("--fresh-budgets", nargs="+", default=None, metavar="LA",
                    help="instead of the stored splits, ADBench-protocol splits at these label budgets "
                         "(seeds 1-3) of every ADBench Classical dataset: budgets no store holds, so no "
                         "choice was made on them")
    ap.add_argument("--check-store", action="store_true",
                    help="stop if a rule-off fit differs from its stored row (stores fitted before the rule)")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--out", required=True, help="path without suffix: OUT_bounds.jsonl, OUT.jsonl and OUT.md")
    args = ap.parse_args(argv)
    if args.fresh_budgets:
        from adbench_runs.datasets import list_datasets

        splits = [{"set": "Classical, la = %s (not stored)" % la, "dataset": name, "protocol": "adbench",
                   "budget": la, "seed": seed} for la in args.fresh_budgets
                  for name in list_datasets("adbench", args.data_dir) for seed in (1, 2, 3)]
    else:
        splits = [s for s in base.splits(pseudo_labels.FEW_LABELS_MIN, args.stores_dir)
                  if s["n_labelled"] < pseudo_labels.MPE_MIN_LABELS]
    bounds_path = args.out + "_bounds.jsonl"
    have = {base.split_key(r) for r in base._read(bounds_path)}
    todo = [(s, args.data_dir) for s in splits if base.split_key(s) not in have]
    print("%d splits, %d bounds to compute (none outside %d-%d labels)" % (
        len(splits), len(todo), pseudo_labels.FEW_LABELS_MIN, pseudo_labels.MPE_MIN_LABELS - 1), flush=True)
    base.run_fits(bound_task, todo, args.jobs, bounds_path)
    bounds = base._read(bounds_path)
    firing = [{k: v for k, v in b.items() if k not in ("bound", "hidden_share_truth")} for b in bounds if _fires(b)]
    key = lambda r: base.split_key(r) + (r["offset"],)  # noqa: E731
    done = {(r["variant"],) + key(r) for r in base._read(args.out + ".jsonl")}
    jobs = [(s, screen, offset, args.data_dir) for offset in args.offsets for s in firing for screen in (False, True)
            if (VARIANT if screen else OFF,) + key(dict(s, offset=offset)) not in done]
    print("%d splits where the rule fires, %d fits to do" % (len(firing), len(jobs)), flush=True)
    base.run_fits(fit_task, jobs, args.jobs, args.out + ".jsonl")
    rows = [r for r in base._read(args.out + ".jsonl") if r["offset"] in args.offsets]
    off = {key(r): r for r in rows if r["variant"] == OFF}
    if args.check_store:
        for r in off.values():
            if r["offset"] == 0 and r["auc_pr"] != r["ref_auc_pr"]:
                raise SystemExit("%s seed %d: the rule-off fit gives AUC-PR %r, the store %r" % (
                    r["dataset"], r["seed"], r["auc_pr"], r["ref_auc_pr"]))
    # paired with the rule-off fit of the same split and random state (the summary's "stored" columns)
    screened = [dict(r, ref_auc_pr=off[key(r)]["auc_pr"], ref_auc_roc=off[key(r)]["auc_roc"],
                     budget="%s, state seed + %d" % (r["budget"], r["offset"]))
                for r in rows if r["variant"] == VARIANT]
    text = ["The mixture-proportion rule below 20 labels (`pseudo_labels.FEW_LABELS_RULE`), paired with the "
            "rule-off fit of the same split (the table's \"stored AUC-PR\" column is that fit's).",
            "Command: python benchmarks/screen_few_label_bound.py %s" % shlex.join(sys.argv[1:] if argv is None else argv),
            "", "Where the classifier's bound is under 5%% (%d of %d %s splits with %d-%d labels; "
            "the hidden share's truth, from the training labels that the fit does not see, is shown "
            "for the diagnosis only):" % (len(firing), sum(b["bound"] is not None for b in bounds),
                                          "fresh" if args.fresh_budgets else "stored", pseudo_labels.FEW_LABELS_MIN,
                                          pseudo_labels.MPE_MIN_LABELS - 1),
            "", "| set | dataset | protocol | budget | seed | labels | bound (90%) | true hidden share |",
            "|---|---|---|---|---:|---:|---:|---:|"]
    for b in sorted(bounds, key=lambda b: (b["set"], b["dataset"], b["budget"], b["seed"])):
        if _fires(b):
            text.append("| %s | %s | %s | %s | %d | %d | %.4f | %.4f |" % (
                b["set"], b["dataset"], b["protocol"], b["budget"], b["seed"], b["n_labelled"], b["bound"],
                b["hidden_share_truth"]))
    text += ["", "Paired change (rule on minus rule off) per set, budget and random state "
             "(\"stored AUC-PR\" is the rule-off fit's):", "", base.summary(screened), ""]
    if len(args.offsets) > 1:
        from scipy.stats import wilcoxon

        distinct = {}
        for r in screened:  # the paper and Classical stores share mammography's splits: count each once
            distinct.setdefault((r["dataset"].split("_", 1)[-1], r["budget"], r["seed"]), r)
        d = np.array([r["auc_pr"] - r["ref_auc_pr"] for r in distinct.values()])
        roc = np.array([r["auc_roc"] - r["ref_auc_roc"] for r in distinct.values()])
        text.append("Over all random states, each distinct split once (%d fits): AUC-PR %+.4f (%d ahead, %d "
                    "behind, Wilcoxon p = %.2g), AUC-ROC %+.4f." % (
                        d.size, d.mean(), (d > 0).sum(), (d < 0).sum(),
                        wilcoxon(d[d != 0]).pvalue if np.count_nonzero(d) > 1 else float("nan"), roc.mean()))
    base.write_report("\n".join(text), args.out)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
