"""Smoke test of the speed benchmark (a script, not a CI benchmark): every section runs on
tiny settings and writes its JSON and markdown. Catches a script that no longer runs
against the package (its inference section once crashed on inference_batch_size='auto')."""
import json
import os
import sys

import pytest

BENCHMARKS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")


@pytest.fixture()
def speed(monkeypatch):
    monkeypatch.syspath_prepend(BENCHMARKS)
    import speed as module
    return module


def test_speed_sections_run_and_write_reports(speed, tmp_path):
    pytest.importorskip("deepod")
    argv = ["--sections", "fit", "inference", "gpu", "--datasets", "6_cardio", "--epochs", "1", "--steps", "2",
            "--repeats", "1", "--inference-rows", "5000", "--out-dir", str(tmp_path), "--out-name", "smoke"]
    assert speed.main(argv) == 0
    result = json.loads((tmp_path / "smoke.json").read_text())
    row = result["fit"]["rows"][0]
    assert row["dataset"] == "6_cardio" and row["DASAD / RoSAS"] > 0 and row["DASAD / DevNet"] > 0
    assert result["fit"]["device"] == "cpu"
    inference = result["inference"]
    assert inference["inference_batch_size"] == 4096 and 0 < inference["fraction_of_possible"] < 1
    assert "skipped" in result["gpu"] or result["gpu"]["float32"]["rows_per_s"] > 0
    markdown = (tmp_path / "smoke.md").read_text()
    assert "DASAD / RoSAS" in markdown and "fraction of possible" in markdown and "## GPU" in markdown
    sys.modules.pop("speed", None)
