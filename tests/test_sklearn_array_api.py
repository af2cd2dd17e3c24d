"""The estimators under scikit-learn's array API dispatch: fit and predict on PyTorch tensors (and
array-api-strict arrays, and where a GPU is found on PyTorch CUDA tensors and CuPy arrays), the
network computing where the data is, the results coming back there.

scikit-learn turns the dispatch on only when SciPy's own array API support is on, which is read
from ``SCIPY_ARRAY_API=1`` when SciPy is first imported: these checks run in a fresh interpreter.
They compare each estimator with the same one fitted on NumPy arrays (same seeds, same batches),
which differs in rounding only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import LIBRARIES

pytest.importorskip("sklearn")

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent('''
    import json, sys
    import numpy as np
    import sklearn
    import array_api_strict, torch
    from playwithnn.sklearn import NeuralNetworkClassifier, NeuralNetworkRegressor

    torch.set_num_threads(1)
    strict_device = array_api_strict.Device("device1")  # not the host: nothing converts by accident
    libraries = {"torch": torch.asarray,
                 "array_api_strict": lambda a: array_api_strict.asarray(a, device=strict_device)}
    if "torch_cuda" in sys.argv[1:]:
        libraries["torch_cuda"] = lambda a: torch.asarray(a, device="cuda")
    if "cupy" in sys.argv[1:]:
        import cupy
        libraries["cupy"] = cupy.asarray

    def host(a):
        """The values of an array of any of the libraries, as a NumPy array."""
        if isinstance(a, torch.Tensor):
            return a.cpu().numpy()
        if hasattr(a, "get"):  # CuPy
            return a.get()
        return np.asarray(a.to_device(array_api_strict.Device("CPU_DEVICE")))

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y3 = (X[:, 0] > 0.3).astype(int) + (X[:, 1] > 0).astype(int)   # three classes
    y2 = (X[:, 2] > 0).astype(int)
    target = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.1 * rng.normal(size=60)
    estimators = {
        "classifier-3-adam": (NeuralNetworkClassifier(hidden_layer_sizes=(8,), max_iter=30, random_state=0,
                                                      learning_rate_init=0.01), y3),
        "classifier-2-sgd-early-stopping": (NeuralNetworkClassifier(
            hidden_layer_sizes=(8,), solver="sgd", max_iter=30, random_state=0, early_stopping=True,
            validation_fraction=0.25, n_iter_no_change=100, learning_rate_init=0.05), y2),
        "classifier-2-lbfgs": (NeuralNetworkClassifier(hidden_layer_sizes=(6,), solver="lbfgs", max_iter=50,
                                                       random_state=0), y2),
        "regressor-adam": (NeuralNetworkRegressor(hidden_layer_sizes=(8,), max_iter=30, random_state=0,
                                                  learning_rate_init=0.01), target),
    }
    report = {}
    for name, (estimator, y) in estimators.items():
        on_numpy = sklearn.base.clone(estimator).fit(X, y)
        for library, asarray in libraries.items():
            with sklearn.config_context(array_api_dispatch=True):
                fitted = sklearn.base.clone(estimator).fit(asarray(X), asarray(y))
                predicted = fitted.predict(asarray(X))
                entry = {
                    "weights_in_library": all(type(p) is type(asarray(X))
                                              for p in fitted.network_.parameters()),
                    "predict_type": type(predicted).__name__,
                    "predict_shape": list(predicted.shape),
                    "predictions": host(predicted).tolist(),
                    "expected_predictions": on_numpy.predict(X).tolist(),
                    "score": float(fitted.score(asarray(X), asarray(y))),
                    "expected_score": float(on_numpy.score(X, y)),
                    "loss": fitted.loss_, "expected_loss": on_numpy.loss_,
                }
                if hasattr(fitted, "predict_proba"):
                    proba = fitted.predict_proba(asarray(X))
                    log_proba = fitted.predict_log_proba(asarray(X))
                    entry.update(proba_type=type(proba).__name__, log_proba_type=type(log_proba).__name__,
                                 proba=host(proba).tolist(),
                                 expected_proba=on_numpy.predict_proba(X).tolist())
            report[f"{name}/{library}"] = entry
    json.dump(report, sys.stdout)
''')


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", SCRIPT, *GPU_LIBRARIES], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "SCIPY_ARRAY_API": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)  # type: ignore[no-any-return]


GPU_LIBRARIES = [name for name in LIBRARIES if name in ("torch_cuda", "cupy")]  # where a GPU is found
TYPES = {"torch": "Tensor", "array_api_strict": "Array", "torch_cuda": "Tensor", "cupy": "ndarray"}


@pytest.mark.parametrize("library", ["torch", "array_api_strict", *GPU_LIBRARIES])
@pytest.mark.parametrize("estimator", ["classifier-3-adam", "classifier-2-sgd-early-stopping",
                                       "classifier-2-lbfgs", "regressor-adam"])
def test_estimators_fit_and_predict_where_the_data_is(report: dict[str, Any], estimator: str,
                                                       library: str) -> None:
    entry = report[f"{estimator}/{library}"]
    assert entry["weights_in_library"]  # trained where the data is
    assert entry["predict_type"] == TYPES[library]  # and the results come back there
    assert entry["predict_shape"] == [60]
    # The same seeds, batches and operations as on NumPy; only the rounding differs.
    if estimator.startswith("classifier"):
        assert entry["proba_type"] == entry["log_proba_type"] == TYPES[library]
        assert entry["predictions"] == entry["expected_predictions"]
        np.testing.assert_allclose(entry["proba"], entry["expected_proba"], rtol=1e-6, atol=1e-9)
    else:
        np.testing.assert_allclose(entry["predictions"], entry["expected_predictions"], rtol=1e-6, atol=1e-9)
    assert entry["score"] == pytest.approx(entry["expected_score"], rel=1e-6)
    assert entry["loss"] == pytest.approx(entry["expected_loss"], rel=1e-6)
