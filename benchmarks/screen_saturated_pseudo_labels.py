"""Screen (issue #4, not a default): what DASAD should do with its pseudo-labels when the
hidden-anomaly share estimate saturates (``labels_stand_out()`` is False).

The rule acts only on the splits where the estimate reaches its cap at the first refresh;
on every other split all rules give the same fit bit for bit (the warm-up, and so the
estimate, does not depend on the rule). So this script fits only those splits, read from
the committed ablation JSONs ('full (defaults)' rows whose ``hidden_anomaly_share`` is 1),
with every rule below, and reports each set's mean change in AUC-PR *over all the set's
splits* (a split not at the cap contributes 0) against the default rule, which drops the
pseudo-labels (``pseudo_labels='auto'``).

Rules at the cap (no rule changes anything elsewhere):

- ``drop``: the default; unlabelled rows are normals of weight 1 from then on.
- ``kept``: ``pseudo_labels=True`` before the tenth session; score-and-views consensus, the
  50% credible-normal floor.
- ``score80``: score-and-views consensus, the fixed 80% share (the estimate says nothing);
  the default since the tenth session (``pseudo_labels=True``).
- ``views80``: views-only consensus (as without labels), 80% credible normals.
- ``views95``: views-only consensus, 95%.
- ``score80_w01`` / ``views80_w01``: as above, and the rows left out get weight 0.1
  instead of 0 (the warm-up weight).

Usage::

    PYOD_DASAD_DATA=../shared/datasets python benchmarks/screen_saturated_pseudo_labels.py \\
        --out benchmarks/results/screen_saturated_pseudo_labels.json
"""
import argparse
import json
import logging
import os
import sys
import time

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import pyod_dasad.trainer as trainer  # noqa: E402
from pyod_dasad.pseudo_labels import labels_stand_out  # noqa: E402

RULES = {
    "drop": None,
    "kept": {"use_score": True, "normal_ratio": 0.5, "rest_weight": 0.0},
    "score80": {"use_score": True, "normal_ratio": 0.8, "rest_weight": 0.0},
    "views80": {"use_score": False, "normal_ratio": 0.8, "rest_weight": 0.0},
    "views95": {"use_score": False, "normal_ratio": 0.95, "rest_weight": 0.0},
    "score80_w01": {"use_score": True, "normal_ratio": 0.8, "rest_weight": 0.1},
    "views80_w01": {"use_score": False, "normal_ratio": 0.8, "rest_weight": 0.1},
}

#: (label, committed ablation JSON, index of the set in it or None for a flat list, split arguments)
SETS = [
    ("Classical la 10%", "ablation_pseudo_labels_auto.json", 0, {"la": 0.1}),
    ("Classical la 5%", "ablation_pseudo_labels_auto.json", 1, {"la": 0.05}),
    ("Classical la 1%", "ablation_pseudo_labels_auto.json", 2, {"la": 0.01}),
    ("paper la 10%", "ablation_pseudo_labels_auto.json", 3, {"la": 0.1}),
    ("paper la 1%", "ablation_pseudo_labels_auto.json", 4, {"la": 0.01}),
    ("DevNet protocol", "ablation_pseudo_labels_auto.json", 5, {"protocol": "devnet"}),
    ("mvtec la 10% (held out)", "ablation_pseudo_labels_auto.json", 6, {"la": 0.1}),
    ("robustness, 5% of labels flipped", "ablation_pseudo_labels_auto.json", 7, {"la": 0.1, "noise_ratio": 0.05}),
    ("robustness, 10% of labels flipped", "ablation_label_flip10_pseudo_labels.json", None,
     {"la": 0.1, "noise_ratio": 0.1}),
    ("robustness, 25% of labels flipped", "ablation_label_flip25_pseudo_labels.json", None,
     {"la": 0.1, "noise_ratio": 0.25}),
]

_rule = {}


def refresh_pseudo_labels(self, X, unlabelled, targets, weights, has_labels):
    """``Trainer.refresh_pseudo_labels`` with the screened rule at the cap."""
    rule = _rule.get("rule")
    res = trainer.infer(self.net, X, self.transform, self.device, self.p["inference_batch_size"], rows=unlabelled,
                        amp_dtype=self.amp_dtype)
    anomaly_ratio, normal_ratio = self.resolve_ratios(X, unlabelled, res["score"], has_labels)
    share = self.hidden_anomaly_share()
    use_score, rest_weight = has_labels, 0.0
    if rule is not None and not labels_stand_out(share):
        use_score, rest_weight = rule["use_score"], rule["rest_weight"]
        normal_ratio = rule["normal_ratio"]
    columns = [trainer._VIEW_COLUMNS[v] for v in self.net.views]
    pl = trainer.assign_pseudo_labels(res["score"], res["magnitudes"][:, columns], res["alpha"], anomaly_ratio,
                                      normal_ratio, self.p["min_credibility"], use_score=use_score,
                                      device=self.device)
    if rest_weight > 0:
        pl.weights[(pl.weights == 0) & (pl.labels == 0)] = rest_weight
    targets[unlabelled] = pl.labels
    weights[unlabelled] = pl.weights
    return pl, (anomaly_ratio, normal_ratio)


def cap_splits(results_dir):
    """[(set label, dataset, seed, split arguments, number of splits in the set)]."""
    out = []
    for label, name, index, kwargs in SETS:
        data = json.load(open(os.path.join(results_dir, name)))
        rows = data[index]["rows"] if index is not None else data
        rows = [r for r in rows if r["variant"] == "full (defaults)"]
        for r in rows:
            if not labels_stand_out(r.get("hidden_anomaly_share")):
                out.append((label, r["dataset"], r["seed"], kwargs, len(rows)))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rules", nargs="+", default=list(RULES), choices=list(RULES))
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--out", default=None, help="JSON with every fit and the per-set summary")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from adbench_runs.datasets import load_dataset
    from adbench_runs.protocols import adbench_split, default_n_labelled, devnet_split
    from pyod_dasad import DASAD

    trainer.Trainer.refresh_pseudo_labels = refresh_pseudo_labels
    splits = cap_splits(os.path.join(HERE, "results"))
    rows, cache = [], {}
    for label, name, seed, kwargs, n_set in splits:
        if name not in cache:
            cache[name] = load_dataset(name, args.data_dir)
        ds = cache[name]
        if kwargs.get("protocol") == "devnet":
            split = devnet_split(ds.X, ds.y, seed=seed, n_labelled=default_n_labelled(name))
        else:
            noise = kwargs.get("noise_ratio")
            split = adbench_split(ds.X, ds.y, seed=seed, la=kwargs["la"],
                                  noise_type="label_contamination" if noise else None, noise_ratio=noise or 0.0)
        for rule in args.rules:
            _rule["rule"] = RULES[rule]
            t0 = time.perf_counter()
            # drop: the default estimator, unpatched in effect; the others keep the pseudo-labels
            clf = DASAD(random_state=seed, pseudo_labels="auto" if rule == "drop" else True)
            clf.fit(split.X_train, split.y_train)
            s = clf.decision_function(split.X_test)
            rows.append({"set": label, "set_splits": n_set, "dataset": name, "seed": seed, "rule": rule,
                         "auc_pr": float(average_precision_score(split.y_test, s)),
                         "auc_roc": float(roc_auc_score(split.y_test, s)),
                         "at_cap": not labels_stand_out(clf.hidden_anomaly_share_),
                         "fit_seconds": round(time.perf_counter() - t0, 1)})
            logging.info("%-36s %-18s %d %-12s AUC-PR %.3f", label, name, seed, rule, rows[-1]["auc_pr"])
        if args.out:
            _write(args.out, rows, args.rules)
    print(_summary(rows, args.rules))
    if args.out:
        _write(args.out, rows, args.rules)
    return 0


def _summary(rows, rules):
    """Per set: mean AUC-PR change over all the set's splits against ``drop``."""
    base = {(r["set"], r["dataset"], r["seed"]): r["auc_pr"] for r in rows if r["rule"] == "drop"}
    sets = list(dict.fromkeys(r["set"] for r in rows))
    lines = ["| set | splits at the cap | " + " | ".join(rules) + " |", "|---|---:|" + "---:|" * len(rules)]
    for s in sets:
        n_set = next(r["set_splits"] for r in rows if r["set"] == s)
        cells = []
        for rule in rules:
            diffs = [r["auc_pr"] - base[(s, r["dataset"], r["seed"])] for r in rows
                     if r["set"] == s and r["rule"] == rule and (s, r["dataset"], r["seed"]) in base]
            cells.append("%+.4f" % (np.sum(diffs) / n_set))
        n_cap = len([k for k in base if k[0] == s])
        lines.append("| %s | %d of %d | %s |" % (s, n_cap, n_set, " | ".join(cells)))
    return "\n".join(lines)


def _write(out, rows, rules):
    with open(out, "w") as fh:
        json.dump({"command": "python benchmarks/screen_saturated_pseudo_labels.py " + " ".join(sys.argv[1:]),
                   "summary": _summary(rows, rules), "rows": rows}, fh, indent=1)


if __name__ == "__main__":
    sys.exit(main())
