"""Per-sample explanations: which deviation cue flagged a sample, and which features."""
import numpy as np

VIEW_LABELS = {
    "latent": "latent deviation ||z - c||",
    "residual": "residual norm ||x - x_hat||",
    "error": "mean hierarchical reconstruction error",
}


class Explanation:
    """What :meth:`DASAD.explain` returns.

    Attributes
    ----------
    scores : ndarray of shape (n_samples,)
        The anomaly scores (same as ``decision_function``).
    views : tuple of str
        The enabled views, in the column order of ``attention``.
    attention : ndarray of shape (n_samples, n_views)
        Per-sample attention weights over the enabled views (rows sum to one).
    magnitudes : ndarray of shape (n_samples, 3)
        Deviation magnitude of each of the three views (``latent``, ``residual``,
        ``error``), computed whether or not the view is enabled.
    magnitude_percentiles : ndarray of shape (n_samples, 3)
        Each magnitude as a percentile (0-100) of the training samples' magnitudes: how
        unusual the deviation is, on a common scale across the three views.
    dominant_view : ndarray of str, shape (n_samples,)
        The enabled view with the largest attention weight.
    top_features : ndarray of shape (n_samples, top_k)
        Indices of the features with the largest absolute reconstruction residual (in
        the detector's preprocessed units: standard deviations with the default
        ``preprocessing='standard'``).
    top_feature_names : ndarray of str, shape (n_samples, top_k)
        Their names (``feature_names_in_`` when the detector was fitted on a DataFrame,
        else ``"x<index>"``).
    top_residuals : ndarray of shape (n_samples, top_k)
        The signed residual ``x - x_hat`` of those features: positive means the value is
        higher than the model expects.
    distance_ratios : ndarray of shape (n_samples,) or None
        Each sample's distance from the training mean (in training standard deviations)
        as a multiple of the farthest training sample's: above ``out_of_range_factor`` the
        sample is out of range, and its score is at least the out-of-range guard's floor
        (None for a model fitted before the guard existed).
    out_of_range : ndarray of bool, shape (n_samples,) or None
        ``distance_ratios > out_of_range_factor`` (None with the guard off).
    """

    magnitude_names = ("latent", "residual", "error")

    def __init__(self, scores, views, attention, magnitudes, magnitude_percentiles, top_features,
                 top_feature_names, top_residuals, distance_ratios=None, out_of_range_factor=None):
        self.scores = scores
        self.views = tuple(views)
        self.attention = attention
        self.magnitudes = magnitudes
        self.magnitude_percentiles = magnitude_percentiles
        self.dominant_view = np.asarray(self.views, dtype=object)[np.argmax(attention, axis=1)]
        self.top_features = top_features
        self.top_feature_names = top_feature_names
        self.top_residuals = top_residuals
        self.distance_ratios = distance_ratios
        self.out_of_range = (None if distance_ratios is None or out_of_range_factor is None
                             else np.asarray(distance_ratios) > out_of_range_factor)

    def __len__(self):
        return len(self.scores)

    def __repr__(self):
        return "Explanation(n_samples=%d, views=%s, top_k=%d)" % (
            len(self), self.views, self.top_features.shape[1])

    def to_frame(self):
        """One row per sample as a :class:`pandas.DataFrame` (needs pandas)."""
        import pandas as pd

        data = {"score": self.scores, "dominant_view": self.dominant_view}
        for j, v in enumerate(self.views):
            data["attention_" + v] = self.attention[:, j]
        for j, v in enumerate(self.magnitude_names):
            data["magnitude_" + v] = self.magnitudes[:, j]
            data["percentile_" + v] = self.magnitude_percentiles[:, j]
        for k in range(self.top_features.shape[1]):
            data["feature_%d" % (k + 1)] = self.top_feature_names[:, k]
            data["residual_%d" % (k + 1)] = self.top_residuals[:, k]
        if self.distance_ratios is not None:
            data["distance_ratio"] = self.distance_ratios
        if self.out_of_range is not None:
            data["out_of_range"] = self.out_of_range
        return pd.DataFrame(data)

    def describe(self, i):
        """A one-paragraph, human-readable explanation of sample ``i``."""
        parts = ", ".join("%s %.2f" % (v, self.attention[i, j]) for j, v in enumerate(self.views))
        feats = ", ".join("%s (%+.2f)" % (name, r) for name, r in zip(self.top_feature_names[i], self.top_residuals[i]))
        pct = ", ".join("%s %.0f%%" % (v, self.magnitude_percentiles[i, j]) for j, v in enumerate(self.magnitude_names))
        text = ("score %.3f; attention: %s (dominant: %s); deviation percentiles vs training: %s; "
                "largest residuals: %s" % (self.scores[i], parts, self.dominant_view[i], pct, feats))
        if self.out_of_range is not None and self.out_of_range[i]:
            text += ("; out of range: %.3g times as far from the training mean as the farthest training "
                     "sample, so the score is at least the out-of-range floor" % self.distance_ratios[i])
        return text
