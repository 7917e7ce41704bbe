#!/usr/bin/env bash
# Start (or stop) the whole multi-process deployment on this machine, for benchmarks and
# for tests: nginx in front of several gunicorn processes, the ASGI server for the live
# room's streams, the task worker; PostgreSQL and Redis must be running already.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME REDIS_URL=redis://127.0.0.1:6379/N \
#       deploy/run.sh start        # prints the address, e.g. http://127.0.0.1:8500/
#   deploy/run.sh stop
#
# Settings (environment): PORT (nginx, default 8500; the app processes take the next
# ports), APP_PROCESSES (gunicorn instances, default 2), WORKERS (workers each, default 2),
# THREADS (threads per worker, default 4), STREAM_PROCESSES (uvicorn workers for the
# live room's streams, default 2: each renders the pages of its own streams). Everything it writes is in RUN_DIR
# (default /tmp/sharedresp-deploy-$PORT): logs, pid files, static files.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PORT=${PORT:-8500}
APP_PROCESSES=${APP_PROCESSES:-2}
WORKERS=${WORKERS:-2}
THREADS=${THREADS:-4}
STREAM_PROCESSES=${STREAM_PROCESSES:-2}
RUN=${RUN_DIR:-/tmp/sharedresp-deploy-$PORT}
PY=$ROOT/.venv/bin/python

stop() {
    if [ -f "$RUN/nginx.pid" ]; then
        nginx -c "$RUN/nginx.conf" -s quit 2>/dev/null || true
    fi
    for pidfile in "$RUN"/*.pid; do
        [ -f "$pidfile" ] || continue
        [ "$(basename "$pidfile")" = nginx.pid ] && continue
        kill "$(cat "$pidfile")" 2>/dev/null || true
        rm -f "$pidfile"
    done
    for _ in $(seq 1 50); do
        [ -f "$RUN/nginx.pid" ] || break
        sleep 0.1
    done
}

start() {
    : "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL database}"
    : "${REDIS_URL:?set REDIS_URL (rate limits and the live room are shared through Redis)}"
    command -v nginx >/dev/null || apt-get install -y nginx
    stop
    mkdir -p "$RUN"
    make --quiet .venv/.installed

    export DJANGO_DEBUG=0
    if [ -z "${DJANGO_SECRET_KEY:-}" ]; then
        [ -f "$RUN/secret" ] || "$PY" -c 'import secrets; print(secrets.token_urlsafe(50))' >"$RUN/secret"
        DJANGO_SECRET_KEY=$(cat "$RUN/secret")
    fi
    export DJANGO_SECRET_KEY
    export DJANGO_ALLOWED_HOSTS=${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}
    export DJANGO_STATIC_ROOT=$RUN/static
    export DJANGO_TRUSTED_PROXIES=127.0.0.1
    export DJANGO_SITE_URL=${DJANGO_SITE_URL:-http://127.0.0.1:$PORT}
    # Plain HTTP on this machine: no HTTPS redirect, cookies without the Secure flag.
    export DJANGO_SECURE_SSL_REDIRECT=0 DJANGO_SECURE_COOKIES=0 DJANGO_HSTS_SECONDS=0

    "$PY" manage.py collectstatic --noinput -v 0
    "$PY" manage.py migrate --noinput -v 0
    "$PY" manage.py load_content >/dev/null

    app_servers=""
    for i in $(seq 1 "$APP_PROCESSES"); do
        app_port=$((PORT + i))
        "$ROOT/.venv/bin/gunicorn" sharedresp.wsgi --bind "127.0.0.1:$app_port" \
            --workers "$WORKERS" --threads "$THREADS" --worker-class gthread \
            --keep-alive 30 --max-requests 0 --pid "$RUN/gunicorn-$i.pid" \
            --error-logfile "$RUN/gunicorn-$i.log" --daemon
        app_servers+="    server 127.0.0.1:$app_port max_fails=0;"$'\n'
    done

    stream_port=$((PORT + 50))
    if "$PY" -c 'import uvicorn' 2>/dev/null; then
        DJANGO_CONN_MAX_AGE=0 "$PY" -m uvicorn sharedresp.asgi:application --host 127.0.0.1 --port "$stream_port" \
            --workers "$STREAM_PROCESSES" --no-access-log >"$RUN/uvicorn.log" 2>&1 &
        echo $! >"$RUN/uvicorn.pid"
    else
        # No ASGI server installed yet: the streams' URL goes to gunicorn, which answers
        # it like any page (and the live pages keep polling).
        stream_port=$((PORT + 1))
    fi

    "$PY" manage.py db_worker --no-reload --no-startup-delay >"$RUN/worker.log" 2>&1 &
    echo $! >"$RUN/worker.pid"

    sed -e "s#@RUN@#$RUN#g" deploy/nginx-local.conf >"$RUN/nginx.conf"
    awk -v app="$app_servers" -v listen="127.0.0.1:$PORT" \
        -v stream="    server 127.0.0.1:$stream_port;" \
        '{ gsub(/@APP_SERVERS@/, app); gsub(/@STREAM_SERVERS@/, stream); gsub(/@LISTEN@/, listen); print }' \
        deploy/nginx-site.conf >"$RUN/site.conf"
    nginx -t -c "$RUN/nginx.conf" -q
    nginx -c "$RUN/nginx.conf"

    for _ in $(seq 1 100); do
        if curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then
            echo "sharedresp is serving on http://127.0.0.1:$PORT/ (logs in $RUN)"
            return 0
        fi
        sleep 0.2
    done
    echo "the deployment did not answer /healthz; see $RUN/*.log" >&2
    return 1
}

case "${1:-start}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
