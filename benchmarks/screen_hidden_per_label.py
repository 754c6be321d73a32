"""Screen (issue #4): can the warm-up tell how many anomalies hide per labelled one?

The pseudo-labels' trade-off differs between the two protocols: under ADBench's, nine to
99 anomalies hide in the unlabelled set for every labelled one (la = 10% ... 1%), and
keeping them out of the normal class is what the pseudo-labels are for; under the
DevNet/FEAWAD protocol (30 labels, 2% contamination) there are 0.4 to 6 per label on the
paper datasets below 10,000 rows, and the hard normals that the pseudo-labels leave out
cost more than the few hidden anomalies (``docs/decisions.md``). A rule that switched on the
ratio ``r = pi * n_unlabelled / n_labelled`` could keep more normals where ``r`` is small
(the mixture-proportion rule ``mpe2x95`` of ``screen_share_estimator.py`` gained +0.033
under the DevNet protocol and lost under ADBench's).

This script stops every default fit at its first pseudo-label refresh (so the cost is the
warm-up only) and records both estimates of the hidden share ``pi`` (the default's and the
mixture-proportion bound), the labelled count and the truth, on every split of the sets.
Result (nineteenth session, ``benchmarks/results/screen_hidden_per_label.json``): the
mixture-proportion estimate is close to the truth where there are 20-30 labels (mean
absolute error 0.025 under the DevNet protocol, 0.05 at la = 10%) but the estimated ratio
does not separate the protocols: at ``r <= 7``, 34 of the 80 DevNet-protocol splits and
26 of the 69 ``Classical`` splits at la = 10% (true ratio about 9), 29 at la = 1% (true
ratio about 84, where one or two labels make the estimate 0) and 43 of 45 mvtec splits.
Mammography and satellite under the DevNet protocol, the splits the rule was for, read
``r`` = 7-41 and 3-51 over their ten runs. No rule was built on it.

Usage::

    PYOD_DASAD_DATA=../shared/datasets OMP_NUM_THREADS=1 python benchmarks/screen_hidden_per_label.py \
        benchmarks/results/screen_hidden_per_label.json [SET ...]
"""
import json
import os
import sys
import time

import numpy as np
from multiprocessing import Pool  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

CLASSICAL = ["2_annthyroid", "4_breastw", "5_campaign", "7_Cardiotocography", "12_fault", "14_glass",
             "18_Ionosphere", "20_letter", "22_magic.gamma", "25_musk", "27_PageBlocks", "29_Pima",
             "31_satimage-2", "38_thyroid", "40_vowels", "43_WDBC", "44_Wilt", "47_yeast", "35_SpamBase",
             "6_cardio", "23_mammography", "30_satellite", "32_shuttle"]
PAPER = ["arrhythmia", "spambase", "cardio", "mammography", "satellite", "shuttle", "fraud", "nslkdd"]
MVTEC = ["mvtec_" + s for s in "bottle cable capsule carpet grid hazelnut leather metal_nut pill screw tile toothbrush transistor wood zipper".split()]
SETS = {"devnet": (PAPER, "devnet", range(10)), "paper_la10": (PAPER, 0.1, [1, 2, 3]), "paper_la1": (PAPER, 0.01, [1, 2, 3]),
        "paper_la5": (PAPER, 0.05, [1, 2, 3]),
        "classical_la10": (CLASSICAL, 0.1, [1, 2, 3]), "classical_la1": (CLASSICAL, 0.01, [1, 2, 3]),
        "classical_la5": (CLASSICAL, 0.05, [1, 2, 3]), "mvtec_la10": (MVTEC, 0.1, [1, 2, 3])}


class Abort(Exception):
    """Raised at the first refresh, once the estimates are recorded."""


def task(args):
    """One split: the warm-up's estimates (the fit stops at its first refresh)."""
    setname, name, seed = args
    import pyod_dasad.trainer as tr
    from pyod_dasad import pseudo_labels as pl, DASAD
    from screen_share_estimator import mpe_share
    from adbench_runs.datasets import load_dataset
    from adbench_runs.protocols import adbench_split, default_n_labelled, devnet_split
    box = {}
    orig_resolve = tr.Trainer.resolve_ratios
    def resolve(self, X, unlabelled, scores, has_labels):
        box["n_u"] = int(unlabelled.size)
        return orig_resolve(self, X, unlabelled, scores, has_labels)
    def ratios(scores, labelled_scores, margin=5.0, **kwargs):
        a, nr, share = pl.auto_ratios(scores, labelled_scores, margin, **kwargs)
        box.update(pi_cur=share, normal_ratio=nr, m=int(len(labelled_scores)),
                   pi_mpe=mpe_share(scores, labelled_scores) if len(labelled_scores) else None)
        raise Abort()
    tr.Trainer.resolve_ratios = resolve
    tr.auto_ratios = ratios
    ds = load_dataset(name, None)
    proto = SETS[setname][1]
    if proto == "devnet":
        sp = devnet_split(ds.X, ds.y, seed=seed, n_labelled=default_n_labelled(name), contamination=0.02)
    else:
        sp = adbench_split(ds.X, ds.y, seed=seed, la=proto)
    unl = sp.y_train == 0
    truth = float(np.mean(sp.y_train_true[unl]))
    t0 = time.perf_counter()
    try:
        DASAD(random_state=seed).fit(sp.X_train, sp.y_train)
        box["aborted"] = False
    except Abort:
        box["aborted"] = True
    return dict(set=setname, dataset=name, seed=seed, truth=truth, m_true=int(sp.y_train.sum()),
                seconds=round(time.perf_counter() - t0, 2), **box)

def summary(rows):
    """Per set: mean absolute error of both estimates and how many splits read ``r <= 7``."""
    out = {}
    for name in dict.fromkeys(r["set"] for r in rows):
        rs = [r for r in rows if r["set"] == name]
        ratio = np.array([r["pi_mpe"] * r["n_u"] / r["m"] for r in rs])
        truth = np.array([r["truth"] for r in rs])
        out[name] = {"splits": len(rs),
                     "mae_default": float(np.mean(np.abs(np.array([r["pi_cur"] for r in rs]) - truth))),
                     "mae_mixture_bound": float(np.mean(np.abs(np.array([r["pi_mpe"] for r in rs]) - truth))),
                     "median_ratio": float(np.median(ratio)),
                     "median_true_ratio": float(np.median([r["truth"] * r["n_u"] / r["m_true"] for r in rs])),
                     "splits_ratio_at_most_7": int((ratio <= 7).sum())}
    return out


if __name__ == "__main__":
    sets = sys.argv[2:] or list(SETS)
    tasks = [(s, d, seed) for s in sets for d in SETS[s][0] for seed in SETS[s][2]]
    rows = []
    with Pool(2) as pool:
        for r in pool.imap_unordered(task, tasks):
            rows.append(r)
            print(json.dumps(r), flush=True)
    rows.sort(key=lambda r: (list(SETS).index(r["set"]), r["dataset"], r["seed"]))
    with open(sys.argv[1], "w") as fh:
        json.dump({"command": "python benchmarks/screen_hidden_per_label.py " + " ".join(sys.argv[1:]),
                   "summary": summary(rows), "rows": rows}, fh, indent=0)
