"""Pair the fits of ``benchmarks/ablation.py`` variants with stored fits of the defaults on
the same splits, without refitting the defaults, and print one markdown table.

A default fit is the same to the last bit when it is redone on the same CPU model
(``docs/faq.md``), so a screen of a new variant need not refit the defaults: their rows
come from an earlier file (``screen_share_estimator.py``'s ``cur`` rows, or an ablation's
``full (defaults)`` rows). Each ``SET=FILE`` names the set (in the reference file) that the
ablation file's splits belong to.

Usage::

    python benchmarks/pair_variants.py --reference benchmarks/results/screen_share_cap95.json \\
        'paper la 1%=benchmarks/results/wd_paper_la1.json' ... --out table.md
"""
import argparse
import json
import sys

import numpy as np

#: rows of the defaults in the two formats this reads
_DEFAULT_RULE, _DEFAULT_VARIANT = "cur", "full (defaults)"


def reference_rows(path):
    """``{(set, dataset, seed): row}`` of the default fits in a screen (``rows`` with ``set``
    and ``rule``) or ablation (a list with ``variant``; its set is ``None``) file."""
    with open(path) as fh:
        data = json.load(fh)
    rows = data["rows"] if isinstance(data, dict) else data
    return {(r.get("set"), r["dataset"], r["seed"]): r for r in rows
            if r.get("rule", r.get("variant")) in (_DEFAULT_RULE, _DEFAULT_VARIANT)}


def pair(reference, set_name, rows):
    """Per variant: the (default, variant) AUC-PR and AUC-ROC of every split of ``rows``
    that ``reference`` has. A split of ``rows`` missing from it raises KeyError: a table
    over fewer splits than were fitted would mislead."""
    out = {}
    for r in rows:
        key = (set_name, r["dataset"], r["seed"])
        ref = reference[key] if key in reference else reference[(None,) + key[1:]]
        out.setdefault(r["variant"], []).append((ref["auc_pr"], r["auc_pr"], ref["auc_roc"], r["auc_roc"]))
    return {variant: np.array(values) for variant, values in out.items()}


def table(paired_sets):
    """Markdown: one row per (set, variant) with the means, the AUC-PR change, the splits
    ahead / behind and the two-sided Wilcoxon signed-rank p-value."""
    from scipy.stats import wilcoxon

    lines = ["| set | variant | splits | default AUC-PR | variant AUC-PR | change | ahead / behind, p "
             "| default AUC-ROC | variant AUC-ROC |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for set_name, variants in paired_sets:
        for variant, a in variants.items():
            d = a[:, 1] - a[:, 0]
            p = wilcoxon(d).pvalue if np.any(d) else 1.0
            lines.append("| %s | %s | %d | %.4f | %.4f | %+.4f | %d / %d, p = %.2g | %.4f | %.4f |" % (
                set_name, variant, len(a), a[:, 0].mean(), a[:, 1].mean(), d.mean(), (d > 0).sum(), (d < 0).sum(),
                p, a[:, 2].mean(), a[:, 3].mean()))
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", required=True, help="JSON with the default fits")
    ap.add_argument("pairs", nargs="+", metavar="SET=FILE", help="an ablation.py JSON and the set its splits are")
    ap.add_argument("--out", default=None, help="markdown file")
    args = ap.parse_args(argv)
    reference = reference_rows(args.reference)
    paired = []
    for item in args.pairs:
        set_name, _, path = item.partition("=")
        if not path:
            ap.error("expected SET=FILE, got %r" % (item,))
        with open(path) as fh:
            paired.append((set_name, pair(reference, set_name, json.load(fh))))
    text = table(paired)
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
