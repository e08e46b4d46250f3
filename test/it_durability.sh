#!/bin/bash
# it_durability: nothing acknowledged is lost when aduan serve is killed.
#
# 1. Sequential: N complaints, one after the other, with tool_http; every
#    ticket of a 200 reply recorded; SIGKILL right after the last 200 (no
#    clean shutdown); restart on the same database: each recorded ticket is
#    stored exactly once, for the gateway id that got it; the database is
#    consistent; the last 10 requests sent again with the same ids get
#    byte-identical replies and change nothing.
# 2. Concurrent: 8 client loops of 20 requests each; SIGKILL once about
#    half are done; restart: every ticket a client got in a 200 reply is
#    stored exactly once, no gateway id has two rows, no complaint lacks its
#    message.  Then the unanswered requests (and some answered ones) are
#    retried as Kannel would: answered ones get their reply again byte for
#    byte, and each of the 160 ids ends with exactly one complaint.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init durability
start_aduan

NOW=$(date +%s)
TEXTS=("JALAN berlubang besar depan balai desa"
	"SAMPAH menumpuk di pinggir pasar"
	"AIR PDAM tidak mengalir sejak kemarin"
	"LISTRIK padam di gang mawar"
	"PJU mati di perempatan dekat masjid")

SECRET_ENC=$(urlencode "$ADUAN_SECRET")
TEXTS_ENC=()
for t in "${TEXTS[@]}"; do TEXTS_ENC+=("$(urlencode "$t")"); done

# cb_url ID PHONE TEXTNO SUFFIX: the URL smsbox calls for message ID from
# PHONE (digits only) with text TEXTS[TEXTNO] + " " + SUFFIX ([a-z0-9-]).
cb_url() {
	printf '%s/kannel/sms?secret=%s&from=%s&to=1708&text=%s%%20%s&coding=0&charset=UTF-8&id=%s&time=%s' \
		"$ADUAN_URL" "$SECRET_ENC" "$2" "${TEXTS_ENC[$3 % ${#TEXTS[@]}]}" "$4" "$1" "$NOW"
}

# req URL FILE_PREFIX: one request with tool_http, parsed with builtins only
# (the loops below send hundreds): REQ_RC, REQ_STATUS, REQ_BODY, REQ_TICKET.
# The raw answer stays in FILE_PREFIX.out.
req() {
	local l1
	"$TOOL_HTTP" -m 10 "$1" >"$2.out" 2>"$2.err"
	REQ_RC=$?
	REQ_STATUS=
	REQ_BODY=
	REQ_TICKET=
	[ "$REQ_RC" = 0 ] || return 0
	{
		IFS= read -r l1
		IFS= read -r _
		IFS= read -r _
		IFS= read -r -d '' REQ_BODY
	} <"$2.out"
	REQ_STATUS=${l1#STATUS }
	if [[ $REQ_BODY =~ (^|[^0-9])([0-9]{8})([^0-9]|$) ]]; then
		REQ_TICKET=${BASH_REMATCH[2]}
	fi
	return 0
}

# body_of FILE: prints nothing; sets BODY_OF to FILE's exact bytes.
body_of() {
	BODY_OF=
	IFS= read -r -d '' BODY_OF <"$1"
}

# check_store WHAT ACKED_FILE LIKE: every "gw_id ticket" line of ACKED_FILE
# is stored: a kannel message with that id linked to the complaint with that
# ticket; gw_ids and tickets are unique; no complaint is without a message;
# the database passes integrity_check.  Sets STORED_N (stored pairs of ids
# LIKE the pattern).
STORED_N=
check_store() {
	local what=$1 acked=$2 like=$3 stored=$IT_TMP/stored.txt missing dup
	expect_eq "$what: PRAGMA integrity_check" ok "$(sql 'PRAGMA integrity_check')"
	sql "SELECT m.gw_id || ' ' || c.ticket FROM messages m JOIN complaints c ON c.id = m.complaint_id
		WHERE m.gateway = 'kannel' AND m.gw_id LIKE '$like'" | sort >"$stored"
	missing=$(sort "$acked" | comm -23 - "$stored")
	[ -z "$missing" ] || fail "$what: acknowledged (gw_id ticket) pairs not in the database after the restart:
$missing
  ($(wc -l <"$acked") acknowledged, $(wc -l <"$stored") stored)"
	dup=$(cut -d' ' -f2 "$stored" | sort | uniq -d)
	expect_eq "$what: tickets linked to more than one gateway id" "" "$dup"
	expect_eq "$what: messages of gateway kannel: count(*) = count(DISTINCT gw_id)" \
		"$(sql "SELECT count(DISTINCT gw_id) FROM messages WHERE gateway = 'kannel'")" \
		"$(sql "SELECT count(*) FROM messages WHERE gateway = 'kannel'")"
	expect_eq "$what: complaints without the message that opened them" 0 \
		"$(sql "SELECT count(*) FROM complaints c WHERE NOT EXISTS
			(SELECT 1 FROM messages m WHERE m.complaint_id = c.id AND m.command = 'complaint')")"
	expect_eq "$what: complaints opened by two messages" "" \
		"$(sql "SELECT complaint_id FROM messages WHERE command = 'complaint' AND complaint_id IS NOT NULL
			GROUP BY complaint_id HAVING count(*) > 1")"
	STORED_N=$(wc -l <"$stored")
}

# ---------------------------------------------------------------------------
# 1. Sequential, SIGKILL right after the last acknowledgement
# ---------------------------------------------------------------------------
N=50
SEQ=$IT_TMP/seq
mkdir -p "$SEQ"
: >"$SEQ/acked"
T0=$SECONDS
for ((i = 1; i <= N; i++)); do
	printf -v phone '0812345%05d' "$i"
	id=dur-seq-$i
	req "$(cb_url "$id" "$phone" "$i" "no-$i")" "$SEQ/$id"
	[ "$REQ_RC" = 0 ] || fail "sequential request $i: no HTTP response ($(cat "$SEQ/$id.err"))"
	expect_eq "sequential request $i: status" 200 "$REQ_STATUS"
	[ -n "$REQ_TICKET" ] || fail "sequential request $i: no ticket in the reply: [$REQ_BODY]"
	printf '%s' "$REQ_BODY" >"$SEQ/$id.body"
	printf '%s %s\n' "$id" "$REQ_TICKET" >>"$SEQ/acked"
done
pid_alive "$ADUAN_PID" || fail "aduan serve died during the sequential requests"
kill9_pid "$ADUAN_PID"
ok "$N sequential complaints acknowledged in $((SECONDS - T0))s; SIGKILL right after the last 200"

restart_aduan
check_store "sequential, after SIGKILL and restart" "$SEQ/acked" 'dur-seq-%'
expect_eq "sequential: stored complaints" "$N" "$STORED_N"
expect_eq "sequential: complaints in the database" "$N" "$(sql "SELECT count(*) FROM complaints")"
ok "after restart: all $N acknowledged tickets stored exactly once, integrity ok"

BEFORE=$(row_counts)
for ((i = N - 9; i <= N; i++)); do
	id=dur-seq-$i
	printf -v phone '0812345%05d' "$i"
	req "$(cb_url "$id" "$phone" "$i" "no-$i")" "$SEQ/$id.resend"
	[ "$REQ_RC" = 0 ] || fail "resend $id: no HTTP response ($(cat "$SEQ/$id.resend.err"))"
	expect_eq "resend $id: status" 200 "$REQ_STATUS"
	body_of "$SEQ/$id.body"
	expect_eq "resend $id after the restart: the same reply" "$BODY_OF" "$REQ_BODY"
done
expect_eq "resend of the last 10 ids: row counts unchanged" "$BEFORE" "$(row_counts)"
ok "the last 10 ids sent again: byte-identical replies, nothing new ($BEFORE)"

# ---------------------------------------------------------------------------
# 2. Concurrent clients, SIGKILL in the middle
# ---------------------------------------------------------------------------
LOOPS=8
PER=20
TOTAL=$((LOOPS * PER))
PAR=$IT_TMP/par
mkdir -p "$PAR"
: >"$PAR/progress"
LOOP_PIDS=()
for ((k = 1; k <= LOOPS; k++)); do
	(
		trap - EXIT HUP INT
		child=
		trap '[ -n "$child" ] && kill "$child" 2>/dev/null; exit 143' TERM
		: >"$PAR/acked.$k"
		for ((i = 1; i <= PER; i++)); do
			id=dur-par-$k-$i
			printf -v phone '0813%02d00%04d' "$k" "$i"
			# tool_http as a child we can stop, so a TERM from the
			# cleanup leaves no request behind.
			"$TOOL_HTTP" -m 10 "$(cb_url "$id" "$phone" $((k + i)) "rumah-$k-$i")" \
				>"$PAR/$id.out" 2>"$PAR/$id.err" &
			child=$!
			wait "$child"
			hrc=$?
			child=
			st=
			if [ "$hrc" = 0 ]; then
				{
					IFS= read -r st
					IFS= read -r _
					IFS= read -r _
					body=
					IFS= read -r -d '' body
				} <"$PAR/$id.out"
				st=${st#STATUS }
				if [ "$st" = 200 ]; then
					printf '%s' "$body" >"$PAR/$id.body"
					t=NO-TICKET
					[[ $body =~ (^|[^0-9])([0-9]{8})([^0-9]|$) ]] && t=${BASH_REMATCH[2]}
					printf '%s %s\n' "$id" "$t" >>"$PAR/acked.$k"
				fi
			fi
			printf '%s rc=%s status=%s\n' "$id" "$hrc" "$st" >>"$PAR/progress"
		done
	) </dev/null &
	LOOP_PIDS+=("$!")
	track "$!" "client loop $k"
done

# SIGKILL once about half of the requests are done.
END=$((SECONDS + 90))
while :; do
	DONE=$(wc -l <"$PAR/progress")
	[ "$DONE" -ge $((TOTAL / 2)) ] && break
	[ "$SECONDS" -ge "$END" ] && fail "concurrent: only $DONE of $TOTAL requests done after 90 s"
	pid_alive "$ADUAN_PID" || fail "aduan serve died during the concurrent requests"
	nap 0.01
done
kill9_pid "$ADUAN_PID"
KILLED_AT=$(wc -l <"$PAR/progress")
rc=
for pid in "${LOOP_PIDS[@]}"; do
	wait_exit "$pid" 30 rc
	expect_eq "client loop (pid $pid): exit status" 0 "$rc"
done
expect_eq "concurrent: requests attempted" "$TOTAL" "$(wc -l <"$PAR/progress")"
cat "$PAR"/acked.* | sort >"$PAR/acked"
ACKED=$(wc -l <"$PAR/acked")
NORESP=$(grep -c ' rc=2 ' "$PAR/progress")
OTHER=$(grep -vcE ' rc=(0 status=200|2 status=)$' "$PAR/progress")
expect_eq "concurrent: a 200 reply without a ticket" "" "$(grep NO-TICKET "$PAR/acked")"
if [ "$OTHER" != 0 ]; then
	fail "concurrent: $OTHER requests ended otherwise than with a 200 or no response (not a kill's doing), e.g.:
$(grep -vE ' rc=(0 status=200|2 status=)$' "$PAR/progress" | head -n 5 | while read -r id rest; do
		printf '  %s %s: %s\n' "$id" "$rest" "$(head -c 300 "$PAR/$id.err" | tr '\n' ' ')"
	done)"
fi
[ "$NORESP" -gt 0 ] ||
	fail "concurrent: every request was answered: the clients finished before the SIGKILL (test too slow to kill in time)"
ok "concurrent: SIGKILL after ~$KILLED_AT of $TOTAL requests; $ACKED acknowledged, $NORESP without a response"

restart_aduan
check_store "concurrent, after SIGKILL and restart" "$PAR/acked" 'dur-par-%'
ok "after restart: all $ACKED acknowledged tickets stored exactly once ($STORED_N concurrent complaints stored; the rest never committed), integrity ok"

# Kannel retries what got no answer: every id without a 200 is sent again,
# and the last acknowledged id of each loop too (a lost answer looks the
# same to the gateway).  An acknowledged id gets its reply again byte for
# byte; in the end each of the 160 ids has exactly one complaint.
RETRIED=0
for ((k = 1; k <= LOOPS; k++)); do
	LAST_ACKED=$(tail -n 1 "$PAR/acked.$k" | cut -d' ' -f1)
	for ((i = 1; i <= PER; i++)); do
		id=dur-par-$k-$i
		[ -f "$PAR/$id.body" ] && [ "$id" != "$LAST_ACKED" ] && continue
		RETRIED=$((RETRIED + 1))
		printf -v phone '0813%02d00%04d' "$k" "$i"
		req "$(cb_url "$id" "$phone" $((k + i)) "rumah-$k-$i")" "$PAR/$id.retry"
		[ "$REQ_RC" = 0 ] || fail "retry $id: no HTTP response ($(cat "$PAR/$id.retry.err"))"
		expect_eq "retry $id: status" 200 "$REQ_STATUS"
		if [ -f "$PAR/$id.body" ]; then
			body_of "$PAR/$id.body"
			expect_eq "retry $id (acknowledged before the kill): the same reply" "$BODY_OF" "$REQ_BODY"
		else
			[ -n "$REQ_TICKET" ] || fail "retry $id: no ticket in the reply: [$REQ_BODY]"
			printf '%s %s\n' "$id" "$REQ_TICKET" >>"$PAR/acked"
		fi
	done
done
check_store "concurrent, after the retries" "$PAR/acked" 'dur-par-%'
expect_eq "concurrent, after the retries: stored complaints" "$TOTAL" "$STORED_N"
expect_eq "complaints in the database (sequential + concurrent)" $((N + TOTAL)) \
	"$(sql "SELECT count(*) FROM complaints")"
ok "$RETRIED ids retried (all unanswered + the last acknowledged of each loop): same replies, exactly one complaint for each of the $TOTAL ids"

check_log_errors "$ADUAN_LOG" "aduan"
ok "no unexpected ERROR in the aduan log"
exit 0
