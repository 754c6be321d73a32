"""Compare one detector's rows in two copies of a leaderboard store, fit by fit.

After a change that can only move some fits (the out-of-range guard, say), the refitted
store and a copy taken before are joined on the fit key; the script prints every fit whose
AUC-PR or AUC-ROC changed, the paired mean difference over the changed settings, and
checks that every other refitted row reproduced the stored one exactly.

Usage::

    python benchmarks/compare_stores.py OLD.db NEW.db [--detector DASAD] [--out FILE.md]
"""
import argparse
import sqlite3
import sys

import numpy as np

KEY = ("dataset", "protocol", "budget", "seed", "noise_type", "noise_ratio")


def load(path, detector):
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    rows = con.execute("SELECT * FROM results WHERE detector = ? AND status = 'ok'", (detector,)).fetchall()
    con.close()
    return {tuple(r[k] for k in KEY): dict(r) for r in rows}


def compare(old, new):
    """(changed rows, the number of rows refitted with unchanged metrics, keys missing in new)."""
    changed, same_refit = [], 0
    for key, o in sorted(old.items()):
        n = new.get(key)
        if n is None:
            continue
        if (n["auc_pr"], n["auc_roc"]) != (o["auc_pr"], o["auc_roc"]):
            changed.append((key, o, n))
        elif any(n[c] != o[c] for c in ("id", "attempts", "updated_at")):  # rewritten or deleted and refitted
            same_refit += 1
    return changed, same_refit, sorted(set(old) - set(new))


def markdown(changed, same_refit, missing, title):
    lines = ["## " + title, "",
             "%d fits changed; %d more were refitted and reproduced the stored AUC-PR and AUC-ROC "
             "exactly; %d stored rows missing from the new store." % (len(changed), same_refit, len(missing)), ""]
    if changed:
        lines += ["| dataset | protocol | budget | seed | noise | AUC-PR before | after | change | AUC-ROC before | after |",
                  "|---|---|---|---:|---|---:|---:|---:|---:|---:|"]
        for key, o, n in changed:
            noise = "none" if key[4] == "none" else "%s %g" % (key[4], key[5])
            lines.append("| %s | %s | %s | %d | %s | %.4f | %.4f | %+.4f | %.4f | %.4f |" % (
                key[0], key[1], key[2], key[3], noise, o["auc_pr"], n["auc_pr"], n["auc_pr"] - o["auc_pr"],
                o["auc_roc"], n["auc_roc"]))
        d = np.array([n["auc_pr"] - o["auc_pr"] for _, o, n in changed])
        lines += ["", "Over the changed fits: mean AUC-PR change %+.4f (%d up, %d down)."
                  % (d.mean(), int((d > 0).sum()), int((d < 0).sum()))]
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--detector", default="DASAD")
    ap.add_argument("--title", default=None)
    ap.add_argument("--out", default=None, help="append the markdown to this file")
    args = ap.parse_args(argv)
    changed, same_refit, missing = compare(load(args.old, args.detector), load(args.new, args.detector))
    text = markdown(changed, same_refit, missing, args.title or args.new)
    print(text)
    if args.out:
        with open(args.out, "a") as fh:
            fh.write(text + "\n")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
