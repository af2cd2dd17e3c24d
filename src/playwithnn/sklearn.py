r"""scikit-learn estimators over :class:`~playwithnn.NeuralNetwork`: drop-ins for its MLPs.

:class:`NeuralNetworkClassifier` and :class:`NeuralNetworkRegressor` take every
parameter of scikit-learn's :class:`~sklearn.neural_network.MLPClassifier` and
:class:`~sklearn.neural_network.MLPRegressor`, with the same meaning, and train
this package's network with its own :meth:`~playwithnn.NeuralNetwork.fit`. They
work in pipelines, grid searches and cross-validation, with NumPy arrays, SciPy
sparse matrices and pandas DataFrames, and on data larger than memory through
``partial_fit`` (``dask_ml.wrappers.Incremental`` drives it over a chunked
``dask.array``).

scikit-learn is an optional dependency (``pip install playwithnn[sklearn]``):
only this module imports it.

Training, as in scikit-learn's multi-layer perceptron:

- ``solver="adam"`` (default) and ``"sgd"`` train on shuffled mini-batches of
  ``batch_size`` (``"auto"``: ``min(200, n_samples)``); ``"sgd"`` uses
  ``momentum``, ``nesterovs_momentum`` and the ``learning_rate`` schedule.
  ``"lbfgs"`` minimizes the full-batch loss with SciPy's L-BFGS-B on the
  network's parameter vector, with the network's own gradient. ``"gd"`` (not in
  scikit-learn) is the tutorial's full-batch gradient descent, with momentum.
- The loss: the cross-entropy (the classifier), half the mean squared error or
  half the Poisson deviance (the regressor), each a weighted mean with
  ``sample_weight``; plus ``0.5 * alpha * sum(W**2) / n``, ``n`` the batch's size.
- Training stops after ``max_iter`` epochs, or earlier once the training loss
  has failed to fall ``tol`` below its lowest for more than ``n_iter_no_change``
  epochs; with ``early_stopping=True``, once the score (accuracy or R²) of a
  held-out ``validation_fraction`` has failed to rise ``tol`` above its best, and
  the best epoch's weights are kept. ``learning_rate="adaptive"`` divides the
  rate by 5 instead of stopping, until it falls below 1e-6.
- A :class:`~sklearn.exceptions.ConvergenceWarning` says when ``max_iter`` ran out first.

Where these estimators differ from scikit-learn's (the README's migration table):
``warm_start`` and ``partial_fit`` keep the optimizer's state (Adam's moments,
the momentum), which scikit-learn resets at every ``fit``; a diverging fit raises
:class:`~playwithnn.TrainingDivergedError`, a ``ValueError`` that names the epoch;
the classifier takes ``class_weight``; ``dropout``, ``init`` and ``dtype`` are ours.

Model files: ``clf.save(path)`` writes a fitted estimator with its feature names
and classes, and ``playwithnn.save(pipeline, path)`` a fitted pipeline with its
scalers, imputers and one-hot encoders too (:func:`to_model`); ``playwithnn.load``
and ``playwithnn predict`` read them back and predict what they predict.

>>> import numpy as np
>>> from playwithnn.sklearn import NeuralNetworkClassifier
>>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]] * 10)
>>> y = np.array(["no", "yes", "yes", "no"] * 10)
>>> clf = NeuralNetworkClassifier(hidden_layer_sizes=(8,), activation="tanh",
...                               learning_rate_init=0.1, random_state=0).fit(X, y)
>>> clf.classes_
array(['no', 'yes'], dtype='<U3')
>>> clf.predict([[0, 1], [1, 1]])
array(['yes', 'no'], dtype='<U3')
"""

from __future__ import annotations

import copy
import math
import numbers
import os
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, NoReturn

import numpy as np
import scipy.optimize
from numpy.typing import NDArray
from sklearn import get_config
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from ._arrays import (
    NUMPY,
    device_of,
    float_dtype,
    is_array,
    namespace,
    numpy_dtype,
    take_rows,
    to_namespace,
    to_numpy,
)
from ._validation import (
    check_float_dtype,
    check_fraction,
    check_non_negative_float,
    check_positive_float,
    check_positive_int,
    check_sample_weight,
)
from .activations import ACTIVATIONS, Activation
from .metrics import accuracy, predicted_class, r2_score
from .model import Model
from .network import NeuralNetwork
from .optimizers import Adam, GradientDescent, Optimizer
from .preprocessing import Encoding, Preprocessing
from .training import History, TrainingDivergedError, holdout_split

Array = NDArray[np.floating]

#: Activation names for the hidden layers, to the network's: scikit-learn's
#: ``"logistic"`` for the sigmoid, then every core activation a hidden layer can use.
_ACTIVATIONS = {"logistic": "sigmoid"} | {
    name: name for name, activation in ACTIVATIONS.items() if activation.hidden
}
_SOLVERS = ("lbfgs", "sgd", "adam", "gd")
_STOCHASTIC = ("sgd", "adam", "gd")
_SCHEDULES = ("constant", "invscaling", "adaptive")


def _seed_from(random_state: Any) -> int | None:
    """An integer seed from scikit-learn's ``random_state`` (None: fresh entropy)."""
    if random_state is None:
        return None
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(np.iinfo(np.int32).max))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**63 - 1))
    if not isinstance(random_state, bool) and isinstance(random_state, numbers.Integral):
        return int(random_state)
    raise TypeError(
        "random_state must be None, an integer, a numpy.random.RandomState or a "
        f"numpy.random.Generator; got {random_state!r}"
    )


def _namespace(X: Any) -> Any:
    """``X``'s array namespace under scikit-learn's array API dispatch (PyTorch, CuPy, ...), else NumPy's.

    With ``sklearn.set_config(array_api_dispatch=True)`` the network trains and predicts where
    ``X`` lives, and the results come back there, as scikit-learn's array API estimators do;
    without it scikit-learn turns ``X`` into a NumPy array. Labels and targets are handled on
    the host.
    """
    if get_config()["array_api_dispatch"] and is_array(X) and not isinstance(X, np.ndarray):
        return namespace(X)
    return NUMPY


def _rows(X: Any, rows: NDArray[np.intp]) -> Any:
    """``X[rows]`` for the NumPy indices ``rows``, wherever ``X`` lives (a sparse matrix too)."""
    if isinstance(X, np.ndarray) or not is_array(X):
        return X[rows]
    return take_rows(X, to_namespace(rows, namespace(X), device_of(X)), namespace(X))


def _can_train_incrementally(estimator: Any) -> bool:
    """Whether ``partial_fit`` exists: for the stochastic solvers, without early stopping.

    scikit-learn hides it for ``solver="lbfgs"`` and refuses ``early_stopping=True``
    when it is called; here it is hidden for both, with the reason.
    """
    if estimator.solver == "lbfgs":
        raise AttributeError("partial_fit is only available for the stochastic solvers "
                             "('sgd', 'adam', 'gd'); solver='lbfgs' is not one")
    if bool(estimator.early_stopping):
        raise AttributeError("partial_fit does not support early_stopping=True: one epoch at a time "
                             "has no held-out set to stop on")
    return True


def _choice(value: Any, name: str, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r:.60}")
    return value


class _Evaluation(Optimizer):
    """An optimizer whose step changes nothing: ``train_step`` then only computes the loss and
    its gradient, for L-BFGS, which makes its own updates."""

    def __init__(self) -> None:
        super().__init__(learning_rate=1.0)

    def step(self, params: list[Array], grads: list[Array]) -> None:
        """Leave the parameters as they are."""


class _ScikitLearnRule:
    """After every epoch: scikit-learn's fitted attributes, learning-rate schedule and stopping rule.

    A callback of :meth:`NeuralNetwork.fit`; returning ``False`` stops training.
    The count of epochs without improvement lives on the estimator, so that it
    carries over ``warm_start`` and ``partial_fit`` calls as in scikit-learn.
    """

    def __init__(self, estimator: _BaseNeuralNetwork, optimizer: Optimizer, n_train: int,
                 validation: tuple[Any, Any, Array | None] | None) -> None:
        self.est, self.optimizer, self.n_train, self.validation = estimator, optimizer, n_train, validation
        self.stopped = False
        self.best_parameters: list[Array] | None = None

    def __call__(self, epoch: int, history: History, net: NeuralNetwork) -> bool | None:
        est: Any = self.est
        est.n_iter_ += 1
        est.t_ += self.n_train
        est.loss_ = history.loss[-1]
        est.loss_curve_.append(est.loss_)
        if est.validation_loss_curve_ is not None and history.val_loss:
            est.validation_loss_curve_.append(history.val_loss[-1])
        if est.verbose:
            print(f"Iteration {est.n_iter_}, loss = {est.loss_:.8f}")
        tol = est.tol
        if self.validation is not None:
            score = est._score_network(net, *self.validation)
            est.validation_scores_.append(score)
            if est.verbose:
                print(f"Validation score: {score:f}")
            est._no_improvement_count = 0 if score >= est.best_validation_score_ + tol \
                else est._no_improvement_count + 1
            if score > est.best_validation_score_:
                est.best_validation_score_ = score
                self.best_parameters = [to_numpy(p).copy() for p in net.parameters()]
        else:
            est._no_improvement_count = 0 if est.loss_ <= est.best_loss_ - tol \
                else est._no_improvement_count + 1
            est.best_loss_ = min(est.best_loss_, est.loss_)
        schedule = est.learning_rate if est.solver == "sgd" else "constant"
        if schedule == "invscaling":  # η = η0 / (t + 1)^power_t, t the samples seen so far
            self.optimizer.learning_rate = est.learning_rate_init / (est.t_ + 1) ** est.power_t
        if est._no_improvement_count > est.n_iter_no_change:
            what = "Validation score" if self.validation is not None else "Training loss"
            message = f"{what} did not improve more than tol={tol:f} for {est.n_iter_no_change} " \
                      "consecutive epochs."
            if schedule == "adaptive" and self.optimizer.learning_rate > 1e-6:
                self.optimizer.learning_rate /= 5
                est._no_improvement_count = 0
                if est.verbose:
                    print(f"{message} Setting learning rate to {self.optimizer.learning_rate:f}")
                return None
            if est.verbose:
                print(f"{message} Stopping.")
            self.stopped = True
            return False
        return None


class _BaseNeuralNetwork(BaseEstimator):  # type: ignore[misc]
    """What the classifier and the regressor share: parameters, checks and training."""

    #: The network's loss, set by the subclass.
    _loss = "half_mse"
    network_: NeuralNetwork
    classes_: NDArray[Any]
    _optimizer_settings_: tuple[Any, ...]
    _y_ndim: int

    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: str | Activation = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: int | np.random.RandomState | np.random.Generator | None = None,
        tol: float = 1e-4,
        verbose: bool | int = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int | float = 10,
        max_fun: int = 15000,
        dropout: float = 0.0,
        init: str | None = "glorot",
        dtype: type[np.floating[Any]] | str | None = None,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dropout = dropout
        self.init = init
        self.dtype = dtype

    # ------------------------------------------------------------- checks
    def _hidden_sizes(self) -> list[int]:
        sizes: Any = self.hidden_layer_sizes
        if not isinstance(sizes, bool) and isinstance(sizes, numbers.Integral):
            sizes = [sizes]
        if isinstance(sizes, (str, bytes)) or not isinstance(sizes, (Sequence, np.ndarray)):
            raise TypeError(
                f"hidden_layer_sizes must be a tuple of integers such as (100,) or (64, 32); "
                f"got {self.hidden_layer_sizes!r}"
            )
        return [check_positive_int(n, f"hidden_layer_sizes[{i}]") for i, n in enumerate(sizes)]

    def _check_flag(self, name: str) -> bool:
        value = getattr(self, name)
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False; got {value!r}")
        return bool(value)

    def _network_activation(self) -> Activation:
        """The hidden layers' activation: an :class:`~playwithnn.Activation` as given, or the named one."""
        if isinstance(self.activation, Activation):
            return self.activation
        return ACTIVATIONS[_ACTIVATIONS[self.activation]]

    def _check_parameters(self) -> None:
        """Every parameter, whichever the solver uses, as scikit-learn checks them in ``fit``."""
        _choice(self.solver, "solver", _SOLVERS)
        if isinstance(self.activation, Activation):  # one of your own, checked when it was made
            if not self.activation.hidden:
                raise ValueError(f"activation {self.activation.name!r} can only be used in the output layer")
        else:
            _choice(self.activation, "activation", tuple(_ACTIVATIONS))
        _choice(self.learning_rate, "learning_rate", _SCHEDULES)
        self._hidden_sizes()
        for name in ("learning_rate_init", "epsilon"):
            check_positive_float(getattr(self, name), name)
        for name in ("alpha", "tol", "power_t"):
            check_non_negative_float(getattr(self, name), name)
        for name in ("max_iter", "max_fun"):
            check_positive_int(getattr(self, name), name)
        if not (isinstance(self.n_iter_no_change, float) and self.n_iter_no_change == math.inf):
            check_positive_int(self.n_iter_no_change, "n_iter_no_change")
        for name in ("beta_1", "beta_2"):
            check_fraction(getattr(self, name), name, allow_zero=False)
        check_fraction(self.validation_fraction, "validation_fraction", allow_zero=not self.early_stopping)
        check_fraction(self.momentum, "momentum")
        check_fraction(self.dropout, "dropout")
        for name in ("shuffle", "warm_start", "nesterovs_momentum", "early_stopping"):
            self._check_flag(name)
        if isinstance(self.verbose, float) or not isinstance(self.verbose, (bool, numbers.Integral)) \
                or self.verbose < 0:
            raise ValueError(f"verbose must be True, False or a non-negative integer; got {self.verbose!r}")
        if not (isinstance(self.batch_size, str) and self.batch_size == "auto"):
            check_positive_int(self.batch_size, "batch_size")
        if self.dtype is not None:
            check_float_dtype(self.dtype, "dtype")

    def _optimizer(self) -> Optimizer:
        """A new optimizer for the solver."""
        if self.solver == "adam":
            return Adam(self.learning_rate_init, beta1=self.beta_1, beta2=self.beta_2, epsilon=self.epsilon)
        return GradientDescent(self.learning_rate_init, momentum=self.momentum,
                               nesterov=bool(self.nesterovs_momentum) and self.momentum > 0)

    def _optimizer_settings(self) -> tuple[Any, ...]:
        """What the optimizer is built from: a warm start keeps its state only while these stay."""
        return (self.solver, self.learning_rate_init, self.momentum, bool(self.nesterovs_momentum),
                self.beta_1, self.beta_2, self.epsilon)

    def _batch_size(self, n_samples: int) -> int:
        """Samples per batch: ``n_samples`` for ``"gd"``, else ``batch_size`` (at most ``n_samples``)."""
        if self.solver == "gd":
            return n_samples
        if isinstance(self.batch_size, str):
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(f"batch_size={self.batch_size} is more than the {n_samples} training samples; "
                          "it is clipped to them", UserWarning, stacklevel=4)
        return min(int(self.batch_size), n_samples)

    def _validate_Xy(self, X: Any, y: Any, *, reset: bool, **options: Any) -> Any:
        xp = _namespace(X)
        dtype = [xp.float64, xp.float32] if self.dtype is None \
            else float_dtype(xp, check_float_dtype(self.dtype, "dtype"))
        X, y = validate_data(self, X, y, reset=reset, dtype=dtype, accept_sparse=["csr", "csc"], **options)
        return X, to_numpy(y) if is_array(y) else y  # labels and targets: on the host

    # ------------------------------------------------------------- training
    def _fit(self, X: Any, Y: Array, sample_weight: Any, *, first_pass: bool, incremental: bool,
             stratify: NDArray[Any] | None) -> None:
        """Build the network on a first pass, then train it on ``X`` (n_samples, n_features) ->
        ``Y`` (n_samples, n_outputs): one epoch when ``incremental``, else up to ``max_iter``."""
        self._check_parameters()
        weights = check_sample_weight(sample_weight, X.shape[0])
        weights = None if weights is None else weights.astype(numpy_dtype(X.dtype))
        rng = np.random.default_rng(_seed_from(self.random_state))
        if first_pass:
            net = NeuralNetwork(
                [X.shape[1], *self._hidden_sizes(), Y.shape[1]],
                activation=self._network_activation(), loss=self._loss, init=self.init, seed=rng,
                dtype=numpy_dtype(X.dtype), device=device_of(X) if _namespace(X) is not NUMPY else None,
            )
            self.n_layers_ = len(net.layers) + 1
            self.n_outputs_ = Y.shape[1]
            self.t_ = 0
            self._no_improvement_count = 0
            if self.solver in _STOCHASTIC:
                self.loss_curve_: list[float] = []
                self.validation_scores_: list[float] | None = [] if self.early_stopping else None
                self.validation_loss_curve_: list[float] | None = [] if self.early_stopping else None
                self.best_validation_score_: float | None = -np.inf if self.early_stopping else None
                self.best_loss_: float | None = None if self.early_stopping else np.inf
            self._optimizer_ = self._optimizer()
        else:
            net = self.network_
            sizes = [X.shape[1], *self._hidden_sizes(), Y.shape[1]]
            if sizes != net.layer_sizes or any(a != self._network_activation().name for a in net.activation):
                raise ValueError(f"the fitted network is {net.layer_sizes} with {net.activation[:1]} hidden "
                                 f"layers; X, y, hidden_layer_sizes and activation now ask for {sizes} with "
                                 f"{self.activation!r}: fit without warm_start to start a new network")
            net.rng = rng if self.random_state is not None else net.rng
            if self._optimizer_settings() != self._optimizer_settings_:
                self._optimizer_ = self._optimizer()  # another solver or its settings: a fresh state
            elif not incremental:  # a warm start picks up the schedule from the start
                self._optimizer_.learning_rate = self.learning_rate_init
        self._optimizer_settings_ = self._optimizer_settings()
        self.n_iter_ = 0
        with np.errstate(all="ignore"):  # divergence is reported by the network, not by NumPy
            if self.solver == "lbfgs":
                self._fit_lbfgs(net, X, Y, weights)
            else:
                self._fit_stochastic(net, X, Y, weights, incremental, stratify, rng)
        if not all(np.isfinite(to_numpy(p)).all() for p in net.parameters()):
            raise TrainingDivergedError("the solver produced non-finite weights; scale the data or lower "
                                        "learning_rate_init")
        self.network_ = net

    def _fit_stochastic(self, net: NeuralNetwork, X: Any, Y: Array, weights: Array | None,
                        incremental: bool, stratify: NDArray[Any] | None, rng: np.random.Generator) -> None:
        validation = None
        if self.early_stopping:
            kept, held = holdout_split(X.shape[0], self.validation_fraction, rng,
                                       stratify=stratify, name="validation_fraction")
            if len(held) < 2:
                raise ValueError(f"validation_fraction={self.validation_fraction} holds out {len(held)} of "
                                 f"{X.shape[0]} samples; early stopping needs at least 2: increase "
                                 "validation_fraction or the data")
            validation = (_rows(X, held), Y[held], None if weights is None else weights[held])
            X, Y, weights = _rows(X, kept), Y[kept], None if weights is None else weights[kept]
        batch_size = self._batch_size(X.shape[0])
        rule = _ScikitLearnRule(self, self._optimizer_, X.shape[0], validation)
        history = net.fit(
            X, Y, epochs=1 if incremental else self.max_iter, optimizer=self._optimizer_,
            batch_size=batch_size, l2=self.alpha, l2_per_sample=True, dropout=self.dropout,
            shuffle=bool(self.shuffle), sample_weight=weights, callbacks=rule,
            validation_data=validation,
            diagnose=False,  # scikit-learn's MLPs warn of convergence only; so do these drop-ins
        )
        self.history_ = history
        if history.interrupted and not rule.stopped and history.epochs < self.max_iter and not incremental:
            warnings.warn("Training interrupted by user.", UserWarning, stacklevel=4)
        if rule.best_parameters is not None:  # early stopping: the best validation score's weights
            net.set_parameters(rule.best_parameters)
        if not incremental and not rule.stopped and self.n_iter_ == self.max_iter:
            warnings.warn(
                f"{type(self).__name__}: max_iter={self.max_iter} epochs ran out while the "
                f"{'validation score' if self.early_stopping else 'loss'} was still improving by more "
                f"than tol={self.tol}; increase max_iter or tol", ConvergenceWarning, stacklevel=4)

    def _fit_lbfgs(self, net: NeuralNetwork, X: Any, Y: Array, weights: Array | None) -> None:
        """SciPy's L-BFGS-B on ``net.parameter_vector``, with the network's loss and gradient.

        Each evaluation is one ``train_step`` on the whole data whose optimizer
        changes nothing: it leaves the loss's gradient in ``net.gradient_vector``,
        and L-BFGS makes the update itself.
        """
        l2 = self.alpha / (X.shape[0] if weights is None else float(weights.sum()))
        evaluation = _Evaluation()
        where = namespace(net.parameter_vector), device_of(net.parameter_vector)
        X, Y = net.check_Xy(X, Y)  # where the network computes, once
        weights = None if weights is None else to_namespace(weights, *where)

        def loss_and_gradient(theta: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
            net.parameter_vector[...] = on_network(theta)
            try:
                loss, _ = net.train_step(X, Y, evaluation, l2=l2, sample_weight=weights)
            except TrainingDivergedError:  # a step too far: L-BFGS's line search steps back
                return math.inf, np.zeros_like(theta)
            return float(loss), to_numpy(net.gradient_vector).astype(np.float64)

        def on_network(theta: NDArray[np.float64]) -> Any:  # SciPy's vector, where the network is
            return to_namespace(theta.astype(net.dtype), *where)

        result = scipy.optimize.minimize(
            loss_and_gradient, to_numpy(net.parameter_vector).astype(np.float64), method="L-BFGS-B", jac=True,
            options={"maxfun": self.max_fun, "maxiter": self.max_iter, "gtol": self.tol},
        )
        net.parameter_vector[...] = on_network(result.x)
        self.n_iter_ = int(result.nit)
        self.loss_ = float(result.fun)
        if result.status != 0:
            warnings.warn(f"{type(self).__name__}: L-BFGS failed to converge after {self.n_iter_} "
                          f"iterations ({result.message}); increase max_iter or max_fun, or scale the data",
                          ConvergenceWarning, stacklevel=4)

    def _score_network(self, net: NeuralNetwork, X: Any, Y: Array, weights: Array | None) -> float:
        """The score early stopping watches: accuracy for the classifier, R² for the regressor."""
        raise NotImplementedError

    # ------------------------------------------------------------- fitted state
    @property
    def coefs_(self) -> list[Array]:
        """``coefs_[i]``: the live weight matrix ``W`` of layer ``i + 1``, shape ``(n_in, n_out)``.

        Assigning a list of arrays of the same shapes changes the network's weights.
        """
        check_is_fitted(self, "network_")
        return [layer.W for layer in self.network_.layers]

    @coefs_.setter
    def coefs_(self, arrays: Sequence[Any]) -> None:
        check_is_fitted(self, "network_")
        params = [p for W, b in zip(arrays, self.intercepts_) for p in (W, b)]
        if len(arrays) != len(self.network_.layers):
            raise ValueError(f"coefs_ needs {len(self.network_.layers)} arrays, one per layer; "
                             f"got {len(arrays)}")
        self.network_.set_parameters(params)

    @property
    def intercepts_(self) -> list[Array]:
        """``intercepts_[i]``: the live bias vector ``b`` of layer ``i + 1``, shape ``(n_out,)``.

        Assigning a list of arrays of the same shapes changes the network's biases.
        """
        check_is_fitted(self, "network_")
        return [layer.b for layer in self.network_.layers if layer.b is not None]

    @intercepts_.setter
    def intercepts_(self, arrays: Sequence[Any]) -> None:
        check_is_fitted(self, "network_")
        if len(arrays) != len(self.network_.layers):
            raise ValueError(f"intercepts_ needs {len(self.network_.layers)} arrays, one per layer; "
                             f"got {len(arrays)}")
        self.network_.set_parameters([p for W, b in zip(self.coefs_, arrays) for p in (W, b)])

    def _network_output(self, X: Any) -> Array:
        """The fitted network's output for ``X``, checked as scikit-learn does."""
        check_is_fitted(self, "network_")
        dtype = float_dtype(_namespace(X), self.network_.dtype)
        X = validate_data(self, X, reset=False, dtype=dtype, accept_sparse=["csr", "csc"])
        return self.network_.predict(X)  # where X is

    # ------------------------------------------------------------- files
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the fitted estimator to the model file ``path``, with its feature names and classes.

        The file holds the model :func:`to_model` makes of the estimator: the
        network, the names of the features (``feature_names_in_`` after a
        DataFrame, else ``x0``, ``x1``, ...) and a classifier's ``classes_``.
        :func:`playwithnn.load` gives back a :class:`~playwithnn.model.Model`
        that predicts what the estimator predicts, and the command line's
        ``playwithnn predict`` reads the file. Same as ``playwithnn.save(self, path)``;
        to keep a pipeline's preprocessing too, save the pipeline:
        ``playwithnn.save(pipeline, path)``.

        Parameters
        ----------
        path : str or os.PathLike
            Where to write, atomically (see :func:`playwithnn.save`); an existing
            file is replaced.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before ``fit``.
        ValueError
            For a multilabel classifier, which a model file cannot describe.
        OSError
            If the file cannot be written.

        Examples
        --------
        >>> import os, tempfile
        >>> import numpy as np
        >>> import playwithnn
        >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]] * 5)
        >>> y = np.array(["cold", "warm", "warm", "hot"] * 5)
        >>> clf = NeuralNetworkClassifier(hidden_layer_sizes=(8,), solver="lbfgs",
        ...                               random_state=0).fit(X, y)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = os.path.join(folder, "clf.npz")
        ...     clf.save(path)
        ...     model = playwithnn.load(path)
        >>> model.classes
        ['cold', 'hot', 'warm']
        >>> bool((model.predict(X) == clf.predict(X)).all())
        True
        """
        to_model(self).save(path)


_PARAMETERS_DOC = """
    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Units of each hidden layer; ``()`` for none.
    activation : {"relu", "tanh", "logistic", "identity", "leaky_relu"} or Activation, default="relu"
        Activation of the hidden layers (``"logistic"`` is the sigmoid), or your own
        :class:`~playwithnn.Activation`.
    solver : {"adam", "sgd", "lbfgs", "gd"}, default="adam"
        Adam or momentum SGD on mini-batches, L-BFGS on the whole data (scikit-learn's
        advice for small data), or full-batch gradient descent (the tutorial's).
    alpha : float, default=0.0001
        L2 penalty ``0.5 * alpha * sum(W**2) / n`` on the weights, ``n`` the batch's size.
    batch_size : int or "auto", default="auto"
        Samples per mini-batch, at most ``n_samples``; ``"auto"`` is ``min(200, n_samples)``.
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        The schedule of ``"sgd"``: constant; ``learning_rate_init / (t + 1) ** power_t``
        after each epoch, ``t`` the samples seen; or divided by 5 each time the
        stopping rule would stop, until it is below 1e-6.
    learning_rate_init : float, default=0.001
    power_t : float, default=0.5
    max_iter : int, default=200
        Most epochs (L-BFGS: most iterations).
    shuffle : bool, default=True
    random_state : int, RandomState, Generator or None, default=None
        Seeds the initial weights, the shuffles, dropout and the validation split.
    tol : float, default=1e-4
    verbose : bool or int, default=False
        Print the loss of each epoch (and the validation score) to standard output.
    warm_start : bool, default=False
        ``fit`` continues from the fitted network, with the optimizer's state.
    momentum : float in [0, 1), default=0.9
    nesterovs_momentum : bool, default=True
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the samples (stratified for a classifier),
        stop when their score stops improving, and keep the best epoch's weights.
    validation_fraction : float in (0, 1), default=0.1
    beta_1, beta_2 : float in (0, 1), default=0.9, 0.999
    epsilon : float, default=1e-8
    n_iter_no_change : int or numpy.inf, default=10
        Epochs without an improvement of ``tol`` tolerated; ``numpy.inf`` never stops early.
    max_fun : int, default=15000
        Most loss evaluations of L-BFGS.
    dropout : float in [0, 1), default=0.0
        Inverted dropout on the hidden layers while training (not with L-BFGS).
    init : {"glorot", "he", "uniform"} or None, default="glorot"
        Initial weights (:mod:`playwithnn.initializers`); ``None`` picks by activation.
    dtype : numpy.float32, numpy.float64 or None, default=None
        The network's floating-point type; ``None``: float32 for float32 data, else float64.
"""

_ATTRIBUTES_DOC = """
    network_ : NeuralNetwork
        The trained network. ``network_.save(path)`` writes the bare network; the
        estimator's own :meth:`save` writes it with the feature names and class
        labels, and ``playwithnn.save(pipeline, path)`` with a pipeline's
        preprocessing too (:func:`to_model`), so that ``playwithnn.load`` and
        ``playwithnn predict`` predict what the estimator or the pipeline predicts.
    coefs_, intercepts_ : list of ndarray
        Each layer's live ``W`` of shape ``(n_in, n_out)`` and ``b`` of shape ``(n_out,)``;
        assigning new lists changes the network.
    loss_ : float
        The loss of the last epoch (L-BFGS: of the solution), with the L2 penalty.
    loss_curve_ : list of float
        The loss of every epoch, over every ``fit`` and ``partial_fit`` (stochastic solvers).
    best_loss_ : float or None
        The lowest of ``loss_curve_`` (``None`` with ``early_stopping``).
    validation_scores_ : list of float or None
        The held-out score of every epoch with ``early_stopping``.
    best_validation_score_ : float or None
        The best of them, whose weights were kept.
    validation_loss_curve_ : list of float or None
        The held-out loss of every epoch with ``early_stopping`` (not in scikit-learn).
    history_ : History
        What the network recorded in the last ``fit`` or ``partial_fit``.
    t_ : int
        Training samples seen.
    n_iter_ : int
        Epochs of the last ``fit`` (L-BFGS: iterations).
    n_layers_, n_outputs_ : int
    out_activation_ : str
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when ``X`` was a DataFrame with string column names.
"""


class NeuralNetworkClassifier(ClassifierMixin, _BaseNeuralNetwork):  # type: ignore[misc]
    __doc__ = f"""A neural-network classifier: binary, multi-class or multilabel.

    Two classes: one sigmoid output and binary cross-entropy, the output is the
    probability of ``classes_[1]``. More classes: one softmax output per class and
    categorical cross-entropy. A 2-D indicator ``y`` (multilabel): one sigmoid
    output per label. See the :mod:`module <playwithnn.sklearn>` for how training
    proceeds.
{_PARAMETERS_DOC}    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, multiplied into ``sample_weight`` (not in scikit-learn's MLP).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels, sorted (multilabel: the label columns ``0 .. n_labels - 1``).
{_ATTRIBUTES_DOC}
    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = NeuralNetworkClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01,
    ...                               max_iter=1000, random_state=0)
    >>> model = make_pipeline(StandardScaler(), clf)
    >>> model.fit(X, y).score(X, y) > 0.95
    True
    >>> model[-1].predict_proba(X[:1]).shape
    (1, 3)
    """

    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: str | Activation = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: int | np.random.RandomState | np.random.Generator | None = None,
        tol: float = 1e-4,
        verbose: bool | int = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int | float = 10,
        max_fun: int = 15000,
        dropout: float = 0.0,
        init: str | None = "glorot",
        dtype: type[np.floating[Any]] | str | None = None,
        class_weight: dict[Any, float] | str | None = None,
    ) -> None:
        super().__init__(
            hidden_layer_sizes, activation, solver=solver, alpha=alpha, batch_size=batch_size,
            learning_rate=learning_rate, learning_rate_init=learning_rate_init, power_t=power_t,
            max_iter=max_iter, shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum, nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping, validation_fraction=validation_fraction, beta_1=beta_1,
            beta_2=beta_2, epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
            dropout=dropout, init=init, dtype=dtype,
        )
        self.class_weight = class_weight

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> NeuralNetworkClassifier:
        """Train a network on samples ``X`` and labels ``y``.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), or (n_samples, n_labels) of 0/1 for multilabel
            Labels of any type (integers, strings, ...), at least two distinct.
        sample_weight : array-like of shape (n_samples,), optional
            Weights of the samples in the loss.

        Returns
        -------
        self : NeuralNetworkClassifier

        Raises
        ------
        ValueError, TypeError
            If a parameter or the data is not valid; the message names which.
        playwithnn.TrainingDivergedError
            If the loss became NaN or infinite (try a smaller ``learning_rate_init``).
        """
        first_pass = not (self.warm_start and hasattr(self, "network_"))
        return self._fit_classes(X, y, sample_weight, first_pass=first_pass, incremental=False)

    @available_if(_can_train_incrementally)  # type: ignore[untyped-decorator]
    def partial_fit(self, X: Any, y: Any, classes: Any = None, sample_weight: Any = None
                    ) -> NeuralNetworkClassifier:
        """One epoch over ``X``, ``y``, continuing from the fitted network and optimizer.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
        classes : array-like of shape (n_classes,), optional
            Every class ``y`` may hold, over all calls; needed on the first call.
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        self : NeuralNetworkClassifier
        """
        first_pass = not hasattr(self, "network_")
        if first_pass and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit")
        return self._fit_classes(X, y, sample_weight, first_pass=first_pass, incremental=True,
                                 classes=classes)

    def _fit_classes(self, X: Any, y: Any, sample_weight: Any, *, first_pass: bool, incremental: bool,
                     classes: Any = None) -> NeuralNetworkClassifier:
        self._check_parameters()  # before anything changes
        X, y = self._validate_Xy(X, y, reset=first_pass, multi_output=True)
        multilabel = type_of_target(y, input_name="y") == "multilabel-indicator"
        if not multilabel:
            y = column_or_1d(y, warn=True)  # a column y: scikit-learn's DataConversionWarning
            if y.ndim != 1:
                raise ValueError(f"y must be 1-D labels, or a 2-D indicator of 0 and 1 for multilabel; "
                                 f"got shape {y.shape} of {type_of_target(y)} targets")
            check_classification_targets(y)
        if first_pass:
            if multilabel:
                found = np.arange(y.shape[1])
            else:
                found = np.unique(y if classes is None else np.asarray(classes))
                if classes is not None and not np.isin(y, found).all():
                    raise ValueError(f"y holds classes {np.setdiff1d(y, found).tolist()[:10]} that are "
                                     f"not in classes={found.tolist()[:10]}")
                if len(found) < 2:
                    raise ValueError(f"y has 1 class ({found.tolist()[0]!r}); a classifier needs samples "
                                     "of at least 2 classes")
            self._multilabel = multilabel
        else:
            check_is_fitted(self, "network_")
            found = self.classes_
            if classes is not None and not np.array_equal(np.unique(np.asarray(classes)), found):
                raise ValueError(f"classes={np.unique(np.asarray(classes)).tolist()[:10]} is not the same as "
                                 f"on the first call to partial_fit, {found.tolist()[:10]}")
            if multilabel != self._multilabel:
                raise ValueError("y is multilabel now but was not when the classifier was fitted, or the "
                                 "other way round")
            if not multilabel:
                unseen = np.setdiff1d(np.unique(y), found)
                if len(unseen):
                    raise ValueError(f"y has classes not in classes_: {unseen.tolist()[:10]}; classes_ is "
                                     f"{found.tolist()[:10]}")
                if not incremental and not np.array_equal(np.unique(y), found):
                    raise ValueError(f"warm_start needs y with the classes of the previous fit, "
                                     f"{found.tolist()[:10]}; y has {np.unique(y).tolist()[:10]}")
        dtype = numpy_dtype(X.dtype)
        if multilabel:
            Y = np.asarray(y, dtype=dtype)
            loss, stratify = "binary_crossentropy", None
        else:
            index = np.searchsorted(found, y)
            if len(found) == 2:
                Y, loss = index.astype(dtype).reshape(-1, 1), "binary_crossentropy"  # 1 for classes_[1]
            else:
                Y, loss = np.eye(len(found), dtype=dtype)[index], "categorical_crossentropy"
            stratify = index
        if self.class_weight is not None:
            if incremental and isinstance(self.class_weight, str):
                raise ValueError("class_weight='balanced' needs all the data at once; it does not work with "
                                 "partial_fit: give a dict of weights")
            weights = compute_sample_weight(self.class_weight, y)
            given = check_sample_weight(sample_weight, X.shape[0])
            sample_weight = weights if given is None else weights * given
        self._loss = loss
        self._fit(X, Y, sample_weight, first_pass=first_pass, incremental=incremental, stratify=stratify)
        self.classes_ = found
        self.out_activation_ = "softmax" if loss == "categorical_crossentropy" else "logistic"
        return self

    def _labels(self, P: Array) -> NDArray[Any]:
        xp = namespace(P)
        if self._multilabel:
            return xp.astype(P > 0.5, xp.int64)
        labels = self.classes_[predicted_class(to_numpy(P))]  # numbers go back where P is; text cannot
        return labels if labels.dtype.kind not in "biuf" else to_namespace(labels, xp, device_of(P))

    def _score_network(self, net: NeuralNetwork, X: Any, Y: Array, weights: Array | None) -> float:
        P = to_numpy(net.predict(X))
        predicted = predicted_class(P) if not self._multilabel else (P > 0.5)
        truth = predicted_class(Y) if not self._multilabel else (Y > 0.5)
        return accuracy(truth, predicted, sample_weight=weights)

    def predict_proba(self, X: Any) -> Array:
        """Probability of each class for every sample.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``; rows sum to 1 (multilabel: each
            column the probability of its label).
        """
        P = self._network_output(X)
        if P.shape[1] == 1 and not self._multilabel:
            return namespace(P).concat([1 - P, P], axis=1)  # (n, 2): P(classes_[0]), P(classes_[1])
        return P

    def predict_log_proba(self, X: Any) -> Array:
        """The log of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        with np.errstate(divide="ignore"):  # a probability of exactly 0 is -inf, as in scikit-learn
            P = self.predict_proba(X)
            return namespace(P).log(P)

    def predict(self, X: Any) -> NDArray[Any]:
        """The most probable class of every sample.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,), or (n_samples, n_labels) for multilabel
            Labels from ``classes_``.
        """
        return self._labels(self._network_output(X))

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.input_tags.sparse = True
        return tags


class NeuralNetworkRegressor(RegressorMixin, _BaseNeuralNetwork):  # type: ignore[misc]
    __doc__ = f"""A neural-network regressor with one or several outputs.

    Identity outputs and half the mean squared error (``loss="squared_error"``),
    or exponential outputs and half the Poisson deviance (``loss="poisson"``), as
    scikit-learn's :class:`~sklearn.neural_network.MLPRegressor`. See the
    :mod:`module <playwithnn.sklearn>` for how training proceeds. Targets are
    used as given: scale them (for instance with
    :class:`~sklearn.compose.TransformedTargetRegressor`) when they are far from unit size.

    Parameters
    ----------
    loss : {{"squared_error", "poisson"}}, default="squared_error"
{_PARAMETERS_DOC.split("----------", 1)[1]}
    Attributes
    ----------
{_ATTRIBUTES_DOC}
    Examples
    --------
    >>> import numpy as np
    >>> X = np.linspace(-1, 1, 50).reshape(-1, 1)
    >>> y = 3 * X.ravel() - 1
    >>> reg = NeuralNetworkRegressor(hidden_layer_sizes=(), solver="lbfgs", random_state=0).fit(X, y)
    >>> reg.predict([[0.0], [0.5]]).round(2)
    array([-1. ,  0.5])
    """

    def __init__(
        self,
        loss: str = "squared_error",
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: str | Activation = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: int | np.random.RandomState | np.random.Generator | None = None,
        tol: float = 1e-4,
        verbose: bool | int = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int | float = 10,
        max_fun: int = 15000,
        dropout: float = 0.0,
        init: str | None = "glorot",
        dtype: type[np.floating[Any]] | str | None = None,
    ) -> None:
        super().__init__(
            hidden_layer_sizes, activation, solver=solver, alpha=alpha, batch_size=batch_size,
            learning_rate=learning_rate, learning_rate_init=learning_rate_init, power_t=power_t,
            max_iter=max_iter, shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum, nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping, validation_fraction=validation_fraction, beta_1=beta_1,
            beta_2=beta_2, epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
            dropout=dropout, init=init, dtype=dtype,
        )
        self.loss = loss

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> NeuralNetworkRegressor:
        """Train a network on samples ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        self : NeuralNetworkRegressor

        Raises
        ------
        ValueError, TypeError
            If a parameter or the data is not valid; the message names which.
        playwithnn.TrainingDivergedError
            If the loss became NaN or infinite (try a smaller ``learning_rate_init``).
        """
        first_pass = not (self.warm_start and hasattr(self, "network_"))
        return self._fit_targets(X, y, sample_weight, first_pass=first_pass, incremental=False)

    @available_if(_can_train_incrementally)  # type: ignore[untyped-decorator]
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> NeuralNetworkRegressor:
        """One epoch over ``X``, ``y``, continuing from the fitted network and optimizer.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        self : NeuralNetworkRegressor
        """
        return self._fit_targets(X, y, sample_weight, first_pass=not hasattr(self, "network_"),
                                 incremental=True)

    def _fit_targets(self, X: Any, y: Any, sample_weight: Any, *, first_pass: bool, incremental: bool
                     ) -> NeuralNetworkRegressor:
        loss = _choice(self.loss, "loss", ("squared_error", "poisson"))
        self._check_parameters()  # before anything changes
        X, y = self._validate_Xy(X, y, reset=first_pass, multi_output=True, y_numeric=True)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)  # a column y: scikit-learn's DataConversionWarning, then 1-D
        Y = np.asarray(y, dtype=numpy_dtype(X.dtype))
        if loss == "poisson" and (Y < 0).any():
            raise ValueError("loss='poisson' needs non-negative targets y")
        if not first_pass and Y.ndim != self._y_ndim:
            raise ValueError(f"y is {Y.ndim}-D now but was {self._y_ndim}-D when the regressor was fitted")
        self._loss = "half_poisson" if loss == "poisson" else "half_mse"
        self._fit(X, Y.reshape(-1, 1) if Y.ndim == 1 else Y, sample_weight, first_pass=first_pass,
                  incremental=incremental, stratify=None)
        self.out_activation_ = "exp" if loss == "poisson" else "identity"
        self._y_ndim = Y.ndim
        return self

    def _score_network(self, net: NeuralNetwork, X: Any, Y: Array, weights: Array | None) -> float:
        return r2_score(Y, to_numpy(net.predict(X)), sample_weight=weights)

    def predict(self, X: Any) -> Array:
        """The network's output for every sample.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            1-D when ``y`` was 1-D (or one column) in :meth:`fit`; float32 for float32 ``X``,
            else float64, as scikit-learn's.
        """
        check_is_fitted(self, "network_")
        xp = _namespace(X)
        X = validate_data(self, X, reset=False, dtype=[xp.float64, xp.float32], accept_sparse=["csr", "csc"])
        y_pred = xp.astype(self.network_.predict(X), X.dtype, copy=False)  # float32 data, float32 predictions
        return xp.reshape(y_pred, (-1,)) if self._y_ndim == 1 else y_pred

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.input_tags.sparse = True
        return tags


# ------------------------------------------------------------------ model files
#: What a pipeline saved to a model file may hold.
_SUPPORTED = ("a model file holds StandardScaler, SimpleImputer and OneHotEncoder steps, 'passthrough', "
              "and Pipelines and ColumnTransformers of them, before a NeuralNetworkClassifier or "
              "NeuralNetworkRegressor")


@dataclass(frozen=True)
class _Input:
    """One column that a pipeline hands on, as a function of one raw feature, the value ``v``.

    ``x = (v - mean) / scale`` for a number; ``x = ([v = categories[index]] - mean) / scale``
    for a one-hot column. A missing ``v`` is first replaced by ``impute``, in the
    feature's own units. The one-hot columns of one encoding share ``block``: the
    step that made them and the column it encoded.
    """

    feature: str
    impute: Any = None
    mean: float = 0.0
    scale: float = 1.0
    categories: tuple[Any, ...] | None = None
    index: int = 0
    block: tuple[str, int] | None = None
    unknown: str = "error"
    scaled: bool = False  # whether a step has scaled it (a OneHotEncoder then cannot read it)


def to_model(obj: Any) -> Model:
    r"""The :class:`~playwithnn.model.Model` of a fitted estimator or pipeline: what a model file holds.

    A fitted :class:`NeuralNetworkClassifier` or :class:`NeuralNetworkRegressor`
    becomes its network (a copy) with the names of its features and a
    classifier's ``classes_``. A fitted scikit-learn ``Pipeline`` that ends with
    one also keeps its preprocessing: its ``StandardScaler``, ``SimpleImputer``
    and ``OneHotEncoder`` steps, ``'passthrough'``, and ``ColumnTransformer`` and
    ``Pipeline`` steps of them, are folded, column by column, into the
    :class:`~playwithnn.preprocessing.Encoding` of each network input, in the
    order that the pipeline hands the columns to the network. Writing the model
    (:meth:`Model.save <playwithnn.model.Model.save>`) is what
    ``estimator.save(path)`` and ``playwithnn.save(pipeline, path)`` do.

    Each input is :math:`x = (v - \mu) / s` of one raw feature's value :math:`v`
    (a number, or :math:`[v = c_j]` for one-hot category :math:`c_j`), with
    missing values replaced by ``impute`` first. The steps fold as follows:

    - ``StandardScaler`` (mean :math:`m`, scale :math:`\sigma`; 0 and 1 where
      ``with_mean`` or ``with_std`` is off) after :math:`x`:
      :math:`(x - m) / \sigma = (v - (\mu + m s)) / (s \sigma)`. The first
      scaler of a column gives exactly its ``mean_`` and ``scale_``.
    - ``SimpleImputer`` (statistic :math:`t`, any strategy): the ``impute`` of a
      column that has none yet; after a scaler, :math:`t` is in the scaled units
      and the raw value is :math:`t s + \mu`. After an imputer or a
      ``OneHotEncoder`` nothing is missing, and an imputer changes nothing. A
      column with no value at fit time is dropped, as scikit-learn drops it.
    - ``OneHotEncoder``: one input per category of ``categories_``, unscaled,
      keeping the column's ``impute``; ``handle_unknown`` is the encoding's
      ``unknown``. A later scaler scales each category's input.
    - ``ColumnTransformer``: each transformer's output over its columns (names,
      positions, a slice or a mask), side by side, then the remainder
      (``'passthrough'``, ``'drop'`` or a step above); ``transformer_weights``
      :math:`w` divide the scales.

    Parameters
    ----------
    obj : NeuralNetworkClassifier, NeuralNetworkRegressor or sklearn.pipeline.Pipeline
        Fitted. The features are the pipeline's first step's ``feature_names_in_``
        (the estimator's, on its own) when it was fitted on a DataFrame, else
        ``x0``, ``x1``, ... in the order of ``X``'s columns.

    Returns
    -------
    Model
        Its :meth:`~playwithnn.model.Model.predict` and
        :meth:`~playwithnn.model.Model.predict_proba` take the raw rows that
        ``obj`` takes and give what ``obj`` gives, up to the rounding of a
        folded step (a scaler after another step), and except that the model
        refuses a missing value where no imputer fills it in (with a
        :class:`~playwithnn.preprocessing.PreprocessingError`), which
        ``OneHotEncoder(handle_unknown="ignore")`` would encode as zeros.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``obj`` or one of its steps is not fitted.
    ValueError
        For what a model file cannot express, naming it: a multilabel
        classifier; a step other than those above (the message names the
        step); ``SimpleImputer(add_indicator=True)`` or with ``missing_values``
        other than NaN or None; a ``OneHotEncoder`` with ``drop``,
        ``min_frequency``, ``max_categories``, ``handle_unknown`` other than
        ``'error'`` or ``'ignore'``, a missing value among its categories, or one
        that encodes a scaled column; one-hot columns that reach the network
        split up or reordered.
    TypeError
        If ``obj`` is not one of our estimators or a ``Pipeline``.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.compose import make_column_transformer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import OneHotEncoder, StandardScaler
    >>> df = pd.DataFrame({"size": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0] * 4,
    ...                    "color": ["red", "blue", "red", "green", "blue", "red"] * 4})
    >>> y = ["no", "no", "yes", "no", "yes", "yes"] * 4
    >>> pipe = make_pipeline(
    ...     make_column_transformer((StandardScaler(), ["size"]),
    ...                             (OneHotEncoder(handle_unknown="ignore"), ["color"])),
    ...     NeuralNetworkClassifier(hidden_layer_sizes=(4,), solver="lbfgs", random_state=0))
    >>> model = to_model(pipe.fit(df, y))
    >>> model.preprocessing.input_names
    ['size', 'color=blue', 'color=green', 'color=red']
    >>> bool((model.predict(df) == pipe.predict(df)).all())
    True
    >>> new = pd.DataFrame({"size": [3.5, 6.0], "color": ["purple", "red"]})  # purple: all zeros
    >>> model.predict(new).tolist() == pipe.predict(new).tolist()
    True
    """
    from sklearn.pipeline import Pipeline

    steps: list[tuple[str, Any]] = []
    if isinstance(obj, _BaseNeuralNetwork):
        estimator = obj
    elif type(obj) is Pipeline:  # the exact type, as for steps: a subclass may transform otherwise
        *steps, (last, estimator) = _flat_steps(obj, "")
        if not isinstance(estimator, _BaseNeuralNetwork):
            _refuse(last, estimator, "is the last step; a model file needs a NeuralNetworkClassifier or "
                                     "NeuralNetworkRegressor there")
    else:
        raise TypeError("to_model takes a fitted NeuralNetworkClassifier or NeuralNetworkRegressor, or a "
                        f"scikit-learn Pipeline that ends with one (of a search: its best_estimator_); "
                        f"got {type(obj).__name__}")
    check_is_fitted(estimator, "network_")
    if getattr(estimator, "_multilabel", False):
        raise ValueError(f"cannot save a multilabel NeuralNetworkClassifier: a model file predicts one class "
                         f"per row, and this classifier predicts {len(estimator.classes_)} labels per row")
    first = next((step for _, step in steps if not _is_passthrough(step)), estimator)
    check_is_fitted(first)
    names = getattr(first, "feature_names_in_", None)
    features = ([str(name) for name in names] if names is not None
                else [f"x{j}" for j in range(first.n_features_in_)])
    inputs = [_Input(feature) for feature in features]
    for path, step in steps:
        inputs = _fold(step, inputs, path)
    if len(inputs) != estimator.n_features_in_:
        raise ValueError(f"cannot save the pipeline: its steps make {len(inputs)} columns, but the "
                         f"{type(estimator).__name__} was fitted on {estimator.n_features_in_}")
    preprocessing = _preprocessing(features, inputs)
    net = copy.copy(estimator.network_)  # the model's own network (and metadata): the estimator's stays
    if not isinstance(estimator, NeuralNetworkClassifier):
        return Model(net, preprocessing, task="regression")
    classes = estimator.classes_.tolist()
    bad = [c for c in classes if isinstance(c, bool) or not isinstance(c, (str, int, float))]
    if bad:
        raise ValueError(f"cannot save the classifier: its class {bad[0]!r} ({type(bad[0]).__name__}) is "
                         "not text or a number, which a model file's class labels are")
    return Model(net, preprocessing, task="classification", classes=classes)


def _is_passthrough(step: Any) -> bool:
    return step is None or (isinstance(step, str) and step == "passthrough")


def _refuse(path: str, step: Any, why: str | None = None) -> NoReturn:
    """Raise the ValueError that names the pipeline step ``path`` and why a model file cannot hold it."""
    kind = repr(step) if step is None or isinstance(step, str) else type(step).__name__
    if why is None:
        why = f"has no counterpart in a model file; {_SUPPORTED}"
    raise ValueError(f"cannot save the pipeline: step {path!r} ({kind}) {why}")


def _flat_steps(pipeline: Any, prefix: str) -> list[tuple[str, Any]]:
    """The steps of a Pipeline, those of a Pipeline inside it in its place, named by their path."""
    from sklearn.pipeline import Pipeline

    steps: list[tuple[str, Any]] = []
    for name, step in pipeline.steps:
        path = f"{prefix} > {name}" if prefix else name
        steps.extend(_flat_steps(step, path) if type(step) is Pipeline else [(path, step)])
    return steps


def _fold(step: Any, inputs: list[_Input], path: str) -> list[_Input]:
    """The columns that the fitted transformer ``step`` makes of the columns ``inputs``, in its order."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    if _is_passthrough(step):
        return inputs
    kind = type(step)  # the exact type: a subclass may transform otherwise
    if kind is Pipeline:
        for name, sub in step.steps:
            inputs = _fold(sub, inputs, f"{path} > {name}")
        return inputs
    if kind not in (StandardScaler, SimpleImputer, OneHotEncoder, ColumnTransformer):
        _refuse(path, step)
    check_is_fitted(step)
    if step.n_features_in_ != len(inputs):
        raise ValueError(f"cannot save the pipeline: step {path!r} ({kind.__name__}) was fitted on "
                         f"{step.n_features_in_} columns, but the steps before it make {len(inputs)}")
    if kind is StandardScaler:
        n = len(inputs)
        m = step.mean_ if step.with_mean else np.zeros(n)
        sigma = step.scale_ if step.with_std else np.ones(n)
        # (x - m) / σ with x = (v - μ) / s is (v - (μ + m s)) / (s σ)
        return [replace(x, mean=x.mean + float(mj) * x.scale, scale=x.scale * float(sj), scaled=True)
                for x, mj, sj in zip(inputs, m, sigma)]
    if kind is SimpleImputer:
        return _fold_imputer(step, inputs, path)
    if kind is OneHotEncoder:
        return _fold_one_hot(step, inputs, path)
    return _fold_columns(step, inputs, path)


def _fold_imputer(step: Any, inputs: list[_Input], path: str) -> list[_Input]:
    if step.add_indicator:
        _refuse(path, step, "has add_indicator=True; a model file has no inputs that tell where a value was "
                            "missing")
    if not (step.missing_values is None or _is_nan(step.missing_values)):
        _refuse(path, step, f"has missing_values={step.missing_values!r}; a model file fills in missing "
                            "values (None, NaN), not other values")
    out: list[_Input] = []
    for x, t in zip(inputs, step.statistics_):
        t = t.item() if isinstance(t, np.generic) else t
        if _is_nan(t) and not step.keep_empty_features:
            continue  # scikit-learn drops a column that had no value to learn from
        if x.impute is not None or x.categories is not None:
            out.append(x)  # nothing is missing any more
        else:  # t is in the units of the step's input, x = (v - μ) / s: v = t s + μ
            out.append(replace(x, impute=float(t) * x.scale + x.mean if x.scaled else t))
    return out


def _fold_one_hot(step: Any, inputs: list[_Input], path: str) -> list[_Input]:
    for option in ("drop", "min_frequency", "max_categories"):
        if getattr(step, option) is not None:
            _refuse(path, step, f"has {option}={getattr(step, option)!r}; a model file encodes every "
                                f"category of a feature, so {option} must be None")
    if step.handle_unknown not in ("error", "ignore"):
        _refuse(path, step, f"has handle_unknown={step.handle_unknown!r}; a model file refuses an unknown "
                            "category or encodes it as zeros: handle_unknown must be 'error' or 'ignore'")
    out: list[_Input] = []
    for k, (x, found) in enumerate(zip(inputs, step.categories_)):
        if x.categories is not None or x.scaled:
            _refuse(path, step, f"encodes {x.feature!r} after a step that scaled or one-hot encoded it; a "
                                "model file one-hot encodes raw values")
        categories = tuple(c.item() if isinstance(c, np.generic) else c for c in found)
        if any(c is None or _is_nan(c) for c in categories):
            _refuse(path, step, f"learned a missing value as a category of {x.feature!r}; a model file "
                                "cannot: fill missing values in before it (SimpleImputer)")
        out.extend(replace(x, categories=categories, index=j, block=(path, k), unknown=step.handle_unknown)
                   for j in range(len(categories)))
    return out


def _fold_columns(step: Any, inputs: list[_Input], path: str) -> list[_Input]:
    """A ColumnTransformer: each transformer's output over its columns, side by side, the remainder last."""
    names = getattr(step, "feature_names_in_", None)
    # transformers_ holds a fitted FunctionTransformer for 'passthrough': the specification tells.
    specs = [spec for _, spec, _ in step.transformers] + [step.remainder]
    weights = step.transformer_weights or {}
    out: list[_Input] = []
    for (name, fitted, columns), spec in zip(step.transformers_, specs):
        where = f"{path} > {name}"
        indices = _column_indices(columns, None if names is None else list(names), len(inputs), where)
        if (isinstance(spec, str) and spec == "drop") or not indices:
            continue
        made = _fold("passthrough" if _is_passthrough(spec) else fitted, [inputs[i] for i in indices], where)
        w = float(weights.get(name, 1.0))
        if w != 1.0:
            if w == 0.0:
                _refuse(path, step, f"has transformer_weights[{name!r}] = 0; a model file has no constant "
                                    "inputs")
            made = [replace(x, scale=x.scale / w, scaled=True) for x in made]  # w x = (v - μ) / (s / w)
        out.extend(made)
    return out


def _column_indices(columns: Any, names: list[str] | None, n: int, where: str) -> list[int]:
    """Positions among a ColumnTransformer's ``n`` input columns (named ``names``) of ``columns``:
    a name, a position, a slice (of names: both ends included), a list of them or a boolean mask."""

    def position(key: Any) -> int:
        if isinstance(key, str) and names is not None and key in names:
            return names.index(key)
        if isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_)) and -n <= key < n:
            return int(key) % n
        raise ValueError(f"cannot save the pipeline: step {where!r} selects the column {key!r}, which is "
                         f"not one of its {n} input columns")

    if isinstance(columns, slice):
        if isinstance(columns.start, str) or isinstance(columns.stop, str):
            first = 0 if columns.start is None else position(columns.start)
            last = n - 1 if columns.stop is None else position(columns.stop)
            return list(range(first, last + 1))
        return list(range(n))[columns]
    if isinstance(columns, (str, int, np.integer)):
        return [position(columns)]
    keys = list(columns)
    if keys and all(isinstance(key, (bool, np.bool_)) for key in keys):
        return [i for i, key in enumerate(keys) if key]
    return [position(key) for key in keys]


def _is_nan(value: Any) -> bool:
    return isinstance(value, (float, np.floating)) and math.isnan(value)


def _preprocessing(features: list[str], inputs: list[_Input]) -> Preprocessing:
    """The preprocessing of the columns ``inputs``: one encoding per number, one per one-hot block."""
    encodings = []
    i = 0
    while i < len(inputs):
        x = inputs[i]
        width = 1 if x.categories is None else len(x.categories)
        block = inputs[i:i + width]
        together = [(y.block, y.index) for y in block] == [(x.block, j) for j in range(width)]
        if x.block is not None and not together:
            raise ValueError(f"cannot save the pipeline: the network gets the one-hot columns of "
                             f"{x.feature!r} (step {x.block[0]!r}) split up or reordered; a model file keeps "
                             "a feature's categories together, in order")
        try:
            encodings.append(Encoding(x.feature, categories=x.categories, impute=x.impute,
                                      mean=[y.mean for y in block], scale=[y.scale for y in block],
                                      unknown=x.unknown))
        except (TypeError, ValueError) as exc:
            where = "" if x.block is None else f"step {x.block[0]!r}: "
            raise ValueError(f"cannot save the pipeline: {where}{exc}") from None
        i += width
    return Preprocessing(features, encodings)


# ------------------------------------------------------------------ skl2onnx
def register_skl2onnx() -> None:
    """Let ``skl2onnx`` convert these estimators, alone or in a pipeline, as it converts scikit-learn's MLPs.

    Then ``skl2onnx.to_onnx(make_pipeline(StandardScaler(), NeuralNetworkClassifier()).fit(X, y), X[:1])``
    gives a graph with scikit-learn's outputs: a classifier's ``output_label`` and
    ``output_probability`` (a ZipMap, by default, as for every classifier, of float32 probabilities;
    ``options={"zipmap": False}`` gives them as a tensor of the input's float type), a regressor's
    ``variable``.
    The converters are :func:`playwithnn.export.skl2onnx_converter` and its shape calculator,
    registered with ``skl2onnx.update_registered_converter``.

    Importing this module calls it when ``skl2onnx`` has been imported already, so
    that importing skl2onnx first is all it takes; otherwise call it once before
    converting (calling it again does no harm).

    Raises
    ------
    ImportError
        If skl2onnx is not installed: ``pip install 'playwithnn[onnx]'``.
    """
    try:
        from skl2onnx import update_registered_converter
    except ImportError:
        raise ImportError("converting with skl2onnx needs the skl2onnx package, which is not installed: "
                          "pip install 'playwithnn[onnx]'") from None
    from .export import SKL2ONNX_CLASSIFIER_OPTIONS, skl2onnx_converter, skl2onnx_shape_calculator

    for estimator, options in ((NeuralNetworkClassifier, SKL2ONNX_CLASSIFIER_OPTIONS),
                               (NeuralNetworkRegressor, None)):
        update_registered_converter(estimator, f"Playwithnn{estimator.__name__}", skl2onnx_shape_calculator,
                                    skl2onnx_converter, options=options)


if "skl2onnx" in sys.modules:  # skl2onnx imported first: register now (importing it here would be slow)
    register_skl2onnx()


__all__ = ["NeuralNetworkClassifier", "NeuralNetworkRegressor", "register_skl2onnx", "to_model"]
