# test/lib.sh: shared helpers for the integration tests (test/it_*.sh).
#
# Sourced by bash scripts that test/run.sh starts with ADUAN_BIN (the aduan
# binary) and ADUAN_TOOLS (the directory of the compiled test/tool_*.c) in
# the environment, stdin from /dev/null and the repository as the working
# directory.  A script passes by exiting 0.
#
#   it_init NAME            temp dir $IT_TMP, cleanup on exit
#   start_aduan             aduan serve on a free port, temp database
#   http GET|POST ...       one request with tool_http: $RESP_STATUS, ...
#   cli ARGS...             aduan ARGS in the foreground: $CLI_RC, $CLI_OUT, ...
#   expect_eq / expect_match / expect_no_match / fail
#   check_log_errors        no unexpected ERROR line in a log
#   kannel_start ...        bearerbox + smsbox + fakesmsc (see below)
#   IT_ATEXIT+=(FUNCTION)   FUNCTION run by the cleanup, after the processes
#                           are stopped (a server test/pg.sh started)
#
# Every process a test starts is started here, in the script's own shell,
# and its PID recorded; the exit trap stops exactly those PIDs (SIGTERM,
# then SIGKILL after a grace period), never anything found by name.
# Waiting polls (every 20-100 ms) instead of sleeping blindly; the short
# pauses use `read -t` on a private FIFO, so no sleep(1) processes are
# left around either.
#
# Set ADUAN_KEEP_TMP=1 to keep the temp dir (logs, database, configs).

# Variables set here are read by the scripts that source this file.
# shellcheck disable=SC2034

set -u

: "${ADUAN_BIN:?ADUAN_BIN must name the aduan binary}"
: "${ADUAN_TOOLS:?ADUAN_TOOLS must name the directory of tool_http and tool_flakyproxy}"

TOOL_HTTP=$ADUAN_TOOLS/tool_http
TOOL_FLAKYPROXY=$ADUAN_TOOLS/tool_flakyproxy
ADUAN_CONF=${ADUAN_CONF:-conf/aduan.conf}
KANNEL_DOC_CONF=${KANNEL_DOC_CONF:-doc/kannel.conf}
BEARERBOX=${BEARERBOX:-/usr/sbin/bearerbox}
SMSBOX=${SMSBOX:-/usr/sbin/smsbox}
FAKESMSC=${FAKESMSC:-/usr/lib/kannel/test/fakesmsc}

IT_NAME=it
IT_TMP=
IT_PIDS=()              # every process we started, in start order
IT_PID_NAMES=()         # a name for each, for messages
IT_LOGS=()              # logs shown when the test fails
IT_PORTS=" "            # ports handed out by free_port
IT_NAP_FD=
IT_START=$SECONDS
IT_ATEXIT=()            # commands cleanup runs after stopping the processes

# ---------------------------------------------------------------------------
# Set-up, clean-up, processes
# ---------------------------------------------------------------------------

it_init() {
	IT_NAME=$1
	IT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/aduan-$IT_NAME.XXXXXX") ||
		{ echo "FAIL: mktemp" >&2; exit 1; }
	trap it_cleanup EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 141' PIPE
	# A FIFO opened read-write never delivers data nor EOF: `read -t` on it
	# is a sleep that starts no process.
	mkfifo "$IT_TMP/nap.fifo" || fail "mkfifo nap.fifo"
	exec {IT_NAP_FD}<>"$IT_TMP/nap.fifo"
	for t in "$TOOL_HTTP" "$TOOL_FLAKYPROXY" "$ADUAN_BIN"; do
		[ -x "$t" ] || fail "missing executable: $t (run make first)"
	done
	command -v sqlite3 >/dev/null || fail "the sqlite3 CLI is not installed"
	# The tests send many complaints, the same texts and commands from one
	# phone to test other things: they get the example config with the
	# flood guard off.  it_guard tests the guard with the example's limits
	# (ADUAN_GUARD=example before sourcing this file).
	if [ "${ADUAN_GUARD:-relaxed}" = relaxed ] && [ "$ADUAN_CONF" = conf/aduan.conf ]; then
		cp "$ADUAN_CONF" "$IT_TMP/aduan-example.conf" || fail "copy $ADUAN_CONF"
		ADUAN_CONF=$IT_TMP/aduan-example.conf
		conf_set "$ADUAN_CONF" guard complaints_per_hour 0
		conf_set "$ADUAN_CONF" guard duplicate_window 0
		conf_set "$ADUAN_CONF" guard replies_per_hour 0
		conf_set "$ADUAN_CONF" guard loop_repeats 0
	fi
}

# nap SECONDS: a short pause (fractions allowed).
nap() {
	read -r -t "$1" -u "$IT_NAP_FD" _ || :
}

# track PID NAME: remember a process we started, so cleanup stops it.
track() {
	IT_PIDS+=("$1")
	IT_PID_NAMES+=("$2")
}

# add_log FILE: shown (its tail) if the test fails.
add_log() {
	IT_LOGS+=("$1")
}

# pid_alive PID: running, and not a zombie.  (Inside a trap handler bash
# reaps its children late, and kill -0 succeeds on a zombie.)
pid_alive() {
	local st
	kill -0 "$1" 2>/dev/null || return 1
	read -r st 2>/dev/null <"/proc/$1/stat" || return 0
	st=${st##*) }
	[ "${st%% *}" != Z ]
}

# stop_pid PID: SIGTERM, wait up to 5 s, then SIGKILL.  Only for our PIDs.
stop_pid() {
	local pid=$1 i
	if pid_alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		for ((i = 0; i < 100; i++)); do
			pid_alive "$pid" || break
			nap 0.05
		done
		if pid_alive "$pid"; then
			echo "note: $pid did not stop on SIGTERM within 5 s: SIGKILL" >&2
			kill -KILL "$pid" 2>/dev/null
		fi
	fi
	wait "$pid" 2>/dev/null
	return 0
}

# stop_all: stop every tracked process, newest first.
stop_all() {
	local i
	for ((i = ${#IT_PIDS[@]} - 1; i >= 0; i--)); do
		stop_pid "${IT_PIDS[i]}"
	done
	IT_PIDS=()
	IT_PID_NAMES=()
}

it_cleanup() {
	local rc=$? f
	trap - EXIT
	# The logs as they were when the test failed, before the shutdown
	# adds its own lines (Kannel's hex dumps left out).
	if [ "$rc" -ne 0 ] && [ -n "$IT_TMP" ]; then
		for f in "${IT_LOGS[@]}"; do
			[ -s "$f" ] || continue
			echo "---- last lines of $(basename "$f") ----" >&2
			grep -av -E 'DEBUG: +(data|len|size|immutable):|DEBUG: Octet string' "$f" |
				tail -n 25 | cut -c1-400 >&2
		done
	fi
	stop_all
	# servers not started as our children (test/pg.sh's pg_stop)
	for f in "${IT_ATEXIT[@]}"; do
		"$f"
	done
	release_ports
	if [ -n "$IT_TMP" ]; then
		if [ "${ADUAN_KEEP_TMP:-0}" = 1 ]; then
			echo "kept $IT_TMP" >&2
		else
			rm -rf "$IT_TMP"
		fi
	fi
	exit "$rc"
}

# ---------------------------------------------------------------------------
# Assertions: each prints what was expected and what came, then exits 1.
# ---------------------------------------------------------------------------

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

ok() {
	printf 'ok   %3ds  %s\n' "$((SECONDS - IT_START))" "$*"
}

# expect_eq WHAT EXPECTED GOT
expect_eq() {
	if [ "$2" != "$3" ]; then
		printf 'FAIL: %s\n  expected: [%s]\n  got:      [%s]\n' "$1" "$2" "$3" >&2
		exit 1
	fi
}

# expect_ne WHAT UNEXPECTED GOT
expect_ne() {
	if [ "$2" = "$3" ]; then
		printf 'FAIL: %s\n  expected anything but: [%s]\n  got:                   [%s]\n' \
			"$1" "$2" "$3" >&2
		exit 1
	fi
}

# expect_le WHAT MAX GOT  (integers)
expect_le() {
	if ! [ "$3" -le "$2" ] 2>/dev/null; then
		printf 'FAIL: %s\n  expected at most: %s\n  got:              %s\n' "$1" "$2" "$3" >&2
		exit 1
	fi
}

# expect_match WHAT ERE GOT  (grep -E semantics, case-sensitive)
expect_match() {
	if ! printf '%s' "$3" | grep -Eq -- "$2"; then
		printf 'FAIL: %s\n  expected to match: /%s/\n  got:               [%s]\n' \
			"$1" "$2" "$3" >&2
		exit 1
	fi
}

# expect_match_i WHAT ERE GOT  (case-insensitive)
expect_match_i() {
	if ! printf '%s' "$3" | grep -Eiq -- "$2"; then
		printf 'FAIL: %s\n  expected to match (any case): /%s/\n  got:                          [%s]\n' \
			"$1" "$2" "$3" >&2
		exit 1
	fi
}

# expect_no_match WHAT ERE GOT
expect_no_match() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then
		printf 'FAIL: %s\n  expected NOT to match: /%s/\n  got:                   [%s]\n' \
			"$1" "$2" "$3" >&2
		exit 1
	fi
}

# check_log_errors FILE WHAT [ALLOWED_ERE...]
# Fails on any line of FILE with the word ERROR (or PANIC) that matches
# none of the allowed patterns.  check_log_errors_from starts at a line.
check_log_errors() {
	check_log_errors_from "$1" 1 "${@:2}"
}

# check_log_errors_from FILE FIRST_LINE WHAT [ALLOWED_ERE...]
check_log_errors_from() {
	local file=$1 from=$2 what=$3 bad
	shift 3
	[ -f "$file" ] || fail "$what: log $file does not exist"
	bad=$(tail -n +"$from" "$file" | grep -aE '(^|[^A-Za-z])(ERROR|PANIC)([^A-Za-z]|$)' |
		{
			local line p keep
			while IFS= read -r line; do
				keep=1
				for p in "$@"; do
					if printf '%s' "$line" | grep -Eq -- "$p"; then
						keep=0
						break
					fi
				done
				[ "$keep" = 1 ] && printf '%s\n' "$line"
			done
		})
	if [ -n "$bad" ]; then
		printf 'FAIL: %s: unexpected ERROR lines in %s:\n%s\n' "$what" \
			"$(basename "$file")" "$(printf '%s\n' "$bad" | cut -c1-400 | head -n 20)" >&2
		if [ "$#" -gt 0 ]; then
			printf '  (allowed: %s)\n' "$*" >&2
		fi
		exit 1
	fi
}

# log_lines FILE: the number of lines now (a mark for check_log_errors_from).
log_lines() {
	local n
	n=$(wc -l <"$1" 2>/dev/null) || n=0
	echo "$n"
}

# ---------------------------------------------------------------------------
# Ports
# ---------------------------------------------------------------------------

# port_open PORT: is something listening on 127.0.0.1:PORT?
port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# free_port VAR: sets VAR to a loopback port nothing listens on, never one
# this test handed out before.  Ports come from 20000-31999, below Linux's
# ephemeral range, so an outgoing connection cannot be holding one.  Each
# port is also claimed for this test (a directory under IT_PORT_DIR, made
# atomically, removed at exit): tests run side by side, and two of them
# could otherwise both find a port free before either listens on it (CI:
# it_email's SMTP server could not bind, and aduan mailed another test's
# server).  Claims older than an hour are a killed test's: taken back.
IT_PORT_DIR=${TMPDIR:-/tmp}/aduan-it-ports
free_port() {
	local p i
	mkdir -p "$IT_PORT_DIR" 2>/dev/null
	find "$IT_PORT_DIR" -mindepth 1 -maxdepth 1 -mmin +60 -exec rmdir {} + 2>/dev/null
	for ((i = 0; i < 200; i++)); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
		case "$IT_PORTS" in *" $p "*) continue ;; esac
		port_open "$p" && continue
		mkdir "$IT_PORT_DIR/$p" 2>/dev/null || continue
		IT_PORTS="$IT_PORTS$p "
		printf -v "$1" '%s' "$p"
		return 0
	done
	fail "no free loopback port found"
}

# release_ports: the claims of free_port given back (it_cleanup).
release_ports() {
	local p
	for p in $IT_PORTS; do
		rmdir "$IT_PORT_DIR/$p" 2>/dev/null
	done
	IT_PORTS=" "
}

# wait_port PORT TIMEOUT_S [PID NAME]: until something listens on PORT.
# With PID, fails at once if that process died.
wait_port() {
	local port=$1 timeout=$2 pid=${3:-} name=${4:-process} end
	end=$((SECONDS + timeout))
	while ! port_open "$port"; do
		if [ -n "$pid" ] && ! pid_alive "$pid"; then
			wait "$pid" 2>/dev/null
			fail "$name exited (status $?) before listening on port $port"
		fi
		[ "$SECONDS" -ge "$end" ] && fail "$name not listening on port $port after ${timeout}s"
		nap 0.02
	done
}

# ---------------------------------------------------------------------------
# HTTP (tool_http)
# ---------------------------------------------------------------------------

RESP_STATUS=
RESP_CTYPE=
RESP_BODY=
RESP_FILE=

# http [tool_http args...] URL: one request.  Sets RESP_STATUS (empty when
# no response came), RESP_CTYPE, RESP_BODY (exact, trailing newlines kept)
# and RESP_FILE (the body's bytes).  Returns tool_http's exit status.
http() {
	local out=$IT_TMP/http.out rc hdr
	RESP_FILE=$IT_TMP/http.body
	"$TOOL_HTTP" "$@" >"$out" 2>"$IT_TMP/http.err"
	rc=$?
	RESP_STATUS=
	RESP_CTYPE=
	RESP_BODY=
	: >"$RESP_FILE"
	if [ "$rc" -eq 0 ]; then
		RESP_STATUS=$(sed -n '1s/^STATUS //p' "$out")
		RESP_CTYPE=$(sed -n '2s/^CONTENT-TYPE //p' "$out")
		hdr=$(head -n 3 "$out" | wc -c)
		tail -c +"$((hdr + 1))" "$out" >"$RESP_FILE"
		RESP_BODY=$(cat "$RESP_FILE"; printf x)
		RESP_BODY=${RESP_BODY%x}
	fi
	return "$rc"
}

# cli ARGS...: aduan in the foreground (bounded to 20 s): CLI_RC, CLI_OUT,
# CLI_ERR (trailing newlines removed, as $(...) does).
CLI_RC=
CLI_OUT=
CLI_ERR=
cli() {
	timeout -k 2 20 "$ADUAN_BIN" "$@" </dev/null >"$IT_TMP/cli.out" 2>"$IT_TMP/cli.err"
	CLI_RC=$?
	if [ "$CLI_RC" = 124 ] || [ "$CLI_RC" = 137 ]; then
		fail "aduan $*: still running after 20 s"
	fi
	CLI_OUT=$(cat "$IT_TMP/cli.out")
	CLI_ERR=$(cat "$IT_TMP/cli.err")
}

# http_must WHAT [tool_http args...]: like http, but no response at all
# (connection refused, timeout) fails the test.
http_must() {
	local what=$1
	shift
	http "$@" || fail "$what: no HTTP response ($(cat "$IT_TMP/http.err"))"
}

# urlencode STRING: every byte but [A-Za-z0-9._~-] as %XX.
urlencode() {
	local LC_ALL=C s=$1 out='' c i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case "$c" in
		[A-Za-z0-9._~-]) out+=$c ;;
		*) printf -v c '%%%02X' "'$c"; out+=$c ;;
		esac
	done
	printf '%s' "$out"
}

# hex_of STRING: the bytes as upper-case hex (as SQLite's hex() prints).
hex_of() {
	printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n' | tr 'a-f' 'A-F'
}

# ---------------------------------------------------------------------------
# Aduan
# ---------------------------------------------------------------------------

ADUAN_PORT=
ADUAN_PID=
ADUAN_DB=
ADUAN_LOG=
ADUAN_URL=
ADUAN_SECRET=

# conf_kannel_secret FILE: the secret of the kannel gateway in an Aduan
# config: the first `secret = "..."` inside `kannel = { ... }`.
conf_kannel_secret() {
	sed -n '/kannel[[:space:]]*[:=][[:space:]]*{/,/}/s/.*secret[[:space:]]*[:=][[:space:]]*"\([^"]*\)".*/\1/p' "$1" |
		head -n 1
}

# start_aduan: `aduan serve` with conf/aduan.conf on a free port and a new
# database in the temp dir; waits until it listens.
start_aduan() {
	local port
	free_port port
	: >"$IT_TMP/aduan.log"  # a new log; start_aduan_on appends to it
	start_aduan_on "$port"
}

# sql QUERY: runs QUERY on the Aduan database, prints the result (rows on
# lines, columns separated by |).  Waits up to 5 s for a lock.
sql() {
	sqlite3 -batch -noheader -cmd '.timeout 5000' "$ADUAN_DB" "$1" ||
		fail "sqlite3 failed: $1"
}

# An inbound message's text as Aduan's readers see it, for
# `sql "SELECT $MSG_TEXT FROM messages WHERE ..."`: since schema 14 the
# message that opened a complaint keeps '' when its text is the
# complaint's description, which holds it once (store/store_int.h,
# MESSAGE_TEXT).
MSG_TEXT="CASE WHEN text = '' AND command = 'complaint' AND complaint_id IS NOT NULL
 THEN (SELECT description FROM complaints WHERE complaints.id = messages.complaint_id)
 ELSE text END"

# row_counts: "complaints=N messages=N events=N", to compare before/after.
row_counts() {
	local c m e
	c=$(sql "SELECT count(*) FROM complaints")
	m=$(sql "SELECT count(*) FROM messages")
	e=$(sql "SELECT count(*) FROM events")
	echo "complaints=$c messages=$m events=$e"
}

# ticket_in TEXT: the first 8-digit number in TEXT (empty if none).
ticket_in() {
	printf '%s' "$1" | grep -oE '(^|[^0-9])[0-9]{8}([^0-9]|$)' | head -n 1 | tr -cd '0-9'
}

# Damm check digits: the quasigroup table, row by row.
DAMM=(0317598642 7092154863 4206871359 1750983426 6123045978
	3674209581 5869720134 8945362017 9438617205 2581436790)

# damm_interim DIGITS: 0 when DIGITS end in their correct check digit.
damm_interim() {
	local s=$1 i d r=0 row
	for ((i = 0; i < ${#s}; i++)); do
		d=${s:i:1}
		row=${DAMM[r]}
		r=${row:d:1}
	done
	echo "$r"
}

# valid_unissued_ticket VAR: a random 8-digit number with a correct check
# digit that no complaint in the database has.
valid_unissued_ticket() {
	local body n i
	for ((i = 0; i < 50; i++)); do
		printf -v body '%07d' $(((RANDOM * 32768 + RANDOM) % 10000000))
		n=$body$(damm_interim "$body")
		if [ "$(sql "SELECT count(*) FROM complaints WHERE ticket = '$n'")" = 0 ]; then
			printf -v "$1" '%s' "$n"
			return 0
		fi
	done
	fail "could not find an unissued ticket number"
}

# ---------------------------------------------------------------------------
# Kannel: bearerbox + smsbox + fakesmsc, configured from doc/kannel.conf
# ---------------------------------------------------------------------------
#
# kannel_write_conf URL       $IT_TMP/kannel.conf: a core group and a fake
#                             SMSC of our own, then the smsbox, sendsms-user
#                             and sms-service groups of doc/kannel.conf with
#                             ports, paths, log levels, retry timing and the
#                             get-url's host and secret substituted.
# kannel_start                bearerbox, smsbox, fakesmsc; waits until ready.
# kannel_send PHONE TYPE DATA one MO line (TYPE text or ucs2) from PHONE.
# kannel_send_text PHONE TEXT / kannel_send_ucs2 PHONE TEXT
# kannel_wait_reply PHONE N   waits for PHONE's Nth reply: $REPLY.
# kannel_reply_count PHONE    replies PHONE has had so far.

KANNEL_SHORTCODE=${KANNEL_SHORTCODE:-1708}
KANNEL_RETRY=2          # http-request-retry in the test
KANNEL_QUEUE_DELAY=1    # http-queue-delay in the test, seconds
KANNEL_ADMIN_PORT=
KANNEL_SMSBOX_PORT=
KANNEL_FAKE_PORT=
KANNEL_SENDSMS_PORT=
KANNEL_ADMIN_PASSWORD=
KANNEL_CONF=
KANNEL_FS_FD=
KANNEL_FS_LOG=
KANNEL_SMSBOX_LOG=
KANNEL_BEARERBOX_LOG=
KANNEL_GET_URL=
REPLY=

# doc_conf_value GROUP KEY: a value from doc/kannel.conf, quotes removed.
doc_conf_value() {
	awk -v grp="$1" -v key="$2" '
		/^group[ \t]*=/ { g = $0; sub(/^group[ \t]*=[ \t]*/, "", g); sub(/[ \t]+$/, "", g); next }
		/^[ \t]*$/ { g = ""; next }
		/^[ \t]*#/ { next }
		g == grp {
			k = $0; sub(/[ \t]*=.*/, "", k)
			if (k == key) {
				v = $0; sub(/^[^=]*=[ \t]*/, "", v); sub(/[ \t]+$/, "", v)
				if (v ~ /^".*"$/) v = substr(v, 2, length(v) - 2)
				print v; exit
			}
		}' "$KANNEL_DOC_CONF"
}

# doc_conf_groups OVERRIDES GROUP...: the named groups of doc/kannel.conf
# (comments dropped).  OVERRIDES has lines "group|key|value": an existing
# key gets the value, a missing one is added at the end of the group.
doc_conf_groups() {
	local overrides=$1
	shift
	awk -v keep=" $* " -v ovr="$overrides" '
		BEGIN {
			n = split(ovr, lines, "\n")
			for (i = 1; i <= n; i++) {
				if (lines[i] == "") continue
				split(lines[i], f, "|")
				o[f[1] "|" f[2]] = substr(lines[i], length(f[1]) + length(f[2]) + 3)
				order[f[1]] = order[f[1]] " " f[2]
			}
		}
		function close_group(   m, ks, j) {
			if (g == "") return
			m = split(order[g], ks, " ")
			for (j = 1; j <= m; j++)
				if (!((g "|" ks[j]) in done)) print ks[j] " = " o[g "|" ks[j]]
			print ""
			g = ""
		}
		/^group[ \t]*=/ {
			close_group()
			name = $0; sub(/^group[ \t]*=[ \t]*/, "", name); sub(/[ \t]+$/, "", name)
			if (index(keep, " " name " ")) { g = name; print "group = " name }
			next
		}
		/^[ \t]*$/ { close_group(); next }
		/^[ \t]*#/ { next }
		g != "" {
			k = $0; sub(/[ \t]*=.*/, "", k)
			if ((g "|" k) in o) { print k " = " o[g "|" k]; done[g "|" k] = 1 }
			else print
		}
		END { close_group() }' "$KANNEL_DOC_CONF"
}

# kannel_write_conf URL_HOSTPORT: URL_HOSTPORT (e.g. 127.0.0.1:20001) is
# where smsbox must send the callbacks.
kannel_write_conf() {
	local hostport=$1 url overrides
	[ -f "$KANNEL_DOC_CONF" ] || fail "$KANNEL_DOC_CONF not found"
	free_port KANNEL_ADMIN_PORT
	free_port KANNEL_SMSBOX_PORT
	free_port KANNEL_FAKE_PORT
	free_port KANNEL_SENDSMS_PORT
	KANNEL_ADMIN_PASSWORD=it-admin-$RANDOM
	KANNEL_CONF=$IT_TMP/kannel.conf
	KANNEL_BEARERBOX_LOG=$IT_TMP/bearerbox.log
	KANNEL_SMSBOX_LOG=$IT_TMP/smsbox.log

	url=$(doc_conf_value sms-service get-url)
	[ -n "$url" ] || fail "$KANNEL_DOC_CONF: no get-url in the sms-service group"
	case "$url" in
	http://*/kannel/sms\?*) ;;
	*) fail "$KANNEL_DOC_CONF: get-url is not an http://.../kannel/sms?... URL: $url" ;;
	esac
	# Our host:port and the secret from Aduan's config; every other byte of
	# the shipped URL stays.
	url=$(printf '%s' "$url" | sed -e "s#^http://[^/]*/#http://$hostport/#" \
		-e "s#\([?&]secret=\)[^&]*#\1$ADUAN_SECRET#")
	KANNEL_GET_URL=$url

	overrides="smsbox|bearerbox-host|127.0.0.1
smsbox|bearerbox-port|$KANNEL_SMSBOX_PORT
smsbox|sendsms-port|$KANNEL_SENDSMS_PORT
smsbox|sendsms-interface|127.0.0.1
smsbox|log-file|\"$KANNEL_SMSBOX_LOG\"
smsbox|log-level|0
smsbox|access-log|\"$IT_TMP/smsbox-access.log\"
smsbox|http-request-retry|$KANNEL_RETRY
smsbox|http-queue-delay|$KANNEL_QUEUE_DELAY
sms-service|get-url|\"$url\""

	{
		cat <<EOF
# Generated by test/lib.sh for one test run: our own core group and fake
# SMSC, then the groups of $KANNEL_DOC_CONF with ports, paths and timing
# substituted.
group = core
admin-port = $KANNEL_ADMIN_PORT
admin-interface = 127.0.0.1
admin-password = $KANNEL_ADMIN_PASSWORD
status-password = $KANNEL_ADMIN_PASSWORD
admin-deny-ip = "*.*.*.*"
admin-allow-ip = "127.0.0.1"
smsbox-port = $KANNEL_SMSBOX_PORT
box-deny-ip = "*.*.*.*"
box-allow-ip = "127.0.0.1"
log-file = "$KANNEL_BEARERBOX_LOG"
log-level = 0
access-log = "$IT_TMP/bearerbox-access.log"
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = fake
port = $KANNEL_FAKE_PORT
connect-allow-ip = "127.0.0.1"

EOF
		doc_conf_groups "$overrides" smsbox sendsms-user sms-service
	} >"$KANNEL_CONF"
	grep -q '^group = sms-service' "$KANNEL_CONF" ||
		fail "$KANNEL_DOC_CONF: no sms-service group"
	grep -q '^group = smsbox' "$KANNEL_CONF" ||
		fail "$KANNEL_DOC_CONF: no smsbox group"
}

# kannel_status: bearerbox's status.txt into $RESP_BODY; 1 if unreachable.
kannel_status() {
	http -m 5 "http://127.0.0.1:$KANNEL_ADMIN_PORT/status.txt?password=$KANNEL_ADMIN_PASSWORD" &&
		[ "$RESP_STATUS" = 200 ]
}

# kannel_wait_status ERE TIMEOUT_S WHAT [PID NAME]: until status.txt matches.
kannel_wait_status() {
	local re=$1 timeout=$2 what=$3 pid=${4:-} name=${5:-} end
	end=$((SECONDS + timeout))
	while :; do
		if kannel_status && printf '%s' "$RESP_BODY" | grep -Eq -- "$re"; then
			return 0
		fi
		if [ -n "$pid" ] && ! pid_alive "$pid"; then
			wait "$pid" 2>/dev/null
			fail "$name exited (status $?) while waiting for $what"
		fi
		[ "$SECONDS" -ge "$end" ] &&
			fail "Kannel: $what not seen in status.txt after ${timeout}s:
$(printf '%s' "$RESP_BODY" | sed -n '/Box connections/,$p')"
		nap 0.05
	done
}

kannel_start() {
	local bb sb fs t
	for t in "$BEARERBOX" "$SMSBOX" "$FAKESMSC"; do
		[ -x "$t" ] || fail "missing $t (Debian packages kannel and kannel-extras)"
	done
	"$BEARERBOX" "$KANNEL_CONF" </dev/null >"$IT_TMP/bearerbox.out" 2>&1 &
	bb=$!
	track "$bb" bearerbox
	add_log "$KANNEL_BEARERBOX_LOG"
	kannel_wait_status '^Status: running' 15 "bearerbox running" "$bb" bearerbox

	"$SMSBOX" "$KANNEL_CONF" </dev/null >"$IT_TMP/smsbox.out" 2>&1 &
	sb=$!
	track "$sb" smsbox
	add_log "$KANNEL_SMSBOX_LOG"
	kannel_wait_status 'smsbox:.*on-line' 15 "smsbox connected" "$sb" smsbox

	# fakesmsc in interactive mode (no message arguments): it reads MO
	# lines from stdin with fgets() after a select() on the descriptor, so
	# a line already in stdio's buffer waits for the next wake-up: the
	# ticker below writes a bare newline (ignored: shorter than 2 bytes)
	# every 40 ms.  It never gets EOF or SIGINT (both crash it): cleanup
	# sends SIGTERM.
	mkfifo "$IT_TMP/fakesmsc.in" || fail "mkfifo"
	KANNEL_FS_LOG=$IT_TMP/fakesmsc.log
	"$FAKESMSC" -H 127.0.0.1 -r "$KANNEL_FAKE_PORT" -i 0 \
		<"$IT_TMP/fakesmsc.in" >"$IT_TMP/fakesmsc.out" 2>"$KANNEL_FS_LOG" &
	fs=$!
	track "$fs" fakesmsc
	add_log "$KANNEL_FS_LOG"
	exec {KANNEL_FS_FD}>"$IT_TMP/fakesmsc.in"
	(
		trap - EXIT HUP INT TERM
		while printf '\n' >&"$KANNEL_FS_FD"; do
			read -r -t 0.04 -u "$IT_NAP_FD" _
		done
	) 2>/dev/null &
	track "$!" fakesmsc-ticker
	kannel_wait_status 'FAKE:[0-9]+ \(online' 15 "fakesmsc connected" "$fs" fakesmsc
}

# kannel_send PHONE TYPE DATA: one MO line, ended with CRLF.  fakesmsc
# reads 255-byte chunks and drops a chunk shorter than 2 bytes: a line whose
# length (with CRLF) is 1 more than a multiple of 255 would lose its "\n"
# and run into the next message, so such a line is refused here.
kannel_send() {
	local line="$1 $KANNEL_SHORTCODE $2 $3" len
	len=$(LC_ALL=C; printf '%s' "$line" | wc -c)
	len=$((len + 2))
	if [ $((len % 255)) -eq 1 ]; then
		fail "kannel_send: a $len-byte line hits fakesmsc's 255-byte chunk quirk; change the text by a character"
	fi
	printf '%s\r\n' "$line" >&"$KANNEL_FS_FD" || fail "kannel_send: fakesmsc is gone"
}

kannel_send_text() {
	local LC_ALL=C
	case "$2" in
	*[![:print:]]* | *$'\r'* | *$'\n'*) fail "kannel_send_text: use kannel_send_ucs2 for: $2" ;;
	esac
	kannel_send "$1" text "$2"
}

# kannel_send_ucs2 PHONE TEXT: TEXT (UTF-8) sent as a UCS-2 SMS.
kannel_send_ucs2() {
	local enc
	enc=$(printf '%s' "$2" | iconv -f UTF-8 -t UTF-16BE | od -An -v -tx1 | tr -d ' \n' |
		sed 's/../%&/g')
	[ -n "$enc" ] || fail "kannel_send_ucs2: could not encode: $2"
	kannel_send "$1" ucs2 "$enc"
}

# url_unescape_to FILE STRING: Kannel's URL encoding ('+' is a space) to bytes.
url_unescape_to() {
	local s=${2//+/ }
	s=${s//\\/\\\\}
	printf '%b' "${s//%/\\x}" >"$1"
}

# kannel_collect PHONE: rebuilds $IT_TMP/replies/PHONE.N (N = 1, 2, ...)
# from what fakesmsc received, in arrival order; sets KANNEL_NREPLIES.
# Lines look like "Got message 7: <1708 0812... text Tiket ...>"; a reply
# is "text" (as is), "ucs-2" (URL-encoded UTF-16BE) or "udh" parts of a
# concatenated message ("udh %05%00%03REF%TOTAL%SEQ data URL-ENCODED").
KANNEL_NREPLIES=0
kannel_collect() {
	local phone=$1 dir=$IT_TMP/replies line rest rcv typ udh data n=0
	local ref total seq bytes k have
	rm -rf "$dir/$phone".* "$dir/parts.$phone"
	mkdir -p "$dir/parts.$phone"
	while IFS= read -r line; do
		line=${line#*Got message * <}
		line=${line%>}
		rest=${line#* }         # skip the sender (our short code)
		rcv=${rest%% *}; rest=${rest#* }
		typ=${rest%% *}; rest=${rest#* }
		[ "$rcv" = "$phone" ] || continue
		case "$typ" in
		text)
			n=$((n + 1))
			printf '%s' "$rest" >"$dir/$phone.$n"
			;;
		ucs-2)
			n=$((n + 1))
			url_unescape_to "$dir/tmp" "$rest"
			iconv -f UTF-16BE -t UTF-8 <"$dir/tmp" >"$dir/$phone.$n" ||
				fail "reply to $phone: bad UTF-16BE: $rest"
			;;
		udh)
			udh=${rest%% *}
			data=${rest#* data }
			url_unescape_to "$dir/tmp" "$udh"
			read -r -a bytes < <(od -An -v -tu1 <"$dir/tmp" | tr '\n' ' ')
			# IEI 0 (8-bit reference) or 8 (16-bit reference)
			if [ "${bytes[1]:-}" = 0 ]; then
				ref=${bytes[3]}; total=${bytes[4]}; seq=${bytes[5]}
			elif [ "${bytes[1]:-}" = 8 ]; then
				ref=$((bytes[3] * 256 + bytes[4])); total=${bytes[5]}; seq=${bytes[6]}
			else
				fail "reply to $phone: UDH not understood: $udh"
			fi
			url_unescape_to "$dir/parts.$phone/$ref.$seq" "$data"
			have=0
			for ((k = 1; k <= total; k++)); do
				[ -f "$dir/parts.$phone/$ref.$k" ] && have=$((have + 1))
			done
			if [ "$have" = "$total" ]; then
				n=$((n + 1))
				for ((k = 1; k <= total; k++)); do
					cat "$dir/parts.$phone/$ref.$k"
				done >"$dir/tmp"
				# UCS-2 parts are UTF-16BE: they have NUL bytes, text never.
				if od -An -v -tx1 <"$dir/tmp" | grep -q ' 00'; then
					iconv -f UTF-16BE -t UTF-8 <"$dir/tmp" >"$dir/$phone.$n" ||
						fail "reply to $phone: bad UTF-16BE parts"
				else
					cp "$dir/tmp" "$dir/$phone.$n"
				fi
				rm -f "$dir/parts.$phone/$ref".*
			fi
			;;
		*)
			fail "reply to $phone: fakesmsc line of unknown type '$typ': $line"
			;;
		esac
	done < <(grep -a 'Got message [0-9]*: <' "$KANNEL_FS_LOG")
	KANNEL_NREPLIES=$n
}

kannel_reply_count() {
	kannel_collect "$1"
	echo "$KANNEL_NREPLIES"
}

# kannel_wait_reply PHONE N [TIMEOUT_S]: waits for PHONE's Nth reply and
# sets REPLY to its text.
kannel_wait_reply() {
	local phone=$1 want=$2 timeout=${3:-15} end
	end=$((SECONDS + timeout))
	while :; do
		kannel_collect "$phone"
		if [ "$KANNEL_NREPLIES" -ge "$want" ]; then
			REPLY=$(cat "$IT_TMP/replies/$phone.$want"; printf x)
			REPLY=${REPLY%x}
			return 0
		fi
		[ "$SECONDS" -ge "$end" ] &&
			fail "no reply #$want to $phone within ${timeout}s (replies so far: $KANNEL_NREPLIES)"
		nap 0.1
	done
}

# ---------------------------------------------------------------------------
# Process lifetimes: processes that end while the test runs
# ---------------------------------------------------------------------------
#
# untrack PID                 forget a PID we have reaped ourselves, so the
#                             exit trap never signals a number the system may
#                             have given to another process since.
# wait_exit PID TIMEOUT_S VAR waits until PID (ours) ends; VAR = its exit
#                             status; fails if it still runs after TIMEOUT_S.
# kill9_pid PID               SIGKILL (no clean shutdown), reap, untrack.
# restart_aduan               `aduan serve` again on the same $ADUAN_DB, on a
#                             new free port, the log appended to $ADUAN_LOG.

untrack() {
	local i pids=() names=()
	for ((i = 0; i < ${#IT_PIDS[@]}; i++)); do
		if [ "${IT_PIDS[i]}" != "$1" ]; then
			pids+=("${IT_PIDS[i]}")
			names+=("${IT_PID_NAMES[i]}")
		fi
	done
	IT_PIDS=("${pids[@]}")
	IT_PID_NAMES=("${names[@]}")
}

wait_exit() {
	local _we_pid=$1 _we_timeout=$2 _we_end _we_st
	_we_end=$((SECONDS + _we_timeout))
	while pid_alive "$_we_pid"; do
		[ "$SECONDS" -ge "$_we_end" ] &&
			fail "process $_we_pid still running after ${_we_timeout}s"
		nap 0.02
	done
	wait "$_we_pid" 2>/dev/null
	_we_st=$?
	untrack "$_we_pid"
	printf -v "$3" '%s' "$_we_st"
}

kill9_pid() {
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	untrack "$1"
}

restart_aduan() {
	[ -n "$ADUAN_DB" ] || fail "restart_aduan: no database yet (start_aduan first)"
	free_port ADUAN_PORT
	ADUAN_URL=http://127.0.0.1:$ADUAN_PORT
	printf '==== restart_aduan on port %s ====\n' "$ADUAN_PORT" >>"$ADUAN_LOG"
	"$ADUAN_BIN" serve --demo -c "$ADUAN_CONF" -p "$ADUAN_PORT" -d "$ADUAN_DB" \
		</dev/null >>"$ADUAN_LOG" 2>&1 &
	ADUAN_PID=$!
	track "$ADUAN_PID" aduan
	wait_port "$ADUAN_PORT" 15 "$ADUAN_PID" "aduan serve (restart)"
}

# ---------------------------------------------------------------------------
# Configs derived from the example, JSON, timing (it_agency, it_outbound)
# ---------------------------------------------------------------------------
#
# conf_set FILE GROUP KEY VALUE   sets `KEY = VALUE;` in a top-level group
# conf_get FILE GROUP KEY         a top-level group's value, quotes removed
# conf_enable_webhook FILE AGENCY URL
#                                 the agency's (commented) webhook and
#                                 webhook_secret lines made active, URL set
# conf_at_secret FILE             gateways.africastalking.secret
# start_aduan_on PORT             start_aduan on a port chosen beforehand
# json_file_get FILE PATH / json_get JSON PATH / json_type_of JSON PATH
#                                 SQLite's json_extract / json_type
# json_each_get JSON ARRAY_PATH ITEM_PATH / json_len JSON PATH
#                                 an array's items / its length
# ms_now                          wall-clock milliseconds (no process)
# wait_for TIMEOUT_S WHAT CMD...  runs CMD every 50 ms until it succeeds
# stop_checked PID NAME           SIGTERM, reap, fail unless it exited 0
# check_sanitizer_log FILE WHAT   no ASan/LSan/UBSan report in FILE
# expect_eq_later / fail_later / deferred_failures
#                                 record a failure, go on, fail at the end

# conf_set FILE GROUP KEY VALUE: VALUE is written as given (quote strings
# yourself).  The rest of the line (a comment) stays.  Fails unless the
# group has exactly one such key: a setting renamed in the example must
# show up as a failing test, not as a silently ignored substitution.
conf_set() {
	local file=$1 grp=$2 key=$3 val=$4
	awk -v grp="$grp" -v key="$key" -v val="$val" '
		$0 ~ "^" grp "[ \t]*[=:][ \t]*[{]" { ing = 1; print; next }
		ing && /^[}]/ { ing = 0 }
		ing && $0 ~ "^[ \t]*" key "[ \t]*[=:]" {
			match($0, /^[ \t]*/)
			ind = substr($0, 1, RLENGTH)
			i = index($0, ";")
			tail = i > 0 ? substr($0, i + 1) : ""
			print ind key " = " val ";" tail
			n++
			next
		}
		{ print }
		END { exit n == 1 ? 0 : 3 }' "$file" >"$file.tmp" ||
		fail "conf_set: not exactly one '$key' in group '$grp' of $file"
	mv -f "$file.tmp" "$file"
}

conf_get() {
	awk -v grp="$2" -v key="$3" '
		$0 ~ "^" grp "[ \t]*[=:][ \t]*[{]" { ing = 1; next }
		ing && /^[}]/ { ing = 0 }
		ing && $0 ~ "^[ \t]*" key "[ \t]*[=:]" {
			v = $0
			sub(/^[^=:]*[=:][ \t]*/, "", v)
			sub(/;.*/, "", v)
			sub(/[ \t]+$/, "", v)
			if (v ~ /^".*"$/) v = substr(v, 2, length(v) - 2)
			print v
			exit
		}' "$1"
}

# conf_enable_webhook FILE AGENCY URL: in AGENCY's entry of `agencies`,
# `# webhook = "..."` and `# webhook_secret = "..."` become active (already
# active lines are taken as they are) and the webhook gets URL.  Fails
# unless exactly one of each was found.  URL must not contain '&'.
conf_enable_webhook() {
	local file=$1 ag=$2 url=$3
	case "$url" in *'&'*) fail "conf_enable_webhook: '&' in $url" ;; esac
	awk -v ag="$ag" -v url="$url" '
		/(^|[{ \t;])id[ \t]*=[ \t]*"/ { ina = ($0 ~ "id[ \t]*=[ \t]*\"" ag "\"") }
		ina && /^[ \t]*(#[ \t]*)?webhook[ \t]*=/ {
			sub(/#[ \t]*webhook/, "webhook")
			sub(/"[^"]*"/, "\"" url "\"")
			w++
		}
		ina && /^[ \t]*(#[ \t]*)?webhook_secret[ \t]*=/ {
			sub(/#[ \t]*webhook_secret/, "webhook_secret")
			s++
		}
		{ print }
		END { exit (w == 1 && s == 1) ? 0 : 3 }' "$file" >"$file.tmp" ||
		fail "conf_enable_webhook: agency $ag in $file has not exactly one webhook and one webhook_secret line"
	mv -f "$file.tmp" "$file"
}

# conf_agency_value FILE AGENCY KEY: a string setting of one agency entry.
conf_agency_value() {
	awk -v ag="$2" -v key="$3" '
		/(^|[{ \t;])id[ \t]*=[ \t]*"/ { ina = ($0 ~ "id[ \t]*=[ \t]*\"" ag "\"") }
		ina && match($0, "(^|[ \t;{])" key "[ \t]*=[ \t]*\"[^\"]*\"") {
			v = substr($0, RSTART, RLENGTH)
			sub(/^[^"]*"/, "", v)
			sub(/"$/, "", v)
			print v
			exit
		}' "$1"
}

# conf_at_secret FILE: the secret of the africastalking gateway.
conf_at_secret() {
	sed -n '/africastalking[[:space:]]*[:=][[:space:]]*{/,/}/s/.*secret[[:space:]]*[:=][[:space:]]*"\([^"]*\)".*/\1/p' "$1" |
		head -n 1
}

# start_aduan_on PORT: start_aduan on PORT (from free_port), for configs
# that must know their own address before the service starts (the
# dlr-url Kannel calls back is built from server.port / public_url).
start_aduan_on() {
	[ -f "$ADUAN_CONF" ] || fail "config $ADUAN_CONF not found"
	ADUAN_SECRET=$(conf_kannel_secret "$ADUAN_CONF")
	[ -n "$ADUAN_SECRET" ] || fail "no kannel secret found in $ADUAN_CONF"
	ADUAN_PORT=$1
	ADUAN_DB=$IT_TMP/aduan.db
	ADUAN_LOG=$IT_TMP/aduan.log
	ADUAN_URL=http://127.0.0.1:$ADUAN_PORT
	"$ADUAN_BIN" serve --demo -c "$ADUAN_CONF" -p "$ADUAN_PORT" -d "$ADUAN_DB" \
		</dev/null >>"$ADUAN_LOG" 2>&1 &
	ADUAN_PID=$!
	track "$ADUAN_PID" aduan
	add_log "$ADUAN_LOG"
	wait_port "$ADUAN_PORT" 15 "$ADUAN_PID" "aduan serve"
}

# json_file_get FILE PATH: json_extract(FILE's JSON, PATH) by the sqlite3
# CLI: strings bare, true/false as 1/0, null or missing as nothing,
# objects and arrays as compact JSON.  Fails when FILE is not valid JSON.
json_file_get() {
	local out
	out=$(sqlite3 -batch -noheader :memory: \
		"SELECT CASE WHEN json_valid(CAST(readfile('$1') AS TEXT))
			THEN coalesce(json_extract(CAST(readfile('$1') AS TEXT), '$2'), '')
			ELSE '<<not valid JSON>>' END" 2>&1) ||
		fail "json_file_get $2: sqlite3: $out"
	[ "$out" = '<<not valid JSON>>' ] && fail "json_file_get $2: not valid JSON: $(head -c 300 "$1")"
	printf '%s\n' "$out"
}

# json_get JSON PATH: json_file_get on a string.
json_get() {
	printf '%s' "$1" >"$IT_TMP/json.get"
	json_file_get "$IT_TMP/json.get" "$2"
}

# json_type_of JSON PATH: null, true, false, integer, real, text, array,
# object; nothing when PATH is missing.
json_type_of() {
	printf '%s' "$1" >"$IT_TMP/json.get"
	sqlite3 -batch -noheader :memory: \
		"SELECT json_type(CAST(readfile('$IT_TMP/json.get') AS TEXT), '$2')" ||
		fail "json_type_of $2: not valid JSON: ${1:0:300}"
}

# ms_now: milliseconds since the epoch, from $EPOCHREALTIME.
ms_now() {
	local t=${EPOCHREALTIME//[.,]/}
	echo $((t / 1000))
}

# wait_for TIMEOUT_S WHAT COMMAND...: COMMAND every 50 ms until it succeeds.
wait_for() {
	local timeout=$1 what=$2 end
	shift 2
	end=$(($(ms_now) + timeout * 1000))
	until "$@"; do
		[ "$(ms_now)" -ge "$end" ] && fail "$what: not within ${timeout}s"
		nap 0.05
	done
}

# json_each_get JSON ARRAY_PATH ITEM_PATH: ITEM_PATH of every element of
# the array at ARRAY_PATH, one per line, in order.
json_each_get() {
	printf '%s' "$1" >"$IT_TMP/json.get"
	sqlite3 -batch -noheader :memory: \
		"SELECT json_extract(value, '$3') FROM json_each(CAST(readfile('$IT_TMP/json.get') AS TEXT), '$2')" ||
		fail "json_each_get $2 $3: not valid JSON: ${1:0:300}"
}

# json_len JSON PATH: the length of the array at PATH.
json_len() {
	printf '%s' "$1" >"$IT_TMP/json.get"
	sqlite3 -batch -noheader :memory: \
		"SELECT json_array_length(CAST(readfile('$IT_TMP/json.get') AS TEXT), '$2')" ||
		fail "json_len $2: not valid JSON: ${1:0:300}"
}

# stop_checked PID NAME: SIGTERM, wait up to 10 s for the exit, untrack;
# fails unless it exited 0 (a sanitizer build exits non-zero on a leak or
# an error found at shutdown).
stop_checked() {
	local _sc_st
	kill -TERM "$1" 2>/dev/null
	wait_exit "$1" 10 _sc_st
	[ "$_sc_st" = 0 ] || fail "$2 (pid $1) exited with status $_sc_st on SIGTERM"
}

# check_sanitizer_log FILE WHAT: no AddressSanitizer, LeakSanitizer or
# UBSan ("runtime error:") report in FILE.
check_sanitizer_log() {
	local bad
	bad=$(grep -aE 'AddressSanitizer|LeakSanitizer|runtime error:|SUMMARY: ' "$1" | head -n 5)
	[ -z "$bad" ] || fail "$2: sanitizer report in $(basename "$1"):
$bad"
}

# Deferred failures: a check whose failure should not hide the checks
# after it (a misbehaviour with a workaround).  expect_eq_later records the
# failure and goes on; deferred_failures, at the end, fails with them all.
IT_DEFERRED=()

expect_eq_later() {
	if [ "$2" != "$3" ]; then
		printf 'FAIL (deferred): %s\n  expected: [%s]\n  got:      [%s]\n' "$1" "$2" "$3" >&2
		IT_DEFERRED+=("$1: expected [$2], got [$3]")
	fi
	return 0
}

fail_later() {
	echo "FAIL (deferred): $*" >&2
	IT_DEFERRED+=("$*")
}

deferred_failures() {
	local f
	[ "${#IT_DEFERRED[@]}" -eq 0 ] && return 0
	echo "FAIL: ${#IT_DEFERRED[@]} deferred failure(s):" >&2
	for f in "${IT_DEFERRED[@]}"; do
		printf '  - %s\n' "$f" >&2
	done
	exit 1
}

# ---------------------------------------------------------------------------
# Email (it_email): a real SMTP server, Debian's python3-aiosmtpd
# ---------------------------------------------------------------------------
#
# smtp_start PORT DIR [USER PASSWORD]
#                             aiosmtpd on 127.0.0.1:PORT, plain text (no
#                             STARTTLS offered); AUTH required when USER is
#                             given.  Each message it accepts is written to
#                             DIR as N.eml, its bytes as received (CRLF), and
#                             N.env, its envelope ("from ADDR", one "to ADDR"
#                             per recipient); N sorts in arrival order and a
#                             file appears whole (written, then renamed).
#                             SMTP_PID is the server's.
# smtp_stop                   stops it (SIGTERM, reaped, untracked)
# smtp_count DIR              messages in DIR
# smtp_wait DIR N TIMEOUT_S WHAT   until DIR holds N messages
# smtp_newest DIR ERE         the newest N.eml whose raw bytes match ERE
# mail_decode FILE            the message as a person reads it: every header
#                             "Name: value" (RFC 2047 decoded, unfolded),
#                             a blank line, the body (QP decoded, UTF-8)
# conf_uncomment_group FILE GROUP
#                             the commented `# GROUP = {` ... `# };` block of
#                             the example made active
# conf_agency_uncomment FILE AGENCY KEY [VALUE]
#                             in AGENCY's entry, `# KEY = ...` made active
#                             (and its quoted value replaced by VALUE)
# conf_agency_add FILE AGENCY LINE
#                             LINE added to AGENCY's entry, after its id line

SMTP_PY=/usr/bin/python3
SMTP_PID=

smtp_start() {
	local port=$1 dir=$2
	"$SMTP_PY" -c 'import aiosmtpd' 2>/dev/null ||
		fail "python3-aiosmtpd is not installed for $SMTP_PY (scripts/deps.sh check installs it)"
	mkdir -p "$dir" || fail "mkdir $dir"
	cat >"$IT_TMP/smtpd.py" <<'PY'
import os, signal, sys, threading, time
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

port, outdir = int(sys.argv[1]), sys.argv[2]
user = sys.argv[3].encode() if len(sys.argv) > 4 else None
password = sys.argv[4].encode() if len(sys.argv) > 4 else None

class Keep:
    async def handle_DATA(self, server, session, envelope):
        name = os.path.join(outdir, "%020d" % time.time_ns())
        with open(name + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        with open(name + ".envtmp", "w") as f:
            f.write("from %s\n" % envelope.mail_from)
            for r in envelope.rcpt_tos:
                f.write("to %s\n" % r)
            f.write("auth %s\n" % ("yes" if session.authenticated else "no"))
        os.rename(name + ".envtmp", name + ".env")
        os.rename(name + ".tmp", name + ".eml")
        return "250 2.0.0 kept"

def check(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user and
          auth_data.password == password)
    return AuthResult(success=ok)

kw = {}
if user is not None:
    kw = dict(auth_required=True, auth_require_tls=False, authenticator=check)
ctl = Controller(Keep(), hostname="127.0.0.1", port=port, **kw)
ctl.start()
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *a: stop.set())
while not stop.wait(0.1):
    pass
ctl.stop()
PY
	"$SMTP_PY" "$IT_TMP/smtpd.py" "$port" "$dir" "${@:3}" </dev/null \
		>>"$IT_TMP/smtpd.log" 2>&1 &
	SMTP_PID=$!
	track "$SMTP_PID" aiosmtpd
	add_log "$IT_TMP/smtpd.log"
	wait_port "$port" 15 "$SMTP_PID" aiosmtpd
}

smtp_stop() {
	[ -n "$SMTP_PID" ] || return 0
	stop_checked "$SMTP_PID" aiosmtpd
	SMTP_PID=
}

smtp_count() {
	local f n=0
	for f in "$1"/*.eml; do
		[ -e "$f" ] && n=$((n + 1))
	done
	echo "$n"
}

smtp_has() {
	[ "$(smtp_count "$1")" -ge "$2" ]
}

smtp_wait() {
	wait_for "$3" "$4 (messages at the SMTP server: $(smtp_count "$1"))" smtp_has "$1" "$2"
}

smtp_newest() {
	local f found=
	for f in "$1"/*.eml; do
		[ -e "$f" ] && grep -Eq -- "$2" "$f" && found=$f
	done
	printf '%s' "$found"
}

mail_decode() {
	"$SMTP_PY" - "$1" <<'PY' || fail "mail_decode $1: not a message Python's email package reads"
import sys, email
from email import policy
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=policy.default)
for k, v in m.items():
    print("%s: %s" % (k, v))
print()
print(m.get_content().replace("\r\n", "\n"), end="")
PY
}

conf_uncomment_group() {
	awk -v grp="$2" '
		$0 ~ "^#[ \t]*" grp "[ \t]*=[ \t]*[{]" { in_g = 1; n++ }
		in_g { sub(/^#[ \t]?/, ""); if ($0 ~ /^[}];/) in_g = 0 }
		{ print }
		END { exit n == 1 ? 0 : 3 }' "$1" >"$1.tmp" ||
		fail "conf_uncomment_group: not exactly one commented group '$2' in $1"
	mv -f "$1.tmp" "$1"
}

conf_agency_uncomment() {
	local file=$1 ag=$2 key=$3 val=${4-}
	awk -v ag="$ag" -v key="$key" -v val="$val" -v setval="${4+1}" '
		/(^|[{ \t;])id[ \t]*=[ \t]*"/ { ina = ($0 ~ "id[ \t]*=[ \t]*\"" ag "\"") }
		ina && $0 ~ "^[ \t]*#[ \t]*" key "[ \t]*=" {
			sub("#[ \t]*" key, key)
			if (setval) sub(/"[^"]*"/, "\"" val "\"")
			n++
		}
		{ print }
		END { exit n == 1 ? 0 : 3 }' "$file" >"$file.tmp" ||
		fail "conf_agency_uncomment: agency $ag in $file has not exactly one '# $key =' line"
	mv -f "$file.tmp" "$file"
}

conf_agency_add() {
	awk -v ag="$2" -v line="$3" '
		{ print }
		$0 ~ "(^|[{ \t;])id[ \t]*=[ \t]*\"" ag "\"" { print "    " line; n++ }
		END { exit n == 1 ? 0 : 3 }' "$1" >"$1.tmp" ||
		fail "conf_agency_add: not exactly one agency $2 in $1"
	mv -f "$1.tmp" "$1"
}
