"""The README's Python examples run as written and give what the README says."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_has_python_examples() -> None:
    assert len(BLOCKS) >= 1


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(BLOCKS[index], f"README.md[python block {index}]", "exec"), namespace)
    if "accuracy" in namespace and "labels" in namespace:  # the deeper-network example
        assert namespace["accuracy"] == 0.9975
    if "score" in namespace:  # the scikit-learn example
        assert round(float(namespace["score"]), 4) == 0.9756


CONSOLE = re.findall(r"```console\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def _timing_free(line: str) -> str:
    return re.sub(r"in \d+\.\d+ s", "in <time> s", line)


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
            assert _timing_free(line) in printed, (command, line, printed)
