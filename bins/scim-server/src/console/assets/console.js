// The console's only script, served from the binary. Every page works without it; it adds
// copy buttons, confirmations, and live updates of the activity page (server-sent events,
// or polling where EventSource is missing or keeps failing).
"use strict";

document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  const text = source.value !== undefined ? source.value : source.textContent;
  try {
    await navigator.clipboard.writeText(text);
  } catch (_) {
    source.select && source.select();
    document.execCommand && document.execCommand("copy");
  }
  const label = button.textContent;
  button.textContent = "Copied";
  const status = document.getElementById("copy-status");
  if (status) status.textContent = "Copied to the clipboard.";
  setTimeout(() => { button.textContent = label; }, 1500);
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.dataset && form.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});

(function live() {
  const table = document.querySelector("[data-live]");
  if (!table) return;
  const body = table.querySelector("tbody");
  const status = document.getElementById("live-status");
  const base = table.dataset.live;
  let after = Number(table.dataset.after || "0");
  const setState = (state, text) => {
    if (!status) return;
    status.dataset.state = state;
    status.textContent = text;
  };
  const add = (html, seq) => {
    if (seq <= after) return;
    after = seq;
    const empty = body.querySelector("[data-empty]");
    if (empty) empty.remove();
    body.insertAdjacentHTML("afterbegin", html);
  };
  const query = (extra) => {
    const url = new URL(base, window.location.href);
    url.searchParams.set("after", String(after));
    if (extra) url.pathname += extra;
    return url;
  };
  let polling = null;
  const poll = () => {
    if (polling) return;
    setState("live", "Live (checking every 5 seconds)");
    polling = setInterval(async () => {
      try {
        const response = await fetch(query("/rows"), { credentials: "same-origin" });
        if (!response.ok) { setState("off", "Not updating: reload the page"); return; }
        const rows = await response.json();
        for (const row of rows) add(row.html, row.seq);
      } catch (_) { setState("off", "Not updating: the server does not answer"); }
    }, 5000);
  };
  if (!window.EventSource) { poll(); return; }
  let failures = 0;
  const source = new EventSource(query("/stream"));
  source.addEventListener("open", () => { failures = 0; setState("live", "Live"); });
  source.addEventListener("row", (event) => add(event.data, Number(event.lastEventId)));
  source.addEventListener("error", () => {
    failures += 1;
    if (failures >= 3) { source.close(); poll(); } else { setState("off", "Reconnecting…"); }
  });
})();
