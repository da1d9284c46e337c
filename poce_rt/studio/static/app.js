// poce-rt studio page: edit mode (POST /api/edit) and reenact mode (WebSocket /api/reenact).
// Plain browser JavaScript, no build step. Element ids used by automation: source-file,
// start-camera, output, fps.
"use strict";

const $ = (id) => document.getElementById(id);
const TOKEN = new URLSearchParams(location.search).get("token");
const AUTH = TOKEN ? { "Authorization": "Bearer " + TOKEN } : {};
const MAX_IN_FLIGHT = 2;      // camera frames sent and not yet answered (the server drops the rest)
const SEND_WIDTH = 640;       // camera frames are scaled to this width before they are sent

const state = {
  config: null,
  source: null,           // Blob of the portrait (an upload or the server's --source)
  sourceUploaded: false,
  reference: null,        // Blob of the reference photo, or null
  expression: {},         // name -> value, only non-zero ones
  pose: [0, 0, 0],        // pitch, yaw, roll
  intensity: 1,
  lastPng: null,
  editBusy: false,
  editDirty: false,
};

function showError(msg) {
  const e = $("error");
  e.textContent = msg;
  e.hidden = !msg;
  if (msg) setTimeout(() => { if (e.textContent === msg) e.hidden = true; }, 6000);
}

async function api(path, options = {}) {
  const r = await fetch(path, { ...options, headers: { ...AUTH, ...(options.headers || {}) } });
  if (!r.ok) {
    let msg = r.status + " " + r.statusText;
    try { msg = (await r.json()).error || msg; } catch (_) { /* not JSON */ }
    throw new Error(msg);
  }
  return r;
}

async function drawBlob(blob) {
  const bitmap = await createImageBitmap(blob);
  const c = $("output");
  if (c.width !== bitmap.width || c.height !== bitmap.height) {
    c.width = bitmap.width;
    c.height = bitmap.height;
  }
  c.getContext("2d").drawImage(bitmap, 0, 0);
  bitmap.close();
}

function setSource(blob, uploaded) {
  state.source = blob;
  state.sourceUploaded = uploaded;
  const before = $("before");
  if (before.src) URL.revokeObjectURL(before.src);
  before.src = URL.createObjectURL(blob);
  $("source-hint").textContent = uploaded ? "uploaded portrait" : "the studio's --source portrait";
}

// ----------------------------------------------------------------------------------- edit mode
function params() {
  const p = { expression: { ...state.expression }, intensity: state.intensity };
  if (state.pose.some((v) => v !== 0)) p.pose = state.pose.slice();
  const masks = [...document.querySelectorAll("#masks input:checked")].map((i) => i.value);
  if (state.reference) {
    p.expression = {};
    if (masks.length) p.mask = masks.join(",");
  }
  return p;
}

async function requestEdit() {
  if (!state.source) return;
  if (state.editBusy) { state.editDirty = true; return; }   // latest wins: one request in flight
  state.editBusy = true;
  state.editDirty = false;
  const form = new FormData();
  form.append("image", state.source, "image");
  form.append("params", JSON.stringify(params()));
  if (state.reference) form.append("reference", state.reference, "reference");
  try {
    const t0 = performance.now();
    const blob = await (await api("/api/edit", { method: "POST", body: form })).blob();
    state.lastPng = blob;
    await drawBlob(blob);
    $("after-caption").textContent = `After (${Math.round(performance.now() - t0)} ms)`;
    const a = $("download-png");
    if (a.href) URL.revokeObjectURL(a.href);
    a.href = URL.createObjectURL(blob);
    showError("");
  } catch (e) {
    showError("edit: " + e.message);
  } finally {
    state.editBusy = false;
    if (state.editDirty) requestEdit();
  }
  updateSettingsLink();
}

function updateSettingsLink() {
  const a = $("download-json");
  if (a.href) URL.revokeObjectURL(a.href);
  a.href = URL.createObjectURL(new Blob([JSON.stringify(params(), null, 2)], { type: "application/json" }));
}

function slider(parent, name, min, max, step, value, onInput) {
  const row = document.createElement("div");
  row.className = "slider";
  const id = "s-" + name;
  row.innerHTML = `<label for="${id}" title="${name}">${name}</label>` +
    `<input id="${id}" type="range" min="${min}" max="${max}" step="${step}" value="${value}">` +
    `<output for="${id}">${Number(value).toFixed(2)}</output>`;
  const input = row.querySelector("input");
  const out = row.querySelector("output");
  input.addEventListener("input", () => {
    out.textContent = Number(input.value).toFixed(2);
    onInput(Number(input.value));
  });
  parent.appendChild(row);
  return input;
}

function setSlider(name, value) {
  const input = $("s-" + name);
  if (!input) return;
  input.value = value;
  input.nextElementSibling.textContent = Number(value).toFixed(2);
}

function applySettings(p) {
  state.expression = { ...(p.expression || {}) };
  state.pose = (p.pose || [0, 0, 0]).map(Number);
  state.intensity = p.intensity === undefined ? 1 : Number(p.intensity);
  for (const names of Object.values(state.config.blendshapes)) {
    for (const n of names) setSlider(n, state.expression[n] || 0);
  }
  ["pitch", "yaw", "roll"].forEach((ax, i) => setSlider(ax, state.pose[i]));
  setSlider("intensity", state.intensity);
  requestEdit();
}

function buildEditControls(cfg) {
  const sliders = $("sliders");
  for (const [region, names] of Object.entries(cfg.blendshapes)) {
    const h = document.createElement("h3");
    h.textContent = region;
    sliders.appendChild(h);
    for (const name of names) {
      slider(sliders, name, -1, 1, 0.01, 0, (v) => {
        if (v === 0) delete state.expression[name]; else state.expression[name] = v;
        requestEdit();
      });
    }
  }
  const pose = $("pose");
  ["pitch", "yaw", "roll"].forEach((ax, i) => {
    const lim = cfg.pose_limits[ax];
    slider(pose, ax, -lim, lim, 0.5, 0, (v) => { state.pose[i] = v; requestEdit(); });
  });
  slider(pose, "intensity", 0, 3, 0.05, 1, (v) => { state.intensity = v; requestEdit(); });
  const presets = $("presets");
  for (const [name, expr] of Object.entries(cfg.presets)) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = name;
    b.addEventListener("click", () => applySettings({ expression: expr, pose: state.pose, intensity: state.intensity }));
    presets.appendChild(b);
  }
  const masks = $("masks");
  for (const m of cfg.masks) {
    const l = document.createElement("label");
    l.innerHTML = `<input type="checkbox" value="${m}"> ${m.replaceAll("_", " ")}`;
    l.querySelector("input").addEventListener("change", requestEdit);
    masks.appendChild(l);
  }
}

// -------------------------------------------------------------------------------- reenact mode
const live = { ws: null, stream: null, seq: 0, sent: new Map(), times: [], recorder: null, chunks: [],
               canvas: document.createElement("canvas"), timer: null, ready: false };

function wsUrl() {
  const u = new URL("/api/reenact", location.href);
  u.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  if (TOKEN) u.searchParams.set("token", TOKEN);
  return u.toString();
}

async function startCamera() {
  $("start-camera").disabled = true;
  try {
    live.stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 }, audio: false });
  } catch (e) {
    showError("camera: " + e.message);
    $("start-camera").disabled = false;
    return;
  }
  const video = $("camera");
  video.srcObject = live.stream;
  await video.play().catch(() => {});
  const ws = new WebSocket(wsUrl());
  ws.binaryType = "arraybuffer";
  live.ws = ws;
  live.sent.clear();
  live.times = [];
  ws.onopen = async () => {
    const upload = state.sourceUploaded && state.source;
    ws.send(JSON.stringify({ type: "start", source: upload ? "upload" : "default",
                             virtual_cam: $("virtual-cam").checked }));
    if (upload) ws.send(await state.source.arrayBuffer());
    $("status").textContent = "preparing the portrait…";
  };
  ws.onmessage = (ev) => (typeof ev.data === "string" ? onText(JSON.parse(ev.data)) : onFrame(ev.data));
  ws.onclose = (ev) => { if (live.ws === ws) stopCamera(ev.reason || ""); };
  ws.onerror = () => showError("reenact: the connection failed");
  $("stop-camera").disabled = false;
}

function onText(msg) {
  if (msg.type === "ready") {
    live.ready = true;
    $("status").textContent = "live";
    $("record").disabled = false;
    live.timer = setInterval(pump, 5);
  } else if (msg.type === "frame") {
    $("engine").textContent = msg.engine_ms.toFixed(0);
    $("dropped").textContent = msg.dropped;
    $("face-status").textContent = msg.status;
  } else if (msg.type === "error") {
    showError("reenact: " + msg.error);
  }
}

async function onFrame(buf) {
  const seq = new DataView(buf).getUint32(0);
  const t0 = live.sent.get(seq);
  // frames the server dropped never come back: forget everything sent before this one
  for (const k of live.sent.keys()) if (k <= seq) live.sent.delete(k);
  const now = performance.now();
  if (t0 !== undefined) $("latency").textContent = (now - t0).toFixed(0);
  live.times.push(now);
  while (live.times.length && live.times[0] < now - 1000) live.times.shift();
  $("fps").textContent = live.times.length > 1
    ? ((live.times.length - 1) * 1000 / (now - live.times[0])).toFixed(1) : "0.0";
  await drawBlob(new Blob([new Uint8Array(buf, 4)], { type: "image/jpeg" }));
  pump();
}

let capturing = false;
function pump() {
  const ws = live.ws;
  const video = $("camera");
  if (!ws || ws.readyState !== WebSocket.OPEN || !live.ready || capturing) return;
  if (live.sent.size >= MAX_IN_FLIGHT || !video.videoWidth) return;
  // a frame lost on the way would block the window forever: stale entries expire after 2 s
  const now = performance.now();
  for (const [k, t] of live.sent) if (now - t > 2000) live.sent.delete(k);
  const scale = Math.min(1, SEND_WIDTH / video.videoWidth);
  const c = live.canvas;
  c.width = Math.round(video.videoWidth * scale);
  c.height = Math.round(video.videoHeight * scale);
  c.getContext("2d").drawImage(video, 0, 0, c.width, c.height);
  capturing = true;
  const seq = (live.seq = (live.seq + 1) >>> 0);
  live.sent.set(seq, performance.now());
  c.toBlob(async (blob) => {
    capturing = false;
    if (!blob || ws.readyState !== WebSocket.OPEN) return;
    const jpeg = new Uint8Array(await blob.arrayBuffer());
    const msg = new Uint8Array(4 + jpeg.length);
    new DataView(msg.buffer).setUint32(0, seq);
    msg.set(jpeg, 4);
    ws.send(msg);
  }, "image/jpeg", 0.8);
}

function stopCamera(reason) {
  if (live.timer) clearInterval(live.timer);
  live.timer = null;
  live.ready = false;
  if (live.recorder && live.recorder.state === "recording") live.recorder.stop();
  const ws = live.ws;
  live.ws = null;
  if (ws && ws.readyState <= WebSocket.OPEN) ws.close();
  if (live.stream) live.stream.getTracks().forEach((t) => t.stop());
  live.stream = null;
  $("start-camera").disabled = false;
  $("stop-camera").disabled = true;
  $("record").disabled = true;
  $("status").textContent = reason ? "stopped: " + reason : "stopped";
}

function toggleRecord() {
  const b = $("record");
  if (live.recorder && live.recorder.state === "recording") { live.recorder.stop(); return; }
  live.chunks = [];
  live.recorder = new MediaRecorder($("output").captureStream(30), { mimeType: "video/webm" });
  live.recorder.ondataavailable = (e) => e.data.size && live.chunks.push(e.data);
  live.recorder.onstop = () => {
    const a = $("download-recording");
    if (a.href) URL.revokeObjectURL(a.href);
    a.href = URL.createObjectURL(new Blob(live.chunks, { type: "video/webm" }));
    a.hidden = false;
    b.textContent = "Record";
  };
  live.recorder.start(1000);
  b.textContent = "Stop recording";
}

// --------------------------------------------------------------------------------------- wiring
function setMode(mode) {
  const edit = mode === "edit";
  $("mode-edit").classList.toggle("active", edit);
  $("mode-reenact").classList.toggle("active", !edit);
  $("edit-controls").hidden = !edit;
  $("reenact-controls").hidden = edit;
  $("after-caption").textContent = edit ? "After" : "Live output";
  if (edit) { stopCamera(""); requestEdit(); }
}

async function init() {
  $("mode-edit").addEventListener("click", () => setMode("edit"));
  $("mode-reenact").addEventListener("click", () => setMode("reenact"));
  $("source-file").addEventListener("change", (e) => {
    const f = e.target.files[0];
    if (f) { setSource(f, true); requestEdit(); }
  });
  $("reference-file").addEventListener("change", (e) => {
    state.reference = e.target.files[0] || null;
    requestEdit();
  });
  $("clear-reference").addEventListener("click", () => {
    state.reference = null;
    $("reference-file").value = "";
    requestEdit();
  });
  $("reset").addEventListener("click", () => applySettings({}));
  $("settings-file").addEventListener("change", async (e) => {
    const f = e.target.files[0];
    if (!f) return;
    try { applySettings(JSON.parse(await f.text())); } catch (err) { showError("settings: " + err.message); }
  });
  $("start-camera").addEventListener("click", () => { setMode("reenact"); startCamera(); });
  $("stop-camera").addEventListener("click", () => stopCamera(""));
  $("record").addEventListener("click", toggleRecord);
  try {
    state.config = await (await api("/api/config")).json();
    const health = await (await api("/api/health")).json();
    $("status").textContent = `${health.backend} on ${health.device}`;
  } catch (e) {
    $("status").textContent = "offline";
    showError(e.message);
    return;
  }
  buildEditControls(state.config);
  updateSettingsLink();
  if (state.config.source && !state.source) {
    setSource(await (await api("/api/source")).blob(), false);
    requestEdit();
  }
}

init();
