"""The wavelet learners follow the scikit-learn contract: BaseEstimator params, NotFittedError, declared constraints.

scikit-learn's own estimator checks run on both, on tiny settings: every check
on the teacher, and on the distiller the ones that apply (the reason is below).
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from core.errors import InputError
from core.wavelets.distiller import AdaptiveWaveletDistiller
from core.wavelets.teachers import TeacherNet

# fit(X, teacher) takes the teacher network where scikit-learn passes y, so the checks that fit with a y give
# the distiller an array as its teacher and cannot apply; the properties they test (idempotent fits,
# n_features_in_, NotFittedError, clone) are tested below with fit(X). These are the checks that apply:
DISTILLER_CHECKS = (
    "check_estimator_cloneable", "check_estimator_repr", "check_no_attributes_set_in_init",
    "check_parameters_default_constructible", "check_get_params_invariance", "check_set_params",
    "check_do_not_raise_errors_in_init_or_set_params", "check_estimator_tags_renamed", "check_valid_tag_types",
    "check_transformers_unfitted", "check_transformer_n_iter", "check_fit1d", "check_complex_data",
    "check_estimator_sparse_array", "check_estimator_sparse_matrix", "check_mixin_order",
)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")
@parametrize_with_checks([TeacherNet(epochs=2, hidden=4)])
def test_teacher_passes_every_sklearn_estimator_check(estimator, check):
    check(estimator)


@pytest.mark.parametrize("name", DISTILLER_CHECKS)
def test_distiller_passes_the_sklearn_checks_that_apply(name):
    from sklearn.utils import estimator_checks

    est = AdaptiveWaveletDistiller(wavelet="db2", levels=1, gamma=0.0, epochs=1, parametrization="penalty")
    getattr(estimator_checks, name)(type(est).__name__, est)


def _signals(n=40, length=32, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, length)), rng.normal(size=n)


def test_distiller_without_y_is_fitted_idempotent_and_refuses_before_fit():
    X, _ = _signals()
    est = AdaptiveWaveletDistiller(wavelet="db2", levels=2, gamma=0.0, epochs=1, parametrization="penalty")
    with pytest.raises(NotFittedError):
        est.transform(X)
    first = clone(est).fit(X)
    second = clone(est).fit(X)
    np.testing.assert_array_equal(first.filter_, second.filter_)
    assert first.n_features_in_ == X.shape[1] and clone(first).get_params() == est.get_params()
    assert not hasattr(clone(first), "filter_")


def test_teacher_refuses_before_fit_and_checks_the_signal_length():
    X, y = _signals()
    with pytest.raises(NotFittedError):
        TeacherNet().predict(X)
    teacher = TeacherNet(epochs=1, hidden=4).fit(X, y)
    with pytest.raises(InputError, match="X has 31 features, but TeacherNet is expecting 32"):
        teacher.predict(X[:, :31])


@pytest.mark.parametrize("params,message", [
    (dict(lam=-1.0), "lam = -1.0 is not allowed: it must be a number in [0, 1,000,000]"),
    (dict(init_noise=float("inf")), "init_noise = inf is not allowed"),
    (dict(epochs=0), "epochs = 0 is not allowed: it must be a whole number in [1, 10,000]"),
    (dict(mode="symmetric"), "mode = 'symmetric' is not allowed: it must be one of 'zero', 'periodization'"),
    (dict(warm_start=1), "warm_start = 1 is not allowed: it must be True or False"),
])
def test_distiller_parameters_use_the_one_template(params, message):
    X, _ = _signals()
    with pytest.raises(InputError) as err:
        AdaptiveWaveletDistiller(gamma=0.0, **params).fit(X)
    assert err.value.problem.startswith(message), err.value.problem


def test_teacher_parameters_use_the_one_template():
    X, y = _signals()
    with pytest.raises(InputError, match=r"^kind = 'rnn' is not allowed: it must be one of 'mlp', 'cnn', 'lstm'"):
        TeacherNet(kind="rnn").fit(X, y)
    with pytest.raises(InputError, match="validation_fraction = 0.9"):
        TeacherNet(validation_fraction=0.9).fit(X, y)
