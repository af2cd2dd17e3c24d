r"""One training iteration in four steps, with the library's own numbers: the playground's walk.

A :class:`Walk` takes one batch through :meth:`NeuralNetwork.gradients
<playwithnn.NeuralNetwork.gradients>` (a training feedforward, then
backpropagation) and reads what the library keeps: each
:class:`~playwithnn.layers.Dense` layer's input ``X``, output ``A`` and ``delta``,
the gradients, and the loss object's value and gradient
(:meth:`~playwithnn.losses.Loss.value_and_gradient`). At its last step the
session's optimizer updates the weights through :meth:`NeuralNetwork.train_step
<playwithnn.NeuralNetwork.train_step>`, and the walk reads the change. The page
formats these numbers; it computes none of them.

===========  ==========================================================================
step         what it holds, for each sample of the batch and over the whole batch
===========  ==========================================================================
feedforward  ``z = a_prev W + b`` and ``a = f(z)`` of every neuron, layer by layer
loss         ``L`` and ``dL/dŷ`` (``dL/dz`` for a loss that takes the logits, whose
             gradient the library computes through the sigmoid or softmax at once)
backward     ``δ = dL/dz = dL/da ⊙ f'(z)`` of every neuron and
             ``∂L/∂w = Σ_s a_s δ_s`` of every weight (``∂L/∂b = Σ_s δ_s``)
update       ``Δw``, the optimizer's change of every weight (``-η ∂L/∂w`` for plain
             gradient descent), and the weights after it
===========  ==========================================================================

Three numbers are arranged here rather than read: ``z`` (``Dense.forward`` computes it
and keeps only ``a``), ``dL/da`` of a hidden layer (``δ_next W_nextᵀ``, what
``Dense.backward`` returns and the network hands down without keeping) and each
sample's share ``a_s δ_s`` of ``∂L/∂w``; each is written below as the library's
equation, in NumPy, from the library's arrays.

>>> import numpy as np
>>> from playwithnn import NeuralNetwork
>>> from playwithnn.optimizers import get_optimizer
>>> net = NeuralNetwork([2, 3, 1], seed=0)
>>> X, y = np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([[1.0], [0.0]])
>>> walk = Walk(net, X, y, np.array([0, 1]))
>>> bool(np.allclose(walk.dW[1], walk.A[0].T @ walk.delta[1]))
True
>>> walk.update(net, get_optimizer("gd", 0.5))
>>> walk.phase, bool(np.allclose(walk.step[1][0], -0.5 * walk.dW[1]))
('update', True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..network import NeuralNetwork
from ..optimizers import Optimizer

Array = NDArray[np.floating]

#: The four steps, in order.
PHASES = ("feedforward", "loss", "backward", "update")
#: The samples of a batch whose own numbers are published; sums and means cover the whole batch.
MAX_SHOWN = 10


def to_numbers(A: Any, digits: int | None = None) -> Any:
    """``A`` as nested lists of floats, NaN and infinities as ``None`` (JSON ``null``).

    The walk's numbers go out whole (the page rounds them for display, once);
    ``digits`` significant digits are enough for what is only drawn.

    >>> to_numbers(np.array([[1 / 3, np.inf]]), digits=6)
    [[0.333333, None]]
    >>> to_numbers(0.25)
    0.25
    """
    arr = np.asarray(A, dtype=np.float64)
    if digits is None and np.isfinite(arr).all():
        return arr.tolist()
    flat = [None if not math.isfinite(v) else v if digits is None else float(f"{v:.{digits}g}")
            for v in arr.ravel().tolist()]
    if arr.ndim == 0:
        return flat[0]
    return np.array(flat, dtype=object).reshape(arr.shape).tolist()


def split_by_layer(arrays: Sequence[Array] | Mapping[str, Array], net: NeuralNetwork
                   ) -> tuple[list[Array], list[Array | None]]:
    """``[W1, b1, W2, ...]`` (in the order of :meth:`NeuralNetwork.parameters`; a mapping by
    name in that order too) as the lists ``[W1, W2, ...]`` and ``[b1, b2, ...]`` (``None`` for a
    layer without bias)."""
    it = iter(arrays.values() if isinstance(arrays, Mapping) else arrays)
    Ws: list[Array] = []
    bs: list[Array | None] = []
    for layer in net.layers:
        Ws.append(next(it))
        bs.append(next(it) if layer.b is not None else None)
    return Ws, bs


class Walk:
    """One training iteration of ``net`` on the batch ``X``, ``y``, taken a step at a time.

    Built at the first step (feedforward), with everything up to the gradients;
    :meth:`update` takes the last step. ``net`` is not changed until then.

    Parameters
    ----------
    net : NeuralNetwork
    X : ndarray of shape (n_batch, n_features)
        The batch, as the network's inputs.
    y : ndarray of shape (n_batch, n_outputs)
        Its targets.
    rows : ndarray of shape (n_batch,)
        Which training points the batch holds.
    l2 : float, default=0.0
        The L2 penalty of the update (see :meth:`NeuralNetwork.train_step`).
    iteration, epoch : int, default=0
        Batches and epochs trained before this one.

    Attributes
    ----------
    phase : str
        The step the learner is at, one of :data:`PHASES`.
    Z, A : list of ndarray of shape (n_batch, n_units)
        ``z`` and ``a`` of every layer (``A[-1]`` is the output the loss takes: ``ŷ``,
        or the logits ``z`` for a loss that takes them).
    y_pred : ndarray of shape (n_batch, n_outputs)
        The prediction ``ŷ``.
    loss : float
        ``L`` on the batch.
    dL_doutput : ndarray of shape (n_batch, n_outputs)
        The loss's gradient with respect to what it takes.
    dA : list of (ndarray or None)
        ``dL/da`` of every layer; ``None`` for the output of a loss that takes the logits.
    fprime : list of (ndarray or None)
        ``f'(z)`` of every layer (from ``a``, as the backward pass computes it); ``None`` likewise.
    delta : list of ndarray
        ``δ = dL/dz`` of every layer, one row per sample.
    dW, db : list of ndarray (``db`` entries None without bias)
        ``∂L/∂W`` and ``∂L/∂b`` of every layer, summed over the batch.
    W_before, b_before, W_after, b_after, step : lists
        The parameters before and after the update and their change (after :meth:`update`).
    """

    def __init__(self, net: NeuralNetwork, X: Array, y: Array, rows: NDArray[np.intp], *,
                 l2: float = 0.0, iteration: int = 0, epoch: int = 0) -> None:
        self.phase = PHASES[0]
        self.X, self.y, self.rows, self.l2 = X, y, rows, l2
        self.iteration, self.epoch = iteration, epoch
        loss_function = net.loss_function
        self.loss_name = loss_function.name
        self.fused = loss_function.from_logits  # the loss takes the logits: δ of the output is its gradient
        layers = net.layers
        with np.errstate(all="ignore"):  # weights grown huge give inf and NaN, published as null
            gradients = net.gradients(X, y)  # a training feedforward, then backpropagation
            self.A = [np.array(layer.A) for layer in layers]
            # z = a_prev W + b: what Dense.forward computes and does not keep
            self.Z = [layer.X @ layer.W + (0.0 if layer.b is None else layer.b) for layer in layers]
            self.loss, self.dL_doutput = loss_function.value_and_gradient(y, self.A[-1])
            self.y_pred = loss_function.predict(self.A[-1])
            self.delta = [np.array(layer.delta) for layer in layers]
            self.dW, self.db = split_by_layer(gradients, net)
            # dL/da: the loss's gradient at the output; below, δ_next W_nextᵀ (Dense.backward's dX)
            self.dA: list[Array | None] = [self.delta[k + 1] @ layers[k + 1].W.T
                                           for k in range(len(layers) - 1)]
            self.dA.append(None if self.fused else self.dL_doutput)
            # f'(z), from a as Dense.backward takes it: δ = dL/da ⊙ f'(z) with dL/da = 1
            self.fprime: list[Array | None] = [
                None if dA is None else layer.activation.backward(A, np.ones_like(A))
                for layer, A, dA in zip(layers, self.A, self.dA)]
        self.W_before, self.b_before = split_by_layer([p.copy() for p in net.parameters()], net)
        self.W_after: list[Array] | None = None
        self.b_after: list[Array | None] | None = None
        self.step: list[tuple[Array, Array | None]] | None = None

    @property
    def n_batch(self) -> int:
        return int(self.X.shape[0])

    def advance(self) -> None:
        """Go from feedforward to loss, or from loss to backward (:meth:`update` takes the last step)."""
        if self.phase not in PHASES[:2]:
            raise ValueError(f"the walk is at {self.phase}: the next step is the update")
        self.phase = PHASES[PHASES.index(self.phase) + 1]

    def update(self, net: NeuralNetwork, optimizer: Optimizer) -> None:
        """The last step: the optimizer updates ``net``'s weights on this batch.

        :meth:`NeuralNetwork.train_step` runs the same feedforward and
        backpropagation again (the same numbers), adds the L2 penalty's gradient
        ``l2 · W`` (if any) and lets ``optimizer`` step.

        Raises
        ------
        TrainingDivergedError
            If the loss or a gradient is not finite; the weights are not changed.
        """
        with np.errstate(all="ignore"):  # train_step reports divergence itself
            net.train_step(self.X, self.y, optimizer, l2=self.l2)
        self.W_after, self.b_after = split_by_layer([p.copy() for p in net.parameters()], net)
        self.step = [(W1 - W0, None if b0 is None or b1 is None else b1 - b0)
                     for W0, W1, b0, b1 in zip(self.W_before, self.W_after, self.b_before, self.b_after)]
        self.phase = "update"

    def to_json(self, settings: dict[str, Any]) -> dict[str, Any]:
        """What the page shows at the current step (and the steps before it), as JSON values.

        Per-sample arrays hold the first :data:`MAX_SHOWN` samples of the batch
        (``shown`` of them); ``*_mean`` and ``*_sum`` cover the whole batch.
        """
        m = min(self.n_batch, MAX_SHOWN)
        at = PHASES.index(self.phase)
        out: dict[str, Any] = {
            "phase": self.phase,
            "iteration": self.iteration,
            "epoch": self.epoch,
            "batch_size": self.n_batch,
            "rows": self.rows.tolist(),
            "shown": m,
            "loss_name": self.loss_name,
            "fused": self.fused,
            "learning_rate": settings["learning_rate"],
            "optimizer": settings["optimizer"],
            "l2": settings["l2"],
            "l2_batch": self.l2,  # λ of this batch's update: l2, or its share of a summed loss
            "inputs": {"x": to_numbers(self.X[:m]), "mean": to_numbers(self.X.mean(axis=0))},
            "targets": to_numbers(self.y[:m]),
        }
        layers = []
        for k, (Z, W, b) in enumerate(zip(self.Z, self.W_before, self.b_before)):
            A = self.y_pred if k == len(self.Z) - 1 else self.A[k]
            layer: dict[str, Any] = {
                "z": to_numbers(Z[:m]), "z_mean": to_numbers(Z.mean(axis=0)),
                "a": to_numbers(A[:m]), "a_mean": to_numbers(A.mean(axis=0)),
                "W": to_numbers(W), "b": None if b is None else to_numbers(b),
            }
            if at >= PHASES.index("backward"):
                a_prev = self.X if k == 0 else self.A[k - 1]
                dA, fprime = self.dA[k], self.fprime[k]
                layer.update({
                    "delta": to_numbers(self.delta[k][:m]),
                    "delta_sum": to_numbers(self.delta[k].sum(axis=0)),
                    "da": None if dA is None else to_numbers(dA[:m]),
                    "fprime": None if fprime is None else to_numbers(fprime[:m]),
                    "dW": to_numbers(self.dW[k]),
                    "db": None if self.db[k] is None else to_numbers(self.db[k]),
                    # each sample's share a_s δ_s of ∂L/∂w = Σ_s a_s δ_s, shape (shown, n_in, n_out)
                    "terms": to_numbers(a_prev[:m, :, None] * self.delta[k][:m, None, :]),
                })
            if self.step is not None and self.W_after is not None and self.b_after is not None:
                dW_step, db_step = self.step[k]
                b_after = self.b_after[k]
                layer.update({
                    "W_after": to_numbers(self.W_after[k]), "W_step": to_numbers(dW_step),
                    "b_after": None if b_after is None else to_numbers(b_after),
                    "b_step": None if db_step is None else to_numbers(db_step),
                })
            layers.append(layer)
        out["layers"] = layers
        if at >= PHASES.index("loss"):
            out["loss"] = {"value": to_numbers(self.loss), "gradient": to_numbers(self.dL_doutput[:m]),
                           "gradient_sum": to_numbers(self.dL_doutput.sum(axis=0))}
        return out


__all__ = ["MAX_SHOWN", "PHASES", "Walk", "split_by_layer", "to_numbers"]
