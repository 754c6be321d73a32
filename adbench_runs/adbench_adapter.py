"""DASAD as a custom model for ADBench 0.1.11's own runner (``adbench.run.RunPipeline``).

ADBench takes a *class*, builds it as ``Class(seed=<numpy.int64>, model_name='Customized')``,
calls ``fit(X_train=..., y_train=...)`` by keyword and ``predict_score(X_test)``; ``y_train``
holds 1 for a labelled anomaly and 0 for an unlabelled sample (all zeros when ``la=0``).
:class:`ADBenchDASAD` wraps :class:`pyod_dasad.DASAD` in that contract.

Importing this module is cheap: it imports neither adbench, tensorflow nor torch;
``pyod_dasad`` (and so torch) is imported on the first ``fit``. The module runs on ADBench's
legacy stack (Python 3.10, numpy 1.23, scikit-learn 1.0.2, pyod 1.0.0, torch 1.12.1) as well
as on the current one.

Examples
--------
Inside ADBench's environment (see ``.ci/adbench_env.sh``)::

    from adbench.run import RunPipeline
    from adbench_runs.adbench_adapter import ADBenchDASAD

    pipeline = RunPipeline(suffix='DASAD', parallel='semi-supervise',
                           realistic_synthetic_mode=None, noise_type=None)
    results = pipeline.run(dataset='6_cardio', clf=ADBenchDASAD)

With DASAD parameters other than the defaults, pass a configured subclass::

    results = pipeline.run(dataset='6_cardio', clf=ADBenchDASAD.configure(epochs=10))
"""
from __future__ import annotations

import logging
import operator

import numpy as np

logger = logging.getLogger(__name__)

__all__ = ["ADBenchDASAD"]


class ADBenchDASAD:
    """ADBench custom-model wrapper around :class:`pyod_dasad.DASAD`.

    Parameters
    ----------
    seed : int or numpy.integer
        Random seed ADBench passes (a ``numpy.int64``); forwarded to DASAD as
        ``random_state`` (as a Python ``int``) unless ``random_state`` is given in
        ``dasad_params``.
    model_name : str, default='Customized'
        Name ADBench passes; kept for its bookkeeping only.
    **dasad_params
        Keyword arguments for :class:`pyod_dasad.DASAD` (``epochs``, ``batch_size``,
        ``device``, ...). ADBench itself passes none; use :meth:`configure` to bake them
        into a class.

    Attributes
    ----------
    model_ : pyod_dasad.DASAD
        The fitted detector (set by :meth:`fit`).

    Examples
    --------
    >>> import numpy as np
    >>> from adbench_runs.adbench_adapter import ADBenchDASAD
    >>> rng = np.random.RandomState(0)
    >>> X = rng.rand(200, 5); y = np.zeros(200, dtype=int); y[:5] = 1
    >>> model = ADBenchDASAD(seed=np.int64(1), epochs=2, steps_per_epoch=5).fit(X_train=X, y_train=y)
    >>> model.predict_score(X).shape
    (200,)
    """

    def __init__(self, seed, model_name="Customized", **dasad_params):
        self.seed = seed
        self.model_name = model_name
        self.dasad_params = dasad_params

    @classmethod
    def configure(cls, **dasad_params):
        """Return a subclass whose instances use ``dasad_params`` by default.

        ADBench builds the model class itself with only ``seed`` and ``model_name``, so
        parameters have to travel with the class.

        Parameters
        ----------
        **dasad_params
            Keyword arguments for :class:`pyod_dasad.DASAD`.

        Returns
        -------
        type
            A subclass of the class it is called on.
        """
        defaults = dict(cls._default_params())
        defaults.update(dasad_params)
        suffix = ",".join("%s=%r" % item for item in sorted(dasad_params.items()))
        return type(
            "%s[%s]" % (cls.__name__, suffix),
            (cls,),
            {"_default_params": classmethod(lambda _cls: dict(defaults)), "__module__": cls.__module__},
        )

    @classmethod
    def _default_params(cls):
        return {}

    def _resolved_params(self):
        params = self._default_params()
        params.update(self.dasad_params)
        if "random_state" not in params:
            if self.seed is None:
                params["random_state"] = None
            else:
                try:
                    params["random_state"] = operator.index(self.seed)
                except TypeError:
                    raise TypeError(
                        "seed must be an integer (ADBench passes numpy.int64) or None, "
                        "got %r of type %s" % (self.seed, type(self.seed).__name__)
                    ) from None
        return params

    def fit(self, X_train, y_train=None):
        """Fit DASAD on ADBench's training split.

        Parameters
        ----------
        X_train : array-like of shape (n_samples, n_features)
        y_train : array-like of shape (n_samples,) or None
            1 = labelled anomaly, 0 = unlabelled; None or all zeros for no labels.

        Returns
        -------
        self : ADBenchDASAD
        """
        from pyod_dasad import DASAD  # imported here so the module import stays cheap

        params = self._resolved_params()
        logger.debug("fitting DASAD(%s) for ADBench model %r", params, self.model_name)
        self.model_ = DASAD(**params).fit(X_train, y_train)
        return self

    def predict_score(self, X):
        """Anomaly scores for ``X`` (higher = more abnormal).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,), float64
        """
        model = getattr(self, "model_", None)
        if model is None:
            raise RuntimeError("ADBenchDASAD is not fitted yet; call fit(X_train, y_train) first")
        return np.asarray(model.decision_function(X), dtype=np.float64).reshape(-1)

    def __repr__(self):
        params = self._default_params()
        params.update(self.dasad_params)
        extra = "".join(", %s=%r" % item for item in sorted(params.items()))
        return "%s(seed=%r, model_name=%r%s)" % (type(self).__name__, self.seed, self.model_name, extra)
