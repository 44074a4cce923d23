# Sourced by scripts/run.sh: serve the model with llama.cpp's `llama-server` on loopback, so several people asking at
# once are answered together (parallel slots, continuous batching: on CPU, decoding 8 sequences in one batch costs
# little more than one), instead of one after another by the worker's in-process llama.cpp.
#
# With LLM_SERVER=auto (the default; off: in-process, see the README's "Many people asking at once"), no LLM_URL and a model (LLM_MODEL_PATH empty: the bundled Gemma 3 270M, or a .gguf):
# uses llama-server once built (scripts/llama_server.sh; bootstrap builds it), starts it with LLM_PARALLEL slots of LLM_CONTEXT_SIZE tokens
# each, waits for /health, then exports LLM_URL for the worker and ANSWER_THREADS=LLM_PARALLEL. When it cannot be
# built or started, says so in one line and leaves everything as it was: the worker answers in-process.
#   start_llm_server   → LLM_SERVER_PID when it runs (run.sh stops it after the worker)

llm_fallback() {
  echo "==> answering in-process, one answer at a time (llama.cpp in the worker): $*" >&2
}

start_llm_server() {
  ANSWER_THREADS=0
  [ "${LLM_SERVER:-auto}" = off ] && return 0
  [ -n "${LLM_URL:-}" ] && return 0  # a server of one's own
  local model=${LLM_MODEL_PATH:-} binary port parallel=${LLM_PARALLEL:-8} ctx=${LLM_CONTEXT_SIZE:-4096} waited=0
  [ "${model,,}" = none ] && return 0
  if [ -z "$model" ]; then
    model=$(DJANGO_SETTINGS_MODULE=webapp.settings python -c \
      "import django; django.setup(); from retrieval.llm import default_model_path; print(default_model_path())") ||
      { llm_fallback "the default model could not be assembled"; return 0; }
  fi
  binary=$(bash scripts/llama_server.sh --cached | tail -1) && [ -x "$binary" ] ||
    { llm_fallback "llama-server is not built yet (bootstrap builds it in the background; the next start uses it)"; return 0; }
  port=${LLM_SERVER_PORT:-0}
  [ "$port" = 0 ] && port=$(python -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
  local args=(-m "$model" --host 127.0.0.1 --port "$port" --parallel "$parallel" --cont-batching
              -c $((parallel * ctx)) --no-webui)
  [ "${LLM_THREADS:-0}" -gt 0 ] && args+=(-t "$LLM_THREADS")
  echo "==> starting llama-server on 127.0.0.1:$port: $parallel answers at once, $ctx tokens each ($(basename "$model"))"
  "$binary" "${args[@]}" >"$DATA_DIR/logs/llm-server.log" 2>&1 &
  local pid=$!
  LLM_SERVER_PID=$pid  # from now on: a stop while it loads ends it too
  until python -c "import httpx,sys; sys.exit(httpx.get('http://127.0.0.1:$port/health', timeout=2).status_code != 200)" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null || [ "$waited" -ge "${LLM_SERVER_START_S:-120}" ]; then
      kill "$pid" 2>/dev/null || true
      LLM_SERVER_PID=""
      llm_fallback "llama-server did not start within ${LLM_SERVER_START_S:-120} s (its log: $DATA_DIR/logs/llm-server.log)"
      return 0
    fi
    sleep 1
    waited=$((waited + 1))
  done
  export LLM_URL="http://127.0.0.1:$port"
  ANSWER_THREADS=$parallel
}
