"""Screen (issue #4): labelled anomalies whose feature vector many unlabelled rows share.

3,329 of mammography's 11,183 rows are one feature vector (3,322 normals, 7 anomalies).
When one of those anomalies is labelled, the network must score that vector, and so about
a third of the unlabelled rows, like an anomaly. A test on training labels only finds such
labels: if every copy of a labelled vector were an anomaly, labelled at the rate of the
anomalies (at least ``n_labelled / n_train``, the rate if every training row were one), the
copies would carry ``Binomial(copies, n_labelled / n_train)`` labels; a lower tail under
``alpha`` says the vector is labelled less often than a random training row, so most of its
copies are normals. The candidate rule unlabels those labelled rows (``y = 0``) before the fit.

Phase 1 scans every stored split (the leaderboard stores of ``screen_by_label_count.SETS``,
the DevNet protocol at 2% contamination, and the robustness store's label-contamination
and unlabelled-contamination sweeps). Phase 2 fits DASAD on each split where the test
fires, with the labels as given (checked against the stored row) and with those labels
dropped, at the split's own random state, and pairs the two.

Usage::

    PYOD_DASAD_DATA=../shared/datasets python benchmarks/screen_shared_vector_labels.py \\
        --out benchmarks/results/screen_shared_vector_labels
"""
import argparse
import os
import shlex
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import screen_by_label_count as base  # noqa: E402

ALPHA = 0.05
SWEEPS = ("label_contamination", "contamination")
AS_GIVEN, DROPPED = "labels as given", "rarely labelled vectors unlabelled"


def rarely_labelled_vectors(X, y, alpha=ALPHA):
    """Labelled rows whose feature vector is labelled less often than a random training row.

    Parameters
    ----------
    X : ndarray (n, d)
    y : ndarray (n,)
        1 = labelled anomaly, 0 = unlabelled.
    alpha : float
        Level of the one-sided binomial test, per labelled vector.

    Returns
    -------
    drop : ndarray of bool (n,)
        The labelled rows of the vectors the test rejects.
    groups : list of dict
        Per labelled vector with unlabelled copies: ``labelled``, ``unlabelled`` and ``p``
        (the binomial lower tail), smallest ``p`` first.
    """
    from scipy.stats import binom

    X, y = np.asarray(X), np.asarray(y)
    _, inverse, counts = np.unique(X, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    labelled_per_vector = np.bincount(inverse, weights=(y == 1), minlength=counts.size).astype(int)
    rate = np.count_nonzero(y == 1) / y.size
    drop = np.zeros(y.size, dtype=bool)
    groups = []
    for g in np.unique(inverse[y == 1]):
        copies, labelled = int(counts[g]), int(labelled_per_vector[g])
        if copies == labelled:
            continue
        p = float(binom.cdf(labelled, copies, rate))
        groups.append({"labelled": labelled, "unlabelled": copies - labelled, "p": p})
        if p < alpha:
            drop |= (inverse == g) & (y == 1)
    groups.sort(key=lambda g: g["p"])
    return drop, groups


def robustness_splits(stores_dir):
    """The robustness store's DASAD splits of the two contamination sweeps, but those the paper
    store holds too."""
    return [dict(split) for split in base.robustness_rows(SWEEPS, stores_dir=stores_dir)
            if not ((split["noise_type"] == "label_contamination" and split["noise_ratio"] == 0.0)
                    or (split["noise_type"] == "contamination"
                        and split["noise_ratio"] == base.DEVNET_CONTAMINATION))]  # ADBench la = 10%; DevNet 2%


#: The leaderboard's split, with the robustness sweeps' noise.
make_split = base.make_split


def scan_task(args):
    """The test on one split's training rows (the true labels of the vectors it rejects
    are read for the report)."""
    split, alpha, data_dir = args
    sp = make_split(split, data_dir)
    drop, groups = rarely_labelled_vectors(sp.X_train, sp.y_train, alpha)
    first = groups[0] if groups else None
    return dict(split, dropped=int(drop.sum()), min_p=first and first["p"],
                copies_labelled=first and first["labelled"], copies_unlabelled=first and first["unlabelled"])


def fit_task(args):
    """One fit of a split where the test fires: labels as given, or those labels dropped."""
    import torch
    from sklearn.metrics import average_precision_score, roc_auc_score

    from pyod_dasad import DASAD

    torch.set_num_threads(1)
    split, dropped, alpha, data_dir = args
    sp = make_split(split, data_dir)
    y = np.asarray(sp.y_train).copy()
    if dropped:
        y[rarely_labelled_vectors(sp.X_train, y, alpha)[0]] = 0
    scores = DASAD(random_state=split["seed"]).fit(sp.X_train, y).decision_function(sp.X_test)
    return dict(split, variant=DROPPED if dropped else AS_GIVEN,
                auc_pr=float(average_precision_score(sp.y_test, scores)),
                auc_roc=float(roc_auc_score(sp.y_test, scores)))


def report(scan, fits, alpha, command):
    from scipy.stats import wilcoxon

    lines = ["# Labelled anomalies whose feature vector many unlabelled rows share", "",
             "Command: `%s`" % command, "",
             "%d stored splits scanned; the test (binomial lower tail < %g) fires on %d:" % (
                 len(scan), alpha, sum(1 for r in scan if r["dropped"])), ""]
    given = {base.split_key(r): r for r in fits if r["variant"] == AS_GIVEN}
    scanned = {base.split_key(r): r for r in scan}
    lines += ["| set | dataset | protocol | budget | seed | noise | labels dropped | copies (labelled / unlabelled) "
              "| p | AUC-PR as given (stored) | AUC-PR dropped | change | AUC-ROC change |",
              "|---|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    changes = {}
    for r in fits:
        if r["variant"] != DROPPED:
            continue
        g = given.get(base.split_key(r))
        if g is None:
            continue
        s = scanned[base.split_key(r)]
        noise = "%s %g" % (r["noise_type"], r["noise_ratio"]) if r.get("noise_type") else "-"
        d = r["auc_pr"] - g["auc_pr"]
        changes.setdefault(r["protocol"] if r["set"] != base.ROBUSTNESS else r["noise_type"], []).append(
            (d, r["auc_roc"] - g["auc_roc"]))
        lines.append("| %s | %s | %s | %s | %d | %s | %d | %d / %d | %.2g | %.3f (%.3f) | %.3f | %+.3f | %+.3f |" % (
            r["set"], r["dataset"], r["protocol"], r["budget"], r["seed"], noise, s["dropped"], s["copies_labelled"],
            s["copies_unlabelled"], s["min_p"], g["auc_pr"], g["ref_auc_pr"], r["auc_pr"], d,
            r["auc_roc"] - g["auc_roc"]))
    lines += ["", "| group | splits | AUC-PR change | ahead / behind | p | AUC-ROC change |",
              "|---|---:|---:|---:|---:|---:|"]
    for k in sorted(changes):
        d = np.array([c[0] for c in changes[k]])
        p = wilcoxon(d).pvalue if len(d) > 1 and np.any(d) else float("nan")
        lines.append("| %s | %d | %+.4f | %d / %d | %.2g | %+.4f |" % (
            k, len(d), d.mean(), (d > 0).sum(), (d < 0).sum(), p, np.mean([c[1] for c in changes[k]])))
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--alpha", type=float, default=ALPHA)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--stores-dir", default=base.STORES)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--out", required=True, help="path without suffix: OUT_scan.jsonl, OUT.jsonl and OUT.md")
    args = ap.parse_args(argv)
    splits = base.splits(1, args.stores_dir) + robustness_splits(args.stores_dir)
    have = {base.split_key(r) for r in base._read(args.out + "_scan.jsonl")}
    todo = [(s, args.alpha, args.data_dir) for s in splits if base.split_key(s) not in have]
    print("%d splits, %d to scan" % (len(splits), len(todo)), flush=True)
    base.run_fits(scan_task, todo, args.jobs, args.out + "_scan.jsonl")
    wanted = {base.split_key(s) for s in splits}
    scan = [r for r in base._read(args.out + "_scan.jsonl") if base.split_key(r) in wanted]
    firing = [{k: v for k, v in r.items() if k not in ("dropped", "min_p", "copies_labelled", "copies_unlabelled")}
              for r in scan if r["dropped"]]
    done = {(r["variant"],) + base.split_key(r) for r in base._read(args.out + ".jsonl")}
    jobs = [(s, dropped, args.alpha, args.data_dir) for s in firing for dropped in (False, True)
            if (DROPPED if dropped else AS_GIVEN,) + base.split_key(s) not in done]
    print("%d splits where the test fires, %d fits to do" % (len(firing), len(jobs)), flush=True)
    base.run_fits(fit_task, jobs, args.jobs, args.out + ".jsonl")
    fits = [r for r in base._read(args.out + ".jsonl") if base.split_key(r) in wanted]
    command = "python benchmarks/screen_shared_vector_labels.py " + " ".join(
        shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    base.write_report(report(scan, fits, args.alpha, command), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
