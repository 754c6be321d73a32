"""Screen a DASAD variant on every stored split with at least ``--min-labels`` labelled
anomalies, paired with the stored default fit of the same split, or with ``--refit-defaults``
with a default fit redone in the same run (issue #4).

A rule gated on the number of labelled anomalies ("with 20 or more labels, do X") changes
only the splits at or above the gate, so those are the only ones fitted; the others keep
their stored default rows. The splits come from the leaderboard stores: every ``ok`` DASAD
row without noise (and the DevNet protocol's 2% contamination rows) whose ``n_labelled``
reaches the gate (and with ``--max-labels`` stays at or under that count), and with
``--robustness TYPE`` the robustness store's sweeps of that noise type too, one set per
level (``--sets`` with no name leaves the unperturbed stores out); ``--protocols`` keeps
the splits of one protocol only (the paper store holds both). A default fit
redone on a CPU with the same instruction set as the store's host is the same to the last
bit (``docs/faq.md``), so the stored AUC-PR is the reference; ``--check-defaults N`` refits
the defaults on the first N splits and fails if one differs. Where it differs (another
CPU: the thirty-first session's AMD EPYC matched the stored rows on 41 of 99 splits),
``--refit-defaults`` fits the defaults on every chosen split as one more variant,
``REFIT``, and pairs the other variants with those fits instead of the store's.

Fits are appended to ``OUT.jsonl`` as they finish, split by split (a run that dies keeps
them, in whole pairs but the last, and resumes);
the summary (per set, per dataset) is printed and written to ``OUT.md``.

Usage::

    PYOD_DASAD_DATA=../shared/datasets python benchmarks/screen_by_label_count.py \\
        --variant 'warmup_weight=0.5:{"warmup_weight": 0.5}' --min-labels 20 \\
        --out benchmarks/results/screen_warmup_weight_20_labels
    PYOD_DASAD_DATA=../shared/datasets python benchmarks/screen_by_label_count.py \\
        --variant 'contrastive=off:{"contrastive": "off"}' --min-labels 1 --sets \\
        --robustness label_contamination --refit-defaults \\
        --out benchmarks/results/screen_flipped_label_components
    PYOD_DASAD_DATA=../shared/datasets python benchmarks/screen_by_label_count.py \\
        --variant 'lambda_rec=3:{"lambda_rec": 3.0}' --min-labels 1 --sets paper \\
        --protocols devnet --refit-defaults --out benchmarks/results/screen_lambda_rec_devnet
"""
import argparse
import json
import os
import shlex
import sqlite3
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # the package, also in the pool's spawned workers
    sys.path.insert(0, ROOT)
STORES = os.path.join(ROOT, "adbench_runs", "results")
#: set name -> leaderboard store (``adbench_runs/results/<store>/results.db``)
SETS = {"paper": "paper_adbench", "Classical": "adbench_classical", "mvtec (held out)": "mvtec"}
#: the DevNet protocol's own contamination (the robustness sweeps' other levels are left out)
DEVNET_CONTAMINATION = 0.02
#: the variant name of the defaults fitted again on this machine (``--refit-defaults``)
REFIT = "defaults (refitted here)"
#: the robustness sweeps' store (``adbench_runs/results/<store>/results.db``; :func:`robustness_rows`)
ROBUSTNESS = "robustness"


def splits(min_labels, stores_dir=STORES, sets=SETS):
    """Every stored DASAD split with at least ``min_labels`` labelled anomalies: dicts with
    ``set``, ``dataset``, ``protocol``, ``budget``, ``seed``, ``n_labelled`` and the stored
    ``ref_auc_pr`` / ``ref_auc_roc``, in store order, each split once."""
    out, seen = [], set()
    for set_name, store in sets.items():
        path = os.path.join(stores_dir, store, "results.db")
        if not os.path.exists(path):
            continue
        con = sqlite3.connect(path)
        try:
            rows = con.execute(
                "select dataset, protocol, budget, seed, n_labelled, auc_pr, auc_roc, noise_type, noise_ratio "
                "from results where detector = 'DASAD' and status = 'ok' and n_labelled >= ? order by id",
                (min_labels,)).fetchall()
        finally:
            con.close()
        for dataset, protocol, budget, seed, n_labelled, auc_pr, auc_roc, noise_type, noise_ratio in rows:
            if protocol == "devnet":
                if noise_ratio is None or abs(float(noise_ratio) - DEVNET_CONTAMINATION) > 1e-12:
                    continue
            elif noise_type not in (None, "", "none"):
                continue
            key = (dataset, protocol, str(budget), int(seed))
            if key in seen:
                continue
            seen.add(key)
            out.append({"set": set_name, "dataset": dataset, "protocol": protocol, "budget": str(budget),
                        "seed": int(seed), "n_labelled": int(n_labelled), "ref_auc_pr": float(auc_pr),
                        "ref_auc_roc": float(auc_roc)})
    return out


def split_key(split):
    """A stored split's identity: (set, dataset, protocol, budget, seed, noise_type,
    noise_ratio); the last two are ``None`` for a split of no robustness sweep, so that two
    levels of one sweep are two splits even under one set name."""
    return (split["set"], split["dataset"], split["protocol"], split["budget"], split["seed"],
            split.get("noise_type"), split.get("noise_ratio"))


def parse_variant(text):
    """``'NAME:{json params}'`` -> (name, params); the params must be a JSON object."""
    name, sep, params = text.partition(":")
    if not sep or not name:
        raise argparse.ArgumentTypeError("a variant is NAME:{json params}, got %r" % text)
    try:
        params = json.loads(params)
    except ValueError as exc:
        raise argparse.ArgumentTypeError("variant %r: params are not JSON (%s)" % (name, exc)) from exc
    if not isinstance(params, dict):
        raise argparse.ArgumentTypeError("variant %r: params must be a JSON object" % name)
    return name, params


def robustness_rows(noise_types, min_labels=1, stores_dir=STORES):
    """The robustness store's ``ok`` DASAD rows of the sweeps ``noise_types``, as split dicts
    (set ``"robustness"``) that carry their sweep's ``noise_type`` and ``noise_ratio``."""
    path = os.path.join(stores_dir, ROBUSTNESS, "results.db")
    if not os.path.exists(path):
        return []
    con = sqlite3.connect(path)
    try:
        rows = con.execute(
            "select dataset, protocol, budget, seed, n_labelled, auc_pr, auc_roc, noise_type, noise_ratio from results "
            "where detector = 'DASAD' and status = 'ok' and n_labelled >= ? and noise_type in (%s) order by id"
            % ", ".join("?" * len(noise_types)), (min_labels, *noise_types)).fetchall()
    finally:
        con.close()
    return [{"set": ROBUSTNESS, "dataset": dataset, "protocol": protocol, "budget": str(budget), "seed": int(seed),
             "n_labelled": int(n_labelled), "ref_auc_pr": float(auc_pr), "ref_auc_roc": float(auc_roc),
             "noise_type": noise_type, "noise_ratio": float(noise_ratio)}
            for dataset, protocol, budget, seed, n_labelled, auc_pr, auc_roc, noise_type, noise_ratio in rows]


#: how a robustness sweep's level is named in a split's set (:func:`robustness_splits`)
SWEEP_NAMES = {"contamination": "contamination", "label_contamination": "flipped"}


def robustness_splits(noise_types, min_labels=1, stores_dir=STORES):
    """:func:`robustness_rows` of ``noise_types`` (keys of ``SWEEP_NAMES``) with one set per
    sweep and level, ``"robustness, 5% flipped"`` or ``"robustness, 8% contamination"``,
    ordered by sweep and level (so that :func:`summary`, which groups by set, keeps the levels
    apart)."""
    return [dict(split, set="%s, %g%% %s" % (ROBUSTNESS, 100 * split["noise_ratio"], SWEEP_NAMES[noise_type]))
            for noise_type in noise_types
            for split in sorted(robustness_rows((noise_type,), min_labels, stores_dir),
                                key=lambda split: split["noise_ratio"])]


def make_split(split, data_dir=None):
    """The leaderboard's split of a stored split (checked against its stored label count),
    with a robustness sweep's ``noise_type`` and ``noise_ratio`` where the split carries them."""
    from adbench_runs.datasets import load_dataset
    from adbench_runs.protocols import adbench_split, devnet_split

    ds = load_dataset(split["dataset"], data_dir)
    noise = split.get("noise_type")
    if split["protocol"] == "devnet":
        sp = devnet_split(ds.X, ds.y, split["seed"], n_labelled=int(float(split["budget"])),
                          contamination=split["noise_ratio"] if noise == "contamination" else DEVNET_CONTAMINATION)
    elif noise is not None:
        sp = adbench_split(ds.X, ds.y, split["seed"], float(split["budget"]), noise_type=noise,
                           noise_ratio=split["noise_ratio"])
    else:
        sp = adbench_split(ds.X, ds.y, split["seed"], float(split["budget"]))
    if "n_labelled" in split and int(sp.y_train.sum()) != split["n_labelled"]:
        raise RuntimeError("%s seed %d: %d labelled anomalies, the store says %d" % (
            split["dataset"], split["seed"], int(sp.y_train.sum()), split["n_labelled"]))
    return sp


def fit_split(split, params, data_dir=None, random_state=None):
    """Fit DASAD(**params) on one split, as the leaderboard does (``random_state`` the split's
    seed unless given); returns the test metrics."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    from pyod_dasad import DASAD

    sp = make_split(split, data_dir)
    t0 = time.perf_counter()
    seed = split["seed"] if random_state is None else random_state
    clf = DASAD(random_state=seed, **params).fit(sp.X_train, sp.y_train)
    scores = clf.decision_function(sp.X_test)
    history = clf.pseudo_label_history_
    return {"auc_pr": float(average_precision_score(sp.y_test, scores)),
            "auc_roc": float(roc_auc_score(sp.y_test, scores)),
            "hidden_anomaly_share": clf.hidden_anomaly_share_,
            "normal_ratio": history[0]["normal_ratio"] if history else None,
            "fit_seconds": round(time.perf_counter() - t0, 2)}


def _task(args):
    import torch

    torch.set_num_threads(1)  # one thread per fit, as the leaderboard runs
    split, name, params, data_dir = args
    return dict(split, variant=name, **fit_split(split, params, data_dir))


def paired_with_refit(rows, reference=REFIT):
    """The rows of every variant but ``reference``, each with its ``ref_auc_pr`` /
    ``ref_auc_roc`` taken from the ``reference`` variant's fit of the same split (a split
    that ``reference`` has not fitted yet is left out)."""
    ref = {split_key(r): r for r in rows if r["variant"] == reference}
    return [dict(r, ref_auc_pr=ref[split_key(r)]["auc_pr"], ref_auc_roc=ref[split_key(r)]["auc_roc"])
            for r in rows if r["variant"] != reference and split_key(r) in ref]


def summary(rows, reference="stored"):
    """Markdown: per (variant, set, protocol, budget) the paired AUC-PR change, splits ahead /
    behind and the Wilcoxon p-value; then the per-dataset mean changes. ``reference`` names
    the rows' ``ref_auc_pr`` in the header (``"stored"``, or ``"refitted"`` after
    :func:`paired_with_refit`)."""
    from scipy.stats import wilcoxon

    groups = {}
    for r in rows:
        groups.setdefault((r["variant"], r["set"], r["protocol"], r["budget"]), []).append(r)
    lines = ["| variant | set | protocol | budget | splits | %s AUC-PR | variant AUC-PR | change "
             "| ahead / behind | p | AUC-ROC change |" % reference, "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    per_dataset = ["| variant | set | protocol | budget | dataset | splits | change |", "|---|---|---|---|---|---:|---:|"]
    for key in sorted(groups):
        rs = groups[key]
        ref = np.array([r["ref_auc_pr"] for r in rs])
        new = np.array([r["auc_pr"] for r in rs])
        d = new - ref
        p = wilcoxon(d).pvalue if len(d) > 1 and np.any(d) else float("nan")
        roc = np.mean([r["auc_roc"] - r["ref_auc_roc"] for r in rs])
        lines.append("| %s | %s | %s | %s | %d | %.4f | %.4f | %+.4f | %d / %d | %.2g | %+.4f |" % (
            *key, len(d), ref.mean(), new.mean(), d.mean(), (d > 0).sum(), (d < 0).sum(), p, roc))
        by_ds = {}
        for r in rs:
            by_ds.setdefault(r["dataset"], []).append(r["auc_pr"] - r["ref_auc_pr"])
        for dataset in sorted(by_ds):
            per_dataset.append("| %s | %s | %s | %s | %s | %d | %+.3f |" % (
                *key, dataset, len(by_ds[dataset]), np.mean(by_ds[dataset])))
    return "\n".join(lines) + "\n\nPer dataset (mean AUC-PR change over its splits):\n\n" + "\n".join(per_dataset)


def add_run_arguments(ap, outputs="OUT.jsonl (every fit) and OUT.md",
                      check="first refit the defaults on N splits and stop if one differs from the store",
                      check_flag="--check"):
    """The options of a screen over stored splits: ``--check N`` (:func:`check_defaults`;
    named ``check_flag``), ``--jobs``, ``--data-dir`` and ``--out`` (``outputs``: the files
    written under it)."""
    ap.add_argument(check_flag, type=int, default=0, metavar="N", help=check)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--out", required=True, help="path without suffix: " + outputs)


def check_defaults(stored, data_dir=None):
    """Refit the defaults on each of the ``stored`` splits and stop (``SystemExit``) at the
    first whose AUC-PR differs from the store's: then the stored rows are no reference here."""
    for split in stored:
        got = fit_split(split, {}, data_dir)["auc_pr"]
        if got != split["ref_auc_pr"]:
            raise SystemExit("%s seed %d: the default refit gives AUC-PR %r, the store %r; the stored rows "
                             "are no reference on this machine (screen_by_label_count.py --refit-defaults "
                             "pairs with defaults fitted here)" % (split["dataset"], split["seed"], got,
                                                                   split["ref_auc_pr"]))


def run_fits(task, todo, jobs, path):
    """``task`` over ``todo`` in a pool of ``jobs`` spawned processes, each row appended to the
    JSON-lines file ``path`` as it finishes (a run that dies keeps them)."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(max(1, jobs)) as pool, open(path, "a") as fh:
        for row in pool.imap_unordered(task, todo):
            fh.write(json.dumps(row) + "\n")
            fh.flush()


def write_report(text, out):
    """Write ``text`` to ``OUT.md``, then print it (a closed pipe loses the print, not the
    file)."""
    with open(out + ".md", "w") as fh:
        fh.write(text)
    print(text)


def add_one_set_arguments(ap):
    """The options of a screen over the stored splits of one set, protocol and budget(s)."""
    ap.add_argument("--set", default="paper", choices=list(SETS))
    ap.add_argument("--protocol", default="adbench")
    ap.add_argument("--budget", nargs="+", default=["0.1"], help="one or more (the DevNet protocol: 30 15)")
    ap.add_argument("--datasets", nargs="+", default=None, help="only these (default: every stored one)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--out", required=True, help="path without suffix: OUT.jsonl (every split) and OUT.md")


def screen_one_set(args, task, extra, summarise):
    """Run ``task((split, *extra))`` on every stored split that ``args`` (see
    :func:`add_one_set_arguments`) selects and ``OUT.jsonl`` lacks, then write
    ``summarise(rows)`` to ``OUT.md``."""
    done = {(r["dataset"], r["seed"]) for r in _read(args.out + ".jsonl")}
    todo = [(s,) + tuple(extra) for s in splits(1)
            if s["set"] == args.set and s["protocol"] == args.protocol and s["budget"] in args.budget
            and (args.datasets is None or s["dataset"] in args.datasets) and (s["dataset"], s["seed"]) not in done]
    print("%d splits to fit" % len(todo), flush=True)
    run_fits(task, todo, args.jobs, args.out + ".jsonl")
    write_report(summarise(_read(args.out + ".jsonl")), args.out)
    return 0


def _read(path):
    if not os.path.exists(path):
        return []
    with open(path) as fh:
        return [json.loads(line) for line in fh if line.strip()]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variant", action="append", type=parse_variant, required=True,
                    help="NAME:{json DASAD params}; repeat for several")
    ap.add_argument("--min-labels", type=int, default=20)
    ap.add_argument("--max-labels", type=int, default=None, help="only splits with at most this many labels")
    ap.add_argument("--sets", nargs="*", default=list(SETS), choices=list(SETS))
    ap.add_argument("--protocols", nargs="+", default=["adbench", "devnet"], choices=["adbench", "devnet"],
                    help="only the splits of these protocols (default: both)")
    ap.add_argument("--robustness", nargs="+", default=[], choices=list(SWEEP_NAMES),
                    help="also the robustness store's sweeps of these noise types, one set per level")
    add_run_arguments(ap, check_flag="--check-defaults")
    ap.add_argument("--refit-defaults", action="store_true",
                    help="fit the defaults on every chosen split too and pair the variants with those fits")
    args = ap.parse_args(argv)
    todo_splits = [s for s in splits(args.min_labels) + robustness_splits(args.robustness, args.min_labels)
                   if (s["set"] in args.sets or s["set"].startswith(ROBUSTNESS + ", "))
                   and s["protocol"] in args.protocols
                   and (args.max_labels is None or s["n_labelled"] <= args.max_labels)]
    check_defaults(todo_splits[:args.check_defaults], args.data_dir)
    variants = ([(REFIT, {})] if args.refit_defaults else []) + list(args.variant)
    done = {(r["variant"],) + split_key(r) for r in _read(args.out + ".jsonl")}
    # split by split, so that a run stopped part-way leaves whole pairs
    todo = [(s, name, params, args.data_dir) for s in todo_splits for name, params in variants
            if (name,) + split_key(s) not in done]
    labels = ("%d to %d" % (args.min_labels, args.max_labels) if args.max_labels is not None
              else "at least %d" % args.min_labels)
    print("%d splits with %s labels, %d fits to do" % (len(todo_splits), labels, len(todo)), flush=True)
    run_fits(_task, todo, args.jobs, args.out + ".jsonl")
    names = {name for name, _ in variants}
    rows = [r for r in _read(args.out + ".jsonl") if r["variant"] in names]
    if args.refit_defaults:
        rows = paired_with_refit(rows)
    reference = "default fit redone in this run" if args.refit_defaults else "stored default fit"
    text = ("DASAD variants on every stored split with %s labelled anomalies, each paired with the same "
            "split's %s.\nCommand: python benchmarks/screen_by_label_count.py %s\n\n%s\n"
            % (labels, reference, shlex.join(sys.argv[1:] if argv is None else argv),
               summary(rows, "refitted" if args.refit_defaults else "stored")))
    write_report(text, args.out)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
