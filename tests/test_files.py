"""Atomic writes: a file is replaced whole, or left as it was, and no temporary stays behind."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

import pytest

import playwithnn._files as files
from playwithnn._files import atomic_write, check_target, stage


def test_bytes_and_a_writer_function(tmp_path: Path) -> None:
    path = tmp_path / "a.bin"
    atomic_write(path, b"first")
    assert path.read_bytes() == b"first"

    def write(f: BinaryIO) -> None:
        f.write(b"sec")
        f.write(b"ond")

    atomic_write(str(path), write)
    assert path.read_bytes() == b"second"
    assert os.listdir(tmp_path) == ["a.bin"]


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_failed_write_keeps_the_old_file(tmp_path: Path, failure: BaseException) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"the good file")

    def write_half_then_fail(f: BinaryIO) -> None:
        f.write(b"half")
        f.flush()
        raise failure

    with pytest.raises(type(failure)):
        atomic_write(path, write_half_then_fail)
    assert path.read_bytes() == b"the good file"
    assert os.listdir(tmp_path) == ["a.bin"]


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_failed_sync_or_rename_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  failing: str) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"the good file")

    def fail(*args: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(files.os, failing, fail)
    with pytest.raises(OSError, match="Input/output error"):
        atomic_write(path, b"new content")
    assert path.read_bytes() == b"the good file"
    assert os.listdir(tmp_path) == ["a.bin"]


@pytest.mark.skipif(os.name == "nt", reason="folders cannot be synced on Windows")
def test_the_file_and_then_its_folder_are_synced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[tuple[bool, int]] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        info = os.fstat(fd)
        synced.append((stat.S_ISDIR(info.st_mode), info.st_size if stat.S_ISREG(info.st_mode) else -1))
        real_fsync(fd)

    monkeypatch.setattr(files.os, "fsync", recording_fsync)
    atomic_write(tmp_path / "a.bin", b"content")
    # The whole file before the rename, then the folder that holds the new entry.
    assert synced == [(False, len(b"content")), (True, -1)]


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        atomic_write(tmp_path / "missing" / "a.bin", b"x")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("target", ["folder", os.devnull])
def test_refuses_what_is_not_a_regular_file(tmp_path: Path, target: str) -> None:
    path = tmp_path if target == "folder" else Path(target)
    kind_before = path.stat().st_mode
    with pytest.raises(ValueError, match="exists and is not a regular file"):
        atomic_write(path, b"x")
    assert path.stat().st_mode == kind_before
    with pytest.raises(ValueError, match="exists and is not a regular file"):
        check_target(path)


@pytest.mark.skipif(os.name == "nt", reason="symbolic links need privileges on Windows")
def test_a_symbolic_link_is_followed(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "a.bin"
    real.write_bytes(b"old")
    link = tmp_path / "link.bin"
    link.symlink_to(real)
    assert check_target(link) == str(real)
    atomic_write(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"
    # The temporary file was made beside the real file, and is gone.
    assert os.listdir(tmp_path / "real") == ["a.bin"]


def test_staged_files_wait_for_commit(tmp_path: Path) -> None:
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(b"old a")
    staged_a, staged_b = stage(a, b"new a"), stage(b, b"new b")
    # Staged, the content is on disk under a temporary name; the targets are as they were.
    assert a.read_bytes() == b"old a" and not b.exists()
    assert Path(staged_a.temporary).read_bytes() == b"new a"
    assert Path(staged_a.temporary).parent == tmp_path and Path(staged_a.temporary).name.startswith(".")
    staged_a.commit()
    staged_b.discard()
    staged_a.discard()  # after a commit: nothing to do
    assert a.read_bytes() == b"new a"
    assert sorted(os.listdir(tmp_path)) == ["a.bin"]
