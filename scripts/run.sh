#!/usr/bin/env bash
# `make run`: builds, makes sure PostgreSQL/Redis/RabbitMQ are there, starts the seven services
# as separate processes (each migrates its own schema at start), loads the demo data through the
# gateway, prints an example call, and on Ctrl-C stops every service gracefully.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

# The demo lives on a morning of the spring 2020 campaign: every process reads the business time
# from a clock that read 08:45 in Almaty on Monday 20 April 2020 when `make run` started, and runs
# on from there (TV lessons air from 09:00; homework falls due in the days after). Before that
# morning the mesh is started on the Mondays of the two weeks before (6 and 13 April, the first
# weeks of distance learning) to load the demo and make each week's school work through the
# gateway, so the reports have weeks to compare.
# `QASHYQ_CLOCK_START= make run` keeps the real clock (one week of work, this one); any RFC 3339
# instant starts elsewhere (the work is then made on that instant's week only).
DEMO_MORNING="${QASHYQ_CLOCK_START-2020-04-20T08:45:00+06:00}"
if [[ $DEMO_MORNING == "2020-04-20T08:45:00+06:00" ]]; then
  DEMO_WEEKS=("2020-04-06T08:45:00+06:00" "2020-04-13T08:45:00+06:00")
else
  DEMO_WEEKS=()
fi

bash scripts/ensure-infra.sh
cargo build --bins --quiet
BIN=target/debug
RUN_DIR=.run
source scripts/mesh.sh

# Ctrl-C and TERM stop everything and exit 0; a failure stops everything and keeps its status.
stop_all() {
  trap - INT TERM EXIT
  echo
  echo "stopping services..."
  mesh_stop
  echo "all services stopped"
  exit "${1:-0}"
}
trap 'stop_all 0' INT TERM
trap 'stop_all $?' EXIT

# Starts the mesh on a clock reading $1 now (anchored as the services start, not before the
# build, so the demo opens at 08:45 whatever the build took).
start_at() {
  export QASHYQ_CLOCK_START="$1"
  QASHYQ_CLOCK_ANCHOR="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  export QASHYQ_CLOCK_ANCHOR
  mesh_start || exit 1
}

# The directory, the TV grid, timetables and people: loaded on the first morning (a second run
# finds them there and adds nothing).
DEMO_PASSWORD="qashyq-demo-2020"
load_demo() {
"$BIN/qashyq" load-demo
# The real 2020 TV grid, imported through the gateway as an administrator would (R-TV-4), and
# published (R-TV-6; the same documents again keep the publication in effect).
"$BIN/qashyq-tvgrid" import --dir services/tvgrid/data/2020 --imported-by demo-admin --publish >"$RUN_DIR/tvgrid-import.txt"
echo "$(head -1 "$RUN_DIR/tvgrid-import.txt") (report: $RUN_DIR/tvgrid-import.txt)"
# Classes, teachers and generated timetables for the demo schools, around the 2020 grid (R-SCH-3).
"$BIN/qashyq" demo-timetables
# People who sign in (R-GW-1): a Ministry analyst and an observer of Almaty city, with the demo's
# password (a second run finds them there already).
QASHYQ_PASSWORD=$DEMO_PASSWORD "$BIN/qashyq-gateway" create-person --login ministry --full-name "Ministry analyst" --role ministry >/dev/null 2>&1 || true
QASHYQ_PASSWORD=$DEMO_PASSWORD "$BIN/qashyq-gateway" create-person --login observer.almaty --full-name "Almaty observer" --role regional-observer \
  --region KZ-ALA >/dev/null 2>&1 || true
}

export QASHYQ_API_KEY
if (( ${#DEMO_WEEKS[@]} )); then
  first=1
  for week in "${DEMO_WEEKS[@]}"; do
    echo "the demo's week of ${week%%T*}:"
    start_at "$week"
    QASHYQ_API_KEY=$(mesh_demo_key)
    if [[ -n $first ]]; then load_demo; first=""; fi
    "$BIN/qashyq" demo-activity
    mesh_stop
    PIDS=()
  done
  start_at "$DEMO_MORNING"
  QASHYQ_API_KEY=$(mesh_demo_key)
  "$BIN/qashyq" demo-activity
else
  start_at "$DEMO_MORNING"
  QASHYQ_API_KEY=$(mesh_demo_key)
  load_demo
  "$BIN/qashyq" demo-activity
fi

if [[ -n "$QASHYQ_CLOCK_START" ]]; then
  CLOCK="the demo replays spring 2020: the clock read $QASHYQ_CLOCK_START when the services started, and runs on from there"
  CLOCK_EXPORTS="export QASHYQ_CLOCK_START=$QASHYQ_CLOCK_START QASHYQ_CLOCK_ANCHOR=$QASHYQ_CLOCK_ANCHOR   # the CLI's \"today\" is the demo's"
else
  CLOCK="the real clock"
  CLOCK_EXPORTS=""
fi
cat <<EOT

Qashyq is running. Gateway (the only public endpoint): 127.0.0.1:15050
Logs: $RUN_DIR/logs/<service>.log    Stop: Ctrl-C
Clock: $CLOCK

Try, in another terminal:
  export QASHYQ_API_KEY=$QASHYQ_API_KEY
  $CLOCK_EXPORTS
  $BIN/qashyq schools --region KZ-ALA
  $BIN/qashyq connectivity
  $BIN/qashyq channels
  $BIN/qashyq classes --school <school id>; $BIN/qashyq pupils --class <class id>
  $BIN/qashyq today --class <class id>                     # own and TV lessons of the class's day (today on the demo clock)
  $BIN/qashyq today --pupil <pupil id> --date 2020-04-06   # the same for a pupil, with deadlines
  $BIN/qashyq-tvgrid import --dir services/tvgrid/data/2020   # a new version, with its validation report (--publish to air it)
or with grpcurl (the gateway serves reflection):
  grpcurl -plaintext -H "authorization: Bearer \$QASHYQ_API_KEY" -d '{"region_code":"KZ-ALA"}' \\
    127.0.0.1:15050 qashyq.schedule.v1.DirectoryService/ListSchools
Signed in as a person (ministry or observer.almaty, password $DEMO_PASSWORD):
  grpcurl -plaintext -d '{"login":"observer.almaty","password":"$DEMO_PASSWORD"}' 127.0.0.1:15050 qashyq.gateway.v1.AuthService/Login
  grpcurl -plaintext -H "authorization: Bearer <access_token>" -d '{"region_code":"KZ-ALA"}' \\
    127.0.0.1:15050 qashyq.reporting.v1.ReportingService/GetConnectivityReport
EOT

wait -n "${PIDS[@]}" || true
echo "a service exited; see $RUN_DIR/logs/" >&2
