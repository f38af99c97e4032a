#!/usr/bin/env bash
# Drops test databases that an interrupted test run left behind (tests drop their own when they
# finish; a killed run cannot). Test queues and exchanges expire by themselves.
set -euo pipefail
leftover=$(psql "$QASHYQ_TEST_DATABASE_ADMIN_URL" -Atqc "SELECT datname FROM pg_database WHERE datname LIKE 'qashyq\_test\_%'")
for db in $leftover; do
  psql "$QASHYQ_TEST_DATABASE_ADMIN_URL" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null
done
[[ -z $leftover ]] || echo "dropped $(wc -w <<<"$leftover") leftover test databases"
