# Sourced by scripts/test and scripts/bench: starts a throwaway PostgreSQL
# cluster (Debian's `postgresql` package) on 127.0.0.1 and a random port,
# with TLS on (a self-signed certificate made by openssl), exports
# GRIDPATROL_TEST_PG_URL and GRIDPATROL_TEST_PG_CA (that certificate), and
# stops and deletes it on exit. Skipped when GRIDPATROL_TEST_PG_URL is
# already set (use your own server).

if [ -z "${GRIDPATROL_TEST_PG_URL:-}" ]; then
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$PG_BIN" ]; then
        echo "PostgreSQL is not installed (apt-get install postgresql), or set GRIDPATROL_TEST_PG_URL" >&2
        exit 1
    fi
    PG_DIR=$(mktemp -d /tmp/gridpatrol-pg.XXXXXX)
    pg_as() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
    [ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR"
    PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U gridpatrol --auth=trust -E UTF8 --no-locale >"$PG_DIR/initdb.log"
    # A test CA and a server certificate it signed (a CA certificate cannot
    # serve as the server's own).
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=gridpatrol test CA" \
        -keyout "$PG_DIR/ca.key" -out "$PG_DIR/ca.crt" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
        -keyout "$PG_DIR/server.key" -out "$PG_DIR/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' >"$PG_DIR/server.ext"
    openssl x509 -req -in "$PG_DIR/server.csr" -CA "$PG_DIR/ca.crt" -CAkey "$PG_DIR/ca.key" -CAcreateserial \
        -days 30 -extfile "$PG_DIR/server.ext" -out "$PG_DIR/server.crt" 2>/dev/null
    chmod 600 "$PG_DIR/server.key"
    [ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR/server.key" "$PG_DIR/server.crt"
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c max_connections=600 -c shared_buffers=64MB -c ssl=on -c ssl_cert_file=$PG_DIR/server.crt -c ssl_key_file=$PG_DIR/server.key" start >/dev/null
    pg_stop() {
        pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$PG_DIR"
    }
    trap pg_stop EXIT
    export GRIDPATROL_TEST_PG_URL="postgres://gridpatrol@127.0.0.1:$PG_PORT/postgres"
    export GRIDPATROL_TEST_PG_CA="$PG_DIR/ca.crt"
    echo "throwaway PostgreSQL on 127.0.0.1:$PG_PORT"
fi
