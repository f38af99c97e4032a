#!/usr/bin/env bash
# Makes sure PostgreSQL, Redis and RabbitMQ answer at the configured URLs (scripts/env.sh).
#
# - A server that already answers is used as it is: nothing is stopped, restarted or reconfigured.
# - A local server (127.0.0.1/localhost) that does not answer is installed with apt-get on
#   Debian/Ubuntu if missing, and started.
# - Then the application's own resources are created if missing: the PostgreSQL role `qashyq`
#   (LOGIN, CREATEDB) and database `qashyq`; the RabbitMQ user `qashyq` and vhost `qashyq`.
#   Remote servers are never changed: create those resources there yourself, or point the URLs
#   at ones that exist.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

log() { printf 'ensure-infra: %s\n' "$*" >&2; }

# Splits a URL scheme://user:pass@host:port/path into variables with the given prefix.
parse_url() {
  local url=$1 prefix=$2 rest auth hostport
  rest=${url#*://}
  auth=""; [[ $rest == *@* ]] && { auth=${rest%%@*}; rest=${rest#*@}; }
  hostport=${rest%%/*}
  local path=""; [[ $rest == */* ]] && path=${rest#*/}
  printf -v "${prefix}_USER" '%s' "${auth%%:*}"
  printf -v "${prefix}_PASS" '%s' "$( [[ $auth == *:* ]] && echo "${auth#*:}" )"
  printf -v "${prefix}_HOST" '%s' "${hostport%%:*}"
  printf -v "${prefix}_PORT" '%s' "$( [[ $hostport == *:* ]] && echo "${hostport##*:}" )"
  printf -v "${prefix}_PATH" '%s' "${path%%\?*}"
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
is_local() { [[ $1 == 127.0.0.1 || $1 == localhost || $1 == ::1 ]]; }

wait_port() {
  local host=$1 port=$2 name=$3
  for _ in $(seq 1 60); do port_open "$host" "$port" && return 0; sleep 1; done
  log "$name did not start listening on $host:$port"; return 1
}

APT_UPDATED=""
apt_install() {
  command -v apt-get >/dev/null || { log "cannot install $* here: no apt-get (install it yourself, or set the URLs)"; exit 1; }
  local SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  [[ -n $APT_UPDATED ]] || { $SUDO apt-get update -qq; APT_UPDATED=1; }
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

ensure_postgres() {
  parse_url "$QASHYQ_DATABASE_URL" PG
  PG_PORT=${PG_PORT:-5432}
  if ! port_open "$PG_HOST" "$PG_PORT"; then
    is_local "$PG_HOST" || { log "PostgreSQL at $PG_HOST:$PG_PORT does not answer"; exit 1; }
    command -v pg_ctlcluster >/dev/null || { log "installing PostgreSQL"; apt_install postgresql; }
    local version; version=$(ls /etc/postgresql | sort -V | tail -1)
    log "starting PostgreSQL $version"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || as_root service postgresql start
    wait_port "$PG_HOST" "$PG_PORT" PostgreSQL
  fi
  # The application role and database. A superuser session is found over TCP as `postgres`
  # (trust setups) or through the local socket as the postgres OS user (Debian's default).
  local sql="DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${PG_USER}') THEN
        CREATE ROLE \"${PG_USER}\" LOGIN CREATEDB PASSWORD '${PG_PASS}';
      END IF; END \$\$;"
  if psql "postgres://${PG_USER}:${PG_PASS}@${PG_HOST}:${PG_PORT}/postgres" -Atqc 'select 1' >/dev/null 2>&1; then
    :
  elif psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
    log "creating PostgreSQL role ${PG_USER}"
    psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -qc "$sql" >/dev/null
  elif is_local "$PG_HOST" && id postgres >/dev/null 2>&1; then
    log "creating PostgreSQL role ${PG_USER} (as the postgres OS user)"
    local file; file=$(mktemp); printf '%s\n' "$sql" >"$file"; chmod 644 "$file"
    as_root su postgres -c "psql -p $PG_PORT -d postgres -q -f $file" >/dev/null
    rm -f "$file"
  else
    log "cannot log in to PostgreSQL as ${PG_USER} nor as a superuser to create it"; exit 1
  fi
  local exists
  exists=$(psql "postgres://${PG_USER}:${PG_PASS}@${PG_HOST}:${PG_PORT}/postgres" -Atqc "SELECT 1 FROM pg_database WHERE datname = '${PG_PATH}'")
  if [[ -z $exists ]]; then
    log "creating database ${PG_PATH}"
    psql "postgres://${PG_USER}:${PG_PASS}@${PG_HOST}:${PG_PORT}/postgres" -qc "CREATE DATABASE \"${PG_PATH}\"" >/dev/null
  fi
}

ensure_redis() {
  parse_url "$QASHYQ_REDIS_URL" RD
  RD_PORT=${RD_PORT:-6379}
  port_open "$RD_HOST" "$RD_PORT" && return 0
  is_local "$RD_HOST" || { log "Redis at $RD_HOST:$RD_PORT does not answer"; exit 1; }
  command -v redis-server >/dev/null || { log "installing Redis"; apt_install redis-server; }
  log "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$RD_PORT" --save "" --appendonly no >/dev/null
  wait_port "$RD_HOST" "$RD_PORT" Redis
}

ensure_rabbitmq() {
  parse_url "$QASHYQ_AMQP_URL" MQ
  MQ_PORT=${MQ_PORT:-5672}
  local vhost=${MQ_PATH:-/}; [[ $vhost == "%2f" || $vhost == "%2F" ]] && vhost=/
  if ! port_open "$MQ_HOST" "$MQ_PORT"; then
    is_local "$MQ_HOST" || { log "RabbitMQ at $MQ_HOST:$MQ_PORT does not answer"; exit 1; }
    command -v rabbitmq-server >/dev/null || { log "installing RabbitMQ"; apt_install rabbitmq-server; }
    log "starting RabbitMQ"
    as_root rabbitmq-server -detached >/dev/null 2>&1 || as_root service rabbitmq-server start
    wait_port "$MQ_HOST" "$MQ_PORT" RabbitMQ
  fi
  is_local "$MQ_HOST" && command -v rabbitmqctl >/dev/null || return 0
  [[ $MQ_USER == guest ]] && return 0
  # rabbitmqctl is slow to start; ask once what exists.
  as_root rabbitmqctl await_startup >/dev/null 2>&1 || true
  if ! as_root rabbitmqctl -q list_users 2>/dev/null | awk '{print $1}' | grep -qx "$MQ_USER"; then
    log "creating RabbitMQ user ${MQ_USER}"
    as_root rabbitmqctl -q add_user "$MQ_USER" "$MQ_PASS" >/dev/null
  fi
  if ! as_root rabbitmqctl -q list_vhosts 2>/dev/null | grep -qx "$vhost"; then
    log "creating RabbitMQ vhost ${vhost}"
    as_root rabbitmqctl -q add_vhost "$vhost" >/dev/null
  fi
  as_root rabbitmqctl -q set_permissions -p "$vhost" "$MQ_USER" '.*' '.*' '.*' >/dev/null
}

ensure_postgres
ensure_redis
ensure_rabbitmq
log "PostgreSQL, Redis and RabbitMQ are ready"
