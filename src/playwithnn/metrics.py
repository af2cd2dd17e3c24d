"""Scores of predictions: predicted class, accuracy, confusion matrix, precision, recall, F1, R², RMSE, MAE.

Pure functions on arrays, the one home of each rule: training, the command line,
the estimators, the figures and the playground all call the class a network
predicts by :func:`predicted_class`, and count what it gets right by
:func:`accuracy` or :func:`n_correct`.

>>> P = np.array([[0.2], [0.7], [0.5]])       # one sigmoid output: P(class 1)
>>> predicted_class(P).tolist()
[0, 1, 0]
>>> accuracy([0, 1, 1], predicted_class(P))
0.6666666666666666
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: The losses whose networks are classifiers: their outputs are class probabilities.
CLASSIFICATION_LOSSES = ("binary_crossentropy", "categorical_crossentropy")


def is_classification_loss(loss_name: str) -> bool:
    """Whether a network trained with the loss ``loss_name`` is a classifier.

    >>> is_classification_loss("binary_crossentropy"), is_classification_loss("mse")
    (True, False)
    """
    return loss_name in CLASSIFICATION_LOSSES


def _outputs(P: ArrayLike, name: str) -> NDArray[np.floating]:
    arr = np.asarray(P)
    if arr.ndim != 2 or arr.shape[1] < 1:
        raise ValueError(f"{name} must have shape (n_samples, n_outputs); got {arr.shape}")
    return arr


def predicted_class(P: ArrayLike) -> NDArray[np.intp]:
    """The class each row of outputs predicts.

    .. math:: \\hat{k}_i = \\begin{cases} [P_{i0} > 0.5] & \\text{one output} \\\\
              \\arg\\max_j P_{ij} & \\text{two or more} \\end{cases}

    Parameters
    ----------
    P : array-like of shape (n_samples, n_outputs)
        Outputs of a classifier: the probability of class 1 for one sigmoid
        output, else one column per class (softmax or one sigmoid per class).

    Returns
    -------
    ndarray of shape (n_samples,)
        Class indices. On a tie the first class wins: 0 at exactly ``0.5``, the
        first of equal maxima.

    Examples
    --------
    >>> predicted_class([[0.1, 0.7, 0.2], [0.5, 0.5, 0.0]]).tolist()
    [1, 0]
    """
    arr = _outputs(P, "P")
    if arr.shape[1] == 1:
        return (arr[:, 0] > 0.5).astype(np.intp)
    return np.asarray(arr.argmax(axis=1), dtype=np.intp)


def _labels(y: ArrayLike, name: str) -> NDArray[np.generic]:
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"{name} must have shape (n_samples,); got {arr.shape}")
    return arr


def _same_length(a: NDArray[np.generic], b: NDArray[np.generic], names: str) -> None:
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"{names} must have as many samples; got {a.shape[0]} and {b.shape[0]}")


def accuracy(y_true: ArrayLike, y_pred: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
    """The fraction of samples whose predicted class is the true one.

    .. math:: \\text{accuracy} = \\frac{1}{n} \\sum_i [\\hat{y}_i = y_i]

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,) or (n_samples, n_labels)
        Class indices (or labels of any kind that compare equal); for several
        yes/no labels per sample (multilabel), a sample counts when all are right.
    sample_weight : array-like of shape (n_samples,), optional
        The weighted fraction instead.

    Returns
    -------
    float in [0, 1]

    Examples
    --------
    >>> accuracy([0, 1, 2, 2], [0, 2, 2, 2])
    0.75
    >>> accuracy([0, 1, 2, 2], [0, 2, 2, 2], sample_weight=[1, 3, 1, 1])
    0.5
    """
    t, p = np.asarray(y_true), np.asarray(y_pred)
    if t.ndim not in (1, 2) or t.shape != p.shape:
        raise ValueError("y_true and y_pred must have one shape, (n_samples,) or (n_samples, n_labels); "
                         f"got {t.shape} and {p.shape}")
    if t.shape[0] == 0:
        raise ValueError("y_true is empty: accuracy needs at least one sample")
    right = t == p if t.ndim == 1 else (t == p).all(axis=1)
    if sample_weight is None:
        return float(np.count_nonzero(right)) / t.shape[0]
    return float(np.average(right, weights=np.asarray(sample_weight, dtype=np.float64)))


def confusion_matrix(y_true: ArrayLike, y_pred: ArrayLike, n_classes: int | None = None
                     ) -> NDArray[np.int64]:
    """How often each true class was predicted as each class.

    ``C[i, j]`` counts the samples of true class ``i`` predicted as class ``j``:
    rows are true classes, columns predicted ones, the diagonal the correct answers.

    Parameters
    ----------
    y_true, y_pred : array-like of int, shape (n_samples,)
        Class indices from 0 to ``n_classes - 1``.
    n_classes : int, optional
        The number of classes; by default one more than the largest index seen.

    Returns
    -------
    ndarray of shape (n_classes, n_classes)

    Examples
    --------
    >>> confusion_matrix([0, 0, 1, 2], [0, 1, 1, 2]).tolist()
    [[1, 1, 0], [0, 1, 0], [0, 0, 1]]
    """
    t, p, n = _class_indices(y_true, y_pred, n_classes)
    counts = np.bincount(n * t + p, minlength=n * n)
    return counts.reshape(n, n).astype(np.int64)


def _class_indices(y_true: ArrayLike, y_pred: ArrayLike, n_classes: int | None
                   ) -> tuple[NDArray[np.int64], NDArray[np.int64], int]:
    """Checked class indices as int64, and the number of classes they are counted over."""
    t, p = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    _same_length(t, p, "y_true and y_pred")
    for arr, name in ((t, "y_true"), (p, "y_pred")):
        if arr.size and (arr.dtype.kind not in "iub" or arr.min() < 0):
            raise ValueError(f"{name} must hold class indices 0, 1, ...; got {arr[:5].tolist()} ...")
    seen = int(max(t.max(initial=-1), p.max(initial=-1))) + 1
    n = seen if n_classes is None else n_classes
    if seen > n:
        raise ValueError(f"a class index is {seen - 1}, but n_classes={n_classes}")
    return t.astype(np.int64), p.astype(np.int64), n


def _sample_weight(sample_weight: ArrayLike | None, n_samples: int) -> NDArray[np.float64] | None:
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.shape != (n_samples,):
        raise ValueError(f"sample_weight must have shape (n_samples,) = ({n_samples},); got {w.shape}")
    return w


def precision_recall_f1(y_true: ArrayLike, y_pred: ArrayLike, n_classes: int | None = None,
                        sample_weight: ArrayLike | None = None
                        ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64],
                                   NDArray[np.int64] | NDArray[np.float64]]:
    """Precision, recall and F1 of each class, and how many samples truly are of it.

    For class ``k``, with ``TP`` its samples predicted as ``k``, ``FP`` the other
    samples predicted as ``k`` and ``FN`` its samples predicted as another class:

    .. math:: P_k = \\frac{TP}{TP + FP}, \\quad R_k = \\frac{TP}{TP + FN}, \\quad
              F1_k = \\frac{2 P_k R_k}{P_k + R_k} = \\frac{2\\,TP}{2\\,TP + FP + FN}

    ``TP + FP`` is the column sum of the confusion matrix (predicted as ``k``),
    ``TP + FN`` its row sum, the support (truly ``k``). Where a denominator is zero,
    a class never predicted (precision) or never present (recall), or neither (F1),
    the score is 0.0, silently: scikit-learn's ``zero_division=0`` without its warning.

    Parameters
    ----------
    y_true, y_pred : array-like of int, shape (n_samples,)
        Class indices from 0 to ``n_classes - 1``.
    n_classes : int, optional
        The number of classes; by default one more than the largest index seen.
    sample_weight : array-like of shape (n_samples,), optional
        Each sample counts with its weight: weighted ``TP``, ``FP``, ``FN`` and support.

    Returns
    -------
    precision, recall, f1 : ndarray of shape (n_classes,)
        Scores in [0, 1] of classes 0, 1, ..., ``n_classes - 1``.
    support : ndarray of shape (n_classes,)
        Samples of each true class: int64 counts, or float64 total weights when
        ``sample_weight`` is given.

    Examples
    --------
    Class 2 is never predicted, class 3 never present:

    >>> precision, recall, f1, support = precision_recall_f1([0, 0, 1, 2], [0, 1, 1, 0], n_classes=4)
    >>> precision.tolist(), recall.tolist()
    ([0.5, 0.5, 0.0, 0.0], [0.5, 1.0, 0.0, 0.0])
    >>> f1.round(4).tolist(), support.tolist()
    ([0.5, 0.6667, 0.0, 0.0], [2, 1, 1, 0])
    """
    t, p, n = _class_indices(y_true, y_pred, n_classes)
    w = _sample_weight(sample_weight, t.shape[0])
    hit = t == p
    # Counted with bincount, not through confusion_matrix: no (n_classes, n_classes) array, and weights.
    TP = np.bincount(t[hit], weights=None if w is None else w[hit], minlength=n)  # (n_classes,)
    support = np.bincount(t, weights=w, minlength=n)  # TP + FN
    predicted = np.bincount(p, weights=w, minlength=n)  # TP + FP

    def ratio(num: NDArray[np.generic], den: NDArray[np.generic]) -> NDArray[np.float64]:
        # 0.0 where den == 0; `where=` divides nowhere else, so NumPy warns about nothing.
        return np.divide(num, den, out=np.zeros(n), where=den != 0)

    precision = ratio(TP, predicted)
    recall = ratio(TP, support)
    f1 = ratio(2 * TP, support + predicted)
    if w is None:
        return precision, recall, f1, support.astype(np.int64)
    return precision, recall, f1, support


def _targets(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    t, p = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    if t.ndim not in (1, 2) or t.shape != p.shape:
        raise ValueError("y_true and y_pred must have one shape, (n_samples,) or (n_samples, n_outputs); "
                         f"got {t.shape} and {p.shape}")
    if t.shape[0] == 0:
        raise ValueError("y_true is empty: a score needs at least one sample")
    return t.reshape(t.shape[0], -1), p.reshape(p.shape[0], -1)


def r2_score(y_true: ArrayLike, y_pred: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
    """The coefficient of determination R², averaged over the outputs.

    .. math:: R^2 = 1 - \\frac{\\sum_i (y_i - \\hat{y}_i)^2}{\\sum_i (y_i - \\bar{y})^2}

    1 is a perfect fit; 0 is what predicting the mean scores; it is negative for
    worse. A constant target (zero denominator) scores 1 when predicted exactly,
    else 0, as in scikit-learn.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
    sample_weight : array-like of shape (n_samples,), optional
        Weighted sums (and a weighted mean ``ȳ``) instead.

    Returns
    -------
    float

    Examples
    --------
    >>> r2_score([1.0, 2.0, 3.0], [1.0, 2.0, 4.0])
    0.5
    """
    t, p = _targets(y_true, y_pred)
    w = np.ones(t.shape[0]) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    residual = w @ (t - p) ** 2  # (n_outputs,)
    total = w @ (t - np.average(t, axis=0, weights=w)) ** 2
    safe = np.where(total > 0, total, 1.0)
    scores = np.where(total > 0, 1.0 - residual / safe, np.where(residual == 0, 1.0, 0.0))
    return float(scores.mean())


def rmse(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """The root of the mean squared error, in the target's units; averaged over the outputs.

    .. math:: \\text{RMSE} = \\sqrt{\\frac{1}{n} \\sum_i (y_i - \\hat{y}_i)^2}

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)

    Returns
    -------
    float

    Examples
    --------
    >>> rmse([0.0, 0.0, 0.0, 0.0], [1.0, -1.0, 1.0, -1.0])
    1.0
    """
    t, p = _targets(y_true, y_pred)
    return float(np.sqrt(np.mean((t - p) ** 2, axis=0)).mean())


def mean_absolute_error(y_true: ArrayLike, y_pred: ArrayLike, sample_weight: ArrayLike | None = None
                        ) -> float:
    """The mean absolute error, in the target's units; averaged over the outputs.

    .. math:: \\text{MAE} = \\frac{\\sum_i w_i \\, |y_i - \\hat{y}_i|}{\\sum_i w_i}

    Less pulled by a few large errors than :func:`rmse`. With several outputs, the
    MAE of each column is computed and their plain mean returned, as for
    :func:`r2_score` and :func:`rmse` (scikit-learn's ``multioutput="uniform_average"``).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
    sample_weight : array-like of shape (n_samples,), optional
        The weighted mean over the samples instead (``w_i = 1`` without).

    Returns
    -------
    float

    Examples
    --------
    >>> mean_absolute_error([1.0, 2.0, 3.0], [2.0, 2.0, 1.0])
    1.0
    >>> mean_absolute_error([1.0, 2.0, 3.0], [2.0, 2.0, 1.0], sample_weight=[2, 1, 1])
    1.0
    >>> mean_absolute_error([[0.0, 0.0], [0.0, 0.0]], [[1.0, 2.0], [3.0, 4.0]])  # (2 + 3) / 2
    2.5
    """
    t, p = _targets(y_true, y_pred)
    w = _sample_weight(sample_weight, t.shape[0])
    return float(np.average(np.abs(t - p), axis=0, weights=w).mean())


def n_correct(Y: Any, P: Any, *, one_hot: bool, xp: Any = None) -> Any:
    """Number of correct predictions, the count behind a training accuracy.

    Parameters
    ----------
    Y : array-like of shape (n_samples, n_outputs)
        Targets: one-hot rows if ``one_hot``, else 0/1 values.
    P : array-like of shape (n_samples, n_outputs)
        Predicted probabilities.
    one_hot : bool
        ``True`` for categorical cross-entropy: a sample is correct when the
        largest output is its class. ``False``: every output is a yes/no answer of
        its own, thresholded at 0.5, and the correct outputs are divided by
        ``n_outputs``.
    xp : array namespace, optional
        For arrays of a library of the array API standard (PyTorch, CuPy), their
        namespace: the count is made where they are and left there, so that training
        adds it up over an epoch without reading the device at every batch.

    Returns
    -------
    float, or a 0-d float64 array of ``xp``
        Correct samples, so that dividing by ``n_samples`` gives the accuracy.

    Examples
    --------
    >>> n_correct([[1, 0], [0, 1]], [[0.9, 0.1], [0.8, 0.2]], one_hot=True)
    1.0
    >>> n_correct([[1, 0], [0, 1]], [[0.9, 0.1], [0.8, 0.2]], one_hot=False)
    1.0
    >>> n_correct([[1, 1], [0, 1]], [[0.9, 0.1], [0.2, 0.6]], one_hot=False)
    1.5
    """
    if xp is None:
        return float(n_correct(_outputs(Y, "Y"), _outputs(P, "P"), one_hot=one_hot, xp=np))
    y, p = Y, P  # arrays of xp
    right: Any
    if one_hot:
        right = xp.argmax(p, axis=1) == xp.argmax(y, axis=1)
    else:
        right = (p > 0.5) == (y > 0.5)
    count = xp.sum(xp.astype(right, xp.float64))
    return count if one_hot else count / y.shape[1]


__all__ = [
    "CLASSIFICATION_LOSSES",
    "accuracy",
    "confusion_matrix",
    "is_classification_loss",
    "mean_absolute_error",
    "n_correct",
    "precision_recall_f1",
    "predicted_class",
    "r2_score",
    "rmse",
]
