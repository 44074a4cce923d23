#!/usr/bin/env bash
# Build llama.cpp's own `llama-server` (parallel slots, continuous batching) once, from the llama.cpp source that
# llama-cpp-python's sdist on PyPI vendors: the same llama.cpp the worker runs in-process, and no model hub or
# release download (machines reach PyPI, Debian and npm only). The binary is kept as
# $LLAMA_SERVER_DIR/llama-server-<llama-cpp-python version>-<arch> (default: ~/.cache/acervo, shared by every
# checkout on the machine, CI's fresh clones too), so later runs skip the compile (34 min measured on 2 busy cores) and a new pin builds a new
# one. Prints the binary's path on its last line; exits non-zero when it cannot be had (make run then answers
# in-process, as before).
#   bash scripts/llama_server.sh            → build if missing, print the path
#   bash scripts/llama_server.sh --cached   → the path only if already built (tests, make run), else exit 1
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
BIN_DIR=${LLAMA_SERVER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/acervo}
source scripts/progress.sh

version=$(sed -n 's/^llama-cpp-python==\([^ ;#]*\).*/\1/p' requirements.txt | head -1)
[ -n "$version" ] || { echo "llama-server: no llama-cpp-python pin in requirements.txt" >&2; exit 1; }
binary="$BIN_DIR/llama-server-$version-$(uname -m)"

works() { "$1" --version >/dev/null 2>&1; }
if [ -x "$binary" ] && works "$binary"; then
  echo "$binary"
  exit 0
fi
[ "${1:-}" = --cached ] && exit 1
# One build at a time per machine (make run's background build and make install's may meet): the second waits for
# the first, then finds its binary.
mkdir -p "$BIN_DIR"
exec 9>"$BIN_DIR/.build.lock"
flock 9
if [ -x "$binary" ] && works "$binary"; then
  echo "$binary"
  exit 0
fi
for tool in cmake g++; do
  command -v "$tool" >/dev/null || { echo "llama-server: $tool is missing (scripts/system_packages.sh installs it)" >&2; exit 1; }
done

# A build that failed is not tried again at every start (it would cost minutes each time): its mark names the log.
failed="$binary.failed"
if [ -f "$failed" ] && [ "${1:-}" != --retry ]; then
  echo "llama-server: its build failed before (log: $(cat "$failed")); bash scripts/llama_server.sh --retry tries again" >&2
  exit 1
fi

build() {
  local work=$1
  printf '\033[1m==> building llama-server %s (once; 10-35 min on 2 cores, with the load; kept in %s)\033[0m\n' "$version" "$BIN_DIR"
  # pip's cache holds the sdist after the first install, so this is usually a local copy.
  with_heartbeat "fetching the llama.cpp source (llama-cpp-python $version sdist)" \
    "$VENV/bin/pip" download --progress-bar off --no-binary :all: --no-deps "llama-cpp-python==$version" -d "$work" || return 1
  tar -xzf "$work"/llama_cpp_python-*.tar.gz -C "$work" || return 1
  local src
  src=$(echo "$work"/llama_cpp_python-*/vendor/llama.cpp)
  # Static, CPU, no web UI (it would be downloaded), no TLS (loopback only), only the server target; -w: progress
  # lines, not pages of vendor warnings.
  with_heartbeat "configuring llama-server" cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
    -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_TESTS=OFF \
    -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF \
    -DCMAKE_C_FLAGS=-w -DCMAKE_CXX_FLAGS=-w || return 1
  with_heartbeat "compiling llama-server" cmake --build "$work/build" --target llama-server -j "${LLAMA_BUILD_JOBS:-2}" || return 1
  install -m 0755 "$work/build/bin/llama-server" "$binary.tmp" && mv "$binary.tmp" "$binary" && works "$binary"
}

mkdir -p "$BIN_DIR"
work=$(mktemp -d "${TMPDIR:-/tmp}/acervo-llama-server.XXXXXX")
trap 'rm -rf "$work"' EXIT
log="$BIN_DIR/llama-server-$version-$(uname -m).log"
# The build's lines go to stderr (this script's stdout is the path) and to a log kept beside the binary.
if build "$work" 2>&1 | tee "$log" >&2 && [ "${PIPESTATUS[0]}" -eq 0 ] && works "$binary"; then
  rm -f "$failed"
  echo "$binary"
else
  echo "$log" >"$failed"
  echo "llama-server: the build failed (log: $log)" >&2
  exit 1
fi
