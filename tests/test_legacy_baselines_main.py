"""``adbench_runs.legacy_baselines`` in the main environment (no adbench, no tensorflow).

The baselines themselves run in ADBench's legacy environment
(``tests/legacy/test_legacy_baselines.py``); here: a cheap import, the command line, and a
run whose fits fail because adbench is missing -- recorded as error rows on the main
runner's very splits.
"""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

import adbench_runs
from adbench_runs.legacy_baselines import (LEGACY_BASELINES, SOURCE, build_parser, main,
                                           resolve_legacy_detectors)
from adbench_runs.runner import RunConfig, run_grid
from adbench_runs.store import FitKey, ResultStore

SIX = ["ADBench-GANomaly", "ADBench-DeepSAD", "ADBench-REPEN", "ADBench-DevNet", "ADBench-PReNet",
       "ADBench-FEAWAD"]


def _env():
    """Environment for child interpreters: import the same adbench_runs as this test."""
    env = dict(os.environ)
    package_parent = str(Path(adbench_runs.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH", "")) if p)
    return env


def test_import_is_cheap():
    code = ("import sys; import adbench_runs.legacy_baselines as m; m.build_parser(); "
            "heavy = sorted(n for n in ('adbench', 'tensorflow', 'keras', 'torch', 'pandas') "
            "if n in sys.modules); print(heavy)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(),
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_registry_and_names():
    assert list(LEGACY_BASELINES) == SIX
    assert resolve_legacy_detectors(["all"]) == SIX
    assert resolve_legacy_detectors(["ADBench-FEAWAD", "ADBench-DevNet", "ADBench-FEAWAD"]) == \
        ["ADBench-FEAWAD", "ADBench-DevNet"]
    with pytest.raises(ValueError, match="unknown ADBench baseline 'DevNet'"):
        resolve_legacy_detectors(["DevNet"])
    for baseline in LEGACY_BASELINES.values():
        assert baseline.target.startswith("adbench.baseline.")
        assert baseline.framework in ("tensorflow", "torch")


def test_parser_values():
    args = build_parser().parse_args([
        "--db", "r.db", "--datasets", "6_cardio", "14_glass", "--protocol", "devnet", "--la", "30", "0.1",
        "--seeds", "0", "1", "--detectors", "ADBench-DevNet", "--set", "ADBench-DevNet.epochs=5",
        "--contamination", "0.02", "0.05", "--threads", "2", "--retry-failed", "--timeout", "90"])
    assert args.db == "r.db" and args.datasets == ["6_cardio", "14_glass"] and args.protocol == "devnet"
    assert args.la == [30, 0.1] and isinstance(args.la[0], int) and isinstance(args.la[1], float)
    assert args.seeds == [0, 1] and args.detectors == ["ADBench-DevNet"]
    assert args.overrides == [("ADBench-DevNet", "epochs", 5)]
    assert args.contamination == [0.02, 0.05] and args.threads == 2 and args.retry_failed
    assert args.timeout == 90.0
    defaults = build_parser().parse_args(["--db", "r.db"])
    assert defaults.detectors == ["all"] and defaults.protocol == "adbench" and defaults.la is None
    assert defaults.seeds is None and defaults.threads == 1 and not defaults.retry_failed
    assert defaults.timeout is None
    assert not defaults.skip_timed_out
    assert build_parser().parse_args(["--db", "r.db", "--skip-timed-out"]).skip_timed_out


@pytest.mark.parametrize("argv", [[], ["--db", "r.db", "--la", "1.5"], ["--db", "r.db", "--protocol", "x"],
                                  ["--db", "r.db", "--set", "epochs=5"], ["--db", "r.db", "--timeout", "0"]])
def test_parser_rejects(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(argv)
    assert exc.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_help(capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for text in ("--db", "--datasets", "--protocol", "--la", "--seeds", "--detectors", "--set",
                 "--timeout", "ADBench-FEAWAD"):
        assert text in out


def test_main_rejects_unknown_detector(tmp_path):
    with pytest.raises(SystemExit, match="unknown ADBench baseline 'XGBOD'"):
        main(["--db", str(tmp_path / "r.db"), "--detectors", "XGBOD"])
    assert not (tmp_path / "r.db").exists()


@pytest.mark.skipif(importlib.util.find_spec("adbench") is not None,
                    reason="adbench is installed: the baselines would really run")
def test_without_adbench_fits_are_error_rows_on_the_main_splits(tmp_path):
    db = str(tmp_path / "r.db")
    argv = [sys.executable, "-m", "adbench_runs.legacy_baselines", "--db", db, "--datasets", "14_glass",
            "--la", "0.1", "--seeds", "1", "--detectors", "ADBench-DevNet", "ADBench-PReNet", "--no-progress",
            "--log-level", "ERROR"]
    proc = subprocess.run(argv, capture_output=True, text=True, env=_env(), timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().startswith("2 fits in the grid, 0 already done, 2 run (0 ok, 2 error")
    with ResultStore(db) as store:
        run_grid(RunConfig(datasets=["14_glass"], detectors=["IForest"], budgets=[0.1], seeds=[1]), store)
        main_hash = store.get(FitKey("14_glass", "adbench", 0.1, 1, "IForest"))["split_hash"]
        for detector in ("ADBench-DevNet", "ADBench-PReNet"):
            row = store.get(FitKey("14_glass", "adbench", 0.1, 1, detector))
            assert row["status"] == "error" and row["error_type"] == "ModuleNotFoundError"
            assert "adbench" in row["error"] and "Traceback" in row["traceback"]
            assert row["split_hash"] == main_hash
            assert row["versions"]["detector_source"] == SOURCE
    # resumable: a second run skips both failed fits
    proc = subprocess.run(argv, capture_output=True, text=True, env=_env(), timeout=300)
    assert proc.stdout.strip().startswith("2 fits in the grid, 2 already done, 0 run"), proc.stdout


@pytest.mark.skipif(importlib.util.find_spec("adbench") is not None,
                    reason="adbench is installed: the baselines would really run")
def test_timeout_runs_each_fit_in_a_child_that_records_its_error(tmp_path):
    # with --timeout the fit runs in a child interpreter: without adbench it fails there, and
    # the row it sends back is the same error row as an in-process fit's, from another process
    db = str(tmp_path / "r.db")
    argv = ["--db", db, "--datasets", "14_glass", "--la", "0.1", "--seeds", "1", "--detectors",
            "ADBench-DevNet", "--no-progress", "--log-level", "ERROR", "--timeout", "120"]
    assert main(argv) == 0
    with ResultStore(db) as store:
        row = store.get(FitKey("14_glass", "adbench", 0.1, 1, "ADBench-DevNet"))
    assert row["status"] == "error" and row["error_type"] == "ModuleNotFoundError"
    assert "Traceback" in row["traceback"] and row["split_hash"].startswith("sha1:")
    assert row["worker"].rsplit(":", 1)[1] != str(os.getpid())
    assert row["params"]["model_name"] == "DevNet" and row["versions"]["detector_source"] == SOURCE


def test_grid_runs_fits_one_at_a_time(tmp_path):
    from adbench_runs.legacy_baselines import run_legacy_grid

    with ResultStore(str(tmp_path / "r.db")) as store:
        for bad in ({"jobs": 2}, {"backend": "dask", "scheduler": "tcp://127.0.0.1:1"}):
            config = RunConfig(datasets=["14_glass"], detectors=["ADBench-DevNet"], budgets=[0.1], seeds=[1], **bad)
            with pytest.raises(ValueError, match="one at a time"):
                run_legacy_grid(config, store)
