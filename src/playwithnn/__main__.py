"""``python -m playwithnn``: the command line (see :mod:`playwithnn.cli`)."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
