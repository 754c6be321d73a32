"""The warm-up weight of the unlabelled rows: fixed, or chosen before training from a
classifier's bound of the share of anomalies hidden among them (``warmup_weight='auto'``).

During the warm-up every unlabelled row trains as a normal at a low weight (0.1), which
hedges against the anomalies hidden among them: under ADBench's protocol at la = 1% about
99 of them hide per labelled one. Where few hide (the DevNet/FEAWAD protocol's 2%), the
low weight lets the network push normals that it cannot yet tell from the labelled
anomalies up towards the anomaly target; the pseudo-labels then read many of them as
anomalies, leave them out, and a fit can collapse (satellite's DevNet-protocol run 1:
0.417 AUC-PR, 0.878 with weight 0.5; ``docs/decisions.md``). No statistic of the warm-up
model told the two cases apart, since it is that model which drifts.

``'auto'`` asks a model that does not drift. If the labelled anomalies are a random sample
of the anomalies, the mixture-proportion bound of any scoring function bounds the hidden
share from above (:func:`~pyod_dasad.pseudo_labels.mixture_proportion_bound`; the scores of
the labelled rows must be out of sample). :func:`classifier_share_bound` scores the rows with
an out-of-fold gradient-boosted classifier of labelled against unlabelled rows
(scikit-learn's ``HistGradientBoostingClassifier``, 30 iterations, 5 folds, at most 2,048
unlabelled and 2,048 labelled rows, so its cost does not grow with the rows: 0.1-1.4 s on
the paper datasets). With at least ``MPE_MIN_LABELS`` (20) labelled anomalies and a bound
under ``FEW_HIDDEN_BOUND`` (20%) the warm-up weight is ``FEW_HIDDEN_WARMUP_WEIGHT`` (0.5),
else ``DEFAULT_WARMUP_WEIGHT`` (0.1). The classifier and the thresholds were chosen on the
development data (twenty-first session, ``benchmarks/screen_warmup_share_bound.py``; 20%
rather than 10% after the robustness sweep's 5% and 8% contamination, where the bound reads
0.07-0.29 and the weight 0.5 gained 0.07-0.08; ``docs/decisions.md``).

With 5 to 19 labelled anomalies the same classifier gives the credible-normal share's
mixture-proportion rule its bound (:func:`few_label_share_bound`, a 90% upper confidence
bound for the few labels; twenty-seventh session); the warm-up weight stays 0.1 there.
"""
import numpy as np

from . import pseudo_labels
from .pseudo_labels import MPE_MIN_LABELS, mixture_proportion_bound

#: The warm-up weight of the unlabelled rows when the bound does not say that few anomalies hide.
DEFAULT_WARMUP_WEIGHT = 0.1
#: ... and when it does.
FEW_HIDDEN_WARMUP_WEIGHT = 0.5
#: The classifier's bound of the hidden share under which few anomalies hide.
FEW_HIDDEN_BOUND = 0.2
#: The classifier: boosting iterations, folds, and the unlabelled and labelled rows it sees at most.
BOUND_MAX_ITER = 30
BOUND_FOLDS = 5
BOUND_MAX_UNLABELLED = 2048
BOUND_MAX_LABELLED = 2048


def out_of_fold_scores(X, y, seed, n_threads=1, max_iter=BOUND_MAX_ITER, max_unlabelled=BOUND_MAX_UNLABELLED):
    """Out-of-fold probabilities of being labelled, from a classifier of labelled against
    unlabelled rows (a sample of each, so the cost does not grow with the rows).

    Parameters
    ----------
    X, y, seed, n_threads, max_iter, max_unlabelled
        See :func:`classifier_share_bound`.

    Returns
    -------
    rows : ndarray of int
        The training rows scored: the labelled ones (all, or a sample of ``BOUND_MAX_LABELLED``)
        first, then a sample of at most ``max_unlabelled`` unlabelled ones.
    labelled : ndarray of bool
        Which of ``rows`` are labelled anomalies.
    proba : ndarray of float
        Each row's out-of-fold probability of being labelled.
    None instead, with fewer than ``BOUND_FOLDS`` labelled anomalies or unlabelled rows.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from threadpoolctl import threadpool_limits

    y = np.asarray(y)
    labelled = np.flatnonzero(y == 1)
    unlabelled = np.flatnonzero(y == 0)
    if labelled.size < BOUND_FOLDS or unlabelled.size < BOUND_FOLDS:
        return None
    rng = np.random.default_rng(seed)
    if unlabelled.size > max_unlabelled:
        unlabelled = rng.choice(unlabelled, max_unlabelled, replace=False)
    if labelled.size > BOUND_MAX_LABELLED:  # a bounded cost with many labels too
        labelled = np.sort(rng.choice(labelled, BOUND_MAX_LABELLED, replace=False))
    rows = np.concatenate([labelled, unlabelled])
    target = (y[rows] == 1).astype(np.int64)
    folds = StratifiedKFold(BOUND_FOLDS, shuffle=True, random_state=seed)
    model = HistGradientBoostingClassifier(max_iter=max_iter, random_state=0)
    with threadpool_limits(limits=max(1, int(n_threads)), user_api="openmp"):
        proba = cross_val_predict(model, X[rows], target, cv=folds, method="predict_proba")[:, 1]
    return rows, target == 1, proba


def classifier_share_bound(X, y, seed, n_threads=1, max_iter=BOUND_MAX_ITER, max_unlabelled=BOUND_MAX_UNLABELLED,
                           delta=None):
    """The mixture-proportion bound of the hidden-anomaly share from an out-of-fold
    classifier of labelled against unlabelled rows (:func:`out_of_fold_scores`).

    Parameters
    ----------
    X : ndarray (n, d)
        Training rows (unscaled: a tree ensemble does not need scaling).
    y : ndarray (n,)
        1 = labelled anomaly, 0 = unlabelled.
    seed : int
        Seeds the samples of rows and the folds; the classifier's own seed is 0.
    n_threads : int
        OpenMP threads for the classifier (the fit's torch threads).
    max_iter, max_unlabelled : int
        The classifier's boosting iterations and the unlabelled rows it sees at most (the
        defaults are the rule's; ``benchmarks/screen_warmup_share_bound.py`` compares others).
    delta : float or None
        None: the bound itself; a number: its upper confidence bound for few labels
        (:func:`~pyod_dasad.pseudo_labels.mixture_proportion_bound`).

    Returns
    -------
    float in [0, 1], or None with fewer than ``BOUND_FOLDS`` labelled anomalies or fewer
    than ``BOUND_FOLDS`` unlabelled rows (no out-of-fold score for every row).
    """
    scored = out_of_fold_scores(X, y, seed, n_threads, max_iter, max_unlabelled)
    if scored is None:
        return None
    _, labelled, proba = scored
    return mixture_proportion_bound(proba[~labelled], proba[labelled], delta=delta)


def few_label_share_bound(X, y, seed, warmup_epochs, n_threads=1):
    """The classifier's upper confidence bound of the hidden share where there are too few
    labels for the mixture-proportion rule (from ``FEW_LABELS_MIN`` to ``MPE_MIN_LABELS - 1``
    labelled anomalies), for :func:`~pyod_dasad.pseudo_labels.auto_ratios`'
    ``few_label_bound``; None elsewhere, without a warm-up, or with ``FEW_LABELS_RULE`` off.

    Its scores are out of fold, so a labelled anomaly is scored by a model that did not see
    it; the warm-up network has memorised its labels, whose in-sample scores would make the
    bound too low. With 5-19 labels the labelled shares behind the bound are known to about
    ``sqrt(log(10) / (2 m))`` (0.34 at 5 labels, 0.25 at 9), so the bound is taken at the
    confidence ``1 - FEW_LABELS_DELTA``.
    """
    n_labelled = int(np.count_nonzero(np.asarray(y) == 1))
    if (not pseudo_labels.FEW_LABELS_RULE or warmup_epochs == 0
            or not pseudo_labels.FEW_LABELS_MIN <= n_labelled < MPE_MIN_LABELS):
        return None
    return classifier_share_bound(X, y, seed, n_threads, delta=pseudo_labels.FEW_LABELS_DELTA)


def resolve_warmup_weight(warmup_weight, X, y, seed, warmup_epochs, n_threads=1):
    """The warm-up weight of the unlabelled rows, and the classifier's bound behind it.

    Parameters
    ----------
    warmup_weight : float or 'auto'
        A number is used as it is (no bound is computed).
    X, y, seed, n_threads
        See :func:`classifier_share_bound`.
    warmup_epochs : int
        Without a warm-up the weight is unused and no bound is computed.

    Returns
    -------
    weight : float
    bound : float or None
        The classifier's bound of the hidden share; None where it was not computed (a
        fixed weight, no warm-up, fewer than ``MPE_MIN_LABELS`` labelled anomalies).
    """
    if not isinstance(warmup_weight, str):
        return float(warmup_weight), None
    if warmup_epochs == 0 or int(np.count_nonzero(np.asarray(y) == 1)) < MPE_MIN_LABELS:
        return DEFAULT_WARMUP_WEIGHT, None
    bound = classifier_share_bound(X, y, seed, n_threads)
    if bound is not None and bound < FEW_HIDDEN_BOUND:
        return FEW_HIDDEN_WARMUP_WEIGHT, bound
    return DEFAULT_WARMUP_WEIGHT, bound
