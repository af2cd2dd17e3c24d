"""The benchmark runs in its quick mode and produces every row and target (no timing is asserted)."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "run.py"

# Every row of a full run, with the peer library it needs (None: playwithnn alone).
ROWS = {
    "tutorial/playwithnn": None,
    "tutorial/numpy": None,
    "tutorial/torch_manual": "torch",
    "tutorial/torch_sequential": "torch",
    "tutorial/sklearn_noshuffle": "sklearn",
    "tutorial/sklearn_default": "sklearn",
    "mnist/playwithnn": None,
    "mnist/numpy": None,
    "mnist/torch": "torch",
    "mnist/sklearn_default": "sklearn",
    "mnist/sklearn_noshuffle": "sklearn",
    "mnist/blas_floor": None,
    "digits/playwithnn": "sklearn",
    "digits/sklearn": "sklearn",
    "memory/tracemalloc": None,
    "memory/rss": None,
}
TARGETS = {"tutorial_vs_numpy", "tutorial_vs_torch", "mnist_vs_floor", "mnist_vs_torch",
           "mnist_vs_sklearn", "digits_vs_sklearn", "memory"}


def installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    output = tmp_path_factory.mktemp("bench") / "results.json"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--output", str(output)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    # Exit status 1 means a row raised an error (its traceback is on stderr).
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(output.read_text()), done.stdout


def expected_status(row_id: str, needs: str | None) -> set[str]:
    if needs is not None and not installed(needs):
        return {"missing"}
    if row_id == "digits/playwithnn" and not installed("playwithnn.sklearn"):
        return {"not available"}
    if row_id.startswith("digits/"):
        return {"ok", "not reached"}  # a measured result: the accuracy was not reached in time
    return {"ok"}


def test_every_row_is_present_with_the_status_its_libraries_allow(
        quick_run: tuple[dict[str, Any], str]) -> None:
    result, _ = quick_run
    rows = {row["id"]: row for row in result["rows"]}
    assert list(rows) == list(ROWS)
    for row_id, needs in ROWS.items():
        assert rows[row_id]["status"] in expected_status(row_id, needs), rows[row_id]


def test_measured_rows_hold_a_median_and_its_spread(quick_run: tuple[dict[str, Any], str]) -> None:
    result, _ = quick_run
    repeat = result["meta"]["repeat"]
    assert result["meta"]["mode"] == "quick" and repeat >= 1
    for row in result["rows"]:
        if row["status"] != "ok":
            continue
        assert math.isfinite(row["median"]) and row["median"] > 0, row
        assert row["min"] <= row["q1"] <= row["median"] <= row["q3"] <= row["max"], row
        # One sample per timed run; a quick run times the digits fit and each memory child once.
        assert len(row["samples"]) == (1 if row["workload"] in ("digits", "memory") else repeat), row
    memory = {row["id"]: row for row in result["rows"] if row["workload"] == "memory"}
    for row in memory.values():
        assert row["ratio"] == pytest.approx(row["peak_bytes"] / row["data_bytes"])
        assert row["data_bytes"] == result["meta"]["sizes"]["mnist_samples"] * (784 + 10) * 4


def test_every_target_is_evaluated_from_the_rows(quick_run: tuple[dict[str, Any], str]) -> None:
    result, table = quick_run
    targets = {t["id"]: t for t in result["targets"]}
    assert set(targets) == TARGETS
    rows = {row["id"]: row for row in result["rows"]}
    for target in targets.values():
        num, den = rows[target["numerator"]], rows.get(target["denominator"])
        if num["status"] == "ok" and (den is None or den["status"] == "ok"):
            expected = num["median"] / den["median"] if den is not None else num["median"]
            assert target["ratio"] == pytest.approx(expected)
            of_mins = num["min"] / den["min"] if den is not None else num["min"]
            assert target["ratio_of_minimums"] == pytest.approx(of_mins)
            assert target["passed"] in (True, False)
        else:
            assert target["ratio"] is None and target["ratio_of_minimums"] is None
        assert target["description"][:40] in table


# Variables that fix a thread pool's size when its library loads. Where one is set, a pool may
# keep running fewer threads than the benchmark asks for (it can always lower the count).
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


def test_threads_are_reported(quick_run: tuple[dict[str, Any], str]) -> None:
    """The table reports the thread count asked for and what every pool runs, as the pools say it.

    The benchmark asks every library for the CPUs available (no --threads here). A pool runs
    that many, or fewer where the environment fixed its size when it loaded (say
    OPENBLAS_NUM_THREADS=1), and never more.
    """
    result, table = quick_run
    threads = result["meta"]["threads"]
    requested = threads["requested"]
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    assert requested == cpus
    assert f"threads {requested} (" in table
    pools = threads["threadpoolctl"]
    assert isinstance(pools, list) and pools  # NumPy's BLAS at least
    capped = any(os.environ.get(name) for name in THREAD_VARIABLES)
    for pool in pools:
        assert f"{pool['prefix']} {pool['num_threads']}" in table
        assert 1 <= pool["num_threads"] <= requested, pool
        assert pool["num_threads"] == requested or capped, pool
    if installed("torch"):
        assert threads["torch_num_threads"] == requested
        assert f"torch {requested})" in table


# ------------------------------------------------------------ benchmarks/gpu.py on the CPU
GPU_SCRIPT = ROOT / "benchmarks" / "gpu.py"
GPU_ROWS = [f"{w}/{c}" for w in ("large", "mnist") for c in
            ("playwithnn_numpy", "playwithnn_torch", "torch_eager", "gemm_floor_numpy", "gemm_floor_torch")]


@pytest.fixture(scope="module")
def gpu_script_on_the_cpu(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    """What CI can run of the GPU benchmark: its CPU mode, NumPy against PyTorch CPU tensors, tiny sizes."""
    output = tmp_path_factory.mktemp("gpu") / "gpu-cpu.json"
    done = subprocess.run(
        [sys.executable, str(GPU_SCRIPT), "--device", "cpu", "--quick", "--threads", "1", "--repeat", "1",
         "--output", str(output)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(output.read_text()), done.stdout


def test_gpu_script_runs_every_row_on_the_cpu(gpu_script_on_the_cpu: tuple[dict[str, Any], str]) -> None:
    result, table = gpu_script_on_the_cpu
    rows = {row["id"]: row for row in result["rows"]}
    assert list(rows) == GPU_ROWS
    for row in rows.values():
        assert row["status"] == ("ok" if installed("torch") or "numpy" in row["id"] else "missing"), row
        if row["status"] == "ok":
            assert len(row["samples"]) == 1 and math.isfinite(row["median"]) and row["median"] > 0
            assert row["name"][:40] in table
    assert result["meta"]["device"] == "cpu" and result["meta"]["mode"] == "quick"


def test_gpu_script_reports_the_ratios(gpu_script_on_the_cpu: tuple[dict[str, Any], str]) -> None:
    result, table = gpu_script_on_the_cpu
    rows = {row["id"]: row for row in result["rows"]}
    assert {t["id"] for t in result["targets"]} == {
        f"{w}_{what}" for w in ("large", "mnist")
        for what in ("torch_vs_numpy", "numpy_vs_floor", "torch_vs_floor")}
    for target in result["targets"]:
        num, den = rows[target["numerator"]], rows[target["denominator"]]
        if num["status"] == den["status"] == "ok":
            assert target["ratio"] == pytest.approx(num["median"] / den["median"])
        assert target["description"][:40] in table


def test_gpu_script_without_a_gpu_says_what_it_needs() -> None:
    done = subprocess.run([sys.executable, str(GPU_SCRIPT), "--device", "cuda", "--quick"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "CUDA_VISIBLE_DEVICES": ""})
    if installed("cupy"):
        pytest.skip("CuPy is installed: whether it sees a GPU is this machine's business")
    assert done.returncode == 2, done.stderr
    assert "needs CuPy or PyTorch with a CUDA device" in done.stderr
