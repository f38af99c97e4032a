#!/usr/bin/env bash
# Drops test databases that an interrupted test run left behind (tests drop their own when they
# finish; a killed run cannot). Only databases the test role owns are touched, and a failure
# here never stops the tests. Test queues and exchanges expire by themselves.
set -uo pipefail
leftover=$(psql "$QASHYQ_TEST_DATABASE_ADMIN_URL" -Atqc \
  "SELECT datname FROM pg_database WHERE datname LIKE 'qashyq\_test\_%' AND pg_get_userbyid(datdba) = current_user") || exit 0
dropped=0
for db in $leftover; do
  psql "$QASHYQ_TEST_DATABASE_ADMIN_URL" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 && dropped=$((dropped + 1))
done
[[ $dropped -eq 0 ]] || echo "dropped $dropped leftover test databases"
# Blobs the services under test stored (scans, recordings): `make test` keeps them here.
rm -rf "${TMPDIR:-/tmp}/qashyq-test-data"
exit 0
