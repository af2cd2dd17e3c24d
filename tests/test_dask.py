"""Data larger than memory and many machines: the estimators under Dask.

``dask_ml.wrappers.Incremental`` trains an estimator block by block through its
``partial_fit``; joblib's Dask backend runs a grid search's fits on a
``distributed`` cluster. Each test starts a ``LocalCluster`` on loopback (two worker
processes, one thread each) and stops it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
dask_ml_wrappers = pytest.importorskip("dask_ml.wrappers")
import joblib  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from playwithnn.metrics import r2_score  # noqa: E402
from playwithnn.sklearn import NeuralNetworkClassifier, NeuralNetworkRegressor  # noqa: E402

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None)
    with distributed.Client(cluster) as running:
        assert running.scheduler.address.startswith("tcp://127.0.0.1:")
        yield running
    cluster.close()


def _blobs(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    y = (X[:, 0] + 0.5 * X[:, 1] - X[:, 2] > 0).astype(np.int64)
    return X, y


def test_incremental_trains_block_by_block_on_a_chunked_array(client: Any) -> None:
    X, y = _blobs(4000)
    dX, dy = da.from_array(X, chunks=500), da.from_array(y, chunks=500)  # 8 blocks
    model = dask_ml_wrappers.Incremental(
        NeuralNetworkClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.01, random_state=0),
        scoring="accuracy", shuffle_blocks=False)
    model.fit(dX, dy, classes=[0, 1])
    fitted = model.estimator_
    assert fitted.t_ == 4000 and len(fitted.loss_curve_) == 8  # one epoch of partial_fit per block
    X_test, y_test = _blobs(1000, seed=1)
    assert model.score(da.from_array(X_test, chunks=250), da.from_array(y_test, chunks=250)) > 0.85
    # Prediction runs block by block on the workers, and gives the fitted network's numbers.
    on_cluster = model.predict(da.from_array(X_test, chunks=250)).compute()
    np.testing.assert_array_equal(on_cluster, fitted.predict(X_test))


def test_incremental_regressor(client: Any) -> None:
    rng = np.random.default_rng(2)
    X = rng.normal(size=(3000, 4))
    y = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.1 * rng.normal(size=3000)
    model = dask_ml_wrappers.Incremental(
        NeuralNetworkRegressor(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0))
    for _ in range(5):  # five epochs: each fit is one pass over the blocks
        model.partial_fit(da.from_array(X, chunks=600), da.from_array(y, chunks=600))
    assert model.estimator_.t_ == 5 * 3000
    predicted = model.predict(da.from_array(X, chunks=600)).compute()  # block by block, on the workers
    assert r2_score(y, predicted) > 0.9


# 40 epochs do not converge, and the workers get the suite's warning filters, which make warnings errors.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_grid_search_runs_on_the_cluster_through_joblib(client: Any) -> None:
    X, y = _blobs(600)
    grid = {"alpha": [1e-4, 1e-1], "hidden_layer_sizes": [(4,), (8,)]}
    estimator = NeuralNetworkClassifier(max_iter=40, learning_rate_init=0.01, random_state=0)
    before = sum(client.run(lambda dask_worker: len(dask_worker.state.log)).values())
    with joblib.parallel_backend("dask"):
        on_cluster = GridSearchCV(estimator, grid, cv=3, n_jobs=-1).fit(X, y)
    after = sum(client.run(lambda dask_worker: len(dask_worker.state.log)).values())
    assert after > before  # the workers ran tasks
    local = GridSearchCV(estimator, grid, cv=3, n_jobs=1).fit(X, y)
    assert on_cluster.best_params_ == local.best_params_
    np.testing.assert_array_equal(on_cluster.cv_results_["mean_test_score"],
                                  local.cv_results_["mean_test_score"])  # the same fits, elsewhere
