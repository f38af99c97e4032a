#!/usr/bin/env bash
# Installs the test tools that are not Rust crates:
# - into .tools/venv (a Python virtualenv): kubernetes-validate (checks k8s/ against the
#   Kubernetes schemas offline), icalendar (an independent iCalendar parser for export tests)
#   moto's server (an S3-compatible server on loopback for the blob storage tests), and grpcio
#   with grpcio-tools (the Python client generated from proto/, clients/python);
# - with apt-get on Debian/Ubuntu: xmltv-util (tv_validate_file checks XMLTV against its DTD) and
#   chromium (the weekly report's HTML is rendered headless in a test and its figures read back).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.tools/venv
if [[ ! -x $VENV/bin/kubernetes-validate || ! -d $VENV/lib/python3*/site-packages/icalendar || ! -x $VENV/bin/moto_server \
  || ! -d $(echo $VENV/lib/python3*/site-packages)/grpc_tools ]]; then
  python3 -m venv "$VENV" 2>/dev/null || {
    command -v apt-get >/dev/null && { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; }
    python3 -m venv "$VENV"
  }
  "$VENV/bin/pip" install --quiet --disable-pip-version-check kubernetes-validate pyyaml icalendar "moto[server]" grpcio grpcio-tools
fi
MISSING=()
command -v tv_validate_file >/dev/null || MISSING+=(xmltv-util)
command -v chromium >/dev/null || MISSING+=(chromium)
if (( ${#MISSING[@]} )); then
  command -v apt-get >/dev/null || { echo "ensure-tools: install ${MISSING[*]} yourself" >&2; exit 1; }
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${MISSING[@]}" >/dev/null
fi
