# test/pg.sh: one throw-away PostgreSQL 15 server for the tests.
#
# Sourced (POSIX sh: test/run.sh sources it, and bash scripts such as
# test/it_multinode.sh):
#
#   pg_available          0 when Debian's postgresql-15 binaries are there
#                         (else PG_ERR says what is missing)
#   pg_start              initdb into a new temp dir, start postgres on a unix
#                         socket in that dir only (listen_addresses = ''),
#                         wait until it accepts connections; exports
#                         ADUAN_TEST_PG (libpq key=value conninfo of the
#                         `postgres` database, superuser `postgres`, the one
#                         test_store's fixture reads) and sets PG_DIR,
#                         PG_SOCK, PG_PORT, PG_PID, PG_LOG.  1 on failure
#                         (PG_ERR says why, the log's tail included)
#   pg_use_env            use the server ADUAN_TEST_PG names (started by
#                         test/run.sh for the whole run): sets PG_SOCK,
#                         PG_PORT; 1 when ADUAN_TEST_PG is unset
#   pg_createdb NAME      CREATE DATABASE NAME; sets PG_URI to its libpq URI
#                         (postgresql:///NAME?host=SOCKDIR&port=PORT&user=postgres),
#                         what `aduan serve -d` and store.database take
#   pg_psql DB ARGS...    psql on database DB (no .psqlrc, stop on error)
#   pg_down               the server of pg_start stopped (pg_ctl stop -m fast:
#                         its connections cut), its data kept, for pg_up
#   pg_up                 that server started again on the same socket and
#                         data; waits until it accepts connections
#   pg_stop               pg_ctl stop -m fast, then SIGKILL by PID if it is
#                         still there; the temp dir removed.  Only a server
#                         this shell started with pg_start; safe to call twice
#
# initdb refuses to run as root: as root the server's programs run as the
# `postgres` user (runuser -u postgres --) and the temp dir belongs to it;
# as anyone else they run as the current user.  The superuser is named
# `postgres` either way (initdb -U postgres), local connections are trusted
# (the socket is in a private temp dir, no TCP at all).  fsync stays on:
# tests assert durability.  The socket's file name carries the port
# (.s.PGSQL.PORT); with no TCP listener any number would do, a random one is
# taken so that two servers never share a name by accident.

# Variables set here are read by the scripts that source this file.
# shellcheck disable=SC2034

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DIR=
PG_SOCK=
PG_PORT=
PG_PID=
PG_LOG=
PG_URI=
PG_ERR=
PG_OWN=         # 1: this shell started the server (pg_stop stops it)

pg_available() {
	for _pg_t in initdb pg_ctl postgres psql pg_isready; do
		if [ ! -x "$PG_BIN/$_pg_t" ]; then
			PG_ERR="PostgreSQL 15 is not installed ($PG_BIN/$_pg_t missing): Debian package postgresql-15 (scripts/deps.sh check installs it)"
			return 1
		fi
	done
	if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
		PG_ERR="running as root and there is no 'postgres' user to run the server as (Debian's postgresql-15 creates it)"
		return 1
	fi
	return 0
}

# pg_as CMD...: CMD as the server's user, in the server's dir (the caller's
# working directory may be closed to that user).
pg_as() {
	if [ "$(id -u)" = 0 ]; then
		(cd "$PG_DIR" && runuser -u postgres -- "$@")
	else
		(cd "$PG_DIR" && "$@")
	fi
}

pg_start() {
	pg_available || return 1
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/aduan-pg.XXXXXX") || {
		PG_ERR="mktemp failed"
		return 1
	}
	PG_OWN=1
	PG_SOCK=$PG_DIR
	PG_LOG=$PG_DIR/postgres.log
	# 20000-31999, as test/lib.sh's free_port (no TCP listener is opened)
	PG_PORT=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 12000))
	chmod 755 "$PG_DIR"
	if [ "$(id -u)" = 0 ]; then
		chown postgres: "$PG_DIR" || {
			PG_ERR="chown postgres $PG_DIR failed"
			return 1
		}
	fi
	# --no-sync: only initdb's own files are written without fsync (a new
	# cluster in a temp dir); the server runs with fsync on.
	if ! pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 \
		--locale=C.UTF-8 --no-sync --no-instructions >"$PG_DIR/initdb.log" 2>&1; then
		PG_ERR="initdb failed: $(tail -n 5 "$PG_DIR/initdb.log")"
		return 1
	fi
	cat >>"$PG_DIR/data/postgresql.conf" <<EOF
# test/pg.sh: a small server on a private unix socket only
listen_addresses = ''
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
fsync = on
synchronous_commit = on
shared_buffers = 16MB
max_connections = 200
max_wal_size = 256MB
logging_collector = off
log_min_messages = warning
EOF
	if ! pg_as "$PG_BIN/pg_ctl" start -w -t 60 -D "$PG_DIR/data" -l "$PG_LOG" \
		>"$PG_DIR/pg_ctl.log" 2>&1; then
		PG_ERR="pg_ctl start failed: $(tail -n 5 "$PG_DIR/pg_ctl.log") $(tail -n 10 "$PG_LOG" 2>/dev/null)"
		return 1
	fi
	read -r PG_PID <"$PG_DIR/data/postmaster.pid" 2>/dev/null
	case "$PG_PID" in
	'' | *[!0-9]*)
		PG_ERR="no PID in $PG_DIR/data/postmaster.pid after pg_ctl start"
		return 1
		;;
	esac
	if ! "$PG_BIN/pg_isready" -q -h "$PG_SOCK" -p "$PG_PORT" -t 30; then
		PG_ERR="pg_isready: the server on $PG_SOCK port $PG_PORT does not answer: $(tail -n 10 "$PG_LOG")"
		return 1
	fi
	ADUAN_TEST_PG="host=$PG_SOCK port=$PG_PORT dbname=postgres user=postgres"
	export ADUAN_TEST_PG
	return 0
}

pg_use_env() {
	[ -n "${ADUAN_TEST_PG:-}" ] || return 1
	PG_SOCK=$(printf '%s\n' "$ADUAN_TEST_PG" | tr ' ' '\n' | sed -n 's/^host=//p')
	PG_PORT=$(printf '%s\n' "$ADUAN_TEST_PG" | tr ' ' '\n' | sed -n 's/^port=//p')
	if [ -z "$PG_SOCK" ] || [ -z "$PG_PORT" ]; then
		PG_ERR="ADUAN_TEST_PG has no host= or port=: $ADUAN_TEST_PG"
		return 1
	fi
	return 0
}

pg_psql() {
	_pg_db=$1
	shift
	PGOPTIONS=--client-min-messages=warning "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
		-h "$PG_SOCK" -p "$PG_PORT" -U postgres -d "$_pg_db" "$@"
}

pg_createdb() {
	if ! _pg_out=$(pg_psql postgres -c "DROP DATABASE IF EXISTS \"$1\"" \
		-c "CREATE DATABASE \"$1\"" 2>&1); then
		PG_ERR="CREATE DATABASE $1: $_pg_out"
		return 1
	fi
	PG_URI="postgresql:///$1?host=$PG_SOCK&port=$PG_PORT&user=postgres"
	return 0
}

pg_stop() {
	[ "$PG_OWN" = 1 ] || return 0
	PG_OWN=
	if [ -n "$PG_DIR" ] && [ -f "$PG_DIR/data/postmaster.pid" ]; then
		pg_as "$PG_BIN/pg_ctl" stop -m fast -w -t 20 -D "$PG_DIR/data" >/dev/null 2>&1
	fi
	# still there (not merely a zombie of this shell): SIGKILL by PID
	if [ -n "$PG_PID" ] && kill -0 "$PG_PID" 2>/dev/null &&
		! grep -q '^[0-9]* ([^)]*) Z' "/proc/$PG_PID/stat" 2>/dev/null; then
		kill -KILL "$PG_PID" 2>/dev/null
		sleep 0.2
	fi
	[ -n "$PG_DIR" ] && rm -rf "$PG_DIR"
	PG_DIR=
	PG_PID=
	return 0
}

pg_down() {
	[ "$PG_OWN" = 1 ] || { PG_ERR="pg_down: not a server this shell started"; return 1; }
	if ! pg_as "$PG_BIN/pg_ctl" stop -m fast -w -t 20 -D "$PG_DIR/data" >"$PG_DIR/pg_ctl.log" 2>&1; then
		PG_ERR="pg_ctl stop failed: $(tail -n 5 "$PG_DIR/pg_ctl.log")"
		return 1
	fi
	return 0
}

pg_up() {
	[ "$PG_OWN" = 1 ] || { PG_ERR="pg_up: not a server this shell started"; return 1; }
	if ! pg_as "$PG_BIN/pg_ctl" start -w -t 60 -D "$PG_DIR/data" -l "$PG_LOG" \
		>"$PG_DIR/pg_ctl.log" 2>&1; then
		PG_ERR="pg_ctl start failed: $(tail -n 5 "$PG_DIR/pg_ctl.log") $(tail -n 10 "$PG_LOG" 2>/dev/null)"
		return 1
	fi
	read -r PG_PID <"$PG_DIR/data/postmaster.pid" 2>/dev/null
	"$PG_BIN/pg_isready" -q -h "$PG_SOCK" -p "$PG_PORT" -t 30 || {
		PG_ERR="pg_isready: the restarted server does not answer: $(tail -n 10 "$PG_LOG")"
		return 1
	}
}
