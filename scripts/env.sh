# Shared settings of the project's scripts: the URLs every process of the mesh uses.
# Point them at existing servers by exporting QASHYQ_DATABASE_URL, QASHYQ_REDIS_URL and
# QASHYQ_AMQP_URL before `make run` or `make test`.
export QASHYQ_DATABASE_URL="${QASHYQ_DATABASE_URL:-postgres://qashyq:qashyq@127.0.0.1:5432/qashyq}"
export QASHYQ_REDIS_URL="${QASHYQ_REDIS_URL:-redis://127.0.0.1:6379/0}"
export QASHYQ_AMQP_URL="${QASHYQ_AMQP_URL:-amqp://qashyq:qashyq@127.0.0.1:5672/qashyq}"
# Tests create and drop one database per test through this connection (needs CREATEDB).
export QASHYQ_TEST_DATABASE_ADMIN_URL="${QASHYQ_TEST_DATABASE_ADMIN_URL:-${QASHYQ_DATABASE_URL%/*}/postgres}"
