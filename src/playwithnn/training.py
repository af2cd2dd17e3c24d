"""The training loop: epochs, mini-batches, validation, early stopping, callbacks, progress.

The loop asks the network it trains for one step of training on a batch
(``train_step``: feedforward, backpropagation and update), for the loss and
predictions of the validation data (``_evaluate``), for its ``parameters`` (to
keep the best ones), its random generator ``rng`` (to shuffle) and its loss (to
add up batches and count correct answers).
:meth:`playwithnn.NeuralNetwork.fit` checks its arguments and hands itself to
:func:`train`.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from types import FrameType
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from .network import NeuralNetwork
    from .optimizers import Optimizer

Array = NDArray[np.floating]

#: ``callback(epoch, history, network)``; returning ``False`` stops training.
Callback = Callable[[int, "History", "NeuralNetwork"], Any]


class TrainingDivergedError(FloatingPointError):
    """The loss or a gradient became NaN or infinite during training.

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
        their sizes, for the losses that average. In full-batch
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


def _batches(X: Array, y: Array, batch_size: int, order: NDArray[np.intp] | None
             ) -> Iterator[tuple[Array, Array]]:
    n = X.shape[0]
    for start in range(0, n, batch_size):
        if order is None:
            yield X[start:start + batch_size], y[start:start + batch_size]
        else:
            idx = order[start:start + batch_size]
            yield X[idx], y[idx]


def holdout_split(
    n_samples: int, fraction: float, rng: np.random.Generator, *, name: str = "validation_split"
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Split ``range(n_samples)`` at random into samples to train on and samples held out.

    ``round(fraction * n_samples)`` samples are held out: the first ones of
    ``rng.permutation(n_samples)``. The one rule behind ``fit(validation_split=...)``,
    the command line's ``--validation-split``, the estimators' ``validation_fraction``
    and the playground's test set.

    Parameters
    ----------
    n_samples : int
    fraction : float in (0, 1)
        The share of the samples to hold out.
    rng : numpy.random.Generator
        Draws the permutation (one call to ``rng.permutation``).
    name : str, default="validation_split"
        The argument's name, for the error message.

    Returns
    -------
    kept : ndarray of shape (n_samples - n_held,)
    held : ndarray of shape (n_held,)
        Sample indices, in the permutation's order.

    Raises
    ------
    ValueError
        If no sample would be held out, or none left to train on.

    Examples
    --------
    >>> kept, held = holdout_split(10, 0.2, np.random.default_rng(0))
    >>> len(kept), len(held), sorted([*kept, *held]) == list(range(10))
    (8, 2, True)
    """
    n_held = round(fraction * n_samples)
    if n_held < 1 or n_held >= n_samples:
        raise ValueError(
            f"{name}={fraction} leaves {n_held} of {n_samples} samples held out; it needs at least 1 "
            "and must leave at least 1 for training"
        )
    order = rng.permutation(n_samples)
    return order[n_held:], order[:n_held]


def n_correct(y: Array, y_pred: Array, loss_name: str) -> float:
    """Number of correct predictions (per output for binary cross-entropy).

    Parameters
    ----------
    y : ndarray of shape (n_samples, n_outputs)
        One-hot rows for ``categorical_crossentropy``, 0/1 targets otherwise.
    y_pred : ndarray of shape (n_samples, n_outputs)
        Predicted probabilities.
    loss_name : str

    Returns
    -------
    float
        Correct samples; for binary cross-entropy the correct outputs divided by
        ``n_outputs``, so that dividing by ``n_samples`` gives the accuracy.
    """
    if loss_name == "categorical_crossentropy":
        return float(np.count_nonzero(y_pred.argmax(axis=1) == y.argmax(axis=1)))
    return float(np.count_nonzero((y_pred > 0.5) == (y > 0.5))) / y.shape[1]


def train(
    net: NeuralNetwork,
    X: Array,
    y: Array,
    *,
    epochs: int,
    optimizer: Optimizer,
    batch_size: int | None = None,
    l2: float = 0.0,
    dropout: float = 0.0,
    validation: tuple[Array, Array] | None = None,
    patience: int | None = None,
    min_delta: float = 0.0,
    best: str = "improvement",
    restore_best: bool = True,
    shuffle: bool = True,
    callbacks: list[Callback] | None = None,
    verbose: int = 0,
) -> History:
    """Run ``epochs`` passes of ``net.train_step`` over checked arrays ``X``, ``y``.

    See :meth:`playwithnn.NeuralNetwork.fit` for the arguments; this function
    trusts them.
    """
    n = X.shape[0]
    batch_size = n if batch_size is None else min(batch_size, n)
    summed = net._loss.reduction == "sum"
    # A summed loss adds up its batches, so each batch carries its share of the
    # penalty, 0.5 * l2 * (n_batch / n) * sum(W**2): the epoch then adds up to one
    # penalty, and the regularization does not grow with the number of batches.
    l2_share = l2 / n if summed else 0.0
    whole = ((X, y),)  # the one batch of full-batch training
    classify = net.loss_name in ("binary_crossentropy", "categorical_crossentropy")
    history = History()
    best_score, best_params, wait = np.inf, None, 0
    progress = _Progress(verbose, epochs)
    start = time.perf_counter()
    caller_errstate = np.geterr()
    # Overflow and NaN are detected by train_step and reported as TrainingDivergedError,
    # not as NumPy warnings.
    with _StopOnInterrupt() as interrupt, np.errstate(over="ignore", invalid="ignore",
                                                       divide="ignore"):
        try:
            for epoch in range(1, epochs + 1):
                total, correct, seen = 0.0, 0.0, 0
                if batch_size >= n:
                    batches: Iterable[tuple[Array, Array]] = whole
                else:
                    order = net.rng.permutation(n) if shuffle else None
                    batches = _batches(X, y, batch_size, order)
                for Xb, yb in batches:
                    try:
                        loss, y_pred = net.train_step(
                            Xb, yb, optimizer, l2=l2_share * Xb.shape[0] if summed and l2 else l2,
                            dropout=dropout)
                    except TrainingDivergedError as exc:
                        kept = (
                            "The weights are kept from before that step"
                            if all(np.isfinite(p).all() for p in net.parameters())
                            else "The previous update already overflowed the weights"
                        )
                        raise TrainingDivergedError(
                            f"training diverged at epoch {epoch}: {exc}. {kept}. Try a smaller "
                            f"learning rate (it is {optimizer.learning_rate}).", history) from None
                    total += loss if summed else loss * Xb.shape[0]
                    seen += Xb.shape[0]
                    if classify:
                        correct += n_correct(yb, y_pred, net.loss_name)
                    if interrupt.requested:
                        break
                history.loss.append(total if summed else total / seen)
                if classify:
                    history.accuracy.append(correct / seen)
                if validation is not None:
                    X_val, y_val = validation
                    # diverging weights give inf here, caught by the next training step
                    val_loss, y_val_pred = net._evaluate(X_val, y_val)
                    history.val_loss.append(val_loss)
                    if classify:
                        history.val_accuracy.append(
                            n_correct(y_val, y_val_pred, net.loss_name) / X_val.shape[0])
                if verbose:
                    progress.update(epoch, history)
                if patience is not None and not interrupt.requested:  # a whole epoch only
                    score = history.val_loss[-1] if validation is not None else history.loss[-1]
                    improved = score < best_score - min_delta
                    if improved or (best == "lowest" and score < best_score):
                        best_score, history.best_epoch = score, epoch
                        if restore_best:
                            best_params = [p.copy() for p in net.parameters()]
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
