"""Optimizers: how a gradient becomes a change of the weights.

An optimizer's whole contract is one method, :meth:`Optimizer.update`, which
changes one parameter array in place given its gradient and the optimizer's
state for that parameter. :meth:`Optimizer.step` calls it for every parameter.
State (velocities, moment estimates) is kept per parameter array, keyed by its
place in the list that :meth:`Optimizer.step` receives (a network passes its one
``parameter_vector``), so it survives a copy or a pickle of the network and the
optimizer together; an array of another shape or dtype starts afresh.

The parameters may be arrays of any library of the array API standard (NumPy, CuPy,
PyTorch): the updates are written with operators and the functions of their
namespace, ``state["xp"]``, which :meth:`Optimizer.step` looks up once per parameter
array, when its state is created.

>>> import numpy as np
>>> w, g = np.array([1.0, 2.0]), np.array([0.5, -0.5])
>>> GradientDescent(learning_rate=0.1).step([w], [g])
>>> w
array([0.95, 2.05])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._arrays import is_array, namespace
from ._validation import check_fraction, check_positive_float, lookup

Array = NDArray[np.floating]  # or an array of another library of the standard


class Optimizer:
    """Base class. A subclass fills in :meth:`update`.

    Parameters
    ----------
    learning_rate : float
        The step size ``η``; must be positive.
    """

    #: Learning rate used when none is given.
    default_learning_rate = 0.01

    def __init__(self, learning_rate: float | None = None) -> None:
        lr = self.default_learning_rate if learning_rate is None else learning_rate
        self.learning_rate = check_positive_float(lr, "learning_rate")
        self.state: dict[int, dict[str, Any]] = {}

    def step(self, params: list[Array], grads: list[Array]) -> None:
        """Apply one update to every parameter, in place.

        Parameters
        ----------
        params : list of arrays
            The arrays to change, any shapes, of one library of the array API standard.
        grads : list of arrays
            The gradient of the loss with respect to each, of the same shape.
        """
        for i, (p, g) in enumerate(zip(params, grads)):
            state = self.state.get(i)
            if state is None or state["shape"] != p.shape or state["dtype"] != p.dtype:
                state = self.state[i] = {"shape": p.shape, "dtype": p.dtype, "t": 0}
            if "xp" not in state:  # a new state, or one just unpickled
                state["xp"] = namespace(p)
            state["t"] += 1
            self.update(p, g, state)

    def update(self, param: Array, grad: Array, state: dict[str, Any]) -> None:
        """Change ``param`` in place given ``grad``: the one method a subclass fills in.

        Parameters
        ----------
        param : array of any shape
            The parameter array, changed in place.
        grad : array of the same shape
            The gradient of the loss with respect to it.
        state : dict
            This parameter's own state, kept from one step to the next (velocities,
            moments); ``state["t"]`` is the number of updates so far, this one included,
            and ``state["xp"]`` the arrays' namespace, for what is not an operator
            (``xp.sqrt``, ``xp.zeros_like``).
        """
        raise NotImplementedError

    def reset(self) -> None:
        """Forget all state (velocities, moments)."""
        self.state.clear()

    def snapshot(self) -> dict[int, dict[str, Any]]:
        """A copy of the state (its arrays copied too), for :meth:`restore`.

        Training on a GPU checks for divergence once per epoch, after the updates;
        it takes a snapshot when an epoch starts, to undo the epoch if it failed.
        """
        return {i: {key: _copy(value) for key, value in state.items()} for i, state in self.state.items()}

    def restore(self, snapshot: dict[int, dict[str, Any]]) -> None:
        """Make the state what :meth:`snapshot` saw."""
        self.state = snapshot

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        # The namespaces are modules, which do not pickle: step looks them up again.
        state["state"] = {i: {k: v for k, v in s.items() if k != "xp"} for i, s in self.state.items()}
        return state

    def __repr__(self) -> str:
        return f"{type(self).__name__}(learning_rate={self.learning_rate})"


class GradientDescent(Optimizer):
    r"""Plain gradient descent, with optional momentum and Nesterov momentum.

    Without momentum: :math:`w \leftarrow w - \eta\, g`.

    With momentum ``μ`` (PyTorch's form), a velocity ``v`` per parameter:

    .. math::  v \leftarrow \mu v + g, \qquad w \leftarrow w - \eta v

    and with ``nesterov=True`` the step looks ahead: :math:`w \leftarrow w - \eta (g + \mu v)`.

    Parameters
    ----------
    learning_rate : float, default=1.0
        The tutorial's rate. Losses that sum over samples (``sse``) grow with the
        data set, so large data sets need a smaller rate, or a mean loss.
    momentum : float in [0, 1), default=0.0
    nesterov : bool, default=False
        Needs ``momentum > 0``.
    """

    default_learning_rate = 1.0

    def __init__(
        self, learning_rate: float | None = None, momentum: float = 0.0, nesterov: bool = False
    ) -> None:
        super().__init__(learning_rate)
        self.momentum = check_fraction(momentum, "momentum")
        if nesterov and self.momentum == 0.0:
            raise ValueError("nesterov=True needs momentum > 0")
        self.nesterov = bool(nesterov)

    def update(self, param: Array, grad: Array, state: dict[str, Any]) -> None:
        lr, mu = self.learning_rate, self.momentum
        if mu == 0.0:
            param -= lr * grad
            return
        v = state.get("velocity")
        if v is None:
            v = state["velocity"] = state["xp"].asarray(grad, copy=True)  # v_1 = g_1, as PyTorch
        else:
            v *= mu  # v = mu * v + g, in place
            v += grad
        if self.nesterov:
            param -= lr * (grad + mu * v)
        else:
            param -= lr * v

    def __repr__(self) -> str:
        return (
            f"GradientDescent(learning_rate={self.learning_rate}, momentum={self.momentum}, "
            f"nesterov={self.nesterov})"
        )


class Adam(Optimizer):
    r"""Adam (Kingma and Ba, 2015).

    With ``g`` the gradient and ``t`` the step number:

    .. math::
        m \leftarrow \beta_1 m + (1 - \beta_1) g, \qquad
        v \leftarrow \beta_2 v + (1 - \beta_2) g^2

        w \leftarrow w - \eta\, \frac{m / (1 - \beta_1^t)}{\sqrt{v / (1 - \beta_2^t)} + \epsilon}

    Parameters
    ----------
    learning_rate : float, default=0.001
    beta1, beta2 : float in (0, 1), default=0.9, 0.999
    epsilon : float, default=1e-8
    """

    default_learning_rate = 0.001

    def __init__(
        self,
        learning_rate: float | None = None,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
    ) -> None:
        super().__init__(learning_rate)
        self.beta1 = check_fraction(beta1, "beta1", allow_zero=False)
        self.beta2 = check_fraction(beta2, "beta2", allow_zero=False)
        self.epsilon = check_positive_float(epsilon, "epsilon")

    def update(self, param: Array, grad: Array, state: dict[str, Any]) -> None:
        b1, b2, t, xp = self.beta1, self.beta2, state["t"], state["xp"]
        if "m" not in state:
            state["m"] = xp.zeros_like(param)
            state["v"] = xp.zeros_like(param)
        m, v = state["m"], state["v"]
        m *= b1
        m += (1 - b1) * grad
        v *= b2
        v += (1 - b2) * (grad * grad)
        # w -= lr_t * m / (sqrt(v) + eps_t): the bias corrections folded into lr_t and eps_t
        lr_t = self.learning_rate * math.sqrt(1 - b2**t) / (1 - b1**t)
        eps_t = self.epsilon * math.sqrt(1 - b2**t)
        denominator = xp.sqrt(v)
        denominator += eps_t
        param -= lr_t * (m / denominator)

    def __repr__(self) -> str:
        return (
            f"Adam(learning_rate={self.learning_rate}, beta1={self.beta1}, beta2={self.beta2}, "
            f"epsilon={self.epsilon})"
        )


def _copy(value: Any) -> Any:
    """An array copied; anything else (a number, a shape, a namespace) as it is."""
    return namespace(value).asarray(value, copy=True) if is_array(value) else value


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "gd": GradientDescent,
    "sgd": GradientDescent,
    "adam": Adam,
}


def get_optimizer(
    optimizer: str | Optimizer, learning_rate: float | None = None, **options: Any
) -> Optimizer:
    """Build an optimizer from a name (``"gd"``, ``"sgd"``, ``"adam"``) or pass one through.

    Parameters
    ----------
    optimizer : str or Optimizer
    learning_rate : float, optional
        The optimizer's default when ``None``.
    **options
        Passed to the constructor (``momentum``, ``nesterov``, ``beta1``, ...).
    """
    if isinstance(optimizer, Optimizer):
        return optimizer
    return lookup(OPTIMIZERS, optimizer, "optimizer")(learning_rate, **options)
