"""Run the scim2-tester conformance checks against a live scim-server.

Usage: python scim2_tester_check.py BASE_URL TOKEN

BASE_URL is the SCIM root (http://127.0.0.1:8080/scim/v2). Every check result is printed; the
run fails when any check ends in ERROR or CRITICAL, or in DEVIATION without a documented
reason below. The last line is "scim2-tester: N passed, N failed, N skipped".

The ServiceProviderConfig carries `securityEvents`, which RFC 9967 §4 (May 2026) adds to its
schema. scim2-models predates RFC 9967 and refuses attributes it does not know, so the
transport below checks that block against RFC 9967 §4 itself and hands the library the rest
of the document, which it checks as usual.
"""

import json
import sys
from collections import Counter

import httpx2
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

# scim2-tester tags to leave out, each with the reason it does not apply to this server. Empty:
# every check applies. Only a feature the server neither offers nor advertises may go here,
# never a failure to hide.
SKIPPED_TAGS: dict[str, str] = {}

PASSING = {Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE}

# RFC 9967 §4: the values of asyncRequest.
ASYNC_REQUEST = {"none", "long", "request"}


class SecurityEventsTransport(httpx2.BaseTransport):
    """Checks and removes RFC 9967's `securityEvents` from the ServiceProviderConfig."""

    def __init__(self) -> None:
        self.inner = httpx2.HTTPTransport()
        self.problems: list[str] = []

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        response = self.inner.handle_request(request)
        if request.method != "GET" or not request.url.path.endswith("/ServiceProviderConfig"):
            return response
        response.read()
        if response.status_code != 200:
            return response
        document = json.loads(response.content)
        events = document.pop("securityEvents", None)
        if events is not None:
            if not isinstance(events, dict) or set(events) - {"asyncRequest", "eventUris"}:
                self.problems.append(f"securityEvents is not as RFC 9967 §4 defines it: {events!r}")
            elif str(events.get("asyncRequest", "")).lower() not in ASYNC_REQUEST:
                self.problems.append(f"securityEvents.asyncRequest: {events.get('asyncRequest')!r}")
            elif not all(isinstance(u, str) for u in events.get("eventUris", [])):
                self.problems.append(f"securityEvents.eventUris: {events.get('eventUris')!r}")
        # The body is decoded and rewritten: its length and encoding headers no longer apply.
        dropped = {"content-length", "content-encoding"}
        headers = [(k, v) for k, v in response.headers.items() if k.lower() not in dropped]
        return httpx2.Response(response.status_code, headers=headers, content=json.dumps(document).encode())

    def close(self) -> None:
        self.inner.close()
FAILING = {Status.ERROR, Status.CRITICAL, Status.DEVIATION}


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    base_url, token = sys.argv[1], sys.argv[2]
    transport = SecurityEventsTransport()
    http = httpx2.Client(
        base_url=base_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
        transport=transport,
    )
    client = SyncSCIMClient(http)
    results = check_server(
        client,
        raise_exceptions=False,
        exclude_tags=set(SKIPPED_TAGS) or None,
    )
    counts: Counter[str] = Counter()
    for result in results:
        where = f" [{result.resource_type}]" if result.resource_type else ""
        line = f"{result.status.name:<10} {result.title}{where}"
        if result.reason and result.status not in PASSING:
            line += f": {result.reason}"
        print(line)
        if result.status in FAILING and result.data is not None:
            print(f"           data: {result.data!r}"[:2000])
        if result.status in PASSING:
            counts["passed"] += 1
        elif result.status == Status.SKIPPED:
            counts["skipped"] += 1
        else:
            counts["failed"] += 1
    for problem in transport.problems:
        print(f"ERROR      {problem}")
        counts["failed"] += 1
    for tag, reason in SKIPPED_TAGS.items():
        print(f"skipped tag {tag}: {reason}")
    print(
        f"scim2-tester: {counts['passed']} passed, {counts['failed']} failed, "
        f"{counts['skipped']} skipped"
    )
    if not results:
        print("scim2-tester ran no check", file=sys.stderr)
        return 1
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
