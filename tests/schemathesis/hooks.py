"""Extra schemathesis checks for ggzy: every error answer is RFC 9457 problem+json."""
import json

import schemathesis


@schemathesis.check
def errors_are_problem_json(ctx, response, case):
    if response.status_code < 400:
        return None
    ct = response.headers.get("content-type") or response.headers.get("Content-Type") or [""]
    if isinstance(ct, list):
        ct = ct[0] if ct else ""
    if not ct.startswith("application/problem+json"):
        raise AssertionError(
            f"{case.method} {case.path}: {response.status_code} answered with content-type {ct!r}, "
            "expected application/problem+json"
        )
    body = json.loads(response.content or b"{}")
    for field in ("type", "title", "status"):
        if field not in body:
            raise AssertionError(f"{case.method} {case.path}: problem document without {field!r}: {body}")
    if body["status"] != response.status_code:
        raise AssertionError(f"{case.method} {case.path}: problem status {body['status']} != {response.status_code}")
    return None
