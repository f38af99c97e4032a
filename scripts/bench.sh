#!/usr/bin/env bash
# `make bench`: starts the mesh from a release build, and prints
#  - the resident memory (RSS) of each idle service;
#  - throughput and p50/p99 latency of reads through the gateway (as an integrator: access,
#    signed principal and scope checks in the path) beside the same reads directly;
#  - sign-ins per second with Argon2id and the gateway's memory around them;
#  - the event feed: events per second to 50 subscribed integrators, and write-to-subscriber
#    latency;
#  - work handed in through the gateway beside pgbench's single-row INSERT rate, and a teacher's
#    queue and a pupil's open work over 10 million stored submissions;
#  - reporting: events projected per second beside COPY, a rebuild, every indicator against SQL
#    over the raw events, and at a tenth of the country the weekly report and a region's
#    dashboard.
# Everything runs on this machine (loopback); the load generator shares its cores.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
# BENCH_ONLY="assignments gateway" runs those sections only (reads, gateway, assignments,
# reporting, timetable); unset, all.
want() { [[ -z ${BENCH_ONLY:-} || " $BENCH_ONLY " == *" $1 "* ]]; }

cargo build --release --bins --quiet
BIN=target/release
RUN_DIR=.run/bench
source scripts/mesh.sh
trap mesh_stop EXIT
mesh_start
KEY=$(mesh_demo_key)
QASHYQ_API_KEY=$KEY "$BIN/qashyq" load-demo >/dev/null
QASHYQ_API_KEY=$KEY "$BIN/qashyq-tvgrid" import --dir services/tvgrid/data/2020 --imported-by bench --publish >/dev/null
echo "== demo timetables (generated through the gateway) =="
QASHYQ_API_KEY=$KEY "$BIN/qashyq" demo-timetables

sleep 5
echo "== idle memory (RSS) =="
for service in "${SERVICES[@]}"; do
  printf '%-12s %6d KiB\n' "$service" "$(awk '/VmRSS/ {print $2}' "/proc/${PIDS[$service]}/status")"
done

SCHOOL=$(QASHYQ_API_KEY=$KEY "$BIN/qashyq" schools --region KZ-ALA | head -1 | cut -f1)
# Reads through the gateway are made as an integrator of Almaty city (a scoped principal: the
# access table, the signed principal and the services' scope checks are all in the path), with a
# rate high enough not to be the limit measured.
INTEGRATOR_ID=$("$BIN/qashyq-gateway" create-integrator --name "bench-$(date +%s)" --region KZ-ALA --rate-limit-per-second 1000000 2>/dev/null)
INTEGRATOR_KEY=$("$BIN/qashyq-gateway" issue-api-key --integrator-id "$INTEGRATOR_ID" 2>/dev/null)
ADMIN_KEY=$KEY
KEY=$INTEGRATOR_KEY
CLASS=$(QASHYQ_API_KEY=$KEY "$BIN/qashyq" classes --school "$SCHOOL" | awk -F'\t' '$2 == "5А" {print $1}' | head -1)
if want reads; then
echo "== reads, ${SECONDS_PER_RUN}s each, 64 concurrent callers (via the gateway as an integrator) =="
for rpc in list-regions get-school; do
  "$BIN/qashyq-bench" --target http://127.0.0.1:15050 --key "$KEY" --rpc $rpc --school-id "$SCHOOL" --seconds "$SECONDS_PER_RUN" --label "$rpc via gateway"
  "$BIN/qashyq-bench" --target http://127.0.0.1:15051 --rpc $rpc --school-id "$SCHOOL" --seconds "$SECONDS_PER_RUN" --label "$rpc direct to schedule"
done
echo "== TV grid: a grade's lessons of a date (target via gateway: >= 5,000 req/s, p99 <= 20 ms) =="
"$BIN/qashyq-bench" --target http://127.0.0.1:15050 --key "$KEY" --rpc grade-day --seconds "$SECONDS_PER_RUN" --label "grade-day via gateway"
"$BIN/qashyq-bench" --target http://127.0.0.1:15052 --rpc grade-day --seconds "$SECONDS_PER_RUN" --label "grade-day direct to tvgrid"
echo "== Schedule: what is on today for a class (target via gateway: >= 10,000 req/s, p99 <= 20 ms) =="
"$BIN/qashyq-bench" --target http://127.0.0.1:15050 --key "$KEY" --rpc class-day --class-id "$CLASS" --seconds "$SECONDS_PER_RUN" --label "class-day via gateway"
"$BIN/qashyq-bench" --target http://127.0.0.1:15051 --rpc class-day --class-id "$CLASS" --seconds "$SECONDS_PER_RUN" --label "class-day direct to schedule"
echo "== Schedule: what is on today for each pupil of the school in turn (its 22 classes) =="
PUPILS=$(for class in $(QASHYQ_API_KEY=$KEY "$BIN/qashyq" classes --school "$SCHOOL" | cut -f1); do QASHYQ_API_KEY=$KEY "$BIN/qashyq" pupils --class "$class" | cut -f1; done | paste -sd, -)
"$BIN/qashyq-bench" --target http://127.0.0.1:15050 --key "$KEY" --rpc pupil-day --pupil-ids "$PUPILS" --seconds "$SECONDS_PER_RUN" --label "pupil-day via gateway"
"$BIN/qashyq-bench" --target http://127.0.0.1:15051 --rpc pupil-day --pupil-ids "$PUPILS" --seconds "$SECONDS_PER_RUN" --label "pupil-day direct to schedule"
echo "== TV grid: XMLTV of the whole 2020 campaign, Balapan and El Arna (one caller) =="
printf 'tvgrid peak RSS (VmHWM) before %d KiB\n' "$(awk '/VmHWM/ {print $2}' "/proc/${PIDS[tvgrid]}/status")"
"$BIN/qashyq-bench" --target http://127.0.0.1:15052 --rpc xmltv-campaign --concurrency 1 --connections 1 --seconds "$SECONDS_PER_RUN" --label "xmltv export direct to tvgrid"
printf 'tvgrid peak RSS (VmHWM) after %d KiB\n' "$(awk '/VmHWM/ {print $2}' "/proc/${PIDS[tvgrid]}/status")"
fi
if want gateway; then
echo "== Gateway: sign-in with Argon2id (19 MiB, 2 passes) =="
BENCH_PASSWORD="bench-password-$(date +%s)"
BENCH_LOGIN="bench.$(date +%s)"
QASHYQ_PASSWORD=$BENCH_PASSWORD "$BIN/qashyq-gateway" create-person --login "$BENCH_LOGIN" --full-name Bench --role ministry >/dev/null
printf 'gateway peak RSS (VmHWM) before %d KiB\n' "$(awk '/VmHWM/ {print $2}' "/proc/${PIDS[gateway]}/status")"
QASHYQ_PASSWORD=$BENCH_PASSWORD "$BIN/qashyq-gateway-bench" --target http://127.0.0.1:15050 login --login "$BENCH_LOGIN" --concurrency 4 --seconds "$SECONDS_PER_RUN"
printf 'gateway peak RSS (VmHWM) after %d KiB\n' "$(awk '/VmHWM/ {print $2}' "/proc/${PIDS[gateway]}/status")"
echo "== Gateway: the event feed, 50 integrators subscribed from the start while homework is posted =="
"$BIN/qashyq-gateway-bench" --target http://127.0.0.1:15050 feed --integrator-key "$INTEGRATOR_KEY" --writer-key "$ADMIN_KEY" \
  --school-id "$SCHOOL" --class-id "$CLASS" --subscribers 50 --writes-per-second 100 --seconds "$SECONDS_PER_RUN"
fi
if want assignments; then
echo "== Assignments: work handed in through the gateway (keyed, durable, with its event), beside pgbench's single-row INSERT =="
PGBENCH_DB="qashyq_bench_pgbench_$$"
psql "$QASHYQ_TEST_DATABASE_ADMIN_URL" -qc "CREATE DATABASE $PGBENCH_DB"
PGBENCH_URL="${QASHYQ_DATABASE_URL%/*}/$PGBENCH_DB"
psql "$PGBENCH_URL" -qc "CREATE TABLE ingest (id bigserial PRIMARY KEY, homework_id uuid NOT NULL, pupil_id uuid NOT NULL, body text NOT NULL, at timestamptz NOT NULL DEFAULT now())"
echo "INSERT INTO ingest (homework_id, pupil_id, body) VALUES (gen_random_uuid(), gen_random_uuid(), '1) 42  2) 17  3) x = 5');" >"$RUN_DIR/ingest.sql"
printf 'pgbench single-row INSERT, 16 clients: '
pgbench -n -c 16 -j 2 -T "$SECONDS_PER_RUN" -f "$RUN_DIR/ingest.sql" "$PGBENCH_URL" 2>/dev/null | awk '/^latency average/ {lat=$4} /^tps/ {tps=$3} END {printf "%.0f inserts/s, latency average %s ms\n", tps, lat}'
psql "$QASHYQ_TEST_DATABASE_ADMIN_URL" -qc "DROP DATABASE $PGBENCH_DB WITH (FORCE)"
"$BIN/qashyq-assignments-bench" ingest --target http://127.0.0.1:15050 --direct-target http://127.0.0.1:15053 --key "$INTEGRATOR_KEY" \
  --admin-key "$ADMIN_KEY" --school-id "$SCHOOL" --concurrency 16 --seconds "$SECONDS_PER_RUN"
echo "== Assignments: a teacher's queue and a pupil's open work over 10 million stored submissions (target p99 <= 20 ms) =="
"$BIN/qashyq-assignments-bench" queues --concurrency 16 --seconds "$SECONDS_PER_RUN"
fi
if want reporting; then
echo "== Reporting: a sample week as events through RabbitMQ and the consumer, beside COPY; a rebuild; each indicator against SQL over the raw events =="
"$BIN/qashyq-reporting-bench" sample --schools "${BENCH_REPORTING_SCHOOLS:-30}"
echo "== Reporting: a tenth of the country's week (3,000 schools, 340,000 pupils, 8.5 million pieces of work) in the projections: the weekly report (target <= 2 s), a region's dashboard (target p99 <= 50 ms) =="
"$BIN/qashyq-reporting-bench" scale --concurrency 16 --seconds "$SECONDS_PER_RUN"
fi
echo "== memory after load (RSS) =="
for service in gateway schedule tvgrid assignments; do
  printf '%-12s %6d KiB\n' "$service" "$(awk '/VmRSS/ {print $2}' "/proc/${PIDS[$service]}/status")"
done
if want timetable; then
echo "== Schedule: timetable generation on the real 2020 TV grid (in-process, one core) =="
"$BIN/qashyq-timetable-bench" --runs 20
fi
