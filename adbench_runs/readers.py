"""Readers of the dataset files the loaders know: ADBench's ``.npz``, ODDS' MATLAB
``.mat``, the official NSL-KDD text, the credit-card Fraud and UCI Spambase CSVs, and a
user's CSV. Each returns ``(X, y)`` and raises a ``ValueError`` naming the file when it
cannot read it (:func:`adbench_runs.datasets.load_dataset` calls them)."""
from __future__ import annotations

from pathlib import Path
from typing import List, Tuple

import numpy as np

def _corrupt(path: Path, kind: str, exc: BaseException) -> ValueError:
    return ValueError(
        f"Cannot read {path} as {kind}: {type(exc).__name__}: {exc}. The file may be "
        f"truncated or corrupt; delete it and obtain it again.")


def _read_npz(path: Path) -> Tuple[np.ndarray, np.ndarray]:
    keys: List[str] = []
    X = y = None
    try:
        with np.load(path, allow_pickle=False) as data:
            keys = list(data.files)
            if "X" in keys and "y" in keys:
                X, y = np.asarray(data["X"]), np.asarray(data["y"])
    except Exception as exc:  # BadZipFile, EOFError, OSError, zlib.error, pickled arrays ...
        raise _corrupt(path, "npz", exc) from exc
    if X is None or y is None:
        raise ValueError(f"{path}: an .npz dataset needs arrays 'X' and 'y'; found {sorted(keys)}.")
    return X, y


def _read_mat(path: Path) -> Tuple[np.ndarray, np.ndarray]:
    from scipy.io import loadmat

    try:
        data = loadmat(str(path))
    except Exception as exc:  # scipy raises many types on damaged files
        raise _corrupt(path, "MATLAB .mat", exc) from exc
    if "X" not in data or "y" not in data:
        raise ValueError(f"{path}: a .mat dataset needs variables 'X' and 'y'.")
    return np.asarray(data["X"]), np.asarray(data["y"])


def _read_csv(path: Path, **kwargs):
    """``pandas.read_csv`` with exact (round-trip) float parsing on every pandas version.

    pandas < 3 parses floats with a fast parser that can be off by one ulp, so it gets
    ``float_precision="round_trip"``; pandas 3 parses exactly by default (and deprecates
    the argument). Values are then bit-identical in ADBench's legacy environment
    (pandas 1.5) and the main one.
    """
    import pandas as pd

    if int(pd.__version__.split(".")[0]) < 3:
        kwargs.setdefault("float_precision", "round_trip")
    try:
        return pd.read_csv(path, **kwargs)
    except Exception as exc:  # EOFError, BadGzipFile, zlib.error, ParserError ...
        raise _corrupt(path, "CSV text", exc) from exc


NSLKDD_PROTOCOLS: Tuple[str, ...] = ("icmp", "tcp", "udp")
NSLKDD_SERVICES: Tuple[str, ...] = (
    "IRC", "X11", "Z39_50", "aol", "auth", "bgp", "courier", "csnet_ns", "ctf", "daytime",
    "discard", "domain", "domain_u", "echo", "eco_i", "ecr_i", "efs", "exec", "finger", "ftp",
    "ftp_data", "gopher", "harvest", "hostnames", "http", "http_2784", "http_443", "http_8001",
    "imap4", "iso_tsap", "klogin", "kshell", "ldap", "link", "login", "mtp", "name",
    "netbios_dgm", "netbios_ns", "netbios_ssn", "netstat", "nnsp", "nntp", "ntp_u", "other",
    "pm_dump", "pop_2", "pop_3", "printer", "private", "red_i", "remote_job", "rje", "shell",
    "smtp", "sql_net", "ssh", "sunrpc", "supdup", "systat", "telnet", "tftp_u", "tim_i", "time",
    "urh_i", "urp_i", "uucp", "uucp_path", "vmnet", "whois")
NSLKDD_FLAGS: Tuple[str, ...] = ("OTH", "REJ", "RSTO", "RSTOS0", "RSTR", "S0", "S1", "S2", "S3",
                                 "SF", "SH")
"""The categorical vocabularies of KDDTrain+ (sorted); they give 38 + 3 + 70 + 11 = 122 columns."""


def _read_nslkdd(path: Path) -> Tuple[np.ndarray, np.ndarray]:
    """Official NSL-KDD text: 41 features, label, difficulty; one-hot the 3 symbolic ones.

    Columns of X: the 38 numeric features in file order, then protocol_type, service and
    flag indicators in the order of :data:`NSLKDD_PROTOCOLS`, :data:`NSLKDD_SERVICES`,
    :data:`NSLKDD_FLAGS`. Anomaly = label other than ``normal``; difficulty is dropped.
    """
    df = _read_csv(path, header=None)
    if df.shape[1] != 43:
        raise ValueError(f"{path}: NSL-KDD text needs 43 comma-separated fields per row "
                         f"(41 features, label, difficulty); found {df.shape[1]}.")
    numeric_cols = [c for c in range(41) if c not in (1, 2, 3)]
    try:
        numeric = df[numeric_cols].to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise _corrupt(path, "NSL-KDD text", exc) from exc
    blocks = [numeric]
    for col, vocab in ((1, NSLKDD_PROTOCOLS), (2, NSLKDD_SERVICES), (3, NSLKDD_FLAGS)):
        values = df[col].astype(str).to_numpy()
        unknown = sorted(set(values) - set(vocab))
        if unknown:
            raise ValueError(f"{path}: column {col} has values outside the NSL-KDD "
                             f"vocabulary: {unknown[:5]}.")
        lookup = {v: i for i, v in enumerate(vocab)}
        onehot = np.zeros((len(values), len(vocab)), dtype=np.float64)
        onehot[np.arange(len(values)), [lookup[v] for v in values]] = 1.0
        blocks.append(onehot)
    X = np.hstack(blocks)
    y = (df[41].astype(str).str.strip() != "normal").to_numpy().astype(np.int64)
    return X, y


def _read_creditcard(path: Path) -> Tuple[np.ndarray, np.ndarray]:
    df = _read_csv(path)
    expected = ["V%d" % i for i in range(1, 29)] + ["Amount"]
    missing = [c for c in expected + ["Class"] if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: credit-card CSV lacks columns {missing}.")
    return df[expected].to_numpy(dtype=np.float64), df["Class"].to_numpy()


def _read_spambase(path: Path) -> Tuple[np.ndarray, np.ndarray]:
    df = _read_csv(path, header=None)
    if df.shape[1] != 58:
        raise ValueError(f"{path}: spambase.data needs 58 columns (57 features + class); "
                         f"found {df.shape[1]}.")
    return df.iloc[:, :57].to_numpy(dtype=np.float64), df.iloc[:, 57].to_numpy()


def _read_user_csv(path: Path, label_column) -> Tuple[np.ndarray, np.ndarray]:
    df = _read_csv(path, header=None)
    first = df.iloc[0]
    has_header = any(_not_number(v) for v in first)
    if has_header:
        df = _read_csv(path)
    if isinstance(label_column, str):
        if label_column not in df.columns:
            raise ValueError(f"{path}: no column named {label_column!r}; columns are "
                             f"{list(df.columns)[:10]}...")
        label = df[label_column]
        feats = df.drop(columns=[label_column])
    else:
        idx = int(label_column)
        if not -df.shape[1] <= idx < df.shape[1]:
            raise ValueError(f"{path}: label_column={idx} is out of range for "
                             f"{df.shape[1]} columns.")
        label = df.iloc[:, idx]
        feats = df.drop(columns=[df.columns[idx]])
    try:
        X = feats.to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: feature columns must be numeric ({exc}).") from exc
    return X, label.to_numpy()


def _not_number(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return True
    return False


_READERS = {
    "npz": _read_npz,
    "mat": _read_mat,
    "nslkdd": _read_nslkdd,
    "creditcard": _read_creditcard,
    "spambase": _read_spambase,
}
