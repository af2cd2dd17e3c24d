// The playground's page. It trains nothing itself: the server trains the real playwithnn
// network in Python and this script draws what the server publishes. It asks for the
// next state as soon as it has the last one (the server answers when there is a newer one),
// sends the settings as JSON when a control changes, and keeps them in the address (#...).
// The walk's numbers (z, a, the loss, δ, ∂L/∂w, Δw) all come from the server, computed by
// the library; this script only rounds them to 4 significant digits and places them.
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
  // The classes of a multi-class set, each drawn from the neutral grey to its own colour.
  const CLASS_COLOURS = [CLASS0, CLASS1, [44, 160, 44], [148, 103, 189]];
  const classRamp = (k, t) => CLASS_COLOURS[k % CLASS_COLOURS.length].map((c, i) => NEUTRAL[i] + (c - NEUTRAL[i]) * t);

  // ------------------------------------------------------------ fixed choices
  const FEATURE_LABELS = {
    x1: "x\u2081", x2: "x\u2082", x1sq: "x\u2081\u00b2", x2sq: "x\u2082\u00b2",
    x1x2: "x\u2081x\u2082", sinx1: "sin(x\u2081)", sinx2: "sin(x\u2082)", x3: "x\u2083 = 1",
  };
  const FEATURE_FUNCTIONS = {
    x1: (a) => a, x2: (a, b) => b, x1sq: (a) => a * a, x2sq: (a, b) => b * b,
    x1x2: (a, b) => a * b, sinx1: (a) => Math.sin(a), sinx2: (a, b) => Math.sin(b), x3: () => 1,
  };
  const DATASET_LABELS = {
    tutorial: "Tutorial", xor: "XOR", circles: "Circles", gaussians: "Gaussians",
    spiral: "Spiral", moons: "Moons", plane: "Plane", gaussian_sum: "Bumps",
    blobs3: "3 blobs", spiral3: "3 spirals", upload: "Your CSV",
  };
  const DATASET_TIPS = {
    tutorial: "The article's four samples, and its network exactly: three inputs (x\u2083 is the constant 1), 4 sigmoid neurons, no biases, U[0, 1) weights, the sum of squared errors, learning rate 1 on all four samples at once. Its loss is playwithnn explain --faithful's.",
    xor: "Points in the square; blue where x\u2081 and x\u2082 have different signs.",
    circles: "A blue disc inside an orange ring.",
    gaussians: "Two blobs around (-0.5, -0.5) and (0.5, 0.5).",
    spiral: "Two spirals wound around each other: hard for small networks.",
    moons: "Two interleaving half circles.",
    plane: "Regression: the value (x\u2081 + x\u2082) / 2 (blue positive, orange negative); an identity output and a squared loss.",
    gaussian_sum: "Regression: a sum of six Gaussian bumps, up and down.",
    blobs3: "Three classes: three blobs; a softmax output per class and the cross-entropy.",
    spiral3: "Three classes: three spiral arms.",
    upload: "The CSV you uploaded.",
  };
  const LOSS_LABELS = {
    binary_crossentropy: "binary cross-entropy", categorical_crossentropy: "cross-entropy",
    mse: "mean squared error", sse: "sum of squared errors",
  };
  const LOSS_CHOICES = {
    binary_crossentropy: "cross-entropy", categorical_crossentropy: "cross-entropy",
    mse: "mean squares (MSE)", sse: "sum of squares (SSE)",
  };
  const INIT_LABELS = { auto: "auto", uniform: "U[0, 1)", glorot: "Glorot", he: "He" };
  const OUTPUT_ACTIVATIONS = { binary: "sigmoid", multiclass: "softmax", regression: "identity" };
  const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
  const L2_VALUES = [0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1];
  const OPTIMIZER_LABELS = { sgd: "SGD", momentum: "SGD + momentum", adam: "Adam" };
  const INTEGER_SETTINGS = ["n_samples", "seed", "batch_size"];
  const MAX_UPLOAD_BYTES = 1000000;
  const MAX_MODEL_BYTES = 256 * 1024;
  const PHASES = ["feedforward", "loss", "backward", "update"];
  const NEXT_LABELS = { feedforward: "Next: loss", loss: "Next: backward", backward: "Next: update",
    update: "Next: new batch" };

  const $ = (id) => document.getElementById(id);

  // Everything the page knows; window.playground lets a reader (or a test) look inside.
  const app = {
    options: null, settings: null, confirmed: null, sessionId: null,
    version: 0, dataVersion: 0, data: null, state: null,
    playing: false, hasUpload: false, updates: 0, drawn: -1, drawPending: false,
    pollToken: 0, architecture: "", nodes: [], edges: [], reopening: null,
    mode: "play", sample: "batch", shownSample: null, diagnoses: "",
  };
  window.playground = app;

  // ------------------------------------------------------------------ numbers
  // The walk's numbers arrive whole; they are shown with 4 significant digits and a true minus sign.
  const MINUS = "\u2212";
  const fmt = (x) => (x === null || x === undefined ? "\u2013" : Number(x).toPrecision(4).replace(/-/g, MINUS));
  const paren = (x) => (x !== null && x < 0 ? `(${fmt(x)})` : fmt(x));
  const plain = (x) => String(x).replace(/-/g, MINUS);

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

  // The session starts from the settings the address gives (the server fills in the rest:
  // defaults, and a data set's preset).
  async function openSession(given = {}) {
    let r = await api("POST", "/api/sessions", { settings: given });
    if (r.status === 400) {
      setStatus(`The server refused these settings (${r.json && r.json.error}); using the defaults.`);
      r = await api("POST", "/api/sessions", { settings: {} });
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
        const settings = { ...app.settings };
        if (settings.dataset === "upload") {
          settings.dataset = app.options.defaults.dataset;
          setStatus("The server had closed this page's session; upload your CSV again.");
        }
        try { await openSession(settings); } finally { app.reopening = null; }
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

  // The walk: "next" takes its next step (or starts one on the next batch), "stop" ends it.
  function walk(action) {
    queue = queue.then(async () => {
      const r = await api("POST", sessionPath("walk"), { action });
      if (r.status === 404) { await reopen(); return; }
      if (!r.ok) setStatus((r.json && r.json.error) || `the server answered ${r.status}`);
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
      app.settings = r.json.settings;
      app.confirmed = { ...app.settings };
      syncControls();
      writeHash();
      setStatus(`${file.name}: ${r.json.rows} rows; '${r.json.classes[0]}' is class 0 (orange), ` +
        `'${r.json.classes[1]}' class 1 (blue).`, "info");
    }).catch((e) => setStatus(String(e.message || e)));
    return queue;
  }

  async function loadModel(file) {
    if (file.size > MAX_MODEL_BYTES) {
      setStatus(`${file.name} has ${file.size} bytes; the playground takes model files of at most 256 kB.`);
      return;
    }
    const body = await file.arrayBuffer();
    queue = queue.then(async () => {
      const r = await api("POST", sessionPath("model"), body, "application/octet-stream");
      if (!r.ok) {
        setStatus((r.json && r.json.error) || `the server answered ${r.status}`);
        return;
      }
      app.settings = r.json.settings;
      app.confirmed = { ...app.settings };
      syncControls();
      writeHash();
      const sizes = [app.settings.features.length, ...app.settings.hidden_layers].join("-");
      const data = DATASET_LABELS[app.settings.dataset] || app.settings.dataset;
      setStatus(`${file.name}: its ${sizes}-\u2026 network, on ${data}; rewind comes back to its weights.`, "info");
    }).catch((e) => setStatus(String(e.message || e)));
    return queue;
  }

  async function downloadModel(event) {
    event.preventDefault();
    const response = await fetch(sessionPath("model"), { cache: "no-store" });
    if (!response.ok) {
      let message = `the server answered ${response.status}`;
      try { message = (await response.json()).error; } catch (e) { /* keep the status */ }
      setStatus(message);
      return;
    }
    const blob = await response.blob();
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = `playground-${app.settings.dataset}.npz`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  }

  // ------------------------------------------------------ settings in the URL
  // Besides the settings, the address holds the page's own view: mode, sample, show_test, discretize.
  const VIEW_KEYS = ["mode", "sample", "show_test", "discretize"];

  function parseValue(key, raw, o) {
    const choices = { dataset: o.datasets, activation: o.activations, optimizer: o.optimizers,
      loss: o.losses, init: o.inits };
    if (key in choices) return choices[key].includes(raw) ? raw : undefined;
    if (key === "bias") return raw === "true" ? true : raw === "false" ? false : undefined;
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

  function parseView(key, raw) {
    if (key === "mode") return ["play", "walk"].includes(raw) ? raw : undefined;
    if (key === "sample") return raw === "batch" ? "batch" : /^([1-9]|10)$/.test(raw) ? Number(raw) - 1 : undefined;
    return raw === "1" ? true : raw === "0" ? false : undefined;
  }

  function settingsFromHash() {
    const o = app.options;
    const given = {};
    const view = {};
    const ignored = [];
    for (const part of location.hash.replace(/^#/, "").split("&")) {
      if (!part) continue;
      const eq = part.indexOf("=");
      let key, raw;
      try {
        key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
        raw = eq < 0 ? "" : decodeURIComponent(part.slice(eq + 1));
      } catch (e) { ignored.push(part.slice(0, 20)); continue; }
      if (VIEW_KEYS.includes(key)) {
        const value = parseView(key, raw);
        if (value === undefined) ignored.push(key); else view[key] = value;
        continue;
      }
      const value = Object.prototype.hasOwnProperty.call(o.defaults, key) ? parseValue(key, raw, o) : undefined;
      if (value === undefined) ignored.push(key.slice(0, 20)); else given[key] = value;
    }
    if (given.dataset === "upload") {
      delete given.dataset;
      ignored.push("dataset=upload (an uploaded CSV stays with the page that uploaded it)");
    }
    return { given, view, ignored };
  }

  function applyView(view) {
    if ("show_test" in view) $("show-test").checked = view.show_test;
    if ("discretize" in view) $("discretize").checked = view.discretize;
    if ("sample" in view) app.sample = view.sample === "batch" ? "batch" : view.sample;
    if ("mode" in view) setMode(view.mode, false);
  }

  function writeHash() {
    if (!app.settings) return;
    const parts = Object.entries(app.settings).map(([k, v]) =>
      `${k}=${Array.isArray(v) ? v.map(encodeURIComponent).join(",") : encodeURIComponent(String(v))}`);
    parts.push(`mode=${app.mode}`, `sample=${app.sample === "batch" ? "batch" : app.sample + 1}`,
      `show_test=${$("show-test").checked ? 1 : 0}`, `discretize=${$("discretize").checked ? 1 : 0}`);
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
  const taskOf = (dataset) => app.options.tasks[dataset] || "binary";

  function buildControls() {
    const o = app.options;
    fillSelect($("learning_rate"), LEARNING_RATES, String);
    fillSelect($("activation"), o.activations, String);
    fillSelect($("optimizer"), o.optimizers, (v) => OPTIMIZER_LABELS[v] || v);
    fillSelect($("l2"), L2_VALUES, String);
    fillSelect($("speed"), o.speeds, speedLabel);
    fillSelect($("init"), o.inits, (v) => INIT_LABELS[v] || v);
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
    for (const id of ["activation", "optimizer", "loss", "init"]) {
      $(id).addEventListener("change", (e) => changeSettings({ [id]: e.target.value }));
    }
    $("bias").addEventListener("change", (e) => changeSettings({ bias: e.target.checked }));
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
    $("rewind").addEventListener("click", () => control("rewind"));
    $("mode-play").addEventListener("click", () => setMode("play"));
    $("mode-walk").addEventListener("click", () => setMode("walk"));
    $("walk-next").addEventListener("click", () => walk("next"));
    $("walk-sample").addEventListener("change", (e) => {
      app.sample = e.target.value === "batch" ? "batch" : Number(e.target.value);
      writeHash();
      app.drawn = -1;
      scheduleDraw();
    });
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
    $("model-file").addEventListener("change", async (e) => {
      const file = e.target.files && e.target.files[0];
      if (file) await loadModel(file);
      e.target.value = "";
    });
    $("download-model").addEventListener("click", (e) => { downloadModel(e).catch((x) => setStatus(String(x))); });
    for (const id of ["show-test", "discretize"]) {
      $(id).addEventListener("change", () => { writeHash(); app.drawn = -1; scheduleDraw(); });
    }
    window.addEventListener("resize", () => { app.architecture = ""; app.drawn = -1; scheduleDraw(); });
  }

  // "walk" shows one iteration step by step; leaving it ends the walk on the server.
  function setMode(mode, send = true) {
    const changed = mode !== app.mode;
    app.mode = mode;
    document.body.classList.toggle("walking", mode === "walk");
    $("mode-play").setAttribute("aria-pressed", String(mode === "play"));
    $("mode-walk").setAttribute("aria-pressed", String(mode === "walk"));
    if (changed) { app.architecture = ""; app.drawn = -1; scheduleDraw(); }
    writeHash();
    if (!send) return;
    if (mode === "walk" && !(app.state && app.state.walk)) walk("next");
    if (mode === "play" && app.state && app.state.walk) walk("stop");
  }

  function showSliderValue(id, value) {
    const text = id === "train_ratio" ? `${Math.round(value * 100)}%` : String(value);
    $(`${id}-value`).textContent = text;
  }

  function syncControls() {
    const s = app.settings;
    const o = app.options;
    selectValue($("learning_rate"), s.learning_rate, String);
    selectValue($("l2"), s.l2, String);
    selectValue($("speed"), s.speed, speedLabel);
    $("activation").value = s.activation;
    $("optimizer").value = s.optimizer;
    const losses = o.losses_by_task[taskOf(s.dataset)];
    if ([...$("loss").options].map((x) => x.value).join() !== losses.join()) {
      fillSelect($("loss"), losses, (v) => LOSS_CHOICES[v] || v);
    }
    $("loss").value = s.loss;
    $("init").value = s.init;
    $("bias").checked = s.bias;
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
    $("discretize").disabled = taskOf(s.dataset) === "regression";
    const n = s.hidden_layers.length;
    $("layer-count").textContent = `${n} hidden layer${n === 1 ? "" : "s"}`;
    $("add-layer").disabled = n >= o.max_hidden_layers;
    $("remove-layer").disabled = n === 0;
    const label = LOSS_LABELS[s.loss] || s.loss;
    $("test-loss-box").title = `The ${label} on the test points, which the network never trains on.`;
    $("train-loss-box").title = `The ${label} on the training points (without the L2 term).`;
    buildLegend(taskOf(s.dataset), o.n_classes[s.dataset] || 2);
  }

  function buildLegend(task, classes) {
    const legend = $("legend");
    const key = `${task}/${classes}`;
    if (legend.dataset.key === key) return;
    legend.dataset.key = key;
    legend.textContent = "";
    const span = (text, cls) => {
      const el = document.createElement("span");
      if (cls) el.className = cls;
      el.textContent = text;
      return el;
    };
    if (task === "multiclass") {
      legend.title = "Each point of the plane takes the colour of the class the network predicts, paler where it is less sure.";
      for (let k = 0; k < classes; k++) {
        const swatch = span("\u25A0");
        swatch.style.color = `rgb(${CLASS_COLOURS[k].join(",")})`;
        legend.append(swatch, span(`class ${k}`));
      }
    } else if (task === "regression") {
      legend.title = "Colour scale of the value: orange is \u22121, blue +1.";
      legend.append(span("\u22121"), span("", "scale"), span("+1"));
    } else {
      legend.title = "Colour scale of every heatmap: orange is class 0 (or a negative value), blue class 1 (or a positive value).";
      legend.append(span("class 0"), span("", "scale"), span("class 1"));
    }
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

  // bytes: 0..255 on the colour scale; or, with classes (a multi-class output), how sure
  // the network is of the class each cell holds.
  function paint(canvas, bytes, size, discretize, classes = null, ramp = null, nClasses = 2) {
    if (canvas.width !== size || canvas.height !== size) { canvas.width = size; canvas.height = size; }
    const ctx = canvas.getContext("2d");
    const image = ctx.createImageData(size, size);
    for (let k = 0; k < size * size; k++) {
      let rgb;
      if (classes) {
        const sure = (bytes[k] / 255 - 1 / nClasses) / (1 - 1 / nClasses);
        rgb = classRamp(classes[k], discretize ? 1 : Math.max(0, Math.min(1, sure)));
      } else if (ramp !== null) {
        rgb = classRamp(ramp, bytes[k] / 255);
      } else {
        const v = discretize ? (bytes[k] >= 128 ? 255 : 0) : bytes[k];
        rgb = [LUT[3 * v], LUT[3 * v + 1], LUT[3 * v + 2]];
      }
      image.data[4 * k] = rgb[0];
      image.data[4 * k + 1] = rgb[1];
      image.data[4 * k + 2] = rgb[2];
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
    showDiagnoses(s.diagnoses || []);
    updatePlayButton();
    if (app.data) $("data-note").textContent = app.data.note;
    const architecture = JSON.stringify([s.layer_sizes, s.settings.features, s.node_grid, app.mode]);
    if (architecture !== app.architecture) {
      app.architecture = architecture;
      buildNetwork(s);
    }
    updateNetwork(s);
    if (app.mode === "walk") updateWalk(s);
    drawHeatmap(s);
    drawLossChart(s);
  }

  // What went wrong in training, in the library's words (its diagnose, run on the server):
  // one line each, and nothing at all while nothing is wrong.
  function showDiagnoses(diagnoses) {
    const shown = JSON.stringify(diagnoses);
    if (shown === app.diagnoses) return;
    app.diagnoses = shown;
    const list = $("diagnoses");
    list.textContent = "";
    for (const d of diagnoses) {
      const item = document.createElement("li");
      item.dataset.kind = d.kind;
      item.textContent = d.message;
      list.append(item);
    }
    list.hidden = diagnoses.length === 0;
  }

  const NODE = 36;
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
    const ROW = app.mode === "walk" ? 52 : 44;  // room for each neuron's number under it
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
    const valueLabel = (x, yy) => {
      const label = document.createElement("span");
      label.className = "node-value";
      label.style.left = `${x + NODE / 2 - 32}px`;
      label.style.top = `${yy + NODE + 1}px`;
      box.append(label);
      return label;
    };

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
      const entry = { name, on, canvas, node, x: xs[0], y: y(0, i) };
      if (on) entry.value = valueLabel(xs[0], y(0, i));
      inputs.push(entry);
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
        node.dataset.layer = String(c - 1);
        node.dataset.neuron = String(j);
        node.style.left = `${xs[c]}px`;
        node.style.top = `${y(c, j)}px`;
        const canvas = document.createElement("canvas");
        node.append(canvas);
        box.append(node);
        column.push({ canvas, node, x: xs[c], y: y(c, j), value: valueLabel(xs[c], y(c, j)) });
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
    app.nodes.sources = sources;
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
          line.dataset.layer = String(l);
          line.dataset.from = String(i);
          line.dataset.to = String(j);
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

  const sourceName = (l, i, active) => (l === 0 ? FEATURE_LABELS[active[i]] : `layer ${l} neuron ${i + 1}`);

  function updateNetwork(s) {
    const extent = app.data ? app.data.extent : 1;
    const size = s.node_grid;
    const task = s.task;
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
      const isOutput = l === layers - 1;
      const activation = isOutput ? OUTPUT_ACTIVATIONS[task] : s.settings.activation;
      app.nodes[l + 1].forEach((node, j) => {
        const info = s.nodes[l + 1][j];
        const ramp = isOutput && task === "multiclass" ? j : null;
        paint(node.canvas, decode(info.pixels), size, false, null, ramp);
        const bias = s.settings.bias ? `bias ${s.biases[l][j]}` : "no bias";
        const what = isOutput && task === "multiclass" ? `P(class ${j})` : `${activation} output`;
        const delta = s.deltas && s.deltas[l] ? `; the last batch's \u03a3\u03b4 = ${fmt(s.deltas[l][j])}` : "";
        node.node.title = `${layerName(l, layers)}, neuron ${j + 1}: ${what} from ` +
          `${info.min} to ${info.max} over the plane; ${bias}${delta}`;
        node.value.textContent = "";
      });
    }
    for (const node of app.nodes.sources) node.value.textContent = "";
    const active = s.settings.features;
    for (const edge of app.edges) {
      const w = s.weights[edge.l][edge.i][edge.j];
      styleEdge(edge, w);
      const g = s.gradients ? `; \u2202L/\u2202w of the last batch = ${fmt(s.gradients[edge.l][edge.i][edge.j])}` : "";
      edge.title.textContent = `weight ${w} from ${sourceName(edge.l, edge.i, active)} to ` +
        `${layerName(edge.l, layers).toLowerCase()} neuron ${edge.j + 1}${g}`;
    }
  }

  // Colour for the sign, width for the size. A weight is drawn on its own scale (up to 4);
  // a gradient or a step relative to the largest of its kind (scale), which is drawn widest.
  function styleEdge(edge, v, scale = null) {
    const x = v === null ? 0 : v;
    const u = Math.max(-1, Math.min(1, scale === null ? x : x / scale));
    edge.line.setAttribute("stroke", colour(0.5 + 0.5 * u));
    const width = scale === null ? 0.6 + 1.6 * Math.min(Math.abs(x), 4) : 0.6 + 4.4 * Math.abs(u);
    edge.line.setAttribute("stroke-width", String(width));
  }

  // ------------------------------------------------------------------- the walk
  // Where the walk's numbers are: per sample (s a sample index) or over the batch (s === null).
  const sampleOf = (w) => (app.sample === "batch" || w.shown === 0 ? null : Math.min(app.sample, w.shown - 1));
  const aPrev = (w, l, i, s) => (l === 0 ? (s === null ? w.inputs.mean[i] : w.inputs.x[s][i])
    : (s === null ? w.layers[l - 1].a_mean[i] : w.layers[l - 1].a[s][i]));
  const zOf = (layer, j, s) => (s === null ? layer.z_mean[j] : layer.z[s][j]);
  const aOf = (layer, j, s) => (s === null ? layer.a_mean[j] : layer.a[s][j]);
  const deltaOf = (layer, j, s) => (s === null ? layer.delta_sum[j] : layer.delta[s][j]);
  const SUB = (n) => String(n).replace(/\d/g, (d) => "\u2080\u2081\u2082\u2083\u2084\u2085\u2086\u2087\u2088\u2089"[d]);

  function optimizerWords(w) {
    if (w.optimizer === "momentum") return "SGD with momentum 0.9: the step also carries 0.9 of the last one";
    if (w.optimizer === "adam") return "Adam: \u2212\u03b7 m\u0302 / (\u221av\u0302 + \u03b5), from running means of \u2202L/\u2202w and its square";
    return null;
  }

  // The formula of the step Δ = −η ∂L/∂p (+ λ p for a weight, with L2), numbers filled in.
  function stepFormula(w, name, grad, value, step, isWeight) {
    const eta = plain(w.learning_rate);
    if (w.optimizer !== "sgd") return `\u0394${name} = ${fmt(step)} (${optimizerWords(w)}); \u2202L/\u2202${name} = ${fmt(grad)}`;
    if (isWeight && w.l2_batch > 0) {
      return `\u0394${name} = \u2212\u03b7\u00b7(\u2202L/\u2202${name} + \u03bb\u00b7${name}) = \u2212${eta} \u00d7 (${paren(grad)} + ` +
        `${fmt(w.l2_batch)} \u00d7 ${paren(value)}) = ${fmt(step)}`;
    }
    return `\u0394${name} = \u2212\u03b7\u00b7\u2202L/\u2202${name} = \u2212${eta} \u00d7 ${paren(grad)} = ${fmt(step)}`;
  }

  function gradientFormula(w, layer, l, i, j, s) {
    const g = layer.dW[i][j];
    const n = w.batch_size;
    if (s !== null) {
      const a = aPrev(w, l, i, s);
      const d = layer.delta[s][j];
      if (n === 1) return `\u2202L/\u2202w = a\u00b7\u03b4 = ${fmt(a)} \u00d7 ${paren(d)} = ${fmt(g)}`;
      return `\u2202L/\u2202w = \u03a3\u209b a\u209b\u00b7\u03b4\u209b = ${fmt(g)} over the batch of ${n}; ` +
        `sample ${s + 1}'s share: a\u00b7\u03b4 = ${fmt(a)} \u00d7 ${paren(d)} = ${fmt(layer.terms[s][i][j])}`;
    }
    const shown = Math.min(w.shown, 4);
    const terms = [];
    for (let t = 0; t < shown; t++) terms.push(`${fmt(aPrev(w, l, i, t))} \u00d7 ${paren(layer.delta[t][j])}`);
    const more = n > shown ? ` + \u2026 (${n} samples)` : "";
    return `\u2202L/\u2202w = \u03a3\u209b a\u209b\u00b7\u03b4\u209b = ${terms.join(" + ")}${more} = ${fmt(g)}`;
  }

  function lossGradientFormula(w, k, s) {
    const L = w.loss;
    if (s === null) return `\u03a3\u209b ${w.fused ? "dL/dz" : "dL/d\u0177"} = ${fmt(L.gradient_sum[k])}`;
    const out = w.layers[w.layers.length - 1];
    const yhat = fmt(out.a[s][k]);
    const y = fmt(w.targets[s][k]);
    const g = fmt(L.gradient[s][k]);
    const n = w.batch_size;
    if (w.loss_name === "sse") return `dL/d\u0177 = 2(\u0177 \u2212 y) = 2 \u00d7 (${yhat} \u2212 ${y}) = ${g}`;
    if (w.loss_name === "mse") return `dL/d\u0177 = 2(\u0177 \u2212 y)/n = 2 \u00d7 (${yhat} \u2212 ${y}) / ${n} = ${g}`;
    return `dL/dz = (\u0177 \u2212 y)/n = (${yhat} \u2212 ${y}) / ${n} = ${g} (the ${w.fused && w.loss_name === "categorical_crossentropy" ? "softmax" : "sigmoid"} and the cross-entropy differentiated together)`;
  }

  function deltaFormula(w, layer, l, j, s) {
    const isOutput = l === w.layers.length - 1;
    if (s === null) return `\u03a3\u209b \u03b4\u209b = ${fmt(layer.delta_sum[j])}${layer.db ? " = \u2202L/\u2202b" : ""}`;
    if (isOutput && w.fused) return `\u03b4 = dL/dz = ${fmt(layer.delta[s][j])} (the loss takes z)`;
    const da = isOutput ? "dL/d\u0177" : "\u2202L/\u2202a";
    return `\u03b4 = ${da}\u00b7f\u2032(z) = ${paren(layer.da[s][j])} \u00d7 ${fmt(layer.fprime[s][j])} = ${fmt(layer.delta[s][j])}`;
  }

  function updateWalk(s) {
    const w = s.walk;
    const at = w ? PHASES.indexOf(w.phase) : -1;
    for (const li of $("walk-phases").children) {
      const k = PHASES.indexOf(li.dataset.phase);
      li.classList.toggle("current", k === at);
      li.classList.toggle("done", k < at);
    }
    $("walk-next").textContent = w ? NEXT_LABELS[w.phase] : "Start: feedforward";
    fillSamples(w);
    if (!w) {
      const text = $("walk-text");
      text.textContent = "";
      text.append(el("p", {}, "No iteration under way. Press Next to take the next batch through the network, one step at a time."));
      return;
    }
    const sIdx = sampleOf(w);
    const layers = w.layers.length;
    const active = s.settings.features;
    const task = s.task;
    // On the drawing: each neuron's number, and the edges' colours and widths.
    app.nodes.sources.forEach((node, i) => {
      node.value.textContent = at === 0 || at === 1 ? fmt(sIdx === null ? w.inputs.mean[i] : w.inputs.x[sIdx][i]) : "";
      node.node.title = `${FEATURE_LABELS[active[i]]} = ${fmt(sIdx === null ? w.inputs.mean[i] : w.inputs.x[sIdx][i])}` +
        `${sIdx === null ? " (the batch mean)" : ` (sample ${sIdx + 1})`}; click to leave it out`;
    });
    for (let l = 0; l < layers; l++) {
      const layer = w.layers[l];
      const isOutput = l === layers - 1;
      const activation = isOutput ? OUTPUT_ACTIVATIONS[task] : s.settings.activation;
      app.nodes[l + 1].forEach((node, j) => {
        const z = zOf(layer, j, sIdx);
        const a = aOf(layer, j, sIdx);
        const where = sIdx === null ? `the batch of ${w.batch_size}` : `sample ${sIdx + 1}`;
        let tip = `${layerName(l, layers)}, neuron ${j + 1} (${sIdx === null ? `means over ${where}` : where}): ` +
          `z = \u03a3\u1d62 a\u1d62\u00b7w\u1d62${layer.b ? " + b" : ""} = ${fmt(z)}, a = ${activation}(z) = ${fmt(a)}`;
        let value = `a ${fmt(a)}`;
        if (at === 1 && isOutput) {
          tip += `; L = ${fmt(w.loss.value)}; ${lossGradientFormula(w, j, sIdx)}`;
          value = `${w.fused ? "dL/dz" : "dL/d\u0177"} ${fmt(sIdx === null ? w.loss.gradient_sum[j] : w.loss.gradient[sIdx][j])}`;
        } else if (at >= 2) {
          tip = `${layerName(l, layers)}, neuron ${j + 1} (${where}): ${deltaFormula(w, layer, l, j, sIdx)}`;
          value = `\u03b4 ${fmt(deltaOf(layer, j, sIdx))}`;
          if (at === 3) {
            if (layer.b) {
              tip += `; ${stepFormula(w, "b", layer.db[j], layer.b[j], layer.b_step[j], false)}; ` +
                `b: ${fmt(layer.b[j])} \u2192 ${fmt(layer.b_after[j])}`;
              value = `\u0394b ${fmt(layer.b_step[j])}`;
            } else {
              tip += "; no bias to update";
            }
          }
        }
        node.node.title = tip;
        node.value.textContent = value;
      });
    }
    // Edges: the weights while the numbers flow forward; ∂L/∂w, then Δw, as they flow back.
    const largest = (key) => Math.max(1e-300, ...w.layers.flatMap((layer) => (layer[key] || []).flat().map((v) => Math.abs(v || 0))));
    const scale = at === 2 ? largest("dW") : at === 3 ? largest("W_step") : null;
    for (const edge of app.edges) {
      const layer = w.layers[edge.l];
      const wij = layer.W[edge.i][edge.j];
      const route = `${sourceName(edge.l, edge.i, active)} \u2192 ${layerName(edge.l, layers).toLowerCase()} neuron ${edge.j + 1}`;
      let tip;
      if (at <= 1) {
        styleEdge(edge, wij);
        tip = `w = ${fmt(wij)} (${route}): z of the neuron it feeds adds a\u00b7w, with a = ${fmt(aPrev(w, edge.l, edge.i, sIdx))}` +
          `${sIdx === null ? " (the batch mean)" : ""}`;
      } else if (at === 2) {
        styleEdge(edge, layer.dW[edge.i][edge.j], scale);
        tip = `${route}: ${gradientFormula(w, layer, edge.l, edge.i, edge.j, sIdx)}`;
      } else {
        styleEdge(edge, layer.W_step[edge.i][edge.j], scale);
        tip = `${route}: ${stepFormula(w, "w", layer.dW[edge.i][edge.j], wij, layer.W_step[edge.i][edge.j], true)}; ` +
          `w: ${fmt(wij)} \u2192 ${fmt(layer.W_after[edge.i][edge.j])}`;
      }
      edge.title.textContent = tip;
    }
    writeWalkText(s, w, sIdx);
    app.shownSample = app.sample;  // what the drawing and the text show now
  }

  function fillSamples(w) {
    const select = $("walk-sample");
    const shown = w ? w.shown : 0;
    const key = w ? `${shown}/${w.batch_size}/${w.rows.slice(0, shown).join(",")}` : "";
    if (select.dataset.key !== key) {
      select.dataset.key = key;
      select.textContent = "";
      const option = (value, text) => {
        const o = document.createElement("option");
        o.value = value;
        o.textContent = text;
        select.append(o);
      };
      option("batch", w ? `the whole batch (${w.batch_size})` : "the whole batch");
      for (let k = 0; k < shown; k++) {
        option(String(k), `sample ${k + 1}: x = (${w.inputs.x[k].map(fmt).join(", ")})`);
      }
    }
    if (w && app.sample !== "batch" && app.sample >= shown) app.sample = shown > 0 ? shown - 1 : "batch";
    select.value = app.sample === "batch" || !w ? "batch" : String(app.sample);
  }

  // A small DOM builder: the walk's text is made of elements, never of HTML strings.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v; else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c);
    return node;
  }

  // One number in a table cell, tagged with what it is: data-q, data-l, data-i, data-j.
  function cell(value, q, l, i, j) {
    const attrs = { "data-q": q, "data-l": String(l), "data-i": String(i) };
    if (j !== undefined) attrs["data-j"] = String(j);
    if (value !== null && value !== undefined) attrs.class = value < 0 ? "neg" : value > 0 ? "pos" : "";
    return el("td", attrs, fmt(value));
  }

  function table(head, rows) {
    return el("table", {}, el("tr", {}, ...head.map((h) => el("th", {}, h))), ...rows);
  }

  function writeWalkText(s, w, sIdx) {
    const text = $("walk-text");
    text.textContent = "";
    const at = PHASES.indexOf(w.phase);
    const layers = w.layers.length;
    const task = s.task;
    const active = s.settings.features;
    const neurons = (n) => Array.from({ length: n }, (_, j) => j);
    const where = sIdx === null ? `the whole batch (${w.batch_size} samples: means forward, sums backward)` :
      `sample ${sIdx + 1} of ${w.batch_size}`;
    text.append(el("p", {}, `Iteration ${w.iteration + 1} (epoch ${w.epoch + 1}): a batch of ${w.batch_size} ` +
      `training point${w.batch_size === 1 ? "" : "s"}; showing ${where}.`));
    // Each step reached is a section; the current one is open, the ones before it fold away.
    let body = text;
    const section = (k, title) => {
      body = el("details", { "data-phase": PHASES[k] }, el("summary", {}, el("h3", {}, `${k + 1}. ${title}`)));
      if (k === at) body.open = true;
      text.append(body);
    };

    // 1. Feedforward
    section(0, "Feedforward");
    body.append(el("p", { class: "eq" }, `z = a\u00b7W${s.settings.bias ? " + b" : ""}, a = f(z), layer by layer (a of the inputs is x)`));
    body.append(el("p", {}, "Inputs"), table(["input", "x"], active.map((f, i) => el("tr", {}, el("th", {}, FEATURE_LABELS[f]),
      cell(sIdx === null ? w.inputs.mean[i] : w.inputs.x[sIdx][i], "x", "input", i)))));
    for (let l = 0; l < layers; l++) {
      const layer = w.layers[l];
      const act = l === layers - 1 ? OUTPUT_ACTIVATIONS[task] : s.settings.activation;
      body.append(el("p", {}, `${layerName(l, layers)} (${act})`),
        table(["neuron", "z", l === layers - 1 ? "a = \u0177" : "a"], neurons(layer.z_mean.length).map((j) => el("tr", {},
          el("th", {}, String(j + 1)), cell(zOf(layer, j, sIdx), "z", l, j), cell(aOf(layer, j, sIdx), "a", l, j)))));
    }
    if (at < 1) return;

    // 2. Loss
    section(1, "Loss");
    const out = w.layers[layers - 1];
    const lossRow = el("p", {}, `L = `);
    lossRow.append(el("span", { "data-q": "loss" }, fmt(w.loss.value)),
      ` (${LOSS_LABELS[w.loss_name] || w.loss_name} of the batch of ${w.batch_size})`);
    body.append(lossRow);
    const gname = w.fused ? "dL/dz" : "dL/d\u0177";
    body.append(el("p", { class: "eq" }, sIdx === null ? `${gname}, summed over the batch` : lossGradientFormula(w, 0, sIdx)));
    body.append(table(["output", "\u0177", "y", gname], neurons(out.a_mean.length).map((k) => el("tr", {}, el("th", {}, String(k + 1)),
      cell(aOf(out, k, sIdx), "yhat", layers - 1, k),
      cell(sIdx === null ? null : w.targets[sIdx][k], "y", layers - 1, k),
      cell(sIdx === null ? w.loss.gradient_sum[k] : w.loss.gradient[sIdx][k], "dL", layers - 1, k)))));
    if (at < 2) return;

    // 3. Backward, from the output back to the first layer
    section(2, "Backward");
    body.append(el("p", { class: "eq" }, "\u03b4 = \u2202L/\u2202a \u00b7 f\u2032(z);  \u2202L/\u2202a = \u03b4\u208a\u2081 W\u208a\u2081\u1d40 below the output;  \u2202L/\u2202w = \u03a3\u209b a\u209b\u00b7\u03b4\u209b"));
    for (let l = layers - 1; l >= 0; l--) {
      const layer = w.layers[l];
      const head = sIdx === null ? ["neuron", "\u03a3\u209b \u03b4\u209b"] : ["neuron", "\u2202L/\u2202a", "f\u2032(z)", "\u03b4"];
      const rows = neurons(layer.delta_sum.length).map((j) => {
        const cells = [el("th", {}, String(j + 1))];
        if (sIdx !== null) {
          cells.push(cell(layer.da ? layer.da[sIdx][j] : null, "da", l, j), cell(layer.fprime ? layer.fprime[sIdx][j] : null, "fprime", l, j));
        }
        cells.push(cell(deltaOf(layer, j, sIdx), "delta", l, j));
        return el("tr", {}, ...cells);
      });
      body.append(el("p", {}, `${layerName(l, layers)}: \u03b4`), table(head, rows));
      const sources = l === 0 ? active.map((f) => FEATURE_LABELS[f]) : neurons(w.layers[l - 1].z_mean.length).map((i) => `a${SUB(l)},${i + 1}`);
      body.append(el("p", {}, `\u2202L/\u2202W${SUB(l + 1)} (from \u2193 to \u2192)`),
        table(["", ...neurons(layer.delta_sum.length).map((j) => `\u2192${j + 1}`)], sources.map((name, i) => el("tr", {}, el("th", {}, name),
          ...neurons(layer.delta_sum.length).map((j) => cell(layer.dW[i][j], "dW", l, i, j))))));
      if (layer.db) {
        body.append(table(["\u2202L/\u2202b", ...neurons(layer.db.length).map((j) => `\u2192${j + 1}`)],
          [el("tr", {}, el("th", {}, ""), ...layer.db.map((v, j) => cell(v, "db", l, j)))]));
      }
    }
    if (at < 3) return;

    // 4. Update
    section(3, "Update");
    const rule = w.optimizer === "sgd" ? `\u0394w = \u2212\u03b7\u00b7\u2202L/\u2202w${w.l2_batch > 0 ? " \u2212 \u03b7\u03bbw" : ""}, \u03b7 = ${plain(w.learning_rate)}` :
      `\u0394w: ${optimizerWords(w)}, \u03b7 = ${plain(w.learning_rate)}`;
    body.append(el("p", { class: "eq" }, `${rule}; then w \u2190 w + \u0394w`));
    for (let l = 0; l < layers; l++) {
      const layer = w.layers[l];
      const sources = l === 0 ? active.map((f) => FEATURE_LABELS[f]) : neurons(w.layers[l - 1].z_mean.length).map((i) => `a${SUB(l)},${i + 1}`);
      const cols = neurons(layer.z_mean.length);
      body.append(el("p", {}, `\u0394W${SUB(l + 1)}`), table(["", ...cols.map((j) => `\u2192${j + 1}`)],
        sources.map((name, i) => el("tr", {}, el("th", {}, name), ...cols.map((j) => cell(layer.W_step[i][j], "W_step", l, i, j))))));
      if (layer.b_step) {
        body.append(table(["\u0394b", ...cols.map((j) => `\u2192${j + 1}`)],
          [el("tr", {}, el("th", {}, ""), ...layer.b_step.map((v, j) => cell(v, "b_step", l, j)))]));
      }
    }
  }

  const offscreen = document.createElement("canvas");

  function drawHeatmap(s) {
    const canvas = $("heatmap");
    const ctx = canvas.getContext("2d");
    const discretize = $("discretize").checked && s.task !== "regression";
    const classes = s.task === "multiclass" ? decode(s.output_class) : null;
    paint(offscreen, decode(s.output), s.grid, discretize, classes, null, s.layer_sizes[s.layer_sizes.length - 1]);
    ctx.imageSmoothingEnabled = !discretize;
    ctx.drawImage(offscreen, 0, 0, canvas.width, canvas.height);
    if (!app.data) return;
    const e = app.data.extent;
    const px = (x) => ((x + e) / (2 * e)) * canvas.width;
    const py = (y) => ((e - y) / (2 * e)) * canvas.height;
    const count = app.data.train.length + app.data.test.length;
    const radius = count <= 20 ? 7 : count <= 600 ? 3.5 : 2.5;
    const task = app.data.task || "binary";
    const fill = (label) => (task === "regression" ? colour((label + 1) / 2)
      : `rgb(${CLASS_COLOURS[label % CLASS_COLOURS.length].join(",")})`);
    const dot = ([x1, x2, label], rim) => {
      ctx.beginPath();
      ctx.arc(px(x1), py(x2), radius, 0, 2 * Math.PI);
      ctx.fillStyle = fill(label);
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = rim;
      ctx.stroke();
    };
    for (const p of app.data.train) dot(p, "#fff");
    if ($("show-test").checked) for (const p of app.data.test) dot(p, "#222");
    // A walk rings the points of its batch, and the sample shown twice as wide.
    const w = app.mode === "walk" ? s.walk : null;
    if (!w) return;
    const current = sampleOf(w);
    w.rows.slice(0, 200).forEach((row, k) => {
      const [x1, x2] = app.data.train[row];
      ctx.beginPath();
      ctx.arc(px(x1), py(x2), radius + (k === current ? 5 : 2.5), 0, 2 * Math.PI);
      ctx.lineWidth = k === current ? 2.5 : 1.2;
      ctx.strokeStyle = "#222";
      ctx.stroke();
    });
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
      const { given, view, ignored } = settingsFromHash();
      await openSession(given);
      applyView(view);
      if (ignored.length) setStatus(`Ignored from the address: ${ignored.join(", ")}.`, "info");
      startPolling();
      if (app.mode === "walk") walk("next");
    } catch (e) {
      setStatus(`Cannot start the playground: ${e.message || e}`);
    }
  }

  window.addEventListener("hashchange", () => {
    if (!app.options || !app.sessionId) return;
    const { given, view, ignored } = settingsFromHash();
    if (ignored.length) setStatus(`Ignored from the address: ${ignored.join(", ")}.`, "info");
    applyView(view);
    changeSettings(given);
  });
  // Closing the tab ends the session at once; the server also reaps sessions nobody polls.
  window.addEventListener("pagehide", () => {
    app.pollToken += 1;
    if (app.sessionId) navigator.sendBeacon(sessionPath("close"), "close");
  });
  window.addEventListener("pageshow", (e) => { if (e.persisted) startPolling(); });

  start();
})();
