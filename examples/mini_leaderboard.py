"""A mini-leaderboard: DASAD and four baselines on three small real ADBench datasets.

The three datasets (breastw, glass, Pima) are embedded in ``adbench_runs/data/``, so this
runs offline. The script uses the leaderboard's Python API exactly as ``adbench-runs run``
does: :class:`adbench_runs.runner.RunConfig` + :func:`adbench_runs.runner.run_grid` write
one row per fit into a :class:`adbench_runs.store.ResultStore` (a temporary SQLite file
here), and :mod:`adbench_runs.report` turns the store into the markdown leaderboard
printed to stdout and into the plot saved next to it (test AUC-PR per dataset, mean and
min..max over seeds).

Protocol: ADBench's (:func:`adbench_runs.protocols.adbench_split`) with 10 % of the
training anomalies labelled. Detectors: DASAD, DevNet (DeepOD's copy of the authors' code,
when installed), a supervised random forest (RF: the labelled anomalies against all other
training rows, as in ADBench), and the unsupervised IForest and ECOD. With ``--quick`` (one seed, few
epochs) the numbers are a smoke test, not a result.

Run::

    python examples/mini_leaderboard.py            # 3 seeds, about a minute or two on one core
    python examples/mini_leaderboard.py --quick    # 1 seed, few epochs
"""
import argparse
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from adbench_runs.detectors import get_detector  # noqa: E402
from adbench_runs.report import leaderboard_markdown, load_results  # noqa: E402
from adbench_runs.runner import RunConfig, run_grid  # noqa: E402
from adbench_runs.store import ResultStore  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parent / "figures"
DATASETS = ("4_breastw", "14_glass", "29_Pima")


def run(db_path, quick):
    """Run the grid into ``db_path``; return the results frame (one row per fit)."""
    detectors = [d for d in ("DASAD", "DeepOD-DevNet", "RF", "IForest", "ECOD")
                 if get_detector(d).is_available()]
    overrides = {"DASAD": {"epochs": 5 if quick else 15, "device": "cpu"}}
    if "DeepOD-DevNet" in detectors:
        overrides["DeepOD-DevNet"] = {"epochs": 3 if quick else 20, "device": "cpu"}
    config = RunConfig(datasets=DATASETS, detectors=detectors, protocol="adbench", budgets=(0.1,),
                       seeds=(1,) if quick else (1, 2, 3), overrides=overrides, jobs=1, threads=1)
    config.validate()
    with ResultStore(db_path) as store:
        summary = run_grid(config, store)
        print(summary)
        return load_results(store)


def plot(frame, path, n_seeds):
    ok = frame[frame["status"] == "ok"]
    detectors = list(dict.fromkeys(ok["detector"]))
    datasets = [d for d in DATASETS if d in set(ok["dataset"])]
    width = 0.8 / max(1, len(detectors))
    others = iter(c for c in ("C0", "C1", "C2", "C4", "C5", "C6", "C8", "C9"))
    colors = {det: "C3" if det == "DASAD" else next(others) for det in detectors}   # DASAD in red
    fig, ax = plt.subplots(figsize=(7.5, 3.8), constrained_layout=True)
    for k, det in enumerate(detectors):
        stats = ok[ok["detector"] == det].groupby("dataset")["auc_pr"].agg(["mean", "min", "max"])
        stats = stats.reindex(datasets)
        x = np.arange(len(datasets)) + (k - (len(detectors) - 1) / 2) * width
        err = np.vstack([stats["mean"] - stats["min"], stats["max"] - stats["mean"]])
        ax.bar(x, stats["mean"], width, label=det, color=colors[det],
               yerr=err if n_seeds > 1 else None, capsize=2, edgecolor="k", linewidth=0.4)
    ax.set_xticks(np.arange(len(datasets)))
    ax.set_xticklabels(datasets)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("test AUC-PR")
    seeds_text = f"mean of {n_seeds} seeds, bars = min..max" if n_seeds > 1 else "one seed (smoke run)"
    ax.set_title(f"Mini-leaderboard, ADBench protocol, 10 % labelled; {seeds_text}", fontsize=10)
    ax.legend(fontsize=8, ncol=len(detectors), loc="upper center", bbox_to_anchor=(0.5, -0.1))
    ax.grid(axis="y", alpha=0.3)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the PNG")
    parser.add_argument("--quick", action="store_true", help="one seed, few epochs (CI smoke run)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        frame = run(Path(tmp) / "mini.db", args.quick)
    print(leaderboard_markdown(frame))
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "mini_leaderboard.png"
    plot(frame, path, frame["seed"].nunique())
    print(f"wrote {path} in {time.perf_counter() - start:.1f} s")
    return path


if __name__ == "__main__":
    main()
