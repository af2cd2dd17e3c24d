"""Fixtures shared by the test modules."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def tutorial_X() -> np.ndarray:
    """The tutorial's four samples: two inputs and a constant 1, shape (4, 3)."""
    return np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)


@pytest.fixture
def tutorial_y() -> np.ndarray:
    """The tutorial's targets, the XOR of the first two inputs, as a column of shape (4, 1)."""
    return np.array([[0], [1], [1], [0]], dtype=np.float64)
