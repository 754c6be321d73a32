"""ADBench 0.1.11's own baselines (DevNet, FEAWAD) on our splits, into our results store.

Runs inside ADBench's legacy environment only (build it with ``.ci/adbench_env.sh``)::

    .adbench-venv/bin/python -m pytest tests/legacy/test_legacy_baselines.py -q

Elsewhere (no ``adbench`` importable) the module is skipped. The grid is one split of the
real cardio file shipped in ``adbench_runs/data`` (ADBench protocol, la=0.1, seed 1), with
both baselines at ADBench's own defaults (DevNet: 50 epochs; FEAWAD: 100 autoencoder epochs,
then 30), about 10 s and 30 s of fitting on one core.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before adbench imports tensorflow
pytest.importorskip("adbench", reason="needs ADBench's legacy environment (.ci/adbench_env.sh)")

from adbench_runs.datasets import load_dataset  # noqa: E402
from adbench_runs.legacy_baselines import SOURCE, main, run_legacy_grid  # noqa: E402
from adbench_runs.protocols import adbench_split  # noqa: E402
from adbench_runs.runner import RunConfig, run_grid, split_hash  # noqa: E402
from adbench_runs.store import FitKey, ResultStore  # noqa: E402

DETECTORS = ["ADBench-DevNet", "ADBench-FEAWAD"]
# Measured on cardio, la=0.1, seed 1 (Python 3.10, TF 2.12.1, CPU): DevNet 0.986, FEAWAD 0.958
# AUC-ROC (AUC-PR 0.904 and 0.901); the unsupervised IForest reaches 0.948 on this split.
AUC_ROC_FLOOR = 0.90
AUC_PR_FLOOR = 0.70


def _grid(**kwargs):
    settings = dict(datasets=["6_cardio"], detectors=DETECTORS, protocol="adbench", budgets=[0.1],
                    seeds=[1])
    settings.update(kwargs)
    return RunConfig(**settings)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("legacy") / "results.db")
    with ResultStore(path) as store:
        summary = run_legacy_grid(_grid(), store)
    assert (summary.n_grid, summary.n_skipped, summary.counts["ok"]) == (2, 0, 2), str(summary)
    return path


def _row(path, detector, budget=0.1):
    with ResultStore(path) as store:
        return store.get(FitKey("6_cardio", "adbench", budget, 1, detector))


@pytest.mark.parametrize("detector", DETECTORS)
def test_ok_rows_with_adbench_defaults(db, detector):
    row = _row(db, detector)
    assert row["status"] == "ok", row["traceback"]
    assert row["auc_roc"] >= AUC_ROC_FLOOR
    assert row["auc_pr"] >= AUC_PR_FLOOR
    assert row["fit_seconds"] > 0 and row["predict_seconds"] > 0
    # ADBench's split of cardio: 1831 rows, 30 % test, ceil(10 %) of the 123 train anomalies
    assert (row["n_train"], row["n_test"], row["n_labelled"]) == (1281, 550, 13)
    params = row["params"]
    assert "overridden" not in params  # ADBench's own defaults, untouched
    assert params["model_name"] == detector.split("-", 1)[1]
    assert params["adbench_class"].startswith("adbench.baseline.")
    if detector == "ADBench-DevNet":
        assert (params["epochs"], params["nb_batch"], params["batch_size"], params["network_depth"]) == \
            (50, 20, 512, 2)
    else:
        assert (params["epochs"], params["ae_pretrain_epochs"], params["batch_size"]) == (30, 100, 512)
    versions = row["versions"]
    assert versions["detector_source"] == SOURCE
    assert versions["adbench"] == "0.1.11"
    assert versions["tensorflow"].startswith("2.12")
    assert versions["torch"] is not None and versions["numpy"].startswith("1.23")


def test_split_hash_equals_the_main_runner(db):
    # the main runner (any registry detector) writes its rows into the same database ...
    with ResultStore(db) as store:
        summary = run_grid(_grid(detectors=["IForest"]), store)
    assert summary.counts["ok"] == 1
    main_hash = _row(db, "IForest")["split_hash"]
    # ... and an independent recomputation from the protocol gives the same split
    data = load_dataset("6_cardio")
    split = adbench_split(data.X, data.y, 1, 0.1)
    assert split_hash(split.X_train, split.y_train, split.X_test, split.y_test) == main_hash
    for detector in DETECTORS:
        assert _row(db, detector)["split_hash"] == main_hash


def test_resume_skips_finished_fits(db):
    before = {d: _row(db, d) for d in DETECTORS}
    with ResultStore(db) as store:
        summary = run_legacy_grid(_grid(), store)
    assert (summary.n_grid, summary.n_skipped, summary.n_run) == (2, 2, 0)
    for detector in DETECTORS:
        after = _row(db, detector)
        assert after["attempts"] == 1 and after["updated_at"] == before[detector]["updated_at"]


def test_cli_resumes_and_prints_summary(db):
    proc = subprocess.run(
        [sys.executable, "-m", "adbench_runs.legacy_baselines", "--db", db, "--datasets", "6_cardio",
         "--la", "0.1", "--seeds", "1", "--detectors", *DETECTORS, "--no-progress"],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().startswith("2 fits in the grid, 2 already done, 0 run"), proc.stdout


def test_failing_fit_is_an_error_row(tmp_path):
    # la=0.0: no labelled anomaly; DevNet's batch generator draws from an empty set and raises
    # (RunPipeline prints the message and records NaN; we store the error and its traceback)
    path = str(tmp_path / "fail.db")
    with ResultStore(path) as store:
        summary = run_legacy_grid(_grid(detectors=["ADBench-DevNet"], budgets=[0.0]), store)
    assert summary.counts == {"ok": 0, "error": 1, "timeout": 0}
    row = _row(path, "ADBench-DevNet", budget=0.0)
    assert row["status"] == "error" and row["n_labelled"] == 0
    assert row["error_type"] == "ValueError"
    assert "adbench/baseline/DevNet/run.py" in row["traceback"]
    assert row["auc_roc"] is None and row["split_hash"].startswith("sha1:")
    assert row["versions"]["detector_source"] == SOURCE

    # an unknown hyper-parameter override fails that fit only, with the known names listed
    with ResultStore(path) as store:
        summary = run_legacy_grid(_grid(detectors=["ADBench-DevNet"], budgets=[0.0], retry_failed=True,
                                        overrides={"ADBench-DevNet": {"no_such_param": 1}}), store)
        row = store.get(FitKey("6_cardio", "adbench", 0.0, 1, "ADBench-DevNet"))
    assert summary.counts["error"] == 1 and row["attempts"] == 2
    assert "no hyper-parameter 'no_such_param'" in row["error"] and "epochs" in row["error"]
    assert row["params"]["overridden"] == ["no_such_param"]


def test_override_is_applied_and_recorded(tmp_path):
    path = str(tmp_path / "override.db")
    with ResultStore(path) as store:
        run_legacy_grid(_grid(detectors=["ADBench-DevNet"], overrides={"ADBench-DevNet": {"epochs": 2}}),
                        store)
    row = _row(path, "ADBench-DevNet")
    assert row["status"] == "ok", row["traceback"]
    assert row["params"]["epochs"] == 2 and row["params"]["overridden"] == ["epochs"]
    assert np.isfinite(row["auc_roc"])


def test_timeout_kills_the_fit_and_stores_a_timeout_row(tmp_path):
    # ADBench's DevNet fits cardio in about 10 s here; a 1 s limit (TensorFlow's import is not
    # counted) kills it, and the row says so, with the parameters that were asked for
    path = str(tmp_path / "timeout.db")
    with ResultStore(path) as store:
        summary = run_legacy_grid(_grid(detectors=["ADBench-DevNet"], timeout=1.0), store)
    assert summary.counts == {"ok": 0, "error": 0, "timeout": 1}
    row = _row(path, "ADBench-DevNet")
    assert row["status"] == "timeout" and "1 s time limit" in row["error"]
    assert row["auc_roc"] is None and row["split_hash"].startswith("sha1:")
    assert row["params"]["model_name"] == "DevNet" and row["versions"]["adbench"] == "0.1.11"


def test_fit_within_the_timeout_is_the_in_process_fit(db, tmp_path):
    # the same fit in a child process under a generous limit gives the in-process row's scores
    path = str(tmp_path / "child.db")
    with ResultStore(path) as store:
        summary = run_legacy_grid(_grid(detectors=["ADBench-DevNet"], timeout=600.0), store)
    assert summary.counts["ok"] == 1
    child, parent = _row(path, "ADBench-DevNet"), _row(db, "ADBench-DevNet")
    assert child["worker"] != parent["worker"]
    assert child["params"] == parent["params"] and child["split_hash"] == parent["split_hash"]
    assert child["auc_roc"] == pytest.approx(parent["auc_roc"], abs=1e-9)
    assert child["auc_pr"] == pytest.approx(parent["auc_pr"], abs=1e-9)
