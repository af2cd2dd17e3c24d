"""Figures: what they draw, and that saving one never leaves a half file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.image import imread

from playwithnn import NeuralNetwork
from playwithnn.datasets import make_dataset, tutorial
from playwithnn.plotting import (
    figure_formats,
    plot_decision_boundary,
    plot_history,
    plot_tutorial,
    save_figure,
)
from playwithnn.training import History

from conftest import Library

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_import_needs_no_display() -> None:
    # Importing the module and drawing must not import pyplot (which picks a GUI backend).
    code = ("import sys; import playwithnn.plotting as p; "
            "p.plot_tutorial({'a': ([1.0, 0.5], [0.1, 0.9])}, [0, 1]); "
            "assert 'matplotlib.pyplot' not in sys.modules")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_plot_tutorial_single_run() -> None:
    _, y = tutorial()
    loss = [1.0, 0.5, 0.25, 0.125]
    predictions = np.array([[0.1], [0.8], [0.9], [0.2]])
    fig = plot_tutorial({"4 iterations": (loss, predictions)}, y)
    assert isinstance(fig, Figure)
    ax_loss, ax_pred = fig.axes
    assert ax_loss.get_title() == "Loss per iteration"
    assert ax_loss.get_yscale() == "log" and ax_loss.get_xscale() == "linear"
    (line,) = ax_loss.get_lines()
    np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(line.get_ydata(), loss)
    assert [p.get_height() for p in ax_pred.patches] == pytest.approx([0.1, 0.8, 0.9, 0.2])
    # The targets are drawn as one line segment per sample at their height.
    (targets,) = ax_pred.collections
    assert [seg[0][1] for seg in targets.get_segments()] == [0, 1, 1, 0]
    assert [t.get_text() for t in ax_pred.get_legend().get_texts()] == [
        "actual", "predicted, 4 iterations"]


def test_plot_tutorial_compare_mode() -> None:
    y = np.array([0, 1, 1, 0])
    fig = plot_tutorial({"2": ([1.0, 0.5], [0.4, 0.6, 0.6, 0.4]),
                         "5": ([1.0, 0.5, 0.2, 0.1, 0.05], [0.1, 0.9, 0.9, 0.1])}, y)
    ax_loss, ax_pred = fig.axes
    assert ax_loss.get_xscale() == "log"  # a short run stays visible beside a long one
    curves = [ln for ln in ax_loss.get_lines() if ln.get_label() in ("2", "5")]
    assert [len(ln.get_xdata()) for ln in curves] == [2, 5]
    assert len(ax_pred.patches) == 8
    heights = [p.get_height() for p in ax_pred.patches]
    assert heights == pytest.approx([0.4, 0.6, 0.6, 0.4, 0.1, 0.9, 0.9, 0.1])


def test_plot_tutorial_linear_scale_for_zero_loss() -> None:
    fig = plot_tutorial({"a": ([1.0, 0.0], [0.0, 1.0])}, [0, 1])
    assert fig.axes[0].get_yscale() == "linear"  # log of 0 is undefined


@pytest.mark.parametrize(
    ("runs", "targets", "message"),
    [
        ({}, [0, 1], "non-empty mapping"),
        ({"a": ([1.0], [0.0, 1.0, 1.0])}, [0, 1], "3 values but targets has 2"),
        ({"a": ([], [0.0, 1.0])}, [0, 1], "loss of 'a' is empty"),
        ({"a": ([1.0], [[0.0, 1.0], [1.0, 0.0]])}, [0, 1], r"shape \(n_samples,\)"),
    ],
)
def test_plot_tutorial_rejects_bad_input(runs: dict[str, object], targets: list[int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plot_tutorial(runs, targets)  # type: ignore[arg-type]


def test_plot_history_learning_curves() -> None:
    history = History(loss=[0.9, 0.6, 0.5], val_loss=[1.0, 0.7, 0.8], accuracy=[0.5, 0.7, 0.8],
                      val_accuracy=[0.4, 0.6, 0.6], best_epoch=2)
    fig = plot_history(history, title="run")
    ax_loss, ax_acc = fig.axes
    labels = [ln.get_label() for ln in ax_loss.get_lines()]
    assert labels == ["training", "validation", "best epoch"]
    np.testing.assert_array_equal(ax_loss.get_lines()[1].get_ydata(), [1.0, 0.7, 0.8])
    assert ax_loss.get_lines()[2].get_xdata()[0] == 2
    np.testing.assert_array_equal(ax_acc.get_lines()[0].get_ydata(), [0.5, 0.7, 0.8])
    assert fig.get_suptitle() == "run"


def test_plot_history_without_accuracy_has_one_panel() -> None:
    fig = plot_history(History(loss=[2.0, 1.0]))
    assert [ax.get_title() for ax in fig.axes] == ["Loss"]
    with pytest.raises(ValueError, match="no epochs"):
        plot_history(History())


def test_plot_history_into_given_axes() -> None:
    fig = Figure()
    ax1, ax2, ax3 = fig.subplots(1, 3)
    history = History(loss=[1.0, 0.5], accuracy=[0.5, 1.0])
    assert plot_history(history, axes=[ax1, ax2]) is fig
    assert (ax1.get_title(), ax2.get_title(), ax3.get_title()) == ("Loss", "Accuracy", "")
    with pytest.raises(ValueError, match="axes must hold 2 axes"):
        plot_history(history, axes=[ax3])


def trained(name: str, loss: str, n_out: int, seed: int = 0) -> tuple[NeuralNetwork, np.ndarray, np.ndarray]:
    X, y = make_dataset(name, n_samples=60, noise=0.05, seed=seed)
    net = NeuralNetwork([2, 8, n_out], activation="tanh", loss=loss, seed=seed)
    target = np.eye(n_out)[y] if n_out > 1 else y
    net.fit(X, target, epochs=30, optimizer="adam", learning_rate=0.05)
    return net, X, y


def test_decision_boundary_binary() -> None:
    net, X, y = trained("gaussians", "binary_crossentropy", 1)
    fig = plot_decision_boundary(net, X, y, class_names=["no", "yes"], feature_names=("a", "b"),
                                 resolution=30)
    (ax,) = fig.axes
    assert ax.get_title() == "Decision boundary"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("a", "b")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["no", "yes"]
    # The grid covers the data with a margin.
    x_low, x_high = ax.get_xlim()
    assert x_low < X[:, 0].min() and x_high > X[:, 0].max()


def test_decision_boundary_of_arrays_of_any_library(library: Library) -> None:
    net, X, y = trained("gaussians", "binary_crossentropy", 1)
    expected = plot_decision_boundary(net, X, y, resolution=20)
    net.to(library.device)  # a network that computes there, drawn from data that lives there
    fig = plot_decision_boundary(net, library.asarray(X), library.asarray(y), resolution=20)
    (ax,), (ax0,) = fig.axes, expected.axes
    assert ax.get_xlim() == ax0.get_xlim() and ax.get_ylim() == ax0.get_ylim()
    np.testing.assert_array_equal(ax.collections[-1].get_offsets(), ax0.collections[-1].get_offsets())


def test_decision_boundary_multiclass_with_transform() -> None:
    net, X, y = trained("spiral", "categorical_crossentropy", 2)
    seen: list[tuple[int, int]] = []

    def transform(points: np.ndarray) -> np.ndarray:
        seen.append(points.shape)
        return points

    fig = plot_decision_boundary(net, X, np.eye(2)[y], transform=transform, resolution=25)
    assert seen == [(625, 2)]  # the whole grid, in one call
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["class 0", "class 1"]


def test_decision_boundary_regression_surface() -> None:
    X, _ = make_dataset("xor", n_samples=40, seed=1)
    target = X[:, 0] + X[:, 1]
    net = NeuralNetwork([2, 1], loss="mse", seed=0)
    net.fit(X, target, epochs=200, learning_rate=0.5)
    fig = plot_decision_boundary(net, X, target, resolution=20)
    assert fig.axes[0].get_title() == "Predictions"
    assert len(fig.axes) == 2  # the plot and its colour bar


@pytest.mark.parametrize(
    ("X", "y", "kwargs", "message"),
    [
        (np.zeros((5, 3)), np.zeros(5), {}, r"shape \(n_samples, 2\)"),
        (np.zeros((5, 2)), np.zeros(4), {}, "X has 5 samples but y has 4"),
        (np.zeros((5, 2)), np.zeros(5), {"resolution": 1}, "resolution"),
    ],
)
def test_decision_boundary_rejects_bad_input(X: np.ndarray, y: np.ndarray, kwargs: dict[str, int],
                                             message: str) -> None:
    net = NeuralNetwork([2, 1], loss="binary_crossentropy", seed=0)
    with pytest.raises(ValueError, match=message):
        plot_decision_boundary(net, X, y, **kwargs)


def small_figure() -> Figure:
    return plot_tutorial({"a": ([1.0, 0.5], [0.2, 0.8])}, [0, 1])


def test_save_figure_png_and_svg(tmp_path: Path) -> None:
    path = save_figure(small_figure(), tmp_path / "a.png")
    assert path == tmp_path / "a.png"
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    image = imread(path)
    assert image.shape[:2] == (420, 1100)  # figsize (11, 4.2) at 100 dpi
    save_figure(small_figure(), str(tmp_path / "a.svg"))
    assert "<svg" in (tmp_path / "a.svg").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "a.svg"]
    assert {"png", "svg", "pdf"} <= set(figure_formats())


def test_save_figure_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "a.png"
    target.write_bytes(b"old")
    save_figure(small_figure(), target)
    assert target.read_bytes()[:8] == PNG_SIGNATURE


def test_save_figure_failure_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "a.png"
    target.write_bytes(b"the good figure")
    fig = small_figure()

    def broken_savefig(fh: object, **kwargs: object) -> None:
        fh.write(b"\x89PNG half")  # type: ignore[attr-defined]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fig, "savefig", broken_savefig)
    with pytest.raises(OSError, match="No space left"):
        save_figure(fig, target)
    assert target.read_bytes() == b"the good figure"
    assert [p.name for p in tmp_path.iterdir()] == ["a.png"]  # the temporary file is gone


def test_save_figure_bad_paths(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"cannot tell the figure format of .*a\.nope"):
        save_figure(small_figure(), tmp_path / "a.nope")
    with pytest.raises(FileNotFoundError):
        save_figure(small_figure(), tmp_path / "missing" / "a.png")
    assert list(tmp_path.iterdir()) == []
