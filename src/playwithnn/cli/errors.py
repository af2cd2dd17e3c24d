"""What goes wrong, and how the command line says so.

Bad input (an option, a file, a cell) is a :class:`CommandError`: one line on
standard error and exit status 2. A remark about the data that is no error is a
notice, one line too (:func:`print_notice`). :data:`EXIT_STATUSES` lists every
exit status, as ``--help`` shows it.
"""

from __future__ import annotations

import sys

PROG = "playwithnn"


class CommandError(Exception):
    """Bad input to a command: printed as one line on standard error, exit status 2."""


#: The exit statuses, as ``--help`` lists them.
EXIT_STATUSES = ("exit status: 0 success; 1 an unexpected error; 2 bad input (an option, a file, a cell); "
                 "130 interrupted by Ctrl-C (SIGINT), 143 by SIGTERM. The first of either stops train "
                 "after the current batch and saves the model trained so far before it exits with 130 "
                 "or 143; a second one stops it at once.")


def print_notice(message: str) -> None:
    """One line on standard error, ``notice: ...``: about the data, so ``--quiet`` keeps it."""
    print(f"notice: {message}", file=sys.stderr)
