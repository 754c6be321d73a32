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
    return _weighted_mean(deviation_terms(scores, labels, reference, margin)[0], weights)


def deviation_terms(scores, labels, reference, margin=5.0):
    """The per-sample terms of :func:`deviation_loss` and the deviations ``dev`` they come
    from: ``|dev|`` for normals, ``max(margin - dev, 0)`` for anomalies.

    Returns
    -------
    per_sample, dev : Tensor (B,), Tensor (B,)
    """
    dev = (scores - reference.mean()) / reference.std()
    labels = labels.to(scores.dtype)
    return (1.0 - labels) * dev.abs() + labels * torch.clamp(margin - dev, min=0.0), dev


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
    if mode not in ("asymmetric", "symmetric"):
        raise ValueError("mode must be 'asymmetric' or 'symmetric', got %r" % (mode,))
    n = p1.shape[0]
    features = torch.cat([p1, p2], dim=0)                 # (2n, k): view 1 rows, then view 2
    partner = torch.cat([p2, p1], dim=0)                  # each row's other view
    anomaly = torch.cat([is_anomaly, is_anomaly], dim=0).bool()
    normal = ~anomaly
    w = torch.cat([weights, weights], dim=0)
    if mode == "asymmetric":
        inv_tau = torch.where(anomaly, torch.full_like(w, 1.0 / temperature_anomaly),
                              torch.full_like(w, 1.0 / temperature_normal))
    else:
        inv_tau = torch.full_like(w, 1.0 / temperature_normal)
    # the denominator: log sum_j exp(logit_ij) over each anchor's candidates, with its
    # gradient written out (one (2n, 2n) product each way instead of autograd's chain)
    candidates = None
    if mode == "asymmetric":  # an anomaly anchor sees only its partner and the normals
        anomaly_f = anomaly.to(features.dtype)
        candidates = 1.0 - torch.outer(anomaly_f, anomaly_f)
        index = torch.arange(2 * n, device=features.device)
        candidates[index, (index + n) % (2 * n)] = 1.0
    log_denominator = _LogSumExpSimilarity.apply(features, inv_tau, candidates)
    # the numerator's mean positive logit, from k-vectors instead of a masked (2n, 2n) sum:
    # the positives of an anchor are the other members of its class (normals; every
    # anchor when symmetric), so their summed similarity is f_i . (class sum) - f_i . f_i
    self_sim = (features * features).sum(dim=1)
    normal_f = normal.to(features.dtype).unsqueeze(1)
    class_sum = torch.where(normal.unsqueeze(1), (features * normal_f).sum(dim=0).expand_as(features),
                            (features * (1 - normal_f)).sum(dim=0).expand_as(features))
    class_count = torch.where(normal, normal.sum(), anomaly.sum())
    n_pos = class_count - 1
    pos_mean = ((features * class_sum).sum(dim=1) - self_sim) / n_pos.clamp_min(1)
    if mode == "asymmetric":  # an anomaly anchor's one positive is its own other view
        pos_mean = torch.where(anomaly, (features * partner).sum(dim=1), pos_mean)
        n_pos = torch.where(anomaly, torch.ones_like(n_pos), n_pos)
    per_anchor = torch.where(n_pos > 0, log_denominator - pos_mean * inv_tau, torch.zeros_like(log_denominator))
    return _weighted_mean(per_anchor, w)


class _LogSumExpSimilarity(torch.autograd.Function):
    """``log sum_j c_ij exp(inv_tau_i * f_i . f_j)`` over ``j != i`` for every row ``i`` of
    ``features``, ``c`` a (2n, 2n) 0/1 float matrix of candidates (None: all).

    The gradient is written out, ``(G + G^T) F`` with ``G_ij = g_i inv_tau_i P_ij`` and
    ``P`` the row-normalised weights, so that the (2n, 2n) logits are built once and never
    traced by autograd (a third of the traced version's time, measured). Each row is shifted
    by its largest logit other than its own before the exponential; ``inv_tau`` and ``c`` get
    no gradient.
    """

    @staticmethod
    def forward(ctx, features, inv_tau, candidates):
        logits = torch.mm(features, features.t()).mul_(inv_tau.unsqueeze(1))
        logits.diagonal().fill_(-math.inf)  # never the anchor itself: exp(-inf) = 0
        shift = logits.amax(dim=1, keepdim=True)
        weights = logits.sub_(shift).exp_()  # in place: the logits are not needed again
        if candidates is not None:
            weights.mul_(candidates)
        total = weights.sum(dim=1)
        ctx.save_for_backward(features, inv_tau, weights, total)
        return total.log() + shift.squeeze(1)

    @staticmethod
    def backward(ctx, grad):
        features, inv_tau, weights, total = ctx.saved_tensors
        g = weights * (grad * inv_tau / total).unsqueeze(1)
        return torch.mm(g, features).addmm_(g.t(), features), None, None


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
