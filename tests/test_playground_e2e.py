"""The playground in a real browser: Playwright for Python driving Debian's Chromium.

These tests need ``pip install playwright==1.65.2`` and ``apt-get install chromium``
(``/usr/bin/chromium``; nothing is downloaded). Without either they fail, with a
message saying what to install: they are never skipped.

Each test starts a :class:`PlaygroundServer` on an ephemeral loopback port in a
thread, loads the page and works it as a person would: clicks, file choosers,
links. ``test_screenshot_of_xor_after_200_epochs`` takes the picture the README
shows; with ``PLAYWITHNN_SCREENSHOT=docs/playground.png`` set, it writes it there.
"""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

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


def playground_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("playground")]


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
    # The committed picture shows the same setup: compared loosely, since fonts and
    # Chromium's anti-aliasing differ between machines.
    assert differing_pixels(SCREENSHOT.read_bytes(), png) < 0.2
    # PLAYWITHNN_SCREENSHOT=docs/playground.png renews the README's picture; a plain
    # test run writes nothing into the checkout.
    target = os.environ.get("PLAYWITHNN_SCREENSHOT")
    if target:
        Path(target).write_bytes(png)


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
    assert page.locator("#network .node").count() == 7 + 4 + 2 + 2 + 1  # every feature, shown
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
