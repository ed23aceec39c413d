// Shared by the desk and the console: the API client, the live feed, sign-in, and building DOM.
// Customer text only ever enters the page as text nodes (textContent), never as markup.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const state = { csrf: null, agent: null };

export function me() {
  return state.agent;
}

export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && state.csrf) headers["X-CSRF-Token"] = state.csrf;
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = response.headers.get("Content-Type")?.includes("json")
    ? await response.json()
    : {};
  if (!response.ok) throw new ApiError(response.status, data.error || response.statusText);
  return data;
}

function remember(data) {
  state.csrf = data.csrf_token;
  state.agent = data.agent;
  return data.agent;
}

export async function restore() {
  try {
    return remember(await api("GET", "/api/me"));
  } catch (error) {
    if (error.status === 401) return null;
    throw error;
  }
}

export async function signIn(username, password) {
  return remember(await api("POST", "/api/session", { username, password }));
}

export async function signOut() {
  await api("DELETE", "/api/session");
  state.csrf = null;
  state.agent = null;
}

export async function setPresence(presence) {
  return remember(await api("PUT", "/api/me/presence", { presence }));
}

// The close code of a socket whose session ended (expired, or signed out elsewhere).
const SESSION_ENDED = 4401;
const LIVE_STATUS = { live: "● live", reconnecting: "reconnecting…", ended: "signed out" };

// The staff WebSocket, reconnecting with a growing pause until the session ends. onEvent gets
// each event frame, onTyping each "customer is typing" frame; the status line shows the state.
// Returns send(frame), false while the socket is not open.
export function live(onEvent, { onTyping = () => {}, status = null } = {}) {
  let delay = 500;
  let socket = null;
  const show = (state) => { if (status) status.textContent = LIVE_STATUS[state]; };
  const open = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/api/ws`);
    socket.addEventListener("open", () => {
      delay = 500;
      show("live");
    });
    socket.addEventListener("message", (message) => {
      let frame;
      try {
        frame = JSON.parse(message.data);
      } catch {
        return;
      }
      if (frame.type === "event") onEvent(frame);
      else if (frame.type === "typing") onTyping(frame);
    });
    socket.addEventListener("close", (event) => {
      if (event.code === SESSION_ENDED) {
        show("ended");
        notice("Your session has ended. Reload the page and sign in again.", true);
        return;
      }
      show("reconnecting");
      setTimeout(open, (delay = Math.min(delay * 2, 10000)));
    });
  };
  open();
  return (frame) => {
    if (socket?.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(frame));
    return true;
  };
}

// el("p", {class: "x"}, "text", child): strings become text nodes, never parsed as HTML.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" || typeof child === "number" ? String(child) : child);
  }
  return node;
}

export function replace(container, ...children) {
  container.replaceChildren(...children.flat(Infinity).filter(Boolean));
}

export function time(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function since(seconds) {
  const s = Math.max(0, Math.round(seconds));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${s % 60}s`;
}

// A row of bars, one per customer message, below the line when negative; with a text summary
// for screen readers and anyone who cannot tell the bars apart.
export function sentiment(summary) {
  const points = summary?.points ?? [];
  const bars = el("span", { class: "spark", "aria-hidden": "true" });
  for (const point of points) {
    const bar = el("span", { class: point.value < 0 ? "bar neg" : "bar pos" });
    bar.style.height = `${Math.max(2, Math.round(Math.abs(point.value) * 16))}px`;
    bars.append(bar);
  }
  const trend = summary?.trend ?? 0;
  const arrow = trend < -0.1 ? "worsening" : trend > 0.1 ? "improving" : "steady";
  const current = summary?.current;
  const words = current === null || current === undefined ? "no reading" : current.toFixed(2);
  return el("span", { class: `sentiment ${arrow}` }, bars, ` ${words}, ${arrow}`);
}

// An urgent case whose sender we cannot tie to a customer is marked unverified: it may be real,
// but anybody can send those by the hundred, so it ranks below a known customer's emergency.
export function flags(item) {
  return [
    item.urgent ? el("span", { class: "flag urgent" }, "urgent") : null,
    item.urgent && item.verified === false
      ? el("span", { class: "flag unverified", title: "We do not know who sent it" }, "unverified")
      : null,
    item.hostile ? el("span", { class: "flag hostile" }, "hostile") : null,
  ];
}

// The sign-in form of both pages; resolves with the agent once signed in.
export function signInForm(form, status) {
  return new Promise((resolve) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      try {
        resolve(await signIn(String(data.get("username")), String(data.get("password"))));
      } catch (error) {
        status.textContent = error.message;
      }
    });
  });
}

export function announce(region, message) {
  region.textContent = message;
}

// The page's status line: what the last action did, or why it failed.
export function notice(message, isError = false) {
  const line = document.getElementById("notice");
  line.textContent = message;
  line.classList.toggle("error", isError);
}

// Run an action from a button; report success or the error on the status line.
export async function attempt(action, done) {
  try {
    const result = await action();
    if (done) notice(done);
    return result;
  } catch (error) {
    notice(error.message, true);
    return null;
  }
}

// Start a staff page: resume the session if there is one, else sign in first.
export async function boot(start) {
  const agent = await restore();
  if (agent) return start(agent);
  document.getElementById("signin").classList.remove("hidden");
  document.getElementById("username").focus();
  return start(await signInForm(document.getElementById("signin-form"), document.getElementById("signin-status")));
}
