"""Scores as the command line prints them.

A line of metrics, the confusion matrix and the report per class.
``train`` and ``evaluate`` score with these same functions, so their numbers agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .. import metrics

if TYPE_CHECKING:
    from ..model import Model
    from ..network import NeuralNetwork


#: A confusion matrix whose labels are all at most this long is headed by them, else by numbers.
MAX_LABEL_WIDTH = 16


def metric_line(label: str, scores: dict[str, float]) -> str:
    """``label: accuracy 0.9750  loss 0.0812``: scores to 4 places, losses and errors to 4 digits."""
    return f"{label}: " + "  ".join(f"{k} {v:.4f}" if k in ("accuracy", "R²") else f"{k} {v:.4g}"
                                    for k, v in scores.items())


def classification_scores(net: NeuralNetwork, X: NDArray[np.float64], k: NDArray[np.int64]
                           ) -> tuple[dict[str, float], NDArray[np.intp]]:
    """Accuracy of the predicted classes against the class indices ``k``, the loss, and the predictions.

    The predicted class is :func:`playwithnn.metrics.predicted_class`: what
    ``predict`` writes and what ``train`` and ``evaluate`` score.
    """
    P = net.predict(X)
    predicted = metrics.predicted_class(P)
    target = k.reshape(-1, 1).astype(np.float64) if net.n_outputs == 1 else np.eye(net.n_outputs)[k]
    return {"accuracy": metrics.accuracy(k, predicted), "loss": net.loss(X, target)}, predicted


def confusion_lines(k: NDArray[np.int64], predicted: NDArray[np.intp], classes: Sequence[str]
                     ) -> list[str]:
    """The confusion matrix as aligned lines: a row per true class, a column per predicted one.

    Columns are headed by the classes' labels; when one is longer than
    :data:`MAX_LABEL_WIDTH`, by numbers instead, each row then starting with its
    class's number and its whole label (labels cut short could no longer be told
    apart: ``"Alpha Romeo Giulia 2019"`` and ``"Alpha Romeo Giulia 2020"``).
    """
    C = metrics.confusion_matrix(k, predicted, n_classes=len(classes))
    numbered = any(len(c) > MAX_LABEL_WIDTH for c in classes)
    if numbered:
        heads = [f"[{j + 1}]" for j in range(len(classes))]
        names = [f"{head} {c}" for head, c in zip(heads, classes)]
        title = "confusion matrix (rows: true class, columns: predicted class, by its number):"
    else:
        heads = names = list(classes)
        title = "confusion matrix (rows: true class, columns: predicted class):"
    left = max(len(n) for n in names)
    digits = len(str(int(C.max(initial=0))))
    widths = [max(len(h), digits) for h in heads]
    lines = [title, "  " + " " * left + "".join(f"  {h:>{w}}" for h, w in zip(heads, widths))]
    for name, row in zip(names, C):
        lines.append(f"  {name:<{left}}" + "".join(f"  {int(v):>{w}}" for v, w in zip(row, widths)))
    return lines


def class_report_lines(k: NDArray[np.int64], predicted: NDArray[np.intp], classes: Sequence[str]
                        ) -> list[str]:
    """Precision, recall, F1 and support of each class, and their averages, as aligned lines.

    As scikit-learn's ``classification_report``: the scores of
    :func:`playwithnn.metrics.precision_recall_f1` for the true class indices ``k``
    and the ``predicted`` ones (0 where undefined), to 4 places; the support is a
    class's number of rows. ``macro avg`` is the plain mean over the classes,
    ``weighted avg`` the mean weighted by support.
    """
    precision, recall, f1, support = metrics.precision_recall_f1(k, predicted, n_classes=len(classes))
    scores = np.column_stack([precision, recall, f1])  # (n_classes, 3)
    total = int(support.sum())
    rows = [(c, s, int(n)) for c, s, n in zip(classes, scores, support)]  # whole labels
    rows += [("macro avg", scores.mean(axis=0), total), ("weighted avg", support @ scores / total, total)]
    left = max(len("class"), *(len(name) for name, _, _ in rows))
    headers = ("precision", "recall", "F1")
    widths = [max(len(h), 6) for h in headers]  # 6: "0.9750"
    n_width = max(len("support"), len(str(total)))
    lines = ["precision, recall and F1 per class (support: its rows in the file):",
             f"  {'class':<{left}}" + "".join(f"  {h:>{w}}" for h, w in zip(headers, widths))
             + f"  {'support':>{n_width}}"]
    for name, values, n in rows:
        lines.append(f"  {name:<{left}}" + "".join(f"  {v:>{w}.4f}" for v, w in zip(values, widths))
                     + f"  {n:>{n_width}}")
    return lines


def value_scores(y: NDArray[np.float64], predicted: NDArray[np.float64]) -> dict[str, float]:
    """R², RMSE and MAE of a regressor's ``predicted`` values against ``y``, in the target's units."""
    return {"R²": metrics.r2_score(y, predicted), "RMSE": metrics.rmse(y, predicted),
            "MAE": metrics.mean_absolute_error(y, predicted)}


def trained_scores(model: Model, truth: NDArray[Any], *, X: NDArray[np.float64], raw: Any
                    ) -> dict[str, float]:
    """A model's scores as ``evaluate`` gives them: accuracy and loss of the network inputs ``X``
    against the class indices ``truth``, or R², RMSE and MAE of ``model.predict(raw)`` (the raw rows)
    against the target's values, in its units."""
    if model.classes is not None:
        return classification_scores(model.network, X, truth)[0]
    return value_scores(truth, model.predict(raw))
