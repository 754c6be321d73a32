"""Tests of adbench_runs.standings: margins, ranks, left-out rivals and losses of one detector."""
from __future__ import annotations

import math

import pytest

from adbench_runs.cli import main
from adbench_runs.report import load_results, write_report
from adbench_runs.standings import detector_group, losses, standings, standings_markdown
from adbench_runs.store import FitKey, ResultStore


def _store(path, entries):
    """A results database from {(protocol, budget, dataset, seed, detector): (auc_pr, auc_roc) or status}."""
    with ResultStore(path) as store:
        for (protocol, budget, dataset, seed, detector), value in entries.items():
            key = FitKey(dataset, protocol, budget, seed, detector)
            if isinstance(value, str):
                store.write(key, {"status": value, "error": value})
            else:
                store.write(key, {"status": "ok", "auc_pr": value[0], "auc_roc": value[1]})
    return path


# per dataset (same on both seeds unless said): DASAD, XGBOD, DeepOD-RoSAS, ADBench-DevNet, IForest, CatBoost
TABLE = {
    "a": {"DASAD": (0.9, 0.95), "XGBOD": (0.7, 0.90), "DeepOD-RoSAS": (0.8, 0.97), "ADBench-DevNet": (0.6, 0.8),
          "IForest": (0.99, 0.99), "CatBoost": (0.5, 0.9)},
    "b": {"DASAD": (0.5, 0.80), "XGBOD": (0.7, 0.85), "DeepOD-RoSAS": (0.6, 0.70), "ADBench-DevNet": "error",
          "IForest": (0.99, 0.99), "CatBoost": (0.6, 0.9)},
}


@pytest.fixture()
def frame(tmp_path):
    entries = {}
    for dataset, row in TABLE.items():
        for seed in (1, 2):
            for detector, value in row.items():
                entries[("adbench", 0.1, dataset, seed, detector)] = value
    # DevNet protocol: 30 labels on "a", 15 on "c" (as arrhythmia) -- one setting in the standings
    for seed in (0, 1):
        entries[("devnet", 30, "a", seed, "DASAD")] = (0.4, 0.8)
        entries[("devnet", 30, "a", seed, "DeepOD-RoSAS")] = (0.6, 0.9)
        entries[("devnet", 15, "c", seed, "DASAD")] = (0.8, 0.9)
        entries[("devnet", 15, "c", seed, "DeepOD-RoSAS")] = (0.4, 0.7)
    return load_results(_store(tmp_path / "s.db", entries))


def test_groups_of_registry_and_legacy_names():
    assert detector_group("DASAD") == "semi-supervised"
    assert detector_group("ADBench-FEAWAD") == "semi-supervised"
    assert detector_group("IForest") == "unsupervised"
    assert detector_group("CatBoost") == "supervised"
    assert detector_group("no-such-detector") == "unknown"


def test_margins_ranks_and_left_out_rivals(frame):
    table = standings(frame).set_index("setting")
    assert list(table.index) == ["adbench, la=0.1", "devnet, 15 labelled or 30 labelled (per dataset)"]
    row = table.loc["adbench, la=0.1"]
    assert row["n_datasets"] == 2
    assert math.isclose(row["focus_auc_pr"], 0.7) and math.isclose(row["focus_auc_roc"], 0.875)
    # XGBOD 0.7 and RoSAS 0.7 tie on AUC-PR; ADBench-DevNet failed on b: no mean, left out, not
    # averaged over a alone (where it would be 0.6); IForest is unsupervised: not a rival
    assert row["best_auc_pr_rival"] in ("XGBOD", "DeepOD-RoSAS") and math.isclose(row["margin_auc_pr"], 0.0)
    assert row["best_auc_roc_rival"] == "XGBOD" and math.isclose(row["margin_auc_roc"], 0.875 - 0.875)
    assert row["left_out"] == "ADBench-DevNet (1)"
    # ranks on a: DASAD 1, RoSAS 2, XGBOD 3; on b: XGBOD 1, RoSAS 2, DASAD 3
    assert row["n_ranked"] == 3 and math.isclose(row["focus_rank"], 2.0)
    assert row["best_gbdt"] == "CatBoost" and math.isclose(row["margin_over_gbdt"], 0.7 - 0.55)
    devnet = table.loc["devnet, 15 labelled or 30 labelled (per dataset)"]
    assert devnet["n_datasets"] == 2 and math.isclose(devnet["margin_auc_pr"], 0.6 - 0.5)
    assert devnet["best_gbdt"] is None or (isinstance(devnet["best_gbdt"], float) and math.isnan(devnet["best_gbdt"]))


def test_losses_name_the_dataset_and_the_rival(frame):
    lost = losses(frame)
    adb = lost[lost["setting"] == "adbench, la=0.1"].set_index("dataset")
    assert adb.loc["b", "best_rival"] == "XGBOD" and math.isclose(adb.loc["b", "gap"], 0.5 - 0.7)
    assert adb.loc["a", "best_rival"] == "DeepOD-RoSAS" and math.isclose(adb.loc["a", "gap"], 0.1)
    text = standings_markdown(frame)
    assert "## Where DASAD stands" in text
    assert "| adbench, la=0.1 | b | 0.500 | XGBOD 0.700 | -0.200 |" in text
    assert "| adbench, la=0.1 | a |" not in text  # a win is not listed as a loss


def test_a_focus_without_results_gives_nothing(frame):
    assert standings(frame, focus="LOF").empty
    assert standings_markdown(frame, focus="LOF") == ""


def test_report_opens_with_the_standing(frame, tmp_path):
    md = write_report(frame, tmp_path / "out")["markdown"].read_text()
    assert md.index("## Where DASAD stands") < md.index("## adbench, la=0.1")
    plain = write_report(frame, tmp_path / "plain", focus=None)["markdown"].read_text()
    assert "Where DASAD stands" not in plain


def test_cli_report_focus(tmp_path, capsys):
    db = _store(tmp_path / "c.db", {("adbench", 0.1, "a", 1, "DASAD"): (0.9, 0.9),
                                    ("adbench", 0.1, "a", 1, "XGBOD"): (0.8, 0.8)})
    assert main(["report", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "## Where DASAD stands" in out and "**+0.100**" in out
    assert main(["report", "--db", str(db), "--focus", "none"]) == 0
    assert "Where DASAD stands" not in capsys.readouterr().out
    with pytest.raises(SystemExit, match="LOF"):
        main(["report", "--db", str(db), "--focus", "LOF"])


def test_a_margin_that_rounds_to_zero_has_no_minus_sign():
    from adbench_runs.standings import _f

    assert _f(-0.0003, signed=True) == "+0.000"
    assert _f(-0.0123, signed=True) == "-0.012" and _f(0.5) == "0.500" and _f(float("nan")) == "–"


def test_a_variant_of_the_focus_is_not_a_rival(tmp_path):
    from adbench_runs.standings import is_variant

    assert is_variant("DASAD-Ensemble", "DASAD") and not is_variant("DASAD", "DASAD")
    assert not is_variant("DeepOD-DevNet", "DASAD")
    entries = {}
    for seed in (1, 2):
        entries[("adbench", 0.1, "a", seed, "DASAD")] = (0.8, 0.9)
        entries[("adbench", 0.1, "a", seed, "DASAD-Ensemble")] = (0.95, 0.97)
        entries[("adbench", 0.1, "a", seed, "XGBOD")] = (0.7, 0.8)
    frame = load_results(_store(tmp_path / "v.db", entries))
    row = standings(frame).iloc[0]
    assert row["best_auc_pr_rival"] == "XGBOD" and math.isclose(row["margin_auc_pr"], 0.1)
    assert row["n_ranked"] == 2 and row["focus_rank"] == 1.0
    assert set(losses(frame)["best_rival"]) == {"XGBOD"}
    # the variant itself, as the focus, has DASAD for a rival
    assert standings(frame, focus="DASAD-Ensemble").iloc[0]["best_auc_pr_rival"] == "DASAD"
