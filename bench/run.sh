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
#     of steady SMS load at 64 connections.
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
#
# Nothing here asserts a time: the targets are printed PASS or FAIL and the
# exit status is 0 whenever the runs themselves could be made.  Every
# process started here is recorded by PID and stopped by PID on exit.
set -u
export LC_ALL=C
cd "$(dirname "$0")/.." || exit 1

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

TMP=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/aduan-bench.XXXXXX") || die "mktemp failed"

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
	note "BENCH_QUICK=1: wrk runs of ${DUR} s, memory at ${MEM1} s and ${MEM2} s (about 2 minutes)"
else
	note "full run: wrk runs of ${DUR} s, memory at 1 and 5 minutes (about 7 minutes; BENCH_QUICK=1 for 2)"
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
declare -A FL
for kv in $(grep '^FLOOR ' "$FLOOR_OUT" | tail -n 1); do
	case "$kv" in *=*) FL[${kv%%=*}]=${kv#*=} ;; esac
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
echo "group size in the SMS row at 64 connections; no store layer can beat it with these rows)"
hr
printf '%-44s %8s %14s %10s %14s\n' statements group 'complaints/s' 'us/msg' 'CPU us/msg'
hr
printf '%-44s %8s %14s %10s %14s\n' "${FL[statements]:--} per complaint" "${FL[group]:--}" \
	"${FL[msgs_per_s]:--}" "${FL[us_per_msg]:--}" "${FL[cpu_us_per_msg]:--}"
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
pf "$ok" "SMS intake at 64 connections >= 0.8x the SQLite floor and p99 < 20 ms: ${rfl}x ($(calc '%.0f' "${R[sms-64.rps]:-0}") vs $(calc '%.0f' "$fl") complaints/s), p99 $(calc '%.2f' "${R[sms-64.p99_ms]:-0}") ms"
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
if [ "$QUICK" = 1 ]; then
	echo
	echo "(BENCH_QUICK=1: shortened run; memory compared after $MEM1 s and $MEM2 s, not 1 and 5 minutes.)"
fi
exit 0
