"""Signals in the command line: Ctrl-C and SIGTERM stop ``train`` after a batch, save, and exit 130 or 143.

The runs that are stopped are real processes: each starts with SIGINT at its
default handler and in a session of its own, so that the signal reaches it alone,
whatever the test runner's own signal settings are (a run under ``nohup`` or in the
background of a shell ignores SIGINT). Every wait is bounded.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from playwithnn import _files, cli, tabular
from playwithnn.io import load

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")

N_ROWS, N_FEATURES = 10_000, 8


def _default_signals() -> None:
    """In the child, before it runs Python: SIGINT and SIGTERM at their defaults, neither blocked."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray, np.ndarray]:
    """A CSV big enough that 2000 epochs take minutes: ``(path, X, y)``."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N_ROWS, N_FEATURES))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    path = tmp_path_factory.mktemp("signals") / "big.csv"
    lines = [",".join([*(f"x{j}" for j in range(N_FEATURES)), "label"])]
    lines += [",".join([*(f"{v:.5f}" for v in row), str(label)]) for row, label in zip(X, y)]
    path.write_text("\n".join(lines) + "\n")
    return path, X, y


def _files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.timeout(180)
@pytest.mark.parametrize(("signum", "status", "extra"),
                         [(signal.SIGINT, 130, []), (signal.SIGTERM, 143, []),
                          (signal.SIGINT, 130, ["--chunk-rows", "1000"]),
                          (signal.SIGTERM, 143, ["--chunk-rows", "1000"])],
                         ids=["SIGINT", "SIGTERM", "SIGINT-streamed", "SIGTERM-streamed"])
def test_a_signal_while_training_saves_the_model_and_exits_with_its_status(
        signum: int, status: int, extra: list[str], data: tuple[Path, np.ndarray, np.ndarray],
        tmp_path: Path) -> None:
    path, X, y = data
    model = tmp_path / "model.npz"
    model.write_bytes(b"an old model")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["MPLBACKEND"] = "Agg"
    proc = subprocess.Popen(
        [sys.executable, "-m", "playwithnn", "train", str(path), "--target", "label", "--output", str(model),
         "--epochs", "2000", "--hidden", "32", "32", "--verbose", *extra],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=_default_signals, start_new_session=True)
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()  # the first epoch's line: training is under way
        assert first.startswith("epoch 1/2000"), first
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == status, (out, err)
    assert "Traceback" not in err
    by = " (SIGTERM)" if signum == signal.SIGTERM else ""
    assert err.splitlines()[-1] == (f"playwithnn train: interrupted{by}; the model trained so far is saved "
                                    f"in {model}")
    summary = next(line for line in out.splitlines() if line.startswith("trained "))
    assert summary.endswith(", interrupted" + (" by SIGTERM" if by else ""))
    assert out.splitlines()[-1] == f"wrote {model}"
    assert _files_in(tmp_path) == ["model.npz"]  # no temporary file
    predicted = load(model).predict(X)  # the whole model, scaling included: raw rows in, labels out
    assert np.mean(predicted == y) > 0.9  # a linear rule, learnt within the first epochs


# ----------------------------------------------------- signals while files are written
@pytest.fixture
def python_handlers() -> Iterator[None]:
    """Python's own SIGINT handler and SIGTERM's default for the test (the runner may ignore SIGINT)."""
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    yield
    signal.signal(signal.SIGINT, before[0])
    signal.signal(signal.SIGTERM, before[1])


def _train(folder: Path, *extra: str) -> list[str]:
    from playwithnn.datasets import make_dataset

    X, y = make_dataset("xor", n_samples=40, seed=0)
    lines = ["x1,x2,label", *(f"{float(a)!r},{float(b)!r},{int(label)}" for (a, b), label in zip(X, y))]
    (folder / "d.csv").write_text("\n".join(lines) + "\n")
    return ["train", str(folder / "d.csv"), "--target", "label", "--output", str(folder / "model.npz"),
            "--epochs", "2", "--quiet", *extra]


@pytest.mark.timeout(120)
@pytest.mark.usefixtures("python_handlers")
@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
                         ids=["SIGINT", "SIGTERM"])
def test_a_signal_while_files_are_written_waits_until_they_are(
        signum: int, status: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The signal comes as the first of two files is staged: both are written whole, no temporary is
    left, and then the command stops with the signal's status."""
    args = _train(tmp_path, "--plot", str(tmp_path / "curves.png"))
    (tmp_path / "model.npz").write_bytes(b"an old model")
    stage = _files.stage
    sent: list[int] = []

    def stage_with_a_signal(path: str, content: _files.Content) -> _files.StagedFile:
        if not sent:
            sent.append(signum)
            signal.raise_signal(signum)  # held: this returns, and the writing goes on
        return stage(path, content)

    monkeypatch.setattr(_files, "stage", stage_with_a_signal)
    assert cli.main(args) == status
    assert sent == [signum]
    assert _files_in(tmp_path) == ["curves.png", "d.csv", "model.npz"]
    load(tmp_path / "model.npz")  # the new model, whole
    assert (tmp_path / "curves.png").read_bytes().startswith(b"\x89PNG")
    err = capsys.readouterr().err
    assert err == ("playwithnn train: terminated (SIGTERM)\n" if signum == signal.SIGTERM
                   else "playwithnn train: interrupted\n")
    # The handlers are the test's own again.
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


@pytest.mark.timeout(60)
@pytest.mark.usefixtures("python_handlers")
def test_sigterm_before_training_stops_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    args = _train(tmp_path)
    read_table = tabular.read_table

    def read_with_a_signal(*a: object, **k: object) -> tabular.Table:
        signal.raise_signal(signal.SIGTERM)
        return read_table(*a, **k)  # type: ignore[arg-type]  # pragma: no cover - not reached

    monkeypatch.setattr(tabular, "read_table", read_with_a_signal)
    assert cli.main(args) == 143
    assert capsys.readouterr().err == "playwithnn train: terminated (SIGTERM)\n"
    assert _files_in(tmp_path) == ["d.csv"]
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # put back


def test_help_lists_the_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--help"], ["train", "--help"]):
        assert cli.main(argv) == 0
        out = " ".join(capsys.readouterr().out.split())
        assert "exit status: 0 success; 1 an unexpected error; 2 bad input" in out
        assert "130 interrupted by Ctrl-C (SIGINT), 143 by SIGTERM" in out
        assert "saves the model trained so far" in out
