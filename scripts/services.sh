# Sourced by scripts/test and scripts/cluster: starts and stops throwaway Postgres, Redis and
# nginx servers on free ports, each with its data in a folder of its own under $1 (Debian's
# packages, installed by `scripts/setup --cluster`). Nothing here touches a system service.

# A TCP port nobody listens on.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Runs a command as the `postgres` user when root (Postgres refuses to run as root).
as_postgres() {
  if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# start_postgres DIR: a new Postgres cluster in DIR; sets PG_PORT and PG_URL (no database
# named: append /NAME).
start_postgres() {
  local dir=$1 bin
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  PG_BIN=$bin
  mkdir -p "$dir"
  [[ $(id -u) == 0 ]] && chown postgres "$dir"
  PG_DIR=$dir
  PG_PORT=$(free_port)
  as_postgres "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync >/dev/null
  resume_postgres "$dir" "$PG_PORT"
}

# resume_postgres DIR PORT: starts the cluster start_postgres made in DIR again (after
# stop_postgres), on the same port; sets PG_URL.
resume_postgres() {
  local dir=$1
  PG_DIR=$dir
  PG_PORT=$2
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  # Durability off: the data is thrown away after the run.
  as_postgres "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o \
    "-p $PG_PORT -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" \
    start >/dev/null
  PG_URL="postgres://postgres@127.0.0.1:$PG_PORT"
}

# stop_postgres [MODE]: pg_ctl's shutdown mode, `immediate` by default (the data is thrown
# away); `fast` writes what was committed first (commits are not synchronous here).
stop_postgres() {
  [[ -n "${PG_DIR:-}" ]] || return 0
  PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)}
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m "${1:-immediate}" stop >/dev/null 2>&1 || true
}

# start_redis DIR: a Redis server without persistence; sets REDIS_PORT and REDIS_URL.
start_redis() {
  local dir=$1
  mkdir -p "$dir"
  REDIS_DIR=$dir
  REDIS_PORT=$(free_port)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$dir" --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/log"
  for _ in $(seq 50); do [[ -s "$dir/redis.pid" ]] && break; sleep 0.1; done
  REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
}

stop_redis() {
  [[ -n "${REDIS_DIR:-}" && -s "$REDIS_DIR/redis.pid" ]] || return 0
  kill "$(cat "$REDIS_DIR/redis.pid")" 2>/dev/null || true
}

# start_nginx DIR FRONT_PORT NODE_PORT...: deploy/nginx.conf with these ports, in DIR; sets
# NGINX_DIR.
start_nginx() {
  local dir=$1 front=$2 conf
  shift 2
  mkdir -p "$dir"
  NGINX_DIR=$dir
  conf=$(sed "s/listen 127.0.0.1:3000;/listen 127.0.0.1:$front;/" deploy/nginx.conf)
  local servers="" port
  for port in "$@"; do
    servers+="        server 127.0.0.1:$port max_fails=1 fail_timeout=5s;\n"
  done
  # The two example nodes become the given ones.
  conf=$(printf '%s\n' "$conf" | grep -v 'server 127.0.0.1:300[12] ' |
    sed "s|^        keepalive 64;|$servers        keepalive 64;|")
  printf '%s\n' "$conf" >"$dir/nginx.conf"
  nginx -p "$dir" -c "$dir/nginx.conf" -g "pid $dir/nginx.pid; error_log $dir/error.log;"
}

stop_nginx() {
  [[ -n "${NGINX_DIR:-}" && -s "$NGINX_DIR/nginx.pid" ]] || return 0
  kill "$(cat "$NGINX_DIR/nginx.pid")" 2>/dev/null || true
}
