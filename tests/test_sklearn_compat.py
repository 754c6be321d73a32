"""scikit-learn's estimator checks, with the failures every correct PyOD detector has
listed and explained (as imbalanced-learn does)."""
import numpy as np
import pytest
import sklearn
from sklearn.utils.estimator_checks import parametrize_with_checks

from pyod_dasad import DASAD, DASADEnsemble
from _dasad_helpers import FAST

_SKLEARN_VERSION = tuple(int(p) for p in sklearn.__version__.split(".")[:2])
if _SKLEARN_VERSION < (1, 6):  # pragma: no cover - legacy environment
    pytest.skip("expected_failed_checks needs scikit-learn >= 1.6", allow_module_level=True)

# PyOD's conventions differ from scikit-learn's outlier-detector conventions on purpose:
# predictions are 0 (inlier) / 1 (outlier) and scores are higher = more abnormal, while
# scikit-learn expects -1/+1 and lower = more abnormal.
_PYOD = ("PyOD convention: predict returns 0/1 (1 = outlier) and decision_function is higher "
         "for outliers; scikit-learn expects -1/+1 and lower for outliers")
PYOD_CONVENTION = {
    "check_outliers_train": _PYOD,
    "check_outliers_fit_predict": _PYOD,
    "check_outlier_corruption": _PYOD,
}
# scikit-learn feeds these checks multiclass targets (0, 1, 2, ...). DASAD's y is the
# semi-supervised label (1 = labelled anomaly, 0 = unlabelled) and anything else is
# rejected by design (tests/test_estimator.py::test_bad_y). The same checks run below on
# LabelMappedDASAD, which only maps y to {0, 1}, so none of them goes unchecked.
_Y = "sklearn passes multiclass y; DASAD rejects labels outside {0, 1} by design"
MULTICLASS_Y = {name: _Y for name in (
    "check_classifier_data_not_an_array", "check_dict_unchanged", "check_dont_overwrite_parameters",
    "check_dtype_object", "check_estimators_dtypes", "check_estimators_fit_returns_self",
    "check_estimators_overwrite_params", "check_f_contiguous_array_estimator", "check_fit2d_1feature",
    "check_fit2d_predict1d", "check_fit_score_takes_y", "check_methods_sample_order_invariance",
    "check_methods_subset_invariance", "check_n_features_in_after_fitting",
    "check_positive_only_tag_during_fit", "check_readonly_memmap_input",
)}
CHECK_PARAMS = dict(FAST, epochs=2, steps_per_epoch=2, random_state=0)


def _binary(y):
    """scikit-learn's multiclass check targets mapped to {0, 1} (y == 1), never all ones."""
    if y is not None:
        y = (np.asarray(y) == 1).astype(int)
        if y.all():
            y[:] = 0
    return y


class LabelMappedDASAD(DASAD):
    """DASAD with scikit-learn's multiclass check targets mapped to {0, 1} (y == 1)."""

    def fit(self, X, y=None):
        return super().fit(X, _binary(y))


@parametrize_with_checks([DASAD(**CHECK_PARAMS)],
                         expected_failed_checks=lambda est: {**PYOD_CONVENTION, **MULTICLASS_Y})
def test_sklearn_checks(estimator, check):
    check(estimator)


# float32 network: a different batch composition changes BLAS blocking, so scores of a
# subset agree with the full-batch scores to ~1e-6, not the 1e-7 this check demands;
# tests/test_estimator.py::test_subset_and_order_invariance checks it at 1e-5.
FLOAT32 = {"check_methods_subset_invariance": "float32 inference agrees to ~1e-6, check wants 1e-7"}


@parametrize_with_checks([LabelMappedDASAD(**CHECK_PARAMS)],
                         expected_failed_checks=lambda est: {**PYOD_CONVENTION, **FLOAT32})
def test_sklearn_checks_with_binary_labels(estimator, check):
    check(estimator)


class LabelMappedEnsemble(DASADEnsemble):
    """DASADEnsemble with scikit-learn's multiclass check targets mapped to {0, 1} (y == 1)."""

    def fit(self, X, y=None):
        return super().fit(X, _binary(y))


# the ensemble's members are DASAD networks: the same conventions and label rules apply
@parametrize_with_checks([DASADEnsemble(n_estimators=2, base_estimator=DASAD(**CHECK_PARAMS), random_state=0)],
                         expected_failed_checks=lambda est: {**PYOD_CONVENTION, **MULTICLASS_Y})
def test_sklearn_checks_ensemble(estimator, check):
    check(estimator)


@parametrize_with_checks([LabelMappedEnsemble(n_estimators=2, base_estimator=DASAD(**CHECK_PARAMS),
                                              random_state=0)],
                         expected_failed_checks=lambda est: {**PYOD_CONVENTION, **FLOAT32})
def test_sklearn_checks_ensemble_with_binary_labels(estimator, check):
    check(estimator)
