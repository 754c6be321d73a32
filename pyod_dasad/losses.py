"""DASAD's losses: the DevNet deviation loss, the hierarchical reconstruction loss and the
class-asymmetric contrastive loss, plus dynamic weight averaging of the loss terms.

Each function returns a scalar tensor; none steps an optimiser.
"""
import math

import numpy as np
import torch

_EPS = 1e-12


def _weighted_mean(values, weights):
    return (values * weights).sum() / weights.sum().clamp_min(_EPS)


def deviation_loss(scores, labels, weights, reference, margin=5.0):
    """DevNet's deviation loss (Pang et al., KDD 2019), weighted per sample.

    ``dev = (score - mean(ref)) / std(ref)`` with reference scores drawn from N(0, 1);
    normals are pulled to ``|dev| -> 0``, anomalies pushed to ``dev >= margin``.

    Parameters
    ----------
    scores : Tensor (B,)
    labels : Tensor (B,)
        1 for (labelled or pseudo-) anomalies, 0 for (pseudo-) normals.
    weights : Tensor (B,)
        Credibility weights; 0 removes a sample.
    reference : Tensor (R,)
        Reference scores drawn from the prior N(0, 1).
    margin : float

    Returns
    -------
    Tensor, scalar
    """
    dev = (scores - reference.mean()) / reference.std()
    labels = labels.to(scores.dtype)
    per_sample = (1.0 - labels) * dev.abs() + labels * torch.clamp(margin - dev, min=0.0)
    return _weighted_mean(per_sample, weights)


def hierarchical_reconstruction_loss(errors, weights):
    """Weighted mean over samples of the summed per-level errors ``sum_l e_l``.

    Parameters
    ----------
    errors : Tensor (B, L + 1)
    weights : Tensor (B,)
        Non-zero for credible normals only.
    """
    return _weighted_mean(errors.sum(dim=1), weights)


def contrastive_loss(p1, p2, is_anomaly, weights, mode="asymmetric", temperature_normal=0.1,
                     temperature_anomaly=0.5):
    """Class-asymmetric (or symmetric, SupCon) contrastive loss on two augmented views.

    With ``mode='asymmetric'``:

    - a normal anchor takes every other normal (both views) as positive, at the low
      temperature ``temperature_normal``: normals are pulled together (compactness);
    - an anomaly anchor takes only its own other view as positive, at the higher
      ``temperature_anomaly``, and its denominator holds only that view and the normals:
      it is neither pulled towards nor pushed from other anomalies (their structural
      diversity is preserved);
    - anomalies are negatives for normals and normals for anomalies.

    With ``mode='symmetric'`` it is SupCon (Khosla et al., 2020) over both classes at
    ``temperature_normal``: anomalies are pulled together as well.

    Parameters
    ----------
    p1, p2 : Tensor (B, k)
        L2-normalised projections of two augmentations of the same B samples.
    is_anomaly : Tensor (B,) of bool
    weights : Tensor (B,)
        Per-anchor credibility weight.
    mode : {'asymmetric', 'symmetric'}
    temperature_normal, temperature_anomaly : float

    Returns
    -------
    Tensor, scalar
    """
    n = p1.shape[0]
    features = torch.cat([p1, p2], dim=0)
    anomaly = torch.cat([is_anomaly, is_anomaly], dim=0).bool()
    w = torch.cat([weights, weights], dim=0)
    device = features.device
    index = torch.arange(2 * n, device=device)
    partner = (index + n) % (2 * n)
    not_self = index.unsqueeze(0) != index.unsqueeze(1)
    is_partner = partner.unsqueeze(1) == index.unsqueeze(0)
    same_class = anomaly.unsqueeze(0) == anomaly.unsqueeze(1)
    if mode == "asymmetric":
        normal_anchor = (~anomaly).unsqueeze(1)
        positives = torch.where(normal_anchor, same_class & not_self, is_partner)
        candidates = torch.where(normal_anchor, not_self, is_partner | (~anomaly).unsqueeze(0))
        tau = torch.where(anomaly, torch.full_like(w, temperature_anomaly), torch.full_like(w, temperature_normal))
    elif mode == "symmetric":
        positives = same_class & not_self
        candidates = not_self
        tau = torch.full_like(w, temperature_normal)
    else:
        raise ValueError("mode must be 'asymmetric' or 'symmetric', got %r" % (mode,))
    logits = features @ features.t() / tau.unsqueeze(1)
    logits = logits.masked_fill(~candidates, -math.inf)
    log_denominator = torch.logsumexp(logits, dim=1, keepdim=True)
    log_prob = (logits - log_denominator).masked_fill(~positives, 0.0)
    n_pos = positives.sum(dim=1).clamp_min(1)
    per_anchor = -log_prob.sum(dim=1) / n_pos
    return _weighted_mean(per_anchor, w)


class DynamicWeightAverage:
    """Dynamic weight averaging of loss terms (Liu et al., CVPR 2019; used by RoSAS).

    ``w_k(t) = K exp(r_k / T) / sum_i exp(r_i / T)`` with ``r_k = L_k(t-1) / L_k(t-2)``,
    the ratio of a term's last two epoch means. Until two epochs are seen all weights are 1.

    Parameters
    ----------
    n_terms : int
    temperature : float, default=2.0
    """

    def __init__(self, n_terms, temperature=2.0):
        self.n_terms = n_terms
        self.temperature = temperature
        self.history = []

    def update(self, epoch_means):
        """Record one epoch's mean loss per term."""
        self.history.append(np.asarray(epoch_means, dtype=float))

    def weights(self):
        """Current per-term weights (sum to ``n_terms``)."""
        if len(self.history) < 2:
            return np.ones(self.n_terms)
        ratio = self.history[-1] / np.maximum(self.history[-2], _EPS)
        ratio = np.nan_to_num(ratio, nan=1.0, posinf=1.0)
        e = np.exp((ratio - ratio.max()) / self.temperature)
        return self.n_terms * e / e.sum()
