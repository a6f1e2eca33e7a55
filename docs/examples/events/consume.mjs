// Follows a tenant's event feed (docs/events.md): resumes from a saved seq, skips events it has
// applied already (by id), and applies the rest in order. Node 18 or later (global fetch).
//
//   node consume.mjs --base http://127.0.0.1:8080 --tenant acme --token "$SCIM_ADMIN_TOKEN"
//
// --once stops when the feed is caught up instead of waiting for new events.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    base: { type: "string" },
    tenant: { type: "string" },
    token: { type: "string" },
    state: { type: "string", default: "feed-state.json" },
    once: { type: "boolean", default: false },
  },
});

// The last seq applied and the ids of the events applied (kept with it, so that an event
// delivered again after a crash is recognised).
function loadState(path) {
  if (!existsSync(path)) return { after: 0, seen: new Set() };
  const state = JSON.parse(readFileSync(path, "utf8"));
  return { after: state.after, seen: new Set(state.seen) };
}

function saveState(path, after, seen) {
  // Write-then-rename: a crash leaves the old state or the new one, never half of one.
  writeFileSync(`${path}.tmp`, JSON.stringify({ after, seen: [...seen].slice(-10000) }));
  renameSync(`${path}.tmp`, path);
}

// The product's reaction; here, one line per event.
function apply(event) {
  const { type, id } = event.resource;
  console.log(`${event.seq} ${event.type} ${type} ${id} by ${event.actor}`);
}

let { after, seen } = loadState(args.state);
const wait = args.once ? 0 : 30;
for (;;) {
  const url = `${args.base}/admin/v1/tenants/${args.tenant}/events?after=${after}&limit=100&wait=${wait}`;
  const response = await fetch(url, { headers: { Authorization: `Bearer ${args.token}` } });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  const page = await response.json();
  for (const event of page.events) { // in seq order
    if (!seen.has(event.id)) {
      apply(event);
      seen.add(event.id);
    }
    after = event.seq;
    saveState(args.state, after, seen);
  }
  after = page.next_after;
  if (args.once && page.events.length === 0) break;
}
