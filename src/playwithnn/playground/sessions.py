"""Playground sessions: one network, its data and its training thread for each open page.

A :class:`Session` owns a real :class:`~playwithnn.NeuralNetwork` and trains it
with :meth:`~playwithnn.NeuralNetwork.fit`, one epoch at a time, in its own
background thread while the page says "play". After an epoch it *publishes* what
the page draws (see :meth:`Session.wait_state`): the losses, the weights, the
last batch's gradients, the output of every node over the input plane and the
decision boundary, as one JSON document built once and handed to every poll. An
epoch or a drawing that fails pauses the session, is logged, and is told to the
page in the state's ``error``. A :class:`SessionManager` keeps at most a fixed
number of sessions, and a reaper thread closes those no page has asked about for a
while.

Besides playing, a session *walks*: :meth:`Session.walk` takes one training
iteration (one batch) in four steps, feedforward, loss, backward and update, and
publishes each step's numbers (:mod:`~playwithnn.playground.walk`). The batches of
a walk are those :meth:`~playwithnn.NeuralNetwork.fit` would train on, drawn from
the same generator in the same order, so that walking through an epoch's batches
ends where one Step (one epoch) ends.

The state's training numbers, each of the batch trained last (``null`` before any),
and what went wrong in training so far:

=================== ======================================================================
``gradients``       per layer, ``∂L/∂W`` of shape (n_in, n_out), as the optimizer used it (with
                    the L2 penalty's ``l2 · W``)
``bias_gradients``  per layer, ``∂L/∂b`` of shape (n_out,) (empty lists without biases)
``deltas``          per layer, each neuron's ``δ = ∂L/∂z`` summed over the batch's samples
``diagnoses``       a list of ``{"kind": ..., "message": ...}``: what
                    :func:`~playwithnn.diagnostics.diagnose` finds in the current network on
                    the training points (a flat loss, dead units, a saturated output), the
                    very messages ``fit`` warns with. Computed for every state published
                    (at most 30 a second while playing; after every step, walk step, pause
                    or change), one feedforward pass over the training points. Empty when
                    nothing is wrong and before the first batch trained, so a reset, a
                    rewind or a new network clears them
=================== ======================================================================

The output of a node over the plane is sent as a grid of bytes, ``u = 0`` to
``255``, row by row from the top (``x2 = +extent``) to the bottom, each row from
``x1 = -extent`` to ``+extent``. ``u`` maps the node's value onto one colour
scale: ``u = 0`` is class 0's colour, ``u = 255`` class 1's, the middle neutral.

>>> from playwithnn.playground.settings import Settings
>>> session = Session("example", Settings(dataset="xor", n_samples=100, speed=0))
>>> session.control("step")
>>> session.epoch
1
>>> session.close()
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import math
import secrets
import threading
import time
from collections import deque
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..diagnostics import FLAT_EPOCHS, Diagnosis, diagnose
from ..network import NeuralNetwork
from ..optimizers import Optimizer, get_optimizer
from ..training import History, TrainingDivergedError
from .data import Split, Upload, feature_matrix, make_split, n_outputs, targets
from .modelfiles import encode_model, read_model
from .settings import DATA_FIELDS, NETWORK_FIELDS, OPTIMIZER_PRESETS, TASKS, Settings, parse_settings
from .walk import Walk, to_numbers

Array = NDArray[np.floating]

logger = logging.getLogger(__name__)

#: Side of the decision-boundary grid, in cells.
GRID = 64
#: Side of each node's small grid, in cells.
NODE_GRID = 24
#: Least time between two published states while playing, in seconds (about 30 a second).
PUBLISH_INTERVAL = 1 / 30
#: Most points kept in each loss curve; older ones are thinned out two to one.
HISTORY_LIMIT = 600
#: The actions :meth:`Session.control` knows.
ACTIONS = ("play", "pause", "step", "reset", "rewind")
#: The actions :meth:`Session.walk` knows.
WALK_ACTIONS = ("next", "stop")


class TooManySessionsError(RuntimeError):
    """The server already holds its maximum number of sessions."""


def plane_grid(extent: float, size: int) -> Array:
    """The centres of a ``size`` by ``size`` grid over ``[-extent, extent]²``, top row first.

    Returns
    -------
    ndarray of shape (size * size, 2)

    >>> plane_grid(1.0, 2).tolist()
    [[-0.5, 0.5], [0.5, 0.5], [-0.5, -0.5], [0.5, -0.5]]
    """
    centres = (np.arange(size) + 0.5) * (2 * extent / size) - extent
    x1, x2 = np.meshgrid(centres, centres[::-1])
    return np.column_stack([x1.ravel(), x2.ravel()])


def to_unit(A: Array, activation: str) -> Array:
    """Map node values ``A`` onto the colour scale ``[0, 1]``, column by column.

    Sigmoid outputs are already in ``[0, 1]``; ``tanh`` maps ``[-1, 1]`` by
    ``(A + 1) / 2``; anything else is divided by its largest magnitude in the
    column, so ``0`` stays in the middle: ``0.5 + 0.5 A / max|A|``.

    Parameters
    ----------
    A : ndarray of shape (n_points, n_nodes)
    activation : str

    Returns
    -------
    ndarray of shape (n_points, n_nodes)

    >>> to_unit(np.array([[-2.0], [0.0], [4.0]]), "relu").ravel().tolist()
    [0.25, 0.5, 1.0]
    """
    if activation == "sigmoid":
        return A
    if activation == "tanh":
        return (A + 1) / 2
    scale = np.abs(A).max(axis=0)
    scale[scale == 0] = 1.0
    return 0.5 + 0.5 * A / scale


def encode_unit(u: Array) -> str:
    """Values in ``[0, 1]`` as base64 bytes ``0..255``.

    >>> encode_unit(np.array([0.0, 0.5, 1.0]))
    'AID/'
    """
    return base64.b64encode(np.clip(np.rint(u * 255), 0, 255).astype(np.uint8).tobytes()).decode("ascii")


def _round(x: float) -> float | None:
    """Five significant digits for the page, or ``None`` (JSON ``null``) for NaN and infinities."""
    return float(f"{x:.5g}") if math.isfinite(x) else None


def _for_display(W: Array) -> list[Any]:
    """Weights rounded for drawing, kept finite so that the JSON stays valid."""
    return np.clip(np.nan_to_num(W.round(4)), -1e6, 1e6).tolist()


class _Model:
    """One network from its first weights on: its data, the grids it is drawn over, its progress.

    A session builds a whole new one (new data, a new architecture, new weights)
    before it lets go of the old, so that a request that fails halfway changes nothing.

    Parameters
    ----------
    settings : Settings
    split : Split
    resets : int
        How many times the weights were drawn anew: the first network of a seed
        is ``NeuralNetwork(..., seed=seed)``, as the library builds it
        (``playwithnn explain --faithful --seed S`` starts from the tutorial
        preset's weights); each reset draws from ``[seed, resets]``.
    parameters : list of ndarray, optional
        First weights to use instead of drawn ones (a loaded model file's).

    Attributes
    ----------
    split : Split
    task : str
        ``"binary"``, ``"multiclass"`` or ``"regression"``.
    net : NeuralNetwork
    initial : list of ndarray
        The first weights, which :meth:`rewound` starts from again.
    X_train : ndarray of shape (n_train, n_features)
        The training points as the network's features; ``X_test`` likewise.
    y_train : ndarray of shape (n_train, n_outputs)
        The targets (:func:`~playwithnn.playground.data.targets`); ``y_test`` likewise.
    grid : ndarray of shape (GRID * GRID, n_features)
        The plane under the decision boundary, as features.
    node_grid : ndarray of shape (NODE_GRID * NODE_GRID, n_features)
        The plane under each node's small heatmap, as features.
    epoch : int
        Epochs trained.
    iteration : int
        Batches trained (by epochs and by walks).
    train_loss, test_loss : float
        The losses of the current weights.
    history : (list of int, list of float or None, list of float or None)
        The loss curves: epochs, training and test losses, one entry every ``stride`` epochs.
    recent_losses : deque of float
        The training loss after each of the last :data:`~playwithnn.diagnostics.FLAT_EPOCHS`
        epochs (epoch 0 included), neither rounded nor thinned: what ``flat_loss`` reads.
    last_batch : dict or None
        Copies of every layer's ``dW``, ``db`` and ``delta`` after the last training step.
    """

    def __init__(self, settings: Settings, split: Split, resets: int,
                 parameters: list[Array] | None = None) -> None:
        s = settings
        self.settings, self.split, self.resets = s, split, resets
        self.task = TASKS[s.dataset]
        self.X_train = feature_matrix(split.X_train, s.features)
        self.X_test = feature_matrix(split.X_test, s.features)
        self.y_train = targets(split.y_train, s.dataset)
        self.y_test = targets(split.y_test, s.dataset)
        self.grid = feature_matrix(plane_grid(split.extent, GRID), s.features)
        self.node_grid = feature_matrix(plane_grid(split.extent, NODE_GRID), s.features)
        seed: int | np.random.Generator = s.seed if resets == 0 else np.random.default_rng([s.seed, resets])
        self.net = NeuralNetwork(
            [len(s.features), *s.hidden_layers, n_outputs(s.dataset)], activation=s.activation,
            output_activation="identity" if self.task == "regression" else None, loss=s.loss,
            bias=s.bias, init=None if s.init == "auto" else s.init, seed=seed,
        )
        if parameters is not None:
            self.net.set_parameters(parameters)
        self.initial = [p.copy() for p in self.net.parameters()]
        self.epoch = self.iteration = 0
        self.train_loss = self.test_loss = float("nan")
        self.history: tuple[list[int], list[float | None], list[float | None]] = ([], [], [])
        self.stride = 1
        self.recent_losses: deque[float] = deque(maxlen=FLAT_EPOCHS)
        self.last_batch: dict[str, list[Array | None]] | None = None
        # The walk's place in the current epoch: its batch order (None: in order) and next row.
        self._order: NDArray[np.intp] | None = None
        self._cursor = 0
        self.record_losses()

    def rewound(self, settings: Settings) -> _Model:
        """A new model at epoch 0 with the same first weights (and the same generator, so the
        same batches follow)."""
        return _Model(settings, self.split, self.resets, parameters=self.initial)

    def record_losses(self, *, curve: bool = True) -> None:
        """Compute the current losses; if ``curve`` (an epoch ended), keep the training loss in
        ``recent_losses`` and add both to the curves (every ``stride`` epochs)."""
        with np.errstate(all="ignore"):  # weights grown huge give inf, shown as a gap
            self.train_loss = self.net.loss(self.X_train, self.y_train)
            self.test_loss = self.net.loss(self.X_test, self.y_test)
        if curve:
            self.recent_losses.append(self.train_loss)
        if curve and self.epoch % self.stride == 0:
            epochs, train, test = self.history
            epochs.append(self.epoch)
            train.append(_round(self.train_loss))
            test.append(_round(self.test_loss))
            if len(epochs) > HISTORY_LIMIT:
                self.history = (epochs[::2], train[::2], test[::2])
                self.stride *= 2

    def batch_size(self, settings: Settings) -> int:
        """Rows per batch: ``settings.batch_size``, or all of them for a full batch."""
        return min(settings.batch_size, self.X_train.shape[0])

    def trained_epoch(self, settings: Settings) -> None:
        """Note that ``fit`` trained one epoch: a new epoch starts for the walk too."""
        self.epoch += 1
        self.iteration += -(-self.X_train.shape[0] // self.batch_size(settings))  # batches in an epoch
        self._order, self._cursor = None, 0
        self.keep_last_batch()
        self.record_losses()

    def next_rows(self, settings: Settings) -> NDArray[np.intp]:
        """The rows of the walk's next batch: those ``fit`` would train on next.

        As :func:`playwithnn.training.train` does, an epoch of mini-batches takes
        the rows in the order of one ``net.rng.permutation``, drawn as the epoch
        starts; a full batch takes every row in order.
        """
        n, size = self.X_train.shape[0], self.batch_size(settings)
        if self._cursor == 0:
            self._order = None if size >= n else self.net.rng.permutation(n)
        order = np.arange(n) if self._order is None else self._order
        return order[self._cursor:self._cursor + size]

    def walked_batch(self, n_rows: int) -> None:
        """Note that a walk trained a batch of ``n_rows``: an epoch ends with its last batch."""
        self.iteration += 1
        self._cursor += n_rows
        self.keep_last_batch()
        if self._cursor >= self.X_train.shape[0]:
            self.epoch += 1
            self._order, self._cursor = None, 0
            self.record_losses()
        else:
            self.record_losses(curve=False)

    def diagnoses(self) -> list[Diagnosis]:
        """What went wrong in training so far: :func:`~playwithnn.diagnostics.diagnose` on the
        current network, the training points and ``recent_losses``.

        One feedforward pass over the training points, whole-batch. Empty before the
        first batch trained: the diagnoses speak of training, not of the first weights.
        """
        if self.iteration == 0:
            return []
        return diagnose(self.net, self.X_train, self.y_train, History(loss=list(self.recent_losses)))

    def keep_last_batch(self) -> None:
        """Copy what the last training step left in the layers: ``dW``, ``db`` and ``delta``."""
        layers = self.net.layers
        self.last_batch = {
            "gradients": [layer.dW.copy() for layer in layers],
            "bias_gradients": [None if layer.db is None else layer.db.copy() for layer in layers],
            "deltas": [None if layer.delta is None else layer.delta.sum(axis=0) for layer in layers],
        }


def make_optimizer(settings: Settings) -> Optimizer:
    """The optimizer the settings name, with no state yet.

    >>> make_optimizer(Settings(optimizer="momentum", learning_rate=0.3))
    GradientDescent(learning_rate=0.3, momentum=0.9, nesterov=False)
    """
    name, options = OPTIMIZER_PRESETS.get(settings.optimizer, (settings.optimizer, {}))
    return get_optimizer(name, settings.learning_rate, **options)


def data_document(split: Split, data_version: int, task: str = "binary") -> bytes:
    """The points the page draws, as JSON: ``[x1, x2, label]`` rows (``[x1, x2, value]`` for a
    regression) for training and test."""
    data = {
        "data_version": data_version,
        "extent": split.extent,
        "note": split.note,
        "task": task,
        "train": np.column_stack([split.X_train.round(4), split.y_train.round(4)]).tolist(),
        "test": np.column_stack([split.X_test.round(4), split.y_test.round(4)]).tolist(),
    }
    return json.dumps(data, separators=(",", ":")).encode()


#: What the page is told when an epoch fails for another reason than divergence.
TRAINING_FAILED = "Training failed on the server (its log says why). Change a setting or press reset."
#: What the page is told when the network cannot be drawn.
DRAWING_FAILED = ("Drawing the network failed on the server (its log says why); the picture is the "
                  "last one drawn. Change a setting or press reset.")
#: What the page is told when the loss became infinite or NaN.
DIVERGED = "Training diverged: the loss became infinite or NaN. Lower the learning rate and press reset."


class Session:
    """One page's network, data and training thread.

    Training never ends the thread: an epoch or a drawing that fails is logged on
    this module's logger, pauses the session and is told to the page in the
    state's ``error``.

    Parameters
    ----------
    session_id : str
    settings : Settings
    upload : Upload, optional
        The page's CSV, needed if ``settings.dataset == "upload"``.

    Raises
    ------
    DataError
        If the settings ask for an upload and there is none.
    """

    def __init__(self, session_id: str, settings: Settings, upload: Upload | None = None) -> None:
        self.id = session_id
        self.last_seen = time.monotonic()
        split = make_split(settings, upload)
        # _lock guards everything below but the published documents; the training
        # thread holds it for one epoch at a time and waits on _wake while paused.
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._waiting = threading.Event()  # set while the training thread waits for "play"
        self._closed = threading.Event()
        self.settings = settings
        self._upload = upload
        self._model = _Model(settings, split, 0)
        self._optimizer = make_optimizer(settings)
        self._resets = 0
        self._data_version = 1
        self._data_json = data_document(split, 1, TASKS[settings.dataset])
        self._playing = False
        self._error: str | None = None
        self._walk: Walk | None = None
        self._picture = self._draw()
        # _published guards what the polls read; they wait on it, never on _lock.
        self._published = threading.Condition()
        self._version = 0
        self._state = b"null"
        self._published_data = (0, b"null")
        self._last_publish = 0.0
        with self._lock:
            self._publish()
        self._thread = threading.Thread(
            target=self._run, name=f"playground-train-{session_id[:8]}", daemon=True
        )
        self._thread.start()

    # ------------------------------------------------------------ requests
    def touch(self) -> None:
        """Note that the page is still there."""
        self.last_seen = time.monotonic()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def epoch(self) -> int:
        """Epochs the current network has trained."""
        return self._model.epoch

    def update_settings(self, obj: Any) -> Settings:
        """Apply the settings a page sent (a JSON object, possibly partial).

        New data or a new architecture starts over from new weights at epoch 0;
        a new learning rate, optimizer, batch size, L2 or speed applies at once.
        A change ends a walk, but for one of the speed only. A refused request
        changes nothing.

        Raises
        ------
        SettingsError, DataError
        """
        with self._lock:
            new = parse_settings(obj, self.settings)
            if new != dataclasses.replace(self.settings, speed=new.speed):
                self._walk = None
            self._apply(new, self._upload)
            self._publish()
            return new

    def set_upload(self, upload: Upload) -> None:
        """Train on a CSV from now on: new data, new weights. A refused CSV changes nothing."""
        with self._lock:
            self._apply(parse_settings({"dataset": "upload"}, self.settings), upload, new_data=True)
            self._walk = None
            self._publish()

    def load_model(self, data: bytes) -> Settings:
        """Train on from a model file's network (see :mod:`~playwithnn.playground.modelfiles`).

        The file's settings (or, without them, its network) set the session's; its
        weights are the first weights, which "rewind" goes back to. A refused file
        changes nothing.

        Raises
        ------
        ModelUploadError, SettingsError, DataError
        """
        with self._lock:
            new, parameters = read_model(data, self.settings, self._upload)
            self._apply(new, self._upload, new_data=True, parameters=parameters)
            self._playing = False
            self._walk = None
            self._publish()
            return new

    def model_file(self) -> bytes:
        """The network as a model file that ``playwithnn.load`` and ``playwithnn predict`` read.

        Raises
        ------
        ModelDownloadError
            If it cannot be written (see :func:`~playwithnn.playground.modelfiles.encode_model`).
        """
        with self._lock:
            return encode_model(self.settings, self._model.net, self._upload)

    def control(self, action: str) -> None:
        """``"play"``, ``"pause"``, ``"step"`` (one epoch), ``"reset"`` (new weights, paused) or
        ``"rewind"`` (the same first weights again, at epoch 0, paused). Every action ends a walk."""
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}; got {action!r:.40}")
        with self._lock:
            self._walk = None
            if action == "play":
                self._playing = True
                self._error = None
                self._wake.notify_all()
            elif action == "pause":
                self._playing = False
            elif action == "step":
                self._playing = False
                self._step()
            elif action == "reset":
                self._apply(self.settings, self._upload, new_weights=True)
                self._playing = False
            else:
                self._model = self._model.rewound(self.settings)
                self._optimizer = make_optimizer(self.settings)  # its velocities and moments start afresh
                self._playing = False
                self._error = None
            self._publish()

    def walk(self, action: str) -> None:
        """``"next"``: the walk's next step; ``"stop"``: back to playing (paused).

        The steps of one iteration are feedforward, loss, backward and update (the
        weights change); "next" after the update, or with no walk, pauses training
        and starts an iteration on the next batch. A step that diverges ends the
        walk, with the state's ``error`` saying why.
        """
        if action not in WALK_ACTIONS:
            raise ValueError(f"action must be one of {', '.join(WALK_ACTIONS)}; got {action!r:.40}")
        with self._lock:
            if action == "stop":
                self._walk = None
            else:
                self._walk_next()
            self._publish()

    @property
    def walk_phase(self) -> str | None:
        """The walk's step, or ``None`` when the session is not walking."""
        walk = self._walk
        return None if walk is None else walk.phase

    def wait_state(self, version: int, data_version: int, timeout: float) -> bytes:
        """The published state as JSON, once it is newer than ``version``.

        Waits at most ``timeout`` seconds for a state newer than the page's; then
        answers with the current one. The data (the points) comes along only when
        the page's ``data_version`` is not the current one.

        Returns
        -------
        bytes
            ``{"state": {...}, "data": {...} or null}``
        """
        with self._published:
            self._published.wait_for(lambda: self._version != version or self.closed, timeout)
            state = self._state
            current, data = self._published_data
        return b'{"state":' + state + b',"data":' + (data if data_version != current else b"null") + b"}"

    def close(self, timeout: float = 5.0) -> None:
        """Stop the training thread and wake every waiting poll."""
        self._closed.set()
        with self._lock:
            self._playing = False
            self._wake.notify_all()
        with self._published:
            self._published.notify_all()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)

    # ------------------------------------------------------------ training
    def _run(self) -> None:
        """The training thread: an epoch at a time while playing, paced by ``settings.speed``.

        Neither :meth:`_step` nor :meth:`_publish` raises: a failure pauses the
        session, and the thread waits for the next "play".
        """
        deadline: float | None = None
        while True:
            with self._lock:
                while not self._playing and not self.closed:
                    deadline = None
                    self._waiting.set()
                    self._wake.wait()
                self._waiting.clear()
                if self.closed:
                    return
                self._step()
                if not self._playing or time.monotonic() - self._last_publish >= PUBLISH_INTERVAL:
                    self._publish()
                speed = self.settings.speed
            if speed == 0:
                time.sleep(0)  # let the request threads have the interpreter
                continue
            now = time.monotonic()
            interval = 1 / speed
            # Keep a steady pace, but never race to catch up after falling behind.
            deadline = (now if deadline is None else max(deadline, now - interval)) + interval
            if deadline > now:
                self._closed.wait(deadline - now)

    def _walk_next(self) -> None:
        """Take the walk's next step. Holds ``_lock``."""
        m, walk = self._model, self._walk
        if walk is None or walk.phase == "update":
            self._playing = False
            self._error = None
            s = self.settings
            rows = m.next_rows(s)
            # The L2 penalty as training.train shares it among the batches of a summed loss.
            l2 = s.l2 * len(rows) / m.X_train.shape[0] if m.net.loss_function.reduction == "sum" else s.l2
            try:
                self._walk = Walk(m.net, m.X_train[rows], m.y_train[rows], rows, l2=l2,
                                  iteration=m.iteration, epoch=m.epoch)
            except Exception:
                logger.exception("session %s: the walk failed at iteration %d", self.id[:8], m.iteration + 1)
                self._walk, self._error = None, TRAINING_FAILED
        elif walk.phase != "backward":
            walk.advance()
        else:
            try:
                walk.update(m.net, self._optimizer)
            except TrainingDivergedError:
                self._walk, self._error = None, DIVERGED
                return
            except Exception:
                logger.exception("session %s: the walk's update failed at iteration %d", self.id[:8],
                                 m.iteration + 1)
                self._walk, self._error = None, TRAINING_FAILED
                return
            m.walked_batch(walk.n_batch)

    def _step(self) -> None:
        """One epoch; if it fails, pause and say why instead of raising. Holds ``_lock``."""
        try:
            self._train_epoch()
        except TrainingDivergedError:
            self._playing = False
            self._error = DIVERGED
        except Exception:
            logger.exception("session %s: training failed at epoch %d", self.id[:8], self.epoch + 1)
            self._playing = False
            self._error = TRAINING_FAILED

    def _train_epoch(self) -> None:
        """One pass of ``NeuralNetwork.fit`` over the training points in shuffled mini-batches.

        The optimizer object keeps its state (velocities, moments) from one call
        to the next, so that epoch after epoch is the same as one long ``fit``.
        (``fit`` turns Ctrl-C into a stop on the main thread only; in a session's
        thread it leaves signals alone.) Holds ``_lock``.

        Raises
        ------
        TrainingDivergedError
            If the loss became infinite or NaN; that step was not applied.
        """
        m, s = self._model, self.settings
        # diagnose=False: the state's "diagnoses" tell the page, not a warning per epoch in the log.
        m.net.fit(m.X_train, m.y_train, epochs=1, optimizer=self._optimizer,
                  batch_size=s.batch_size, l2=s.l2, shuffle=True, diagnose=False)
        m.trained_epoch(s)

    # ------------------------------------------------------ building things
    def _apply(self, new: Settings, upload: Upload | None, *, new_data: bool = False,
               new_weights: bool = False, parameters: list[Array] | None = None) -> None:
        """Switch to the settings ``new`` and the CSV ``upload``. Holds ``_lock``.

        ``parameters``, if given, are the new network's first weights.

        What the change needs (data, a network, an optimizer) is built first, and
        the session takes all of it only once all of it is built: if building
        fails, the session is left exactly as it was.
        """
        old = self.settings
        changed = {name for name in DATA_FIELDS | NETWORK_FIELDS if getattr(old, name) != getattr(new, name)}
        data: bytes | None = None
        model: _Model | None = None
        optimizer: Optimizer | None = None
        resets = self._resets + 1 if new_weights else self._resets
        if new_data or changed & DATA_FIELDS:
            split = make_split(new, upload)
            data = data_document(split, self._data_version + 1, TASKS[new.dataset])
            model = _Model(new, split, resets, parameters)
        elif new_weights or changed & NETWORK_FIELDS or parameters is not None:
            model = _Model(new, self._model.split, resets, parameters)
        if model is not None or (old.optimizer, old.learning_rate) != (new.optimizer, new.learning_rate):
            optimizer = make_optimizer(new)  # its velocities and moments start afresh
        # Everything is built: from here on nothing can fail.
        self.settings, self._upload, self._resets = new, upload, resets
        if data is not None:
            self._data_version += 1
            self._data_json = data
        if model is not None:
            self._model = model
            self._error = None
        if optimizer is not None:
            self._optimizer = optimizer

    # ---------------------------------------------------------- publishing
    def _publish(self) -> None:
        """Build the state document the page draws and wake the polls. Holds ``_lock``.

        If the network cannot be drawn, that is logged, the session pauses, and
        the page gets the error with the last picture drawn.
        """
        try:
            self._picture = self._draw()
        except Exception:
            logger.exception("session %s: drawing the network failed at epoch %d", self.id[:8], self.epoch)
            self._playing = False
            self._error = DRAWING_FAILED
        m = self._model
        last = m.last_batch
        state = {
            "epoch": m.epoch,
            "iteration": m.iteration,
            "playing": self._playing,
            "error": self._error,
            "task": m.task,
            "train_loss": _round(m.train_loss),
            "test_loss": _round(m.test_loss),
            "history": dict(zip(("epoch", "train", "test"), m.history)),
            "settings": self.settings.to_json(),
            "data_version": self._data_version,
            **self._picture,
            # The last batch's gradients, beside the weights (null before the first step).
            "gradients": None if last is None else [to_numbers(g, 6) for g in last["gradients"]],
            "bias_gradients": None if last is None else [[] if g is None else to_numbers(g, 6)
                                                         for g in last["bias_gradients"]],
            "deltas": None if last is None else [None if d is None else to_numbers(d, 6)
                                                 for d in last["deltas"]],
            "walk": None if self._walk is None else self._walk.to_json(self.settings.to_json()),
        }
        with self._published:
            self._version += 1
            state["version"] = self._version
            self._state = json.dumps(state, separators=(",", ":"), allow_nan=False).encode()
            self._published_data = (self._data_version, self._data_json)
            self._last_publish = time.monotonic()
            self._published.notify_all()

    def _draw(self) -> dict[str, Any]:
        """The picture of the network: every node's output over the plane, the weights, the boundary,
        and what went wrong in training so far (:meth:`_Model.diagnoses`)."""
        m = self._model
        # The output's colour scale: probabilities as they are, a regression's value from [-1, 1].
        output_scale = "tanh" if m.task == "regression" else "sigmoid"
        with np.errstate(all="ignore"):  # weights grown huge draw as saturated, not as warnings
            # Every node's output over the small grid, layer by layer, the inputs first.
            A = m.node_grid
            nodes = [_encode_nodes(A, "identity")]
            for layer in m.net.layers[:-1]:
                A = layer.forward(A)
                nodes.append(_encode_nodes(A, layer.activation.name))
            # The output as the network predicts it: a loss that takes the logits applies
            # the output activation itself, after the (linear) last layer. One heat map per
            # output: P(class 1), each class's probability, or the predicted value.
            A = m.net.loss_function.predict(m.net.layers[-1].forward(A))
            nodes.append(_encode_nodes(A, output_scale))
            P = m.net.predict(m.grid)  # (GRID², n_outputs)
        picture = {
            "layer_sizes": m.net.layer_sizes,
            "grid": GRID,
            "node_grid": NODE_GRID,
            "nodes": nodes,
            "weights": [_for_display(layer.W) for layer in m.net.layers],
            "biases": [_for_display(layer.b) if layer.b is not None else [] for layer in m.net.layers],
            # What fit would warn of, on the training points ([] when nothing went wrong).
            "diagnoses": [dataclasses.asdict(found) for found in m.diagnoses()],
        }
        if m.task == "multiclass":
            # The arg-max class of each cell, and how sure the network is of it.
            P = np.nan_to_num(P)
            picture["output"] = encode_unit(P.max(axis=1))
            classes = P.argmax(axis=1).astype(np.uint8)
            picture["output_class"] = base64.b64encode(classes.tobytes()).decode("ascii")
        else:
            picture["output"] = encode_unit(to_unit(np.nan_to_num(P), output_scale)[:, 0])
        return picture

    @property
    def version(self) -> int:
        """How many states have been published."""
        return self._version


def _encode_nodes(A: Array, activation: str) -> list[dict[str, Any]]:
    """Each column of ``A`` (one node's values over a grid) as pixels and its range."""
    A = np.nan_to_num(A)
    u = to_unit(A, activation)
    return [
        {"pixels": encode_unit(u[:, j]), "min": _round(float(A[:, j].min())),
         "max": _round(float(A[:, j].max()))}
        for j in range(A.shape[1])
    ]


class SessionManager:
    """At most ``max_sessions`` sessions, ``max_client_sessions`` of them per client; idle ones are closed.

    A session nobody has asked about for ``idle_timeout`` seconds is reaped by a
    background thread. A new session beyond a limit (the client's, or the
    server's) takes the place of the session, among those that limit counts,
    that has gone longest without a request, if that is at least
    ``idle_when_full`` seconds (a page asks at least once a second); otherwise it
    is refused. So one client polling all its sessions cannot keep another out.

    Parameters
    ----------
    max_sessions : int, default=8
    idle_timeout : float, default=60.0
        Seconds without a request after which a session is reaped.
    max_client_sessions : int, default=4
        Sessions one client (an IP address, see :meth:`create`) may hold at once.
    idle_when_full : float, default=5.0
        Seconds without a request after which a session may be closed to make
        room for a new one.
    """

    def __init__(self, max_sessions: int = 8, idle_timeout: float = 60.0, *, max_client_sessions: int = 4,
                 idle_when_full: float = 5.0) -> None:
        for name, count in [("max_sessions", max_sessions), ("max_client_sessions", max_client_sessions)]:
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise ValueError(f"{name} must be a positive integer; got {count!r}")
        if not idle_timeout > 0:
            raise ValueError(f"idle_timeout must be positive; got {idle_timeout!r}")
        if not idle_when_full >= 0:
            raise ValueError(f"idle_when_full must be zero or more seconds; got {idle_when_full!r}")
        self.max_sessions = max_sessions
        self.max_client_sessions = max_client_sessions
        self.idle_timeout = float(idle_timeout)
        self.idle_when_full = float(idle_when_full)
        self._sessions: dict[str, Session] = {}
        self._clients: dict[str, str | None] = {}  # session id -> the client that opened it
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._reaper = threading.Thread(target=self._reap_loop, name="playground-reaper", daemon=True)

    def __len__(self) -> int:
        return len(self._sessions)

    def start(self) -> None:
        """Start the reaper thread."""
        self._reaper.start()

    def create(self, settings: Settings, upload: Upload | None = None, *,
               client: str | None = None) -> Session:
        """A new session with a fresh, unguessable id.

        Parameters
        ----------
        settings : Settings
        upload : Upload, optional
        client : str, optional
            Who asks: the address a request came from. ``None`` (code that
            serves no client) is bound by ``max_sessions`` only.

        Raises
        ------
        TooManySessionsError
            If a limit is reached and no session it counts has been quiet for
            ``idle_when_full`` seconds.
        """
        self.reap()
        with self._lock:
            if self._stop.is_set():
                raise TooManySessionsError("the server is shutting down")
            victim = self._make_room(client)
            session = Session(secrets.token_urlsafe(18), settings, upload)
            if victim is not None:  # only now: a session that fails to build takes no one's place
                del self._sessions[victim.id]
                del self._clients[victim.id]
            self._sessions[session.id] = session
            self._clients[session.id] = client
        if victim is not None:
            logger.info("session %s closed, quiet for %.0f s, to make room for session %s",
                        victim.id[:8], time.monotonic() - victim.last_seen, session.id[:8])
            victim.close()
        return session

    def _make_room(self, client: str | None) -> Session | None:
        """The session a new one from ``client`` replaces (``None`` if there is room). Holds ``_lock``.

        Raises
        ------
        TooManySessionsError
            If a limit is reached and none of the sessions it counts is quiet enough.
        """
        mine = [s for s in self._sessions.values() if client is not None and self._clients[s.id] == client]
        if len(mine) >= self.max_client_sessions:
            pool = mine
            refusal = (f"{len(mine)} sessions are open already from this address; "
                       "close a playground tab and retry")
        elif len(self._sessions) >= self.max_sessions:
            pool = list(self._sessions.values())
            refusal = f"{self.max_sessions} sessions are open already; close a playground tab and retry"
        else:
            return None
        now = time.monotonic()
        quiet = [s for s in pool if now - s.last_seen >= self.idle_when_full]
        if not quiet:
            raise TooManySessionsError(refusal)
        return min(quiet, key=lambda s: s.last_seen)

    def get(self, session_id: str) -> Session | None:
        """The session, marked as seen, or ``None``."""
        session = self._sessions.get(session_id)
        if session is not None:
            session.touch()
        return session

    def close(self, session_id: str) -> bool:
        """Close one session; ``False`` if there is none by that id."""
        with self._lock:
            session = self._sessions.pop(session_id, None)
            self._clients.pop(session_id, None)
        if session is None:
            return False
        session.close()
        return True

    def reap(self) -> list[str]:
        """Close the sessions idle for longer than ``idle_timeout``; return their ids."""
        now = time.monotonic()
        with self._lock:
            idle = [s for s in self._sessions.values() if now - s.last_seen > self.idle_timeout]
            for session in idle:
                del self._sessions[session.id]
                del self._clients[session.id]
        for session in idle:
            logger.info("session %s closed, idle for %.0f s", session.id[:8], now - session.last_seen)
            session.close()
        return [s.id for s in idle]

    def close_all(self) -> None:
        """Stop the reaper and close every session; wait for their threads."""
        self._stop.set()
        if self._reaper.is_alive():
            self._reaper.join()
        with self._lock:
            sessions = list(self._sessions.values())
            self._sessions.clear()
            self._clients.clear()
        for session in sessions:
            session.close()

    def _reap_loop(self) -> None:
        interval = min(5.0, self.idle_timeout / 4)
        while not self._stop.wait(interval):
            self.reap()


__all__ = [
    "ACTIONS",
    "WALK_ACTIONS",
    "Session",
    "SessionManager",
    "TooManySessionsError",
    "data_document",
    "encode_unit",
    "make_optimizer",
    "plane_grid",
    "to_unit",
]
