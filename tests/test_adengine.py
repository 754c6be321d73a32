"""DASAD inside PyOD 3's ADEngine through a copied knowledge base (adbench_runs.adengine)."""
import json
import os
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pyod.utils.ad_engine", reason="ADEngine needs pyod >= 3")

from pyod.utils.ad_engine import ADEngine  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from adbench_runs.adengine import DASAD_ENTRY, build_knowledge_dir  # noqa: E402

# short schedule of the real DASAD, so each ADEngine run takes seconds
FAST = {"epochs": 2, "warmup_epochs": 1, "steps_per_epoch": 5, "batch_size": 128, "device": "cpu"}
REQUIRED_FIELDS = ("class_path", "full_name", "status", "data_types", "category", "strengths", "weaknesses")


def _data_dir():
    env = os.environ.get("PYOD_DASAD_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def _load_adbench(name):
    path = _data_dir() / "adbench" / ("%s.npz" % name)
    if not path.is_file():
        pytest.skip("dataset %s not found (set PYOD_DASAD_DATA to the shared datasets folder)" % path)
    data = np.load(path, allow_pickle=False)
    return data["X"].astype(np.float64), data["y"].astype(int)


def test_knowledge_dir_has_dasad_entry_in_pyods_schema(tmp_path):
    kb = build_knowledge_dir(tmp_path / "kb")
    assert kb.is_absolute()
    algorithms = json.loads((kb / "algorithms.json").read_text(encoding="utf-8"))
    entry = algorithms["DASAD"]
    for field in REQUIRED_FIELDS:
        assert entry[field], field
    # same keys as PyOD's own deep detectors, so every ADEngine surface finds what it reads
    assert set(algorithms["DevNet"]) <= set(entry)
    assert entry["class_path"] == "pyod_dasad.DASAD"
    assert "ECOD" in algorithms and len(algorithms) > 50  # the rest of PyOD's KB is kept
    papers = json.loads((kb / "papers.json").read_text(encoding="utf-8"))
    assert entry["paper"]["id"] in papers


def test_engine_lists_and_explains_dasad_without_importing_it(tmp_path):
    engine = ADEngine(knowledge_dir=str(build_knowledge_dir(tmp_path)))
    names = [d["name"] for d in engine.list_detectors(data_type="tabular")]
    assert "DASAD" in names and "IForest" in names
    assert engine.explain_detector("DASAD")["full_name"] == DASAD_ENTRY["full_name"]
    plan = engine.make_plan(["DASAD"], params=[{"epochs": 2}])
    assert plan["detector_name"] == "DASAD"
    assert plan["params"] == {"epochs": 2, "contamination": 0.1}


def test_build_is_idempotent_and_entry_overrides_apply(tmp_path):
    build_knowledge_dir(tmp_path, route_tabular=True)
    kb = build_knowledge_dir(tmp_path, entry={"default_params": {"contamination": 0.2}})
    algorithms = json.loads((kb / "algorithms.json").read_text(encoding="utf-8"))
    assert algorithms["DASAD"]["default_params"] == {"contamination": 0.2}
    rules = json.loads((kb / "routing_rules.json").read_text(encoding="utf-8"))["rules"]
    # the second call copied the routing rules afresh: no DASAD routing left behind
    assert all(r["detector"] != "DASAD" for rule in rules for r in rule["recommendations"])


def test_default_planner_does_not_pick_dasad_but_routing_does(tmp_path):
    profile = {"data_type": "tabular", "n_samples": 683, "n_features": 9}
    plain = ADEngine(knowledge_dir=str(build_knowledge_dir(tmp_path / "plain")))
    assert plain.plan_detection(profile)["detector_name"] != "DASAD"
    routed = ADEngine(knowledge_dir=str(build_knowledge_dir(tmp_path / "routed", route_tabular=True)))
    plan = routed.plan_detection(profile)
    assert plan["detector_name"] == "DASAD"
    assert plan["params"]["contamination"] == 0.1
    for priority in ("speed", "accuracy"):
        assert routed.plan_detection(dict(profile, n_features=200), priority=priority)["detector_name"] == "DASAD"


def test_bad_route_confidence_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="route_confidence"):
        build_knowledge_dir(tmp_path, route_tabular=True, route_confidence=2)


def test_adengine_runs_dasad_on_breastw(tmp_path):
    pytest.importorskip("pyod_dasad", reason="pyod_dasad is not importable yet")
    from pyod_dasad import DASAD

    X, y = _load_adbench("4_breastw")
    engine = ADEngine(knowledge_dir=str(build_knowledge_dir(tmp_path)), random_state=0)
    plan = engine.make_plan(["DASAD"], params=[dict(FAST, contamination=0.35)])
    result = engine.run_detection(X, plan, X_test=X[:100])

    clf = result["detector"]
    assert isinstance(clf, DASAD)
    assert clf.random_state == 0  # forwarded by ADEngine(random_state=0)
    assert clf.epochs == FAST["epochs"] and clf.contamination == 0.35  # plan params reached DASAD
    assert clf.n_labelled_ == 0  # ADEngine calls fit(X) without labels
    scores = result["scores_train"]
    assert scores.shape == (X.shape[0],) and np.all(np.isfinite(scores)) and np.ptp(scores) > 0
    np.testing.assert_allclose(result["scores_test"], clf.decision_function(X[:100]))
    assert set(np.unique(result["labels_test"])) <= {0, 1}
    assert abs(result["anomaly_ratio"] - 0.35) < 0.02  # threshold_ from contamination
    assert result["threshold"] == clf.threshold_
    summary = engine.analyze_results(result, X=X)
    assert isinstance(summary, dict) and summary
    # Note: this checks the integration, not accuracy. Unsupervised DASAD (no labels, as
    # ADEngine runs it) measured AUC-ROC ~0.37 on breastw with 5 epochs (pyod_dasad 0.1.0).
    print("ADEngine DASAD AUC-ROC on 4_breastw (unsupervised): %.3f" % roc_auc_score(y, scores))


def test_adengine_workflow_routes_to_dasad(tmp_path):
    pytest.importorskip("pyod_dasad", reason="pyod_dasad is not importable yet")
    X, _ = _load_adbench("4_breastw")
    kb = build_knowledge_dir(tmp_path, route_tabular=True, entry={"default_params": {"contamination": 0.1}})
    engine = ADEngine(knowledge_dir=str(kb), random_state=0)
    state = engine.plan(engine.start(X), constraints={"max_detectors": 1})
    assert [p["detector_name"] for p in state.plans] == ["DASAD"]
    state.plans[0]["params"].update(FAST)
    state = engine.run(state)
    assert state.results[0]["status"] == "success", state.results[0].get("error")
    assert state.results[0]["scores_train"].shape == (X.shape[0],)
