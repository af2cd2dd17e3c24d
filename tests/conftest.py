"""Fixtures shared by the test modules."""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from typing import Any

import array_api_strict
import numpy as np
import pytest
import torch


@pytest.fixture
def tutorial_X() -> np.ndarray:
    """The tutorial's four samples: two inputs and a constant 1, shape (4, 3)."""
    return np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)


@pytest.fixture
def tutorial_y() -> np.ndarray:
    """The tutorial's targets, the XOR of the first two inputs, as a column of shape (4, 1)."""
    return np.array([[0], [1], [1], [0]], dtype=np.float64)


# ------------------------------------------------------------- array libraries
def _gpu_libraries() -> tuple[str, ...]:
    """The GPU libraries of this machine that see a CUDA device: ``torch_cuda`` and ``cupy``.

    Where there is one, every proof that runs on each library runs there too; CI has none,
    and there the list is empty.
    """
    found = []
    if torch.cuda.is_available():
        found.append("torch_cuda")
    if importlib.util.find_spec("cupy") is not None:
        cupy = importlib.import_module("cupy")
        try:
            if cupy.cuda.runtime.getDeviceCount() > 0:
                found.append("cupy")
        except Exception:  # CuPy without a driver or a GPU raises its own runtime errors
            pass
    return tuple(found)


#: The libraries every proof runs on: NumPy, array-api-strict (nothing but the array API
#: standard: it refuses the rest) and PyTorch tensors on the CPU, and where a GPU is found,
#: PyTorch CUDA tensors and CuPy. array-api-strict's arrays live on its ``device1``, which
#: stands in for a GPU: an array there cannot become a NumPy array by accident, nor meet
#: an array of another device.
LIBRARIES = ("numpy", "array_api_strict", "torch", *_gpu_libraries())

# The tests' tensors are tiny: PyTorch's threads would only wait for each other, and on a busy
# machine its spinning threads slow a step down twentyfold.
torch.set_num_threads(1)

#: array-api-strict's stand-in for a device that is not the host.
STRICT_DEVICE = array_api_strict.Device("device1")


@dataclass(frozen=True)
class Library:
    """An array library the core is proved on, and how the tests move NumPy arrays into it and back."""

    name: str

    @property
    def module(self) -> str:
        """The library's top-level module: ``"torch"`` for ``torch`` and ``torch_cuda``."""
        return "torch" if self.name == "torch_cuda" else self.name

    def asarray(self, a: Any) -> Any:
        """A copy of the NumPy array (or number) ``a`` as an array of this library, on its device."""
        if self.name == "numpy":
            return np.array(a)
        if self.name == "array_api_strict":
            return array_api_strict.asarray(np.array(a), device=STRICT_DEVICE)
        if self.name == "cupy":
            return importlib.import_module("cupy").asarray(np.array(a))
        return torch.tensor(np.array(a), device=self.device)

    def numpy(self, a: Any) -> np.ndarray:
        """The values of an array of this library, as a NumPy array."""
        if self.name == "array_api_strict":
            host = array_api_strict.Device("CPU_DEVICE")  # the host's copy, of an array or a number
            return np.asarray(array_api_strict.asarray(a).to_device(host))
        if self.name == "cupy":
            return importlib.import_module("cupy").asnumpy(a)
        return np.asarray(a) if self.module != "torch" else a.cpu().numpy()

    @property
    def device(self) -> Any:
        """What ``NeuralNetwork(device=...)`` takes to compute with this library."""
        if self.name == "numpy":
            return "cpu"
        if self.name == "array_api_strict":
            return STRICT_DEVICE
        if self.name == "cupy":
            return importlib.import_module("cupy").cuda.Device(0)
        return torch.device("cuda:0" if self.name == "torch_cuda" else "cpu")

    def owns(self, a: Any) -> bool:
        """Whether ``a`` is an array of this library, on its device."""
        if self.name == "numpy":
            return type(a) is np.ndarray
        if self.name == "array_api_strict":
            return type(a) is type(array_api_strict.asarray(0.0)) and a.device == STRICT_DEVICE
        if self.name == "cupy":
            return type(a) is importlib.import_module("cupy").ndarray
        return type(a) is torch.Tensor and a.device == self.device

    def __str__(self) -> str:
        return self.name


@pytest.fixture(params=LIBRARIES)
def library(request: pytest.FixtureRequest) -> Library:
    """Each array library of :data:`LIBRARIES` in turn."""
    return Library(request.param)
