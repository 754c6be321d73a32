"""Tests of adbench_runs.store: the UNIQUE key, upserts, resume queries, WAL mode."""
from __future__ import annotations

import math
import sqlite3

import pytest

from adbench_runs.store import STATUSES, FitKey, ResultStore, format_budget, parse_budget


@pytest.fixture
def store(tmp_path):
    with ResultStore(tmp_path / "sub" / "results.db") as st:
        yield st


def _ok(auc_pr=0.5, **extra):
    return {"status": "ok", "auc_roc": 0.8, "auc_pr": auc_pr, "fit_seconds": 0.1, "predict_seconds": 0.01,
            "params": {"n_estimators": 100}, "versions": {"numpy": "2"}, "host": {"hostname": "h"}, **extra}


def test_creates_parent_folder_and_uses_wal(tmp_path):
    path = tmp_path / "a" / "b" / "r.db"
    with ResultStore(path) as st:
        st.write(FitKey("d", "adbench", 0.1, 1, "IForest"), _ok())
    assert path.exists()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_unique_key_upsert_replaces_row_in_place(store):
    key = FitKey("cardio", "adbench", 0.1, 1, "IForest")
    store.write(key, {"status": "error", "error_type": "ValueError", "error": "boom"})
    first = store.get(key)
    store.write(key, _ok(auc_pr=0.7))
    assert store.count() == 1
    row = store.get(key)
    assert row["id"] == first["id"]
    assert row["status"] == "ok" and row["auc_pr"] == 0.7
    assert row["error"] is None and row["error_type"] is None
    assert row["attempts"] == 2
    assert row["params"] == {"n_estimators": 100}  # JSON decoded
    assert row["created_at"] == first["created_at"]


def test_sqlite_unique_constraint_itself_rejects_duplicates(store):
    key = FitKey("cardio", "adbench", 0.1, 1, "IForest")
    store.write(key, _ok())
    conn = sqlite3.connect(store.path)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO results (dataset, protocol, budget, seed, detector, noise_type, noise_ratio, "
                     "status, created_at, updated_at) VALUES ('cardio', 'adbench', '0.1', 1, 'IForest', "
                     "'none', 0.0, 'ok', 'x', 'x')")
    conn.close()


def test_every_key_column_distinguishes_rows(store):
    base = dict(dataset="d", protocol="adbench", budget=0.1, seed=1, detector="IForest",
                noise_type="none", noise_ratio=0.0)
    variants = [dict(dataset="e"), dict(protocol="devnet"), dict(budget=0.2), dict(seed=2),
                dict(detector="ECOD"), dict(noise_type="irrelevant_features"), dict(noise_ratio=0.1)]
    store.write(FitKey(**base), _ok())
    for change in variants:
        store.write(FitKey(**{**base, **change}), _ok())
    assert store.count() == 1 + len(variants)


def test_ratio_and_count_budgets_never_collide(store):
    store.write(FitKey("d", "adbench", 1.0, 1, "X"), _ok())
    store.write(FitKey("d", "adbench", 1, 1, "X"), _ok())
    assert store.count() == 2
    assert {k.budget for k in store.done_keys()} == {1.0, 1}
    assert {type(k.budget) for k in store.done_keys()} == {float, int}
    assert format_budget(0.1) == "0.1" and format_budget(30) == "30"
    assert parse_budget("0.1") == 0.1 and parse_budget("30") == 30


def test_done_keys_by_status_supports_retry_failed(store):
    ok, err, slow = (FitKey("d", "adbench", 0.1, s, "X") for s in (1, 2, 3))
    store.write(ok, _ok())
    store.write(err, {"status": "error", "error": "bad"})
    store.write(slow, {"status": "timeout", "error": "slow"})
    assert store.done_keys() == {ok, err, slow}
    assert store.done_keys(("ok",)) == {ok}
    assert store.count("error") == 1 and store.count("timeout") == 1
    assert store.done_keys(()) == set()
    with pytest.raises(ValueError, match="unknown statuses"):
        store.done_keys(("done",))


def test_rows_survive_reopen(tmp_path):
    path = tmp_path / "r.db"
    key = FitKey("d", "devnet", 30, 0, "DASAD", "contamination", 0.02)
    with ResultStore(path) as st:
        st.write(key, _ok())
    with ResultStore(path) as st:
        assert st.done_keys() == {key}
        row = st.get(key)
    assert row["budget"] == "30" and row["budget_kind"] == "count" and row["budget_value"] == 30.0
    assert row["noise_type"] == "contamination" and math.isclose(row["noise_ratio"], 0.02)


def test_nan_metric_is_stored_as_null(store):
    key = FitKey("d", "adbench", 0.1, 1, "X")
    store.write(key, _ok(auc_pr=float("nan")))
    assert store.get(key)["auc_pr"] is None


@pytest.mark.parametrize("result, match", [
    ({"auc_pr": 0.5}, "status must be one of"),
    ({"status": "done"}, "status must be one of"),
    ({"status": "ok", "colour": "red"}, "unknown result columns"),
])
def test_write_rejects_bad_results(store, result, match):
    with pytest.raises(ValueError, match=match):
        store.write(FitKey("d", "adbench", 0.1, 1, "X"), result)
    assert store.count() == 0


def test_bad_budgets_are_rejected():
    with pytest.raises(ValueError, match="ratio"):
        FitKey("d", "adbench", 1.5, 1, "X")
    with pytest.raises(ValueError, match="count"):
        FitKey("d", "adbench", -1, 1, "X")
    with pytest.raises(TypeError, match="bool"):
        FitKey("d", "adbench", True, 1, "X")


def test_to_frame_has_one_row_per_fit(store):
    for seed in (1, 2):
        store.write(FitKey("d", "adbench", 0.1, seed, "X"), _ok())
    frame = store.to_frame()
    assert len(frame) == 2 and set(frame["status"]) <= set(STATUSES)
