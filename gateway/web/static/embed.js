// Include on the utility's website to offer the chat:
//   <script src="https://GATEWAY/chat/embed.js" defer></script>
// It adds a "Chat with us" button that opens the chat page of the same gateway in an iframe.
// The website's origin must be listed in the gateway's CHAT_ALLOWED_ORIGINS to frame it.
"use strict";

(() => {
  const script = document.currentScript;
  const base = new URL(script ? script.src : "/chat/embed.js", window.location.href);
  const chatUrl = new URL("/chat", base).href;

  const style = document.createElement("style");
  style.textContent = [
    ".cu-chat-button{position:fixed;right:1rem;bottom:1rem;z-index:2147483000;",
    "font:600 1rem system-ui,sans-serif;padding:.75rem 1.25rem;border:0;border-radius:2rem;",
    "background:#0b4f8a;color:#fff;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.3)}",
    ".cu-chat-button:focus-visible{outline:3px solid #f2a900;outline-offset:2px}",
    ".cu-chat-frame{position:fixed;right:1rem;bottom:4.5rem;z-index:2147483000;",
    "width:min(24rem,calc(100vw - 2rem));height:min(36rem,calc(100vh - 6rem));",
    "border:1px solid #8a8a8a;border-radius:.75rem;background:#fff;",
    "box-shadow:0 4px 16px rgba(0,0,0,.3)}",
    ".cu-chat-frame[hidden]{display:none}",
  ].join("");
  document.head.append(style);

  const button = document.createElement("button");
  button.type = "button";
  button.className = "cu-chat-button";
  button.textContent = "Chat with us";
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "cu-chat-frame");

  let frame = null;
  button.addEventListener("click", () => {
    if (frame === null) {
      frame = document.createElement("iframe");
      frame.id = "cu-chat-frame";
      frame.className = "cu-chat-frame";
      frame.title = "Chat with City Utilities customer service";
      frame.src = chatUrl;
      document.body.append(frame);
    } else {
      frame.hidden = !frame.hidden;
    }
    const open = !frame.hidden;
    button.setAttribute("aria-expanded", String(open));
    button.textContent = open ? "Close chat" : "Chat with us";
    if (open) frame.focus();
  });

  const add = () => document.body.append(button);
  if (document.body) add();
  else document.addEventListener("DOMContentLoaded", add);
})();
