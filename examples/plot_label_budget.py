"""AUC-PR against the number of labelled anomalies on ADBench's cardio data.

Cardio (``6_cardio``: 1,831 cardiotocography records, 21 features, 176 anomalies) is one
of the small real ADBench datasets embedded in ``adbench_runs/data/``, so this runs
offline. Every point is one split of the ADBench protocol
(:func:`adbench_runs.protocols.adbench_split`: 70/30 stratified split, MinMax scaling
fitted on train) with an *integer* label budget - that many training anomalies are
labelled, all other training rows are unlabelled - and the test-set AUC-PR of:

- DASAD (package defaults, fewer epochs with ``--quick``);
- DevNet (the authors' code as packaged by DeepOD, the leaderboard's ``DeepOD-DevNet``),
  when DeepOD is installed: the semi-supervised method DASAD builds on;
- IForest: unsupervised, it ignores the labels - the flat reference line.

Lines are means over seeds; the shaded band is min..max. The dashed line is the test set's
anomaly rate, the AUC-PR of a random ranking.

Run::

    python examples/plot_label_budget.py            # 3 seeds x 6 budgets, a few minutes
    python examples/plot_label_budget.py --quick    # 1 seed x 3 budgets, short training
"""
import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import average_precision_score  # noqa: E402

from adbench_runs.datasets import load_dataset  # noqa: E402
from adbench_runs.detectors import get_detector  # noqa: E402
from adbench_runs.protocols import adbench_split  # noqa: E402
from pyod_dasad import DASAD  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parent / "figures"


def run(budgets, seeds, quick):
    """Return {detector: array (n_seeds, n_budgets) of test AUC-PR}, and the anomaly rate."""
    data = load_dataset("6_cardio", download=False)
    methods = ["DASAD"]
    if get_detector("DeepOD-DevNet").is_available():
        methods.append("DevNet (DeepOD)")
    methods.append("IForest")
    results = {m: np.full((len(seeds), len(budgets)), np.nan) for m in methods}
    rate = np.nan
    for i, seed in enumerate(seeds):
        for j, budget in enumerate(budgets):
            split = adbench_split(data.X, data.y, seed, int(budget))
            rate = split.y_test.mean()
            models = {"DASAD": DASAD(epochs=5 if quick else 30, random_state=seed)}
            if "DevNet (DeepOD)" in methods:
                overrides = {"epochs": 3} if quick else {}
                models["DevNet (DeepOD)"] = get_detector("DeepOD-DevNet").build(
                    random_state=seed, device="cpu", **overrides)
            if j == 0:                      # IForest ignores labels: fit once per seed
                models["IForest"] = get_detector("IForest").build(random_state=seed)
            for name, model in models.items():
                model.fit(split.X_train, split.y_train)
                auc_pr = average_precision_score(split.y_test, model.decision_function(split.X_test))
                if name == "IForest":
                    results[name][i, :] = auc_pr
                else:
                    results[name][i, j] = auc_pr
            print(f"seed {seed} budget {budget:3d}: " + ", ".join(
                f"{m} {results[m][i, j]:.3f}" for m in methods))
    return results, rate


def plot(budgets, results, rate, n_seeds, path):
    fig, ax = plt.subplots(figsize=(6.4, 4.2), constrained_layout=True)
    styles = {"DASAD": ("C3", "o"), "DevNet (DeepOD)": ("C0", "s"), "IForest": ("C7", "^")}
    for name, values in results.items():
        color, marker = styles.get(name, (None, "o"))
        label = name + (" (ignores labels)" if name == "IForest" else "")
        ax.plot(budgets, values.mean(axis=0), marker=marker, color=color, label=label)
        if n_seeds > 1:
            ax.fill_between(budgets, values.min(axis=0), values.max(axis=0), color=color, alpha=0.15)
    ax.axhline(rate, color="k", ls="--", lw=0.8, label=f"random ranking ({rate:.2f})")
    ax.set_xscale("log")
    ax.set_xticks(budgets)
    ax.set_xticklabels([str(b) for b in budgets])
    ax.set_ylim(0, 1)
    ax.set_xlabel("labelled anomalies in the training set")
    ax.set_ylabel("test AUC-PR")
    seeds_text = f"mean of {n_seeds} seeds, band = min..max" if n_seeds > 1 else "one seed"
    ax.set_title(f"ADBench cardio (real data), ADBench protocol\n{seeds_text}", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the PNG")
    parser.add_argument("--quick", action="store_true", help="1 seed, 3 budgets, few epochs (CI smoke run)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    budgets = [2, 10, 40] if args.quick else [1, 3, 5, 10, 20, 40]
    seeds = [1] if args.quick else [1, 2, 3]
    results, rate = run(budgets, seeds, args.quick)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "label_budget.png"
    plot(budgets, results, rate, len(seeds), path)
    print(f"wrote {path} in {time.perf_counter() - start:.1f} s")
    return path


if __name__ == "__main__":
    main()
