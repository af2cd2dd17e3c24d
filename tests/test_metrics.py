"""The metrics: exact values where the arithmetic gives them, and scikit-learn's on random data."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as sk

from playwithnn.losses import LOSSES
from playwithnn.metrics import (
    accuracy,
    confusion_matrix,
    is_classification_loss,
    mean_absolute_error,
    n_correct,
    precision_recall_f1,
    predicted_class,
    r2_score,
    rmse,
)


# ------------------------------------------------------------ the class rule
def test_one_output_is_the_probability_of_class_1_and_half_is_class_0() -> None:
    P = np.array([[0.0], [0.49], [0.5], [0.500001], [1.0]])
    assert predicted_class(P).tolist() == [0, 0, 0, 1, 1]


def test_several_outputs_take_the_largest_and_the_first_on_a_tie() -> None:
    P = np.array([[0.2, 0.3, 0.5], [0.4, 0.4, 0.2], [0.9, 0.05, 0.05], [0.1, 0.6, 0.6]])
    assert predicted_class(P).tolist() == [2, 0, 0, 1]
    # Two outputs are two classes, not a probability and its complement.
    assert predicted_class(np.array([[0.6, 0.7]])).tolist() == [1]


def test_predicted_class_wants_rows_of_outputs() -> None:
    with pytest.raises(ValueError, match=r"P must have shape \(n_samples, n_outputs\); got \(3,\)"):
        predicted_class(np.array([0.1, 0.9, 0.4]))


@pytest.mark.parametrize("loss", list(LOSSES))
def test_the_cross_entropies_and_only_they_are_for_classifiers(loss: str) -> None:
    assert is_classification_loss(loss) == (loss in ("binary_crossentropy", "categorical_crossentropy"))


# ----------------------------------------------------------------- accuracy
def test_accuracy_exact_values() -> None:
    assert accuracy([0, 1, 1, 0], [0, 1, 0, 0]) == 0.75
    assert accuracy(["a", "b"], ["a", "b"]) == 1.0
    assert accuracy([2], [1]) == 0.0


def test_accuracy_refuses_mismatched_or_empty_input() -> None:
    with pytest.raises(ValueError, match=r"must have one shape.*got \(3,\) and \(2,\)"):
        accuracy([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="y_true is empty"):
        accuracy([], [])


def test_accuracy_agrees_with_scikit_learn() -> None:
    rng = np.random.default_rng(0)
    t, p = rng.integers(0, 4, 500), rng.integers(0, 4, 500)
    assert accuracy(t, p) == sk.accuracy_score(t, p)


# ---------------------------------------------------------- confusion matrix
def test_confusion_matrix_rows_are_true_classes() -> None:
    C = confusion_matrix([0, 0, 0, 1, 2, 2], [0, 1, 1, 1, 2, 0])
    np.testing.assert_array_equal(C, [[1, 2, 0], [0, 1, 0], [1, 0, 1]])
    assert C.dtype == np.int64 and C.trace() == 3


def test_confusion_matrix_keeps_classes_never_seen() -> None:
    np.testing.assert_array_equal(confusion_matrix([0, 0], [0, 0], n_classes=3),
                                  [[2, 0, 0], [0, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(confusion_matrix([], [], n_classes=2), np.zeros((2, 2)))


@pytest.mark.parametrize(
    ("t", "p", "kwargs", "message"),
    [
        ([0, 3], [0, 1], {"n_classes": 3}, "a class index is 3, but n_classes=3"),
        ([0, -1], [0, 1], {}, "y_true must hold class indices"),
        ([0, 1], [0.5, 1.0], {}, "y_pred must hold class indices"),
        ([[0, 1]], [[0, 1]], {}, r"y_true must have shape \(n_samples,\)"),
    ],
)
def test_confusion_matrix_refuses_what_is_not_class_indices(t: object, p: object, kwargs: dict[str, int],
                                                            message: str) -> None:
    with pytest.raises(ValueError, match=message):
        confusion_matrix(t, p, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", range(5))
def test_confusion_matrix_agrees_with_scikit_learn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_classes = int(rng.integers(2, 8))
    t, p = rng.integers(0, n_classes, 300), rng.integers(0, n_classes, 300)
    np.testing.assert_array_equal(confusion_matrix(t, p, n_classes=n_classes),
                                  sk.confusion_matrix(t, p, labels=list(range(n_classes))))


# ------------------------------------------------- precision, recall and F1
def test_precision_recall_f1_exact_values() -> None:
    t = [0, 0, 0, 1, 1, 2]
    p = [0, 0, 1, 1, 2, 2]
    precision, recall, f1, support = precision_recall_f1(t, p)
    # class 0: TP 2, predicted 2, true 3 -> P 2/2, R 2/3, F1 2*2 / (3 + 2) = 4/5
    # class 1: TP 1, predicted 2, true 2 -> P 1/2, R 1/2, F1 2*1 / (2 + 2) = 1/2
    # class 2: TP 1, predicted 2, true 1 -> P 1/2, R 1/1, F1 2*1 / (1 + 2) = 2/3
    np.testing.assert_array_equal(precision, [1.0, 0.5, 0.5])
    np.testing.assert_array_equal(recall, [2 / 3, 0.5, 1.0])
    np.testing.assert_array_equal(f1, [4 / 5, 0.5, 2 / 3])
    np.testing.assert_array_equal(support, [3, 2, 1])
    assert support.dtype == np.int64 and precision.dtype == np.float64


def test_precision_recall_f1_weighted_exact_values() -> None:
    t = [0, 0, 1, 1]
    p = [0, 1, 1, 0]
    w = [3.0, 1.0, 2.0, 0.5]
    precision, recall, f1, support = precision_recall_f1(t, p, sample_weight=w)
    # class 0: TP 3, predicted 3 + 0.5 = 3.5, true 3 + 1 = 4 -> P 3/3.5, R 3/4, F1 6 / 7.5
    # class 1: TP 2, predicted 1 + 2 = 3,     true 2 + 0.5 = 2.5 -> P 2/3, R 2/2.5, F1 4 / 5.5
    np.testing.assert_array_equal(precision, [3 / 3.5, 2 / 3])
    np.testing.assert_array_equal(recall, [3 / 4, 2 / 2.5])
    np.testing.assert_array_equal(f1, [6 / 7.5, 4 / 5.5])
    np.testing.assert_array_equal(support, [4.0, 2.5])
    assert support.dtype == np.float64


def test_a_class_never_predicted_or_never_present_scores_0_without_a_warning() -> None:
    # pytest turns warnings into errors (filterwarnings = ["error"]), so a 0/0 warning would fail here.
    # Class 1 is present but never predicted, class 2 neither present nor predicted.
    precision, recall, f1, support = precision_recall_f1([0, 1, 1], [0, 0, 0], n_classes=3)
    # class 0: TP 1, predicted 3, true 1 -> P 1/3, R 1, F1 2 / 4
    np.testing.assert_array_equal(precision, [1 / 3, 0.0, 0.0])
    np.testing.assert_array_equal(recall, [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(f1, [0.5, 0.0, 0.0])
    np.testing.assert_array_equal(support, [1, 2, 0])
    # A class predicted but never present: precision 0 (TP 0 of 1), recall 0/0 -> 0.
    precision, recall, f1, support = precision_recall_f1([0, 0], [0, 1])
    np.testing.assert_array_equal(precision, [1.0, 0.0])
    np.testing.assert_array_equal(recall, [0.5, 0.0])
    np.testing.assert_array_equal(f1, [2 / 3, 0.0])
    # Weights of zero leave a class with nothing predicted: 0 again, no warning.
    precision, recall, f1, support = precision_recall_f1([0, 1], [0, 1], sample_weight=[1.0, 0.0])
    np.testing.assert_array_equal(precision, [1.0, 0.0])
    np.testing.assert_array_equal(support, [1.0, 0.0])


def test_precision_recall_f1_of_no_samples_is_all_zeros() -> None:
    scores = precision_recall_f1([], [], n_classes=2)
    for score in scores:
        np.testing.assert_array_equal(score, [0, 0])


@pytest.mark.parametrize(
    ("t", "p", "kwargs", "message"),
    [
        ([0, 1, 1], [0, 1], {}, r"y_true and y_pred must have as many samples; got 3 and 2"),
        ([[0, 1]], [[0, 1]], {}, r"y_true must have shape \(n_samples,\); got \(1, 2\)"),
        ([0, 1], [[0], [1]], {}, r"y_pred must have shape \(n_samples,\); got \(2, 1\)"),
        ([0, 3], [0, 1], {"n_classes": 3}, "a class index is 3, but n_classes=3"),
        ([0, 1], [0, 2], {"n_classes": 2}, "a class index is 2, but n_classes=2"),
        ([0, -1], [0, 1], {}, "y_true must hold class indices"),
        ([0, 1], [0.0, 1.0], {}, "y_pred must hold class indices"),
        ([0, 1], [0, 1], {"sample_weight": [1.0]}, r"sample_weight must have shape \(n_samples,\) = \(2,\); "
                                                   r"got \(1,\)"),
        ([0, 1], [0, 1], {"sample_weight": [[1.0, 1.0]]}, r"sample_weight must have shape.*got \(1, 2\)"),
    ],
)
def test_precision_recall_f1_refuses_bad_input(t: object, p: object, kwargs: dict[str, object],
                                               message: str) -> None:
    with pytest.raises(ValueError, match=message):
        precision_recall_f1(t, p, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("weighted", [False, True])
def test_precision_recall_f1_agrees_with_scikit_learn(seed: int, weighted: bool) -> None:
    rng = np.random.default_rng(seed)
    n_classes = int(rng.integers(2, 8))
    # y_true never holds the last class and y_pred never the last two: some classes are never predicted,
    # the last is not present either, so every zero_division case is met.
    t = rng.integers(0, n_classes - 1, 300)
    p = rng.integers(0, max(n_classes - 2, 1), 300)
    w = rng.uniform(0.1, 3.0, 300) if weighted else None
    ours = precision_recall_f1(t, p, n_classes=n_classes, sample_weight=w)
    theirs = sk.precision_recall_fscore_support(t, p, labels=range(n_classes), sample_weight=w,
                                                average=None, zero_division=0)
    # The same divisions of the same counts; weighted counts are float sums whose order of addition
    # differs (bincount here, a masked sum there), so agreement to a few ulps, not bit for bit.
    for mine, expected in zip(ours, theirs):
        assert mine.shape == (n_classes,)
        np.testing.assert_allclose(mine, expected, rtol=1e-12, atol=0)
    if not weighted:
        np.testing.assert_array_equal(ours[3], theirs[3])  # counts are exact


def test_precision_recall_f1_support_and_recall_follow_the_confusion_matrix() -> None:
    rng = np.random.default_rng(7)
    t, p = rng.integers(0, 5, 400), rng.integers(0, 5, 400)
    C = confusion_matrix(t, p, n_classes=5)
    precision, recall, _, support = precision_recall_f1(t, p, n_classes=5)
    np.testing.assert_array_equal(support, C.sum(axis=1))
    np.testing.assert_array_equal(recall, np.diag(C) / C.sum(axis=1))
    np.testing.assert_array_equal(precision, np.diag(C) / C.sum(axis=0))


# --------------------------------------------------------------- regression
def test_r2_and_rmse_exact_values() -> None:
    y = np.array([1.0, 2.0, 3.0, 4.0])
    assert r2_score(y, y) == 1.0 and rmse(y, y) == 0.0
    assert r2_score(y, np.full(4, 2.5)) == 0.0  # the mean scores 0
    assert r2_score(y, y + 1) == 1 - 4 / 5  # residual 4, total 5
    assert rmse(y, y + 2) == 2.0
    assert rmse([0.0, 0.0], [3.0, -4.0]) == np.sqrt(12.5)


def test_mean_absolute_error_exact_values() -> None:
    assert mean_absolute_error([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]) == 0.0
    # |0 - 3| + |0 - (-4)| + |1 - 2| = 3 + 4 + 1 = 8, over 4 samples (with a zero error) -> 2
    assert mean_absolute_error([0.0, 0.0, 1.0, 5.0], [3.0, -4.0, 2.0, 5.0]) == 2.0
    # weighted: (1*3 + 2*4 + 1*1 + 4*0) / (1 + 2 + 1 + 4) = 12 / 8
    assert mean_absolute_error([0.0, 0.0, 1.0, 5.0], [3.0, -4.0, 2.0, 5.0],
                               sample_weight=[1, 2, 1, 4]) == 1.5
    # two outputs: column MAEs (1 + 3) / 2 = 2 and (0 + 6) / 2 = 3, then their mean 2.5
    assert mean_absolute_error([[0.0, 0.0], [0.0, 0.0]], [[1.0, 0.0], [-3.0, 6.0]]) == 2.5
    # a column (n_samples, 1) is one output, the same as the flat vector
    assert mean_absolute_error([[1.0], [2.0]], [[2.0], [4.0]]) == mean_absolute_error([1.0, 2.0], [2.0, 4.0])


def test_mean_absolute_error_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match=r"must have one shape.*got \(2,\) and \(3,\)"):
        mean_absolute_error([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="must have one shape"):
        mean_absolute_error(np.zeros((3, 1)), np.zeros(3))
    with pytest.raises(ValueError, match="y_true is empty"):
        mean_absolute_error([], [])
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(n_samples,\) = \(2,\); got \(3,"):
        mean_absolute_error([1.0, 2.0], [1.0, 2.0], sample_weight=[1.0, 1.0, 1.0])


@pytest.mark.parametrize("seed", range(5))
def test_mean_absolute_error_agrees_with_scikit_learn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.1, 3.0, 200)
    y = rng.normal(3.0, 2.0, 200)
    pred = y + rng.normal(0.0, 0.7, 200)
    Y, P = rng.normal(size=(200, 3)), rng.normal(size=(200, 3))
    # Float sums that scikit-learn may add in another order (its input checks and averaging are its own):
    # agreement to a few ulps, not bit for bit.
    for t, p in ((y, pred), (Y, P)):
        assert mean_absolute_error(t, p) == pytest.approx(sk.mean_absolute_error(t, p), rel=1e-12)
        assert mean_absolute_error(t, p, sample_weight=w) == pytest.approx(
            sk.mean_absolute_error(t, p, sample_weight=w), rel=1e-12)


def test_a_constant_target_scores_1_when_hit_else_0() -> None:
    assert r2_score([3.0, 3.0], [3.0, 3.0]) == 1.0
    assert r2_score([3.0, 3.0], [3.0, 4.0]) == 0.0


def test_regression_scores_refuse_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="must have one shape"):
        r2_score([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="must have one shape"):
        rmse(np.zeros((3, 1)), np.zeros(3))


@pytest.mark.parametrize("seed", range(5))
def test_r2_and_rmse_agree_with_scikit_learn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.normal(3.0, 2.0, 200)
    pred = y + rng.normal(0.0, 0.7, 200)
    # Different orders of summation: agreement to a few ulps, not bit for bit.
    assert r2_score(y, pred) == pytest.approx(sk.r2_score(y, pred), rel=1e-12)
    assert rmse(y, pred) == pytest.approx(np.sqrt(sk.mean_squared_error(y, pred)), rel=1e-12)
    Y, P = rng.normal(size=(100, 3)), rng.normal(size=(100, 3))
    assert r2_score(Y, P) == pytest.approx(sk.r2_score(Y, P), rel=1e-12)
    assert rmse(Y, P) == pytest.approx(sk.root_mean_squared_error(Y, P), rel=1e-12)


# ----------------------------------------------------------------- n_correct
def test_n_correct_one_hot_compares_the_largest_output() -> None:
    Y = np.eye(3)[[0, 1, 2, 2]]
    P = np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8], [0.2, 0.2, 0.6], [0.4, 0.4, 0.2]])
    assert n_correct(Y, P, one_hot=True) == 2.0


def test_n_correct_otherwise_counts_each_output_at_half() -> None:
    Y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    P = np.array([[0.9, 0.2], [0.6, 0.7], [0.5, 0.51]])
    # Outputs right: 2, 1 and 1 (0.5 is "no") -> 4 of 6 -> 4 / 2 samples' worth.
    assert n_correct(Y, P, one_hot=False) == 2.0
    assert n_correct([[1.0], [0.0], [1.0]], [[0.7], [0.5], [0.2]], one_hot=False) == 2.0


def test_n_correct_over_n_samples_is_the_accuracy_of_one_output() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 400)
    P = rng.uniform(size=(400, 1))
    assert n_correct(y.reshape(-1, 1).astype(float), P, one_hot=False) / 400 == \
        accuracy(y, predicted_class(P))


def test_weighted_scores_agree_with_scikit_learn() -> None:
    rng = np.random.default_rng(3)
    w = rng.uniform(0.1, 3.0, 200)
    t, p = rng.integers(0, 3, 200), rng.integers(0, 3, 200)
    expected = sk.accuracy_score(t, p, sample_weight=w)
    assert accuracy(t, p, sample_weight=w) == pytest.approx(expected, rel=1e-12)
    T, P = rng.integers(0, 2, (200, 3)), rng.integers(0, 2, (200, 3))
    assert accuracy(T, P) == sk.accuracy_score(T, P)  # multilabel: every label right
    assert accuracy(T, P, sample_weight=w) == pytest.approx(sk.accuracy_score(T, P, sample_weight=w),
                                                            rel=1e-12)
    y, y_hat = rng.normal(size=(200, 2)), rng.normal(size=(200, 2))
    assert r2_score(y, y_hat, sample_weight=w) == pytest.approx(sk.r2_score(y, y_hat, sample_weight=w),
                                                                rel=1e-12)
