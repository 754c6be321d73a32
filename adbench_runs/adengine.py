"""Make DASAD available to PyOD 3's ``ADEngine``.

PyOD 3's :class:`pyod.utils.ad_engine.ADEngine` has no plugin registry: it builds a detector
from the ``class_path`` of an entry in its knowledge base (``algorithms.json``), and the only
way to add one is the constructor argument ``ADEngine(knowledge_dir=...)`` pointing at a
complete knowledge directory (``algorithms.json``, ``benchmarks.json``,
``routing_rules.json``, ``papers.json``). :func:`build_knowledge_dir` copies the installed
PyOD knowledge base and adds a ``"DASAD"`` entry.

How ADEngine uses the entry (pyod 3.6.7, ``pyod/utils/_detector_factory.py``): a plan names a
detector; ``build_detector_from_plan`` looks the name up, requires ``status`` ``'shipped'``
(or ``'experimental'``), imports ``class_path`` and calls ``cls(**plan['params'])``, adding
``random_state`` from ``ADEngine(random_state=...)`` because ``DASAD.__init__`` declares it.
``run_detection`` then calls ``fit(X_train)`` *without labels* (DASAD runs unsupervised) and
reads ``decision_scores_``, ``labels_``, ``threshold_``; with ``X_test`` it also calls
``decision_function`` and ``predict``. The rule-based planner (``plan_detection``) only picks
detectors named in ``routing_rules.json``; pass ``route_tabular=True`` to put DASAD first for
tabular data, otherwise choose it explicitly with ``ADEngine.make_plan(['DASAD'])``.

Examples
--------
>>> from pyod.utils.ad_engine import ADEngine                     # doctest: +SKIP
>>> from adbench_runs.adengine import build_knowledge_dir         # doctest: +SKIP
>>> engine = ADEngine(knowledge_dir=str(build_knowledge_dir('dasad_kb')), random_state=0)  # doctest: +SKIP
>>> plan = engine.make_plan(['DASAD'], params=[{'epochs': 20}])   # doctest: +SKIP
>>> result = engine.run_detection(X_train, plan, X_test=X_test)   # doctest: +SKIP
>>> result['scores_test']                                         # doctest: +SKIP
"""
from __future__ import annotations

import copy
import json
import logging
import shutil
from pathlib import Path

logger = logging.getLogger(__name__)

__all__ = ["DASAD_ENTRY", "DASAD_PAPER", "build_knowledge_dir"]

#: Name under which DASAD is registered in the knowledge base (``make_plan(['DASAD'])``).
DASAD_NAME = "DASAD"

#: The ``algorithms.json`` entry for DASAD, in the schema of PyOD 3.6's bundled entries.
DASAD_ENTRY = {
    "class_path": "pyod_dasad.DASAD",
    "full_name": "Deviation-Guided Attention for Semi-Supervised Anomaly Detection",
    "status": "shipped",
    "data_types": ["tabular"],
    "category": "deep_learning",
    "complexity": {
        "time": "O(n * d * h * epochs)",
        "space": "O(d * h + n)",
    },
    "strengths": [
        "Uses a few labelled anomalies when available (semi-supervised), runs unsupervised without",
        "Attention over three deviation views: latent offset, residual direction, "
        "hierarchical reconstruction errors",
        "Credibility-weighted pseudo-labels make it robust to anomalies hidden in the unlabelled data",
    ],
    "weaknesses": [
        "Deep network training overhead (torch); slower than shallow detectors",
        "Gains over unsupervised detectors rely on labelled anomalies, which ADEngine never passes",
        "More hyperparameters than parameter-free methods",
    ],
    "best_for": "Tabular data with a handful of labelled anomalies and a contaminated unlabelled set",
    "avoid_when": "Speed matters most, or the dataset is too small for deep learning",
    "benchmark_refs": [],
    "benchmark_rank": {},
    "paper": {"id": "dasad", "short": "DASAD, CAAI Trans. Intell. Technol. 2025"},
    "default_params": {"contamination": 0.1},
    "preprocessing_mode": "internal",
    "requires": ["torch", "pyod_dasad"],
    "version_added": "pyod_dasad 0.1.0",
}

#: The ``papers.json`` entry that ``DASAD_ENTRY['paper']['id']`` refers to.
DASAD_PAPER = {
    "title": "DASAD: Deviation-Guided Attention for Semi-Supervised Anomaly Detection",
    "venue": "CAAI Transactions on Intelligence Technology 2025",
    "url": "https://doi.org/10.1049/cit2.70072",
}

_KB_FILES = ("algorithms.json", "benchmarks.json", "routing_rules.json", "papers.json")


def _installed_knowledge_dir() -> Path:
    try:
        from pyod.utils import knowledge
    except ImportError as exc:
        raise ImportError(
            "build_knowledge_dir needs PyOD >= 3 (pyod.utils.knowledge, used by ADEngine); "
            "install a current pyod (%s)" % exc
        ) from exc
    return Path(knowledge.__file__).resolve().parent


def _read_json(path: Path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _write_json(path: Path, data) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, ensure_ascii=False)
        fh.write("\n")


def _is_tabular_rule(rule: dict) -> bool:
    return any(
        cond.get("field") == "data_type" and cond.get("op") == "eq" and cond.get("value") == "tabular"
        for cond in rule.get("conditions", [])
    )


def build_knowledge_dir(dest, *, entry=None, route_tabular=False, route_confidence=0.95) -> Path:
    """Copy PyOD's ADEngine knowledge base to ``dest`` and register DASAD in it.

    Parameters
    ----------
    dest : str or os.PathLike
        Directory to write (created if missing). Its knowledge files are overwritten, so the
        call is idempotent; other files in it are left alone.
    entry : dict or None, default=None
        Overrides merged into :data:`DASAD_ENTRY` (e.g. ``{'default_params':
        {'contamination': 0.05, 'epochs': 20}}``). ``default_params['contamination']`` is
        what ADEngine adds to a plan that gives none.
    route_tabular : bool, default=False
        Also make the rule-based planner (``ADEngine.plan_detection`` and
        ``ADEngine.plan``) recommend DASAD first for every tabular routing rule. When False,
        DASAD runs only when chosen explicitly (``ADEngine.make_plan(['DASAD'])``).
    route_confidence : float, default=0.95
        Confidence of the added routing recommendation; the planner sorts by it (PyOD's
        own tabular recommendations go up to 0.9).

    Returns
    -------
    path : pathlib.Path
        ``dest`` as an absolute path, ready for ``ADEngine(knowledge_dir=str(path))``.

    Raises
    ------
    ImportError
        If the installed PyOD has no ADEngine knowledge base (PyOD < 3).
    FileNotFoundError
        If the installed knowledge base lacks one of its four JSON files.
    ValueError
        If ``route_confidence`` is not within [0, 1].
    """
    if not 0.0 <= float(route_confidence) <= 1.0:
        raise ValueError("route_confidence must be within [0, 1], got %r" % (route_confidence,))
    source = _installed_knowledge_dir()
    dest = Path(dest).resolve()
    dest.mkdir(parents=True, exist_ok=True)
    for name in _KB_FILES:
        if not (source / name).is_file():
            raise FileNotFoundError("PyOD's knowledge base at %s has no %s" % (source, name))
        shutil.copyfile(source / name, dest / name)

    dasad = copy.deepcopy(DASAD_ENTRY)
    if entry:
        dasad.update(copy.deepcopy(entry))
    algorithms = _read_json(dest / "algorithms.json")
    algorithms[DASAD_NAME] = dasad
    _write_json(dest / "algorithms.json", algorithms)

    papers = _read_json(dest / "papers.json")
    paper_id = (dasad.get("paper") or {}).get("id")
    if paper_id:
        papers.setdefault(paper_id, dict(DASAD_PAPER))
        _write_json(dest / "papers.json", papers)

    if route_tabular:
        rules = _read_json(dest / "routing_rules.json")
        n_routed = 0
        for rule in rules.get("rules", []):
            if _is_tabular_rule(rule):
                recs = [r for r in rule.get("recommendations", []) if r.get("detector") != DASAD_NAME]
                rule["recommendations"] = [
                    {"detector": DASAD_NAME, "params": {}, "confidence": float(route_confidence)}
                ] + recs
                n_routed += 1
        _write_json(dest / "routing_rules.json", rules)
        logger.info("DASAD added first to %d tabular routing rules in %s", n_routed, dest)

    logger.info("ADEngine knowledge base with DASAD written to %s (copied from %s)", dest, source)
    return dest
