#!/usr/bin/env python3
"""The issue 23 table from one `deploy/load/bench-all` run directory (argument): markdown on stdout."""
import json
import re
import sys
from pathlib import Path

d = Path(sys.argv[1])
meta = json.loads((d / "meta.json").read_text())
end = json.loads((d / "meta-end.json").read_text())
lim = json.loads((d / "limit-sqlite.json").read_text())
lim_group_file = d / "limit-sqlite-group.json"
lim_group = json.loads(lim_group_file.read_text()) if lim_group_file.exists() else None
sq = json.loads((d / "rush-sqlite.json").read_text())
cl = json.loads((d / "cluster" / "rush.json").read_text())
cluster_txt = (d / "rush-cluster.txt").read_text()
minimal_txt = (d / "pgbench-minimal.txt").read_text()


def tps(text):
    m = re.search(r"^tps = ([0-9.]+)", text, re.M)
    return float(m.group(1)) if m else float("nan")


def p99(steps, names):
    return max(steps[n]["p99_ms"] for n in names)


def mib(kib):
    return kib / 1024.0


def ok(cond):
    return "**met**" if cond else "not met"


rush_steps = ["register", "account", "pay", "upload"]
conc = sq["concurrency"]
out = []
out.append(
    f"Run of {meta['started']} → {end['finished']}, commit `{meta['commit']}`, {meta['cpus']} CPUs, "
    f"load average before {meta['load_before']}, after {end['load_after']} "
    "(client, server(s), database and pgbench on the same cores). Release build. "
    f"Command: `deploy/load/bench-all --bidders {sq['bidders']} --concurrency {conc}` "
    "(all rows from this one run; raw outputs in `$BENCH_DIR`)."
)
fs = d / "fsync.txt"
if fs.exists():
    m = re.search(r"one 8kB write.*?fdatasync\s+([0-9.,]+) ops/sec", fs.read_text(), re.S)
    if m:
        out.append("")
        out.append(
            f"The disk: {m.group(1)} `fdatasync` of one 8 kB write per second (`pg_test_fsync -s 2` in the "
            "same directory): every durable commit waits for one, so it bounds both engines' write "
            "transactions per second."
        )
out.append("")
out.append("| goal (issue 23) | ggzy | limit, same run | ratio | goal |")
out.append("|---|---|---|---|---|")

# SQLite rush vs the SQLite ceiling
ceiling = lim["tps"] / 4.0
rate = sq["bidders_per_sec"]
worst = p99(sq["steps"], rush_steps)
out.append(
    f"| SQLite rush: ≥ 0.25 of the write ceiling, p99 < 100 ms per step at {conc} in flight "
    f"| {rate:.1f} bidders/s ({sq['acknowledged']} bids, 0 lost: missing {sq['missing']}, wrong {sq['wrong']}, "
    f"extra {sq['extra']}); p99 per step: "
    + ", ".join(f"{n} {sq['steps'][n]['p99_ms']:.0f} ms" for n in rush_steps)
    + f" | `limits sqlite`: {lim['tps']:.0f} two-insert tx/s ⇒ {ceiling:.0f} bidders/s (4 writes each) "
    f"| {rate / ceiling:.2f} | {ok(rate / ceiling >= 0.25 and worst < 100)} |"
)
full_file = d / "rush-sqlite-full.json"
if full_file.exists():
    fu = json.loads(full_file.read_text())
    fworst = p99(fu["steps"], rush_steps)
    out.append(
        "| the same SQLite rush with group commit off (`GGZY_SQLITE_GROUP_COMMIT=false`: one sync in "
        "every `COMMIT`), same build "
        f"| {fu['bidders_per_sec']:.1f} bidders/s ({fu['acknowledged']} bids, missing {fu['missing']}, "
        f"wrong {fu['wrong']}, extra {fu['extra']}); p99 per step: "
        + ", ".join(f"{n} {fu['steps'][n]['p99_ms']:.0f} ms" for n in rush_steps)
        + f" | `limits sqlite`: {ceiling:.0f} bidders/s | {fu['bidders_per_sec'] / ceiling:.2f} "
        f"| {ok(fu['bidders_per_sec'] / ceiling >= 0.25 and fworst < 100)} |"
    )
if lim_group:
    gceiling = lim_group["tps"] / 4.0
    out.append(
        "| the same SQLite rush against the ceiling with group commit (the server's default: "
        "commits share one `fdatasync` of the write-ahead log) "
        f"| {rate:.1f} bidders/s "
        f"| `limits sqlite --group-commit`: {lim_group['tps']:.0f} two-insert tx/s through the store "
        f"({lim_group.get('wal_syncs') or 0} WAL syncs) ⇒ {gceiling:.0f} bidders/s "
        f"| {rate / gceiling:.2f} | — |"
    )

# PostgreSQL cluster rush vs pgbench on the same SQL, and that SQL vs the minimal transaction
ratios = re.findall(
    r"ratio: cluster ([0-9.]+) bidders/s .*? / pgbench -c (\d+) ([0-9.]+) bidders/s .*? = ([0-9.]+)",
    cluster_txt,
)
same = next((r for r in ratios if int(r[1]) == cl["concurrency"]), ratios[0] if ratios else None)
minimal = tps(minimal_txt)
if same:
    crate, cc, ptps, ratio = float(same[0]), same[1], float(same[2]), float(same[3])
    out.append(
        f"| PostgreSQL 2-instance rush: ≥ 0.7 of pgbench on the same SQL "
        f"| {crate:.1f} bidders/s ({cl['acknowledged']} bids, missing {cl['missing']}, wrong {cl['wrong']}, "
        f"extra {cl['extra']}); p99 per step: "
        + ", ".join(f"{n} {cl['steps'][n]['p99_ms']:.0f} ms" for n in rush_steps)
        + f" | pgbench `rush.pgbench.sql`, {cc} clients: {ptps:.1f} bidders/s | {ratio:.2f} | {ok(ratio >= 0.7)} |"
    )
    # A bidder makes four write transactions (register, account, callback, upload): the minimal
    # transaction's rate divided by four is the bidders/s of a rush made of minimal transactions
    # (issue 23: "9,590 tps ⇒ 2,400 bidders/s").
    minimal_bidders = minimal / 4
    out.append(
        f"| the rush SQL within 2× of the minimal bid transaction "
        f"| `rush.pgbench.sql`: {ptps:.1f} bidders/s "
        f"| `minimal-bid.pgbench.sql`, {conc} clients: {minimal:.0f} tx/s ⇒ {minimal_bidders:.0f} bidders/s "
        f"(4 write transactions each) | {ptps / minimal_bidders:.2f} "
        f"| {ok(ptps * 2 >= minimal_bidders)} |"
    )
else:
    out.append("| PostgreSQL rush | (no ratio line in rush-cluster.txt) | | | |")

# Memory through the logins
for name, run in (("SQLite instance", sq), ("PostgreSQL node1", cl), ("PostgreSQL node2", cl)):
    key = name.split()[-1] if name.startswith("PostgreSQL") else "sqlite"
    r = run["rss"].get(key)
    if not r:
        continue
    hwm = mib(r.get("hwm_kib", 0))
    out.append(
        f"| memory < 150 MiB per instance through {meta['logins']} concurrent logins and the rush ({name}) "
        f"| lifetime peak {hwm:.0f} MiB; during the rush {mib(r['before_kib']):.0f} → {mib(r['peak_kib']):.0f} MiB, "
        f"after {mib(r['after_kib']):.0f} MiB | 150 MiB | {hwm / 150:.2f} | {ok(hwm < 150)} |"
    )

# Portal search
for engine, f in (("SQLite", "portal-sqlite.txt"), ("PostgreSQL", "portal-pg.txt")):
    p = d / f
    if not p.exists():
        continue
    rows = [l for l in p.read_text().splitlines() if l.startswith("| ")]
    lst = next((l for l in rows if l.startswith("| list")), None)
    searches = [l for l in rows if l.startswith("| search")]
    if not lst or not searches:
        continue
    cols = lambda l: [c.strip() for c in l.strip("|").split("|")]
    worst_row = max(searches, key=lambda l: float(cols(l)[3]))
    w = cols(worst_row)
    lc = cols(lst)
    n = re.search(r"(\d+) published announcements", p.read_text())
    n = int(n.group(1)) if n else 0
    goal = 20 if n <= 100_000 else 50
    out.append(
        f"| portal search p99 < {goal} ms at {n:,} announcements ({engine}), every scenario "
        f"| worst: {w[0]} p99 {w[3]} ms ({w[1]} req/s); all {len(searches)} searches "
        f"{'met' if all(float(cols(l)[3]) < goal for l in searches) else 'not all met'} "
        f"| the plain list: {lc[1]} req/s, p99 {lc[3]} ms | {float(w[3]) / goal:.2f} of the goal "
        f"| {ok(all(float(cols(l)[3]) < goal for l in searches))} |"
    )

# One live auction with its watchers, against one client's sequential transactions
one_sqlite = d / "limit-sqlite-one.json"
one_pg = d / "pgbench-minimal-one.txt"
for engine, f, limit in (
    ("SQLite", "auction-sqlite.json",
     (json.loads(one_sqlite.read_text())["tps"], "`limits sqlite --clients 1 --group-commit`")
     if one_sqlite.exists() else None),
    ("PostgreSQL", "auction-pg.json",
     (tps(one_pg.read_text()), "`pgbench -c 1` on `minimal-bid.pgbench.sql`") if one_pg.exists() else None),
):
    p = d / f
    if not p.exists():
        continue
    a = json.loads(p.read_text())
    fo, lw, bm = a["fanout_ms"], a["last_watcher_ms"], a["bid_ms"]
    clean = all(a[k] == 0 for k in ("missing", "duplicates_or_disorder", "failed_watchers", "log_mismatch",
                                    "extra_in_log"))
    lim_txt, ratio = ("—", "—")
    if limit:
        lim_txt = f"{limit[1]}: {limit[0]:.0f} two-insert tx/s, one after another"
        ratio = f"{a['bids_per_s'] / limit[0]:.2f}"
    out.append(
        f"| one auction ≥ 500 bids/s with fan-out p99 < 100 ms to {a['watchers']} watchers ({engine}) "
        f"| {a['bids_per_s']:.1f} bids/s ({a['accepted']} bids by {a['bidders']} bidders in turn, "
        f"{a['seconds']:.0f} s; bid p50 {bm['p50']:.1f} ms, p99 {bm['p99']:.1f} ms); fan-out over "
        f"{fo['deliveries']:,} deliveries p50 {fo['p50']:.1f} ms, p99 {fo['p99']:.1f} ms, max {fo['max']:.1f} ms "
        f"(last watcher of a bid: p99 {lw['p99']:.1f} ms); "
        + ("every watcher got every bid once, in order; the bid log holds exactly the acknowledged bids"
           if clean else f"**checks failed**: missing {a['missing']}, disorder {a['duplicates_or_disorder']}, "
           f"failed watchers {a['failed_watchers']}, log mismatches {a['log_mismatch']}")
        + f" | {lim_txt} | {ratio} | {ok(clean and a['bids_per_s'] >= 500 and fo['p99'] < 100)} |"
    )

out.append("")
out.append("Portal search, every scenario (API over HTTP, portal HTML page, the same SQL on the pool):")
for engine, f in (("SQLite", "portal-sqlite.txt"), ("PostgreSQL", "portal-pg.txt")):
    p = d / f
    if p.exists():
        out.append("")
        out.append(f"{engine}:")
        out.append("")
        out.extend(l for l in p.read_text().splitlines() if l.startswith("|"))
print("\n".join(out))
