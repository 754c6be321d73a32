"""Smoke tests of the benchmark scripts (scripts, not CI benchmarks): every section of the
speed benchmark runs on tiny settings and writes its JSON and markdown, and every ablation
variant still fits. Catches a script that no longer runs against the package (the speed
benchmark's inference section once crashed on inference_batch_size='auto')."""
import importlib
import json
import os
import sys

import pytest

BENCHMARKS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")


def _script(monkeypatch, name):
    """Import ``benchmarks/<name>.py`` as a module; the caller drops it from sys.modules."""
    monkeypatch.syspath_prepend(BENCHMARKS)
    return importlib.import_module(name)


@pytest.fixture()
def speed(monkeypatch):
    yield _script(monkeypatch, "speed")
    sys.modules.pop("speed", None)


def test_speed_sections_run_and_write_reports(speed, tmp_path):
    pytest.importorskip("deepod")
    argv = ["--sections", "fit", "inference", "gpu", "--datasets", "6_cardio", "--epochs", "1", "--steps", "2",
            "--repeats", "1", "--inference-rows", "5000", "--out-dir", str(tmp_path), "--out-name", "smoke"]
    assert speed.main(argv) == 0
    result = json.loads((tmp_path / "smoke.json").read_text())
    row = result["fit"]["rows"][0]
    assert row["dataset"] == "6_cardio" and row["DASAD / RoSAS"] > 0 and row["DASAD / DevNet"] > 0
    assert result["fit"]["device"] == "cpu"
    inference = result["inference"]
    assert inference["inference_batch_size"] == 4096 and 0 < inference["fraction_of_possible"] < 1
    assert "skipped" in result["gpu"] or result["gpu"]["float32"]["rows_per_s"] > 0
    markdown = (tmp_path / "smoke.md").read_text()
    assert "DASAD / RoSAS" in markdown and "fraction of possible" in markdown and "## GPU" in markdown


def test_speed_fit_takes_dasad_params(speed, tmp_path, monkeypatch):
    """``--dasad-params`` reaches every timed DASAD fit (lists as tuples) and the report names it."""
    pytest.importorskip("deepod")
    import pyod_dasad

    seen = []
    original = pyod_dasad.DASAD.fit

    def fit(self, X, y=None):
        seen.append((self.hidden_dims, self.token_dim))
        return original(self, X, y)

    monkeypatch.setattr(pyod_dasad.DASAD, "fit", fit)
    argv = ["--sections", "fit", "--datasets", "6_cardio", "--epochs", "1", "--steps", "2", "--repeats", "1",
            "--dasad-params", '{"hidden_dims": [16, 8], "token_dim": 8}', "--out-dir", str(tmp_path),
            "--out-name", "narrow"]
    assert speed.main(argv) == 0
    assert seen and set(seen) == {((16, 8), 8)}
    assert json.loads((tmp_path / "narrow.json").read_text())["fit"]["dasad_params"] == {
        "hidden_dims": [16, 8], "token_dim": 8}
    assert "DASAD with hidden_dims=(16, 8), token_dim=8" in (tmp_path / "narrow.md").read_text()
    with pytest.raises(SystemExit):
        speed.main(["--dasad-params", "[1, 2]"])


@pytest.fixture()
def ablation(monkeypatch):
    yield _script(monkeypatch, "ablation")
    sys.modules.pop("ablation", None)


def test_every_ablation_variant_is_a_valid_dasad(ablation):
    """The committed ablation tables name their variants in their commands: each must still
    build and fit (a renamed or removed parameter would make those commands fail)."""
    from _dasad_helpers import blobs, fast_dasad

    X, y, _ = blobs(n_normal=60, n_anomaly=6, n_labelled=3)
    assert "full (defaults)" in ablation.VARIANTS
    for name, params in ablation.VARIANTS.items():
        scores = fast_dasad(**{"epochs": 2, **params}).fit(X, y).decision_function(X)  # a variant's epochs win
        assert scores.shape == (X.shape[0],), name


def test_ablation_table_pairs_each_variant_with_the_defaults(ablation):
    rows = [{"dataset": "a", "seed": s, "variant": v, "auc_pr": pr, "auc_roc": 0.9}
            for s, (d, w) in enumerate([(0.5, 0.6), (0.7, 0.6), (0.4, 0.9)])
            for v, pr in (("full (defaults)", d), ("other", w))]
    table = ablation._table(rows, ["a"], ["full (defaults)", "other"])
    assert "| other | 0.700 | 0.700 | 0.900 | +0.167 | 2/3, p=" in table


def _ablation_rows(dataset, variants_pr):
    return [{"dataset": dataset, "seed": s, "variant": v, "auc_pr": pr[s], "auc_roc": 0.9}
            for v, pr in variants_pr.items() for s in range(len(pr))]


def test_ablation_from_json_joins_split_runs_without_fitting(ablation, tmp_path, monkeypatch):
    """Two runs side by side (one dataset each) give one table: the joined rows, the columns
    in the order asked for, the pairs across both files; nothing is fitted."""
    import pyod_dasad

    monkeypatch.setattr(pyod_dasad, "DASAD", None)  # a fit would fail
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(_ablation_rows("x", {"full (defaults)": [0.5, 0.7], "other": [0.6, 0.8]})))
    b.write_text(json.dumps(_ablation_rows("y", {"full (defaults)": [0.4, 0.4], "other": [0.3, 0.6]})))
    out = tmp_path / "t.md"
    assert ablation.main(["--protocol", "devnet", "--from-json", str(a), str(b), "--datasets", "y", "x",
                          "--out", str(out)]) == 0
    text = out.read_text()
    assert text.startswith("DASAD ablation, DevNet/FEAWAD protocol (30 labels, 2% contamination), seeds 0 1;")
    assert "| variant | y | x | mean AUC-PR |" in text
    assert "| full (defaults) | 0.400 | 0.600 | 0.500 | 0.900 |  |  |" in text
    assert "| other | 0.450 | 0.700 | 0.575 | 0.900 | +0.075 | 3/4, p=" in text
    assert len(json.loads((tmp_path / "t.json").read_text())) == 8
    # a subset of the variants: only the defaults' row
    assert ablation.main(["--from-json", str(a), "--variants", "full (defaults)"]) == 0


def test_ablation_from_json_refuses_rows_that_do_not_pair(ablation, tmp_path):
    a = tmp_path / "a.json"
    rows = _ablation_rows("x", {"full (defaults)": [0.5, 0.7], "other": [0.6, 0.8]})
    a.write_text(json.dumps(rows + rows[:1]))
    with pytest.raises(SystemExit, match="more than once"):
        ablation.main(["--from-json", str(a)])
    a.write_text(json.dumps(rows[:-1]))  # 'other' lacks seed 1
    with pytest.raises(SystemExit, match="'other' has no fit on 1 split"):
        ablation.main(["--from-json", str(a)])
    with pytest.raises(SystemExit, match="no dataset 'z'"):
        ablation.main(["--from-json", str(a), "--datasets", "z"])


def test_ablation_refuses_an_unknown_variant(ablation):
    with pytest.raises(SystemExit):
        ablation.main(["--variants", "no such switch"])


@pytest.fixture()
def mixup(monkeypatch):
    yield _script(monkeypatch, "screen_anomaly_mixup")
    sys.modules.pop("screen_anomaly_mixup", None)


def test_mixup_screen_mixes_only_anomaly_rows_towards_normals(mixup, monkeypatch):
    """The screen behind docs/decisions.md's interpolation table: half of the anomaly rows
    become points on a segment to a credible normal, other rows are untouched, and with no
    mixed rows its deviation loss is the package's."""
    import torch
    from pyod_dasad.losses import deviation_loss

    monkeypatch.setattr(mixup, "MIX", 0.5)
    monkeypatch.setattr(mixup, "PAIR", "an")
    monkeypatch.setattr(mixup, "LAM_LO", 0.5)
    g = torch.Generator().manual_seed(0)
    xb = torch.randn(12, 3, generator=g)
    targets = torch.tensor([1] * 4 + [0] * 8)
    weights = torch.tensor([1.0] * 4 + [0.0] * 2 + [1.0] * 6)  # rows 4, 5: not credible
    mixed, (rows, lam) = mixup.mix_batch(xb, targets, weights, g)
    changed = torch.nonzero((mixed != xb).any(dim=1)).squeeze(1)
    assert sorted(changed.tolist()) == sorted(rows.tolist()) and len(rows) == 2
    assert set(rows.tolist()) <= {0, 1, 2, 3} and bool(((lam >= 0.5) & (lam <= 1)).all())
    for row, l in zip(rows.tolist(), lam.tolist()):  # mixed = l * a + (1 - l) * b for a credible normal b
        partner = (mixed[row] - l * xb[row]) / (1 - l)
        assert min(float((partner - xb[j]).abs().max()) for j in range(6, 12)) < 1e-4
    monkeypatch.setattr(mixup, "MIX", 0.0)
    same, nothing = mixup.mix_batch(xb, targets, weights, g)
    assert nothing is None and torch.equal(same, xb)
    scores, reference = torch.randn(12, generator=g), torch.randn(500, generator=g)
    mixup._batch["mixed"] = None
    assert torch.equal(mixup.deviation_loss(scores, targets, weights, reference),
                       deviation_loss(scores, targets, weights, reference))
    mixup._batch["mixed"] = (rows, lam)
    assert not torch.equal(mixup.deviation_loss(scores, targets, weights, reference),
                           deviation_loss(scores, targets, weights, reference))


def test_ablation_passes_noise_and_contamination_to_the_split(ablation, monkeypatch, tmp_path):
    """``--noise-type``/``--noise-ratio`` (ADBench protocol) and ``--contamination`` (DevNet
    protocol) reach the split, and the table's header names the setting."""
    import adbench_runs.protocols as protocols

    seen = []
    for name in ("adbench_split", "devnet_split"):
        def spy(*args, _real=getattr(protocols, name), _name=name, **kwargs):
            seen.append((_name, kwargs))
            return _real(*args, **kwargs)
        monkeypatch.setattr(protocols, name, spy)
    monkeypatch.setitem(ablation.VARIANTS, "tiny", {"epochs": 2, "steps_per_epoch": 2})
    out = tmp_path / "noise.md"
    assert ablation.main(["--datasets", "6_cardio", "--seeds", "1", "--noise-type", "label_contamination",
                          "--noise-ratio", "0.05", "--variants", "tiny", "--out", str(out)]) == 0
    assert seen[-1][0] == "adbench_split"
    assert seen[-1][1]["noise_type"] == "label_contamination" and seen[-1][1]["noise_ratio"] == 0.05
    assert "la=0.1, label_contamination 0.05" in out.read_text()
    assert ablation.main(["--datasets", "6_cardio", "--seeds", "1", "--protocol", "devnet", "--contamination",
                          "0.08", "--variants", "tiny", "--out", str(out)]) == 0
    assert seen[-1][0] == "devnet_split" and seen[-1][1]["contamination"] == 0.08
    assert "8% contamination" in out.read_text()


@pytest.fixture()
def saturated(monkeypatch):
    yield _script(monkeypatch, "screen_saturated_pseudo_labels")
    sys.modules.pop("screen_saturated_pseudo_labels", None)


def test_saturated_screen_reads_the_cap_splits_and_changes_only_them(saturated, monkeypatch):
    """The screen behind docs/decisions.md's at-the-cap table fits only the splits whose
    committed default row reached the cap; its refresh with no rule is the package's, bit
    for bit, and a rule changes a fit only where the estimate is at the cap."""
    import numpy as np
    import pyod_dasad.trainer as trainer
    from _dasad_helpers import blobs, fast_dasad

    splits = saturated.cap_splits(os.path.join(BENCHMARKS, "results"))
    by_set = {}
    for label, *_ in splits:
        by_set[label] = by_set.get(label, 0) + 1
    assert by_set["Classical la 10%"] == 6 and by_set["DevNet protocol"] == 1
    assert by_set["robustness, 25% of labels flipped"] == 9 and len(splits) == 38
    assert all(n_set >= by_set[label] for label, _, _, _, n_set in splits)

    X, y, _ = blobs(n_normal=80, n_anomaly=8, n_labelled=4)
    reference = fast_dasad(epochs=4, pseudo_labels=True).fit(X, y).decision_function(X)
    monkeypatch.setattr(trainer.Trainer, "refresh_pseudo_labels", saturated.refresh_pseudo_labels)
    monkeypatch.setitem(saturated._rule, "rule", None)
    assert np.array_equal(fast_dasad(epochs=4, pseudo_labels=True).fit(X, y).decision_function(X), reference)
    monkeypatch.setitem(saturated._rule, "rule", saturated.RULES["views80_w01"])
    monkeypatch.setattr(saturated, "labels_stand_out", lambda share: True)  # never at the cap: no change
    assert np.array_equal(fast_dasad(epochs=4, pseudo_labels=True).fit(X, y).decision_function(X), reference)
    monkeypatch.setattr(saturated, "labels_stand_out", lambda share: False)  # always at the cap
    assert not np.array_equal(fast_dasad(epochs=4, pseudo_labels=True).fit(X, y).decision_function(X), reference)


def test_saturated_screen_summary_averages_over_the_whole_set(saturated):
    rows = [{"set": "s", "set_splits": 10, "dataset": "a", "seed": 1, "rule": r, "auc_pr": pr}
            for r, pr in (("drop", 0.5), ("views80", 0.7))]
    assert "| s | 1 of 10 | +0.0000 | +0.0200 |" in saturated._summary(rows, ["drop", "views80"])


@pytest.fixture()
def pu_prior(monkeypatch):
    yield _script(monkeypatch, "screen_pu_prior")
    sys.modules.pop("screen_pu_prior", None)


def test_pu_prior_screen_recovers_a_known_share(pu_prior):
    """Elkan-Noto on separable classes with a random third of the positives labelled: the
    estimate is near the true share of positives in the unlabelled rows, and NaN with one label."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(0, 1, (900, 2)), rng.normal(4, 1, (300, 2))])
    labelled = np.zeros(1200, dtype=int)
    labelled[900 + rng.choice(300, 100, replace=False)] = 1
    truth = 200 / 1100
    assert abs(pu_prior.elkan_noto_share(X, labelled, LogisticRegression()) - truth) < 0.04
    one = np.zeros(1200, dtype=int)
    one[950] = 1
    assert np.isnan(pu_prior.elkan_noto_share(X, one, LogisticRegression()))


@pytest.fixture()
def share_screen(monkeypatch):
    yield _script(monkeypatch, "screen_share_estimator")
    sys.modules.pop("screen_share_estimator", None)


def test_share_screen_mixture_bound_recovers_a_known_share(share_screen):
    """The mixture-proportion bound: unlabelled scores are 95% normals (N(0, 1)) and 5%
    anomalies drawn like the labelled ones (N(6, 1)); the estimate is near 0.05, where a
    count above a low threshold that normals clear is far above it."""
    import numpy as np

    rng = np.random.RandomState(0)
    unlabelled = np.concatenate([rng.normal(0, 1, 9500), rng.normal(6, 1, 500)])
    labelled = rng.normal(6, 1, 60)
    assert abs(share_screen.mpe_share(unlabelled, labelled) - 0.05) < 0.01
    assert share_screen.mpe_share(unlabelled + 10, labelled) == 1.0  # everything scores higher: capped


def test_share_screen_rules_and_summary(share_screen):
    import numpy as np
    from pyod_dasad import pseudo_labels

    assert share_screen.RULES["cur"] is pseudo_labels.auto_ratios
    rng = np.random.RandomState(1)
    scores = np.concatenate([rng.normal(0, 1, 980), rng.normal(8, 1, 20)])
    labelled = rng.normal(8, 1, 30)
    _, normal80, share = share_screen.RULES["mpe80"](scores, labelled)
    _, normal95, _ = share_screen.RULES["mpe2x95"](scores, labelled)
    assert share < 0.05 and normal80 == 0.8 and normal95 == pytest.approx(max(0.5, min(0.95, 1 - 2 * share)))
    assert share_screen.RULES["mpe2x80"](scores, labelled)[1] == 0.8
    heavy = np.concatenate([rng.normal(0, 1, 700), rng.normal(8, 1, 300)])  # 30% hide: 1 - 2 pi < 0.5
    assert share_screen.RULES["mpe2x80"](heavy, labelled)[1] == 0.5
    assert share_screen.RULES["mpe80"](scores, []) == pseudo_labels.auto_ratios(scores, [])  # no labels: fallback
    rows = [{"set": "s", "dataset": "a", "seed": k, "rule": r, "auc_pr": pr + 0.01 * k, "hidden_share": 0.1,
             "hidden_share_truth": 0.05} for k in (1, 2) for r, pr in (("cur", 0.5), ("mpe80", 0.6))]
    table = share_screen.summary(rows, ["cur", "mpe80"])
    assert "| s | 2 | 0.5150 | 0.6150 | +0.1000 (2/0, p=0.5) | 0.050 | 0.050 |" in table


def test_share_screen_capped_rules_differ_from_the_default_only_below_a_fifth(share_screen, monkeypatch):
    """``cur95`` keeps ``1 - pi`` credible normals up to 95% where the default stops at 80%;
    where the default's estimate is 0.2 or more (or saturated, or absent) the fit is the
    default's and ``run_split`` reuses the stored row instead of refitting."""
    import numpy as np
    from pyod_dasad import pseudo_labels

    rng = np.random.RandomState(2)
    labelled = rng.normal(8, 1, pseudo_labels.MPE_MIN_LABELS - 1)  # the count's rule, as in the screen
    few = np.concatenate([rng.normal(0, 1, 970), rng.normal(8, 1, 30)])     # 3% hide
    many = np.concatenate([rng.normal(0, 1, 600), rng.normal(8, 1, 400)])   # 40% hide
    _, default_few, share_few = pseudo_labels.auto_ratios(few, labelled)
    _, capped_few, _ = share_screen.RULES["cur95"](few, labelled)
    assert default_few == 0.8 and capped_few == pytest.approx(min(1 - share_few, 0.95)) and capped_few > 0.9
    assert share_screen.RULES["cur90"](few, labelled)[1] == 0.9
    assert share_screen.RULES["cur95"](many, labelled) == pseudo_labels.auto_ratios(many, labelled)
    assert share_screen.RULES["cur95"](few, []) == pseudo_labels.auto_ratios(few, [])
    assert not share_screen.same_fit_as_cur("cur95", share_few)
    assert share_screen.same_fit_as_cur("cur95", 0.2) and share_screen.same_fit_as_cur("cur95", 1.0)
    assert share_screen.same_fit_as_cur("cur95", None)
    assert not share_screen.same_fit_as_cur("mpe80", 0.5)  # another estimate: always refitted

    def no_split(*args):
        raise AssertionError("nothing should be fitted")

    monkeypatch.setattr(share_screen, "_split", no_split)
    stored = {"set": "s", "dataset": "a", "seed": 1, "rule": "cur", "auc_pr": 0.7, "hidden_share": 0.4}
    rows = share_screen.run_split("s", "a", 1, {}, ["cur", "cur95"], None, stored)
    assert [(r["rule"], r["auc_pr"]) for r in rows] == [("cur", 0.7), ("cur95", 0.7)]
    with pytest.raises(AssertionError, match="nothing should be fitted"):
        share_screen.run_split("s", "a", 1, {}, ["cur", "cur95"], None, dict(stored, hidden_share=0.05))


def test_share_screen_gated_rule_takes_mpe80_only_at_a_small_bound(share_screen, tmp_path, capsys):
    rows = []
    for seed, bound in ((1, 0.0), (2, 0.05)):
        for rule, pr in (("cur", 0.5), ("mpe80", 0.6), ("mpe2x95", 0.7)):
            rows.append({"set": "s", "dataset": "a", "seed": seed, "rule": rule, "auc_pr": pr + seed / 100,
                         "hidden_share": bound if rule != "cur" else 0.3, "hidden_share_truth": 0.05})
    gated = share_screen.gated_rows(rows, 0.01)
    assert [(r["seed"], r["auc_pr"]) for r in gated] == [(1, 0.61), (2, 0.72)]
    assert {r["rule"] for r in gated} == {"mpe2x95, 0.8 at a bound <= 0.01"}
    assert [r["auc_pr"] for r in share_screen.gated_rows(rows, 0.1)] == [0.61, 0.62]
    with pytest.raises(ValueError, match="exact"):
        share_screen.gated_rows(rows, 0.3)
    path = tmp_path / "rows.json"
    path.write_text(json.dumps({"rows": rows}))
    assert share_screen.main(["--gated-from", str(path), "--gate", "0", "0.1"]) == 0
    out = capsys.readouterr().out
    assert "mpe2x95, 0.8 at a bound <= 0 |" in out and "mpe2x95, 0.8 at a bound <= 0.1 |" in out
    assert "| s | 2 | 0.5150 | 0.7150 | 0.6650 | 0.6150 |" in out


@pytest.fixture()
def pair_sampler(monkeypatch):
    pytest.importorskip("deepod")
    yield _script(monkeypatch, "prenet_pair_sampler")
    sys.modules.pop("prenet_pair_sampler", None)


def test_pair_sampler_benchmark_times_both_samplers(pair_sampler, shared_data_dir, tmp_path):
    out = tmp_path / "sampler.json"
    argv = ["--datasets", "cardio", "--data-dir", str(shared_data_dir), "--batches", "3", "--out", str(out)]
    assert pair_sampler.main(argv) == 0
    row = json.loads(out.read_text())["rows"][0]
    assert row["dataset"] == "cardio" and row["n_labelled"] == 30
    assert row["steps_per_fit"] == 100 * (row["n_train"] // 64)
    assert row["deepod_ms_per_batch"] > 0 and row["fastpairs_ms_per_batch"] > 0
    assert row["speedup"] == pytest.approx(row["deepod_ms_per_batch"] / row["fastpairs_ms_per_batch"])


def test_pair_sampler_agreement_pairs_on_dataset_and_seed(pair_sampler):
    import pandas as pd

    rows = []
    for seed in range(6):
        for det, shift in (("DeepOD-PReNet", 0.0), ("DeepOD-PReNet-fastpairs", 0.01 * (seed + 1))):
            rows.append({"dataset": "d1", "seed": seed, "detector": det, "status": "ok",
                         "auc_pr": 0.5 + shift, "auc_roc": 0.8, "fit_seconds": 10.0 - 9 * (shift > 0)})
    rows.append({"dataset": "d2", "seed": 0, "detector": "DeepOD-PReNet", "status": "ok",  # unpaired: dropped
                 "auc_pr": 0.9, "auc_roc": 0.9, "fit_seconds": 1.0})
    rows.append({"dataset": "d1", "seed": 9, "detector": "DeepOD-PReNet-fastpairs", "status": "error",
                 "auc_pr": None, "auc_roc": None, "fit_seconds": None})
    out = pair_sampler.paired_agreement(pd.DataFrame(rows))
    assert out["n_pairs"] == 6 and list(out["datasets"]) == ["d1"]
    pr = out["overall"]["auc_pr"]
    assert pr["mean_diff"] == pytest.approx(0.035) and pr["wilcoxon_p"] < 0.05
    assert out["overall"]["auc_roc"]["wilcoxon_p"] == 1.0  # no difference at all
    assert out["datasets"]["d1"]["fit_seconds"] == [10.0, 1.0]


@pytest.fixture()
def pair_variants(monkeypatch):
    yield _script(monkeypatch, "pair_variants")
    sys.modules.pop("pair_variants", None)


def test_pair_variants_pairs_each_split_with_its_stored_default(pair_variants, tmp_path, capsys):
    screen = {"rows": [{"set": "s", "dataset": "a", "seed": k, "rule": rule, "auc_pr": pr + k / 100, "auc_roc": 0.9}
                       for k in (1, 2, 3) for rule, pr in (("cur", 0.5), ("cur95", 0.9))]
              + [{"set": "other", "dataset": "a", "seed": 1, "rule": "cur", "auc_pr": 0.0, "auc_roc": 0.0}]}
    ablation = [{"dataset": "a", "seed": k, "variant": v, "auc_pr": 0.5 + k / 100 + delta, "auc_roc": 0.95}
                for k in (1, 2, 3) for v, delta in (("x", 0.1), ("y", -0.02 * k))]
    (tmp_path / "screen.json").write_text(json.dumps(screen))
    (tmp_path / "abl.json").write_text(json.dumps(ablation))
    out = tmp_path / "t.md"
    argv = ["--reference", str(tmp_path / "screen.json"), "s=%s" % (tmp_path / "abl.json"), "--out", str(out)]
    assert pair_variants.main(argv) == 0
    text = out.read_text()
    assert "| s | x | 3 | 0.5200 | 0.6200 | +0.1000 | 3 / 0, p = 0.25 | 0.9000 | 0.9500 |" in text
    assert "| s | y | 3 | 0.5200 | 0.4800 | -0.0400 | 0 / 3, p = 0.25 |" in text
    assert text in capsys.readouterr().out
    # an ablation file as the reference: its defaults pair whatever the set is called
    reference = [dict(r, variant="full (defaults)", auc_pr=0.4) for r in ablation if r["variant"] == "x"]
    (tmp_path / "ref.json").write_text(json.dumps(reference))
    paired = pair_variants.pair(pair_variants.reference_rows(str(tmp_path / "ref.json")), "any", ablation)
    assert paired["x"][:, 0].tolist() == [0.4, 0.4, 0.4]
    with pytest.raises(KeyError):  # a split the reference lacks is an error, not a shorter table
        pair_variants.pair(pair_variants.reference_rows(str(tmp_path / "screen.json")), "s",
                           ablation + [{"dataset": "a", "seed": 4, "variant": "x", "auc_pr": 1, "auc_roc": 1}])


@pytest.fixture()
def by_labels(monkeypatch):
    yield _script(monkeypatch, "weight_decay_by_labels")
    sys.modules.pop("weight_decay_by_labels", None)


def _store(path, rows):
    import sqlite3

    path.parent.mkdir(parents=True)
    with sqlite3.connect(str(path)) as con:
        con.execute("CREATE TABLE results (dataset TEXT, protocol TEXT, budget TEXT, seed INTEGER, detector TEXT, "
                    "noise_type TEXT, status TEXT, n_labelled INTEGER)")
        con.executemany("INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def test_weight_decay_by_labels_bins_each_split_by_its_stored_label_count(by_labels, tmp_path, monkeypatch):
    screen = tmp_path / "screen"
    screen.mkdir()
    fits = [{"dataset": ds, "seed": s, "variant": v, "auc_pr": pr}
            for ds, s, a, b in (("few", 1, 0.5, 0.4), ("few", 2, 0.5, 0.3), ("many", 1, 0.5, 0.9))
            for v, pr in (("A", a), ("B", b))]
    (screen / "f.json").write_text(json.dumps(fits))
    _store(tmp_path / "stores" / "s" / "results.db",
           [("few", "adbench", "0.1", 1, "DASAD", "none", "ok", 2), ("few", "adbench", "0.1", 2, "DASAD", "none", "ok", 1),
            ("many", "adbench", "0.1", 1, "DASAD", "none", "ok", 40),
            ("many", "adbench", "0.05", 1, "DASAD", "none", "ok", 20),  # another budget: not this set's split
            ("few", "adbench", "0.1", 1, "XGBOD", "none", "ok", 2)])
    monkeypatch.setattr(by_labels, "SCREEN", str(screen))
    monkeypatch.setattr(by_labels, "STORES", str(tmp_path / "stores"))
    monkeypatch.setattr(by_labels, "SETS", {"dev": ("s", "adbench", "0.1", ["f.json"]),
                                            "held out": ("s", "adbench", "0.1", ["f.json"])})
    pairs = sorted(by_labels.paired("dev", "A", "B"))
    assert [n for n, _ in pairs] == [1, 2, 40] and [d for _, d in pairs] == pytest.approx([-0.2, -0.1, 0.4])
    text = by_labels.table("A", "B", (1, 3, 21))
    assert "| 1-2 labels | 3-20 labels | 21+ labels | all |" in text
    assert "| dev | -0.150 (2) | - | +0.400 (1) | +0.033 (3) |" in text
    assert "| development sets (all but held-out) | -0.150 (2) | - | +0.400 (1) | +0.033 (3) |" in text
    monkeypatch.setattr(by_labels, "SETS", {"dev": ("s", "adbench", "0.01", ["f.json"])})
    with pytest.raises(KeyError):  # a split the store lacks is an error, not a smaller bin
        by_labels.paired("dev", "A", "B")


def test_weight_decay_by_labels_reads_the_committed_screen(by_labels):
    """The committed screen and stores pair completely: every DevNet-protocol split of the
    screen has its label count (15 for arrhythmia, 30 elsewhere)."""
    pairs = by_labels.paired("DevNet protocol", "weight decay 1e-3", "weight decay 1e-2")
    assert len(pairs) == 80 and {n for n, _ in pairs} == {15, 30}


@pytest.fixture()
def extreme_rows(monkeypatch):
    yield _script(monkeypatch, "extreme_rows")
    sys.modules.pop("extreme_rows", None)


@pytest.fixture()
def compare_stores(monkeypatch):
    yield _script(monkeypatch, "compare_stores")
    sys.modules.pop("compare_stores", None)


def test_extreme_rows_scores_far_rows_with_and_without_the_guard(extreme_rows, tmp_path, capsys):
    out = tmp_path / "extreme.md"
    assert extreme_rows.main(["--dataset", "6_cardio", "--features", "1", "--out", str(out)]) == 0
    text = out.read_text()
    assert "| 1e+20 |" in text and "rows are out of range" not in text and "rows beyond" in text
    # with the guard every far row is predicted an outlier: the cell ends in "(1)"
    table = [line for line in text.splitlines() if line.startswith("| 1e+")]
    assert table and all(cell.strip().endswith("(1)") for line in table for cell in line.strip("|").split("|")[1:])


def test_compare_stores_reports_changed_fits_and_checks_the_rest(compare_stores, tmp_path, capsys):
    import shutil
    from adbench_runs.store import FitKey, ResultStore
    old_path, new_path = tmp_path / "old.db", tmp_path / "new.db"
    store = ResultStore(str(old_path))
    for seed, pr in ((1, 0.5), (2, 0.6), (3, 0.7)):
        store.write(FitKey("d", "adbench", 0.1, seed, "DASAD"), {"status": "ok", "auc_pr": pr, "auc_roc": 0.8})
    store.close()
    shutil.copy(old_path, new_path)
    store = ResultStore(str(new_path))
    store.write(FitKey("d", "adbench", 0.1, 1, "DASAD"), {"status": "ok", "auc_pr": 0.55, "auc_roc": 0.8})
    store.write(FitKey("d", "adbench", 0.1, 2, "DASAD"), {"status": "ok", "auc_pr": 0.6, "auc_roc": 0.8})
    store.close()
    assert compare_stores.main([str(old_path), str(new_path)]) == 0
    text = capsys.readouterr().out
    assert "1 fits changed; 1 more were refitted" in text and "| d | adbench | 0.1 | 1 | none | 0.5000 | 0.5500 | +0.0500" in text


def test_hidden_per_label_summary_counts_the_small_ratios(monkeypatch):
    screen = _script(monkeypatch, "screen_hidden_per_label")
    try:
        rows = [{"set": "s", "pi_cur": 0.5, "pi_mpe": 0.02, "truth": 0.02, "n_u": 1000, "m": 30, "m_true": 30},
                {"set": "s", "pi_cur": 0.1, "pi_mpe": 0.3, "truth": 0.1, "n_u": 1000, "m": 30, "m_true": 30}]
        out = screen.summary(rows)["s"]
        assert out["splits"] == 2 and out["splits_ratio_at_most_7"] == 1  # 0.02 * 1000 / 30 = 0.67; 10
        assert abs(out["mae_default"] - 0.24) < 1e-12 and abs(out["mae_mixture_bound"] - 0.1) < 1e-12
    finally:
        sys.modules.pop("screen_hidden_per_label", None)


@pytest.fixture()
def by_label_count(monkeypatch):
    yield _script(monkeypatch, "screen_by_label_count")
    sys.modules.pop("screen_by_label_count", None)


def test_label_count_screen_takes_the_gated_unperturbed_splits_once(by_label_count, tmp_path):
    from adbench_runs.store import FitKey, ResultStore
    store = ResultStore(str(tmp_path / "s" / "results.db"))
    rows = [(FitKey("a", "adbench", 0.1, 1, "DASAD"), 25, 0.5),
            (FitKey("a", "adbench", 0.1, 2, "DASAD"), 19, 0.6),  # below the gate
            (FitKey("a", "adbench", 0.1, 3, "DASAD", "label_contamination", 0.05), 30, 0.7),  # noisy
            (FitKey("b", "devnet", 30, 0, "DASAD", "contamination", 0.02), 30, 0.8),
            (FitKey("b", "devnet", 30, 0, "DASAD", "contamination", 0.05), 30, 0.9),  # not the protocol's 2%
            (FitKey("a", "adbench", 0.1, 1, "IForest"), 25, 0.1)]  # another detector
    for key, n_labelled, pr in rows:
        store.write(key, {"status": "ok", "auc_pr": pr, "auc_roc": 0.9, "n_labelled": n_labelled})
    store.close()
    got = by_label_count.splits(20, str(tmp_path), {"set": "s"})
    assert [(s["dataset"], s["protocol"], s["seed"], s["n_labelled"], s["ref_auc_pr"]) for s in got] == [
        ("a", "adbench", 1, 25, 0.5), ("b", "devnet", 0, 30, 0.8)]
    assert by_label_count.splits(31, str(tmp_path), {"set": "s"}) == []


def test_label_count_screen_parses_variants_and_pairs_the_summary(by_label_count):
    import argparse
    assert by_label_count.parse_variant('w:{"warmup_weight": 0.5}') == ("w", {"warmup_weight": 0.5})
    for bad in ("w", ':{"a": 1}', "w:[1]", "w:{bad"):
        with pytest.raises(argparse.ArgumentTypeError):
            by_label_count.parse_variant(bad)
    base = {"variant": "w", "set": "s", "protocol": "devnet", "budget": "30", "ref_auc_roc": 0.9, "auc_roc": 0.8}
    rows = [dict(base, dataset="x", seed=0, ref_auc_pr=0.5, auc_pr=0.7),
            dict(base, dataset="x", seed=1, ref_auc_pr=0.5, auc_pr=0.4),
            dict(base, dataset="y", seed=0, ref_auc_pr=0.6, auc_pr=0.6)]
    text = by_label_count.summary(rows)
    assert "| w | s | devnet | 30 | 3 | 0.5333 | 0.5667 | +0.0333 | 1 / 1 |" in text
    assert "| -0.1000 |" in text  # the AUC-ROC change
    assert "| w | s | devnet | 30 | x | 2 | +0.050 |" in text and "| w | s | devnet | 30 | y | 1 | +0.000 |" in text


def test_label_count_screen_pairs_with_the_defaults_refitted_here(by_label_count):
    refit = by_label_count.REFIT
    base = {"set": "s", "protocol": "adbench", "budget": "0.01", "dataset": "x", "ref_auc_pr": 0.5,
            "ref_auc_roc": 0.9}
    rows = [dict(base, variant=refit, seed=1, auc_pr=0.6, auc_roc=0.8),
            dict(base, variant="w", seed=1, auc_pr=0.7, auc_roc=0.85),
            dict(base, variant="w", seed=2, auc_pr=0.1, auc_roc=0.5)]  # no refit of seed 2 yet: left out
    got = by_label_count.paired_with_refit(rows)
    assert [(r["variant"], r["seed"], r["ref_auc_pr"], r["ref_auc_roc"], r["auc_pr"]) for r in got] == [
        ("w", 1, 0.6, 0.8, 0.7)]
    assert "| w | s | adbench | 0.01 | 1 | 0.6000 | 0.7000 | +0.1000 | 1 / 0 |" in by_label_count.summary(got)


def test_label_count_screen_max_labels_and_refit_choose_the_fits(by_label_count, tmp_path, monkeypatch):
    from adbench_runs.store import FitKey, ResultStore
    store = ResultStore(str(tmp_path / "paper_adbench" / "results.db"))
    for seed, n_labelled in ((1, 2), (2, 4), (3, 9)):
        store.write(FitKey("a", "adbench", 0.01, seed, "DASAD"),
                    {"status": "ok", "auc_pr": 0.5, "auc_roc": 0.9, "n_labelled": n_labelled})
    store.close()
    monkeypatch.setattr(by_label_count, "STORES", str(tmp_path))
    monkeypatch.setattr(by_label_count.splits, "__defaults__", (str(tmp_path), by_label_count.SETS))
    fitted = []

    def fake_run_fits(task, todo, jobs, path):
        import json
        with open(path, "a") as fh:
            for split, name, params, _ in todo:
                fitted.append((name, split["seed"], params))
                fh.write(json.dumps(dict(split, variant=name, auc_pr=0.7 if params else 0.6, auc_roc=0.9)) + "\n")

    monkeypatch.setattr(by_label_count, "run_fits", fake_run_fits)
    out = str(tmp_path / "screen")
    by_label_count.main(["--variant", 'e:{"pseudo_anomaly_ratio": "estimate"}', "--min-labels", "1",
                         "--max-labels", "4", "--sets", "paper", "--refit-defaults", "--out", out])
    assert sorted(fitted, key=str) == sorted([(by_label_count.REFIT, 1, {}), (by_label_count.REFIT, 2, {}),
                                              ("e", 1, {"pseudo_anomaly_ratio": "estimate"}),
                                              ("e", 2, {"pseudo_anomaly_ratio": "estimate"})], key=str)
    # queued split by split: a run stopped part-way leaves whole pairs
    assert [(name, seed) for name, seed, _ in fitted] == [(by_label_count.REFIT, 1), ("e", 1),
                                                          (by_label_count.REFIT, 2), ("e", 2)]
    text = open(out + ".md").read()
    assert "1 to 4 labelled anomalies, each paired with the same split's default fit redone in this run" in text
    assert "| splits | refitted AUC-PR | variant AUC-PR |" in text
    assert "| e | paper | adbench | 0.01 | 2 | 0.6000 | 0.7000 | +0.1000 | 2 / 0 |" in text


def test_label_count_report_is_written_before_it_is_printed(by_label_count, tmp_path, monkeypatch):
    import builtins

    def closed_pipe(*args, **kwargs):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(builtins, "print", closed_pipe)
    with pytest.raises(BrokenPipeError):
        by_label_count.write_report("the report", str(tmp_path / "r"))
    assert open(str(tmp_path / "r.md")).read() == "the report"


def test_label_count_screen_protocols_choose_the_splits(by_label_count, tmp_path, monkeypatch):
    from adbench_runs.store import FitKey, ResultStore
    store = ResultStore(str(tmp_path / "paper_adbench" / "results.db"))
    store.write(FitKey("a", "adbench", 0.01, 1, "DASAD"), {"status": "ok", "auc_pr": 0.5, "auc_roc": 0.9,
                                                          "n_labelled": 2})
    store.write(FitKey("a", "devnet", 30, 0, "DASAD", "contamination", 0.02),
                {"status": "ok", "auc_pr": 0.5, "auc_roc": 0.9, "n_labelled": 30})
    store.close()
    monkeypatch.setattr(by_label_count.splits, "__defaults__", (str(tmp_path), by_label_count.SETS))
    for protocols, want in ((["adbench"], ["adbench"]), (["devnet"], ["devnet"]), ([], ["adbench", "devnet"])):
        fitted = []
        monkeypatch.setattr(by_label_count, "run_fits", lambda task, todo, jobs, path: fitted.extend(todo))
        by_label_count.main(["--variant", 'v:{"contrastive": "off"}', "--min-labels", "1", "--sets", "paper",
                             "--out", str(tmp_path / ("o" + "".join(protocols)))]
                            + (["--protocols", *protocols] if protocols else []))
        assert sorted(s["protocol"] for s, *_ in fitted) == want


def test_label_count_screen_adds_the_robustness_sweeps_one_set_per_level(by_label_count, tmp_path, monkeypatch):
    from adbench_runs.store import FitKey, ResultStore
    store = ResultStore(str(tmp_path / by_label_count.ROBUSTNESS / "results.db"))
    for ratio, seed in ((0.05, 1), (0.0, 1), (0.05, 2)):
        store.write(FitKey("cardio", "adbench", 0.1, seed, "DASAD", "label_contamination", ratio),
                    {"status": "ok", "auc_pr": 0.5, "auc_roc": 0.9, "n_labelled": 12})
    store.write(FitKey("cardio", "devnet", 30, 0, "DASAD", "contamination", 0.08),
                {"status": "ok", "auc_pr": 0.5, "auc_roc": 0.9, "n_labelled": 30})
    store.close()
    got = by_label_count.robustness_splits(["label_contamination"], 1, str(tmp_path))
    assert [(s["set"], s["seed"], s["noise_ratio"]) for s in got] == [
        ("robustness, 0% flipped", 1, 0.0), ("robustness, 5% flipped", 1, 0.05), ("robustness, 5% flipped", 2, 0.05)]
    # the same split at two levels has two keys, so the summary and the resumed run keep them apart
    assert by_label_count.split_key(got[0]) != by_label_count.split_key(got[1])
    # and so does it under one set name: the key holds the sweep's noise setting itself
    assert by_label_count.split_key(dict(got[1], set=got[0]["set"])) != by_label_count.split_key(got[0])
    assert by_label_count.split_key({"set": "s", "dataset": "a", "protocol": "adbench", "budget": "0.1",
                                     "seed": 1})[5:] == (None, None)
    assert [s["set"] for s in by_label_count.robustness_splits(["contamination"], 1, str(tmp_path))] == [
        "robustness, 8% contamination"]
    monkeypatch.setattr(by_label_count.robustness_splits, "__defaults__", (1, str(tmp_path)))
    monkeypatch.setattr(by_label_count.splits, "__defaults__", (str(tmp_path), by_label_count.SETS))
    fitted = []
    monkeypatch.setattr(by_label_count, "run_fits", lambda task, todo, jobs, path: fitted.extend(todo))
    by_label_count.main(["--variant", 'v:{"contrastive": "off"}', "--min-labels", "1", "--sets",
                         "--robustness", "label_contamination", "--out", str(tmp_path / "o")])
    assert sorted((s["set"], s["seed"]) for s, *_ in fitted) == [
        ("robustness, 0% flipped", 1), ("robustness, 5% flipped", 1), ("robustness, 5% flipped", 2)]


@pytest.fixture()
def trace_fit(monkeypatch):
    yield _script(monkeypatch, "trace_fit")
    sys.modules.pop("trace_fit", None)


def test_trace_records_every_epoch_and_leaves_the_fit_unchanged(trace_fit):
    import types
    import numpy as np
    import pyod_dasad.trainer as trainer
    from _dasad_helpers import FAST, blobs
    X, y, truth = blobs(n_normal=120, n_anomaly=16, n_labelled=6)
    Xt, _, yt = blobs(n_normal=60, n_anomaly=8, n_labelled=0, seed=1)
    split = types.SimpleNamespace(X_train=X, y_train=y, y_train_true=truth, X_test=Xt, y_test=yt)
    init = trainer.Trainer.__init__
    model, epochs = trace_fit.trace(split, 0, FAST)
    assert trainer.Trainer.__init__ is init  # the hook is removed
    assert [e["epoch"] for e in epochs] == list(range(FAST["epochs"]))
    assert all(0 <= e["test_auc_pr"] <= 1 and 0 <= e["hidden_auc_pr"] <= 1 and len(e["unlabelled_quantiles"]) == 3
               for e in epochs)
    from pyod_dasad import DASAD
    plain = DASAD(random_state=0, **FAST).fit(X, y)
    np.testing.assert_array_equal(plain.decision_function(Xt), model.decision_function(Xt))
    assert [h["loss"] for h in plain.history_] == [e["loss"] for e in epochs]


def test_warmup_min_bound_screen_records_the_warmup_bounds(monkeypatch):
    import numpy as np
    import pyod_dasad.trainer as trainer
    from pyod_dasad import pseudo_labels
    from _dasad_helpers import FAST, blobs
    # the screen patches the trainer module: monkeypatch restores what it replaces
    for name in ("__init__", "fit"):
        monkeypatch.setattr(trainer.Trainer, name, getattr(trainer.Trainer, name))
    monkeypatch.setattr(trainer, "auto_ratios", trainer.auto_ratios)
    screen = _script(monkeypatch, "screen_warmup_min_bound")
    try:
        X, y, _ = blobs(n_normal=300, n_anomaly=40, n_labelled=pseudo_labels.MPE_MIN_LABELS)
        from pyod_dasad import DASAD
        plain = DASAD(random_state=0, **dict(FAST, epochs=5, warmup_epochs=3)).fit(X, y)
        screen.install()
        patched = DASAD(random_state=0, **dict(FAST, epochs=5, warmup_epochs=3)).fit(X, y)
        # warm-up epochs 0 and 1 (not the last, whose model the refresh reads), then the refresh
        assert len(screen._STATE["bounds"]) == 3 and all(0 <= b <= 1 for b in screen._STATE["bounds"])
        bounds = screen._STATE["bounds"]
        newly = bounds[-1] >= pseudo_labels.MPE_SMALL_SHARE > min(bounds)
        same = np.array_equal(plain.decision_scores_, patched.decision_scores_)
        assert same != newly  # the fit changes exactly when the smallest bound newly fires
    finally:
        sys.modules.pop("screen_warmup_min_bound", None)
        sys.modules.pop("screen_by_label_count", None)


def test_weak_normal_rule_keeps_uncertain_rows_at_the_warmup_weight_only_with_20_labels(monkeypatch):
    import types
    import numpy as np
    import pyod_dasad.trainer as trainer

    def fake_refresh(self, X, unlabelled, targets, weights, has_labels):  # a refresh leaving rows 0-2 uncertain
        weights[unlabelled] = 0.7
        weights[unlabelled[:3]] = 0.0
        return "result"

    monkeypatch.setattr(trainer.Trainer, "refresh_pseudo_labels", fake_refresh)
    screen = _script(monkeypatch, "screen_warmup_min_bound")
    try:
        screen.install_weak_normals()
        me = types.SimpleNamespace(warmup_weight=0.1)
        for n_labels, expected in ((20, 0.1), (19, 0.0)):
            n = 50
            targets = np.r_[np.zeros(n - n_labels, dtype=int), np.ones(n_labels, dtype=int)]
            weights = np.ones(n)
            unlabelled = np.arange(n - n_labels)
            assert trainer.Trainer.refresh_pseudo_labels(me, None, unlabelled, targets, weights, True) == "result"
            np.testing.assert_array_equal(weights[:3], expected)
            assert np.all(weights[3:n - n_labels] == 0.7) and np.all(weights[n - n_labels:] == 1.0)
            assert np.all(targets[:n - n_labels] == 0)
    finally:
        sys.modules.pop("screen_warmup_min_bound", None)
        sys.modules.pop("screen_by_label_count", None)


@pytest.fixture()
def share_bound_screen(monkeypatch):
    yield _script(monkeypatch, "screen_warmup_share_bound")
    sys.modules.pop("screen_warmup_share_bound", None)
    sys.modules.pop("screen_by_label_count", None)


def test_share_bound_screen_takes_the_weight_05_fit_only_below_the_threshold(share_bound_screen):
    base = {"set": "s", "protocol": "devnet", "budget": "30", "truth": 0.02, "bound_seconds": 0.1,
            "bound_100": 0.05}
    rows = [dict(base, dataset="x", seed=0, bound=0.04), dict(base, dataset="x", seed=1, bound=0.12),
            dict(base, dataset="y", seed=0, bound=None)]
    weights = {("s", "x", "devnet", "30", 0): {"auc_pr": 0.9, "ref_auc_pr": 0.5},
               ("s", "x", "devnet", "30", 1): {"auc_pr": 0.1, "ref_auc_pr": 0.5},
               ("s", "y", "devnet", "30", 0): {"auc_pr": 0.1, "ref_auc_pr": 0.5}}
    got = share_bound_screen.compose(rows, weights, 0.1)[("s", "devnet", "30")]
    assert got["fired"] == 1 and got["changes"] == pytest.approx([0.4, 0.0, 0.0])
    got = share_bound_screen.compose(rows, weights, 0.15)[("s", "devnet", "30")]
    assert got["fired"] == 2 and got["changes"] == pytest.approx([0.4, -0.4, 0.0])
    text = share_bound_screen.report([r for r in rows if r["bound"] is not None], weights)
    assert "| s | devnet | 30 | 2 | 0.020 | 0.080 (0.040-0.120) |" in text
    assert "| 0.10 | +0.2000 (1; p = nan) |" in text


def test_share_bound_screen_bounds_a_split_with_the_package_rule(share_bound_screen, monkeypatch):
    import numpy as np
    from pyod_dasad.warmup import classifier_share_bound
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 3))
    X[:40] += 3.0
    y_true = np.r_[np.ones(40, dtype=int), np.zeros(360, dtype=int)]
    y = np.r_[np.ones(30, dtype=int), np.zeros(370, dtype=int)]  # ten anomalies hide
    monkeypatch.setattr(share_bound_screen, "training_split", lambda split, data_dir=None: (X, y, 10 / 370))
    row = share_bound_screen.bounds({"set": "s", "dataset": "d", "protocol": "devnet", "budget": "30", "seed": 2})
    assert row["bound"] == classifier_share_bound(X, y, 2) and 0 <= row["bound_100"] <= 1
    assert row["truth"] == pytest.approx(10 / 370) and y_true.sum() == 40


def test_contamination_screen_summary_applies_the_rule_per_threshold(monkeypatch):
    screen = _script(monkeypatch, "screen_contamination_warmup")
    try:
        rows = [{"dataset": "a", "seed": 0, "contamination": 0.05, "truth": 0.05, "bound": 0.15,
                 "auc_pr_0.1": 0.4, "auc_pr_0.5": 0.8},
                {"dataset": "b", "seed": 0, "contamination": 0.05, "truth": 0.05, "bound": 0.25,
                 "auc_pr_0.1": 0.6, "auc_pr_0.5": 0.5}]
        text = screen.summary(rows, thresholds=(0.1, 0.2, 0.3))
        # 0.1: neither fires (0.5); 0.2: a fires (0.8 + 0.6) / 2; 0.3: both (0.8 + 0.5) / 2
        assert "| 0.05 | 2 | 0.050 | 0.150-0.250 | 0.500 | 0.650 | 0.500 (0) | 0.700 (1) | 0.650 (2) |" in text
        assert "| a | 0 | 0.05 | 0.150 | 0.400 | 0.800 |" in text
    finally:
        sys.modules.pop("screen_contamination_warmup", None)
        sys.modules.pop("screen_by_label_count", None)


def _tiny_split(seed=0, n=240, d=4, n_anomalies=24, n_labelled=8):
    """A small split with the attributes of ``adbench_runs.protocols``' splits."""
    import types

    import numpy as np
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X[:n_anomalies] += 3.0
    y_true = (np.arange(n) < n_anomalies).astype(int)
    y = (np.arange(n) < n_labelled).astype(int)
    X_test = rng.standard_normal((80, d))
    X_test[:8] += 3.0
    return types.SimpleNamespace(X_train=X, y_train=y, y_train_true=y_true, X_test=X_test,
                                 y_test=(np.arange(80) < 8).astype(int))


@pytest.fixture()
def saturation_screen(monkeypatch):
    yield _script(monkeypatch, "screen_saturation_threshold")
    sys.modules.pop("screen_saturation_threshold", None)
    sys.modules.pop("screen_by_label_count", None)


def test_saturation_scan_reads_the_estimate_and_restores_the_trainer(saturation_screen, monkeypatch):
    import pyod_dasad.trainer as trainer
    original = trainer.auto_ratios
    monkeypatch.setattr(saturation_screen, "make_split", lambda split, data_dir=None: _tiny_split())
    split = {"set": "s", "dataset": "d", "protocol": "adbench", "budget": "0.1", "seed": 1}
    rows = saturation_screen.scan_task((split, (0, 1000), None))
    assert trainer.auto_ratios is original
    assert [r["offset"] for r in rows] == [0, 1000]
    for r in rows:
        assert 0 <= r["share"] <= 1 and 0.5 <= r["normal_ratio"] <= 0.95


def test_saturation_summary_moves_the_pairs_from_t_to_the_cap_once_each(saturation_screen):
    def pair(set_name, dataset, share, d_pr, offset=0):
        return {"set": set_name, "dataset": dataset, "protocol": "adbench", "budget": "0.1", "seed": 1,
                "offset": offset, "share": share, "truth": 0.3, "default_auc_pr": 0.5, "default_auc_roc": 0.5,
                "fixed80_auc_pr": 0.5 + d_pr, "fixed80_auc_roc": 0.5}
    rows = [pair("Classical", "30_satellite", 0.95, 0.2), pair("paper", "satellite", 0.95, 0.2),  # one split
            pair("Classical", "x", 0.85, -0.1, offset=1000), pair("Classical", "y", 0.6, -0.3)]
    scan = [dict(r, normal_ratio=0.5) for r in rows] + [dict(rows[0], share=1.0, normal_ratio=0.8)]
    text = saturation_screen.summary(scan, rows, thresholds=(0.5, 0.8, 0.9))
    assert "(3 pairs with a share in [0.5, 1))" in text
    assert "| 0.9 | +0.2000 / +0.0000 (1; 1 ahead; p = nan) | - (0) |" in text
    assert "| 0.8 | +0.0500 / +0.0000 (2; 1 ahead;" in text
    assert "| 0.5 | -0.0667 / +0.0000 (3; 1 ahead;" in text
    assert "| Classical | adbench | 0 | 0 | 0 | 1 | 1 | 1 | 1 |" in text
    assert "| paper | adbench | 0 | 0 | 0 | 0 | 0 | 1 | 0 |" in text


def test_random_states_screen_fits_members_and_ensembles(monkeypatch):
    screen = _script(monkeypatch, "screen_random_states")
    try:
        monkeypatch.setattr(screen, "make_split", lambda split, data_dir=None: _tiny_split())
        split = {"set": "s", "dataset": "d", "protocol": "adbench", "budget": "0.1", "seed": 2, "n_labelled": 8,
                 "ref_auc_pr": 0.0}
        row = screen.fit_task((split, 2, None))
        assert {"member0_auc_pr", "member1_auc_pr", "ens2_auc_pr", "ens2_auc_roc"} <= set(row)
        assert "ens3_auc_pr" not in row
        rows = [dict(row, dataset="d", seed=s, member0_auc_pr=0.5, member1_auc_pr=0.7, ens2_auc_pr=0.8,
                     ref_auc_pr=0.5) for s in (1, 2)]
        text = screen.summary(rows, 2)
        assert "| **mean** | 2 | 0.500 | 0.600 | 0.200 | 0.800 |" in text
        assert "| ensemble of 2 | +0.3000 |" in text
        assert "reproduced to the last bit: 2 of 2" in text
    finally:
        sys.modules.pop("screen_random_states", None)
        sys.modules.pop("screen_by_label_count", None)


def test_feature_transform_screen_fits_on_training_rows_only(monkeypatch):
    import numpy as np
    screen = _script(monkeypatch, "screen_feature_transform")
    try:
        sp = _tiny_split()
        for name in screen.VARIANTS:
            a, b = screen.transform(name, sp.X_train, sp.X_test)
            width = 2 * sp.X_train.shape[1] if name == "raw+asinh" else sp.X_train.shape[1]
            assert a.shape == (240, width) and b.shape == (80, width) and np.isfinite(b).all()
            # the test rows do not move the fitted transform
            a2, _ = screen.transform(name, sp.X_train, sp.X_test * 100)
            np.testing.assert_array_equal(a, a2)
        with pytest.raises(ValueError, match="unknown variant"):
            screen.transform("log", sp.X_train, sp.X_test)
        rows = [{"dataset": "d", "seed": s, "ref_auc_pr": 0.5, **{v + "_auc_pr": 0.5 for v in screen.VARIANTS},
                 **{v + "_auc_roc": 0.5 for v in screen.VARIANTS}} for s in (1, 2)]
        rows[0]["asinh_auc_pr"] = 0.7
        text = screen.summary(rows)
        assert "| asinh | +0.1000 | +0.0000 | 1 of 2 |" in text and "last bit: 2 of 2" in text
    finally:
        sys.modules.pop("screen_feature_transform", None)
        sys.modules.pop("screen_by_label_count", None)


def test_screen_one_set_selects_the_stored_splits_and_resumes(monkeypatch, tmp_path):
    import argparse
    import json as _json
    helpers = _script(monkeypatch, "screen_by_label_count")
    try:
        stored = [{"set": "paper", "dataset": d, "protocol": p, "budget": b, "seed": 1}
                  for d, p, b in (("a", "adbench", "0.1"), ("b", "adbench", "0.1"), ("a", "adbench", "0.05"),
                                  ("a", "devnet", "30"), ("c", "adbench", "0.1"))]
        monkeypatch.setattr(helpers, "splits", lambda min_labels: stored)

        def run_fits(task, todo, jobs, path):
            with open(path, "a") as fh:
                for args in todo:
                    fh.write(_json.dumps(task(args)) + "\n")
        monkeypatch.setattr(helpers, "run_fits", run_fits)
        ap = argparse.ArgumentParser()
        helpers.add_one_set_arguments(ap)
        out = str(tmp_path / "screen")
        args = ap.parse_args(["--budget", "0.1", "--datasets", "a", "b", "--out", out])
        task = lambda args: dict(args[0], extra=args[1])  # noqa: E731
        assert helpers.screen_one_set(args, task, ("x",), lambda rows: "%d rows" % len(rows)) == 0
        rows = [_json.loads(line) for line in open(out + ".jsonl")]
        assert [(r["dataset"], r["budget"], r["extra"]) for r in rows] == [("a", "0.1", "x"), ("b", "0.1", "x")]
        assert open(out + ".md").read() == "2 rows"
        helpers.screen_one_set(args, task, ("x",), lambda rows: "%d rows" % len(rows))  # nothing left to fit
        assert open(out + ".md").read() == "2 rows"
    finally:
        sys.modules.pop("screen_by_label_count", None)


def test_pair_detectors_pairs_on_the_split_per_setting(monkeypatch, tmp_path, capsys):
    pair_detectors = _script(monkeypatch, "pair_detectors")
    from adbench_runs.store import FitKey, ResultStore
    path = tmp_path / "s.db"
    store = ResultStore(str(path))
    for seed, a, b in ((1, 0.5, 0.6), (2, 0.6, 0.5), (3, 0.7, 0.9), (4, 0.2, 0.3)):
        store.write(FitKey("d", "adbench", 0.1, seed, "A"), {"status": "ok", "auc_pr": a, "auc_roc": 0.8})
        store.write(FitKey("d", "adbench", 0.1, seed, "B"), {"status": "ok", "auc_pr": b, "auc_roc": 0.9})
    store.write(FitKey("d", "adbench", 0.1, 5, "A"), {"status": "ok", "auc_pr": 0.1, "auc_roc": 0.1})  # no pair
    store.write(FitKey("d", "adbench", 0.01, 1, "B"), {"status": "ok", "auc_pr": 0.1, "auc_roc": 0.1})  # no pair
    store.write(FitKey("e", "adbench", 0.1, 1, "A"), {"status": "ok", "auc_pr": 0.4, "auc_roc": 0.5})
    store.write(FitKey("e", "adbench", 0.1, 1, "B"), {"status": "error", "error": "boom"})  # not ok: no pair
    store.close()
    try:
        assert pair_detectors.main([str(path), "A", "B", "--out", str(tmp_path / "t.md")]) == 0
        rows = pair_detectors.pair(pair_detectors.load(str(path), "A"), pair_detectors.load(str(path), "B"))
    finally:
        sys.modules.pop("pair_detectors", None)
    assert len(rows) == 1 and rows[0]["splits"] == 4 and rows[0]["ahead"] == 3
    assert abs(rows[0]["d_pr"] - 0.075) < 1e-12 and abs(rows[0]["d_roc"] - 0.1) < 1e-12
    text = capsys.readouterr().out
    assert "| adbench, budget 0.1 | 1 | 4 | 0.500 (0.800) | 0.575 (0.900) | +0.0750 | 3 of 4 |" in text
    assert (tmp_path / "t.md").read_text() == text


def test_pair_detectors_can_leave_datasets_out(monkeypatch, tmp_path, capsys):
    pair_detectors = _script(monkeypatch, "pair_detectors")
    from adbench_runs.store import FitKey, ResultStore
    path = tmp_path / "s.db"
    store = ResultStore(str(path))
    for dataset, a, b in (("d", 0.5, 0.6), ("e", 0.9, 0.1), ("f", 0.4, 0.5)):
        store.write(FitKey(dataset, "adbench", 0.1, 1, "A"), {"status": "ok", "auc_pr": a, "auc_roc": a})
        store.write(FitKey(dataset, "adbench", 0.1, 1, "B"), {"status": "ok", "auc_pr": b, "auc_roc": b})
    store.close()
    try:
        assert pair_detectors.main([str(path), "A", "B", "--exclude-datasets", "e"]) == 0
    finally:
        sys.modules.pop("pair_detectors", None)
    text = capsys.readouterr().out
    assert "Without e." in text
    assert "| adbench, budget 0.1 | 2 | 2 | 0.450 (0.450) | 0.550 (0.550) | +0.1000 | 2 of 2 |" in text


def test_share_cap_screen_moves_only_counts_above_the_bound(monkeypatch):
    screen = _script(monkeypatch, "screen_share_cap_bound")
    try:
        assert screen.normal_ratio(0.9) == 0.5 and screen.normal_ratio(1.0) == 0.8  # the cliff it targets
        assert screen.normal_ratio(0.9, 0.24) == pytest.approx(0.76) and screen.normal_ratio(0.3, 0.5) == 0.7
        base = {"set": "paper", "dataset": "satellite", "protocol": "adbench", "budget": "0.1", "seed": 1,
                "offset": 0, "n_labelled": 40}
        rows = [dict(base, share=0.985, normal_ratio=0.5, bound=0.4),    # 0.5 -> 0.6
                dict(base, share=0.3, normal_ratio=0.7, bound=0.5),      # bound above: unchanged
                dict(base, share=1.0, normal_ratio=0.8, bound=0.7),      # saturated -> 1 - 0.7 = 0.3 -> 0.5
                dict(base, share=0.25, normal_ratio=0.75, bound=None),   # no bound: unchanged
                dict(base, set="robustness", contamination=0.08, share=0.9, normal_ratio=0.5, bound=0.24,
                     capped_normal_ratio=0.76)]
        moved = screen.changed(rows)
        assert [r["new_normal_ratio"] for r in moved] == [pytest.approx(0.6), 0.5, 0.76]
        fits = [dict(r, default_auc_pr=0.5 + 0.01 * i, default_auc_roc=0.8, capped_auc_pr=0.6, capped_auc_roc=0.9,
                     truth=0.1) for i, r in enumerate(moved)]
        text = screen.summary(rows, fits)
    finally:
        sys.modules.pop("screen_share_cap_bound", None)
    assert "the cap changes the credible-normal share of 3 (fitted)" in text
    assert "| robustness, 8% unlabelled contamination | 1 | +0.0800 | +0.1000 | 1 / 0 |" in text
    assert "| development sets (no mvtec, no robustness) | 2 | +0.0950 |" in text


def test_anomaly_share_screen_draws_its_share_and_half_is_the_package(monkeypatch):
    """The screen behind docs/decisions.md's batch-share row: a quarter of each batch from the
    anomaly pool, and at a share of one half the package's batches, draw for draw."""
    import numpy as np

    from pyod_dasad.sampler import BalancedBatchSampler

    screen = _script(monkeypatch, "screen_anomaly_share")
    try:
        targets = np.r_[np.ones(5, dtype=int), np.zeros(95, dtype=int)]
        weights = np.ones(100)
        quarter = screen.ShareSampler(targets, weights, 32, np.random.RandomState(0))
        quarter.share = 0.25
        assert (targets[quarter.sample()] == 1).sum() == 8
        half = screen.ShareSampler(targets, weights, 32, np.random.RandomState(1))
        half.share = 0.5
        package = BalancedBatchSampler(targets, weights, 32, np.random.RandomState(1))
        for _ in range(3):
            assert np.array_equal(half.sample(), package.sample())
        only_normals = screen.ShareSampler(np.zeros(100, dtype=int), weights, 32, np.random.RandomState(0))
        assert only_normals.n_anomalies() == 0
    finally:
        sys.modules.pop("screen_anomaly_share", None)


def test_mixture_margin_screen_patches_the_rule_for_its_fits_only(monkeypatch):
    """The screen behind docs/decisions.md's mixture-rule row: its variant's fit sees the
    screened factor and cap (and the credible-normal share they give), every other fit and
    the module afterwards the package's."""
    import numpy as np

    import pyod_dasad.pseudo_labels as pseudo_labels
    from pyod_dasad import DASAD

    monkeypatch.delenv("MPE_MARGIN", raising=False)  # the screen's defaults: factor 1, cap 0.98
    monkeypatch.delenv("MPE_NORMAL_MAX", raising=False)
    screen = _script(monkeypatch, "screen_mixture_margin")
    try:
        seen = []

        def spy(*args, **kwargs):
            seen.append((pseudo_labels.MPE_MARGIN, pseudo_labels.MPE_NORMAL_MAX))
            return real(*args, **kwargs)

        real = pseudo_labels.auto_ratios
        monkeypatch.setattr("pyod_dasad.trainer.auto_ratios", spy)
        make = screen._patched_dasad(DASAD)
        rng = np.random.RandomState(0)
        X = rng.randn(300, 4)
        X[:30] += 4
        y = np.zeros(300, dtype=int)
        y[:25] = 1
        params = {"epochs": 3, "warmup_epochs": 1, "steps_per_epoch": 2, "verbose": 0, "random_state": 0}
        plain = make(**params)
        assert type(plain) is DASAD
        plain.fit(X, y)
        make(**params, **{screen._SCREEN_KEY: True}).fit(X, y)
        assert seen == [(2.0, 0.95), (screen.MARGIN, screen.NORMAL_MAX)]
        assert (pseudo_labels.MPE_MARGIN, pseudo_labels.MPE_NORMAL_MAX) == (2.0, 0.95)
        assert screen.VARIANT == "mixture rule clip(1 - 1 * bound, 0.5, 0.98) (screen)"
        bound = 0.02  # the rule's share under the screened constants
        monkeypatch.setattr(pseudo_labels, "MPE_MARGIN", screen.MARGIN)
        monkeypatch.setattr(pseudo_labels, "MPE_NORMAL_MAX", screen.NORMAL_MAX)
        scores = np.r_[rng.rand(980), 5 + rng.rand(20)]
        labelled = 5 + rng.rand(40)
        _, normal_ratio, share = pseudo_labels.auto_ratios(scores, labelled)
        assert share == pytest.approx(bound) and normal_ratio == pytest.approx(0.98)
    finally:
        sys.modules.pop("screen_mixture_margin", None)


def _far_split(split, data_dir=None):
    """8 labels; 10 of the 992 unlabelled rows are hidden anomalies, far out."""
    sp = _tiny_split(n=1000, n_anomalies=18, n_labelled=8)
    sp.X_train[:18] += 3.0
    return sp


def _one_stored_split(monkeypatch, base, make_split, n_labelled=8):
    """Make ``base`` (a screen's ``screen_by_label_count``) see one stored split built by
    ``make_split`` and run its tasks in process; returns the split."""
    split = {"set": "paper", "dataset": "d", "protocol": "adbench", "budget": "0.1", "seed": 1,
             "n_labelled": n_labelled, "ref_auc_pr": 0.5, "ref_auc_roc": 0.5}
    monkeypatch.setattr(base, "make_split", make_split)
    monkeypatch.setattr(base, "splits", lambda min_labels, stores_dir=None: [split])
    monkeypatch.setattr(base, "run_fits", lambda task, todo, jobs, path: open(path, "a").writelines(
        json.dumps(task(t)) + "\n" for t in todo))
    return split


def test_few_label_bound_screen_bounds_fits_and_restores_the_switch(monkeypatch, tmp_path):
    """The screen computes the rule's bound per stored split, fits the firing ones with the
    rule off and on, pairs them, and leaves ``FEW_LABELS_RULE`` as it found it."""
    import numpy as np

    from pyod_dasad import pseudo_labels
    screen = _script(monkeypatch, "screen_few_label_bound")
    try:
        split = _one_stored_split(monkeypatch, screen.base, _far_split)
        bound = screen.bound_task((split, None))
        assert bound["bound"] < pseudo_labels.MPE_SMALL_SHARE  # few hide: the rule fires
        assert bound["hidden_share_truth"] == pytest.approx(10 / 992)
        assert pseudo_labels.FEW_LABELS_RULE is True
        out = str(tmp_path / "few")
        assert screen.main(["--out", out, "--offsets", "0", "1000"]) == 0
        rows = [json.loads(line) for line in open(out + ".jsonl")]
        assert len(rows) == 4  # two random states, rule off and on
        assert {r["variant"] for r in rows} == {screen.VARIANT, screen.OFF}
        assert {r["offset"] for r in rows} == {0, 1000}
        text = open(out + ".md").read()
        assert "(1 of 1 stored splits with 5-19 labels" in text and "Over all random states" in text
        assert pseudo_labels.FEW_LABELS_RULE is True and np.isfinite(bound["bound"])
    finally:
        sys.modules.pop("screen_few_label_bound", None)
        sys.modules.pop("screen_by_label_count", None)


def test_classifier_iterations_screen_records_bounds_seconds_and_branch_changes(monkeypatch, tmp_path):
    """The screen bounds each stored split at every iteration count (the package's
    classifier at the first), and its report lists the splits whose branch changes."""
    screen = _script(monkeypatch, "screen_classifier_iterations")
    try:
        from pyod_dasad import warmup

        split = _one_stored_split(monkeypatch, screen.base, _far_split)
        row = screen.bound_task((split, [30, 10], None))
        sp = _far_split(split)
        assert row["bound_30"] == warmup.classifier_share_bound(sp.X_train, sp.y_train, 1, delta=0.1)
        assert row["seconds_30"] > 0 and row["hidden_share_truth"] == pytest.approx(10 / 992)
        assert screen.decision(0.04, 8) is True and screen.decision(0.06, 8) is False
        assert screen.decision(0.19, 20) is True and screen.decision(0.21, 20) is False
        assert screen.decision(None, 8) is None
        flipped = dict(row, bound_10=0.9)
        text = screen.report([row, flipped], [30, 10], "cmd")
        fires = screen.decision(row["bound_30"], 8)
        assert ("(1 of 2" if fires else "(0 of 2") in text
        out = str(tmp_path / "iterations")
        assert screen.main(["--out", out, "--iterations", "30", "10"]) == 0
        assert screen.main(["--out", out, "--iterations", "30", "10"]) == 0  # resumes: nothing recomputed
        assert len(open(out + ".jsonl").readlines()) == 1
        assert "Total classifier seconds over the 1 splits" in open(out + ".md").read()
    finally:
        sys.modules.pop("screen_classifier_iterations", None)
        sys.modules.pop("screen_by_label_count", None)


def test_shared_vector_test_flags_only_a_vector_labelled_less_often_than_a_random_row(monkeypatch):
    """A labelled vector with 300 unlabelled copies in 1,000 rows with 30 labels is rejected
    (about 9 labels expected if the copies were anomalies); one with 3 copies is not."""
    import numpy as np
    from scipy.stats import binom

    rarely_labelled_vectors = _script(monkeypatch, "screen_shared_vector_labels").rarely_labelled_vectors
    sys.modules.pop("screen_shared_vector_labels", None)
    sys.modules.pop("screen_by_label_count", None)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1000, 3))
    X[:301] = X[0]          # a mode of 301 rows, one of them labelled
    X[500:504] = X[500]     # four copies, one labelled
    y = np.zeros(1000, dtype=int)
    y[[0, 500] + list(range(900, 928))] = 1
    drop, groups = rarely_labelled_vectors(X, y, alpha=0.05)
    assert np.flatnonzero(drop).tolist() == [0]
    assert [(g["labelled"], g["unlabelled"]) for g in groups] == [(1, 300), (1, 3)]
    assert groups[0]["p"] == pytest.approx(binom.cdf(1, 301, 0.03)) and groups[0]["p"] < 0.05 < groups[1]["p"]
    assert not rarely_labelled_vectors(X, y, alpha=1e-4)[0].any()  # p = 0.0011


def test_shared_vector_screen_scans_fits_and_pairs(monkeypatch, tmp_path):
    import numpy as np

    screen = _script(monkeypatch, "screen_shared_vector_labels")
    try:
        def mode_split(split, data_dir=None):  # 30 labels; 255 unlabelled copies of labelled row 0
            sp = _tiny_split(n=1000, n_anomalies=40, n_labelled=30)
            sp.X_train[500:990:2] = sp.X_train[0]
            sp.X_train[990:] = sp.X_train[0]
            return sp

        split = _one_stored_split(monkeypatch, screen.base, mode_split, n_labelled=30)
        monkeypatch.setattr(screen, "make_split", mode_split)
        monkeypatch.setattr(screen, "robustness_splits", lambda stores_dir: [])
        scan = screen.scan_task((split, 0.05, None))
        assert scan["dropped"] == 1 and scan["copies_labelled"] == 1 and scan["copies_unlabelled"] == 255
        out = str(tmp_path / "shared")
        assert screen.main(["--out", out]) == 0
        rows = [json.loads(line) for line in open(out + ".jsonl")]
        assert sorted(r["variant"] for r in rows) == sorted([screen.AS_GIVEN, screen.DROPPED])
        assert all(np.isfinite(r["auc_pr"]) for r in rows)
        text = open(out + ".md").read()
        assert "the test (binomial lower tail < 0.05) fires on 1" in text and "| adbench | 1 |" in text
    finally:
        sys.modules.pop("screen_shared_vector_labels", None)
        sys.modules.pop("screen_by_label_count", None)


def test_teacher_screen_fits_with_the_average_and_restores_the_switch(monkeypatch, tmp_path):
    """The mean-teacher screen fits every selected stored split with pseudo-labels from the
    weight average (the switch set in the fitting process only), pairs the fit with the
    stored row, and with ``--check`` stops where the defaults' refit differs from the store."""
    import numpy as np

    import pyod_dasad._compat as compat
    import pyod_dasad.trainer as trainer

    screen = _script(monkeypatch, "screen_teacher_pseudo_labels")
    try:
        split = _one_stored_split(monkeypatch, screen.base, _far_split)
        swaps = []
        real = compat.WeightAverage.swapped

        def spy(self):
            swaps.append(trainer.PSEUDO_LABEL_NETWORK)
            return real(self)

        monkeypatch.setattr(compat.WeightAverage, "swapped", spy)
        assert screen.select(["paper"], ["adbench"], ["0.1"]) == [split]
        assert screen.select(["paper"], ["devnet"]) == [] and screen.select(["Classical"], ["adbench"]) == []
        out = str(tmp_path / "teacher")
        with pytest.raises(SystemExit, match="no reference"):  # the stored 0.5 is no fit of this split
            screen.main(["--sets", "paper", "--check", "1", "--out", out])
        assert swaps == []  # the defaults' refit did not use the average
        assert screen.main(["--sets", "paper", "--out", out]) == 0
        assert swaps and set(swaps) == {"average"}  # one swap per refresh, all in the variant's fit
        assert trainer.PSEUDO_LABEL_NETWORK == "network"
        rows = [json.loads(line) for line in open(out + ".jsonl")]
        assert [r["variant"] for r in rows] == [screen.VARIANT] and np.isfinite(rows[0]["auc_pr"])
        assert screen.main(["--sets", "paper", "--out", out]) == 0  # resumes: nothing left to fit
        assert len(open(out + ".jsonl").readlines()) == 1
        assert "| pseudo-labels from the weight average | paper | adbench | 0.1 | 1 |" in open(out + ".md").read()
    finally:
        sys.modules.pop("screen_teacher_pseudo_labels", None)
        sys.modules.pop("screen_by_label_count", None)


def _crowded_split(split, data_dir=None):
    """20 labels; 180 of the 980 unlabelled rows are hidden anomalies (the bound reads over 5%)."""
    return _tiny_split(n=1000, n_anomalies=200, n_labelled=20)


def test_mixture_gate_screen_fits_ungated_reads_the_sweep_and_restores_the_switch(monkeypatch, tmp_path):
    """The screen fits the stored splits with 20+ labels with the bound trusted at any value
    (``MPE_GATED`` off in the fitting process only), reads the robustness store's
    contamination sweep as one set per level, and builds those splits at their level."""
    import sqlite3

    import numpy as np

    from pyod_dasad import pseudo_labels
    screen = _script(monkeypatch, "screen_mixture_gate")
    try:
        make_split = screen.base.make_split
        _one_stored_split(monkeypatch, screen.base, _crowded_split, n_labelled=20)
        seen = []
        real = pseudo_labels.auto_ratios

        def spy(scores, labelled_scores, *args, **kwargs):
            out = real(scores, labelled_scores, *args, **kwargs)
            seen.append((pseudo_labels.MPE_GATED, pseudo_labels.mixture_proportion_bound(scores, labelled_scores),
                         out[2]))
            return out

        monkeypatch.setattr("pyod_dasad.trainer.auto_ratios", spy)
        out = str(tmp_path / "gate")
        assert screen.main(["--sets", "paper", "--out", out]) == 0
        assert len(seen) == 1 and seen[0][0] is False
        assert seen[0][1] > pseudo_labels.MPE_SMALL_SHARE and seen[0][2] == seen[0][1]  # the bound set the share
        assert pseudo_labels.MPE_GATED is True
        rows = [json.loads(line) for line in open(out + ".jsonl")]
        assert [r["variant"] for r in rows] == [screen.VARIANT] and np.isfinite(rows[0]["auc_pr"])
        assert "| bound at any value (20+ labels) | paper | adbench | 0.1 | 1 |" in open(out + ".md").read()
        # the robustness store's sweep: one set per level, each split at its contamination
        store = tmp_path / "stores" / screen.ROBUSTNESS
        store.mkdir(parents=True)
        con = sqlite3.connect(str(store / "results.db"))
        con.execute("create table results (id integer primary key, dataset, protocol, budget, seed, detector, "
                    "status, n_labelled, auc_pr, auc_roc, noise_type, noise_ratio)")
        con.executemany("insert into results (dataset, protocol, budget, seed, detector, status, n_labelled, "
                        "auc_pr, auc_roc, noise_type, noise_ratio) values (?,?,?,?,?,?,?,?,?,?,?)",
                        [("cardio", "devnet", "30", 0, "DASAD", "ok", 30, 0.9, 0.95, "contamination", 0.08),
                         ("cardio", "devnet", "30", 0, "DASAD", "ok", 30, 0.9, 0.95, "contamination", 0.0),
                         ("cardio", "devnet", "30", 0, "DevNet", "ok", 30, 0.9, 0.95, "contamination", 0.08),
                         ("cardio", "adbench", "0.1", 1, "DASAD", "ok", 30, 0.9, 0.95, "label_contamination", 0.1)])
        con.commit()
        con.close()
        sweep = screen.robustness_splits(20, stores_dir=str(tmp_path / "stores"))
        assert [(s["set"], s["noise_type"], s["noise_ratio"]) for s in sweep] == [
            ("robustness, 0% contamination", "contamination", 0.0),
            ("robustness, 8% contamination", "contamination", 0.08)]
        assert screen.robustness_splits(31, stores_dir=str(tmp_path / "stores")) == []
        made = {}
        monkeypatch.setattr("adbench_runs.protocols.devnet_split",
                            lambda X, y, seed, n_labelled, contamination: made.setdefault("c", contamination))
        monkeypatch.setattr("adbench_runs.datasets.load_dataset",
                            lambda name, data_dir=None: type("D", (), {"X": None, "y": None}))
        make_split({k: v for k, v in sweep[1].items() if k != "n_labelled"})
        assert made["c"] == 0.08
    finally:
        sys.modules.pop("screen_mixture_gate", None)
        sys.modules.pop("screen_by_label_count", None)


def _noisy_split(split=None, data_dir=None, n_wrong=20):
    """40 labels, ``n_wrong`` of them normals drawn at random (ADBench's flipped labels)."""
    import numpy as np
    sp = _tiny_split(n=2000, d=4, n_anomalies=140, n_labelled=40 - n_wrong)
    sp.X_train[:140] += 2.0  # anomalies 5 standard deviations out
    sp.y_train_true = (np.arange(2000) < 140).astype(int)
    sp.y_train[np.random.default_rng(1).choice(np.arange(140, 2000), n_wrong, replace=False)] = 1
    return sp


def test_label_cleaning_drops_labelled_normals_and_keeps_clean_labels(monkeypatch, tmp_path):
    """The rule unlabels mostly the labelled normals where a third or more of the labels are
    normals, nothing where every label is an anomaly, and nothing without a classifier; the
    screen scans, fits where it fires and pairs the fit with the stored row."""
    import numpy as np

    screen = _script(monkeypatch, "screen_label_cleaning")
    try:
        noisy = _noisy_split()
        drop, kappa = screen.mislabelled(noisy.X_train, noisy.y_train, seed=0)
        wrong = (noisy.y_train == 1) & (noisy.y_train_true == 0)
        assert 0.2 < kappa <= 0.6 and drop.sum() >= 8
        assert not drop[noisy.y_train == 0].any() and (drop & wrong).sum() >= 0.8 * drop.sum()
        clean = _noisy_split(n_wrong=0)
        drop, kappa = screen.mislabelled(clean.X_train, clean.y_train, seed=0)
        assert kappa == 0.0 and not drop.any()
        few = clean.y_train.copy()
        few[np.flatnonzero(few)[4:]] = 0
        drop, kappa = screen.mislabelled(clean.X_train, few, seed=0)
        assert kappa is None and not drop.any()
        split = _one_stored_split(monkeypatch, screen.base, _noisy_split, n_labelled=40)
        swept = dict(split, set="robustness", noise_type="label_contamination", noise_ratio=0.05)
        monkeypatch.setattr(screen.shared, "robustness_splits", lambda stores_dir: [swept])
        out = str(tmp_path / "clean")
        assert screen.main(["--oracle", "--out", out]) == 0
        scan = [json.loads(line) for line in open(out + "_scan.jsonl")]
        assert all(r["dropped"] >= 8 and r["wrong"] == 20 and r["dropped_wrong"] <= 20 for r in scan)
        rows = [json.loads(line) for line in open(out + ".jsonl")]
        assert sorted((r["variant"], r["set"]) for r in rows) == sorted(
            [(screen.VARIANT, "paper"), (screen.VARIANT, "robustness"), (screen.ORACLE, "robustness")])
        assert all(np.isfinite(r["auc_pr"]) and r["ref_auc_pr"] == split["ref_auc_pr"] for r in rows)
        text = open(out + ".md").read()
        assert "| paper, adbench 0.1 | 1 | 1 | 40 | 20 |" in text
        assert "| robustness, label_contamination 0.05, %s | 1 |" % screen.ORACLE in text
        assert screen.main(["--oracle", "--out", out]) == 0  # resumes: nothing left to fit
        assert len(open(out + ".jsonl").readlines()) == 3
    finally:
        for name in ("screen_label_cleaning", "screen_shared_vector_labels", "screen_by_label_count"):
            sys.modules.pop(name, None)


def test_profile_fit_names_the_parts_of_a_fit(monkeypatch, capsys):
    """The profile prints the fit's time and a table of its parts, each read from cProfile's
    cumulative times (the training loop's parts are nonzero on any fit with labels)."""
    profile = _script(monkeypatch, "profile_fit")
    try:
        assert profile.main(["--rows", "3000", "--features", "5", "--device", "cpu", "--top", "3"]) == 0
        out = capsys.readouterr().out
        assert out.startswith("fit 3000 x 5 on cpu (Gaussian rows), 1 torch thread(s): ")
        rows = {line.split(" | ")[0].strip("| "): line for line in out.splitlines() if line.startswith("| ")}
        for label, _, _ in profile.PARTS:
            assert label.strip() in rows
        for label in ("network forward and losses", "backward pass", "pseudo-label refreshes",
                      "optimiser step (Adam and torch's wrapper)"):
            seconds = float(rows[label].split(" | ")[1])
            assert seconds > 0, label
    finally:
        sys.modules.pop("profile_fit", None)
        sys.modules.pop("speed", None)
