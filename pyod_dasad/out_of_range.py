"""The out-of-range guard: scores for rows far outside the training data.

DASAD's score is a learned, piecewise linear map of the network's input. Inside the
training data it ranks what it was trained to rank; far outside it extrapolates along
straight lines whose slope has no reason to be positive: on cardio, a row moved 1,000
standard deviations along one feature scored -42 against a training range of -0.2 to 7.3,
and a float32 overflow inside the network turned a row at 1e20 standard deviations into a
NaN score that ``predict`` read as an inlier. Every training row lies within the training
data's own radius, so such rows are out of range by construction, and their scores are
raised by a rule that needs no training:

- ``distance``: a row's Euclidean distance from the training mean, each feature in
  training standard deviations (a constant feature counts in its own units);
- ``radius``: the largest such distance among the training rows;
- a row is *out of range* when ``distance > factor * radius``, and its score becomes
  ``max(score, top + log(distance / (factor * radius)))``, ``top`` the highest training
  score: a floor above every training row that rises with the distance. The guard never
  lowers a score, so where the network already scores a far row higher, that score stays.

Distances are computed in float64 and in the log domain, chunk by chunk, so that any
finite input gives a finite distance up to float64's own limit.
"""
import numpy as np
from sklearn.preprocessing import StandardScaler

_CHUNK = 65536
#: Floor of the training radius: when every training row is the same, any other row is out
#: of range and its score stays finite (the floor stands in for a radius of 0).
RADIUS_FLOOR = 1e-12
#: Cap of a log distance: a row whose standardised values overflow float64 counts as at
#: float64's largest value, so that its score stays finite.
LOG_DISTANCE_MAX = float(np.log(np.finfo(np.float64).max))


def range_statistics(X, scaler=None, square_norms=None):
    """The centre and per-feature scale of the distances, and the training rows' log radius.

    Parameters
    ----------
    X : ndarray (n, d)
        The training data (finite).
    scaler : StandardScaler or None
        A StandardScaler already fitted on ``X`` (DASAD's default preprocessing), whose
        mean and scale are reused; otherwise one is fitted here, chunk by chunk.
    square_norms : ndarray (n,) or None
        With ``scaler``: the rows' squared norms in its units, recorded while scaling them
        for another pass (the estimator's scoring of the training data), so that ``X`` is
        not scaled a second time.

    Returns
    -------
    center, scale : ndarray (d,)
    log_radius : float
        ``log`` of the largest distance of a training row (``-inf`` when every row is
        the mean).
    """
    if not isinstance(scaler, StandardScaler):
        scaler, square_norms = StandardScaler(), None
        for start in range(0, X.shape[0], _CHUNK):
            scaler.partial_fit(X[start:start + _CHUNK])
    center = np.asarray(scaler.mean_, dtype=np.float64)
    scale = np.asarray(scaler.scale_, dtype=np.float64)  # zero variance -> 1 (sklearn)
    if not X.shape[0]:
        return center, scale, -np.inf
    if square_norms is None:
        distances = log_distances(X, center, scale)
    else:
        distances = log_distances_from_squares(square_norms, X, center, scale)
    return center, scale, float(np.max(distances))


def log_distances(X, center, scale):
    """``log ||(x - center) / scale||`` of every row, in float64, without overflow for any
    finite row whose standardised values are finite (``-inf`` for a row at the centre).

    The squared norm is summed directly (one pass over the chunk); only rows whose sum
    overflows are rescaled by their largest entry first."""
    out = np.empty(X.shape[0], dtype=np.float64)
    a = 1.0 / np.asarray(scale, dtype=np.float64)
    b = -np.asarray(center, dtype=np.float64) / scale  # the same coefficients as the estimator's scaling
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for start in range(0, X.shape[0], _CHUNK):
            z = np.asarray(X[start:start + _CHUNK], dtype=np.float64) * a
            z += b
            out[start:start + z.shape[0]] = log_norms_from_squares(np.einsum("ij,ij->i", z, z), z)
    return out


def log_distances_from_squares(square, X, center, scale):
    """:func:`log_distances` of ``X`` from its rows' squared standardised norms, recorded
    while scaling them; the rows whose square overflowed are recomputed from ``X``."""
    with np.errstate(divide="ignore"):
        log_distance = 0.5 * np.log(square)
    big = ~np.isfinite(square)
    if big.any():
        log_distance[big] = log_distances(X[big], center, scale)
    return log_distance


def log_norms_from_squares(square, z):
    """``0.5 * log(square)``, the rows whose squared norm overflowed recomputed from ``z``
    (their standardised values, float64) after dividing by their largest entry."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        log_norm = 0.5 * np.log(square)
        big = ~np.isfinite(square)
        if big.any():
            zb = np.abs(np.asarray(z[big], dtype=np.float64))
            peak = zb.max(axis=1)
            zb /= peak[:, None]
            log_norm[big] = np.where(np.isinf(peak), np.inf,  # beyond float64 itself
                                     np.log(peak) + 0.5 * np.log(np.einsum("ij,ij->i", zb, zb)))
    return log_norm


def _floored(log_radius):
    """The log radius, at least ``log(RADIUS_FLOOR)``."""
    return max(float(log_radius), float(np.log(RADIUS_FLOOR)))


def guard_scores(scores, log_distance, log_radius, factor, top):
    """Raise the scores of the out-of-range rows (see the module docstring).

    Parameters
    ----------
    scores : ndarray (n,)
        The network's scores (NaN allowed where the network overflowed).
    log_distance : ndarray (n,)
        :func:`log_distances` of the rows.
    log_radius : float
        The training rows' log radius (floored at ``log(RADIUS_FLOOR)``).
    factor : float > 1
    top : float
        The highest training score.

    Returns
    -------
    ndarray (n,)
        The scores, out-of-range rows raised (finite for any finite ``top``); the input
        is not modified.
    """
    log_radius = _floored(log_radius)
    excess = np.minimum(log_distance, LOG_DISTANCE_MAX) - (log_radius + np.log(factor))
    far = excess > 0
    if not far.any():
        return scores
    scores = np.array(scores, dtype=np.float64)
    scores[far] = np.fmax(scores[far], top + excess[far])  # fmax: a NaN score gives way
    return scores


def distance_ratios(log_distance, log_radius):
    """Each row's distance as a multiple of the training radius (floored at
    :data:`RADIUS_FLOOR`), for explanations; capped at float64's largest value."""
    log_radius = _floored(log_radius)
    return np.exp(np.minimum(np.asarray(log_distance, dtype=np.float64) - log_radius, LOG_DISTANCE_MAX))
