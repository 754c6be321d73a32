"""Screen (issue #4): unlabel the labelled rows that an out-of-fold classifier scores like
unlabelled ones, as many as a confidence bound says are mislabelled.

ADBench's label-contamination setting flips the labels of a share of the training rows, so
that normals are labelled as anomalies: at 5% flipped, 30-36 of mammography's 50 labels are
normals, and DASAD's AUC-PR there is 0.19-0.32. Refitted with only the true anomalies
labelled (the training truth, an oracle no detector has) the robustness store's four data
sets go from 0.679 to 0.821 at 5% flipped labels.

The candidate rule uses training labels only. The warm-up weight's classifier of labelled
against unlabelled rows (``pyod_dasad.warmup.out_of_fold_scores``) scores each labelled row
out of fold. If the labelled set is a mixture, ``(1 - kappa) F_anomaly + kappa F_normal``,
with normals labelled at random, then at a threshold ``t`` low enough that few anomalies
score under it, ``kappa <= P_labelled(s <= t) / P_unlabelled(s <= t)`` (the
mixture-proportion bound read the other way round; Scott, Blanchard and Handy, COLT 2013,
use it to undo label noise). ``kappa`` is the smallest ratio at the unlabelled scores'
quantiles 0.5-0.9, each labelled share first lowered by Hoeffding's ``sqrt(log(1 / delta) /
(2 m))`` for its ``m`` labels (``delta = 0.1``), so that it acts only where the labels say
so with confidence. The ``floor(kappa * m)`` labelled rows with the lowest scores are
unlabelled (``y = 0``) before the fit. With fewer than 5 labels there is no classifier and
nothing changes.

Phase 1 scores every stored split (``screen_by_label_count.splits`` and the robustness
store's two contamination sweeps, as ``screen_shared_vector_labels`` reads them) and
records how many labels the rule drops and, for the report only, how many of those and of
all labels are normals in truth. Phase 2 fits DASAD with the cleaned labels on every split
where it drops one, at the split's own random state, paired with the stored default row
(``--check N`` first refits the defaults on N of those splits and stops if one differs).
``--oracle`` also fits the label-contamination sweep with the labels that are normals in
truth dropped: not a rule (no detector knows the truth), the bound of what cleaning could buy.

Usage::

    PYOD_DASAD_DATA=../shared/datasets python benchmarks/screen_label_cleaning.py --check 2 \\
        --oracle --out benchmarks/results/screen_label_cleaning
"""
import argparse
import os
import shlex
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import screen_by_label_count as base  # noqa: E402
import screen_shared_vector_labels as shared  # noqa: E402

DELTA = 0.1
QUANTILES = (0.5, 0.6, 0.7, 0.8, 0.9)
VARIANT = "labels an out-of-fold classifier reads as unlabelled rows dropped"
#: The diagnostic bound of ``--oracle``: only the labels that are anomalies in truth kept.
ORACLE = "only the truly anomalous labels kept (oracle)"


def mislabelled(X, y, seed, delta=DELTA, quantiles=QUANTILES):
    """The labelled rows the rule unlabels, and its estimate of the mislabelled share.

    Parameters
    ----------
    X : ndarray (n, d)
    y : ndarray (n,)
        1 = labelled anomaly, 0 = unlabelled.
    seed : int
        Seeds the classifier's samples and folds (as the warm-up weight's does).
    delta : float in (0, 1)
        One minus the confidence of the bound.
    quantiles : tuple of float
        Quantiles of the unlabelled rows' scores at which the ratio is taken.

    Returns
    -------
    drop : ndarray of bool (n,)
    kappa : float in [0, 1], or None without a classifier (fewer than 5 labels)
    """
    from pyod_dasad.warmup import out_of_fold_scores

    y = np.asarray(y)
    drop = np.zeros(y.size, dtype=bool)
    scored = out_of_fold_scores(X, y, seed)
    if scored is None:
        return drop, None
    rows, labelled, proba = scored
    p_lab, p_unl = proba[labelled], proba[~labelled]
    slack = float(np.sqrt(np.log(1.0 / delta) / (2.0 * p_lab.size)))
    ratios = []
    for q in quantiles:
        t = np.quantile(p_unl, q)
        ratios.append(max(np.mean(p_lab <= t) - slack, 0.0) / np.mean(p_unl <= t))
    kappa = float(min(1.0, min(ratios)))
    n_drop = int(np.floor(kappa * p_lab.size))
    drop[rows[labelled][np.argsort(p_lab, kind="stable")[:n_drop]]] = True
    return drop, kappa


def scan_task(args):
    """The rule on one split's training rows (the truth is read for the report only)."""
    split, data_dir = args
    sp = base.make_split(split, data_dir)
    drop, kappa = mislabelled(sp.X_train, sp.y_train, split["seed"])
    wrong = (sp.y_train == 1) & (sp.y_train_true == 0)
    return dict(split, kappa=kappa, dropped=int(drop.sum()), dropped_wrong=int((drop & wrong).sum()),
                wrong=int(wrong.sum()))


def fit_task(args):
    """DASAD on one split with the rule's labels dropped, or (``oracle``) with the labels that
    are normals in truth dropped."""
    import torch
    from sklearn.metrics import average_precision_score, roc_auc_score

    from pyod_dasad import DASAD

    torch.set_num_threads(1)  # one thread per fit, as the leaderboard runs
    split, oracle, data_dir = args
    sp = base.make_split(split, data_dir)
    y = np.asarray(sp.y_train).copy()
    if oracle:
        y[sp.y_train_true == 0] = 0
    else:
        y[mislabelled(sp.X_train, y, split["seed"])[0]] = 0
    scores = DASAD(random_state=split["seed"]).fit(sp.X_train, y).decision_function(sp.X_test)
    return dict(split, variant=ORACLE if oracle else VARIANT, auc_pr=float(average_precision_score(sp.y_test, scores)),
                auc_roc=float(roc_auc_score(sp.y_test, scores)))


def group(split):
    """The report's group of a split: its set and budget, or its robustness sweep and level."""
    if split.get("noise_type"):
        return "robustness, %s %g" % (split["noise_type"], split["noise_ratio"])
    return "%s, %s %s" % (split["set"], split["protocol"], split["budget"])


def report(scan, fits, command):
    """Markdown: what the rule drops per group (with the truth), then the paired fits."""
    from scipy.stats import wilcoxon

    lines = ["# Labels an out-of-fold classifier reads as unlabelled rows, dropped", "",
             "Command: `%s`" % command, "",
             "Phase 1, every stored split with 5 or more labels (the truth of the dropped labels is read for "
             "this table only):", "",
             "| group | splits | fires on | labels | normals among them (truth) | dropped | normals among the "
             "dropped |", "|---|---:|---:|---:|---:|---:|---:|"]
    by_group = {}
    for r in scan:
        if r["kappa"] is not None:
            by_group.setdefault(group(r), []).append(r)
    for g in sorted(by_group):
        rs = by_group[g]
        lines.append("| %s | %d | %d | %d | %d | %d | %d |" % (
            g, len(rs), sum(r["dropped"] > 0 for r in rs), sum(r["n_labelled"] for r in rs),
            sum(r["wrong"] for r in rs), sum(r["dropped"] for r in rs), sum(r["dropped_wrong"] for r in rs)))
    lines += ["", "Phase 2, DASAD fitted with those labels dropped where the rule fires, paired with the "
              "stored default fit:", "",
              "| group | splits | stored AUC-PR | cleaned | change | ahead / behind | p | AUC-ROC change |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    fitted = {}
    for r in fits:
        fitted.setdefault((group(r), r["variant"]) if r["variant"] == ORACLE else group(r), []).append(r)
    for g in sorted(fitted, key=str):
        rs = fitted[g]
        g = g if isinstance(g, str) else "%s, %s" % g
        d = np.array([r["auc_pr"] - r["ref_auc_pr"] for r in rs])
        p = wilcoxon(d).pvalue if len(d) > 1 and np.any(d) else float("nan")
        lines.append("| %s | %d | %.3f | %.3f | %+.4f | %d / %d | %.2g | %+.4f |" % (
            g, len(rs), np.mean([r["ref_auc_pr"] for r in rs]), np.mean([r["auc_pr"] for r in rs]), d.mean(),
            (d > 0).sum(), (d < 0).sum(), p, np.mean([r["auc_roc"] - r["ref_auc_roc"] for r in rs])))
    lines += ["", "| group | dataset | seed | labels (normals in truth) | dropped (normals) | stored | cleaned |",
              "|---|---|---:|---:|---:|---:|---:|"]
    scanned = {base.split_key(r): r for r in scan}
    for r in sorted((r for r in fits if r["variant"] == VARIANT), key=lambda r: (group(r), r["dataset"], r["seed"])):
        s = scanned[base.split_key(r)]
        lines.append("| %s | %s | %d | %d (%d) | %d (%d) | %.3f | %.3f |" % (
            group(r), r["dataset"], r["seed"], r["n_labelled"], s["wrong"], s["dropped"], s["dropped_wrong"],
            r["ref_auc_pr"], r["auc_pr"]))
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--oracle", action="store_true",
                    help="also fit the label-contamination sweep with only the truly anomalous labels kept")
    ap.add_argument("--stores-dir", default=base.STORES)
    base.add_run_arguments(ap, "OUT_scan.jsonl, OUT.jsonl and OUT.md",
                           "first refit the defaults on N splits where the rule fires and stop if one differs")
    args = ap.parse_args(argv)
    splits = base.splits(1, args.stores_dir) + shared.robustness_splits(args.stores_dir)
    have = {base.split_key(r) for r in base._read(args.out + "_scan.jsonl")}
    todo = [(s, args.data_dir) for s in splits if base.split_key(s) not in have]
    print("%d splits, %d to scan" % (len(splits), len(todo)), flush=True)
    base.run_fits(scan_task, todo, args.jobs, args.out + "_scan.jsonl")
    wanted = {base.split_key(s) for s in splits}
    scan = [r for r in base._read(args.out + "_scan.jsonl") if base.split_key(r) in wanted]
    firing = [{k: v for k, v in r.items() if k not in ("kappa", "dropped", "dropped_wrong", "wrong")}
              for r in scan if r["dropped"]]
    base.check_defaults(firing[:args.check], args.data_dir)
    done = {(r["variant"],) + base.split_key(r) for r in base._read(args.out + ".jsonl")}
    jobs = [(s, False, args.data_dir) for s in firing if (VARIANT,) + base.split_key(s) not in done]
    if args.oracle:
        jobs += [(s, True, args.data_dir) for s in splits if s.get("noise_type") == "label_contamination"
                 and (ORACLE,) + base.split_key(s) not in done]
    print("%d splits where the rule fires, %d fits to do" % (len(firing), len(jobs)), flush=True)
    base.run_fits(fit_task, jobs, args.jobs, args.out + ".jsonl")
    fits = [r for r in base._read(args.out + ".jsonl") if base.split_key(r) in wanted]
    command = "python benchmarks/screen_label_cleaning.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    base.write_report(report(scan, fits, command), args.out)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
