"""The DASAD estimator: a PyOD detector with a semi-supervised ``fit(X, y)``."""
import logging
import numbers

import numpy as np
import torch
from pyod.models.base import BaseDetector
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.utils.validation import check_is_fitted

from ._compat import SeedTagsMixin, amp_dtype, torch_load_bytes, torch_save_bytes, torch_threads
from ._validation import (check_features, check_inference_batch_size, check_labels, check_n_jobs as _check_n_jobs,
                          check_out_of_range_factor, check_params, resolve_seed)
from .device import resolve_device, resolve_inference_batch_size
from .explain import Explanation
from .network import DASADNet
from .out_of_range import (distance_ratios, guard_scores, log_distances, log_distances_from_squares,
                           range_statistics)
from .trainer import Trainer, infer

logger = logging.getLogger("pyod_dasad")

_QUANTILE_GRID = np.linspace(0.0, 1.0, 1001)
#: Features :meth:`DASAD.explain` reports by default (fewer when there are fewer).
DEFAULT_TOP_K = 5


_SCALER_CHUNK = 65536


def _fit_in_chunks(scaler, X):
    """``scaler.partial_fit`` over row blocks: the float64 temporaries of a one-shot ``fit``
    (as large as X in float64) would otherwise dominate peak memory for large float32 X."""
    for start in range(0, X.shape[0], _SCALER_CHUNK):
        scaler.partial_fit(X[start:start + _SCALER_CHUNK])
    return scaler


class _BatchTransform:
    """Apply a fitted scaler to one host batch, as float32 (picklable).

    Both scalers are per-feature affine maps, so the batch is scaled as ``x * a + b`` in
    float64 with coefficients taken from the fitted scaler: the same numbers as
    ``scaler.transform`` without its per-call validation, which dominated the cost of
    scoring small batches.
    """

    def __init__(self, scaler, record_square_norms=False):
        #: with ``record_square_norms``, each scaled batch's squared row norms (float64), in
        #: call order: the out-of-range distances at the cost of one product per batch
        self.square_norms = [] if record_square_norms else None
        if scaler is None:
            self.a = self.b = None
        elif isinstance(scaler, MinMaxScaler):
            self.a, self.b = scaler.scale_, scaler.min_
        else:  # StandardScaler, fitted with its defaults (centring and scaling)
            self.a, self.b = 1.0 / scaler.scale_, -scaler.mean_ / scaler.scale_

    def __call__(self, batch):
        # a value beyond float32's range becomes inf: only rows far outside the training
        # data get there when scaling, and their scores are the out-of-range guard's
        with np.errstate(over="ignore"):
            if self.a is None:
                return np.asarray(batch, dtype=np.float32)
            out = np.asarray(batch, dtype=np.float64) * self.a
            out += self.b
            if self.square_norms is not None:
                self.square_norms.append(np.einsum("ij,ij->i", out, out))
            return out.astype(np.float32)


class DASAD(SeedTagsMixin, BaseDetector):
    """DASAD: Deviation-Guided Attention for Semi-Supervised Anomaly Detection.

    An autoencoder with hierarchical (per-level) reconstruction yields three deviation
    views per sample (latent deviation from the credible-normal centre, residual direction,
    hierarchical reconstruction errors); each view becomes a token, a learned attention
    weighs the tokens per sample, and a scoring head trained with DevNet's deviation loss
    turns the fused token into an anomaly score. Unlabelled samples receive
    credibility-weighted pseudo-labels after a warm-up, and a class-asymmetric contrastive
    loss keeps normal representations compact while preserving the diversity of anomalies.

    Parameters
    ----------
    hidden_dims : tuple of int, default=(128, 64)
        Widths of the encoder's hidden layers; the decoder mirrors them.
    latent_dim : int, default=32
        Width of the latent code ``z``.
    token_dim : int, default=64
        Common width ``k`` of the view tokens; the scoring head is ``k -> k/2 -> 1``.
    projection_dim : int, default=32
        Output width of the contrastive projection head.
    batch_norm : bool, default=False
        Batch normalisation after each hidden layer of the autoencoder.
    views : tuple of str, default=('latent', 'residual', 'error')
        Deviation views used as attention tokens (ablation switch).
    attention : {'learned', 'uniform'}, default='learned'
        Learned per-sample attention, or a uniform average of the tokens (ablation).
    token_norm : {'none', 'direction', 'all'}, default='none'
        Which view tokens get a LayerNorm after their linear map. ``'none'``: no token;
        each view reaches the attention and the scorer through its linear map alone, so the
        size of a deviation (how far ``z`` is from the centre, how large the errors are) is
        not rescaled to unit spread.
        ``'all'`` (every token: the network of version 0.1) and ``'direction'`` (only the
        residual-direction token) are ablations. Chosen on the 23 ADBench ``Classical``
        datasets at la = 1% and 10%: see ``benchmarks/results/ablation_token_norm_*.md``
        (it costs AUC-PR on credit-card fraud, measured there too). Un-normalised tokens
        need more steps at the start: with a very short schedule (a few dozen steps) use
        ``'all'``; the default 600 steps are well past that.
    view_dropout : float in [0, 1), default=0.3
        During training, each view token of each sample is hidden from the attention
        with this probability (never all of them), so the scorer cannot lean on a single
        view; 0 turns it off. Chosen on the development datasets (cardio, satellite,
        mammography): see ``benchmarks/results/ablation_dev.md``.
    pseudo_labels : bool or 'auto', default=True
        Credibility-weighted pseudo-labels for unlabelled samples after the warm-up. If
        False, unlabelled samples are all treated as normal (weight 1) after the warm-up.
        ``'auto'``: pseudo-labels, unless at the first refresh the warm-up model scores at
        least 90% of the unlabelled samples like the labelled anomalies (the estimated
        hidden-anomaly share, ``hidden_anomaly_share_``, at its cap of 1): then the
        unlabelled samples are treated as normal from there on (``pseudo_labels_`` is then
        False). Needs an ``'auto'`` pseudo-label share (the default) and labelled
        anomalies; otherwise it is True. It was the default for one development cycle and
        is the choice when a few percent of the labels may be wrong: with 5% of the
        training labels flipped (ADBench's label contamination) it holds AUC-PR where the
        pseudo-labels collapse on mammography (0.19-0.33 -> 0.50-0.62 over three seeds),
        but it costs AUC-PR at 10% and 25% flipped labels (cardio, one seed: 0.85 -> 0.44)
        and on clean data where the estimate saturates (satellite, magic.gamma: 0.02 to
        0.24 per split); see ``docs/decisions.md``.
    contrastive : {'asymmetric', 'symmetric', 'off'}, default='asymmetric'
        Class-asymmetric contrastive loss (the method's, as specified), SupCon over both
        classes, or none. On by default since the seventeenth session, by measurement on
        64 rows of each batch (``contrastive_batch_size``): against ``'off'`` on the same
        splits it is ahead under the DevNet/FEAWAD protocol (+0.010 mean AUC-PR over 80
        runs, p=0.03) and on the 23 ADBench ``Classical`` datasets (+0.004 / +0.012 at
        la=10% / 1%, p=0.02 / 0.045); see ``docs/decisions.md``. (With the network of
        pyod_dasad 0.1 it was level and off by default.)
    epochs : int, default=30
        Training epochs.
    steps_per_epoch : int, default=20
        Balanced mini-batches per epoch (cost is independent of n).
    batch_size : int, default=256
        Mini-batch size (clamped to the number of samples).
    lr : float, default=1e-3
        Adam learning rate.
    weight_decay : float, default=1e-3
        L2 penalty of Adam (added to the gradient); 1e-5 in pyod_dasad 0.1.0. With a
        handful of labelled anomalies the network memorises them, and a stronger penalty
        keeps the scorer smoother. 1e-3 was chosen on the development sets, paired
        split by split against 1e-5 (mean AUC-PR): DevNet/FEAWAD protocol +0.009 (80
        runs, p = 0.001), ``paper`` datasets at la = 1% +0.023 (p = 0.004) and 10% +0.006,
        23 ADBench ``Classical`` datasets at la = 1% / 5% / 10% +0.005 (p = 0.02) /
        +0.005 / -0.001, AUC-ROC higher on every set. 1e-2 gains more on the ``paper``
        datasets at la = 1% (+0.041) but loses with more labels (-0.025 on ``Classical``
        at la = 10%); 3e-3 is behind 1e-3 on the ``Classical`` sets. On the
        held-out MVTec-AD embeddings it reads -0.015 (23 of 45 splits ahead), all of it
        one small category (toothbrush). See ``benchmarks/results/weight_decay/``.
    ema_decay : 'auto' or float in [0, 1), default='auto'
        The fitted network is an exponential moving average of the weights (and of the
        credible-normal centre) over the training steps, ``w_avg <- ema_decay * w_avg +
        (1 - ema_decay) * w`` after every step, so about the last ``1 / (1 - ema_decay)``
        steps weigh in; 0 keeps the last step's weights. ``'auto'``: the last third of
        the steps, ``1 - 3 / (epochs * steps_per_epoch)`` (0.995 for the default 600
        steps), so that the average keeps the same shape when the schedule changes. The
        pseudo-labels are refreshed with the live weights. Averaging steadies the ranking
        that the noise of the last few steps would otherwise decide; chosen on the 23
        ADBench ``Classical`` and the ``paper`` datasets, see
        ``benchmarks/results/ablation_ema_*.md``.
    warmup_epochs : int, default=5
        Epochs with unlabelled samples treated as normal at weight ``warmup_weight``.
    warmup_weight : float or 'auto', default='auto'
        Weight of unlabelled samples during the warm-up, in (0, 1]. ``'auto'``: 0.1, or
        0.5 where few anomalies hide among them: with at least 20 labelled anomalies, an
        out-of-fold gradient-boosted classifier of labelled against unlabelled samples
        bounds their share (the mixture-proportion bound) under 20%
        (:mod:`pyod_dasad.warmup`; the bound is ``warmup_share_bound_``). A low weight
        hedges against many hidden anomalies (ADBench's protocol at la = 1%); with few, it
        lets the warm-up push normals it cannot yet separate towards the anomaly target.
        Chosen on the development data (``docs/decisions.md``); 0.1 was the default until
        the twenty-first session.
    pseudo_label_interval : int, default=1
        Refresh the pseudo-labels every this many epochs after the warm-up.
    pseudo_label_rows : int or None, default=65536
        At most this many unlabelled rows are pseudo-labelled at each refresh: with more,
        each refresh scores and ranks a fresh uniform sample of this many, and the rest sit
        that round out (weight 0). An epoch draws only ``steps_per_epoch * batch_size / 2``
        unlabelled rows (2,560 with the defaults), so on large data a pass over every row
        at every refresh was most of the fit (about 88% at 1M x 100) for no more
        training; a rank in a 65,536-row sample estimates the full set's rank with a
        standard error of at most 0.002, and accuracy was level with every row in the
        screens of ``benchmarks/results/ablation_pseudo_label_rows_paired.md``.
        None: every unlabelled row at every refresh (the rule before this parameter; a fit
        with at most this many unlabelled rows is the same either way, bit for bit).
    out_of_range_factor : float > 1 or None, default=3.0
        Rows farther from the training mean than this many times the farthest training
        row (Euclidean distance, each feature in training standard deviations) are *out
        of range*: their score is raised to at least the highest training score plus
        ``log(distance / (out_of_range_factor * farthest))``, a floor above every training
        row that rises with the distance (the guard never lowers a score). The network's
        score is a learned piecewise linear map that extrapolates with an arbitrary sign
        far from the data (on cardio a row 1,000 standard deviations out along one feature
        scored -42, below every training row) and can overflow float32 there (NaN, which
        ``predict`` read as an inlier). Training rows are never out of range, so ``decision_scores_``,
        ``threshold_`` and every score within range are the network's own. None: the
        network's score everywhere (the method as published). See
        :mod:`pyod_dasad.out_of_range` and ``docs/decisions.md``.
    pseudo_anomaly_ratio : float, 'auto' or 'estimate', default='auto'
        Fraction of unlabelled samples taken as pseudo-anomaly candidates, in [0, 0.5]
        (0: none). ``'auto'``: none when there are labelled anomalies - the labels define
        the anomaly class, and pseudo-anomalies picked by the views' consensus cost accuracy
        where unusual normals outrank hidden anomalies (measured on the results page) - and
        the 0.01 fallback in unsupervised mode, where they are the only anomaly signal.
        ``'estimate'`` (what ``'auto'`` did before; see the changelog): the share of
        unlabelled samples that the warm-up model scores at least as high as the lower tail
        (10% quantile) of the labelled anomalies, or past half the ``margin``, whichever is
        lower; at most 0.01 (see :mod:`pyod_dasad.pseudo_labels`).
    pseudo_normal_ratio : float or 'auto', default='auto'
        Fraction of unlabelled samples taken as credible-normal candidates, in (0, 1].
        ``'auto'``: one minus the estimated share of anomalies hidden in the unlabelled set
        (from the same count), within [0.5, 0.8] - a data set with 40% anomalies gets fewer
        credible normals than one with 2% - and the fixed 0.8 when the estimate saturates
        (at least 90% of the unlabelled samples score like the labelled anomalies, which
        says only that they do not stand out yet, not how many anomalies hide). With 20 or
        more labelled anomalies, when the mixture-proportion bound of the hidden share
        (``pseudo_labels.mixture_proportion_bound``) is under 5%, ``1 - 2 * bound`` within
        [0.5, 0.95] instead: few anomalies hide, and leaving out the hard normals cost more
        than it saved (``docs/decisions.md``). With 5 to 19 labelled anomalies the same rule
        takes its bound from the out-of-fold classifier of ``warmup_weight='auto'``, as a
        90% upper confidence bound for its few labels
        (``warmup.few_label_share_bound``; the warm-up network has memorised those labels).
        Both ``'auto'`` shares are estimated once, at
        the end of the warm-up, from training labels only (``hidden_anomaly_share_``);
        without labelled anomalies, or with ``warmup_epochs=0``, they fall back to 0.01 and
        0.8.
    min_credibility : float, default=0.5
        Candidates whose credibility is below this are left out (weight 0).
    margin : float, default=5.0
        Margin of the deviation loss (in reference standard deviations).
    lambda_rec : float, default=1.0
        Weight of the hierarchical reconstruction loss.
    lambda_con : float, default=0.1
        Weight of the contrastive loss.
    loss_weighting : {'fixed', 'dwa'}, default='fixed'
        Fixed weights, or dynamic weight averaging (as in RoSAS) of the terms that are on:
        the scoring loss, the reconstruction loss when ``lambda_rec > 0`` and the
        contrastive loss when it is on and ``lambda_con > 0``. Measured, not adopted: see
        ``docs/decisions.md``.
    temperature_normal : float, default=0.1
        Contrastive temperature of normal anchors (and of all anchors when symmetric).
    temperature_anomaly : float, default=0.5
        Contrastive temperature of anomaly anchors (asymmetric mode).
    corruption_rate : float, default=0.3
        Fraction of features replaced from other rows in each augmentation.
    noise_std : float, default=0.01
        Standard deviation of the Gaussian noise added by each augmentation.
    contrastive_batch_size : int or None, default=64
        At most this many rows of each mini-batch, drawn at random among those with a
        non-zero weight, enter the contrastive loss (two views each, so a
        ``2m x 2m`` similarity matrix); None: all of them. The loss's cost grows with the
        square of it: with all 256 rows the fit took 1.9-2.2x as long as without the loss,
        with 64 rows 1.35-2.0x (``benchmarks/results/speed_fit_contrastive.md``), and the
        accuracy measured was the same (``benchmarks/results/ablation_contrastive64_paired.md``).
    preprocessing : {'standard', 'minmax', 'none'}, default='standard'
        Feature scaling fitted on the training data and applied to every batch.
    inference_batch_size : int or 'auto', default='auto'
        Rows per batch when scoring, and in the pseudo-label passes over the training data
        (memory on the device is bounded by it; the scores do not depend on it). ``'auto'``
        is 4096 on a CPU, which keeps a batch's widest activation (4096 x 128 float32,
        2 MiB) inside a core's L2 cache (on this project's CPU 20% more rows per second
        than 8192), and 65536 on CUDA, where small batches leave the GPU waiting for the
        host (on an H100, 1M x 30 rows: fit and scoring measured in
        ``benchmarks/results/speed_gpu.md``).
    device : {'auto'} or str or torch.device, default='auto'
        ``'auto'``: CUDA, else MPS, else CPU. Resolved at fit time into ``device_``.
    amp : bool, default=False
        Mixed precision: forward passes (training and scoring) run under
        ``torch.autocast`` in bfloat16 (CUDA GPUs that support it, and CPU) or float16
        with loss scaling (older CUDA GPUs); weights, optimiser state, losses and the
        returned scores stay float32. Meant for large data on a GPU; on a CPU without
        bfloat16 matrix units it is usually slower. Ignored, with a warning, on MPS.
    n_jobs : int or None, default=1
        CPU threads torch may use during ``fit`` and scoring (set for the duration of the
        call, then restored). -1 uses every logical CPU; None leaves torch's own setting.
        The default of one thread is deliberate: DASAD's networks are small, so extra
        threads gain little, while a process that shares its cores (a joblib grid, a
        benchmark runner, a busy laptop) can become an order of magnitude slower with
        more threads than free cores.
    contamination : float in (0, 0.5], default=0.1
        Expected proportion of anomalies; sets ``threshold_`` (PyOD convention).
    random_state : int, numpy integer or None, default=None
        Seeds every random draw inside ``fit``; the global numpy and torch RNGs are left
        untouched. On CPU, the same seed and data give identical scores.
    verbose : int, default=0
        0 silent; 1 a tqdm bar over epochs with the loss terms; 2 also a log line per
        epoch (logger ``"pyod_dasad"``).

    Attributes
    ----------
    decision_scores_ : ndarray of shape (n_samples,)
        Anomaly scores of the training data (higher = more abnormal).
    threshold_ : float
        Score threshold from ``contamination``.
    labels_ : ndarray of shape (n_samples,)
        Binary labels of the training data (0 inlier, 1 outlier).
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Feature names, when ``X`` was a DataFrame with string column names.
    device_ : torch.device
        The device the network lives on.
    amp_dtype_ : torch.dtype or None
        The autocast dtype in use (None: float32 throughout).
    net_ : DASADNet
        The trained network.
    scaler_ : StandardScaler or MinMaxScaler or None
        The fitted feature scaling.
    n_labelled_ : int
        Number of labelled anomalies seen in ``fit``.
    history_ : list of dict
        Per-epoch mean of the total loss and of each term.
    pseudo_label_history_ : list of dict
        At each refresh: the unlabelled rows pseudo-labelled (``rows``; at most
        ``pseudo_label_rows``), the counts of pseudo-anomalies, credible normals and
        uncertain samples among them, and the two shares in use (``anomaly_ratio``,
        ``normal_ratio``); an entry with ``dropped=True`` is where ``pseudo_labels='auto'``
        dropped them (no refresh follows).
    pseudo_labels_ : bool
        Whether pseudo-labels were training the network at the end of ``fit``
        (``pseudo_labels`` resolved: ``'auto'`` gives False when it dropped them).
    hidden_anomaly_share_ : float or None
        With an ``'auto'`` pseudo-label share: the estimated share of anomalies among the
        unlabelled training samples, from which the shares were set: the count-based
        estimate, or the mixture-proportion bound where that rule applied (None otherwise,
        or when there was no labelled anomaly to estimate it from).
    range_center_, range_scale_ : ndarray of shape (n_features,)
        The training mean and standard deviation (1 for a constant feature) that measure
        the out-of-range distance (``out_of_range_factor``).
    range_radius_ : float
        The largest such distance of a training row.
    ema_decay_ : float
        The weight average's decay in use (``ema_decay`` resolved; 0: no average).
    warmup_weight_ : float
        The warm-up weight of the unlabelled samples in use (``warmup_weight`` resolved).
    warmup_share_bound_ : float or None
        With ``warmup_weight='auto'`` and at least 20 labelled anomalies: the classifier's
        bound of the share of anomalies among the unlabelled samples that chose the warm-up
        weight (:func:`pyod_dasad.warmup.classifier_share_bound`); None otherwise.
    few_label_share_bound_ : float or None
        With 5 to 19 labelled anomalies, a warm-up and ``pseudo_normal_ratio='auto'``: the
        same classifier's 90% upper confidence bound of that share
        (:func:`pyod_dasad.warmup.few_label_share_bound`); under 5% it set the
        credible-normal share (and is ``hidden_anomaly_share_``). None otherwise.
    seed_ : int
        The seed used (drawn from fresh entropy when ``random_state`` is None).

    References
    ----------
    .. [1] DASAD: Deviation-Guided Attention for Semi-Supervised Anomaly Detection.
       CAAI Transactions on Intelligence Technology, 2025. doi:10.1049/cit2.70072
    .. [2] Pang, G., Shen, C., van den Hengel, A. Deep anomaly detection with deviation
       networks. KDD 2019.
    .. [3] Zhou, Y. et al. Feature encoding with autoencoders for weakly supervised
       anomaly detection (FEAWAD). IEEE TNNLS, 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from pyod_dasad import DASAD
    >>> rng = np.random.RandomState(0)
    >>> X = np.vstack([rng.normal(0, 1, (300, 5)), rng.normal(4, 1, (15, 5))])
    >>> y = np.zeros(len(X), dtype=int); y[-5:] = 1        # 5 labelled anomalies
    >>> clf = DASAD(epochs=5, random_state=0).fit(X, y)
    >>> clf.decision_function(X).shape
    (315,)
    >>> clf.predict(X[:3])
    array([0, 0, 0])
    """

    def __init__(self, hidden_dims=(128, 64), latent_dim=32, token_dim=64, projection_dim=32,
                 batch_norm=False, views=("latent", "residual", "error"), attention="learned",
                 token_norm="none", view_dropout=0.3, pseudo_labels=True, contrastive="asymmetric", epochs=30,
                 steps_per_epoch=20, batch_size=256, lr=1e-3, weight_decay=1e-3, ema_decay="auto",
                 warmup_epochs=5, warmup_weight="auto", pseudo_label_interval=1, pseudo_label_rows=65536,
                 out_of_range_factor=3.0, pseudo_anomaly_ratio="auto", pseudo_normal_ratio="auto",
                 min_credibility=0.5, margin=5.0, lambda_rec=1.0, lambda_con=0.1,
                 loss_weighting="fixed", temperature_normal=0.1, temperature_anomaly=0.5,
                 corruption_rate=0.3, noise_std=0.01, contrastive_batch_size=64, preprocessing="standard",
                 inference_batch_size="auto", device="auto", amp=False, n_jobs=1, contamination=0.1,
                 random_state=None, verbose=0):
        self.hidden_dims = hidden_dims
        self.latent_dim = latent_dim
        self.token_dim = token_dim
        self.projection_dim = projection_dim
        self.batch_norm = batch_norm
        self.views = views
        self.attention = attention
        self.token_norm = token_norm
        self.view_dropout = view_dropout
        self.pseudo_labels = pseudo_labels
        self.contrastive = contrastive
        self.epochs = epochs
        self.steps_per_epoch = steps_per_epoch
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.ema_decay = ema_decay
        self.warmup_epochs = warmup_epochs
        self.warmup_weight = warmup_weight
        self.pseudo_label_interval = pseudo_label_interval
        self.pseudo_label_rows = pseudo_label_rows
        self.out_of_range_factor = out_of_range_factor
        self.pseudo_anomaly_ratio = pseudo_anomaly_ratio
        self.pseudo_normal_ratio = pseudo_normal_ratio
        self.min_credibility = min_credibility
        self.margin = margin
        self.lambda_rec = lambda_rec
        self.lambda_con = lambda_con
        self.loss_weighting = loss_weighting
        self.temperature_normal = temperature_normal
        self.temperature_anomaly = temperature_anomaly
        self.corruption_rate = corruption_rate
        self.noise_std = noise_std
        self.contrastive_batch_size = contrastive_batch_size
        self.preprocessing = preprocessing
        self.inference_batch_size = inference_batch_size
        self.device = device
        self.amp = amp
        self.n_jobs = n_jobs
        self.contamination = contamination
        self.random_state = random_state
        self.verbose = verbose

    # -- fitting -----------------------------------------------------------------------
    def _seed(self):
        return resolve_seed(self.random_state)

    def fit(self, X, y=None):
        """Fit the detector.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; numeric, finite. DataFrames, float32/float64 and integer
            arrays are accepted.
        y : array-like of shape (n_samples,), default=None
            1 = labelled anomaly, 0 = unlabelled (PyOD/ADBench convention). With None or
            all zeros, DASAD trains unsupervised from pseudo-labels (a warning is logged).

        Returns
        -------
        self : DASAD
        """
        p = check_params(self)
        with torch_threads(p["n_jobs"]):
            return self._fit(X, y, p)

    def _fit(self, X, y, p):
        X = check_features(self, X, reset=True)
        n = X.shape[0]
        if n < 2:
            raise ValueError("DASAD needs at least 2 samples to fit, got n_samples=%d" % n)
        y = check_labels(y, n)
        if y is None:
            y = np.zeros(n, dtype=np.int64)
        self.n_labelled_ = int(y.sum())
        if self.n_labelled_ == 0:
            logger.warning(
                "DASAD.fit got no labelled anomalies (y is None or all zero): training "
                "unsupervised from pseudo-labels only%s.",
                "" if p["pseudo_labels"] else " - with pseudo_labels=False the scores carry no anomaly signal",
            )
        self.device_ = resolve_device(self.device)
        p["inference_batch_size"] = resolve_inference_batch_size(p["inference_batch_size"], self.device_)
        self.amp_dtype_ = amp_dtype(self.device_) if p["amp"] else None
        if p["amp"] and self.amp_dtype_ is None:
            logger.warning("amp=True is not supported on %s; DASAD runs in float32 there.", self.device_)
        self.seed_ = self._seed()
        if p["preprocessing"] == "standard":
            self.scaler_ = _fit_in_chunks(StandardScaler(), X)
        elif p["preprocessing"] == "minmax":
            self.scaler_ = _fit_in_chunks(MinMaxScaler(), X)
        else:
            self.scaler_ = None
        if self.scaler_ is not None and not all(np.isfinite(getattr(self.scaler_, a)).all()
                                                for a in ("scale_", "mean_", "min_") if hasattr(self.scaler_, a)):
            raise ValueError("X holds values too large to scale in float64 (the %s scaler's statistics "
                             "overflow); rescale X first" % p["preprocessing"])
        transform = _BatchTransform(self.scaler_)
        self.net_config_ = {
            "n_features": int(X.shape[1]), "hidden_dims": p["hidden_dims"], "latent_dim": p["latent_dim"],
            "token_dim": p["token_dim"], "projection_dim": p["projection_dim"], "views": p["views"],
            "attention": p["attention"], "batch_norm": p["batch_norm"], "token_norm": p["token_norm"],
        }
        fork_devices = [self.device_.index or 0] if self.device_.type == "cuda" else []
        with torch.random.fork_rng(devices=fork_devices):
            torch.manual_seed(self.seed_)
            self.net_ = DASADNet(**self.net_config_).to(self.device_)
            trainer = Trainer(self.net_, p, self.device_, self.seed_, transform, self.amp_dtype_)
            self.history_ = trainer.fit(X, y)
        self.pseudo_label_history_ = trainer.pseudo_label_log
        self.hidden_anomaly_share_ = trainer.hidden_anomaly_share()
        self.pseudo_labels_ = trainer.pseudo_labels_on
        self.ema_decay_ = trainer.ema_decay
        self.warmup_weight_, self.warmup_share_bound_ = trainer.warmup_weight, trainer.warmup_share_bound
        self.few_label_share_bound_ = trainer.few_label_bound
        # the training rows' distances (out-of-range guard) come with this last pass over them
        standard = isinstance(self.scaler_, StandardScaler)
        scoring = _BatchTransform(self.scaler_, record_square_norms=standard)
        res = infer(self.net_, X, scoring, self.device_, p["inference_batch_size"],
                    outputs=("score", "magnitudes"), amp_dtype=self.amp_dtype_)
        self.decision_scores_ = res["score"]
        center, scale, log_radius = range_statistics(
            X, self.scaler_, np.concatenate(scoring.square_norms) if standard else None)
        self.range_center_, self.range_scale_, self.range_radius_ = center, scale, float(np.exp(log_radius))
        self.magnitude_quantiles_ = np.quantile(res["magnitudes"], _QUANTILE_GRID, axis=0)
        self._process_decision_scores()
        self._classes = 2
        return self

    # -- inference ---------------------------------------------------------------------
    def _infer(self, X, top_k=0, outputs=("score", "alpha", "magnitudes"), distances=False):
        check_is_fitted(self, ["net_", "decision_scores_"])
        X = check_features(self, X, reset=False)
        batch = resolve_inference_batch_size(check_inference_batch_size(self.inference_batch_size), self.device_)
        n_jobs = _check_n_jobs(self.n_jobs)
        factor = check_out_of_range_factor(self.out_of_range_factor)  # may be set after fit
        guard = factor is not None and "score" in outputs
        distances = guard or (distances and hasattr(self, "range_radius_"))  # pickled before the guard: none
        if guard and not hasattr(self, "range_radius_"):
            raise ValueError("out_of_range_factor needs the training radius, and this model was fitted "
                             "before the parameter existed (no range_radius_): refit it, or set "
                             "out_of_range_factor=None")
        # with the default standardisation the scaled batches are the distances' own units:
        # their squared norms come with the scaling instead of a second pass over X
        standard = isinstance(self.scaler_, StandardScaler)
        transform = _BatchTransform(self.scaler_, record_square_norms=distances and standard)
        with torch_threads(n_jobs):
            res = infer(self.net_, X, transform, self.device_, int(batch), top_k=top_k,
                        outputs=outputs, amp_dtype=getattr(self, "amp_dtype_", None))
        if distances:
            if standard:
                square = np.concatenate(transform.square_norms) if transform.square_norms else np.empty(0)
                log_distance = log_distances_from_squares(square, X, self.range_center_, self.range_scale_)
            else:
                log_distance = log_distances(X, self.range_center_, self.range_scale_)
            with np.errstate(divide="ignore"):  # a radius of 0: guard_scores floors it
                log_radius = np.log(self.range_radius_)
            res["log_distance"], res["log_radius"] = log_distance, log_radius
            if guard:
                res["score"] = guard_scores(res["score"], log_distance, log_radius, factor,
                                            float(np.max(self.decision_scores_)))
        return res

    def decision_function(self, X):
        """Anomaly scores of X (higher = more abnormal).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        return self._infer(X, outputs=("score",))["score"]

    def explain(self, X, top_k=None):
        """Explain the scores of X: which deviation cue flagged each sample, and which
        features deviate most.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        top_k : int or None, default=None
            Number of features with the largest absolute residual to report, from 1 to
            ``n_features_in_``. None: ``min(5, n_features_in_)``.

        Returns
        -------
        Explanation
            Per-sample attention weights over the enabled views, the three views'
            deviation magnitudes (raw and as percentiles of the training data), the
            dominant view, and the top-k features of the residual with their sign.

        Examples
        --------
        >>> exp = clf.explain(X_test[:3])             # doctest: +SKIP
        >>> exp.attention.sum(axis=1)                  # doctest: +SKIP
        array([1., 1., 1.])
        >>> print(exp.describe(0))                     # doctest: +SKIP
        >>> exp.to_frame()                             # doctest: +SKIP
        """
        check_is_fitted(self, ["net_", "decision_scores_"])
        n_features = self.n_features_in_
        if top_k is None:
            top_k = min(DEFAULT_TOP_K, n_features)
        if isinstance(top_k, bool) or not isinstance(top_k, numbers.Integral) or not 1 <= top_k <= n_features:
            raise ValueError("top_k must be an integer in [1, n_features=%d], got %r" % (n_features, top_k))
        res = self._infer(X, top_k=int(top_k), distances=True)
        percentiles = np.column_stack([
            100.0 * np.interp(res["magnitudes"][:, j], self.magnitude_quantiles_[:, j], _QUANTILE_GRID)
            for j in range(3)
        ])
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            names = np.array(["x%d" % i for i in range(n_features)], dtype=object)
        ratios = None
        if "log_distance" in res:
            ratios = distance_ratios(res["log_distance"], res["log_radius"])
        return Explanation(res["score"], self.net_.views, res["alpha"], res["magnitudes"], percentiles,
                           res["top_features"], np.asarray(names, dtype=object)[res["top_features"]],
                           res["top_residuals"], distance_ratios=ratios,
                           out_of_range_factor=check_out_of_range_factor(self.out_of_range_factor))

    # -- persistence -------------------------------------------------------------------
    def __getstate__(self):
        state = self.__dict__.copy()
        net = state.pop("net_", None)
        if net is not None:
            state["_net_state_bytes"] = torch_save_bytes({k: v.detach().cpu() for k, v in net.state_dict().items()})
        return state

    def __setstate__(self, state):
        state = dict(state)
        blob = state.pop("_net_state_bytes", None)
        # pickled by 0.1, before token_norm existed: its network had a LayerNorm on every token
        state.setdefault("token_norm", "all")
        # pickled before ema_decay existed: those models kept the last step's weights
        state.setdefault("ema_decay", 0.0)
        # pickled before contrastive_batch_size existed: every row entered the loss
        state.setdefault("contrastive_batch_size", None)
        # pickled before pseudo_label_rows existed: every unlabelled row was pseudo-labelled
        state.setdefault("pseudo_label_rows", None)
        # pickled before out_of_range_factor existed: the network's score everywhere
        state.setdefault("out_of_range_factor", None)
        if "net_config_" in state:
            state.setdefault("ema_decay_", 0.0)
            state.setdefault("pseudo_labels_", bool(state.get("pseudo_labels", True)))
        self.__dict__.update(state)
        if blob is not None:
            device = self.device_
            if device.type == "cuda" and not torch.cuda.is_available():
                logger.warning("DASAD was fitted on %s, which is not available here; loading on CPU.", device)
                device = torch.device("cpu")
            elif device.type == "mps" and not torch.backends.mps.is_available():
                device = torch.device("cpu")
            if device != self.device_ and getattr(self, "amp_dtype_", None) is not None:
                self.amp_dtype_ = amp_dtype(device)  # e.g. a float16 CUDA model scored on CPU
            self.device_ = device
            net = DASADNet(**self.net_config_)
            net.load_state_dict(torch_load_bytes(blob, map_location="cpu"))
            self.net_ = net.to(device).eval()
