import numpy as np
import pytest
import torch

from pyod_dasad.losses import (DynamicWeightAverage, contrastive_loss, deviation_loss,
                               hierarchical_reconstruction_loss)

REF = torch.randn(5000, generator=torch.Generator().manual_seed(0))


def _dev(s):
    return (s - REF.mean()) / REF.std()


def test_deviation_loss_matches_devnet_definition():
    scores = torch.tensor([0.5, -1.0, 2.0, 6.0])
    labels = torch.tensor([0, 0, 1, 1])
    w = torch.ones(4)
    dev = _dev(scores)
    expected = (dev[0].abs() + dev[1].abs() + torch.clamp(5 - dev[2], min=0) + torch.clamp(5 - dev[3], min=0)) / 4
    assert torch.allclose(deviation_loss(scores, labels, w, REF, 5.0), expected)


def test_deviation_loss_weights_remove_and_scale_samples():
    scores = torch.tensor([3.0, 0.0])
    labels = torch.tensor([0, 0])
    assert torch.allclose(deviation_loss(scores, labels, torch.tensor([0.0, 1.0]), REF), _dev(scores)[1].abs())
    both = deviation_loss(scores, labels, torch.tensor([1.0, 1.0]), REF)
    weighted = deviation_loss(scores, labels, torch.tensor([3.0, 1.0]), REF)
    assert weighted > both  # the heavier sample has the larger loss


def test_anomaly_beyond_margin_has_no_loss_and_no_gradient():
    s = torch.tensor([20.0], requires_grad=True)
    loss = deviation_loss(s, torch.tensor([1]), torch.ones(1), REF, margin=5.0)
    loss.backward()
    assert loss.item() == 0 and s.grad.item() == 0


def test_hierarchical_reconstruction_loss_weighted_mean_of_level_sums():
    errors = torch.tensor([[1.0, 2.0, 3.0], [10.0, 0.0, 0.0]])
    assert torch.allclose(hierarchical_reconstruction_loss(errors, torch.tensor([1.0, 0.0])), torch.tensor(6.0))
    assert torch.allclose(hierarchical_reconstruction_loss(errors, torch.tensor([1.0, 1.0])), torch.tensor(8.0))


def _unit(*rows):
    t = torch.tensor(rows, dtype=torch.float32)
    return (t / t.norm(dim=1, keepdim=True)).requires_grad_(True)


def _grad(mode, p, anomaly, weights=None):
    p = p.detach().clone().requires_grad_(True)
    w = torch.ones(p.shape[0]) if weights is None else weights
    loss = contrastive_loss(p, p, torch.tensor(anomaly), w, mode, 0.1, 0.5)
    loss.backward()
    return p.grad


def _pull(p, g, i, j):
    """Rate at which a gradient-descent step brings rows i and j closer (> 0 = pulled)."""
    return float(torch.dot(p[j] - p[i], -g[i]) + torch.dot(p[i] - p[j], -g[j]))


def test_asymmetric_contrastive_does_not_pull_two_anomalies_together():
    p = _unit([1.0, 0.1, 0.0], [0.1, 1.0, 0.0])  # two anomalies only
    g_asym = _grad("asymmetric", p, [True, True])
    g_sym = _grad("symmetric", p, [True, True])
    assert torch.allclose(g_asym, torch.zeros_like(g_asym))
    assert _pull(p.detach(), g_sym, 0, 1) > 1e-3  # the symmetric (SupCon) version does pull them


def test_asymmetric_anomaly_gradient_does_not_depend_on_other_anomalies():
    normals = [[0.0, 0.0, 1.0], [0.1, 0.0, 1.0], [0.0, 0.1, 1.0]]
    base = _unit(*normals, [1.0, 0.2, 0.0], [0.0, 1.0, 0.3])
    moved = _unit(*normals, [1.0, 0.2, 0.0], [-0.5, -1.0, -0.3])  # second anomaly elsewhere
    anomaly = [False, False, False, True, True]
    # the first anomaly's own term is unchanged when another anomaly moves
    w = torch.tensor([0.0, 0.0, 0.0, 1.0, 0.0])
    g1 = _grad("asymmetric", base, anomaly, w)[3]
    g2 = _grad("asymmetric", moved, anomaly, w)[3]
    assert torch.allclose(g1, g2, atol=1e-6)
    s1 = _grad("symmetric", base, anomaly, w)[3]
    s2 = _grad("symmetric", moved, anomaly, w)[3]
    assert not torch.allclose(s1, s2, atol=1e-4)


@pytest.mark.parametrize("mode", ["asymmetric", "symmetric"])
def test_contrastive_pulls_two_normals_together(mode):
    p = _unit([1.0, 0.0, 0.2], [0.0, 1.0, 0.2], [0.0, 0.0, -1.0])
    g = _grad(mode, p, [False, False, True])
    assert _pull(p.detach(), g, 0, 1) > 1e-3


def test_contrastive_pushes_anomaly_from_normals():
    p = _unit([1.0, 0.0, 0.0], [0.9, 0.1, 0.0], [0.8, 0.3, 0.0])
    g = _grad("asymmetric", p, [False, False, True])
    assert _pull(p.detach(), g, 0, 2) < 0 and _pull(p.detach(), g, 1, 2) < 0


def test_contrastive_zero_weight_anchor_contributes_nothing():
    p = _unit([1.0, 0.0], [0.0, 1.0], [1.0, 1.0])
    full = contrastive_loss(p, p, torch.tensor([False, False, True]), torch.tensor([1.0, 1.0, 0.0]))
    assert torch.isfinite(full)
    with pytest.raises(ValueError):
        contrastive_loss(p, p, torch.tensor([False, False, True]), torch.ones(3), mode="off")


def test_dynamic_weight_average():
    dwa = DynamicWeightAverage(3)
    assert np.allclose(dwa.weights(), 1)
    dwa.update([1.0, 1.0, 1.0])
    dwa.update([0.5, 1.0, 2.0])  # the third term is going up: it gets the largest weight
    w = dwa.weights()
    assert np.isclose(w.sum(), 3) and w[2] > w[1] > w[0]


def _reference_contrastive(p1, p2, is_anomaly, weights, mode, t_normal, t_anomaly):
    """The loss written out with explicit (2n, 2n) positive and candidate masks."""
    n = p1.shape[0]
    f = torch.cat([p1, p2])
    anomaly = torch.cat([is_anomaly, is_anomaly]).bool()
    w = torch.cat([weights, weights])
    index = torch.arange(2 * n)
    not_self = index[None, :] != index[:, None]
    is_partner = ((index + n) % (2 * n))[:, None] == index[None, :]
    same_class = anomaly[None, :] == anomaly[:, None]
    if mode == "asymmetric":
        normal_anchor = (~anomaly)[:, None]
        positives = torch.where(normal_anchor, same_class & not_self, is_partner)
        candidates = torch.where(normal_anchor, not_self, is_partner | (~anomaly)[None, :])
        tau = torch.where(anomaly, torch.tensor(t_anomaly), torch.tensor(t_normal))
    else:
        positives, candidates = same_class & not_self, not_self
        tau = torch.full((2 * n,), t_normal)
    logits = (f @ f.t() / tau[:, None]).masked_fill(~candidates, float("-inf"))
    log_prob = (logits - torch.logsumexp(logits, dim=1, keepdim=True)).masked_fill(~positives, 0.0)
    per_anchor = -log_prob.sum(dim=1) / positives.sum(dim=1).clamp_min(1)
    return (per_anchor * w).sum() / w.sum()


@pytest.mark.parametrize("mode", ["asymmetric", "symmetric"])
@pytest.mark.parametrize("n_anomalies", [0, 1, 3, 7, 8])
def test_contrastive_loss_matches_the_masked_matrix_definition(mode, n_anomalies):
    torch.manual_seed(n_anomalies)
    n = 8
    p1 = torch.nn.functional.normalize(torch.randn(n, 5), dim=1).requires_grad_(True)
    p2 = torch.nn.functional.normalize(torch.randn(n, 5), dim=1).requires_grad_(True)
    anomaly = torch.zeros(n, dtype=torch.bool)
    anomaly[:n_anomalies] = True
    weights = torch.rand(n)
    fast = contrastive_loss(p1, p2, anomaly, weights, mode, 0.1, 0.5)
    ref = _reference_contrastive(p1, p2, anomaly, weights, mode, 0.1, 0.5)
    assert torch.allclose(fast, ref, atol=1e-5)
    g_fast = torch.autograd.grad(fast, [p1, p2])
    g_ref = torch.autograd.grad(ref, [p1, p2])
    for a, b in zip(g_fast, g_ref):
        assert torch.allclose(a, b, atol=1e-5)


@pytest.mark.parametrize("mode", ["asymmetric", "symmetric"])
def test_contrastive_loss_is_stable_at_a_low_temperature(mode):
    """At temperature 0.01 the logits span 200: the written-out log-sum-exp shifts each row
    by its largest candidate logit and still matches the reference (float64), gradient too."""
    torch.manual_seed(0)
    n = 16
    p1 = torch.nn.functional.normalize(torch.randn(n, 4, dtype=torch.float64), dim=1).requires_grad_(True)
    p2 = (-p1.detach()).requires_grad_(True)  # each row's partner as far away as possible
    anomaly = torch.arange(n) < 5
    weights = torch.rand(n, dtype=torch.float64)
    fast = contrastive_loss(p1, p2, anomaly, weights, mode, 0.01, 0.02)
    ref = _reference_contrastive(p1, p2, anomaly, weights, mode, 0.01, 0.02)
    assert torch.isfinite(fast) and torch.allclose(fast, ref, rtol=1e-6)  # the reference's tau is float32
    for a, b in zip(torch.autograd.grad(fast, [p1, p2]), torch.autograd.grad(ref, [p1, p2])):
        assert torch.allclose(a, b, rtol=1e-5, atol=1e-8)


def test_contrastive_loss_gradient_survives_a_retained_graph():
    """Backward twice through one graph gives the same gradient (the saved weights are not
    overwritten by the first backward)."""
    torch.manual_seed(1)
    p1 = torch.nn.functional.normalize(torch.randn(6, 3), dim=1).requires_grad_(True)
    p2 = torch.nn.functional.normalize(torch.randn(6, 3), dim=1).requires_grad_(True)
    loss = contrastive_loss(p1, p2, torch.arange(6) < 2, torch.ones(6))
    first = torch.autograd.grad(loss, [p1], retain_graph=True)[0]
    second = torch.autograd.grad(loss, [p1])[0]
    assert torch.equal(first, second)
