// The representative's desk: presence, offers with a countdown, my cases, the contact card,
// the transcript and the actions on a case. Customer text is inserted as text only.
import {
  api, el, flags, live, replace, sentiment, setPresence, signOut, time,
  attempt, boot, notice,
} from "/staff/staff.js";

const $ = (id) => document.getElementById(id);
let current = null; // the case number on the card
let offers = [];
let clockOffset = 0; // server time minus ours, in seconds
let sendLive = () => false; // a frame to the staff WebSocket, once it is open
const TYPING_SHOWN_MS = 5000; // a customer's typing line fades unless they keep typing
const TYPING_EVERY_MS = 2000; // how often our own typing is signalled while we type
let typingTimer = null;
let lastTypingSent = 0;

// -- offers ------------------------------------------------------------------------------------

async function loadOffers() {
  const data = await api("GET", "/api/offers");
  clockOffset = data.now - Date.now() / 1000;
  offers = data.offers;
  renderOffers();
}

function remaining(offer) {
  return Math.max(0, Math.round(offer.expires_at - (Date.now() / 1000 + clockOffset)));
}

function renderOffers() {
  const items = offers.map((offer) => {
    const left = remaining(offer);
    return el(
      "li", { "data-case": offer.number },
      el("strong", {}, offer.number), " ", flags(offer),
      el("span", {}, ` ${offer.intent.replaceAll("_", " ")} by ${offer.channel}`),
      el("span", { class: "countdown", role: "timer", "aria-label": `${left} seconds left to accept` }, `${left}s`),
      el("button", { type: "button", onclick: () => accept(offer.number) }, "Accept"),
      " ",
      el("button", { type: "button", class: "secondary", onclick: () => decline(offer.number) }, "Decline"),
    );
  });
  replace($("offers"), items);
  $("no-offers").classList.toggle("hidden", offers.length > 0);
}

function tick() {
  for (const item of $("offers").querySelectorAll("li")) {
    const offer = offers.find((o) => o.number === item.dataset.case);
    if (!offer) continue;
    const left = remaining(offer);
    const countdown = item.querySelector(".countdown");
    countdown.textContent = `${left}s`;
    countdown.setAttribute("aria-label", `${left} seconds left to accept`);
  }
  if (offers.some((o) => remaining(o) === 0)) loadOffers().catch(() => {});
}

async function accept(number) {
  const card = await attempt(() => api("POST", `/api/cases/${number}/accept`), `Accepted ${number}.`);
  await loadOffers();
  await loadCases();
  if (card) showCard(card);
}

async function decline(number) {
  await attempt(() => api("POST", `/api/cases/${number}/decline`), `Declined ${number}.`);
  await loadOffers();
}

// -- cases -------------------------------------------------------------------------------------

async function loadCases() {
  const data = await api("GET", "/api/cases");
  replace($("cases"), data.cases.map((c) => el(
    "li", { class: c.number === current ? "current" : null },
    el("button", { type: "button", onclick: () => openCase(c.number) }, c.number),
    " ", flags(c), ` ${c.intent.replaceAll("_", " ")} · ${c.status.replaceAll("_", " ")}`,
  )));
  if (data.cases.length === 0) $("cases").append(el("li", { class: "status" }, "No open cases."));
}

async function openCase(number) {
  const card = await attempt(() => api("GET", `/api/cases/${number}`));
  if (card) showCard(card);
}

function fact(term, ...value) {
  return [el("dt", {}, term), el("dd", {}, ...value)];
}

function showCard(card) {
  const c = card.case;
  if (c.number !== current) $("customer-typing").textContent = "";
  current = c.number;
  $("card").classList.remove("hidden");
  $("card-title").textContent = `${c.number} · ${c.intent.replaceAll("_", " ")}`;
  replace($("card-flags"), flags(c));
  const analysis = card.analysis;
  const account = card.account;
  const confidence = analysis.confidence === null ? "n/a" : `${Math.round(analysis.confidence * 100)}%`;
  replace($("card-facts"), [
    fact("Status", c.status.replaceAll("_", " ")),
    fact("Assigned to", c.assignee ? c.assignee.display_name : "nobody"),
    fact("Channel", `${card.contact.channel} · ${card.contact.address}${card.contact.opted_out ? " (opted out)" : ""}`),
    fact("Intent", `${analysis.intent.replaceAll("_", " ")} (confidence ${confidence})`),
    fact("Sentiment", sentiment(analysis.sentiment)),
    fact("Account", account
      ? `${account.number} · ${account.holder} · ${account.address} · ${account.district} · ${account.status}`
      : "not verified"),
    fact("Customer gave", [...card.extracted.account_numbers, ...card.extracted.addresses].join(" · ") || "—"),
    fact("Earlier cases", card.earlier_cases.map((e) => `${e.number} (${e.intent.replaceAll("_", " ")}, ${e.status})`).join(", ") || "none"),
    fact("Routing", card.routing ? `${card.routing.state} in ${card.routing.queue}` : "not queued"),
  ]);
  replace($("transcript"), card.transcript.map((m) => el(
    "li", { class: m.direction },
    el("span", { class: "meta" },
      `${m.direction === "inbound" ? "Customer" : m.author ? m.author.display_name : "Gateway"} · ${m.channel} · ${time(m.at)}${m.case && m.case !== c.number ? ` · ${m.case}` : ""}${m.direction === "outbound" ? ` · ${m.delivery_status}` : ""}`),
    el("span", { class: "body" }, m.body),
  )));
  $("transcript").scrollTop = $("transcript").scrollHeight;
  replace($("events"), card.events.map((e) => el(
    "li", {}, `${time(e.at)} ${e.kind.replaceAll("_", " ")} by ${e.actor}${e.kind === "note" ? `: ${e.data.text}` : ""}`,
  )));
  $("status").value = ["open", "waiting_customer", "resolved", "closed"].includes(c.status) ? c.status : "open";
  loadCases().catch(() => {});
}

async function act(path, body, done) {
  if (!current) return;
  const result = await attempt(() => api("POST", `/api/cases/${current}/${path}`, body), done);
  if (result !== null) await openCase(current);
  return result;
}

// -- typing, both ways (the customer's chat window shows ours) -------------------------------

function showCustomerTyping(frame) {
  if (frame.case !== current) return;
  $("customer-typing").textContent = "The customer is typing…";
  window.clearTimeout(typingTimer);
  typingTimer = window.setTimeout(() => { $("customer-typing").textContent = ""; }, TYPING_SHOWN_MS);
}

function signalTyping() {
  const now = Date.now();
  if (!current || now - lastTypingSent < TYPING_EVERY_MS) return;
  if (sendLive({ type: "typing", case: current })) lastTypingSent = now;
}

function wireCaseForms() {
  $("reply").addEventListener("input", signalTyping);
  $("reply-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = $("reply").value;
    if ((await act("replies", { body }, "Reply sent.")) !== null) $("reply").value = "";
  });
  $("status-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { status: $("status").value };
    if ($("disposition").value) body.disposition = $("disposition").value;
    await act("status", body, "Status changed.");
  });
  $("note-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if ((await act("notes", { text: $("note").value }, "Note added.")) !== null) $("note").value = "";
  });
  $("transfer-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const queue = $("transfer-queue").value;
    const agent = $("transfer-agent").value.trim();
    await act("transfer", agent ? { agent } : { queue }, "Transferred.");
  });
  $("escalate").addEventListener("click", () => act("escalate", undefined, "Escalated to the leads."));
  $("complete").addEventListener("click", () => act("complete", undefined, "Completed."));
}

// -- start -------------------------------------------------------------------------------------

function onEvent(event) {
  if (["offered", "offer_revoked", "offer_timed_out", "offer_declined", "assigned"].includes(event.kind)) {
    loadOffers().catch(() => {});
  }
  loadCases().catch(() => {});
  if (event.case && event.case === current) openCase(current);
}

async function start(agent) {
  $("signin").classList.add("hidden");
  $("desk").classList.remove("hidden");
  $("presence-box").classList.remove("hidden");
  $("sign-out").classList.remove("hidden");
  $("who").textContent = `${agent.display_name} (${agent.tier})`;
  $("presence").value = agent.presence;
  $("presence").addEventListener("change", () =>
    attempt(() => setPresence($("presence").value), `You are ${$("presence").value}.`).then(() => loadOffers()));
  $("sign-out").addEventListener("click", async () => {
    await attempt(() => signOut());
    location.reload();
  });
  wireCaseForms();
  sendLive = live(onEvent, { onTyping: showCustomerTyping, status: $("live") });
  await Promise.all([loadOffers(), loadCases()]);
  setInterval(tick, 1000);
  setInterval(() => loadOffers().catch(() => {}), 5000);
}

boot(start);
