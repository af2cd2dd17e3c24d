"""The ``playwithnn`` command line.

::

    playwithnn demo [--iterations N | --compare N N ...] [--faithful] [--seed S] [--output PNG] [--show]
    playwithnn explain [--seed S] [--faithful] [--learning-rate η] [--decimals D] [--iteration N] [--pitfalls]
    playwithnn datasets NAME [--output CSV] [--samples N] [--noise X] [--seed S]
    playwithnn train DATA.csv --target COLUMN --output MODEL.npz [options]
    playwithnn predict MODEL.npz DATA.csv [--output CSV] [--probabilities] [--keep COLUMN ...]
    playwithnn evaluate MODEL.npz DATA.csv --target COLUMN
    playwithnn export MODEL.npz OUT.onnx|OUT.py [--format {onnx,numpy}] [--dtype D] [--opset N]
    playwithnn playground [--host H] [--port P] [--no-browser]

Bad input (an option, a file, a cell) gets one line on standard error that names
what is wrong and where, and exit status 2; anything unexpected gets one line and
exit status 1, never a traceback. A failed run never overwrites an existing output
file: every input and output path is checked and every output (model, figure, CSV)
prepared in memory before anything is written; each file is then written to a
temporary name beside it, flushed to disk, and renamed over the old one only once
all of them are written.

Signals: Ctrl-C (SIGINT) and SIGTERM stop a command with exit status 130 and 143
(128 plus the signal's number, as a shell reports a process the signal ended), one
line on standard error. ``train`` takes the first of either as a request to stop
after the current batch: it saves the model trained so far, then exits with that
status; a second one stops it at once. A signal that arrives while files are being
written waits until they are (each file is then the new one, never half of it,
and no temporary file is left), and then acts.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence

from .. import tabular
from ..tabular import TableError
from .errors import PROG, CommandError
from .files import read_table
from .parser import build_parser
from .signals import Terminated, raise_terminated, signal_handlers


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default ``sys.argv[1:]``); return the exit status.

    0 on success, 2 on bad input (one line on standard error), 1 on any
    other error (one line too), 130 when interrupted by Ctrl-C and 143 by SIGTERM
    (``train`` saves the model trained so far first; see
    :data:`~playwithnn.cli.errors.EXIT_STATUSES`).
    """
    parser = build_parser()
    command = PROG
    # The command line handles Ctrl-C and SIGTERM itself (StopRequest): Arrow, which reads
    # the CSV files, would otherwise swap in its own SIGINT handler while it reads, and
    # cancel the read instead of letting the run stop and save.
    tabular.disable_reader_interruption()
    try:
        with signal_handlers({signal.SIGTERM: raise_terminated}):
            args, extra = parser.parse_known_args(argv)
            command = f"{PROG} {args.command}"
            if extra:  # reported by the subcommand, whose help lists what it accepts
                args.parser.error(f"unrecognized arguments: {' '.join(extra)}")
            return int(args.func(args))
    except (CommandError, TableError) as exc:  # a TableError names the file, line and cell
        message = str(exc)
        if not message.startswith(PROG):
            message = f"{command}: error: {message}"
        print(message, file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM as Terminated
        terminated = isinstance(exc, Terminated)
        print(f"{command}: {'terminated (SIGTERM)' if terminated else 'interrupted'}", file=sys.stderr)
        return 128 + (signal.SIGTERM if terminated else signal.SIGINT)
    except BrokenPipeError:
        # Whoever read our output has gone (`| head`): stop quietly, as other tools do,
        # and keep Python from complaining again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:  # the last guard: one line, never a traceback
        detail = " ".join(str(exc).split())  # one line, whatever the message holds
        print(f"{command}: error: unexpected {type(exc).__name__}{': ' if detail else ''}{detail}",
              file=sys.stderr)
        return 1


__all__ = ["CommandError", "build_parser", "main", "read_table"]
