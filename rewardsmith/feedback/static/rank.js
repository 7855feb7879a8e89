// rewardsmith ranking page: pick the best and the worst rollout, then submit.
// Plain DOM code, no dependencies: the page must work offline and under a strict CSP.
"use strict";

const state = { candidates: [], selected: null, best: null, worst: null, done: false, busy: false };
const $ = (id) => document.getElementById(id);

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text; // never innerHTML: labels come from the run
  return node;
}

function card(cand) {
  const article = el("article", "card");
  article.id = "card-" + cand.number;
  article.dataset.id = cand.id;
  article.tabIndex = -1;
  const head = el("div", "card-head");
  head.append(el("span", "num", String(cand.number)), el("h2", "label", cand.label),
              el("span", "badge"));
  article.append(head);
  if (cand.video) {
    const video = el("video", "video");
    Object.assign(video, { muted: true, loop: true, autoplay: true, playsInline: true,
                           preload: "auto", src: cand.video });
    video.setAttribute("muted", "");
    article.append(video);
  } else {
    article.append(el("div", "video novideo", "no video (training failed or recorded none)"));
  }
  if (cand.summary) article.append(el("p", "summary", cand.summary));
  const buttons = el("div", "buttons");
  const best = el("button", "best", "Best");
  const worst = el("button", "worst", "Worst");
  best.type = worst.type = "button";
  best.addEventListener("click", () => mark("best", cand.id));
  worst.addEventListener("click", () => mark("worst", cand.id));
  buttons.append(best, worst);
  article.append(buttons);
  article.addEventListener("mousedown", () => select(cand.id));
  return article;
}

function labelOf(id) {
  const cand = state.candidates.find((c) => c.id === id);
  return cand ? `${cand.number} · ${cand.label}` : "—";
}

function canSubmit() {
  if (state.done || state.busy || !state.best || !state.worst) return false;
  return state.best !== state.worst || state.candidates.length === 1;
}

function render() {
  for (const article of document.querySelectorAll(".card")) {
    const id = article.dataset.id;
    article.classList.toggle("is-best", id === state.best);
    article.classList.toggle("is-worst", id === state.worst);
    article.classList.toggle("is-selected", id === state.selected);
    const badge = article.querySelector(".badge");
    badge.textContent = id === state.best ? (id === state.worst ? "ONLY" : "BEST")
                      : id === state.worst ? "WORST" : "";
    for (const button of article.querySelectorAll("button")) button.disabled = state.done;
  }
  $("choice").textContent = `Best: ${labelOf(state.best)}   ·   Worst: ${labelOf(state.worst)}`;
  $("submit").disabled = !canSubmit();
  $("why").disabled = state.done;
}

function select(id, scroll) {
  if (state.done) return;
  state.selected = id;
  // Scroll only for keyboard selection: moving a card under the mouse would eat the click.
  if (scroll) $("card-" + state.candidates.find((c) => c.id === id).number)
    .scrollIntoView({ block: "nearest" });
  render();
}

function mark(role, id) {
  if (state.done) return;
  state.selected = id;
  if (state.candidates.length === 1) {
    state.best = state.worst = id; // a single candidate is trivially both
  } else {
    const other = role === "best" ? "worst" : "best";
    if (state[other] === id) state[other] = null; // one candidate cannot be both
    state[role] = id;
  }
  setStatus("");
  render();
}

function setStatus(text, isError) {
  $("status").textContent = text;
  $("status").classList.toggle("error", Boolean(isError));
}

async function submit() {
  if (!canSubmit()) {
    setStatus("Mark a best and a different worst candidate first.", true);
    return;
  }
  state.busy = true;
  render();
  setStatus("Sending…");
  // The server stops as soon as it has the answer: a video still fetching its bytes then would
  // have its connection reset. The person has decided, so the videos stop before the answer
  // goes (and come back if it is refused).
  unloadVideos();
  try {
    const response = await fetch("/api/submit", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ best: state.best, worst: state.worst, why: $("why").value }),
    });
    const reply = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(reply.error || `HTTP ${response.status}`);
    finish();
  } catch (err) {
    reloadVideos();
    setStatus(`Not accepted: ${err.message}`, true);
  } finally {
    state.busy = false;
    render();
  }
}

function unloadVideos() {
  for (const video of document.querySelectorAll("video")) {
    if (video.getAttribute("src")) video.dataset.src = video.getAttribute("src");
    video.pause();
    video.removeAttribute("src");
    video.load();
  }
}

function reloadVideos() {
  for (const video of document.querySelectorAll("video")) {
    if (!video.dataset.src) continue;
    video.src = video.dataset.src;
    video.play().catch(() => {});
  }
}

function finish() {
  // The server stops once it has the answer: unload the looping videos, or the browser keeps
  // asking a server that is gone for their bytes (and logs "connection refused").
  unloadVideos();
  state.done = true;
  setStatus("");
  $("answer").hidden = true;
  $("thanks").hidden = false;
  document.body.classList.add("done");
  $("thanks").scrollIntoView({ block: "center" });
}

function onKey(event) {
  if (state.done || event.altKey || event.metaKey) return;
  const typing = event.target instanceof HTMLTextAreaElement;
  if (typing) {
    if (event.key === "Escape") event.target.blur();
    if (event.key === "Enter" && event.ctrlKey) { event.preventDefault(); submit(); }
    return; // letters and digits belong to the text
  }
  if (event.ctrlKey) return;
  if (/^[1-9]$/.test(event.key)) {
    const cand = state.candidates[Number(event.key) - 1];
    if (cand) select(cand.id, true);
  } else if (event.key === "b" || event.key === "w") {
    if (!state.selected) {
      setStatus("Select a candidate first with its number key (1–9).", true);
      return;
    }
    mark(event.key === "b" ? "best" : "worst", state.selected);
  } else if (event.key === "Enter") {
    event.preventDefault(); // do not also "click" a focused button
    submit();
  }
}

async function load() {
  try {
    const response = await fetch("/api/candidates", { cache: "no-store" });
    const data = await response.json();
    document.title = `${data.title} · rewardsmith`;
    $("title").textContent = data.title;
    if (data.context) { $("context").textContent = data.context; $("context").hidden = false; }
    state.candidates = data.candidates;
    $("grid").replaceChildren(...data.candidates.map(card));
    $("loading").remove();
    if (data.submitted) finish();
    render();
  } catch (err) {
    $("loading").textContent = `Could not load the candidates (${err.message}). Is the run still waiting?`;
  }
}

document.addEventListener("keydown", onKey);
document.addEventListener("DOMContentLoaded", () => {
  $("submit").addEventListener("click", submit);
  load();
});
