r"""scikit-learn estimators over :class:`~playwithnn.NeuralNetwork`.

:class:`NeuralNetworkClassifier` and :class:`NeuralNetworkRegressor` take
scikit-learn's :class:`~sklearn.neural_network.MLPClassifier` parameter names and
conventions, and train this package's network with its own
:meth:`~playwithnn.NeuralNetwork.fit`. They work in pipelines, grid searches and
cross-validation, with NumPy arrays and pandas DataFrames.

scikit-learn is an optional dependency (``pip install playwithnn[sklearn]``):
only this module imports it.

Training, as in scikit-learn's multi-layer perceptron:

- ``solver="adam"`` (default) and ``"sgd"`` train on shuffled mini-batches of
  ``batch_size`` (``"auto"``: ``min(200, n_samples)``); ``"sgd"`` uses
  ``momentum`` and ``nesterovs_momentum``. ``"gd"`` is the tutorial's full-batch
  gradient descent, with the same momentum.
- ``alpha`` is the L2 penalty ``0.5 * alpha * sum(W**2) / batch_size`` added to
  each batch's mean loss (the weights, not the biases), scikit-learn's scaling.
  ``loss_curve_`` includes it, as scikit-learn's does.
- Training stops after ``max_iter`` epochs, or earlier once the monitored loss
  has failed to fall at least ``tol`` below the lowest loss so far for more than
  ``n_iter_no_change`` consecutive epochs. The monitored loss is the training
  loss, and training ends with the last epoch's weights; or with
  ``early_stopping=True`` the loss on a held-out ``validation_fraction`` of the
  data, and training ends with the weights of the epoch with the lowest
  validation loss. (scikit-learn monitors the validation *score* instead.) A
  classifier's split is stratified when the data allow it: every class with at
  least 2 samples, and room for every class on both sides.
- A :class:`~sklearn.exceptions.ConvergenceWarning` says when ``max_iter`` epochs
  ran out before the loss stopped improving.

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

import numbers
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._validation import (
    check_float_dtype,
    check_fraction,
    check_non_negative_float,
    check_positive_float,
    check_positive_int,
)
from .activations import ACTIVATIONS
from .metrics import predicted_class
from .network import NeuralNetwork
from .optimizers import OPTIMIZERS, Adam, GradientDescent, Optimizer
from .training import holdout_split

Array = NDArray[np.floating]

#: Activation names for the hidden layers, to the network's: scikit-learn's
#: ``"logistic"`` for the sigmoid, then every core activation a hidden layer can use.
_ACTIVATIONS = {"logistic": "sigmoid"} | {
    name: name for name, activation in ACTIVATIONS.items() if activation.hidden
}


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


class _BaseNeuralNetwork(BaseEstimator):  # type: ignore[misc]
    """What the classifier and the regressor share: parameters, checks and training."""

    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate_init: float = 0.001,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: int | np.random.RandomState | np.random.Generator | None = None,
        tol: float = 1e-4,
        verbose: bool | int = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
        dropout: float = 0.0,
        init: str | None = "glorot",
        dtype: type[np.floating[Any]] | str = np.float64,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
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

    def _optimizer(self) -> Optimizer:
        """The solver's optimizer; every optimizer parameter is checked, whichever is used.

        The solvers are the core's optimizer names; each takes the parameters
        scikit-learn names for it (an optimizer without such parameters would
        take ``learning_rate_init`` only).
        """
        if not isinstance(self.solver, str) or self.solver not in OPTIMIZERS:
            raise ValueError(f"solver must be one of {', '.join(map(repr, OPTIMIZERS))}; got {self.solver!r}")
        lr = check_positive_float(self.learning_rate_init, "learning_rate_init")
        beta1 = check_fraction(self.beta_1, "beta_1", allow_zero=False)
        beta2 = check_fraction(self.beta_2, "beta_2", allow_zero=False)
        epsilon = check_positive_float(self.epsilon, "epsilon")
        momentum = check_fraction(self.momentum, "momentum")
        nesterov = self._check_flag("nesterovs_momentum")
        cls = OPTIMIZERS[self.solver]
        if issubclass(cls, Adam):
            return cls(lr, beta1=beta1, beta2=beta2, epsilon=epsilon)
        if issubclass(cls, GradientDescent):
            return cls(lr, momentum=momentum, nesterov=nesterov and momentum > 0)
        return cls(lr)

    def _batch_size(self, n_samples: int) -> int:
        """Samples per batch: ``n_samples`` for ``"gd"``, else ``batch_size`` (at most ``n_samples``)."""
        if isinstance(self.batch_size, str) and self.batch_size == "auto":
            batch_size = 200
        else:
            batch_size = check_positive_int(self.batch_size, "batch_size")
        return n_samples if self.solver == "gd" else min(batch_size, n_samples)

    # ------------------------------------------------------------- training
    def _fit_network(self, X: Array, Y: Array, loss: str, stratify: NDArray[Any] | None) -> None:
        """Build a network for ``X`` (n_samples, n_features) -> ``Y`` (n_samples, n_outputs) and train it."""
        dtype = check_float_dtype(self.dtype, "dtype")
        hidden = self._hidden_sizes()
        if not isinstance(self.activation, str) or self.activation not in _ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {', '.join(map(repr, _ACTIVATIONS))}; got {self.activation!r}"
            )
        optimizer = self._optimizer()
        alpha = check_non_negative_float(self.alpha, "alpha")
        max_iter = check_positive_int(self.max_iter, "max_iter")
        tol = check_non_negative_float(self.tol, "tol")
        n_iter_no_change = check_positive_int(self.n_iter_no_change, "n_iter_no_change")
        dropout = check_fraction(self.dropout, "dropout")
        shuffle = self._check_flag("shuffle")
        early_stopping = self._check_flag("early_stopping")
        if self.verbose not in (0, 1, 2):  # False and True are 0 and 1
            raise ValueError(f"verbose must be False, True, 0, 1 or 2; got {self.verbose!r}")
        fraction = check_fraction(self.validation_fraction, "validation_fraction", allow_zero=False)
        self._batch_size(X.shape[0])  # checks batch_size before any work
        rng = np.random.default_rng(_seed_from(self.random_state))

        validation_data = None
        if early_stopping:
            kept, held = holdout_split(X.shape[0], fraction, rng, stratify=stratify,
                                       name="validation_fraction")
            validation_data = (X[held], Y[held])
            X, Y = X[kept], Y[kept]
        batch_size = self._batch_size(X.shape[0])
        net = NeuralNetwork(
            [X.shape[1], *hidden, Y.shape[1]], activation=_ACTIVATIONS[self.activation],
            loss=loss, init=self.init, seed=rng, dtype=dtype,
        )
        # scikit-learn's stopping rule (_update_no_improvement_count in its
        # multi-layer perceptron), said with the core's early stopping:
        # - It stops when the count of epochs without improvement exceeds
        #   n_iter_no_change: after n_iter_no_change + 1 of them, the patience.
        # - An epoch improves when its loss is at least tol below the lowest loss so
        #   far, which follows every decrease, even one smaller than tol: best="lowest".
        #   The core's default measures from the last epoch that improved, so slow
        #   steady progress goes on; with it the default classifier ran all 200 epochs
        #   on digits and warned, where this rule stops at epoch 148 (MLPClassifier at
        #   145). The same tol should mean the same n_iter_ and the same warnings.
        # - Without early_stopping the last epoch's weights are kept, as in
        #   scikit-learn: an epoch's training loss is measured on its mini-batches
        #   while the weights move, so it does not single out the weights at the end
        #   of that epoch, and rolling back n_iter_no_change + 1 epochs would leave
        #   coefs_ out of step with n_iter_ and loss_curve_. With early_stopping the
        #   weights of the lowest validation loss are kept (scikit-learn: of the best
        #   validation score).
        # - One departure: with tol=0 scikit-learn counts a loss equal to the lowest as
        #   an improvement, so an exactly flat loss never stops it; here an improvement
        #   must be a decrease.
        history = net.fit(
            X, Y, epochs=max_iter, optimizer=optimizer, batch_size=batch_size,
            l2=alpha / batch_size, dropout=dropout, validation_data=validation_data,
            patience=n_iter_no_change + 1, min_delta=tol, best="lowest",
            restore_best=early_stopping, shuffle=shuffle, verbose=int(self.verbose),
        )
        if not history.stopped_early and not history.interrupted:
            warnings.warn(
                f"{type(self).__name__}: max_iter={max_iter} epochs ran out while the loss was "
                f"still improving by more than tol={tol}; increase max_iter or tol",
                ConvergenceWarning, stacklevel=3,
            )
        self.network_ = net
        self.history_ = history
        self.coefs_ = [layer.W for layer in net.layers]
        self.intercepts_ = [layer.b for layer in net.layers]
        self.loss_curve_ = list(history.loss)
        self.validation_loss_curve_ = list(history.val_loss) if early_stopping else None
        self.best_loss_ = None if early_stopping else min(history.loss)
        # With early_stopping: the kept weights' validation loss (best_epoch is None
        # only when Ctrl-C ended the first epoch, whose weights are then kept).
        best = history.best_epoch
        self.best_validation_loss_ = (
            history.val_loss[best - 1 if best else -1] if early_stopping else None)
        self.n_iter_ = history.epochs
        self.n_layers_ = len(hidden) + 2
        self.n_outputs_ = Y.shape[1]

    def _network_output(self, X: Any) -> Array:
        """The fitted network's output for ``X``, checked as scikit-learn does."""
        check_is_fitted(self, "network_")
        X = validate_data(self, X, reset=False, dtype=self.network_.dtype)
        return self.network_.predict(X)


class NeuralNetworkClassifier(ClassifierMixin, _BaseNeuralNetwork):  # type: ignore[misc]
    """A neural-network classifier for any labels: binary or multi-class.

    Two classes: one sigmoid output unit and binary cross-entropy, the output is
    the probability of ``classes_[1]``. More classes: one softmax unit per class
    and categorical cross-entropy. See the :mod:`module <playwithnn.sklearn>` for
    how training proceeds.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Units of each hidden layer; ``()`` for none (logistic regression).
    activation : {"relu", "tanh", "logistic", "identity", "leaky_relu"}, default="relu"
        Activation of the hidden layers (``"sigmoid"`` is ``"logistic"``).
    solver : {"adam", "sgd", "gd"}, default="adam"
        Adam or momentum SGD on mini-batches, or full-batch gradient descent.
    alpha : float, default=0.0001
        L2 penalty ``0.5 * alpha * sum(W**2) / batch_size`` on the weights.
    batch_size : int or "auto", default="auto"
        Samples per mini-batch, at most ``n_samples``; ``"auto"`` is
        ``min(200, n_samples)``. Ignored by ``"gd"``.
    learning_rate_init : float, default=0.001
        Step size of the optimizer.
    max_iter : int, default=200
        Most epochs (passes over the data).
    shuffle : bool, default=True
        Reshuffle the samples every epoch.
    random_state : int, RandomState, Generator or None, default=None
        Seeds the initial weights, the shuffles, dropout and the validation split.
        ``None`` draws fresh entropy each fit; an integer makes fits reproducible.
    tol : float, default=1e-4
        How far an epoch's monitored loss must fall below the lowest so far to
        count as an improvement.
    verbose : bool or {0, 1, 2}, default=False
        Progress on standard error: 1 (``True``) a bar on a terminal, 2 a line per epoch.
    momentum : float in [0, 1), default=0.9
        Momentum of ``"sgd"`` and ``"gd"``.
    nesterovs_momentum : bool, default=True
        Nesterov momentum for ``"sgd"`` and ``"gd"`` (when ``momentum > 0``).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the samples, monitor their loss and
        keep the best epoch's weights.
    validation_fraction : float in (0, 1), default=0.1
    beta_1, beta_2 : float in (0, 1), default=0.9, 0.999
        Adam's decay rates of the first and second moment estimates.
    epsilon : float, default=1e-8
        Adam's stabilizer.
    n_iter_no_change : int, default=10
        Epochs without an improvement of ``tol`` tolerated before stopping.
    dropout : float in [0, 1), default=0.0
        Inverted dropout rate on the hidden layers while training.
    init : {"glorot", "he", "uniform"} or None, default="glorot"
        Initial weights (see :mod:`playwithnn.initializers`). Glorot's uniform
        for every layer is scikit-learn's choice; ``None`` picks by activation
        (He for the ReLUs), the network's own default.
    dtype : numpy.float32 or numpy.float64, default=numpy.float64
        The network's floating-point type.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels, sorted.
    network_ : NeuralNetwork
        The trained network; ``network_.save(path)`` writes it to a model file.
    coefs_ : list of ndarray
        ``coefs_[i]`` is the weight matrix ``W`` of layer ``i + 1``, shape ``(n_in, n_out)``.
    intercepts_ : list of ndarray
        ``intercepts_[i]`` is the bias vector ``b`` of layer ``i + 1``, shape ``(n_out,)``.
    loss_curve_ : list of float
        Training loss of each epoch: the cross-entropy plus the L2 penalty
        ``0.5 * alpha * sum(W**2) / batch_size``, as scikit-learn reports it; the
        mean over the epoch's mini-batches, each taken before its update.
    validation_loss_curve_ : list of float or None
        Validation cross-entropy of each epoch with ``early_stopping``.
    best_loss_ : float or None
        Lowest training loss (``None`` with ``early_stopping``).
    best_validation_loss_ : float or None
        Lowest validation loss, whose weights were kept (only with ``early_stopping``).
        Validation losses have no L2 penalty.
    history_ : History
        Everything the network recorded while training.
    n_iter_ : int
        Epochs run.
    n_layers_ : int
        Layers, input and output included.
    n_outputs_ : int
        Output units: 1 for two classes, else ``n_classes``.
    out_activation_ : str
        ``"logistic"`` or ``"softmax"``.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when ``X`` was a DataFrame with string column names.

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

    def fit(self, X: Any, y: Any) -> NeuralNetworkClassifier:
        """Train a network on samples ``X`` and labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Labels of any type (integers, strings, ...), at least two distinct.

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
        X, y = validate_data(self, X, y, dtype=check_float_dtype(self.dtype, "dtype"))
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        classes = encoder.classes_
        if len(classes) < 2:
            raise ValueError(
                f"y has 1 class ({classes.tolist()[0]!r}); a classifier needs samples of at least 2 classes"
            )
        index = encoder.transform(y)
        dtype = X.dtype
        if len(classes) == 2:
            Y = index.astype(dtype).reshape(-1, 1)  # 1 for classes_[1]
            loss = "binary_crossentropy"
        else:
            Y = np.eye(len(classes), dtype=dtype)[index]  # one-hot rows
            loss = "categorical_crossentropy"
        self._fit_network(X, Y, loss, stratify=index)
        self.classes_ = classes
        self.out_activation_ = "logistic" if len(classes) == 2 else "softmax"
        return self

    def predict_proba(self, X: Any) -> Array:
        """Probability of each class for every sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``; rows sum to 1.
        """
        P = self._network_output(X)
        if P.shape[1] == 1:
            return np.hstack([1 - P, P])  # (n, 2): P(classes_[0]), P(classes_[1])
        return P

    def predict(self, X: Any) -> NDArray[Any]:
        """The most probable class of every sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        check_is_fitted(self, "network_")
        return self.classes_[predicted_class(self._network_output(X))]


class NeuralNetworkRegressor(RegressorMixin, _BaseNeuralNetwork):  # type: ignore[misc]
    """A neural-network regressor with one or several outputs.

    Identity output units and the mean squared error. Takes the parameters of
    :class:`NeuralNetworkClassifier`; see the :mod:`module <playwithnn.sklearn>`
    for how training proceeds. Targets are used as given: scale them (for
    instance with :class:`~sklearn.compose.TransformedTargetRegressor`) when they
    are far from unit size.

    Attributes
    ----------
    network_ : NeuralNetwork
    coefs_, intercepts_ : list of ndarray
        Weights ``W`` of shape ``(n_in, n_out)`` and biases ``b`` of shape ``(n_out,)``
        of each layer.
    loss_curve_ : list of float
        Training loss of each epoch: the mean squared error plus the L2 penalty,
        as for :class:`NeuralNetworkClassifier`.
    validation_loss_curve_ : list of float or None
    best_loss_, best_validation_loss_ : float or None
    history_ : History
    n_iter_, n_layers_, n_outputs_ : int
    out_activation_ : str
        ``"identity"``.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    Examples
    --------
    >>> import numpy as np
    >>> X = np.linspace(-1, 1, 50).reshape(-1, 1)
    >>> y = 3 * X.ravel() - 1
    >>> reg = NeuralNetworkRegressor(hidden_layer_sizes=(), solver="gd", learning_rate_init=0.5,
    ...                              random_state=0).fit(X, y)
    >>> reg.predict([[0.0], [0.5]]).round(2)
    array([-1. ,  0.5])
    """

    def fit(self, X: Any, y: Any) -> NeuralNetworkRegressor:
        """Train a network on samples ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)

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
        X, y = validate_data(self, X, y, dtype=check_float_dtype(self.dtype, "dtype"),
                             multi_output=True, y_numeric=True)
        Y = np.asarray(y, dtype=X.dtype)
        self._fit_network(X, Y.reshape(-1, 1) if Y.ndim == 1 else Y, "mse", stratify=None)
        self.out_activation_ = "identity"
        self._y_ndim = Y.ndim
        return self

    def predict(self, X: Any) -> Array:
        """The network's output for every sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            1-D when ``y`` was 1-D in :meth:`fit`; float64 whatever ``dtype``.
        """
        # float64 whatever the network's dtype, as scikit-learn's regressors
        y_pred = self._network_output(X).astype(np.float64, copy=False)
        return y_pred.ravel() if self._y_ndim == 1 else y_pred

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


__all__ = ["NeuralNetworkClassifier", "NeuralNetworkRegressor"]
