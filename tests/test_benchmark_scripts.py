"""Smoke tests of the benchmark scripts (scripts, not CI benchmarks): every section of the
speed benchmark runs on tiny settings and writes its JSON and markdown, and every ablation
variant still fits. Catches a script that no longer runs against the package (the speed
benchmark's inference section once crashed on inference_batch_size='auto')."""
import importlib
import json
import os
import sys

import pytest

BENCHMARKS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")


def _script(monkeypatch, name):
    """Import ``benchmarks/<name>.py`` as a module; the caller drops it from sys.modules."""
    monkeypatch.syspath_prepend(BENCHMARKS)
    return importlib.import_module(name)


@pytest.fixture()
def speed(monkeypatch):
    yield _script(monkeypatch, "speed")
    sys.modules.pop("speed", None)


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


@pytest.fixture()
def ablation(monkeypatch):
    yield _script(monkeypatch, "ablation")
    sys.modules.pop("ablation", None)


def test_every_ablation_variant_is_a_valid_dasad(ablation):
    """The committed ablation tables name their variants in their commands: each must still
    build and fit (a renamed or removed parameter would make those commands fail)."""
    from _dasad_helpers import blobs, fast_dasad

    X, y, _ = blobs(n_normal=60, n_anomaly=6, n_labelled=3)
    assert "full (defaults)" in ablation.VARIANTS
    for name, params in ablation.VARIANTS.items():
        scores = fast_dasad(epochs=2, **params).fit(X, y).decision_function(X)
        assert scores.shape == (X.shape[0],), name


def test_ablation_table_pairs_each_variant_with_the_defaults(ablation):
    rows = [{"dataset": "a", "seed": s, "variant": v, "auc_pr": pr, "auc_roc": 0.9}
            for s, (d, w) in enumerate([(0.5, 0.6), (0.7, 0.6), (0.4, 0.9)])
            for v, pr in (("full (defaults)", d), ("other", w))]
    table = ablation._table(rows, ["a"], ["full (defaults)", "other"])
    assert "| other | 0.700 | 0.700 | 0.900 | +0.167 | 2/3, p=" in table
