"""Compatibility layer: the oldest stack we support is ADBench's legacy environment
(Python 3.9/3.10, torch 1.12, scikit-learn 1.0.2, pyod 1.0.0, numpy 1.23); the newest is
current (Python 3.11+, torch 2.x, scikit-learn 1.9, pyod 3.x, numpy 2).

Everything that differs between those versions is wrapped here, so the rest of the package
is written once, to the oldest API.
"""
import contextlib
import inspect
import io
import itertools
import os

import numpy as np
import torch

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _sk_validate_data
except ImportError:  # pragma: no cover - exercised in the legacy environment
    _sk_validate_data = None

try:
    from sklearn.utils.validation import check_array as _sk_check_array
except ImportError:  # pragma: no cover
    raise

_FINITE_KW = (
    "ensure_all_finite"
    if "ensure_all_finite" in inspect.signature(_sk_check_array).parameters
    else "force_all_finite"
)


def validate_X(estimator, X, reset):
    """Validate a 2-D numeric feature matrix and record/check ``n_features_in_``.

    Parameters
    ----------
    estimator : BaseEstimator
        The estimator on which ``n_features_in_`` (and ``feature_names_in_``) are set
        (``reset=True``) or checked (``reset=False``).
    X : array-like of shape (n_samples, n_features)
    reset : bool
        True in ``fit``, False at predict time.

    Returns
    -------
    X : ndarray of float32 or float64
    """
    kwargs = {"dtype": (np.float64, np.float32), _FINITE_KW: True, "accept_sparse": False}
    if _sk_validate_data is not None:
        return _sk_validate_data(estimator, X, reset=reset, **kwargs)
    from sklearn.utils.validation import _get_feature_names  # scikit-learn >= 1.0
    names = _get_feature_names(X)
    X = _sk_check_array(X, **kwargs)
    if reset:
        estimator.n_features_in_ = X.shape[1]
        if names is not None:
            estimator.feature_names_in_ = names
        elif hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
    elif X.shape[1] != estimator.n_features_in_:
        raise ValueError("X has %d features, but %s is expecting %d features as input"
                         % (X.shape[1], type(estimator).__name__, estimator.n_features_in_))
    return X


def torch_load_bytes(blob, map_location):
    """Load a state dict saved with :func:`torch.save` from bytes, weights only where
    the installed torch supports it (torch >= 1.13)."""
    buffer = io.BytesIO(blob)
    if "weights_only" in inspect.signature(torch.load).parameters:
        return torch.load(buffer, map_location=map_location, weights_only=True)
    return torch.load(buffer, map_location=map_location)  # pragma: no cover


def torch_save_bytes(obj):
    """Serialise ``obj`` with :func:`torch.save` into bytes."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def make_generator(device, seed):
    """A seeded :class:`torch.Generator` on ``device`` (CPU generator where the device
    has none, e.g. older MPS builds)."""
    try:
        generator = torch.Generator(device=device)
    except RuntimeError:  # pragma: no cover - device without its own generator
        generator = torch.Generator()
    generator.manual_seed(int(seed))
    return generator


@contextlib.contextmanager
def torch_threads(n_threads):
    """Run the block with ``torch.set_num_threads(n_threads)`` and restore the previous
    setting afterwards (``None`` leaves it alone; -1 means every logical CPU)."""
    if n_threads is None:
        yield
        return
    previous = torch.get_num_threads()
    n = (os.cpu_count() or 1) if n_threads == -1 else n_threads
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def mps_available():
    """True if torch has a usable Apple MPS backend (attribute absent in torch < 1.12)."""
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def inference_mode():
    """``torch.inference_mode()`` (torch >= 1.9), else ``torch.no_grad()``."""
    factory = getattr(torch, "inference_mode", None)
    return factory() if factory is not None else torch.no_grad()


TORCH_2 = int(torch.__version__.split(".")[0]) >= 2


def amp_dtype(device):
    """The reduced-precision dtype mixed precision uses on ``device``, or None where DASAD
    does not offer it: bfloat16 on CPU and on GPUs that have it, else float16 on CUDA."""
    if device.type == "cuda":
        is_bf16 = getattr(torch.cuda, "is_bf16_supported", None)
        return torch.bfloat16 if is_bf16 is not None and is_bf16() else torch.float16
    if device.type == "cpu":
        # torch 1.x's CPU autocast trips over mixed bfloat16/float32 in the backward pass
        return torch.bfloat16 if TORCH_2 else None
    return None


def autocast(device, dtype):
    """``torch.autocast`` on ``device`` to ``dtype``; a no-op context when ``dtype`` is None."""
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


def grad_scaler(device, dtype):
    """A loss scaler, enabled only for float16 on CUDA (bfloat16 needs none)."""
    enabled = device.type == "cuda" and dtype == torch.float16
    amp_module = getattr(torch, "amp", None)
    if amp_module is not None and hasattr(amp_module, "GradScaler"):
        try:
            return amp_module.GradScaler(device.type, enabled=enabled)
        except TypeError:  # pragma: no cover - torch 2.0-2.2 signature
            pass
    return torch.cuda.amp.GradScaler(enabled=enabled)


def make_adam(params, lr, weight_decay):
    """Adam with the fastest update this torch offers for the parameters' device: the
    fused kernel (torch >= 2.4 on CPU; CUDA), else the multi-tensor ``foreach`` loop
    (torch >= 1.12), else the per-tensor loop. Same arithmetic; for DASAD's ~40 small
    tensors the fused step is about 5x cheaper than the per-tensor one on CPU."""
    params = list(params)
    accepted = inspect.signature(torch.optim.Adam.__init__).parameters
    for flag in ("fused", "foreach"):
        if flag in accepted:
            try:
                return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay, **{flag: True})
            except (RuntimeError, ValueError, TypeError):  # device not supported by this torch
                continue
    return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)  # pragma: no cover


class WeightAverage:
    """An exponential moving average of a module's floating-point weights and buffers,
    ``w_avg <- decay * w_avg + (1 - decay) * w``, started from their current values.

    :class:`torch.optim.swa_utils.AveragedModel` does the same arithmetic but rebuilds its
    tensor lists on every call: 324 us per update for DASAD's network against 21 us for
    this class's ``update`` (one multi-tensor ``lerp`` over lists built once; CPU, d = 30,
    one thread, other jobs on the machine), which matters at a few milliseconds per
    training step. torch < 2.0 has no multi-tensor
    ``lerp``; there each tensor is updated in turn (the same arithmetic).

    Parameters
    ----------
    module : torch.nn.Module
    decay : float in (0, 1)
    """

    def __init__(self, module, decay):
        self.live = [t.detach() for t in itertools.chain(module.parameters(), module.buffers())
                     if t.is_floating_point()]
        self.average = [t.clone() for t in self.live]
        self.weight = 1.0 - decay
        self.updates = 0
        self._start = None  # the starting values, kept only for :meth:`swapped`
        self._lerp = getattr(torch, "_foreach_lerp_", None)

    def keep_start(self):
        """Keep a copy of the starting values, which :meth:`swapped` needs to take them out
        of the average (call before the first :meth:`update`)."""
        self._start = [t.clone() for t in self.average]

    def update(self):
        """Move the average towards the module's current values."""
        with torch.no_grad():
            if self._lerp is not None:
                self._lerp(self.average, self.live, self.weight)
            else:  # pragma: no cover - exercised in the legacy environment
                for avg, live in zip(self.average, self.live):
                    avg.lerp_(live, self.weight)
        self.updates += 1

    @contextlib.contextmanager
    def swapped(self):
        """Within the block the module holds the average of the values it has taken since
        the start, without the starting values' share (``(avg - decay**t * start) / (1 -
        decay**t)`` after ``t`` updates, as Adam corrects its moments); outside it, its own
        values again. Needs :meth:`keep_start`; with no update yet, the module is left as is."""
        if self._start is None:
            raise RuntimeError("WeightAverage.swapped needs keep_start() before the first update")
        if self.updates == 0:
            yield
            return
        start_share = (1.0 - self.weight) ** self.updates
        with torch.no_grad():
            saved = [t.clone() for t in self.live]
            for live, avg, start in zip(self.live, self.average, self._start):
                live.copy_((avg - start_share * start) / (1.0 - start_share))
        try:
            yield
        finally:
            with torch.no_grad():
                for live, value in zip(self.live, saved):
                    live.copy_(value)

    def copy_to_module(self):
        """Write the averages into the module's tensors, in place."""
        with torch.no_grad():
            for live, avg in zip(self.live, self.average):
                live.copy_(avg)


class SeedTagsMixin:
    """scikit-learn tags of a PyOD detector seeded by ``random_state``: no NaN, ``y``
    optional, non-deterministic only when ``random_state`` is None."""

    def _more_tags(self):  # scikit-learn < 1.6
        return {"allow_nan": False, "requires_y": False, "non_deterministic": self.random_state is None}

    def __sklearn_tags__(self):  # scikit-learn >= 1.6
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags
