"""Fixtures shared by the test modules."""

from __future__ import annotations

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
#: The libraries every proof runs on: NumPy, array-api-strict (nothing but the array API
#: standard: it refuses the rest) and PyTorch tensors on the CPU.
LIBRARIES = ("numpy", "array_api_strict", "torch")

# The tests' tensors are tiny: PyTorch's threads would only wait for each other, and on a busy
# machine its spinning threads slow a step down twentyfold.
torch.set_num_threads(1)


@dataclass(frozen=True)
class Library:
    """An array library the core is proved on, and how the tests move NumPy arrays into it and back."""

    name: str

    def asarray(self, a: Any) -> Any:
        """A copy of the NumPy array (or number) ``a`` as an array of this library."""
        if self.name == "numpy":
            return np.array(a)
        if self.name == "array_api_strict":
            return array_api_strict.asarray(np.array(a))
        return torch.tensor(np.array(a))

    def numpy(self, a: Any) -> np.ndarray:
        """The values of an array of this library, as a NumPy array."""
        return np.asarray(a) if self.name != "torch" else a.numpy()

    @property
    def device(self) -> Any:
        """What ``NeuralNetwork(device=...)`` takes to compute with this library."""
        if self.name == "numpy":
            return "cpu"
        if self.name == "array_api_strict":
            return array_api_strict.Device("CPU_DEVICE")
        return torch.device("cpu")

    def owns(self, a: Any) -> bool:
        """Whether ``a`` is an array of this library."""
        return type(a) is {"numpy": np.ndarray, "array_api_strict": type(array_api_strict.asarray(0.0)),
                           "torch": torch.Tensor}[self.name]

    def __str__(self) -> str:
        return self.name


@pytest.fixture(params=LIBRARIES)
def library(request: pytest.FixtureRequest) -> Library:
    """Each array library of :data:`LIBRARIES` in turn."""
    return Library(request.param)
