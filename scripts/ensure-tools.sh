#!/usr/bin/env bash
# Installs the test tools that are not Rust crates into .tools/ (a Python virtualenv):
# kubernetes-validate, which checks k8s/ against the Kubernetes schemas offline.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.tools/venv
if [[ ! -x $VENV/bin/kubernetes-validate ]]; then
  python3 -m venv "$VENV" 2>/dev/null || {
    command -v apt-get >/dev/null && { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; }
    python3 -m venv "$VENV"
  }
  "$VENV/bin/pip" install --quiet --disable-pip-version-check kubernetes-validate pyyaml
fi
