"""Writing files so that a failure never leaves a half-written one.

Every file playwithnn writes (model files, figures, CSV) goes through
:func:`atomic_write`: the content goes to a new temporary file in the same
folder, which is flushed to disk and then renamed over the target in one step
(:func:`os.replace`). If anything fails on the way, an out-of-space error or
Ctrl-C included, the temporary file is removed and an existing file at the
target is left exactly as it was.

:func:`stage` splits that in two, for a command that writes several files: stage
every file first, and rename them into place (:meth:`StagedFile.commit`) only
once all of them are on disk.

This module imports nothing of playwithnn.

>>> import os, tempfile
>>> with tempfile.TemporaryDirectory() as folder:
...     path = os.path.join(folder, "notes.txt")
...     atomic_write(path, b"first")
...     atomic_write(path, lambda f: f.write(b"second"))
...     with open(path, "rb") as f:
...         content = f.read()
...     names = os.listdir(folder)
>>> content, names
(b'second', ['notes.txt'])
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from typing import BinaryIO

#: What to write: the bytes themselves, or a function that writes them to an open binary file.
Content = bytes | Callable[[BinaryIO], object]


def check_target(path: str | os.PathLike[str]) -> str:
    """The file that writing to ``path`` replaces, after checking it can be one.

    A symbolic link is followed: the file it names is replaced and the link kept.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    str
        The real path of the target (it need not exist yet).

    Raises
    ------
    ValueError
        If ``path`` exists and is not a regular file (a folder, a device such as
        ``/dev/null``, a pipe): the rename would replace it rather than write into it.
    """
    target = os.path.realpath(os.fspath(path))
    if os.path.exists(target) and not os.path.isfile(target):
        raise ValueError(
            f"cannot write {os.fspath(path)}: it exists and is not a regular file (a folder, a device "
            "or a pipe); files are written by replacing a file, which would replace it"
        )
    return target


class StagedFile:
    """A complete temporary file beside its target, waiting to be renamed over it.

    Made by :func:`stage`. Call :meth:`commit` to put it in place, or
    :meth:`discard` to remove it; :meth:`discard` after :meth:`commit` does nothing.

    Attributes
    ----------
    target : str
        The file to replace.
    temporary : str
        The staged file.
    """

    def __init__(self, target: str, temporary: str) -> None:
        self.target = target
        self.temporary = temporary
        self._committed = False

    def commit(self) -> None:
        """Rename the staged file over the target, then flush the folder's entry to disk."""
        os.replace(self.temporary, self.target)
        self._committed = True
        _sync_folder(os.path.dirname(self.target))

    def discard(self) -> None:
        """Remove the staged file unless it was committed."""
        if not self._committed:
            _remove(self.temporary)


def stage(path: str | os.PathLike[str], content: Content) -> StagedFile:
    """Write ``content`` to a new temporary file beside ``path``, flushed to disk.

    Parameters
    ----------
    path : str or os.PathLike
        The file the content is for. Its folder must exist.
    content : bytes or callable
        The bytes, or a function called with the temporary file open for
        binary writing.

    Returns
    -------
    StagedFile
        Commit it to replace ``path``.

    Raises
    ------
    ValueError
        See :func:`check_target`.
    OSError
        If the folder does not exist or the file cannot be written; no
        temporary file is left behind. Whatever ``content`` raises goes through
        the same way.
    """
    target = check_target(path)
    folder, name = os.path.split(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temporary = os.path.join(folder, f".{name}.{uuid.uuid4().hex[:12]}.tmp")
        try:
            # Mode 0o666 gives the new file the user's usual permissions (the umask applies).
            fd = os.open(temporary, flags, 0o666)
        except FileExistsError:  # pragma: no cover - a name drawn twice
            continue
        break
    try:
        with os.fdopen(fd, "wb") as f:
            if isinstance(content, bytes):
                f.write(content)
            else:
                content(f)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:  # Ctrl-C too: never leave a temporary behind
        _remove(temporary)
        raise
    return StagedFile(target, temporary)


def atomic_write(path: str | os.PathLike[str], content: Content) -> None:
    """Replace the file ``path`` by ``content`` in one step, or leave it as it was.

    The content goes to a temporary file in the same folder (created with
    ``O_EXCL``), which is flushed and synced to disk, then renamed over ``path``
    with :func:`os.replace`; the folder is synced too where the system allows it.
    If anything fails, ``KeyboardInterrupt`` included, the temporary file is
    removed and an existing ``path`` is untouched.

    Parameters
    ----------
    path : str or os.PathLike
        Where to write; a symbolic link is followed.
    content : bytes or callable
        The bytes, or a function called with the temporary file open for
        binary writing.

    Raises
    ------
    ValueError
        If ``path`` exists and is not a regular file (a folder, ``/dev/null``).
    OSError
        If the folder does not exist or cannot be written.
    """
    staged = stage(path, content)
    try:
        staged.commit()
    except BaseException:
        staged.discard()
        raise


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _sync_folder(folder: str) -> None:
    """Flush a folder's entries (a rename in it) to disk, where the system allows it."""
    if os.name == "nt":  # folders cannot be opened there; the rename is durable by itself
        return
    try:
        fd = os.open(folder or ".", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems cannot sync a folder; the rename is done all the same
        pass
    finally:
        os.close(fd)


__all__ = ["Content", "StagedFile", "atomic_write", "check_target", "stage"]
