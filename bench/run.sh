#!/bin/bash
# bench/run.sh BUILD_DIR: what `make bench` runs after building.
#
# Measures Aduan on loopback with wrk and prints a table (issue 7):
#   - routing alone: BUILD_DIR/bench/route_bench (10, 1,000, 10,000 rules
#     and the example config's);
#   - the store alone: BUILD_DIR/bench/store_bench, one SMS complaint's
#     reads and writes per transaction from server.threads threads, through
#     store_run (as intake) and store_begin .. store_commit;
#   - a baseline: BUILD_DIR/bench/baseline, a bare libmicrohttpd server with
#     Aduan's threading model that answers a fixed text, under the same wrk
#     scripts as Aduan, so that each Aduan row has a ratio to it;
#   - SMS intake: Kannel GET callbacks, every one a new complaint with its
#     own message id (bench/sms.lua), at 64 and 512 connections;
#   - retried callbacks: 1,000 message ids sent once, then again and again;
#   - USSD: whole Africa's Talking sessions, one step per request
#     (bench/ussd.lua, one connection per wrk thread: see that file);
#   - the Node peer (issue 18): bench/peer-node-ussd/, express +
#     ussd-menu-builder with the same menu, sessions in memory, under the
#     same wrk shape (its own ussd.lua checks every answer); `npm install`
#     once into BUILD_DIR/bench/peer-node-ussd/ (SKIP, with the reason,
#     when node/npm are missing or the install fails);
#   - the SQLite floor (issue 18): BUILD_DIR/bench/floor runs the SQL
#     statements of one SMS complaint straight on sqlite3 in one thread,
#     in groups of the size the writer reached in the SMS row at 64
#     connections, synchronous=FULL: the SMS row is shown as a ratio to it;
#   - memory: VmHWM of every aduan serve, and VmRSS after 1 and 5 minutes
#     of steady SMS load at 64 connections;
#   - the PostgreSQL backend (issue 17): a PostgreSQL 15 started here
#     (test/pg.sh: initdb in a temp dir, unix socket only, fsync and
#     synchronous_commit on), a fresh database per row; SMS intake at 64
#     connections and USSD at 64 x 1 on one `aduan serve -d postgresql://`
#     node, then SMS intake at 64 connections through Debian's haproxy
#     (roundrobin, /healthz checks) in front of three nodes on one
#     database; each row also as a ratio to the SQLite SMS row at 64
#     connections.  During each run the server side is measured: commits
#     (pg_stat_database.xact_commit), WAL bytes (pg_current_wal_lsn), WAL
#     fsyncs (pg_stat_wal.wal_sync), the commits that wrote (COMMIT
#     records in that WAL, pg_walinspect), client connections at peak
#     (pg_stat_activity, sampled every 0.25 s) and the CPU time of the
#     postgres processes, the aduan nodes and haproxy (/proc/PID/stat);
#     with what one O_DSYNC 8 kB write costs on the disk (dd).  SKIP, with
#     the reason, without postgresql-15 or haproxy.
# Every aduan serve runs the example config (synchronous = full) with
# -p PORT -d DB: a free loopback port, a fresh database in a temp dir, no
# admin listener.  Every wrk run checks each answer (200 and a ticket) and
# the table shows the bad ones: a benchmark that measured errors says so.
#
# Environment:
#   BENCH_QUICK=1     wrk runs of 5 s instead of 10, steady load sampled at
#                     20 s and 60 s instead of 1 and 5 minutes
#   BENCH_CONF=FILE   another config (default conf/aduan.conf)
#   BENCH_TMPDIR=DIR  where the temp dir goes (default $TMPDIR or /tmp);
#                     its file system decides what an fsync costs
#   BENCH_KEEP_TMP=1  keep the temp dir (databases, logs, wrk outputs)
#   BENCH_PEER_DIR=DIR where the Node peer is installed (default
#                     BUILD_DIR/bench/peer-node-ussd; node_modules kept there)
#   HAPROXY=FILE      the haproxy binary (default /usr/sbin/haproxy)
#
# Nothing here asserts a time: the targets are printed PASS or FAIL and the
# exit status is 0 whenever the runs themselves could be made.  Every
# process started here is recorded by PID and stopped by PID on exit.
set -u
export LC_ALL=C
cd "$(dirname "$0")/.." || exit 1
# pg_available, pg_start, pg_createdb, pg_psql, pg_stop (the PostgreSQL rows)
. test/pg.sh

BUILD=${1:-build}
ADUAN_BIN=$BUILD/aduan
BASELINE_BIN=$BUILD/bench/baseline
ROUTE_BIN=$BUILD/bench/route_bench
STORE_BIN=$BUILD/bench/store_bench
FLOOR_BIN=$BUILD/bench/floor
PEER_SRC=bench/peer-node-ussd
PEER_DIR=${BENCH_PEER_DIR:-$BUILD/bench/peer-node-ussd}
CONF=${BENCH_CONF:-conf/aduan.conf}
QUICK=${BENCH_QUICK:-0}
HAPROXY_BIN=${HAPROXY:-/usr/sbin/haproxy}

if [ "$QUICK" = 1 ]; then
	DUR=5 MEM1=20 MEM2=60 ROUTE_SECS=0.5 PRIME=2
else
	DUR=10 MEM1=60 MEM2=300 ROUTE_SECS=1 PRIME=2
fi
CONNS=(64 512)
USSD_CONNS=64
RETRY_IDS=1000

NCPU=$(nproc 2>/dev/null || echo 1)
WRK_THREADS=$((NCPU < 4 ? NCPU : 4))

die() {
	echo "bench: $*" >&2
	exit 1
}

note() {
	echo "bench: $*" >&2
}

for f in "$ADUAN_BIN" "$BASELINE_BIN" "$ROUTE_BIN" "$STORE_BIN" "$FLOOR_BIN"; do
	[ -x "$f" ] || die "missing $f (run make bench)"
done
command -v wrk >/dev/null || die "wrk is not installed (sh scripts/deps.sh bench)"
command -v sqlite3 >/dev/null || die "the sqlite3 CLI is not installed (sh scripts/deps.sh bench)"
[ -f "$CONF" ] || die "config $CONF not found"

# The gateway secrets of the config (as test/lib.sh finds them).
conf_secret() {
	sed -n "/$1[[:space:]]*[:=][[:space:]]*{/,/}/s/.*secret[[:space:]]*[:=][[:space:]]*\"\\([^\"]*\\)\".*/\\1/p" \
		"$CONF" | head -n 1
}
KANNEL_SECRET=$(conf_secret kannel)
AT_SECRET=$(conf_secret africastalking)
[ -n "$KANNEL_SECRET" ] || die "no gateways.kannel secret in $CONF"
[ -n "$AT_SECRET" ] || die "no gateways.africastalking secret in $CONF"
SYNC=$(sed -n 's/^[[:space:]]*synchronous[[:space:]]*=[[:space:]]*"\([a-z]*\)".*/\1/p' "$CONF" | head -n 1)
SRV_THREADS=$(sed -n 's/^[[:space:]]*threads[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p' "$CONF" | head -n 1)

# 512 connections for wrk, as many for aduan: make sure descriptors suffice.
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 4096 ]; then
	ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
fi

TMP_BASE=${BENCH_TMPDIR:-${TMPDIR:-/tmp}}
TMP=$(mktemp -d "$TMP_BASE/aduan-bench.XXXXXX") || die "mktemp failed"

# wrk's 512 connections all come from 127.0.0.1: the served copy of the
# config lets one address hold them (server.connections_per_address).
SRV_CONF=$TMP/aduan.conf
sed 's/^\([[:space:]]*connections_per_address[[:space:]]*=[[:space:]]*\)[0-9]*/\11024/' \
	"$CONF" >"$SRV_CONF" || die "cannot copy $CONF"
grep -q 'connections_per_address = 1024' "$SRV_CONF" ||
	printf 'server.connections_per_address is not raised in %s: connections over 64 are refused\n' \
		"$SRV_CONF" >&2

# ---------------------------------------------------------------------------
# Processes: every one recorded, every one stopped by PID
# ---------------------------------------------------------------------------
PIDS=()

pid_alive() {
	local st
	kill -0 "$1" 2>/dev/null || return 1
	read -r st 2>/dev/null <"/proc/$1/stat" || return 0
	st=${st##*) }
	[ "${st%% *}" != Z ]
}

forget_pid() {
	local p keep=()
	for p in "${PIDS[@]}"; do
		[ "$p" != "$1" ] && keep+=("$p")
	done
	PIDS=("${keep[@]}")
}

# stop_pid PID: SIGTERM, up to 15 s, then SIGKILL; sets STOP_STATUS.
stop_pid() {
	local pid=$1 i
	STOP_STATUS=
	if pid_alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		for ((i = 0; i < 150; i++)); do
			pid_alive "$pid" || break
			sleep 0.1
		done
		if pid_alive "$pid"; then
			note "process $pid did not stop on SIGTERM within 15 s: SIGKILL"
			kill -KILL "$pid" 2>/dev/null
		fi
	fi
	wait "$pid" 2>/dev/null
	STOP_STATUS=$?
	forget_pid "$pid"
}

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	local rc=$? i
	trap - EXIT
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		stop_pid "${PIDS[i]}"
	done
	pg_stop                 # test/pg.sh: only a server this script started
	if [ "${BENCH_KEEP_TMP:-0}" = 1 ]; then
		note "kept $TMP"
	else
		rm -rf "$TMP"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---------------------------------------------------------------------------
# Ports (as test/lib.sh: 20000-31999, below the ephemeral range)
# ---------------------------------------------------------------------------
USED_PORTS=" "

port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
	local p i
	for ((i = 0; i < 200; i++)); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
		case "$USED_PORTS" in *" $p "*) continue ;; esac
		if ! port_open "$p"; then
			USED_PORTS="$USED_PORTS$p "
			printf -v "$1" '%s' "$p"
			return 0
		fi
	done
	die "no free loopback port found"
}

# wait_port PORT PID NAME: until PORT listens; fails if PID died.
wait_port() {
	local i
	for ((i = 0; i < 300; i++)); do
		port_open "$1" && return 0
		pid_alive "$2" || die "$3 exited before listening on port $1 (see its log)"
		sleep 0.05
	done
	die "$3 not listening on port $1 after 15 s"
}

# ---------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------
SRV_PID=
SRV_PORT=
SRV_DB=
SRV_LOG=

# start_aduan NAME: aduan serve, fresh database in $TMP/NAME.
start_aduan() {
	mkdir -p "$TMP/$1"
	free_port SRV_PORT
	SRV_DB=$TMP/$1/aduan.db
	SRV_LOG=$TMP/$1/aduan.log
	"$ADUAN_BIN" serve --demo -c "$SRV_CONF" -p "$SRV_PORT" -d "$SRV_DB" </dev/null >"$SRV_LOG" 2>&1 &
	SRV_PID=$!
	PIDS+=("$SRV_PID")
	wait_port "$SRV_PORT" "$SRV_PID" "aduan serve ($1)"
}

start_baseline() {
	mkdir -p "$TMP/baseline"
	free_port SRV_PORT
	SRV_LOG=$TMP/baseline/baseline.log
	"$BASELINE_BIN" "$SRV_PORT" "${SRV_THREADS:-4}" </dev/null >"$SRV_LOG" 2>&1 &
	SRV_PID=$!
	PIDS+=("$SRV_PID")
	wait_port "$SRV_PORT" "$SRV_PID" baseline
}

# status_kb PID FIELD: VmHWM / VmRSS in kB.
status_kb() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null
}

declare -A HWM            # NAME -> VmHWM kB of that aduan serve

# stop_server NAME: records VmHWM (aduan), stops it, counts WARN/ERROR lines.
stop_server() {
	local name=$1
	if [ "$name" != baseline ]; then
		HWM[$name]=$(status_kb "$SRV_PID" VmHWM)
	fi
	stop_pid "$SRV_PID"
	[ "$STOP_STATUS" = 0 ] || note "$name: server exited with status $STOP_STATUS on SIGTERM"
	# The example config sends receipt SMS (USSD) to a Kannel sendsms on
	# 127.0.0.1:13013 that the bench does not run: those attempts fail and
	# are counted apart from every other warning.
	R[$name.outbox_fail]=$(grep -cE ' WARN outbox .*attempt [0-9]+ failed' "$SRV_LOG" 2>/dev/null)
	R[$name.logwarn]=$(grep -E ' (WARN|ERROR|FATAL) ' "$SRV_LOG" 2>/dev/null |
		grep -cvE ' WARN outbox .*attempt [0-9]+ failed')
	R[$name.logwarn_sample]=$(grep -E ' (WARN|ERROR|FATAL) ' "$SRV_LOG" 2>/dev/null |
		grep -vE ' WARN outbox .*attempt [0-9]+ failed' | head -n 1 | cut -c1-200)
}

sql() {
	sqlite3 -batch -noheader -cmd '.timeout 10000' "$SRV_DB" "$1"
}

# ---------------------------------------------------------------------------
# wrk
# ---------------------------------------------------------------------------
declare -A R              # "NAME.key" -> value from the BENCH line, and more

# run_wrk NAME THREADS CONNS SECONDS SCRIPT ARGS...: one wrk run against
# $SRV_PORT; the BENCH line goes into R[NAME.*].
run_wrk() {
	local name=$1 t=$2 c=$3 d=$4 script=$5 out line kv
	shift 5
	out=$TMP/$name.wrk
	wrk -t"$t" -c"$c" -d"${d}s" --timeout 10s -s "$script" \
		"http://127.0.0.1:$SRV_PORT" -- "$@" >"$out" 2>&1 </dev/null &
	WRK_PID=$!
	PIDS+=("$WRK_PID")
	wait "$WRK_PID"
	R[$name.wrk_status]=$?
	forget_pid "$WRK_PID"
	line=$(grep '^BENCH ' "$out" | tail -n 1)
	if [ -z "$line" ]; then
		note "$name: wrk gave no result (status ${R[$name.wrk_status]}): $(tail -n 3 "$out" | tr '\n' ' ')"
		R[$name.rps]=0 R[$name.bad]=0 R[$name.ok]=0 R[$name.failed]=1
		return 1
	fi
	for kv in $line; do
		case "$kv" in *=*) R[$name.${kv%%=*}]=${kv#*=} ;; esac
	done
	R[$name.conns]=$c
	R[$name.threads]=$t
	R[$name.sample]=$(sed -n 's/^BENCH_SAMPLE //p' "$out" | head -n 1)
	note "$(printf '%-14s %4d conns: %9.1f req/s  p50 %8.2f ms  p99 %8.2f ms  bad %s, socket errors %s' \
		"$name" "$c" "${R[$name.rps]}" "${R[$name.p50_ms]}" "${R[$name.p99_ms]}" "${R[$name.bad]}" \
		"$(errors_of "$name")")"
	return 0
}

# errors_of NAME: wrk's socket errors and timeouts, summed.
errors_of() {
	echo $(( ${R[$1.err_connect]:-0} + ${R[$1.err_read]:-0} + ${R[$1.err_write]:-0} + \
		${R[$1.err_timeout]:-0} ))
}

calc() {
	awk "BEGIN { printf \"$1\", $2 }"
}

# ---------------------------------------------------------------------------
# The machine
# ---------------------------------------------------------------------------
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)
[ -n "$CPU_MODEL" ] || CPU_MODEL=$(uname -m)
MEM_TOTAL=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
FS=$(df -PT "$TMP" 2>/dev/null | awk 'NR == 2 { print $2 " on " $1 }')
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
GIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(git status --porcelain 2>/dev/null | head -n 1)" ] && GIT="$GIT, with local changes"
WRK_VERSION=$(wrk -v 2>&1 | head -n 1 | awk '{ print $2 }')
MHD_VERSION=$(pkg-config --modversion libmicrohttpd 2>/dev/null)
SQLITE_VERSION=$(pkg-config --modversion sqlite3 2>/dev/null)
ADUAN_VERSION=$(cat VERSION 2>/dev/null)
START=$SECONDS

if [ "$QUICK" = 1 ]; then
	note "BENCH_QUICK=1: wrk runs of ${DUR} s, memory at ${MEM1} s and ${MEM2} s (about 2.5 minutes)"
else
	note "full run: wrk runs of ${DUR} s, memory at 1 and 5 minutes (about 8 minutes; BENCH_QUICK=1 for 2.5)"
fi
note "temp dir $TMP ($FS); load average before: $LOAD_BEFORE"

# ---------------------------------------------------------------------------
# 1. Routing alone
# ---------------------------------------------------------------------------
note "routing: route_bench, ${ROUTE_SECS} s per table"
ROUTE_OUT=$TMP/route.out
"$ROUTE_BIN" "$CONF" "$ROUTE_SECS" >"$ROUTE_OUT" 2>&1 || note "route_bench failed: $(tail -n 2 "$ROUTE_OUT")"
declare -A RT
ROUTE_NAMES=()
while read -r tag rest; do
	[ "$tag" = ROUTE ] || continue
	name=
	for kv in $rest; do
		case "$kv" in
		name=*) name=${kv#name=}; ROUTE_NAMES+=("$name") ;;
		*=*) RT[$name.${kv%%=*}]=${kv#*=} ;;
		esac
	done
done <"$ROUTE_OUT"

# ---------------------------------------------------------------------------
# 1b. The store alone: what one SMS complaint writes, from as many threads as
# the server has, through store_run and through store_begin .. store_commit
# ---------------------------------------------------------------------------
note "store alone: store_bench, ${DUR} s per mode, ${SRV_THREADS:-64} threads"
STORE_OUT=$TMP/store.out
mkdir -p "$TMP/store"
"$STORE_BIN" "$TMP/store" "$DUR" run "${SRV_THREADS:-64}" >"$STORE_OUT" 2>&1 ||
	note "store_bench failed: $(tail -n 2 "$STORE_OUT")"
"$STORE_BIN" "$TMP/store" "$DUR" begin "${SRV_THREADS:-64}" >>"$STORE_OUT" 2>&1 ||
	note "store_bench failed: $(tail -n 2 "$STORE_OUT")"
declare -A ST
while read -r tag rest; do
	[ "$tag" = STORE ] || continue
	mode=
	for kv in $rest; do
		case "$kv" in
		mode=*) mode=${kv#mode=} ;;
		*=*) ST[$mode.${kv%%=*}]=${kv#*=} ;;
		esac
	done
done <"$STORE_OUT"

# ---------------------------------------------------------------------------
# 2. Baseline: the same wrk scripts against a bare libmicrohttpd server
# ---------------------------------------------------------------------------
start_baseline
for c in "${CONNS[@]}"; do
	run_wrk "base-$c" "$WRK_THREADS" "$c" "$DUR" bench/sms.lua "base$c" new "$KANNEL_SECRET"
done
run_wrk base-ussd "$USSD_CONNS" "$USSD_CONNS" "$DUR" bench/ussd.lua baseussd "$AT_SECRET" nocheck
stop_server baseline

# ---------------------------------------------------------------------------
# 3. SMS intake: new complaints, a fresh database for each connection count
# ---------------------------------------------------------------------------
for c in "${CONNS[@]}"; do
	start_aduan "sms-$c"
	run_wrk "sms-$c" "$WRK_THREADS" "$c" "$DUR" bench/sms.lua "s$c" new "$KANNEL_SECRET"
	stop_server "sms-$c"
	R[sms-$c.stored]=$(sql "SELECT count(*) FROM complaints")
	# "store: N transactions in M commits (group commit)", logged at stop
	R[sms-$c.group]=$(sed -n 's/.* store: \([0-9]*\) transactions in \([0-9]*\) commits.*/\1 \2/p' \
		"$SRV_LOG" | tail -n 1 | awk '$2 > 0 { printf "%d", $1 / $2 + 0.5 }')
done

# ---------------------------------------------------------------------------
# 3b. The SQLite floor: the statements of one SMS complaint straight on
# sqlite3, one thread, in groups of the size the writer reached at 64
# connections
# ---------------------------------------------------------------------------
FLOOR_GROUP=${R[sms-64.group]:-}
[ -n "$FLOOR_GROUP" ] && [ "$FLOOR_GROUP" -ge 1 ] 2>/dev/null || FLOOR_GROUP=1
note "SQLite floor: bench/floor, ${DUR} s, groups of $FLOOR_GROUP (the SMS row's at 64 connections)"
FLOOR_OUT=$TMP/floor.out
mkdir -p "$TMP/floor"
"$FLOOR_BIN" "$TMP/floor" "$DUR" "$FLOOR_GROUP" list >"$FLOOR_OUT" 2>&1 ||
	note "floor failed: $(tail -n 2 "$FLOOR_OUT")"
declare -A FL FLW
for kv in $(grep '^FLOOR ' "$FLOOR_OUT" | tail -n 1); do
	case "$kv" in *=*) FL[${kv%%=*}]=${kv#*=} ;; esac
done
# The same rows as the store writes them: its writer's VFS (store/walbuf.c).
FLOORW_OUT=$TMP/floor-walbuf.out
"$FLOOR_BIN" "$TMP/floor" "$DUR" "$FLOOR_GROUP" walbuf >"$FLOORW_OUT" 2>&1 ||
	note "floor (walbuf) failed: $(tail -n 2 "$FLOORW_OUT")"
for kv in $(grep '^FLOOR ' "$FLOORW_OUT" | tail -n 1); do
	case "$kv" in *=*) FLW[${kv%%=*}]=${kv#*=} ;; esac
done

# ---------------------------------------------------------------------------
# 4. Retried callbacks: RETRY_IDS ids stored once, then sent again
# ---------------------------------------------------------------------------
start_aduan retry
for i in 1 2 3; do
	run_wrk retry-prime 1 16 "$PRIME" bench/sms.lua rt retry "$KANNEL_SECRET" "$RETRY_IDS"
	R[retry.primed]=$(sql "SELECT count(*) FROM complaints")
	[ "${R[retry.primed]}" -ge "$RETRY_IDS" ] 2>/dev/null && break
done
for c in "${CONNS[@]}"; do
	run_wrk "retry-$c" "$WRK_THREADS" "$c" "$DUR" bench/sms.lua rt retry "$KANNEL_SECRET" "$RETRY_IDS"
done
stop_server retry
R[retry.stored]=$(sql "SELECT count(*) FROM complaints")
R[retry.messages]=$(sql "SELECT count(*) FROM messages")

# ---------------------------------------------------------------------------
# 5. USSD: whole sessions, one connection per wrk thread
# ---------------------------------------------------------------------------
start_aduan ussd
run_wrk ussd "$USSD_CONNS" "$USSD_CONNS" "$DUR" bench/ussd.lua u "$AT_SECRET"
stop_server ussd
R[ussd.stored]=$(sql "SELECT count(*) FROM complaints WHERE channel = 'ussd'")

# ---------------------------------------------------------------------------
# 5b. The Node peer: express + ussd-menu-builder, the same wrk shape
# ---------------------------------------------------------------------------
PEER_SKIP=
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	PEER_SKIP="node or npm is not installed (sh scripts/deps.sh bench)"
else
	mkdir -p "$PEER_DIR" && cp "$PEER_SRC/package.json" "$PEER_SRC/server.js" "$PEER_DIR/" ||
		PEER_SKIP="cannot copy the peer into $PEER_DIR"
	if [ -z "$PEER_SKIP" ] && { [ ! -d "$PEER_DIR/node_modules/ussd-menu-builder" ] ||
		! cmp -s "$PEER_SRC/package.json" "$PEER_DIR/package.json.installed"; }; then
		note "Node peer: npm install in $PEER_DIR (once; kept for later runs)"
		if (cd "$PEER_DIR" && timeout 300 npm install --no-audit --no-fund --loglevel=error) \
			>"$TMP/npm.log" 2>&1 </dev/null; then
			cp "$PEER_SRC/package.json" "$PEER_DIR/package.json.installed"
		else
			PEER_SKIP="npm install failed: $(grep -v '^[[:space:]]*$' "$TMP/npm.log" | tail -n 1 | cut -c1-160)"
		fi
	fi
fi
if [ -z "$PEER_SKIP" ]; then
	mkdir -p "$TMP/peer"
	free_port SRV_PORT
	SRV_LOG=$TMP/peer/peer.log
	(cd "$PEER_DIR" && PORT=$SRV_PORT exec node server.js) </dev/null >"$SRV_LOG" 2>&1 &
	SRV_PID=$!
	PIDS+=("$SRV_PID")
	wait_port "$SRV_PORT" "$SRV_PID" "node peer"
	run_wrk peer-ussd "$USSD_CONNS" "$USSD_CONNS" "$DUR" "$PEER_SRC/ussd.lua" peer
	HWM[peer]=$(status_kb "$SRV_PID" VmHWM)
	stop_pid "$SRV_PID"
	R[peer.version]="node $(node --version 2>/dev/null), ussd-menu-builder $(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' \
		"$PEER_DIR/node_modules/ussd-menu-builder/package.json" 2>/dev/null | head -n 1)"
	unset 'HWM[peer]'       # the table's memory rows are Aduan's
else
	note "Node peer: SKIP: $PEER_SKIP"
fi

# ---------------------------------------------------------------------------
# 5c. The PostgreSQL backend (issue 17): one node (SMS, USSD), then three
# nodes behind haproxy, on one PostgreSQL started here (test/pg.sh: fsync
# and synchronous_commit on), a fresh database per row; the server side
# measured during each run (pg_measure_*)
# ---------------------------------------------------------------------------
PG_SKIP=
HA_SKIP=
PG_ROWS=()                # the rows that ran, in order
PG_T0=$SECONDS
if ! pg_available; then
	PG_SKIP=$PG_ERR
elif ! TMPDIR=$TMP_BASE pg_start; then
	PG_SKIP="PostgreSQL did not start: $(printf '%s' "$PG_ERR" | tr '\n' ' ' | cut -c1-200)"
fi
if [ -n "$PG_SKIP" ]; then
	HA_SKIP=$PG_SKIP
elif [ ! -x "$HAPROXY_BIN" ]; then
	HA_SKIP="haproxy is not installed ($HAPROXY_BIN missing: Debian package haproxy)"
fi

# pgq SQL: one value (or a line of values separated by spaces) from the
# `postgres` database of the bench's server.
pgq() {
	pg_psql postgres -At -F ' ' -c "$1" 2>>"$TMP/psql.err"
}

# ticks_of PID...: utime + stime of those processes (all their threads),
# in clock ticks; a process that is gone counts 0.
ticks_of() {
	local p st sum=0 f
	for p in "$@"; do
		read -r st 2>/dev/null <"/proc/$p/stat" || continue
		st=${st##*) }
		read -ra f <<<"$st"
		# after "pid (comm) ": state ppid ... utime (14th) stime (15th)
		sum=$((sum + f[11] + f[12]))
	done
	echo "$sum"
}

# pg_procs: "PID TICKS" of the postmaster and of every process it started
# (backends, WAL writer, checkpointer, ...).
pg_procs() {
	local d st f
	for d in /proc/[0-9]*; do
		read -r st 2>/dev/null <"$d/stat" || continue
		[ "${d#/proc/}" = "$PG_PID" ] || [[ $st == *") "?" $PG_PID "* ]] || continue
		st=${st##*) }
		read -ra f <<<"$st"
		echo "${d#/proc/} $((f[11] + f[12]))"
	done
}

# cpu_total: "busy idle iowait" ticks of the whole machine (/proc/stat).
cpu_total() {
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9, $5, $6; exit }' /proc/stat
}

declare -A PGT0           # postgres PID -> ticks before the run
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)

# pg_measure_start NAME DB ADUAN_PIDS HAPROXY_PID: counters before a wrk
# run; a sampler counts DB's client connections every 0.25 s until
# pg_measure_stop.
pg_measure_start() {
	local name=$1 db=$2 pid t a b c
	R[$name.pg_db]=$db
	R[$name.pg_aduan_pids]=$3
	R[$name.pg_ha_pid]=${4:-}
	read -r a b c < <(pgq "SELECT xact_commit, pg_current_wal_lsn(),
		(SELECT wal_sync FROM pg_stat_wal) FROM pg_stat_database WHERE datname = '$db'")
	R[$name.pg_commit0]=$a R[$name.pg_lsn0]=$b R[$name.pg_sync0]=$c
	# shellcheck disable=SC2086  # a list of PIDs
	R[$name.aduan_t0]=$(ticks_of $3)
	R[$name.ha_t0]=$(ticks_of "${4:-}")
	PGT0=()
	while read -r pid t; do PGT0[$pid]=$t; done < <(pg_procs)
	read -r a b c < <(cpu_total)
	R[$name.busy0]=$a R[$name.idle0]=$b R[$name.iow0]=$c
	R[$name.t0]=$(date +%s.%N)
	: >"$TMP/$name.conns"
	(
		while :; do
			pg_psql postgres -At -c "SELECT count(*) FROM pg_stat_activity
				WHERE datname = '$db' AND backend_type = 'client backend'" \
				>>"$TMP/$name.conns" 2>/dev/null
			sleep 0.25
		done
	) </dev/null &
	SAMPLER_PID=$!
	PIDS+=("$SAMPLER_PID")
}

# pg_measure_cpu NAME: right after the wrk run, before the nodes stop (their
# backends end with them): CPU time of each side, connections at peak.
pg_measure_cpu() {
	local name=$1 pid t sum=0 busy idle iow
	stop_pid "$SAMPLER_PID"
	R[$name.secs_wall]=$(calc '%.3f' "$(date +%s.%N) - ${R[$name.t0]}")
	# shellcheck disable=SC2086
	R[$name.aduan_cpu]=$(( $(ticks_of ${R[$name.pg_aduan_pids]}) - R[$name.aduan_t0] ))
	# shellcheck disable=SC2086
	R[$name.ha_cpu]=$(( $(ticks_of ${R[$name.pg_ha_pid]}) - R[$name.ha_t0] ))
	while read -r pid t; do sum=$((sum + t - ${PGT0[$pid]:-0})); done < <(pg_procs)
	R[$name.pg_cpu]=$sum
	read -r busy idle iow < <(cpu_total)
	R[$name.m_busy]=$((busy - R[$name.busy0]))
	R[$name.m_idle]=$((idle - R[$name.idle0]))
	R[$name.m_iow]=$((iow - R[$name.iow0]))
	R[$name.conns_peak]=$(sort -n "$TMP/$name.conns" | tail -n 1)
}

# pg_measure_end NAME: once the nodes stopped (their backends gone, so their
# statistics are flushed): commits, WAL bytes and WAL fsyncs of the run,
# complaints stored.
pg_measure_end() {
	local name=$1 db=${R[$1.pg_db]} i a b c
	for ((i = 0; i < 50; i++)); do
		[ "$(pgq "SELECT count(*) FROM pg_stat_activity WHERE datname = '$db'")" = 0 ] && break
		sleep 0.1
	done
	read -r a b c < <(pgq \
		"SELECT xact_commit - ${R[$name.pg_commit0]:-0},
		        pg_wal_lsn_diff(pg_current_wal_lsn(), '${R[$name.pg_lsn0]:-0/0}')::bigint,
		        (SELECT wal_sync FROM pg_stat_wal) - ${R[$name.pg_sync0]:-0}
		 FROM pg_stat_database WHERE datname = '$db'")
	R[$name.pg_commits]=$a R[$name.pg_wal]=$b R[$name.pg_syncs]=$c
	# COMMIT records in the run's WAL: the transactions that wrote (read-only
	# ones write none, and a savepoint's has none of its own)
	R[$name.pg_wcommits]=-
	if [ "$PG_WALINSPECT" = 1 ]; then
		R[$name.pg_wcommits]=$(pgq "SELECT coalesce(sum(count), 0) FROM pg_get_wal_stats(
			'${R[$name.pg_lsn0]:-0/0}', pg_current_wal_lsn(), true)
			WHERE \"resource_manager/record_type\" = 'Transaction/COMMIT'")
	fi
	R[$name.stored]=$(pg_psql "$db" -At -c "SELECT count(*) FROM complaints" 2>>"$TMP/psql.err")
	R[$name.stored_ussd]=$(pg_psql "$db" -At -c \
		"SELECT count(*) FROM complaints WHERE channel = 'ussd'" 2>>"$TMP/psql.err")
}

# start_pg_node NAME URI: aduan serve on the bench's config and URI; sets
# SRV_PID, SRV_PORT, SRV_LOG.  1 (PGROW_ERR says why) when it does not
# listen within 15 s.
start_pg_node() {
	local i
	mkdir -p "$TMP/$1"
	free_port SRV_PORT
	SRV_LOG=$TMP/$1/aduan.log
	"$ADUAN_BIN" serve --demo -c "$SRV_CONF" -p "$SRV_PORT" -d "$2" </dev/null >"$SRV_LOG" 2>&1 &
	SRV_PID=$!
	PIDS+=("$SRV_PID")
	for ((i = 0; i < 300; i++)); do
		port_open "$SRV_PORT" && return 0
		pid_alive "$SRV_PID" || break
		sleep 0.05
	done
	PGROW_ERR="aduan serve ($1) did not listen on port $SRV_PORT: $(tail -n 2 "$SRV_LOG" | tr '\n' ' ' | cut -c1-200)"
	return 1
}

# skip_row NAME REASON
skip_row() {
	R[$1.skip]=$2
	note "$1: SKIP: $2"
}

if [ -z "$PG_SKIP" ]; then
	PG_VERSION=$(pgq "SHOW server_version" | awk '{ print $1 }')
	PG_MAXCONN=$(pgq "SHOW max_connections")
	PG_RESERVED=$(pgq "SHOW superuser_reserved_connections")
	PG_SETTINGS=$(pgq "SELECT string_agg(name || ' ' || setting || coalesce(unit, ''), ', ' ORDER BY name)
		FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'shared_buffers',
		'wal_sync_method', 'commit_delay')")
	# pg_walinspect (contrib, in postgresql-15) counts the WAL's COMMIT records
	PG_WALINSPECT=0
	pgq "CREATE EXTENSION IF NOT EXISTS pg_walinspect" >/dev/null && PG_WALINSPECT=1
	# what one WAL flush costs on this disk: 8 kB writes with O_DSYNC, one
	# after the other, over the same 4 MiB (fdatasync is wal_sync_method)
	PG_DSYNC=$( { dd if=/dev/zero of="$TMP/dsync.probe" bs=8k count=512 oflag=dsync 2>&1 >/dev/null &&
		dd if=/dev/zero of="$TMP/dsync.probe" bs=8k count=512 oflag=dsync conv=notrunc 2>&1 >/dev/null; } |
		awk '/copied/ { for (i = 1; i < NF; i++) if ($(i + 1) ~ /^s,?$/) t = $i } END { if (t > 0) printf "%.0f", 512 / t }')
	rm -f "$TMP/dsync.probe"
	PG_POOL=$(sed -n 's/^[[:space:]]*pool_size[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p' "$CONF" | head -n 1)
	[ "${PG_POOL:-0}" = 0 ] && PG_POOL=$(( ${SRV_THREADS:-64} + 4 ))
	note "PostgreSQL $PG_VERSION on $PG_SOCK (pid $PG_PID): $PG_SETTINGS; max_connections $PG_MAXCONN"

	# One node: SMS at 64 connections, then USSD at 64 x 1, a database each.
	for name in pg-sms pg-ussd; do
		db=bench_${name#pg-}
		if ! pg_createdb "$db"; then
			skip_row "$name" "$PG_ERR"
			continue
		fi
		if ! start_pg_node "$name" "$PG_URI"; then
			skip_row "$name" "$PGROW_ERR"
			stop_pid "$SRV_PID"
			continue
		fi
		pg_measure_start "$name" "$db" "$SRV_PID" ""
		if [ "$name" = pg-sms ]; then
			run_wrk "$name" "$WRK_THREADS" 64 "$DUR" bench/sms.lua pgs new "$KANNEL_SECRET"
			R[$name.unit]=complaint
		else
			run_wrk "$name" "$USSD_CONNS" "$USSD_CONNS" "$DUR" bench/ussd.lua pgu "$AT_SECRET"
			R[$name.unit]=step
		fi
		pg_measure_cpu "$name"
		stop_server "$name"
		pg_measure_end "$name"
		PG_ROWS+=("$name")
	done

	# Three nodes on one database behind haproxy (it_multinode's shape).
	name=pg-ha
	if [ -n "$HA_SKIP" ]; then
		skip_row "$name" "$HA_SKIP"
	elif ! pg_createdb bench_ha; then
		skip_row "$name" "$PG_ERR"
	else
		HA_NODE_PID=()
		HA_NODE_PORT=()
		for i in 1 2 3; do
			if ! start_pg_node "pg-ha-$i" "$PG_URI"; then
				skip_row "$name" "$PGROW_ERR"
				stop_pid "$SRV_PID"
				break
			fi
			HA_NODE_PID+=("$SRV_PID")
			HA_NODE_PORT+=("$SRV_PORT")
		done
		if [ -z "${R[$name.skip]:-}" ]; then
			free_port HA_PORT
			free_port HA_STATS_PORT
			mkdir -p "$TMP/haproxy"
			HA_CFG=$TMP/haproxy/haproxy.cfg
			cat >"$HA_CFG" <<HAEOF
global
	maxconn 2048

defaults
	mode http
	timeout connect 1s
	timeout client 30s
	timeout server 10s
	retries 3
	option redispatch 1

frontend aduan
	bind 127.0.0.1:$HA_PORT
	default_backend nodes

backend nodes
	balance roundrobin
	option httpchk GET /healthz
	http-check expect status 200
	timeout check 1s
	default-server check inter 300ms fall 2 rise 2
	server n1 127.0.0.1:${HA_NODE_PORT[0]}
	server n2 127.0.0.1:${HA_NODE_PORT[1]}
	server n3 127.0.0.1:${HA_NODE_PORT[2]}

listen stats
	bind 127.0.0.1:$HA_STATS_PORT
	stats enable
	stats uri /stats
HAEOF
			if ! "$HAPROXY_BIN" -c -f "$HA_CFG" >"$TMP/haproxy/check.out" 2>&1; then
				skip_row "$name" "haproxy -c: $(tr '\n' ' ' <"$TMP/haproxy/check.out" | cut -c1-200)"
			else
				"$HAPROXY_BIN" -db -f "$HA_CFG" </dev/null >"$TMP/haproxy/haproxy.log" 2>&1 &
				HA_PID=$!
				PIDS+=("$HA_PID")
				# haproxy's stats, the CSV lines of the three servers
				ha_stats() {
					(exec 3<>"/dev/tcp/127.0.0.1/$HA_STATS_PORT" &&
						printf 'GET /stats;csv HTTP/1.0\r\n\r\n' >&3 && cat <&3) 2>/dev/null |
						awk -F, '$1 == "nodes" && $2 ~ /^n[0-9]$/'
				}
				# three servers UP (its health checks on /healthz)
				for ((i = 0; i < 100; i++)); do
					up=$(ha_stats | awk -F, '$18 == "UP"' | wc -l)
					[ "$up" = 3 ] && break
					pid_alive "$HA_PID" || break
					sleep 0.1
				done
				if [ "${up:-0}" != 3 ]; then
					skip_row "$name" "haproxy did not see the three nodes UP within 10 s ($up UP): $(tail -n 2 "$TMP/haproxy/haproxy.log" | tr '\n' ' ' | cut -c1-200)"
				else
					SAVED_PORT=$SRV_PORT
					SRV_PORT=$HA_PORT
					pg_measure_start "$name" bench_ha "${HA_NODE_PID[*]}" "$HA_PID"
					run_wrk "$name" "$WRK_THREADS" 64 "$DUR" bench/sms.lua pgh new "$KANNEL_SECRET"
					R[$name.unit]=complaint
					pg_measure_cpu "$name"
					SRV_PORT=$SAVED_PORT
					# failed health checks (chkfail) and UP -> DOWN moves (chkdown)
					read -r a b < <(ha_stats | awk -F, '{ f += $22; d += $23 } END { print f + 0, d + 0 }')
					R[$name.chkfail]=$a R[$name.chkdown]=$b
				fi
				stop_pid "$HA_PID"
			fi
		fi
		for i in 0 1 2; do
			[ -n "${HA_NODE_PID[i]:-}" ] || continue
			SRV_PID=${HA_NODE_PID[i]}
			SRV_LOG=$TMP/pg-ha-$((i + 1))/aduan.log
			stop_server "pg-ha-$((i + 1))"
		done
		if [ -z "${R[$name.skip]:-}" ]; then
			pg_measure_end "$name"
			PG_ROWS+=("$name")
		fi
	fi
	pg_stop
else
	note "PostgreSQL rows: SKIP: $PG_SKIP"
fi
PG_SECS=$((SECONDS - PG_T0))

# ---------------------------------------------------------------------------
# 6. Memory under steady SMS load
# ---------------------------------------------------------------------------
note "steady SMS load at 64 connections for ${MEM2} s (RSS at ${MEM1} s and ${MEM2} s)"
start_aduan steady
STEADY_OUT=$TMP/steady.wrk
wrk -t"$WRK_THREADS" -c64 -d"$((MEM2 + 2))s" --timeout 10s -s bench/sms.lua \
	"http://127.0.0.1:$SRV_PORT" -- steady new "$KANNEL_SECRET" >"$STEADY_OUT" 2>&1 </dev/null &
STEADY_WRK=$!
PIDS+=("$STEADY_WRK")
T0=$SECONDS
RSS_TREND=()
next=10
while [ $((SECONDS - T0)) -lt "$MEM2" ]; do
	sleep 1
	el=$((SECONDS - T0))
	if [ -z "${RSS1:-}" ] && [ "$el" -ge "$MEM1" ]; then
		RSS1=$(status_kb "$SRV_PID" VmRSS)
		note "steady: RSS after ${el} s: ${RSS1} kB"
	fi
	if [ "$el" -ge "$next" ]; then
		RSS_TREND+=("${el}s:$(calc '%.1f' "$(status_kb "$SRV_PID" VmRSS) / 1024")")
		next=$((next + (MEM2 >= 300 ? 30 : 10)))
	fi
	pid_alive "$SRV_PID" || die "aduan serve (steady) died; see $SRV_LOG"
done
RSS2=$(status_kb "$SRV_PID" VmRSS)
note "steady: RSS after $((SECONDS - T0)) s: ${RSS2} kB"
wait "$STEADY_WRK"
forget_pid "$STEADY_WRK"
line=$(grep '^BENCH ' "$STEADY_OUT" | tail -n 1)
for kv in $line; do
	case "$kv" in *=*) R[steady.${kv%%=*}]=${kv#*=} ;; esac
done
R[steady.sample]=$(sed -n 's/^BENCH_SAMPLE //p' "$STEADY_OUT" | head -n 1)
stop_server steady
R[steady.stored]=$(sql "SELECT count(*) FROM complaints")

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------
hr() { printf '%*s\n' 100 '' | tr ' ' '-'; }

echo
echo "Aduan benchmark ($(date -u '+%Y-%m-%d %H:%M UTC'), $((SECONDS - START)) s)"
if [ "$QUICK" = 1 ]; then
	echo "BENCH_QUICK=1: SHORTENED RUN: wrk runs of $DUR s (full: 10 s); memory after $MEM1 s and $MEM2 s of"
	echo "steady load (full: 1 and 5 minutes).  Run 'make bench' for the figures the targets are about."
fi
echo "Machine:  $NCPU CPUs, $CPU_MODEL, $MEM_TOTAL RAM, Linux $(uname -r)"
echo "          databases on $FS; load average before $LOAD_BEFORE, after $LOAD_AFTER"
echo "Software: aduan $ADUAN_VERSION (git $GIT), wrk $WRK_VERSION, libmicrohttpd $MHD_VERSION, SQLite $SQLITE_VERSION"
echo "Config:   $CONF: synchronous = ${SYNC:-full}, server.threads = ${SRV_THREADS:-4}; client and server share the CPUs"
echo
echo "HTTP on loopback (wrk, latency per request from wrk's histogram; 'bad' = not 200 with a ticket)"
hr
printf '%-34s %6s %8s %12s %9s %9s %9s %6s %6s\n' row conns threads 'requests/s' 'p50 ms' 'p99 ms' \
	'vs base' bad errors
hr
row() {
	local label=$1 name=$2 base=$3 ratio=-
	if [ -n "$base" ] && [ "${R[$base.rps]:-0}" != 0 ]; then
		ratio=$(calc '%.1f%%' "${R[$name.rps]:-0} * 100 / ${R[$base.rps]}")
	fi
	printf '%-34s %6s %8s %12.1f %9.2f %9.2f %9s %6s %6s\n' "$label" "${R[$name.conns]:--}" \
		"${R[$name.threads]:--}" "${R[$name.rps]:-0}" "${R[$name.p50_ms]:-0}" "${R[$name.p99_ms]:-0}" \
		"$ratio" "${R[$name.bad]:--}" "$(errors_of "$name")"
}
for c in "${CONNS[@]}"; do
	row "baseline: bare MHD, GET" "base-$c" ""
done
row "baseline: bare MHD, POST (1/thread)" base-ussd ""
for c in "${CONNS[@]}"; do
	row "SMS intake: new complaint, durable" "sms-$c" "base-$c"
done
for c in "${CONNS[@]}"; do
	row "SMS retried callback (same ids)" "retry-$c" "base-$c"
done
row "USSD steps (whole sessions)" ussd base-ussd
if [ -z "$PEER_SKIP" ]; then
	row "Node peer: express+ussd-menu-builder" peer-ussd base-ussd
else
	printf '%-34s %s\n' "Node peer: express+ussd-menu-builder" "SKIP: $PEER_SKIP"
fi
hr
if [ -z "$PEER_SKIP" ] && [ "${R[peer-ussd.rps]:-0}" != 0 ]; then
	echo "USSD vs the Node peer (${R[peer.version]:-}, sessions in memory, nothing on disk; same wrk shape):" \
		"$(calc '%.2fx' "${R[ussd.rps]:-0} / ${R[peer-ussd.rps]}")" \
		"($(calc '%.0f' "${R[ussd.rps]:-0}") vs $(calc '%.0f' "${R[peer-ussd.rps]}") steps/s)."
fi
if [ "${FL[msgs_per_s]:-0}" != "" ] && [ "${FL[msgs_per_s]:-0}" != 0 ]; then
	for c in "${CONNS[@]}"; do
		echo "SMS intake at $c connections vs the SQLite floor: $(calc '%.2fx' "${R[sms-$c.rps]:-0} / ${FL[msgs_per_s]}")" \
			"($(calc '%.0f' "${R[sms-$c.rps]:-0}") vs $(calc '%.0f' "${FL[msgs_per_s]}") complaints/s;" \
			"writer's group size ${R[sms-$c.group]:-?})."
		[ "${FLW[msgs_per_s]:-0}" != 0 ] &&
			echo "  ... vs the floor on the store's own WAL writes (walbuf): $(calc '%.2fx' "${R[sms-$c.rps]:-0} / ${FLW[msgs_per_s]}")" \
				"($(calc '%.0f' "${FLW[msgs_per_s]}") complaints/s)."
	done
fi
for c in "${CONNS[@]}"; do
	echo "SMS at $c connections: ${R[sms-$c.ok]:-0} answered with a ticket, ${R[sms-$c.stored]:-?} complaints stored" \
		"(more: answers wrk stopped waiting for at the end)."
done
echo "Retried callbacks: $RETRY_IDS ids; complaints stored after priming ${R[retry.primed]:-?}, after" \
	"$(( ${R[retry-64.requests]:-0} + ${R[retry-512.requests]:-0} )) retries ${R[retry.stored]:-?}" \
	"(inbound messages ${R[retry.messages]:-?})."
echo "USSD: ${R[ussd.sessions]:-0} sessions finished with a ticket ($(calc '%.1f' "${R[ussd.sessions]:-0} / ${R[ussd.secs]:-1}")" \
	"sessions/s, 6 steps each), ${R[ussd.stored]:-?} USSD complaints stored."
for n in base-64 base-512 base-ussd sms-64 sms-512 retry-prime retry-64 retry-512 ussd steady; do
	if [ -n "${R[$n.sample]:-}" ]; then
		echo "  first bad answer in $n: ${R[$n.sample]}"
	fi
	if [ "${R[$n.failed]:-0}" = 1 ]; then
		echo "  $n: wrk gave no result"
	fi
done
for n in sms-64 sms-512 retry ussd steady; do
	if [ "${R[$n.logwarn]:-0}" != 0 ]; then
		echo "  aduan log of $n: ${R[$n.logwarn]} WARN/ERROR lines, first: ${R[$n.logwarn_sample]}"
	fi
	if [ "${R[$n.outbox_fail]:-0}" != 0 ]; then
		echo "  aduan log of $n: ${R[$n.outbox_fail]} receipt SMS attempts failed (expected: no Kannel" \
			"sendsms runs during the bench; each is retried later)"
	fi
done

echo
echo "PostgreSQL backend (issue 17; the same wrk scripts and checks; 'vs SQLite' = requests/s over the SQLite"
echo "SMS intake row at 64 connections of this run)"
if [ -n "$PG_SKIP" ]; then
	echo "  SKIP: $PG_SKIP"
else
	echo "PostgreSQL $PG_VERSION started by the bench, one database per row, unix socket: $PG_SETTINGS;"
	echo "max_connections $PG_MAXCONN ($PG_RESERVED reserved); every node runs $CONF: server.threads ${SRV_THREADS:-?}," \
		"store.pool_size $PG_POOL per node"
	hr
	printf '%-40s %6s %8s %12s %9s %9s %9s %6s %6s\n' row conns threads 'requests/s' 'p50 ms' 'p99 ms' \
		'vs SQLite' bad errors
	hr
	for name in pg-sms pg-ussd pg-ha; do
		case $name in
		pg-sms) label="SMS intake, 1 node" ;;
		pg-ussd) label="USSD steps, 1 node (whole sessions)" ;;
		*) label="SMS intake, 3 nodes behind haproxy" ;;
		esac
		if [ -n "${R[$name.skip]:-}" ]; then
			printf '%-40s %s\n' "$label" "SKIP: ${R[$name.skip]}"
			continue
		fi
		ratio=-
		if [ "${R[sms-64.rps]:-0}" != 0 ]; then
			ratio=$(calc '%.2fx' "${R[$name.rps]:-0} / ${R[sms-64.rps]}")
		fi
		printf '%-40s %6s %8s %12.1f %9.2f %9.2f %9s %6s %6s\n' "$label" "${R[$name.conns]:--}" \
			"${R[$name.threads]:--}" "${R[$name.rps]:-0}" "${R[$name.p50_ms]:-0}" "${R[$name.p99_ms]:-0}" \
			"$ratio" "${R[$name.bad]:--}" "$(errors_of "$name")"
	done
	hr
	if [ -z "${R[pg-ussd.skip]:-}" ] && [ "${R[ussd.rps]:-0}" != 0 ]; then
		echo "USSD on PostgreSQL vs USSD on SQLite (same shape, 64 x 1): $(calc '%.2fx' "${R[pg-ussd.rps]:-0} / ${R[ussd.rps]}")."
	fi
	for name in "${PG_ROWS[@]}"; do
		case $name in
		pg-ussd) echo "$name: ${R[$name.sessions]:-0} sessions finished with a ticket, ${R[$name.stored_ussd]:-?} USSD complaints stored." ;;
		pg-ha) echo "$name: ${R[$name.ok]:-0} answered with a ticket, ${R[$name.stored]:-?} complaints stored;" \
			"haproxy: ${R[$name.chkfail]:-?} failed /healthz checks, ${R[$name.chkdown]:-?} times a node was taken" \
			"out (checks every 300 ms, 1 s timeout, down after 2 failures)." ;;
		*) echo "$name: ${R[$name.ok]:-0} answered with a ticket, ${R[$name.stored]:-?} complaints stored." ;;
		esac
		[ -n "${R[$name.sample]:-}" ] && echo "  first bad answer in $name: ${R[$name.sample]}"
		[ "${R[$name.failed]:-0}" = 1 ] && echo "  $name: wrk gave no result"
	done
	for n in pg-sms pg-ussd pg-ha-1 pg-ha-2 pg-ha-3; do
		if [ "${R[$n.logwarn]:-0}" != 0 ]; then
			echo "  aduan log of $n: ${R[$n.logwarn]} WARN/ERROR lines, first: ${R[$n.logwarn_sample]}"
		fi
		if [ "${R[$n.outbox_fail]:-0}" != 0 ]; then
			echo "  aduan log of $n: ${R[$n.outbox_fail]} receipt SMS attempts failed (no Kannel sendsms runs)"
		fi
	done
	if [ "${#PG_ROWS[@]}" -gt 0 ]; then
		echo
		echo "PostgreSQL, the server side during each run ('per' = per SMS complaint or USSD step answered; commits"
		echo "from pg_stat_database, read-only ones included; write commits = COMMIT records in the run's WAL"
		echo "(pg_walinspect); WAL fsyncs from pg_stat_wal; connections from pg_stat_activity every 0.25 s; CPU"
		echo "from /proc/PID/stat: all postgres processes, the aduan nodes, haproxy; wrk has the rest)"
		hr
		printf '%-8s %9s %8s %6s %7s %8s %7s %6s %8s %8s %7s %5s %6s\n' row commits/s 'write/s' 'write' 'WAL B' \
			fsyncs/s 'writes' conns 'pg CPU' 'aduan' haproxy idle iowait
		printf '%-8s %9s %8s %6s %7s %8s %7s %6s %8s %8s %7s %5s %6s\n' '' '' '' per per '' '/fsync' peak \
			'us/per' 'us/per' 'us/per' '%' '%'
		hr
		for name in "${PG_ROWS[@]}"; do
			n=${R[$name.requests]:-0}
			[ "$n" -gt 0 ] 2>/dev/null || n=1
			s=${R[$name.secs_wall]:-1}
			tot=$(( ${R[$name.m_busy]:-0} + ${R[$name.m_idle]:-0} + ${R[$name.m_iow]:-0} ))
			[ "$tot" -gt 0 ] || tot=1
			sy=${R[$name.pg_syncs]:-0}
			wcm=${R[$name.pg_wcommits]:--}
			if [ "$wcm" = - ]; then
				wps=- wper=- wpf=-
			else
				wps=$(calc '%.0f' "$wcm / $s")
				wper=$(calc '%.2f' "$wcm / $n")
				wpf=-
				[ "$sy" -gt 0 ] 2>/dev/null && wpf=$(calc '%.2f' "$wcm / $sy")
			fi
			printf '%-8s %9.0f %8s %6s %7.0f %8.0f %7s %6s %8.0f %8.0f %7s %5.1f %6.1f\n' "$name" \
				"$(calc '%f' "${R[$name.pg_commits]:-0} / $s")" "$wps" "$wper" \
				"$(calc '%f' "${R[$name.pg_wal]:-0} / $n")" \
				"$(calc '%f' "$sy / $s")" "$wpf" "${R[$name.conns_peak]:--}" \
				"$(calc '%f' "${R[$name.pg_cpu]:-0} * 1000000 / $CLK_TCK / $n")" \
				"$(calc '%f' "${R[$name.aduan_cpu]:-0} * 1000000 / $CLK_TCK / $n")" \
				"$( [ -n "${R[$name.pg_ha_pid]:-}" ] && calc '%.0f' "${R[$name.ha_cpu]:-0} * 1000000 / $CLK_TCK / $n" || echo -)" \
				"$(calc '%f' "${R[$name.m_idle]:-0} * 100 / $tot")" \
				"$(calc '%f' "${R[$name.m_iow]:-0} * 100 / $tot")"
		done
		hr
		for name in "${PG_ROWS[@]}"; do
			echo "$name: ${R[$name.requests]:-0} requests in ${R[$name.secs_wall]:-?} s; ${R[$name.pg_commits]:-?} commits" \
				"(${R[$name.pg_wcommits]:--} that wrote), ${R[$name.pg_syncs]:-?} WAL fsyncs," \
				"$(calc '%.1f' "${R[$name.pg_wal]:-0} / 1048576") MiB of WAL; CPU s: postgres $(calc '%.2f' "${R[$name.pg_cpu]:-0} / $CLK_TCK")," \
				"aduan $(calc '%.2f' "${R[$name.aduan_cpu]:-0} / $CLK_TCK")$( [ -n "${R[$name.pg_ha_pid]:-}" ] &&
					echo ", haproxy $(calc '%.2f' "${R[$name.ha_cpu]:-0} / $CLK_TCK")") of" \
				"$(calc '%.2f' "$NCPU * ${R[$name.secs_wall]:-0}") on $NCPU CPUs"
		done
		echo "The PostgreSQL rows took $PG_SECS s of this run (the server's start and stop included)."
		if [ -n "${PG_DSYNC:-}" ]; then
			echo "One WAL flush on this disk: 8 kB writes with O_DSYNC one after the other (dd, in the temp dir):" \
				"$PG_DSYNC per second, the most fsyncs/s one database's WAL can make here; each carries 'writes/fsync' commits."
		fi
		echo "Connections: nodes x store.pool_size = 1 x $PG_POOL and 3 x $PG_POOL = $((3 * PG_POOL)) against" \
			"max_connections $PG_MAXCONN ($PG_RESERVED reserved for superusers); at peak the rows used" \
			"$(for name in "${PG_ROWS[@]}"; do printf '%s %s, ' "$name" "${R[$name.conns_peak]:-?}"; done | sed 's/, $//')."
	fi
fi

echo
echo "The store alone (store_bench: one SMS complaint's reads and writes per transaction, synchronous=FULL,"
echo "no HTTP, parsing, routing or reply; the ceiling the store puts on the SMS intake row)"
hr
printf '%-44s %8s %12s %10s %10s %12s %7s\n' mode threads 'messages/s' 'us/msg' commits 'per commit' failed
hr
for m in run begin; do
	case $m in
	run) label="store_run (the writer runs each)" ;;
	*) label="store_begin .. store_commit (own thread)" ;;
	esac
	printf '%-44s %8s %12s %10s %10s %12s %7s\n' "$label" "${ST[$m.threads]:--}" \
		"${ST[$m.msgs_per_s]:--}" "${ST[$m.us_per_msg]:--}" "${ST[$m.commits]:--}" \
		"${ST[$m.per_commit]:--}" "${ST[$m.failed]:--}"
done
hr
if [ "${R[base-64.rps]:-0}" != 0 ] && [ -n "${ST[run.msgs_per_s]:-}" ]; then
	echo "The store alone (store_run) is $(calc '%.1f%%' "${ST[run.msgs_per_s]} * 100 / ${R[base-64.rps]}")" \
		"of the baseline's requests/s at 64 connections."
fi

echo
echo "The SQLite floor (bench/floor: the ${FL[statements]:-?} statements one SMS complaint runs today, listed below, straight"
echo "on sqlite3 in one thread, prepared, synchronous=FULL, WAL; ${FL[group]:-?} complaints per BEGIN..COMMIT, the writer's"
echo "group size in the SMS row at 64 connections; no store layer can beat it with these rows.  The second row"
echo "writes the WAL through the store's own writer VFS, store/walbuf.c: the same rows as the store writes them)"
hr
printf '%-44s %8s %14s %10s %14s\n' statements group 'complaints/s' 'us/msg' 'CPU us/msg'
hr
printf '%-44s %8s %14s %10s %14s\n' "${FL[statements]:--} per complaint, SQLite's VFS" "${FL[group]:--}" \
	"${FL[msgs_per_s]:--}" "${FL[us_per_msg]:--}" "${FL[cpu_us_per_msg]:--}"
printf '%-44s %8s %14s %10s %14s\n' "${FLW[statements]:--} per complaint, the writer's (walbuf)" \
	"${FLW[group]:--}" "${FLW[msgs_per_s]:--}" "${FLW[us_per_msg]:--}" "${FLW[cpu_us_per_msg]:--}"
hr
sed -n 's/^FLOOR_SQL /  /p' "$FLOOR_OUT" 2>/dev/null | cut -c1-150

echo
echo "Routing alone (route_bench: the same 18 messages in a loop, ${ROUTE_SECS} s per table in 10 rounds"
echo "taken in turns; messages/s and ns/message of the fastest round, mean ns of all rounds)"
hr
printf '%-18s %7s %7s %9s %12s %11s %10s %12s %8s\n' table rules words 'build ms' 'messages/s' \
	'ns/message' 'mean ns' 'vs 10 rules' matched
hr
base_ns=${RT[generated-10.ns_per_msg]:-}
for n in "${ROUTE_NAMES[@]}"; do
	ratio=-
	case "$n" in generated-*)
		[ -n "$base_ns" ] && ratio=$(calc '%.2fx' "${RT[$n.ns_per_msg]} / $base_ns") ;;
	esac
	printf '%-18s %7s %7s %9s %12s %11s %10s %12s %8s\n' "$n" "${RT[$n.rules]}" "${RT[$n.words]}" \
		"${RT[$n.build_ms]}" "${RT[$n.msgs_per_s]}" "${RT[$n.ns_per_msg]}" "${RT[$n.ns_per_msg_avg]}" \
		"$ratio" "${RT[$n.matched]}"
done
hr

echo
echo "Memory of aduan serve (/proc/PID/status)"
hr
peak=0 peak_name=
for n in "${!HWM[@]}"; do
	if [ "${HWM[$n]:-0}" -gt "$peak" ]; then
		peak=${HWM[$n]} peak_name=$n
	fi
done
printf '%-44s %s\n' "peak resident (VmHWM), whole run" "$(calc '%.1f MiB' "$peak / 1024") (in $peak_name)"
for n in sms-64 sms-512 retry ussd steady; do
	printf '%-44s %s\n' "  VmHWM of the $n server" "$(calc '%.1f MiB' "${HWM[$n]:-0} / 1024")"
done
if [ "$QUICK" = 1 ]; then w1="${MEM1} s" w2="${MEM2} s"; else w1="1 min" w2="5 min"; fi
printf '%-44s %s\n' "steady SMS load, 64 conns" "$(calc '%.1f' "${R[steady.rps]:-0}") req/s, p99 $(calc '%.2f' "${R[steady.p99_ms]:-0}") ms, bad ${R[steady.bad]:-?}, ${R[steady.stored]:-?} complaints stored"
printf '%-44s %s\n' "VmRSS after $w1 of steady load" "$(calc '%.1f MiB' "${RSS1:-0} / 1024")"
printf '%-44s %s\n' "VmRSS after $w2 of steady load" "$(calc '%.1f MiB' "${RSS2:-0} / 1024")"
growth=$(calc '%.1f' "(${RSS2:-0} - ${RSS1:-0}) * 100 / (${RSS1:-0} > 0 ? ${RSS1:-0} : 1)")
printf '%-44s %s\n' "growth from $w1 to $w2" "${growth}%"
printf '%-44s %s\n' "VmRSS trend (s:MiB)" "${RSS_TREND[*]}"
hr

echo
echo "Targets (issues 7 and 18, on the 2-core development machine)"
pf() {
	if [ "$1" = 1 ]; then printf '  PASS  %s\n' "$2"; else printf '  FAIL  %s\n' "$2"; fi
}
ge() { awk "BEGIN { exit !($1 >= $2) }"; }
lt() { awk "BEGIN { exit !($1 < $2) }"; }
fl=${FL[msgs_per_s]:-0}
rfl=$(calc '%.2f' "${R[sms-64.rps]:-0} / ($fl > 0 ? $fl : 1)")
ge "$rfl" 0.8 && lt "${R[sms-64.p99_ms]:-999999}" 20 && [ "$fl" != 0 ] && ok=1 || ok=0
flw=${FLW[msgs_per_s]:-0}
pf "$ok" "SMS intake at 64 connections >= 0.8x the SQLite floor and p99 < 20 ms: ${rfl}x ($(calc '%.0f' "${R[sms-64.rps]:-0}") vs $(calc '%.0f' "$fl") complaints/s), p99 $(calc '%.2f' "${R[sms-64.p99_ms]:-0}") ms; $(calc '%.2f' "${R[sms-64.rps]:-0} / ($flw > 0 ? $flw : 1)")x of the floor on the store's own WAL writes"
if [ -n "$PEER_SKIP" ]; then
	printf '  SKIP  %s\n' "USSD steps/s >= 3x the Node peer's: $PEER_SKIP"
else
	ru=$(calc '%.2f' "${R[ussd.rps]:-0} / (${R[peer-ussd.rps]:-0} > 0 ? ${R[peer-ussd.rps]} : 1)")
	pbad=$(( ${R[peer-ussd.bad]:-0} + $(errors_of peer-ussd) + ${R[peer-ussd.failed]:-0} ))
	ubad=$(( ${R[ussd.bad]:-0} + $(errors_of ussd) + ${R[ussd.failed]:-0} ))
	ge "$ru" 3 && [ "$pbad" = 0 ] && [ "$ubad" = 0 ] && ok=1 || ok=0
	pf "$ok" "USSD steps/s >= 3x the Node peer's (same client: $USSD_CONNS threads x 1 connection), every answer correct: ${ru}x ($(calc '%.0f' "${R[ussd.rps]:-0}") vs $(calc '%.0f' "${R[peer-ussd.rps]:-0}")), bad answers: Aduan $ubad, peer $pbad"
fi
if [ -n "$base_ns" ] && [ -n "${RT[generated-10000.ns_per_msg]:-}" ]; then
	rr=$(calc '%.2f' "${RT[generated-10000.ns_per_msg]} / $base_ns")
	ge 1.5 "$rr" && ok=1 || ok=0
	pf "$ok" "Routing: 10,000 rules cost <= 1.5x 10 rules per message: ${rr}x (${RT[generated-10000.ns_per_msg]} vs $base_ns ns)"
else
	pf 0 "Routing: no result from route_bench"
fi
ge 10 "$growth" && ok=1 || ok=0
pf "$ok" "Memory: RSS growth from $w1 to $w2 of steady load <= 10%: ${growth}%"
allbad=0
for n in sms-64 sms-512 retry-64 retry-512 ussd steady; do
	allbad=$((allbad + ${R[$n.bad]:-0} + $(errors_of "$n") + ${R[$n.failed]:-0}))
done
[ "$allbad" = 0 ] && ok=1 || ok=0
pf "$ok" "Every Aduan answer measured was 200 with a ticket, no socket errors: $allbad bad"
lost=0
for c in "${CONNS[@]}"; do
	[ "${R[sms-$c.stored]:-0}" -lt "${R[sms-$c.ok]:-0}" ] && lost=1
done
[ "${R[retry.stored]:-0}" = "$RETRY_IDS" ] || lost=1
[ "${R[ussd.stored]:-0}" -lt "${R[ussd.sessions]:-0}" ] && lost=1
[ "$lost" = 0 ] && ok=1 || ok=0
pf "$ok" "Stored: every ticket answered (SMS and USSD) is in the store, retries created no second complaint"
if [ -n "$PG_SKIP" ]; then
	printf '  SKIP  %s\n' "PostgreSQL rows: $PG_SKIP"
else
	pgbad=0 pglost=0 pgran=
	for name in "${PG_ROWS[@]}"; do
		pgran="$pgran $name"
		pgbad=$((pgbad + ${R[$name.bad]:-0} + $(errors_of "$name") + ${R[$name.failed]:-0}))
		if [ "$name" = pg-ussd ]; then
			[ "${R[$name.stored_ussd]:-0}" -lt "${R[$name.sessions]:-0}" ] 2>/dev/null && pglost=1
		else
			[ "${R[$name.stored]:-0}" -lt "${R[$name.ok]:-0}" ] 2>/dev/null && pglost=1
		fi
	done
	[ "$pgbad" = 0 ] && [ "$pglost" = 0 ] && [ -n "$pgran" ] && ok=1 || ok=0
	pf "$ok" "PostgreSQL rows (${pgran# }): every answer 200 with a ticket, no socket errors ($pgbad bad), every ticket answered stored"
	for name in pg-sms pg-ussd pg-ha; do
		[ -n "${R[$name.skip]:-}" ] && printf '  SKIP  %s\n' "$name: ${R[$name.skip]}"
	done
fi
if [ "$QUICK" = 1 ]; then
	echo
	echo "(BENCH_QUICK=1: shortened run; memory compared after $MEM1 s and $MEM2 s, not 1 and 5 minutes.)"
fi
exit 0
