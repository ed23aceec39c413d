// The customer chat page: one WebSocket to /chat/ws, reconnected after any drop.
// Every piece of text goes into the page through textContent, never as HTML.
"use strict";

(() => {
  const TOKEN_KEY = "city-utilities-chat-token";
  const TYPING_EVERY_MS = 3000;
  const TYPING_SHOWN_MS = 5000;
  const BUSY_RETRY_MS = 30000;

  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const connection = document.getElementById("connection");
  const typingLine = document.getElementById("typing");
  const problem = document.getElementById("problem");

  // Storage may be refused (private windows, third-party frames): then the chat lasts a page.
  const saved = {
    get(key) {
      try { return window.localStorage.getItem(key); } catch { return null; }
    },
    set(key, value) {
      try { window.localStorage.setItem(key, value); } catch { /* kept in memory only */ }
    },
  };

  let socket = null;
  let welcomed = false;
  let attempt = 0;
  let token = saved.get(TOKEN_KEY);
  let session = null;
  let lastSeen = null; // in memory: after a reload the whole conversation is replayed
  let lastTypingSent = 0;
  let typingTimer = null;
  const shown = new Set();
  const pending = new Map(); // client id -> { text, element }

  function newId() {
    if (window.crypto.randomUUID) return window.crypto.randomUUID();
    const b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function authorLabel(author) {
    if (author === "you") return "You";
    if (author === "bot") return "City Utilities (automatic reply)";
    return `${author} (representative)`;
  }

  function clock(iso) {
    const at = new Date(iso);
    return Number.isNaN(at.getTime())
      ? ""
      : at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function bubble(direction, author, text, at) {
    const item = document.createElement("li");
    item.className = `bubble ${direction}`;
    const meta = document.createElement("span");
    meta.className = "meta";
    const body = document.createElement("span");
    body.textContent = text;
    item.append(meta, body);
    describe(item, author, at);
    log.append(item);
    item.scrollIntoView({ block: "end" });
    return item;
  }

  function describe(item, author, at) {
    const when = at ? clock(at) : "sending…";
    item.querySelector(".meta").textContent = `${authorLabel(author)} · ${when}`;
  }

  function say(text) {
    problem.textContent = text;
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN && welcomed) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  function sendPending(id) {
    const item = pending.get(id);
    if (item) send({ type: "message", id, text: item.text });
  }

  function showTyping(who) {
    if (who === "you") return;
    typingLine.textContent = `${authorLabel(who)} is typing…`;
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(() => { typingLine.textContent = ""; }, TYPING_SHOWN_MS);
  }

  function onMessage(frame) {
    if (shown.has(frame.id)) return;
    shown.add(frame.id);
    if (lastSeen === null || frame.id > lastSeen) lastSeen = frame.id;
    const mine = frame.client_id && pending.get(frame.client_id);
    if (mine) {
      pending.delete(frame.client_id);
      mine.element.classList.remove("pending");
      describe(mine.element, frame.author, frame.at);
      return;
    }
    bubble(frame.direction, frame.author, frame.text, frame.at);
    if (frame.direction === "outbound") typingLine.textContent = "";
  }

  function onError(frame) {
    say(frame.message);
    const mine = frame.id && pending.get(frame.id);
    if (!mine) return;
    if (frame.code === "rate_limited" || frame.code === "not_accepted") {
      window.setTimeout(() => sendPending(frame.id), 5000);
      return;
    }
    pending.delete(frame.id);
    mine.element.classList.remove("pending");
    mine.element.classList.add("failed");
    mine.element.querySelector(".meta").textContent = "Not sent";
  }

  function onFrame(event) {
    let frame;
    try { frame = JSON.parse(event.data); } catch { return; }
    switch (frame.type) {
      case "welcome":
        welcomed = true;
        attempt = 0;
        token = frame.token;
        saved.set(TOKEN_KEY, token);
        if (session !== null && session !== frame.session) lastSeen = null;
        session = frame.session;
        connection.textContent = "Connected";
        say("");
        for (const id of pending.keys()) sendPending(id);
        break;
      case "message":
        onMessage(frame);
        break;
      case "typing":
        showTyping(frame.who);
        break;
      case "error":
        onError(frame);
        break;
      default:
        break;
    }
  }

  function connect() {
    const url = new URL("/chat/ws", window.location.href);
    url.protocol = window.location.protocol === "https:" ? "wss:" : "ws:";
    welcomed = false;
    socket = new WebSocket(url);
    socket.addEventListener("open", () => {
      socket.send(JSON.stringify({ type: "hello", token, last_seen: lastSeen }));
    });
    socket.addEventListener("message", onFrame);
    socket.addEventListener("close", (event) => {
      // 1013 before the welcome: no new session for now (the error frame said why); wait longer.
      const busy = !welcomed && event.code === 1013;
      welcomed = false;
      const delay = busy
        ? BUSY_RETRY_MS + Math.random() * BUSY_RETRY_MS
        : Math.min(15000, 500 * 2 ** attempt) + Math.random() * 500;
      attempt += 1;
      connection.textContent = busy ? "Chat busy. Trying again shortly…" : "Connection lost. Reconnecting…";
      window.setTimeout(connect, delay);
    });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    const id = newId();
    const element = bubble("inbound pending", "you", text, null);
    pending.set(id, { text, element });
    input.value = "";
    if (!send({ type: "message", id, text })) say("Not connected; your message will be sent when the connection is back.");
    input.focus();
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  input.addEventListener("input", () => {
    const now = Date.now();
    if (now - lastTypingSent >= TYPING_EVERY_MS && send({ type: "typing" })) lastTypingSent = now;
  });

  connect();
})();
