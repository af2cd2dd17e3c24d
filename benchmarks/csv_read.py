"""Time and peak memory of reading a CSV: playwithnn's table reader against ``pandas.read_csv``.

A numeric CSV of about ``--size-mb`` megabytes (``--columns`` columns of numbers and
one label column of text) is generated in a temporary folder, then read ``--repeat``
times by each reader, each run in a child process of its own so that its peak
resident size is its own. A run reads the file into what a command needs: the
numbers as a float64 matrix and the labels.

- *playwithnn*: ``tabular.read_table(path)``, ``table.matrix(names)`` of the numeric
  columns and ``table.labels("label")``: what ``playwithnn train`` does. (A reader
  without ``Table.matrix``, as before it existed, stacks ``table.numbers(name)``.)
- *pandas*: ``pandas.read_csv(path)``, the numeric columns ``to_numpy(float64)``
  and the label column ``to_numpy()``.

Memory is the peak resident size minus a baseline, divided by the numbers' size
as float64 (``n_rows * n_columns * 8``) and by the file's size, for two baselines:
the resident size after the imports, and after a warm-up read of a three-row file
by the same code (which loads the reader's compiled code and starts its threads: a
cost paid once, whatever the file's size). Time is the median over the runs. The
ratios against pandas are printed last.

Run: ``python benchmarks/csv_read.py [--size-mb 100] [--columns 20] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

READERS = ("playwithnn", "pandas")
LABELS = np.array(["cat", "dog", "bird"])


def generate(path: Path, size_mb: float, n_columns: int, seed: int = 0) -> tuple[int, int]:
    """Write the CSV; return ``(n_rows, file size in bytes)``."""
    rng = np.random.default_rng(seed)
    target = int(size_mb * 1e6)
    row_format = ",".join(["%.6g"] * n_columns) + ",%s\n"
    n_rows, size = 0, 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        header = ",".join([*(f"x{j}" for j in range(n_columns)), "label"]) + "\n"
        size += f.write(header)
        while size < target:
            X = rng.normal(scale=10.0, size=(20_000, n_columns))
            labels = LABELS[rng.integers(0, len(LABELS), size=X.shape[0])]
            text = "".join(row_format % (*row, label) for row, label in zip(X.tolist(), labels.tolist()))
            size += f.write(text)
            n_rows += X.shape[0]
    return n_rows, os.path.getsize(path)


def _peak_bytes() -> int:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, kilobytes elsewhere


def _resident_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # not Linux: the peak so far is the best guess of the baseline
        return _peak_bytes()


def child(reader: str, path: str) -> None:
    """Read ``path`` once with ``reader``; print time, memory and a checksum as JSON."""
    if reader == "playwithnn":
        from playwithnn import tabular

        def read(file: str) -> tuple[np.ndarray, np.ndarray]:
            table = tabular.read_table(file)
            names = [n for n in table.names if n != "label"]
            if hasattr(table, "matrix"):
                X = table.matrix(names)
            else:
                X = np.column_stack([table.numbers(n) for n in names])
            return X, table.labels("label")
    else:
        import pandas as pd

        def read(file: str) -> tuple[np.ndarray, np.ndarray]:
            frame = pd.read_csv(file)
            return frame.drop(columns="label").to_numpy(np.float64), frame["label"].to_numpy()

    imported = _resident_bytes()
    tiny = Path(path).with_name(f"tiny-{reader}.csv")
    tiny.write_text("x0,x1,label\n1,2,cat\n3.5,-4,dog\n5,6e-1,cat\n")
    read(str(tiny))
    warm = _resident_bytes()
    start = time.perf_counter()
    X, labels = read(path)
    seconds = time.perf_counter() - start
    peak = _peak_bytes()
    print(json.dumps({"seconds": seconds, "peak": peak, "imported": imported, "warm": warm,
                      "shape": list(X.shape), "sum": float(X.sum()), "labels": len(labels)}))


def run(reader: str, path: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", reader, str(path)], capture_output=True,
                         text=True, check=True, timeout=3600)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, default=100.0)
    parser.add_argument("--columns", type=int, default=20, help="numeric columns (default 20)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--readers", nargs="+", default=list(READERS), choices=READERS)
    parser.add_argument("--child", nargs=2, metavar=("READER", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "numbers.csv"
        start = time.perf_counter()
        n_rows, file_bytes = generate(path, args.size_mb, args.columns)
        numbers = n_rows * args.columns * 8
        print(f"{path.name}: {file_bytes / 1e6:.1f} MB, {n_rows} rows of {args.columns} numbers and a label; "
              f"numbers as float64 {numbers / 1e6:.1f} MB (made in {time.perf_counter() - start:.1f} s)")
        results: dict[str, dict[str, float]] = {}
        for reader in args.readers:
            runs = [run(reader, path) for _ in range(args.repeat)]
            sums = {r["sum"] for r in runs}
            if runs[0]["shape"] != [n_rows, args.columns] or len(sums) != 1:
                raise SystemExit(f"{reader} read the wrong data: {runs[0]}")
            seconds = statistics.median(r["seconds"] for r in runs)
            memory = {base: max(r["peak"] - r[base] for r in runs) for base in ("imported", "warm")}
            results[reader] = {"seconds": seconds, **memory, "sum": runs[0]["sum"]}
            each = ", ".join(f"{r['seconds']:.2f}" for r in runs)
            print(f"{reader:>10}: {seconds:6.2f} s (median of {args.repeat}: {each})")
            for base, what in [("imported", "after the imports"), ("warm", "after a warm-up read")]:
                used = memory[base]
                print(f"{'':>12}peak RSS - RSS {what:<21} {used / 1e6:7.1f} MB = "
                      f"{used / numbers:5.2f} x the numbers, {used / file_bytes:5.2f} x the file")
    if len(results) == 2:
        ours, theirs = results["playwithnn"], results["pandas"]
        if not np.isclose(ours["sum"], theirs["sum"], rtol=1e-9):
            raise SystemExit(f"the readers disagree: sums {ours['sum']} and {theirs['sum']}")
        print(f"playwithnn / pandas: time {ours['seconds'] / theirs['seconds']:.2f} x (target at most 3), "
              f"memory {ours['imported'] / theirs['imported']:.2f} x (after the imports), "
              f"{ours['warm'] / theirs['warm']:.2f} x (after a warm-up read)")


if __name__ == "__main__":
    main()
