"""What a playground page may ask for: the settings of one session, checked at the edge.

A page sends its settings as a JSON object; :func:`parse_settings` checks the
type and range of every field and returns a new :class:`Settings`, or raises
:class:`SettingsError` with a message that names the field and what it expects.
Nothing from a request reaches the network or the data before it passes here.

>>> s = parse_settings({"dataset": "xor", "hidden_layers": [8, 8]})
>>> s.dataset, s.hidden_layers, s.activation
('xor', (8, 8), 'tanh')
>>> parse_settings({"hidden_layers": [4, 17]})
Traceback (most recent call last):
...
playwithnn.playground.settings.SettingsError: hidden_layers[1] must be an integer from 1 to 16; got 17
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_choice, check_int_in_range, check_number_in_range
from ..activations import ACTIVATIONS as CORE_ACTIVATIONS
from ..datasets import DATASETS as CORE_DATASETS
from ..optimizers import OPTIMIZERS as CORE_OPTIMIZERS

Array = NDArray[np.floating]

#: The data sets a page can pick: the core's toy sets, and ``"upload"``, the session's own CSV.
DATASETS = (*CORE_DATASETS, "upload")
#: Hidden-layer activations: the core's that a hidden layer may use (the output is
#: always a sigmoid, for labels 0 and 1).
ACTIVATIONS = tuple(name for name, activation in CORE_ACTIVATIONS.items() if activation.hidden)
#: Optimizers the page offers under a name of its own: the core's name and its options.
OPTIMIZER_PRESETS: dict[str, tuple[str, dict[str, Any]]] = {"momentum": ("sgd", {"momentum": 0.9})}
#: The core's optimizers, each once, then the presets. ``"gd"`` and ``"sgd"`` name
#: one optimizer; the page trains in mini-batches, so it keeps the later name, ``"sgd"``.
OPTIMIZERS = (*{cls: name for name, cls in CORE_OPTIMIZERS.items()}.values(), *OPTIMIZER_PRESETS)
#: Epochs per second while playing; 0 trains as fast as the machine allows.
SPEEDS = (10, 30, 100, 300, 0)

#: Input features, each a function of the two raw coordinates ``x1``, ``x2``.
FEATURES: dict[str, Callable[[Array, Array], Array]] = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1sq": lambda x1, x2: x1 * x1,
    "x2sq": lambda x1, x2: x2 * x2,
    "x1x2": lambda x1, x2: x1 * x2,
    "sinx1": lambda x1, x2: np.sin(x1),
    "sinx2": lambda x1, x2: np.sin(x2),
}

MAX_HIDDEN_LAYERS = 6
MAX_NEURONS = 16
#: Inclusive ranges of the numeric settings.
RANGES: dict[str, tuple[float, float]] = {
    "n_samples": (10, 2000),
    "noise": (0.0, 0.5),
    "train_ratio": (0.1, 0.9),
    "seed": (0, 2**31 - 1),
    "learning_rate": (1e-5, 10.0),
    "batch_size": (1, 1000),
    "l2": (0.0, 1.0),
}


class SettingsError(ValueError):
    """A setting has the wrong type or lies outside its range."""


@dataclass(frozen=True)
class Settings:
    """Everything that defines one playground session.

    Attributes
    ----------
    dataset : str
        One of :data:`DATASETS`.
    n_samples : int
        Number of points (ignored by ``"tutorial"`` and ``"upload"``).
    noise : float
        Standard deviation of the noise on each coordinate.
    train_ratio : float
        Fraction of the points used for training; the rest are the test set.
    seed : int
        Seed of the data, the train/test split and the first weights.
    features : tuple of str
        Names from :data:`FEATURES` fed to the network, in that order.
    hidden_layers : tuple of int
        Width of each hidden layer; the network is ``[len(features), *hidden_layers, 1]``.
    activation : str
        Activation of the hidden layers.
    learning_rate, optimizer, batch_size, l2
        How the network is trained.
    speed : int
        Epochs per second while playing (0: as fast as possible).
    """

    dataset: str = "circles"
    n_samples: int = 500
    noise: float = 0.0
    train_ratio: float = 0.5
    seed: int = 1
    features: tuple[str, ...] = ("x1", "x2")
    hidden_layers: tuple[int, ...] = (4, 2)
    activation: str = "tanh"
    learning_rate: float = 0.1
    optimizer: str = "sgd"
    batch_size: int = 10
    l2: float = 0.0
    speed: int = 100

    def to_json(self) -> dict[str, Any]:
        """The settings as a JSON-ready dict (tuples become lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()}


#: Settings whose change makes new data (and so a new network).
DATA_FIELDS = frozenset({"dataset", "n_samples", "noise", "train_ratio", "seed"})
#: Settings whose change makes a new network on the same data.
NETWORK_FIELDS = frozenset({"features", "hidden_layers", "activation"})
FIELDS = tuple(f.name for f in dataclasses.fields(Settings))


# The checks are _validation's, the library's own; a refusal becomes a SettingsError.
# Their messages name the field and cut the value sent to 60 characters.
def _integer(value: Any, name: str, low: int, high: int) -> int:
    try:
        return check_int_in_range(value, name, low, high)
    except (TypeError, ValueError) as exc:
        raise SettingsError(str(exc)) from None


def _number(value: Any, name: str, low: float, high: float) -> float:
    try:
        return check_number_in_range(value, name, low, high)
    except (TypeError, ValueError) as exc:
        raise SettingsError(str(exc)) from None


def _choice(value: Any, name: str, options: tuple[Any, ...]) -> Any:
    # Only an option of the very same type: True is not 1, nor 100.0 the speed 100.
    try:
        return check_choice(value, name, options)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None


def _features(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not 1 <= len(value) <= len(FEATURES):
        raise SettingsError(
            f"features must be a list of 1 to {len(FEATURES)} names from {', '.join(FEATURES)}; "
            f"got {value!r:.60}"
        )
    for i, name in enumerate(value):
        _choice(name, f"features[{i}]", tuple(FEATURES))
    if len(set(value)) != len(value):
        raise SettingsError(f"features must not repeat a name; got {value!r:.60}")
    # Always the canonical order, so the same set of features is the same network.
    return tuple(f for f in FEATURES if f in value)


def _hidden_layers(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or len(value) > MAX_HIDDEN_LAYERS:
        raise SettingsError(
            f"hidden_layers must be a list of at most {MAX_HIDDEN_LAYERS} layer widths; got {value!r:.60}"
        )
    return tuple(_integer(n, f"hidden_layers[{i}]", 1, MAX_NEURONS) for i, n in enumerate(value))


def _check_field(name: str, value: Any) -> Any:
    if name == "dataset":
        return _choice(value, name, DATASETS)
    if name == "activation":
        return _choice(value, name, ACTIVATIONS)
    if name == "optimizer":
        return _choice(value, name, OPTIMIZERS)
    if name == "speed":
        return _choice(value, name, SPEEDS)
    if name == "features":
        return _features(value)
    if name == "hidden_layers":
        return _hidden_layers(value)
    low, high = RANGES[name]
    if name in ("n_samples", "seed", "batch_size"):
        return _integer(value, name, int(low), int(high))
    return _number(value, name, low, high)


def parse_settings(obj: Any, base: Settings | None = None) -> Settings:
    """Check the settings a page sent and return them merged into ``base``.

    Parameters
    ----------
    obj : Any
        The decoded JSON: an object whose keys are a subset of the fields of
        :class:`Settings`.
    base : Settings, optional
        The settings the missing keys keep; the defaults if ``None``.

    Returns
    -------
    Settings

    Raises
    ------
    SettingsError
        If ``obj`` is not an object, holds an unknown key, or a value has the
        wrong type or lies outside its range.

    Examples
    --------
    >>> parse_settings({"learning_rate": 0.03}, Settings(dataset="xor")).learning_rate
    0.03
    """
    if not isinstance(obj, dict):
        raise SettingsError(f"settings must be a JSON object; got {type(obj).__name__}")
    unknown = [k for k in obj if k not in FIELDS]
    if unknown:
        raise SettingsError(f"unknown setting {unknown[0]!r:.60}; expected some of {', '.join(FIELDS)}")
    changes = {name: _check_field(name, value) for name, value in obj.items()}
    return dataclasses.replace(Settings() if base is None else base, **changes)


def options() -> dict[str, Any]:
    """What the page needs to build its controls: choices, ranges and defaults.

    >>> options()["max_hidden_layers"]
    6
    """
    return {
        "datasets": list(DATASETS),
        "activations": list(ACTIVATIONS),
        "optimizers": list(OPTIMIZERS),
        "speeds": list(SPEEDS),
        "features": list(FEATURES),
        "ranges": {k: list(v) for k, v in RANGES.items()},
        "max_hidden_layers": MAX_HIDDEN_LAYERS,
        "max_neurons": MAX_NEURONS,
        "defaults": Settings().to_json(),
    }


__all__ = [
    "ACTIVATIONS",
    "DATASETS",
    "FEATURES",
    "OPTIMIZERS",
    "OPTIMIZER_PRESETS",
    "SPEEDS",
    "Settings",
    "SettingsError",
    "options",
    "parse_settings",
]
