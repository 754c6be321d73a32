"""pyod_dasad: DASAD (Deviation-Guided Attention for Semi-Supervised Anomaly Detection)
as a PyOD detector.

>>> from pyod_dasad import DASAD
>>> clf = DASAD(random_state=0)          # doctest: +SKIP
>>> clf.fit(X_train, y_train)             # y: 1 = labelled anomaly, 0 = unlabelled  # doctest: +SKIP
>>> clf.decision_function(X_test)         # higher = more abnormal  # doctest: +SKIP
"""
import logging

from .ensemble import DASADEnsemble
from .estimator import DASAD
from .explain import Explanation

__version__ = "0.1.0"
__all__ = ["DASAD", "DASADEnsemble", "Explanation", "__version__"]

logging.getLogger(__name__).addHandler(logging.NullHandler())
