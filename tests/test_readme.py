"""The README's Python examples run as written and give what the README says.

The README's numbers come out of training, and a CPU's BLAS kernel adds up a matrix product
in its own order: another machine's results differ in the last bits. The examples are chosen
so that this does not show in the digits printed (the tests below say by how much it moves
them), and each comparison allows for what it can still change: one sample either way in an
accuracy, one unit in the last digit shown of a printed number. A broken example misses by more.
"""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def shown_after(name: str, block: str) -> float:
    """The number the README shows in the comment of the line that assigns ``name``."""
    match = re.search(rf"^{name} = .*#\s*(\d+\.\d+)", block, flags=re.M)
    assert match, f"no '{name} = ...  # <number>' line in {block!r}"
    return float(match.group(1))


def test_readme_has_python_examples() -> None:
    assert len(BLOCKS) >= 1


def _gpu_available() -> bool:
    import importlib.util

    if importlib.util.find_spec("cupy") is not None:
        return True
    import torch

    return bool(torch.cuda.is_available())


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    block = BLOCKS[index]
    if block.startswith("# needs a GPU") and not _gpu_available():
        # The same example on the CPU's PyTorch: what a GPU adds is its device only.
        assert block.count('device="cuda"') == 1
        block = "import torch\n" + block.replace('device="cuda"', 'device=torch.device("cpu")')
    exec(compile(block, f"README.md[python block {index}]", "exec"), namespace)
    if "accuracy" in namespace and "labels" in namespace:  # the deeper-network example
        # 398 of the 400 points. Another BLAS kernel moves the trained network's outputs by at
        # most 3e-5 here (measured with OpenBLAS's Haswell, Sandybridge and Nehalem kernels, and
        # with the initial weights changed by 1e-15), and the point nearest the boundary lies
        # 0.02 from it, so all of them give 0.995; one point either way is allowed.
        accuracy, n_points = float(namespace["accuracy"]), len(namespace["labels"])
        assert abs(accuracy - shown_after("accuracy", block)) <= 1 / n_points + 1e-12
    if "score" in namespace:  # the scikit-learn example
        # 439 of the 450 test images, shown to 4 digits. Every kernel measured gives that score,
        # and so do training images changed by 1e-15; one image either way is allowed, and half
        # a unit in the last digit shown for the rounding.
        score, n_test = float(namespace["score"]), len(namespace["y_test"])
        assert abs(score - shown_after("score", block)) <= 1 / n_test + 0.5e-4


CONSOLE = re.findall(r"```console\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)

# A decimal number as the command line prints it: 0.9900, 5.788e-05, 0.15.
DECIMAL = re.compile(r"\d+\.\d+(?:e[+-]?\d+)?")


def _timing_free(line: str) -> str:
    return re.sub(r"in \d+\.\d+ s", "in <time> s", line)


def _last_digit(number: str) -> float:
    """One unit in the last digit shown: 0.0001 for 0.9900, 1e-08 for 5.788e-05."""
    mantissa, _, exponent = number.partition("e")
    return 10.0 ** (int(exponent or 0) - len(mantissa.partition(".")[2]))


def prints_as_shown(printed: str, shown: str) -> bool:
    """Whether a printed line is the README's, up to one unit in the last digit of each decimal.

    The decimals are the results of training (losses, accuracies). The weights trained under
    OpenBLAS's Haswell, Sandybridge and Nehalem kernels agree to 1e-15 (measured), far below the
    4 digits printed, but a value that lies on a rounding boundary may print one unit higher or
    lower in its last digit. Everything else, words, names and integers (sizes, counts, epochs),
    must be exactly as shown.
    """
    if DECIMAL.sub("#", printed) != DECIMAL.sub("#", shown):
        return False
    pairs = zip(DECIMAL.findall(printed), DECIMAL.findall(shown))
    return all(abs(float(p) - float(s)) <= 1.001 * _last_digit(s) for p, s in pairs)


def test_prints_as_shown_allows_one_unit_in_the_last_digit_and_nothing_else() -> None:
    shown = "validation: accuracy 0.9900  loss 5.788e-05"
    assert prints_as_shown(shown, shown)
    assert prints_as_shown("validation: accuracy 0.9900  loss 5.789e-05", shown)
    assert prints_as_shown("validation: accuracy 0.9901  loss 5.787e-05", shown)
    assert not prints_as_shown("validation: accuracy 0.9900  loss 5.790e-05", shown)
    assert not prints_as_shown("validation: accuracy 0.9800  loss 5.788e-05", shown)
    assert not prints_as_shown("validation: accuracy 0.9900  loss 5.788e-04", shown)
    assert not prints_as_shown("train: accuracy 0.9900  loss 5.788e-05", shown)
    assert not prints_as_shown("wrote 201 predictions", "wrote 200 predictions")  # integers: exact


@pytest.mark.parametrize("index", range(len(CONSOLE)))
def test_readme_console_session_prints_what_it_shows(index: int, tmp_path: Path) -> None:
    """Each `$ playwithnn ...` line, run in order, prints the lines the README shows under it."""
    import shlex
    import subprocess
    import sys

    commands: list[tuple[str, list[str]]] = []
    for line in CONSOLE[index].splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        else:
            commands[-1][1].append(line)
    assert commands
    for command, shown in commands:
        args = shlex.split(command)
        assert args[0] == "playwithnn"
        result = subprocess.run([sys.executable, "-m", "playwithnn", *args[1:]], cwd=tmp_path,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        printed = [_timing_free(x) for x in (result.stdout + result.stderr).splitlines()]
        for line in shown:
            assert any(prints_as_shown(p, _timing_free(line)) for p in printed), (command, line, printed)


WALKTHROUGH = re.findall(r"```(python|console) walkthrough\n(.*?)```", README.read_text(encoding="utf-8"),
                         flags=re.S)


def test_readme_walkthrough_goes_through_the_three_faces(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """"One table, three faces": its blocks run in order in one folder, and each face predicts the same."""
    import shlex
    import subprocess
    import sys

    import numpy as np
    import pandas as pd

    from playwithnn import metrics

    assert [kind for kind, _ in WALKTHROUGH] == ["python", "console", "python"]
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    printed: dict[str, list[str]] = {}
    for index, (kind, block) in enumerate(WALKTHROUGH):
        if kind == "python":
            exec(compile(block, f"README.md[walkthrough block {index}]", "exec"), namespace)
            continue
        commands: list[tuple[str, list[str]]] = []
        for line in block.splitlines():
            if line.startswith("$ "):
                commands.append((line[2:], []))
            else:
                commands[-1][1].append(line)
        for command, shown in commands:
            args = shlex.split(command)
            result = subprocess.run([sys.executable, "-m", "playwithnn", *args[1:]], cwd=tmp_path,
                                    capture_output=True, text=True, timeout=300)
            assert result.returncode == 0, result.stderr
            lines = [_timing_free(x) for x in (result.stdout + result.stderr).splitlines()]
            printed[command] = lines
            # The same lines under OpenBLAS's Haswell, Sandybridge and Nehalem kernels (measured).
            for line in shown:
                assert any(prints_as_shown(p, _timing_free(line)) for p in lines), (command, line, lines)
    test = pd.read_csv(tmp_path / "test.csv")
    y = test["target"].to_numpy()
    predicted = np.asarray(namespace["predicted"])
    # The command line writes 6 significant digits: half a unit of the 6th is at most 5e-6 of the value.
    written = np.asarray(namespace["written"]["prediction"])  # type: ignore[index]
    np.testing.assert_allclose(written, predicted, rtol=5e-6, atol=0)
    assert float(namespace["gap"]) <= 5e-6 * np.abs(predicted).max()  # type: ignore[arg-type]
    # What evaluate prints is what Python computes from the loaded models, to every digit shown.
    for path, values in [("diabetes.npz", predicted), ("cli.npz", np.asarray(namespace["trained_by_cli"]))]:
        line = printed[f"playwithnn evaluate {path} test.csv --target target"][0]
        assert f"R² {metrics.r2_score(y, values):.4f}  RMSE {metrics.rmse(y, values):.4g}" in line
        assert f"MAE {metrics.mean_absolute_error(y, values):.4g}" in line
