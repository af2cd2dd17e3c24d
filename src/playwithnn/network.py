r"""The neural network: a stack of :class:`~playwithnn.layers.Dense` layers.

This is the module to read first. The tutorial's network with one hidden layer is

.. math::  \hat y = \sigma(W_2\, \sigma(W_1 x + b_1) + b_2)

and with samples as the rows of ``X`` (the tutorial's ``np.dot(input, weights1)``)
the feedforward of every layer ``l = 1 .. L`` is

.. math::  Z_l = A_{l-1} W_l + b_l, \qquad A_l = f_l(Z_l), \qquad A_0 = X, \quad \hat y = A_L

Backpropagation applies the chain rule from the loss back to every weight:

.. math::
    \frac{\partial L}{\partial W_l} = A_{l-1}^T\, dZ_l, \qquad
    dZ_l = \frac{\partial L}{\partial A_l} \odot f_l'(Z_l), \qquad
    \frac{\partial L}{\partial A_{l-1}} = dZ_l\, W_l^T

For the tutorial's two layers and the sum-of-squares loss this is exactly the
article's ``d_weights2 = layer1.T @ (2 (y - output) * sigmoid_derivative(output))``,
where ``sigmoid_derivative(output) = output (1 - output)`` is ``σ'(z2)``, up to the sign,
which gradient descent puts back.

>>> import numpy as np
>>> from playwithnn import NeuralNetwork
>>> X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
>>> y = np.array([[0], [1], [1], [0]])
>>> net = NeuralNetwork([3, 4, 1], seed=1)
>>> history = net.fit(X, y, epochs=1500, learning_rate=1.0)
>>> net.predict(X).round(1)
array([[0.],
       [1.],
       [1.],
       [0.]])
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from ._validation import (
    check_array,
    check_float_dtype,
    check_fraction,
    check_non_negative_float,
    check_positive_int,
)
from .activations import get_activation
from .initializers import get_initializer
from .layers import Dense
from .losses import get_loss
from .optimizers import Optimizer, get_optimizer
from .training import Callback, History, TrainingDivergedError, train

Array = NDArray[np.floating]


def _check_layer_sizes(layer_sizes: Any) -> list[int]:
    if isinstance(layer_sizes, (str, bytes)) or not isinstance(layer_sizes, Sequence | np.ndarray):
        raise TypeError(f"layer_sizes must be a list of integers such as [3, 4, 1]; got {layer_sizes!r}")
    sizes = list(layer_sizes)
    if len(sizes) < 2:
        raise ValueError(
            f"layer_sizes needs at least 2 entries (inputs and outputs), such as [3, 4, 1]; got {sizes}"
        )
    for i, n in enumerate(sizes):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"layer_sizes[{i}] must be an integer; got {n!r}")
        if n < 1:
            raise ValueError(f"layer_sizes[{i}] must be at least 1; got {n}")
    return [int(n) for n in sizes]


class NeuralNetwork:
    """A fully connected feedforward network trained by backpropagation.

    Parameters
    ----------
    layer_sizes : list of int
        Widths from the input to the output, e.g. ``[3, 4, 1]`` (the tutorial's)
        or ``[2, 16, 16, 16, 3]``: ``layer_sizes[0]`` features, ``layer_sizes[-1]``
        outputs, hidden layers in between.
    activation : str or list of str, default="sigmoid"
        Activation of the hidden layers: one name for all, or one per hidden layer.
        ``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"leaky_relu"`` or ``"identity"``.
    output_activation : str or None, default=None
        Activation of the output layer. ``None`` picks the loss's natural one:
        ``sigmoid`` for ``sse`` (the tutorial's) and ``binary_crossentropy``,
        ``identity`` for ``mse``, ``softmax`` for ``categorical_crossentropy``.
    loss : str, default="sse"
        ``"sse"``, ``"mse"``, ``"binary_crossentropy"`` or ``"categorical_crossentropy"``
        (see :mod:`playwithnn.losses`). The cross-entropies need their natural output.
    bias : bool, default=True
        Whether every layer has a bias vector. The tutorial's network has none.
    init : str or None, default=None
        ``"uniform"`` (the tutorial's U[0, 1)), ``"glorot"`` or ``"he"``.
        ``None`` picks by activation: He for the ReLUs, Glorot otherwise.
    seed : int, numpy.random.Generator or None, default=None
        Source of every random number: initial weights, shuffling, dropout and
        validation splits. The same seed gives bit-identical results.
    dtype : numpy.float32 or numpy.float64, default=numpy.float64
        The dtype of every parameter, activation, gradient and output.

    Attributes
    ----------
    layers : list of Dense
    rng : numpy.random.Generator
    metadata : dict
        JSON values (str keys) saved with the network by :meth:`save` and restored
        by :func:`playwithnn.load`, such as feature names or a scaler's mean and
        scale. Empty by default.

    Examples
    --------
    >>> net = NeuralNetwork([2, 16, 16, 3], activation="relu",
    ...                     loss="categorical_crossentropy", seed=0)
    >>> net.output_activation
    'softmax'
    >>> [p.shape for p in net.parameters()]
    [(2, 16), (16,), (16, 16), (16,), (16, 3), (3,)]
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        activation: str | Sequence[str] = "sigmoid",
        output_activation: str | None = None,
        loss: str = "sse",
        bias: bool = True,
        init: str | None = None,
        seed: int | np.random.Generator | None = None,
        dtype: DTypeLike = np.float64,
    ) -> None:
        sizes = _check_layer_sizes(layer_sizes)
        n_hidden = len(sizes) - 2
        if isinstance(activation, str):
            hidden = [activation] * n_hidden
        elif isinstance(activation, Sequence):
            hidden = list(activation)
            if len(hidden) != n_hidden:
                raise ValueError(
                    f"activation has {len(hidden)} entries but layer_sizes {sizes} has "
                    f"{n_hidden} hidden layers; give one name per hidden layer, or one name for all"
                )
        else:
            raise TypeError(f"activation must be a name or a list of names; got {activation!r}")
        for i, name in enumerate(hidden):
            arg = "activation" if isinstance(activation, str) else f"activation[{i}]"
            if not get_activation(name, argument=arg).hidden:
                raise ValueError(f"{arg} {name!r} can only be used in the output layer")
        loss_fn = get_loss(loss)
        out_name = loss_fn.natural_output if output_activation is None else output_activation
        get_activation(out_name, argument="output_activation")
        if loss_fn.from_logits and out_name != loss_fn.natural_output:
            raise ValueError(
                f"loss {loss_fn.name!r} needs output_activation={loss_fn.natural_output!r} "
                f"(or None); got {out_name!r}"
            )
        if out_name == "softmax" and sizes[-1] < 2:
            raise ValueError("a softmax output needs at least 2 units (layer_sizes[-1] >= 2)")
        if init is not None:
            get_initializer(init)
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(f"bias must be True or False; got {bias!r}")
        if isinstance(seed, (bool, float, str)):
            raise TypeError(f"seed must be an integer, a numpy Generator or None; got {seed!r}")
        self.dtype = check_float_dtype(dtype)
        try:
            self.rng = np.random.default_rng(seed)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"seed must be a non-negative integer, a numpy Generator or None; "
                             f"got {seed!r} ({exc})") from None
        self.layer_sizes = sizes
        self.activation = hidden
        self.output_activation = out_name
        self.loss_name = loss_fn.name
        self.bias = bool(bias)
        self.init = init
        #: JSON values kept with the network in its model file (feature names, scaling, ...).
        self.metadata: dict[str, Any] = {}
        self._loss = loss_fn
        activations = [*hidden, out_name]
        self.layers = [
            Dense(n_in, n_out, act, bias=self.bias, init=init, rng=self.rng, dtype=self.dtype,
                  keep_z=(i == len(activations) - 1 and loss_fn.from_logits))
            for i, (n_in, n_out, act) in enumerate(zip(sizes[:-1], sizes[1:], activations))
        ]
        self._share_memory()
        # The output layer and loss are differentiated together when their
        # product simplifies: dL/dZ = gradient(y, y_pred) directly.
        self._fused_output = loss_fn.from_logits or out_name == "identity"

    # ------------------------------------------------------------------ helpers
    def _share_memory(self) -> None:
        """Make every W and b a view into one flat array, and every dW and db into another.

        An optimizer then updates all parameters in one operation, and the
        gradients are checked for NaN and inf with one dot product (``g @ g``).
        """
        ends = np.cumsum([0] + [layer.n_parameters for layer in self.layers])
        self._params_flat: Array = np.empty(ends[-1], dtype=self.dtype)
        self._grads_flat: Array = np.zeros(ends[-1], dtype=self.dtype)
        for layer, start, end in zip(self.layers, ends[:-1], ends[1:]):
            layer.share_memory(self._params_flat[start:end], self._grads_flat[start:end])

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_params_flat"], state["_grads_flat"]  # rebuilt by __setstate__
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        # pickle and copy.deepcopy store each W, b as an array of its own: link them again.
        self.__dict__.update(state)
        self._share_memory()

    @property
    def n_features(self) -> int:
        """Number of inputs, ``layer_sizes[0]``."""
        return self.layer_sizes[0]

    @property
    def n_outputs(self) -> int:
        """Number of outputs, ``layer_sizes[-1]``."""
        return self.layer_sizes[-1]

    def parameters(self) -> list[Array]:
        """The live parameter arrays ``[W1, b1, W2, b2, ...]`` in layer order.

        Each ``W`` has shape ``(n_in, n_out)`` and each ``b`` shape ``(n_out,)``;
        with ``bias=False`` only the ``W``\\ s. Writing into them changes the network.
        """
        return [p for layer in self.layers for p in layer.parameters()]

    def set_parameters(self, arrays: Sequence[Any]) -> None:
        """Copy ``arrays`` into the network's parameters, in the order of :meth:`parameters`.

        Raises ``ValueError`` unless there is one array of the right shape per
        parameter, all finite; the network is unchanged then.
        """
        params = self.parameters()
        if len(arrays) != len(params):
            raise ValueError(f"expected {len(params)} arrays (one per parameter); got {len(arrays)}")
        checked = []
        for i, (p, a) in enumerate(zip(params, arrays)):
            a = np.asarray(a)
            if a.shape != p.shape:
                raise ValueError(f"arrays[{i}] has shape {a.shape}; parameter {i} has shape {p.shape}")
            if a.dtype.kind not in "biuf" or not np.isfinite(a).all():
                raise ValueError(f"arrays[{i}] must hold finite numbers")
            checked.append(a)
        for p, a in zip(params, checked):
            p[...] = a

    def _check_X(self, X: Any) -> Array:
        return check_array(X, name="X", dtype=self.dtype, n_columns=self.n_features,
                           columns_hint="layer_sizes[0]")

    def _check_y(self, y: Any, n_samples: int) -> Array:
        y = check_array(y, name="y", dtype=self.dtype, n_columns=self.n_outputs,
                        columns_hint="layer_sizes[-1]", allow_1d=self.n_outputs == 1)
        if y.shape[0] != n_samples:
            raise ValueError(f"X has {n_samples} samples but y has {y.shape[0]}; they must match")
        return y

    def _check_Xy(self, X: Any, y: Any) -> tuple[Array, Array]:
        X = self._check_X(X)
        return X, self._check_y(y, X.shape[0])

    # -------------------------------------------------------------- feedforward
    def _forward(self, X: Array, *, train: bool = False, dropout: float = 0.0) -> Array:
        """``A_l = f_l(A_{l-1} W_l + b_l)`` for every layer; returns ``A_L``. No checks."""
        A = X
        if not dropout:
            for layer in self.layers:
                A = layer.forward(A, train=train)
            return A
        for layer in self.layers[:-1]:  # dropout on the hidden layers only
            A = layer.forward(A, train=train, dropout=dropout, rng=self.rng)
        return self.layers[-1].forward(A, train=train)

    def feedforward(self, X: Any) -> Array:
        """Compute the network's output ``ŷ = A_L`` for every row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples, n_outputs)
        """
        return self._forward(self._check_X(X))

    def predict(self, X: Any) -> Array:
        """Same as :meth:`feedforward`: the output for every row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples, n_outputs)
            Probabilities for the cross-entropy losses.
        """
        return self.feedforward(X)

    # ------------------------------------------------------------------- loss
    def _loss_and_delta(self, y: Array, y_pred: Array) -> tuple[float, Array]:
        """The loss of the last training forward pass, and where backpropagation starts.

        Returns ``L`` and ``dL/dy_pred``, or ``dL/dZ`` of the output layer for the
        fused pairs (cross-entropies, whose loss comes from the logits ``Z``).
        """
        loss = self._loss
        if loss.from_logits:
            Z = self.layers[-1].Z
            assert Z is not None
            return loss.function(y, Z), loss.gradient(y, y_pred)
        if loss.with_gradient is not None:
            return loss.with_gradient(y, y_pred)
        return loss.function(y, y_pred), loss.gradient(y, y_pred)

    def _evaluate(self, X: Array, y: Array) -> tuple[float, Array]:
        """Loss and predictions for checked arrays, changing no state of the network.

        The cross-entropies are computed from the output layer's logits ``Z``.
        """
        A = X
        for layer in self.layers[:-1]:
            A = layer.forward(A)
        output = self.layers[-1]
        Z = output.linear(A)
        y_pred = output.activation.forward(Z)
        return self._loss.function(y, Z if self._loss.from_logits else y_pred), y_pred

    def loss(self, X: Any, y: Any) -> float:
        """The loss of the network's predictions for ``X`` against targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples, n_outputs), or (n_samples,) for one output

        Returns
        -------
        float
            See :mod:`playwithnn.losses` for whether it sums or averages.
        """
        X, y = self._check_Xy(X, y)
        return self._evaluate(X, y)[0]

    # --------------------------------------------------------- backpropagation
    def _backward(self, delta: Array) -> None:
        """Fill every layer's ``dW``, ``db`` from the last training forward pass. No checks.

        ``delta`` is ``dL/dy_pred``, or ``dL/dZ`` of the output layer for the fused pairs.
        """
        output = self.layers[-1]
        if self._fused_output:
            dA = output.backward_z(delta, input_gradient=len(self.layers) > 1)
        else:
            dA = output.backward(delta, input_gradient=len(self.layers) > 1)
        for i in range(len(self.layers) - 2, -1, -1):
            assert dA is not None
            dA = self.layers[i].backward(dA, input_gradient=i > 0)

    def _gradient_buffers(self) -> list[Array]:
        return [g for layer in self.layers for g in layer.gradients()]

    def gradients(self, X: Any, y: Any) -> list[Array]:
        """The gradient of :meth:`loss` with respect to every parameter, by backpropagation.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples, n_outputs), or (n_samples,) for one output

        Returns
        -------
        list of ndarray
            ``[dL/dW1, dL/db1, dL/dW2, ...]``: new arrays, in the order and with
            the shapes of :meth:`parameters`.
        """
        X, y = self._check_Xy(X, y)
        y_pred = self._forward(X, train=True)
        self._backward(self._loss_and_delta(y, y_pred)[1])
        return [g.copy() for g in self._gradient_buffers()]

    def train_step(
        self,
        X: Array,
        y: Array,
        optimizer: Optimizer,
        *,
        l2: float = 0.0,
        dropout: float = 0.0,
    ) -> tuple[float, Array]:
        """One step of training on a batch: feedforward, loss, backpropagation, update.

        ``X`` and ``y`` must already be checked arrays of the network's dtype
        (:meth:`fit` checks them once, not once a batch). :meth:`fit` runs it
        under ``numpy.errstate`` with overflow warnings off: divergence is
        reported by the exception below.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
        y : ndarray of shape (n_samples, n_outputs)
        optimizer : Optimizer
        l2 : float, default=0.0
            L2 penalty ``0.5 * l2 * sum(W**2)``, with gradient ``l2 * W``.
        dropout : float in [0, 1), default=0.0
            Dropout rate of the hidden layers for this step.

        Returns
        -------
        loss : float
            The batch's loss before the update (with the L2 penalty, if any).
        y_pred : ndarray of shape (n_samples, n_outputs)
            The batch's predictions before the update.

        Raises
        ------
        TrainingDivergedError
            If the loss or a gradient is not finite; then nothing is updated.
        """
        y_pred = self._forward(X, train=True, dropout=dropout)
        loss, delta = self._loss_and_delta(y, y_pred)
        if l2:
            loss += 0.5 * l2 * sum(float(np.vdot(layer.W, layer.W)) for layer in self.layers)
        if not math.isfinite(loss):
            raise TrainingDivergedError(f"the loss became {loss}")
        self._backward(delta)
        if l2:
            for layer in self.layers:
                layer.dW += l2 * layer.W  # d/dW of 0.5 * l2 * sum(W**2)
        # NaN or inf anywhere in the gradients makes their squared norm non-finite
        # (so does an overflowing square, above about 1e19 in float32: divergence too).
        g = self._grads_flat
        if not math.isfinite(np.dot(g, g)):
            raise TrainingDivergedError("a gradient became NaN, infinite or too large")
        optimizer.step([self._params_flat], [self._grads_flat])
        return loss, y_pred

    def fit(
        self,
        X: Any,
        y: Any,
        epochs: int = 1000,
        learning_rate: float | None = None,
        *,
        optimizer: str | Optimizer = "gd",
        batch_size: int | None = None,
        momentum: float = 0.0,
        nesterov: bool = False,
        l2: float = 0.0,
        dropout: float = 0.0,
        validation_split: float = 0.0,
        validation_data: tuple[Any, Any] | None = None,
        patience: int | None = None,
        min_delta: float = 0.0,
        best: str = "improvement",
        restore_best: bool = True,
        shuffle: bool = True,
        callbacks: Callback | Sequence[Callback] | None = None,
        verbose: int = 0,
    ) -> History:
        """Train the network by gradient descent on ``X``, ``y``.

        Every epoch passes once over the data: in one full batch by default (the
        tutorial's "iteration"), or in shuffled mini-batches of ``batch_size``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples, n_outputs), or (n_samples,) for one output
            One-hot rows for ``categorical_crossentropy``.
        epochs : int, default=1000
        learning_rate : float, optional
            Step size; the optimizer's default if omitted (1.0 for ``"gd"``, the
            tutorial's; 0.001 for ``"adam"``).
        optimizer : {"gd", "sgd", "adam"} or Optimizer, default="gd"
            ``"sgd"`` is ``"gd"`` (what makes it stochastic is ``batch_size``).
        batch_size : int or None, default=None
            ``None`` trains on the whole data at once.
        momentum : float, default=0.0
            Momentum for ``"gd"``/``"sgd"``.
        nesterov : bool, default=False
            Nesterov momentum for ``"gd"``/``"sgd"``.
        l2 : float, default=0.0
            L2 penalty ``0.5 * l2 * sum(W**2)`` over the weights (not the biases),
            added to the training loss.
        dropout : float in [0, 1), default=0.0
            Inverted dropout on the hidden layers' outputs, while training only.
        validation_split : float in [0, 1), default=0.0
            Fraction of the samples, drawn at random from the network's seed, held
            out for validation. Ignored if ``validation_data`` is given.
        validation_data : (X_val, y_val), optional
        patience : int, optional
            Stop when the validation loss (the training loss without validation
            data) has not improved for this many epochs, and restore the weights
            of the best epoch (see ``best`` and ``restore_best``).
        min_delta : float, default=0.0
            With ``patience``: the smallest decrease of the monitored loss, from
            the best epoch's, that counts as an improvement (and restarts the
            count of ``patience``).
        best : {"improvement", "lowest"}, default="improvement"
            With ``patience``: which epoch is the best one, whose loss later
            epochs must beat by ``min_delta`` and whose weights are restored.
            ``"improvement"``: the last epoch that improved (Keras's rule).
            ``"lowest"``: the epoch of the lowest monitored loss so far, even one
            that improved by less than ``min_delta`` and so did not restart the
            count (scikit-learn's rule). The same with ``min_delta=0``.
        restore_best : bool, default=True
            With ``patience``: end with the best epoch's weights. ``False`` keeps
            the last epoch's (``history.best_epoch`` still says which was best).
        shuffle : bool, default=True
            Reshuffle the samples every epoch (mini-batches only).
        callbacks : callable or list of callables, optional
            Each is called as ``callback(epoch, history, network)`` after every
            epoch; returning ``False`` stops training.
        verbose : {0, 1, 2}, default=0
            0 silent; 1 a progress bar on a terminal; 2 one line per epoch.
            Progress goes to standard error. Off a terminal, 1 behaves as 2.

        Returns
        -------
        History
            Loss per epoch, and validation loss and accuracy where they apply.
            Ctrl-C stops training after the current batch and returns the history
            so far, with ``history.interrupted = True``.

        Raises
        ------
        TrainingDivergedError
            If the loss becomes NaN or infinite; the weights are kept from before
            the step that failed and the error's ``history`` holds the epochs so far.
        """
        X, y = self._check_Xy(X, y)
        epochs = check_positive_int(epochs, "epochs")
        if isinstance(optimizer, Optimizer):
            if learning_rate is not None or momentum or nesterov:
                raise ValueError(
                    "learning_rate, momentum and nesterov belong to the optimizer object; "
                    "set them when you create it"
                )
            opt = optimizer
        elif momentum or nesterov:
            if optimizer not in ("gd", "sgd"):
                raise ValueError(
                    f"momentum and nesterov apply to optimizer='gd' or 'sgd', not {optimizer!r}"
                )
            opt = get_optimizer(optimizer, learning_rate, momentum=momentum, nesterov=nesterov)
        else:
            opt = get_optimizer(optimizer, learning_rate)
        if batch_size is not None:
            batch_size = check_positive_int(batch_size, "batch_size")
        l2 = check_non_negative_float(l2, "l2")
        dropout = check_fraction(dropout, "dropout")
        validation_split = check_fraction(validation_split, "validation_split")
        if patience is not None:
            patience = check_positive_int(patience, "patience")
        min_delta = check_non_negative_float(min_delta, "min_delta")
        if not isinstance(best, str):
            raise TypeError(f"best must be 'improvement' or 'lowest'; got {best!r}")
        if best not in ("improvement", "lowest"):
            raise ValueError(f"best must be 'improvement' or 'lowest'; got {best!r}")
        if not isinstance(restore_best, (bool, np.bool_)):
            raise TypeError(f"restore_best must be True or False; got {restore_best!r}")
        if verbose not in (0, 1, 2):
            raise ValueError(f"verbose must be 0, 1 or 2; got {verbose!r}")
        if callbacks is None:
            cbs: list[Callback] = []
        elif callable(callbacks):
            cbs = [callbacks]
        else:
            cbs = list(callbacks) if isinstance(callbacks, Sequence) else [callbacks]
            if not all(callable(cb) for cb in cbs):
                raise TypeError("callbacks must be a callable or a list of callables")
        if validation_data is not None:
            if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
                raise TypeError("validation_data must be a pair (X_val, y_val)")
            X_val = check_array(validation_data[0], name="validation_data[0]", dtype=self.dtype,
                                n_columns=self.n_features, columns_hint="layer_sizes[0]")
            y_val = check_array(validation_data[1], name="validation_data[1]", dtype=self.dtype,
                                n_columns=self.n_outputs, columns_hint="layer_sizes[-1]",
                                allow_1d=self.n_outputs == 1)
            if X_val.shape[0] != y_val.shape[0]:
                raise ValueError("validation_data: X_val and y_val have different numbers of samples")
            val: tuple[Array, Array] | None = (X_val, y_val)
        elif validation_split > 0:
            n_val = round(validation_split * X.shape[0])
            if n_val < 1 or n_val >= X.shape[0]:
                raise ValueError(
                    f"validation_split={validation_split} leaves {n_val} of {X.shape[0]} samples for "
                    "validation; it needs at least 1 and must leave at least 1 for training"
                )
            order = self.rng.permutation(X.shape[0])
            val = (X[order[:n_val]], y[order[:n_val]])
            X, y = X[order[n_val:]], y[order[n_val:]]
        else:
            val = None
        return train(
            self, X, y, epochs=epochs, optimizer=opt, batch_size=batch_size, l2=l2,
            dropout=dropout, validation=val, patience=patience, min_delta=min_delta, best=best,
            restore_best=bool(restore_best), shuffle=shuffle, callbacks=cbs, verbose=verbose,
        )

    # ----------------------------------------------------------------- files
    def get_config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this architecture (JSON-ready)."""
        return {
            "layer_sizes": list(self.layer_sizes),
            "activation": list(self.activation),
            "output_activation": self.output_activation,
            "loss": self.loss_name,
            "bias": self.bias,
            "init": self.init,
            "dtype": self.dtype.name,
        }

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the architecture, weights and :attr:`metadata` to the model file ``path``.

        Same as :func:`playwithnn.io.save`; read it back with :func:`playwithnn.load`.
        Optimizer state and training history are not saved.
        """
        # The file format needs NumPy only; it is loaded when a network is first saved.
        from ._modelfile import save

        save(path, self.get_config(), self.parameters(), self.metadata)

    def __repr__(self) -> str:
        return (
            f"NeuralNetwork({self.layer_sizes}, activation={self.activation}, "
            f"output_activation={self.output_activation!r}, loss={self.loss_name!r})"
        )


__all__ = ["NeuralNetwork", "TrainingDivergedError"]
