"""Input and parameter validation with messages a user can act on."""
import numbers

import numpy as np

from ._compat import validate_X

VIEW_NAMES = ("latent", "residual", "error")
ATTENTION_MODES = ("learned", "uniform")
TOKEN_NORMS = ("none", "direction", "all")
CONTRASTIVE_MODES = ("asymmetric", "symmetric", "off")
LOSS_WEIGHTINGS = ("fixed", "dwa")
PREPROCESSINGS = ("standard", "minmax", "none")


def check_features(estimator, X, reset):
    """Validate X: 2-D, numeric, finite, non-empty; feature count checked at predict time."""
    dtype = getattr(X, "dtype", None)
    if dtype is not None and getattr(dtype, "kind", None) in ("U", "S"):
        raise TypeError(
            "X contains string values (dtype %s); DASAD needs numeric features, encode "
            "categorical columns first (e.g. sklearn.preprocessing.OneHotEncoder)" % (dtype,)
        )
    if hasattr(X, "dtypes") and hasattr(X, "columns"):  # pandas DataFrame
        from pandas.api.types import is_bool_dtype, is_numeric_dtype

        bad = [str(c) for c, t in zip(X.columns, X.dtypes) if not (is_numeric_dtype(t) or is_bool_dtype(t))]
        if bad:
            raise TypeError(
                "X has non-numeric columns %s; DASAD needs numeric features, encode "
                "categorical columns first" % (bad[:10],)
            )
    try:
        return validate_X(estimator, X, reset=reset)
    except ValueError as exc:
        if "could not convert" in str(exc) or "string" in str(exc):
            raise TypeError(
                "X contains non-numeric values (%s); DASAD needs numeric features" % exc
            ) from None
        raise


def check_labels(y, n_samples):
    """Validate semi-supervised labels: 1-D, length n, values in {0, 1}.

    Returns
    -------
    y : ndarray of int64, or None if ``y`` is None.
    """
    if y is None:
        return None
    y_arr = np.asarray(y)
    if y_arr.ndim == 2 and y_arr.shape[1] == 1:
        y_arr = y_arr.ravel()
    if y_arr.ndim != 1:
        raise ValueError("y must be 1-D of shape (n_samples,), got shape %s" % (y_arr.shape,))
    if y_arr.shape[0] != n_samples:
        raise ValueError(
            "y has %d labels but X has %d samples; they must match" % (y_arr.shape[0], n_samples)
        )
    if y_arr.dtype.kind not in "biuf":
        raise TypeError(
            "y must be numeric with values 1 (labelled anomaly) and 0 (unlabelled); got "
            "dtype %s" % (y_arr.dtype,)
        )
    if y_arr.dtype.kind == "f" and not np.all(np.isfinite(y_arr)):
        raise ValueError("y contains NaN or infinite values; use 0 for unlabelled samples")
    values = np.unique(y_arr)
    bad = [v for v in values.tolist() if v not in (0, 1)]
    if bad:
        raise ValueError(
            "y must contain only 1 (labelled anomaly) and 0 (unlabelled); found other "
            "values %s" % (bad[:10],)
        )
    if n_samples > 0 and np.all(y_arr == 1):
        raise ValueError(
            "every sample in y is a labelled anomaly; DASAD needs unlabelled (mostly "
            "normal) samples too (label them 0)"
        )
    return y_arr.astype(np.int64)


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError("%s must be a positive integer, got %r" % (name, value))
    return int(value)


def check_inference_batch_size(value):
    """``'auto'`` (resolved per device by ``device.resolve_inference_batch_size``) or a
    positive int."""
    if isinstance(value, str):
        if value == "auto":
            return value
        raise ValueError("inference_batch_size must be 'auto' or a positive integer, got %r" % (value,))
    return _positive_int("inference_batch_size", value)


def _positive_int_or_none(name, value):
    return None if value is None else _positive_int(name, value)


def _non_negative_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError("%s must be a non-negative integer, got %r" % (name, value))
    return int(value)


def _non_negative_float(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or value < 0:
        raise ValueError("%s must be a finite number >= 0, got %r" % (name, value))
    return float(value)


def _positive_float(name, value):
    value = _non_negative_float(name, value)
    if value == 0:
        raise ValueError("%s must be > 0, got %r" % (name, value))
    return value


def check_out_of_range_factor(value):
    """None, or a finite number > 1 (so that a training row is never out of range)."""
    if value is None:
        return None
    value = _non_negative_float("out_of_range_factor", value)
    if value <= 1:
        raise ValueError("out_of_range_factor must be None or a number > 1, got %r" % (value,))
    return value


def _interval(low_open, high):
    """``(0, high]`` or ``[0, high]``, as the error messages write it."""
    return "%s0, %s]" % ("(" if low_open else "[", high)


def _fraction(name, value, low_open=True, high=1.0):
    value = _non_negative_float(name, value)
    if (low_open and value <= 0) or value > high:
        raise ValueError("%s must be in %s, got %r" % (name, _interval(low_open, high), value))
    return value


def _fraction_or_auto(name, value, high=1.0, words=("auto",), low_open=True):
    if isinstance(value, str):
        if value not in words:
            raise ValueError("%s must be %s or a number in %s, got %r"
                             % (name, " or ".join(map(repr, words)), _interval(low_open, high), value))
        return value
    return _fraction(name, value, low_open=low_open, high=high)


def _ema_decay(value):
    if isinstance(value, str):
        if value != "auto":
            raise ValueError("ema_decay must be 'auto' or a number in [0, 1), got %r" % (value,))
        return value
    value = _non_negative_float("ema_decay", value)
    if value >= 1:
        raise ValueError("ema_decay must be 'auto' or a number in [0, 1), got %r" % (value,))
    return value


def _pseudo_labels(value):
    """True, False or 'auto' (numpy booleans and 0 / 1 count as booleans)."""
    if isinstance(value, str):
        if value != "auto":
            raise ValueError("pseudo_labels must be True, False or 'auto', got %r" % (value,))
        return value
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, numbers.Integral) and value in (0, 1)):
        return bool(value)
    raise TypeError("pseudo_labels must be True, False or 'auto', got %r" % (value,))


def _choice(name, value, choices):
    if value not in choices:
        raise ValueError("%s must be one of %s, got %r" % (name, choices, value))
    return value


def check_n_jobs(n_jobs):
    """``None``, -1 or a positive integer."""
    if n_jobs is None or (isinstance(n_jobs, numbers.Integral) and not isinstance(n_jobs, bool)
                          and (n_jobs == -1 or n_jobs >= 1)):
        return None if n_jobs is None else int(n_jobs)
    raise ValueError("n_jobs must be None, -1 or a positive integer, got %r" % (n_jobs,))


def resolve_seed(random_state):
    """The integer seed of a fit: ``random_state`` itself when it is an integer in
    ``[0, 2**32)``, one drawn from fresh entropy when it is None, and one derived without
    advancing the generator when it is a ``numpy.random.RandomState``."""
    rs = random_state
    if rs is None:
        return int(np.random.SeedSequence().generate_state(1)[0])
    if isinstance(rs, np.random.RandomState):
        # derive without advancing the caller's generator
        return int(np.random.RandomState(rs.get_state()[1][:1]).randint(0, 2 ** 31 - 1))
    if isinstance(rs, numbers.Integral) and not isinstance(rs, bool):
        if not 0 <= int(rs) < 2 ** 32:
            raise ValueError("random_state must be in [0, 2**32), got %r" % (rs,))
        return int(rs)
    raise ValueError("random_state must be None, an int or a numpy RandomState, got %r" % (rs,))


def check_contamination(contamination):
    """A float in (0, 0.5], or a PyThresh thresholder (an object with ``fit``)."""
    if isinstance(contamination, (numbers.Real,)) and not isinstance(contamination, bool):
        return _fraction("contamination", contamination, high=0.5)
    # PyOD also accepts a PyThresh thresholder object; it needs fit/labels_/thresh_.
    if not hasattr(contamination, "fit"):
        raise ValueError(
            "contamination must be a float in (0, 0.5] or a PyThresh thresholder, got %r"
            % (contamination,)
        )
    return contamination


def check_params(est):
    """Validate every constructor parameter of :class:`~pyod_dasad.DASAD` at fit time.

    Returns a dict of cleaned values (tuples, ints, floats)."""
    p = {}
    p["contamination"] = check_contamination(est.contamination)
    hidden = est.hidden_dims
    if isinstance(hidden, numbers.Integral) and not isinstance(hidden, bool):
        hidden = (hidden,)
    try:
        hidden = tuple(hidden)
    except TypeError:
        raise ValueError("hidden_dims must be a tuple of positive integers, got %r" % (hidden,)) from None
    if len(hidden) == 0:
        raise ValueError("hidden_dims needs at least one hidden layer, got ()")
    p["hidden_dims"] = tuple(_positive_int("hidden_dims[%d]" % i, h) for i, h in enumerate(hidden))
    p["latent_dim"] = _positive_int("latent_dim", est.latent_dim)
    p["token_dim"] = _positive_int("token_dim", est.token_dim)
    if p["token_dim"] < 2:
        raise ValueError("token_dim must be >= 2, got %r" % (est.token_dim,))
    p["projection_dim"] = _positive_int("projection_dim", est.projection_dim)
    p["batch_norm"] = bool(est.batch_norm)
    if not isinstance(est.amp, (bool, np.bool_)):
        raise TypeError("amp must be True or False, got %r" % (est.amp,))
    p["amp"] = bool(est.amp)
    p["epochs"] = _positive_int("epochs", est.epochs)
    p["steps_per_epoch"] = _positive_int("steps_per_epoch", est.steps_per_epoch)
    p["batch_size"] = _positive_int("batch_size", est.batch_size)
    if p["batch_size"] < 2:
        raise ValueError("batch_size must be >= 2 (a balanced batch has two halves), got %r" % (est.batch_size,))
    p["inference_batch_size"] = check_inference_batch_size(est.inference_batch_size)
    p["lr"] = _positive_float("lr", est.lr)
    p["weight_decay"] = _non_negative_float("weight_decay", est.weight_decay)
    p["warmup_epochs"] = _non_negative_int("warmup_epochs", est.warmup_epochs)
    p["warmup_weight"] = _fraction_or_auto("warmup_weight", est.warmup_weight)
    p["pseudo_label_interval"] = _positive_int("pseudo_label_interval", est.pseudo_label_interval)
    p["pseudo_anomaly_ratio"] = _fraction_or_auto("pseudo_anomaly_ratio", est.pseudo_anomaly_ratio, high=0.5,
                                                  words=("auto", "estimate"), low_open=False)
    p["pseudo_normal_ratio"] = _fraction_or_auto("pseudo_normal_ratio", est.pseudo_normal_ratio)
    if not isinstance(p["pseudo_anomaly_ratio"], str) and not isinstance(p["pseudo_normal_ratio"], str) and \
            p["pseudo_anomaly_ratio"] + p["pseudo_normal_ratio"] > 1:
        raise ValueError(
            "pseudo_anomaly_ratio + pseudo_normal_ratio must be <= 1, got %r + %r"
            % (est.pseudo_anomaly_ratio, est.pseudo_normal_ratio)
        )
    p["min_credibility"] = _non_negative_float("min_credibility", est.min_credibility)
    if p["min_credibility"] >= 1:
        raise ValueError("min_credibility must be in [0, 1), got %r" % (est.min_credibility,))
    p["margin"] = _positive_float("margin", est.margin)
    p["lambda_rec"] = _non_negative_float("lambda_rec", est.lambda_rec)
    p["lambda_con"] = _non_negative_float("lambda_con", est.lambda_con)
    p["temperature_normal"] = _positive_float("temperature_normal", est.temperature_normal)
    p["temperature_anomaly"] = _positive_float("temperature_anomaly", est.temperature_anomaly)
    p["corruption_rate"] = _non_negative_float("corruption_rate", est.corruption_rate)
    if p["corruption_rate"] >= 1:
        raise ValueError("corruption_rate must be in [0, 1), got %r" % (est.corruption_rate,))
    p["noise_std"] = _non_negative_float("noise_std", est.noise_std)
    p["pseudo_label_rows"] = _positive_int_or_none("pseudo_label_rows", est.pseudo_label_rows)
    p["out_of_range_factor"] = check_out_of_range_factor(est.out_of_range_factor)
    p["contrastive_batch_size"] = _positive_int_or_none("contrastive_batch_size", est.contrastive_batch_size)
    if p["contrastive_batch_size"] is not None and p["contrastive_batch_size"] < 2:
        raise ValueError("contrastive_batch_size must be None or >= 2, got %r" % (est.contrastive_batch_size,))
    views = est.views
    if isinstance(views, str):
        views = (views,)
    try:
        views = tuple(views)
    except TypeError:
        raise ValueError("views must be a tuple drawn from %s, got %r" % (VIEW_NAMES, est.views)) from None
    if not views:
        raise ValueError("views must name at least one of %s" % (VIEW_NAMES,))
    unknown = [v for v in views if v not in VIEW_NAMES]
    if unknown:
        raise ValueError("views: unknown view(s) %s; choose from %s" % (unknown, VIEW_NAMES))
    if len(set(views)) != len(views):
        raise ValueError("views must not repeat a view, got %r" % (views,))
    p["views"] = tuple(v for v in VIEW_NAMES if v in views)  # canonical order
    p["attention"] = _choice("attention", est.attention, ATTENTION_MODES)
    p["token_norm"] = _choice("token_norm", est.token_norm, TOKEN_NORMS)
    p["view_dropout"] = _non_negative_float("view_dropout", est.view_dropout)
    if p["view_dropout"] >= 1:
        raise ValueError("view_dropout must be in [0, 1), got %r" % (est.view_dropout,))
    p["ema_decay"] = _ema_decay(est.ema_decay)
    p["pseudo_labels"] = _pseudo_labels(est.pseudo_labels)
    p["contrastive"] = _choice("contrastive", est.contrastive, CONTRASTIVE_MODES)
    p["loss_weighting"] = _choice("loss_weighting", est.loss_weighting, LOSS_WEIGHTINGS)
    p["preprocessing"] = _choice("preprocessing", est.preprocessing, PREPROCESSINGS)
    p["verbose"] = _non_negative_int("verbose", est.verbose)
    p["n_jobs"] = check_n_jobs(est.n_jobs)
    return p
