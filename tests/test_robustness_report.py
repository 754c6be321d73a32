"""Tests of adbench_runs.robustness: each detector's change from a sweep's first noise level."""
from __future__ import annotations

import pytest

from adbench_runs.report import load_results, write_report
from adbench_runs.robustness import noise_sweeps, robustness_markdown, sweep_changes
from adbench_runs.store import FitKey, ResultStore


def _sweep(tmp_path, scores, noise_type="label_contamination"):
    """A store with {(dataset, seed, detector, level): auc_pr or a failed status}."""
    with ResultStore(tmp_path / "sweep.db") as store:
        for (dataset, seed, detector, level), value in scores.items():
            key = FitKey(dataset, "adbench", 0.1, seed, detector, noise_type, level)
            if isinstance(value, str):
                store.write(key, {"status": value, "error": value})
            else:
                store.write(key, {"status": "ok", "auc_pr": value, "auc_roc": value / 2})
        return load_results(store)


def _scores():
    scores = {}
    for seed, noise in ((1, 0.0), (2, 0.02)):  # seed noise: the means average over seeds
        scores.update({("a", seed, "Robust", 0.0): 0.8 + noise, ("a", seed, "Robust", 0.1): 0.75 + noise,
                       ("a", seed, "Fragile", 0.0): 0.9 + noise, ("a", seed, "Fragile", 0.1): 0.6 + noise,
                       ("b", seed, "Robust", 0.0): 0.6, ("b", seed, "Robust", 0.1): 0.55,
                       ("b", seed, "Fragile", 0.0): 0.7, ("b", seed, "Fragile", 0.1): 0.5})
    # on c Fragile failed at 0.1: c is left out of every cell, not of Robust's only
    scores.update({("c", 1, "Robust", 0.0): 0.1, ("c", 1, "Robust", 0.1): 0.9,
                   ("c", 1, "Fragile", 0.0): 0.1, ("c", 1, "Fragile", 0.1): "error"})
    return scores


def test_changes_are_from_the_first_level_on_the_complete_datasets(tmp_path):
    frame = _sweep(tmp_path, _scores())
    (protocol, noise_type, budget, rows), = noise_sweeps(frame)
    assert (protocol, noise_type) == ("adbench", "label_contamination")
    means, changes, datasets = sweep_changes(rows)
    assert datasets == ["a", "b"]
    assert means.loc["Robust", 0.0] == pytest.approx((0.81 + 0.6) / 2)
    assert means.loc["Fragile", 0.0] == pytest.approx((0.91 + 0.7) / 2)
    assert changes.loc["Robust", 0.1] == pytest.approx(-0.05)
    assert changes.loc["Fragile", 0.1] == pytest.approx(-0.25)
    roc = sweep_changes(rows, "auc_roc")[1]
    assert roc.loc["Fragile", 0.1] == pytest.approx(-0.125)
    with pytest.raises(ValueError, match="metric"):
        sweep_changes(rows, "f1")


def test_markdown_bolds_the_smallest_drop_and_the_report_has_it(tmp_path):
    frame = _sweep(tmp_path, _scores())
    text = robustness_markdown(frame)
    assert "### label_contamination, adbench, budget 0.1" in text
    assert "2 datasets: a, b." in text
    assert "| Robust | 0.705 | **-0.050** |" in text
    assert "| Fragile | 0.805 | -0.250 |" in text
    md = write_report(frame, tmp_path / "out", focus=None)["markdown"].read_text()
    assert "## Robustness: change from the first noise level" in md
    assert md.index("# Leaderboard") < md.index("## Robustness") < md.index("# Plots")


def test_no_sweep_no_section(tmp_path):
    clean = _sweep(tmp_path, {("a", 1, "X", 0.0): 0.5, ("a", 1, "Y", 0.0): 0.4})
    assert robustness_markdown(clean) == ""  # one level is no sweep
    with ResultStore(tmp_path / "plain.db") as store:
        store.write(FitKey("a", "adbench", 0.1, 1, "X"), {"status": "ok", "auc_pr": 0.5, "auc_roc": 0.5})
        plain = load_results(store)
    assert robustness_markdown(plain) == ""
    assert "Robustness" not in write_report(plain, tmp_path / "out2", focus=None)["markdown"].read_text()


def test_a_sweep_without_a_complete_dataset_says_so(tmp_path):
    frame = _sweep(tmp_path, {("a", 1, "X", 0.0): 0.5, ("a", 1, "X", 0.1): 0.4,
                              ("a", 1, "Y", 0.0): 0.5, ("a", 1, "Y", 0.1): "timeout"})
    assert "No dataset has a result for every detector at every level." in robustness_markdown(frame)
