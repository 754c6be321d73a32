"""SQLite results store of the benchmark.

One table, ``results``, with one row per fit. A fit is identified by the
key ``(dataset, protocol, budget, seed, detector, noise_type, noise_ratio)``,
which is a ``UNIQUE`` constraint of the table, so a row can never be
duplicated: writing the same key again replaces the row in place (an
``INSERT ... ON CONFLICT DO UPDATE`` upsert).

Every row is committed as soon as it is written and the database runs in
WAL mode, so a run that is killed (even with ``SIGKILL``) loses at most the
fits that were in flight; a restart asks :meth:`ResultStore.done_keys` what
is already there and redoes only the rest.

Only one process writes (the runner's driver); any number may read.

Key columns
-----------
``budget`` is text so that a label *ratio* and a label *count* can never be
confused: ratios are written as Python float reprs (``"0.1"``, ``"1.0"``),
counts as integers (``"30"``). ``noise_type`` is ``"none"`` when no noise is
applied (SQLite treats NULLs in a UNIQUE key as distinct, so NULL is not
used in the key).

Examples
--------
>>> from adbench_runs.store import ResultStore, FitKey
>>> store = ResultStore(":memory:")
>>> key = FitKey("cardio", "adbench", 0.1, 1, "IForest")
>>> store.write(key, {"status": "ok", "auc_roc": 0.9, "auc_pr": 0.5})
>>> store.count()
1
>>> store.done_keys() == {key}
True
"""
from __future__ import annotations

import json
import logging
import math
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

logger = logging.getLogger(__name__)

__all__ = ["FitKey", "ResultStore", "STATUSES", "KEY_COLUMNS", "RESULT_COLUMNS",
           "format_budget", "parse_budget"]

#: Allowed values of the ``status`` column.
STATUSES = ("ok", "error", "timeout")

#: The columns of the UNIQUE key, in order.
KEY_COLUMNS = ("dataset", "protocol", "budget", "seed", "detector", "noise_type", "noise_ratio")

#: The value columns a runner may set (besides the key and bookkeeping).
RESULT_COLUMNS = (
    "status", "auc_roc", "auc_pr", "fit_seconds", "predict_seconds",
    "error_type", "error", "traceback",
    "n_train", "n_test", "n_labelled", "n_anomalies_train", "n_anomalies_test",
    "split_hash", "split_meta", "params", "versions", "host", "worker",
    "budget_kind", "budget_value",
)

_JSON_COLUMNS = ("split_meta", "params", "versions", "host")

_SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset           TEXT    NOT NULL,
    protocol          TEXT    NOT NULL,
    budget            TEXT    NOT NULL,
    seed              INTEGER NOT NULL,
    detector          TEXT    NOT NULL,
    noise_type        TEXT    NOT NULL DEFAULT 'none',
    noise_ratio       REAL    NOT NULL DEFAULT 0.0,
    status            TEXT    NOT NULL CHECK (status IN ('ok', 'error', 'timeout')),
    auc_roc           REAL,
    auc_pr            REAL,
    fit_seconds       REAL,
    predict_seconds   REAL,
    error_type        TEXT,
    error             TEXT,
    traceback         TEXT,
    n_train           INTEGER,
    n_test            INTEGER,
    n_labelled        INTEGER,
    n_anomalies_train INTEGER,
    n_anomalies_test  INTEGER,
    split_hash        TEXT,
    split_meta        TEXT,
    params            TEXT,
    versions          TEXT,
    host              TEXT,
    worker            TEXT,
    budget_kind       TEXT,
    budget_value      REAL,
    attempts          INTEGER NOT NULL DEFAULT 1,
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL,
    UNIQUE (dataset, protocol, budget, seed, detector, noise_type, noise_ratio)
);
CREATE INDEX IF NOT EXISTS results_status ON results (status);
"""


def format_budget(budget: Any) -> str:
    """Return the key text of a label budget.

    Parameters
    ----------
    budget : float or int
        A ratio of the training anomalies (float in [0, 1]) or a count of
        labelled anomalies (int >= 0). ``bool`` and other types are rejected.

    Returns
    -------
    str
        ``repr(float(budget))`` for a ratio, ``str(int(budget))`` for a count.

    Examples
    --------
    >>> format_budget(0.1), format_budget(1.0), format_budget(30)
    ('0.1', '1.0', '30')
    """
    if isinstance(budget, bool):
        raise TypeError("budget must be a float ratio or an int count, not a bool")
    if isinstance(budget, int) or (hasattr(budget, "dtype") and getattr(budget.dtype, "kind", "") in "iu"):
        value = int(budget)
        if value < 0:
            raise ValueError(f"a label count must be >= 0, got {value}")
        return str(value)
    if isinstance(budget, float) or (hasattr(budget, "dtype") and getattr(budget.dtype, "kind", "") == "f"):
        value = float(budget)
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"a label ratio must be in [0, 1], got {value}")
        return repr(value)
    raise TypeError(f"budget must be a float ratio or an int count, got {type(budget).__name__}")


def parse_budget(text: str) -> float | int:
    """Inverse of :func:`format_budget`: ``"0.1"`` -> 0.1, ``"30"`` -> 30.

    Examples
    --------
    >>> parse_budget("0.1"), parse_budget("30")
    (0.1, 30)
    """
    text = str(text).strip()
    if any(ch in text for ch in ".eE") or text.lower() in ("nan", "inf"):
        return float(text)
    return int(text)


@dataclass(frozen=True, eq=False)
class FitKey:
    """The identity of one fit (the table's UNIQUE key).

    Parameters
    ----------
    dataset : str
    protocol : str
        ``"adbench"`` or ``"devnet"``.
    budget : float or int
        Label ratio (float) or label count (int).
    seed : int
    detector : str
    noise_type : str, default="none"
        The robustness setting (ADBench noise type, or ``"contamination"`` for
        the DevNet protocol's contamination sweep); ``"none"`` for none.
    noise_ratio : float, default=0.0
    """

    dataset: str
    protocol: str
    budget: Any
    seed: int
    detector: str
    noise_type: str = "none"
    noise_ratio: float = 0.0

    def __post_init__(self) -> None:
        # normalise, so keys from the CLI and keys read back from SQLite compare equal
        object.__setattr__(self, "budget", parse_budget(format_budget(self.budget)))
        object.__setattr__(self, "seed", int(self.seed))
        object.__setattr__(self, "noise_type", "none" if self.noise_type is None else str(self.noise_type))
        object.__setattr__(self, "noise_ratio", float(self.noise_ratio))

    def _identity(self) -> tuple:
        # the budget compares by its text: ratio 1.0 and count 1 are different keys
        return (self.dataset, self.protocol, self.budget_text, self.seed, self.detector,
                self.noise_type, self.noise_ratio)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FitKey):
            return NotImplemented
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    @property
    def budget_text(self) -> str:
        """The budget as stored in the ``budget`` column."""
        return format_budget(self.budget)

    def as_row(self) -> dict:
        """The key as a column -> value mapping (budget as text)."""
        return {"dataset": self.dataset, "protocol": self.protocol, "budget": self.budget_text,
                "seed": self.seed, "detector": self.detector, "noise_type": self.noise_type,
                "noise_ratio": self.noise_ratio}

    def __str__(self) -> str:
        noise = "" if self.noise_type == "none" else f" {self.noise_type}={self.noise_ratio:g}"
        return (f"{self.dataset}/{self.protocol}/budget={self.budget_text}/seed={self.seed}"
                f"{noise}/{self.detector}")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _encode(column: str, value: Any) -> Any:
    """Python value -> SQLite value for ``column``."""
    if value is None:
        return None
    if column in _JSON_COLUMNS:
        return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=repr)
    if column in ("auc_roc", "auc_pr", "fit_seconds", "predict_seconds", "budget_value"):
        value = float(value)
        return None if math.isnan(value) else value
    if column.startswith("n_"):
        return int(value)
    return value


class ResultStore:
    """The SQLite file holding benchmark results.

    Parameters
    ----------
    path : str or os.PathLike
        Database file (created with its parent folders if missing), or
        ``":memory:"``.
    timeout : float, default=60.0
        Seconds SQLite waits for a lock held by another connection.

    Attributes
    ----------
    path : str
        The database path.

    Notes
    -----
    The connection is opened in WAL mode with ``synchronous=NORMAL``: every
    committed row survives the writer process being killed. Each
    :meth:`write` is its own transaction.
    """

    def __init__(self, path: str | os.PathLike, timeout: float = 60.0) -> None:
        self.path = os.fspath(path)
        if self.path != ":memory:":
            parent = os.path.dirname(os.path.abspath(self.path))
            os.makedirs(parent, exist_ok=True)
        self._conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        if self.path != ":memory:":
            mode = self._conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":  # pragma: no cover - e.g. network file systems
                logger.warning("SQLite refused WAL mode for %s (got %r)", self.path, mode)
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            self._conn.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")
        elif version != _SCHEMA_VERSION:
            raise ValueError(f"{self.path} has results schema version {version}; this code "
                             f"reads version {_SCHEMA_VERSION}")

    # ------------------------------------------------------------------ context manager
    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __enter__(self) -> "ResultStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ResultStore({self.path!r})"

    # ------------------------------------------------------------------ writing
    def write(self, key: FitKey, result: Mapping[str, Any]) -> None:
        """Insert or replace the row of ``key`` and commit.

        Parameters
        ----------
        key : FitKey
        result : mapping
            Values for :data:`RESULT_COLUMNS`; ``status`` is required. Dicts
            for ``params``, ``versions``, ``host`` and ``split_meta`` are
            stored as JSON. NaN metrics are stored as NULL.

        Raises
        ------
        ValueError
            For a missing or unknown status, or an unknown column.
        """
        if not isinstance(key, FitKey):
            raise TypeError(f"key must be a FitKey, got {type(key).__name__}")
        unknown = set(result) - set(RESULT_COLUMNS)
        if unknown:
            raise ValueError(f"unknown result columns {sorted(unknown)}; allowed: {RESULT_COLUMNS}")
        status = result.get("status")
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
        row = key.as_row()
        row.update({col: _encode(col, result.get(col)) for col in RESULT_COLUMNS})
        if row["budget_kind"] is None:
            row["budget_kind"] = "ratio" if isinstance(key.budget, float) else "count"
        if row["budget_value"] is None:
            row["budget_value"] = float(key.budget)
        now = _now()
        row["created_at"] = now
        row["updated_at"] = now
        columns = list(row)
        placeholders = ", ".join(f":{c}" for c in columns)
        updates = ", ".join(f"{c} = excluded.{c}" for c in RESULT_COLUMNS)
        sql = (f"INSERT INTO results ({', '.join(columns)}) VALUES ({placeholders}) "
               f"ON CONFLICT ({', '.join(KEY_COLUMNS)}) DO UPDATE SET {updates}, "
               "updated_at = excluded.updated_at, attempts = results.attempts + 1")
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            self._conn.execute(sql, row)
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def delete(self, keys: Iterable[FitKey]) -> int:
        """Delete the rows of ``keys`` (in one transaction); returns how many were deleted."""
        where = " AND ".join(f"{c} = :{c}" for c in KEY_COLUMNS)
        deleted = 0
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            for key in keys:
                deleted += self._conn.execute(f"DELETE FROM results WHERE {where}", key.as_row()).rowcount
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")
        return deleted

    # ------------------------------------------------------------------ reading
    def done_keys(self, statuses: Iterable[str] = STATUSES) -> set:
        """Keys of the rows whose status is in ``statuses``.

        Parameters
        ----------
        statuses : iterable of str, default=all statuses
            E.g. ``("ok",)`` to treat failed rows as not done (``--retry-failed``).

        Returns
        -------
        set of FitKey
        """
        statuses = tuple(statuses)
        bad = set(statuses) - set(STATUSES)
        if bad:
            raise ValueError(f"unknown statuses {sorted(bad)}; allowed: {STATUSES}")
        if not statuses:
            return set()
        marks = ", ".join("?" for _ in statuses)
        rows = self._conn.execute(
            f"SELECT {', '.join(KEY_COLUMNS)} FROM results WHERE status IN ({marks})", statuses
        ).fetchall()
        return {FitKey(r["dataset"], r["protocol"], parse_budget(r["budget"]), r["seed"], r["detector"],
                       r["noise_type"], r["noise_ratio"]) for r in rows}

    def stored_params(self) -> dict:
        """Distinct ``params`` of the rows, by detector: ``{detector: [dict, ...]}``."""
        out: dict = {}
        for detector, params in self._conn.execute("SELECT DISTINCT detector, params FROM results"):
            if params is not None:
                out.setdefault(detector, []).append(json.loads(params))
        return out

    def get(self, key: FitKey) -> dict | None:
        """The row of ``key`` as a dict (JSON columns decoded), or None."""
        where = " AND ".join(f"{c} = :{c}" for c in KEY_COLUMNS)
        row = self._conn.execute(f"SELECT * FROM results WHERE {where}", key.as_row()).fetchone()
        return None if row is None else self._decode(row)

    def count(self, status: str | None = None) -> int:
        """Number of rows (with ``status`` if given)."""
        if status is None:
            return self._conn.execute("SELECT COUNT(*) FROM results").fetchone()[0]
        return self._conn.execute("SELECT COUNT(*) FROM results WHERE status = ?", (status,)).fetchone()[0]

    def rows(self) -> list:
        """All rows as dicts (JSON columns decoded), ordered by id."""
        return [self._decode(r) for r in self._conn.execute("SELECT * FROM results ORDER BY id")]

    def to_frame(self):
        """All rows as a :class:`pandas.DataFrame` (JSON columns left as text)."""
        import pandas as pd  # noqa: PLC0415  (pandas only where frames are wanted)

        return pd.read_sql_query("SELECT * FROM results ORDER BY id", self._conn)

    @staticmethod
    def _decode(row: sqlite3.Row) -> dict:
        out = dict(row)
        for col in _JSON_COLUMNS:
            if out.get(col) is not None:
                out[col] = json.loads(out[col])
        return out
