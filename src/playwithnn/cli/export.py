"""``export``: a model file as an ONNX graph or a standalone NumPy script."""

from __future__ import annotations

import argparse
from pathlib import Path

from .._validation import name_list
from .errors import CommandError
from .files import check_distinct, check_output_path, write_files

#: What ``export`` writes in each format: what the file is called in messages, and its suffix.
EXPORT_FORMATS = {"onnx": ("ONNX file", ".onnx"), "numpy": ("NumPy script", ".py")}


def cmd_export(args: argparse.Namespace) -> int:
    """Write a model file as an ONNX graph or as a standalone NumPy script (:mod:`playwithnn.export`).

    The format is ``--format``, or else the output's suffix. Everything is checked
    and the file made in memory before it is written, atomically: a failed export
    leaves no file, and an existing one as it was.
    """
    from .. import export
    from ..io import ModelFileError, load
    from ..model import Model

    suffix = Path(args.output).suffix.lower()
    fmt = args.format or next((f for f, (_, known) in EXPORT_FORMATS.items() if known == suffix), None)
    if fmt is None:
        raise CommandError(f"cannot tell the format of {args.output} from its suffix {suffix!r}; name the "
                           "file .onnx or .py, or give --format onnx or --format numpy")
    if fmt == "numpy" and (args.dtype is not None or args.opset is not None):
        raise CommandError(f"{'--dtype' if args.dtype is not None else '--opset'} is an option of "
                           "--format onnx; a NumPy script computes in the network's dtype")
    what = EXPORT_FORMATS[fmt][0]
    output = check_output_path(args.output, what)
    check_distinct([(what, output)], [("model file", args.model)])
    try:
        obj = load(args.model)
    except ModelFileError as exc:
        raise CommandError(f"{args.model}: {exc.reason}") from None
    try:
        if fmt == "numpy":
            content = export.to_numpy_script(obj).encode("utf-8")
            detail = "a NumPy script; its predict(X) predicts as the model does"
        else:
            opset = export.ONNX_OPSET if args.opset is None else args.opset
            proto = export.to_onnx(obj, dtype=args.dtype, opset=opset)
            content = proto.SerializeToString()
            dtype = args.dtype or (obj.network if isinstance(obj, Model) else obj).dtype.name
            detail = (f"an ONNX graph (opset {opset}, {dtype}); inputs "
                      f"{name_list([i.name for i in proto.graph.input])}; outputs "
                      f"{name_list([o.name for o in proto.graph.output])}")
    except (ImportError, ValueError) as exc:  # the extra is missing, or a piece cannot be expressed
        raise CommandError(str(exc)) from None
    write_files([(output, content, what)])
    print(f"wrote {output}: {detail}")
    return 0
