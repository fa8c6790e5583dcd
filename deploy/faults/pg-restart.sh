#!/usr/bin/env bash
# Fault: restart PostgreSQL under load.
#
#   deploy/faults/pg-restart.sh [LOAD_SECONDS] [DOWN_SECONDS]
#
# Starts deploy/local-cluster (PostgreSQL + 2 instances + nginx) in its own state directory, runs
# readers and keyed writers through nginx for LOAD_SECONDS, stops PostgreSQL (fast shutdown) after
# a few seconds, keeps it down for DOWN_SECONDS, starts it again, and then checks:
#   1. while it was down every answer was 503 application/problem+json (no 500, no other body);
#   2. the service recovered by itself (no instance restarted): time from PostgreSQL back to the
#      first successful write;
#   3. nothing half-written: every acknowledged write is present, every stored draft has its
#      `created` event, no idempotency key is left "in progress" beyond its retry window.
# Exit code 0 when all hold. Knobs: FAULTS_PG_PORT (55914), FAULTS_PORT (8914), GGZY_BIN.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
LOAD="${1:-30}"
DOWN="${2:-8}"
PG_PORT="${FAULTS_PG_PORT:-55914}"
PORT="${FAULTS_PORT:-8914}"
export GGZY_CLUSTER_DIR
GGZY_CLUSTER_DIR="$(mktemp -d /tmp/ggzy-faults-pg.XXXX)"
chmod 755 "$GGZY_CLUSTER_DIR"
export GGZY_CLUSTER_PG_PORT="$PG_PORT" GGZY_DEMO_PASSWORD="${GGZY_DEMO_PASSWORD:-demo-password-123}"
BASE="http://127.0.0.1:$PORT"
DRIVER="deploy/faults/driver.py"
OUT="$GGZY_CLUSTER_DIR/load.json"
SQL() { psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d ggzy -qAtc "$1"; }
cleanup() { deploy/local-cluster stop || true; }
trap cleanup EXIT
fail=0

deploy/local-cluster start --instances 2 --port "$PORT" --demo >/dev/null
pgctl="$(awk '$1 == "pg" {print $2}' "$GGZY_CLUSTER_DIR/pids")"
pgdata="$(awk '$1 == "pg" {print $3}' "$GGZY_CLUSTER_DIR/pids")"
as_pg() { if [[ "$(id -u)" -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pids_before="$(awk '$1 ~ /^node/ {print $2}' "$GGZY_CLUSTER_DIR/pids" | xargs)"

echo "== load for ${LOAD}s; PostgreSQL stopped at 5s for ${DOWN}s"
python3 "$DRIVER" load "$BASE" "$LOAD" "$OUT" &
load_pid=$!
sleep 5
t_down="$(date +%s.%N)"
as_pg "$pgctl" -D "$pgdata" -m fast stop >/dev/null
echo "PostgreSQL stopped"
sleep "$DOWN"
as_pg "$pgctl" -D "$pgdata" -l "$GGZY_CLUSTER_DIR/pg/log" -w \
    -o "-h 127.0.0.1 -p $PG_PORT -k $GGZY_CLUSTER_DIR/pg -c max_connections=300" start >/dev/null
t_up="$(date +%s.%N)"
echo "PostgreSQL started again"
wait "$load_pid"

echo "== 1. answers while PostgreSQL was down (from its stop until it was back)"
python3 - "$OUT" "$t_down" "$t_up" <<'EOF' || fail=1
import json, sys
data = json.load(open(sys.argv[1])); down, up = float(sys.argv[2]), float(sys.argv[3])
log = data["log"]
def summary(rows):
    c = {}
    for t, kind, s, ct, typ, detail in rows:
        k = f"{kind:5} {s} {ct or '-'} {typ or ''}"
        c[k] = c.get(k, 0) + 1
    for k, n in sorted(c.items()):
        print(f"  {n:5d} × {k}")
during = [r for r in log if down <= r[0] <= up]
print(f"before ({sum(1 for r in log if r[0] < down)} answers), during ({len(during)}), after ({sum(1 for r in log if r[0] > up)}):")
print(" during:"); summary(during)
print(" after:"); summary([r for r in log if r[0] > up])
bad = [r for r in log if r[2] >= 500 and (r[2] != 503 or r[3] != "application/problem+json") or r[2] == 0]
bad_nonproblem = [r for r in log if r[2] >= 400 and r[3] != "application/problem+json"]
details = sorted({r[5] for r in during if r[2] == 503 and r[5]})
print(" 503 details:", *[f"\n    {d[:150]}" for d in details[:5]])
first_ok = min((r[0] for r in log if r[0] > up and r[1] == "write" and r[2] == 201), default=None)
print(f" first acknowledged write {first_ok - up:.2f}s after PostgreSQL was back" if first_ok else " NO write succeeded after PostgreSQL came back")
for r in (bad + bad_nonproblem)[:10]:
    print("  BAD:", r)
sys.exit(1 if bad or bad_nonproblem or first_ok is None else 0)
EOF

echo "== 2. recovered by itself: same instance pids, all ready"
pids_after="$(awk '$1 ~ /^node/ {print $2}' "$GGZY_CLUSTER_DIR/pids" | xargs)"
deploy/local-cluster status
for p in $pids_after; do kill -0 "$p" || { echo "FAIL: instance $p died"; fail=1; }; done
[[ "$pids_before" == "$pids_after" ]] || { echo "FAIL: instances changed"; fail=1; }

echo "== 3. nothing half-written"
run="$(jq -r .run "$OUT")"
acked_ids="$(jq -r '.acked[]' "$OUT" | sort)"
n_acked="$(printf '%s\n' "$acked_ids" | grep -c . || true)"
in_db="$(SQL "SELECT id FROM announcements WHERE title LIKE '重启草稿 $run %'" | sort)"
n_db="$(printf '%s\n' "$in_db" | grep -c . || true)"
missing="$(comm -23 <(printf '%s\n' "$acked_ids") <(printf '%s\n' "$in_db") | grep -c . || true)"
no_event="$(SQL "SELECT COUNT(*) FROM announcements a WHERE a.title LIKE '重启草稿 $run %' AND NOT EXISTS (SELECT 1 FROM events e WHERE e.aggregate_id = a.id AND e.event_type = 'publishing.announcement.created')")"
open_keys="$(SQL "SELECT COUNT(*) FROM idempotency_keys WHERE idem_key LIKE 'pgr-$run-%' AND status IS NULL")"
unsealed="$(SQL "SELECT COUNT(*) FROM events WHERE seq IS NULL")"
echo "acknowledged: $n_acked; rows: $n_db (stored but not acknowledged: $((n_db - n_acked)); acknowledged but missing: $missing); rows without their event: $no_event; keys left in progress: $open_keys; events not yet sealed: $unsealed"
[[ "$missing" == 0 && "$no_event" == 0 ]] || { echo "FAIL: half-written data"; fail=1; }

[[ "$fail" == 0 ]] && echo "PASS: PostgreSQL restart under load" || echo "FAILED"
exit "$fail"
