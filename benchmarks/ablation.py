"""DASAD ablation on the development datasets: each component switched off (or replaced) in
turn, ADBench protocol, same splits for every variant; prints a markdown table of mean
AUC-PR / AUC-ROC and writes it (and every per-fit number) to --out.

Usage::

    python benchmarks/ablation.py --datasets cardio satellite mammography --la 0.1 \
        --seeds 1 2 3 --out benchmarks/results/ablation_dev.md

A long ablation can be split (say by dataset) into runs side by side, each with its own
``--out``; ``--from-json a.json b.json`` then builds the one table from their rows without
fitting anything (give the same ``--protocol``/``--la``/noise flags for the header, and
``--datasets``/``--variants`` to order the columns and rows; by default they follow the
files)::

    python benchmarks/ablation.py --protocol devnet --from-json a.json b.json \
        --out benchmarks/results/ablation_devnet.md
"""
import argparse
import json
import logging
import shlex
import sys
import time
from collections import Counter

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

VARIANTS = {
    "full (defaults)": {},
    "no view dropout": {"view_dropout": 0.0},
    "no weight average (the last step's weights)": {"ema_decay": 0.0},
    "weight average over ~100 steps (ema_decay=0.99)": {"ema_decay": 0.99},
    "weight average over ~500 steps (ema_decay=0.998)": {"ema_decay": 0.998},
    "uniform attention": {"attention": "uniform"},
    "LayerNorm on every token (as in 0.1)": {"token_norm": "all"},
    "LayerNorm on the residual-direction token only": {"token_norm": "direction"},
    "no pseudo-labels": {"pseudo_labels": False},
    "pseudo-labels kept when the labels do not stand out (pseudo_labels=True, as before)": {"pseudo_labels": True},
    "pseudo-labels dropped when the labels do not stand out (pseudo_labels='auto')": {"pseudo_labels": "auto"},
    "refresh every 5 epochs": {"pseudo_label_interval": 5},
    "refresh every 25 epochs": {"pseudo_label_interval": 25},
    "every unlabelled row at every refresh (pseudo_label_rows=None)": {"pseudo_label_rows": None},
    "a pseudo-label sample of 2,048 rows (pseudo_label_rows=2048)": {"pseudo_label_rows": 2048},
    "a pseudo-label sample of 16,384 rows (pseudo_label_rows=16384)": {"pseudo_label_rows": 16384},
    "pseudo-anomalies as before (pseudo_anomaly_ratio='estimate')": {"pseudo_anomaly_ratio": "estimate"},
    "fixed pseudo-label shares (0.01 / 0.8)": {"pseudo_anomaly_ratio": 0.01, "pseudo_normal_ratio": 0.8},
    "credible normals 95%": {"pseudo_normal_ratio": 0.95},
    "min credibility 0.3": {"min_credibility": 0.3},
    "half the steps per epoch (10)": {"steps_per_epoch": 10},
    "half the epochs (15)": {"epochs": 15},
    "3x steps per epoch (60)": {"steps_per_epoch": 60},
    "10x steps per epoch (200)": {"steps_per_epoch": 200},
    "weight decay 1e-5 (the default of pyod_dasad 0.1.0)": {"weight_decay": 1e-5},
    "weight decay 1e-4": {"weight_decay": 1e-4},
    "weight decay 1e-3": {"weight_decay": 1e-3},
    "weight decay 3e-3": {"weight_decay": 3e-3},
    "weight decay 1e-2": {"weight_decay": 1e-2},
    "weight decay 3e-2": {"weight_decay": 3e-2},
    "warm-up weight 0.1 (before warmup_weight='auto')": {"warmup_weight": 0.1},
    "warm-up weight 0.5": {"warmup_weight": 0.5},
    "warm-up weight 1.0": {"warmup_weight": 1.0},
    "min-max scaling": {"preprocessing": "minmax"},
    "contrastive off": {"contrastive": "off"},
    "contrastive asymmetric (the method as specified)": {"contrastive": "asymmetric"},
    "contrastive symmetric": {"contrastive": "symmetric"},
    "contrastive asymmetric, 64 rows of each batch": {"contrastive": "asymmetric", "contrastive_batch_size": 64},
    "contrastive weight 0.3 (lambda_con)": {"lambda_con": 0.3},
    "no reconstruction loss": {"lambda_rec": 0.0},
    "latent view only": {"views": ("latent",)},
    "no latent view (residual + error)": {"views": ("residual", "error")},
    "no residual view (latent + error)": {"views": ("latent", "error")},
    "no error view (latent + residual)": {"views": ("latent", "residual")},
    "residual + error, contrastive off": {"views": ("residual", "error"), "contrastive": "off"},
    "half-width network (hidden (64, 32), latent 16, tokens 32)":
        {"hidden_dims": (64, 32), "latent_dim": 16, "token_dim": 32},
    "narrow network (hidden (64, 32), latent 32, tokens 32)":
        {"hidden_dims": (64, 32), "latent_dim": 32, "token_dim": 32},
    "wide hidden layers (256, 128)": {"hidden_dims": (256, 128)},
    "batch norm in the autoencoder": {"batch_norm": True},
    "lr 3e-4": {"lr": 3e-4},
    "lr 2e-3": {"lr": 2e-3},
    "lr 3e-3": {"lr": 3e-3},
    "dynamic weight averaging of the loss terms (as in RoSAS)": {"loss_weighting": "dwa"},
    "no out-of-range guard (out_of_range_factor=None)": {"out_of_range_factor": None},
}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+", default=None,
                    help="default: cardio satellite mammography (with --from-json: the files' datasets)")
    ap.add_argument("--protocol", choices=("adbench", "devnet"), default="adbench",
                    help="devnet: 30 labelled anomalies (15 for arrhythmia), 2%% contamination; --la unused")
    ap.add_argument("--la", type=float, default=0.1)
    ap.add_argument("--seeds", nargs="+", type=int, default=None,
                    help="default: 1 2 3 (with --from-json: the files' seeds)")
    ap.add_argument("--noise-type", default=None, choices=("label_contamination", "irrelevant_features"),
                    help="ADBench protocol: one of ADBench's robustness settings, at --noise-ratio")
    ap.add_argument("--noise-ratio", type=float, default=0.0)
    ap.add_argument("--contamination", type=float, default=0.02,
                    help="DevNet protocol: share of anomalies in the unlabelled set")
    ap.add_argument("--variants", nargs="+", default=None,
                    help="default: every variant (with --from-json: the files' variants); "
                         "the first is the reference of the paired columns")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--out", default=None, help="markdown file; a .json with every fit is written beside it")
    ap.add_argument("--from-json", nargs="+", default=None, metavar="JSON",
                    help="fit nothing: build the table from these files' rows (the .json files "
                         "earlier runs wrote beside their --out), joined")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.from_json:
        rows = _read_rows(args.from_json, args.datasets, args.seeds, args.variants)
        args.datasets = args.datasets or _in_order(r["dataset"] for r in rows)
        args.seeds = args.seeds or sorted({r["seed"] for r in rows})
        args.variants = args.variants or _in_order(r["variant"] for r in rows)
        return _report(args, rows, argv)
    args.datasets = args.datasets or ["cardio", "satellite", "mammography"]
    args.seeds = args.seeds or [1, 2, 3]
    args.variants = args.variants or list(VARIANTS)
    unknown = [v for v in args.variants if v not in VARIANTS]
    if unknown:
        ap.error("unknown variant(s): %s" % ", ".join(map(repr, unknown)))
    from adbench_runs.datasets import load_dataset
    from adbench_runs.protocols import adbench_split, default_n_labelled, devnet_split
    from pyod_dasad import DASAD

    rows = []
    for name in args.datasets:
        ds = load_dataset(name, args.data_dir)
        for seed in args.seeds:
            if args.protocol == "devnet":
                split = devnet_split(ds.X, ds.y, seed=seed, n_labelled=default_n_labelled(name),
                                     contamination=args.contamination)
            else:
                split = adbench_split(ds.X, ds.y, seed=seed, la=args.la, noise_type=args.noise_type,
                                      noise_ratio=args.noise_ratio)
            for variant in args.variants:
                t0 = time.perf_counter()
                clf = DASAD(random_state=seed, **VARIANTS[variant]).fit(split.X_train, split.y_train)
                s = clf.decision_function(split.X_test)
                rows.append({"dataset": name, "seed": seed, "variant": variant,
                             "auc_pr": float(average_precision_score(split.y_test, s)),
                             "auc_roc": float(roc_auc_score(split.y_test, s)),
                             "fit_seconds": round(time.perf_counter() - t0, 1),
                             "hidden_anomaly_share": getattr(clf, "hidden_anomaly_share_", None)})
                logging.info("%s seed %d %-24s AUC-PR %.3f AUC-ROC %.3f", name, seed, variant,
                             rows[-1]["auc_pr"], rows[-1]["auc_roc"])
                if args.out:  # every fit on disk as it finishes: a long run that dies keeps its rows
                    _write_json(args.out, rows)
    return _report(args, rows, argv)


def _in_order(values):
    """Distinct values in order of first appearance."""
    return list(dict.fromkeys(values))


def _read_rows(paths, datasets, seeds, variants):
    """The rows of earlier runs' JSON files, joined, restricted to the datasets, seeds and
    variants asked for (all where ``None``). A split fitted twice under one variant, or a
    variant missing on a split another variant has, is an error: the paired columns would
    silently compare different splits."""
    rows = []
    for path in paths:
        with open(path) as fh:
            rows.extend(json.load(fh))
    rows = [r for r in rows if (datasets is None or r["dataset"] in datasets)
            and (seeds is None or r["seed"] in seeds) and (variants is None or r["variant"] in variants)]
    for what, asked in (("dataset", datasets), ("seed", seeds), ("variant", variants)):
        absent = [a for a in asked or () if a not in {r[what] for r in rows}]
        if absent:
            raise SystemExit("no %s %s in %s" % (what, ", ".join(map(repr, absent)), " ".join(paths)))
    if not rows:
        raise SystemExit("no rows in %s" % " ".join(paths))
    keys = [(r["dataset"], r["seed"], r["variant"]) for r in rows]
    twice = sorted(k for k, count in Counter(keys).items() if count > 1)
    if twice:
        raise SystemExit("fitted more than once in %s: %s" % (" ".join(paths), twice[:3]))
    splits = {k[:2] for k in keys}
    for variant in _in_order(k[2] for k in keys):
        missing = sorted(splits - {k[:2] for k in keys if k[2] == variant})
        if missing:
            raise SystemExit("variant %r has no fit on %d split(s), e.g. %s" % (variant, len(missing), missing[0]))
    return rows


def _report(args, rows, argv):
    """Print the table with its header (setting and command) and write it to --out."""
    table = _table(rows, args.datasets, args.variants)
    setting = ("DevNet/FEAWAD protocol (30 labels, %g%% contamination)" % (100 * args.contamination)
               if args.protocol == "devnet" else "ADBench protocol, la=%s" % args.la)
    if args.protocol == "adbench" and args.noise_type:
        setting += ", %s %g" % (args.noise_type, args.noise_ratio)
    header = ("DASAD ablation, %s, seeds %s; per-dataset cells: mean AUC-PR "
              "over seeds.\nCommand: python benchmarks/ablation.py %s\n\n"
              % (setting, " ".join(map(str, args.seeds)), shlex.join(sys.argv[1:] if argv is None else argv)))
    print(header + table)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(header + table + "\n")
        _write_json(args.out, rows)
    return 0


def _paired(rows, variant, reference):
    """AUC-PR of ``variant`` minus ``reference`` on the same splits: the mean difference, the
    splits where the variant is ahead, and the two-sided Wilcoxon signed-rank p-value."""
    from scipy.stats import wilcoxon

    ref = {(r["dataset"], r["seed"]): r["auc_pr"] for r in rows if r["variant"] == reference}
    diff = np.array([r["auc_pr"] - ref[(r["dataset"], r["seed"])] for r in rows
                     if r["variant"] == variant and (r["dataset"], r["seed"]) in ref])
    if diff.size == 0 or not np.any(diff):
        return "", ""
    return "%+.3f" % diff.mean(), "%d/%d, p=%.2g" % ((diff > 0).sum(), diff.size, wilcoxon(diff).pvalue)


def _table(rows, datasets, variants):
    """Markdown: one row per variant, mean AUC-PR per dataset over seeds, the means, and the
    paired comparison with the first variant (the defaults)."""
    lines = ["| variant | " + " | ".join(datasets) + " | mean AUC-PR | mean AUC-ROC | "
             "AUC-PR vs %s | splits ahead, Wilcoxon |" % variants[0],
             "|---|" + "---:|" * (len(datasets) + 4)]
    for variant in variants:
        sel = [r for r in rows if r["variant"] == variant]
        per = [np.mean([r["auc_pr"] for r in sel if r["dataset"] == d]) for d in datasets]
        delta, test = _paired(rows, variant, variants[0])
        lines.append("| %s | %s | %.3f | %.3f | %s | %s |" % (
            variant, " | ".join("%.3f" % v for v in per), np.mean([r["auc_pr"] for r in sel]),
            np.mean([r["auc_roc"] for r in sel]), delta, test))
    return "\n".join(lines)


def _write_json(out, rows):
    with open(out.rsplit(".", 1)[0] + ".json", "w") as fh:
        json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    sys.exit(main())
