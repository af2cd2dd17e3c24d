"""The playground in a real browser: Playwright for Python driving Debian's Chromium.

These tests need ``pip install playwright==1.65.2`` and ``apt-get install chromium``
(``/usr/bin/chromium``; nothing is downloaded). Without either they fail, with a
message saying what to install: they are never skipped.

Each test starts a :class:`PlaygroundServer` on an ephemeral loopback port in a
thread, loads the page and works it as a person would: clicks, file choosers,
links. ``test_screenshot_of_xor_after_200_epochs`` takes the picture the README
shows; with ``PLAYWITHNN_SCREENSHOT=docs/playground.png`` set, it writes it there
(``PLAYWITHNN_BACKWARD_SCREENSHOT=docs/backward-step.png`` likewise for the walk's
backward step).

``test_the_walk_shows_the_librarys_numbers_for_xor_2_4_2_1`` walks one training
iteration of the 2-4-2-1 network on XOR and checks every number the page shows, in
its text and in its tooltips, against the library's for the same state, to 4
significant digits (half a unit of the 4th).
"""

from __future__ import annotations

import copy
import io
import math
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playground_client import playground_threads

import playwithnn
from playwithnn.model import Model
from playwithnn.optimizers import get_optimizer
from playwithnn.playground.server import PlaygroundServer

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "playground.png"
VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the browser tests need Playwright for Python: pip install playwright==1.65.2 "
                    "(and no 'playwright install': they drive Debian's Chromium)", pytrace=False)
    if not CHROMIUM.is_file():
        pytest.fail(f"the browser tests need Chromium at {CHROMIUM}: apt-get install -y chromium",
                    pytrace=False)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def server() -> Iterator[PlaygroundServer]:
    srv = PlaygroundServer("127.0.0.1", 0)
    srv.start()
    yield srv
    srv.close()
    assert playground_threads() == []


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORT)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    tab.on("console", lambda message: problems.append(message.text)
           if message.type == "error" and "Content Security Policy" in message.text else None)
    yield tab
    context.close()
    assert problems == []  # no script error, nothing refused by the page's own security policy


def wait_until(tab: Any, expression: str, timeout: float = 30.0) -> Any:
    """Evaluate ``expression`` in the page until it is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = tab.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for: {expression}")
        time.sleep(0.05)


def wait_for(condition: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("condition not reached in time")
        time.sleep(0.05)


def open_page(tab: Any, url: str) -> None:
    tab.goto(url)
    wait_until(tab, "window.playground && window.playground.updates > 0")


DRAWN = "window.playground.state && window.playground.drawn === window.playground.state.version"
TEST_LOSS = "parseFloat(document.getElementById('test-loss').textContent)"


def heatmap_sample(tab: Any) -> list[int]:
    """Every 53rd pixel of the decision-boundary canvas, as R, G, B."""
    return list(tab.evaluate("""() => {
        const c = document.getElementById("heatmap");
        const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        const out = [];
        for (let i = 0; i < d.length; i += 4 * 53) out.push(d[i], d[i + 1], d[i + 2]);
        return out;
    }"""))


def mean_colour(tab: Any, x: int, y: int) -> tuple[float, float, float]:
    """The mean R, G, B of the 15 by 15 pixels of the heatmap around (x, y)."""
    rgb = tab.evaluate(f"""() => {{
        const ctx = document.getElementById("heatmap").getContext("2d");
        const d = ctx.getImageData({x - 7}, {y - 7}, 15, 15).data;
        let r = 0, g = 0, b = 0;
        for (let i = 0; i < d.length; i += 4) {{ r += d[i]; g += d[i + 1]; b += d[i + 2]; }}
        return [r / 225, g / 225, b / 225];
    }}""")
    return rgb[0], rgb[1], rgb[2]


def test_xor_trains_until_the_test_loss_is_below_a_tenth(server: PlaygroundServer, page: Any,
                                                           record_property: Any) -> None:
    open_page(page, server.url)
    page.click('button[data-dataset="xor"]')
    wait_until(page, f"window.playground.data.note.startsWith('xor') && {DRAWN}")
    assert page.get_attribute('button[data-dataset="xor"]', "aria-pressed") == "true"
    assert page.inner_text("#epoch") == "000,000"
    before = heatmap_sample(page)

    page.click("#play")
    wait_until(page, "window.playground.playing")
    assert page.get_attribute("#play", "aria-label") == "Pause"
    wait_until(page, f"window.playground.state.epoch > 0 && {TEST_LOSS} < 0.1")

    # How many new states the page draws a second, the default network playing.
    start_updates, start = page.evaluate("window.playground.updates"), time.monotonic()
    time.sleep(2.0)
    rate = (page.evaluate("window.playground.updates") - start_updates) / (time.monotonic() - start)
    record_property("page_updates_per_second", round(rate, 1))
    print(f"\nthe page drew {rate:.1f} updates/s while training the default network on xor")

    page.click("#play")
    wait_until(page, f"!window.playground.state.playing && {DRAWN}")
    # Paused means paused: once the training thread waits for "play", no epoch can start.
    [session] = server.sessions._sessions.values()
    assert session._waiting.wait(10)
    assert page.evaluate("window.playground.state.epoch") == session.epoch
    after = heatmap_sample(page)
    changed = sum(a != b for a, b in zip(before, after)) / len(before)
    assert changed > 0.3  # the boundary moved over much of the plane
    # XOR: blue (class 1) where x1 and x2 differ in sign, the top-left and bottom-right quadrants.
    for (x, y), blue in {(90, 90): True, (270, 90): False, (90, 270): False, (270, 270): True}.items():
        r, _, b = mean_colour(page, x, y)
        assert (b > r + 60) if blue else (r > b + 60), ((x, y), (r, b))


def test_screenshot_of_xor_after_200_epochs(server: PlaygroundServer, page: Any) -> None:
    """200 epochs, one Step at a time, so that the picture is the same on every run."""
    open_page(page, server.url + "#dataset=xor")
    wait_until(page, DRAWN)
    page.focus("#step")
    for _ in range(200):
        page.keyboard.press("Enter")
    wait_until(page, f"window.playground.state.epoch === 200 && {DRAWN}")
    assert page.inner_text("#epoch") == "000,200"
    assert float(page.inner_text("#test-loss")) < 0.1
    page.mouse.move(0, VIEWPORT["height"] - 1)
    page.evaluate("document.activeElement.blur()")
    png = page.screenshot()
    assert 0 < len(png) < 300_000
    # PLAYWITHNN_SCREENSHOT=docs/playground.png renews the README's picture; a plain
    # test run writes nothing into the checkout.
    target = os.environ.get("PLAYWITHNN_SCREENSHOT")
    if target:
        Path(target).write_bytes(png)
    # The committed picture shows the same setup: compared loosely, since fonts and
    # Chromium's anti-aliasing differ between machines.
    assert differing_pixels(SCREENSHOT.read_bytes(), png) < 0.2


def differing_pixels(png_a: bytes, png_b: bytes) -> float:
    """The fraction of pixels that differ between two PNG images (1.0 if their sizes differ)."""
    from PIL import Image

    a, b = (np.asarray(Image.open(io.BytesIO(png)).convert("RGB")) for png in (png_a, png_b))
    return 1.0 if a.shape != b.shape else float(np.any(a != b, axis=2).mean())


def test_add_layer_neurons_features_step_and_reset(server: PlaygroundServer, page: Any) -> None:
    open_page(page, server.url)
    assert page.inner_text("#layer-count") == "2 hidden layers"
    page.click("#add-layer")
    wait_until(page, "JSON.stringify(window.playground.state.layer_sizes) === '[2,4,2,2,1]'")
    wait_until(page, DRAWN)
    assert "hidden_layers=4,2,2" in page.url
    assert page.inner_text("#layer-count") == "3 hidden layers"
    assert page.locator("#network .node").count() == 8 + 4 + 2 + 2 + 1  # every feature, shown
    assert page.locator("#edges line").count() == 2 * 4 + 4 * 2 + 2 * 2 + 2 * 1

    page.click('button[data-layer="2"][data-delta="1"]')
    wait_until(page, "JSON.stringify(window.playground.state.layer_sizes) === '[2,4,2,3,1]'")
    page.click('button[data-feature="x1x2"]')
    wait_until(page, "JSON.stringify(window.playground.state.layer_sizes) === '[3,4,2,3,1]'")
    assert page.evaluate("window.playground.state.settings.features") == ["x1", "x2", "x1x2"]
    page.click("#remove-layer")
    wait_until(page, f"JSON.stringify(window.playground.state.layer_sizes) === '[3,4,2,1]' && {DRAWN}")
    assert page.locator("#edges line").count() == 3 * 4 + 4 * 2 + 2 * 1
    assert page.get_attribute('button[data-feature="x1x2"]', "aria-pressed") == "true"

    page.click("#step")
    wait_until(page, "window.playground.state.epoch === 1")
    page.click("#play")
    wait_until(page, "window.playground.state.epoch >= 20")
    trained = np.concatenate([np.ravel(w) for w in page.evaluate("window.playground.state.weights")])
    page.click("#reset")
    wait_until(page, f"window.playground.state.epoch === 0 && !window.playground.state.playing && {DRAWN}")
    assert page.inner_text("#epoch") == "000,000"
    assert page.get_attribute("#play", "aria-label") == "Play"
    fresh = np.concatenate([np.ravel(w) for w in page.evaluate("window.playground.state.weights")])
    assert fresh.shape == trained.shape and not np.allclose(fresh, trained)
    assert page.evaluate("window.playground.state.history.epoch") == [0]


def test_a_failure_on_the_server_pauses_and_is_shown(server: PlaygroundServer, page: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    open_page(page, server.url)
    [session] = server.sessions._sessions.values()

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("a bug in an epoch")

    monkeypatch.setattr(session._model.net, "fit", broken)
    page.click("#play")
    wait_until(page, "document.getElementById('status').textContent.startsWith('Training failed')")
    wait_until(page, f"!window.playground.playing && {DRAWN}")
    assert page.get_attribute("#play", "aria-label") == "Play"
    assert page.inner_text("#epoch") == "000,000"

    monkeypatch.undo()  # the cause gone, play trains again and the message goes
    page.click("#play")
    wait_until(page, "window.playground.state.epoch >= 5")
    assert page.inner_text("#status") == ""


def blobs_csv(n: int = 60) -> bytes:
    """Two blobs in their own units (centimetres and grams), labelled by name."""
    rng = np.random.default_rng(3)
    rows = ["length_cm,weight_g,fruit"]
    for fruit, centre in (("apple", (7.0, 150.0)), ("pear", (11.0, 210.0))):
        for dx, dy in rng.normal(0, 1, (n, 2)):
            rows.append(f"{centre[0] + 0.6 * dx:.2f},{centre[1] + 8 * dy:.1f},{fruit}")
    return ("\n".join(rows) + "\n").encode()


def test_upload_a_csv_and_train_on_it(server: PlaygroundServer, page: Any) -> None:
    open_page(page, server.url)
    assert page.is_hidden('button[data-dataset="upload"]')
    page.set_input_files("#csv-file", files=[{"name": "fruit.csv", "mimeType": "text/csv",
                                             "buffer": blobs_csv()}])
    wait_until(page, f"window.playground.data.note.startsWith('Your CSV') && {DRAWN}")
    message = "fruit.csv: 120 rows; 'apple' is class 0 (orange), 'pear' class 1 (blue)."
    assert message in page.inner_text("#status")
    assert page.get_attribute('button[data-dataset="upload"]', "aria-pressed") == "true"
    assert "dataset=upload" in page.url
    assert page.evaluate("window.playground.data.train.length + window.playground.data.test.length") == 120

    page.click("#play")
    wait_until(page, f"window.playground.state.epoch > 0 && {TEST_LOSS} < 0.1")

    page.set_input_files("#csv-file", files=[{"name": "bad.csv", "mimeType": "text/csv",
                                             "buffer": b"a,b\n1,2\n3,4\n5,6\n7,8\n"}])
    wait_until(page, "document.getElementById('status').textContent.includes('cannot use this CSV')")
    assert "row 1 has 2 fields; every row needs 3" in page.inner_text("#status")
    assert page.evaluate("window.playground.state.settings.dataset") == "upload"  # still the good one


LINK = ("#dataset=moons&n_samples=300&noise=0.1&train_ratio=0.7&seed=7&features=x1,x2,x1x2"
        "&hidden_layers=3&activation=relu&learning_rate=0.03&optimizer=adam&batch_size=5&l2=0.001&speed=30")


def test_a_link_reproduces_the_setup(server: PlaygroundServer, browser: Any, page: Any) -> None:
    open_page(page, server.url + LINK)
    settings = page.evaluate("window.playground.state.settings")
    assert settings == {
        "dataset": "moons", "n_samples": 300, "noise": 0.1, "train_ratio": 0.7, "seed": 7,
        "features": ["x1", "x2", "x1x2"], "hidden_layers": [3], "activation": "relu",
        "loss": "binary_crossentropy", "bias": True, "init": "auto",
        "learning_rate": 0.03, "optimizer": "adam", "batch_size": 5, "l2": 0.001, "speed": 30,
    }
    controls = {k: page.input_value(f"#{k}") for k in ("activation", "optimizer", "learning_rate",
                                                        "batch_size", "l2", "speed", "seed", "n_samples")}
    assert controls == {"activation": "relu", "optimizer": "adam", "learning_rate": "0.03", "batch_size": "5",
                        "l2": "0.001", "speed": "30", "seed": "7", "n_samples": "300"}
    assert page.get_attribute('button[data-dataset="moons"]', "aria-pressed") == "true"
    assert page.inner_text("#layer-count") == "1 hidden layer"
    wait_until(page, "window.playground.data !== null")

    # The same link in another tab: the same points and the same first weights.
    other = browser.new_context(viewport=VIEWPORT).new_page()
    try:
        open_page(other, server.url + LINK)
        wait_until(other, "window.playground.data !== null")
        for expression in ("window.playground.data.train", "window.playground.state.weights"):
            assert other.evaluate(expression) == page.evaluate(expression)
        assert len(server.sessions) == 2
    finally:
        other.context.close()


def test_a_bad_link_falls_back_to_the_defaults(server: PlaygroundServer, page: Any) -> None:
    open_page(page, server.url + "#hidden_layers=99&activation=eval&dataset=upload&speed=1e3&x=1&seed=3")
    settings = page.evaluate("window.playground.state.settings")
    assert (settings["hidden_layers"], settings["activation"], settings["seed"]) == ([4, 2], "tanh", 3)
    assert settings["dataset"] == "circles"
    status = page.inner_text("#status")
    assert status.startswith("Ignored from the address: hidden_layers, activation, speed, x, dataset=upload")


def test_closing_the_tab_ends_its_session(server: PlaygroundServer, browser: Any, page: Any) -> None:
    open_page(page, server.url)
    page.click("#play")
    wait_until(page, "window.playground.state.playing")
    (session,) = server.sessions._sessions.values()
    page.goto("about:blank")  # leaving the page sends the close beacon
    wait_for(lambda: len(server.sessions) == 0)
    session._thread.join(5)
    assert not session._thread.is_alive()

    # A tab closed outright: its beacon, or else the reaper, ends the session.
    with PlaygroundServer("127.0.0.1", 0, idle_timeout=1.0) as quick:
        quick.start()
        context = browser.new_context(viewport=VIEWPORT)
        tab = context.new_page()
        open_page(tab, quick.url)
        tab.click("#play")
        wait_until(tab, "window.playground.state.playing")
        (session,) = quick.sessions._sessions.values()
        tab.close()
        wait_for(lambda: len(quick.sessions) == 0)
        session._thread.join(5)
        assert not session._thread.is_alive()
        context.close()


# ------------------------------------------------------------------ the walk
BACKWARD_SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "backward-step.png"
NUMBER = re.compile(r"[\u2212-]?\d+(?:\.\d+)?(?:e[\u2212+-]?\d+)?")


def numbers(text: str) -> list[float]:
    """The numbers in a text of the page, its minus signs read as minus."""
    return [float(n.replace("\u2212", "-")) for n in NUMBER.findall(text)]


def shown(text: str) -> float:
    [value] = numbers(text)
    return value


def agrees(page_value: float, true: float) -> bool:
    """Whether the page's number is the true one to 4 significant digits (half a unit of the 4th)."""
    if true == 0:
        return page_value == 0
    unit = 10.0 ** (math.floor(math.log10(abs(true))) - 3)
    return abs(page_value - true) <= 0.5 * unit * (1 + 1e-9)


def check(page_value: float, true: float, what: str) -> None:
    assert agrees(page_value, float(true)), f"{what}: the page shows {page_value}, the library has {true}"


def cell(tab: Any, q: str, layer: Any, i: int, j: int | None = None) -> float:
    selector = f'#walk-text td[data-q="{q}"][data-l="{layer}"][data-i="{i}"]'
    if j is not None:
        selector += f'[data-j="{j}"]'
    return shown(tab.text_content(selector))


def edge_tip(tab: Any, layer: int, i: int, j: int) -> str:
    return str(tab.text_content(f'#edges line[data-layer="{layer}"][data-from="{i}"][data-to="{j}"] title'))


def node_tip(tab: Any, layer: int, j: int) -> str:
    return str(tab.get_attribute(f'#network .node[data-layer="{layer}"][data-neuron="{j}"]', "title"))


AT = "window.playground.state.walk && window.playground.state.walk.phase"


def walk_to(tab: Any, phase: str) -> None:
    tab.click("#walk-next")
    wait_until(tab, f"{AT} === '{phase}' && {DRAWN}")


def choose_sample(tab: Any, value: str) -> None:
    """Show one sample of the batch (its index from 0), or the whole batch, and wait until it is drawn."""
    tab.select_option("#walk-sample", value)
    wait_until(tab, f"String(window.playground.shownSample) === '{value}'")


def test_the_walk_shows_the_librarys_numbers_for_xor_2_4_2_1(server: PlaygroundServer, page: Any) -> None:
    """Each step of one iteration, on the drawing (tooltips) and in the text, against the library."""
    open_page(page, server.url + "#dataset=xor&n_samples=100&seed=3")
    wait_until(page, DRAWN)
    assert page.evaluate("window.playground.state.layer_sizes") == [2, 4, 2, 1]
    [session] = server.sessions._sessions.values()
    m = session._model
    net = copy.deepcopy(m.net)  # the same weights, and the same generator for the batch
    rows = net.rng.permutation(len(m.y_train))[:10]
    X, y = m.X_train[rows], m.y_train[rows]
    grads = net.gradients(X, y)  # the library: a training forward pass, then backpropagation
    layers = net.layers
    Z = [layer.X @ layer.W + layer.b for layer in layers]
    A = [layer.A.copy() for layer in layers[:-1]] + [net.loss_function.predict(layers[-1].A)]
    loss, dL = net.loss_function.value_and_gradient(y, layers[-1].A)
    delta = [layer.delta.copy() for layer in layers]
    dW, db = [grads[f"W{k}"] for k in (1, 2, 3)], [grads[f"b{k}"] for k in (1, 2, 3)]
    a_prev = [X, A[0], A[1]]
    dA = [delta[1] @ layers[1].W.T, delta[2] @ layers[2].W.T]
    before = [p.copy() for p in net.parameters()]
    net.train_step(X, y, get_optimizer("gd", 0.1))
    step = [after - p for after, p in zip(net.parameters(), before)]

    page.click("#mode-walk")
    wait_until(page, f"{AT} === 'feedforward' && {DRAWN}")
    assert page.evaluate("window.playground.state.walk.rows") == rows.tolist()
    assert "mode=walk" in page.url and page.is_hidden("#play") and page.is_visible("#walk-panel")

    # 1. Feedforward: z and a of every neuron, the batch's means, then sample 2's.
    for i in range(2):
        check(cell(page, "x", "input", i), X[:, i].mean(), f"mean x{i + 1}")
    for k, width in enumerate([4, 2, 1]):
        for j in range(width):
            check(cell(page, "z", k, j), Z[k][:, j].mean(), f"mean z of layer {k + 1} neuron {j + 1}")
            check(cell(page, "a", k, j), A[k][:, j].mean(), f"mean a of layer {k + 1} neuron {j + 1}")
    choose_sample(page, "1")
    for k, width in enumerate([4, 2, 1]):
        for j in range(width):
            check(cell(page, "z", k, j), Z[k][1, j], "z")
            check(cell(page, "a", k, j), A[k][1, j], "a")
            z, a = numbers(node_tip(page, k, j).split(": z = ")[1])[-2:]
            check(z, Z[k][1, j], "z in the tooltip")
            check(a, A[k][1, j], "a in the tooltip")
    tip = edge_tip(page, 1, 2, 0)
    assert tip.startswith("w = ")
    check(numbers(tip)[0], before[2][2, 0], "w in the tooltip")
    check(numbers(tip.split("a = ")[1])[0], A[0][1, 2], "a in the edge's tooltip")

    # 2. Loss: its value, and dL/dz for the fused sigmoid and cross-entropy: (ŷ - y) / n.
    walk_to(page, "loss")
    check(shown(page.text_content('#walk-text span[data-q="loss"]')), loss, "L")
    check(cell(page, "dL", 2, 0), dL[1, 0], "dL/dz of sample 2")
    formula = node_tip(page, 2, 0).split("dL/dz = (\u0177 \u2212 y)/n = ")[1]
    yhat, target, n, g = numbers(formula)[:4]
    check(yhat, A[2][1, 0], "ŷ")
    assert (target, n) == (y[1, 0], 10)
    check(g, dL[1, 0], "dL/dz")

    # 3. Backward: δ per neuron; ∂L/∂w = a·δ on every edge (sample 2's share, and the batch's sum).
    walk_to(page, "backward")
    for k, width in enumerate([4, 2, 1]):
        for j in range(width):
            check(cell(page, "delta", k, j), delta[k][1, j], "δ")
            if k < 2:
                check(cell(page, "da", k, j), dA[k][1, j], "dL/da")
                da, _, d = numbers(node_tip(page, k, j).split("f\u2032(z) = ")[1])[:3]  # dL/da × f'(z) = δ
                check(da, dA[k][1, j], "dL/da in the tooltip")
                check(d, delta[k][1, j], "δ in the tooltip")
            for i in range(len(a_prev[k][0])):
                check(cell(page, "dW", k, i, j), dW[k][i, j], "∂L/∂w in the text")
                tip = edge_tip(page, k, i, j)
                g = numbers(tip.split("\u2202L/\u2202w = \u03a3\u209b a\u209b\u00b7\u03b4\u209b = ")[1])[0]
                check(g, dW[k][i, j], "∂L/∂w in the tooltip")
                a, d, term = numbers(tip.split("a\u00b7\u03b4 = ")[1])[:3]
                check(a, a_prev[k][1, i], "a")
                check(d, delta[k][1, j], "δ")
                check(term, a_prev[k][1, i] * delta[k][1, j], "a·δ")
    # The edges are drawn by ∂L/∂w: colour for the sign, width for the size.
    edges = [(k, i, j) for k, n_in, n_out in [(0, 2, 4), (1, 4, 2), (2, 2, 1)]
             for i in range(n_in) for j in range(n_out)]
    widths = {(k, i, j): float(page.get_attribute(
        f'#edges line[data-layer="{k}"][data-from="{i}"][data-to="{j}"]', "stroke-width"))
        for k, i, j in edges}
    largest = max(widths, key=widths.get)
    assert abs(dW[largest[0]][largest[1], largest[2]]) == max(np.abs(g).max() for g in dW)
    choose_sample(page, "batch")
    tip = edge_tip(page, 2, 1, 0)
    assert "(10 samples)" in tip
    values = numbers(tip.split("\u03a3\u209b a\u209b\u00b7\u03b4\u209b = ")[1])
    for t in range(4):  # the first four terms a × δ, then the sum
        check(values[2 * t], a_prev[2][t, 1], "a of a term")
        check(values[2 * t + 1], delta[2][t, 0], "δ of a term")
    check(values[-1], dW[2][1, 0], "∂L/∂w over the batch")
    for k, width in enumerate([4, 2, 1]):
        for j in range(width):
            check(cell(page, "delta", k, j), delta[k][:, j].sum(), "Σδ")
            check(shown(node_tip(page, k, j).split("= ")[1]), db[k][j], "Σδ = ∂L/∂b in the tooltip")

    # 4. Update: Δw = -η ∂L/∂w on every edge, then the weights change.
    walk_to(page, "update")
    for k, width in enumerate([4, 2, 1]):
        for j in range(width):
            for i in range(len(a_prev[k][0])):
                check(cell(page, "W_step", k, i, j), step[2 * k][i, j], "Δw in the text")
                formula = edge_tip(page, k, i, j).split("\u0394w = \u2212\u03b7\u00b7\u2202L/\u2202w = ")[1]
                eta, g, dw, w0, w1 = numbers(formula)
                assert eta == -0.1
                check(g, dW[k][i, j], "∂L/∂w in Δw's formula")
                check(dw, step[2 * k][i, j], "Δw")
                check(w0, before[2 * k][i, j], "w before")
                check(w1, net.parameters()[2 * k][i, j], "w after")
            check(cell(page, "b_step", k, j), step[2 * k + 1][j], "Δb")
    np.testing.assert_array_equal(m.net.parameter_vector, net.parameter_vector)

    # Back to play: any training step leaves the last batch's δ and ∂L/∂w in the polled state.
    page.click("#mode-play")
    wait_until(page, "window.playground.state.walk === null && !document.body.classList.contains('walking')")
    page.click("#step")
    wait_until(page, f"window.playground.state.epoch === 1 && {DRAWN}")
    after = page.evaluate("window.playground.state")
    assert [np.shape(g) for g in after["gradients"]] == [(2, 4), (4, 2), (2, 1)]
    assert [len(d) for d in after["deltas"]] == [4, 2, 1]
    assert "\u2202L/\u2202w of the last batch" in edge_tip(page, 0, 0, 0)


def test_screenshot_of_the_backward_step(server: PlaygroundServer, page: Any) -> None:
    """The article's network (the tutorial's preset), at the backward step of its first iteration.

    ``PLAYWITHNN_BACKWARD_SCREENSHOT=docs/backward-step.png`` renews the README's picture.
    """
    page.set_viewport_size({"width": 1280, "height": 900})
    open_page(page, server.url + "#dataset=tutorial&mode=walk&sample=2")
    wait_until(page, f"{AT} === 'feedforward' && {DRAWN}")
    walk_to(page, "loss")
    walk_to(page, "backward")
    assert page.inner_text("#walk-phases li.current") == "Backward"
    assert page.evaluate("window.playground.state.settings.bias") is False
    page.mouse.move(0, 899)
    png = page.screenshot()
    assert 0 < len(png) < 400_000
    target = os.environ.get("PLAYWITHNN_BACKWARD_SCREENSHOT")
    if target:
        Path(target).write_bytes(png)
    assert differing_pixels(BACKWARD_SCREENSHOT.read_bytes(), png) < 0.2


BINARY = "application/octet-stream"


def test_rewind_download_and_load_a_model_and_a_link_to_the_walk(server: PlaygroundServer, browser: Any,
                                                                 page: Any, tmp_path: Path) -> None:
    link = "#dataset=blobs3&n_samples=90&hidden_layers=5&learning_rate=0.3&mode=walk&sample=3&show_test=1"
    open_page(page, server.url + link)
    wait_until(page, f"window.playground.state.walk && {DRAWN}")
    assert page.input_value("#walk-sample") == "2" and page.is_checked("#show-test")
    assert page.evaluate("window.playground.state.settings.loss") == "categorical_crossentropy"
    assert page.locator("#legend span").count() == 6  # three classes: a swatch and a name each
    first = page.evaluate("window.playground.state.weights")
    page.click("#mode-play")
    for epoch in range(1, 4):
        page.click("#step")
        wait_until(page, f"window.playground.state.epoch === {epoch}")
    page.click("#rewind")
    wait_until(page, f"window.playground.state.epoch === 0 && {DRAWN}")
    assert page.evaluate("window.playground.state.weights") == first
    for epoch in range(1, 6):
        page.click("#step")
        wait_until(page, f"window.playground.state.epoch === {epoch}")
    trained = page.evaluate("window.playground.state")

    with page.expect_download() as info:
        page.click("#download-model")
    path = tmp_path / "blobs.npz"
    info.value.save_as(path)
    model = playwithnn.load(path)
    assert isinstance(model, Model) and model.classes == [0, 1, 2] and model.features == ("x1", "x2")

    other = browser.new_context(viewport=VIEWPORT).new_page()
    try:
        open_page(other, server.url + "#dataset=plane")
        assert other.is_disabled("#discretize")
        other.set_input_files("#model-file", files=[{"name": "blobs.npz", "mimeType": BINARY,
                                                     "buffer": path.read_bytes()}])
        wait_until(other, "window.playground.state.settings.dataset === 'blobs3' && "
                          "window.playground.state.epoch === 0")
        loaded = other.evaluate("window.playground.state")
        assert loaded["weights"] == trained["weights"] and loaded["settings"] == trained["settings"]
        assert "dataset=blobs3" in other.url and "blobs.npz: its 2-5-" in other.inner_text("#status")
        other.set_input_files("#model-file", files=[{"name": "bad.npz", "mimeType": BINARY,
                                                     "buffer": b"PK\x03\x04 not really"}])
        wait_until(other, "document.getElementById('status').textContent.includes("
                          "'cannot use this model file')")
    finally:
        other.context.close()


def test_the_tutorial_button_brings_the_articles_network(server: PlaygroundServer, page: Any) -> None:
    open_page(page, server.url)
    page.click('button[data-dataset="tutorial"]')
    wait_until(page, f"window.playground.state.settings.dataset === 'tutorial' && {DRAWN}")
    assert page.evaluate("window.playground.state.layer_sizes") == [3, 4, 1]
    controls = {k: page.input_value(f"#{k}") for k in ("activation", "loss", "init", "learning_rate",
                                                        "optimizer", "batch_size", "l2")}
    assert controls == {"activation": "sigmoid", "loss": "sse", "init": "uniform", "learning_rate": "1",
                        "optimizer": "sgd", "batch_size": "4", "l2": "0"}
    assert not page.is_checked("#bias")
    assert page.get_attribute('button[data-feature="x3"]', "aria-pressed") == "true"
    assert "loss=sse&bias=false&init=uniform" in page.url
    page.click('button[data-dataset="xor"]')  # leaving it: the defaults again
    wait_until(page, f"window.playground.state.settings.dataset === 'xor' && {DRAWN}")
    assert page.evaluate("window.playground.state.layer_sizes") == [2, 4, 2, 1]
    assert page.is_checked("#bias") and page.input_value("#loss") == "binary_crossentropy"


def test_what_went_wrong_in_training_is_shown_beside_the_loss(server: PlaygroundServer, page: Any) -> None:
    """ReLU at learning rate 1 on the tutorial's data: the page says its units are dead, as fit does."""
    open_page(page, server.url + "#dataset=tutorial&activation=relu&bias=true&init=auto&seed=1&speed=0")
    wait_until(page, f"window.playground.state.settings.activation === 'relu' && {DRAWN}")
    assert page.is_hidden("#diagnoses")
    page.click("#play")
    wait_until(page, "window.playground.state.diagnoses.some((d) => d.kind === 'dead_units')")
    page.click("#play")
    wait_until(page, f"!window.playground.state.playing && {DRAWN}")
    messages = page.evaluate("window.playground.state.diagnoses.map((d) => d.message)")
    assert page.is_visible("#diagnoses")
    assert page.locator("#diagnoses li").all_inner_texts() == messages
    assert "units of hidden layer 1 (relu) output 0 on every training sample" in page.inner_text("#diagnoses")
    page.click("#reset")
    wait_until(page, f"window.playground.state.epoch === 0 && {DRAWN}")
    assert page.is_hidden("#diagnoses") and page.locator("#diagnoses li").count() == 0
