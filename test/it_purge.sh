#!/bin/bash
# it_purge: `aduan purge` deletes what retention lets go and nothing a
# ticket, its reporter or a gateway still needs (issue 14, data lifecycle).
#
#   a real service takes complaints, STATUS queries and INFO; the rows are
#       then made old (200 days) with sqlite3, and old outbox rows, USSD
#       sessions and failed logins are added beside new ones;
#   purge --dry-run (the service stopped) says per table how many rows would
#       go and the cutoff, and the file is byte for byte the same;
#   purge deletes exactly those: the STATUS and INFO messages, the delivered
#       webhook/email/reply rows, the old sessions and failures; every
#       complaint, its events, its complaint message and the SMS about it,
#       the dead and pending rows stay;
#   with retention.messages_days = 1, a STATUS message 2 days old (inside
#       the 3-day dedup window) is kept: the gateway's retry of it gets the
#       stored reply; one 10 days old goes; a retried complaint 10 days
#       old gets its ticket again, not a second one;
#   beside a running service under a burst of SMS, a purge of 20000 old
#       rows in batches: every SMS is answered 200 with a ticket, every
#       acknowledged ticket is stored once, and the purge deleted them all.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init purge

db_sha() { sha256sum "$ADUAN_DB" | cut -c1-64; }

start_aduan
sms() { # sms ID FROM TEXT
	http_must "sms $1" "$ADUAN_URL/kannel/sms?secret=$ADUAN_SECRET&from=$2&to=1708&text=$(urlencode "$3")&coding=0&charset=UTF-8&id=$1"
	expect_eq "sms $1 ($3): status" 200 "$RESP_STATUS"
}
sms c1 081234500001 "JALAN rusak depan pasar"
T1=$(ticket_in "$RESP_BODY")
sms c2 081234500002 "LAMPU mati di gang 3"
T2=$(ticket_in "$RESP_BODY")
[ -n "$T1" ] && [ -n "$T2" ] || fail "no ticket numbers in the replies"
sms s1 081234500001 "STATUS $T1"
sms s2 081234500002 "STATUS $T2"
sms i1 081234500003 "INFO"
stop_checked "$ADUAN_PID" aduan

# 200 days ago, as a year of service leaves them.
OLD="(strftime('%s','now') - 200 * 86400)"
NEW="(strftime('%s','now') - 3600)"
sql "UPDATE messages SET received_at = $OLD;
     UPDATE complaints SET created_at = $OLD, updated_at = $OLD;
     UPDATE events SET at = $OLD;
     DELETE FROM outbox;
     INSERT INTO outbox (kind, recipient, body, idem_key, complaint_id, state, created_at, updated_at)
     VALUES ('sms', '+6281234500001', 'Tiket diproses', 'o-ticket-sms',
             (SELECT id FROM complaints WHERE ticket = '$T1'), 'sent', $OLD, $OLD),
            ('webhook', 'dpupr', '{}', 'o-webhook', (SELECT id FROM complaints WHERE ticket = '$T1'),
             'sent', $OLD, $OLD),
            ('email', 'dpupr', 'digest', 'o-email', NULL, 'sent', $OLD, $OLD),
            ('sms', '+6281234500003', 'reply', 'o-reply', NULL, 'sent', $OLD, $OLD),
            ('webhook', 'dpupr', '{}', 'o-dead', NULL, 'dead', $OLD, $OLD),
            ('sms', '+6281234500003', 'later', 'o-pending', NULL, 'pending', $OLD, $OLD),
            ('webhook', 'dpupr', '{}', 'o-new', NULL, 'sent', $NEW, $NEW);
     INSERT INTO ussd_sessions (gateway, id, phone, state, created_at, updated_at)
     VALUES ('africastalking', 'u-old', '+6281234500004', 'menu', $OLD, $OLD),
            ('africastalking', 'u-new', '+6281234500004', 'menu', $NEW, $NEW);
     INSERT INTO login_failures (key, at) VALUES ('login:x', $OLD), ('login:x', $NEW);" >/dev/null
EVENTS=$(sql "SELECT count(*) FROM events")

# 1. The dry run counts and changes nothing.
BEFORE=$(db_sha)
cli purge --dry-run -c "$ADUAN_CONF" -d "$ADUAN_DB"
expect_eq "purge --dry-run: exit status ($CLI_ERR)" 0 "$CLI_RC"
expect_match "purge --dry-run says it is one" "dry run: nothing is deleted" "$CLI_OUT"
expect_match "purge --dry-run: messages" \
	"messages +would delete 3: received before [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{5}" "$CLI_OUT"
expect_match "purge --dry-run: outbox" "outbox +would delete 3: delivered before 20" "$CLI_OUT"
expect_match "purge --dry-run: ussd_sessions" "ussd_sessions +would delete 1:" "$CLI_OUT"
expect_match "purge --dry-run: login_failures" "login_failures +would delete 1:" "$CLI_OUT"
expect_eq "purge --dry-run: the file is unchanged" "$BEFORE" "$(db_sha)"
[ ! -e "$ADUAN_DB-wal" ] || [ "$(stat -c %s "$ADUAN_DB-wal")" = 0 ] ||
	fail "purge --dry-run left frames in $ADUAN_DB-wal"
ok "purge --dry-run: 3 messages, 3 outbox rows, 1 USSD session, 1 failed login would go; file unchanged"

# 2. The purge deletes exactly those.
cli purge -c "$ADUAN_CONF" -d "$ADUAN_DB"
expect_eq "purge: exit status ($CLI_ERR)" 0 "$CLI_RC"
expect_match "purge: messages" "messages +deleted 3: " "$CLI_OUT"
expect_match "purge: outbox" "outbox +deleted 3: " "$CLI_OUT"
expect_eq "after the purge: messages left" "complaint complaint" \
	"$(sql "SELECT group_concat(command, ' ') FROM (SELECT command FROM messages ORDER BY id)")"
expect_eq "after the purge: outbox left" "o-dead o-new o-pending o-ticket-sms" \
	"$(sql "SELECT group_concat(idem_key, ' ') FROM (SELECT idem_key FROM outbox ORDER BY idem_key)")"
expect_eq "after the purge: complaints" 2 "$(sql "SELECT count(*) FROM complaints")"
expect_eq "after the purge: events" "$EVENTS" "$(sql "SELECT count(*) FROM events")"
expect_eq "after the purge: USSD sessions" u-new "$(sql "SELECT id FROM ussd_sessions")"
expect_eq "after the purge: failed logins" 1 "$(sql "SELECT count(*) FROM login_failures")"
cli purge -c "$ADUAN_CONF" -d "$ADUAN_DB"
expect_match "purge again: nothing left to delete" "messages +deleted 0: " "$CLI_OUT"
ok "purge deleted the old STATUS/INFO messages, delivered rows, sessions; kept every ticket's thread"

# 3. The dedup window, whatever the setting.
conf_set "$ADUAN_CONF" retention messages_days 1
start_aduan_on "$ADUAN_PORT"
sms d1 081234500001 "STATUS $T1"
sms d2 081234500002 "STATUS $T2"
stop_checked "$ADUAN_PID" aduan
sql "UPDATE messages SET received_at = strftime('%s','now') - 2 * 86400,
     reply = 'BALASAN-TERSIMPAN d1' WHERE gw_id = 'd1';
     UPDATE messages SET received_at = strftime('%s','now') - 10 * 86400 WHERE gw_id IN ('d2', 'c1');" \
	>/dev/null
cli purge -c "$ADUAN_CONF" -d "$ADUAN_DB"
expect_eq "purge with messages_days = 1: exit status ($CLI_ERR)" 0 "$CLI_RC"
expect_match "purge with messages_days = 1: one STATUS went" "messages +deleted 1: " "$CLI_OUT"
expect_eq "the STATUS 2 days old is kept" 1 "$(sql "SELECT count(*) FROM messages WHERE gw_id = 'd1'")"
start_aduan_on "$ADUAN_PORT"
sms d1 081234500001 "STATUS $T1"
expect_match "the gateway's retry of the STATUS 2 days old gets the stored reply" \
	"BALASAN-TERSIMPAN d1" "$RESP_BODY"
sms c1 081234500001 "JALAN rusak depan pasar"
expect_eq "the retry of the complaint 10 days old: the same ticket" "$T1" "$(ticket_in "$RESP_BODY")"
expect_eq "the retry of the complaint: no new complaint" 2 "$(sql "SELECT count(*) FROM complaints")"
ok "messages_days = 1: a retry inside the 3-day dedup window gets its stored reply; a complaint's retry its ticket"

# 4. Beside a running service under a burst of SMS.
sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
     INSERT INTO messages (gateway, gw_id, sender, receiver, text, command, reply, received_at)
     SELECT 'kannel', 'bulk-' || i, '+6281200000000', '1708', 'INFO', 'help', 'x',
            strftime('%s','now') - 400 * 86400 FROM n;" >/dev/null
ACKED=$IT_TMP/acked.txt
BAD=$IT_TMP/bad.txt
STOP=$IT_TMP/burst.stop
TIMES=$IT_TMP/times.txt
: >"$ACKED"
: >"$BAD"
: >"$TIMES"
(
	trap - EXIT
	i=0
	while [ ! -e "$STOP" ] && [ "$i" -lt 3000 ]; do
		i=$((i + 1))
		read -r code secs < <(curl -s -m 10 -o "$IT_TMP/burst.body" -w '%{http_code} %{time_total}' \
			"$ADUAN_URL/kannel/sms?secret=$ADUAN_SECRET&from=0813$(printf %07d "$i")&to=1708&text=JALAN+rusak+$i&coding=0&charset=UTF-8&id=pb-$i")
		t=$(ticket_in "$(cat "$IT_TMP/burst.body")")
		if [ "$code" = 200 ] && [ -n "$t" ]; then
			echo "$t" >>"$ACKED"
			echo "$secs" >>"$TIMES"
		else
			echo "pb-$i: HTTP $code $(head -c 200 "$IT_TMP/burst.body")" >>"$BAD"
		fi
	done
) &
BURST=$!
track "$BURST" burst
acked_10() { [ "$(wc -l <"$ACKED")" -ge 10 ]; }
wait_for 10 "10 SMS of the burst acknowledged" acked_10
N0=$(wc -l <"$ACKED")
T0=$(ms_now)
cli purge -c "$ADUAN_CONF" -d "$ADUAN_DB"
T1MS=$(ms_now)
N1=$(wc -l <"$ACKED")
touch "$STOP"
wait_exit "$BURST" 15 BURST_ST
expect_eq "purge beside the service: exit status ($CLI_ERR)" 0 "$CLI_RC"
expect_match "purge beside the service: every old row" "messages +deleted 20000: " "$CLI_OUT"
expect_eq "SMS not answered 200 with a ticket during the purge" "" "$(cat "$BAD")"
[ $((N1 - N0)) -ge 5 ] || fail "only $((N1 - N0)) SMS answered during the $((T1MS - T0)) ms purge"
NACK=$(wc -l <"$ACKED")
STORED=$(sql "SELECT count(*) FROM complaints WHERE ticket IN ($(sed "s/.*/'&'/" "$ACKED" | paste -sd,))")
expect_eq "acknowledged tickets stored" "$NACK" "$STORED"
expect_eq "bulk rows left" 0 "$(sql "SELECT count(*) FROM messages WHERE gw_id LIKE 'bulk-%'")"
expect_eq "burst complaint messages kept" "$NACK" \
	"$(sql "SELECT count(*) FROM messages WHERE gw_id LIKE 'pb-%' AND complaint_id IS NOT NULL")"
# The SMS answered while the purge ran: their slowest answer (the service's
# writer waits at most store.busy_timeout_ms for a batch; a batch takes a few ms).
SLOWEST=$(sed -n "$((N0 + 1)),${N1}p" "$TIMES" | sort -g | tail -n 1)
BEFORE_SLOWEST=$(head -n "$N0" "$TIMES" | sort -g | tail -n 1)
awk -v s="$SLOWEST" 'BEGIN { exit !(s < 1.0) }' ||
	fail "an SMS took $SLOWEST s to answer during the purge (before it: at most $BEFORE_SLOWEST s)"
ok "purge of 20000 rows took $((T1MS - T0)) ms beside the service; $((N1 - N0)) SMS answered meanwhile (slowest $SLOWEST s; before the purge $BEFORE_SLOWEST s), all $NACK acknowledged tickets stored"

stop_checked "$ADUAN_PID" aduan
check_log_errors "$ADUAN_LOG" "aduan log"
exit 0
