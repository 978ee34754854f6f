// Shared helpers of the dashboard pages: formatting, the API, the live stream and the
// config form. Plain ES modules, no build step.

export const METRICS = ["cpu", "memory", "disk_io", "network", "load", "process_count"];

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c !== undefined && c !== null) node.append(c);
  return node;
}

export function age(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, "0")}h`;
}

export function bytes(n) {
  if (n === undefined || n === null) return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

export const pct = (v) => (v === undefined ? "" : `${v.toFixed(1)} %`);
export const clock = (t) => new Date(t).toLocaleTimeString([], { hour12: false });
export const describeConfig = (c) => (c ? `${c.interval}s · ${c.metrics.join(", ")}` : "—");

/** The server's clock minus ours, so ages do not drift on a laptop with a wrong clock. */
export let skew = 0;
export const now = () => Date.now() + skew;

export function stateBadge(state) {
  return el("span", { class: `state ${state}`, text: state });
}

export function complianceBadge(c) {
  if (!c) return el("span", { class: "sync unknown", text: "—" });
  const text =
    c.status === "in-sync"
      ? "matches desired"
      : c.status === "pending"
        ? "pending"
        : c.status === "rejected"
          ? `rejected: ${c.reason}`
          : "—";
  return el("span", { class: `sync ${c.status}`, title: c.detail ?? c.reason ?? "", text });
}

/**
 * Opens /api/stream and calls handlers[event](data). EventSource reconnects by itself;
 * `onState(true|false)` tells whether the stream is up.
 */
export function stream(path, handlers, onState) {
  const source = new EventSource(path);
  source.onopen = () => onState?.(true);
  source.onerror = () => onState?.(false);
  for (const [event, handler] of Object.entries(handlers)) {
    source.addEventListener(event, (e) => handler(JSON.parse(e.data)));
  }
  return source;
}

export function connectionPill(pill) {
  return (status) => {
    if (status && typeof status === "object") {
      skew = status.now - Date.now();
      pill.className = `pill ${status.ready ? "ok" : "bad"}`;
      pill.textContent = status.ready
        ? "live · synced with etcd"
        : status.connected
          ? "syncing…"
          : "cut off from etcd";
      return;
    }
    if (status === false) {
      pill.className = "pill bad";
      pill.textContent = "dashboard disconnected; retrying…";
    }
  };
}

const TOKEN_KEY = "fleetwatch.apiToken";

export async function api(method, path, body, headers = {}) {
  const token = localStorage.getItem(TOKEN_KEY);
  const res = await fetch(path, {
    method,
    headers: {
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => ({}));
  return { status: res.status, ok: res.ok, json };
}

/**
 * The config form: edits the override of one node or of the fleet default.
 * Empty interval / no metric box ticked = the field is not set and is inherited.
 * Errors from the server are shown beside the field they name.
 */
export function configForm(container, target) {
  const base =
    target.kind === "default"
      ? "/api/config/default"
      : `/api/nodes/${encodeURIComponent(target.node)}/config`;
  let revision = 0;
  const interval = el("input", {
    type: "text",
    name: "interval",
    inputmode: "numeric",
    placeholder: "inherit",
    autocomplete: "off",
  });
  const intervalError = el("div", { class: "error", id: "interval-error", role: "alert" });
  const inheritMetrics = el("input", { type: "checkbox", name: "inherit-metrics" });
  const boxes = METRICS.map((m) => el("input", { type: "checkbox", name: "metric", value: m }));
  const metricsError = el("div", { class: "error", id: "metrics-error", role: "alert" });
  const token = el("input", {
    type: "password",
    name: "token",
    placeholder: "bearer token",
    autocomplete: "off",
  });
  token.value = localStorage.getItem(TOKEN_KEY) ?? "";
  const tokenError = el("div", { class: "error", id: "token-error", role: "alert" });
  const submit = el("button", { type: "submit", text: "Save" });
  const result = el("span", { class: "result", id: "config-result", role: "status" });
  const current = el("div", { class: "hint", id: "config-current" });
  const form = el(
    "form",
    { class: "config", id: "config-form", novalidate: true },
    el(
      "div",
      { class: "row" },
      el("label", { class: "field", text: "Interval" }),
      el("div", {}, interval, el("span", { class: "hint", text: " seconds (1–86400)" })),
      intervalError,
    ),
    el(
      "div",
      { class: "row" },
      el("label", { class: "field", text: "Metrics" }),
      el(
        "div",
        {},
        el("label", {}, inheritMetrics, " inherit"),
        el("div", { class: "metrics" }, ...boxes.map((b) => el("label", {}, b, ` ${b.value}`))),
      ),
      metricsError,
    ),
    el("div", { class: "row" }, el("label", { class: "field", text: "API token" }), token, tokenError),
    el("div", { class: "row" }, submit, result),
    current,
  );
  container.replaceChildren(form);
  inheritMetrics.addEventListener("change", () => {
    for (const b of boxes) b.disabled = inheritMetrics.checked;
  });

  function clearErrors() {
    for (const [input, error] of [
      [interval, intervalError],
      [null, metricsError],
      [token, tokenError],
    ]) {
      error.textContent = "";
      input?.removeAttribute("aria-invalid");
    }
    result.textContent = "";
    result.className = "result";
  }

  async function load() {
    const { ok, json } = await api("GET", base);
    if (!ok) {
      current.textContent = json.error ?? "cannot read the stored config";
      return;
    }
    revision = json.revision ?? 0;
    const value = json.value ?? {};
    interval.value = value.interval ?? "";
    inheritMetrics.checked = value.metrics === undefined;
    for (const b of boxes) {
      b.checked = value.metrics?.includes(b.value) ?? false;
      b.disabled = inheritMetrics.checked;
    }
    const stored = json.exists
      ? `stored override ${json.raw} (revision ${json.revision})`
      : "no override stored";
    const desired = json.desired ? ` · desired: ${describeConfig(json.desired)}` : "";
    current.textContent = `${json.valid === false ? `INVALID ${stored}: ${json.reason}` : stored}${desired}`;
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors();
    localStorage.setItem(TOKEN_KEY, token.value);
    const body = {};
    const text = interval.value.trim();
    // Numbers go as numbers; anything else goes as typed, so the server names the problem.
    if (text !== "") body.interval = /^[+-]?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
    if (!inheritMetrics.checked) body.metrics = boxes.filter((b) => b.checked).map((b) => b.value);
    submit.disabled = true;
    try {
      const { status, ok, json } = await api("PUT", base, body, { "if-match": `"${revision}"` });
      if (ok) {
        result.textContent = `Saved (revision ${json.revision}, version ${json.version})`;
        result.classList.add("ok");
        await load();
        return;
      }
      const message = json.error ?? `HTTP ${status}`;
      if (json.field === "interval") {
        intervalError.textContent = message;
        interval.setAttribute("aria-invalid", "true");
      } else if (json.field === "metrics") metricsError.textContent = message;
      else if (status === 401 || status === 403) {
        tokenError.textContent = message;
        token.setAttribute("aria-invalid", "true");
      } else {
        result.textContent = status === 409 ? `${message} — reloaded the current value` : message;
        result.classList.add("bad");
        if (status === 409) await load();
      }
    } finally {
      submit.disabled = false;
    }
  });
  load();
  return { reload: load };
}
