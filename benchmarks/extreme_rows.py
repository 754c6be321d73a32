"""How DASAD scores rows far outside its training data, with and without the
out-of-range guard (``out_of_range_factor``).

One default fit on ADBench cardio (15 labelled anomalies, the rest unlabelled); then the
first row is moved along each of the first three features, up and down, by 10^2 ... 10^19
training standard deviations, and scored by the fitted model with the guard (the default,
``out_of_range_factor=3``) and without it (None, the network's own score).

Usage::

    PYOD_DASAD_DATA=../shared/datasets python benchmarks/extreme_rows.py [--out FILE.md]
"""
import argparse
import os
import pickle
import shlex
import sys
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

DISTANCES = (1e2, 1e3, 1e4, 1e6, 1e10, 1e15, 1e19, 1e20)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="cardio")
    ap.add_argument("--features", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    from adbench_runs.datasets import load_dataset
    from pyod_dasad import DASAD

    ds = load_dataset(args.dataset, args.data_dir)
    y = np.zeros(len(ds.y), dtype=int)
    y[np.flatnonzero(ds.y)[:15]] = 1
    guarded = DASAD(random_state=args.seed).fit(ds.X, y)
    bare = pickle.loads(pickle.dumps(guarded)).set_params(out_of_range_factor=None)
    mean, std = ds.X.mean(axis=0), ds.X.std(axis=0)
    train = guarded.decision_scores_
    lines = ["Command: `python benchmarks/extreme_rows.py %s`" % shlex.join(sys.argv[1:] if argv is None else argv), "",
             "%s, DASAD defaults, random_state=%d: training scores %.2f to %.2f, threshold_ %.2f; the training "
             "rows' largest distance from their mean (in standard deviations) %.1f, so rows beyond %.1f are out "
             "of range." % (args.dataset, args.seed, train.min(), train.max(), guarded.threshold_,
                            guarded.range_radius_, guarded.out_of_range_factor * guarded.range_radius_), "",
             "Each cell: the score of the dataset's first row moved by the given number of standard deviations "
             "along one feature, without the guard / with it (`predict` with the guard in brackets).", "",
             "| distance | " + " | ".join("x%d %s" % (j, s) for j in range(args.features) for s in ("+", "-")) + " |",
             "|---:|" + "---:|" * (2 * args.features)]
    below = nan = guarded_below = 0
    for d in DISTANCES:
        cells = []
        for j in range(args.features):
            for sign in (1, -1):
                row = ds.X[:1].copy()
                row[0, j] = mean[j] + sign * d * std[j]
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    s_bare = bare.decision_function(row)[0]
                s_guard, label = guarded.decision_function(row)[0], guarded.predict(row)[0]
                below += bool(s_bare < train.max()) or bool(np.isnan(s_bare))
                nan += bool(np.isnan(s_bare))
                guarded_below += not bool(s_guard > train.max())
                cells.append("%.3g / %.3g (%d)" % (s_bare, s_guard, label))
        lines.append("| %g | %s |" % (d, " | ".join(cells)))
    n = len(DISTANCES) * 2 * args.features
    lines += ["", "Without the guard, %d of these %d rows score below the highest training score or NaN "
              "(%d NaN); with it, %d." % (below, n, nan, guarded_below)]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
