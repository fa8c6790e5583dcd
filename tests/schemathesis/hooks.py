"""Extra schemathesis checks for ggzy: every error answer is RFC 9457 problem+json."""
import ast
import json
import threading

import schemathesis

# CPython 3.11 before 3.11.9 keeps the AST converter's recursion depth in shared state, so two
# threads turning source into an AST at once can fail with "SystemError: AST constructor recursion
# depth mismatch" (python/cpython gh-106905). Hypothesis parses sources to describe its lambdas, and
# `--workers 2` runs two threads: the error then aborts an operation inside schemathesis itself (seen
# in CI on `PUT /api/v1/calendar/{year}`), not in ggzy. One lock around `ast.parse` serialises it.
_AST_LOCK = threading.Lock()
_ast_parse = ast.parse


def _serialised_parse(*args, **kwargs):
    with _AST_LOCK:
        return _ast_parse(*args, **kwargs)


ast.parse = _serialised_parse


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


# ---------------------------------------------------------------------------------------------
# Check characters a schema cannot state. The OpenAPI document gives the USCC (GB 32100-2015)
# and the resident ID (GB 11643-1999) their patterns, but not their check characters (a weighted
# sum mod 31 / ISO 7064 MOD 11-2) nor a resident ID's real birth date, so nearly every generated
# code would be refused (`uscc.check_character`, `resident_id.check_digit`) and the operations
# behind them never exercised. Before a case is sent, every string under a key naming a USCC or a
# resident ID that matches the pattern gets the right check character (and a real birth date), so
# those operations run with valid codes. The server's rules are unchanged: the negative phases still
# send broken codes and must get 422 problem+json.
import re

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")
RID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
RID_CHECK = "10X98765432"
RID_RE = re.compile(r"^[0-9]{17}[0-9X]$")


def uscc_fixed(s):
    if not isinstance(s, str) or not USCC_RE.match(s):
        return s
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(s[:17], USCC_WEIGHTS))
    return s[:17] + USCC_CHARS[(31 - total % 31) % 31]


def rid_fixed(s):
    if not isinstance(s, str) or not RID_RE.match(s):
        return s
    first = s[:6] + "19800101" + s[14:17]
    total = sum(int(c) * w for c, w in zip(first, RID_WEIGHTS))
    return first + RID_CHECK[total % 11]


def with_check_characters(value, key=""):
    k = key.lower()
    if isinstance(value, dict):
        return {kk: with_check_characters(v, kk) for kk, v in value.items()}
    if isinstance(value, list):
        return [with_check_characters(v, key) for v in value]
    if "uscc" in k:
        return uscc_fixed(value)
    if "resident_id" in k or k == "legal_representative_id":
        return rid_fixed(value)
    return value


@schemathesis.hook
def map_body(ctx, body):
    return with_check_characters(body)


@schemathesis.hook
def map_query(ctx, query):
    return with_check_characters(query)


# The bid upload names the project manager and the representative by resident ID in headers.
RID_HEADERS = ("x-project-manager-id", "x-representative-id")


@schemathesis.hook
def map_headers(ctx, headers):
    if not headers:
        return headers
    return {k: rid_fixed(v) if k.lower() in RID_HEADERS else v for k, v in headers.items()}
