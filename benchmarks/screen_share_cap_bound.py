"""Screen (issue #4): cap the warm-up share estimate at the warm-up classifier's bound.

With at least 20 labelled anomalies DASAD computes two estimates of the share of anomalies
hidden among the unlabelled rows: before training, an out-of-fold classifier's
mixture-proportion bound (``warmup_weight='auto'``, ``DASAD.warmup_share_bound_``), which
chooses the warm-up weight; after the warm-up, the count of unlabelled rows that the warm-up
network scores like the labelled anomalies (``hidden_anomaly_share_``), which sets the
credible-normal share ``clip(1 - share, 0.5, 0.8)``. The count comes from the network that
drifts during the warm-up; the bound does not. On mammography's DevNet-protocol run 1 at 8%
unlabelled contamination (true share 0.08), five random states gave bounds 0.19-0.24 and
counts 0.19-0.94: three counts of 0.63-0.94 left 50% credible normals and fitted 0.23-0.34
AUC-PR, against 0.59-0.62 for the other two.

The candidate caps the count at the bound (``auto_ratios(..., upper_bound=bound)``), training
labels only. It changes a fit only where the count (not overridden by the mixture-proportion
rule) exceeds the bound and is above 0.2, so the screen

1. *bounds*: for every stored split with 20+ labels whose warm-up share (from
   ``screen_saturation_threshold_scan.jsonl``, random states seed + 0, 1000, 2000) is at
   least 0.2, computes the classifier's bound for that random state; for the robustness
   sweep's DevNet-protocol splits (0-8% unlabelled contamination, not in the scan) it trains
   the warm-up and records both;
2. *fits*: every (split, random state) whose credible-normal share the cap changes, with the
   cap and, where the store has no row for that random state, with the defaults.

Usage::

    PYOD_DASAD_DATA=../shared/datasets python benchmarks/screen_share_cap_bound.py \\
        --out benchmarks/results/screen_share_cap_bound
"""
import argparse
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for path in (ROOT, os.path.dirname(os.path.abspath(__file__))):
    if path not in sys.path:
        sys.path.insert(0, path)

from screen_by_label_count import _read, make_split, run_fits, write_report  # noqa: E402

OFFSETS = (0, 1000, 2000)
SCAN = os.path.join(ROOT, "benchmarks", "results", "screen_saturation_threshold_scan.jsonl")
ROBUSTNESS = {"datasets": ("cardio", "satellite", "mammography", "spambase"), "seeds": (0, 1, 2),
              "contamination": (0.0, 0.02, 0.05, 0.08)}
MIN_LABELS, MIN_SHARE = 20, 0.2


class _Stop(Exception):
    """Raised at the first refresh: the probe needs no more of the fit."""


def _split(pair, data_dir):
    if pair["set"] == "robustness":
        from trace_fit import make_split as devnet_split

        return devnet_split(pair["dataset"], "devnet", pair["seed"], contamination=pair["contamination"],
                            data_dir=data_dir)
    return make_split(pair, data_dir)


def normal_ratio(share, bound=None):
    """The credible-normal share ``auto_ratios`` gives a count-based ``share`` (not overridden
    by the mixture-proportion rule), capped at ``bound`` when one is given."""
    from pyod_dasad.pseudo_labels import AUTO_NORMAL_MAX, AUTO_NORMAL_MIN, FALLBACK_NORMAL_RATIO, labels_stand_out

    if bound is not None:
        share = min(share, bound)
    return float(np.clip(1.0 - share, AUTO_NORMAL_MIN, AUTO_NORMAL_MAX)) if labels_stand_out(share) \
        else FALLBACK_NORMAL_RATIO


def _patched(capped, record=None, stop=False):
    """Context: the trainer's warm-up weight and share estimate, recorded into ``record``,
    the estimate capped at the warm-up bound when ``capped``, the fit stopped at the first
    refresh when ``stop``."""
    import contextlib

    import pyod_dasad.trainer as trainer

    record = {} if record is None else record

    @contextlib.contextmanager
    def ctx():
        weight, ratios = trainer.resolve_warmup_weight, trainer.auto_ratios

        def resolve(*a, **k):
            record["weight"], record["bound"] = weight(*a, **k)
            return record["weight"], record["bound"]

        def estimate(scores, labelled_scores, margin=5.0, **kwargs):
            record["default"] = ratios(scores, labelled_scores, margin, **kwargs)
            record["capped"] = ratios(scores, labelled_scores, margin, upper_bound=record.get("bound"), **kwargs)
            if stop:
                raise _Stop()
            return record["capped" if capped else "default"]

        trainer.resolve_warmup_weight, trainer.auto_ratios = resolve, estimate
        try:
            yield record
        finally:
            trainer.resolve_warmup_weight, trainer.auto_ratios = weight, ratios

    return ctx()


def bound_task(args):
    """Per random state of one split: the classifier's bound (and, for the robustness splits,
    the warm-up's share estimates with and without the cap)."""
    import torch

    from pyod_dasad import DASAD
    from pyod_dasad.warmup import classifier_share_bound

    torch.set_num_threads(1)
    pair_rows, data_dir = args
    sp = _split(pair_rows[0], data_dir)
    out = []
    for row in pair_rows:
        seed = row["seed"] + row["offset"]
        if row["set"] != "robustness":
            # the trainer gets X as the split gives it (float64 here; DASAD keeps float32 too)
            out.append(dict(row, bound=classifier_share_bound(sp.X_train, sp.y_train, seed)))
            continue
        with _patched(False, stop=True) as rec:
            try:
                DASAD(random_state=seed).fit(sp.X_train, sp.y_train)
            except _Stop:
                pass
        out.append(dict(row, bound=rec.get("bound"), share=rec["default"][2], normal_ratio=rec["default"][1],
                        capped_normal_ratio=rec["capped"][1], n_labelled=int(sp.y_train.sum()),
                        truth=float(sp.y_train_true[sp.y_train == 0].mean())))
    return out


def fit_task(args):
    """The capped fit of one (split, random state), and the default one where not stored."""
    import torch
    from sklearn.metrics import average_precision_score, roc_auc_score

    from pyod_dasad import DASAD

    torch.set_num_threads(1)
    pair, data_dir = args
    sp = _split(pair, data_dir)
    row = dict(pair, truth=float(np.asarray(sp.y_train_true)[np.asarray(sp.y_train) == 0].mean()))
    variants = {"capped": True}
    if pair["offset"] == 0 and pair.get("ref_auc_pr") is not None:  # the stored row is this fit
        row["default_auc_pr"], row["default_auc_roc"] = pair["ref_auc_pr"], pair["ref_auc_roc"]
    else:
        variants["default"] = False
    for name, capped in variants.items():
        with _patched(capped) as rec:
            clf = DASAD(random_state=pair["seed"] + pair["offset"]).fit(sp.X_train, sp.y_train)
        scores = clf.decision_function(sp.X_test)
        row[name + "_auc_pr"] = float(average_precision_score(sp.y_test, scores))
        row[name + "_auc_roc"] = float(roc_auc_score(sp.y_test, scores))
        row[name + "_normal_ratio"] = clf.pseudo_label_history_[0]["normal_ratio"] if clf.pseudo_label_history_ \
            else None
        row[name + "_bound"] = rec.get("bound")
    return row


def _key(r):
    return (r["set"], r["dataset"], r["protocol"], str(r["budget"]), r["seed"], r.get("contamination"), r["offset"])


def probe_rows(scan_path=SCAN):
    """The (split, random state) rows whose bound the screen needs, grouped by split."""
    groups = {}
    for line in _read(scan_path):
        for r in line:
            if r["share"] is not None and r["n_labelled"] >= MIN_LABELS and r["share"] >= MIN_SHARE:
                groups.setdefault(_key(r)[:-1], []).append(r)
    for dataset in ROBUSTNESS["datasets"]:
        for seed in ROBUSTNESS["seeds"]:
            for c in ROBUSTNESS["contamination"]:
                base = {"set": "robustness", "dataset": dataset, "protocol": "devnet", "budget": "30",
                        "seed": seed, "contamination": c, "ref_auc_pr": None, "ref_auc_roc": None}
                groups[_key(dict(base, offset=0))[:-1]] = [dict(base, offset=o) for o in OFFSETS]
    return list(groups.values())


def changed(rows):
    """The probed rows whose credible-normal share the cap changes, with both shares."""
    out = []
    for r in rows:
        if r["set"] == "robustness":
            if r["bound"] is None or r["capped_normal_ratio"] == r["normal_ratio"]:
                continue
            new = r["capped_normal_ratio"]
        else:
            if r["bound"] is None:
                continue
            new = normal_ratio(r["share"], r["bound"])
            if new == r["normal_ratio"]:
                continue
        out.append(dict(r, new_normal_ratio=new))
    return out


def unique(rows, score="default_auc_pr"):
    """One row per distinct (split, random state): a data set stored under two set names has
    the same split and the same stored fit (``score``: the default fit's AUC-PR)."""
    seen, out = set(), []
    for r in sorted(rows, key=lambda r: r["set"]):
        value = r.get(score)
        key = (r["dataset"].split("_")[-1].lower(), r["protocol"], str(r["budget"]), r["seed"], r.get("contamination"),
               r["offset"], None if value is None else round(value, 12))
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def summary(probed, fits):
    """Markdown: how many pairs the cap moves, and their paired change by group."""
    from scipy.stats import wilcoxon

    fits = unique(fits)
    for r in fits:
        r["d_pr"] = r["capped_auc_pr"] - r["default_auc_pr"]
        r["d_roc"] = r["capped_auc_roc"] - r["default_auc_roc"]

    def cell(rs):
        if not rs:
            return "- | - | - | - | -"
        d = np.array([r["d_pr"] for r in rs])
        p = wilcoxon(d).pvalue if np.any(d != 0) and len(d) > 1 else float("nan")
        return "%d | %+.4f | %+.4f | %d / %d | %.3f" % (
            len(rs), d.mean(), np.mean([r["d_roc"] for r in rs]), int((d > 0).sum()), int((d < 0).sum()), p)

    lines = ["Probed (split, random state) pairs with 20+ labels and a warm-up share of at least 0.2 "
             "(robustness: every pair): %d; the cap changes the credible-normal share of %d (fitted)." % (
                 len(probed), len(fits)), "",
             "Paired change of AUC-PR (AUC-ROC) where the cap changes the share, each distinct split once:", "",
             "| group | pairs | AUC-PR change | AUC-ROC change | ahead / behind | p (Wilcoxon) |",
             "|---|---:|---:|---:|---:|---:|"]
    # the robustness sweep's 2% splits are the stored DevNet-protocol ones: counted once in "all"
    def development(r):
        return not r["set"].startswith("mvtec") and r["set"] != "robustness"

    groups = [("all", lambda r: not (r["set"] == "robustness" and r.get("contamination") == 0.02)),
              ("development sets (no mvtec, no robustness)", development),
              ("mvtec (held out)", lambda r: r["set"].startswith("mvtec"))]
    for c in ROBUSTNESS["contamination"]:
        groups.append(("robustness, %g%% unlabelled contamination" % (100 * c),
                       lambda r, c=c: r["set"] == "robustness" and r.get("contamination") == c))
    for protocol in ("adbench", "devnet"):
        groups.append(("stored splits, %s protocol" % protocol,
                       lambda r, p=protocol: r["set"] != "robustness" and r["protocol"] == p))
    groups += [("count at its cap of 1 (80% credible normals by default)", lambda r: r["share"] >= 1.0),
               ("count below the cap", lambda r: r["share"] < 1.0),
               ("count below the cap, development sets", lambda r: r["share"] < 1.0 and development(r)),
               ("count below the cap, mvtec", lambda r: r["share"] < 1.0 and r["set"].startswith("mvtec"))]
    for name, keep in groups:
        lines.append("| %s | %s |" % (name, cell([r for r in fits if keep(r)])))
    lines += ["", "Per data set:", "",
              "| set | dataset | pairs | mean bound | mean warm-up share | true hidden share | credible normals "
              "(default -> capped) | AUC-PR change | AUC-ROC change |", "|---|---|---:|---:|---:|---:|---|---:|---:|"]
    for key in sorted({(r["set"], r["dataset"]) for r in fits}):
        rs = [r for r in fits if (r["set"], r["dataset"]) == key]
        lines.append("| %s | %s | %d | %.3f | %.3f | %.3f | %.2f -> %.2f | %+.3f | %+.3f |" % (
            key[0], key[1], len(rs), np.mean([r["bound"] for r in rs]), np.mean([r["share"] for r in rs]),
            np.mean([r["truth"] for r in rs]), np.mean([r["normal_ratio"] for r in rs]),
            np.mean([r["new_normal_ratio"] for r in rs]), np.mean([r["d_pr"] for r in rs]),
            np.mean([r["d_roc"] for r in rs])))
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--out", required=True, help="path without suffix: OUT_bounds.jsonl, OUT.jsonl and OUT.md")
    args = ap.parse_args(argv)
    bounds_path, fit_path = args.out + "_bounds.jsonl", args.out + ".jsonl"
    done = {_key(r) for line in _read(bounds_path) for r in line}
    todo = [(g, args.data_dir) for g in probe_rows() if _key(g[0]) not in done]
    print("%d splits to probe" % len(todo), flush=True)
    run_fits(bound_task, todo, args.jobs, bounds_path)
    probed = [r for line in _read(bounds_path) for r in line]
    fitted = {_key(r) for r in _read(fit_path)}
    pairs = [(r, args.data_dir) for r in unique(changed(probed), score="ref_auc_pr") if _key(r) not in fitted]
    print("%d pairs to fit" % len(pairs), flush=True)
    run_fits(fit_task, pairs, args.jobs, fit_path)
    write_report(summary(probed, _read(fit_path)), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
