"""``playwithnn train --device``: cpu (NumPy, the default) or cuda (a GPU through CuPy or PyTorch).

This machine may have no GPU: a ``cuda`` it cannot give is bad input, one line and exit
status 2, said before any file is read. The GPU's path itself is run here with the GPU
stood in for by PyTorch on the CPU, which the same code reaches through the same
``device="cuda"`` the command line passes; on a machine with a GPU, on the GPU as well.
"""

from __future__ import annotations

import importlib
import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from playwithnn import _arrays, cli, load
from playwithnn.datasets import make_dataset

from conftest import LIBRARIES


def write_moons(path: Path) -> Path:
    X, labels = make_dataset("moons", n_samples=60, noise=0.1, seed=0)
    rows = ["x1,x2,label"] + [f"{a},{b},{k}" for (a, b), k in zip(X, labels)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def train(tmp_path: Path, *options: str) -> int:
    return cli.main(["train", str(tmp_path / "moons.csv"), "--target", "label", "--epochs", "3", "--quiet",
                     "--output", str(tmp_path / "m.npz"), *options])


def test_cuda_without_a_gpu_is_one_line_and_status_2(tmp_path: Path) -> None:
    if importlib.util.find_spec("cupy") is not None or torch.cuda.is_available():
        pytest.skip("this machine may have a GPU")
    # No data file at all: the device is checked before anything is read.
    done = subprocess.run([sys.executable, "-m", "playwithnn", "train", str(tmp_path / "missing.csv"),
                           "--target", "y", "--output", str(tmp_path / "m.npz"), "--device", "cuda"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert lines[0].startswith("playwithnn train: error: --device cuda: device='cuda': no CUDA device 0 here")
    assert "pip install cupy-cuda13x (or cupy-cuda12x, cupy-cuda11x: the one for your CUDA)" in lines[0]
    assert not (tmp_path / "m.npz").exists()


def test_cuda_without_gpu_libraries_names_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("cupy", "torch") else find_spec(name, *a))
    assert train(write_moons(tmp_path / "moons.csv").parent, "--device", "cuda") == 2
    error = capsys.readouterr().err
    assert "needs CuPy or PyTorch with CUDA, and neither is installed: pip install cupy-cuda13x" in error


@pytest.fixture
def placed(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Where each network the command line fits computes, in the order of the fits."""
    from playwithnn.network import NeuralNetwork

    devices: list[Any] = []
    original = NeuralNetwork.fit

    def fit(self: NeuralNetwork, *args: object, **kwargs: object) -> object:
        devices.append(self.device)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(NeuralNetwork, "fit", fit)
    return devices


#: "stand-in": the GPU stood in for by PyTorch on the CPU; "gpu": this machine's own, where it has one.
GPUS = ["stand-in", *(["gpu"] if any(name in ("torch_cuda", "cupy") for name in LIBRARIES) else [])]


@pytest.mark.parametrize("gpu", GPUS)
@pytest.mark.parametrize("streamed", [False, True], ids=["in-memory", "chunks"])
def test_cuda_trains_on_the_gpu_library_and_saves_for_numpy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, streamed: bool, gpu: str, placed: list[Any]
) -> None:
    """The network lives on the GPU (or its stand-in), and the file it is saved to loads on NumPy."""
    if gpu == "stand-in":
        torch_cpu = (importlib.import_module("array_api_compat.torch"), torch.device("cpu"))
        monkeypatch.setattr(_arrays, "_cuda", lambda device: torch_cpu)
    expected = _arrays.placement("cuda")[1]
    write_moons(tmp_path / "moons.csv")
    assert train(tmp_path, "--device", "cuda", *(["--chunk-rows", "20"] if streamed else [])) == 0
    assert placed and all(device == expected for device in placed)
    model = load(tmp_path / "m.npz")
    assert all(isinstance(p, np.ndarray) for p in model.network.parameters())
    assert model.predict(np.zeros((1, 2))).shape == (1,)


def test_cpu_is_numpy_and_the_default(tmp_path: Path, placed: list[Any]) -> None:
    write_moons(tmp_path / "moons.csv")
    assert train(tmp_path) == 0
    assert train(tmp_path, "--device", "cpu") == 0
    assert placed == ["cpu", "cpu"]
