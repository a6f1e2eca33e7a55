"""Follows a tenant's event feed (docs/events.md): resumes from a saved seq, skips events it has
applied already (by id), and applies the rest in order.

    python3 consume.py --base http://127.0.0.1:8080 --tenant acme --token "$SCIM_ADMIN_TOKEN"

--once stops when the feed is caught up instead of waiting for new events. Standard library only.
"""

import argparse
import json
import os
import urllib.request


def load_state(path):
    """The last seq applied and the ids of the events applied (kept with it, so that an event
    delivered again after a crash is recognised)."""
    if os.path.exists(path):
        with open(path) as f:
            state = json.load(f)
        return state["after"], set(state["seen"])
    return 0, set()


def save_state(path, after, seen):
    # Write-then-rename: a crash leaves the old state or the new one, never half of one.
    with open(path + ".tmp", "w") as f:
        json.dump({"after": after, "seen": sorted(seen)[-10000:]}, f)
    os.replace(path + ".tmp", path)


def apply(event):
    """The product's reaction; here, one line per event."""
    resource = event["resource"]
    print(f'{event["seq"]} {event["type"]} {resource["type"]} {resource["id"]} by {event["actor"]}')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--state", default="feed-state.json")
    parser.add_argument("--once", action="store_true")
    args = parser.parse_args()

    after, seen = load_state(args.state)
    wait = 0 if args.once else 30
    while True:
        url = f"{args.base}/admin/v1/tenants/{args.tenant}/events?after={after}&limit=100&wait={wait}"
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {args.token}"})
        with urllib.request.urlopen(request, timeout=wait + 30) as response:
            page = json.load(response)
        for event in page["events"]:  # in seq order
            if event["id"] not in seen:
                apply(event)
                seen.add(event["id"])
            after = event["seq"]
            save_state(args.state, after, seen)
        after = page["next_after"]
        if args.once and not page["events"]:
            return


if __name__ == "__main__":
    main()
