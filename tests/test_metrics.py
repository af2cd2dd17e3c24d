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
    n_correct,
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


# --------------------------------------------------------------- regression
def test_r2_and_rmse_exact_values() -> None:
    y = np.array([1.0, 2.0, 3.0, 4.0])
    assert r2_score(y, y) == 1.0 and rmse(y, y) == 0.0
    assert r2_score(y, np.full(4, 2.5)) == 0.0  # the mean scores 0
    assert r2_score(y, y + 1) == 1 - 4 / 5  # residual 4, total 5
    assert rmse(y, y + 2) == 2.0
    assert rmse([0.0, 0.0], [3.0, -4.0]) == np.sqrt(12.5)


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
