#!/bin/sh
# Runs every test: the cmocka binaries (one per module), the fuzz targets
# replayed on their corpus and past crashes (BUILD_DIR/fuzz-replay/fuzz_NAME
# on fuzz/corpus/NAME/ and fuzz/crashes/NAME/; test name replay_NAME), then
# the integration scripts test/it_*.sh (real HTTP, real Kannel).  Prints one
# line per test program, the output of those that failed, and a closing
# "N passed, N failed" line; exits 1 when anything failed.  TEST_JOBS
# programs run at a time (default 1), each line printed when its program
# ends.
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
# TEST_JOBS programs at a time (default 1).  Each test has its own temp
# dir and free loopback ports; its output is kept and printed when it
# ends, so lines never interleave.  TEST_JOBS=2 halves the integration
# tests' time on two cores, but some timing-sensitive tests are not yet
# known to hold under a neighbour's load, so make check stays at 1.
jobs=${TEST_JOBS:-1}
case "$jobs" in ''|*[!0-9]*|0) jobs=1 ;; esac
work=$(mktemp -d) || exit 2
trap 'rm -rf "$work"' EXIT
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
for prog in "$build"/test/test_*; do
	case "$prog" in *.o|*.d) continue ;; esac
	[ -x "$prog" ] && run_one "$(basename "$prog")" "$prog"
done
# libconfig's own leak on a syntax error is not ours (fuzz/lsan.supp).
lsan="suppressions=$(pwd)/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
for prog in "$build"/fuzz-replay/fuzz_*; do
	case "$prog" in *.o|*.d) continue ;; esac
	[ -x "$prog" ] || continue
	name=${prog##*/fuzz_}
	run_one "replay_$name" env LSAN_OPTIONS="$lsan" "$prog" "fuzz/corpus/$name" "fuzz/crashes/$name"
done
for script in test/it_*.sh; do
	[ -f "$script" ] && run_one "$(basename "$script" .sh)" bash "$script"
done
reap 0
echo
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
