#!/usr/bin/env bash
# `make run`: builds, makes sure PostgreSQL/Redis/RabbitMQ are there, starts the seven services
# as separate processes (each migrates its own schema at start), loads the demo data through the
# gateway, prints an example call, and on Ctrl-C stops every service gracefully.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

bash scripts/ensure-infra.sh
cargo build --bins --quiet
BIN=target/debug
RUN_DIR=.run
mkdir -p "$RUN_DIR/logs"

SERVICES=(schedule tvgrid assignments content proctoring reporting gateway)
declare -A PORTS=([gateway]=50050 [schedule]=50051 [tvgrid]=50052 [assignments]=50053 [content]=50054 [proctoring]=50055 [reporting]=50056)
PIDS=()

stop_all() {
  trap - INT TERM EXIT
  echo
  echo "stopping services..."
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "all services stopped"
  exit 0
}
trap stop_all INT TERM EXIT

for service in "${SERVICES[@]}"; do
  QASHYQ_LISTEN_ADDR="127.0.0.1:${PORTS[$service]}" "$BIN/qashyq-$service" >"$RUN_DIR/logs/$service.log" 2>&1 &
  PIDS+=($!)
done
URLS=()
for service in "${SERVICES[@]}"; do URLS+=("http://127.0.0.1:${PORTS[$service]}"); done
if ! "$BIN/qashyq" wait-healthy "${URLS[@]}" --timeout-seconds 120; then
  echo "a service did not become healthy; logs are in $RUN_DIR/logs/" >&2
  exit 1
fi

# A key for the demo integrator, created once and kept in .run/ (only its hash is in the database).
if [[ ! -s $RUN_DIR/demo-api-key ]]; then
  "$BIN/qashyq-gateway" create-api-key --name demo-integrator >"$RUN_DIR/demo-api-key" 2>/dev/null
fi
export QASHYQ_API_KEY
QASHYQ_API_KEY=$(cat "$RUN_DIR/demo-api-key")
"$BIN/qashyq" load-demo

cat <<EOT

Qashyq is running. Gateway (the only public endpoint): 127.0.0.1:50050
Logs: $RUN_DIR/logs/<service>.log    Stop: Ctrl-C

Try, in another terminal:
  export QASHYQ_API_KEY=$QASHYQ_API_KEY
  $BIN/qashyq schools --region KZ-ALA
  $BIN/qashyq connectivity
  $BIN/qashyq channels
or with grpcurl (the gateway serves reflection):
  grpcurl -plaintext -H "authorization: Bearer \$QASHYQ_API_KEY" -d '{"region_code":"KZ-ALA"}' \\
    127.0.0.1:50050 qashyq.schedule.v1.DirectoryService/ListSchools
EOT

wait -n "${PIDS[@]}" || true
echo "a service exited; see $RUN_DIR/logs/" >&2
