"""What a playground page may ask for: the settings of one session, checked at the edge.

A page sends its settings as a JSON object; :func:`parse_settings` checks the
type and range of every field and returns a new :class:`Settings`, or raises
:class:`SettingsError` with a message that names the field and what it expects.
Nothing from a request reaches the network or the data before it passes here.

>>> s = parse_settings({"dataset": "xor", "hidden_layers": [8, 8]})
>>> s.dataset, s.hidden_layers, s.activation
('xor', (8, 8), 'tanh')

Choosing a data set brings its preset (:data:`PRESETS`) for every field the
request leaves out: the tutorial's is the article's network, exactly.

>>> t = parse_settings({"dataset": "tutorial"})
>>> t.features, t.hidden_layers, t.loss, t.bias, t.init, t.learning_rate, t.batch_size
(('x1', 'x2', 'x3'), (4,), 'sse', False, 'uniform', 1.0, 4)
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
from ..initializers import INITIALIZERS
from ..optimizers import OPTIMIZERS as CORE_OPTIMIZERS

Array = NDArray[np.floating]

#: The playground's own data sets (made in :mod:`~playwithnn.playground.data`): two
#: regression sets and two of three classes.
OWN_DATASETS = ("plane", "gaussian_sum", "blobs3", "spiral3")
#: The data sets a page can pick: the core's toy sets, the playground's own, and
#: ``"upload"``, the session's own CSV.
DATASETS = (*CORE_DATASETS, *OWN_DATASETS, "upload")
#: What each data set asks of the network: ``"binary"`` (two classes, one sigmoid
#: output: P(class 1)), ``"multiclass"`` (one softmax output per class) or
#: ``"regression"`` (one identity output).
TASKS: dict[str, str] = {
    **dict.fromkeys(CORE_DATASETS, "binary"),
    "plane": "regression", "gaussian_sum": "regression",
    "blobs3": "multiclass", "spiral3": "multiclass",
    "upload": "binary",
}
#: Number of classes of the multi-class sets (a network output per class).
N_CLASSES: dict[str, int] = {"blobs3": 3, "spiral3": 3}
#: The losses each task may train on; the first is the task's default.
LOSSES_BY_TASK: dict[str, tuple[str, ...]] = {
    "binary": ("binary_crossentropy", "sse"),
    "multiclass": ("categorical_crossentropy",),
    "regression": ("mse", "sse"),
}
LOSSES = ("binary_crossentropy", "categorical_crossentropy", "mse", "sse")
#: Hidden-layer activations: the core's that a hidden layer may use (the output's
#: follows from the task: sigmoid, softmax or identity).
ACTIVATIONS = tuple(name for name, activation in CORE_ACTIVATIONS.items() if activation.hidden)
#: Initializers: the core's, and ``"auto"``, the core's ``init=None`` (Glorot, He for the ReLUs).
INITS = ("auto", *INITIALIZERS)
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
    # The article's third input, always 1: a network without biases learns its bias
    # as this input's weight.
    "x3": lambda x1, x2: np.ones_like(x1),
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
        Width of each hidden layer; the network is ``[len(features), *hidden_layers,
        n_outputs]``, with one output (two classes, regression) or one per class.
    activation : str
        Activation of the hidden layers.
    loss : str
        One of :data:`LOSSES` that fits the data set's task (:data:`LOSSES_BY_TASK`).
    bias : bool
        Whether every layer has a bias vector (the article's network has none).
    init : str
        One of :data:`INITS`: how the first weights are drawn.
    learning_rate, optimizer, batch_size, l2
        How the network is trained; a ``batch_size`` of at least the number of
        training points trains on all of them at once (full batch).
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
    loss: str = "binary_crossentropy"
    bias: bool = True
    init: str = "auto"
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
NETWORK_FIELDS = frozenset({"features", "hidden_layers", "activation", "loss", "bias", "init"})
FIELDS = tuple(f.name for f in dataclasses.fields(Settings))
DEFAULTS = Settings()

#: What choosing a data set sets, unless the request says otherwise; leaving a data
#: set puts its preset's fields back to the defaults. The tutorial's is the article's
#: network, exactly as ``playwithnn explain --faithful`` builds it: its three inputs
#: (the constant ``x3`` included), 4 sigmoid hidden units, no biases, U[0, 1)
#: weights, the sum of squared errors, plain gradient descent at learning rate 1 on
#: all four samples at once.
PRESETS: dict[str, dict[str, Any]] = {
    "tutorial": {
        "features": ("x1", "x2", "x3"), "hidden_layers": (4,), "activation": "sigmoid", "loss": "sse",
        "bias": False, "init": "uniform", "learning_rate": 1.0, "optimizer": "sgd", "batch_size": 4,
        "l2": 0.0,
    },
    **{name: {"loss": LOSSES_BY_TASK[TASKS[name]][0]} for name in OWN_DATASETS},
}


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
    if name == "loss":
        return _choice(value, name, LOSSES)
    if name == "bias":
        return _choice(value, name, (True, False))
    if name == "init":
        return _choice(value, name, INITS)
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

    A change of data set brings the new set's :data:`PRESETS` for the fields
    ``obj`` leaves out, and puts the old set's preset fields back to their defaults.

    Raises
    ------
    SettingsError
        If ``obj`` is not an object, holds an unknown key, a value has the
        wrong type or lies outside its range, or the loss does not fit the data
        set's task.

    Examples
    --------
    >>> parse_settings({"learning_rate": 0.03}, Settings(dataset="xor")).learning_rate
    0.03
    >>> parse_settings({"dataset": "plane"}, Settings(dataset="xor")).loss
    'mse'
    """
    if not isinstance(obj, dict):
        raise SettingsError(f"settings must be a JSON object; got {type(obj).__name__}")
    unknown = [k for k in obj if k not in FIELDS]
    if unknown:
        raise SettingsError(f"unknown setting {unknown[0]!r:.60}; expected some of {', '.join(FIELDS)}")
    base = DEFAULTS if base is None else base
    changes = {name: _check_field(name, value) for name, value in obj.items()}
    dataset = changes.get("dataset", base.dataset)
    if dataset != base.dataset:
        old, new = PRESETS.get(base.dataset, {}), PRESETS.get(dataset, {})
        for name in old.keys() | new.keys():
            if name not in changes:
                changes[name] = new.get(name, getattr(DEFAULTS, name))
    settings = dataclasses.replace(base, **changes)
    task = TASKS[settings.dataset]
    if settings.loss not in LOSSES_BY_TASK[task]:
        raise SettingsError(
            f"loss {settings.loss!r} does not fit data set {settings.dataset!r} ({TASK_NAMES[task]}); "
            f"use {' or '.join(repr(name) for name in LOSSES_BY_TASK[task])}"
        )
    return settings


#: The tasks, in words.
TASK_NAMES = {"binary": "two classes", "multiclass": "three classes or more", "regression": "regression"}


def options() -> dict[str, Any]:
    """What the page needs to build its controls: choices, ranges and defaults.

    >>> options()["max_hidden_layers"]
    6
    """
    return {
        "datasets": list(DATASETS),
        "tasks": TASKS,
        "n_classes": N_CLASSES,
        "losses": list(LOSSES),
        "losses_by_task": {task: list(names) for task, names in LOSSES_BY_TASK.items()},
        "inits": list(INITS),
        "presets": {name: {k: list(v) if isinstance(v, tuple) else v for k, v in preset.items()}
                    for name, preset in PRESETS.items()},
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
    "INITS",
    "LOSSES",
    "LOSSES_BY_TASK",
    "N_CLASSES",
    "OPTIMIZERS",
    "OPTIMIZER_PRESETS",
    "PRESETS",
    "SPEEDS",
    "TASKS",
    "Settings",
    "SettingsError",
    "options",
    "parse_settings",
]
