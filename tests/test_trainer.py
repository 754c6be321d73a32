"""The training loop's schedule: warm-up weights, pseudo-label refreshes, the centre, and
streamed inference."""
import numpy as np
import pytest
import torch

from pyod_dasad._compat import WeightAverage
from pyod_dasad._validation import check_params
from pyod_dasad.network import DASADNet
from pyod_dasad.trainer import Trainer, infer
from _dasad_helpers import blobs, fast_dasad


def _trainer(**overrides):
    est = fast_dasad(**overrides)
    p = check_params(est)
    torch.manual_seed(0)
    net = DASADNet(6, p["hidden_dims"], p["latent_dim"], p["token_dim"], p["projection_dim"], p["views"],
                   p["attention"], p["batch_norm"])
    return Trainer(net, p, torch.device("cpu"), 0, lambda b: np.asarray(b, dtype=np.float32)), p


def test_schedule_warmup_then_refresh_every_interval():
    X, y, _ = blobs()
    trainer, p = _trainer(epochs=6, warmup_epochs=2, pseudo_label_interval=2)
    history = trainer.fit(X, y)
    assert [h["epoch"] for h in history] == list(range(6))
    assert [r["epoch"] for r in trainer.pseudo_label_log] == [2, 4]
    last = trainer.pseudo_label_log[-1]
    n_unlabelled = int((y == 0).sum())
    assert last["anomalies"] + last["normals"] + last["uncertain"] == n_unlabelled
    assert last["uncertain"] > 0


def test_no_pseudo_labels_means_no_refresh():
    X, y, _ = blobs()
    trainer, _ = _trainer(pseudo_labels=False, epochs=4)
    trainer.fit(X, y)
    assert trainer.pseudo_label_log == []


@pytest.mark.parametrize("mode, share, dropped", [("auto", 1.0, True), (True, 1.0, False), ("auto", 0.99, False)])
def test_auto_pseudo_labels_are_dropped_when_the_share_estimate_saturates(monkeypatch, mode, share, dropped):
    """The estimate at its cap (the warm-up model scores 90%+ of the unlabelled rows like the
    labelled anomalies): 'auto' treats every unlabelled row as a normal of weight 1 from
    then on and refreshes no more; True keeps refreshing."""
    import pyod_dasad.trainer as trainer_module

    monkeypatch.setattr(trainer_module, "auto_ratios", lambda *a, **k: (0.0, 0.5, share))
    X, y, _ = blobs()
    trainer, _ = _trainer(pseudo_labels=mode, epochs=5, warmup_epochs=2)
    updates = []
    real_update = trainer_module.BalancedBatchSampler.update
    monkeypatch.setattr(trainer_module.BalancedBatchSampler, "update",
                        lambda self, t, w: updates.append((t.copy(), w.copy())) or real_update(self, t, w))
    trainer.fit(X, y)
    assert trainer.hidden_anomaly_share() == share and trainer.pseudo_labels_on is not dropped
    log = trainer.pseudo_label_log
    unlabelled = y == 0
    if dropped:
        assert len(log) == 1 and log[0]["dropped"] and log[0]["epoch"] == 2
        assert log[0]["normals"] == int(unlabelled.sum()) and log[0]["uncertain"] == 0
        targets, weights = updates[-1]
        assert (targets[unlabelled] == 0).all() and (weights[unlabelled] == 1.0).all()
        assert (targets[~unlabelled] == 1).all() and (weights[~unlabelled] == 1.0).all()
    else:
        assert [r["epoch"] for r in log] == [2, 3, 4] and not any(r.get("dropped") for r in log)
        assert (updates[-1][1][unlabelled] < 1.0).any()  # credibility weights, some uncertain


def test_center_moves_to_credible_normal_codes():
    X, y, _ = blobs()
    trainer, _ = _trainer(epochs=3)
    trainer.fit(X, y)
    normals = torch.from_numpy(X[:200].astype(np.float32))
    with torch.no_grad():
        z = trainer.net.autoencoder.encode(normals)[0]
    center = trainer.net.center
    assert torch.isfinite(center).all() and center.abs().sum() > 0
    # the centre is close to the normal codes' mean compared with the codes' spread
    assert (center - z.mean(0)).norm() < z.std(0).norm()


def test_infer_streams_in_batches_with_same_result():
    X, y, _ = blobs()
    trainer, _ = _trainer()
    trainer.fit(X, y)
    ident = lambda b: np.asarray(b, dtype=np.float32)  # noqa: E731
    one = infer(trainer.net, X, ident, torch.device("cpu"), 10_000)
    many = infer(trainer.net, X, ident, torch.device("cpu"), 7, top_k=2)
    assert np.allclose(one["score"], many["score"], atol=1e-5)
    assert np.allclose(one["alpha"].sum(1), 1, atol=1e-6)
    assert many["top_features"].shape == (len(X), 2)
    rows = np.array([5, 3, 200])
    sub = infer(trainer.net, X, ident, torch.device("cpu"), 2, rows=rows)
    assert np.allclose(sub["score"], one["score"][rows], atol=1e-5)


def test_non_finite_loss_is_a_clear_error():
    X, y, _ = blobs()
    trainer, _ = _trainer(lr=1e12, epochs=5, steps_per_epoch=10)
    with pytest.raises(FloatingPointError, match="loss became"):
        trainer.fit(X * 1e6, y)


def test_view_dropout_mask_never_hides_every_view():
    trainer, _ = _trainer(view_dropout=0.9)
    mask = trainer.view_dropout_mask(5000)
    assert mask.shape == (5000, 3)
    assert not bool(mask.all(dim=1).any())
    assert 0.5 < mask.float().mean().item() < 0.67  # 0.9 of the tokens, less the one kept
    assert _trainer(view_dropout=0.0)[0].view_dropout_mask(10) is None
    assert _trainer(views=("latent",))[0].view_dropout_mask(10) is None


@pytest.mark.parametrize("mode", ["asymmetric", "symmetric"])
def test_contrastive_term_trains_when_on_and_is_on_by_default(mode):
    X, y, _ = blobs()
    on, _ = _trainer(contrastive=mode, epochs=3)
    assert all(h["con"] > 0 for h in on.fit(X, y))
    assert check_params(fast_dasad())["contrastive"] == "asymmetric"
    off, _ = _trainer(contrastive="off", epochs=3)
    assert all(h["con"] == 0 for h in off.fit(X, y))


def test_contrastive_views_pass_separately_with_batch_norm():
    """Without batch norm both augmented views go through the encoder in one pass; with it
    each view keeps its own batch statistics (two passes). Both train the term."""
    X, y, _ = blobs()
    calls = {}
    for batch_norm in (False, True):
        trainer, _ = _trainer(contrastive="asymmetric", batch_norm=batch_norm, epochs=1, warmup_epochs=1)
        project = trainer.net.project
        rows = []
        trainer.net.project = lambda x, project=project, rows=rows: rows.append(x.shape[0]) or project(x)
        assert all(h["con"] > 0 for h in trainer.fit(X, y))
        calls[batch_norm] = rows
    steps = len(calls[True]) // 2
    assert len(calls[False]) == steps and steps > 0
    assert calls[False][0] == 2 * calls[True][0]


@pytest.mark.parametrize("limit, expected", [(None, 64), (10, 10), (100, 64)])
def test_contrastive_batch_size_caps_the_rows_of_the_loss(limit, expected):
    """At most ``contrastive_batch_size`` rows of each batch (two views each) enter the
    contrastive loss; None or a larger cap takes every row of a 64-row batch."""
    X, y, _ = blobs()
    trainer, _ = _trainer(contrastive="asymmetric", contrastive_batch_size=limit, batch_size=64, epochs=1,
                          warmup_epochs=1)
    project = trainer.net.project
    rows = []
    trainer.net.project = lambda x: rows.append(x.shape[0]) or project(x)
    assert all(h["con"] > 0 for h in trainer.fit(X, y))
    assert rows and set(rows) == {2 * expected}


def test_pseudo_label_rows_samples_each_refresh_and_rests_the_others(monkeypatch):
    """Above ``pseudo_label_rows`` each refresh pseudo-labels a fresh sorted sample of that
    many unlabelled rows; the other unlabelled rows get weight 0 until the next refresh, and
    labelled anomalies keep theirs."""
    import pyod_dasad.trainer as trainer_module

    X, y, _ = blobs()
    unlabelled = y == 0
    trainer, _ = _trainer(pseudo_label_rows=50, epochs=5, warmup_epochs=2)
    updates = []
    real_update = trainer_module.BalancedBatchSampler.update
    monkeypatch.setattr(trainer_module.BalancedBatchSampler, "update",
                        lambda self, t, w: updates.append((t.copy(), w.copy())) or real_update(self, t, w))
    scored = []
    real_infer = trainer_module.infer
    monkeypatch.setattr(trainer_module, "infer",
                        lambda *a, rows=None, **k: scored.append(rows) or real_infer(*a, rows=rows, **k))
    trainer.fit(X, y)
    log = trainer.pseudo_label_log
    assert [r["epoch"] for r in log] == [2, 3, 4] and all(r["rows"] == 50 for r in log)
    assert all(r["anomalies"] + r["normals"] + r["uncertain"] == 50 for r in log)
    samples = [rows for rows in scored if rows is not None and len(rows) == 50]
    assert len(samples) == 3
    for rows in samples:
        assert np.all(np.diff(rows) > 0) and unlabelled[rows].all()
    assert len({tuple(rows) for rows in samples}) == 3  # drawn afresh each time
    for (targets, weights), rows in zip(updates[-3:], samples):  # the first update: the warm-up weights
        rest = np.setdiff1d(np.flatnonzero(unlabelled), rows)
        assert (weights[rest] == 0).all() and (targets[rest] == 0).all()
        assert (weights[~unlabelled] == 1.0).all() and (targets[~unlabelled] == 1).all()
        assert (weights[rows] > 0).any()


def test_pseudo_label_sample_without_labels():
    """Unsupervised mode samples too: each refresh's pseudo-anomalies (the 1% fallback) and
    credible normals come from the sample."""
    X, _, _ = blobs()
    clf = fast_dasad(pseudo_label_rows=100, epochs=4, warmup_epochs=2).fit(X)
    log = clf.pseudo_label_history_
    assert [r["rows"] for r in log] == [100, 100]
    assert all(r["anomalies"] == 1 and r["normals"] > 0 for r in log)
    assert np.isfinite(clf.decision_scores_).all()


def test_pseudo_label_sample_is_repeatable_with_the_seed():
    """The refresh's sample comes from the fit's seeded generator: the same seed gives the
    same fit, and sampling changes it from the every-row fit."""
    X, y, _ = blobs()
    a, b = (fast_dasad(pseudo_label_rows=60, epochs=4, warmup_epochs=2).fit(X, y) for _ in range(2))
    assert np.array_equal(a.decision_scores_, b.decision_scores_)
    every = fast_dasad(pseudo_label_rows=None, epochs=4, warmup_epochs=2).fit(X, y)
    assert not np.array_equal(a.decision_scores_, every.decision_scores_)


@pytest.mark.parametrize("limit", [None, 215, 10_000])
def test_pseudo_label_rows_at_or_above_the_unlabelled_count_changes_nothing(limit):
    """With at most ``pseudo_label_rows`` unlabelled rows every refresh labels all of them
    and draws nothing at random: the fit is the same as with None, bit for bit."""
    X, y, _ = blobs()  # 215 unlabelled rows
    reference = fast_dasad(pseudo_label_rows=None, epochs=4, warmup_epochs=2).fit(X, y)
    fitted = fast_dasad(pseudo_label_rows=limit, epochs=4, warmup_epochs=2).fit(X, y)
    assert [r["rows"] for r in fitted.pseudo_label_history_] == [215, 215]
    assert np.array_equal(fitted.decision_scores_, reference.decision_scores_)
    assert check_params(fast_dasad())["pseudo_label_rows"] == 65536


def test_weight_average_is_an_exponential_moving_average():
    """``WeightAverage``: ``avg <- decay * avg + (1 - decay) * w`` for every floating-point
    parameter and buffer, started from their values at construction; integer buffers (a
    batch norm's step count) are left alone; ``copy_to_module`` writes the averages in place."""
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    start = {k: v.clone() for k, v in module.state_dict().items()}
    average = WeightAverage(module, decay=0.9)
    expected = {k: v.clone() for k, v in start.items() if v.is_floating_point()}
    for step in range(3):
        with torch.no_grad():
            for p in module.parameters():
                p.add_(torch.randn_like(p))
        module(torch.randn(8, 3))  # moves the batch norm's running statistics
        average.update()
        for k, v in module.state_dict().items():
            if v.is_floating_point():
                expected[k] = 0.9 * expected[k] + 0.1 * v
    steps = module.state_dict()["1.num_batches_tracked"].clone()
    average.copy_to_module()
    state = module.state_dict()
    for k, v in expected.items():
        assert torch.allclose(state[k], v, atol=1e-6), k
    assert torch.equal(state["1.num_batches_tracked"], steps)


def test_weight_average_swapped_holds_the_average_without_the_start():
    """``WeightAverage.swapped``: inside the block the module holds the average of the values
    it took after the start, ``(avg - decay**t * start) / (1 - decay**t)`` (the start's share
    taken out); after it, its own values, bit for bit. It needs ``keep_start``."""
    torch.manual_seed(0)
    module = torch.nn.Linear(3, 2)
    average = WeightAverage(module, decay=0.8)
    with pytest.raises(RuntimeError, match="keep_start"):
        with average.swapped():
            pass
    average.keep_start()
    with average.swapped():  # no update yet: nothing to swap in
        assert torch.equal(module.weight, average.average[0])
    taken = []
    for step in range(4):
        with torch.no_grad():
            module.weight.add_(torch.randn_like(module.weight))
        taken.append(module.weight.detach().clone())
        average.update()
    live = module.weight.detach().clone()
    shares = np.array([0.2 * 0.8 ** (3 - i) for i in range(4)])  # each update's share of avg
    expected = sum(w * float(c) for w, c in zip(taken, shares / shares.sum()))
    with average.swapped():
        assert torch.allclose(module.weight, expected, atol=1e-6)
    assert torch.equal(module.weight, live)


def test_pseudo_labels_from_the_average_change_the_rows_not_the_shares(monkeypatch):
    """``PSEUDO_LABEL_NETWORK = "average"`` (a screen's switch): the hidden-share estimate and
    the shares are the training network's, as by default; which rows are credible comes from
    the weight average, so the fit differs; the switch back gives the default fit again."""
    import pyod_dasad.trainer as trainer_module

    X, y, _ = blobs()
    default = fast_dasad(epochs=6, warmup_epochs=2).fit(X, y)
    monkeypatch.setattr(trainer_module, "PSEUDO_LABEL_NETWORK", "average")
    teacher = fast_dasad(epochs=6, warmup_epochs=2).fit(X, y)
    assert teacher.hidden_anomaly_share_ == default.hidden_anomaly_share_
    for a, b in zip(teacher.pseudo_label_history_, default.pseudo_label_history_):
        assert (a["anomaly_ratio"], a["normal_ratio"], a["rows"]) == (b["anomaly_ratio"], b["normal_ratio"], b["rows"])
    assert not np.array_equal(teacher.decision_scores_, default.decision_scores_)
    monkeypatch.setattr(trainer_module, "PSEUDO_LABEL_NETWORK", "network")
    assert np.array_equal(fast_dasad(epochs=6, warmup_epochs=2).fit(X, y).decision_scores_, default.decision_scores_)


@pytest.mark.parametrize("overrides, active", [
    ({}, [0, 1, 2]),  # the defaults: contrastive loss on
    ({"contrastive": "off"}, [0, 1]),
    ({"contrastive": "asymmetric", "lambda_con": 0.0}, [0, 1]),
    ({"lambda_rec": 0.0}, [0, 2]),
    ({"lambda_rec": 0.0, "contrastive": "off"}, [0]),
])
def test_dynamic_weight_averaging_shares_weight_among_the_active_terms_only(overrides, active):
    """``loss_weighting='dwa'``: the weights of the terms in the total sum to their number,
    and a term that is off keeps weight 1 (its loss is 0 or its lambda is 0), so it takes
    no share from the others."""
    from pyod_dasad.trainer import active_loss_terms

    X, y, _ = blobs()
    trainer, p = _trainer(loss_weighting="dwa", epochs=5, **overrides)
    assert active_loss_terms(p).tolist() == active
    seen = []
    original = trainer.training_forward

    def forward(xb, targets, weights, term_weights):
        seen.append(np.array(term_weights, dtype=float))
        return original(xb, targets, weights, term_weights)

    trainer.training_forward = forward
    trainer.fit(X, y)
    steps = p["steps_per_epoch"]
    late = seen[2 * steps:]  # from the third epoch on the weights follow the losses
    assert late
    for w in late:
        assert w[active].sum() == pytest.approx(len(active))
        assert np.all(np.delete(w, active) == 1.0)
    if len(active) > 1:  # with two or more terms the losses' trends move the weights
        assert any(not np.allclose(w[active], 1.0) for w in late)
