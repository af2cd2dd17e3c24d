"""The fully connected layer: forward and backward side by side.

>>> import numpy as np
>>> layer = Dense(3, 4, "sigmoid", rng=np.random.default_rng(0))
>>> A = layer.forward(np.ones((5, 3)), train=True)
>>> A.shape
(5, 4)
>>> dX = layer.backward(np.ones((5, 4)))
>>> dX.shape, layer.dW.shape, layer.db.shape
((5, 3), (3, 4), (4,))
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from ._arrays import (
    NUMPY,
    Device,
    Namespace,
    device_of,
    flat_views,
    matmul_into,
    namespace,
    sum_rows_into,
    to_namespace,
)
from .activations import Activation, get_activation
from .initializers import get_initializer

Array = NDArray[np.floating]  # or an array of another library of the standard


class Dense:
    r"""A fully connected layer ``A = f(X @ W + b)``.

    Forward:

    .. math::  Z = X W + b, \qquad A = f(Z)

    Backward, given ``dA = dL/dA`` from the layer above (the chain rule, one factor
    at a time):

    .. math::  \delta = dA \odot f'(Z), \quad dW = X^T \delta, \quad
               db = \textstyle\sum_i \delta_i, \quad dX = \delta\, W^T

    ``δ = dL/dZ`` is the layer's *delta*. A training forward pass keeps what the
    backward pass needs: the input ``X`` and the output ``A`` (``f'(Z)`` is computed
    from ``A``; see :mod:`playwithnn.activations`).

    The weights are drawn on the host, with NumPy; :meth:`share_memory` can move them
    into the arrays of another library (a network does, to compute on a GPU), whose
    namespace the layer then computes with.

    Parameters
    ----------
    n_in, n_out : int
        Number of inputs and of units.
    activation : str or Activation, default="sigmoid"
    bias : bool, default=True
        Whether the layer has a bias ``b``. The tutorial's network has none.
    init : str or None, default=None
        ``"uniform"``, ``"glorot"`` or ``"he"``; ``None``: the activation's own
        (:attr:`Activation.init <playwithnn.activations.Activation.init>`: He for the ReLUs,
        Glorot otherwise).
    rng : numpy.random.Generator, optional
        Source of the initial weights (and of the dropout masks, which are drawn on
        the host too). A fresh unseeded one if omitted.
    dtype : numpy float dtype, default=numpy.float64
    input_gradient : bool, default=True
        Whether :meth:`backward` computes ``dX = dL/dX``. The first layer of a
        network has no use for it (its input is the data), and skipping it saves
        the largest matrix product of the backward pass.

    Attributes
    ----------
    W : array of shape (n_in, n_out)
    b : array of shape (n_out,) or None
    dW : array of shape (n_in, n_out)
        ``dL/dW`` from the last :meth:`backward`.
    db : array of shape (n_out,) or None
        ``dL/db`` from the last :meth:`backward`.
    X : array of shape (n_samples, n_in) or None
        The input of the last training forward pass, public: for the first layer the
        data (a SciPy sparse matrix is accepted there on NumPy), for the others the
        activations of the layer below (the article's ``self.layer1`` is ``layers[1].X``).
        None before the first training forward pass.
    A : array of shape (n_samples, n_out) or None
        The activations of the last training forward pass (before dropout), public:
        the article's ``self.layer1`` is ``layers[0].A`` and its ``self.output`` is
        ``layers[-1].A``. None before the first training forward pass.
    Z : array of shape (n_samples, n_out) or None
        The pre-activation of the last training forward pass, kept only when the
        activation's derivative takes ``z`` (``Activation.takes == "z"``); else None.
    delta : array of shape (n_samples, n_out) or None
        ``δ = dL/dZ`` from the last :meth:`backward`, one row per sample.
    dtype : numpy.dtype
        The parameters' dtype, as NumPy names it.
    xp : module
        The array namespace of the parameters (``numpy`` until :meth:`share_memory`
        moves them), which the layer computes with.

    Shape
    -----
    - Input: ``(n_samples, n_in)``
    - Output: ``(n_samples, n_out)``
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        activation: str | Activation = "sigmoid",
        *,
        bias: bool = True,
        init: str | None = None,
        rng: np.random.Generator | None = None,
        dtype: DTypeLike = np.float64,
        input_gradient: bool = True,
    ) -> None:
        self.activation = get_activation(activation)
        rng = np.random.default_rng() if rng is None else rng
        init_fn = get_initializer(self.activation.init if init is None else init)
        self.dtype: Any = np.dtype(dtype)
        self.W: Array = init_fn(n_in, n_out, rng, dtype)
        self.b: Array | None = np.zeros(n_out, dtype=dtype) if bias else None
        self.dW: Array = np.zeros_like(self.W)
        self.db: Array | None = None if self.b is None else np.zeros_like(self.b)
        self.xp: Namespace = NUMPY
        self.device: Device = "cpu"
        self.input_gradient = input_gradient
        self.X: Any = None  # an array, or a SciPy sparse matrix as the first layer's input
        self.A: Array | None = None
        self.delta: Array | None = None
        self.Z: Array | None = None
        self.dropout_mask: Array | None = None  # kept outputs scaled by 1 / (1 - dropout), others 0

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["xp"]  # a module: looked up again from W when unpickled
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.xp = namespace(self.W)

    @property
    def n_in(self) -> int:
        return int(self.W.shape[0])

    @property
    def n_out(self) -> int:
        return int(self.W.shape[1])

    @property
    def n_parameters(self) -> int:
        """Number of numbers in ``W`` and ``b``."""
        return math.prod(self.W.shape) + (0 if self.b is None else math.prod(self.b.shape))

    def share_memory(self, params: Array, grads: Array) -> None:
        """Move ``W``, ``b`` into ``params`` and ``dW``, ``db`` into ``grads``, keeping their values.

        ``params`` and ``grads`` are flat arrays of :attr:`n_parameters` numbers,
        usually slices of the network's ``parameter_vector`` and ``gradient_vector``;
        afterwards ``W`` is the view ``params[:n_in * n_out].reshape(n_in, n_out)``
        and ``b`` the rest. They may belong to another library or device than ``W``
        and ``b`` did: the layer then computes with theirs.
        """
        xp, device = namespace(params), device_of(params)
        shapes = [p.shape for p in self.parameters()]
        new_params = flat_views(params, shapes, xp)
        for new, old in zip(new_params, self.parameters()):
            new[...] = to_namespace(old, xp, device)
        new_grads = flat_views(grads, shapes, xp)
        self.W, self.dW = new_params[0], new_grads[0]
        if self.b is not None:
            self.b, self.db = new_params[1], new_grads[1]
        self.xp, self.device = xp, device

    def parameters(self) -> list[Array]:
        """The live arrays ``[W, b]`` (``[W]`` without bias)."""
        return [self.W] if self.b is None else [self.W, self.b]

    def gradients(self) -> list[Array]:
        """The live gradient buffers ``[dW, db]`` filled by :meth:`backward`."""
        return [self.dW] if self.db is None else [self.dW, self.db]

    def forward(
        self,
        X: Array,
        *,
        train: bool = False,
        dropout: float = 0.0,
        rng: np.random.Generator | None = None,
    ) -> Array:
        """``A = f(X @ W + b)``.

        Parameters
        ----------
        X : array of shape (n_samples, n_in)
            Of the layer's namespace and device.
        train : bool, default=False
            Keep ``X`` and ``A`` for :meth:`backward`.
        dropout : float in [0, 1), default=0.0
            With ``train=True``, zero each output with this probability (inverted
            dropout: the kept outputs are divided by ``1 - dropout``, so the
            expected output is unchanged and prediction needs no dropout).
        rng : numpy.random.Generator, optional
            Source of the dropout mask; needed when ``dropout > 0``. The mask is drawn
            on the host, so that a seed gives the same masks on every library, and copied
            to the device.

        Returns
        -------
        A : array of shape (n_samples, n_out)
        """
        Z = X @ self.W
        if self.b is not None:
            Z += self.b  # in place: Z is ours, adding b avoids a second (n, n_out) array
        A = self.activation.forward(Z, self.xp)  # A = f(Z)
        if not train:
            return A
        self.X, self.A, self.dropout_mask = X, A, None
        self.Z = Z if self.activation.takes == "z" else None
        if dropout > 0.0:
            if rng is None:
                raise ValueError("training with dropout needs rng")
            keep = 1.0 - dropout
            mask = (rng.random(A.shape, dtype=self.dtype) < keep) / self.dtype.type(keep)
            self.dropout_mask = to_namespace(mask, self.xp, self.device)
            return A * self.dropout_mask
        return A

    def backward(self, dA: Array) -> Array | None:
        """Backpropagate ``dA = dL/dA``: fill ``dW`` and ``db``, and return ``dX = dL/dX``.

        Parameters
        ----------
        dA : array of shape (n_samples, n_out)
            Overwritten: it becomes ``δ``.

        Returns
        -------
        dX : array of shape (n_samples, n_in), or None if ``input_gradient=False``
        """
        if self.X is None or self.A is None:
            raise RuntimeError("backward() called before forward(X, train=True)")
        if self.dropout_mask is not None:
            dA *= self.dropout_mask  # dropped units pass no gradient back
        delta = self.activation.backward(self.A, dA, self.xp, self.Z)  # δ = dA ⊙ f'(Z)
        self.delta = delta
        matmul_into(self.X.T, delta, self.dW, self.xp)  # dW = X.T @ δ, written into the gradient vector
        if self.db is not None:
            sum_rows_into(delta, self.db, self.xp)  # db = δ summed over the samples
        return delta @ self.W.T if self.input_gradient else None

    def __repr__(self) -> str:
        bias = "" if self.b is not None else ", bias=False"
        return f"Dense({self.n_in}, {self.n_out}, {self.activation.name!r}{bias})"
