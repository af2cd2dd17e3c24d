"""Toy data sets, made in code: the tutorial's four samples and five 2-D classics.

Every 2-D set has features in about ``[-1, 1]`` and two classes labelled 0 and 1,
like TensorFlow Playground's; ``noise`` is the standard deviation of the Gaussian
noise added to each coordinate.

>>> X, y = make_dataset("xor", n_samples=4, seed=0)
>>> X.shape, y.shape, y.dtype
((4, 2), (4,), dtype('int64'))
>>> X, y = tutorial()
>>> X
array([[0., 0., 1.],
       [0., 1., 1.],
       [1., 0., 1.],
       [1., 1., 1.]])
>>> y
array([0, 1, 1, 0])
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from ._validation import check_non_negative_float, check_positive_int

Data = tuple[NDArray[np.float64], NDArray[np.int64]]


def tutorial() -> Data:
    """The tutorial's data: ``y`` is the XOR of the first two columns; the third is always 1.

    Returns
    -------
    X : ndarray of shape (4, 3)
    y : ndarray of shape (4,)
    """
    X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return X, y


def xor(n_samples: int, noise: float, rng: np.random.Generator) -> Data:
    """Points uniform in the square ``[-1, 1]²``; class 1 where ``x1`` and ``x2`` differ in sign."""
    X = rng.uniform(-1, 1, size=(n_samples, 2))
    y = (X[:, 0] * X[:, 1] < 0).astype(np.int64)
    return X + rng.normal(0, noise, X.shape), y


def circles(n_samples: int, noise: float, rng: np.random.Generator) -> Data:
    """Class 1 inside radius 0.5, class 0 on a ring between radii 0.7 and 1."""
    y = (np.arange(n_samples) % 2).astype(np.int64)
    radius = np.where(y == 1, rng.uniform(0, 0.5, n_samples), rng.uniform(0.7, 1.0, n_samples))
    angle = rng.uniform(0, 2 * np.pi, n_samples)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return X + rng.normal(0, noise, X.shape), y


def moons(n_samples: int, noise: float, rng: np.random.Generator) -> Data:
    """Two interleaving half circles, scaled into about ``[-1, 1]``."""
    y = (np.arange(n_samples) % 2).astype(np.int64)
    t = rng.uniform(0, np.pi, n_samples)
    x1 = np.where(y == 0, np.cos(t), 1 - np.cos(t))
    x2 = np.where(y == 0, np.sin(t), 0.5 - np.sin(t))
    X = np.column_stack([(x1 - 0.5) / 1.5, (x2 - 0.25) / 1.5])
    return X + rng.normal(0, noise, X.shape), y


def spiral(n_samples: int, noise: float, rng: np.random.Generator) -> Data:
    """Two spirals wound around each other, one and three quarter turns each."""
    y = (np.arange(n_samples) % 2).astype(np.int64)
    t = rng.uniform(0.05, 1, n_samples)
    angle = 1.75 * 2 * np.pi * t + np.pi * y
    X = np.column_stack([t * np.cos(angle), t * np.sin(angle)])
    return X + rng.normal(0, noise, X.shape), y


def gaussians(n_samples: int, noise: float, rng: np.random.Generator) -> Data:
    """Two Gaussian blobs of standard deviation 0.25 around (-0.5, -0.5) and (0.5, 0.5)."""
    y = (np.arange(n_samples) % 2).astype(np.int64)
    centers = np.where(y[:, None] == 1, 0.5, -0.5)
    X = centers + rng.normal(0, 0.25, (n_samples, 2))
    return X + rng.normal(0, noise, X.shape), y


GENERATORS: dict[str, Callable[[int, float, np.random.Generator], Data]] = {
    "xor": xor,
    "circles": circles,
    "moons": moons,
    "spiral": spiral,
    "gaussians": gaussians,
}

#: Every name :func:`make_dataset` knows.
DATASETS = ("tutorial", *GENERATORS)


def make_dataset(
    name: str, n_samples: int = 200, noise: float = 0.0, seed: int | None = None
) -> Data:
    """Make a toy data set by name.

    Parameters
    ----------
    name : {"tutorial", "xor", "circles", "moons", "spiral", "gaussians"}
    n_samples : int, default=200
        Ignored by ``"tutorial"``, which always has its four samples.
    noise : float, default=0.0
        Standard deviation of the Gaussian noise on each coordinate (ignored by
        ``"tutorial"``).
    seed : int or None
        The same seed gives the same data.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), or (4, 3) for ``"tutorial"``
    y : ndarray of shape (n_samples,)
        Class labels 0 and 1.
    """
    if name == "tutorial":
        return tutorial()
    if name not in GENERATORS:
        known = ", ".join(repr(k) for k in DATASETS)
        raise ValueError(f"unknown data set {name!r}; expected one of {known}")
    n_samples = check_positive_int(n_samples, "n_samples")
    noise = check_non_negative_float(noise, "noise")
    rng = np.random.default_rng(seed)
    return GENERATORS[name](n_samples, noise, rng)
