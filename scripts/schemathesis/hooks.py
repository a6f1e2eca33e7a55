"""Hooks for the schemathesis run of scripts/schemathesis.sh."""

import schemathesis


@schemathesis.hook
def map_query(context, query):
    """Shortens valid long polls to at most one second.

    `GET /tenants/{tenant}/events?wait=N` may hold its answer for N seconds (up to 30) when there
    is no event: run for every generated example, that would make the run hours long. A valid
    `wait` becomes at most 1; invalid ones (negative, above 30, not a number) go through as
    generated, so the refusals are still tested.
    """
    if isinstance(query, dict):
        wait = query.get("wait")
        if isinstance(wait, int) and not isinstance(wait, bool) and 0 <= wait <= 30:
            query["wait"] = min(wait, 1)
    return query
