#!/usr/bin/env python3
"""Screenshots of the README's tour, taken from a running `ggzy serve --demo` with headless Chromium
driven through chromedriver (WebDriver over plain HTTP; Debian's chromium + chromium-driver; a CJK font such as fonts-wqy-microhei for the Chinese text).

    ggzy serve --demo --demo-password demo-pass-123 --listen 127.0.0.1:8080 &
    deploy/screenshots.py http://127.0.0.1:8080 demo-pass-123 docs/screenshots

Each shot signs in as the role that reads the page (the login form, as a person does).
"""
import base64, json, os, socket, subprocess, sys, time, urllib.request

BASE, PASSWORD, OUT = sys.argv[1].rstrip('/'), sys.argv[2], sys.argv[3]
SHOTS = [  # (file, user or None, path, width, height)
    ("portal.png", None, "/", 1280, 900),
    ("bidder-workbench.png", "bidder1", "/bidder", 1280, 900),
    ("bidder-mobile.png", "bidder1", "/bidder", 375, 812),
    ("expert-workbench.png", "expert1", "/expert", 1280, 900),
    ("tenderer.png", "tenderer", "/tenderer", 1280, 900),
    ("staff-queues.png", "staff", "/staff", 1280, 900),
    ("staff-week.png", "staff", "/staff/venues", 1280, 900),
    ("supervisor.png", "supervisor", "/supervisor", 1280, 900),
    ("bidder-auctions.png", "bidder1", "/bidder/auctions", 1280, 900),
]

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def call(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)

def main():
    os.makedirs(OUT, exist_ok=True)
    port = free_port()
    driver = subprocess.Popen(["chromedriver", f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wd = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                call("GET", wd + "/status"); break
            except Exception:
                time.sleep(0.1)
        for name, user, path, w, h in SHOTS:
            caps = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                f"--window-size={w},{h}", "--lang=zh-CN"]}}}}
            sid = call("POST", wd + "/session", caps)["value"]["sessionId"]
            s = f"{wd}/session/{sid}"
            try:
                if user:
                    call("POST", s + "/url", {"url": BASE + "/login?next=" + path})
                    for field, value in (("username", user), ("password", PASSWORD)):
                        el = call("POST", s + "/element", {"using": "css selector", "value": f"input[name={field}]"})["value"]
                        eid = list(el.values())[0]
                        call("POST", f"{s}/element/{eid}/value", {"text": value})
                    btn = call("POST", s + "/element", {"using": "css selector", "value": "form button[type=submit]"})["value"]
                    call("POST", f"{s}/element/{list(btn.values())[0]}/click", {})
                    time.sleep(1.0)
                call("POST", s + "/url", {"url": BASE + path})
                time.sleep(1.5)
                png = base64.b64decode(call("GET", s + "/screenshot")["value"])
                with open(os.path.join(OUT, name), "wb") as f:
                    f.write(png)
                print(f"{name}: {len(png)} bytes ({user or 'public'} {path})")
            finally:
                call("DELETE", s)
    finally:
        driver.kill()

main()
