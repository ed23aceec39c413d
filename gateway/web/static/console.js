// The lead's console: live escalation feed with sentiment trend, queue depths and oldest waits,
// workload per agent, and reassign / take over / join; for leads, sign-in lockouts they may lift.
// Customer text, and the usernames strangers typed, are inserted as text only.
import {
  api, el, flags, live, me, replace, sentiment, setPresence, signOut, since, time,
  attempt, boot, notice,
} from "/staff/staff.js";

const $ = (id) => document.getElementById(id);
let agents = [];
let detail = null;
let refreshTimer = null;
const known = new Set();

function reassignControl(item) {
  const id = `reassign-${item.number}`;
  const select = el("select", { id }, el("option", { value: "" }, "(agent)"),
    agents.map((a) => el("option", { value: a.username }, `${a.display_name} (${a.presence})`)));
  return [
    el("label", { for: id, class: "visually-hidden" }, `Reassign ${item.number} to`),
    select,
    el("button", {
      type: "button", class: "secondary",
      onclick: () => select.value && act(item.number, "reassign", { agent: select.value }, `Reassigned ${item.number}.`),
    }, "Reassign"),
  ];
}

const LEVELS = {
  urgent: "Urgent, known customer",
  urgent_unverified: "Urgent, unverified sender",
  hostile: "Hostile",
  routine: "Escalated or late",
};

// One heading row per level, with how many cases it holds and how many are shown, so a flood at
// one level never hides that another level has work.
function levelRow(level) {
  const more = level.count > level.shown ? ` (oldest ${level.shown} shown)` : "";
  return el("tr", { class: `level ${level.level}` },
    el("th", { scope: "rowgroup", colspan: "5" }, `${LEVELS[level.level] ?? level.level}: ${level.count}${more}`));
}

function renderEscalations(items, levels) {
  const rows = items.map((item) => {
    const why = [...item.reasons.map((r) => r.replaceAll("_", " "))];
    if (item.urgent) why.unshift(item.verified ? "urgent" : "urgent (unverified sender)");
    if (item.hostile && !item.turned_hostile) why.unshift("hostile on arrival");
    if (item.turned_hostile && !why.includes("turned hostile")) why.push("turned hostile");
    if (item.sla_breached && !why.includes("sla breached")) why.push("SLA breached");
    const row = el(
      "tr", { "data-case": item.number, class: known.has(item.number) ? null : "fresh" },
      el("td", {}, el("button", { type: "button", class: "secondary", onclick: () => openDetail(item.number) }, item.number),
        " ", flags(item), el("div", {}, item.intent.replaceAll("_", " "), ` · ${item.channel}`)),
      el("td", {}, why.join(", ") || "—"),
      el("td", {}, sentiment(item.sentiment)),
      el("td", {}, item.assignee ? item.assignee.display_name : "waiting"),
      el("td", {}, el("div", { class: "actions" },
        el("button", { type: "button", onclick: () => act(item.number, "take-over", undefined, `You took over ${item.number}.`) }, "Take over"),
        me()?.tier === "lead"
          ? el("button", { type: "button", class: "secondary", onclick: () => act(item.number, "join", undefined, `You joined ${item.number}.`) }, "Join")
          : null,
        reassignControl(item),
      )),
    );
    known.add(item.number);
    return [item.level, row];
  });
  replace($("escalations"), levels.filter((level) => level.count > 0).map((level) => [
    levelRow(level),
    rows.filter(([of]) => of === level.level).map(([, row]) => row),
  ]));
  $("no-escalations").classList.toggle("hidden", items.length > 0);
}

function renderQueues(queues) {
  replace($("queues"), queues.map((q) => el(
    "tr", {},
    el("th", { scope: "row" }, q.queue.replaceAll("_", " ")),
    el("td", {}, String(q.depth)),
    el("td", { class: q.depth && q.oldest_wait > q.target ? "error" : null }, q.depth ? since(q.oldest_wait) : "—"),
    el("td", {}, since(q.target)),
    el("td", {}, q.attainment === null ? "—" : `${Math.round(q.attainment * 100)}%`),
  )));
}

function renderAgents(rows) {
  replace($("agents"), rows.map((a) => el(
    "tr", {},
    el("th", { scope: "row" }, a.display_name),
    el("td", {}, a.tier),
    el("td", {}, a.presence),
    el("td", {}, String(a.load)),
    el("td", {}, a.cases.join(", ") || "—"),
    el("td", {}, String(a.handled_today)),
  )));
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" }) : "—";
}

function actAndRefreshions(incident) {
  if (me()?.tier !== "lead" || incident.status !== "active") return null;
  const id = `eta-${incident.id}`;
  const input = el("input", { id, type: "datetime-local" });
  return el("div", { class: "actions" },
    el("label", { for: id, class: "visually-hidden" }, `Estimated restoration in ${incident.district}`),
    input,
    el("button", {
      type: "button", class: "secondary",
      onclick: () => input.value && actAndRefresh(
        "PUT", `/api/incidents/${incident.id}/estimate`,
        { estimated_restoration: new Date(input.value).toISOString() },
        `Estimate set for ${incident.district}.`),
    }, "Set estimate"),
    el("button", {
      type: "button",
      onclick: () => actAndRefresh("POST", `/api/incidents/${incident.id}/restored`, undefined,
        `${incident.district} restored; linked customers are being told.`),
    }, "Restored"),
  );
}

function renderIncidents(incidents) {
  replace($("incidents"), incidents.map((i) => el(
    "tr", {},
    el("th", { scope: "row" }, i.district),
    el("td", {}, i.status),
    el("td", {}, `${i.reports} (${i.open_cases})`),
    el("td", {}, when(i.estimated_restoration)),
    el("td", {}, actAndRefreshions(i)),
  )));
  $("no-incidents").classList.toggle("hidden", incidents.length > 0);
}

function renderLockouts(lockouts) {
  replace($("lockouts"), lockouts.map((lock) => el(
    "tr", {},
    el("th", { scope: "row" }, `${lock.kind} `, el("code", {}, lock.name)),
    el("td", {}, String(lock.failures)),
    el("td", {}, String(lock.refused)),
    el("td", {}, time(lock.since)),
    el("td", {}, time(lock.until)),
    el("td", {}, el("button", {
      type: "button", class: "secondary",
      onclick: () => actAndRefresh("POST", "/api/console/lockouts/clear", { kind: lock.kind, name: lock.name },
        `Sign-in unlocked for ${lock.kind} ${lock.name}.`),
    }, "Unlock")),
  )));
  $("no-lockouts").classList.toggle("hidden", lockouts.length > 0);
}

async function actAndRefresh(method, path, body, done) {
  if ((await attempt(() => api(method, path, body), done)) !== null) await refresh();
}

async function refresh() {
  const lead = me()?.tier === "lead";
  const [escalations, queues, workload, incidents, lockouts] = await Promise.all([
    api("GET", "/api/console/escalations"),
    api("GET", "/api/console/queues"),
    api("GET", "/api/console/agents"),
    api("GET", "/api/incidents"),
    lead ? api("GET", "/api/console/lockouts") : null,
  ]);
  agents = workload.agents;
  renderEscalations(escalations.escalations, escalations.levels);
  renderQueues(queues.queues);
  renderAgents(workload.agents);
  renderIncidents(incidents.incidents);
  if (lockouts) renderLockouts(lockouts.lockouts);
  $("lockouts-panel").classList.toggle("hidden", !lead);
  if (detail) openDetail(detail, false);
}

function soon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => refresh().catch(() => {}), 100);
}

async function act(number, path, body, done) {
  const result = await attempt(() => api("POST", `/api/cases/${number}/${path}`, body), done);
  if (result !== null) {
    await refresh();
    if (path !== "reassign") await openDetail(number);
  }
}

async function openDetail(number, focus = true) {
  const card = await attempt(() => api("GET", `/api/cases/${number}`));
  if (!card) return;
  detail = number;
  $("detail").classList.remove("hidden");
  $("detail-title").textContent = `${number} · ${card.case.intent.replaceAll("_", " ")} · ${card.case.assignee ? card.case.assignee.display_name : "waiting"}`;
  replace($("transcript"), card.transcript.map((m) => el(
    "li", { class: m.direction },
    el("span", { class: "meta" }, `${m.direction === "inbound" ? "Customer" : m.author ? m.author.display_name : "Gateway"} · ${m.channel} · ${time(m.at)}`),
    el("span", { class: "body" }, m.body),
  )));
  $("transcript").scrollTop = $("transcript").scrollHeight;
  if (focus) $("detail-title").scrollIntoView({ block: "nearest" });
}

async function start(agent) {
  $("signin").classList.add("hidden");
  if (agent.tier === "rep") {
    $("signin").classList.remove("hidden");
    $("signin-status").textContent = "The console is for seniors and leads; representatives use the desk at /desk.";
    return;
  }
  $("console").classList.remove("hidden");
  $("presence-box").classList.remove("hidden");
  $("sign-out").classList.remove("hidden");
  $("who").textContent = `${agent.display_name} (${agent.tier})`;
  $("presence").value = agent.presence;
  $("presence").addEventListener("change", () =>
    attempt(() => setPresence($("presence").value), `You are ${$("presence").value}.`).then(soon));
  $("sign-out").addEventListener("click", async () => {
    await attempt(() => signOut());
    location.reload();
  });
  $("reply-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!detail) return;
    const sent = await attempt(() => api("POST", `/api/cases/${detail}/replies`, { body: $("reply").value }), "Reply sent.");
    if (sent) {
      $("reply").value = "";
      await openDetail(detail, false);
    }
  });
  live(soon, { status: $("live") });
  await refresh();
  setInterval(() => refresh().catch(() => {}), 5000);
}

boot(start);
