"""The tutorial demo: ``playwithnn demo`` and ``examples/PlaywithNN.py``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from playwithnn import NeuralNetwork
from playwithnn.cli import main
from playwithnn.datasets import tutorial

ROOT = Path(__file__).resolve().parents[1]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ROW = re.compile(r"^\s+([01])\s+([01])\s+1\s+([01])((?:\s+\d\.\d{4})+)\s*$")


def headless_env() -> dict[str, str]:
    """The environment of a machine without a display.

    On Linux: no DISPLAY, no WAYLAND_DISPLAY and no MPLBACKEND, so matplotlib
    picks its backend itself, as on a server. Elsewhere a window system exists
    without those variables, so the backend is set to Agg instead.
    """
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "MPLBACKEND")}
    if not sys.platform.startswith("linux"):
        env["MPLBACKEND"] = "Agg"
    return env


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "playwithnn", *args], cwd=cwd, env=headless_env(),
                          capture_output=True, text=True, timeout=120)


def table_rows(stdout: str) -> list[tuple[int, int, int, list[float]]]:
    """(x1, x2, actual, [predicted per run]) for every table row of the demo's output."""
    rows = []
    for line in stdout.splitlines():
        m = ROW.match(line)
        if m:
            rows.append((int(m[1]), int(m[2]), int(m[3]), [float(v) for v in m[4].split()]))
    return rows


def assert_png(path: Path) -> np.ndarray:
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    image = imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    return image


def trained_predictions(iterations: int, *, faithful: bool = False, seed: int = 1) -> np.ndarray:
    X, y = tutorial()
    kwargs = {"bias": False, "init": "uniform"} if faithful else {}
    net = NeuralNetwork([3, 4, 1], seed=seed, **kwargs)
    net.fit(X, y, epochs=iterations, learning_rate=1.0)
    return net.predict(X)[:, 0]


def test_demo_subprocess_writes_png_and_table(tmp_path: Path) -> None:
    (tmp_path / "tmp").mkdir()
    result = run_cli("demo", "--output", "tmp/x.png", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert_png(tmp_path / "tmp" / "x.png")
    rows = table_rows(result.stdout)
    assert [(r[0], r[1], r[2]) for r in rows] == [(0, 0, 0), (0, 1, 1), (1, 0, 1), (1, 1, 0)]
    predicted = np.array([r[3][0] for r in rows])
    # The table shows the library's own predictions, rounded to 4 places...
    np.testing.assert_allclose(predicted, trained_predictions(1500), atol=5e-5)
    # ...and at the default seed the tutorial is solved: every prediction within 0.1.
    assert np.all(np.abs(predicted - np.array([0, 1, 1, 0])) < 0.1)
    assert re.search(r"1500 iterations: final loss \d\.\d+e?-?\d* .*trained in \d+\.\d{3} s",
                     result.stdout)
    assert "wrote tmp/x.png" in result.stdout


def test_demo_in_process_default_name_and_no_pyplot(tmp_path: Path) -> None:
    # In a fresh interpreter: the demo without --show never imports pyplot (so it
    # cannot need a display) and names the figure after the iteration count.
    code = ("import sys; from playwithnn.cli import main; rc = main(['demo', '--iterations', '200']); "
            "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'; sys.exit(rc)")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=headless_env(),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert_png(tmp_path / "200iter.png")
    assert "predicted (200 iterations)" in result.stdout


def test_demo_main_returns_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == 0
    out = capsys.readouterr()
    assert out.err == ""
    assert len(table_rows(out.out)) == 4
    assert_png(tmp_path / "1500iter.png")


def test_demo_compare(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--compare", "1500", "3000"]) == 0
    out = capsys.readouterr().out
    assert_png(tmp_path / "1500vs3000iter.png")
    assert re.search(r"actual\s+1500 iterations\s+3000 iterations", out)
    rows = table_rows(out)
    assert len(rows) == 4 and all(len(r[3]) == 2 for r in rows)
    np.testing.assert_allclose([r[3][0] for r in rows], trained_predictions(1500), atol=5e-5)
    np.testing.assert_allclose([r[3][1] for r in rows], trained_predictions(3000), atol=5e-5)
    assert "1500 iterations: final loss" in out and "3000 iterations: final loss" in out


def test_demo_faithful_is_the_article_setup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--faithful", "--output", str(tmp_path / "f.png")]) == 0
    out = capsys.readouterr().out
    assert "no biases, weights from U[0, 1)" in out
    rows = table_rows(out)
    np.testing.assert_allclose([r[3][0] for r in rows], trained_predictions(1500, faithful=True),
                               atol=5e-5)
    assert_png(tmp_path / "f.png")


def test_demo_iterations_and_seed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--iterations", "300", "--seed", "7", "--output", str(tmp_path / "a.png")]) == 0
    rows = table_rows(capsys.readouterr().out)
    np.testing.assert_allclose([r[3][0] for r in rows], trained_predictions(300, seed=7), atol=5e-5)


def test_demo_svg_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--iterations", "10", "--output", str(tmp_path / "a.svg")]) == 0
    assert (tmp_path / "a.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_demo_show_without_display(tmp_path: Path) -> None:
    result = run_cli("demo", "--iterations", "50", "--show", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert_png(tmp_path / "50iter.png")
    notes = [line for line in result.stdout.splitlines() if line.startswith("note:")]
    assert notes == ["note: no display here, so no window opens; the figure is in 50iter.png"]
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--iterations", "0"], "argument --iterations: expected a positive integer; got '0'"),
        (["--iterations", "abc"], "argument --iterations: expected a positive integer; got 'abc'"),
        (["--iterations", "-3"], "argument --iterations: expected a positive integer; got '-3'"),
        (["--iterations", "1.5"], "argument --iterations: expected a positive integer; got '1.5'"),
        (["--seed", "-1"], "argument --seed: expected a non-negative integer; got '-1'"),
        (["--compare", "1500"], "--compare needs at least two iteration counts"),
        (["--compare", "1500", "x"], "argument --compare: expected a positive integer; got 'x'"),
        (["--compare", "5", "6", "--iterations", "4"], "not allowed with argument --compare"),
        (["--output", "{tmp}/missing/x.png"], "the directory {tmp}/missing does not exist"),
        (["--output", "{tmp}"], "is a directory; give a file name"),
        (["--output", "{tmp}/x.unknown"], "has an unknown suffix '.unknown'"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
    ids=["zero", "text", "negative", "float", "seed", "compare-one", "compare-text", "both",
         "missing-dir", "directory", "suffix", "unknown-option"],
)
def test_demo_bad_options(args: list[str], message: str, tmp_path: Path,
                          capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert main(["demo", *args]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    lines = out.err.splitlines()
    assert len(lines) == 1, out.err
    assert lines[0].startswith("playwithnn demo: error: ")
    assert message.replace("{tmp}", str(tmp_path)) in lines[0]
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_demo_bad_option_subprocess_has_no_traceback(tmp_path: Path) -> None:
    result = run_cli("demo", "--iterations", "abc", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "playwithnn demo: error: argument --iterations: expected a positive integer; got 'abc' "
        "(see 'playwithnn demo --help')"
    ]


def test_demo_failed_run_keeps_existing_figure(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "1500iter.png"
    target.write_bytes(b"the old figure")
    monkeypatch.chdir(tmp_path)

    def broken_savefig(self: object, *args: object, **kwargs: object) -> None:
        fh = args[0]
        fh.write(b"half a figure")  # type: ignore[attr-defined]
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("matplotlib.figure.Figure.savefig", broken_savefig)
    # Unexpected, so exit status 1 (not 2, bad input), and one line, not a traceback.
    assert main(["demo"]) == 1
    assert capsys.readouterr().err == "playwithnn demo: error: unexpected RuntimeError: disk on fire\n"
    assert target.read_bytes() == b"the old figure"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1500iter.png"]  # no temporary left


def test_demo_full_disk_keeps_existing_figure(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "1500iter.png"
    target.write_bytes(b"the old figure")
    monkeypatch.chdir(tmp_path)

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("playwithnn._files.os.fsync", full_disk)
    assert main(["demo"]) == 2
    assert capsys.readouterr().err == (
        "playwithnn demo: error: cannot write figure 1500iter.png: No space left on device\n")
    assert target.read_bytes() == b"the old figure"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1500iter.png"]


def test_example_script_runs(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "PlaywithNN.py")], cwd=tmp_path,
                            env=headless_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert_png(tmp_path / "1500iter.png")
    predicted = [float(line.split("|")[2]) for line in result.stdout.splitlines()
                 if line.count("|") == 2 and "actual" not in line]
    # The script is the demo written out: the same network, the same numbers.
    np.testing.assert_allclose(predicted, trained_predictions(1500), atol=5e-5)
    assert "wrote 1500iter.png" in result.stdout
