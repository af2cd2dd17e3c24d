"""The training loop: epochs, mini-batches, validation, early stopping, callbacks, progress.

:func:`train` runs the epochs; each batch is one call of the network's
``train_step`` (feedforward, loss, backpropagation, update). What the loop needs
from a network is written down in :class:`Trainable`; what it needs from the
caller, in :class:`FitOptions`, which checks every option once.
:meth:`playwithnn.NeuralNetwork.fit` builds the options and hands itself to
:func:`train`; the command line, the scikit-learn estimators and the playground
build the same options.
"""

from __future__ import annotations

import math
import numbers
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from ._arrays import (
    Device,
    Namespace,
    checks_each_step,
    device_of,
    float_errors_ignored,
    namespace,
    take_rows,
    to_numpy,
)
from ._validation import check_fraction, check_non_negative_float, check_positive_int
from .losses import Loss
from .metrics import is_classification_loss, n_correct
from .optimizers import GradientDescent, Optimizer, get_optimizer

Array = NDArray[np.floating]

#: ``callback(epoch, history, network)``; returning ``False`` stops training.
Callback = Callable[[int, "History", Any], Any]


class Trainable(Protocol):
    """What :func:`train` needs from the network it trains.

    :class:`~playwithnn.NeuralNetwork` is one; so is anything else with these members.
    """

    #: Shuffles the batches and draws the validation split.
    rng: np.random.Generator
    #: Its ``reduction`` says how batch losses add up; its ``name`` whether to count accuracy.
    loss_function: Loss

    def train_step(self, X: Array, y: Array, optimizer: Optimizer, *, l2: float = 0.0,
                   dropout: float = 0.0, sample_weight: Array | None = None, check: bool = True
                   ) -> tuple[Any, Array]:
        """One update on a batch; returns the batch's loss (a 0-d array, left where it is) and
        predictions before it. With ``check``, raises :class:`TrainingDivergedError` before the
        update if the loss or a gradient is NaN or infinite."""
        ...

    def evaluate(self, X: Array, y: Array, sample_weight: Array | None = None) -> tuple[float, Array]:
        """The loss and predictions for checked arrays, changing no state."""
        ...

    def parameters(self) -> list[Array]:
        """The live parameter arrays (the best ones are copied, and copied back)."""
        ...


class TrainingDivergedError(FloatingPointError, ValueError):
    """The loss or a gradient became NaN or infinite during training.

    A ``FloatingPointError``, and a ``ValueError`` as scikit-learn's estimators
    raise for a fit that produced non-finite weights.

    The step that produced it was not applied: the weights are those from before it.

    Attributes
    ----------
    history : History or None
        What was recorded before the failure.
    """

    def __init__(self, message: str, history: History | None = None) -> None:
        super().__init__(message)
        self.history = history


@dataclass
class History:
    """What happened during :meth:`~playwithnn.NeuralNetwork.fit`, one entry per epoch.

    Attributes
    ----------
    loss : list of float
        Training loss of each epoch: the loss of each batch before its update,
        with the L2 penalty if ``l2 > 0`` (as Keras and scikit-learn report it),
        added up over the batches for ``sse`` and averaged over them, weighted by
        their sizes (their summed sample weights, if any), for the losses that average. In full-batch
        training this is the loss of the weights at the start of the epoch, the
        tutorial's "loss per iteration".
    val_loss : list of float
        Validation loss after each epoch (empty without validation data).
    accuracy, val_accuracy : list of float
        Classification accuracy (cross-entropy losses only; else empty).
    best_epoch : int or None
        With ``patience``: the best epoch (1-based, see ``best`` in
        :meth:`~playwithnn.NeuralNetwork.fit`), whose weights were kept unless
        ``restore_best=False``.
    stopped_early : bool
        Whether ``patience`` ran out.
    interrupted : bool
        Whether Ctrl-C or a callback stopped training.
    seconds : float
        Wall time of the whole run.

    Examples
    --------
    >>> h = History(loss=[0.5, 0.25])
    >>> h.epochs, h["loss"][-1]
    (2, 0.25)
    """

    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False
    interrupted: bool = False
    seconds: float = 0.0

    @property
    def epochs(self) -> int:
        """Number of epochs completed."""
        return len(self.loss)

    def __getitem__(self, key: str) -> list[float]:
        value = getattr(self, key, None)
        if not isinstance(value, list):
            raise KeyError(key)
        return value

    def as_dict(self) -> dict[str, Any]:
        """Plain dict of every field, for JSON."""
        return {
            "loss": list(self.loss), "val_loss": list(self.val_loss),
            "accuracy": list(self.accuracy), "val_accuracy": list(self.val_accuracy),
            "best_epoch": self.best_epoch, "stopped_early": self.stopped_early,
            "interrupted": self.interrupted, "seconds": self.seconds,
        }


@dataclass(frozen=True)
class FitOptions:
    """How to train: every option of :meth:`~playwithnn.NeuralNetwork.fit`, checked once.

    Constructing one checks every value and raises ``TypeError`` or ``ValueError``
    naming the option; the result holds the checked values (integers as ``int``,
    numbers as ``float``, callbacks as a tuple). :meth:`NeuralNetwork.fit
    <playwithnn.NeuralNetwork.fit>`, the command line, the scikit-learn estimators
    and the playground all train through one, so an option means the same and is
    refused with the same words everywhere.

    Parameters
    ----------
    epochs : int, default=1000
        Passes over the training data.
    learning_rate : float, optional
        Step size; the optimizer's default if omitted (1.0 for ``"gd"``, the
        tutorial's; 0.001 for ``"adam"``).
    optimizer : {"gd", "sgd", "adam"} or Optimizer, default="gd"
        ``"sgd"`` is ``"gd"`` (what makes it stochastic is ``batch_size``). An
        :class:`~playwithnn.optimizers.Optimizer` object keeps its state (velocities,
        moments) from one ``fit`` to the next.
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
        out for validation (:func:`holdout_split`). Ignored if ``validation_data``
        is given.
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
    l2_per_sample : bool, default=False
        Divide ``l2`` by each batch's size (the sum of its sample weights, if any)
        before adding the penalty to the batch's mean loss: scikit-learn's ``alpha``.
    callbacks : callable or list of callables, optional
        Each is called as ``callback(epoch, history, network)`` after every
        epoch; returning ``False`` stops training.
    verbose : {0, 1, 2}, default=0
        0 silent; 1 a progress bar on a terminal; 2 one line per epoch.
        Progress goes to standard error. Off a terminal, 1 behaves as 2.

    Examples
    --------
    >>> FitOptions(epochs=10, optimizer="adam").make_optimizer()
    Adam(learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-08)
    >>> FitOptions(batch_size=0)
    Traceback (most recent call last):
    ValueError: batch_size must be a positive integer; got 0
    """

    epochs: int = 1000
    learning_rate: float | None = None
    optimizer: str | Optimizer = "gd"
    batch_size: int | None = None
    momentum: float = 0.0
    nesterov: bool = False
    l2: float = 0.0
    dropout: float = 0.0
    validation_split: float = 0.0
    patience: int | None = None
    min_delta: float = 0.0
    best: str = "improvement"
    restore_best: bool = True
    shuffle: bool = True
    l2_per_sample: bool = False
    callbacks: Any = ()  # a callable or a sequence of them; held as a tuple
    verbose: int = 0

    def __post_init__(self) -> None:
        def set_(name: str, value: Any) -> None:
            object.__setattr__(self, name, value)  # frozen: the checked value replaces the given one

        set_("epochs", check_positive_int(self.epochs, "epochs"))
        if self.batch_size is not None:
            set_("batch_size", check_positive_int(self.batch_size, "batch_size"))
        if self.patience is not None:
            set_("patience", check_positive_int(self.patience, "patience"))
        for name in ("l2", "min_delta"):
            set_(name, check_non_negative_float(getattr(self, name), name))
        for name in ("dropout", "validation_split"):
            set_(name, check_fraction(getattr(self, name), name))
        for name in ("nesterov", "restore_best", "shuffle", "l2_per_sample"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise TypeError(f"{name} must be True or False; got {getattr(self, name)!r:.60}")
            set_(name, bool(getattr(self, name)))
        if not isinstance(self.best, str) or self.best not in ("improvement", "lowest"):
            kind = ValueError if isinstance(self.best, str) else TypeError
            raise kind(f"best must be 'improvement' or 'lowest'; got {self.best!r:.60}")
        verbose: Any = self.verbose
        if isinstance(verbose, bool) or not isinstance(verbose, numbers.Integral) or verbose not in (0, 1, 2):
            raise ValueError(f"verbose must be 0, 1 or 2; got {verbose!r:.60}")
        set_("verbose", int(verbose))
        callbacks = self.callbacks
        if callbacks is None:
            callbacks = ()
        elif callable(callbacks):
            callbacks = (callbacks,)
        elif isinstance(callbacks, Sequence) and all(callable(cb) for cb in callbacks):
            callbacks = tuple(callbacks)
        else:
            raise TypeError("callbacks must be a callable or a list of callables")
        set_("callbacks", callbacks)
        if isinstance(self.optimizer, Optimizer):
            if self.learning_rate is not None or self.momentum or self.nesterov:
                raise ValueError("learning_rate, momentum and nesterov belong to the optimizer object; "
                                 "set them when you create it")
        elif (self.momentum or self.nesterov) and self.optimizer not in ("gd", "sgd"):
            raise ValueError(f"momentum and nesterov apply to optimizer='gd' or 'sgd', not "
                             f"{self.optimizer!r:.60}")
        self.make_optimizer()  # checks the name, learning_rate, momentum and nesterov

    def make_optimizer(self) -> Optimizer:
        """The optimizer these options name: a new one for a name, the object itself if given one."""
        if isinstance(self.optimizer, Optimizer):
            return self.optimizer
        if self.momentum or self.nesterov:
            return GradientDescent(self.learning_rate, momentum=self.momentum, nesterov=self.nesterov)
        return get_optimizer(self.optimizer, self.learning_rate)


class _StopOnInterrupt:
    """Turn the first Ctrl-C into a request to stop after the current batch.

    Only the main thread can handle signals; elsewhere this does nothing. The
    previous handler is back after the first Ctrl-C (a second one interrupts at
    once) and when training ends.
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous: Any = None
        self._installed = False

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True
        signal.signal(signal.SIGINT, self._previous)

    def __enter__(self) -> _StopOnInterrupt:
        if threading.current_thread() is threading.main_thread():
            previous = signal.getsignal(signal.SIGINT)
            self._previous = signal.default_int_handler if previous is None else previous
            signal.signal(signal.SIGINT, self._handler)
            self._installed = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)


class _Progress:
    """verbose=1: a tqdm bar on a terminal; verbose=2 (or 1 off a terminal): a line per epoch."""

    def __init__(self, verbose: int, epochs: int) -> None:
        self.verbose, self.epochs = verbose, epochs
        self.start = time.perf_counter()
        self.bar: Any = None
        if verbose == 1 and sys.stderr.isatty():
            from tqdm.auto import tqdm

            self.bar = tqdm(total=epochs, unit="epoch", file=sys.stderr, dynamic_ncols=True)

    def update(self, epoch: int, history: History) -> None:
        if not self.verbose:
            return
        metrics = {k: history[k][-1] for k in ("loss", "val_loss", "accuracy", "val_accuracy")
                   if history[k]}
        if self.bar is not None:
            self.bar.set_postfix({k: f"{v:.4g}" for k, v in metrics.items()}, refresh=False)
            self.bar.update(1)
            return
        elapsed = time.perf_counter() - self.start
        left = elapsed / epoch * (self.epochs - epoch)
        shown = "  ".join(f"{k} {v:.6g}" for k, v in metrics.items())
        print(f"epoch {epoch}/{self.epochs}  {shown}  {elapsed:.1f}s (about {left:.1f}s left)",
              file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _batches(X: Array, y: Array, w: Array | None, w_host: NDArray[np.float64] | None, batch_size: int,
             rng: np.random.Generator | None, xp: Namespace, device: Device
             ) -> Iterator[tuple[Array, Array, Array | None, float]]:
    """One epoch's mini-batches ``(X, y, sample_weight, share)``: ``batch_size`` rows at a time, in a
    new random order when ``rng`` is given.

    ``share`` is what the batch counts for in the epoch's mean: its size, or the sum of its
    weights, counted on the host (``w_host``), so that nothing is read back from the device.
    The order is drawn on the host and copied to the device once per epoch; the shuffled rows
    are gathered there one batch at a time, never the whole data at once.
    """
    n = X.shape[0]
    order_host = None if rng is None else rng.permutation(n)
    order = None if order_host is None else xp.asarray(order_host, device=device)
    for first in range(0, n, batch_size):
        last = min(first + batch_size, n)
        if order is None:
            Xb, yb, wb = X[first:last], y[first:last], None if w is None else w[first:last]
            rows_host: Any = slice(first, last)
        else:
            rows = order[first:last]
            Xb, yb = take_rows(X, rows, xp), take_rows(y, rows, xp)
            wb = None if w is None else take_rows(w, rows, xp)
            rows_host = order_host[first:last]  # type: ignore[index]
        share = float(last - first) if w_host is None else float(w_host[rows_host].sum())
        yield Xb, yb, wb, share


def holdout_split(
    n_samples: int,
    fraction: float,
    rng: np.random.Generator,
    *,
    stratify: NDArray[np.integer] | None = None,
    name: str = "validation_split",
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Split ``range(n_samples)`` at random into samples to train on and samples held out.

    ``round(fraction * n_samples)`` samples are held out. Without ``stratify``
    they are the first ones of ``rng.permutation(n_samples)``. With it, each
    class gives its share: ``fraction`` of its samples, rounded so that the
    shares add up (the largest remainders round up), then kept between 1 and
    the class's size less 1, so that every class is on both sides (which may
    hold out a few more or fewer than the plain split); drawn at random within
    the class. The split falls back to the plain one when some class has fewer
    than 2 samples, or the held-out or the kept part has too few samples for
    one of every class. The one rule behind ``fit(validation_split=...)``, the command
    line's ``--validation-split``, the estimators' ``validation_fraction`` and the
    playground's test set.

    Parameters
    ----------
    n_samples : int
    fraction : float in (0, 1)
        The share of the samples to hold out.
    rng : numpy.random.Generator
        Draws the permutation.
    stratify : ndarray of int of shape (n_samples,), optional
        Class indices ``0 .. n_classes - 1``, to keep the classes' proportions on both sides.
    name : str, default="validation_split"
        The argument's name, for the error message.

    Returns
    -------
    kept : ndarray of shape (n_samples - n_held,)
    held : ndarray of shape (n_held,)
        Sample indices, in random order.

    Raises
    ------
    ValueError
        If no sample would be held out, or none left to train on.

    Examples
    --------
    >>> kept, held = holdout_split(10, 0.2, np.random.default_rng(0))
    >>> len(kept), len(held), sorted([*kept, *held]) == list(range(10))
    (8, 2, True)
    >>> labels = np.array([0] * 8 + [1] * 4)
    >>> kept, held = holdout_split(12, 0.25, np.random.default_rng(0), stratify=labels)
    >>> np.bincount(labels[held]).tolist(), np.bincount(labels[kept]).tolist()
    ([2, 1], [6, 3])
    """
    n_held = round(fraction * n_samples)
    if n_held < 1 or n_held >= n_samples:
        raise ValueError(
            f"{name}={fraction} leaves {n_held} of {n_samples} samples held out; it needs at least 1 "
            "and must leave at least 1 for training"
        )
    counts = None if stratify is None else np.bincount(stratify)
    if stratify is None or counts is None or counts.min() < 2 \
            or min(n_held, n_samples - n_held) < len(counts):
        order = rng.permutation(n_samples)
        return order[n_held:], order[:n_held]
    # Each class's share of n_held: the floors, then one more for the largest remainders.
    exact = fraction * counts
    shares = np.floor(exact).astype(np.intp)
    extra = n_held - int(shares.sum())
    if extra > 0:
        shares[np.argsort(-(exact - shares), kind="stable")[:extra]] += 1
    shares = np.clip(shares, 1, counts - 1)  # one of every class on both sides
    order = rng.permutation(n_samples)
    by_class = order[np.argsort(stratify[order], kind="stable")]  # each class's samples, shuffled
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    held_mask = np.zeros(n_samples, dtype=bool)
    for start, share in zip(starts, shares):
        held_mask[by_class[start:start + share]] = True
    return order[~held_mask[order]], order[held_mask[order]]


def train(
    net: Trainable,
    X: Array,
    y: Array,
    options: FitOptions,
    *,
    sample_weight: Array | None = None,
    validation: tuple[Array, Array, Array | None] | None = None,
) -> History:
    """Train ``net`` on checked arrays ``X``, ``y`` for ``options.epochs`` passes.

    The arrays may be of any library of the array API standard (NumPy, CuPy, PyTorch),
    on the device where ``net`` computes; their namespace is looked up once, here.
    Nothing is read back from the device during an epoch: the batch losses and correct
    counts are added up where they are and read once the epoch is over. On NumPy each
    step is checked for NaN and infinity before its update (reading costs nothing there);
    elsewhere the epoch is checked at its end, and undone if it failed: the parameters
    and the optimizer's state are put back as they were when it started
    (:func:`~playwithnn._arrays.checks_each_step`).

    Parameters
    ----------
    net : Trainable
    X : array of shape (n_samples, n_features)
    y : array of shape (n_samples, n_outputs)
        Both of the network's dtype, already checked (``fit`` checks them).
    options : FitOptions
    sample_weight : array of shape (n_samples,), optional
        Checked weights of the samples in the loss, of the network's dtype.
    validation : (X_val, y_val, sample_weight_val or None), optional
        Checked validation data. Without it, ``options.validation_split`` of the
        samples are held out (:func:`holdout_split`, drawn from ``net.rng``).

    Returns
    -------
    History
    """
    xp, device = namespace(y), device_of(y)  # y's: X may be a SciPy sparse matrix, on NumPy
    each_step = checks_each_step(xp)
    w_host = None if sample_weight is None else to_numpy(sample_weight).astype(np.float64)
    if validation is None and options.validation_split > 0:
        kept_host, held_host = holdout_split(X.shape[0], options.validation_split, net.rng)
        kept, held = (xp.asarray(rows, device=device) for rows in (kept_host, held_host))
        w = sample_weight
        validation = (take_rows(X, held, xp), take_rows(y, held, xp),
                      None if w is None else take_rows(w, held, xp))
        X, y = take_rows(X, kept, xp), take_rows(y, kept, xp)
        sample_weight = None if w is None else take_rows(w, kept, xp)
        w_host = None if w_host is None else w_host[kept_host]
    optimizer = options.make_optimizer()
    n = X.shape[0]
    batch_size = n if options.batch_size is None else min(options.batch_size, n)
    patience = options.patience
    summed = net.loss_function.reduction == "sum"
    classify = is_classification_loss(net.loss_function.name)
    one_hot = net.loss_function.name == "categorical_crossentropy"
    # The sums of an epoch start from a float64 zero where the data lives (on NumPy, [()] makes
    # it a NumPy scalar, whose sums stay scalars: cheaper than arrays of no dimension).
    zero = xp.zeros((), dtype=xp.float64, device=device)[()]
    # Full batch, the tutorial's iteration: the same one batch every epoch.
    full_batch = [(X, y, sample_weight, float(n) if w_host is None else float(w_host.sum()))] \
        if batch_size >= n else None
    l2, l2_per_sample, dropout = options.l2, options.l2_per_sample, options.dropout
    callbacks = options.callbacks
    history = History()
    best_score, best_params, wait = np.inf, None, 0
    progress = _Progress(options.verbose, options.epochs)
    start = time.perf_counter()
    caller_errstate = np.geterr()
    # Overflow and NaN are detected by the checks below and reported as TrainingDivergedError,
    # not as NumPy warnings.
    with _StopOnInterrupt() as interrupt, float_errors_ignored():
        try:
            for epoch in range(1, options.epochs + 1):
                # Without a check at every step, the epoch is checked at its end: keep what to undo.
                before = None if each_step else (
                    [xp.asarray(p, copy=True) for p in net.parameters()], optimizer.snapshot())
                total, correct, seen, shares = zero, zero, 0, 0.0
                batches: Iterable[tuple[Array, Array, Array | None, float]] = (
                    full_batch if full_batch is not None
                    else _batches(X, y, sample_weight, w_host, batch_size,
                                  net.rng if options.shuffle else None, xp, device))
                for Xb, yb, wb, share in batches:
                    # a mean loss's batches count by their size (their summed weights, if weighted)
                    # A summed loss adds up its batches, so each batch carries its share of the
                    # penalty, 0.5 * l2 * (n_batch / n) * sum(W**2): the epoch then adds up to
                    # one penalty, and it does not grow with the number of batches.
                    if l2_per_sample:
                        l2_of_batch = l2 / share
                    else:
                        l2_of_batch = l2 / n * Xb.shape[0] if summed and l2 else l2
                    try:
                        loss, y_pred = net.train_step(Xb, yb, optimizer, l2=l2_of_batch, dropout=dropout,
                                                      sample_weight=wb, check=each_step)
                    except TrainingDivergedError as exc:
                        kept_weights = (
                            "The weights are kept from before that step"
                            if all(bool(xp.all(xp.isfinite(p))) for p in net.parameters())
                            else "The previous update already overflowed the weights"
                        )
                        raise TrainingDivergedError(
                            f"training diverged at epoch {epoch}: {exc}. {kept_weights}. Try a smaller "
                            f"learning rate (it is {optimizer.learning_rate}).", history) from None
                    # in float64: total is, and a mean's loss becomes so before it is scaled
                    total = total + loss if summed else total + (zero + loss) * share
                    seen += Xb.shape[0]
                    shares += share
                    if classify:
                        correct = correct + n_correct(yb, y_pred, one_hot=one_hot, xp=xp)
                    if interrupt.requested:
                        break
                if before is not None:
                    _check_epoch(net, optimizer, total, before, epoch, history, xp)
                total_loss = float(total)  # the epoch's one read of the device
                history.loss.append(total_loss if summed else total_loss / shares)
                if classify:
                    history.accuracy.append(float(correct) / seen)
                if validation is not None:
                    X_val, y_val, w_val = validation
                    # diverging weights give inf here, caught by the next training step
                    val_loss, y_val_pred = net.evaluate(X_val, y_val, w_val)
                    history.val_loss.append(val_loss)
                    if classify:
                        history.val_accuracy.append(
                            float(n_correct(y_val, y_val_pred, one_hot=one_hot, xp=xp)) / X_val.shape[0])
                if options.verbose:
                    progress.update(epoch, history)
                if patience is not None and not interrupt.requested:  # a whole epoch only
                    score = history.val_loss[-1] if validation is not None else history.loss[-1]
                    improved = score < best_score - options.min_delta
                    if improved or (options.best == "lowest" and score < best_score):
                        best_score, history.best_epoch = score, epoch
                        if options.restore_best:
                            best_params = [xp.asarray(p, copy=True) for p in net.parameters()]
                    if improved:
                        wait = 0
                    else:
                        wait += 1
                        if wait >= patience:
                            history.stopped_early = True
                stop = False
                if callbacks:
                    with np.errstate(**caller_errstate):  # the caller's code, the caller's settings
                        answers = [cb(epoch, history, net) for cb in callbacks]  # all of them
                    stop = any(answer is False for answer in answers)
                if interrupt.requested or stop:
                    history.interrupted = True
                if history.stopped_early or history.interrupted:
                    break
        finally:
            progress.close()
            history.seconds = time.perf_counter() - start
    if best_params is not None:
        for p, best in zip(net.parameters(), best_params):
            p[...] = best
    return history


def _check_epoch(net: Trainable, optimizer: Optimizer, total: Any, before: tuple[list[Array], Any],
                 epoch: int, history: History, xp: Namespace) -> None:
    """An epoch checked at its end: if its loss or the weights it left are NaN or infinite, put the
    weights and the optimizer's state back as they were ``before`` it, and raise.

    A NaN or infinite gradient anywhere in the epoch reaches the weights through its update, so
    the weights at the end tell. One read of the device.
    """
    finite = xp.isfinite(total)
    for p in net.parameters():
        finite = finite & xp.all(xp.isfinite(p))
    if bool(finite):
        return
    params, state = before
    for p, p0 in zip(net.parameters(), params):
        p[...] = p0
    optimizer.restore(state)
    what = f"the loss became {float(total)}" if not math.isfinite(float(total)) else \
        "a gradient became NaN or infinite"
    raise TrainingDivergedError(
        f"training diverged in epoch {epoch}: {what}. The weights are put back as they were before "
        f"that epoch. Try a smaller learning rate (it is {optimizer.learning_rate}).", history)
