#!/bin/bash
# it_signals: signals reach the one thread that waits for them, whatever
# else is running.
#
# While 4 clients send SMS complaints, rounds of 50 SIGHUPs in a tight
# loop hit `aduan serve`.  The service must stay up (no exit 129: a thread
# started before the signal mask was set would take a SIGHUP's default
# action), keep answering, and store every complaint it acknowledged.
# Then a SIGTERM right behind a last burst (a reload still running) must
# give a clean stop: exit 0 and the "stopped" line.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init signals
start_aduan

client() { # N: sends 40 complaints with ids s<N>-<i>; prints the count answered 200
	local i url ok=0
	for ((i = 0; i < 40; i++)); do
		url="$ADUAN_URL/kannel/sms?secret=$ADUAN_SECRET&from=0812440$1$((10 + i))&to=1708&text=JALAN+rusak+nomor+$i&coding=0&charset=UTF-8&id=s$1-$i"
		if "$TOOL_HTTP" -m 10 "$url" 2>/dev/null | grep -q '^STATUS 200$'; then
			ok=$((ok + 1))
		fi
	done
	echo "$ok" >"$IT_TMP/client.$1"
}
pids=""
for n in 1 2 3 4; do
	client "$n" &
	pids="$pids $!"
done
reloads_logged() { grep -c "configuration reloaded" "$ADUAN_LOG"; }
# Each burst: the first SIGHUP starts a reload, the others arrive during it
# (they coalesce into one more); in odd rounds they are spread over ~0.3 s.
# Then wait for a reload, so that every burst finds the service idle first.
for ((round = 0; round < 8; round++)); do
	before=$(reloads_logged)
	for ((k = 0; k < 50; k++)); do
		kill -HUP "$ADUAN_PID" 2>/dev/null || break
		# odd rounds: spread over the reload the first one started
		((round % 2 == 1)) && nap 0.005
	done
	end=$((SECONDS + 30))
	while pid_alive "$ADUAN_PID" && [ "$(reloads_logged)" -le "$before" ] &&
		[ "$SECONDS" -lt "$end" ]; do
		nap 0.05
	done
	pid_alive "$ADUAN_PID" || break
done
for p in $pids; do wait "$p"; done
if ! pid_alive "$ADUAN_PID"; then
	wait "$ADUAN_PID"
	fail "aduan serve died during the SIGHUP bursts (exit status $?)"
fi
answered=0
for n in 1 2 3 4; do
	answered=$((answered + $(cat "$IT_TMP/client.$n")))
done
expect_eq "every complaint of the load answered 200 during the SIGHUP bursts" 160 "$answered"
expect_eq "every answered complaint stored" "$answered" "$(sql "SELECT count(*) FROM complaints")"
reloads=$(reloads_logged)
[ "$reloads" -ge 8 ] || fail "only $reloads reloads logged for 8 bursts of SIGHUP"
http_must "after the bursts" "$ADUAN_URL/healthz"
expect_eq "after the bursts: /healthz" 200 "$RESP_STATUS"
ok "400 SIGHUPs in 8 bursts under load: still up, $answered complaints answered and stored, $reloads reloads"

# A last burst, and SIGTERM while its reloads are still running.
for ((k = 0; k < 50; k++)); do
	kill -HUP "$ADUAN_PID"
done
kill -TERM "$ADUAN_PID"
end=$((SECONDS + 15))
while pid_alive "$ADUAN_PID" && [ "$SECONDS" -lt "$end" ]; do
	nap 0.05
done
pid_alive "$ADUAN_PID" && fail "aduan serve still running 15 s after SIGTERM"
wait "$ADUAN_PID"
rc=$?
expect_eq "exit status after SIGTERM behind a SIGHUP burst" 0 "$rc"
expect_match "the log says it stopped cleanly" "SIGTERM: shutting down" "$(cat "$ADUAN_LOG")"
expect_match "the log ends with the clean stop" "INFO stopped$" "$(tail -n 1 "$ADUAN_LOG")"
ok "SIGTERM behind a burst of SIGHUP: exit 0, clean stop logged"

check_log_errors "$ADUAN_LOG" "aduan log"
ok "no unexpected ERROR lines"
