"""Tests of the command line, including a run killed with SIGKILL and restarted."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import adbench_runs
from adbench_runs.cli import build_parser, main

KEY = "dataset, protocol, budget, seed, detector, noise_type, noise_ratio"


def _env():
    """Environment for child interpreters: import the same adbench_runs as this test."""
    env = dict(os.environ)
    package_parent = str(Path(adbench_runs.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH", "")) if p)
    return env


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["report", "--help"]])
def test_help(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "usage: adbench-runs" in out
    if argv[0] == "run":
        for flag in ("--datasets", "--protocol", "--la", "--seeds", "--detectors", "--jobs", "--timeout",
                     "--data-dir", "--db", "--noise-type", "--noise-ratio", "--contamination", "--backend",
                     "--scheduler", "--retry-failed", "--skip-timed-out"):
            assert flag in out


def test_module_entry_point_help():
    proc = subprocess.run([sys.executable, "-m", "adbench_runs", "--help"], capture_output=True, text=True,
                          env=_env(), timeout=120)
    assert proc.returncode == 0 and "{run,report,list}" in proc.stdout


def test_skip_timed_out_reaches_the_config():
    from adbench_runs.cli import _config_from_args

    assert _config_from_args(build_parser().parse_args(["run", "--skip-timed-out"])).skip_timed_out
    assert not _config_from_args(build_parser().parse_args(["run"])).skip_timed_out
    with pytest.raises(SystemExit, match="contradict"):
        main(["run", "--skip-timed-out", "--retry-failed", "--datasets", "14_glass"])


def test_parser_budgets_and_overrides():
    args = build_parser().parse_args(["run", "--la", "0.01", "0.1", "30", "--set", "DASAD.epochs=5",
                                      "--set", "DASAD.device=cpu"])
    assert args.la == [0.01, 0.1, 30] and isinstance(args.la[2], int)
    assert args.overrides == [("DASAD", "epochs", 5), ("DASAD", "device", "cpu")]


@pytest.mark.parametrize("argv", [
    ["run", "--la", "1.5"],
    ["run", "--la", "-3"],
    ["run", "--set", "epochs=5"],
    ["run", "--timeout", "0"],
    ["run", "--noise-ratio", "0.1"],
    ["run", "--duplicate-times", "2"],
    ["run", "--noise-type", "label_contamination", "--duplicate-times", "2"],
    ["run", "--noise-type", "duplicated_anomalies"],
    ["run", "--noise-type", "duplicated_anomalies", "--noise-ratio", "0.1"],
    ["run", "--noise-type", "duplicated_anomalies", "--duplicate-times", "0.5"],
    ["run", "--protocol", "devnet", "--la", "0.1"],
    ["run", "--detectors", "IForrest"],
    ["run", "--datasets", "cardoi"],
    ["run", "--seeds", "-1"],
])
def test_bad_arguments_exit_with_an_error(argv, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv + ["--db", str(tmp_path / "r.db"), "--no-progress"])
    assert exc.value.code not in (0, None)
    assert not (tmp_path / "r.db").exists()  # nothing stored, not even an empty database


def test_small_run_prints_leaderboard_and_writes_report(tmp_path, capsys):
    db, out = tmp_path / "r.db", tmp_path / "report"
    code = main(["run", "--datasets", "14_glass", "29_Pima", "--detectors", "IForest", "ECOD", "LR",
                 "--seeds", "1", "2", "--la", "0.1", "--db", str(db), "--no-progress", "--leaderboard",
                 "--report", str(out)])
    assert code == 0
    stdout = capsys.readouterr().out
    assert "## adbench, la=0.1" in stdout and "| detector | 14_glass | 29_Pima | mean | average rank | wins |" in stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM results WHERE status = 'ok'").fetchone()[0] == 12
    assert (out / "report.md").is_file() and (out / "results.csv").is_file()
    # the report subcommand reads the same database
    assert main(["report", "--db", str(db)]) == 0
    assert "| 29_Pima |" in capsys.readouterr().out
    # --leave-out: shown in the tables, not ranked; an unknown name is an error, not a no-op
    assert main(["report", "--db", str(db), "--leave-out", "LR"]) == 0
    assert "not ranked (left out by the report's --leave-out): LR" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="--leave-out names detectors with no rows"):
        main(["report", "--db", str(db), "--leave-out", "NoSuchDetector"])


def test_run_with_a_user_detector_given_by_import_path(tmp_path, capsys):
    db = tmp_path / "r.db"
    assert main(["run", "--datasets", "14_glass", "--detectors", "pyod.models.hbos:HBOS", "IForest",
                 "--seeds", "1", "--la", "0.1", "--db", str(db), "--no-progress", "--jobs", "2"]) == 0
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT detector, status FROM results ORDER BY detector").fetchall()
    assert rows == [("IForest", "ok"), ("pyod.models.hbos:HBOS", "ok")]


def test_report_of_missing_database_fails(tmp_path):
    with pytest.raises(SystemExit, match="does not exist"):
        main(["report", "--db", str(tmp_path / "none.db")])


def test_sigkill_mid_run_then_restart_redoes_only_unfinished_fits(tmp_path):
    db = tmp_path / "killed.db"
    # 5 datasets x 3 seeds x 2 detectors = 30 fits, several seconds in total
    cmd = [sys.executable, "-m", "adbench_runs", "--log-level", "INFO", "run", "--datasets", "default",
           "--detectors", "IForest", "ECOD", "--set", "IForest.n_estimators=300", "--seeds", "1", "2", "3",
           "--jobs", "1", "--db", str(db), "--no-progress"]
    n_grid = 30
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        n_before = 0
        while time.monotonic() < deadline and proc.poll() is None:
            if db.exists():
                with sqlite3.connect(db, timeout=30) as conn:
                    try:
                        n_before = conn.execute("SELECT COUNT(*) FROM results").fetchone()[0]
                    except sqlite3.OperationalError:  # table not created yet
                        n_before = 0
                if n_before >= 4:
                    break
            time.sleep(0.02)
        assert proc.poll() is None, "the run finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    with sqlite3.connect(db) as conn:
        before = {row[:7]: row[7:] for row in conn.execute(
            f"SELECT {KEY}, id, created_at, status FROM results")}
    assert 4 <= len(before) < n_grid

    done = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"{len(before)} already" in done.stderr and f"{n_grid - len(before)} run" in done.stderr

    with sqlite3.connect(db) as conn:
        rows = conn.execute(f"SELECT {KEY}, id, created_at, status, attempts FROM results").fetchall()
        duplicates = conn.execute(f"SELECT {KEY}, COUNT(*) FROM results GROUP BY {KEY} "
                                  "HAVING COUNT(*) > 1").fetchall()
    assert len(rows) == n_grid and not duplicates
    assert all(r[9] == "ok" for r in rows)
    assert all(r[10] == 1 for r in rows)  # no fit was written twice
    for r in rows:  # rows from before the kill are untouched
        if r[:7] in before:
            assert r[7:9] == before[r[:7]][:2]


def test_list_subcommand(capsys):
    assert main(["list", "detectors"]) == 0
    out = capsys.readouterr().out
    assert "DASAD" in out and "IForest" in out and "semi-supervised" in out
    assert main(["list", "datasets"]) == 0
    assert "default: 4_breastw" in capsys.readouterr().out


def test_default_run_says_which_detectors_it_leaves_out(monkeypatch, capsys):
    """The embedded default run leaves out a detector that cannot be built here (DeepOD is
    installed with --no-deps by scripts/install.sh, so a plain `pip install .[bench]` lacks
    it) and says so, with the reason and how to install it."""
    from adbench_runs import cli
    from adbench_runs.detectors import DetectorSpec

    real = DetectorSpec.unavailable_reason

    def unavailable(spec):
        return "module 'deepod' is not installed" if spec.name == "DeepOD-DevNet" else real(spec)

    monkeypatch.setattr(DetectorSpec, "unavailable_reason", unavailable)
    seen = []
    monkeypatch.setattr(cli, "main", lambda argv: seen.append(argv) or 0)
    assert cli._default_run("WARNING") == 0
    detectors = seen[0][seen[0].index("--detectors") + 1:seen[0].index("--jobs")]
    assert "DeepOD-DevNet" not in detectors and "DASAD" in detectors
    err = capsys.readouterr().err
    assert "DeepOD-DevNet left out of the default run: module 'deepod' is not installed" in err
    assert "pip install --no-deps deepod==0.4.1" in err
    assert err.count("left out") == 1
