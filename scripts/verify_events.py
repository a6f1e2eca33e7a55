#!/usr/bin/env python3
"""Independent verification of what scim-server delivers.

Reads the deliveries a test receiver recorded (a JSON file written by the end-to-end test
`delivery::verifiers`, bins/scim-server/tests/it/delivery/verifiers.rs) and checks them with
third-party implementations, not with the server's own code:

- Standard Webhooks requests: the `standardwebhooks` package (the specification's reference
  library) verifies `webhook-id`, `webhook-timestamp` and `webhook-signature` against the
  subscription's `whsec_` secret.
- Security Event Tokens: PyJWT verifies each ES256 signature with the key it fetches from the
  server's JWKS (`/.well-known/jwks.json`), and the issuer and audience; the claims are then
  checked against RFC 8417 (SET), RFC 9967 (SCIM events: `sub_id`, the event URIs, `data` or
  `attributes`) and RFC 8935 (the push request's media type).
- RFC 8936 polling, live against the running server: a poll returns `sets` keyed by `jti` and
  `moreAvailable`; every SET verifies; acknowledging them all leaves nothing to poll.

Usage: verify_events.py RECORDS.json   (exit status 0 when everything verifies)
"""

import json
import sys
import urllib.request

import jwt
from standardwebhooks.webhooks import Webhook

SET_MEDIA_TYPE = "application/secevent+jwt"
VERIFICATION = "https://schemas.openid.net/secevent/ssf/event-type/verification"
PROV = "urn:ietf:params:scim:event:prov:"
# RFC 9967 §7.4, the provisioning events.
WITH_PAYLOAD = {"create", "patch", "put"}
WITHOUT_PAYLOAD = {"delete", "activate", "deactivate"}

failures = []


def fail(what):
    failures.append(what)
    print("FAIL: " + what, file=sys.stderr)


def verify_webhook(record):
    headers = record["headers"]
    body = record["body"]
    try:
        payload = Webhook(record["secret"]).verify(body, headers)
    except Exception as e:  # the library raises its own error types
        fail(f"webhook {headers.get('webhook-id')}: {e!r}")
        return
    if headers.get("content-type") != "application/json":
        fail(f"webhook {headers.get('webhook-id')}: content-type {headers.get('content-type')}")
    if payload.get("id") != headers.get("webhook-id"):
        fail(f"webhook-id {headers.get('webhook-id')} is not the event id {payload.get('id')}")


def check_set_claims(claims):
    jti = claims.get("jti")
    for claim in ("iss", "iat", "jti", "aud", "events"):
        if claim not in claims:
            fail(f"SET {jti}: no {claim} (RFC 8417 §2.2)")
    if "sub" in claims:
        fail(f"SET {jti}: `sub` present (RFC 9967 §2.1 uses sub_id)")
    events = claims.get("events")
    if not isinstance(events, dict) or len(events) != 1:
        fail(f"SET {jti}: events is not an object with one event: {events!r}")
        return
    ((uri, payload),) = events.items()
    sub_id = claims.get("sub_id")
    if uri == VERIFICATION:
        if not isinstance(sub_id, dict) or sub_id.get("format") != "opaque":
            fail(f"SET {jti}: a verification event about {sub_id!r}")
        return
    if not isinstance(claims.get("txn"), str):
        fail(f"SET {jti}: no txn (RFC 9967 §2.2)")
    if not isinstance(sub_id, dict) or sub_id.get("format") != "scim":
        fail(f"SET {jti}: sub_id is not of format scim: {sub_id!r}")
    elif not str(sub_id.get("uri", "")).startswith(("/Users/", "/Groups/")):
        fail(f"SET {jti}: sub_id.uri {sub_id.get('uri')!r} is not a relative resource path")
    if not uri.startswith(PROV) or not isinstance(payload, dict):
        fail(f"SET {jti}: {uri} is not an RFC 9967 provisioning event")
        return
    name, _, form = uri[len(PROV):].partition(":")
    if name in WITHOUT_PAYLOAD:
        if form or payload:
            fail(f"SET {jti}: {uri} has a qualifier or a payload (RFC 9967 §2.4.4-6)")
    elif name in WITH_PAYLOAD:
        if form not in ("full", "notice"):
            fail(f"SET {jti}: {uri} is neither full nor notice")
        has_data, has_attributes = "data" in payload, "attributes" in payload
        if has_data == has_attributes:
            fail(f"SET {jti}: {uri} needs exactly one of data and attributes (RFC 9967 §2.4)")
        if (form == "full") != has_data:
            fail(f"SET {jti}: {uri} with {sorted(payload)} (full has data, notice attributes)")
    else:
        fail(f"SET {jti}: {uri} is not registered by RFC 9967")


def verify_set(token, jwks, issuer, audience):
    try:
        header = jwt.get_unverified_header(token)
        key = jwks.get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            key.key,
            algorithms=["ES256"],
            audience=audience,
            issuer=issuer,
            options={"require": ["iss", "iat", "jti", "aud"]},
        )
    except Exception as e:  # PyJWT raises its own error types
        fail(f"SET does not verify: {e!r}")
        return None
    if header.get("typ") != "secevent+jwt":
        fail(f"SET {claims.get('jti')}: typ {header.get('typ')!r} (RFC 8417 §2.3)")
    check_set_claims(claims)
    return claims


def post_json(url, secret, body):
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {secret}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, json.load(response)


def verify_poll(poll, jwks, issuer):
    status, answer = post_json(poll["url"], poll["secret"], {"maxEvents": 1000, "returnImmediately": True})
    if status != 200 or set(answer) - {"sets", "moreAvailable"} or not isinstance(answer.get("sets"), dict):
        fail(f"poll answered {status} {answer!r} (RFC 8936 §2.5)")
        return 0
    sets = answer["sets"]
    for jti, token in sets.items():
        claims = verify_set(token, jwks, issuer, poll["audience"])
        if claims is not None and claims.get("jti") != jti:
            fail(f"poll: the SET under {jti} has jti {claims.get('jti')}")
    if len(sets) != poll["expected"]:
        fail(f"poll: {len(sets)} SETs, {poll['expected']} expected")
    status, answer = post_json(poll["url"], poll["secret"], {"ack": list(sets), "maxEvents": 0, "returnImmediately": True})
    if status != 200 or answer.get("sets") != {}:
        fail(f"acknowledging answered {status} {answer!r}")
    status, answer = post_json(poll["url"], poll["secret"], {"returnImmediately": True})
    if status != 200 or answer.get("sets") != {} or answer.get("moreAvailable"):
        fail(f"after acknowledging everything, a poll answered {status} {answer!r}")
    return len(sets)


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        records = json.load(f)
    if not records["webhooks"] or not records["sets"]:
        fail("nothing to verify: no webhook or no SET was recorded")
    jwks = jwt.PyJWKClient(records["jwks_url"], cache_keys=True)
    for record in records["webhooks"]:
        verify_webhook(record)
    for record in records["sets"]:
        if record["content_type"] != SET_MEDIA_TYPE:
            fail(f"a SET pushed as {record['content_type']} (RFC 8935 §2.2)")
        verify_set(record["token"], jwks, records["issuer"], record["audience"])
    polled = verify_poll(records["poll"], jwks, records["issuer"]) if records.get("poll") else 0
    print(
        f"verified {len(records['webhooks'])} Standard Webhooks requests (standardwebhooks), "
        f"{len(records['sets'])} pushed SETs and {polled} polled SETs (PyJWT, JWKS): "
        f"{len(failures)} failures"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
