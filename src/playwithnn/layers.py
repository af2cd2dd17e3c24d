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

import numpy as np
from numpy.typing import DTypeLike, NDArray

from .activations import Activation, get_activation
from .initializers import DEFAULT_INIT, get_initializer

Array = NDArray[np.floating]


class Dense:
    r"""A fully connected layer ``A = f(X @ W + b)``.

    Forward:

    .. math::  Z = X W + b, \qquad A = f(Z)

    Backward, given ``dA = dL/dA`` from the layer above:

    .. math::  dZ = dA \odot f'(Z), \quad dW = X^T dZ, \quad db = \textstyle\sum_i dZ_i,
               \quad dX = dZ\, W^T

    A training forward pass keeps what the backward pass needs: ``X`` and the local
    derivative ``f'(Z)`` (computed from the output ``A``, or for ReLU from the mask
    ``Z > 0``; see :mod:`playwithnn.activations`).

    Parameters
    ----------
    n_in, n_out : int
        Number of inputs and of units.
    activation : str or Activation, default="sigmoid"
    bias : bool, default=True
        Whether the layer has a bias ``b``. The tutorial's network has none.
    init : str or None, default=None
        ``"uniform"``, ``"glorot"`` or ``"he"``; ``None`` picks by activation.
    rng : numpy.random.Generator, optional
        Source of the initial weights. A fresh unseeded one if omitted.
    dtype : numpy float dtype, default=numpy.float64
    keep_z : bool, default=False
        Keep the pre-activation ``Z`` of the last training forward pass in :attr:`Z`.

    Attributes
    ----------
    W : ndarray of shape (n_in, n_out)
    b : ndarray of shape (n_out,) or None
    dW : ndarray of shape (n_in, n_out)
        ``dL/dW`` from the last :meth:`backward`.
    db : ndarray of shape (n_out,) or None
        ``dL/db`` from the last :meth:`backward`.
    Z : ndarray of shape (n_samples, n_out) or None
        Pre-activation of the last training forward pass, kept only when
        ``keep_z=True`` (the output layer under a cross-entropy loss needs it).

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
        keep_z: bool = False,
    ) -> None:
        self.activation = get_activation(activation)
        rng = np.random.default_rng() if rng is None else rng
        init_fn = get_initializer(DEFAULT_INIT[self.activation.name] if init is None else init)
        self.W: Array = init_fn(n_in, n_out, rng, dtype)
        self.b: Array | None = np.zeros(n_out, dtype=dtype) if bias else None
        self.dW: Array = np.zeros_like(self.W)
        self.db: Array | None = None if self.b is None else np.zeros_like(self.b)
        self.keep_z = keep_z
        self.Z: Array | None = None
        self._X: Array | None = None  # input of the last training forward pass
        self._A: Array | None = None  # its output, before dropout
        self._D: Array | None = None  # its local derivative dA/dZ (element-wise activations)
        self._mask: Array | None = None  # dropout's kept-and-scaled mask

    @property
    def n_in(self) -> int:
        return int(self.W.shape[0])

    @property
    def n_out(self) -> int:
        return int(self.W.shape[1])

    @property
    def n_parameters(self) -> int:
        """Number of numbers in ``W`` and ``b``."""
        return self.W.size + (0 if self.b is None else self.b.size)

    def share_memory(self, params: Array, grads: Array) -> None:
        """Move ``W``, ``b`` into ``params`` and ``dW``, ``db`` into ``grads``, keeping their values.

        ``params`` and ``grads`` are flat arrays of :attr:`n_parameters` numbers,
        usually slices of a network-wide array; afterwards ``W`` is the view
        ``params[:n_in * n_out].reshape(n_in, n_out)`` and ``b`` the rest.
        """
        k = self.W.size
        W = params[:k].reshape(self.W.shape)
        W[...] = self.W
        self.W, self.dW = W, grads[:k].reshape(self.W.shape)
        if self.b is not None:
            b = params[k:]
            b[...] = self.b
            self.b, self.db = b, grads[k:]

    def parameters(self) -> list[Array]:
        """The live arrays ``[W, b]`` (``[W]`` without bias)."""
        return [self.W] if self.b is None else [self.W, self.b]

    def gradients(self) -> list[Array]:
        """The live gradient buffers ``[dW, db]`` filled by :meth:`backward`."""
        return [self.dW] if self.db is None else [self.dW, self.db]

    def linear(self, X: Array) -> Array:
        """The pre-activation ``Z = X @ W + b``, of shape ``(n_samples, n_out)``."""
        Z = X @ self.W
        if self.b is not None:
            Z += self.b  # in place: Z is ours, adding b avoids a second (n, n_out) array
        return Z

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
        X : ndarray of shape (n_samples, n_in)
        train : bool, default=False
            Remember ``X`` and ``A`` for :meth:`backward`.
        dropout : float in [0, 1), default=0.0
            With ``train=True``, zero each output with this probability (inverted
            dropout: the kept outputs are divided by ``1 - dropout``, so the
            expected output is unchanged and prediction needs no dropout).
        rng : numpy.random.Generator, optional
            Source of the dropout mask; needed when ``dropout > 0``.

        Returns
        -------
        A : ndarray of shape (n_samples, n_out)
        """
        Z = self.linear(X)
        if not train:
            return self.activation.forward(Z)
        # Forward keeps what backward needs: the input X, and f'(Z) (or A for softmax).
        if self.keep_z:
            # A cross-entropy differentiates through this activation itself (backward_z).
            self.Z = Z
            A, D = self.activation.forward(Z), None
        else:
            A, D = self.activation.forward_with_derivative(Z)
        self._X, self._A, self._D, self._mask = X, A, D, None
        if dropout > 0.0:
            if rng is None:
                raise ValueError("training with dropout needs rng")
            keep = 1.0 - dropout
            self._mask = (rng.random(A.shape, dtype=A.dtype) < keep) / A.dtype.type(keep)
            return A * self._mask
        return A

    def backward(self, dA: Array, *, input_gradient: bool = True) -> Array | None:
        """Backpropagate ``dA = dL/dA``: fill ``dW``, ``db`` and return ``dX``.

        Parameters
        ----------
        dA : ndarray of shape (n_samples, n_out)
            Overwritten (it becomes ``dZ``).
        input_gradient : bool, default=True
            Whether to compute ``dX``; the first layer does not need it.

        Returns
        -------
        dX : ndarray of shape (n_samples, n_in), or None
        """
        if self._A is None:
            raise RuntimeError("backward() called before forward(X, train=True)")
        if self._mask is not None:
            dA *= self._mask
        if self._D is not None:
            dZ = np.multiply(dA, self._D, out=dA)  # dZ = dA * f'(Z), in place: dA is ours
        else:
            dZ = self.activation.backward(self._A, dA)  # identity, softmax
        return self.backward_z(dZ, input_gradient=input_gradient)

    def backward_z(self, dZ: Array, *, input_gradient: bool = True) -> Array | None:
        """Backpropagate ``dZ = dL/dZ`` directly (the fused output/loss pairs).

        ``dW = X.T @ dZ``, ``db = dZ.sum(axis=0)``, ``dX = dZ @ W.T``.

        Parameters
        ----------
        dZ : ndarray of shape (n_samples, n_out)
        input_gradient : bool, default=True
            Whether to compute ``dX``.

        Returns
        -------
        dX : ndarray of shape (n_samples, n_in), or None
        """
        if self._X is None:
            raise RuntimeError("backward() called before forward(X, train=True)")
        np.matmul(self._X.T, dZ, out=self.dW)
        if self.db is not None:
            np.add.reduce(dZ, axis=0, out=self.db)  # db = dZ.sum(axis=0)
        return dZ @ self.W.T if input_gradient else None

    def __repr__(self) -> str:
        bias = "" if self.b is not None else ", bias=False"
        return f"Dense({self.n_in}, {self.n_out}, {self.activation.name!r}{bias})"
