import pytest
import torch

from pyod_dasad.network import DASADNet, DeviationAttention, HierarchicalAutoencoder, ViewEmbedder
from pyod_dasad.views import deviation_views, level_errors, view_magnitudes


def _net(views=("latent", "residual", "error"), attention="learned", hidden=(16, 8), batch_norm=False):
    torch.manual_seed(0)
    return DASADNet(7, hidden, 4, 12, 5, views, attention, batch_norm)


@pytest.mark.parametrize("hidden", [(16,), (16, 8), (32, 16, 8)])
def test_autoencoder_decoder_mirrors_every_level(hidden):
    ae = HierarchicalAutoencoder(7, hidden, 3)
    x = torch.randn(10, 7)
    z, acts, recon, x_hat = ae(x)
    assert z.shape == (10, 3)
    assert x_hat.shape == x.shape
    assert [a.shape for a in acts] == [a.shape for a in recon] == [(10, h) for h in hidden]


def test_level_errors_are_per_level_mse():
    x = torch.zeros(4, 3)
    x_hat = torch.ones(4, 3)
    acts = [torch.zeros(4, 5)]
    recon = [torch.full((4, 5), 2.0)]
    e = level_errors(x, acts, recon, x_hat)
    assert e.shape == (4, 2)
    assert torch.allclose(e[:, 0], torch.ones(4))
    assert torch.allclose(e[:, 1], torch.full((4,), 4.0))


def test_views_definitions():
    torch.manual_seed(0)
    x = torch.randn(6, 5)
    x_hat = torch.randn(6, 5)
    z = torch.randn(6, 3)
    center = torch.randn(3)
    acts, recon = [torch.randn(6, 4)], [torch.randn(6, 4)]
    views, errors, residual = deviation_views(x, z, center, acts, recon, x_hat, ("latent", "residual", "error"))
    assert torch.allclose(views[0], z - center)
    assert torch.allclose(views[1].norm(dim=1), torch.ones(6), atol=1e-5)  # unit direction
    assert torch.allclose(views[1] * (x - x_hat).norm(dim=1, keepdim=True), x - x_hat, atol=1e-5)
    assert views[2].shape == (6, 2)
    assert torch.allclose(residual, x - x_hat)
    mags = view_magnitudes(z, center, residual, errors)
    assert mags.shape == (6, 3) and bool((mags >= 0).all())


def test_attention_weights_sum_to_one_and_vary_per_sample():
    net = _net()
    with torch.no_grad():
        net.attention.query.normal_()
    out = net(torch.randn(50, 7))
    assert out.alpha.shape == (50, 3)
    assert torch.allclose(out.alpha.sum(dim=1), torch.ones(50), atol=1e-6)
    assert bool((out.alpha > 0).all())
    assert out.alpha.detach().std(dim=0).max().item() > 0  # per-sample, not one global weighting


def test_uniform_attention_is_exactly_uniform():
    net = _net(attention="uniform")
    out = net(torch.randn(9, 7))
    assert torch.allclose(out.alpha, torch.full((9, 3), 1 / 3))


@pytest.mark.parametrize("views", [("latent",), ("residual", "error"), ("latent", "error")])
def test_view_ablation_changes_tokens(views):
    net = _net(views=views)
    out = net(torch.randn(8, 7))
    assert out.alpha.shape == (8, len(views))
    assert len(out.views) == len(views)
    assert out.score.shape == (8,)


def test_fused_value_is_attention_weighted_sum():
    att = DeviationAttention(6)
    tokens = torch.randn(5, 3, 6)
    fused, alpha = att(tokens)
    manual = (alpha.unsqueeze(-1) * att.value(tokens)).sum(dim=1)
    assert torch.allclose(fused, manual, atol=1e-6)


def test_attention_matches_the_textbook_form_in_value_and_gradient():
    """The factored attention (q.W_k folded into one vector, the value map after fusion)
    is the same function as softmax_j(q . W_k t_j / sqrt(k)) and sum_j alpha_j V(t_j)."""
    torch.manual_seed(0)
    att = DeviationAttention(6)
    with torch.no_grad():
        att.query.normal_()
    tokens = torch.randn(5, 3, 6, requires_grad=True)
    drop = torch.tensor([[False, True, False]] * 5)
    fused, alpha = att(tokens, drop)
    logits = (att.key(tokens) * att.query).sum(dim=-1) * att.scale
    ref_alpha = torch.softmax(logits.masked_fill(drop, -float("inf")), dim=1)
    ref_fused = (ref_alpha.unsqueeze(-1) * att.value(tokens)).sum(dim=1)
    assert torch.allclose(alpha, ref_alpha, atol=1e-6)
    assert torch.allclose(fused, ref_fused, atol=1e-5)
    assert not torch.allclose(alpha, torch.full_like(alpha, 1 / 3))  # the query matters
    g1 = torch.autograd.grad(fused.sum(), [tokens, att.query, att.key.weight], retain_graph=True)
    g2 = torch.autograd.grad(ref_fused.sum(), [tokens, att.query, att.key.weight])
    for a, b in zip(g1, g2):
        assert torch.allclose(a, b, atol=1e-5)


def test_embedder_maps_each_view_to_common_width():
    emb = ViewEmbedder([3, 7, 2], 10)
    tokens = emb([torch.randn(4, 3), torch.randn(4, 7), torch.randn(4, 2)])
    assert tokens.shape == (4, 3, 10)


def _layer_norms(net):
    return [any(isinstance(m, torch.nn.LayerNorm) for m in seq) for seq in net.embedder.maps]


def test_token_norm_chooses_which_tokens_are_layer_normed():
    full = ("latent", "residual", "error")
    assert _layer_norms(DASADNet(7, (16, 8), 4, 12, 5, full, token_norm="direction")) == [False, True, False]
    assert _layer_norms(DASADNet(7, (16, 8), 4, 12, 5, full, token_norm="all")) == [True, True, True]
    assert _layer_norms(DASADNet(7, (16, 8), 4, 12, 5, full, token_norm="none")) == [False, False, False]
    assert _layer_norms(DASADNet(7, (16, 8), 4, 12, 5, ("latent", "error"), token_norm="direction")) == [False, False]
    assert _layer_norms(_net()) == [True, True, True]  # the class default rebuilds 0.1's network


def test_magnitude_token_keeps_the_size_of_the_deviation():
    """With a LayerNorm the token of ``v`` and of ``100 v`` have the same spread (the size
    of the deviation is lost); without it the token grows with the deviation."""
    torch.manual_seed(0)
    v = torch.randn(5, 4)
    normed, plain = ViewEmbedder([4], 12, [True]), ViewEmbedder([4], 12, [False])
    with torch.no_grad():
        ratio_normed = normed([100 * v])[:, 0].norm(dim=1) / normed([v])[:, 0].norm(dim=1)
        ratio_plain = plain([100 * v])[:, 0].norm(dim=1) / plain([v])[:, 0].norm(dim=1)
    assert torch.all(ratio_normed < 1.5)
    assert torch.all(ratio_plain > 10)


def test_projection_is_unit_norm_and_batch_norm_option():
    net = _net(batch_norm=True)
    assert any(isinstance(m, torch.nn.BatchNorm1d) for m in net.modules())
    p = net.project(torch.randn(10, 7))
    assert torch.allclose(p.norm(dim=1), torch.ones(10), atol=1e-5)
    assert not any(isinstance(m, torch.nn.BatchNorm1d) for m in _net().modules())


@pytest.mark.parametrize("mode", ["learned", "uniform"])
def test_view_dropout_mask_hides_tokens(mode):
    att = DeviationAttention(6, mode)
    with torch.no_grad():
        att.query.normal_()
    tokens = torch.randn(4, 3, 6)
    drop = torch.tensor([[True, False, False], [False, True, True], [False, False, False], [True, True, False]])
    fused, alpha = att(tokens, drop)
    assert torch.all(alpha[drop] == 0)
    assert torch.allclose(alpha.sum(dim=1), torch.ones(4), atol=1e-6)
    assert torch.allclose(alpha[1], torch.tensor([1.0, 0.0, 0.0]))
    if mode == "uniform":
        assert torch.allclose(alpha[0], torch.tensor([0.0, 0.5, 0.5]))
