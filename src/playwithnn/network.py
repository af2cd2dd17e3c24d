r"""The neural network: a stack of :class:`~playwithnn.layers.Dense` layers.

This is the module to read first. The tutorial's network with one hidden layer is

.. math::  \hat y = \sigma(W_2\, \sigma(W_1 x + b_1) + b_2)

and with samples as the rows of ``X`` (the tutorial's ``np.dot(input, weights1)``)
the feedforward of every layer ``l = 1 .. L`` is

.. math::  Z_l = A_{l-1} W_l + b_l, \qquad A_l = f_l(Z_l), \qquad A_0 = X, \quad \hat y = A_L

Backpropagation applies the chain rule from the loss back to every weight,
one layer at a time (:meth:`~playwithnn.layers.Dense.backward`), with the delta
``δ_l = dL/dZ_l``:

.. math::
    \delta_l = \frac{\partial L}{\partial A_l} \odot f_l'(Z_l), \qquad
    \frac{\partial L}{\partial W_l} = A_{l-1}^T\, \delta_l, \qquad
    \frac{\partial L}{\partial A_{l-1}} = \delta_l\, W_l^T

and gradient descent moves every weight against its gradient,
``W_l ← W_l - η ∂L/∂W_l`` (:mod:`playwithnn.optimizers`).

For the tutorial's two layers and the sum-of-squares loss this is exactly the
article's ``d_weights2 = layer1.T @ (2 (y - output) * sigmoid_derivative(output))``,
where ``sigmoid_derivative(output) = output (1 - output)`` is ``σ'(z2)``, up to the sign,
which gradient descent puts back. :meth:`NeuralNetwork.train_step` is that iteration
in code, and :mod:`playwithnn.explain` prints it with the numbers filled in.

The same code runs on NumPy, CuPy and PyTorch arrays, on the CPU or a GPU: the
network computes with the array namespace of its parameters (the array API
standard; :mod:`playwithnn._arrays`). ``device=`` or the first :meth:`~NeuralNetwork.fit`
decides where they live; data from elsewhere is copied there once per call.

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

import copy
import math
import os
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from . import diagnostics
from ._arrays import (
    NUMPY,
    Device,
    Namespace,
    check_namespace,
    device_of,
    float_dtype,
    is_array,
    namespace,
    placement,
    sum_of_squares,
    to_namespace,
    to_numpy,
)
from ._validation import (
    check_array,
    check_flag,
    check_float_dtype,
    check_layer_sizes,
    check_parameter_arrays,
    check_sample_weight,
    check_seed,
    check_X_y,
)
from .activations import Activation, get_activation, hidden_activations
from .initializers import get_initializer
from .layers import Dense
from .losses import Loss, get_loss
from .optimizers import Optimizer
from .training import FitOptions, History, TrainingDivergedError, train

if TYPE_CHECKING:
    import onnx

Array = NDArray[np.floating]


class NeuralNetwork:
    """A fully connected feedforward network trained by backpropagation.

    Parameters
    ----------
    layer_sizes : list of int
        Widths from the input to the output, e.g. ``[3, 4, 1]`` (the tutorial's)
        or ``[2, 16, 16, 16, 3]``: ``layer_sizes[0]`` features, ``layer_sizes[-1]``
        outputs, hidden layers in between.
    activation : str, Activation, or a list of them, default="sigmoid"
        Activation of the hidden layers: one for all, or one per hidden layer.
        ``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"leaky_relu"`` or ``"identity"``, or your
        own :class:`~playwithnn.Activation` (checked when you made it).
    output_activation : str, Activation or None, default=None
        Activation of the output ``y_pred``. ``None`` picks the loss's natural one:
        ``sigmoid`` for ``sse`` (the tutorial's) and ``binary_crossentropy``,
        ``identity`` for ``mse``, ``softmax`` for ``categorical_crossentropy``.
    loss : str or Loss, default="sse"
        A :class:`~playwithnn.Loss` of your own, or a name from :mod:`playwithnn.losses`:
        ``"sse"``, ``"mse"``, ``"binary_crossentropy"``,
        ``"categorical_crossentropy"``, ... A loss that takes the logits (the
        cross-entropies) needs its natural output: the output layer is then linear
        and :meth:`predict` applies the sigmoid or softmax.
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
    device : str, a library's device, or None, default=None
        Where the parameters live and the network computes. ``"cpu"``: NumPy.
        ``"cuda"`` or ``"cuda:N"``: a GPU, through CuPy if it is installed and sees
        one, else PyTorch. A library's device object: that library on that device
        (``torch.device("cuda:1")``, ``torch.device("cpu")`` for PyTorch on the CPU,
        ``cupy.cuda.Device(0)``). ``None``: the first :meth:`fit` decides, by where its
        ``X`` lives (NumPy for anything but a CuPy array or a PyTorch tensor). The
        weights are drawn on the host in either case, so a seed gives the same
        weights everywhere.

    Attributes
    ----------
    layers : list of Dense
        ``layers[l].W``, ``layers[l].b`` are the parameters, and after a training forward
        pass ``layers[l].A`` the activations (the article's ``self.layer1`` is
        ``layers[0].A``, its ``self.output`` ``layers[-1].A``).
    activation : list of str
        The hidden layers' activations, by name (the objects are ``layers[l].activation``).
    output_activation : str
        The output activation's name.
    loss_function : Loss
        The loss object (:mod:`playwithnn.losses`); ``loss_name`` is its name.
    device : the device of the parameters, or None
        None until ``device=`` or the first :meth:`fit` decides; the parameters are
        NumPy arrays until then.
    parameter_vector : array of shape (n_parameters,)
        Every parameter in one flat array: each layer's ``W`` and ``b`` are views
        into it, in the order of :meth:`parameters`. Writing into it changes them.
    gradient_vector : array of shape (n_parameters,)
        The same for every ``dW`` and ``db``, filled by backpropagation. One
        update of ``parameter_vector`` by ``gradient_vector`` updates every layer.
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
    >>> net.parameter_vector.shape
    (371,)
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        activation: str | Activation | Sequence[str | Activation] = "sigmoid",
        output_activation: str | Activation | None = None,
        loss: str | Loss = "sse",
        bias: bool = True,
        init: str | None = None,
        seed: int | np.random.Generator | None = None,
        dtype: DTypeLike = np.float64,
        device: Any = None,
    ) -> None:
        sizes = check_layer_sizes(layer_sizes)
        hidden = [get_activation(a) for a in hidden_activations(activation, len(sizes) - 2)]
        loss_fn = get_loss(loss)
        out = loss_fn.output_activation(output_activation)
        if out.name == "softmax" and sizes[-1] < 2:
            raise ValueError("a softmax output needs at least 2 units (layer_sizes[-1] >= 2)")
        if init is not None:
            get_initializer(init)
        where = None if device is None else placement(device)
        self.bias = check_flag(bias, "bias")
        self.dtype = check_float_dtype(dtype)
        self.rng = check_seed(seed)
        self.layer_sizes = sizes
        #: The activations' names (a model file stores these); the layers hold the objects.
        self.activation = [a.name for a in hidden]
        self.output_activation = out.name
        self.loss_function = loss_fn
        self.init = init
        #: JSON values kept with the network in its model file (feature names, scaling, ...).
        self.metadata: dict[str, Any] = {}
        # A loss that takes the logits applies the output activation itself.
        last = get_activation("identity") if loss_fn.from_logits else out
        self.layers = [
            Dense(n_in, n_out, act, bias=self.bias, init=init, rng=self.rng, dtype=self.dtype,
                  input_gradient=i > 0)
            for i, (n_in, n_out, act) in enumerate(zip(sizes[:-1], sizes[1:], [*hidden, last]))
        ]
        self.device: Device = None
        self._xp: Namespace = NUMPY
        self._share_memory(NUMPY, "cpu")
        if where is not None:
            self._place(*where)

    def _share_memory(self, xp: Namespace, device: Device) -> None:
        """Make every W and b a view into :attr:`parameter_vector`, and every dW and db into
        :attr:`gradient_vector`, both new arrays of ``xp`` on ``device``."""
        n = sum(layer.n_parameters for layer in self.layers)
        dtype = float_dtype(xp, self.dtype)
        self.parameter_vector: Array = xp.empty(n, dtype=dtype, device=device)
        self.gradient_vector: Array = xp.zeros(n, dtype=dtype, device=device)
        start = 0
        for layer in self.layers:
            end = start + layer.n_parameters
            layer.share_memory(self.parameter_vector[start:end], self.gradient_vector[start:end])
            start = end
        self._xp = xp

    def _place(self, xp: Namespace, device: Device) -> None:
        """Move the parameters to ``xp`` on ``device``, for good: the network computes there."""
        self._share_memory(check_namespace(xp), device)
        self.device = device

    def to(self, device: Any) -> NeuralNetwork:
        """Move the parameters to ``device``, keeping their values; returns the network itself.

        As PyTorch's ``Module.to``: ``net.to("cpu")`` brings a network trained on a GPU back
        to NumPy, ``net.to("cuda")`` sends one there. Later fits compute there, copying
        their data there once each.

        Parameters
        ----------
        device : str or a library's device
            As the constructor's ``device``: ``"cpu"``, ``"cuda"``, ``"cuda:N"``, or a
            ``torch.device``, ``cupy.cuda.Device`` or ``array_api_strict.Device``.

        Returns
        -------
        NeuralNetwork
            ``self``, its ``W``, ``b``, ``dW`` and ``db`` new arrays of the device's library.

        Examples
        --------
        >>> import numpy as np
        >>> net = NeuralNetwork([3, 4, 1], seed=0)
        >>> W = net.parameters()[0].copy()
        >>> net.to("cpu").device, np.array_equal(net.parameters()[0], W)
        ('cpu', True)
        """
        self._place(*placement(device))
        return self

    def _like(self, result: Array, X: Any) -> Any:
        """``result`` in ``X``'s library and on its device, where predictions go back to
        (NumPy for anything but an array of another library)."""
        if isinstance(X, np.ndarray) or not is_array(X):
            return to_numpy(result)
        return to_namespace(result, namespace(X), device_of(X))

    def __copy__(self) -> NeuralNetwork:
        # A shallow copy would share the layers, whose W and b are views into one
        # parameter_vector: a copy is always a whole new network.
        return copy.deepcopy(self)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["parameter_vector"], state["gradient_vector"]  # rebuilt by __setstate__
        del state["_xp"]  # a module: looked up again from the weights
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        # pickle and copy.deepcopy store each W, b as an array of its own: link them again.
        self.__dict__.update(state)
        self.__dict__.setdefault("device", None)  # pickled before networks had one
        W = self.layers[0].W
        self._share_memory(namespace(W), device_of(W))

    @property
    def n_features(self) -> int:
        """Number of inputs, ``layer_sizes[0]``."""
        return self.layer_sizes[0]

    @property
    def n_outputs(self) -> int:
        """Number of outputs, ``layer_sizes[-1]``."""
        return self.layer_sizes[-1]

    @property
    def loss_name(self) -> str:
        """The loss's name, ``loss_function.name``."""
        return self.loss_function.name

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
        device = device_of(self.parameter_vector)
        for p, a in zip(params, check_parameter_arrays(arrays, [p.shape for p in params])):
            p[...] = to_namespace(np.asarray(a, dtype=self.dtype), self._xp, device)

    def check_X(self, X: Any, name: str = "X") -> Array:
        """``X`` of shape (n_samples, n_features) as a finite array of the network's dtype, where
        the network computes (copied there if it is elsewhere), or a ``TypeError``/``ValueError``
        naming ``name`` and what was expected."""
        return check_array(X, name=name, dtype=self.dtype, n_columns=self.n_features,
                           columns_hint="layer_sizes[0]", xp=self._xp,
                           device=device_of(self.parameter_vector))

    def check_Xy(self, X: Any, y: Any, names: tuple[str, str] = ("X", "y")) -> tuple[Array, Array]:
        """:meth:`check_X` for ``X``, and ``y`` as an array of shape (n_samples, n_outputs); a 1-D
        ``y`` is one column when the network has one output."""
        return check_X_y(X, y, names=names, dtype=self.dtype, n_features=self.n_features,
                         n_outputs=self.n_outputs, xp=self._xp, device=device_of(self.parameter_vector))

    def _check_sample_weight(self, sample_weight: Any, n_samples: int, name: str = "sample_weight"
                             ) -> Array | None:
        """Checked weights (on the host), copied where the network computes, in its dtype."""
        w = check_sample_weight(sample_weight, n_samples, name)
        if w is None:
            return None
        return to_namespace(w.astype(self.dtype), self._xp, device_of(self.parameter_vector))

    # -------------------------------------------------------------- feedforward
    def _forward(self, X: Array, *, train: bool = False, dropout: float = 0.0) -> Array:
        """``A_l = f_l(A_{l-1} W_l + b_l)`` for every layer; returns ``A_L``, the logits for a loss
        that takes them. No checks."""
        A = X
        for layer in self.layers[:-1]:  # dropout on the hidden layers only
            A = layer.forward(A, train=train, dropout=dropout, rng=self.rng)
        return self.layers[-1].forward(A, train=train)

    def feedforward(self, X: Any) -> Array:
        """Compute the network's output ``ŷ`` for every row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Copied to where the network computes, if it lives elsewhere.

        Returns
        -------
        y_pred : array of shape (n_samples, n_outputs)
            Probabilities for the cross-entropy losses. In ``X``'s library and on its
            device: a PyTorch tensor for a tensor, a NumPy array for anything else
            but a CuPy array.
        """
        y_pred = self.loss_function.predict(self._forward(self.check_X(X)), self._xp)
        return self._like(y_pred, X)

    #: The scikit-learn name of :meth:`feedforward`.
    predict = feedforward

    # ------------------------------------------------------------------- loss
    def evaluate(self, X: Array, y: Array, sample_weight: Array | None = None) -> tuple[float, Array]:
        """The loss (a float: read from the device) and the predictions ``y_pred`` of shape
        (n_samples, n_outputs), for arrays already checked (:meth:`check_Xy`); changes no state.

        Arrays from elsewhere than the network's device are copied there; the predictions
        come back where ``X`` is, as from :meth:`predict`.
        """
        xp, device = self._xp, device_of(self.parameter_vector)

        def here(a: Any) -> Any:  # a SciPy sparse X (on NumPy) stays as it is
            return to_namespace(a, xp, device) if is_array(a) else a

        output = self._forward(here(X))
        w = None if sample_weight is None else here(sample_weight)
        value = self.loss_function.value(here(y), output, w, xp)
        return float(value), self._like(self.loss_function.predict(output, xp), X)

    def loss(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """The loss of the predictions for ``X`` (n_samples, n_features) against ``y``
        (n_samples, n_outputs), optionally weighted per sample; see :mod:`playwithnn.losses`."""
        X, y = self.check_Xy(X, y)
        weights = self._check_sample_weight(sample_weight, X.shape[0])
        return float(self.loss_function.value(y, self._forward(X), weights, self._xp))

    # --------------------------------------------------------- backpropagation
    def parameter_names(self) -> list[str]:
        """The names of :meth:`parameters`, in their order: ``["W1", "b1", "W2", "b2", ...]``.

        ``Wl`` and ``bl`` are the weights and biases of ``layers[l - 1]``; with
        ``bias=False`` there are no ``b`` names. The model file names its arrays the same.

        >>> NeuralNetwork([3, 4, 1], bias=False, seed=0).parameter_names()
        ['W1', 'W2']
        """
        return [f"{kind}{i}" for i, layer in enumerate(self.layers, start=1)
                for kind in (("W",) if layer.b is None else ("W", "b"))]

    def gradients(self, X: Any, y: Any) -> dict[str, Array]:
        """The gradient of :meth:`loss` for ``X`` and ``y``, by backpropagation, labelled.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples, n_outputs)

        Returns
        -------
        dict of str to array
            ``{"W1": dL/dW1, "b1": dL/db1, "W2": dL/dW2, ...}`` in layer order (the keys of
            :meth:`parameter_names`; no ``b`` keys with ``bias=False``), each a new array of
            its parameter's shape, where the parameters live. ``list(grads.values())`` is in
            the order of :meth:`parameters`.

        Examples
        --------
        >>> net = NeuralNetwork([3, 4, 1], bias=False, seed=0)
        >>> grads = net.gradients(np.ones((2, 3)), np.zeros((2, 1)))
        >>> {name: g.shape for name, g in grads.items()}
        {'W1': (3, 4), 'W2': (4, 1)}
        """
        X, y = self.check_Xy(X, y)
        grad: Any = self.loss_function.gradient_of(y, self._forward(X, train=True), None, self._xp)
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        arrays = [self._xp.asarray(g, copy=True) for layer in self.layers for g in layer.gradients()]
        return dict(zip(self.parameter_names(), arrays))

    def train_step(
        self,
        X: Array,
        y: Array,
        optimizer: Optimizer,
        *,
        l2: float = 0.0,
        dropout: float = 0.0,
        sample_weight: Array | None = None,
        check: bool = True,
    ) -> tuple[Any, Array]:
        """One iteration of the tutorial on a batch: feedforward, loss, backpropagation, update.

        ``X`` and ``y`` must already be checked arrays of the network's dtype, where the
        network computes (:meth:`fit` checks them once, not once a batch).

        Parameters
        ----------
        X : array of shape (n_samples, n_features)
        y : array of shape (n_samples, n_outputs)
        optimizer : Optimizer
        l2 : float, default=0.0
            L2 penalty ``0.5 * l2 * sum(W**2)``, with gradient ``l2 * W``.
        dropout : float in [0, 1), default=0.0
            Dropout rate of the hidden layers.
        sample_weight : array of shape (n_samples,), optional
        check : bool, default=True
            Check the loss and the gradients for NaN and infinity before the update.
            That reads them, which on a GPU waits for the step's work to finish: training
            there checks once per epoch instead (:func:`~playwithnn._arrays.checks_each_step`).

        Returns
        -------
        loss : 0-d array
            The batch's loss before the update (with the L2 penalty, if any), left
            where the network computes (a NumPy scalar on NumPy): ``float(loss)`` reads it.
        y_pred : array of shape (n_samples, n_outputs)
            The batch's predictions before the update.

        Raises
        ------
        TrainingDivergedError
            With ``check``, if the loss or a gradient is not finite; then nothing is updated.
        """
        xp = self._xp
        grad: Any  # dL/dŷ (dL/dz for a loss that takes logits), then each layer's dL/dX, then None
        output = self._forward(X, train=True, dropout=dropout)  # feedforward: ŷ (or the logits)
        loss, grad = self.loss_function.value_and_gradient(y, output, sample_weight, xp)  # L, dL/d output
        for layer in reversed(self.layers):  # backpropagation: each layer fills dW, db
            grad = layer.backward(grad)
        if l2:  # the penalty 0.5 * l2 * sum(W**2), and its gradient l2 * W
            loss = loss + 0.5 * l2 * sum(sum_of_squares(layer.W, xp) for layer in self.layers)
            for layer in self.layers:
                layer.dW += l2 * layer.W
        if check:
            if not math.isfinite(loss):
                raise TrainingDivergedError(f"the loss became {float(loss)}")
            # NaN or inf anywhere in the gradients makes their squared norm non-finite
            # (so does an overflowing square, above about 1e19 in float32: divergence too).
            if not math.isfinite(sum_of_squares(self.gradient_vector, xp)):
                raise TrainingDivergedError("a gradient became NaN, infinite or too large")
        # update: W ← W - η dL/dW for every W and b at once, through the flat vectors
        optimizer.step([self.parameter_vector], [self.gradient_vector])
        return loss, self.loss_function.predict(output, xp)

    def fit(
        self,
        X: Any,
        y: Any,
        epochs: int = 1000,
        learning_rate: float | None = None,
        *,
        sample_weight: Any = None,
        validation_data: tuple[Any, ...] | None = None,
        diagnose: bool | None = None,
        **options: Any,
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
        sample_weight : array-like of shape (n_samples,), optional
            Weights of the samples in the loss (non-negative; see :mod:`playwithnn.losses`).
        validation_data : (X_val, y_val) or (X_val, y_val, sample_weight_val), optional
            Data to compute ``val_loss`` on after every epoch.
        diagnose : bool or None, default=None
            Look, once at the end, for what went wrong: a flat loss, dead hidden units, an
            output saturated on the wrong side (:mod:`playwithnn.diagnostics`, with its
            thresholds), and issue each as a :class:`~playwithnn.diagnostics.TrainingWarning`.
            ``None``: when the fit ran more than one epoch (a fit of one epoch is usually a
            step of the caller's own loop: the playground, ``partial_fit``, a chunked read).
        **options
            ``optimizer``, ``batch_size``, ``momentum``, ``nesterov``, ``l2``, ``dropout``,
            ``validation_split``, ``patience``, ``min_delta``, ``best``, ``restore_best``,
            ``shuffle``, ``callbacks``, ``verbose``: see
            :class:`~playwithnn.training.FitOptions`, which checks them.

        Returns
        -------
        History
            Loss per epoch, and validation loss and accuracy where they apply.
            Ctrl-C stops training after the current batch and returns the history
            so far, with ``history.interrupted = True``.

        Raises
        ------
        TrainingDivergedError
            If the loss becomes NaN or infinite. On NumPy every step is checked and
            the weights are kept from before the step that failed; elsewhere every
            epoch is (a GPU is not made to wait at every step), and the weights are
            put back as they were before the epoch that failed. The error's
            ``history`` holds the epochs before it.

        Notes
        -----
        The first ``fit`` of a network made without ``device=`` moves its parameters
        to where ``X`` lives, for good. Every array is checked and copied to the
        network's device once per call, never once per batch.
        """
        where = self._where(X)
        X, y = check_X_y(X, y, names=("X", "y"), dtype=self.dtype, n_features=self.n_features,
                         n_outputs=self.n_outputs, xp=where[0], device=where[1])
        weights = check_sample_weight(sample_weight, X.shape[0])
        settings = FitOptions(epochs=epochs, learning_rate=learning_rate, **options)
        validation = None if validation_data is None else self._check_validation_data(validation_data, where)
        if self.device is None:
            self._place(*where)
        weights = None if weights is None else to_namespace(weights.astype(self.dtype), *where)
        history = train(self, X, y, settings, sample_weight=weights, validation=validation)
        if diagnose or (diagnose is None and history.epochs > 1):
            for found in diagnostics.diagnose(self, X, y, history):
                warnings.warn(found.message, diagnostics.TrainingWarning, stacklevel=2)
        return history

    def _where(self, X: Any) -> tuple[Namespace, Device]:
        """Where the network computes: on its device, or, before its first fit, where ``X`` lives
        (NumPy unless it is an array of another library)."""
        if self.device is not None:
            return self._xp, device_of(self.parameter_vector)
        if is_array(X) and not isinstance(X, np.ndarray):
            return check_namespace(namespace(X)), device_of(X)
        return NUMPY, "cpu"

    def _check_validation_data(self, data: Any, where: tuple[Namespace, Device]
                               ) -> tuple[Array, Array, Array | None]:
        """``(X_val, y_val)`` or ``(X_val, y_val, sample_weight_val)``, checked and copied to ``where``."""
        if not (isinstance(data, (tuple, list)) and len(data) in (2, 3)):
            raise TypeError("validation_data must be (X_val, y_val) or (X_val, y_val, sample_weight)")
        X_val, y_val = check_X_y(data[0], data[1], names=("validation_data[0]", "validation_data[1]"),
                                 dtype=self.dtype, n_features=self.n_features, n_outputs=self.n_outputs,
                                 xp=where[0], device=where[1])
        w_val = None if len(data) == 2 else check_sample_weight(data[2], X_val.shape[0], "validation_data[2]")
        return X_val, y_val, None if w_val is None else to_namespace(w_val.astype(self.dtype), *where)

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

        save(path, self.get_config(), [to_numpy(p) for p in self.parameters()], self.metadata)

    def to_onnx(self, **options: Any) -> onnx.ModelProto:
        """This network as a checked ONNX graph: input ``X``, output ``y_pred`` = :meth:`predict`.

        Same as :func:`playwithnn.export.to_onnx` (``dtype``, ``opset``), which needs
        the ``onnx`` extra: ``pip install 'playwithnn[onnx]'``.
        """
        from .export import to_onnx  # onnx is optional: loaded when a network is first exported

        return to_onnx(self, **options)

    def __repr__(self) -> str:
        return (
            f"NeuralNetwork({self.layer_sizes}, activation={self.activation}, "
            f"output_activation={self.output_activation!r}, loss={self.loss_name!r})"
        )


__all__ = ["NeuralNetwork", "TrainingDivergedError"]
