"""What went wrong in training, said after :meth:`~playwithnn.NeuralNetwork.fit` instead of failing silently.

Three diagnoses, computed once at the end of a fit, on the training data, in one
feedforward pass (whole-batch, vectorised; nothing during training):

=====================  ====================================================================
diagnosis              when it speaks up
=====================  ====================================================================
``flat_loss``          the training loss of the last :data:`FLAT_EPOCHS` epochs (or more)
                       stayed within :data:`FLAT_RTOL` of its largest value: the updates no
                       longer change it (a loss of exactly 0 is left alone).
``dead_units``         at least :data:`DEAD_SHARE` of a hidden layer's units output exactly 0
                       on every training sample (dead ReLUs): no gradient reaches their
                       incoming weights, so they never learn again. Any hidden activation,
                       counted per layer; one dead unit of sixteen is left alone.
``saturated_output``   for at least :data:`SATURATED_SHARE` of the training samples, an
                       output is saturated on the wrong side: the output activation's
                       derivative is below :data:`SATURATED_DERIVATIVE` (a sigmoid within
                       1e-4 of 0 or 1) while the prediction is more than
                       :data:`WRONG_BY` from its target. The gradient through ``f'(z)`` that
                       would correct it has vanished. Only for losses that take the output
                       (``sse``, ``mse``): the cross-entropies take the logits, and their
                       gradient ``p - y`` does not vanish.
=====================  ====================================================================

:func:`diagnose` returns them; ``fit`` issues each as a :class:`TrainingWarning`
and the command line's ``train`` prints each as a ``notice:`` line.

>>> import numpy as np
>>> from playwithnn import NeuralNetwork
>>> from playwithnn.datasets import tutorial
>>> X, y = tutorial()
>>> net = NeuralNetwork([3, 4, 1], activation="relu", seed=1)
>>> history = net.fit(X, y, epochs=1500, learning_rate=1.0, diagnose=False)
>>> [d.kind for d in diagnose(net, X, y, history)]
['flat_loss', 'dead_units']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ._arrays import device_of, float_errors_ignored, is_array, namespace, to_namespace

if TYPE_CHECKING:
    from .layers import Dense
    from .losses import Loss
    from .training import History

#: The fewest epochs over which a loss must stay flat to be called flat.
FLAT_EPOCHS = 100
#: How flat: the largest minus the smallest loss of those epochs, relative to the largest.
FLAT_RTOL = 1e-6
#: An output activation's derivative below this counts as saturated (σ'(z) < 1e-4: |z| > 9.2).
SATURATED_DERIVATIVE = 1e-4
#: A prediction this far from its target (or farther) is on the wrong side.
WRONG_BY = 0.5
#: The share of the training samples that must be saturated on the wrong side.
SATURATED_SHARE = 0.1
#: The share of a hidden layer's units that must be dead (1 of 4 is; 1 of 16, a common and
#: harmless loss of capacity, is not).
DEAD_SHARE = 0.25


class TrainingWarning(UserWarning):
    """Training ended, but something in it went wrong: see :mod:`playwithnn.diagnostics`."""


@dataclass(frozen=True)
class Diagnosis:
    """One thing that went wrong in training.

    Attributes
    ----------
    kind : {"flat_loss", "dead_units", "saturated_output"}
    message : str
        What, with the numbers, and what to try.
    """

    kind: str
    message: str


def diagnose(net: Any, X: Any, y: Any, history: History) -> list[Diagnosis]:
    """The diagnoses of a trained network, on its training data.

    Parameters
    ----------
    net : NeuralNetwork
        Anything with ``layers`` (each with ``W``, ``b``, ``activation``) and ``loss_function``.
    X : array of shape (n_samples, n_features)
    y : array of shape (n_samples, n_outputs)
        Checked arrays of the network's dtype (``fit`` passes its own), of any library: they are
        copied to where the network computes if they live elsewhere.
    history : History
        The fit's; its ``loss`` decides ``flat_loss``.

    Returns
    -------
    list of Diagnosis
        In the order of the table above; empty when nothing went wrong.
    """
    found: list[Diagnosis] = []
    losses = history.loss
    if len(losses) >= FLAT_EPOCHS:
        window = np.asarray(losses[-FLAT_EPOCHS:])
        top = float(np.max(np.abs(window)))
        if top > 0 and float(window.max() - window.min()) <= FLAT_RTOL * top:
            found.append(Diagnosis("flat_loss", (
                f"the training loss stayed at {losses[-1]:.6g} for the last {FLAT_EPOCHS} epochs (it moved "
                f"by less than {FLAT_RTOL:g} of itself): the updates no longer change it. If that is as low "
                "as it goes, fewer epochs (or early stopping) would do; if it is high, training is stuck: "
                "look for dead or saturated units, or a learning rate too small or too large.")))
    layers: list[Dense] = net.layers
    xp, device = namespace(layers[0].W), device_of(layers[0].W)
    # X may also be a SciPy sparse matrix, on NumPy: it stays as it is
    X, y = (to_namespace(a, xp, device) if is_array(a) else a for a in (X, y))
    with float_errors_ignored():
        found += _units(layers, X, y, net.loss_function, xp)
    return found


def _units(layers: list[Dense], X: Any, y: Any, loss: Loss, xp: Any) -> list[Diagnosis]:
    """``dead_units`` and ``saturated_output``, from one feedforward pass over ``X``."""
    found: list[Diagnosis] = []
    A: Any = X
    Z: Any = None
    for i, layer in enumerate(layers, start=1):
        Z = A @ layer.W
        if layer.b is not None:
            Z = Z + layer.b
        A = layer.activation.forward(Z, xp)
        if i < len(layers):
            dead = int(xp.sum(xp.astype(xp.all(A == 0, axis=0), xp.int64)))
            if dead and dead >= DEAD_SHARE * layer.n_out:
                found.append(Diagnosis("dead_units", (
                    f"{dead} of {layer.n_out} units of hidden layer {i} ({layer.activation.name}) output 0 "
                    "on every training sample (dead units): no gradient reaches their weights, so they never "
                    "learn again. Try a smaller learning rate, leaky_relu, or init='he'.")))
    out = layers[-1].activation
    if not loss.from_logits and out.derivative is not None:
        slope = out.derivative_of(A if out.takes == "a" else Z, xp)
        stuck = (slope < SATURATED_DERIVATIVE) & (xp.abs(A - y) >= WRONG_BY)
        share = float(xp.mean(xp.astype(xp.any(stuck, axis=1), xp.float64)))
        if share >= SATURATED_SHARE:
            found.append(Diagnosis("saturated_output", (
                f"the output is saturated on the wrong side for {share:.0%} of the training samples: "
                f"{out.name}'s derivative there is below {SATURATED_DERIVATIVE:g} while the prediction is "
                f"{WRONG_BY:g} or more from its target, so the gradient that would correct it has vanished. "
                "Try a smaller learning rate, or a cross-entropy loss (its gradient does not vanish).")))
    return found


__all__ = ["FLAT_EPOCHS", "FLAT_RTOL", "SATURATED_DERIVATIVE", "SATURATED_SHARE", "WRONG_BY", "Diagnosis",
           "TrainingWarning", "diagnose"]
