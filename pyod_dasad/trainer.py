"""DASAD's training loop and streaming inference.

Data stay in host memory as the caller's array; every step moves one mini-batch to the
device, so memory on the device is independent of n and host memory is linear in n.
"""
import logging
import math

import numpy as np
import torch
from tqdm.auto import tqdm

from ._compat import autocast, grad_scaler, inference_mode, make_adam, make_generator, WeightAverage
from .augment import corrupt
from .device import resolve_inference_batch_size
from .losses import DynamicWeightAverage, contrastive_loss, deviation_loss, hierarchical_reconstruction_loss
from .pseudo_labels import assign_pseudo_labels, auto_ratios, labels_stand_out
from .sampler import BalancedBatchSampler, choice_without_replacement
from .views import view_magnitudes
from .warmup import few_label_share_bound, resolve_warmup_weight

logger = logging.getLogger("pyod_dasad")

_N_REFERENCE = 5000
_CENTER_MOMENTUM = 0.9
_VIEW_COLUMNS = {"latent": 0, "residual": 1, "error": 2}
LOSS_TERMS = ("score", "rec", "con")
#: ``ema_decay='auto'``: the weight average's horizon ``1 / (1 - decay)`` is this share of
#: all training steps (0.995 for the default 30 x 20 steps); the starting weights then
#: keep ``(1 - 1 / (share * steps)) ** steps``, about ``exp(-1 / share)`` = 5%, of the average
EMA_AUTO_HORIZON = 1.0 / 3.0
#: Which network pseudo-labels the unlabelled rows at each refresh: ``"network"`` (the
#: training network, the default) or ``"average"`` (the weight average of the iterates so
#: far, without the starting weights' share: a "mean teacher"). The hidden-share estimate
#: is read from the training network in both cases. A screen's switch
#: (``benchmarks/screen_teacher_pseudo_labels.py``).
PSEUDO_LABEL_NETWORK = "network"


def resolve_ema_decay(ema_decay, total_steps):
    """The weight average's decay: ``ema_decay`` itself, or for ``'auto'``
    ``1 - 1 / (EMA_AUTO_HORIZON * total_steps)``, 0 (no average) for three steps or fewer."""
    if ema_decay != "auto":
        return float(ema_decay)
    return max(0.0, 1.0 - 1.0 / (EMA_AUTO_HORIZON * total_steps))


def active_loss_terms(params):
    """Indices (into ``LOSS_TERMS``) of the loss terms that enter the total: the scoring
    loss always, the reconstruction loss when ``lambda_rec > 0``, the contrastive loss when
    it is on and ``lambda_con > 0``. Dynamic weight averaging shares its weights among these
    only: an inactive term's zero loss would otherwise take a share of the weight and raise
    the others'."""
    active = [0]
    if params["lambda_rec"] > 0:
        active.append(1)
    if params["contrastive"] != "off" and params["lambda_con"] > 0:
        active.append(2)
    return np.asarray(active)


def to_device(batch, device):
    """Host array -> float32 tensor on ``device`` (pinned, asynchronous copy on CUDA)."""
    tensor = torch.from_numpy(np.ascontiguousarray(batch, dtype=np.float32))
    if device.type == "cuda":
        return tensor.pin_memory().to(device, non_blocking=True)
    return tensor.to(device)


def iter_batches(n, batch_size):
    for start in range(0, n, batch_size):
        yield start, min(start + batch_size, n)


_ALL_OUTPUTS = ("score", "alpha", "magnitudes")


def _host(tensor):
    return tensor.float().cpu().numpy()  # numpy has no bfloat16


def infer(net, X, transform, device, batch_size, rows=None, top_k=0, outputs=_ALL_OUTPUTS, amp_dtype=None):
    """Stream ``X`` (or ``X[rows]``) through ``net`` in evaluation mode.

    Parameters
    ----------
    outputs : tuple of str, default=('score', 'alpha', 'magnitudes')
        Which per-row results to compute and copy back; scoring asks for ``score`` alone.

    Returns
    -------
    dict of ndarray
        ``score`` (n,), ``alpha`` (n, J), ``magnitudes`` (n, 3) as asked for, and with
        ``top_k > 0`` ``top_features`` (n, top_k) and ``top_residuals`` (n, top_k), the
        features with the largest absolute input residual and their signed residual
        ``x - x_hat``.
    """
    n = X.shape[0] if rows is None else len(rows)
    was_training = net.training
    net.eval()
    shapes = {"score": (n,), "alpha": (n, len(net.views)), "magnitudes": (n, 3)}
    out = {name: np.empty(shapes[name], dtype=np.float64) for name in outputs}
    if top_k:
        out["top_features"] = np.empty((n, top_k), dtype=np.int64)
        out["top_residuals"] = np.empty((n, top_k), dtype=np.float64)
    try:
        with inference_mode():
            for start, stop in iter_batches(n, batch_size):
                idx = slice(start, stop) if rows is None else rows[start:stop]
                xb = to_device(transform(X[idx]), device)
                with autocast(device, amp_dtype):
                    res = net(xb)
                if "score" in out:
                    out["score"][start:stop] = _host(res.score)
                if "alpha" in out:
                    out["alpha"][start:stop] = _host(res.alpha)
                if "magnitudes" in out:
                    mags = view_magnitudes(res.z.float(), net.center, res.residual.float(), res.level_errors.float())
                    out["magnitudes"][start:stop] = _host(mags)
                if top_k:
                    residual = res.residual.float()
                    index = residual.abs().topk(top_k, dim=1)[1]
                    out["top_features"][start:stop] = index.cpu().numpy()
                    out["top_residuals"][start:stop] = _host(torch.gather(residual, 1, index))
    finally:
        net.train(was_training)
    return out


class Trainer:
    """Train a :class:`~pyod_dasad.network.DASADNet` with DASAD's schedule.

    Parameters
    ----------
    net : DASADNet
        On ``device`` already.
    params : dict
        Validated estimator parameters (see ``_validation.check_params``).
    device : torch.device
    seed : int
    transform : callable
        Applied to every host batch before it goes to the device (the fitted scaler).
    amp_dtype : torch.dtype or None
        Mixed precision: forward passes under autocast to this dtype; the losses, the
        optimiser state and the weights stay float32 (a loss scaler guards float16).
    """

    def __init__(self, net, params, device, seed, transform, amp_dtype=None):
        self.net = net
        self.amp_dtype = amp_dtype
        self.p = dict(params, inference_batch_size=resolve_inference_batch_size(params["inference_batch_size"], device))
        self.device = device
        self.transform = transform
        self.seed = seed
        self.rng = np.random.RandomState(seed % (2 ** 32))
        self.generator = make_generator(device, seed)
        self.history = []
        self.pseudo_label_log = []
        self.auto_ratios = None
        self.average = None  # the weight average while fitting (see PSEUDO_LABEL_NETWORK)
        #: whether pseudo-labels train the network (``pseudo_labels='auto'`` may drop them)
        self.pseudo_labels_on = bool(params["pseudo_labels"])
        self.ema_decay = resolve_ema_decay(params["ema_decay"], params["epochs"] * params["steps_per_epoch"])
        #: indices into ``LOSS_TERMS`` of the terms that enter the total loss
        self.active_terms = active_loss_terms(params)
        #: the unlabelled rows' warm-up weight in use, and the classifier's bound behind an
        #: ``'auto'`` one (None: not computed); both set by :meth:`fit`
        self.warmup_weight = self.warmup_share_bound = None
        #: the classifier's confidence bound of the hidden share with few labels (None: not computed)
        self.few_label_bound = None

    # -- hooks -----------------------------------------------------------------------
    def view_dropout_mask(self, n):
        """(n, J) boolean mask hiding each view token with probability ``view_dropout``,
        never all tokens of a sample; None when view dropout is off."""
        n_views = len(self.net.views)
        if self.p["view_dropout"] <= 0 or n_views < 2:
            return None
        gdev = self.generator.device
        drop = torch.rand((n, n_views), generator=self.generator, device=gdev) < self.p["view_dropout"]
        keep = torch.randint(0, n_views, (n,), generator=self.generator, device=gdev)
        drop[torch.arange(n, device=gdev), keep] = False
        return drop.to(self.device)

    def training_forward(self, xb, targets, weights, term_weights):
        """One batch: returns (total loss, dict of the three terms, network output)."""
        p, net = self.p, self.net
        with autocast(self.device, self.amp_dtype):
            out = net(xb, self.view_dropout_mask(xb.shape[0]))
        reference = torch.randn(_N_REFERENCE, generator=self.generator, device=self.generator.device).to(xb.device)
        l_score = deviation_loss(out.score, targets, weights, reference, p["margin"])
        normal_weights = weights * (targets == 0).to(weights.dtype)
        l_rec = hierarchical_reconstruction_loss(out.level_errors.float(), normal_weights)
        l_con = torch.zeros((), device=xb.device)
        if LOSS_TERMS.index("con") in self.active_terms:
            l_con = self.contrastive_term(xb, targets, weights, l_con)
        total = (term_weights[0] * l_score + term_weights[1] * p["lambda_rec"] * l_rec
                 + term_weights[2] * p["lambda_con"] * l_con)
        return total, {"score": l_score, "rec": l_rec, "con": l_con}, out

    def contrastive_term(self, xb, targets, weights, zero):
        """The contrastive loss of the batch on (at most ``contrastive_batch_size`` of) its
        rows with a non-zero weight; ``zero`` when fewer than two have one."""
        p, net = self.p, self.net
        rows = torch.nonzero(weights > 0).squeeze(1)  # one host sync for the count and the rows
        if rows.numel() < 2:
            return zero
        limit = p["contrastive_batch_size"]
        if limit is not None and rows.numel() > limit:  # a random subset: the cost is quadratic in it
            gdev = self.generator.device
            rows = rows[torch.randperm(rows.numel(), generator=self.generator, device=gdev)[:limit].to(rows.device)]
        xa = xb[rows]
        with autocast(self.device, self.amp_dtype):
            if p["batch_norm"]:  # each view's own batch statistics
                p1 = net.project(corrupt(xa, p["corruption_rate"], p["noise_std"], self.generator))
                p2 = net.project(corrupt(xa, p["corruption_rate"], p["noise_std"], self.generator))
            else:  # both views in one pass: the same per-row corruption, half the operator calls
                views = corrupt(xa, p["corruption_rate"], p["noise_std"], self.generator, copies=2)
                p1, p2 = net.project(views).chunk(2)
        return contrastive_loss(p1.float(), p2.float(), targets[rows] == 1, weights[rows], p["contrastive"],
                                p["temperature_normal"], p["temperature_anomaly"])

    def update_center(self, z, targets, weights):
        """Running mean of the credible-normal latent codes of the batch."""
        mask = (targets == 0) & (weights > 0)
        if bool(mask.any()):
            with torch.no_grad():
                batch_mean = z.detach()[mask].float().mean(dim=0)
                self.net.center.mul_(_CENTER_MOMENTUM).add_((1 - _CENTER_MOMENTUM) * batch_mean)

    def init_center(self, X, pool):
        """Initialise the centre with the mean latent code of up to 2,048 normal-pool rows."""
        rows = np.sort(self.rng.choice(pool, min(2048, pool.size), replace=False))
        self.net.eval()
        with torch.no_grad():
            z_sum = torch.zeros_like(self.net.center)
            for start, stop in iter_batches(rows.size, self.p["inference_batch_size"]):
                xb = to_device(self.transform(X[rows[start:stop]]), self.device)
                with autocast(self.device, self.amp_dtype):
                    z = self.net.autoencoder.encode(xb)[0]
                z_sum += z.float().sum(dim=0)
            self.net.center.copy_(z_sum / rows.size)
        self.net.train()

    def refresh_rows(self, unlabelled):
        """The unlabelled rows this refresh pseudo-labels: all of them, or above
        ``pseudo_label_rows`` a fresh uniform sample of that many (sorted)."""
        limit = self.p["pseudo_label_rows"]
        if limit is None or unlabelled.size <= limit:
            return unlabelled  # no random draw: fits below the limit are as before, bit for bit
        return np.sort(choice_without_replacement(self.rng, unlabelled, limit))

    def refresh_pseudo_labels(self, X, unlabelled, targets, weights, has_labels):
        """Pseudo-label the unlabelled rows (at most ``pseudo_label_rows`` of them, see
        :meth:`refresh_rows`) from a streamed pass (never n x n); unlabelled rows outside the
        sample get weight 0 until the next refresh. Returns the :class:`PseudoLabels` and the
        ``(anomaly_ratio, normal_ratio)`` used."""
        rows = self.refresh_rows(unlabelled)
        teacher = PSEUDO_LABEL_NETWORK == "average" and self.average is not None
        if not teacher or self.auto_ratios is None:  # the teacher's shares too come from this network
            res = infer(self.net, X, self.transform, self.device, self.p["inference_batch_size"], rows=rows,
                        amp_dtype=self.amp_dtype)
            anomaly_ratio, normal_ratio = self.resolve_ratios(X, unlabelled, res["score"], has_labels)
        if teacher:
            with self.average.swapped():
                res = infer(self.net, X, self.transform, self.device, self.p["inference_batch_size"], rows=rows,
                            amp_dtype=self.amp_dtype)
            anomaly_ratio, normal_ratio = self.resolve_ratios(X, unlabelled, res["score"], has_labels)
        columns = [_VIEW_COLUMNS[v] for v in self.net.views]
        pl = assign_pseudo_labels(res["score"], res["magnitudes"][:, columns], res["alpha"], anomaly_ratio,
                                  normal_ratio, self.p["min_credibility"], use_score=has_labels, device=self.device)
        if rows.size < unlabelled.size:  # the rows left out of the sample sit this round out
            targets[unlabelled] = 0
            weights[unlabelled] = 0.0
        targets[rows] = pl.labels
        weights[rows] = pl.weights
        return pl, (anomaly_ratio, normal_ratio)

    def resolve_ratios(self, X, unlabelled, scores, has_labels):
        """The pseudo-label shares; estimated ones once, at the first refresh.

        ``pseudo_anomaly_ratio='auto'`` takes no pseudo-anomaly when labelled anomalies exist
        and the estimate (the 1% fallback) without them; ``'estimate'`` always takes the
        estimate. The estimate uses the warm-up model, before any pseudo-label has trained
        it: later refreshes would count the model's own pseudo-anomalies as evidence and let
        the share feed on itself.
        """
        p = self.p
        anomaly, normal = p["pseudo_anomaly_ratio"], p["pseudo_normal_ratio"]
        if anomaly == "auto" and has_labels:
            anomaly = 0.0
        if not isinstance(anomaly, str) and not isinstance(normal, str):
            return anomaly, normal
        if self.auto_ratios is None:
            labelled_scores = []  # none: the fixed fallback shares
            if has_labels and p["warmup_epochs"] > 0:  # an untrained network's scores say nothing
                is_labelled = np.ones(X.shape[0], dtype=bool)  # O(n); setdiff1d's sort took 1 s at 1M rows
                is_labelled[unlabelled] = False
                labelled = np.flatnonzero(is_labelled)
                labelled_scores = infer(self.net, X, self.transform, self.device, p["inference_batch_size"],
                                        rows=labelled, outputs=("score",), amp_dtype=self.amp_dtype)["score"]
            self.auto_ratios = auto_ratios(scores, labelled_scores, p["margin"], few_label_bound=self.few_label_bound)
            logger.debug("pseudo-label shares: anomalies %.4f, normals %.3f (hidden anomaly share %s)",
                         *self.auto_ratios)
        anomaly_ratio, normal_ratio, _ = self.auto_ratios
        return (anomaly_ratio if isinstance(anomaly, str) else anomaly,
                normal_ratio if isinstance(normal, str) else normal)

    def hidden_anomaly_share(self):
        """The estimated share of anomalies hidden in the unlabelled set (None: not estimated)."""
        return self.auto_ratios[2] if self.auto_ratios is not None else None

    # -- the loop ----------------------------------------------------------------------
    def fit(self, X, y):
        """Train on host array ``X`` with labels ``y`` (1 labelled anomaly, 0 unlabelled)."""
        p, net = self.p, self.net
        n = X.shape[0]
        labelled = y == 1
        unlabelled = np.flatnonzero(~labelled)
        has_labels = bool(labelled.any())
        targets = labelled.astype(np.int64)
        # the bound draws from its own generator, none of the fit's
        self.warmup_weight, self.warmup_share_bound = resolve_warmup_weight(
            p["warmup_weight"], X, y, self.seed, p["warmup_epochs"], torch.get_num_threads())
        if self.pseudo_labels_on and p["pseudo_normal_ratio"] == "auto":  # the bound draws from none of the fit's generators
            self.few_label_bound = few_label_share_bound(X, y, self.seed, p["warmup_epochs"], torch.get_num_threads())
        weights = np.where(labelled, 1.0, self.warmup_weight if p["warmup_epochs"] > 0 else 1.0)
        batch_size = max(2, min(p["batch_size"], n))
        sampler = BalancedBatchSampler(targets, weights, batch_size, self.rng)
        params = list(net.parameters())
        optimizer = make_adam(params, p["lr"], p["weight_decay"])
        scaler = grad_scaler(self.device, self.amp_dtype)
        active_terms = self.active_terms
        dwa = DynamicWeightAverage(active_terms.size) if p["loss_weighting"] == "dwa" else None
        self.init_center(X, unlabelled)
        average = WeightAverage(net, self.ema_decay) if self.ema_decay > 0 else None
        if average is not None and PSEUDO_LABEL_NETWORK == "average":
            average.keep_start()
        self.average = average
        net.train()
        bar = tqdm(range(p["epochs"]), desc="DASAD", unit="epoch", disable=p["verbose"] < 1, leave=False)
        for epoch in bar:
            if epoch >= p["warmup_epochs"]:
                if self.pseudo_labels_on and (epoch - p["warmup_epochs"]) % p["pseudo_label_interval"] == 0:
                    pl, ratios = self.refresh_pseudo_labels(X, unlabelled, targets, weights, has_labels)
                    entry = {"epoch": epoch, "rows": int(len(pl.labels)),
                             "anomalies": pl.n_anomalies, "normals": pl.n_normals,
                             "uncertain": pl.n_uncertain, "anomaly_ratio": ratios[0], "normal_ratio": ratios[1]}
                    if p["pseudo_labels"] == "auto" and not labels_stand_out(self.hidden_anomaly_share()):
                        # the labelled anomalies do not stand out: unlabelled rows are normals from here on
                        self.pseudo_labels_on = False
                        targets[unlabelled] = 0
                        weights[unlabelled] = 1.0
                        entry.update(rows=int(unlabelled.size), anomalies=0, normals=int(unlabelled.size), uncertain=0,
                                     dropped=True)
                        logger.info("pseudo-labels dropped at epoch %d: the warm-up model scores at least 90%% "
                                    "of the unlabelled rows like the labelled anomalies", epoch)
                    sampler.update(targets, weights)
                    self.pseudo_label_log.append(entry)
                elif not p["pseudo_labels"] and epoch == p["warmup_epochs"]:
                    weights[unlabelled] = 1.0
                    sampler.update(targets, weights)
            term_weights = np.ones(len(LOSS_TERMS))
            if dwa is not None:
                term_weights[active_terms] = dwa.weights()
            sums = np.zeros(len(LOSS_TERMS) + 1)
            for _ in range(p["steps_per_epoch"]):
                idx = sampler.sample()
                xb = to_device(self.transform(X[idx]), self.device)
                tb = torch.from_numpy(targets[idx]).to(self.device)
                wb = torch.from_numpy(weights[idx].astype(np.float32)).to(self.device)
                total, terms, out = self.training_forward(xb, tb, wb, term_weights)
                # the four losses in one host transfer (instead of an isfinite() and four .item())
                values = torch.stack([total.detach().float()]
                                     + [terms[k].detach().float() for k in LOSS_TERMS]).tolist()
                if not math.isfinite(values[0]):
                    raise FloatingPointError(
                        "DASAD's training loss became %s at epoch %d; lower lr or check the "
                        "scale of X (preprocessing='standard' is the default)" % (values[0], epoch))
                for param in params:  # optimizer.zero_grad(set_to_none=True) without its per-call overhead
                    param.grad = None
                if scaler.is_enabled():  # float16 autocast on CUDA
                    scaler.scale(total).backward()
                    scaler.step(optimizer)
                    scaler.update()
                else:
                    total.backward()
                    optimizer.step()
                self.update_center(out.z, tb, wb)
                if average is not None:
                    average.update()
                sums += values
            means = sums / p["steps_per_epoch"]
            if dwa is not None:
                dwa.update(means[1:][active_terms])
            record = {"epoch": epoch, "loss": means[0]}
            record.update({k: means[i + 1] for i, k in enumerate(LOSS_TERMS)})
            self.history.append(record)
            bar.set_postfix({k: "%.3g" % v for k, v in record.items() if k != "epoch"})
            if p["verbose"] >= 2:
                logger.info("epoch %d/%d loss %.4f (score %.4f, rec %.4f, con %.4f)", epoch + 1,
                            p["epochs"], means[0], means[1], means[2], means[3])
        bar.close()
        if average is not None:  # the averaged weights and centre become the fitted network
            average.copy_to_module()
        net.eval()
        return self.history
