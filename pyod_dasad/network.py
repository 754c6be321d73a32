"""The DASAD network: a hierarchical autoencoder, one token embedder per deviation view,
deviation-guided attention over the tokens, a scoring head and a contrastive projection head.

Every module returns values and never steps an optimiser, so each is testable on its own.
"""
import math

import torch
from torch import nn

from .views import deviation_views

_NEGATIVE_SLOPE = 0.2


def _mlp_block(n_in, n_out, batch_norm):
    layers = [nn.Linear(n_in, n_out)]
    if batch_norm:
        layers.append(nn.BatchNorm1d(n_out))
    layers.append(nn.LeakyReLU(_NEGATIVE_SLOPE, inplace=True))
    return nn.Sequential(*layers)


class HierarchicalAutoencoder(nn.Module):
    """MLP autoencoder ``d -> h_1 -> ... -> h_L -> m`` whose decoder mirrors the encoder
    and exposes the reconstruction of every encoder level.

    Parameters
    ----------
    n_features : int
    hidden_dims : tuple of int
    latent_dim : int
    batch_norm : bool
        Batch normalisation after each hidden linear layer (encoder and decoder).
    """

    def __init__(self, n_features, hidden_dims, latent_dim, batch_norm=False):
        super().__init__()
        dims = [n_features] + list(hidden_dims)
        self.encoder_blocks = nn.ModuleList(
            [_mlp_block(dims[i], dims[i + 1], batch_norm) for i in range(len(hidden_dims))]
        )
        self.to_latent = nn.Linear(dims[-1], latent_dim)
        rev = list(reversed(dims))  # h_L, ..., h_1, d
        self.from_latent = _mlp_block(latent_dim, rev[0], batch_norm)
        self.decoder_blocks = nn.ModuleList(
            [_mlp_block(rev[i], rev[i + 1], batch_norm) for i in range(len(hidden_dims) - 1)]
        )
        self.to_input = nn.Linear(rev[-2], n_features)
        self.n_levels = len(hidden_dims)

    def encode(self, x):
        """Return the latent code ``z`` and the activations ``[a_1, ..., a_L]``."""
        activations = []
        h = x
        for block in self.encoder_blocks:
            h = block(h)
            activations.append(h)
        return self.to_latent(h), activations

    def decode(self, z):
        """Return ``x_hat`` and the reconstructions ``[a_hat_1, ..., a_hat_L]`` of every level."""
        h = self.from_latent(z)
        recon = [h]  # a_hat_L
        for block in self.decoder_blocks:
            h = block(h)
            recon.append(h)
        x_hat = self.to_input(h)
        return x_hat, list(reversed(recon))

    def forward(self, x):
        z, activations = self.encode(x)
        x_hat, recon = self.decode(z)
        return z, activations, recon, x_hat


_DIRECTION_VIEWS = ("residual",)


def token_norm_flags(views, token_norm):
    """Which view tokens get a LayerNorm: ``'direction'`` only the direction view (the unit
    residual), ``'all'`` every view, ``'none'`` no view."""
    if token_norm == "all":
        return [True] * len(views)
    if token_norm == "none":
        return [False] * len(views)
    return [v in _DIRECTION_VIEWS for v in views]


class ViewEmbedder(nn.Module):
    """One linear map per deviation view to a common token width ``k``, each optionally
    followed by a LayerNorm.

    A LayerNorm rescales its token to unit spread whatever the size of the view's input
    (``test_magnitude_token_keeps_the_size_of_the_deviation``); DASAD's default uses none
    (``token_norm='none'``), chosen by measurement (see ``DASAD``'s ``token_norm``).

    Parameters
    ----------
    view_dims : list of int
    token_dim : int
    layer_norm : list of bool, optional
        Per view: a LayerNorm after its linear map (default: every view).
    """

    def __init__(self, view_dims, token_dim, layer_norm=None):
        super().__init__()
        if layer_norm is None:
            layer_norm = [True] * len(view_dims)
        self.maps = nn.ModuleList(
            [nn.Sequential(nn.Linear(dim, token_dim), nn.LayerNorm(token_dim)) if norm
             else nn.Sequential(nn.Linear(dim, token_dim))
             for dim, norm in zip(view_dims, layer_norm)]
        )

    def forward(self, views, stacked=True):
        """``views``: list of (B, d_j) tensors -> tokens of shape (B, J, k), or with
        ``stacked=False`` the list of J (B, k) tokens (no copy into a stacked tensor)."""
        tokens = [m(v) for m, v in zip(self.maps, views)]
        return torch.stack(tokens, dim=1) if stacked else tokens


class DeviationAttention(nn.Module):
    """Per-sample attention over the view tokens.

    ``alpha = softmax_j(q . K_j / sqrt(k))`` with a learned query ``q`` against the keys of
    the sample's own tokens; the fused value is ``h = sum_j alpha_j V_j``. With
    ``mode='uniform'`` the weights are fixed to ``1/J`` (ablation).

    ``drop``, a boolean (B, J) mask used during training (view dropout), hides tokens from
    a sample: their weight is 0 and the softmax runs over the remaining ones.
    """

    def __init__(self, token_dim, mode="learned"):
        super().__init__()
        self.mode = mode
        self.query = nn.Parameter(torch.zeros(token_dim))
        self.key = nn.Linear(token_dim, token_dim, bias=False)
        self.value = nn.Linear(token_dim, token_dim)
        self.scale = 1.0 / math.sqrt(token_dim)

    def forward(self, tokens, drop=None):
        """``tokens``: (B, J, k), or a list of J (B, k) tensors -> (fused (B, k), alpha (B, J))."""
        if torch.is_tensor(tokens):
            tokens = tokens.unbind(dim=1)
        first = tokens[0]
        # the logits are laid out (J, B): a softmax over the first of two dimensions with
        # B contiguous runs 20x faster than one over a last dimension of 3 (measured)
        if self.mode == "uniform":
            logits = torch.zeros((len(tokens), first.shape[0]), device=first.device, dtype=first.dtype)
        else:
            # q . (W_k t_j) = (W_k^T q) . t_j: one k-vector per batch instead of a k x k map
            # per token (the key has no bias), the same logits for a fraction of the work
            w = torch.matmul(self.query, self.key.weight) * self.scale
            logits = torch.stack([torch.matmul(t, w) for t in tokens], dim=0)
        if drop is not None:
            logits = logits.masked_fill(drop.t(), -math.inf)
        alpha = torch.softmax(logits, dim=0)
        # sum_j alpha_j (W_v t_j + b) = W_v (sum_j alpha_j t_j) + b because sum_j alpha_j = 1:
        # the value map runs once on the fused token instead of once per token
        mixed = tokens[0] * alpha[0].unsqueeze(1)
        for j in range(1, len(tokens)):
            mixed = mixed + tokens[j] * alpha[j].unsqueeze(1)
        alpha = alpha.t()  # (B, J), a view
        return self.value(mixed), alpha


class ScoringHead(nn.Module):
    """MLP ``k -> k/2 -> 1``: a real-valued anomaly score."""

    def __init__(self, token_dim):
        super().__init__()
        half = max(1, token_dim // 2)
        self.net = nn.Sequential(nn.Linear(token_dim, half), nn.LeakyReLU(_NEGATIVE_SLOPE), nn.Linear(half, 1))

    def forward(self, h):
        return self.net(h).squeeze(-1)


class ProjectionHead(nn.Module):
    """Projection of the latent code onto the unit sphere for the contrastive loss."""

    def __init__(self, latent_dim, projection_dim):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(latent_dim, latent_dim), nn.LeakyReLU(_NEGATIVE_SLOPE), nn.Linear(latent_dim, projection_dim)
        )

    def forward(self, z):
        return nn.functional.normalize(self.net(z), dim=-1)


class DASADOutput:
    """What one forward pass returns (a plain container; works on torch 1.12)."""

    __slots__ = ("score", "alpha", "z", "views", "level_errors", "residual")

    def __init__(self, score, alpha, z, views, level_errors, residual):
        self.score = score
        self.alpha = alpha
        self.z = z
        self.views = views
        self.level_errors = level_errors
        self.residual = residual


class DASADNet(nn.Module):
    """The full DASAD network.

    Parameters
    ----------
    n_features : int
    hidden_dims : tuple of int
    latent_dim : int
    token_dim : int
    projection_dim : int
    views : tuple of str
        Enabled deviation views, a subset of ``('latent', 'residual', 'error')``.
    attention : {'learned', 'uniform'}
    batch_norm : bool
    token_norm : {'direction', 'all', 'none'}
        Which view tokens get a LayerNorm (see :func:`token_norm_flags`). The default of
        this class, ``'all'``, is the network of pyod_dasad 0.1, which rebuilds models
        pickled by it; the estimator's default is ``'none'``.
    """

    def __init__(self, n_features, hidden_dims, latent_dim, token_dim, projection_dim, views,
                 attention="learned", batch_norm=False, token_norm="all"):
        super().__init__()
        self.views = tuple(views)
        self.autoencoder = HierarchicalAutoencoder(n_features, hidden_dims, latent_dim, batch_norm)
        dims = {"latent": latent_dim, "residual": n_features, "error": len(hidden_dims) + 1}
        self.embedder = ViewEmbedder([dims[v] for v in self.views], token_dim,
                                     token_norm_flags(self.views, token_norm))
        self.attention = DeviationAttention(token_dim, attention)
        self.head = ScoringHead(token_dim)
        self.projection = ProjectionHead(latent_dim, projection_dim)
        # centre of the credible-normal latent codes, a running mean set by the trainer
        self.register_buffer("center", torch.zeros(latent_dim))

    def forward(self, x, view_drop=None):
        """Score ``x``; ``view_drop`` is an optional (B, J) mask of view tokens to hide
        (view dropout, training only)."""
        z, activations, recon, x_hat = self.autoencoder(x)
        views, level_errors, residual = deviation_views(x, z, self.center, activations, recon, x_hat, self.views)
        tokens = self.embedder(views, stacked=False)
        fused, alpha = self.attention(tokens, view_drop)
        if fused.dtype == torch.float32:
            score = self.head(fused)
        else:  # mixed precision: the scores themselves in float32, so that ranks keep their ties apart
            with torch.autocast(device_type=fused.device.type, enabled=False):
                score = self.head(fused.float())
        return DASADOutput(score, alpha, z, views, level_errors, residual)

    def project(self, x):
        """Encode ``x`` and project its latent code (for the contrastive loss)."""
        z, _ = self.autoencoder.encode(x)
        return self.projection(z)
