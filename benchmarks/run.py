#!/usr/bin/env python
"""Speed and memory of playwithnn against hand-written NumPy, PyTorch, scikit-learn and the BLAS floor.

Run from the repository root::

    python benchmarks/run.py                    # full run: every workload, median of 5 runs each
    python benchmarks/run.py --quick            # smoke run: smaller data, 2 runs each, every row
    python benchmarks/run.py --threads 1 --output benchmarks/results-1thread.json

Workloads (all in one process, same data and same thread count for everyone):

1. ``tutorial``: the tutorial's 3-4-1 sigmoid network with biases, sum-of-squares loss,
   full batch of 4 samples, float64; time per iteration.
2. ``mnist``: 784-256-256-10 ReLU with softmax cross-entropy, SGD with batches of
   128, one epoch over 60000 float32 samples (synthetic, 10 classes, seeded).
3. ``digits``: time for a ``fit`` that reaches 0.97 test accuracy on scikit-learn's
   digits (stratified 75/25 split, ``random_state=0``, standardized).
4. ``memory``: peak memory of one training epoch on the ``mnist`` data, over the size
   of the data, measured in a child process.

The peers (PyTorch, scikit-learn, threadpoolctl) are optional (``pip install -e ".[bench]"``);
a missing one is reported as ``missing``. See ``benchmarks/README.md`` for what each row
measures and what still differs between the implementations.
"""

from __future__ import annotations

import argparse
import copy
import gc
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import playwithnn
from playwithnn import NeuralNetwork
from playwithnn.datasets import tutorial

Row = dict[str, Any]

HAS_TORCH = importlib.util.find_spec("torch") is not None
HAS_SKLEARN = importlib.util.find_spec("sklearn") is not None
HAS_THREADPOOLCTL = importlib.util.find_spec("threadpoolctl") is not None

# The targets: (id, description, numerator row, denominator row or None, comparison, bound).
# A ratio is median(numerator) / median(denominator); the memory row is already a ratio.
TARGETS: list[tuple[str, str, str, str | None, str, float]] = [
    ("tutorial_vs_numpy", "tutorial: playwithnn / hand-written NumPy",
     "tutorial/playwithnn", "tutorial/numpy", "<=", 1.0),
    ("tutorial_vs_torch", "tutorial: PyTorch nn.Sequential+optim.SGD / playwithnn",
     "tutorial/torch_sequential", "tutorial/playwithnn", ">=", 6.0),
    ("mnist_vs_floor", "mnist epoch: playwithnn / BLAS floor",
     "mnist/playwithnn", "mnist/blas_floor", "<=", 1.2),
    ("mnist_vs_torch", "mnist epoch: PyTorch eager / playwithnn",
     "mnist/torch", "mnist/playwithnn", ">=", 1.3),
    ("mnist_vs_sklearn", "mnist epoch: sklearn MLPClassifier (default shuffle) / playwithnn",
     "mnist/sklearn_default", "mnist/playwithnn", ">=", 1.8),
    ("digits_vs_sklearn", "digits time to 0.97: sklearn MLPClassifier / playwithnn",
     "digits/sklearn", "digits/playwithnn", ">", 1.0),
    ("memory", "memory: training peak / data size (tracemalloc)",
     "memory/tracemalloc", None, "<=", 1.5),
]


@dataclass
class Settings:
    """Sizes of one run; ``--quick`` shrinks them."""

    quick: bool
    repeat: int
    warmup: int
    threads: int
    seed: int
    tutorial_iterations: int
    mnist_samples: int
    digits_max_epochs: int
    learning_rate: float = 0.01
    batch_size: int = 128


# ---------------------------------------------------------------- timing helpers
def summarize(samples: list[float]) -> dict[str, Any]:
    """Median, extremes and quartiles of a list of measurements."""
    arr = np.asarray(samples, dtype=np.float64)
    q1, median, q3 = np.percentile(arr, [25, 50, 75])
    return {"median": float(median), "min": float(arr.min()), "max": float(arr.max()),
            "q1": float(q1), "q3": float(q3), "samples": [float(s) for s in samples]}


def timed(run_once: Callable[[], float]) -> float:
    """One run with the garbage collector off (as in :mod:`timeit`), after a collection."""
    gc.collect()
    gc.disable()
    try:
        return run_once()
    finally:
        gc.enable()


def measure(run_once: Callable[[], float], repeat: int, warmup: int) -> dict[str, Any]:
    """Call ``run_once`` ``warmup`` times, then ``repeat`` times; summarize what it returns.

    ``run_once`` times its own work and returns seconds (per unit of work), so that
    setup outside its timed region is not counted.
    """
    for _ in range(warmup):
        timed(run_once)
    return summarize([timed(run_once) for _ in range(repeat)])


def make_row(row_id: str, name: str, unit: str, status: str = "ok", note: str = "",
             **fields: Any) -> Row:
    workload = row_id.split("/")[0]
    return {"id": row_id, "workload": workload, "name": name, "unit": unit, "status": status,
            "note": note, **fields}


def missing(needs: list[str]) -> list[str]:
    return [lib for lib in needs if importlib.util.find_spec(lib) is None]


def error_row(row_id: str, name: str, unit: str, exc: Exception) -> Row:
    traceback.print_exc()
    return make_row(row_id, name, unit, "error", f"{type(exc).__name__}: {exc}")


def run_row(row_id: str, name: str, unit: str, needs: list[str], note: str,
            body: Callable[[], dict[str, Any]]) -> Row:
    """One row: ``missing`` if a peer is not installed, ``error`` (not fatal) if ``body`` raises."""
    absent = missing(needs)
    if absent:
        return make_row(row_id, name, unit, "missing", f"not installed: {', '.join(absent)}")
    print(f"  {row_id} ...", file=sys.stderr, flush=True)
    try:
        fields = body()
    except Exception as exc:
        return error_row(row_id, name, unit, exc)
    status = fields.pop("status", "ok")
    return make_row(row_id, name, unit, status, fields.pop("note", note), **fields)


@dataclass
class Contender:
    """One row of an interleaved workload: ``setup()`` prepares and returns the timed run."""

    row_id: str
    name: str
    needs: list[str]
    note: str
    setup: Callable[[], Callable[[], float]]


def run_interleaved(contenders: list[Contender], unit: str, repeat: int, warmup: int) -> list[Row]:
    """Time every contender in rounds: round ``r`` runs each of them once, in turn.

    Warm-up rounds come first and are not recorded. Interleaving spreads slow spells
    of a busy machine over every row instead of one, so ratios of medians stay fair.
    """
    rows: dict[str, Row] = {}
    runs: dict[str, Callable[[], float]] = {}
    for c in contenders:
        absent = missing(c.needs)
        if absent:
            rows[c.row_id] = make_row(c.row_id, c.name, unit, "missing",
                                      f"not installed: {', '.join(absent)}")
            continue
        print(f"  {c.row_id}: setup", file=sys.stderr, flush=True)
        try:
            runs[c.row_id] = c.setup()
        except Exception as exc:
            rows[c.row_id] = error_row(c.row_id, c.name, unit, exc)
    samples: dict[str, list[float]] = {row_id: [] for row_id in runs}
    by_id = {c.row_id: c for c in contenders}
    for round_ in range(warmup + repeat):
        kind = "warm-up" if round_ < warmup else "timed"
        print(f"  round {round_ + 1}/{warmup + repeat} ({kind})", file=sys.stderr, flush=True)
        for row_id, run in list(runs.items()):
            try:
                seconds = timed(run)
            except Exception as exc:
                rows[row_id] = error_row(row_id, by_id[row_id].name, unit, exc)
                del runs[row_id]
                continue
            if round_ >= warmup:
                samples[row_id].append(seconds)
    for row_id in runs:
        c = by_id[row_id]
        rows[row_id] = make_row(row_id, c.name, unit, "ok", c.note, **summarize(samples[row_id]))
    return [rows[c.row_id] for c in contenders]


# ------------------------------------------------------------ 1. the tutorial
def tutorial_data() -> tuple[np.ndarray, np.ndarray]:
    X, labels = tutorial()
    return X, labels.astype(np.float64).reshape(-1, 1)


def bench_tutorial(s: Settings) -> list[Row]:
    X, y = tutorial_data()
    n_iter, lr = s.tutorial_iterations, 1.0
    sizes = [3, 4, 1]
    init = [p.copy() for p in NeuralNetwork(sizes, seed=s.seed).parameters()]  # W1, b1, W2, b2

    def playwithnn_setup() -> Callable[[], float]:
        def run() -> float:
            net = NeuralNetwork(sizes, seed=s.seed)
            start = time.perf_counter()
            net.fit(X, y, epochs=n_iter, learning_rate=lr)
            return (time.perf_counter() - start) / n_iter
        return run

    def numpy_setup() -> Callable[[], float]:
        def run() -> float:
            W1, b1, W2, b2 = (p.copy() for p in init)
            start = time.perf_counter()
            for _ in range(n_iter):
                A1 = 1.0 / (1.0 + np.exp(-(X @ W1 + b1)))  # forward
                A2 = 1.0 / (1.0 + np.exp(-(A1 @ W2 + b2)))
                dZ2 = 2.0 * (A2 - y) * A2 * (1.0 - A2)  # dSSE/dZ2
                dZ1 = (dZ2 @ W2.T) * A1 * (1.0 - A1)  # backward
                W2 -= lr * (A1.T @ dZ2)  # update
                b2 -= lr * dZ2.sum(axis=0)
                W1 -= lr * (X.T @ dZ1)
                b1 -= lr * dZ1.sum(axis=0)
            return (time.perf_counter() - start) / n_iter
        return run

    def torch_manual_setup() -> Callable[[], float]:
        import torch

        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
        params = [torch.tensor(p, requires_grad=True) for p in init]

        def run() -> float:
            with torch.no_grad():
                for p, p0 in zip(params, init):
                    p.copy_(torch.from_numpy(p0))
            W1, b1, W2, b2 = params
            start = time.perf_counter()
            for _ in range(n_iter):
                A2 = torch.sigmoid(torch.sigmoid(Xt @ W1 + b1) @ W2 + b2)
                loss = ((A2 - yt) ** 2).sum()
                loss.backward()
                with torch.no_grad():
                    for p in params:
                        p -= lr * p.grad
                        p.grad = None
            return (time.perf_counter() - start) / n_iter
        return run

    def torch_sequential_setup() -> Callable[[], float]:
        import torch
        from torch import nn

        model = nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 1), nn.Sigmoid()).double()
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
        loss_fn = nn.MSELoss(reduction="sum")

        def run() -> float:
            with torch.no_grad():
                for layer, W, b in ((model[0], init[0], init[1]), (model[2], init[2], init[3])):
                    layer.weight.copy_(torch.from_numpy(W.T))
                    layer.bias.copy_(torch.from_numpy(b))
            opt = torch.optim.SGD(model.parameters(), lr=lr)
            start = time.perf_counter()
            for _ in range(n_iter):
                opt.zero_grad()
                loss = loss_fn(model(Xt), yt)
                loss.backward()
                opt.step()
            return (time.perf_counter() - start) / n_iter
        return run

    def sklearn_setup(shuffle: bool) -> Callable[[], Callable[[], float]]:
        def setup() -> Callable[[], float]:
            from sklearn.exceptions import ConvergenceWarning
            from sklearn.neural_network import MLPRegressor

            def run() -> float:
                est = MLPRegressor(
                    hidden_layer_sizes=(4,), activation="logistic", solver="sgd", batch_size=4,
                    learning_rate_init=0.5, momentum=0.0, nesterovs_momentum=False, alpha=0.0,
                    max_iter=n_iter, tol=0.0, n_iter_no_change=n_iter + 1, shuffle=shuffle,
                    random_state=s.seed)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    start = time.perf_counter()
                    est.fit(X, y.ravel())
                    elapsed = time.perf_counter() - start
                return elapsed / n_iter
            return run
        return setup

    sk_note = (f"MLPRegressor(hidden_layer_sizes=(4,), activation='logistic', solver='sgd', batch_size=4, "
               f"momentum=0, alpha=0, max_iter={n_iter}, tol=0); fit time / max_iter. Differs: identity "
               "output and half the mean squared error (playwithnn: sigmoid output, summed SSE), its own "
               "initial weights")
    return run_interleaved([
        Contender("tutorial/playwithnn", "playwithnn fit", [],
                  f"NeuralNetwork([3, 4, 1]).fit(X, y, epochs={n_iter}, learning_rate=1.0); time of the fit "
                  "call / epochs (it also records the loss of every epoch)", playwithnn_setup),
        Contender("tutorial/numpy", "hand-written NumPy", [],
                  "forward, SSE gradient, backward, in-place update; no loss value, no checks", numpy_setup),
        Contender("tutorial/torch_manual", "PyTorch eager, manual update", ["torch"],
                  "float64 tensors, autograd backward, `p -= lr * p.grad` under no_grad", torch_manual_setup),
        Contender("tutorial/torch_sequential", "PyTorch nn.Sequential + optim.SGD", ["torch"],
                  "float64, MSELoss(reduction='sum'), zero_grad/backward/step", torch_sequential_setup),
        Contender("tutorial/sklearn_noshuffle", "scikit-learn MLPRegressor, shuffle=False", ["sklearn"],
                  sk_note, sklearn_setup(False)),
        Contender("tutorial/sklearn_default", "scikit-learn MLPRegressor, shuffle=True (default)",
                  ["sklearn"], sk_note, sklearn_setup(True)),
    ], "s/iter", s.repeat, s.warmup)


# ------------------------------------------------- 2. the MNIST-size network
def mnist_data(n_samples: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Synthetic float32 data shaped like MNIST: 10 class centres plus unit Gaussian noise.

    Returns ``X`` (n, 784) float32, one-hot ``Y`` (n, 10) float32 and ``labels`` (n,) int64.
    Made in chunks, so no full-size temporary exists besides ``X`` itself.
    """
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((10, 784), dtype=np.float32)
    labels = rng.integers(0, 10, size=n_samples)
    X = rng.standard_normal((n_samples, 784), dtype=np.float32)
    for start in range(0, n_samples, 1024):
        X[start:start + 1024] += centers[labels[start:start + 1024]]
    Y = np.eye(10, dtype=np.float32)[labels]
    return X, Y, labels


def mnist_network(seed: int) -> NeuralNetwork:
    return NeuralNetwork([784, 256, 256, 10], activation="relu", loss="categorical_crossentropy",
                         seed=seed, dtype=np.float32)


def bench_mnist(s: Settings) -> list[Row]:
    n, bs, lr = s.mnist_samples, s.batch_size, s.learning_rate
    X, Y, labels = mnist_data(n, s.seed)
    net = mnist_network(s.seed)
    # playwithnn draws each epoch's order as net.rng.permutation(n); the peers that can
    # take an order draw theirs from a copy of the same generator, so epoch k of every
    # implementation visits the batches in the same order.
    init = [p.copy() for p in net.parameters()]  # W1, b1, W2, b2, W3, b3
    rng_numpy, rng_torch = copy.deepcopy(net.rng), copy.deepcopy(net.rng)

    def playwithnn_setup() -> Callable[[], float]:
        def run() -> float:
            start = time.perf_counter()
            net.fit(X, Y, epochs=1, learning_rate=lr, optimizer="sgd", batch_size=bs)
            return time.perf_counter() - start
        return run

    def numpy_setup() -> Callable[[], float]:
        W1, b1, W2, b2, W3, b3 = (p.copy() for p in init)

        def run() -> float:
            nonlocal W1, b1, W2, b2, W3, b3
            start = time.perf_counter()
            order = rng_numpy.permutation(n)
            for i in range(0, n, bs):
                idx = order[i:i + bs]
                Xb, Yb = X[idx], Y[idx]
                A1 = np.maximum(Xb @ W1 + b1, 0)  # forward
                A2 = np.maximum(A1 @ W2 + b2, 0)
                Z3 = A2 @ W3 + b3
                E = np.exp(Z3 - Z3.max(axis=1, keepdims=True))
                P = E / E.sum(axis=1, keepdims=True)  # softmax
                dZ3 = (P - Yb) / Xb.shape[0]  # d(mean cross-entropy)/dZ3
                dZ2 = (dZ3 @ W3.T) * (A2 > 0)  # backward
                dZ1 = (dZ2 @ W2.T) * (A1 > 0)
                W3 -= lr * (A2.T @ dZ3)  # update
                b3 -= lr * dZ3.sum(axis=0)
                W2 -= lr * (A1.T @ dZ2)
                b2 -= lr * dZ2.sum(axis=0)
                W1 -= lr * (Xb.T @ dZ1)
                b1 -= lr * dZ1.sum(axis=0)
            return time.perf_counter() - start
        return run

    def torch_setup() -> Callable[[], float]:
        import torch
        from torch import nn

        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                              nn.Linear(256, 10))
        with torch.no_grad():
            for layer, W, b in zip(model[::2], init[0::2], init[1::2]):
                layer.weight.copy_(torch.from_numpy(W.T))
                layer.bias.copy_(torch.from_numpy(b))
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        loss_fn = nn.CrossEntropyLoss()
        Xt, yt = torch.from_numpy(X), torch.from_numpy(labels)

        def run() -> float:
            start = time.perf_counter()
            order = torch.from_numpy(rng_torch.permutation(n))
            for i in range(0, n, bs):
                idx = order[i:i + bs]
                opt.zero_grad()
                loss = loss_fn(model(Xt[idx]), yt[idx])
                loss.backward()
                opt.step()
            return time.perf_counter() - start
        return run

    def sklearn_setup(shuffle: bool) -> Callable[[], Callable[[], float]]:
        def setup() -> Callable[[], float]:
            from sklearn.exceptions import ConvergenceWarning
            from sklearn.neural_network import MLPClassifier

            # warm_start: every fit trains one more epoch on the weights it has, as
            # playwithnn's fit(epochs=1) does; the first fit (initialization) is untimed.
            est = MLPClassifier(
                hidden_layer_sizes=(256, 256), activation="relu", solver="sgd", batch_size=bs,
                learning_rate_init=lr, momentum=0.0, nesterovs_momentum=False, alpha=0.0, max_iter=1,
                shuffle=shuffle, warm_start=True, random_state=s.seed)

            def run() -> float:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    start = time.perf_counter()
                    est.fit(X, labels)
                    return time.perf_counter() - start

            run()
            return run
        return setup

    def floor_setup() -> Callable[[], float]:
        return lambda: blas_floor_epoch(X, init[0], init[2], init[4], bs)

    sk_note = ("MLPClassifier(hidden_layer_sizes=(256, 256), solver='sgd', batch_size=128, momentum=0, "
               "alpha=0, max_iter=1, warm_start=True): one fit = one epoch; its own initial weights")
    return run_interleaved([
        Contender("mnist/playwithnn", "playwithnn fit", [],
                  f"fit(X, Y, epochs=1, optimizer='sgd', learning_rate={lr}, batch_size={bs}): shuffled, "
                  "input checks, loss and accuracy per batch included", playwithnn_setup),
        Contender("mnist/numpy", "hand-written NumPy", [],
                  "same order, weights and float32; forward, fused softmax/cross-entropy gradient, "
                  "backward, update; no loss value, no checks", numpy_setup),
        Contender("mnist/torch", "PyTorch eager (nn.Sequential + optim.SGD)", ["torch"],
                  "same layers, initial weights, order and float32; CrossEntropyLoss; no loss value read",
                  torch_setup),
        Contender("mnist/sklearn_default", "scikit-learn MLPClassifier, shuffle=True (default)",
                  ["sklearn"], sk_note, sklearn_setup(True)),
        Contender("mnist/sklearn_noshuffle", "scikit-learn MLPClassifier, shuffle=False", ["sklearn"],
                  sk_note, sklearn_setup(False)),
        Contender("mnist/blas_floor", "BLAS floor (the epoch's matrix products alone)", [],
                  "per batch: forward 3 matmuls, backward dW 3 and dX 2, into preallocated outputs, "
                  "on contiguous batches", floor_setup),
    ], "s/epoch", s.repeat, s.warmup)


def blas_floor_epoch(X: np.ndarray, W1: np.ndarray, W2: np.ndarray, W3: np.ndarray, bs: int) -> float:
    """Time only the 8 matrix products per batch of one epoch, at the training shapes."""
    n = X.shape[0]
    rng = np.random.default_rng(1)

    def buf(*shape: int) -> np.ndarray:
        return rng.standard_normal(shape, dtype=np.float32)

    h1, h2, k = W1.shape[1], W2.shape[1], W3.shape[1]
    A1, A2, dZ1, dZ2, dZ3 = buf(bs, h1), buf(bs, h2), buf(bs, h1), buf(bs, h2), buf(bs, k)
    Z1, Z2, Z3, dA1, dA2 = buf(bs, h1), buf(bs, h2), buf(bs, k), buf(bs, h1), buf(bs, h2)
    dW1, dW2, dW3 = np.empty_like(W1), np.empty_like(W2), np.empty_like(W3)
    start = time.perf_counter()
    for i in range(0, n, bs):
        Xb = X[i:i + bs]
        m = Xb.shape[0]
        np.matmul(Xb, W1, out=Z1[:m])  # forward
        np.matmul(A1[:m], W2, out=Z2[:m])
        np.matmul(A2[:m], W3, out=Z3[:m])
        np.matmul(Xb.T, dZ1[:m], out=dW1)  # dW
        np.matmul(A1[:m].T, dZ2[:m], out=dW2)
        np.matmul(A2[:m].T, dZ3[:m], out=dW3)
        np.matmul(dZ3[:m], W3.T, out=dA2[:m])  # dX (none for the input layer)
        np.matmul(dZ2[:m], W2.T, out=dA1[:m])
    return time.perf_counter() - start


# ------------------------------------------------------------------ 3. digits
TARGET_ACCURACY = 0.97
_SHARED_PARAMS = ("hidden_layer_sizes", "activation", "solver", "alpha", "batch_size",
                  "learning_rate_init", "momentum", "nesterovs_momentum", "beta_1", "beta_2",
                  "epsilon", "shuffle")


def _test_accuracy(est: Any, X: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(est.predict(X) == y))


def _fit_epochs(make: Callable[[int], Any], data: tuple[np.ndarray, ...], epochs: int
                ) -> tuple[Any, float, float]:
    """A fresh estimator from ``make(epochs)``, fitted; returns it, its fit time and test accuracy."""
    X_train, X_test, y_train, y_test = data
    est = make(epochs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning for every max_iter short of convergence
        start = time.perf_counter()
        est.fit(X_train, y_train)
        elapsed = time.perf_counter() - start
    return est, elapsed, _test_accuracy(est, X_test, y_test)


def time_to_accuracy(make: Callable[[int], Any], data: tuple[np.ndarray, ...], max_epochs: int,
                     repeat: int, warmup: int) -> dict[str, Any]:
    """Fewest ``max_iter`` whose fit reaches the target accuracy, and the time of that fit.

    ``max_iter`` doubles from 1 until a fresh fit reaches :data:`TARGET_ACCURACY`,
    then bisection between the last two tries finds the smallest that does
    (assuming accuracy rises with epochs; the timed fit's accuracy is checked).
    Only the timed fits count: the search is not timed.
    """
    reached: dict[int, float] = {}

    def accuracy(epochs: int) -> float:
        if epochs not in reached:
            reached[epochs] = _fit_epochs(make, data, epochs)[2]
        return reached[epochs]

    hi = 1
    while accuracy(hi) < TARGET_ACCURACY:
        if hi >= max_epochs:
            return {"status": "not reached", "epochs": hi, "accuracy": max(reached.values()),
                    "note": f"test accuracy {max(reached.values()):.4f} < {TARGET_ACCURACY} "
                            f"with max_iter up to {hi}"}
        hi = min(2 * hi, max_epochs)
    lo = hi // 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if accuracy(mid) >= TARGET_ACCURACY:
            hi = mid
        else:
            lo = mid
    accuracies: list[float] = []

    def run() -> float:
        _, elapsed, acc = _fit_epochs(make, data, hi)
        accuracies.append(acc)
        return elapsed

    result = measure(run, repeat, warmup)
    result.update(epochs=hi, accuracy=min(accuracies))
    return result


def digits_data(seed: int) -> tuple[np.ndarray, ...]:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                        random_state=0)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def sklearn_counterpart(ours: dict[str, Any] | None) -> tuple[dict[str, Any], list[str]]:
    """MLPClassifier parameters copied from the playwithnn estimator's where scikit-learn accepts them."""
    from sklearn.neural_network import MLPClassifier

    if ours is None:  # playwithnn's estimator not available: scikit-learn's own defaults
        return {"hidden_layer_sizes": (100,), "solver": "adam"}, []
    params, skipped = {}, []
    for key in _SHARED_PARAMS:
        if key not in ours:
            continue
        value = ours[key]
        if key == "activation" and value == "sigmoid":
            value = "logistic"
        if key == "hidden_layer_sizes":
            value = tuple(value)
        try:
            MLPClassifier(**{key: value})._validate_params()
        except (ValueError, TypeError):
            skipped.append(f"{key}={value!r}")
            continue
        params[key] = value
    return params, skipped


def bench_digits(s: Settings) -> list[Row]:
    rows: list[Row] = []
    if not HAS_SKLEARN:
        for row_id, name in (("digits/playwithnn", "playwithnn NeuralNetworkClassifier"),
                             ("digits/sklearn", "scikit-learn MLPClassifier")):
            rows.append(make_row(row_id, name, "s", "missing", "not installed: sklearn"))
        return rows
    data = digits_data(s.seed)
    try:
        from playwithnn.sklearn import NeuralNetworkClassifier  # type: ignore[import-not-found]
    except ImportError as exc:
        ours_cls, ours_params, why = None, None, f"{type(exc).__name__}: {exc}"
    else:
        ours_cls, ours_params, why = NeuralNetworkClassifier, NeuralNetworkClassifier().get_params(), ""
    # The search fits dominate this workload; a quick run times the found fit once.
    repeat, warmup = (1, 0) if s.quick else (s.repeat, s.warmup)
    method = (f"smallest max_iter reaching test accuracy {TARGET_ACCURACY} (doubling then bisection, "
              "untimed), then the time of a fresh fit with it")

    if ours_cls is None:
        rows.append(make_row("digits/playwithnn", "playwithnn NeuralNetworkClassifier", "s",
                             "not available", f"playwithnn.sklearn cannot be imported ({why})"))
    else:
        cls = ours_cls
        rows.append(run_row(
            "digits/playwithnn", "playwithnn NeuralNetworkClassifier", "s", [],
            f"{method}; its default parameters, random_state={s.seed}",
            lambda: {**time_to_accuracy(lambda e: cls(max_iter=e, random_state=s.seed), data,
                                        s.digits_max_epochs, repeat, warmup),
                     "params": {k: repr(v) for k, v in (ours_params or {}).items()}}))

    params, skipped = sklearn_counterpart(ours_params)

    def sklearn_digits() -> dict[str, Any]:
        from sklearn.neural_network import MLPClassifier

        result = time_to_accuracy(
            lambda e: MLPClassifier(**params, max_iter=e, random_state=s.seed), data,
            s.digits_max_epochs, repeat, warmup)
        return {**result, "params": {k: repr(v) for k, v in params.items()}}

    note = (f"{method}; parameters copied from playwithnn's estimator where scikit-learn accepts them"
            + (f" (not accepted: {', '.join(skipped)})" if skipped else "")
            if ours_params is not None else f"{method}; scikit-learn's defaults (playwithnn's "
            "estimator not available to copy from)")
    rows.append(run_row("digits/sklearn", "scikit-learn MLPClassifier", "s", ["sklearn"], note,
                        sklearn_digits))
    return rows


# ------------------------------------------------------------------ 4. memory
def memory_child(method: str, n_samples: int, seed: int, s: Settings) -> dict[str, Any]:
    """Train one epoch on the mnist data; report the peak memory over the data's size.

    ``tracemalloc``: the data's size plus the peak of what NumPy and Python allocate
    from the start of ``fit`` to the end of the epoch (weights, gradients, optimizer
    state, input checks, batches, temporaries). ``rss``: the process's peak resident
    size minus its resident size before the data was made (after a small warm-up fit,
    so that imports and BLAS buffers are not counted).
    """
    import resource
    import tracemalloc

    def proc_status(field: str) -> int | None:
        """``VmRSS`` or ``VmHWM`` (peak) of this process in bytes, from Linux's /proc."""
        try:
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith(field + ":"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return None

    def peak_rss() -> int:
        # VmHWM belongs to this program; ru_maxrss can carry the parent's peak across exec.
        hwm = proc_status("VmHWM")
        if hwm is not None:
            return hwm
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(rss) if sys.platform == "darwin" else int(rss) * 1024

    def current_rss() -> int:
        rss = proc_status("VmRSS")
        return peak_rss() if rss is None else rss  # not Linux: the peak so far is the best estimate

    def reset_peak_rss() -> None:
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")  # Linux: VmHWM starts again from the current size
        except OSError:
            pass

    small_X, small_Y, _ = mnist_data(256, seed)
    mnist_network(seed).fit(small_X, small_Y, epochs=1, learning_rate=s.learning_rate,
                            optimizer="sgd", batch_size=s.batch_size)
    del small_X, small_Y
    gc.collect()
    reset_peak_rss()
    rss_before, peak_before = current_rss(), peak_rss()
    X, Y, labels = mnist_data(n_samples, seed)
    del labels
    data_bytes = X.nbytes + Y.nbytes
    net = mnist_network(seed)
    if method == "tracemalloc":
        tracemalloc.start()
    start = time.perf_counter()
    net.fit(X, Y, epochs=1, learning_rate=s.learning_rate, optimizer="sgd", batch_size=s.batch_size)
    elapsed = time.perf_counter() - start
    result: dict[str, Any] = {"data_bytes": int(data_bytes), "epoch_seconds": elapsed}
    if method == "tracemalloc":
        result["fit_peak_bytes"] = int(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        result["peak_bytes"] = data_bytes + result["fit_peak_bytes"]
    else:
        result["peak_bytes"] = peak_rss() - rss_before
        # If the process peaked before the data existed, the training peak is lower than this.
        result["upper_bound_only"] = peak_rss() == peak_before
    result["ratio"] = result["peak_bytes"] / data_bytes
    return result


def bench_memory(s: Settings) -> list[Row]:
    rows = []
    for method, note in (
        ("tracemalloc", "(X.nbytes + Y.nbytes + tracemalloc peak during fit) / (X.nbytes + Y.nbytes); "
                        "weights, gradients, input checks and temporaries included"),
        ("rss", "(peak resident size - resident size before the data was made, after imports and a "
                "small warm-up fit) / (X.nbytes + Y.nbytes)"),
    ):
        def body(method: str = method) -> dict[str, Any]:
            command = [sys.executable, str(Path(__file__).resolve()), "--memory-child", method,
                       "--samples", str(s.mnist_samples), "--seed", str(s.seed),
                       "--threads", str(s.threads)]
            done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=1800)
            if done.returncode != 0:
                raise RuntimeError(f"child process failed: {done.stderr.strip()[-2000:]}")
            child = json.loads(done.stdout.strip().splitlines()[-1])
            return {**summarize([child["ratio"]]), **child}

        rows.append(run_row(f"memory/{method}", f"playwithnn fit, peak / data ({method})", "ratio",
                            [], note, body))
    return rows


# ---------------------------------------------------------------- threads, meta
def limit_threads(threads: int, *, with_torch: bool) -> Any:
    """The same thread count for NumPy's BLAS, OpenMP and PyTorch; returns the limiter to keep alive.

    PyTorch is imported first (when wanted), so that threadpoolctl also sees the
    OpenMP runtime it brings.
    """
    if with_torch and HAS_TORCH:
        import torch

        torch.set_num_threads(threads)
    if not HAS_THREADPOOLCTL:
        return None
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=threads)


def thread_report(threads: int) -> dict[str, Any]:
    report: dict[str, Any] = {"requested": threads}
    if HAS_THREADPOOLCTL:
        from threadpoolctl import threadpool_info

        report["threadpoolctl"] = [
            {k: info.get(k) for k in ("user_api", "internal_api", "prefix", "version", "num_threads",
                                      "threading_layer", "architecture")}
            for info in threadpool_info()
        ]
    else:
        report["threadpoolctl"] = "missing"
    if HAS_TORCH:
        import torch

        report["torch_num_threads"] = torch.get_num_threads()
    return report


def versions() -> dict[str, str]:
    found = {"python": platform.python_version(), "numpy": np.__version__,
             "playwithnn": playwithnn.__version__}
    for lib in ("scipy", "torch", "sklearn", "threadpoolctl"):
        if importlib.util.find_spec(lib) is None:
            found[lib] = "missing"
        else:
            found[lib] = str(getattr(__import__(lib), "__version__", "?"))
    return found


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"platform": platform.platform(), "cpu": cpu, "cpu_count": os.cpu_count(),
            "available_cpus": available_cpus(), "load_average": list(os.getloadavg())
            if hasattr(os, "getloadavg") else None}


def available_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


# ------------------------------------------------------------ targets and table
def evaluate_targets(rows: list[Row]) -> list[dict[str, Any]]:
    by_id = {row["id"]: row for row in rows}
    results = []
    for target_id, text, num, den, op, bound in TARGETS:
        entry: dict[str, Any] = {"id": target_id, "description": text, "numerator": num,
                                 "denominator": den, "op": op, "bound": bound, "ratio": None,
                                 "ratio_of_minimums": None, "passed": None}
        a, b = by_id.get(num), by_id.get(den) if den else None
        usable = a is not None and a["status"] == "ok" and (den is None or (b is not None
                                                                              and b["status"] == "ok"))
        if usable:
            assert a is not None
            ratio = a["median"] / b["median"] if b is not None else a["median"]
            entry["ratio"] = ratio
            # The fastest runs, less disturbed by other work on a busy machine (not the target).
            entry["ratio_of_minimums"] = a["min"] / b["min"] if b is not None else a["min"]
            entry["passed"] = bool({"<=": ratio <= bound, ">=": ratio >= bound, ">": ratio > bound}[op])
        elif num == "digits/sklearn" and by_id.get(den or "", {}).get("status") == "not reached":
            entry["passed"] = False
        results.append(entry)
    return results


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.3f} s"


def format_table(result: dict[str, Any]) -> str:
    meta = result["meta"]
    threads = meta["threads"]
    pools = threads.get("threadpoolctl")
    pool_text = ("threadpoolctl missing" if pools == "missing" else
                 ", ".join(f"{p['prefix']} {p['num_threads']}" for p in pools))
    torch_text = f", torch {threads['torch_num_threads']}" if "torch_num_threads" in threads else ""
    lines = [
        f"playwithnn benchmark ({meta['mode']}, median of {meta['repeat']} after {meta['warmup']} "
        f"warm-up), threads {threads['requested']} ({pool_text}{torch_text})",
        f"{meta['machine']['cpu']}, {meta['machine']['available_cpus']} CPUs, load average at start "
        f"{meta['load_average_start']}",
        "  ".join(f"{k} {v}" for k, v in meta["versions"].items()),
    ]
    titles = {
        "tutorial": f"tutorial 3-4-1 sigmoid, full batch of 4, float64: time per iteration "
                    f"({meta['sizes']['tutorial_iterations']} iterations a run)",
        "mnist": f"784-256-256-10 ReLU + softmax cross-entropy, SGD batch {meta['sizes']['batch_size']}, "
                 f"{meta['sizes']['mnist_samples']} float32 samples: one epoch",
        "digits": f"digits: time of a fit reaching test accuracy {TARGET_ACCURACY}",
        "memory": f"memory: one epoch on {meta['sizes']['mnist_samples']}x784 float32, peak / data",
    }
    rows = result["rows"]
    for workload, title in titles.items():
        group = [r for r in rows if r["workload"] == workload]
        if not group:
            continue
        lines += ["", title]
        base = next((r for r in group if r["id"] == f"{workload}/playwithnn" and r["status"] == "ok"), None)
        if workload == "memory":
            lines.append(f"  {'':52}{'ratio':>8}{'peak':>12}{'data':>12}")
        else:
            extra = f"{'epochs':>8}{'acc':>8}" if workload == "digits" else ""
            lines.append(f"  {'':52}{'median':>12}{'min':>12}{'max':>12}{'/ ours':>8}{extra}")
        for r in group:
            head = f"  {r['name'][:50]:52}"
            if r["status"] != "ok":
                lines.append(f"{head}{r['status']}: {r['note'][:90]}")
            elif workload == "memory":
                lines.append(f"{head}{r['ratio']:8.2f}{r['peak_bytes'] / 2**20:9.1f} MB"
                             f"{r['data_bytes'] / 2**20:9.1f} MB")
            else:
                ratio = f"{r['median'] / base['median']:8.2f}" if base else f"{'':8}"
                extra = f"{r['epochs']:8d}{r['accuracy']:8.4f}" if workload == "digits" else ""
                lines.append(f"{head}{fmt_time(r['median']):>12}{fmt_time(r['min']):>12}"
                             f"{fmt_time(r['max']):>12}{ratio}{extra}")
    lines += ["", "targets (ratios of medians; of the minimums for reference)",
              f"  {'':72}{'ratio':>8}  {'target':<12}{'of mins':>8}"]
    for t in result["targets"]:
        value = f"{t['ratio']:8.2f}" if t["ratio"] is not None else f"{'n/a':>8}"
        of_mins = f"{t['ratio_of_minimums']:8.2f}" if t["ratio_of_minimums"] is not None else ""
        mark = {True: "pass", False: "FAIL", None: "n/a"}[t["passed"]]
        lines.append(f"  {t['description'][:70]:72}{value}  {t['op']} {t['bound']:<4} {mark:<4}{of_mins}")
    return "\n".join(lines)


# ---------------------------------------------------------------------- main
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time playwithnn against hand-written NumPy, PyTorch, scikit-learn and the BLAS floor.")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: smaller data and fewer repeats, every row still produced")
    parser.add_argument("--output", default="benchmarks/results.json",
                        help="where to write the JSON results (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="timed runs per row, the median is reported (default: 5, quick: 2)")
    parser.add_argument("--warmup", type=int, default=None,
                        help="untimed runs before them (default: 1)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for every library (default: the CPUs available to this process)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the data and initial weights")
    parser.add_argument("--workloads", nargs="+", default=["tutorial", "mnist", "digits", "memory"],
                        choices=["tutorial", "mnist", "digits", "memory"],
                        help="run only these workloads (default: all)")
    parser.add_argument("--samples", type=int, default=None,
                        help="samples of the mnist-size data (default: 60000, quick: 6000)")
    parser.add_argument("--memory-child", choices=["tracemalloc", "rss"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for name in ("repeat", "threads", "samples"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name} must be at least 1; got {value}")
    if args.warmup is not None and args.warmup < 0:
        parser.error(f"--warmup must be at least 0; got {args.warmup}")
    return args


def settings_from(args: argparse.Namespace) -> Settings:
    quick = args.quick
    return Settings(
        quick=quick,
        repeat=args.repeat or (2 if quick else 5),
        warmup=1 if args.warmup is None else args.warmup,
        threads=args.threads or available_cpus(),
        seed=args.seed,
        tutorial_iterations=300 if quick else 3000,
        mnist_samples=args.samples or (6000 if quick else 60000),
        digits_max_epochs=128 if quick else 512,
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    s = settings_from(args)
    limiter = limit_threads(s.threads, with_torch=not args.memory_child)
    if args.memory_child:
        print(json.dumps(memory_child(args.memory_child, s.mnist_samples, s.seed, s)))
        return 0
    started = time.perf_counter()
    load_start = [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None
    benches = {"tutorial": bench_tutorial, "mnist": bench_mnist, "digits": bench_digits,
               "memory": bench_memory}
    rows: list[Row] = []
    for name in args.workloads:
        print(f"{name}:", file=sys.stderr, flush=True)
        rows += benches[name](s)
        gc.collect()
    result = {
        "meta": {
            "mode": "quick" if s.quick else "full", "repeat": s.repeat, "warmup": s.warmup,
            "seed": s.seed, "command": [Path(sys.argv[0]).name, *sys.argv[1:]],
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "sizes": {"tutorial_iterations": s.tutorial_iterations, "mnist_samples": s.mnist_samples,
                      "batch_size": s.batch_size, "learning_rate": s.learning_rate,
                      "digits_max_epochs": s.digits_max_epochs},
            "threads": thread_report(s.threads), "versions": versions(), "machine": machine(),
            "load_average_start": load_start,
            "seconds": None,
        },
        "rows": rows,
        "targets": evaluate_targets(rows),
    }
    result["meta"]["seconds"] = round(time.perf_counter() - started, 2)
    del limiter
    print(format_table(result))
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2, default=float) + "\n")
    print(f"\nwrote {output} in {result['meta']['seconds']} s", file=sys.stderr)
    return 0 if all(r["status"] != "error" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
