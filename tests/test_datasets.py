"""The toy data sets: shapes, labels, seeds, noise and bad names."""

from __future__ import annotations

import numpy as np
import pytest

from playwithnn.datasets import DATASETS, GENERATORS, make_dataset, tutorial

TWO_D = sorted(GENERATORS)


def test_the_list_of_names() -> None:
    assert set(DATASETS) == {"tutorial", "xor", "circles", "moons", "spiral", "gaussians"}


def test_the_tutorial_data_is_the_articles() -> None:
    X, y = make_dataset("tutorial", n_samples=99, noise=0.5, seed=3)  # size and noise ignored
    np.testing.assert_array_equal(X, [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])
    np.testing.assert_array_equal(y, np.logical_xor(X[:, 0], X[:, 1]))
    assert tutorial()[0].dtype == np.float64


@pytest.mark.parametrize("name", TWO_D)
def test_shapes_labels_and_range(name: str) -> None:
    X, y = make_dataset(name, n_samples=301, noise=0.0, seed=0)
    assert X.shape == (301, 2) and y.shape == (301,)
    assert X.dtype == np.float64 and y.dtype == np.int64
    assert set(np.unique(y)) == {0, 1}
    assert abs(int(np.sum(y == 1)) - int(np.sum(y == 0))) <= 40  # both classes well represented
    assert np.abs(X).max() <= 1.5  # about [-1, 1], as the playground draws it


@pytest.mark.parametrize("name", TWO_D)
def test_the_same_seed_gives_the_same_data(name: str) -> None:
    X1, y1 = make_dataset(name, n_samples=50, noise=0.1, seed=7)
    X2, y2 = make_dataset(name, n_samples=50, noise=0.1, seed=7)
    X3, _ = make_dataset(name, n_samples=50, noise=0.1, seed=8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def test_labels_follow_each_rule_without_noise() -> None:
    X, y = make_dataset("xor", n_samples=500, seed=0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))
    X, y = make_dataset("circles", n_samples=500, seed=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert radius[y == 1].max() <= 0.5 and radius[y == 0].min() >= 0.7
    X, y = make_dataset("gaussians", n_samples=2000, seed=0)
    # centres (-0.5, -0.5) and (0.5, 0.5), standard deviation 0.25: 1000 draws give the
    # mean within 4 * 0.25 / sqrt(1000) = 0.032
    np.testing.assert_allclose(X[y == 1].mean(axis=0), [0.5, 0.5], atol=0.032)
    np.testing.assert_allclose(X[y == 0].mean(axis=0), [-0.5, -0.5], atol=0.032)


def test_noise_is_its_standard_deviation() -> None:
    X0, y0 = make_dataset("xor", n_samples=20_000, noise=0.0, seed=1)
    X1, y1 = make_dataset("xor", n_samples=20_000, noise=0.2, seed=1)
    np.testing.assert_array_equal(y0, y1)  # the same points before the noise
    # 40000 normal draws: the sample std is within 2% of 0.2 with overwhelming probability
    assert np.std(X1 - X0) == pytest.approx(0.2, rel=0.02)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"name": "mnist"}, ValueError, "unknown data set 'mnist'; expected one of 'tutorial'"),
    ({"name": "xor", "n_samples": 0}, ValueError, "n_samples must be a positive integer"),
    ({"name": "xor", "n_samples": 2.5}, TypeError, "n_samples must be a positive integer"),
    ({"name": "xor", "noise": -0.1}, ValueError, "noise must be a non-negative finite number"),
    ({"name": "xor", "noise": float("inf")}, ValueError, "noise must be a non-negative finite number"),
])
def test_bad_arguments(kwargs: dict[str, object], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        make_dataset(**kwargs)  # type: ignore[arg-type]
