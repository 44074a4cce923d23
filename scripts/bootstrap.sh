#!/usr/bin/env bash
# Install what is missing, and only that: virtualenv, Python packages (torch as the CPU build first),
# system packages (OCR, LibreOffice, Chromium), the default models. Safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PY=${PYTHON:-python3}
STAMP="$VENV/.requirements.sha256"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if [ ! -x "$VENV/bin/python" ]; then
  say "creating virtualenv $VENV"
  "$PY" -m venv "$VENV"
fi

# System packages first: python-ldap (django-auth-ldap) compiles against libldap2-dev and libsasl2-dev.
if [ -f scripts/system_packages.sh ]; then
  bash scripts/system_packages.sh
fi

want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  say "installing Python packages (first run compiles llama.cpp: about 8-10 minutes on 2 cores; later runs use pip's cache)"
  "$VENV/bin/pip" install --progress-bar on -q --upgrade pip
  # torch first, pinned: this takes the local CPU build instead of GBs of CUDA wheels.
  "$VENV/bin/pip" install --progress-bar on torch==2.13.0 | { grep -v "^Requirement already satisfied" || true; }
  "$VENV/bin/pip" install --progress-bar on -r requirements.txt | { grep -v "^Requirement already satisfied" || true; }
  echo "$want" > "$STAMP"
fi

say "preparing the default models"
"$VENV/bin/python" scripts/prepare_models.py
