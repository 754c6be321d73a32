"""The weight-decay screen's paired AUC-PR change, binned by the number of labelled anomalies
of each split: does a stronger penalty help where the labels are fewest?

Reads the screen's fits (``benchmarks/results/weight_decay/*.json``, written by
``benchmarks/ablation.py``) and, for every split, the number of labelled anomalies that the
leaderboard stores record for DASAD on the same split (``n_labelled``); fits nothing.

Usage::

    python benchmarks/weight_decay_by_labels.py --a 'weight decay 1e-3' --b 'weight decay 1e-2'
"""
import argparse
import json
import os
import sqlite3
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCREEN = os.path.join(ROOT, "benchmarks", "results", "weight_decay")
STORES = os.path.join(ROOT, "adbench_runs", "results")

#: set -> (leaderboard store, protocol, budget or None for the DevNet protocol, screen files)
SETS = {
    "DevNet protocol": ("paper_adbench", "devnet", None, ["devnet_1e-3.json", "devnet_1e-2_3e-3.json"]),
    "paper la 1%": ("paper_adbench", "adbench", "0.01", ["paper_la1_1e-3.json", "paper_la1_1e-2_3e-3.json",
                                                          "paper_la1_3e-2.json"]),
    "paper la 10%": ("paper_adbench", "adbench", "0.1", ["paper_la10_1e-3.json", "paper_la10_1e-2_3e-3.json"]),
    "Classical la 1%": ("adbench_classical", "adbench", "0.01", ["classical_la1_1e-3.json", "classical_la1_3e-3.json",
                                                                 "classical_la1_1e-2.json"]),
    "Classical la 5%": ("adbench_classical", "adbench", "0.05", ["classical_la5_1e-3_3e-3.json",
                                                                 "classical_la5_1e-2.json"]),
    "Classical la 10%": ("adbench_classical", "adbench", "0.1", ["classical_la10_1e-3_3e-3.json",
                                                                 "classical_la10_1e-2.json"]),
    "mvtec la 10% (held out)": ("mvtec", "adbench", "0.1", ["mvtec_la10_1e-3.json", "mvtec_la10_3e-3.json",
                                                            "mvtec_la10_1e-2.json"]),
}
DEFAULT_BINS = (1, 3, 6, 11, 21, 51)


def label_counts(store, protocol, budget):
    """``{(dataset, seed): {n_labelled, ...}}`` of DASAD's ok rows of one setting of a store
    (one query for the whole set)."""
    query = ("SELECT DISTINCT dataset, seed, n_labelled FROM results WHERE detector = 'DASAD' "
             "AND status = 'ok' AND protocol = ?")
    args = [protocol]
    if budget is None:
        query += " AND noise_type = 'contamination'"
    else:
        query += " AND noise_type = 'none' AND budget = ?"
        args.append(budget)
    con = sqlite3.connect(os.path.join(STORES, store, "results.db"))
    try:
        rows = con.execute(query, args).fetchall()
    finally:
        con.close()
    counts = {}
    for dataset, seed, n in rows:
        counts.setdefault((dataset, seed), set()).add(n)
    return counts


def paired(set_name, variant_a, variant_b):
    """``[(n_labelled, auc_pr_b - auc_pr_a)]`` over the set's splits that have both variants.
    A split whose DASAD row the store lacks (or holds with two label counts) raises KeyError."""
    store, protocol, budget, files = SETS[set_name]
    fits = {}
    for name in files:
        with open(os.path.join(SCREEN, name)) as fh:
            for row in json.load(fh):
                fits.setdefault((row["dataset"], row["seed"]), {})[row["variant"]] = row["auc_pr"]
    counts = label_counts(store, protocol, budget)
    out = []
    for (dataset, seed), by_variant in sorted(fits.items()):
        if variant_a in by_variant and variant_b in by_variant:
            found = counts.get((dataset, seed), set())
            if len(found) != 1:
                raise KeyError("%s %s %s seed %s: %d DASAD label counts in %s"
                               % (protocol, budget, dataset, seed, len(found), store))
            out.append((next(iter(found)), by_variant[variant_b] - by_variant[variant_a]))
    return out


def bin_label(edges, i):
    lo = edges[i]
    return "%d+" % lo if i == len(edges) - 1 else ("%d" % lo if edges[i + 1] - 1 == lo else "%d-%d" % (lo, edges[i + 1] - 1))


def table(variant_a, variant_b, edges=DEFAULT_BINS):
    """Markdown: per set and over the development sets, the mean change (b minus a) in each bin
    of labelled anomalies, with the number of splits."""
    edges = tuple(edges)
    head = "| set | " + " | ".join("%s labels" % bin_label(edges, i) for i in range(len(edges))) + " | all |"
    lines = [head, "|---|" + "---:|" * (len(edges) + 1)]
    development = []
    for set_name in SETS:
        pairs = paired(set_name, variant_a, variant_b)
        if not pairs:
            continue
        if "held out" not in set_name:
            development.extend(pairs)
        lines.append(_row(set_name, pairs, edges))
    lines.append(_row("development sets (all but held-out)", development, edges))
    return "\n".join(lines)


def _row(name, pairs, edges):
    labels = np.array([p[0] for p in pairs])
    change = np.array([p[1] for p in pairs])
    which = np.searchsorted(np.array(edges), labels, side="right") - 1
    cells = []
    for i in range(len(edges)):
        d = change[which == i]
        cells.append("%+.3f (%d)" % (d.mean(), d.size) if d.size else "-")
    return "| %s | %s | %+.3f (%d) |" % (name, " | ".join(cells), change.mean(), change.size)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--a", default="weight decay 1e-3", help="the reference variant")
    ap.add_argument("--b", default="weight decay 1e-2", help="the variant compared with it")
    ap.add_argument("--bins", type=int, nargs="+", default=list(DEFAULT_BINS),
                    help="lower edges of the label-count bins")
    ap.add_argument("--out", default=None, help="markdown file")
    args = ap.parse_args(argv)
    text = ("Mean AUC-PR change, %s minus %s, by the number of labelled anomalies of the split "
            "(splits in brackets)\n\n" % (args.b, args.a)) + table(args.a, args.b, sorted(args.bins))
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write("Command: python benchmarks/weight_decay_by_labels.py --a '%s' --b '%s'\n\n%s\n"
                     % (args.a, args.b, text))
    return 0


if __name__ == "__main__":
    sys.exit(main())
