"""Credibility-weighted pseudo-labels for the unlabelled training samples.

After the warm-up, every unlabelled sample is ranked by a consensus of the model score and
the three views' deviation magnitudes (each rank-normalised to [0, 1]). Its *credibility* is
the attention-weighted agreement of the views' ranks with the reference rank (the model
score; with no labelled anomalies at all, the views' mean rank)::

    credibility_i = sum_j alpha_ij * (1 - |r_ij - r_ref,i|)

The top ``anomaly_ratio`` by consensus become pseudo-anomalies, the bottom ``normal_ratio``
credible pseudo-normals, each weighted by its credibility; everything else, and any candidate
whose credibility is below ``min_credibility``, is *uncertain* and gets weight 0. This is what
keeps anomalies hidden in the unlabelled set out of the normal class.

:func:`auto_ratios` estimates both shares once from the warm-up model (training labels
only). DASAD's default uses its credible-normal share and, when there are labelled
anomalies, no pseudo-anomalies at all (``pseudo_anomaly_ratio='auto'``; the estimated
pseudo-anomaly share below is ``pseudo_anomaly_ratio='estimate'``, and without labels the
fallback 1% applies):

- threshold ``t = min(q_0.1(labelled anomalies' scores), margin / 2)``: the lower tail of the
  labelled anomalies' scores, or half the deviation loss's margin (nearer the anomaly target
  than the normal one) when a few memorised labels sit far past the margin;
- hidden-anomaly share ``pi = #{unlabelled s >= t} / (0.9 n)``: labelled anomalies are a
  random sample of the anomalies, so an unlabelled anomaly clears ``t`` with probability
  about 0.9;
- pseudo-anomaly share ``min(#{s >= t} / n, 0.01)``: with two labelled frauds among 7,000
  rows, the handful of rows that score like them instead of a fixed 1% that is 90% wrong;
- credible-normal share ``clip(1 - pi, 0.5, 0.8)``: on a data set with 40% anomalies a fixed
  80% takes most hidden anomalies for normals; the floor keeps at least half of the
  unlabelled set, since anomalies are the minority.
- except when few anomalies hide (the nineteenth session's rule): with at least 20
  labelled anomalies (``MPE_MIN_LABELS``), the mixture-proportion bound
  (:func:`mixture_proportion_bound`) estimates the hidden share closely (mean absolute error
  0.025 under the DevNet/FEAWAD protocol, against 0.23 for ``pi`` above, whose threshold
  many normals clear after the warm-up). When it is below 5% (``MPE_SMALL_SHARE``) the
  credible-normal share is ``clip(1 - 2 * bound, 0.5, 0.95)`` and the bound is the
  reported share: leaving out 20-50% of the unlabelled rows (the hard normals among them)
  to keep out a few percent of anomalies cost more than it saved (``docs/decisions.md``).
- and with 5 to 19 labelled anomalies (``FEW_LABELS_MIN`` to ``MPE_MIN_LABELS - 1``; the
  twenty-seventh session's rule) the same, with the bound of the out-of-fold classifier
  that ``warmup_weight='auto'`` uses, lowered to a 90% upper confidence bound for its few
  labels (:func:`pyod_dasad.warmup.few_label_share_bound`): the warm-up network has
  memorised its few labels, and the count overshoots where few anomalies hide (0.17-0.81
  on mammography under ADBench's protocol, where 2% hide).

When ``pi`` reaches its cap of 1 (:func:`labels_stand_out` is False) the count says only
that the labelled anomalies do not stand out from the unlabelled set after the warm-up
(anomalies the warm-up could not yet separate, as on satellite and magic.gamma with a
third of their rows anomalous, or normals among the labels): it is no estimate of the
hidden share, so the credible-normal share falls back to the fixed 0.8, as without labels
(the floor of 0.5 it used to give left out half of the normals). Measured on every split
where it happens (``benchmarks/screen_saturated_pseudo_labels.py``, ``docs/decisions.md``).
``pseudo_labels='auto'`` drops the pseudo-labels there instead.
"""
import numpy as np
import torch
from scipy.stats import rankdata


#: Quantile of the labelled anomalies' scores that calibrates the ``'auto'`` threshold.
AUTO_LABELLED_QUANTILE = 0.1
#: Bounds of the ``'auto'`` credible-normal share: anomalies are the minority; 0.8 is the fixed share.
AUTO_NORMAL_MIN, AUTO_NORMAL_MAX = 0.5, 0.8
#: Upper bound of the estimated pseudo-anomaly share (``'estimate'``; the old fixed share).
AUTO_ANOMALY_MAX = 0.01
#: Fixed shares used by ``'auto'`` when there are no labelled anomalies to calibrate with.
FALLBACK_ANOMALY_RATIO, FALLBACK_NORMAL_RATIO = 0.01, 0.8
#: The hidden-anomaly share estimate's cap: 90% or more of the unlabelled rows score like the
#: labelled anomalies. There the credible-normal share falls back to the fixed one, and
#: ``pseudo_labels='auto'`` drops the pseudo-labels.
AUTO_SATURATED_SHARE = 1.0


#: The mixture-proportion rule: with at least ``MPE_MIN_LABELS`` labelled anomalies, when the
#: mixture-proportion bound of the hidden share is below ``MPE_SMALL_SHARE`` the credible-normal
#: share is ``clip(1 - MPE_MARGIN * bound, AUTO_NORMAL_MIN, MPE_NORMAL_MAX)`` (see :func:`auto_ratios`).
MPE_MIN_LABELS = 20
MPE_SMALL_SHARE = 0.05
#: With at least ``MPE_MIN_LABELS`` labels the rule acts only under ``MPE_SMALL_SHARE``. False (a
#: screen's switch, ``benchmarks/screen_mixture_gate.py``): there the bound sets the share at
#: any value, in place of the count. The few-label rule keeps its gate either way.
MPE_GATED = True
MPE_MARGIN = 2.0
MPE_NORMAL_MAX = 0.95
#: Quantiles of the labelled anomalies' scores at which the bound is taken (at least half of
#: the labelled rows lie above each, so no ratio rests on a handful of labels).
MPE_QUANTILES = (0.1, 0.2, 0.3, 0.4, 0.5)
#: Below ``MPE_MIN_LABELS`` labelled anomalies (from ``FEW_LABELS_MIN`` on) the same rule with a
#: bound from out-of-sample scores, made an upper confidence bound (Hoeffding, confidence
#: ``1 - FEW_LABELS_DELTA``) for its few labels (:func:`auto_ratios`' ``few_label_bound``,
#: :func:`pyod_dasad.warmup.few_label_share_bound`). ``FEW_LABELS_RULE`` switches it off for
#: screens (``benchmarks/screen_few_label_bound.py``).
FEW_LABELS_RULE = True
FEW_LABELS_MIN = 5
FEW_LABELS_DELTA = 0.1


def mixture_proportion_bound(scores, labelled_scores, quantiles=MPE_QUANTILES, delta=None):
    """The mixture-proportion bound of the share of anomalies among the unlabelled rows.

    If the labelled anomalies are a random sample of the anomalies, the unlabelled scores
    follow ``(1 - pi) F_normal + pi F_anomaly``, so for every threshold ``t``
    ``pi <= P_unlabelled(s >= t) / P_labelled(s >= t)`` (Blanchard, Lee and Scott, JMLR 2010;
    Scott, Blanchard and Handy, COLT 2013). The smallest ratio over thresholds at the
    labelled scores' ``quantiles``, capped at 1.

    Parameters
    ----------
    scores : ndarray (n,)
        Scores of the unlabelled rows.
    labelled_scores : ndarray (m,), m > 0
        Scores of the labelled anomalies.
    quantiles : tuple of float
    delta : float in (0, 1) or None, default=None
        None: the ratios of the observed shares. A number: an upper confidence bound at
        level ``1 - delta`` for few labels, each labelled share lowered by Hoeffding's
        ``sqrt(log(1 / delta) / (2 m))`` before the ratio (Scott, Blanchard and Handy, 2013,
        bound the labelled side's deviation the same way); with ``m`` labels a share is
        known only to about that much.

    Returns
    -------
    float in [0, 1]
    """
    scores = np.asarray(scores, dtype=float)
    labelled_scores = np.asarray(labelled_scores, dtype=float)
    if delta is not None and not 0.0 < delta < 1.0:
        raise ValueError("delta must be in (0, 1) or None, got %r" % (delta,))
    if labelled_scores.size == 0:
        raise ValueError("mixture_proportion_bound needs at least one labelled score")
    slack = 0.0 if delta is None else float(np.sqrt(np.log(1.0 / delta) / (2.0 * labelled_scores.size)))
    ratios = []
    for q in quantiles:
        t = np.quantile(labelled_scores, q)
        ratios.append(np.count_nonzero(scores >= t) / scores.size
                      / max(np.count_nonzero(labelled_scores >= t) / labelled_scores.size - slack, 1e-12))
    return float(min(1.0, min(ratios)))


def labels_stand_out(hidden_anomaly_share):
    """False when the warm-up model scores at least 90% of the unlabelled rows like the
    labelled anomalies (the share estimate at its cap), so that the labelled anomalies do
    not stand out from the unlabelled set and a ranking by the model cannot tell hidden
    anomalies from normals: noisy labels (normals labelled as anomalies) or anomalies
    that the warm-up could not yet separate. None (no estimate) counts as standing out."""
    return hidden_anomaly_share is None or hidden_anomaly_share < AUTO_SATURATED_SHARE


def _on_cuda(device):
    return device is not None and torch.device(device).type == "cuda"


def _sort_on_device(values, device):
    """Sort on ``device`` (CUDA) unless there is nothing to sort or a NaN, which the host
    path propagates as scipy does."""
    return _on_cuda(device) and values.size and not np.isnan(values).any()


def _rankdata_cuda(values, device):
    """``scipy.stats.rankdata(values)`` (ties averaged) of a 1-D float64 array, sorted on
    ``device``. Average ranks are unique, so the result is the same whatever the sort: a tie
    group at 1-based sorted positions ``a..b`` gets ``(a + b) / 2``, exact in float64."""
    t = torch.as_tensor(values, dtype=torch.float64).to(device)
    n = t.numel()
    sorted_values, order = torch.sort(t)
    starts_group = torch.ones(n, dtype=torch.bool, device=t.device)
    starts_group[1:] = sorted_values[1:] != sorted_values[:-1]
    first = torch.nonzero(starts_group).squeeze(1)                     # 0-based start of each group
    end = torch.cat([first[1:], torch.full((1,), n, dtype=first.dtype, device=t.device)])  # exclusive
    average = (first + 1 + end).to(torch.float64) / 2.0
    ranks = torch.empty(n, dtype=torch.float64, device=t.device)
    ranks[order] = average[torch.cumsum(starts_group, dim=0) - 1]
    return ranks.cpu().numpy()


def _rankdata(values, device=None):
    if _sort_on_device(values, device):
        return _rankdata_cuda(values, device)
    return rankdata(values)  # NaN propagates to every rank, as scipy does


def _stable_argsort(values, device=None):
    """``numpy.argsort(values, kind='stable')``; on CUDA by torch's stable sort (the same
    permutation: a stable sort's order is unique)."""
    if _sort_on_device(values, device):
        t = torch.as_tensor(values, dtype=torch.float64).to(device)
        return torch.sort(t, stable=True)[1].cpu().numpy()
    return np.argsort(values, kind="stable")


def rank_normalise(values, axis=0, device=None):
    """Ranks scaled to [0, 1] along ``axis`` (ties share their average rank).

    ``device``: where to sort. None or a CPU sorts with scipy; a CUDA device sorts there
    (for 1-D values and for the columns of 2-D values along ``axis=0``), giving the same
    ranks: at n = 1M the five float64 sorts of a pseudo-label refresh took about 1 s on the
    host, more than half of a GPU fit.
    """
    values = np.asarray(values, dtype=float)
    n = values.shape[axis]
    if n < 2:
        return np.full(values.shape, 0.5)
    if values.ndim == 1:
        return (_rankdata(values, device) - 1.0) / (n - 1.0)
    if values.ndim == 2 and axis in (0, -2) and values.shape[1] > 0:
        # column by column on contiguous copies: the same ranks as rankdata(values, axis=0),
        # 2.5x faster for (n, 3) (scipy's strided path dominated a refresh at n = 1M)
        ranks = np.column_stack([_rankdata(np.ascontiguousarray(values[:, j]), device)
                                 for j in range(values.shape[1])])
        return (ranks.reshape(values.shape) - 1.0) / (n - 1.0)
    return (rankdata(values, axis=axis) - 1.0) / (n - 1.0)


class PseudoLabels:
    """Result of one pseudo-labelling pass over the unlabelled samples.

    Attributes
    ----------
    labels : ndarray of int, shape (n,)
        1 pseudo-anomaly, 0 pseudo-normal (or uncertain: see ``weights``).
    weights : ndarray of float, shape (n,)
        Credibility weight; 0 for uncertain samples, which enter no loss.
    credibility : ndarray of float, shape (n,)
    consensus : ndarray of float, shape (n,)
        Consensus deviation rank in [0, 1] (higher = more abnormal).
    """

    def __init__(self, labels, weights, credibility, consensus):
        self.labels = labels
        self.weights = weights
        self.credibility = credibility
        self.consensus = consensus

    @property
    def n_anomalies(self):
        return int(np.sum((self.labels == 1) & (self.weights > 0)))

    @property
    def n_normals(self):
        return int(np.sum((self.labels == 0) & (self.weights > 0)))

    @property
    def n_uncertain(self):
        return int(np.sum(self.weights == 0))


def auto_ratios(scores, labelled_scores, margin=5.0, upper_bound=None, few_label_bound=None):
    """Data-driven pseudo-anomaly and credible-normal shares (see the module docstring).

    Parameters
    ----------
    scores : ndarray (n,)
        Current model scores of the unlabelled samples.
    labelled_scores : ndarray (m,)
        Current model scores of the labelled anomalies (none: the fixed fallback shares).
    margin : float
        The deviation loss's margin: the scoring loss pulls normals towards 0 and pushes
        anomalies beyond ``margin``.
    upper_bound : float or None, default=None
        An upper bound of the hidden share from elsewhere (e.g. the warm-up classifier's,
        :func:`pyod_dasad.warmup.classifier_share_bound`): the count-based estimate is capped
        at it. None (DASAD's default): no cap. A screen's switch
        (``benchmarks/screen_share_cap_bound.py``).
    few_label_bound : float or None, default=None
        With fewer than ``MPE_MIN_LABELS`` labelled anomalies: an upper confidence bound of
        the hidden share from out-of-sample scores
        (:func:`pyod_dasad.warmup.few_label_share_bound`). Under ``MPE_SMALL_SHARE`` it sets
        the credible-normal share as the mixture-proportion rule does. None: the count rules.

    Returns
    -------
    anomaly_ratio, normal_ratio : float
    hidden_anomaly_share : float or None
        The estimated share of anomalies among the unlabelled samples.
    """
    scores = np.asarray(scores, dtype=float)
    labelled_scores = np.asarray(labelled_scores, dtype=float)
    n = scores.shape[0]
    if n == 0 or labelled_scores.size == 0:
        return FALLBACK_ANOMALY_RATIO, FALLBACK_NORMAL_RATIO, None
    # A few labelled anomalies are fitted far beyond the margin, so their tail alone says
    # little; a row past half the margin is nearer the anomaly target than the normal one.
    threshold = min(np.quantile(labelled_scores, AUTO_LABELLED_QUANTILE), 0.5 * margin)
    above = np.count_nonzero(scores >= threshold) / n
    share = min(1.0, above / (1.0 - AUTO_LABELLED_QUANTILE))
    if upper_bound is not None:
        share = min(share, float(upper_bound))
    anomaly_ratio = min(above, AUTO_ANOMALY_MAX)
    if labels_stand_out(share):
        normal_ratio = float(np.clip(1.0 - share, AUTO_NORMAL_MIN, AUTO_NORMAL_MAX))
    else:  # saturated: no estimate of the hidden share, so the fixed share
        normal_ratio = FALLBACK_NORMAL_RATIO
    # the mixture-proportion rule: the network's bound with enough labels, else the classifier's
    enough_labels = labelled_scores.size >= MPE_MIN_LABELS
    if enough_labels:
        bound = mixture_proportion_bound(scores, labelled_scores)
    else:
        bound = None if few_label_bound is None else float(few_label_bound)
    if bound is not None and (bound < MPE_SMALL_SHARE or (enough_labels and not MPE_GATED)):
        # few anomalies hide (or, ungated, the bound is trusted): keep the hard normals
        normal_ratio = float(np.clip(1.0 - MPE_MARGIN * bound, AUTO_NORMAL_MIN, MPE_NORMAL_MAX))
        share = bound
    return anomaly_ratio, normal_ratio, share


def assign_pseudo_labels(scores, magnitudes, alpha, anomaly_ratio=0.01, normal_ratio=0.8,
                         min_credibility=0.5, use_score=True, device=None):
    """Assign credibility-weighted pseudo-labels.

    Parameters
    ----------
    scores : ndarray (n,)
        Current model scores of the unlabelled samples.
    magnitudes : ndarray (n, J)
        Deviation magnitude of each enabled view.
    alpha : ndarray (n, J)
        Attention weights over the same views (rows sum to one).
    anomaly_ratio, normal_ratio : float
        Fractions of the unlabelled set taken as pseudo-anomaly / pseudo-normal candidates
        (``'auto'`` is resolved by the caller with :func:`auto_ratios`).
    min_credibility : float in [0, 1)
        Candidates below it are left uncertain (weight 0).
    use_score : bool
        Use the model score as reference and in the consensus; False when the model has
        seen no anomaly yet (unsupervised mode).
    device : torch.device or str, optional
        Where to sort (the ranks and the consensus order): a CUDA device sorts there, with
        the same results as the default (scipy and numpy on the host).

    Returns
    -------
    PseudoLabels
    """
    scores = np.asarray(scores, dtype=float)
    n = scores.shape[0]
    magnitudes = np.asarray(magnitudes, dtype=float).reshape(n, -1)
    alpha = np.asarray(alpha, dtype=float).reshape(n, -1)
    if magnitudes.shape != alpha.shape:
        raise ValueError("magnitudes %s and alpha %s must have the same shape" % (magnitudes.shape, alpha.shape))
    view_ranks = rank_normalise(magnitudes, axis=0, device=device)
    view_consensus = (alpha * view_ranks).sum(axis=1)
    if use_score:
        reference = rank_normalise(scores, device=device)
        consensus = 0.5 * (reference + view_consensus)
    else:
        reference = view_ranks.mean(axis=1)
        consensus = view_consensus
    credibility = (alpha * (1.0 - np.abs(view_ranks - reference[:, None]))).sum(axis=1)
    labels = np.zeros(n, dtype=np.int64)
    weights = np.zeros(n, dtype=float)
    if n == 0:
        return PseudoLabels(labels, weights, credibility, consensus)
    order = _stable_argsort(consensus, device)
    n_anomalies = min(int(np.ceil(anomaly_ratio * n - 1e-9)), n)  # tolerance: 'auto' passes count / n
    n_normals = min(int(np.floor(normal_ratio * n)), n - n_anomalies)
    anomalies = order[n - n_anomalies:]
    normals = order[:n_normals]
    labels[anomalies] = 1
    weights[anomalies] = credibility[anomalies]
    weights[normals] = credibility[normals]
    weights[weights < min_credibility] = 0.0
    return PseudoLabels(labels, weights, credibility, consensus)
