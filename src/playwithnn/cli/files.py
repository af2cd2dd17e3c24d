"""The files a command reads and writes.

Every output path is checked before any work (:func:`check_output_path`,
:func:`check_distinct`); every output is prepared in memory, a figure rendered to
bytes (:func:`render_figure`), and then written all or none (:func:`write_files`).
CSV files are read by :mod:`playwithnn.tabular`, whose TableError (a file, line,
column and cell in one line) ``main`` reports as bad input, exactly as a
CommandError (:func:`read_table`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import _files, tabular
from ..tabular import Table
from .errors import CommandError
from .signals import signals_held

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def check_output_path(path: str, what: str, suffixes: Sequence[str] | None = None) -> Path:
    """Check, before any work, that ``path`` can be written; return it as a Path."""
    target = Path(path)
    if not path or target.name in ("", ".", ".."):
        raise CommandError(f"{what} {path!r} is not a file name")
    if target.is_dir():
        raise CommandError(f"{what} {path} is a directory; give a file name")
    if target.exists() and not target.is_file():
        # Writing goes through a temporary file renamed over the target, which
        # would replace a device such as /dev/null rather than write into it.
        raise CommandError(f"{what} {path} exists and is not a regular file; give a file name")
    target = Path(os.path.realpath(target)) if target.is_symlink() else target
    parent = target.parent
    if not parent.is_dir():
        raise CommandError(f"cannot write {what} {path}: the directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CommandError(f"cannot write {what} {path}: the directory {parent} is not writable")
    if suffixes is not None and target.suffix.lower() not in suffixes:
        known = ", ".join(sorted(suffixes))
        raise CommandError(f"{what} {path} has an unknown suffix {target.suffix!r}; use one of {known}")
    return target


def check_figure_path(path: str) -> Path:
    from ..plotting import figure_formats

    return check_output_path(path, "figure", [f".{k}" for k in figure_formats()])


def check_distinct(outputs: Sequence[tuple[str, Path]],
                   inputs: Sequence[tuple[str, str | Path]] = ()) -> None:
    """Refuse an output that is another output or one of the inputs: ``(what, path)`` pairs."""

    def same(a: str | Path, b: str | Path) -> bool:
        if os.path.exists(a) and os.path.exists(b):
            return os.path.samefile(a, b)  # hard links too
        return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))

    for i, (what, path) in enumerate(outputs):
        for other_what, other in [*outputs[:i], *inputs]:
            if same(path, other):
                raise CommandError(f"{what} {path} is the same file as {other_what} {other}; "
                                   "give a different file name")


def check_training_outputs(model: str, plot: str | None, data: str) -> tuple[Path, Path | None]:
    """``train``'s outputs, checked before any work: the model file, the figure (if asked for),
    neither of them the other nor the data file."""
    output = check_output_path(model, "model file")
    plot_path = None if plot is None else check_figure_path(plot)
    outputs = [("model file", output)] + ([("figure", plot_path)] if plot_path is not None else [])
    check_distinct(outputs, [("data file", data)])
    return output, plot_path


def write_files(files: Sequence[tuple[Path, _files.Content, str]]) -> None:
    """Write every ``(path, content, what)``, all or none as far as the disk allows.

    Each content goes to a temporary file beside its path and is flushed to disk
    first; only when all of them are written are they renamed into place, so a
    full disk or an unwritable file leaves every existing file as it was. SIGINT and
    SIGTERM wait until the writing is done (:func:`signals_held`).
    """
    with signals_held():
        _write_staged(files)


def _write_staged(files: Sequence[tuple[Path, _files.Content, str]]) -> None:
    staged: list[_files.StagedFile] = []
    try:
        for path, content, what in files:
            try:
                staged.append(_files.stage(path, content))
            except OSError as exc:
                raise CommandError(f"cannot write {what} {path}: {exc.strerror or exc}") from None
        for (path, _, what), file in zip(files, staged):
            try:
                file.commit()
            except OSError as exc:
                raise CommandError(f"cannot write {what} {path}: {exc.strerror or exc}") from None
    finally:
        for file in staged:
            file.discard()  # nothing to do for those committed


def render_figure(fig: Figure, path: Path) -> bytes:
    """The figure as the bytes of a file in the format that ``path``'s suffix names."""
    from ..plotting import figure_bytes, figure_format

    return figure_bytes(fig, figure_format(path))


def pyplot_if_display() -> Any:
    """``matplotlib.pyplot`` if it can open a window here, else ``None``.

    Importing pyplot lets matplotlib pick its backend: an interactive one where
    a display exists, Agg on a machine without one (or where ``MPLBACKEND`` says so).
    """
    import matplotlib.backends
    import matplotlib.pyplot as plt
    from matplotlib import rcsetup

    backend = str(plt.get_backend()).lower()
    backends: Any = matplotlib.backends
    if hasattr(backends, "backend_registry"):  # matplotlib >= 3.9
        interactive = backends.backend_registry.list_builtin(backends.BackendFilter.INTERACTIVE)
    else:  # deprecated since matplotlib 3.9
        interactive = rcsetup.interactive_bk  # type: ignore[attr-defined]
    return plt if backend in {str(b).lower() for b in interactive} else None


def read_table(path: str) -> Table:
    """Read a CSV file with a header row and at least one data row.

    Raises
    ------
    TableError
        If the file cannot be read or is not CSV by :mod:`playwithnn.tabular`'s grammar.
    CommandError
        If it has a header but no data rows.
    """
    table = tabular.read_table(path)
    if table.n_rows == 0:
        raise CommandError(f"{path}: a header row but no data rows")
    return table


def format_number(value: float) -> str:
    """Shortest text that reads back as the same float; whole numbers without ``.0``."""
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
