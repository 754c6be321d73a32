"""Tests of adbench_runs.datasets: registry, loaders, offline behaviour, bad files."""
from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest

from adbench_runs import datasets as dsm
from adbench_runs.datasets import (
    DATA_DIR_ENV,
    DEFAULT_DATASETS,
    REGISTRY,
    Dataset,
    DatasetUnavailable,
    get_cache_dir,
    get_data_dir,
    list_datasets,
    load_dataset,
    sha256_file,
)

FIXTURES = Path(dsm.__file__).resolve().parent / "data"

# rows, columns, anomalies: from shared/datasets/MANIFEST.md
MANIFEST_ADBENCH = {
    "2_annthyroid": (7200, 6, 534), "4_breastw": (683, 9, 239), "5_campaign": (41188, 62, 4640),
    "6_cardio": (1831, 21, 176), "7_Cardiotocography": (2114, 21, 466),
    "12_fault": (1941, 27, 673), "14_glass": (214, 7, 9), "18_Ionosphere": (351, 32, 126),
    "20_letter": (1600, 32, 100), "22_magic.gamma": (19020, 10, 6688),
    "23_mammography": (11183, 6, 260), "25_musk": (3062, 166, 97),
    "27_PageBlocks": (5393, 10, 510), "29_Pima": (768, 8, 268), "30_satellite": (6435, 36, 2036),
    "31_satimage-2": (5803, 36, 71), "32_shuttle": (49097, 9, 3511),
    "35_SpamBase": (4207, 57, 1679), "38_thyroid": (3772, 6, 93), "40_vowels": (1456, 12, 50),
    "43_WDBC": (367, 30, 10), "44_Wilt": (4819, 5, 257), "47_yeast": (1484, 8, 507),
}
MANIFEST_MVTEC = {
    "bottle": (292, 63), "cable": (374, 92), "capsule": (351, 109), "carpet": (397, 89),
    "grid": (342, 57), "hazelnut": (501, 70), "leather": (369, 92), "metal_nut": (335, 93),
    "pill": (434, 141), "screw": (480, 119), "tile": (347, 84), "toothbrush": (102, 30),
    "transistor": (313, 40), "wood": (326, 60), "zipper": (391, 119),
}
MANIFEST_RAW = {
    "arrhythmia": (452, 274, 66), "odds_cardio": (1831, 21, 176),
    "odds_satellite": (6435, 36, 2036), "odds_shuttle": (49097, 9, 3511),
    "spambase": (4601, 57, 1813), "nslkdd": (125973, 122, 58630),
    "nslkdd_test": (22544, 122, 12833), "nslkdd_train20": (25192, 122, 11743),
}


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No data dir, an empty cache, downloads forbidden: a fresh offline clone."""
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "no-such-data-dir"))
    monkeypatch.setenv(dsm.CACHE_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv(dsm.OFFLINE_ENV, "1")
    return tmp_path


def _check(ds: Dataset, rows: int, cols: int, anomalies: int) -> None:
    assert ds.X.shape == (rows, cols)
    assert ds.y.shape == (rows,)
    assert ds.X.dtype == np.float64 and ds.y.dtype == np.int64
    assert ds.n_anomalies == anomalies
    assert set(np.unique(ds.y)) == {0, 1}
    assert np.isfinite(ds.X).all()


# --------------------------------------------------------------------------- fixtures
@pytest.mark.parametrize("name", DEFAULT_DATASETS)
def test_default_group_loads_offline(offline, name):
    ds = load_dataset(name)
    _check(ds, *MANIFEST_ADBENCH[name])
    assert str(FIXTURES) in ds.source
    assert ds.name == name


def test_default_group_lists_embedded_files():
    assert list_datasets("default") == list(DEFAULT_DATASETS)
    files = sorted(p.name for p in FIXTURES.glob("*.npz"))
    assert files == sorted(n + ".npz" for n in DEFAULT_DATASETS)
    assert sum(p.stat().st_size for p in FIXTURES.glob("*.npz")) < 200_000


@pytest.mark.parametrize("name", DEFAULT_DATASETS)
def test_fixture_sha256_matches_registry_and_readme(name):
    digest = sha256_file(FIXTURES / (name + ".npz"))
    assert digest == REGISTRY[name].file.sha256
    assert digest in (FIXTURES / "README.md").read_text()


def test_short_and_full_names_give_same_data(offline):
    full, short = load_dataset("6_cardio"), load_dataset("CARDIO")
    assert short.name == "6_cardio"
    np.testing.assert_array_equal(full.X, short.X)
    assert load_dataset("pima").name == "29_Pima"
    assert dsm.resolve_name("MVTec-AD_bottle") == "mvtec_bottle"
    assert dsm.resolve_name("spambase") == "spambase"          # UCI, the paper version
    assert dsm.resolve_name("adbench_spambase") == "35_SpamBase"
    assert dsm.resolve_name("creditcard") == "fraud"


def test_unknown_name_suggests_close_matches():
    with pytest.raises(ValueError, match="Did you mean.*cardio"):
        load_dataset("cardoi")


def test_registry_entries_are_complete():
    for name, spec in REGISTRY.items():
        assert spec.domain and spec.origin and spec.loader in dsm._READERS
        assert spec.file.relpath
        assert spec.file.urls or spec.file.manual, name
        if spec.file.sha256 is not None:
            assert len(spec.file.sha256) == 64
    assert len(list_datasets("mvtec")) == 15
    assert list_datasets("paper") == ["arrhythmia", "spambase", "cardio", "mammography",
                                      "satellite", "shuttle", "fraud", "nslkdd"]
    for name in list_datasets("paper") + list_datasets("mvtec"):
        dsm.resolve_name(name)


def test_unknown_group():
    with pytest.raises(ValueError, match="paper, adbench, mvtec, default"):
        list_datasets("everything")


# --------------------------------------------------------------------------- data dir
def test_get_data_dir_precedence(monkeypatch, tmp_path):
    monkeypatch.delenv(dsm.CACHE_DIR_ENV, raising=False)
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    assert get_cache_dir().name == "pyod_dasad"
    monkeypatch.setenv(dsm.CACHE_DIR_ENV, str(tmp_path / "cache"))
    assert get_cache_dir() == tmp_path / "cache"
    assert get_data_dir() == tmp_path / "cache"
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "env"))
    assert get_data_dir() == tmp_path / "env"
    assert get_data_dir(tmp_path / "explicit") == tmp_path / "explicit"
    assert get_data_dir(str(tmp_path / "explicit")) == tmp_path / "explicit"


@pytest.mark.parametrize("layout", ["adbench", "Classical", ""])
def test_adbench_group_scans_layouts(tmp_path, layout):
    folder = tmp_path / layout
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("14_glass", "4_breastw"):
        shutil.copy(FIXTURES / (name + ".npz"), folder / (name + ".npz"))
    (folder / "notes.npz").write_bytes(b"not a dataset name")
    assert list_datasets("adbench", data_dir=tmp_path) == ["4_breastw", "14_glass"]
    ds = load_dataset("14_glass", data_dir=tmp_path, verify=True)
    assert str(folder / "14_glass.npz") in ds.source


def test_adbench_group_empty_dir(tmp_path):
    assert list_datasets("adbench", data_dir=tmp_path / "missing") == []


def test_unregistered_adbench_file_in_data_dir(tmp_path):
    (tmp_path / "adbench").mkdir()
    shutil.copy(FIXTURES / "14_glass.npz", tmp_path / "adbench" / "99_newset.npz")
    ds = load_dataset("99_newset", data_dir=tmp_path)
    _check(ds, 214, 7, 9)
    assert "not in the registry" in ds.source


# --------------------------------------------------------------------------- missing
def test_missing_file_raises_dataset_unavailable(offline):
    missing = offline / "nowhere"
    with pytest.raises(DatasetUnavailable) as info:
        load_dataset("nslkdd", data_dir=missing)
    err = info.value
    assert isinstance(err, FileNotFoundError)
    msg = str(err)
    assert "raw/nsl-kdd/KDDTrain+.txt.gz" in msg
    assert str(missing) in msg
    assert "--data-dir" in msg and DATA_DIR_ENV in msg
    assert "unb.ca/cic/datasets/nsl.html" in msg
    assert str(missing / "raw/nsl-kdd/KDDTrain+.txt.gz") in msg


def test_missing_downloadable_file_offline_names_url(offline):
    with pytest.raises(DatasetUnavailable, match="PYOD_DASAD_OFFLINE") as info:
        load_dataset("2_annthyroid")
    msg = str(info.value)
    assert "Minqi824/ADBench" in msg and "adbench/2_annthyroid.npz" in msg
    assert f"from the environment variable {DATA_DIR_ENV}" in msg


def test_download_false_is_respected(tmp_path, monkeypatch):
    monkeypatch.setenv(dsm.CACHE_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(dsm.OFFLINE_ENV, raising=False)
    with pytest.raises(DatasetUnavailable, match="download=False"):
        load_dataset("mvtec_bottle", data_dir=tmp_path / "x", download=False)


def test_download_verifies_sha256(tmp_path):
    src = FIXTURES / "14_glass.npz"
    url = src.as_uri()
    dest = tmp_path / "dl" / "adbench" / "14_glass.npz"
    dsm._download(url, dest, REGISTRY["14_glass"].file.sha256)
    assert dest.read_bytes() == src.read_bytes()
    bad = tmp_path / "dl" / "bad.npz"
    with pytest.raises(ValueError, match="sha256 mismatch"):
        dsm._download(url, bad, "0" * 64)
    assert not bad.exists()
    assert list(bad.parent.glob("*.part")) == []
    with pytest.raises(ValueError, match="unsupported scheme"):
        dsm._download("ftp://example.org/x.npz", bad, None)


def test_downloaded_file_in_cache_is_found(tmp_path, monkeypatch):
    """A file placed in the cache (where downloads go) is used when the data dir lacks it."""
    monkeypatch.setenv(dsm.CACHE_DIR_ENV, str(tmp_path / "cache"))
    dest = get_cache_dir() / "adbench" / "29_Pima.npz"
    dsm._download((FIXTURES / "29_Pima.npz").as_uri(), dest, REGISTRY["29_Pima"].file.sha256)
    ds = load_dataset("29_Pima", data_dir=tmp_path / "empty", download=False)
    assert str(dest) in ds.source


# --------------------------------------------------------------------------- bad files
def test_truncated_npz_raises_value_error(tmp_path):
    data = (FIXTURES / "6_cardio.npz").read_bytes()
    target = tmp_path / "adbench" / "6_cardio.npz"
    target.parent.mkdir()
    target.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated or corrupt") as info:
        load_dataset("6_cardio", data_dir=tmp_path)
    assert str(target) in str(info.value)


def test_truncated_user_npz(tmp_path):
    target = tmp_path / "mine.npz"
    target.write_bytes((FIXTURES / "14_glass.npz").read_bytes()[:500])
    with pytest.raises(ValueError, match="mine.npz"):
        load_dataset(str(target))


def test_truncated_gzip_text_raises_value_error(tmp_path):
    rows = "\n".join(["0,tcp,http,SF," + ",".join(["0"] * 37) + ",normal,21"] * 2000)
    raw = gzip.compress(rows.encode())
    target = tmp_path / "raw" / "nsl-kdd" / "KDDTrain+.txt.gz"
    target.parent.mkdir(parents=True)
    target.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match="KDDTrain.*truncated or corrupt"):
        load_dataset("nslkdd", data_dir=tmp_path)


def test_truncated_mat_raises_value_error(tmp_path, shared_data_dir):
    src = shared_data_dir / "raw" / "odds" / "arrhythmia.mat"
    target = tmp_path / "raw" / "odds" / "arrhythmia.mat"
    target.parent.mkdir(parents=True)
    target.write_bytes(src.read_bytes()[:4000])
    with pytest.raises(ValueError, match="arrhythmia.mat.*truncated or corrupt"):
        load_dataset("arrhythmia", data_dir=tmp_path)


def test_verify_detects_wrong_file(tmp_path):
    (tmp_path / "adbench").mkdir()
    shutil.copy(FIXTURES / "29_Pima.npz", tmp_path / "adbench" / "14_glass.npz")
    with pytest.raises(ValueError, match="sha256"):
        load_dataset("14_glass", data_dir=tmp_path, verify=True)
    # without verify the (wrong) file is loaded as-is
    assert load_dataset("14_glass", data_dir=tmp_path).X.shape == (768, 8)


def test_pickled_npz_is_refused(tmp_path):
    target = tmp_path / "pickled.npz"
    np.savez(target, X=np.array([[1, "a"]], dtype=object), y=np.array([0]))
    with pytest.raises(ValueError, match="pickled.npz"):
        load_dataset(str(target))


def test_npz_without_xy_keys(tmp_path):
    target = tmp_path / "keys.npz"
    np.savez(target, data=np.zeros((3, 2)))
    with pytest.raises(ValueError, match="needs arrays 'X' and 'y'"):
        load_dataset(str(target))


# --------------------------------------------------------------------------- user files
def _glass():
    with np.load(FIXTURES / "14_glass.npz", allow_pickle=False) as data:
        return data["X"], data["y"]


def test_user_npz(tmp_path):
    X, y = _glass()
    target = tmp_path / "glass_copy.npz"
    np.savez(target, X=X.astype(np.float32), y=y.astype(np.int32))
    ds = load_dataset(str(target))
    _check(ds, 214, 7, 9)
    assert ds.name == "glass_copy" and ds.domain == "user"


def test_user_csv_headerless_last_column(tmp_path):
    X, y = _glass()
    target = tmp_path / "glass.csv"
    np.savetxt(target, np.column_stack([X, y]), delimiter=",", fmt="%.17g")
    ds = load_dataset(str(target))
    _check(ds, 214, 7, 9)
    np.testing.assert_array_equal(ds.X, X)


def test_user_csv_named_and_positional_label(tmp_path):
    import pandas as pd

    X, y = _glass()
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    df.insert(0, "is_anomaly", y)
    target = tmp_path / "glass_header.csv"
    df.to_csv(target, index=False)
    by_name = load_dataset(str(target), label_column="is_anomaly")
    by_pos = load_dataset(str(target), label_column=0)
    _check(by_name, 214, 7, 9)
    np.testing.assert_array_equal(by_name.X, by_pos.X)
    with pytest.raises(ValueError, match="no column named"):
        load_dataset(str(target), label_column="label")
    with pytest.raises(ValueError, match="out of range"):
        load_dataset(str(target), label_column=12)


def test_user_file_missing(tmp_path):
    with pytest.raises(DatasetUnavailable, match="does not exist"):
        load_dataset(str(tmp_path / "nope.npz"))


def test_nan_in_x_is_reported(tmp_path):
    X, y = _glass()
    X = X.copy()
    X[3, 2] = np.nan
    X[5, 1] = np.inf
    target = tmp_path / "nan.npz"
    np.savez(target, X=X, y=y)
    with pytest.raises(ValueError, match=r"1 NaN and 1 infinite values in 2 rows"):
        load_dataset(str(target))


def test_non_binary_labels_are_refused(tmp_path):
    X, y = _glass()
    target = tmp_path / "multiclass.npz"
    np.savez(target, X=X, y=np.where(y == 1, 2, 0))
    with pytest.raises(ValueError, match="0 \\(normal\\) or 1 \\(anomaly\\)"):
        load_dataset(str(target))


# --------------------------------------------------------------------------- shared data
@pytest.mark.parametrize("name", sorted(MANIFEST_ADBENCH))
def test_shared_adbench(shared_data_dir, name):
    ds = load_dataset(name, data_dir=shared_data_dir, download=False, verify=True)
    _check(ds, *MANIFEST_ADBENCH[name])
    assert str(shared_data_dir) in ds.source


def test_shared_adbench_group_lists_all(shared_data_dir):
    assert set(list_datasets("adbench", data_dir=shared_data_dir)) == set(MANIFEST_ADBENCH)


@pytest.mark.parametrize("cat", sorted(MANIFEST_MVTEC))
def test_shared_mvtec(shared_data_dir, cat):
    ds = load_dataset("mvtec_" + cat, data_dir=shared_data_dir, download=False, verify=True)
    rows, anomalies = MANIFEST_MVTEC[cat]
    _check(ds, rows, 512, anomalies)


@pytest.mark.parametrize("name", sorted(MANIFEST_RAW))
def test_shared_raw(shared_data_dir, name):
    ds = load_dataset(name, data_dir=shared_data_dir, download=False, verify=True)
    _check(ds, *MANIFEST_RAW[name])


def test_shared_nslkdd_encoding(shared_data_dir):
    ds = load_dataset("nslkdd", data_dir=shared_data_dir)
    onehot = ds.X[:, 38:]
    assert onehot.shape[1] == 84
    # exactly one protocol, one service and one flag per row
    np.testing.assert_array_equal(onehot[:, :3].sum(axis=1), 1)
    np.testing.assert_array_equal(onehot[:, 3:73].sum(axis=1), 1)
    np.testing.assert_array_equal(onehot[:, 73:].sum(axis=1), 1)
    assert (onehot.sum(axis=0) > 0).all()    # every KDDTrain+ category occurs
    assert ds.X[0, 0] == 0 and ds.X[0, 1] == 491   # duration, src_bytes of row 1


def test_shared_fraud(shared_data_dir):
    ds = load_dataset("fraud", data_dir=shared_data_dir, download=False)
    _check(ds, 284807, 29, 492)
    assert ds.domain == "finance"


@pytest.mark.parametrize("name", ["cardio", "satellite", "shuttle"])
def test_odds_and_adbench_versions_agree(shared_data_dir, name):
    odds = load_dataset("odds_" + name, data_dir=shared_data_dir)
    adb = load_dataset(name, data_dir=shared_data_dir)
    np.testing.assert_array_equal(odds.X, adb.X)
    np.testing.assert_array_equal(odds.y, adb.y)


def test_shared_paper_group(shared_data_dir):
    for name in list_datasets("paper"):
        if name in ("fraud", "nslkdd"):
            continue   # covered above; the two largest files
        ds = load_dataset(name, data_dir=shared_data_dir, download=False)
        assert ds.n_anomalies > 0 and ds.n_samples > ds.n_anomalies
