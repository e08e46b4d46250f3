#!/bin/sh
# Runs every test: the cmocka binaries (one per module), the fuzz targets
# replayed on their corpus and past crashes (BUILD_DIR/fuzz-replay/fuzz_NAME
# on fuzz/corpus/NAME/ and fuzz/crashes/NAME/; test name replay_NAME), then
# the integration scripts test/it_*.sh (real HTTP, real Kannel).  Prints one
# line per test program, the output of those that failed, and a closing
# "N passed, N failed" line; exits 1 when anything failed.  TEST_JOBS
# programs run at a time (default 2 on a machine of two cores or more, else
# 1), each line printed when its program ends.
#
# PostgreSQL: when a selected test needs it (test_store's second run,
# "test_store [postgresql]", and the it_*.sh scripts that source
# test/pg.sh), ONE throw-away PostgreSQL 15 server is started for the run
# (test/pg.sh: temp dir, unix socket only) and stopped at the end, also on
# failure or interrupt.  Those tests get its conninfo in ADUAN_TEST_PG (each
# makes a database of its own); every other test runs without it, so
# test_store's first run stays on SQLite.  ADUAN_TEST_PG already set when
# this script starts names a server to use instead of starting one.  No
# PostgreSQL installed: the PostgreSQL lines FAIL and say so.
#   test/run.sh BUILD_DIR [NAME...]   NAME: run only programs whose name contains it
set -u
build=${1:?usage: test/run.sh BUILD_DIR [NAME...]}
shift
filter="$*"
ADUAN_BIN=$(cd "$build" && pwd)/aduan
ADUAN_TOOLS=$(cd "$build/test" && pwd)
export ADUAN_BIN ADUAN_TOOLS
passed=0
failed=0
failures=""
# TEST_JOBS programs at a time.  Each test has its own temp dir and free
# loopback ports; its output is kept and printed when it ends, so lines
# never interleave.  Two at a time nearly halves the integration tests'
# time on two cores (the PostgreSQL runs and it_multinode made one at a
# time pass 15 minutes for .ci/run); every test has passed whole runs of
# make check and of the sanitizer build that way, beside other work.
# TEST_JOBS=1 for one at a time.
ncpu=$(nproc 2>/dev/null || echo 1)
jobs=${TEST_JOBS:-$([ "$ncpu" -ge 2 ] && echo 2 || echo 1)}
case "$jobs" in ''|*[!0-9]*|0) jobs=1 ;; esac
work=$(mktemp -d) || exit 2
. "$(dirname "$0")/pg.sh"
pg_given=${ADUAN_TEST_PG:-}
unset ADUAN_TEST_PG
pg_conninfo=""
pg_failed=""
trap 'pg_stop; rm -rf "$work"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
running=""      # job numbers still running
seq=0
wanted() {
	[ -z "$filter" ] && return 0
	for w in $filter; do case "$1" in *"$w"*) return 0 ;; esac; done
	return 1
}
# report N: prints job N's line (and its output when it failed).
report() {
	name=$(cat "$work/$1.name")
	secs=$(( $(cat "$work/$1.end") - $(cat "$work/$1.start") ))
	if [ "$(cat "$work/$1.rc")" = 0 ]; then
		passed=$((passed + 1))
		echo "PASS  $name (${secs}s)"
	else
		failed=$((failed + 1))
		failures="$failures $name"
		echo "FAIL  $name (${secs}s)"
		sed 's/^/      /' "$work/$1.log"
	fi
}
# reap MAX: waits until at most MAX jobs run, reporting each that ended.
reap() {
	while :; do
		left=""
		n=0
		for j in $running; do
			if [ -f "$work/$j.rc" ]; then
				report "$j"
			else
				left="$left $j"
				n=$((n + 1))
			fi
		done
		running=$left
		[ "$n" -le "$1" ] && return 0
		sleep 0.2
	done
}
run_one() {
	tname=$1; shift
	wanted "$tname" || return 0
	reap $((jobs - 1))
	seq=$((seq + 1))
	j=$seq
	printf '%s\n' "$tname" >"$work/$j.name"
	date +%s >"$work/$j.start"
	(
		"$@" >"$work/$j.log" 2>&1 </dev/null
		rc=$?
		date +%s >"$work/$j.end"
		echo "$rc" >"$work/$j.rc.tmp" && mv "$work/$j.rc.tmp" "$work/$j.rc"
	) &
	running="$running $j"
}
# pg_needed: does a selected test use PostgreSQL?
pg_needed() {
	[ -x "$build/test/test_store" ] && wanted "test_store [postgresql]" && return 0
	for script in test/it_*.sh; do
		wanted "$(basename "$script" .sh)" && grep -q 'test/pg\.sh' "$script" && return 0
	done
	return 1
}
if pg_needed; then
	if [ -n "$pg_given" ]; then
		pg_conninfo=$pg_given
	elif pg_start; then
		pg_conninfo=$ADUAN_TEST_PG
		unset ADUAN_TEST_PG
	else
		pg_failed="PostgreSQL for this run: $PG_ERR"
		echo "$pg_failed" >"$work/pg.err"
		pg_stop
	fi
fi
# run_pg NAME PROG...: PROG with ADUAN_TEST_PG, or FAIL when there is none.
run_pg() {
	_n=$1
	shift
	if [ -n "$pg_conninfo" ]; then
		run_one "$_n" env ADUAN_TEST_PG="$pg_conninfo" "$@"
	else
		run_one "$_n" sh -c 'echo "FAIL: $(cat "$1")" >&2; exit 1' sh "$work/pg.err"
	fi
}
for prog in "$build"/test/test_*; do
	case "$prog" in *.o|*.d) continue ;; esac
	[ -x "$prog" ] && run_one "$(basename "$prog")" "$prog"
done
# test_store again on PostgreSQL (store_fixture.h reads ADUAN_TEST_PG)
[ -x "$build/test/test_store" ] && run_pg "test_store [postgresql]" "$build/test/test_store"
# libconfig's own leak on a syntax error is not ours (fuzz/lsan.supp).
lsan="suppressions=$(pwd)/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
for prog in "$build"/fuzz-replay/fuzz_*; do
	case "$prog" in *.o|*.d) continue ;; esac
	[ -x "$prog" ] || continue
	name=${prog##*/fuzz_}
	run_one "replay_$name" env LSAN_OPTIONS="$lsan" "$prog" "fuzz/corpus/$name" "fuzz/crashes/$name"
done
for script in test/it_*.sh; do
	[ -f "$script" ] || continue
	if grep -q 'test/pg\.sh' "$script"; then
		# it starts a server of its own when run alone
		if [ -n "$pg_conninfo" ]; then
			run_one "$(basename "$script" .sh)" env ADUAN_TEST_PG="$pg_conninfo" bash "$script"
		else
			run_one "$(basename "$script" .sh)" bash "$script"
		fi
	else
		run_one "$(basename "$script" .sh)" bash "$script"
	fi
done
reap 0
echo
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
