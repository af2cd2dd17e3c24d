"""Activation functions and their derivatives, side by side.

Each activation ``A = f(Z)`` is applied element by element to the pre-activation
``Z`` of shape ``(n_samples, n_units)`` (softmax works row by row).

Every ``*_derivative`` here takes the **output** ``A = f(Z)``, not the input ``Z``,
exactly like the tutorial's ``sigmoid_derivative(x) = x * (1 - x)``, which
expects ``x = sigmoid(z)``. Passing ``Z`` instead is a classic bug; the argument
is called ``A`` everywhere to make that hard to do.

Backpropagation through an activation is one line, the chain rule
``δ = dA ⊙ f'(Z)`` (:meth:`Activation.backward`), where ``dA = dL/dA`` comes
from the layer above and ``δ = dL/dZ`` goes on to the layer's weights.

Every function takes the arrays of any library of the array API standard (NumPy,
CuPy, PyTorch) and computes with their namespace ``xp``; a caller who has looked it
up already passes it (``xp=numpy``), and one who has not leaves it out: ``xp or
namespace(Z)`` looks it up then only (a module is never false; :mod:`playwithnn._arrays`).

>>> import numpy as np
>>> A = sigmoid(np.array([[0.0, 2.0]]))
>>> A.round(4)
array([[0.5   , 0.8808]])
>>> sigmoid_derivative(A).round(4)   # σ'(z) = a (1 - a), given a = σ(z)
array([[0.25 , 0.105]])
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _arrays
from ._arrays import Namespace, namespace
from ._validation import Registry

Array = NDArray[np.floating]  # or an array of another library of the standard

#: Slope of ``leaky_relu`` for negative inputs.
LEAKY_SLOPE = 0.01


def sigmoid(Z: Array, xp: Namespace | None = None) -> Array:
    """Logistic sigmoid ``A = 1 / (1 + exp(-Z))``.

    Computed without overflow for any finite ``Z`` (from ``exp(-|Z|)`` only: on NumPy
    by ``scipy.special.expit``), so ``sigmoid(±1e4)`` is exactly 1 or 0 and raises
    no warning.

    Parameters
    ----------
    Z : array of shape (n_samples, n_units)
    xp : array namespace, optional
        ``Z``'s, if the caller knows it.

    Returns
    -------
    A : array of shape (n_samples, n_units), same dtype as ``Z``
    """
    return _arrays.sigmoid(Z, xp or namespace(Z))


def sigmoid_derivative(A: Array, xp: Namespace | None = None) -> Array:
    """``dA/dZ = A (1 - A)``, given the sigmoid's **output** ``A = sigmoid(Z)``.

    Parameters
    ----------
    A : array of shape (n_samples, n_units)
        The activation's output.
    xp : array namespace, optional

    Returns
    -------
    dA_dZ : array of shape (n_samples, n_units), same dtype as ``A``
    """
    return A * (1 - A)


def tanh(Z: Array, xp: Namespace | None = None) -> Array:
    """Hyperbolic tangent ``A = tanh(Z)``; saturates to ±1 without overflow.

    Parameters
    ----------
    Z : array of shape (n_samples, n_units)
    xp : array namespace, optional

    Returns
    -------
    A : array of shape (n_samples, n_units), same dtype as ``Z``
    """
    xp = xp or namespace(Z)
    return xp.tanh(Z)


def tanh_derivative(A: Array, xp: Namespace | None = None) -> Array:
    """``dA/dZ = 1 - A**2``, given the output ``A = tanh(Z)``.

    Parameters
    ----------
    A : array of shape (n_samples, n_units)
        The activation's output.
    xp : array namespace, optional

    Returns
    -------
    dA_dZ : array of shape (n_samples, n_units), same dtype as ``A``
    """
    return 1 - A * A


def relu(Z: Array, xp: Namespace | None = None) -> Array:
    """Rectified linear unit ``A = max(Z, 0)``.

    Parameters
    ----------
    Z : array of shape (n_samples, n_units)
    xp : array namespace, optional

    Returns
    -------
    A : array of shape (n_samples, n_units), same dtype as ``Z``
    """
    xp = xp or namespace(Z)
    return xp.maximum(Z, 0)


def relu_derivative(A: Array, xp: Namespace | None = None) -> Array:
    """``dA/dZ = 1 where A > 0 else 0``, given the output ``A = relu(Z)``.

    ``A > 0`` exactly when ``Z > 0``; at ``Z = 0`` the derivative is taken as 0,
    as PyTorch does.

    Parameters
    ----------
    A : array of shape (n_samples, n_units)
        The activation's output.
    xp : array namespace, optional

    Returns
    -------
    dA_dZ : array of shape (n_samples, n_units), same dtype as ``A``
    """
    xp = xp or namespace(A)
    return xp.astype(A > 0, A.dtype)


def leaky_relu(Z: Array, xp: Namespace | None = None) -> Array:
    """Leaky ReLU ``A = Z where Z > 0 else 0.01 Z`` (slope :data:`LEAKY_SLOPE`).

    Parameters
    ----------
    Z : array of shape (n_samples, n_units)
    xp : array namespace, optional

    Returns
    -------
    A : array of shape (n_samples, n_units), same dtype as ``Z``
    """
    xp = xp or namespace(Z)
    return xp.where(Z > 0, Z, LEAKY_SLOPE * Z)


def leaky_relu_derivative(A: Array, xp: Namespace | None = None) -> Array:
    """``dA/dZ = 1 where A > 0 else 0.01``, given the output ``A = leaky_relu(Z)``.

    The slope is positive, so ``A > 0`` exactly when ``Z > 0``.

    Parameters
    ----------
    A : array of shape (n_samples, n_units)
        The activation's output.
    xp : array namespace, optional

    Returns
    -------
    dA_dZ : array of shape (n_samples, n_units), same dtype as ``A``
    """
    xp = xp or namespace(A)
    return xp.where(A > 0, xp.ones_like(A), LEAKY_SLOPE)


def identity(Z: Array, xp: Namespace | None = None) -> Array:
    """``A = Z``: the output of a regression network.

    Parameters
    ----------
    Z : array of shape (n_samples, n_units)
    xp : array namespace, optional

    Returns
    -------
    A : array of shape (n_samples, n_units), same dtype as ``Z``
    """
    return Z


def identity_derivative(A: Array, xp: Namespace | None = None) -> Array:
    """``dA/dZ = 1``.

    Parameters
    ----------
    A : array of shape (n_samples, n_units)
        The activation's output.
    xp : array namespace, optional

    Returns
    -------
    dA_dZ : array of shape (n_samples, n_units), same dtype as ``A``
    """
    xp = xp or namespace(A)
    return xp.ones_like(A)


def exp(Z: Array, xp: Namespace | None = None) -> Array:
    """``A = exp(Z)``: a positive output, the mean of a Poisson regression (output layer only).

    Beyond ``Z ≈ 709`` (float64) the result is ``inf``, without a warning.

    Parameters
    ----------
    Z : array of shape (n_samples, n_units)
    xp : array namespace, optional

    Returns
    -------
    A : array of shape (n_samples, n_units), same dtype as ``Z``
    """
    xp = xp or namespace(Z)
    with _arrays.overflow_ignored():
        return xp.exp(Z)


def exp_derivative(A: Array, xp: Namespace | None = None) -> Array:
    """``dA/dZ = A``, given the output ``A = exp(Z)``.

    Parameters
    ----------
    A : array of shape (n_samples, n_units)
        The activation's output.
    xp : array namespace, optional

    Returns
    -------
    dA_dZ : array of shape (n_samples, n_units)
    """
    return A


def softmax(Z: Array, xp: Namespace | None = None) -> Array:
    """Row-wise softmax ``A_ik = exp(Z_ik) / sum_j exp(Z_ij)``.

    The row maximum is subtracted first (the value does not change), so no
    ``exp`` ever sees a positive argument and nothing overflows.

    Parameters
    ----------
    Z : array of shape (n_samples, n_classes)
    xp : array namespace, optional

    Returns
    -------
    A : array of shape (n_samples, n_classes)
        Each row is positive and sums to 1.

    Examples
    --------
    >>> softmax(np.array([[1e4, 0.0], [0.0, 0.0]]))
    array([[1. , 0. ],
           [0.5, 0.5]])
    """
    xp = xp or namespace(Z)
    E = xp.exp(Z - xp.max(Z, axis=1, keepdims=True))
    E /= xp.sum(E, axis=1, keepdims=True)
    return E


def softmax_backward(A: Array, dA: Array, xp: Namespace | None = None) -> Array:
    """Vector-Jacobian product of softmax, given its output ``A``.

    The Jacobian of one row is ``dA_i/dZ_j = A_i (δ_ij - A_j)``, so

    ``dZ = A * (dA - sum(dA * A, axis=1))``.

    Parameters
    ----------
    A : array of shape (n_samples, n_classes)
        The softmax output.
    dA : array of shape (n_samples, n_classes)
        Gradient of the loss with respect to ``A``.
    xp : array namespace, optional

    Returns
    -------
    dZ : array of shape (n_samples, n_classes)
    """
    xp = xp or namespace(A)
    return A * (dA - xp.sum(dA * A, axis=1, keepdims=True))


#: Where :class:`Activation` checks a derivative: 51 points of z from -4.9 to 5.1, none an integer
#: (kinks such as ReLU's at 0 fall between them), as 3 rows of 17 units.
CHECK_POINTS = np.linspace(-4.9, 5.1, 51).reshape(3, 17)
#: The step ``h`` of the central difference, and the largest accepted error ``|actual - expected|``
#: relative to ``1 + |expected|``. The central difference errs by about ``1e-16 |f| / h`` from
#: rounding and ``h**2 |f'''| / 6`` from truncation, near ``1e-10`` for the activations here; a wrong
#: derivative errs by far more than ``CHECK_TOLERANCE`` somewhere in the range.
CHECK_STEP, CHECK_TOLERANCE = 1e-6, 1e-6


def _takes_xp(function: Callable[..., Any]) -> bool:
    """Whether ``function`` can be called as ``function(x, xp)``: the built-ins can; a learner's
    ``def sigmoid(x)`` is called with ``x`` alone."""
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):  # a builtin without a signature: one argument
        return False
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in parameters)


def check_derivative(function: Callable[[Array], Array], derivative: Callable[[Array], Array], takes: str,
                     name: str) -> None:
    """Check ``derivative`` against central differences of ``function`` at :data:`CHECK_POINTS` (float64).

    Parameters
    ----------
    function : callable
        ``A = function(Z)``, element by element, for ``Z`` of shape (3, 17).
    derivative : callable
        ``dA/dZ``, as a function of ``A = function(Z)`` (``takes="a"``) or of ``Z`` (``takes="z"``).
    takes : {"a", "z"}
    name : str
        The activation's name, for the message.

    Raises
    ------
    ValueError
        If the function or the derivative is not finite or changes the shape somewhere in the range, or
        the derivative differs from the slope ``(f(z + h) - f(z - h)) / 2h`` by more than
        :data:`CHECK_TOLERANCE`: the message names the worst ``z``, the expected and the actual
        derivative, and says so if the derivative is right when given the other argument (a derivative
        written for ``z`` but given ``a``, the article's trap: σ applied twice).

    Examples
    --------
    >>> check_derivative(sigmoid, sigmoid_derivative, "a", "sigmoid")
    >>> twice = lambda a: sigmoid(a) * (1 - sigmoid(a))       # σ'(z) written for z, given a
    >>> try:
    ...     check_derivative(sigmoid, twice, "a", "mine")
    ... except ValueError as exc:
    ...     print(exc)  # doctest: +NORMALIZE_WHITESPACE +ELLIPSIS
    activation 'mine': its derivative is wrong at z = -4.9: the slope of the function there is
    0.00733691 (central difference) but the derivative gives 0.249997. It gives the right slope
    when given z: it is written for the input z, not for the output a = f(z) it is given ...
    """
    Z = CHECK_POINTS.copy()
    h = CHECK_STEP

    def checked(what: str, value: Any) -> Array:
        value = np.asarray(value, dtype=np.float64)
        if value.shape != Z.shape:
            raise ValueError(f"activation {name!r}: its {what} must keep the shape of its input, element by "
                             f"element; given shape {Z.shape} it returned {value.shape}")
        if not np.isfinite(value).all():
            z = float(Z.flat[int(np.argmin(np.isfinite(value)))])
            raise ValueError(f"activation {name!r}: its {what} is not finite at z = {z:.4g}; an activation "
                             "and its derivative must be finite for every finite input")
        return value

    with np.errstate(all="ignore"):
        A = checked("function", function(Z.copy()))
        plus, minus = Z + h, Z - h
        f_plus, f_minus = checked("function", function(plus)), checked("function", function(minus))
        expected = (f_plus - f_minus) / (plus - minus)
        actual = checked("derivative", derivative(A.copy() if takes == "a" else Z.copy()))
        other = np.asarray(derivative(Z.copy() if takes == "a" else A.copy()), dtype=np.float64)
    error = np.abs(actual - expected) / (1 + np.abs(expected))
    worst = int(np.argmax(error))
    if error.flat[worst] <= CHECK_TOLERANCE:
        return
    message = (f"activation {name!r}: its derivative is wrong at z = {Z.flat[worst]:.4g}: the slope of the "
               f"function there is {expected.flat[worst]:.6g} (central difference) but the derivative gives "
               f"{actual.flat[worst]:.6g}.")
    right_for_other = other.shape == Z.shape and bool(
        np.all(np.abs(other - expected) / (1 + np.abs(expected)) <= CHECK_TOLERANCE))
    if right_for_other and takes == "a":
        message += (" It gives the right slope when given z: it is written for the input z, not for the "
                    "output a = f(z) it is given (the article's trap: for the sigmoid, σ applied twice). "
                    "Pass takes='z', or write it in terms of a (the sigmoid's is a * (1 - a)).")
    elif right_for_other:
        message += (" It gives the right slope when given a = f(z): leave takes='a' (the default), as the "
                    "article's sigmoid_derivative(x) = x * (1 - x) does.")
    else:
        message += f" (takes={takes!r}: the derivative is given {'a = f(z)' if takes == 'a' else 'z'}.)"
    raise ValueError(message)


@dataclass(frozen=True)
class Activation:
    """An activation function bundled with its derivative, checked when it is made.

    Making one checks ``derivative`` against central differences of ``function`` at 51 inputs
    from -4.9 to 5.1, in float64 (:func:`check_derivative`): a wrong derivative raises
    ``ValueError`` naming the worst input, the expected and the actual derivative. One call,
    nothing else to do. The object is then usable wherever an activation's name is:
    ``NeuralNetwork(activation=act)``, a list of them per hidden layer, ``output_activation``,
    the scikit-learn estimators' ``activation``. A model file stores its :attr:`name` only,
    never code: to load such a file, :func:`register` the activation first.

    Parameters
    ----------
    name : str
        The name a model file stores.
    function : callable
        ``A = function(Z)``, element by element (``function(Z, xp)`` if it takes a second
        argument: the array namespace, see :mod:`playwithnn._arrays`).
    derivative : callable or None
        ``dA/dZ`` element by element: ``derivative(A)`` of the **output** ``A = function(Z)``,
        as the article's ``sigmoid_derivative(x) = x * (1 - x)`` is; ``derivative(Z)`` with
        ``takes="z"``. ``None`` only for the built-in softmax, whose Jacobian is not diagonal:
        its :meth:`backward` is :func:`softmax_backward`.
    takes : {"a", "z"}, default="a"
        What the derivative is given. ``"z"`` for activations such as swish, ``z σ(z)``, whose
        derivative is not a function of its output; a layer then keeps ``Z`` for the backward pass.
    hidden : bool, default=True
        Whether the activation may be used in a hidden layer.
    init : str, default="glorot"
        The initializer a layer uses when none is given (``"he"`` for the ReLUs).

    Raises
    ------
    ValueError
        If the derivative is wrong, or the function or the derivative is not finite on the range.
    TypeError
        If ``function`` or ``derivative`` is not callable, or ``name`` not a string.

    Examples
    --------
    The article's sigmoid, and its derivative of the output:

    >>> def sigmoid(x):
    ...     return 1 / (1 + np.exp(-x))
    >>> def sigmoid_derivative(x):
    ...     return x * (1 - x)
    >>> act = Activation("my_sigmoid", sigmoid, sigmoid_derivative)
    >>> A = act.forward(np.array([[0.0]]))
    >>> act.backward(A, np.array([[2.0]]))   # δ = dA ⊙ σ'(z) = 2 × 0.25
    array([[0.5]])

    Swish, whose derivative takes z:

    >>> swish = Activation("swish", lambda z: z * sigmoid(z),
    ...                    lambda z: sigmoid(z) * (1 + z * (1 - sigmoid(z))), takes="z")

    A derivative written for z but given a (the sigmoid applied twice) is caught:

    >>> Activation("twice", sigmoid, lambda a: sigmoid(a) * (1 - sigmoid(a)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: activation 'twice': its derivative is wrong at z = -4.9: ... when given z...
    """

    name: str
    function: Callable[..., Array]
    derivative: Callable[..., Array] | None
    _: KW_ONLY
    takes: str = "a"
    hidden: bool = True
    init: str = "glorot"
    # Whether function and derivative take the namespace as a second argument (the built-ins do).
    _with_xp: tuple[bool, bool] = field(init=False, repr=False, compare=False, default=(True, True))

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"an activation's name must be a non-empty string; got {self.name!r:.60}")
        if not callable(self.function):
            raise TypeError(f"activation {self.name!r}: function must be callable; got {self.function!r:.60}")
        if self.takes not in ("a", "z"):
            raise ValueError(f"activation {self.name!r}: takes must be 'a' (the output) or 'z' (the input); "
                             f"got {self.takes!r:.60}")
        if self.derivative is None:
            if self.function is not softmax:
                raise TypeError(f"activation {self.name!r}: derivative is missing; give dA/dZ as a function "
                                "of the output a (or of z, with takes='z')")
            return
        if not callable(self.derivative):
            raise TypeError(f"activation {self.name!r}: derivative must be callable; "
                            f"got {self.derivative!r:.60}")
        object.__setattr__(self, "_with_xp", (_takes_xp(self.function), _takes_xp(self.derivative)))
        check_derivative(self.forward, self.derivative_of, self.takes, self.name)

    def forward(self, Z: Array, xp: Namespace | None = None) -> Array:
        """``A = f(Z)``; ``xp`` is ``Z``'s array namespace, if the caller knows it."""
        return self.function(Z, xp) if self._with_xp[0] else self.function(Z)

    def derivative_of(self, A_or_Z: Array, xp: Namespace | None = None) -> Array:
        """``f'(Z)`` element by element, from ``A`` (``takes="a"``) or ``Z`` (``takes="z"``)."""
        if self.derivative is None:
            raise TypeError(f"activation {self.name!r} has no element-wise derivative; use backward")
        return self.derivative(A_or_Z, xp) if self._with_xp[1] else self.derivative(A_or_Z)

    def backward(self, A: Array, dA: Array, xp: Namespace | None = None, Z: Array | None = None) -> Array:
        """The chain rule through the activation: ``δ = dL/dZ = dA ⊙ f'(Z)``.

        Parameters
        ----------
        A : array of shape (n_samples, n_units)
            The activation's output ``A = f(Z)``, from which ``f'(Z)`` is computed.
        dA : array of shape (n_samples, n_units)
            ``dL/dA``, the gradient arriving from above. Overwritten: it becomes ``δ``.
        xp : array namespace, optional
            The arrays', if the caller knows it.
        Z : array of shape (n_samples, n_units), optional
            The input ``Z``: needed when the derivative takes it (``takes="z"``).

        Returns
        -------
        delta : array of shape (n_samples, n_units)
            ``dL/dZ``.
        """
        if self.derivative is None:
            return softmax_backward(A, dA, xp)
        if self.takes == "z" and Z is None:
            raise ValueError(f"activation {self.name!r} takes z: backward needs Z")
        x = Z if self.takes == "z" else A
        # f'(z) times dA in place (dA is a temporary of the backward pass); the derivative is
        # called here directly, not through derivative_of: this runs at every training step.
        dA *= self.derivative(x, xp) if self._with_xp[1] else self.derivative(x)
        return dA


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", sigmoid, sigmoid_derivative),
        Activation("tanh", tanh, tanh_derivative),
        Activation("relu", relu, relu_derivative, init="he"),
        Activation("leaky_relu", leaky_relu, leaky_relu_derivative, init="he"),
        Activation("identity", identity, identity_derivative),
        Activation("softmax", softmax, None, hidden=False),
        Activation("exp", exp, exp_derivative, hidden=False),
    )
}

#: The built-in activations, and those their users made and :func:`register` made known (none
#: until it is called; nothing else adds to it).
_REGISTRY = Registry("activation", Activation, ACTIVATIONS, "playwithnn.activations.register(activation)")


def register(activation: Activation) -> Activation:
    """Make a custom activation known by its name: to model files, and wherever a name is accepted.

    A model file stores an activation's name only, never code; loading a file that names a custom
    activation needs it registered first, in the process that loads. Registering is explicit:
    making an :class:`Activation` does not register it. Registering another activation under a
    name already registered replaces it (re-running a notebook cell works); the built-in names
    cannot be taken.

    Parameters
    ----------
    activation : Activation

    Returns
    -------
    Activation
        The same object, so that ``act = register(Activation(...))`` reads in one line.

    Raises
    ------
    TypeError
        If ``activation`` is not an :class:`Activation`.
    ValueError
        If its name is a built-in one.

    Examples
    --------
    >>> softsign = register(Activation("softsign", lambda z: z / (1 + abs(z)),
    ...                                lambda z: 1 / (1 + abs(z)) ** 2, takes="z"))
    >>> get_activation("softsign") is softsign
    True
    >>> unregister("softsign")
    """
    return _REGISTRY.register(activation)


def unregister(name: str) -> None:
    """Forget the custom activation registered as ``name`` (``KeyError`` if there is none)."""
    _REGISTRY.unregister(name)


def get_activation(name: str | Activation, *, argument: str = "activation") -> Activation:
    """Look up an activation by name: a built-in one, or one :func:`register` made known.

    Parameters
    ----------
    name : str or Activation
        One of ``sigmoid``, ``tanh``, ``relu``, ``leaky_relu``, ``identity``, ``softmax``, ``exp``,
        or a registered name; an :class:`Activation` is returned as it is.
    argument : str
        The argument's name, used in the error message.

    Raises
    ------
    ValueError
        If the name is unknown (the message says how a custom activation is registered), or an
        :class:`Activation` carries the name of another known activation (a model file, which
        stores the name, would load the other one).
    TypeError
        If ``name`` is neither a string nor an :class:`Activation`.
    """
    return _REGISTRY.get(name, argument)


def hidden_activations(activation: str | Activation | Sequence[str | Activation], n_hidden: int
                       ) -> list[str | Activation]:
    """One activation per hidden layer (names or :class:`Activation` objects, as given), from one
    for all or a list of ``n_hidden``.

    Raises
    ------
    TypeError, ValueError
        If a name is unknown, the list has the wrong length, or an activation
        cannot be used in a hidden layer (softmax).

    >>> hidden_activations("relu", 2)
    ['relu', 'relu']
    """
    if isinstance(activation, (str, Activation)):
        hidden = [activation] * n_hidden
    elif isinstance(activation, Sequence):
        hidden = list(activation)
        if len(hidden) != n_hidden:
            raise ValueError(
                f"activation has {len(hidden)} entries but the network has {n_hidden} hidden layers; "
                "give one name per hidden layer, or one name for all"
            )
    else:
        raise TypeError(f"activation must be a name or a list of names; got {activation!r:.60}")
    for i, name in enumerate(hidden):
        arg = "activation" if isinstance(activation, (str, Activation)) else f"activation[{i}]"
        act = get_activation(name, argument=arg)
        if not act.hidden:
            raise ValueError(f"{arg} {act.name!r} can only be used in the output layer")
    return hidden

