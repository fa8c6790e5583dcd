#!/usr/bin/env bash
# Fault: kill -9 one instance in the middle of a burst of writes (through nginx).
#
#   deploy/faults/kill-instance.sh [N_WRITES] [CONCURRENCY]
#
# Starts deploy/local-cluster (PostgreSQL + 2 instances + nginx) in its own state directory,
# schedules announcements to be published by durable timers a little later, runs a burst of
# announcement drafts each with its own Idempotency-Key (clients retry the same key until they
# get an answer), kill -9s node1 once a third of the burst is acknowledged, and then checks:
#   1. every acknowledged write is in the database, and each key created exactly one row;
#   2. retrying every key returns the same answer (status and id);
#   3. every scheduled announcement was published by its timer exactly once, no timer left over.
# Exit code 0 when all hold. Knobs: FAULTS_PG_PORT (55914), FAULTS_PORT (8914), GGZY_BIN.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
N="${1:-300}"
CONC="${2:-8}"
PG_PORT="${FAULTS_PG_PORT:-55914}"
PORT="${FAULTS_PORT:-8914}"
export GGZY_CLUSTER_DIR
GGZY_CLUSTER_DIR="$(mktemp -d /tmp/ggzy-faults-kill.XXXX)"
chmod 755 "$GGZY_CLUSTER_DIR"
export GGZY_CLUSTER_PG_PORT="$PG_PORT" GGZY_DEMO_PASSWORD="${GGZY_DEMO_PASSWORD:-demo-password-123}"
BASE="http://127.0.0.1:$PORT"
DRIVER="deploy/faults/driver.py"
SQL() { psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d ggzy -qAtc "$1"; }
cleanup() { deploy/local-cluster stop || true; }
trap cleanup EXIT
fail=0

deploy/local-cluster start --instances 2 --port "$PORT" --demo >/dev/null
deploy/local-cluster status

echo "== timers: 6 announcements approved to publish in 25 s"
sched="$(python3 "$DRIVER" schedule "$BASE" 6 25)"
echo "$sched" | jq -c .

echo "== burst of $N keyed writes, kill -9 node1 after $((N / 3)) are acknowledged"
python3 "$DRIVER" burst "$BASE" "$N" "$CONC" "$GGZY_CLUSTER_DIR/burst.json" "$((N / 3))" \
    "deploy/local-cluster kill 1"
deploy/local-cluster status

echo "== 1. every acknowledged write is present, one row per key"
run="$(jq -r .run "$GGZY_CLUSTER_DIR/burst.json")"
acked_ids="$(jq -r '.results[] | select(.status == 201) | .id' "$GGZY_CLUSTER_DIR/burst.json" | sort)"
n_acked="$(printf '%s\n' "$acked_ids" | grep -c . || true)"
in_db="$(SQL "SELECT id FROM announcements WHERE title LIKE '故障草稿 $run %' ORDER BY id" | sort)"
n_db="$(printf '%s\n' "$in_db" | grep -c . || true)"
missing="$(comm -23 <(printf '%s\n' "$acked_ids") <(printf '%s\n' "$in_db") | grep -c . || true)"
dupes="$(SQL "SELECT COUNT(*) FROM (SELECT title FROM announcements WHERE title LIKE '故障草稿 $run %' GROUP BY title HAVING COUNT(*) > 1) d")"
created_events="$(SQL "SELECT COUNT(*) FROM events e JOIN announcements a ON a.id = e.aggregate_id WHERE a.title LIKE '故障草稿 $run %' AND e.event_type = 'publishing.announcement.created'")"
echo "acknowledged: $n_acked; rows in the database: $n_db; acknowledged but missing: $missing; titles created twice: $dupes; created events: $created_events"
[[ "$missing" == 0 && "$dupes" == 0 && "$n_db" == "$n_acked" && "$created_events" == "$n_db" ]] || { echo "FAIL: writes"; fail=1; }

echo "== 2. retries with the same Idempotency-Key return the same answer"
python3 "$DRIVER" replay "$BASE" "$GGZY_CLUSTER_DIR/burst.json" || { echo "FAIL: replay"; fail=1; }

echo "== 3. timers fired once"
ids_sql="$(echo "$sched" | jq -r '[.ids[] | "'"'"'" + . + "'"'"'"] | join(",")')"
not_once() {
    SQL "SELECT COUNT(*) FROM announcements a WHERE a.id IN ($ids_sql) AND (a.status <> 'published' OR (SELECT COUNT(*) FROM events e WHERE e.aggregate_id = a.id AND e.event_type = 'publishing.announcement.published') <> 1)"
}
for _ in $(seq 1 60); do [[ "$(not_once)" == 0 ]] && break; sleep 1; done
sleep 2 # a second firing would show now
SQL "SELECT a.id, a.status, (SELECT COUNT(*) FROM events e WHERE e.aggregate_id = a.id AND e.event_type = 'publishing.announcement.published') AS published_events FROM announcements a WHERE a.id IN ($ids_sql) ORDER BY a.id" \
    | sed 's/^/  /'
bad="$(not_once)"
SQL "SELECT status, COUNT(*), MAX(attempts) FROM timers WHERE payload LIKE ANY (ARRAY[$(echo "$sched" | jq -r '[.ids[] | "'"'"'%" + . + "%'"'"'"] | join(",")')]) GROUP BY status" \
    | sed 's/^/  timers (status|count|max attempts): /'
[[ "$bad" == 0 ]] || { echo "FAIL: $bad scheduled announcements not published exactly once"; fail=1; }

[[ "$fail" == 0 ]] && echo "PASS: kill -9 during a burst lost nothing" || echo "FAILED"
exit "$fail"
