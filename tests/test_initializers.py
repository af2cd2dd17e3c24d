"""Weight initializers (playwithnn.initializers).

The distribution tests draw 400 x 500 = 200,000 weights from a fixed seed and
compare the sample mean and variance with the distribution's, allowing five
standard errors of each estimate (computed below from the distribution's own
moments). A correct initializer lands outside that band with probability below
1e-6 for a random seed, and the seed is fixed, so the test is deterministic; a
wrong scale (say He's 2 / n_in written as 1 / n_in) misses by hundreds of
standard errors.
"""

from __future__ import annotations

import numpy as np
import pytest

from playwithnn.activations import ACTIVATIONS
from playwithnn.initializers import DEFAULT_INIT, INITIALIZERS, get_initializer, glorot, he, uniform

N_IN, N_OUT = 400, 500
N = N_IN * N_OUT
DTYPES = (np.float32, np.float64)


def _check_moments(W: np.ndarray, mean: float, var: float, fourth_central_moment: float) -> None:
    """Sample mean and variance within five standard errors of ``mean`` and ``var``.

    The standard error of the sample mean is sqrt(var / N); that of the sample
    variance is sqrt((mu4 - var**2) / N), with mu4 the fourth central moment.
    """
    W = W.astype(np.float64)
    se_mean = np.sqrt(var / N)
    se_var = np.sqrt((fourth_central_moment - var**2) / N)
    assert abs(W.mean() - mean) < 5 * se_mean
    assert abs(W.var() - var) < 5 * se_var


@pytest.mark.parametrize("dtype", DTYPES)
def test_uniform_is_the_tutorials_rand(dtype: type) -> None:
    W = uniform(N_IN, N_OUT, np.random.default_rng(0), dtype)
    assert W.shape == (N_IN, N_OUT) and W.dtype == dtype
    assert W.min() >= 0.0 and W.max() < 1.0
    # U[0, 1): mean 1/2, variance 1/12, fourth central moment 1/80
    _check_moments(W, 0.5, 1 / 12, 1 / 80)
    # In float64 it is exactly the generator's random((n_in, n_out)), the
    # counterpart of the tutorial's np.random.rand(n_in, n_out).
    if dtype == np.float64:
        np.testing.assert_array_equal(W, np.random.default_rng(0).random((N_IN, N_OUT)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_glorot_range_and_moments(dtype: type) -> None:
    W = glorot(N_IN, N_OUT, np.random.default_rng(1), dtype)
    assert W.shape == (N_IN, N_OUT) and W.dtype == dtype
    r = np.sqrt(6 / (N_IN + N_OUT))
    assert np.abs(W).max() <= r
    assert np.abs(W).max() > 0.999 * r  # the whole range is used
    # U[-r, r]: mean 0, variance r**2 / 3 = 2 / (n_in + n_out), fourth central moment r**4 / 5
    _check_moments(W, 0.0, r**2 / 3, r**4 / 5)
    assert r**2 / 3 == pytest.approx(2 / (N_IN + N_OUT), rel=1e-15)


@pytest.mark.parametrize("dtype", DTYPES)
def test_he_moments_and_shape(dtype: type) -> None:
    W = he(N_IN, N_OUT, np.random.default_rng(2), dtype)
    assert W.shape == (N_IN, N_OUT) and W.dtype == dtype
    var = 2 / N_IN
    # N(0, 2 / n_in): fourth central moment 3 var**2
    _check_moments(W, 0.0, var, 3 * var**2)
    # Normal, not uniform: 68.27% within one standard deviation, 95.45% within
    # two (standard errors 0.0010 and 0.0005; five of them allowed).
    within1 = np.mean(np.abs(W) < np.sqrt(var))
    within2 = np.mean(np.abs(W) < 2 * np.sqrt(var))
    assert abs(within1 - 0.6827) < 5 * np.sqrt(0.6827 * 0.3173 / N)
    assert abs(within2 - 0.9545) < 5 * np.sqrt(0.9545 * 0.0455 / N)


@pytest.mark.parametrize("name", ["uniform", "glorot", "he"])
def test_same_seed_same_weights(name: str) -> None:
    init = INITIALIZERS[name]
    a = init(3, 4, np.random.default_rng(42), np.float64)
    b = init(3, 4, np.random.default_rng(42), np.float64)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, init(3, 4, np.random.default_rng(43), np.float64))
    rng = np.random.default_rng(42)
    first, second = init(3, 4, rng, np.float64), init(3, 4, rng, np.float64)
    assert not np.array_equal(first, second)  # the generator moves on


@pytest.mark.parametrize("name", ["uniform", "glorot", "he"])
def test_shapes_of_one(name: str) -> None:
    init = INITIALIZERS[name]
    for n_in, n_out in [(1, 1), (1, 5), (5, 1)]:
        W = init(n_in, n_out, np.random.default_rng(0), np.float32)
        assert W.shape == (n_in, n_out) and W.dtype == np.float32
        assert np.all(np.isfinite(W))


def test_default_for_every_activation() -> None:
    assert set(DEFAULT_INIT) == set(ACTIVATIONS)
    assert {name for name, init in DEFAULT_INIT.items() if init == "he"} == {"relu", "leaky_relu"}
    assert all(init in INITIALIZERS for init in DEFAULT_INIT.values())


def test_get_initializer() -> None:
    assert set(INITIALIZERS) == {"uniform", "glorot", "he"}
    assert get_initializer("he") is he
    expected = r"unknown init 'kaiming'; expected one of 'uniform', 'glorot', 'he'"
    with pytest.raises(ValueError, match=expected):
        get_initializer("kaiming")
    with pytest.raises(TypeError, match="init must be a string"):
        get_initializer(he)  # type: ignore[arg-type]
