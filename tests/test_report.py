"""Tests of adbench_runs.report on a real (small) results database."""
from __future__ import annotations

import pandas as pd
import pytest

from adbench_runs.report import (CSV_OMITTED, complete_blocks, leaderboard_markdown, load_results, rank_table,
                                  write_report)
from adbench_runs.runner import RunConfig, run_grid
from adbench_runs.store import FitKey, ResultStore

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "results.db"
    with ResultStore(path) as store:
        # label budgets 0.0 and 0.1: LR (supervised) fails at 0.0, on every dataset and seed
        run_grid(RunConfig(datasets=["14_glass", "29_Pima", "43_WDBC"], detectors=["IForest", "ECOD", "HBOS", "LR"],
                           budgets=[0.0, 0.1], seeds=[1, 2]), store)
        # a robustness sweep
        run_grid(RunConfig(datasets=["14_glass", "43_WDBC"], detectors=["IForest", "LR"], seeds=[1],
                           noise_type="irrelevant_features", noise_ratios=[0.0, 0.25]), store)
    return path


def test_load_results(db):
    frame = load_results(db)
    assert len(frame) == 48 + 8
    assert set(frame["setting"]) == {"adbench, la=0", "adbench, la=0.1",
                                     "adbench, la=0.1, irrelevant_features=0",
                                     "adbench, la=0.1, irrelevant_features=0.25"}
    assert (frame.loc[(frame["detector"] == "LR") & (frame["budget"] == "0.0"), "status"] == "error").all()


def test_leaderboard_shows_failures_explicitly(db):
    text = leaderboard_markdown(load_results(db))
    assert "## adbench, la=0" in text and "## adbench, la=0.1" in text
    # Pima has a column in the AUC-PR and AUC-ROC tables of both settings it was run in
    headers = [line for line in text.splitlines() if line.startswith("| detector | 14_glass |")]
    assert sum(" 29_Pima |" in h for h in headers) == 2 * 2
    section = text.split("## adbench, la=0\n")[1].split("\n## ")[0]
    # LR failed on every seed at la=0: shown as failed, not dropped, and not ranked
    assert "failed (2/2)" in section
    assert "not ranked (every fit failed): LR" in section
    assert "Ranks on 3 of 3 datasets" in section
    assert "| LR | 14_glass | error | ValueError | 2 |" in section
    assert "| mean | average rank | wins |" in section
    # LR, unranked, is the last row; its mean needs every dataset
    table = section.split("### AUC-PR")[1].split("\n\n")[1].splitlines()
    assert table[-1].startswith("| LR | failed (2/2) |") and table[-1].endswith("| – | – | – |")


def test_leaderboard_rows_are_sorted_by_average_rank(db):
    from adbench_runs.report import rank_table

    frame = load_results(db)
    text = leaderboard_markdown(frame)
    section = text.split("## adbench, la=0.1\n")[1].split("\n## ")[0]
    table = section.split("### AUC-PR")[1].split("\n\n")[1].splitlines()[2:]
    names = [line.split(" | ")[0][2:] for line in table]
    _, ranks, _, _ = rank_table(frame[frame["setting"] == "adbench, la=0.1"], "auc_pr")
    assert names == list(ranks.mean(axis=0).sort_values(kind="stable").index)
    shown = [float(line.split(" | ")[-2]) for line in table]
    assert shown == sorted(shown)


def test_write_report_files(db, tmp_path):
    paths = write_report(load_results(db), tmp_path / "out")
    for key in ("markdown", "results_csv", "summary_csv"):
        assert paths[key].is_file() and paths[key].stat().st_size > 0
    names = {p.name for p in paths["plots"]}
    assert {"cd_adbench_la_0.1.png", "ranks_adbench_la_0.1.png", "budget_adbench_ratio.png"} <= names
    assert any(n.startswith("noise_adbench_irrelevant_features") for n in names)
    for png in paths["plots"]:
        data = png.read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 10_000
    results = pd.read_csv(paths["results_csv"])
    assert len(results) == 56 and set(results["status"]) == {"ok", "error"}
    assert {"dataset", "detector", "seed", "auc_pr", "auc_roc", "fit_seconds", "error"} <= set(results.columns)
    assert not set(CSV_OMITTED) & set(results.columns)  # provenance stays in the database
    summary = pd.read_csv(paths["summary_csv"])
    assert {"auc_pr_mean", "auc_pr_std", "auc_roc_mean", "n_ok", "n_error"} <= set(summary.columns)
    lr0 = summary[(summary["detector"] == "LR") & (summary["budget"] == 0.0)]
    assert (lr0["n_ok"] == 0).all() and (lr0["n_error"] == 2).all() and lr0["auc_pr_mean"].isna().all()
    md = paths["markdown"].read_text()
    for name in names:
        assert f"]({name})" in md


def test_report_of_an_empty_frame_is_refused(tmp_path):
    with ResultStore(tmp_path / "empty.db") as store:
        frame = load_results(store)
    assert leaderboard_markdown(frame) == "No results."
    with pytest.raises(ValueError, match="no results"):
        write_report(frame, tmp_path / "out")


def _frame(tmp_path, scores):
    """A database with the given {(dataset, seed, detector): auc_pr or status} entries."""
    with ResultStore(tmp_path / "hand.db") as store:
        for (dataset, seed, detector), value in scores.items():
            key = FitKey(dataset, "adbench", 0.1, seed, detector)
            if isinstance(value, str):
                store.write(key, {"status": value, "error": value})
            else:
                store.write(key, {"status": "ok", "auc_pr": value, "auc_roc": value})
        return load_results(store)


def test_ranks_use_complete_blocks_only(tmp_path):
    scores = {}
    for seed in (1, 2):
        scores.update({("a", seed, "X"): 0.9, ("a", seed, "Y"): 0.5, ("a", seed, "Z"): 0.7,
                       ("b", seed, "X"): 0.4, ("b", seed, "Y"): 0.6, ("b", seed, "Z"): 0.6})
    scores.update({("c", 1, "X"): 0.9, ("c", 1, "Y"): 0.8, ("c", 1, "Z"): 0.7, ("c", 2, "X"): "timeout",
                   ("c", 2, "Y"): 0.8, ("c", 2, "Z"): 0.7})
    frame = _frame(tmp_path, scores)
    complete, excluded, unranked = complete_blocks(frame)
    assert complete == ["a", "b"] and excluded == {"c": "not complete for X"} and unranked == []
    table, ranks, _, _ = rank_table(frame)
    assert ranks.loc["a"].tolist() == [1.0, 3.0, 2.0]
    assert ranks.loc["b"].tolist() == [3.0, 1.5, 1.5]  # ties share the average rank
    text = leaderboard_markdown(frame)
    assert "0.900 ± 0.000 (1/2 ok)" in text  # X on c: the timed-out seed is not hidden
    assert "excluded: c (not complete for X)" in text
    with pytest.raises(ValueError, match="metric"):
        rank_table(frame, "f1")


def test_leave_out_keeps_a_flaky_detector_out_of_the_ranks_not_out_of_the_tables(tmp_path):
    """X times out on dataset c, which takes c out of everyone's ranks; leaving X out of the
    ranking brings c back, and X's cells (failure included) stay in the tables."""
    scores = {}
    for seed in (1, 2):
        scores.update({("a", seed, "X"): 0.9, ("a", seed, "Y"): 0.5, ("a", seed, "Z"): 0.7,
                       ("b", seed, "X"): 0.4, ("b", seed, "Y"): 0.6, ("b", seed, "Z"): 0.7,
                       ("c", seed, "Y"): 0.8, ("c", seed, "Z"): 0.7})
    scores.update({("c", 1, "X"): 0.9, ("c", 2, "X"): "timeout"})
    frame = _frame(tmp_path, scores)
    complete, excluded, unranked = complete_blocks(frame, leave_out=["X"])
    assert complete == ["a", "b", "c"] and excluded == {} and unranked == ["X"]
    _, ranks, _, _ = rank_table(frame, leave_out=["X"])
    assert list(ranks.columns) == ["Y", "Z"] and ranks.loc["c"].tolist() == [1.0, 2.0]
    text = leaderboard_markdown(frame, leave_out=["X"])
    assert "Ranks on 3 of 3 datasets" in text
    assert "not ranked (left out by the report's --leave-out): X" in text
    assert "0.900 ± 0.000 (1/2 ok)" in text  # X's cell on c, with its failed seed
    paths = write_report(frame, tmp_path / "out", leave_out=["X"], focus=None)
    assert "left out by the report's --leave-out" in paths["markdown"].read_text()


_CD_SCRIPT = """
import sys
from adbench_runs.report import load_results, plot_cd_diagram
from adbench_runs.store import FitKey, ResultStore
with ResultStore(sys.argv[1]) as store:
    for d in range(4):  # six detectors no test separates: one crossbar through all of them
        for i, name in enumerate(["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot"]):
            value = 0.5 + 0.01 * ((i + d) % 6)
            store.write(FitKey("d%d" % d, "adbench", 0.1, 1, name),
                        {"status": "ok", "auc_pr": value, "auc_roc": value})
    frame = load_results(store)
plot_cd_diagram(frame, sys.argv[2])
"""


def test_cd_diagram_does_not_depend_on_string_hashing(tmp_path):
    """scikit-posthocs walks each crossbar in a set's order, which follows PYTHONHASHSEED:
    the same results must still give the same PNG, byte for byte, in every process."""
    import os
    import subprocess
    import sys

    pytest.importorskip("scikit_posthocs")
    script = tmp_path / "cd.py"
    script.write_text(_CD_SCRIPT)
    images = []
    for seed in ("1", "2", "3"):
        png = tmp_path / f"cd_{seed}.png"
        subprocess.run([sys.executable, str(script), str(tmp_path / f"s{seed}.db"), str(png)], check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed})
        images.append(png.read_bytes())
    assert images[0].startswith(PNG_MAGIC)
    assert images[0] == images[1] == images[2]


def test_crossbars_are_drawn_left_to_right():
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.lines import Line2D

    from adbench_runs.report import _sort_crossbars

    bar = Line2D([3.0, 1.25, 2.0], [-1, -1, -1])
    _sort_crossbars({"crossbars": [[bar]]})
    assert list(bar.get_xdata()) == [1.25, 2.0, 3.0] and list(bar.get_ydata()) == [-1, -1, -1]
    _sort_crossbars(None)  # older scikit-posthocs: nothing returned, nothing to do
