"""Score heat-maps of DASAD, DevNet and IForest on 2-D synthetic toy data.

The data are **synthetic toy data** drawn here from Gaussians (not a benchmark): two blobs
of normal points, a small tight cluster of anomalies and anomalies scattered around the
blobs. A handful of anomalies are labelled (``y = 1``); everything else is unlabelled
(``y = 0``), hidden anomalies included - the semi-supervised setting DASAD is made for.

Each panel colours the plane by the detector's score, rank-normalised to [0, 1] over the
grid so that the three detectors share one colour scale (the detectors' raw scores live on
different scales). The AUC-ROC in each title is computed on the training points against
the true labels (including the unlabelled anomalies).

DevNet appears twice: the authors' implementation as packaged by DeepOD (what the
leaderboard calls ``DeepOD-DevNet``) and PyOD's port ``pyod.models.devnet.DevNet``. In
PyOD 3.6.7 the port calls its loss as ``deviation_loss(outputs, labels)`` while the
function is defined as ``deviation_loss(y_true, y_pred)``, so the labels enter as
"predictions" and the gradient pushes every score down alike; it also trains on plain
shuffles instead of DevNet's balanced batches. Its panel shows what that gives - a reminder
to check a baseline before comparing against it. Both DevNets are built through the
leaderboard's registry (:mod:`adbench_runs.detectors`), which seeds them and keeps their
global RNG and thread settings from leaking into this script.

Run::

    python examples/plot_2d_heatmaps.py            # ~1 min on one core
    python examples/plot_2d_heatmaps.py --quick    # a few seconds, coarser
"""
import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from pyod.models.iforest import IForest  # noqa: E402
from scipy.stats import rankdata  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from adbench_runs.detectors import get_detector  # noqa: E402
from pyod_dasad import DASAD  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parent / "figures"


def make_toy_data(seed=0):
    """Synthetic 2-D toy data: X, the true labels, and the partial labels given to fit."""
    rng = np.random.default_rng(seed)
    normal = np.vstack([
        rng.normal([-2.0, 0.0], [0.8, 0.5], size=(400, 2)),
        rng.normal([2.0, 1.5], [0.5, 0.9], size=(400, 2)),
    ])
    cluster = rng.normal([2.5, -2.5], 0.25, size=(20, 2))          # a tight anomaly cluster
    scattered = rng.uniform(-5.0, 5.0, size=(200, 2))
    # keep the scattered points that lie away from both blobs
    far = (np.hypot((scattered[:, 0] + 2) / 0.8, scattered[:, 1] / 0.5) > 4.0) & \
          (np.hypot((scattered[:, 0] - 2) / 0.5, (scattered[:, 1] - 1.5) / 0.9) > 4.0)
    scattered = scattered[far][:20]
    X = np.vstack([normal, cluster, scattered])
    truth = np.r_[np.zeros(len(normal)), np.ones(len(cluster) + len(scattered))].astype(int)
    y = np.zeros_like(truth)
    labelled = np.r_[len(normal) + np.arange(3), len(normal) + len(cluster) + np.arange(3)]
    y[labelled] = 1                      # 6 labelled anomalies: 3 from the cluster, 3 scattered
    return X, truth, y


def fit_detectors(X, y, quick, seed=0):
    """Fit the three detectors; returns {name: fitted detector}."""
    detectors = {}
    detectors["DASAD"] = DASAD(epochs=10 if quick else 30, random_state=seed).fit(X, y)
    devnet_epochs = 3 if quick else 20
    if get_detector("DeepOD-DevNet").is_available():
        detectors["DevNet (DeepOD, authors' code)"] = get_detector("DeepOD-DevNet").build(
            random_state=seed, epochs=devnet_epochs, device="cpu").fit(X, y)
    detectors["DevNet (PyOD 3.6 port, see text)"] = get_detector("PyOD-DevNet").build(
        random_state=seed, epochs=devnet_epochs, device="cpu").fit(X, y)
    detectors["IForest (unsupervised)"] = IForest(random_state=seed, n_jobs=1).fit(X)
    return detectors


def plot(X, truth, y, detectors, path, resolution):
    xx, yy = np.meshgrid(np.linspace(-5.5, 5.5, resolution), np.linspace(-5.5, 5.5, resolution))
    grid = np.c_[xx.ravel(), yy.ravel()]
    fig, axes = plt.subplots(1, len(detectors), figsize=(3.6 * len(detectors), 4.0),
                             sharex=True, sharey=True, constrained_layout=True)
    hidden = (truth == 1) & (y == 0)
    for ax, (name, det) in zip(axes, detectors.items()):
        scores = det.decision_function(grid)
        shade = (rankdata(scores) / len(scores)).reshape(xx.shape)
        cs = ax.contourf(xx, yy, shade, levels=np.linspace(0, 1, 11), cmap="magma_r")
        ax.scatter(*X[truth == 0].T, s=4, c="#3b7dd8", alpha=0.6, label="normal (unlabelled)")
        ax.scatter(*X[hidden].T, s=22, marker="x", c="#1a9850", label="anomaly, unlabelled")
        ax.scatter(*X[y == 1].T, s=70, marker="*", c="#00ff66", edgecolors="k", linewidths=0.6,
                   label="anomaly, labelled")
        auc = roc_auc_score(truth, det.decision_function(X))
        ax.set_title(f"{name}\nAUC-ROC on the points: {auc:.2f}", fontsize=9)
        ax.set_aspect("equal")
        ax.set_xlim(-5.5, 5.5)
        ax.set_ylim(-5.5, 5.5)
    axes[0].legend(loc="lower left", fontsize=7, framealpha=0.85)
    fig.colorbar(cs, ax=axes, shrink=0.8, label="score rank over the plane (1 = most abnormal)")
    fig.suptitle("Synthetic 2-D toy data: 6 labelled anomalies, the rest unlabelled", fontsize=11)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the PNG")
    parser.add_argument("--quick", action="store_true", help="few epochs, coarse grid (CI smoke run)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)             # small networks: one thread is fastest and polite
    start = time.perf_counter()
    X, truth, y = make_toy_data(args.seed)
    detectors = fit_detectors(X, y, args.quick, args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "2d_heatmaps.png"
    plot(X, truth, y, detectors, path, resolution=80 if args.quick else 200)
    print(f"wrote {path} in {time.perf_counter() - start:.1f} s")
    return path


if __name__ == "__main__":
    main()
