#!/usr/bin/env python3
"""Load and checks for the fault scripts (deploy/faults/*.sh). Standard library only.

    driver.py schedule BASE N SECONDS          announcements approved to publish in SECONDS (timers)
    driver.py burst BASE N CONC OUT [KILL_AFTER KILL_CMD]
                                               N announcement drafts with Idempotency-Key, CONC at a
                                               time, each retried until acknowledged; runs KILL_CMD
                                               once KILL_AFTER are acknowledged
    driver.py replay BASE OUT                  every key again: the same answer must come back
    driver.py load BASE SECONDS OUT            mixed reads and keyed writes for SECONDS, every answer
                                               logged (for the PostgreSQL restart)

Users are the demo users with password $GGZY_DEMO_PASSWORD (default demo-password-123).
"""
import datetime
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

PASSWORD = os.environ.get("GGZY_DEMO_PASSWORD", "demo-password-123")
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def req(base, method, path, body=None, token=None, key=None, timeout=30):
    """(status, content type, parsed body) — status 0 when no HTTP answer came back."""
    data = None if body is None else json.dumps(body).encode()
    r = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        r.add_header("Content-Type", "application/json")
    if token:
        r.add_header("Authorization", "Bearer " + token)
    if key:
        r.add_header("Idempotency-Key", key)
    try:
        with urllib.request.urlopen(r, timeout=timeout) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), parse(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), parse(e.read())
    except Exception as e:  # connection refused/reset, timeout
        return 0, "", str(e)


def parse(b):
    try:
        return json.loads(b)
    except Exception:
        return b.decode("utf-8", "replace")[:200]


def login(base, user):
    for _ in range(50):
        s, _, v = req(base, "POST", "/api/v1/auth/login", {"username": user, "password": PASSWORD})
        if s == 200:
            return v["token"]
        time.sleep(0.2)
    sys.exit(f"cannot log in as {user}")


def iso(t):
    return t.astimezone(SHANGHAI).isoformat(timespec="seconds")


def tender(title, docs_at):
    return {
        "market": "construction",
        "type": "tender",
        "title": title,
        "body": "## 招标条件\n\n故障测试。",
        "fields": {
            "project_name": title,
            "scope": "道路改造 3.2 公里",
            "scale": "估算价 1200 万元",
            "funding": "财政资金",
            "qualification_requirements": "市政公用工程施工总承包三级及以上",
            "consortium_accepted": False,
            "documents_access": "登录平台免费下载",
            "docs_available_at": iso(docs_at),
            "bid_deadline": iso(docs_at + datetime.timedelta(days=30)),
            "submission_method": "电子投标",
            "tenderer_contact": "大连市市政建设管理处，0411-00000000",
            "platform_url": "https://ggzy.example.cn",
        },
    }


def platform_now(base):
    """The platform's clock (simulated in a sandbox, `serve --demo`): timers follow it, not ours."""
    s, _, v = req(base, "GET", "/api/v1/clock")
    assert s == 200, (s, v)
    now = datetime.datetime.fromisoformat(v["now"].replace("Z", "+00:00"))
    # In a sandbox running N times faster, `seconds` of real time are N times as many platform seconds.
    return now, int(v.get("scale") or 1)


def schedule(base, n, seconds):
    tenderer, staff = login(base, "tenderer"), login(base, "staff")
    now, scale = platform_now(base)
    at = now.replace(microsecond=0) + datetime.timedelta(seconds=seconds * scale)
    ids = []
    for i in range(n):
        s, _, v = req(base, "POST", "/api/v1/announcements", tender(f"定时公告 {i} {uuid.uuid4().hex[:6]}", at), tenderer)
        assert s == 201, (s, v)
        aid = v["id"]
        s, _, v = req(base, "POST", f"/api/v1/announcements/{aid}/submit", {}, tenderer)
        assert s == 200, (s, v)
        s, _, v = req(base, "POST", f"/api/v1/announcements/{aid}/approve", {"publish_at": iso(at)}, staff)
        assert s == 200 and v["status"] == "scheduled", (s, v)
        ids.append(aid)
    print(json.dumps({"publish_at": iso(at), "ids": ids}))


def burst(base, n, conc, out, kill_after=None, kill_cmd=None):
    token = login(base, "tenderer")
    run = uuid.uuid4().hex[:8]
    docs_at = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    jobs = [(f"fault-{run}-{i}", tender(f"故障草稿 {run} {i}", docs_at)) for i in range(n)]
    results, lock = {}, threading.Lock()
    acked = [0]
    killed = [None]
    nxt = [0]

    def worker():
        while True:
            with lock:
                if nxt[0] >= len(jobs):
                    return
                key, body = jobs[nxt[0]]
                nxt[0] += 1
            attempts, errors = 0, []
            deadline = time.time() + 150
            while True:
                attempts += 1
                s, ct, v = req(base, "POST", "/api/v1/announcements", body, token, key)
                if s == 201:
                    break
                if s == 409 and isinstance(v, dict) and v.get("rule") == "idempotency.answer_lost":
                    # The first attempt committed, its instance died before answering: the
                    # server refuses to run it again. The write exists; the client reads it back.
                    errors.append("409 idempotency.answer_lost")
                    break
                errors.append(f"{s} {ct.split(';')[0]} {v.get('type') if isinstance(v, dict) else ' '.join(str(v).split())[:60]}")
                if time.time() > deadline:
                    break
                # 0/502: the instance died under the request; 409: the first attempt's key is
                # still marked in progress (it is retried after a minute); 503: transient.
                time.sleep(1.0 if s == 409 else 0.3)
            with lock:
                results[key] = {"status": s, "id": v.get("id") if isinstance(v, dict) else None,
                                "body": body, "attempts": attempts, "errors": errors}
                if s == 201:
                    acked[0] += 1
                if kill_cmd and killed[0] is None and acked[0] >= kill_after:
                    killed[0] = acked[0]
                    subprocess.run(kill_cmd, shell=True, check=False)

    t0 = time.time()
    ts = [threading.Thread(target=worker) for _ in range(conc)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    took = time.time() - t0
    json.dump({"run": run, "results": results}, open(out, "w"), ensure_ascii=False)
    retried = {k: r for k, r in results.items() if r["attempts"] > 1}
    print(f"burst: {n} keyed writes, {conc} at a time, {took:.1f}s; killed after {killed[0]} acknowledged")
    print(f"  acknowledged: {sum(1 for r in results.values() if r['status'] == 201)} / {n}")
    print(f"  writes that needed retries: {len(retried)}")
    seen = {}
    for r in retried.values():
        for e in r["errors"]:
            seen[e] = seen.get(e, 0) + 1
    for e, c in sorted(seen.items(), key=lambda x: -x[1]):
        print(f"    {c:4d} × {e}")


def replay(base, out):
    token = login(base, "tenderer")
    data = json.load(open(out))
    same = differ = 0
    for key, r in data["results"].items():
        s, _, v = req(base, "POST", "/api/v1/announcements", r["body"], token, key)
        if s == r["status"] and isinstance(v, dict) and v.get("id") == r["id"]:
            same += 1
        else:
            differ += 1
            print(f"  DIFFERENT for {key}: first {r['status']} {r['id']}, retry {s} {v}")
    print(f"replay: {same} keys answered the same, {differ} differently")
    return differ == 0


def load(base, seconds, out):
    """Readers and keyed writers for SECONDS; each answer logged as (t, kind, status, type, problem)."""
    token = login(base, "tenderer")
    run = uuid.uuid4().hex[:8]
    docs_at = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    log, lock = [], threading.Lock()
    stop = time.time() + seconds
    acked = {}

    def reader():
        while time.time() < stop:
            for path, tok in (("/api/v1/announcements", None), ("/api/v1/auth/me", token)):
                s, ct, v = req(base, "GET", path, token=tok, timeout=40)
                with lock:
                    log.append((time.time(), "read", s, ct.split(";")[0], v.get("type") if isinstance(v, dict) else None,
                                v.get("detail") if isinstance(v, dict) and s >= 400 else None))
            time.sleep(0.05)

    def writer(w):
        i = 0
        while time.time() < stop:
            key, body = f"pgr-{run}-{w}-{i}", tender(f"重启草稿 {run} {w} {i}", docs_at)
            s, ct, v = req(base, "POST", "/api/v1/announcements", body, token, key, timeout=40)
            with lock:
                log.append((time.time(), "write", s, ct.split(";")[0], v.get("type") if isinstance(v, dict) else None,
                            v.get("detail") if isinstance(v, dict) and s >= 400 else None))
                if s == 201:
                    acked[key] = v["id"]
            i += 1
            time.sleep(0.05)

    ts = [threading.Thread(target=reader) for _ in range(2)] + [threading.Thread(target=writer, args=(w,)) for w in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    json.dump({"run": run, "log": log, "acked": acked}, open(out, "w"), ensure_ascii=False)


def main():
    cmd, base = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else ""
    if cmd == "schedule":
        schedule(base, int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == "burst":
        kill_after = int(sys.argv[6]) if len(sys.argv) > 6 else None
        kill_cmd = sys.argv[7] if len(sys.argv) > 7 else None
        burst(base, int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], kill_after, kill_cmd)
    elif cmd == "replay":
        sys.exit(0 if replay(base, sys.argv[3]) else 1)
    elif cmd == "load":
        load(base, int(sys.argv[3]), sys.argv[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
