"""Optimizers against their update formulas, written out here step by step.

The formulas are PyTorch's (``torch.optim.SGD`` with ``dampening=0`` and ``Adam``),
which are also checked directly against PyTorch in float64.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from playwithnn import Adam, GradientDescent, NeuralNetwork, Optimizer
from playwithnn.optimizers import get_optimizer

N_STEPS = 7


def gradient_sequence(shape: tuple[int, ...], seed: int = 0) -> list[np.ndarray]:
    """Gradients that change sign and size from step to step."""
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) * (1 + t) for t in range(N_STEPS)]


W0 = np.array([[0.5, -1.5, 2.0], [0.25, 3.0, -0.75]])


def run(opt: Optimizer, grads: list[np.ndarray]) -> list[np.ndarray]:
    w = W0.copy()
    trajectory = []
    for g in grads:
        opt.step([w], [g])
        trajectory.append(w.copy())
    return trajectory


# ----------------------------------------------------------------- formulas
def test_gradient_descent_formula() -> None:
    grads = gradient_sequence(W0.shape)
    lr = 0.3
    w = W0.copy()
    for got, g in zip(run(GradientDescent(lr), grads), grads):
        w = w - lr * g
        assert np.array_equal(got, w)  # one multiply and one subtract: exact


def test_momentum_formula() -> None:
    grads = gradient_sequence(W0.shape, seed=1)
    lr, mu = 0.1, 0.9
    w, v = W0.copy(), None
    for got, g in zip(run(GradientDescent(lr, momentum=mu), grads), grads):
        v = g.copy() if v is None else mu * v + g  # v_1 = g_1
        w = w - lr * v
        np.testing.assert_allclose(got, w, rtol=1e-12, atol=1e-12)


def test_nesterov_formula() -> None:
    grads = gradient_sequence(W0.shape, seed=2)
    lr, mu = 0.05, 0.8
    w, v = W0.copy(), None
    for got, g in zip(run(GradientDescent(lr, momentum=mu, nesterov=True), grads), grads):
        v = g.copy() if v is None else mu * v + g
        w = w - lr * (g + mu * v)
        np.testing.assert_allclose(got, w, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("lr", "beta1", "beta2", "eps"),
                         [(1e-3, 0.9, 0.999, 1e-8), (0.05, 0.5, 0.9, 1e-3), (0.2, 0.99, 0.9999, 1e-6)])
def test_adam_formula_with_bias_correction(lr: float, beta1: float, beta2: float, eps: float) -> None:
    grads = gradient_sequence(W0.shape, seed=3)
    w = W0.copy()
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for t, (got, g) in enumerate(zip(run(Adam(lr, beta1, beta2, eps), grads), grads), start=1):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
        # The code folds the corrections into the rate and epsilon: equal to rounding.
        np.testing.assert_allclose(got, w, rtol=1e-12, atol=1e-12)


def test_adam_first_step_is_lr_times_sign() -> None:
    """With bias correction, Adam's first step is about ``lr * sign(g)`` whatever |g| is."""
    g = np.array([1e-3, -5.0, 200.0])
    w = np.zeros(3)
    Adam(0.01, epsilon=1e-12).step([w], [g])
    np.testing.assert_allclose(w, -0.01 * np.sign(g), rtol=1e-8)


def test_optimizers_match_pytorch() -> None:
    import torch  # the test extra's gradient oracle; imported here as it takes seconds
    grads = gradient_sequence(W0.shape, seed=4)
    cases: list[tuple[Optimizer, Any, dict[str, Any]]] = [
        (GradientDescent(0.1), torch.optim.SGD, {"lr": 0.1}),
        (GradientDescent(0.1, momentum=0.9), torch.optim.SGD, {"lr": 0.1, "momentum": 0.9}),
        (GradientDescent(0.1, momentum=0.9, nesterov=True), torch.optim.SGD,
         {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
        (Adam(0.01), torch.optim.Adam, {"lr": 0.01}),
        (Adam(0.1, 0.8, 0.99, 1e-4), torch.optim.Adam, {"lr": 0.1, "betas": (0.8, 0.99), "eps": 1e-4}),
    ]
    for ours, torch_class, options in cases:
        p = torch.tensor(W0.copy(), dtype=torch.float64, requires_grad=True)
        torch_opt = torch_class([p], **options)
        for got, g in zip(run(ours, grads), grads):
            p.grad = torch.tensor(g, dtype=torch.float64)
            torch_opt.step()
            np.testing.assert_allclose(got, p.detach().numpy(), rtol=1e-12, atol=1e-12)


# -------------------------------------------------------------------- state
@pytest.mark.parametrize("make", [lambda: GradientDescent(0.1, momentum=0.9),
                                  lambda: GradientDescent(0.1, momentum=0.5, nesterov=True),
                                  lambda: Adam(0.05)], ids=["momentum", "nesterov", "adam"])
def test_state_is_per_parameter(make: Any) -> None:
    """One optimizer over two arrays equals one optimizer per array."""
    ga = gradient_sequence((2, 3), seed=5)
    gb = gradient_sequence((3,), seed=6)
    a, b = W0.copy(), np.array([1.0, -2.0, 0.5])
    a_alone, b_alone = a.copy(), b.copy()
    shared, opt_a, opt_b = make(), make(), make()
    for g1, g2 in zip(ga, gb):
        shared.step([a, b], [g1, g2])
        opt_a.step([a_alone], [g1])
        opt_b.step([b_alone], [g2])
    assert np.array_equal(a, a_alone)
    assert np.array_equal(b, b_alone)
    assert len(shared.state) == 2


def test_adam_step_count_is_per_parameter() -> None:
    """A parameter first updated late gets the bias correction of its own first step."""
    g = np.array([0.5, -0.5])
    early, late = np.zeros(2), np.zeros(2)
    opt = Adam(0.1)
    for _ in range(5):
        opt.step([early], [g])
    opt.step([early, late], [g, g])
    fresh = np.zeros(2)
    Adam(0.1).step([fresh], [g])
    assert np.array_equal(late, fresh)


def test_state_follows_the_place_of_the_array_and_survives_a_pickle() -> None:
    """State is kept per place in the list step() receives: a copy of the array (as a pickle
    or a copy of the network makes) keeps its velocity; another shape starts afresh; reset()
    forgets everything."""
    import pickle

    g = np.array([1.0, 1.0])
    opt = GradientDescent(1.0, momentum=0.5)
    w = np.zeros(2)
    opt.step([w], [g])
    opt.step([w], [g])  # v = 0.5 * 1 + 1 = 1.5
    np.testing.assert_array_equal(w, [-2.5, -2.5])
    twin, twin_w = pickle.loads(pickle.dumps((opt, w)))
    twin.step([twin_w], [g])  # v = 0.5 * 1.5 + 1 = 1.75
    np.testing.assert_array_equal(twin_w, [-4.25, -4.25])
    wider = np.zeros(3)
    opt.step([wider], [np.ones(3)])  # another shape: fresh state, v = g
    np.testing.assert_array_equal(wider, [-1.0, -1.0, -1.0])
    opt.reset()
    assert opt.state == {}
    opt.step([w], [g])
    np.testing.assert_array_equal(w, [-3.5, -3.5])


def test_base_class_needs_update() -> None:
    with pytest.raises(NotImplementedError):
        Optimizer(0.1).step([np.zeros(1)], [np.ones(1)])


def test_a_subclass_fills_in_update() -> None:
    class SignDescent(Optimizer):
        def update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> None:
            param -= self.learning_rate * np.sign(grad)

    w = np.array([1.0, 1.0])
    SignDescent(0.25).step([w], [np.array([3.0, -0.1])])
    np.testing.assert_array_equal(w, [0.75, 1.25])


# ------------------------------------------------------------- a quadratic
A = np.array([[3.0, 1.0], [1.0, 2.0], [0.0, 1.0]])
B = np.array([1.0, -2.0, 0.5])
W_STAR = np.linalg.lstsq(A, B, rcond=None)[0]


def quadratic(w: np.ndarray) -> float:
    """``f(w) = 0.5 ||A w - b||^2``; its gradient is ``A^T (A w - b)``."""
    r = A @ w - B
    return 0.5 * float(r @ r)


F_STAR = quadratic(W_STAR)
QUADRATIC_OPTIMIZERS = [
    pytest.param(lambda: GradientDescent(0.05), 500, id="gd"),
    pytest.param(lambda: get_optimizer("sgd", 0.05), 500, id="sgd-by-name"),
    pytest.param(lambda: GradientDescent(0.02, momentum=0.9), 500, id="momentum"),
    pytest.param(lambda: GradientDescent(0.02, momentum=0.9, nesterov=True), 500, id="nesterov"),
    pytest.param(lambda: Adam(0.05), 2000, id="adam"),
    pytest.param(lambda: get_optimizer("adam", 0.05), 2000, id="adam-by-name"),
]


@pytest.mark.parametrize(("make", "steps"), QUADRATIC_OPTIMIZERS)
def test_every_optimizer_lowers_a_quadratic(make: Any, steps: int) -> None:
    w = np.array([4.0, -3.0])
    start = quadratic(w)
    values = [start]
    opt = make()
    for _ in range(steps):
        opt.step([w], [A.T @ (A @ w - B)])
        values.append(quadratic(w))
    assert values[-1] < values[0]
    # Near the minimum: the excess over f* shrinks by a factor of a million or more.
    assert values[-1] - F_STAR < 1e-6 * (start - F_STAR)
    np.testing.assert_allclose(w, W_STAR, atol=1e-3)


def test_gradient_descent_lowers_the_quadratic_at_every_step() -> None:
    """Below 2 / L (L the largest eigenvalue of A^T A), every step lowers f."""
    L = np.linalg.eigvalsh(A.T @ A).max()
    w = np.array([4.0, -3.0])
    opt = GradientDescent(1.9 / L)
    previous = quadratic(w)
    for _ in range(100):
        opt.step([w], [A.T @ (A @ w - B)])
        current = quadratic(w)
        assert current < previous or current - F_STAR < 1e-15
        previous = current


# ------------------------------------------------------- through the network
X_NET = np.random.default_rng(8).normal(size=(10, 3))
Y_NET = np.random.default_rng(9).normal(size=(10, 2))


@pytest.mark.parametrize(("fit_kwargs", "make"), [
    ({"optimizer": "gd", "learning_rate": 0.1}, lambda: GradientDescent(0.1)),
    ({"optimizer": "sgd", "learning_rate": 0.1, "momentum": 0.9}, lambda: GradientDescent(0.1, 0.9)),
    ({"optimizer": "gd", "learning_rate": 0.1, "momentum": 0.9, "nesterov": True},
     lambda: GradientDescent(0.1, 0.9, nesterov=True)),
    ({"optimizer": "adam", "learning_rate": 0.01}, lambda: Adam(0.01)),
], ids=["gd", "momentum", "nesterov", "adam"])
def test_fit_by_name_equals_object_and_the_manual_loop(fit_kwargs: dict[str, Any], make: Any) -> None:
    by_name = NeuralNetwork([3, 5, 2], activation="tanh", loss="mse", seed=0)
    by_object = NeuralNetwork([3, 5, 2], activation="tanh", loss="mse", seed=0)
    manual = NeuralNetwork([3, 5, 2], activation="tanh", loss="mse", seed=0)
    by_name.fit(X_NET, Y_NET, epochs=6, **fit_kwargs)
    by_object.fit(X_NET, Y_NET, epochs=6, optimizer=make())
    opt = make()
    for _ in range(6):
        opt.step(manual.parameters(), list(manual.gradients(X_NET, Y_NET).values()))
    for p, q, r in zip(by_name.parameters(), by_object.parameters(), manual.parameters()):
        assert np.array_equal(p, q)
        # The network may update all parameters as one array: same numbers to rounding.
        np.testing.assert_allclose(p, r, rtol=1e-12, atol=1e-14)


def test_an_optimizer_object_keeps_its_state_across_fits() -> None:
    """Two fits of 3 epochs with one Adam object equal one fit of 6 epochs."""
    once = NeuralNetwork([3, 5, 2], loss="mse", seed=0)
    twice = NeuralNetwork([3, 5, 2], loss="mse", seed=0)
    once.fit(X_NET, Y_NET, epochs=6, optimizer=Adam(0.01))
    opt = Adam(0.01)
    twice.fit(X_NET, Y_NET, epochs=3, optimizer=opt)
    twice.fit(X_NET, Y_NET, epochs=3, optimizer=opt)
    for p, q in zip(once.parameters(), twice.parameters()):
        assert np.array_equal(p, q)


def test_default_learning_rates() -> None:
    assert get_optimizer("gd").learning_rate == 1.0
    assert get_optimizer("sgd").learning_rate == 1.0
    assert get_optimizer("adam").learning_rate == 0.001
    adam = Adam()
    assert (adam.beta1, adam.beta2, adam.epsilon) == (0.9, 0.999, 1e-8)
    gd = GradientDescent()
    assert (gd.momentum, gd.nesterov) == (0.0, False)
    same = Adam(0.5)
    assert get_optimizer(same) is same


# ------------------------------------------------------ bad hyper-parameters
BAD_HYPERPARAMETERS: list[tuple[str, Any, type[Exception], str]] = [
    ("gd-lr-zero", lambda: GradientDescent(0.0), ValueError, r"learning_rate must be a positive"),
    ("gd-lr-negative", lambda: GradientDescent(-1.0), ValueError, r"learning_rate must be a positive"),
    ("gd-lr-nan", lambda: GradientDescent(float("nan")), ValueError, r"learning_rate.*finite"),
    ("gd-lr-inf", lambda: GradientDescent(float("inf")), ValueError, r"learning_rate.*finite"),
    ("gd-lr-string", lambda: GradientDescent("0.1"), TypeError, r"learning_rate must be a positive"),  # type: ignore[arg-type]
    ("gd-lr-bool", lambda: GradientDescent(True), TypeError, r"learning_rate must be a positive"),
    ("momentum-negative", lambda: GradientDescent(0.1, momentum=-0.5), ValueError,
     r"momentum must be in \[0, 1\)"),
    ("momentum-one", lambda: GradientDescent(0.1, momentum=1.0), ValueError, r"momentum must be in \[0, 1\)"),
    ("momentum-string", lambda: GradientDescent(0.1, momentum="0.9"), TypeError, r"momentum must be"),  # type: ignore[arg-type]
    ("nesterov-no-momentum", lambda: GradientDescent(0.1, nesterov=True), ValueError,
     r"nesterov=True needs momentum > 0"),
    ("adam-lr-zero", lambda: Adam(0.0), ValueError, r"learning_rate must be a positive"),
    ("adam-beta1-zero", lambda: Adam(beta1=0.0), ValueError, r"beta1 must be in \(0, 1\)"),
    ("adam-beta1-one", lambda: Adam(beta1=1.0), ValueError, r"beta1 must be in \(0, 1\)"),
    ("adam-beta1-negative", lambda: Adam(beta1=-0.9), ValueError, r"beta1 must be in \(0, 1\)"),
    ("adam-beta2-one", lambda: Adam(beta2=1.0), ValueError, r"beta2 must be in \(0, 1\)"),
    ("adam-beta2-large", lambda: Adam(beta2=1.5), ValueError, r"beta2 must be in \(0, 1\)"),
    ("adam-beta2-string", lambda: Adam(beta2="0.999"), TypeError, r"beta2 must be"),  # type: ignore[arg-type]
    ("adam-epsilon-zero", lambda: Adam(epsilon=0.0), ValueError, r"epsilon must be a positive"),
    ("adam-epsilon-negative", lambda: Adam(epsilon=-1e-8), ValueError, r"epsilon must be a positive"),
    ("adam-epsilon-nan", lambda: Adam(epsilon=float("nan")), ValueError, r"epsilon must be a positive"),
    ("name-unknown", lambda: get_optimizer("rmsprop"), ValueError,
     r"unknown optimizer 'rmsprop'; expected one of 'gd', 'sgd', 'adam'"),
    ("name-wrong-case", lambda: get_optimizer("Adam"), ValueError, r"unknown optimizer 'Adam'"),
    ("name-number", lambda: get_optimizer(1), TypeError, r"optimizer must be a string"),  # type: ignore[arg-type]
    ("option-unknown", lambda: get_optimizer("adam", 0.1, momentum=0.9), TypeError, r"momentum"),
]


@pytest.mark.parametrize(("make", "error", "match"), [c[1:] for c in BAD_HYPERPARAMETERS],
                         ids=[c[0] for c in BAD_HYPERPARAMETERS])
def test_bad_hyperparameters(make: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        make()


def test_repr_names_the_hyperparameters() -> None:
    assert repr(GradientDescent(0.5, momentum=0.9)) == (
        "GradientDescent(learning_rate=0.5, momentum=0.9, nesterov=False)")
    assert repr(Adam(0.01)) == "Adam(learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-08)"
