"""``datasets``: a toy data set, made in code, written as CSV."""

from __future__ import annotations

import argparse
import csv
import io as _io
import sys

from .files import check_output_path, format_number, write_files


def cmd_datasets(args: argparse.Namespace) -> int:
    """Write a toy data set as CSV: columns x1, x2 (x3 for the tutorial) and label."""
    from ..datasets import make_dataset

    output = None if args.output is None else check_output_path(args.output, "data file")
    X, y = make_dataset(args.name, n_samples=args.samples, noise=args.noise, seed=args.seed)
    buffer = _io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([f"x{j + 1}" for j in range(X.shape[1])] + ["label"])
    for row, label in zip(X, y):
        writer.writerow([format_number(v) for v in row] + [str(int(label))])
    if output is None:
        sys.stdout.write(buffer.getvalue())
    else:
        write_files([(output, buffer.getvalue().encode("utf-8"), "data file")])
        print(f"wrote {output}: {X.shape[0]} samples of {args.name!r}, columns "
              f"{', '.join(f'x{j + 1}' for j in range(X.shape[1]))}, label")
    return 0
