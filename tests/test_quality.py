"""Quality floor on a small real dataset: ADBench cardio (1,831 x 21, 176 anomalies,
shipped as a fixture in adbench_runs/data), ADBench protocol, seed 1, 10% of the training
anomalies labelled (13 labels), default DASAD.

Measured on 2026-11-23 (CPU, one torch thread, torch 2.13, defaults with view_dropout=0.3
and contrastive='off'): AUC-ROC 0.971, AUC-PR 0.901; IForest on the same split: AUC-ROC
0.948, AUC-PR 0.655. AUC-ROC alone is not a hard bar on cardio (IForest nearly meets it
without labels), so the test's teeth are the AUC-PR floor and the margin over IForest's
AUC-PR - what the 13 labels must buy. The floors leave room for float differences between
CPUs, not for a regression. (Seeds 2 and 3 of the same protocol give AUC-ROC 0.969 / 0.968
and AUC-PR 0.849 / 0.853. Re-measured on 2026-11-24 with the 'auto' pseudo-label shares:
identical, since on cardio they come out at the old fixed 1% / 80%. Before view dropout, seed 2 collapsed to 0.566 - see
benchmarks/results/ablation_dev.md.) Re-measured in a later session with token_norm='none'
(no LayerNorm on the view tokens, the new default): AUC-ROC 0.992, AUC-PR 0.941 on seed 1;
seeds 2 and 3 give AUC-ROC 0.962 / 0.973 and AUC-PR 0.886 / 0.793 (the floors are for
seed 1, which this test runs). Re-measured with the weight average (ema_decay='auto', the
new default; benchmarks/results/ablation_ema_classical_la10.json): AUC-ROC 0.979 / 0.952 /
0.972 and AUC-PR 0.898 / 0.866 / 0.761 on seeds 1 / 2 / 3. Re-measured with no
pseudo-anomalies when there are labels (pseudo_anomaly_ratio='auto', the new default):
AUC-ROC 0.984 / 0.956 / 0.973 and AUC-PR 0.929 / 0.871 / 0.756. Re-measured with the
contrastive loss on 64 rows of each batch (contrastive='asymmetric', contrastive_batch_size=64,
the new default; benchmarks/results/ablation_contrastive64_classical_la10.json): AUC-ROC
0.990 / 0.958 / 0.979 and AUC-PR 0.935 / 0.881 / 0.773.
"""
import pytest
import torch
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score

from adbench_runs.datasets import load_dataset
from adbench_runs.protocols import adbench_split
from pyod_dasad import DASAD

AUC_ROC_FLOOR = 0.92
AUC_PR_FLOOR = 0.85


def test_cardio_adbench_protocol_quality_floor():
    ds = load_dataset("6_cardio", download=False)
    split = adbench_split(ds.X, ds.y, seed=1, la=0.1)
    assert split.y_train.sum() == 13
    clf = DASAD(random_state=1, device="cpu").fit(split.X_train, split.y_train)
    scores = clf.decision_function(split.X_test)
    roc = roc_auc_score(split.y_test, scores)
    pr = average_precision_score(split.y_test, scores)
    iforest = IsolationForest(random_state=1).fit(split.X_train)
    pr_iforest = average_precision_score(split.y_test, -iforest.score_samples(split.X_test))
    assert roc >= AUC_ROC_FLOOR, roc
    assert pr >= AUC_PR_FLOOR, pr
    assert pr >= pr_iforest + 0.2, (pr, pr_iforest)  # the labels must be worth something


CUDA_SEEDS = (1, 2, 3)
#: On CUDA the float arithmetic (and with ``amp`` the precision) differs from the CPU's, so a
#: run follows another trajectory, like another seed: the bar is the mean over seeds 1-3,
#: set a little under the CPU's mean (AUC-PR 0.868, AUC-ROC 0.969 with the 0.1 network;
#: 0.873 and 0.976 with token_norm='none'; 0.842 and 0.968 with the weight average as well,
#: not yet run on a GPU) for that spread.
CUDA_MEAN_AUC_PR_FLOOR = 0.83


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA (none on this machine)")
@pytest.mark.parametrize("amp", [False, True], ids=["float32", "amp"])
def test_cardio_quality_floor_on_cuda(amp):  # pragma: no cover - runs only with a GPU
    ds = load_dataset("6_cardio", download=False)
    pr, roc = [], []
    for seed in CUDA_SEEDS:
        split = adbench_split(ds.X, ds.y, seed=seed, la=0.1)
        clf = DASAD(random_state=seed, device="cuda", amp=amp).fit(split.X_train, split.y_train)
        assert clf.device_.type == "cuda"
        scores = clf.decision_function(split.X_test)
        pr.append(average_precision_score(split.y_test, scores))
        roc.append(roc_auc_score(split.y_test, scores))
    assert sum(roc) / len(roc) >= AUC_ROC_FLOOR, roc
    assert sum(pr) / len(pr) >= CUDA_MEAN_AUC_PR_FLOOR, pr


#: ADBench's label contamination at 5% flips the ground truth of 5% of the training rows
#: before the labels are drawn: on mammography (2.3% anomalies) 30 of the 50 labelled
#: "anomalies" of seed 1 are normals. Measured
#: (2026-11-24, ninth session, AMD EPYC, one thread): AUC-PR 0.622 / 0.557 / 0.497 on seeds
#: 1 / 2 / 3 with the pseudo-labels dropped by ``pseudo_labels='auto'``; 0.165 / 0.246 /
#: 0.127 when they are kept with the old 50% credible normals at the cap, 0.185 / 0.329 /
#: 0.267 with the default's 80% (tenth session, ``screen_saturated_pseudo_labels.json``).
FLIPPED_MAMMOGRAPHY_AUC_PR_FLOOR = 0.45


def test_flipped_labels_drop_the_pseudo_labels_on_mammography(shared_data_dir):
    ds = load_dataset("23_mammography", shared_data_dir, download=False)
    split = adbench_split(ds.X, ds.y, seed=1, la=0.1, noise_type="label_contamination", noise_ratio=0.05)
    clf = DASAD(random_state=1, device="cpu", pseudo_labels="auto").fit(split.X_train, split.y_train)
    assert clf.hidden_anomaly_share_ == 1.0 and clf.pseudo_labels_ is False
    assert any(entry.get("dropped") for entry in clf.pseudo_label_history_)
    pr = average_precision_score(split.y_test, clf.decision_function(split.X_test))
    assert pr >= FLIPPED_MAMMOGRAPHY_AUC_PR_FLOOR, pr


#: satellite (32% anomalies), la = 10%, seed 1: the warm-up model scores 90%+ of the
#: unlabelled rows like the labelled anomalies, so the hidden-share estimate saturates.
#: Measured (2026-11-25, tenth session, AMD EPYC, one thread): AUC-PR 0.899 with the
#: default (credible normals back at the fixed 80%), 0.784 with the old 50% floor and
#: 0.799 with the pseudo-labels dropped (``pseudo_labels='auto'``).
SATURATED_SATELLITE_AUC_PR_FLOOR = 0.86


def test_saturated_share_estimate_keeps_80_percent_credible_normals_on_satellite(shared_data_dir):
    ds = load_dataset("30_satellite", shared_data_dir, download=False)
    split = adbench_split(ds.X, ds.y, seed=1, la=0.1)
    clf = DASAD(random_state=1, device="cpu").fit(split.X_train, split.y_train)
    assert clf.hidden_anomaly_share_ == 1.0 and clf.pseudo_labels_ is True
    assert {entry["normal_ratio"] for entry in clf.pseudo_label_history_} == {0.8}
    pr = average_precision_score(split.y_test, clf.decision_function(split.X_test))
    assert pr >= SATURATED_SATELLITE_AUC_PR_FLOOR, pr
