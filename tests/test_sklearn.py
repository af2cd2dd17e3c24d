"""The scikit-learn estimators: scikit-learn's own checks, the mapping onto the core, real data."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import textwrap
from functools import partial
from typing import Any

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import parametrize_with_checks

import playwithnn
from playwithnn import Adam, GradientDescent, NeuralNetwork
from playwithnn.metrics import r2_score
from playwithnn.sklearn import NeuralNetworkClassifier, NeuralNetworkRegressor
from playwithnn.training import holdout_split

# Small networks keep scikit-learn's checks fast; every other parameter keeps the
# default's meaning. The variants cover the other solvers, early stopping and float32.
CHECKED_ESTIMATORS = [
    NeuralNetworkClassifier(hidden_layer_sizes=(16,), max_iter=300, random_state=0),
    NeuralNetworkRegressor(hidden_layer_sizes=(16,), max_iter=300, random_state=0),
    NeuralNetworkClassifier(hidden_layer_sizes=(8, 8), solver="sgd", learning_rate_init=0.05,
                            early_stopping=True, validation_fraction=0.3, dtype=np.float32, max_iter=100,
                            random_state=0),
    NeuralNetworkRegressor(hidden_layer_sizes=(16,), solver="gd", activation="tanh",
                           learning_rate_init=0.1, dtype=np.float32, max_iter=300, random_state=0),
    NeuralNetworkRegressor(hidden_layer_sizes=(16,), early_stopping=True, validation_fraction=0.3,
                           learning_rate_init=0.01, max_iter=300, random_state=0),
    NeuralNetworkClassifier(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=200, random_state=0),
    NeuralNetworkRegressor(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=200, random_state=0),
    NeuralNetworkRegressor(hidden_layer_sizes=(8,), solver="sgd", learning_rate="adaptive",
                           learning_rate_init=0.005, max_iter=300, random_state=0),
]


def _expected_failures(estimator: Any) -> dict[str, str]:
    """The checks that these estimators fail by design, each with its reason (scikit-learn's
    own MLPs fail the same ones with these settings)."""
    failures = {}
    if estimator.solver in ("sgd", "adam") or estimator.dtype is not None:
        reason = ("training on shuffled mini-batches, a weight of 2 is not the sample twice (a small "
                  "data set may pass by chance), and in float32 the weighted and the repeated sums round "
                  "apart beyond the check's tolerance; the float64 full-batch solvers 'lbfgs' and 'gd' "
                  "pass, and scikit-learn checks its MLPs with 'lbfgs' too")
        failures["check_sample_weight_equivalence_on_dense_data"] = reason
        failures["check_sample_weight_equivalence_on_sparse_data"] = reason
    return failures

ARRAY_API_SCRIPT = textwrap.dedent("""
    import json, sys, traceback, warnings
    warnings.simplefilter("error")
    from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
    warnings.simplefilter("ignore", ConvergenceWarning)
    from sklearn.utils.estimator_checks import check_array_api_input
    import playwithnn.sklearn
    results = []
    for cls_name, params, keywords in json.loads(sys.stdin.read()):
        estimator = getattr(playwithnn.sklearn, cls_name)(**params)
        try:
            check_array_api_input(cls_name, estimator, **keywords)
            results.append("passed")
        except Exception:
            results.append(traceback.format_exc())
    print(json.dumps(results))
""")


def _check_function(check: Any) -> Any:
    return check.func if isinstance(check, partial) else check


# scikit-learn's two invariance checks compare a method's output on the whole set with its
# output on the rows in another order (check_methods_sample_order_invariance) or one row at a
# time (check_methods_subset_invariance), with a tolerance of about 1e-7 whatever the dtype.
# A matrix product does not compute a row the same way wherever it lies: the BLAS kernel's
# blocks, and so its order of operations, depend on the row's place in the batch and on the
# CPU. In float32 (eps = 1.2e-7) that is a few ulp, at or above the checks' tolerance on some
# CPUs (Haswell's kernel: 4.7e-7 relative where the check allows 1e-7; row by row, 1.2e-7
# absolute where it allows 1.6e-7). For the float32 variants both checks run here instead, on
# the same data, with float32's tolerance.
FLOAT32_INVARIANCE_CHECKS = {"check_methods_sample_order_invariance", "check_methods_subset_invariance"}
# A sum of n terms in another order differs by about n * eps. The checked networks sum at most
# 16 terms per output (16 hidden neurons, or 8 over two layers of 8 and then 3 outputs), and
# the activations and the softmax pass a relative error on about unchanged: 32 * eps = 3.8e-6
# bounds that with room. Measured: at most 2.9e-7 (2.4 eps) over 300 orders.
FLOAT32_RTOL = 32 * float(np.finfo(np.float32).eps)


def _check_float32_invariance(estimator: Any, check_name: str) -> None:
    """scikit-learn's check ``check_name``, with float32's tolerance and 20 seeded orders, not one."""
    X = 3 * np.random.RandomState(0).uniform(size=(20, 3))  # the checks' data
    y = X[:, 0].astype(np.int64)
    if get_tags(estimator).target_tags.positive_only:
        y += 1  # as the checks make it for an estimator that needs positive targets
    fitted = clone(estimator).fit(X, y)
    for method in ("predict", "predict_proba", "decision_function", "transform", "score_samples"):
        if not hasattr(fitted, method):
            continue
        func = getattr(fitted, method)
        whole = func(X)
        if check_name == "check_methods_sample_order_invariance":
            for seed in range(20):
                order = np.random.default_rng(seed).permutation(len(X))
                np.testing.assert_allclose(func(X[order]), whole[order], rtol=FLOAT32_RTOL, atol=1e-9,
                                           err_msg=f"{method} depends on the order of the samples")
        else:
            one_by_one = np.concatenate([np.ravel(func(row[None, :])) for row in X])
            np.testing.assert_allclose(one_by_one, np.ravel(whole), rtol=FLOAT32_RTOL, atol=1e-9,
                                       err_msg=f"{method} of one row differs from the whole set's")


@pytest.fixture(scope="module")
def array_api_results() -> dict[str, str]:
    """Run ``check_array_api_input`` for every checked estimator in one child process.

    scikit-learn skips that check unless ``SCIPY_ARRAY_API=1`` is set before SciPy
    is first imported, which only a fresh interpreter can guarantee.
    """
    jobs = []
    for estimator in CHECKED_ESTIMATORS:
        params = {k: (np.dtype(v).name if k == "dtype" else v) for k, v in estimator.get_params().items()}
        jobs.append((type(estimator).__name__, params,
                     {"array_namespace": "numpy", "expect_only_array_outputs": False}))
    done = subprocess.run(
        [sys.executable, "-c", ARRAY_API_SCRIPT], input=json.dumps(jobs), capture_output=True,
        text=True, env={**os.environ, "SCIPY_ARRAY_API": "1"}, timeout=300, check=True,
    )
    results: list[str] = json.loads(done.stdout)
    return {repr(estimator): result for estimator, result in zip(CHECKED_ESTIMATORS, results)}


# Convergence: the checks train on small random data sets for a few hundred epochs,
# and whether the loss has stopped improving by then is not what they test. The
# warning itself is tested in test_convergence_warning below.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(CHECKED_ESTIMATORS, expected_failed_checks=_expected_failures)
def test_scikit_learn_checks(estimator: Any, check: Any, request: pytest.FixtureRequest) -> None:
    function = _check_function(check)
    if function.__name__ == "check_array_api_input":
        assert check.keywords == {"array_namespace": "numpy", "expect_only_array_outputs": False}
        result = request.getfixturevalue("array_api_results")[repr(estimator)]
        assert result == "passed", result
    elif function.__name__ in FLOAT32_INVARIANCE_CHECKS and np.dtype(estimator.dtype) == np.float32:
        _check_float32_invariance(estimator, function.__name__)
    else:
        check(estimator)


def test_the_core_never_imports_scikit_learn() -> None:
    code = (
        "import sys, playwithnn, playwithnn.io, playwithnn.network, playwithnn.training, "
        "playwithnn.optimizers, playwithnn.layers, playwithnn.losses, playwithnn.activations, "
        "playwithnn.initializers, playwithnn.datasets\n"
        "print(sorted(m for m in sys.modules if m == 'sklearn' or m.startswith('sklearn.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------- the mapping
def _iris() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


#: Settings that train on iris until the loss stops improving (no ConvergenceWarning).
QUICK = {"hidden_layer_sizes": (8,), "learning_rate_init": 0.01, "max_iter": 1000, "random_state": 0}


@pytest.mark.filterwarnings("ignore::playwithnn.TrainingWarning")  # tested in test_diagnostics.py
@pytest.mark.parametrize(
    ("params", "optimizer", "batch_size"),
    [
        ({"solver": "adam", "batch_size": 32, "alpha": 0.01, "beta_1": 0.8, "beta_2": 0.99,
          "epsilon": 1e-6, "learning_rate_init": 0.01},
         Adam(0.01, beta1=0.8, beta2=0.99, epsilon=1e-6), 32),
        ({"solver": "sgd", "batch_size": 50, "momentum": 0.5, "nesterovs_momentum": True,
          "learning_rate_init": 0.05, "dropout": 0.2},
         GradientDescent(0.05, momentum=0.5, nesterov=True), 50),
        ({"solver": "sgd", "batch_size": "auto", "momentum": 0.0, "learning_rate_init": 0.1},
         GradientDescent(0.1), 150),
        ({"solver": "gd", "batch_size": 7, "momentum": 0.9, "nesterovs_momentum": False,
          "activation": "logistic", "init": None, "learning_rate_init": 0.5},
         GradientDescent(0.5, momentum=0.9), 150),
    ],
    ids=["adam", "sgd-nesterov-dropout", "sgd-auto-batch", "gd-ignores-batch_size"],
)
def test_classifier_trains_the_core_network_as_documented(
    params: dict[str, Any], optimizer: Any, batch_size: int
) -> None:
    # The estimator is NeuralNetwork.fit with the documented mapping of parameters:
    # the same seed gives the same weights, bit for bit.
    X, y = _iris()
    params = {"hidden_layer_sizes": (5, 4), "max_iter": 15, "tol": 0.0, "random_state": 7, **params}
    with pytest.warns(ConvergenceWarning):
        clf = NeuralNetworkClassifier(**params).fit(X, y)
    activation = params.get("activation", "relu").replace("logistic", "sigmoid")
    net = NeuralNetwork([4, 5, 4, 3], activation=activation, loss="categorical_crossentropy",
                        init=params.get("init", "glorot"), seed=np.random.default_rng(7))
    Y = np.eye(3)[y]
    history = net.fit(X, Y, epochs=15, optimizer=optimizer, batch_size=batch_size,
                      l2=params.get("alpha", 0.0001), l2_per_sample=True, dropout=params.get("dropout", 0.0))
    assert clf.n_iter_ == 15
    assert clf.loss_curve_ == history.loss
    for W, layer in zip(clf.coefs_, net.layers):
        np.testing.assert_array_equal(W, layer.W)
    for b, layer in zip(clf.intercepts_, net.layers):
        np.testing.assert_array_equal(b, layer.b)


def test_binary_classifier_has_one_sigmoid_output() -> None:
    X, y = _iris()
    labels = np.where(y == 0, "setosa", "other")
    clf = NeuralNetworkClassifier(**QUICK).fit(X, labels)
    assert list(clf.classes_) == ["other", "setosa"]
    assert (clf.n_outputs_, clf.out_activation_, clf.network_.loss_name) == (
        1, "logistic", "binary_crossentropy")
    proba = clf.predict_proba(X)
    p = clf.network_.predict(X)[:, 0]
    np.testing.assert_array_equal(proba[:, 1], p)
    np.testing.assert_array_equal(proba[:, 0], 1 - p)
    np.testing.assert_array_equal(clf.predict(X), np.where(p > 0.5, "setosa", "other"))
    assert clf.score(X, labels) == 1.0  # setosa is linearly separable


def test_multiclass_classifier_has_softmax_outputs() -> None:
    X, y = _iris()
    labels = np.array([3, 7, 10])[y]  # any integers
    clf = NeuralNetworkClassifier(**QUICK).fit(X, labels)
    assert list(clf.classes_) == [3, 7, 10]
    assert (clf.n_outputs_, clf.out_activation_, clf.network_.loss_name) == (
        3, "softmax", "categorical_crossentropy")
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(proba, clf.network_.predict(X))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)  # float64 rounding
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert clf.predict(X).dtype == labels.dtype
    assert clf.score(X, labels) > 0.95


def test_classifier_refuses_one_class_and_continuous_targets() -> None:
    X = np.ones((4, 2))
    with pytest.raises(ValueError, match=r"y has 1 class \('a'\); a classifier needs samples of at least 2"):
        NeuralNetworkClassifier().fit(X, ["a"] * 4)
    with pytest.raises(ValueError, match="Unknown label type"):
        NeuralNetworkClassifier().fit(X, [0.5, 1.5, 2.25, 3.0])


def test_regressor_outputs_follow_the_shape_of_y() -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(60, 2))
    y = X @ np.array([2.0, -1.0]) + 0.5
    # No hidden layer and identity output: linear regression, fitted until the
    # loss stops improving at all (float64 rounding).
    params = {"hidden_layer_sizes": (), "solver": "gd", "learning_rate_init": 0.5, "alpha": 0.0,
              "max_iter": 5000, "tol": 0.0, "random_state": 0}
    reg = NeuralNetworkRegressor(**params).fit(X, y)
    assert reg.predict(X).shape == (60,)
    assert reg.predict(X).dtype == np.float64
    np.testing.assert_allclose(reg.coefs_[0].ravel(), [2.0, -1.0], atol=1e-9)
    np.testing.assert_allclose(reg.intercepts_[0], [0.5], atol=1e-9)
    with pytest.warns(DataConversionWarning):  # a column y is 1-D y, as in scikit-learn
        assert NeuralNetworkRegressor(**params).fit(X, y[:, None]).predict(X).shape == (60,)
    Y2 = np.column_stack([y, -y])
    reg2 = NeuralNetworkRegressor(**params).fit(X, Y2)
    assert reg2.n_outputs_ == 2 and reg2.out_activation_ == "identity"
    assert reg2.predict(X).shape == (60, 2)
    assert reg2.score(X, Y2) > 0.999999


def test_float32_networks() -> None:
    X, y = _iris()
    clf = NeuralNetworkClassifier(**QUICK, dtype=np.float32).fit(X, y)
    assert all(W.dtype == np.float32 for W in clf.coefs_)
    assert clf.predict_proba(X).dtype == np.float32
    reg = NeuralNetworkRegressor(**QUICK, dtype="float32").fit(X[:, 1:], X[:, 0])
    assert reg.network_.dtype == np.float32
    # Predictions in the data's precision, as MLPRegressor's: float32 for float32 data.
    assert reg.predict(X[:, 1:].astype(np.float32)).dtype == np.float32
    assert reg.predict(X[:, 1:]).dtype == np.float64


# ---------------------------------------------------------------- stopping
def test_divergence_is_an_error_and_leaves_the_estimator_unfitted() -> None:
    X, y = load_iris(return_X_y=True)
    reg = NeuralNetworkRegressor(solver="sgd", learning_rate_init=1e3, dtype=np.float32, random_state=0)
    with pytest.raises(playwithnn.TrainingDivergedError, match="training diverged at epoch 2"):
        reg.fit(X, 1e3 * y)
    assert not hasattr(reg, "network_")


def test_convergence_warning() -> None:
    X, y = _iris()
    with pytest.warns(ConvergenceWarning,
                      match=r"NeuralNetworkClassifier: max_iter=5 epochs ran out while the loss was still "
                            r"improving by more than tol=0\.0001; increase max_iter or tol"):
        clf = NeuralNetworkClassifier(max_iter=5, random_state=0).fit(X, y)
    assert clf.n_iter_ == 5


@pytest.mark.parametrize("early_stopping", [False, True])
def test_stops_when_the_loss_stops_improving_by_tol(early_stopping: bool) -> None:
    # With tol larger than any possible improvement, every epoch after the first
    # counts as "no improvement" (of the training loss, or of the validation score
    # with early stopping): it stops after 1 + (n_iter_no_change + 1) epochs, as
    # scikit-learn's rule, and says nothing.
    X, y = _iris()
    clf = NeuralNetworkClassifier(tol=1e3, n_iter_no_change=3, early_stopping=early_stopping,
                                  random_state=0).fit(X, y)
    assert clf.n_iter_ == 5 and clf.t_ == 5 * (135 if early_stopping else 150)
    assert len(clf.loss_curve_) == 5 and clf.loss_ == clf.loss_curve_[-1]
    if early_stopping:
        assert clf.validation_scores_ is not None and len(clf.validation_scores_) == 5
        assert clf.best_validation_score_ == max(clf.validation_scores_)
        assert clf.validation_loss_curve_ is not None and len(clf.validation_loss_curve_) == 5
        assert clf.best_loss_ is None
    else:
        assert clf.validation_scores_ is None and clf.best_validation_score_ is None
        assert clf.best_loss_ == min(clf.loss_curve_)


def _scikit_learn_stop(losses: list[float], tol: float, n_iter_no_change: int) -> int | None:
    """The epoch at which scikit-learn's rule stops, written from its
    ``_update_no_improvement_count``: a loss above the lowest so far minus tol
    counts one more epoch without improvement; more than n_iter_no_change stop."""
    lowest, count = np.inf, 0
    for epoch, loss in enumerate(losses, start=1):
        count = count + 1 if loss > lowest - tol else 0
        lowest = min(lowest, loss)
        if count > n_iter_no_change:
            return epoch
    return None


def _last_improvement_stop(losses: list[float], tol: float, patience: int) -> int | None:
    """The epoch at which the rule measured from the last improvement would stop."""
    reference, wait = np.inf, 0
    for epoch, loss in enumerate(losses, start=1):
        if loss < reference - tol:
            reference, wait = loss, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch
    return None


def test_stops_by_scikit_learns_rule_measured_from_the_lowest_loss() -> None:
    # Full-batch descent on iris: the loss falls steadily by less than tol an epoch
    # long before it stops falling. scikit-learn's rule stops there; measured from the
    # last improvement instead, it would still be training after all these epochs.
    X, y = _iris()
    clf = NeuralNetworkClassifier(hidden_layer_sizes=(8,), solver="gd", learning_rate_init=0.01,
                                  tol=1e-3, n_iter_no_change=5, max_iter=2000, random_state=0).fit(X, y)
    assert clf.n_iter_ == _scikit_learn_stop(clf.loss_curve_, 1e-3, 5) == 156
    assert _last_improvement_stop(clf.loss_curve_, 1e-3, 5 + 1) is None
    assert clf.history_.epochs == 156


def test_without_early_stopping_the_last_weights_are_kept() -> None:
    # Momentum SGD with a large step: the training loss is lowest at epoch 23 and
    # rises after; scikit-learn keeps the last epoch's weights, and so does this.
    X, y = _iris()
    params = {"hidden_layer_sizes": (8,), "solver": "sgd", "momentum": 0.9, "learning_rate_init": 0.05,
              "batch_size": 16, "n_iter_no_change": 3, "random_state": 0}
    clf = NeuralNetworkClassifier(**params).fit(X, y)
    lowest = int(np.argmin(clf.loss_curve_)) + 1
    assert (lowest, clf.n_iter_) == (23, 27)  # n_iter_no_change + 1 epochs after the lowest
    assert clf.best_loss_ == clf.loss_curve_[lowest - 1] < clf.loss_curve_[-1]
    # The weights are those of a plain run of 27 epochs from the same seed.
    net = NeuralNetwork([4, 8, 3], activation="relu", loss="categorical_crossentropy", init="glorot",
                        seed=np.random.default_rng(0))
    net.fit(X, np.eye(3)[y], epochs=27, optimizer=GradientDescent(0.05, momentum=0.9, nesterov=True),
            batch_size=16, l2=0.0001, l2_per_sample=True)
    for W, layer in zip(clf.coefs_, net.layers):
        np.testing.assert_array_equal(W, layer.W)


@pytest.mark.parametrize("cls", [NeuralNetworkClassifier, NeuralNetworkRegressor])
def test_loss_curve_includes_the_l2_penalty(cls: type[Any]) -> None:
    # Full-batch descent: the first epoch's loss is that of the initial weights,
    # the data loss plus 0.5 * alpha * sum(W**2) / batch_size (batch_size = 150).
    X, y = _iris()
    if cls is NeuralNetworkRegressor:
        X, Y, loss = X[:, 1:], X[:, :1], "half_mse"
        y = Y.ravel()
    else:
        Y, loss = np.eye(3)[y], "categorical_crossentropy"
    with pytest.warns(ConvergenceWarning):
        estimator = cls(hidden_layer_sizes=(5,), solver="gd", alpha=3.0, max_iter=1, random_state=0).fit(X, y)
    initial = NeuralNetwork([X.shape[1], 5, Y.shape[1]], activation="relu", loss=loss, init="glorot",
                            seed=np.random.default_rng(0))
    data_loss = initial.loss(X, Y)
    penalty = 0.5 * 3.0 * sum(float(np.sum(layer.W**2)) for layer in initial.layers) / 150
    assert penalty > 1e-3 * data_loss  # far above the tolerance below: its absence would show
    # The same sums in another order: float64 rounding, a few units in the last place.
    np.testing.assert_allclose(estimator.loss_curve_[0], data_loss + penalty, rtol=1e-13)


def test_early_stopping_keeps_the_best_weights() -> None:
    # A learning rate far too large: the validation score soon falls, so the best
    # epoch is not the last, and the weights kept are the best epoch's.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = X[:, 0] - 2 * X[:, 1] + rng.normal(scale=0.5, size=200)
    reg = NeuralNetworkRegressor(hidden_layer_sizes=(32,), solver="sgd", learning_rate_init=0.05,
                                 momentum=0.9, early_stopping=True, validation_fraction=0.25,
                                 n_iter_no_change=5, random_state=3).fit(X, y)
    scores = reg.validation_scores_
    assert scores is not None and reg.best_validation_score_ == max(scores)
    best = int(np.argmax(scores))
    assert best < reg.n_iter_ - 1
    # The held-out samples: the split the estimator drew from its random_state,
    # after the network's initial weights.
    seed = np.random.default_rng(3)
    NeuralNetwork([3, 32, 1], activation="relu", loss="half_mse", init="glorot", seed=seed)
    _, held = holdout_split(200, 0.25, seed)
    assert r2_score(y[held], reg.predict(X[held])) == pytest.approx(scores[best], rel=1e-12)


def test_early_stopping_split_is_stratified() -> None:
    X, y = _iris()
    clf = NeuralNetworkClassifier(hidden_layer_sizes=(4,), max_iter=1, early_stopping=True,
                                  validation_fraction=0.2, random_state=0)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    # The estimator's split, drawn from its random_state after the initial weights:
    # 10 of each class held out.
    seed = np.random.default_rng(0)
    NeuralNetwork([4, 4, 3], activation="relu", loss="categorical_crossentropy", init="glorot", seed=seed)
    kept, held = holdout_split(150, 0.2, seed, stratify=y)
    assert np.bincount(y[held]).tolist() == [10, 10, 10]
    assert len(kept) == 120 and clf.history_.epochs == 1
    assert clf.history_.val_loss[0] == clf.network_.loss(X[held], np.eye(3)[y[held]])


def test_verbose_prints_one_line_per_epoch(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = _iris()
    clf = NeuralNetworkClassifier(tol=1e3, n_iter_no_change=1, verbose=True, random_state=0).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"Iteration {i}, loss = {loss:.8f}" for i, loss in enumerate(clf.loss_curve_, 1)] + [
        "Training loss did not improve more than tol=1000.000000 for 1 consecutive epochs. Stopping."]
    NeuralNetworkClassifier(tol=1e3, n_iter_no_change=1, random_state=0).fit(X, y)
    assert capsys.readouterr() == ("", "")


# ------------------------------------------------------------ parameters
def test_random_state() -> None:
    X, y = _iris()
    fit = partial(NeuralNetworkClassifier(hidden_layer_sizes=(4,), tol=1e3, n_iter_no_change=1).set_params)

    def weights(random_state: Any) -> np.ndarray:
        return fit(random_state=random_state).fit(X, y).coefs_[0].copy()

    np.testing.assert_array_equal(weights(3), weights(3))
    np.testing.assert_array_equal(weights(np.random.RandomState(5)), weights(np.random.RandomState(5)))
    np.testing.assert_array_equal(weights(np.random.default_rng(5)), weights(np.random.default_rng(5)))
    assert not np.array_equal(weights(3), weights(4))
    assert not np.array_equal(weights(None), weights(None))  # fresh entropy each fit


def test_hidden_layer_sizes_as_an_int_or_empty() -> None:
    X, y = _iris()
    quick_stop = {"tol": 1e3, "n_iter_no_change": 1, "random_state": 0}
    clf = NeuralNetworkClassifier(hidden_layer_sizes=7, **quick_stop).fit(X, y)
    assert clf.network_.layer_sizes == [4, 7, 3] and clf.n_layers_ == 3
    clf = NeuralNetworkClassifier(hidden_layer_sizes=(), **quick_stop).fit(X, y)
    assert clf.network_.layer_sizes == [4, 3] and clf.n_layers_ == 2


BAD_PARAMETERS = [
    ({"hidden_layer_sizes": (10, 0)}, ValueError,
     r"hidden_layer_sizes\[1\] must be a positive integer; got 0"),
    ({"hidden_layer_sizes": "10"}, TypeError, "hidden_layer_sizes must be a tuple of integers"),
    ({"hidden_layer_sizes": (2.5,)}, TypeError, r"hidden_layer_sizes\[0\] must be a positive integer"),
    ({"activation": "softplus"}, ValueError,
     "activation must be one of 'logistic', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'identity'; "
     "got 'softplus'"),
    ({"activation": "softmax"}, ValueError, "activation must be one of 'logistic', .*; got 'softmax'"),
    ({"solver": "newton"}, ValueError, "solver must be one of 'lbfgs', 'sgd', 'adam', 'gd'; got 'newton'"),
    ({"solver": ["adam"]}, ValueError, r"solver must be one of 'lbfgs', 'sgd', 'adam', 'gd'; got \['adam'\]"),
    ({"learning_rate": "cosine"}, ValueError,
     "learning_rate must be one of 'constant', 'invscaling', 'adaptive'; got 'cosine'"),
    ({"power_t": -1.0}, ValueError, "power_t must be a non-negative finite number; got -1.0"),
    ({"max_fun": 0}, ValueError, "max_fun must be a positive integer; got 0"),
    ({"warm_start": "no"}, TypeError, "warm_start must be True or False"),
    ({"alpha": -1.0}, ValueError, "alpha must be a non-negative finite number; got -1.0"),
    ({"batch_size": 0}, ValueError, "batch_size must be a positive integer; got 0"),
    ({"batch_size": "big"}, TypeError, "batch_size must be a positive integer; got 'big'"),
    ({"batch_size": -5, "solver": "gd"}, ValueError, "batch_size must be a positive integer; got -5"),
    ({"learning_rate_init": 0.0}, ValueError, "learning_rate_init must be a positive finite number"),
    ({"max_iter": 0}, ValueError, "max_iter must be a positive integer; got 0"),
    ({"tol": float("nan")}, ValueError, "tol must be a non-negative finite number"),
    ({"momentum": 1.0}, ValueError, r"momentum must be in \[0, 1\); got 1.0"),
    ({"nesterovs_momentum": "yes"}, TypeError, "nesterovs_momentum must be True or False"),
    ({"beta_1": 1.0}, ValueError, r"beta_1 must be in \(0, 1\); got 1.0"),
    ({"beta_2": 0.0}, ValueError, r"beta_2 must be in \(0, 1\); got 0.0"),
    ({"epsilon": 0}, ValueError, "epsilon must be a positive finite number; got 0"),
    ({"validation_fraction": 1.0}, ValueError,
     r"validation_fraction must be in \[0, 1\); got 1.0"),
    ({"validation_fraction": 0.0, "early_stopping": True}, ValueError,
     r"validation_fraction must be in \(0, 1\); got 0.0"),
    ({"early_stopping": 1}, TypeError, "early_stopping must be True or False; got 1"),
    ({"shuffle": None}, TypeError, "shuffle must be True or False; got None"),
    ({"n_iter_no_change": 0}, ValueError, "n_iter_no_change must be a positive integer; got 0"),
    ({"dropout": 1.0}, ValueError, r"dropout must be in \[0, 1\); got 1.0"),
    ({"verbose": -1}, ValueError, "verbose must be True, False or a non-negative integer; got -1"),
    ({"random_state": "seed"}, TypeError,
     r"random_state must be None, an integer, a numpy\.random\.RandomState"),
    ({"init": "zeros"}, ValueError, "unknown init 'zeros'"),
    ({"dtype": np.int32}, ValueError, "dtype must be numpy.float32 or numpy.float64; got int32"),
    ({"dtype": "half-precision"}, TypeError, "dtype must be numpy.float32 or numpy.float64"),
]


@pytest.mark.parametrize("cls", [NeuralNetworkClassifier, NeuralNetworkRegressor])
@pytest.mark.parametrize(("params", "error", "match"), BAD_PARAMETERS,
                         ids=[next(iter(p)) + "-" + str(i) for i, (p, _, _) in enumerate(BAD_PARAMETERS)])
def test_bad_parameters_are_refused_in_fit_not_init(
    cls: type[Any], params: dict[str, Any], error: type[Exception], match: str
) -> None:
    X, y = _iris()
    estimator = cls(**params)  # accepted, as scikit-learn's convention asks
    assert estimator.get_params()[next(iter(params))] is next(iter(params.values()))
    with pytest.raises(error, match=match):
        estimator.fit(X, y)
    assert not hasattr(estimator, "network_")


# ------------------------------------------------- scikit-learn machinery
def test_in_a_pipeline_with_grid_search_on_two_processes() -> None:
    X, y = load_iris(return_X_y=True)
    net = NeuralNetworkClassifier(learning_rate_init=0.01, max_iter=1000, random_state=0)
    pipe = Pipeline([("scale", StandardScaler()), ("net", net)])
    search = GridSearchCV(pipe, {"net__hidden_layer_sizes": [(8,), (16,)], "net__alpha": [1e-4, 1e-2]},
                          cv=3, n_jobs=2)
    search.fit(X, y)
    assert set(search.best_params_) == {"net__hidden_layer_sizes", "net__alpha"}
    assert search.best_score_ > 0.95
    # The refitted best pipeline predicts as the same pipeline refitted by hand.
    again = clone(pipe).set_params(**search.best_params_).fit(X, y)
    np.testing.assert_array_equal(search.predict_proba(X), again.predict_proba(X))


def test_cross_val_score_on_both_estimators() -> None:
    X, y = load_iris(return_X_y=True)
    folds = KFold(3, shuffle=True, random_state=0)  # iris is sorted by species
    clf = make_pipeline(StandardScaler(), NeuralNetworkClassifier(**QUICK))
    scores = cross_val_score(clf, X, y, cv=folds)
    assert scores.shape == (3,) and scores.min() > 0.9
    # Petal width from the other three measurements.
    reg = make_pipeline(StandardScaler(), NeuralNetworkRegressor(**QUICK))
    r2 = cross_val_score(reg, X[:, :3], X[:, 3], cv=folds)
    assert r2.min() > 0.9


def test_pandas_dataframes_keep_feature_names() -> None:
    iris = load_iris(as_frame=True)
    X, y = iris.data, iris.target.map(dict(enumerate(iris.target_names)))
    clf = NeuralNetworkClassifier(**QUICK)
    # The scaler hands the classifier a DataFrame too.
    model = make_pipeline(StandardScaler(), clf).set_output(transform="pandas").fit(X, y)
    assert list(model.feature_names_in_) == list(X.columns)
    assert list(clf.feature_names_in_) == list(X.columns)
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    assert model.score(X, y) > 0.95
    renamed = X.rename(columns={X.columns[0]: "something else"})
    with pytest.raises(ValueError, match="The feature names should match those that were passed during fit"):
        clf.predict(renamed)
    # Two targets from a frame: a multi-output regressor.
    targets = X[["petal length (cm)", "petal width (cm)"]]
    features = X[["sepal length (cm)", "sepal width (cm)"]]
    reg = NeuralNetworkRegressor(**QUICK).fit(features, targets)
    assert list(reg.feature_names_in_) == ["sepal length (cm)", "sepal width (cm)"]
    assert reg.predict(features).shape == (150, 2)


def test_fitted_network_saves_to_a_model_file(tmp_path: pathlib.Path) -> None:
    X, y = _iris()
    clf = NeuralNetworkClassifier(**QUICK).fit(X, y)
    clf.network_.metadata["classes"] = clf.classes_.tolist()
    clf.network_.save(tmp_path / "iris.npz")
    net = playwithnn.load(tmp_path / "iris.npz")
    np.testing.assert_array_equal(net.predict(X), clf.predict_proba(X))
    assert net.metadata == {"classes": [0, 1, 2]}


# ----------------------------------------------------------------- real data
def _default_accuracy(loader: Any) -> float:
    X, y = loader(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    model = make_pipeline(StandardScaler(), NeuralNetworkClassifier(random_state=0))
    return float(model.fit(X_train, y_train).score(X_test, y_test))


def test_digits_with_the_default_classifier() -> None:
    # Measured: 0.9756 (439 of 450), in 148 epochs: it converges, no warning.
    # Seeds 0-9 all give 0.9756-0.9822.
    assert _default_accuracy(load_digits) >= 0.97


def test_iris_with_the_default_classifier() -> None:
    # Measured: 0.9737 (37 of 38). 200 epochs of one full batch (112 samples) do
    # not reach tol, so it warns, as scikit-learn's MLPClassifier does here too.
    with pytest.warns(ConvergenceWarning, match="max_iter=200 epochs ran out"):
        accuracy = _default_accuracy(load_iris)
    assert accuracy >= 0.95


def test_the_estimators_take_an_activation_of_your_own() -> None:
    from playwithnn import Activation

    def softsign(z: np.ndarray) -> np.ndarray:
        return z / (1 + np.abs(z))

    act = Activation("softsign", softsign, lambda z: 1 / (1 + np.abs(z)) ** 2, takes="z")
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = NeuralNetworkClassifier(hidden_layer_sizes=(8,), activation=act, solver="lbfgs", random_state=0)
    assert clf.fit(X, y).score(X, y) > 0.95
    assert clf.network_.activation == ["softsign"] and clf.network_.layers[0].activation is act
    assert clone(clf).get_params()["activation"] == act  # a copy of the same functions
    clf.set_params(warm_start=True).fit(X, y)  # the same activation: a warm start is allowed
    reg = NeuralNetworkRegressor(hidden_layer_sizes=(4,), activation=act, max_iter=20, random_state=0)
    with pytest.warns(ConvergenceWarning):
        reg.fit(X[:, :3], X[:, 3])
    softmax = playwithnn.ACTIVATIONS["softmax"]
    with pytest.raises(ValueError, match="activation 'softmax' can only be used in the output layer"):
        NeuralNetworkClassifier(activation=softmax).fit(X, y)
