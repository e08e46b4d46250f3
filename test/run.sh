#!/bin/sh
# Runs every test: the cmocka binaries (one per module), the fuzz targets
# replayed on their corpus and past crashes (BUILD_DIR/fuzz-replay/fuzz_NAME
# on fuzz/corpus/NAME/ and fuzz/crashes/NAME/; test name replay_NAME), then
# the integration scripts test/it_*.sh (real HTTP, real Kannel).  Prints one
# line per test program, the output of those that failed, and a closing
# "N passed, N failed" line; exits 1 when anything failed.
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
wanted() {
	[ -z "$filter" ] && return 0
	for w in $filter; do case "$1" in *"$w"*) return 0 ;; esac; done
	return 1
}
run_one() {
	name=$1; shift
	wanted "$name" || return 0
	log=$(mktemp)
	start=$(date +%s)
	if "$@" >"$log" 2>&1 </dev/null; then
		passed=$((passed + 1))
		echo "PASS  $name ($(( $(date +%s) - start ))s)"
	else
		failed=$((failed + 1))
		failures="$failures $name"
		echo "FAIL  $name ($(( $(date +%s) - start ))s)"
		sed 's/^/      /' "$log"
	fi
	rm -f "$log"
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
echo
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
