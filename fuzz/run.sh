#!/bin/sh
# Runs every libFuzzer target in BIN_DIR for FUZZ_TIME seconds each (default
# 60), one after another (`make fuzz` calls it after building them):
#   fuzz/run.sh BIN_DIR [NAME...]     NAME: only targets whose name contains it
# Seeds come from fuzz/corpus/<name>/ and fuzz/crashes/<name>/ (read only);
# new inputs go to build/fuzz/corpus/<name>/.  FUZZ_MERGE=1 afterwards merges
# the inputs that add coverage into fuzz/corpus/<name>/ (review and commit
# them).  A crash stops that target and leaves the input in
# build/fuzz/crashes/<name>/: copy it to fuzz/crashes/<name>/ when fixed.
# Extra libFuzzer flags: FUZZ_FLAGS (e.g. FUZZ_FLAGS=-runs=10000000).
# Exits 1 when any target crashed.
set -u
bin=${1:?usage: fuzz/run.sh BIN_DIR [NAME...]}
shift
filter="$*"
time=${FUZZ_TIME:-60}
failed=""
# libconfig's own leak on a syntax error is not ours (see the file).
LSAN_OPTIONS="suppressions=$(pwd)/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
for prog in "$bin"/fuzz_*; do
	[ -x "$prog" ] || continue
	name=${prog##*/fuzz_}
	if [ -n "$filter" ]; then
		keep=0
		for w in $filter; do case "$name" in *"$w"*) keep=1 ;; esac; done
		[ "$keep" -eq 1 ] || continue
	fi
	work=build/fuzz/corpus/$name
	art=build/fuzz/crashes/$name
	mkdir -p "$work" "$art" "fuzz/corpus/$name"
	seeds="fuzz/corpus/$name"
	[ -d "fuzz/crashes/$name" ] && seeds="$seeds fuzz/crashes/$name"
	# SMS-sized inputs for the text targets; whole requests and configs
	# for the others (server.max_body is at most 1 MB, 16 KB by default).
	case "$name" in gateway | conf) maxlen=65536 ;; *) maxlen=8192 ;; esac
	echo "fuzz: $name for ${time}s"
	# shellcheck disable=SC2086
	if ! "$prog" -max_total_time="$time" -timeout=10 -rss_limit_mb=2048 -max_len="$maxlen" \
	    -print_final_stats=1 -artifact_prefix="$art/" ${FUZZ_FLAGS:-} "$work" $seeds \
	    >"build/fuzz/$name.log" 2>&1; then
		failed="$failed $name"
		echo "fuzz: $name CRASHED: see build/fuzz/$name.log and $art/"
		tail -n 40 "build/fuzz/$name.log"
		continue
	fi
	grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' \
	    "build/fuzz/$name.log" | sed 's/^/      /'
	if [ "${FUZZ_MERGE:-0}" = 1 ]; then
		"$prog" -merge=1 "fuzz/corpus/$name" "$work" >>"build/fuzz/$name.log" 2>&1
		echo "      merged: $(ls "fuzz/corpus/$name" | wc -l) inputs in fuzz/corpus/$name"
	fi
done
if [ -n "$failed" ]; then
	echo "fuzz: crashed:$failed"
	exit 1
fi
echo "fuzz: no crash"
