#!/usr/bin/env python
"""playwithnn on a GPU (CuPy, PyTorch CUDA tensors) or on many cores, against PyTorch eager and GEMM alone.

Run from the repository root::

    python benchmarks/gpu.py                     # on the GPU: a few minutes on one card
    python benchmarks/gpu.py --device cpu        # the NumPy path against the PyTorch CPU namespace
    python benchmarks/gpu.py --device cpu --quick    # smoke run (what CI runs): tiny sizes

Workloads (all in one process; each contender trains one SGD epoch per round, from the
same initial weights, on the same data already on the device):

1. ``large``: 1024-4096-4096-10 ReLU, softmax cross-entropy, float32, batches of 4096,
   one epoch over 131072 samples. Big matrix products: the GPU is busy computing.
2. ``mnist``: 784-256-256-10, batches of 128, one epoch over 60000 samples. Small
   ones: on a GPU the time goes to launching kernels.

Contenders, on ``--device cuda``: playwithnn on CuPy arrays, playwithnn on PyTorch CUDA
tensors, PyTorch eager (``nn.Sequential`` + ``optim.SGD``) and the GEMM floor (the
epoch's eight matrix products per batch alone, at the same shapes, into preallocated
outputs). On ``--device cpu``: playwithnn on NumPy, playwithnn on PyTorch CPU tensors,
PyTorch eager and the GEMM floor in NumPy's BLAS and in PyTorch. Every timing is
the median of ``--repeat`` runs after ``--warmup``, in interleaved rounds, with the
device synchronised before the clock starts and before it stops.
"""

from __future__ import annotations

import argparse
import copy
import gc
import importlib.util
import itertools
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from run import available_cpus, fmt_time, limit_threads, machine, summarize, timed  # benchmarks/run.py

import playwithnn
from playwithnn import NeuralNetwork

HAS_TORCH = importlib.util.find_spec("torch") is not None
HAS_CUPY = importlib.util.find_spec("cupy") is not None
LEARNING_RATE = 0.01

#: (workload, layer sizes, batch size, samples) at full size and with --quick.
WORKLOADS = {
    "large": ([1024, 4096, 4096, 10], 4096, 131072),
    "mnist": ([784, 256, 256, 10], 128, 60000),
}
QUICK = {
    "large": ([64, 128, 128, 10], 256, 1024),
    "mnist": ([784, 32, 32, 10], 128, 512),
}

# (id, description, numerator row, denominator row, comparison, bound), per device.
TARGETS: dict[str, list[tuple[str, str, str, str, str, float]]] = {
    "cuda": [
        (f"large_{lib}_vs_floor", f"large: playwithnn on {name} / GEMM floor",
         f"large/playwithnn_{lib}", "large/gemm_floor", "<=", 1.25)
        for lib, name in (("cupy", "CuPy"), ("torch", "PyTorch"))
    ] + [
        (f"large_{lib}_vs_torch", f"large: playwithnn on {name} / PyTorch eager",
         f"large/playwithnn_{lib}", "large/torch_eager", "<=", 1.0)
        for lib, name in (("cupy", "CuPy"), ("torch", "PyTorch"))
    ] + [
        (f"mnist_{lib}_vs_torch", f"mnist: playwithnn on {name} / PyTorch eager",
         f"mnist/playwithnn_{lib}", "mnist/torch_eager", "<=", 1.5)
        for lib, name in (("cupy", "CuPy"), ("torch", "PyTorch"))
    ],
    # On a CPU there are no targets of the issue's: the ratios say where each path pays.
    "cpu": [
        (f"{w}_torch_vs_numpy", f"{w}: playwithnn on PyTorch CPU tensors / on NumPy",
         f"{w}/playwithnn_torch", f"{w}/playwithnn_numpy", "report", 0.0) for w in WORKLOADS
    ] + [
        (f"{w}_{lib}_vs_floor", f"{w}: playwithnn on {name} / GEMM floor in {name}",
         f"{w}/playwithnn_{lib}", f"{w}/gemm_floor_{lib}", "report", 0.0)
        for w in WORKLOADS for lib, name in (("numpy", "NumPy"), ("torch", "PyTorch"))
    ],
}


@dataclass
class Library:
    """One array library on the device: how to move data there, make buffers and wait for it."""

    name: str  # "numpy", "torch" or "cupy"
    device: Any  # what NeuralNetwork(device=...) takes
    module: Any

    def asarray(self, a: np.ndarray) -> Any:
        if self.name == "numpy":
            return a
        if self.name == "torch":
            return self.module.from_numpy(a).to(self.device)
        with self.device:
            return self.module.asarray(a)

    def empty(self, shape: tuple[int, ...], like: Any) -> Any:
        if self.name == "torch":
            return self.module.empty(shape, dtype=like.dtype, device=like.device)
        return self.module.empty(shape, dtype=like.dtype)

    def synchronize(self) -> None:
        """Wait for the work queued on the device (nothing to wait for on a CPU)."""
        if self.name == "torch" and self.device.type == "cuda":
            self.module.cuda.synchronize(self.device)
        elif self.name == "cupy":
            self.device.synchronize()


def libraries(device: str) -> dict[str, Library | str]:
    """The libraries this run uses, or why one is missing."""
    found: dict[str, Library | str] = {}
    if device == "cpu":
        found["numpy"] = Library("numpy", "cpu", np)
        if HAS_TORCH:
            import torch

            found["torch"] = Library("torch", torch.device("cpu"), torch)
        else:
            found["torch"] = "not installed: torch"
        return found
    if HAS_TORCH:
        import torch

        found["torch"] = (Library("torch", torch.device("cuda"), torch) if torch.cuda.is_available()
                          else "PyTorch sees no CUDA device")
    else:
        found["torch"] = "not installed: torch"
    if HAS_CUPY:
        import cupy

        try:
            found["cupy"] = Library("cupy", cupy.cuda.Device(0), cupy) if cupy.cuda.runtime.getDeviceCount() \
                else "CuPy sees no CUDA device"
        except Exception as exc:  # CuPy installed without a driver or a GPU
            found["cupy"] = f"CuPy cannot reach a GPU: {exc}"
    else:
        found["cupy"] = "not installed: cupy"
    return found


# --------------------------------------------------------------------- the data
def make_data(sizes: list[int], n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Float32 ``X`` (n, sizes[0]): 10 class centres plus unit noise; one-hot ``Y`` and the labels."""
    rng = np.random.default_rng(seed)
    k = sizes[-1]
    centres = rng.standard_normal((k, sizes[0]), dtype=np.float32)
    labels = rng.integers(0, k, size=n)
    X = rng.standard_normal((n, sizes[0]), dtype=np.float32)
    for start in range(0, n, 4096):
        X[start:start + 4096] += centres[labels[start:start + 4096]]
    return X, np.eye(k, dtype=np.float32)[labels], labels


def network(sizes: list[int], device: Any) -> NeuralNetwork:
    return NeuralNetwork(sizes, activation="relu", loss="categorical_crossentropy", seed=0,
                         dtype=np.float32, device=device)


# ---------------------------------------------------------------- contenders
def playwithnn_run(lib: Library, sizes: list[int], bs: int, X: np.ndarray, Y: np.ndarray
                   ) -> Callable[[], float]:
    net = network(sizes, lib.device)
    X_dev, Y_dev = lib.asarray(X), lib.asarray(Y)  # on the device before the clock starts

    def run() -> float:
        lib.synchronize()
        start = time.perf_counter()
        net.fit(X_dev, Y_dev, epochs=1, optimizer="sgd", learning_rate=LEARNING_RATE, batch_size=bs)
        lib.synchronize()
        return time.perf_counter() - start
    return run


def torch_eager_run(lib: Library, sizes: list[int], bs: int, X: np.ndarray, labels: np.ndarray
                    ) -> Callable[[], float]:
    torch = lib.module
    from torch import nn

    layers: list[Any] = []
    for n_in, n_out in itertools.pairwise(sizes):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    model = nn.Sequential(*layers[:-1]).to(lib.device)
    init = network(sizes, "cpu")  # the same initial weights as playwithnn's
    with torch.no_grad():
        for layer, W, b in zip(model[::2], init.parameters()[0::2], init.parameters()[1::2]):
            layer.weight.copy_(torch.from_numpy(W.T.copy()))
            layer.bias.copy_(torch.from_numpy(b))
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    loss_fn = nn.CrossEntropyLoss()
    X_dev, labels_dev = lib.asarray(X), lib.asarray(labels)
    rng = copy.deepcopy(init.rng)  # the same orders as playwithnn's
    n = X.shape[0]

    def run() -> float:
        lib.synchronize()
        start = time.perf_counter()
        order = torch.from_numpy(rng.permutation(n)).to(lib.device)
        for first in range(0, n, bs):
            rows = order[first:first + bs]
            optimizer.zero_grad()
            loss_fn(model(X_dev[rows]), labels_dev[rows]).backward()
            optimizer.step()
        lib.synchronize()
        return time.perf_counter() - start
    return run


def gemm_floor_run(lib: Library, sizes: list[int], bs: int, X: np.ndarray) -> Callable[[], float]:
    """The epoch's matrix products alone: per batch 3 forward, 3 for the dW and 2 for the dX (none for
    the input layer), at the training shapes, on contiguous batches, into preallocated outputs."""
    rng = np.random.default_rng(1)
    X_dev = lib.asarray(X)
    W = [lib.asarray(rng.standard_normal((a, b), dtype=np.float32)) for a, b in itertools.pairwise(sizes)]
    A = [lib.asarray(rng.standard_normal((bs, b), dtype=np.float32)) for b in sizes[1:]]  # Z's and δ's
    Z = [lib.empty((bs, b), A[0]) for b in sizes[1:]]
    dW = [lib.empty(tuple(w.shape), A[0]) for w in W]
    dX = [lib.empty((bs, a), A[0]) for a in sizes[1:-1]]
    matmul = lib.module.matmul
    n = X.shape[0]
    L = len(W)

    def run() -> float:
        lib.synchronize()
        start = time.perf_counter()
        for first in range(0, n - bs + 1, bs):
            Xb = X_dev[first:first + bs]
            inputs = [Xb, *A[:-1]]
            for i in range(L):  # forward
                matmul(inputs[i], W[i], out=Z[i])
            for i in range(L):  # dW = input.T @ δ
                matmul(inputs[i].T, A[i], out=dW[i])
            for i in range(1, L):  # dX = δ @ W.T
                matmul(A[i], W[i].T, out=dX[i - 1])
        lib.synchronize()
        return time.perf_counter() - start
    return run


# ---------------------------------------------------------------------- timing
def run_workload(workload: str, sizes: list[int], bs: int, n: int, device: str,
                 libs: dict[str, Library | str], repeat: int, warmup: int) -> list[dict[str, Any]]:
    X, Y, labels = make_data(sizes, n, seed=0)
    names = {"numpy": "NumPy", "torch": "PyTorch CPU tensors" if device == "cpu" else "PyTorch CUDA tensors",
             "cupy": "CuPy"}
    # (row id, name, library, setup(library) -> timed run)
    plan: list[tuple[str, str, Library | str, Callable[[Any], Callable[[], float]]]] = []
    for name in ("numpy", "torch") if device == "cpu" else ("cupy", "torch"):
        plan.append((f"{workload}/playwithnn_{name}", f"playwithnn on {names[name]}", libs[name],
                     lambda lib: playwithnn_run(lib, sizes, bs, X, Y)))
    plan.append((f"{workload}/torch_eager", "PyTorch eager (nn.Sequential + optim.SGD)", libs["torch"],
                 lambda lib: torch_eager_run(lib, sizes, bs, X, labels)))
    if device == "cpu":
        floors = [("numpy", f"{workload}/gemm_floor_numpy"), ("torch", f"{workload}/gemm_floor_torch")]
    else:  # in PyTorch, or in CuPy without it
        floors = [("torch" if isinstance(libs["torch"], Library) else "cupy", f"{workload}/gemm_floor")]
    for name, row_id in floors:
        plan.append((row_id, f"GEMM floor ({names[name].split(' ')[0]})", libs[name],
                     lambda lib: gemm_floor_run(lib, sizes, bs, X)))
    rows: dict[str, dict[str, Any]] = {}
    runs: dict[str, Callable[[], float]] = {}
    for row_id, name, lib, setup in plan:
        rows[row_id] = {"id": row_id, "workload": workload, "name": name, "status": "missing",
                        "note": lib if isinstance(lib, str) else ""}
        if isinstance(lib, str):  # why the library is missing
            continue
        print(f"  {row_id}: setup", file=sys.stderr, flush=True)
        try:
            runs[row_id] = setup(lib)
        except Exception as exc:
            rows[row_id].update(status="error", note=f"{type(exc).__name__}: {exc}")
    samples: dict[str, list[float]] = {row_id: [] for row_id in runs}
    for round_ in range(warmup + repeat):
        print(f"  round {round_ + 1}/{warmup + repeat}", file=sys.stderr, flush=True)
        for row_id, run in list(runs.items()):
            try:
                seconds = timed(run)
            except Exception as exc:
                rows[row_id].update(status="error", note=f"{type(exc).__name__}: {exc}")
                del runs[row_id]
                continue
            if round_ >= warmup:
                samples[row_id].append(seconds)
    for row_id in runs:
        rows[row_id].update(status="ok", note="", **summarize(samples[row_id]))
    return list(rows.values())


def evaluate_targets(rows: list[dict[str, Any]], device: str) -> list[dict[str, Any]]:
    by_id = {row["id"]: row for row in rows}
    results = []
    for target_id, text, num, den, op, bound in TARGETS[device]:
        a, b = by_id.get(num), by_id.get(den)
        entry: dict[str, Any] = {"id": target_id, "description": text, "numerator": num, "denominator": den,
                                 "op": op, "bound": bound, "ratio": None, "ratio_of_minimums": None,
                                 "passed": None}
        if a is not None and b is not None and a["status"] == b["status"] == "ok":
            entry["ratio"] = a["median"] / b["median"]
            entry["ratio_of_minimums"] = a["min"] / b["min"]
            if op == "<=":
                entry["passed"] = bool(entry["ratio"] <= bound)
        results.append(entry)
    return results


def device_report(libs: dict[str, Library | str]) -> dict[str, Any]:
    report: dict[str, Any] = {}
    for name, lib in libs.items():
        if not isinstance(lib, Library):
            report[name] = lib
        elif name == "torch" and lib.device.type == "cuda":
            torch = lib.module
            report[name] = {"device": torch.cuda.get_device_name(lib.device),
                            "allow_tf32": torch.backends.cuda.matmul.allow_tf32}
        elif name == "cupy":
            props = lib.module.cuda.runtime.getDeviceProperties(lib.device.id)
            report[name] = {"device": props["name"].decode(), "tf32": os.environ.get("CUPY_TF32", "0")}
        else:
            report[name] = {"device": "cpu"}
    return report


def format_table(result: dict[str, Any]) -> str:
    meta = result["meta"]
    lines = [f"playwithnn on {meta['device']} ({meta['mode']}, median of {meta['repeat']} after "
             f"{meta['warmup']} warm-up), {meta['threads']} threads, {meta['machine']['cpu']}",
             "  ".join(f"{k} {v}" for k, v in meta["versions"].items()),
             "devices: " + json.dumps(meta["devices"])]
    for workload, (sizes, bs, n) in meta["sizes"].items():
        group = [r for r in result["rows"] if r["workload"] == workload]
        if not group:
            continue
        lines += ["", f"{workload}: {'-'.join(map(str, sizes))} ReLU, softmax cross-entropy, float32, "
                      f"SGD batch {bs}, one epoch over {n} samples"]
        lines.append(f"  {'':46}{'median':>12}{'min':>12}{'max':>12}")
        for r in group:
            head = f"  {r['name'][:44]:46}"
            if r["status"] != "ok":
                lines.append(f"{head}{r['status']}: {r['note'][:80]}")
            else:
                lines.append(f"{head}{fmt_time(r['median']):>12}{fmt_time(r['min']):>12}{fmt_time(r['max']):>12}")
    lines += ["", "ratios of medians (of the minimums for reference)"]
    for t in result["targets"]:
        value = f"{t['ratio']:8.2f}" if t["ratio"] is not None else f"{'n/a':>8}"
        of_mins = f"{t['ratio_of_minimums']:8.2f}" if t["ratio_of_minimums"] is not None else ""
        target = f"{t['op']} {t['bound']:<5}" if t["op"] != "report" else " " * 8
        mark = {True: "pass", False: "FAIL", None: ""}[t["passed"]]
        lines.append(f"  {t['description'][:60]:62}{value}  {target}{mark:<5}{of_mins}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Time playwithnn on a GPU or many cores against PyTorch "
                                                 "eager and the GEMM floor.")
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda",
                        help="cuda: CuPy and PyTorch CUDA tensors; cpu: NumPy and PyTorch CPU tensors")
    parser.add_argument("--quick", action="store_true", help="tiny sizes and 2 runs: a smoke run")
    parser.add_argument("--repeat", type=int, default=None, help="timed runs per row (default 5, quick 2)")
    parser.add_argument("--warmup", type=int, default=None, help="untimed rounds first (default 1)")
    parser.add_argument("--threads", type=int, default=None,
                        help="CPU threads for every library (default: the CPUs available)")
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS))
    parser.add_argument("--output", default=None,
                        help="where to write the JSON results (default: benchmarks/gpu-DEVICE.json)")
    args = parser.parse_args(argv)
    for name in ("repeat", "threads"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name} must be at least 1; got {value}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    repeat = args.repeat or (2 if args.quick else 5)
    warmup = 1 if args.warmup is None else args.warmup
    threads = args.threads or available_cpus()
    limiter = limit_threads(threads, with_torch=True)
    libs = libraries(args.device)
    if args.device == "cuda" and not any(isinstance(lib, Library) for lib in libs.values()):
        print("gpu.py --device cuda needs CuPy or PyTorch with a CUDA device: "
              + "; ".join(f"{k}: {v}" for k, v in libs.items()), file=sys.stderr)
        return 2
    sizes = {w: (QUICK if args.quick else WORKLOADS)[w] for w in args.workloads}
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    for workload, (layer_sizes, bs, n) in sizes.items():
        print(f"{workload}:", file=sys.stderr, flush=True)
        rows += run_workload(workload, layer_sizes, bs, n, args.device, libs, repeat, warmup)
        gc.collect()
    versions = {"python": platform.python_version(), "numpy": np.__version__,
                "playwithnn": playwithnn.__version__}
    for lib in ("torch", "cupy", "array_api_compat"):
        versions[lib] = (str(getattr(__import__(lib), "__version__", "?"))
                         if importlib.util.find_spec(lib) else "missing")
    result = {
        "meta": {"device": args.device, "mode": "quick" if args.quick else "full", "repeat": repeat,
                 "warmup": warmup, "threads": threads, "sizes": sizes, "versions": versions,
                 "devices": device_report(libs), "machine": machine(),
                 "seconds": round(time.perf_counter() - started, 2)},
        "rows": rows,
        "targets": evaluate_targets(rows, args.device),
    }
    del limiter
    print(format_table(result))
    output = Path(args.output or f"benchmarks/gpu-{args.device}.json")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2, default=float) + "\n")
    print(f"\nwrote {output} in {result['meta']['seconds']} s", file=sys.stderr)
    return 0 if all(r["status"] != "error" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
