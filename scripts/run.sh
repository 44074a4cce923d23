#!/usr/bin/env bash
# Run Acervo on this machine: Redis (if none answers), migrations, an admin account, the worker and
# the web server. Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
umask 077  # from here on: the database, originals, index and logs are the owner's only
VENV=${VENV:-.venv}
export PATH="$PWD/$VENV/bin:$PATH"
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
PORT=${PORT:-8000}
HOST=${HOST:-127.0.0.1}
DATA_DIR=${DATA_DIR:-$PWD/var}
mkdir -p "$DATA_DIR/logs"
pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "stopping…"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

if ! python -c "import os,redis; redis.Redis.from_url(os.environ['REDIS_URL'], socket_connect_timeout=1).ping()" 2>/dev/null; then
  command -v redis-server >/dev/null || { apt-get install -y -q redis-server >/dev/null; }
  port=$(python -c "import os,urllib.parse as u; print(u.urlparse(os.environ['REDIS_URL']).port or 6379)")
  echo "==> starting Redis on port $port"
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$DATA_DIR" >"$DATA_DIR/logs/redis.log" 2>&1 &
  pids+=($!)
  sleep 0.5
fi

python manage.py migrate --noinput -v 0
python manage.py collectstatic --noinput -v 0
python manage.py ensure_admin

celery -A webapp worker -Q answer,ingest --pool threads --concurrency "${WORKER_THREADS:-4}" \
  --loglevel INFO -n "acervo@%h" >"$DATA_DIR/logs/worker.log" 2>&1 &
pids+=($!)
uvicorn webapp.asgi:application --host "$HOST" --port "$PORT" --log-level warning &
pids+=($!)
echo "==> Acervo is at http://$HOST:$PORT  (admin: http://$HOST:$PORT/admin/, API docs: http://$HOST:$PORT/api/v1/docs)"
echo "    worker log: $DATA_DIR/logs/worker.log — Ctrl-C stops everything"
wait -n "${pids[@]}"
