#!/usr/bin/env bash
# Install what is missing, and only that: virtualenv, Python packages (torch as the CPU build first),
# system packages (OCR, LibreOffice, Chromium), the default models. Safe to run again and again.
# Every long step says what it is doing at least once a minute, on a terminal and in a log file alike.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PY=${PYTHON:-python3}
STAMP="$VENV/.requirements.sha256"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
source scripts/progress.sh

if [ ! -x "$VENV/bin/python" ]; then
  say "creating virtualenv $VENV"
  "$PY" -m venv "$VENV"
fi

# System packages first: python-ldap (django-auth-ldap) compiles against libldap2-dev and libsasl2-dev.
if [ -f scripts/system_packages.sh ]; then
  bash scripts/system_packages.sh
fi

# pip's progress bars redraw one line (no line ends until it is full), which a filter or a log holds back; so pip's
# own lines (Collecting…, Downloading…, Building wheel…) pass as they come, plus a line every 30 s while one step
# (the download of torch, the llama.cpp compile) runs.
export HEARTBEAT_S=${HEARTBEAT_S:-30}
pip_install() {
  "$VENV/bin/pip" install --progress-bar off "$@" 2>&1 | { grep --line-buffered -v "^Requirement already satisfied" || true; }
  return "${PIPESTATUS[0]}"
}

want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  say "installing Python packages (first run compiles llama.cpp: about 8-10 minutes on 2 cores; later runs use pip's cache)"
  with_heartbeat "upgrading pip" "$VENV/bin/pip" install --progress-bar off -q --upgrade pip
  # torch first, pinned: this takes the local CPU build instead of GBs of CUDA wheels.
  with_heartbeat "installing torch (CPU build)" pip_install torch==2.13.0
  with_heartbeat "installing requirements.txt" pip_install -r requirements.txt
  echo "$want" > "$STAMP"
fi

say "preparing the default models"
"$VENV/bin/python" scripts/prepare_models.py

# llama-server answers several questions at once (LLM_SERVER=auto, scripts/llm_serve.sh): built once, cached. make install
# (and so make test, whose tests drive it) waits for the build; make run builds it in the background unless
# LLM_SERVER=off. No model or an LLM_URL of one's own skips it.
model_path=${LLM_MODEL_PATH:-}
if [ -z "${LLM_URL:-}" ] && [ "${model_path,,}" != none ]; then
  if [ "${LLAMA_SERVER_BUILD:-background}" = wait ]; then  # make install, make test
    bash scripts/llama_server.sh >/dev/null || say "llama-server could not be built: make run will answer in-process, one answer at a time"
  elif [ "${LLM_SERVER:-auto}" = auto ] && ! bash scripts/llama_server.sh --cached >/dev/null; then
    # make run does not make a newcomer wait another 10-35 minutes for it: the first start answers in-process, the
    # build runs beside it at low priority, and the next start serves several answers at once.
    mkdir -p var/logs
    say "building llama-server in the background (once; its log: var/logs/llama-server-build.log); until then answers come one at a time"
    setsid nohup nice -n 10 bash scripts/llama_server.sh >var/logs/llama-server-build.log 2>&1 </dev/null &
  fi
fi
