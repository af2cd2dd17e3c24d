"""The estimators as drop-ins for scikit-learn's MLPClassifier and MLPRegressor: the API they share.

Each test names the part of scikit-learn's documented API it checks: partial_fit,
warm_start, lbfgs, the learning-rate schedules, sample weights, multilabel targets,
predict_log_proba, sparse input, the fitted attributes, the regressor's loss, and the
held-out quality against scikit-learn's own MLPs with the same settings.
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any

import numpy as np
import pytest
import scipy.sparse
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from playwithnn import TrainingDivergedError
from playwithnn.sklearn import NeuralNetworkClassifier, NeuralNetworkRegressor


def _iris() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


# ------------------------------------------------------------- the same names
@pytest.mark.parametrize(("ours", "theirs"), [(NeuralNetworkClassifier, MLPClassifier),
                                               (NeuralNetworkRegressor, MLPRegressor)])
def test_every_parameter_and_method_of_scikit_learns_mlp_is_here(ours: type, theirs: type) -> None:
    mine, sk = inspect.signature(ours).parameters, inspect.signature(theirs).parameters
    assert list(sk) == list(mine)[:len(sk)]  # the same order, so positional calls mean the same
    for name, parameter in sk.items():
        assert mine[name].default == parameter.default, name
    public = {m for m in dir(theirs) if not m.startswith("_")}
    assert public <= set(dir(ours))


# ------------------------------------------------------------- partial_fit and warm_start
def test_partial_fit_is_one_epoch_and_continues() -> None:
    X, y = _iris()
    params: dict[str, Any] = {"hidden_layer_sizes": (8,), "shuffle": False, "random_state": 0,
                              "learning_rate_init": 0.01}
    stepwise = NeuralNetworkClassifier(**params)
    for _ in range(3):
        stepwise.partial_fit(X, y, classes=[0, 1, 2])
        assert stepwise.n_iter_ == 1
    assert stepwise.t_ == 3 * 150 and len(stepwise.loss_curve_) == 3
    # Three calls of one epoch are one fit of three epochs: the optimizer's state carries over.
    with pytest.warns(ConvergenceWarning):
        at_once = NeuralNetworkClassifier(max_iter=3, **params).fit(X, y)
    for a, b in zip(stepwise.coefs_ + stepwise.intercepts_, at_once.coefs_ + at_once.intercepts_):
        np.testing.assert_array_equal(a, b)
    assert stepwise.loss_curve_ == at_once.loss_curve_


def test_partial_fit_needs_classes_first_and_refuses_unseen_ones() -> None:
    X, y = _iris()
    clf = NeuralNetworkClassifier(hidden_layer_sizes=(4,))
    with pytest.raises(ValueError, match="classes must be passed on the first call to partial_fit"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])  # classes not yet seen are fine
    assert clf.classes_.tolist() == [0, 1, 2] and clf.n_outputs_ == 3
    with pytest.raises(ValueError, match=r"y has classes not in classes_: \[7\]"):
        clf.partial_fit(X[:3], [0, 7, 1])
    with pytest.raises(ValueError, match=r"y holds classes \[2\] that are not in classes=\[0, 1\]"):
        NeuralNetworkClassifier().partial_fit(X, y, classes=[0, 1])


def test_partial_fit_is_hidden_where_scikit_learn_refuses_it() -> None:
    assert not hasattr(NeuralNetworkClassifier(solver="lbfgs"), "partial_fit")
    assert not hasattr(NeuralNetworkRegressor(early_stopping=True), "partial_fit")
    with pytest.raises(AttributeError, match="has no attribute 'partial_fit'") as info:
        NeuralNetworkRegressor(solver="lbfgs").partial_fit  # noqa: B018
    assert "solver='lbfgs' is not one" in str(info.value.__cause__)


def test_warm_start_continues_with_the_optimizers_state() -> None:
    """Two warm fits of 4 epochs are one fit of 8: Adam's moments carry over (scikit-learn resets them)."""
    X, y = _iris()
    params: dict[str, Any] = {"hidden_layer_sizes": (8,), "shuffle": False, "random_state": 0,
                              "n_iter_no_change": np.inf}
    with pytest.warns(ConvergenceWarning):
        warm = NeuralNetworkClassifier(max_iter=4, warm_start=True, **params).fit(X, y)
        first = warm.coefs_[0].copy()
        warm.fit(X, y)
        at_once = NeuralNetworkClassifier(max_iter=8, **params).fit(X, y)
    assert not np.array_equal(first, warm.coefs_[0])
    np.testing.assert_array_equal(warm.coefs_[0], at_once.coefs_[0])
    assert warm.loss_curve_ == at_once.loss_curve_ and warm.n_iter_ == 4 and warm.t_ == 8 * 150
    with pytest.raises(ValueError, match="warm_start needs y with the classes of the previous fit"):
        warm.fit(X[y < 2], y[y < 2])


# ------------------------------------------------------------- lbfgs
def test_lbfgs_fits_a_multi_output_regression() -> None:
    X, Y = make_regression(n_samples=200, n_features=5, n_targets=3, noise=0.0, random_state=0)
    Y = Y / Y.std(axis=0)
    reg = NeuralNetworkRegressor(hidden_layer_sizes=(16,), solver="lbfgs", max_iter=1000,
                                 random_state=0).fit(X, Y)
    assert reg.score(X, Y) > 0.99
    assert 0 < reg.n_iter_ <= 1000 and np.isfinite(reg.loss_)
    # loss_ is the objective at the solution: half the mean squared error plus 0.5 * alpha * |W|^2 / n.
    penalty = 0.5 * reg.alpha * sum(float(np.sum(W**2)) for W in reg.coefs_) / 200
    assert reg.loss_ == pytest.approx(0.5 * np.mean((reg.predict(X) - Y) ** 2) + penalty, rel=1e-9)
    assert not hasattr(reg, "loss_curve_")  # as scikit-learn: a stochastic solver's attribute
    with pytest.warns(ConvergenceWarning, match="L-BFGS failed to converge after 2 iterations"):
        NeuralNetworkRegressor(hidden_layer_sizes=(16,), solver="lbfgs", max_iter=2, random_state=0).fit(X, Y)


def test_lbfgs_classifier_on_iris() -> None:
    X, y = _iris()
    clf = NeuralNetworkClassifier(hidden_layer_sizes=(8,), solver="lbfgs", random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.97


# ------------------------------------------------------------- learning-rate schedules
def test_invscaling_divides_by_the_samples_seen() -> None:
    X, y = _iris()
    with pytest.warns(ConvergenceWarning):
        clf = NeuralNetworkClassifier(hidden_layer_sizes=(4,), solver="sgd", learning_rate="invscaling",
                                      learning_rate_init=0.5, power_t=0.25, max_iter=3, random_state=0)
        clf.fit(X, y)
    assert clf._optimizer_.learning_rate == pytest.approx(0.5 / (3 * 150 + 1) ** 0.25, rel=1e-15)


def test_adaptive_divides_by_five_instead_of_stopping_as_scikit_learn() -> None:
    # tol too large for any improvement: every second epoch would stop; adaptive divides
    # the rate by 5 instead, six times from 0.01 to 1.28e-7 < 1e-6, then stops.
    X, y = _iris()
    params: dict[str, Any] = {"hidden_layer_sizes": (4,), "solver": "sgd", "learning_rate": "adaptive",
                              "learning_rate_init": 0.01, "tol": 1e3, "n_iter_no_change": 1,
                              "random_state": 0}
    ours = NeuralNetworkClassifier(**params).fit(X, y)
    theirs = MLPClassifier(**params).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ == 15
    assert ours._optimizer_.learning_rate == pytest.approx(0.01 / 5**6, rel=1e-12)


# ------------------------------------------------------------- sample weights, classes, outputs
def test_class_weight_is_a_sample_weight_per_class() -> None:
    X, y = _iris()
    params: dict[str, Any] = {"hidden_layer_sizes": (4,), "max_iter": 20, "random_state": 0}
    with pytest.warns(ConvergenceWarning):
        weighted = NeuralNetworkClassifier(class_weight={0: 3.0, 1: 1.0, 2: 1.0}, **params).fit(X, y)
        by_sample = NeuralNetworkClassifier(**params).fit(X, y, sample_weight=np.where(y == 0, 3.0, 1.0))
        plain = NeuralNetworkClassifier(**params).fit(X, y)
    np.testing.assert_array_equal(weighted.coefs_[0], by_sample.coefs_[0])
    assert not np.array_equal(weighted.coefs_[0], plain.coefs_[0])


def test_sample_weights_of_zero_remove_the_samples_under_lbfgs() -> None:
    X, y = _iris()
    weights = np.where(np.arange(150) % 3 == 0, 0.0, 1.0)
    params: dict[str, Any] = {"hidden_layer_sizes": (4,), "solver": "lbfgs", "max_iter": 50,
                              "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = NeuralNetworkClassifier(**params).fit(X, y, sample_weight=weights)
        kept = NeuralNetworkClassifier(**params).fit(X[weights > 0], y[weights > 0])
    # The same objective with its sums in another order: L-BFGS follows the same path to 1e-6.
    np.testing.assert_allclose(weighted.coefs_[0], kept.coefs_[0], rtol=1e-6, atol=1e-8)


def test_multilabel_targets() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] + X[:, 2] > 0, X[:, 3] < 0.5]).astype(int)
    clf = NeuralNetworkClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=300,
                                  random_state=0).fit(X, Y)
    assert clf.classes_.tolist() == [0, 1, 2] and clf.out_activation_ == "logistic" and clf.n_outputs_ == 3
    predicted = clf.predict(X)
    assert predicted.shape == (300, 3) and set(np.unique(predicted)) <= {0, 1}
    assert clf.predict_proba(X).shape == (300, 3)
    assert clf.score(X, Y) > 0.9  # every label right, as scikit-learn's subset accuracy


def test_predict_log_proba_is_the_log_of_predict_proba() -> None:
    X, y = _iris()
    clf = NeuralNetworkClassifier(hidden_layer_sizes=(4,), max_iter=50, random_state=0)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    np.testing.assert_array_equal(clf.predict_log_proba(X), np.log(clf.predict_proba(X)))


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_input_trains_and_predicts_as_dense(fmt: str) -> None:
    X, y = _iris()
    params: dict[str, Any] = {"hidden_layer_sizes": (4,), "max_iter": 20, "random_state": 0}
    with pytest.warns(ConvergenceWarning):
        sparse = NeuralNetworkClassifier(**params).fit(scipy.sparse.csr_matrix(X).asformat(fmt), y)
        dense = NeuralNetworkClassifier(**params).fit(X, y)
    # Sparse and dense products sum in other orders: 1e-10 after 20 epochs.
    np.testing.assert_allclose(sparse.coefs_[0], dense.coefs_[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sparse.predict_proba(scipy.sparse.csr_matrix(X)), dense.predict_proba(X),
                               rtol=1e-10, atol=1e-12)


def test_n_iter_no_change_infinite_runs_every_epoch() -> None:
    X, y = _iris()
    with pytest.warns(ConvergenceWarning):
        clf = NeuralNetworkClassifier(hidden_layer_sizes=(4,), tol=1e3, n_iter_no_change=np.inf, max_iter=30,
                                      random_state=0).fit(X, y)
    assert clf.n_iter_ == 30


# ------------------------------------------------------------- fitted attributes
def test_assigning_coefs_changes_the_predictions() -> None:
    X, y = _iris()
    with pytest.warns(ConvergenceWarning):
        clf = NeuralNetworkClassifier(hidden_layer_sizes=(4,), max_iter=10, random_state=0).fit(X, y)
    clf.coefs_ = [np.zeros_like(W) for W in clf.coefs_]
    clf.intercepts_ = [np.zeros_like(b) for b in clf.intercepts_]
    np.testing.assert_allclose(clf.predict_proba(X), 1 / 3)  # every weight 0: a uniform softmax
    with pytest.raises(ValueError, match="has shape"):
        clf.coefs_ = [np.zeros((2, 2)), np.zeros((4, 3))]


def test_float32_data_gives_float32_weights() -> None:
    X, y = _iris()
    with pytest.warns(ConvergenceWarning):
        clf = NeuralNetworkClassifier(hidden_layer_sizes=(4,), max_iter=5).fit(X.astype(np.float32), y)
        wide = NeuralNetworkClassifier(hidden_layer_sizes=(4,), max_iter=5).fit(X, y)
    assert clf.coefs_[0].dtype == np.float32 and wide.coefs_[0].dtype == np.float64


def test_regressor_loss_is_half_the_squared_error_as_scikit_learns() -> None:
    X, y = load_diabetes(return_X_y=True)
    X, y = StandardScaler().fit_transform(X), (y - y.mean()) / y.std()
    with pytest.warns(ConvergenceWarning):
        reg = NeuralNetworkRegressor(hidden_layer_sizes=(8,), solver="gd", alpha=0.0, max_iter=1,
                                     random_state=0).fit(X, y)
    first = reg.history_.loss[0]
    # The first full-batch epoch's loss is the initial weights': recompute them from the seed.
    from playwithnn import NeuralNetwork

    initial = NeuralNetwork([10, 8, 1], activation="relu", loss="mse", init="glorot",
                            seed=np.random.default_rng(0))
    assert first == pytest.approx(initial.loss(X, y) / 2, rel=1e-12)


def test_poisson_regression() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 3))
    y = rng.poisson(np.exp(0.5 * X[:, 0] - 0.3 * X[:, 1]))
    reg = NeuralNetworkRegressor("poisson", hidden_layer_sizes=(8,), learning_rate_init=0.01, max_iter=300,
                                 random_state=0).fit(X, y)
    assert reg.out_activation_ == "exp" and (reg.predict(X) > 0).all()
    baseline = np.mean(y * np.log(np.maximum(y, 1) / y.mean()) - y + y.mean())
    mu = reg.predict(X)
    deviance = np.mean(np.where(y > 0, y * np.log(np.maximum(y, 1) / mu), 0.0) - y + mu)
    assert deviance < 0.8 * baseline  # better than the constant mean
    with pytest.raises(ValueError, match="loss='poisson' needs non-negative targets"):
        NeuralNetworkRegressor("poisson").fit(X, -np.abs(y) - 1)


# ------------------------------------------------------------- bad input
def test_a_too_small_early_stopping_split_is_refused() -> None:
    X, y = _iris()
    with pytest.raises(ValueError, match=r"validation_fraction=0.1 holds out 1 of 12 samples; early stopping "
                                         r"needs at least 2"):
        NeuralNetworkClassifier(early_stopping=True).fit(X[::50].repeat(4, axis=0), y[::50].repeat(4))


def test_divergence_is_a_value_error_naming_the_epoch() -> None:
    X, _ = _iris()
    with pytest.raises(ValueError, match=r"training diverged at epoch \d+") as info:
        NeuralNetworkRegressor(hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=10.0, momentum=0.9,
                               random_state=0).fit(X * 1e3, X[:, 0] * 1e6)
    assert isinstance(info.value, TrainingDivergedError)


# ------------------------------------------------------------- quality on held-out data
def _median_score(make: Any, X: np.ndarray, y: np.ndarray, stratify: bool) -> float:
    scores = []
    for seed in range(5):
        X_a, X_b, y_a, y_b = train_test_split(X, y, test_size=0.25, random_state=seed,
                                              stratify=y if stratify else None)
        scores.append(make_pipeline(StandardScaler(), make(seed)).fit(X_a, y_a).score(X_b, y_b))
    return float(np.median(scores))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_held_out_scores_are_at_least_scikit_learns(solver: str) -> None:
    """The same settings and seeds, medians over 5 splits, on data no test here tunes to.

    "Within noise": on these sizes one sample is 1/45 to 1/143 of a classification
    test set, and regression R² moves by a few hundredths from split to split; the
    margins are 0.02 (accuracy) and 0.03 (R²).
    """
    params = {"hidden_layer_sizes": (32,), "solver": solver, "max_iter": 200}
    if solver == "adam":
        # L-BFGS takes a (32,) network on 331 samples to a minimum that overfits (R² about -0.5 for
        # both) and moves with the last bits of the BLAS: a comparison of chance, left out.
        X, y = load_diabetes(return_X_y=True)
        y = (y - y.mean()) / y.std()
        ours = _median_score(lambda s: NeuralNetworkRegressor(random_state=s, **params), X, y, False)
        theirs = _median_score(lambda s: MLPRegressor(random_state=s, **params), X, y, False)
        assert ours >= theirs - 0.03, (ours, theirs)
    for load in (load_wine, load_breast_cancer):
        X, y = load(return_X_y=True)
        ours = _median_score(lambda s: NeuralNetworkClassifier(random_state=s, **params), X, y, True)
        theirs = _median_score(lambda s: MLPClassifier(random_state=s, **params), X, y, True)
        assert ours >= theirs - 0.02, (load.__name__, ours, theirs)


def test_a_pickle_between_partial_fits_keeps_the_optimizers_state() -> None:
    """What Dask does between blocks: the estimator travels as a pickle, Adam's moments with it."""
    import pickle

    X, y = _iris()
    params: dict[str, Any] = {"hidden_layer_sizes": (8,), "shuffle": False, "random_state": 0}
    travelled, stayed = NeuralNetworkClassifier(**params), NeuralNetworkClassifier(**params)
    for _ in range(3):
        travelled = pickle.loads(pickle.dumps(travelled.partial_fit(X, y, classes=[0, 1, 2])))
        stayed.partial_fit(X, y, classes=[0, 1, 2])
    np.testing.assert_array_equal(travelled.coefs_[0], stayed.coefs_[0])
    assert len(travelled._optimizer_.state) == 1
