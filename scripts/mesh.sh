# Starting and stopping the seven service processes; sourced by run.sh and bench.sh.
# Needs BIN (the directory of the binaries) and RUN_DIR (for logs).

SERVICES=(schedule tvgrid assignments content proctoring reporting gateway)
declare -A PORTS=([gateway]=15050 [schedule]=15051 [tvgrid]=15052 [assignments]=15053 [content]=15054 [proctoring]=15055 [reporting]=15056)
declare -A PIDS=()

mesh_start() {
  mkdir -p "$RUN_DIR/logs"
  for service in "${SERVICES[@]}"; do
    QASHYQ_LISTEN_ADDR="127.0.0.1:${PORTS[$service]}" "$BIN/qashyq-$service" >"$RUN_DIR/logs/$service.log" 2>&1 &
    PIDS[$service]=$!
  done
  local urls=()
  for service in "${SERVICES[@]}"; do urls+=("http://127.0.0.1:${PORTS[$service]}"); done
  # Wait in the background so that a service exiting at start is reported at once, and so that
  # a Ctrl-C is handled while waiting.
  "$BIN/qashyq" wait-healthy "${urls[@]}" --timeout-seconds 120 &
  local waiter=$!
  while kill -0 "$waiter" 2>/dev/null; do
    for service in "${SERVICES[@]}"; do
      if ! kill -0 "${PIDS[$service]}" 2>/dev/null; then
        echo "$service exited at start; see $RUN_DIR/logs/$service.log" >&2
        kill "$waiter" 2>/dev/null
        return 1
      fi
    done
    sleep 0.5
  done
  if ! wait "$waiter"; then
    echo "a service did not become healthy; logs are in $RUN_DIR/logs/" >&2
    return 1
  fi
}

mesh_stop() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}

# Prints the demo integrator's API key, creating it on first use (only its hash is stored).
mesh_demo_key() {
  if [[ ! -s $RUN_DIR/demo-api-key ]]; then
    "$BIN/qashyq-gateway" create-api-key --name demo-integrator >"$RUN_DIR/demo-api-key" 2>/dev/null
  fi
  cat "$RUN_DIR/demo-api-key"
}
