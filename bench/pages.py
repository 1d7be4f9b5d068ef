"""Latency of the household page and the village list on a loaded database (issue 2).

Logs in as the township clerk, then requests the village list (HTML and API, page 1 and a deep page)
and household pages for random households, sequentially, and prints p50/p95/max per kind.

    python3 bench/pages.py http://127.0.0.1:8080 [REQUESTS]
"""
import http.cookiejar
import json
import random
import re
import statistics
import sys
import time
import urllib.request

base = sys.argv[1].rstrip("/")
n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def call(path, data=None):
    req = urllib.request.Request(base + path, data=data, headers={"Content-Type": "application/json"} if data else {})
    t = time.perf_counter()
    with opener.open(req) as resp:
        body = resp.read()
    return time.perf_counter() - t, body


call("/api/v1/session", json.dumps({"username": "town", "password": "zhenxing-demo"}).encode())
_, villages = call("/api/v1/villages")
villages = json.loads(villages)
codes = [v["code"] for v in (villages if isinstance(villages, list) else villages.get("villages", []))]
random.seed(7)
samples = {"村农户列表 HTML": [], "村农户列表 API": [], "农户详情 HTML": [], "农户详情 API": []}
numbers = []
for code in codes:
    _, body = call(f"/api/v1/households?village={code}&page=1")
    numbers += [row["household_no"] for row in json.loads(body)["items"]]
for i in range(n):
    code = random.choice(codes)
    page = random.choice([1, 2, 10, 50])
    samples["村农户列表 HTML"].append(call(f"/households?village={code}&page={page}")[0])
    samples["村农户列表 API"].append(call(f"/api/v1/households?village={code}&page={page}")[0])
    no = random.choice(numbers)
    samples["农户详情 HTML"].append(call(f"/households/{no}")[0])
    samples["农户详情 API"].append(call(f"/api/v1/households/{no}")[0])
for kind, xs in samples.items():
    xs.sort()
    p95 = xs[int(len(xs) * 0.95) - 1]
    print(f"{kind:14s} n={len(xs):4d}  p50 {statistics.median(xs) * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  max {xs[-1] * 1000:7.1f} ms  (goal p95 < 20 ms)")
