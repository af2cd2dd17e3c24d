"""The seam between array libraries (``playwithnn._arrays``): each of its few functions, on every library.

The core's math is written once, in the array API standard's terms; what the standard
leaves open or NumPy does faster lives in ``_arrays``, and is checked here on NumPy,
array-api-strict and PyTorch tensors: the NumPy fast paths give what the standard's
forms give, and the one thing the standard leaves open that the network relies on (a
slice of a flat array is a view of it) holds in every library it trains with.
"""

from __future__ import annotations

import importlib.util
import types
import warnings
from typing import Any

import array_api_strict
import numpy as np
import pytest
import torch
from scipy.special import expit

from playwithnn import _arrays

from conftest import Library


def test_namespace_is_numpy_itself_for_numpy_and_the_standard_elsewhere(library: Library) -> None:
    xp = _arrays.namespace(library.asarray(np.ones((2, 3))))
    wrapped = library.module in ("torch", "cupy")  # array-api-compat's wrapper of the library
    assert xp is (importlib.import_module(f"array_api_compat.{library.module}") if wrapped
                  else {"numpy": np, "array_api_strict": array_api_strict}[library.module])
    assert _arrays.library(xp) == library.module
    assert _arrays.namespace(library.asarray(np.ones(2)), xp=np) is np  # one already looked up: as it is
    assert _arrays.check_namespace(xp) is xp


def test_arrays_of_two_libraries_have_no_namespace() -> None:
    with pytest.raises(TypeError, match="Multiple namespaces"):
        _arrays.namespace(np.ones(2), torch.ones(2))


def test_a_library_that_cannot_train_in_place_is_refused() -> None:
    jax_like = types.ModuleType("jax.numpy")
    with pytest.raises(TypeError, match=r"NumPy, CuPy and PyTorch arrays; jax arrays are not supported"):
        _arrays.check_namespace(jax_like)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_slices_of_a_flat_array_are_views_of_it(library: Library, dtype: type) -> None:
    """What the network's one ``parameter_vector`` rests on, and the standard does not promise."""
    xp = _arrays.namespace(library.asarray(np.zeros(1)))
    flat = library.asarray(np.zeros(2 * 3 + 3, dtype=dtype))
    W, b = _arrays.flat_views(flat, [(2, 3), (3,)], xp)
    assert tuple(W.shape) == (2, 3) and tuple(b.shape) == (3,)
    flat[...] = library.asarray(np.arange(9, dtype=dtype))  # writing the flat array changes the views
    np.testing.assert_array_equal(library.numpy(W), [[0, 1, 2], [3, 4, 5]])
    np.testing.assert_array_equal(library.numpy(b), [6, 7, 8])
    W -= 1.0  # an in-place update of a view changes the flat array
    b[...] = library.asarray(np.zeros(3, dtype=dtype))
    np.testing.assert_array_equal(library.numpy(flat), [-1, 0, 1, 2, 3, 4, 0, 0, 0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_agrees_with_expit_without_overflow(library: Library, dtype: type) -> None:
    Z = np.array([[-1e4, -745.0, -40.0, -1.5, -1e-8, 0.0, 1e-8, 2.0, 40.0, 745.0, 1e4]], dtype=dtype)
    xp = _arrays.namespace(library.asarray(Z))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow or division warning from any library
        A = library.numpy(_arrays.sigmoid(library.asarray(Z), xp))
    assert A.dtype == dtype
    # exp(-|z|) with z >= 0 and its quotient are each rounded once: a few units in the last place.
    np.testing.assert_array_max_ulp(A, expit(Z), maxulp=4)
    assert A[0, 0] == 0.0 and A[0, -1] == 1.0 and A[0, 5] == 0.5


def test_sum_of_squares_and_the_products_written_into_place(library: Library) -> None:
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(5, 3)), rng.normal(size=(5, 4))
    a, b = library.asarray(A), library.asarray(B)
    xp = _arrays.namespace(a)
    assert float(_arrays.sum_of_squares(a, xp)) == pytest.approx(np.sum(A * A), rel=1e-14)
    out = library.asarray(np.zeros((3, 4)))
    _arrays.matmul_into(a.T, b, out, xp)  # into the very array given: a slice of the gradient vector
    np.testing.assert_allclose(library.numpy(out), A.T @ B, rtol=1e-14)
    row_sums = library.asarray(np.zeros(3))
    _arrays.sum_rows_into(a, row_sums, xp)
    np.testing.assert_allclose(library.numpy(row_sums), A.sum(axis=0), rtol=1e-14)


def test_moving_arrays_between_libraries(library: Library) -> None:
    values = np.arange(6.0).reshape(2, 3)
    here = library.asarray(values)
    xp, device = _arrays.namespace(here), _arrays.device_of(here)
    assert _arrays.to_namespace(here, xp, device) is here  # already there: no copy
    moved = _arrays.to_namespace(values, xp, device)  # NumPy to the library
    assert library.owns(moved)
    np.testing.assert_array_equal(library.numpy(moved), values)
    back = _arrays.to_numpy(moved)  # and back to NumPy
    assert isinstance(back, np.ndarray)
    np.testing.assert_array_equal(back, values)
    elsewhere = _arrays.to_namespace(torch.tensor(values), xp, device)  # from another library
    assert library.owns(elsewhere)
    np.testing.assert_array_equal(library.numpy(elsewhere), values)


def test_placement_of_each_library(library: Library) -> None:
    xp, device = _arrays.placement(library.device)
    assert _arrays.library(xp) == library.module
    assert device == library.device


@pytest.mark.parametrize(("device", "error", "match"), [
    ("gpu", ValueError, r"device must be 'cpu', 'cuda', 'cuda:N' or a device of an array library; got 'gpu'"),
    (0, TypeError, r"device must be 'cpu', 'cuda', 'cuda:N', a torch.device"),
    (object(), TypeError, r"device must be 'cpu', 'cuda', 'cuda:N', a torch.device"),
])
def test_placement_refuses_what_is_not_a_device(device: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        _arrays.placement(device)


def test_cuda_without_a_gpu_library_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("cupy", "torch") else find_spec(name, *a))
    with pytest.raises(ModuleNotFoundError, match=r"device='cuda' needs CuPy or PyTorch with CUDA.*"
                                                  r"pip install cupy-cuda13x \(or cupy-cuda12x.*"
                                                  r"pip install torch"):
        _arrays.placement("cuda")


def test_cuda_without_a_gpu_says_what_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "cupy" else find_spec(name, *a))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match=r"device='cuda:1': no CUDA device 1 here; installed: PyTorch "
                                           r".* \(sees 0 GPUs\)"):
        _arrays.placement("cuda:1")


def test_only_numpy_is_checked_at_every_step(library: Library) -> None:
    xp = _arrays.namespace(library.asarray(np.ones(1)))
    assert _arrays.checks_each_step(xp) is (library.name == "numpy")


def test_float_errors_are_quiet_inside_the_block_only() -> None:
    with _arrays.float_errors_ignored():
        assert np.isinf(np.exp(np.float64(1000.0)))
        assert np.isnan(np.float64(0.0) / np.float64(0.0))
    with pytest.raises(RuntimeWarning), np.errstate(over="warn"):
        np.exp(np.float64(1000.0))


def test_rows_are_gathered_from_arrays_and_from_sparse_matrices(library: Library) -> None:
    A = np.arange(12.0).reshape(4, 3)
    a = library.asarray(A)
    xp = _arrays.namespace(a)
    rows = library.asarray(np.array([3, 0, 3]))
    np.testing.assert_array_equal(library.numpy(_arrays.take_rows(a, rows, xp)), A[[3, 0, 3]])
    if library.name == "numpy":  # the data of a network on NumPy may be a SciPy sparse matrix
        import scipy.sparse

        gathered = _arrays.take_rows(scipy.sparse.csr_matrix(A), rows, np)
        np.testing.assert_array_equal(gathered.toarray(), A[[3, 0, 3]])
