"""Peak memory and time of ``playwithnn train --chunk-rows`` on a CSV larger than it should hold.

A CSV of ``--size-gb`` gigabytes (default 1: 20 columns of numbers and a text
label, written by ``csv_read.generate``) is made in a temporary folder, which is
removed afterwards. ``playwithnn train DATA --target label --chunk-rows N
--epochs 1`` then runs on it as a child process: a first pass over the file for
the scaling, and one epoch. Its peak resident size comes from ``os.wait4``: the
whole process (interpreter, NumPy, Arrow and the chunks), not a difference. The
target is under 300 MB.

Run: ``python benchmarks/stream_train.py [--size-gb 1] [--chunk-rows 10000] [--epochs 1]``.
The free space of the temporary folder is checked first; the file is made smaller,
and said so, where it does not fit.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from csv_read import generate

TARGET_MB = 300.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-gb", type=float, default=1.0)
    parser.add_argument("--chunk-rows", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--columns", type=int, default=20, help="numeric columns (default 20)")
    parser.add_argument("--hidden", type=int, nargs="*", default=[16, 16])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        free = shutil.disk_usage(folder).free
        size_mb = args.size_gb * 1000
        if size_mb * 1e6 > 0.8 * free:
            size_mb = 0.8 * free / 1e6
            print(f"note: {free / 1e9:.1f} GB free in {folder}: the file is {size_mb / 1000:.2f} GB, "
                  f"not {args.size_gb} GB")
        path = Path(folder) / "big.csv"
        start = time.perf_counter()
        n_rows, file_bytes = generate(path, size_mb, args.columns)
        print(f"{path.name}: {file_bytes / 1e9:.2f} GB, {n_rows} rows of {args.columns} numbers and a label "
              f"(made in {time.perf_counter() - start:.0f} s)", flush=True)
        command = [sys.executable, "-m", "playwithnn", "train", str(path), "--target", "label",
                   "--output", str(Path(folder) / "model.npz"), "--chunk-rows", str(args.chunk_rows),
                   "--epochs", str(args.epochs), "--hidden", *map(str, args.hidden), "--verbose"]
        print("$ playwithnn " + " ".join(command[3:]), flush=True)
        start = time.perf_counter()
        child = subprocess.Popen(command)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        peak = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)  # bytes on macOS, else KiB
        passes = 1 + args.epochs  # the scaling's, and one an epoch
        print(f"exit status {child.returncode}; {seconds:.0f} s in all, {passes} passes over the file "
              f"({n_rows * passes / seconds:,.0f} rows a second); peak RSS {peak / 1e6:.0f} MB "
              f"({'under' if peak / 1e6 < TARGET_MB else 'NOT under'} the target of {TARGET_MB:.0f} MB), "
              f"{peak / file_bytes:.3f} x the file")
        if child.returncode != 0:
            raise SystemExit(child.returncode)


if __name__ == "__main__":
    main()
