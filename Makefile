# The two commands of the README: `make run` and `make test`.
SHELL := /bin/bash

.PHONY: run test bench infra tools build fmt clean-test-data

## Starts the whole mesh with demo data; Ctrl-C stops it.
run:
	bash scripts/run.sh

## Runs every test: unit, integration against the real servers, end to end through the gateway.
test: infra tools
	source scripts/env.sh && bash scripts/clean-test-data.sh && QASHYQ_DATA_DIR="$${TMPDIR:-/tmp}/qashyq-test-data" cargo test --workspace --no-fail-fast

## Prints the benchmark figures (speed and memory).
bench: infra
	source scripts/env.sh && bash scripts/bench.sh

## PostgreSQL, Redis and RabbitMQ reachable at the configured URLs (installed and started if need be).
infra:
	bash scripts/ensure-infra.sh

## Test tools outside Rust (Kubernetes schema validation).
tools:
	bash scripts/ensure-tools.sh

build:
	cargo build --workspace --all-targets

fmt:
	cargo fmt --all

## Drops databases and queues left behind by interrupted test runs.
clean-test-data: infra
	source scripts/env.sh && bash scripts/clean-test-data.sh
