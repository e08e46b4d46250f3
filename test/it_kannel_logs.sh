#!/bin/bash
# it_kannel_logs: the log settings doc/kannel.conf recommends keep citizens'
# numbers, their texts and Aduan's secret out of every Kannel log.
#
#   fakesmsc -> bearerbox -> smsbox -> aduan serve, with the log-level,
#   access-log and access-log-format of doc/kannel.conf's core and smsbox
#   groups (the other tests run Kannel at level 0 with access logs, to
#   debug; here the shipped values are put back);
#   two complaints go through and get their receipts;
#   no Kannel log (bearerbox, smsbox, their access logs) holds a sender's
#   number in any form, a word of a text or of a reply, or the secret;
#   bearerbox's access log still records each message (Receive / Sent SMS,
#   with its length and Kannel's id), so the traffic stays accountable.
#
# KANNEL_DOC_CONF=FILE checks another Kannel config the same way.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init kannel_logs

PHONE_A=081299887766
PHONE_B=085611223344
TEXT_A="JALAN Jl. Rahasiaku nomor 77 berlubang"
TEXT_B="SAMPAH menumpuk di Gang Kenanga belakang pasar"

start_aduan
kannel_write_conf "127.0.0.1:$ADUAN_PORT"

# The shipped log settings instead of the test's debug ones.
CORE_LEVEL=$(doc_conf_value core log-level)
CORE_FORMAT=$(doc_conf_value core access-log-format)
CORE_ACCESS=$(doc_conf_value core access-log)
SMSBOX_LEVEL=$(doc_conf_value smsbox log-level)
SMSBOX_ACCESS=$(doc_conf_value smsbox access-log)
[ -n "$CORE_LEVEL" ] || fail "$KANNEL_DOC_CONF: no log-level in the core group"
[ -n "$SMSBOX_LEVEL" ] || fail "$KANNEL_DOC_CONF: no log-level in the smsbox group"
awk -v core_level="$CORE_LEVEL" -v core_format="$CORE_FORMAT" -v core_access="$CORE_ACCESS" \
	-v smsbox_level="$SMSBOX_LEVEL" -v smsbox_access="$SMSBOX_ACCESS" '
	/^group[ \t]*=/ { g = $0; sub(/^group[ \t]*=[ \t]*/, "", g) }
	g == "core" && /^log-level[ \t]*=/ { print "log-level = " core_level; next }
	g == "core" && /^access-log[ \t]*=/ {
		if (core_access == "") next
		print
		if (core_format != "") print "access-log-format = \"" core_format "\""
		next
	}
	g == "smsbox" && /^log-level[ \t]*=/ { print "log-level = " smsbox_level; next }
	g == "smsbox" && /^access-log[ \t]*=/ { if (smsbox_access != "") print; next }
	{ print }' "$KANNEL_CONF" >"$KANNEL_CONF.new" && mv "$KANNEL_CONF.new" "$KANNEL_CONF"
ok "Kannel with $KANNEL_DOC_CONF's logging: core log-level $CORE_LEVEL, access-log-format \"$CORE_FORMAT\"; smsbox log-level $SMSBOX_LEVEL, access-log \"${SMSBOX_ACCESS:-none}\""

kannel_start
kannel_send_text "$PHONE_A" "$TEXT_A"
kannel_wait_reply "$PHONE_A" 1
TICKET_A=$(ticket_in "$REPLY")
[ -n "$TICKET_A" ] || fail "no ticket in the reply to $PHONE_A: $REPLY"
kannel_send_text "$PHONE_B" "$TEXT_B"
kannel_wait_reply "$PHONE_B" 1
TICKET_B=$(ticket_in "$REPLY")
[ -n "$TICKET_B" ] || fail "no ticket in the reply to $PHONE_B: $REPLY"
ok "two complaints through Kannel: tickets $TICKET_A and $TICKET_B"

# The access log is written as messages pass: wait for both receipts.
ACCESS=$IT_TMP/bearerbox-access.log
sent_logged() { [ "$(grep -c 'Sent SMS' "$ACCESS" 2>/dev/null)" -ge 2 ]; }
[ -z "$CORE_ACCESS" ] || wait_for 10 "bearerbox's access log: both receipts recorded" sent_logged

# Whatever the logs hold, none of this: the numbers in any form (the last
# 8 digits), words of the texts and of the receipts, the secret.
leaks=0
for f in "$KANNEL_BEARERBOX_LOG" "$KANNEL_SMSBOX_LOG" "$IT_TMP"/*access*.log; do
	[ -f "$f" ] || continue
	for needle in "${PHONE_A: -8}" "${PHONE_B: -8}" Rahasiaku Kenanga "$TICKET_A" "$TICKET_B" \
		"$ADUAN_SECRET"; do
		if grep -qF -- "$needle" "$f"; then
			printf 'FAIL: %s holds "%s":\n%s\n' "$(basename "$f")" "$needle" \
				"$(grep -F -- "$needle" "$f" | head -n 3 | cut -c1-240)" >&2
			leaks=$((leaks + 1))
		fi
	done
done
[ "$leaks" = 0 ] || fail "$leaks numbers, texts or secrets in Kannel's logs with $KANNEL_DOC_CONF's settings"
ok "no number, text, ticket or secret in $(ls "$KANNEL_BEARERBOX_LOG" "$KANNEL_SMSBOX_LOG" "$IT_TMP"/*access*.log 2>/dev/null | xargs -n1 basename | tr '\n' ' ')"

if [ -n "$CORE_ACCESS" ]; then
	expect_eq "bearerbox's access log: a line per message received" 2 "$(grep -c 'Receive SMS' "$ACCESS")"
	expect_match "bearerbox's access log: the length of each text" '\[len:38\]' "$(cat "$ACCESS")"
	ok "bearerbox's access log records the traffic: $(grep -c 'SMS' "$ACCESS") lines"
fi

check_log_errors "$ADUAN_LOG" "aduan"
exit 0
