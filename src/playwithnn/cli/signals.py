"""Ctrl-C (SIGINT) and SIGTERM on the command line.

The core's fit turns the first SIGINT into a request to stop after the current batch
(its handler is SIGINT's while it trains). The command line adds SIGTERM, which a
library has no business handling: outside training it stops the command as Ctrl-C
would; while training it is handed to SIGINT's handler, so that it stops the same way.
While files are written, both wait (:func:`signals_held`).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, NoReturn

_Handler = Callable[[int, "FrameType | None"], Any]


class Terminated(KeyboardInterrupt):
    """SIGTERM outside training: the command stops as Ctrl-C stops it, with exit status 143."""


def raise_terminated(signum: int, frame: FrameType | None) -> NoReturn:
    raise Terminated


@contextmanager
def signal_handlers(handlers: dict[int, _Handler]) -> Iterator[None]:
    """Install ``{signal number: handler}`` for the block, then put the previous ones back.

    Only the main thread can handle signals; elsewhere this installs nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in handlers}
    try:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
        yield
    finally:
        for signum, before in previous.items():  # None: set outside Python; the default is closest
            signal.signal(signum, signal.SIG_DFL if before is None else before)


class StopRequest:
    """SIGTERM (and, with ``catch_interrupt``, SIGINT) as a request to stop training.

    While the core trains, its own SIGINT handler holds the request; a SIGTERM is
    handed to that handler, so it stops training after the current batch as Ctrl-C
    does. Between two ``fit`` calls of a streamed run, ``catch_interrupt=True`` makes
    SIGINT a request too. The first request puts SIGINT's default handler back, so a
    second signal of either kind stops the command at once.

    Attributes
    ----------
    signum : int or None
        The first signal received, ``None`` if none was.
    """

    def __init__(self, *, catch_interrupt: bool = False) -> None:
        self.signum: int | None = None
        self._catch_interrupt = catch_interrupt

    def __enter__(self) -> StopRequest:
        handlers: dict[int, _Handler] = {signal.SIGTERM: self._on_terminate}
        if self._catch_interrupt:
            handlers[signal.SIGINT] = self._on_interrupt
        self._handlers = signal_handlers(handlers)
        self._handlers.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._handlers.__exit__(*exc)

    @property
    def requested(self) -> bool:
        """Whether a signal asked to stop."""
        return self.signum is not None

    def status(self) -> int:
        """The exit status of a run stopped by the request: 128 + the signal's number (SIGINT's if none)."""
        return 128 + (signal.SIGINT if self.signum is None else self.signum)

    def _on_interrupt(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl-C stops at once

    def _on_terminate(self, signum: int, frame: FrameType | None) -> None:
        first = self.signum is None
        if first:
            self.signum = signum
        handler = signal.getsignal(signal.SIGINT)
        if not first or not callable(handler) or handler is signal.default_int_handler:
            raise Terminated  # outside training, or a second request: stop at once
        handler(signal.SIGINT, frame)  # the training's stop request (or ours, between two fits)


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM for the block, then deliver the first that came, if any.

    Files are written under it, so that a signal finds each file either old or new,
    whole, and no temporary file left over: the writing is short, and the signal
    acts as soon as it is done.
    """
    received: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    try:
        with signal_handlers({signal.SIGINT: hold, signal.SIGTERM: hold}):
            yield
    finally:
        if received:
            signal.raise_signal(received[0])  # to the handler now installed again
