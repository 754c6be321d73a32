"""Dataset registry and loaders for the pyod_dasad benchmark.

Every dataset is identified by a name (``"6_cardio"``, ``"cardio"``, ``"nslkdd"``,
``"mvtec_bottle"`` ...) or by a path to a user file. :func:`load_dataset` returns a
:class:`Dataset` with ``X`` (float64, 2-D) and ``y`` (int64, 1 = anomaly).

Where files are looked up, in order:

1. the data directory: the ``data_dir`` argument (the CLI flag ``--data-dir``), else the
   environment variable ``PYOD_DASAD_DATA``, else the user cache directory
   (:func:`get_cache_dir`). Both the layout of the shared benchmark folder
   (``adbench/*.npz``, ``adbench_cv/*.npz``, ``raw/...``), ADBench's own layout
   (``Classical/*.npz``, ``CV_by_ResNet18/*.npz``) and a flat folder are accepted;
2. the user cache directory, where downloads are stored (``PYOD_DASAD_CACHE`` overrides it);
3. the small real ADBench files embedded in ``adbench_runs/data`` (the ``default`` group),
   so that the default benchmark runs offline on a fresh clone;
4. a download from the official URL into the cache directory, checked against the
   registered sha256 (skipped when ``download=False`` or ``PYOD_DASAD_OFFLINE=1``).

When all of these fail, :class:`DatasetUnavailable` (a ``FileNotFoundError``) says which
file is missing and where to put it.

Dataset choices for the ``paper`` group (the eight datasets of FEAWAD and DASAD)
--------------------------------------------------------------------------------
* ``spambase`` is the full UCI Spambase file (4,601 rows, 57 features, 1,813 spam = 1 as
  anomaly), not ADBench's 35_SpamBase (4,207 rows, a de-duplicated DAMI version). Evidence:
  FEAWAD's public ``dataset/spambase_normalization.csv`` (GitHub
  yj-zhou/Feature_Encoding_with_AutoEncoders_for_Weakly-supervised_Anomaly_Detection)
  starts with UCI row 1, keeps UCI's exact duplicate rows 25 and 27, and its size
  (918,727 characters) equals exactly that of the 4,601 UCI rows min-max scaled and
  printed with 6 decimals, spam rows labelled 1. ADBench's version stays available as
  ``35_SpamBase`` (alias ``adbench_spambase``).
* ``nslkdd`` is the official KDDTrain+ file (125,973 rows; 58,630 attacks = 46.5 %,
  anomaly = label != 'normal'), with protocol_type (3), service (70) and flag (11) one-hot
  encoded next to the 38 numeric features: 122 features, the dimension that FEAWAD's
  ``nslkdd_normalization`` data uses (``--data_dim 122``). 122 is exactly what the
  KDDTrain+ vocabulary gives; KDDTest+ alone has 64 services (116 features). FEAWAD's
  NSL-KDD file itself is not public in a form we could inspect, so its row count is not
  confirmed. ``nslkdd_test`` (KDDTest+, 22,544 rows) and ``nslkdd_train20``
  (KDDTrain+_20Percent, 25,192 rows) use the same fixed 122-column encoding.
* ``fraud`` is the complete credit-card file (284,807 rows, 492 frauds); ``Time`` is
  dropped as ADBench does, leaving V1..V28 and Amount (29 features).
* ``cardio``, ``mammography``, ``satellite`` and ``shuttle`` are ADBench's npz files; for
  cardio, satellite and shuttle they hold the same X and y as the ODDS .mat files (those
  load as ``odds_cardio`` ...). ``arrhythmia`` is the ODDS .mat file (ADBench has none).
"""
from __future__ import annotations

import difflib
import hashlib
import logging
import os
import re
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

import numpy as np

from .readers import (NSLKDD_FLAGS, NSLKDD_PROTOCOLS, NSLKDD_SERVICES,  # noqa: F401 - importable from here too
                      _READERS, _read_mat, _read_npz, _read_user_csv)

logger = logging.getLogger(__name__)

DATA_DIR_ENV = "PYOD_DASAD_DATA"
"""Environment variable naming the data directory (the CLI flag is ``--data-dir``)."""

OFFLINE_ENV = "PYOD_DASAD_OFFLINE"
"""Set to ``1`` to forbid downloads."""

CACHE_DIR_ENV = "PYOD_DASAD_CACHE"
"""Environment variable overriding the cache directory (where downloads go)."""

DATA_DIR_FLAG = "--data-dir"
FIXTURE_DIR = Path(__file__).resolve().parent / "data"
DOWNLOAD_TIMEOUT = 60.0

PathLike = Union[str, "os.PathLike[str]"]

__all__ = [
    "CACHE_DIR_ENV",
    "DATA_DIR_ENV",
    "OFFLINE_ENV",
    "Dataset",
    "DatasetSpec",
    "DatasetUnavailable",
    "FileSpec",
    "REGISTRY",
    "PAPER_DATASETS",
    "DEFAULT_DATASETS",
    "MVTEC_CATEGORIES",
    "get_cache_dir",
    "get_data_dir",
    "list_datasets",
    "load_dataset",
    "resolve_name",
    "sha256_file",
]


class DatasetUnavailable(FileNotFoundError):
    """A dataset file is neither on disk nor downloadable (offline or failed download)."""


# --------------------------------------------------------------------------- dirs
def get_cache_dir() -> Path:
    """Return the per-user cache directory of pyod_dasad (not created here).

    ``$PYOD_DASAD_CACHE`` if set, else ``platformdirs.user_cache_dir("pyod_dasad")`` when
    platformdirs is installed, else ``$XDG_CACHE_HOME/pyod_dasad`` or
    ``~/.cache/pyod_dasad``.
    """
    override = os.environ.get(CACHE_DIR_ENV, "")
    if override:
        return Path(override).expanduser()
    try:
        import platformdirs
    except ImportError:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache")
        return Path(base).expanduser() / "pyod_dasad"
    return Path(platformdirs.user_cache_dir("pyod_dasad"))


def get_data_dir(data_dir: Optional[PathLike] = None) -> Path:
    """Return the data directory.

    Parameters
    ----------
    data_dir : str or path-like, default=None
        Explicit directory (what the ``--data-dir`` CLI flag passes). Wins over the rest.

    Returns
    -------
    pathlib.Path
        ``data_dir`` if given, else ``$PYOD_DASAD_DATA`` if set and non-empty, else
        :func:`get_cache_dir`. The directory is not created and may not exist.
    """
    if data_dir is not None and str(data_dir) != "":
        return Path(data_dir).expanduser()
    env = os.environ.get(DATA_DIR_ENV, "")
    if env:
        return Path(env).expanduser()
    return get_cache_dir()


def _data_dir_origin(data_dir: Optional[PathLike]) -> str:
    if data_dir is not None and str(data_dir) != "":
        return f"given explicitly ({DATA_DIR_FLAG} / data_dir=)"
    if os.environ.get(DATA_DIR_ENV, ""):
        return f"from the environment variable {DATA_DIR_ENV}"
    return f"the default cache directory ({DATA_DIR_FLAG} and {DATA_DIR_ENV} unset)"


def sha256_file(path: PathLike, chunk_size: int = 1 << 20) -> str:
    """Return the hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk_size), b""):
            digest.update(block)
    return digest.hexdigest()


# --------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class FileSpec:
    """Where a dataset file lives and how to check it.

    Parameters
    ----------
    relpath : str
        Canonical path relative to the data directory (the shared-folder layout).
    sha256 : str or None
        sha256 of the file at ``relpath``.
    alternates : tuple of (str, str or None)
        Other accepted relative paths with their own sha256 (uncompressed copies, ADBench's
        own folder layout, a flat folder).
    urls : tuple of str
        Official download URLs, tried in order.
    download_relpath : str or None
        Where a download is stored under the cache directory (default ``relpath``).
    download_sha256 : str or None
        sha256 of the downloaded bytes (default ``sha256``).
    manual : str
        How to obtain the file by hand (shown when it is missing).
    """

    relpath: str
    sha256: Optional[str]
    alternates: Tuple[Tuple[str, Optional[str]], ...] = ()
    urls: Tuple[str, ...] = ()
    download_relpath: Optional[str] = None
    download_sha256: Optional[str] = None
    manual: str = ""

    def candidates(self) -> List[Tuple[str, Optional[str]]]:
        """All accepted relative paths (canonical first), each with its sha256."""
        out = [(self.relpath, self.sha256)] + list(self.alternates)
        flat = [(Path(rel).name, sha) for rel, sha in out]
        seen, result = set(), []
        for rel, sha in out + flat:
            if rel not in seen:
                seen.add(rel)
                result.append((rel, sha))
        return result


@dataclass(frozen=True)
class DatasetSpec:
    """One registry entry: file, loader, domain and provenance of a named dataset."""

    name: str
    file: FileSpec
    domain: str
    loader: str
    origin: str
    aliases: Tuple[str, ...] = ()
    fixture: bool = False


_ADBENCH_URL = "https://github.com/Minqi824/ADBench/raw/main/adbench/datasets/"
_ADBENCH_ORIGIN = ("ADBench Classical (Han et al., NeurIPS 2022), "
                   "github.com/Minqi824/ADBench adbench/datasets/Classical")

# name, sha256 (from shared/datasets/MANIFEST.md; None = not available here), domain
_ADBENCH_CLASSICAL: Tuple[Tuple[str, Optional[str], str], ...] = (
    ("2_annthyroid", "e738f7c58a8740d2c4aac4c71ff49ce5e1d1aa16f44178135fc9c09df05fad1b", "healthcare"),
    ("3_backdoor", None, "network"),
    ("4_breastw", "4f37ce07dbc25ddad8178fdc6d664ab46d2d0000ee28c2787c3c7ff3c03ef9f6", "healthcare"),
    ("5_campaign", "74dd4d0072d6c6f1aabab63bc102f9633454f32bb936fa9bcfbd38f9f2386bcd", "finance"),
    ("6_cardio", "bc5009bde6930b4d298b594f31b34485a9a17210cff0e8fb00a8c3068b885a2d", "healthcare"),
    ("7_Cardiotocography", "5ae84910430f05923e11b6f537243263977c9136949dabd891e3570aeec51e29", "healthcare"),
    ("9_census", None, "sociology"),
    ("12_fault", "ec27301f9a4cf7c5d8b22c360cf37ddb043b7fb062465723dfd8b34e2771e5dd", "physical"),
    ("13_fraud", None, "finance"),
    ("14_glass", "aa7a8db1d475ba01a10488af454bc15220a3d5951b010b03b7020567d8152cdc", "forensic"),
    ("18_Ionosphere", "bca46cb0cfd1bf9ddef6cde5ad2215d54fb0189508d0d4c4eb98e788cad69001", "oryctognosy"),
    ("20_letter", "f986d3da80cf1fa2aea83a5ebe73b7d4800e0d4c01fdd1ae074b58d20f10d039", "image"),
    ("22_magic.gamma", "0be375984d7af9ea7a63b12206c240840d8b7daa3607021c5fb8756407dd86f1", "physical"),
    ("23_mammography", "a0308ac9712d78321073b1c2dc98dc37665c0f35c1cc33019416fe8f8d7de7ea", "healthcare"),
    ("25_musk", "2ed3f4392197b76a1e59116ff880c7720a4b026cf4842073a53b56fdea265017", "chemistry"),
    ("27_PageBlocks", "10a9b4d5bb5d3b9083caab4c4062f665610eada703c3d927bf7c34b1f2d0d223", "document"),
    ("29_Pima", "215454bb263a2f040945c9ea7bd7f06f1e89a61a3143bdb6f196e3887e801a7d", "healthcare"),
    ("30_satellite", "1f048f5686f1b8c16a227fdfa3c81a62cd9a92715714a6b24c69b1c5ad96b46e", "astronautics"),
    ("31_satimage-2", "1b056e357f801b8b20c3f380a30224a3c4088d7ed764ec5a24828dc9b1918d6f", "astronautics"),
    ("32_shuttle", "26900b0f6be45d9ddb7a402c9b2f956ceda42d23a8ca4cf4406b8bc1352823d1", "astronautics"),
    ("35_SpamBase", "d0c46c7928e43f6496bcd06e09de0b70f6bc8143792dfa0a43f450263d254e9b", "document"),
    ("36_speech", None, "linguistics"),
    ("38_thyroid", "8de161b3f235b7647bb0b39a836d983ff61d67bf234edac461da2d71e889cb87", "healthcare"),
    ("40_vowels", "4bfc4244d1c882773bbbc50d4a5db5e52276e53506e46b2d45e02d074cfcb1b6", "linguistics"),
    ("43_WDBC", "78d4606a1ab516f5b60b00c196497f3bbd6bd5e4548fd04cf5f2475209b34b85", "healthcare"),
    ("44_Wilt", "c70b72aa611ec87b20efb400943ef3ce4f8bf7aa58fcef825fbd28cc5cee3cc9", "botany"),
    ("47_yeast", "bbb15c873d78a4f6a589f46d0f75814595e2282d2ae7ce7779c750f276c3770d", "biology"),
)

DEFAULT_DATASETS: Tuple[str, ...] = ("4_breastw", "6_cardio", "14_glass", "29_Pima", "43_WDBC")
"""Real ADBench files embedded in ``adbench_runs/data`` (see its README.md)."""

_MVTEC: Tuple[Tuple[str, str], ...] = (
    ("bottle", "9eb7a78f1f6ecfcd00391ea01fe06f998e3fb7b8e89a34c06d69786ee38a8059"),
    ("cable", "65f36182cf75ba1b2629af7bee3eec87ed9b050796e0b7c06493993e0ba4cee1"),
    ("capsule", "b5d97c3b3c08b0c25fdb3b0fd50e9b9fd24bd75b4e36956d47159e715d52470d"),
    ("carpet", "7c9e1f06b185baae2c72b922aa29cb219d2b8d6a9fe1b03f86ccf1fd34a0b6c0"),
    ("grid", "376fe5d7568fb3c1b9056a03aef6c0c350476a11b4f4579e6b7d8f8e5405f837"),
    ("hazelnut", "3c40cf88d6c16827c9609c5ef4f0c7d81f8b8509905c9c4c68a79d8ba1696bdf"),
    ("leather", "c4615f05409b0ae785a007889b4521cf3c3a43ce5b7ff7623f2255c121ef1e29"),
    ("metal_nut", "c00f29018bbf304c8e50d366fccc635ded7da90dea7e4a2fd41afb1a62609796"),
    ("pill", "878407b2700e3414dec26f2bae153f28d9b8e9e2367a0775b082efe641531188"),
    ("screw", "a143cbb84cb2a8bbd5b86065bf56fffbc5c9a52d5da4ba9826c844fe35ef68fa"),
    ("tile", "6d4564cd2844ff91274612b0dba39c3cfbabedf4535ec3573889bbd575075086"),
    ("toothbrush", "798a5edef4291e0466d2a7234101ee496927ddd96d0cbb620da008f4ed06753e"),
    ("transistor", "4c045fa018a2f4ffd828683b1d35580533662b2336c356e7e579c04da899b98e"),
    ("wood", "5fb9b4b57f6d66ab06ca3575d51359b0110943d4df4a20b495b1583730fc8d98"),
    ("zipper", "d60591ab34dced348b32574c4c0ff680068bbf5017d06d2bc5f9b15521f38bb8"),
)
MVTEC_CATEGORIES: Tuple[str, ...] = tuple(cat for cat, _ in _MVTEC)

PAPER_DATASETS: Tuple[str, ...] = (
    "arrhythmia", "spambase", "cardio", "mammography", "satellite", "shuttle", "fraud", "nslkdd",
)
"""The eight datasets of FEAWAD and DASAD, in the order of the DASAD abstract."""

_ODDS_URL = "https://raw.githubusercontent.com/yzhao062/pyod/master/notebooks/data/"
_ODDS_ORIGIN = ("ODDS (Rayana 2016, odds.cs.stonybrook.edu); byte-identical copy in "
                "github.com/yzhao062/pyod notebooks/data")
_ODDS: Tuple[Tuple[str, str, str], ...] = (
    ("arrhythmia", "e4d47e499591ae31e5d7f0cd983367092353eac240f48e14c9b36457edb3460d", "healthcare"),
    ("cardio", "5e568b6a73711012c481fa6cc984ab9c68e9a4fa44d6aeb3b43efa381c3f695b", "healthcare"),
    ("satellite", "6feac3112b9c14e1c3e60afc437f2f3d29dc1000119c9f950c628078778d6aa0", "astronautics"),
    ("shuttle", "b6e396c92354d5dcf5036901e36dc58e2913f2d1a5e138c35a2bedf9c69db899", "astronautics"),
)

_NSLKDD_MANUAL = ("NSL-KDD is distributed by the Canadian Institute for Cybersecurity, "
                  "University of New Brunswick: https://www.unb.ca/cic/datasets/nsl.html "
                  "(NSL-KDD.zip holds KDDTrain+.txt, KDDTest+.txt, KDDTrain+_20Percent.txt); "
                  "it has no stable direct-download URL, so place the file by hand "
                  "(plain .txt or gzip-compressed .txt.gz).")
_NSLKDD_FILES: Tuple[Tuple[str, str, str, str, str], ...] = (
    # name, file stem, sha256 of .txt.gz, sha256 of .txt, description
    ("nslkdd", "KDDTrain+", "39e78eaceffb1a183af002b4994b100b69795895bfbf67cfc62dabd4c9b76d4e",
     "1b86d2f957b33082081bba410fe129b475efebcc13c9014c3f447c8271aadf95", "official training set"),
    ("nslkdd_test", "KDDTest+", "1ebe1079af669e3c35ef7be25b5bafde1e47951244d1b4834682b14a22238da1",
     "fa46b0935342616aa83b7c2578db355b6a7aaabbc492248172c7a1e8b7ab8f84", "official test set"),
    ("nslkdd_train20", "KDDTrain+_20Percent",
     "fc113da7acc7e3006f0c3bf00c9ba5c052be44b00af3b1951beff90694bf66ff",
     "7ea86479faab5ca2190b7f18b4982fb058ce5bf2b46e0e1017d0d9ef90f9c16e",
     "official 20% subset of the training set"),
)


def _adbench_short(full: str) -> str:
    return full.split("_", 1)[1].lower()


def _build_registry() -> Dict[str, DatasetSpec]:
    reg: Dict[str, DatasetSpec] = {}
    for full, sha, domain in _ADBENCH_CLASSICAL:
        fname = full + ".npz"
        short = _adbench_short(full)
        aliases = ("adbench_spambase",) if short == "spambase" else (short,)
        reg[full] = DatasetSpec(
            name=full,
            file=FileSpec(
                relpath="adbench/" + fname, sha256=sha,
                alternates=(("Classical/" + fname, sha),),
                urls=(_ADBENCH_URL + "Classical/" + fname,),
                manual="ADBench Classical file: " + _ADBENCH_URL + "Classical/" + fname),
            domain=domain, loader="npz", origin=_ADBENCH_ORIGIN, aliases=aliases,
            fixture=full in DEFAULT_DATASETS)
    for cat, sha in _MVTEC:
        fname = "MVTec-AD_" + cat + ".npz"
        reg["mvtec_" + cat] = DatasetSpec(
            name="mvtec_" + cat,
            file=FileSpec(relpath="adbench_cv/" + fname, sha256=sha,
                          alternates=(("CV_by_ResNet18/" + fname, sha),),
                          urls=(_ADBENCH_URL + "CV_by_ResNet18/" + fname,)),
            domain="industrial image (MVTec AD, ResNet18 embedding)", loader="npz",
            origin="ADBench CV_by_ResNet18 (MVTec AD, Bergmann et al. 2019, embedded by ADBench)",
            aliases=("MVTec-AD_" + cat,))
    for name, sha, domain in _ODDS:
        fname = name + ".mat"
        reg_name = name if name == "arrhythmia" else "odds_" + name
        reg[reg_name] = DatasetSpec(
            name=reg_name,
            file=FileSpec(relpath="raw/odds/" + fname, sha256=sha,
                          alternates=(("odds/" + fname, sha),), urls=(_ODDS_URL + fname,)),
            domain=domain, loader="mat", origin=_ODDS_ORIGIN)
    for name, stem, sha_gz, sha_txt, desc in _NSLKDD_FILES:
        reg[name] = DatasetSpec(
            name=name,
            file=FileSpec(relpath="raw/nsl-kdd/" + stem + ".txt.gz", sha256=sha_gz,
                          alternates=(("raw/nsl-kdd/" + stem + ".txt", sha_txt),
                                      ("nsl-kdd/" + stem + ".txt", sha_txt),
                                      ("nsl-kdd/" + stem + ".txt.gz", sha_gz),
                                      (stem + ".txt", sha_txt)),
                          manual=_NSLKDD_MANUAL),
            domain="network intrusion", loader="nslkdd",
            origin="NSL-KDD (Tavallaee et al. 2009), Canadian Institute for Cybersecurity, " + desc)
    reg["fraud"] = DatasetSpec(
        name="fraud",
        file=FileSpec(
            relpath="raw/creditcard/creditcard.csv.gz",
            sha256="2eefcba05104d681a21efa64178e3c483eb28eb06d47585780b5e3141bc5192c",
            alternates=(("raw/creditcard/creditcard.csv",
                         "76274b691b16a6c49d3f159c883398e03ccd6d1ee12d9d8ee38f4b4b98551a89"),
                        ("creditcard.csv",
                         "76274b691b16a6c49d3f159c883398e03ccd6d1ee12d9d8ee38f4b4b98551a89")),
            urls=("https://zenodo.org/records/7395559/files/creditcard.csv?download=1",),
            download_relpath="raw/creditcard/creditcard.csv",
            download_sha256="76274b691b16a6c49d3f159c883398e03ccd6d1ee12d9d8ee38f4b4b98551a89",
            manual="Credit Card Fraud Detection (ULB / Worldline): Kaggle mlg-ulb/creditcardfraud "
                   "or Zenodo doi:10.5281/zenodo.7395559 (creditcard.csv)"),
        domain="finance", loader="creditcard",
        origin="Credit Card Fraud Detection (Dal Pozzolo et al. 2015; ULB and Worldline)",
        aliases=("creditcard",))
    reg["spambase"] = DatasetSpec(
        name="spambase",
        file=FileSpec(
            relpath="raw/uci-spambase/spambase.data.gz",
            sha256="7bed7e37ea79bf62436b2778334aab90e660be05060291c5a8d714d0d6690943",
            alternates=(("raw/uci-spambase/spambase.data",
                         "ebec58cfca94ea61c77df632314acae15bad410f4769d38b1a66cb41050e3431"),),
            urls=("https://archive.ics.uci.edu/ml/machine-learning-databases/spambase/spambase.data",),
            download_relpath="raw/uci-spambase/spambase.data",
            download_sha256="ebec58cfca94ea61c77df632314acae15bad410f4769d38b1a66cb41050e3431",
            manual="UCI Spambase: https://archive.ics.uci.edu/dataset/94/spambase (spambase.data; "
                   "the registered sha256 is that of the file with LF line endings)"),
        domain="document (e-mail spam)", loader="spambase",
        origin="UCI Machine Learning Repository, Spambase (Hopkins et al. 1999)",
        aliases=("uci_spambase",))
    return reg


REGISTRY: Dict[str, DatasetSpec] = _build_registry()
"""Every named dataset: relative path(s), download URL(s), sha256, domain, loader."""


def _alias_map() -> Dict[str, str]:
    out: Dict[str, str] = {}
    for name in REGISTRY:
        out[name.lower()] = name
    for name, spec in REGISTRY.items():
        for alias in spec.aliases:
            out.setdefault(alias.lower(), name)
    return out


_ALIASES = _alias_map()


def resolve_name(name: str) -> str:
    """Map a dataset name or alias (case-insensitive) to its registry key.

    Raises
    ------
    ValueError
        If the name is unknown; the message suggests close matches.
    """
    if name in REGISTRY:
        return name
    key = _ALIASES.get(str(name).lower())
    if key is not None:
        return key
    close = difflib.get_close_matches(str(name).lower(), list(_ALIASES), n=5)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise ValueError(
        f"Unknown dataset {name!r}.{hint} Known groups: {', '.join(_GROUPS)} "
        f"(see adbench_runs.datasets.list_datasets); a path to a .npz/.csv/.mat file also works.")


# --------------------------------------------------------------------------- Dataset
@dataclass(repr=False)
class Dataset:
    """A loaded dataset.

    Attributes
    ----------
    name : str
        Registry name (or the file name for user files).
    X : numpy.ndarray of shape (n_samples, n_features), dtype float64
    y : numpy.ndarray of shape (n_samples,), dtype int64
        1 = anomaly, 0 = normal.
    domain : str
        Application domain.
    source : str
        The file it was read from and that file's origin.
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    domain: str
    source: str

    @property
    def n_samples(self) -> int:
        """Number of rows."""
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        """Number of columns of X."""
        return int(self.X.shape[1])

    @property
    def n_anomalies(self) -> int:
        """Number of rows with y == 1."""
        return int(self.y.sum())

    @property
    def anomaly_ratio(self) -> float:
        """Fraction of rows with y == 1."""
        return self.n_anomalies / self.n_samples if self.n_samples else 0.0

    def __repr__(self) -> str:
        return (f"Dataset(name={self.name!r}, n_samples={self.n_samples}, "
                f"n_features={self.n_features}, n_anomalies={self.n_anomalies}, "
                f"domain={self.domain!r})")


def _finalize(name: str, X, y, domain: str, source: str, path: Path) -> Dataset:
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: X cannot be converted to float64 ({exc}).") from exc
    if X.ndim != 2:
        raise ValueError(f"{path}: X must be 2-D, got shape {X.shape}.")
    y = np.asarray(y).ravel()
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"{path}: X has {X.shape[0]} rows but y has {y.shape[0]} labels.")
    try:
        y_num = y.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: labels must be numeric 0/1 ({exc}).") from exc
    bad = ~np.isin(y_num, (0.0, 1.0))
    if bad.any():
        raise ValueError(f"{path}: labels must be 0 (normal) or 1 (anomaly); found "
                         f"{np.unique(y[bad])[:5].tolist()}.")
    finite = np.isfinite(X)
    if not finite.all():
        n_nan = int(np.isnan(X).sum())
        n_inf = int((~finite).sum()) - n_nan
        rows = int((~finite).any(axis=1).sum())
        raise ValueError(f"{path}: X contains {n_nan} NaN and {n_inf} infinite values in "
                         f"{rows} rows; clean or impute them before benchmarking.")
    y = y_num.astype(np.int64)
    if y.sum() == 0 or y.sum() == y.shape[0]:
        logger.warning("%s: only one class present (%d anomalies of %d rows).",
                       path, int(y.sum()), y.shape[0])
    return Dataset(name=name, X=X, y=y, domain=domain, source=source)


# --------------------------------------------------------------------------- files
def _offline() -> bool:
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def _download(url: str, dest: Path, sha256: Optional[str],
              timeout: float = DOWNLOAD_TIMEOUT) -> Path:
    """Download ``url`` to ``dest`` atomically and check its sha256.

    Raises
    ------
    OSError
        On network or file-system errors.
    ValueError
        If the sha256 of the downloaded bytes differs from ``sha256`` (nothing is kept).
    """
    scheme = url.split(":", 1)[0].lower()
    if scheme not in ("https", "http", "file"):
        raise ValueError(f"Refusing to download from {url!r}: unsupported scheme.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(dir=str(dest.parent), prefix=dest.name + ".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310
            for block in iter(lambda: resp.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
        got = digest.hexdigest()
        if sha256 is not None and got != sha256:
            raise ValueError(f"sha256 mismatch for {url}: expected {sha256}, got {got}; "
                             f"the download was discarded.")
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    logger.info("Downloaded %s to %s (sha256 verified).", url, dest)
    return dest


def _search_roots(data_dir: Optional[PathLike]) -> List[Path]:
    roots = [get_data_dir(data_dir)]
    cache = get_cache_dir()
    if cache not in roots:
        roots.append(cache)
    return roots


def _locate(spec: DatasetSpec, data_dir: Optional[PathLike],
            download: bool) -> Tuple[Path, Optional[str]]:
    """Return (path, expected sha256) of the dataset file, downloading if allowed."""
    roots = _search_roots(data_dir)
    candidates = spec.file.candidates()
    for root in roots:
        for rel, sha in candidates:
            path = root / rel
            if path.is_file():
                return path, sha
    if spec.fixture:
        path = FIXTURE_DIR / Path(spec.file.relpath).name
        if path.is_file():
            return path, spec.file.sha256
    failures: List[str] = []
    if not spec.file.urls:
        failures.append("no automatic download exists for this file")
    elif not download:
        failures.append("downloads are disabled (download=False)")
    elif _offline():
        failures.append(f"downloads are disabled ({OFFLINE_ENV} is set)")
    else:
        dest = get_cache_dir() / (spec.file.download_relpath or spec.file.relpath)
        sha = spec.file.download_sha256 or spec.file.sha256
        for url in spec.file.urls:
            try:
                return _download(url, dest, sha), sha
            except (OSError, ValueError, urllib.error.URLError) as exc:
                logger.warning("Download of %s failed: %s", url, exc)
                failures.append(f"download from {url} failed ({exc})")
    raise DatasetUnavailable(_missing_message(spec, data_dir, roots, failures))


def _missing_message(spec: DatasetSpec, data_dir: Optional[PathLike], roots: List[Path],
                     failures: List[str]) -> str:
    data_root = roots[0]
    others = [rel for rel, _ in spec.file.candidates()[1:]]
    lines = [
        f"Dataset {spec.name!r} is unavailable: file {spec.file.relpath!r} was not found.",
        f"  data directory: {data_root} ({_data_dir_origin(data_dir)})",
        f"  also searched: {', '.join(str(r) for r in roots[1:]) or '-'}"
        + (f"; accepted names: {', '.join(others)}" if others else ""),
        f"  {'; '.join(failures)}.",
        f"Put the file at {data_root / spec.file.relpath}, or choose another data directory "
        f"with the {DATA_DIR_FLAG} option or the {DATA_DIR_ENV} environment variable.",
    ]
    if spec.file.manual:
        lines.append(f"Where to get it: {spec.file.manual}")
    if spec.file.urls:
        lines.append(f"Official URL: {spec.file.urls[0]}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- public API
_USER_SUFFIXES = (".npz", ".csv", ".csv.gz", ".mat")


def _is_user_file(name: str) -> bool:
    lower = name.lower()
    return lower.endswith(_USER_SUFFIXES) or os.sep in name or "/" in name


def _load_user_file(name: str, label_column) -> Dataset:
    path = Path(name).expanduser()
    if not path.is_file():
        raise DatasetUnavailable(
            f"Dataset file {str(path)!r} does not exist. Give a path to an .npz (arrays X "
            f"and y), .mat (X and y) or .csv file (label column chosen by label_column=, "
            f"default the last column), or a registered dataset name.")
    lower = path.name.lower()
    if lower.endswith(".npz"):
        X, y = _read_npz(path)
    elif lower.endswith(".mat"):
        X, y = _read_mat(path)
    elif lower.endswith((".csv", ".csv.gz")):
        X, y = _read_user_csv(path, label_column)
    else:
        raise ValueError(f"{path}: unsupported file type; use .npz, .mat, .csv or .csv.gz.")
    source = f"{path} (user file)"
    return _finalize(path.name.split(".")[0], X, y, "user", source, path)


def _find_unregistered_adbench(name: str, data_dir: Optional[PathLike]) -> Optional[Path]:
    if not re.match(r"^\d+_[^/\\]+$", name):
        return None
    for root in _search_roots(data_dir):
        for sub in ("adbench", "Classical", ""):
            path = root / sub / (name + ".npz")
            if path.is_file():
                return path
    return None


def check_dataset_name(name: str, data_dir: Optional[PathLike] = None) -> None:
    """Raise the error :func:`load_dataset` would give for a name it can never load: not a
    registered name or alias, not a path to a data file, and not an unregistered ADBench
    ``<number>_<name>`` file in the data directory. Nothing is read or downloaded: a
    registered dataset or a path whose file is missing here passes, and its fits record
    why they failed (``DatasetUnavailable``), as a file may be downloaded, or exist on the
    machine that fits.

    Raises
    ------
    ValueError
        Unknown name (the message suggests close matches).
    """
    name = str(name)
    if name in REGISTRY or name.lower() in _ALIASES or _is_user_file(name):
        return
    if _find_unregistered_adbench(name, data_dir) is None:
        resolve_name(name)  # raises ValueError with close matches


def load_dataset(name: str, data_dir: Optional[PathLike] = None, *, download: bool = True,
                 verify: bool = False, label_column: Union[int, str] = -1) -> Dataset:
    """Load a dataset by name or from a user file.

    Parameters
    ----------
    name : str
        A registered name or alias (``"6_cardio"``, ``"cardio"``, ``"arrhythmia"``,
        ``"nslkdd"``, ``"fraud"``, ``"spambase"``, ``"mvtec_bottle"`` ...; case-insensitive),
        an ADBench Classical file name present in the data directory (``"9_census"``), or a
        path to a ``.npz`` (arrays X, y), ``.mat`` (X, y) or ``.csv``/``.csv.gz`` file.
    data_dir : str or path-like, default=None
        Data directory; see :func:`get_data_dir`.
    download : bool, default=True
        Fetch a missing file from its official URL into the cache directory (sha256
        checked). Also disabled by ``PYOD_DASAD_OFFLINE=1``.
    verify : bool, default=False
        Check the sha256 of a local file against the registry before loading.
    label_column : int or str, default=-1
        For CSV user files: the label column, by position or by header name.

    Returns
    -------
    Dataset

    Raises
    ------
    DatasetUnavailable
        If the file is missing and cannot be downloaded.
    ValueError
        Unknown name, corrupt or truncated file, sha256 mismatch (``verify=True``),
        non-binary labels, or NaN/inf in X.

    Examples
    --------
    >>> from adbench_runs.datasets import load_dataset
    >>> ds = load_dataset("14_glass")
    >>> ds.X.shape, ds.n_anomalies
    ((214, 7), 9)
    """
    name = str(name)
    if name not in REGISTRY and name.lower() not in _ALIASES:
        if _is_user_file(name):
            return _load_user_file(name, label_column)
        found = _find_unregistered_adbench(name, data_dir)
        if found is not None:
            X, y = _read_npz(found)
            return _finalize(name, X, y, "unknown (ADBench Classical)",
                             f"{found} ({_ADBENCH_ORIGIN}; not in the registry)", found)
    key = resolve_name(name)
    spec = REGISTRY[key]
    path, sha = _locate(spec, data_dir, download)
    if verify:
        if sha is None:
            logger.warning("%s: no registered sha256; not verified.", path)
        else:
            got = sha256_file(path)
            if got != sha:
                raise ValueError(f"{path}: sha256 {got} differs from the registered {sha}; "
                                 f"the file is not the registered version of {key!r}.")
    X, y = _READERS[spec.loader](path)
    logger.debug("Loaded %s from %s", key, path)
    return _finalize(key, X, y, spec.domain, f"{path} ({spec.origin})", path)


def _scan_adbench(data_dir: Optional[PathLike]) -> List[str]:
    root = get_data_dir(data_dir)
    names = set()
    for sub in ("adbench", "Classical", ""):
        folder = root / sub
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if path.is_file() and re.match(r"^\d+_.+\.npz$", path.name):
                names.add(path.name[:-4])
    return sorted(names, key=lambda n: (int(n.split("_", 1)[0]), n))


_GROUPS = ("paper", "adbench", "mvtec", "default")


def list_datasets(group: str, data_dir: Optional[PathLike] = None) -> List[str]:
    """Names of the datasets in a group.

    Parameters
    ----------
    group : {'paper', 'adbench', 'mvtec', 'default'}
        ``paper``: the eight FEAWAD/DASAD datasets; ``adbench``: every ADBench Classical
        npz found in the data directory (``adbench/``, ``Classical/`` or flat);
        ``mvtec``: the 15 MVTec-AD categories; ``default``: the embedded real fixtures
        (available offline).
    data_dir : str or path-like, default=None
        Data directory (only the ``adbench`` group looks at it).

    Returns
    -------
    list of str
    """
    if group == "paper":
        return list(PAPER_DATASETS)
    if group == "default":
        return list(DEFAULT_DATASETS)
    if group == "mvtec":
        return ["mvtec_" + cat for cat in MVTEC_CATEGORIES]
    if group == "adbench":
        return _scan_adbench(data_dir)
    raise ValueError(f"Unknown dataset group {group!r}; choose one of {', '.join(_GROUPS)}.")
