"""AnoOnly: our reimplementation, as a leaderboard baseline.

AnoOnly (Zhou et al., "AnoOnly: Semi-Supervised Anomaly Detection with the
Only Loss on Anomalies", arXiv 2305.18798) is a training scheme for
semi-supervised detectors: the loss is computed **only on the labelled
anomalies**; the unlabelled (mostly normal) data gets no loss term at all and
is supervised only *weakly*, through batch normalisation. Every mini-batch
holds both labelled anomalies and unlabelled samples; batch-norm centres and
scales each feature over the whole batch, so pushing the anomalies' scores up
necessarily pushes the rest of the batch down -- an implicit clustering of the
normal data that does not let the many normals dominate the loss.

What we build (the paper's best-reported combination is AnoOnly on DevNet):

* a DevNet scorer ``d -> h_1 -> ... -> h_L -> 1``; each hidden layer is
  ``Linear(bias=False) -> BatchNorm1d(affine=False) -> ReLU`` and a final
  ``BatchNorm1d(affine=False)`` precedes the bias-free scoring layer. Without
  affine terms and biases the batch mean of the training-mode score is exactly
  zero, so the anomaly-only loss cannot be met by shifting every score up;
* DevNet's balanced batches: half labelled anomalies (with replacement), half
  unlabelled samples;
* DevNet's deviation loss restricted to anomalies:
  ``mean_{y=1} max(0, margin - (s - mean(r)) / std(r))`` with ``r`` drawn from
  N(0, 1) (``n_ref`` values, redrawn every step);
* scoring in eval mode (batch-norm running statistics), higher = more abnormal.

This is a reimplementation from the paper's description and the authors'
public repository (read, not copied); hyper-parameters follow the DevNet
defaults the authors build on (50 epochs x 20 batches of 64, margin 5).

Examples
--------
>>> import numpy as np
>>> from adbench_runs.anoonly import AnoOnly
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(300, 4)); X[:15] += 3
>>> y = np.zeros(300, dtype=int); y[:5] = 1
>>> clf = AnoOnly(epochs=5, random_state=0).fit(X, y)
>>> clf.decision_function(X).shape
(300,)
"""
from __future__ import annotations

import logging

import numpy as np
from pyod.models.base import BaseDetector
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted

logger = logging.getLogger(__name__)

__all__ = ["AnoOnly", "build_anoonly_net", "anomaly_only_deviation_loss"]


def _torch():
    import torch  # noqa: PLC0415 (keep importing this module cheap)

    return torch


def _resolve_device(device):
    torch = _torch()
    if device != "auto":
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def _seed_from(random_state) -> int:
    """An int seed from ``random_state`` without touching global generators."""
    if random_state is None:
        return int(np.random.SeedSequence().entropy % (2**31 - 1))
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    if isinstance(random_state, (bool, np.bool_)) or not isinstance(random_state, (int, np.integer)):
        raise TypeError(f"random_state must be None, an int or a RandomState, got {random_state!r}")
    return int(random_state)


def build_anoonly_net(n_features: int, hidden_dims=(100, 50)):
    """Build the DevNet scorer with non-affine batch-norm (see module docstring).

    Parameters
    ----------
    n_features : int
        Input width.
    hidden_dims : tuple of int, default=(100, 50)
        Widths of the hidden layers (at least one).

    Returns
    -------
    torch.nn.Sequential
        Maps ``(batch, n_features)`` to ``(batch, 1)`` scores.
    """
    nn = _torch().nn
    hidden_dims = tuple(int(h) for h in hidden_dims)
    if not hidden_dims or min(hidden_dims) < 1:
        raise ValueError(f"hidden_dims must be a non-empty tuple of positive ints, got {hidden_dims}")
    layers = []
    width = int(n_features)
    for h in hidden_dims:
        layers += [nn.Linear(width, h, bias=False), nn.BatchNorm1d(h, affine=False), nn.ReLU()]
        width = h
    layers += [nn.BatchNorm1d(width, affine=False), nn.Linear(width, 1, bias=False)]
    return nn.Sequential(*layers)


def anomaly_only_deviation_loss(scores, is_anomaly, reference, margin: float = 5.0):
    """DevNet's deviation loss on the anomalies only.

    Parameters
    ----------
    scores : torch.Tensor of shape (batch,)
        Scores of the whole batch.
    is_anomaly : torch.Tensor of shape (batch,), bool
        Which rows are labelled anomalies; the others get no loss.
    reference : torch.Tensor of shape (n_ref,)
        Draws from the prior N(0, 1) of normal scores.
    margin : float, default=5.0
        Required deviation of an anomaly, in reference standard deviations.

    Returns
    -------
    torch.Tensor
        Scalar loss (mean hinge over the anomalies).
    """
    torch = _torch()
    if not bool(is_anomaly.any()):
        raise ValueError("the batch holds no labelled anomaly; AnoOnly's loss is undefined")
    dev = (scores - reference.mean()) / reference.std()
    return torch.clamp(margin - dev[is_anomaly], min=0.0).mean()


class AnoOnly(BaseDetector):
    """AnoOnly on a DevNet scorer: loss on labelled anomalies only.

    Parameters
    ----------
    hidden_dims : tuple of int, default=(100, 50)
        Hidden widths of the scorer.
    epochs : int, default=50
        Training epochs.
    steps_per_epoch : int, default=20
        Balanced mini-batches per epoch.
    batch_size : int, default=64
        Mini-batch size (half labelled anomalies, half unlabelled); clamped to
        ``2 * n_unlabelled``.
    lr : float, default=1e-3
        Adam learning rate.
    weight_decay : float, default=1e-5
        Adam weight decay.
    margin : float, default=5.0
        Deviation-loss margin.
    n_ref : int, default=5000
        Reference draws from N(0, 1) per step.
    device : str, default="auto"
        ``"auto"`` (CUDA, then MPS, then CPU) or a torch device string.
    random_state : int, numpy.random.RandomState or None, default=None
        Seed for weight initialisation, batch sampling and reference draws
        (local generators; the global RNG state is left unchanged).
    contamination : float, default=0.1
        PyOD's expected outlier share, for ``threshold_`` and ``labels_``.
    verbose : int, default=0
        1 logs the loss every 10 epochs, 2 every epoch (logger
        ``adbench_runs.anoonly`` at INFO).

    Attributes
    ----------
    net_ : torch.nn.Sequential
        The trained scorer (in eval mode).
    device_ : torch.device
        Device used.
    n_features_in_ : int
        Number of features seen in ``fit``.
    loss_history_ : list of float
        Mean training loss per epoch.
    decision_scores_ : numpy.ndarray of shape (n_samples,)
        Scores of the training data.
    threshold_ : float
        Score threshold from ``contamination``.
    labels_ : numpy.ndarray of shape (n_samples,)
        0/1 labels of the training data from ``threshold_``.

    References
    ----------
    .. [1] Y. Zhou, P. Yang, Y. Qu, X. Xu, Z. Sun, A. Cichocki. "AnoOnly:
       Semi-Supervised Anomaly Detection with the Only Loss on Anomalies."
       arXiv:2305.18798, 2023.
    .. [2] G. Pang, C. Shen, A. van den Hengel. "Deep Anomaly Detection with
       Deviation Networks." KDD 2019.
    """

    def __init__(self, hidden_dims=(100, 50), epochs=50, steps_per_epoch=20, batch_size=64, lr=1e-3,
                 weight_decay=1e-5, margin=5.0, n_ref=5000, device="auto", random_state=None,
                 contamination=0.1, verbose=0):
        super().__init__(contamination=contamination)
        self.hidden_dims = hidden_dims
        self.epochs = epochs
        self.steps_per_epoch = steps_per_epoch
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.margin = margin
        self.n_ref = n_ref
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    def _check_params(self):
        for name in ("epochs", "steps_per_epoch", "n_ref"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if not isinstance(self.batch_size, (int, np.integer)) or self.batch_size < 2:
            raise ValueError(f"batch_size must be an int >= 2, got {self.batch_size!r}")
        if not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr!r}")
        if not self.margin > 0:
            raise ValueError(f"margin must be > 0, got {self.margin!r}")
        if self.weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay!r}")

    def fit(self, X, y=None):
        """Train on labelled anomalies (y == 1) and unlabelled data (y == 0).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            1 = labelled anomaly, 0 = unlabelled. At least one of each.

        Returns
        -------
        self : AnoOnly
        """
        torch = _torch()
        self._check_params()
        X = check_array(X, dtype=np.float32)
        if y is None:
            raise ValueError("AnoOnly needs labels y with at least one labelled anomaly (y == 1); "
                             "its only loss is on labelled anomalies")
        y = np.asarray(y).ravel()
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"y has {y.shape[0]} entries but X has {X.shape[0]} rows")
        if not np.isin(y, (0, 1)).all():
            raise ValueError("y must contain only 0 (unlabelled) and 1 (labelled anomaly)")
        anomalies = np.flatnonzero(y == 1)
        unlabelled = np.flatnonzero(y == 0)
        if anomalies.size == 0:
            raise ValueError("AnoOnly needs at least one labelled anomaly (y == 1); got none")
        if unlabelled.size == 0:
            raise ValueError("AnoOnly needs unlabelled samples (y == 0) for its batch-norm supervision")

        self.n_features_in_ = X.shape[1]
        self.device_ = _resolve_device(self.device)
        seed = _seed_from(self.random_state)
        half = max(1, min(int(self.batch_size) // 2, unlabelled.size))

        with torch.random.fork_rng(devices=[]):  # weight init from the seed, global state kept
            torch.manual_seed(seed)
            net = build_anoonly_net(X.shape[1], self.hidden_dims)
        net = net.to(self.device_)
        gen = torch.Generator().manual_seed(seed)
        X_t = torch.from_numpy(X).to(self.device_)
        ano_t = torch.from_numpy(anomalies)
        unl_t = torch.from_numpy(unlabelled)
        is_anomaly = torch.cat([torch.ones(half, dtype=torch.bool), torch.zeros(half, dtype=torch.bool)])
        is_anomaly = is_anomaly.to(self.device_)
        optimizer = torch.optim.Adam(net.parameters(), lr=self.lr, weight_decay=self.weight_decay)

        self.loss_history_ = []
        net.train()
        for epoch in range(int(self.epochs)):
            total = 0.0
            for _ in range(int(self.steps_per_epoch)):
                rows = torch.cat([
                    ano_t[torch.randint(ano_t.numel(), (half,), generator=gen)],
                    unl_t[torch.randint(unl_t.numel(), (half,), generator=gen)],
                ]).to(self.device_)
                reference = torch.randn(int(self.n_ref), generator=gen).to(self.device_)
                scores = net(X_t[rows]).squeeze(1)
                loss = anomaly_only_deviation_loss(scores, is_anomaly, reference, float(self.margin))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += float(loss.detach())
            self.loss_history_.append(total / int(self.steps_per_epoch))
            if self.verbose >= 2 or (self.verbose == 1 and (epoch + 1) % 10 == 0):
                logger.info("AnoOnly epoch %d/%d loss %.4f", epoch + 1, self.epochs, self.loss_history_[-1])
        net.eval()
        self.net_ = net

        self.decision_scores_ = self.decision_function(X)
        self._process_decision_scores()
        self._classes = 2
        return self

    # ------------------------------------------------------------------ scoring
    def decision_function(self, X):
        """Anomaly scores (higher = more abnormal).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        numpy.ndarray of shape (n_samples,), float64
        """
        torch = _torch()
        check_is_fitted(self, ["net_"])
        X = check_array(X, dtype=np.float32)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but AnoOnly was fitted on {self.n_features_in_}")
        out = []
        self.net_.eval()
        with torch.no_grad():
            for start in range(0, X.shape[0], 4096):
                batch = torch.from_numpy(X[start:start + 4096]).to(self.device_)
                out.append(self.net_(batch).squeeze(1).cpu().numpy())
        return np.concatenate(out).astype(np.float64)
