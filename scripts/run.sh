#!/usr/bin/env bash
# Run Acervo on this machine: Redis (if none answers), migrations, an admin account, the worker (started
# again whenever it dies) and the web server. Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
umask 077  # from here on: the database, originals, index and logs are the owner's only
VENV=${VENV:-.venv}
case $VENV in /*) ;; *) VENV="$PWD/$VENV" ;; esac  # a relative or an absolute path
export PATH="$VENV/bin:$PATH"
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
PORT=${PORT:-8000}
HOST=${HOST:-127.0.0.1}
DATA_DIR=${DATA_DIR:-$PWD/var}
mkdir -p "$DATA_DIR/logs"
pids=()
# Ctrl-C (or a TERM) stops what this script started and ends with one line and status 0, so `make run` adds no
# "Error 130" of its own; any other end (the web server died) keeps its status.
stop_all() {
  trap - EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  # The worker first finishes what it is doing (Celery's warm shutdown); past STOP_WAIT_S it is stopped at once,
  # so a stop never hangs on a long task or a model still loading on a busy machine.
  local waited=0 alive
  while :; do
    alive=""
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ -z "$alive" ] && break
    if [ "$waited" -ge "${STOP_WAIT_S:-20}" ]; then
      echo "==> the worker is still busy after ${STOP_WAIT_S:-20} s: stopping it at once" >&2
      kill -QUIT "$(cat "$DATA_DIR/logs/worker.pid" 2>/dev/null)" 2>/dev/null || true  # Celery's cold shutdown
      for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
      break
    fi
    sleep 1 & wait $! 2>/dev/null
    waited=$((waited + 1))
  done
  # The model server last: the worker's warm shutdown may still be finishing an answer through it.
  [ -n "${LLM_SERVER_PID:-}" ] && kill "$LLM_SERVER_PID" 2>/dev/null
  wait 2>/dev/null || true
}
# A second signal within 2 s is the same stop (make forwards its TERM to this script, a terminal sends Ctrl-C to the
# whole group); a later one, while the worker still finishes what it was doing, stops everything at once.
stop_started=""
on_stop_signal() {
  if [ -n "$stop_started" ]; then
    if [ $((SECONDS - stop_started)) -ge 2 ]; then
      echo "==> stopping at once" >&2
      kill -QUIT "$(cat "$DATA_DIR/logs/worker.pid" 2>/dev/null)" 2>/dev/null || true  # Celery's cold shutdown
      for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    fi
    return 0
  fi
  stop_started=$SECONDS
  stop_all
  printf '\r==> Acervo stopped.\n'
  exit 0
}
trap on_stop_signal INT TERM
trap stop_all EXIT

if ! python -c "import os,redis; redis.Redis.from_url(os.environ['REDIS_URL'], socket_connect_timeout=1).ping()" 2>/dev/null; then
  command -v redis-server >/dev/null || bash scripts/system_packages.sh redis-server
  port=$(python -c "import os,urllib.parse as u; print(u.urlparse(os.environ['REDIS_URL']).port or 6379)")
  echo "==> starting Redis on port $port"
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$DATA_DIR" >"$DATA_DIR/logs/redis.log" 2>&1 &
  pids+=($!)
  sleep 0.5
fi

python manage.py migrate --noinput -v 0
python manage.py collectstatic --noinput -v 0
python manage.py ensure_admin
python manage.py ensure_profile

# llama-server with LLM_PARALLEL slots answers that many at once (scripts/llm_serve.sh); else in-process, one at a time.
source scripts/llm_serve.sh
start_llm_server
# One worker thread per slot, plus ingestion's, so every slot can be busy while a document is indexed.
THREADS=${WORKER_THREADS:-4}
[ "$ANSWER_THREADS" -gt 0 ] && THREADS=$((ANSWER_THREADS + ${INGEST_CONCURRENCY:-2} > THREADS ? ANSWER_THREADS + ${INGEST_CONCURRENCY:-2} : THREADS))

# The worker is supervised: when it dies (killed, out of memory, a crash) it is started again, after a pause that
# doubles with each quick death (1 s up to 60 s) and starts over once a worker has run WORKER_STABLE_S.
# The web server keeps answering meanwhile (questions get a 503 naming the missing worker).
supervise_worker() {
  local worker=0 delay=1 started status
  trap '[ "$worker" -gt 0 ] && kill "$worker" 2>/dev/null; wait "$worker" 2>/dev/null; exit 0' INT TERM
  while true; do
    started=$SECONDS
    celery -A webapp worker -Q answer,ingest --pool threads --concurrency "$THREADS" \
      --loglevel INFO -n "acervo@%h" >>"$DATA_DIR/logs/worker.log" 2>&1 &
    worker=$!
    echo "$worker" >"$DATA_DIR/logs/worker.pid"  # for a second Ctrl-C: stop it at once
    echo "==> worker started (pid $worker)"
    status=0
    wait "$worker" || status=$?
    if [ $((SECONDS - started)) -ge "${WORKER_STABLE_S:-60}" ]; then delay=1; fi
    echo "==> the worker stopped (exit status $status); starting it again in ${delay} s. Its log: $DATA_DIR/logs/worker.log" >&2
    sleep "$delay" & wait $!  # in the background, so a stop does not wait for the pause to end
    delay=$((delay * 2 > 60 ? 60 : delay * 2))
  done
}
: >"$DATA_DIR/logs/worker.log"
supervise_worker &
pids+=($!)
uvicorn webapp.asgi:application --host "$HOST" --port "$PORT" --log-level warning &
pids+=($!)
echo "==> Acervo is at http://$HOST:$PORT  (admin: http://$HOST:$PORT/admin/, API docs: http://$HOST:$PORT/api/v1/docs)"
echo "    worker log: $DATA_DIR/logs/worker.log — Ctrl-C stops everything"
wait -n "${pids[@]}"
