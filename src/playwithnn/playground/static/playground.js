// The playground's page. It trains nothing itself: the server trains the real playwithnn
// network in Python and this script draws what the server publishes. It asks for the
// next state as soon as it has the last one (the server answers when there is a newer one),
// sends the settings as JSON when a control changes, and keeps them in the address (#...).
"use strict";

(() => {
  // ------------------------------------------------------------------ colours
  // One scale for every heatmap, edge and point: 0 is class 0 (orange), 255 class 1 (blue).
  const CLASS0 = [245, 147, 34];
  const NEUTRAL = [232, 234, 235];
  const CLASS1 = [8, 119, 189];
  const LUT = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const u = i / 255;
    const [a, b, t] = u < 0.5 ? [CLASS0, NEUTRAL, u * 2] : [NEUTRAL, CLASS1, (u - 0.5) * 2];
    for (let c = 0; c < 3; c++) LUT[i * 3 + c] = a[c] + (b[c] - a[c]) * t;
  }
  const colour = (u) => {
    const i = Math.round(Math.min(Math.max(u, 0), 1) * 255) * 3;
    return `rgb(${LUT[i]},${LUT[i + 1]},${LUT[i + 2]})`;
  };

  // ------------------------------------------------------------ fixed choices
  const FEATURE_LABELS = {
    x1: "x\u2081", x2: "x\u2082", x1sq: "x\u2081\u00b2", x2sq: "x\u2082\u00b2",
    x1x2: "x\u2081x\u2082", sinx1: "sin(x\u2081)", sinx2: "sin(x\u2082)",
  };
  const FEATURE_FUNCTIONS = {
    x1: (a) => a, x2: (a, b) => b, x1sq: (a) => a * a, x2sq: (a, b) => b * b,
    x1x2: (a, b) => a * b, sinx1: (a) => Math.sin(a), sinx2: (a, b) => Math.sin(b),
  };
  const DATASET_LABELS = {
    tutorial: "Tutorial", xor: "XOR", circles: "Circles", gaussians: "Gaussians",
    spiral: "Spiral", moons: "Moons", upload: "Your CSV",
  };
  const DATASET_TIPS = {
    tutorial: "The tutorial's four samples: the XOR of two inputs (its constant third column is left out; the bias plays its part).",
    xor: "Points in the square; blue where x\u2081 and x\u2082 have different signs.",
    circles: "A blue disc inside an orange ring.",
    gaussians: "Two blobs around (-0.5, -0.5) and (0.5, 0.5).",
    spiral: "Two spirals wound around each other: hard for small networks.",
    moons: "Two interleaving half circles.",
    upload: "The CSV you uploaded.",
  };
  const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
  const L2_VALUES = [0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1];
  const OPTIMIZER_LABELS = { sgd: "SGD", momentum: "SGD + momentum", adam: "Adam" };
  const INTEGER_SETTINGS = ["n_samples", "seed", "batch_size"];
  const MAX_UPLOAD_BYTES = 1000000;

  const $ = (id) => document.getElementById(id);

  // Everything the page knows; window.playground lets a reader (or a test) look inside.
  const app = {
    options: null, settings: null, confirmed: null, sessionId: null,
    version: 0, dataVersion: 0, data: null, state: null,
    playing: false, hasUpload: false, updates: 0, drawn: -1, drawPending: false,
    pollToken: 0, architecture: "", nodes: [], edges: [], reopening: null,
  };
  window.playground = app;

  // ------------------------------------------------------------------ status
  function setStatus(text, kind = "error") {
    const el = $("status");
    el.textContent = text || "";
    el.classList.toggle("info", kind === "info");
  }

  // ------------------------------------------------------------- the server
  async function api(method, path, body, type = "application/json") {
    const init = { method, cache: "no-store", headers: {} };
    if (body !== undefined) {
      init.headers["Content-Type"] = type;
      init.body = type === "application/json" ? JSON.stringify(body) : body;
    }
    const response = await fetch(path, init);
    let json = null;
    if (response.status !== 204) {
      try { json = await response.json(); } catch (e) { json = null; }
    }
    return { ok: response.ok, status: response.status, json };
  }

  const sessionPath = (what) => `/api/sessions/${app.sessionId}/${what}`;

  async function openSession() {
    let r = await api("POST", "/api/sessions", { settings: app.settings });
    if (r.status === 400) {
      setStatus(`The server refused these settings (${r.json && r.json.error}); using the defaults.`);
      app.settings = { ...app.options.defaults };
      r = await api("POST", "/api/sessions", { settings: app.settings });
    }
    if (!r.ok) throw new Error((r.json && r.json.error) || `the server answered ${r.status}`);
    app.sessionId = r.json.id;
    app.settings = r.json.settings;
    app.confirmed = { ...app.settings };
    app.version = 0;
    app.dataVersion = 0;
    app.hasUpload = false;
    syncControls();
    writeHash();
  }

  // A session the server closed (idle too long, or restarted) is opened again with the same settings.
  function reopen() {
    if (!app.reopening) {
      app.reopening = (async () => {
        if (app.settings.dataset === "upload") {
          app.settings.dataset = app.options.defaults.dataset;
          setStatus("The server had closed this page's session; upload your CSV again.");
        }
        try { await openSession(); } finally { app.reopening = null; }
      })();
    }
    return app.reopening;
  }

  async function poll(token) {
    while (token === app.pollToken) {
      let r;
      try {
        r = await fetch(`${sessionPath("state")}?version=${app.version}&data_version=${app.dataVersion}`,
          { cache: "no-store" });
      } catch (e) {
        setStatus("The playground server is not answering. Is it still running?");
        await sleep(2000);
        continue;
      }
      if (token !== app.pollToken) return;
      if (r.status === 404) {
        try { await reopen(); } catch (e) { setStatus(String(e.message || e)); await sleep(2000); }
        continue;
      }
      if (!r.ok) { await sleep(500); continue; }
      const doc = await r.json();
      if (doc.data) { app.data = doc.data; app.dataVersion = doc.data.data_version; }
      app.state = doc.state;
      app.version = doc.state.version;
      app.playing = doc.state.playing;
      updatePlayButton();
      if (doc.state.error) setStatus(doc.state.error);
      scheduleDraw();
    }
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  function startPolling() {
    app.pollToken += 1;
    poll(app.pollToken);
  }

  // Settings go to the server one request at a time, in order.
  let queue = Promise.resolve();
  function changeSettings(partial) {
    Object.assign(app.settings, partial);
    syncControls();
    writeHash();
    queue = queue.then(async () => {
      const r = await api("POST", sessionPath("settings"), { settings: partial });
      if (r.status === 404) { await reopen(); return; }
      if (!r.ok) {
        setStatus((r.json && r.json.error) || `the server answered ${r.status}`);
        app.settings = { ...app.confirmed };
      } else {
        app.settings = r.json.settings;
        app.confirmed = { ...app.settings };
        setStatus("");
      }
      syncControls();
      writeHash();
    }).catch((e) => setStatus(String(e.message || e)));
    return queue;
  }

  // The answer shows at once whether the session plays, unless a newer state came in
  // meanwhile: the states decide (a failure on the server pauses the session and says why).
  function control(action) {
    queue = queue.then(async () => {
      if (action === "play") setStatus("");
      const version = app.version;
      const r = await api("POST", sessionPath("control"), { action });
      if (r.status === 404) { await reopen(); return; }
      if (r.ok) {
        if (app.version === version) {
          app.playing = r.json.playing;
          updatePlayButton();
        }
      } else {
        setStatus((r.json && r.json.error) || `the server answered ${r.status}`);
      }
    }).catch((e) => setStatus(String(e.message || e)));
    return queue;
  }

  async function uploadCsv(file) {
    if (file.size > MAX_UPLOAD_BYTES) {
      setStatus(`${file.name} has ${file.size} bytes; the playground takes CSV files of at most 1 MB.`);
      return;
    }
    const body = await file.arrayBuffer();
    queue = queue.then(async () => {
      const r = await api("POST", sessionPath("data"), body, "text/csv");
      if (!r.ok) {
        setStatus((r.json && r.json.error) || `the server answered ${r.status}`);
        return;
      }
      app.hasUpload = true;
      app.settings.dataset = "upload";
      app.confirmed = { ...app.settings };
      syncControls();
      writeHash();
      setStatus(`${file.name}: ${r.json.rows} rows; '${r.json.classes[0]}' is class 0 (orange), ` +
        `'${r.json.classes[1]}' class 1 (blue).`, "info");
    }).catch((e) => setStatus(String(e.message || e)));
    return queue;
  }

  // ------------------------------------------------------ settings in the URL
  function parseValue(key, raw, o) {
    const choices = { dataset: o.datasets, activation: o.activations, optimizer: o.optimizers };
    if (key in choices) return choices[key].includes(raw) ? raw : undefined;
    if (key === "speed") return /^\d+$/.test(raw) && o.speeds.includes(Number(raw)) ? Number(raw) : undefined;
    if (key === "features") {
      const names = raw.split(",").filter(Boolean);
      const ok = names.length > 0 && names.every((n) => o.features.includes(n)) && new Set(names).size === names.length;
      return ok ? o.features.filter((n) => names.includes(n)) : undefined;
    }
    if (key === "hidden_layers") {
      if (raw === "") return [];
      const parts = raw.split(",");
      const ok = parts.length <= o.max_hidden_layers &&
        parts.every((p) => /^\d+$/.test(p) && Number(p) >= 1 && Number(p) <= o.max_neurons);
      return ok ? parts.map(Number) : undefined;
    }
    const [low, high] = o.ranges[key];
    if (INTEGER_SETTINGS.includes(key) && !/^\d+$/.test(raw)) return undefined;
    const x = Number(raw);
    return raw.trim() !== "" && Number.isFinite(x) && x >= low && x <= high ? x : undefined;
  }

  function settingsFromHash() {
    const o = app.options;
    const settings = { ...o.defaults };
    const ignored = [];
    for (const part of location.hash.replace(/^#/, "").split("&")) {
      if (!part) continue;
      const eq = part.indexOf("=");
      let key, raw;
      try {
        key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
        raw = eq < 0 ? "" : decodeURIComponent(part.slice(eq + 1));
      } catch (e) { ignored.push(part.slice(0, 20)); continue; }
      const value = Object.prototype.hasOwnProperty.call(o.defaults, key) ? parseValue(key, raw, o) : undefined;
      if (value === undefined) ignored.push(key.slice(0, 20)); else settings[key] = value;
    }
    if (settings.dataset === "upload") {
      settings.dataset = o.defaults.dataset;
      ignored.push("dataset=upload (an uploaded CSV stays with the page that uploaded it)");
    }
    return { settings, ignored };
  }

  function writeHash() {
    const parts = Object.entries(app.settings).map(([k, v]) =>
      `${k}=${Array.isArray(v) ? v.map(encodeURIComponent).join(",") : encodeURIComponent(String(v))}`);
    history.replaceState(null, "", `#${parts.join("&")}`);
  }

  // ----------------------------------------------------------------- controls
  function fillSelect(select, values, label) {
    select.textContent = "";
    for (const v of values) {
      const option = document.createElement("option");
      option.value = String(v);
      option.textContent = label(v);
      select.append(option);
    }
  }

  function selectValue(select, value, label) {
    if (![...select.options].some((o) => o.value === String(value))) {
      const option = document.createElement("option");
      option.value = String(value);
      option.textContent = label(value);
      select.append(option);
    }
    select.value = String(value);
  }

  const speedLabel = (v) => (v === 0 ? "max" : `${v} epochs/s`);

  function buildControls() {
    const o = app.options;
    fillSelect($("learning_rate"), LEARNING_RATES, String);
    fillSelect($("activation"), o.activations, String);
    fillSelect($("optimizer"), o.optimizers, (v) => OPTIMIZER_LABELS[v] || v);
    fillSelect($("l2"), L2_VALUES, String);
    fillSelect($("speed"), o.speeds, speedLabel);
    const group = $("datasets");
    for (const name of o.datasets) {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.dataset = name;
      button.textContent = DATASET_LABELS[name] || name;
      button.title = DATASET_TIPS[name] || name;
      button.addEventListener("click", () => changeSettings({ dataset: name }));
      group.append(button);
    }
    for (const id of ["learning_rate", "l2"]) {
      $(id).addEventListener("change", (e) => changeSettings({ [id]: Number(e.target.value) }));
    }
    $("speed").addEventListener("change", (e) => changeSettings({ speed: Number(e.target.value) }));
    for (const id of ["activation", "optimizer"]) {
      $(id).addEventListener("change", (e) => changeSettings({ [id]: e.target.value }));
    }
    for (const id of ["train_ratio", "noise", "n_samples"]) {
      $(id).addEventListener("input", (e) => showSliderValue(id, Number(e.target.value)));
      $(id).addEventListener("change", (e) => changeSettings({ [id]: Number(e.target.value) }));
    }
    for (const id of ["batch_size", "seed"]) {
      $(id).addEventListener("change", (e) => {
        const value = parseValue(id, e.target.value.trim(), o);
        if (value === undefined) {
          const [low, high] = o.ranges[id];
          setStatus(`${id.replace("_", " ")} must be a whole number from ${low} to ${high}.`);
          syncControls();
        } else {
          changeSettings({ [id]: value });
        }
      });
    }
    $("regenerate").addEventListener("click", () =>
      changeSettings({ seed: (app.settings.seed + 1) % (o.ranges.seed[1] + 1) }));
    $("play").addEventListener("click", () => control(app.playing ? "pause" : "play"));
    $("step").addEventListener("click", () => control("step"));
    $("reset").addEventListener("click", () => control("reset"));
    $("add-layer").addEventListener("click", () => {
      if (app.settings.hidden_layers.length < o.max_hidden_layers) {
        changeSettings({ hidden_layers: [...app.settings.hidden_layers, 2] });
      }
    });
    $("remove-layer").addEventListener("click", () => {
      if (app.settings.hidden_layers.length > 0) {
        changeSettings({ hidden_layers: app.settings.hidden_layers.slice(0, -1) });
      }
    });
    $("csv-file").addEventListener("change", async (e) => {
      const file = e.target.files && e.target.files[0];
      if (file) await uploadCsv(file);
      e.target.value = "";  // the same file can be chosen again
    });
    for (const id of ["show-test", "discretize"]) {
      $(id).addEventListener("change", () => { app.drawn = -1; scheduleDraw(); });
    }
    window.addEventListener("resize", () => { app.architecture = ""; app.drawn = -1; scheduleDraw(); });
  }

  function showSliderValue(id, value) {
    const text = id === "train_ratio" ? `${Math.round(value * 100)}%` : String(value);
    $(`${id}-value`).textContent = text;
  }

  function syncControls() {
    const s = app.settings;
    selectValue($("learning_rate"), s.learning_rate, String);
    selectValue($("l2"), s.l2, String);
    selectValue($("speed"), s.speed, speedLabel);
    $("activation").value = s.activation;
    $("optimizer").value = s.optimizer;
    for (const id of ["train_ratio", "noise", "n_samples"]) {
      $(id).value = String(s[id]);
      showSliderValue(id, s[id]);
    }
    $("batch_size").value = String(s.batch_size);
    $("seed").value = String(s.seed);
    for (const button of $("datasets").querySelectorAll("button")) {
      button.setAttribute("aria-pressed", String(button.dataset.dataset === s.dataset));
      if (button.dataset.dataset === "upload") button.hidden = !app.hasUpload;
    }
    const fixedData = s.dataset === "tutorial" || s.dataset === "upload";
    $("n_samples").disabled = fixedData;
    $("noise").disabled = fixedData;
    $("train_ratio").disabled = s.dataset === "tutorial";
    const n = s.hidden_layers.length;
    $("layer-count").textContent = `${n} hidden layer${n === 1 ? "" : "s"}`;
    $("add-layer").disabled = n >= app.options.max_hidden_layers;
    $("remove-layer").disabled = n === 0;
  }

  function updatePlayButton() {
    const button = $("play");
    button.textContent = app.playing ? "\u275A\u275A" : "\u25B6";
    button.setAttribute("aria-label", app.playing ? "Pause" : "Play");
    button.classList.toggle("playing", app.playing);
  }

  // ------------------------------------------------------------------ drawing
  function decode(b64) {
    const text = atob(b64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return bytes;
  }

  function paint(canvas, bytes, size, discretize) {
    if (canvas.width !== size || canvas.height !== size) { canvas.width = size; canvas.height = size; }
    const ctx = canvas.getContext("2d");
    const image = ctx.createImageData(size, size);
    for (let k = 0; k < size * size; k++) {
      const v = discretize ? (bytes[k] >= 128 ? 255 : 0) : bytes[k];
      image.data[4 * k] = LUT[3 * v];
      image.data[4 * k + 1] = LUT[3 * v + 1];
      image.data[4 * k + 2] = LUT[3 * v + 2];
      image.data[4 * k + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
  }

  // A feature the network is not fed is still drawn, computed here, so the learner sees what it would add.
  function featureBytes(name, size, extent) {
    const values = new Float64Array(size * size);
    let scale = 0;
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        const x1 = ((c + 0.5) * 2 * extent) / size - extent;
        const x2 = extent - ((r + 0.5) * 2 * extent) / size;
        const v = FEATURE_FUNCTIONS[name](x1, x2);
        values[r * size + c] = v;
        scale = Math.max(scale, Math.abs(v));
      }
    }
    return Uint8Array.from(values, (v) => Math.round(255 * (0.5 + (0.5 * v) / (scale || 1))));
  }

  function scheduleDraw() {
    if (!app.drawPending) {
      app.drawPending = true;
      requestAnimationFrame(draw);
    }
  }

  function draw() {
    app.drawPending = false;
    const s = app.state;
    if (!s || s.version === app.drawn) return;
    app.drawn = s.version;
    app.updates += 1;
    $("epoch").textContent = String(s.epoch).padStart(6, "0").replace(/(\d{3})$/, ",$1");
    const loss = (x) => (x === null ? "\u2013" : x.toFixed(3));
    $("test-loss").textContent = loss(s.test_loss);
    $("train-loss").textContent = loss(s.train_loss);
    updatePlayButton();
    if (app.data) $("data-note").textContent = app.data.note;
    const architecture = JSON.stringify([s.layer_sizes, s.settings.features, s.node_grid]);
    if (architecture !== app.architecture) {
      app.architecture = architecture;
      buildNetwork(s);
    }
    updateNetwork(s);
    drawHeatmap(s);
    drawLossChart(s);
  }

  const NODE = 36;
  const ROW = 44;
  const TOP = 46;

  function buildNetwork(s) {
    const box = $("network");
    for (const el of [...box.children]) if (el.id !== "edges") el.remove();
    const svg = $("edges");
    svg.textContent = "";
    const o = app.options;
    const active = s.settings.features;
    const widths = [o.features.length, ...s.layer_sizes.slice(1)];
    const tallest = Math.max(...widths);
    const height = TOP + tallest * ROW + 6;
    const width = Math.max(box.clientWidth, 360);
    box.style.height = `${height}px`;
    svg.setAttribute("width", String(width));
    svg.setAttribute("height", String(height));
    const left = 62;
    const right = width - NODE - 8;
    const columns = widths.length;
    const xs = widths.map((_, c) => left + ((right - left) * c) / (columns - 1));
    const y = (c, i) => TOP + ((tallest - widths[c]) * ROW) / 2 + i * ROW;

    app.nodes = [];
    // The inputs: every feature, on or off.
    const inputs = [];
    o.features.forEach((name, i) => {
      const on = active.includes(name);
      const node = document.createElement("button");
      node.type = "button";
      node.className = `node feature${on ? "" : " off"}`;
      node.dataset.feature = name;
      node.style.left = `${xs[0]}px`;
      node.style.top = `${y(0, i)}px`;
      node.title = `${FEATURE_LABELS[name]}: ${on ? "fed to the network; click to leave it out" : "not fed; click to feed it to the network"}`;
      node.setAttribute("aria-pressed", String(on));
      const canvas = document.createElement("canvas");
      node.append(canvas);
      node.addEventListener("click", () => toggleFeature(name));
      const label = document.createElement("span");
      label.className = "feature-label";
      label.textContent = FEATURE_LABELS[name];
      label.style.left = `${xs[0] - 60}px`;
      label.style.top = `${y(0, i)}px`;
      box.append(label, node);
      inputs.push({ name, on, canvas, node, x: xs[0], y: y(0, i) });
    });
    app.nodes.push(inputs);
    const inputHead = document.createElement("div");
    inputHead.className = "layer-head";
    inputHead.style.left = `${xs[0] - 27}px`;
    inputHead.style.top = "18px";
    inputHead.textContent = "features";
    box.append(inputHead);

    // The hidden layers and the output.
    for (let c = 1; c < columns; c++) {
      const isOutput = c === columns - 1;
      const column = [];
      for (let j = 0; j < widths[c]; j++) {
        const node = document.createElement("div");
        node.className = `node${isOutput ? " output" : ""}`;
        node.style.left = `${xs[c]}px`;
        node.style.top = `${y(c, j)}px`;
        const canvas = document.createElement("canvas");
        node.append(canvas);
        box.append(node);
        column.push({ canvas, node, x: xs[c], y: y(c, j) });
      }
      app.nodes.push(column);
      const head = document.createElement("div");
      head.className = "layer-head";
      head.style.left = `${xs[c] + NODE / 2 - 45}px`;
      head.style.top = "0px";
      if (isOutput) {
        head.style.top = "18px";
        head.textContent = "output";
      } else {
        const buttons = document.createElement("div");
        buttons.className = "neuron-buttons";
        for (const [text, delta, tip] of [["+", 1, "Add a neuron to this layer (at most 16)."],
          ["\u2212", -1, "Remove a neuron from this layer (at least 1)."]]) {
          const b = document.createElement("button");
          b.type = "button";
          b.className = "round tiny";
          b.textContent = text;
          b.title = tip;
          b.setAttribute("aria-label", `${delta > 0 ? "Add a neuron to" : "Remove a neuron from"} layer ${c}`);
          b.dataset.layer = String(c - 1);
          b.dataset.delta = String(delta);
          const n = widths[c] + delta;
          b.disabled = n < 1 || n > o.max_neurons;
          b.addEventListener("click", () => changeNeurons(c - 1, delta));
          buttons.append(b);
        }
        const text = document.createElement("div");
        text.textContent = `${widths[c]} neuron${widths[c] === 1 ? "" : "s"}`;
        head.append(buttons, text);
      }
      box.append(head);
    }

    // The edges: one line per weight, from each node to every node of the next layer.
    app.edges = [];
    const ns = "http://www.w3.org/2000/svg";
    const sources = inputs.filter((n) => n.on);
    for (let l = 0; l < columns - 1; l++) {
      const from = l === 0 ? sources : app.nodes[l];
      const to = app.nodes[l + 1];
      from.forEach((a, i) => {
        to.forEach((b, j) => {
          const line = document.createElementNS(ns, "line");
          line.setAttribute("x1", String(a.x + NODE));
          line.setAttribute("y1", String(a.y + NODE / 2));
          line.setAttribute("x2", String(b.x));
          line.setAttribute("y2", String(b.y + NODE / 2));
          const title = document.createElementNS(ns, "title");
          line.append(title);
          svg.append(line);
          app.edges.push({ line, title, l, i, j });
        });
      });
    }
  }

  function layerName(l, layers) {
    return l === layers - 1 ? "Output" : `Layer ${l + 1}`;
  }

  function updateNetwork(s) {
    const extent = app.data ? app.data.extent : 1;
    const size = s.node_grid;
    // Inputs: the server sends the fed ones; the others are computed here.
    let k = 0;
    for (const node of app.nodes[0]) {
      if (node.on) {
        paint(node.canvas, decode(s.nodes[0][k].pixels), size, false);
        k += 1;
      } else {
        paint(node.canvas, featureBytes(node.name, size, extent), size, false);
      }
    }
    const layers = s.weights.length;
    for (let l = 0; l < layers; l++) {
      const activation = l === layers - 1 ? "sigmoid" : s.settings.activation;
      app.nodes[l + 1].forEach((node, j) => {
        const info = s.nodes[l + 1][j];
        paint(node.canvas, decode(info.pixels), size, false);
        node.node.title = `${layerName(l, layers)}, neuron ${j + 1}: ${activation} output from ` +
          `${info.min} to ${info.max} over the plane; bias ${s.biases[l][j]}`;
      });
    }
    const active = s.settings.features;
    for (const edge of app.edges) {
      const w = s.weights[edge.l][edge.i][edge.j];
      edge.line.setAttribute("stroke", colour(0.5 + 0.5 * Math.max(-1, Math.min(1, w))));
      edge.line.setAttribute("stroke-width", String(0.6 + 1.6 * Math.min(Math.abs(w), 4)));
      const source = edge.l === 0 ? FEATURE_LABELS[active[edge.i]] : `layer ${edge.l} neuron ${edge.i + 1}`;
      edge.title.textContent = `weight ${w} from ${source} to ${layerName(edge.l, layers).toLowerCase()} neuron ${edge.j + 1}`;
    }
  }

  const offscreen = document.createElement("canvas");

  function drawHeatmap(s) {
    const canvas = $("heatmap");
    const ctx = canvas.getContext("2d");
    paint(offscreen, decode(s.output), s.grid, $("discretize").checked);
    ctx.imageSmoothingEnabled = !$("discretize").checked;
    ctx.drawImage(offscreen, 0, 0, canvas.width, canvas.height);
    if (!app.data) return;
    const e = app.data.extent;
    const px = (x) => ((x + e) / (2 * e)) * canvas.width;
    const py = (y) => ((e - y) / (2 * e)) * canvas.height;
    const count = app.data.train.length + app.data.test.length;
    const radius = count <= 20 ? 7 : count <= 600 ? 3.5 : 2.5;
    const dot = ([x1, x2, label], rim) => {
      ctx.beginPath();
      ctx.arc(px(x1), py(x2), radius, 0, 2 * Math.PI);
      ctx.fillStyle = label ? "rgb(8,119,189)" : "rgb(245,147,34)";
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = rim;
      ctx.stroke();
    };
    for (const p of app.data.train) dot(p, "#fff");
    if ($("show-test").checked) for (const p of app.data.test) dot(p, "#222");
  }

  function drawLossChart(s) {
    const canvas = $("loss-chart");
    const ctx = canvas.getContext("2d");
    const w = canvas.width;
    const h = canvas.height;
    ctx.clearRect(0, 0, w, h);
    const { epoch, train, test } = s.history;
    if (epoch.length === 0) return;
    const top = Math.max(...train.filter(Number.isFinite), ...test.filter(Number.isFinite), 1e-9);
    const last = Math.max(epoch[epoch.length - 1], 1);
    const line = (values, stroke) => {
      ctx.beginPath();
      values.forEach((v, i) => {
        const x = (epoch[i] / last) * (w - 2) + 1;
        const y = h - 2 - ((v === null ? top : v) / top) * (h - 14);
        if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      });
      ctx.strokeStyle = stroke;
      ctx.lineWidth = 1.5;
      ctx.stroke();
    };
    line(train, "#999");
    line(test, "#222");
    ctx.fillStyle = "#666";
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillText(`${top.toPrecision(3)}`, 2, 10);
    ctx.textAlign = "right";
    ctx.fillText(`epoch ${epoch[epoch.length - 1]}`, w - 2, 10);
    ctx.textAlign = "left";
  }

  function toggleFeature(name) {
    const now = app.settings.features;
    const next = now.includes(name) ? now.filter((f) => f !== name) : [...now, name];
    if (next.length === 0) {
      setStatus("The network needs at least one input feature.");
      return;
    }
    changeSettings({ features: app.options.features.filter((f) => next.includes(f)) });
  }

  function changeNeurons(layer, delta) {
    const layers = [...app.settings.hidden_layers];
    const n = layers[layer] + delta;
    if (n < 1 || n > app.options.max_neurons) return;
    layers[layer] = n;
    changeSettings({ hidden_layers: layers });
  }

  // ------------------------------------------------------------------- start
  async function start() {
    try {
      const r = await api("GET", "/api/options");
      if (!r.ok) throw new Error(`the server answered ${r.status}`);
      app.options = r.json;
      buildControls();
      const { settings, ignored } = settingsFromHash();
      app.settings = settings;
      await openSession();
      if (ignored.length) setStatus(`Ignored from the address: ${ignored.join(", ")}.`, "info");
      startPolling();
    } catch (e) {
      setStatus(`Cannot start the playground: ${e.message || e}`);
    }
  }

  window.addEventListener("hashchange", () => {
    if (!app.options || !app.sessionId) return;
    const { settings, ignored } = settingsFromHash();
    if (ignored.length) setStatus(`Ignored from the address: ${ignored.join(", ")}.`, "info");
    changeSettings(settings);
  });
  // Closing the tab ends the session at once; the server also reaps sessions nobody polls.
  window.addEventListener("pagehide", () => {
    app.pollToken += 1;
    if (app.sessionId) navigator.sendBeacon(sessionPath("close"), "close");
  });
  window.addEventListener("pageshow", (e) => { if (e.persisted) startPolling(); });

  start();
})();
