"""ADBench 0.1.11's own runner, ``adbench.run.RunPipeline``, running DASAD end to end.

Runs inside ADBench's legacy environment only (build it with ``.ci/adbench_env.sh``)::

    .adbench-venv/bin/python -m pytest tests/legacy -q

Elsewhere (no ``adbench`` importable) the module is skipped.
"""
import math
import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before adbench imports tensorflow
pytest.importorskip("adbench", reason="needs ADBench's legacy environment (.ci/adbench_env.sh)")
pytest.importorskip("pyod_dasad", reason="pyod_dasad is not importable")

from adbench.run import RunPipeline  # noqa: E402

from adbench_runs.adbench_adapter import ADBenchDASAD  # noqa: E402

LA_LIST = [0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0]  # RunPipeline's rla_list without noise

# The real DASAD (every component on: warm-up, then pseudo-labels, contrastive loss) with a
# short schedule, so the 24 fits stay fast; ADBench builds it as
# FastDASAD(seed=numpy.int64, model_name='Customized') like any custom model.
FastDASAD = ADBenchDASAD.configure(epochs=10, warmup_epochs=2, steps_per_epoch=10, batch_size=128,
                                   device="cpu")


def _load_cardio(data_dir):
    data = np.load(data_dir / "adbench" / "6_cardio.npz", allow_pickle=False)
    return data["X"], data["y"]


def test_runpipeline_semi_supervised_cardio(capsys, shared_data_dir):
    X, y = _load_cardio(shared_data_dir)
    pipeline = RunPipeline(suffix="pyod_dasad_pytest", parallel="semi-supervise",
                           realistic_synthetic_mode=None, noise_type=None)
    # RunPipeline.run takes dataset=None (every dataset in adbench's package folder) or a
    # dict with X and y; with a dict the results are keyed (None, la, seed).
    results = pipeline.run(dataset={"X": X, "y": y}, clf=FastDASAD)
    printed = capsys.readouterr().out
    errors = [line for line in printed.splitlines() if line.startswith("Error")]

    assert len(results) == 24, printed[-3000:]
    keys = sorted((params[1], int(params[2])) for params, *_ in results)
    assert keys == sorted((la, seed) for la in LA_LIST for seed in (1, 2, 3))
    assert all(name == "Customized" for _, name, *_ in results)

    # ADBench turns any exception in fit/predict into NaN and only prints it.
    auc = {(params[1], int(params[2])): metrics["aucroc"] for params, _, metrics, *_ in results}
    n_ok = sum(not math.isnan(v) for v in auc.values())
    assert n_ok == 24, "only %d/24 runs produced an AUC; errors: %s" % (n_ok, errors[:5])
    assert all(t is not None and t > 0 for *_, t_fit, t_inf in results for t in (t_fit, t_inf))

    mean_by_la = {la: float(np.mean([auc[(la, s)] for s in (1, 2, 3)])) for la in LA_LIST}
    print("AUC-ROC per (la, seed):", {k: round(v, 4) for k, v in sorted(auc.items())})
    print("mean AUC-ROC by labelled-anomaly ratio:", {k: round(v, 4) for k, v in mean_by_la.items()})
    # Floors from a measured run of this schedule (torch 1.12.1, CPU; 100 steps per fit, with
    # token_norm='none'): mean AUC-ROC 0.922 at la=0 (unsupervised), 0.931 at 0.01,
    # 0.971-0.982 from 0.05 to 1.0; lowest single run 0.863 (la=0.01, seed 2). The floors
    # were set for the 15-step schedule of 0.1 (la=0 then 0.776, lowest run 0.709) and are
    # kept: a random scorer gives 0.5, and they leave room for seed and platform noise.
    assert min(auc.values()) > 0.65, auc
    assert mean_by_la[0.0] > 0.7, mean_by_la
    assert np.mean([mean_by_la[la] for la in LA_LIST if la >= 0.05]) > 0.85, mean_by_la
    assert mean_by_la[1.0] > mean_by_la[0.0], "labels should help: %s" % mean_by_la
