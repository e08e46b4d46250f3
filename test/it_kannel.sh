#!/bin/bash
# it_kannel: the real Kannel in front of Aduan.
#
#   fakesmsc (the phones) -> bearerbox -> smsbox -> tool_flakyproxy -> aduan serve
#
# smsbox runs with the smsbox / sms-service groups of doc/kannel.conf (ports,
# paths, log levels, the secret and the retry timing substituted), so the
# example configuration we ship is the one under test.  The proxy loses the
# response to the FIRST callback after Aduan has answered it, as a network
# would: smsbox must retry the same message id, and Aduan must answer it
# with the same ticket instead of a second one.  That scenario (f) is
# therefore the first message sent; the others pass the proxy untouched.
#
# Scenarios:
#   (f) a retried callback: one message row, one complaint, one reply
#   (a) a complaint gets an 8-digit ticket; stored with phone +62...
#   (b) STATUS <ticket> from the same phone: the status
#   (c) STATUS <ticket> from another phone: exactly the reply for a ticket
#       that was never issued
#   (d) a UCS-2 complaint (dash, emoji, accents) stored byte for byte
#   (e) a 400-character complaint stored whole
# and at the end: reply counts per phone, row counts, no unexpected ERROR
# line in the logs of bearerbox, smsbox, fakesmsc and aduan.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init kannel

PHONE_A=081234567890    # (a), (b)
PHONE_B=081298765432    # (c): another phone
PHONE_D=085712345678    # (d)
PHONE_E=081311112222    # (e)
PHONE_F=087812345678    # (f)

e164() { printf '+62%s' "${1#0}"; }

# Replies whose status part we accept for (b); any of Aduan's status names.
STATUS_WORDS='diterima|diteruskan|disposisi|diproses|ditindaklanjuti|selesai|ditutup|ditunda|ditolak|dibatalkan|received|routed|in progress|resolved|closed|deferred|rejected|withdrawn'

start_aduan
free_port PROXY_PORT
"$TOOL_FLAKYPROXY" "$PROXY_PORT" "$ADUAN_PORT" 1 </dev/null 2>"$IT_TMP/proxy.log" &
track "$!" tool_flakyproxy
add_log "$IT_TMP/proxy.log"
wait_port "$PROXY_PORT" 5 "$!" tool_flakyproxy

kannel_write_conf "127.0.0.1:$PROXY_PORT"
kannel_start
ok "Kannel up: bearerbox, smsbox, fakesmsc (config from $KANNEL_DOC_CONF)"

# ---------------------------------------------------------------------------
# (f) The first callback's response is lost: smsbox retries the same id.
# ---------------------------------------------------------------------------
TEXT_F="SAMPAH numpuk di Jl. Veteran belum diangkut 3 hari"
kannel_send_text "$PHONE_F" "$TEXT_F"
# the retry comes http-queue-delay (1 s) after the failure
kannel_wait_reply "$PHONE_F" 1 20
REPLY_F=$REPLY
TICKET_F=$(ticket_in "$REPLY_F")
expect_match "(f) reply to the retried complaint has a ticket" '[0-9]{8}' "$REPLY_F"

rows=$(sql "SELECT gw_id FROM messages WHERE sender IN ('$PHONE_F', '$(e164 "$PHONE_F")')")
expect_eq "(f) message rows from $PHONE_F (one per Kannel id)" 1 "$(printf '%s\n' "$rows" | grep -c .)"
GWID_F=$rows
expect_match "(f) stored gateway id is Kannel's %I (a UUID)" \
	'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' "$GWID_F"
# smsbox did retry, with that very id (debug log: "HTTP: Retrying request <URL> (1/2)")
retried=$(grep -a 'Retrying request' "$KANNEL_SMSBOX_LOG" | grep -c -- "id=$GWID_F&")
expect_eq "(f) smsbox retries of id $GWID_F (the proxy lost the first answer)" 1 "$retried"
expect_eq "(f) messages rows with gw_id $GWID_F" 1 \
	"$(sql "SELECT count(*) FROM messages WHERE gw_id = '$GWID_F'")"
expect_eq "(f) complaints from $PHONE_F" 1 \
	"$(sql "SELECT count(*) FROM complaints WHERE phone = '$(e164 "$PHONE_F")'")"
expect_eq "(f) the ticket in the reply is the stored one" \
	"$(sql "SELECT ticket FROM complaints WHERE phone = '$(e164 "$PHONE_F")'")" "$TICKET_F"
ok "(f) retried callback: one message row, one complaint ($TICKET_F), reply with that ticket"

# ---------------------------------------------------------------------------
# (a) A complaint gets a ticket.
# ---------------------------------------------------------------------------
TEXT_A="JALAN Jl. Pemuda depan SMP 3 berlubang"
kannel_send_text "$PHONE_A" "$TEXT_A"
kannel_wait_reply "$PHONE_A" 1
REPLY_A=$REPLY
expect_match "(a) reply to a complaint has an 8-digit ticket" '[0-9]{8}' "$REPLY_A"
TICKET_A=$(ticket_in "$REPLY_A")
expect_eq "(a) phone of ticket $TICKET_A (E.164)" "$(e164 "$PHONE_A")" \
	"$(sql "SELECT phone FROM complaints WHERE ticket = '$TICKET_A'")"
expect_eq "(a) stored text of the message" "$TEXT_A" \
	"$(sql "SELECT $MSG_TEXT FROM messages WHERE complaint_id = (SELECT id FROM complaints WHERE ticket = '$TICKET_A')")"
ok "(a) complaint -> ticket $TICKET_A, stored for $(e164 "$PHONE_A")"

# ---------------------------------------------------------------------------
# (b) STATUS from the reporter.
# ---------------------------------------------------------------------------
kannel_send_text "$PHONE_A" "STATUS $TICKET_A"
kannel_wait_reply "$PHONE_A" 2
REPLY_B=$REPLY
expect_match "(b) STATUS reply names the ticket" "$TICKET_A" "$REPLY_B"
expect_match_i "(b) STATUS reply gives a status" "$STATUS_WORDS" "$REPLY_B"
ok "(b) STATUS $TICKET_A from the reporter: $REPLY_B"

# ---------------------------------------------------------------------------
# (c) STATUS from another phone = STATUS of a ticket that does not exist.
# ---------------------------------------------------------------------------
kannel_send_text "$PHONE_B" "STATUS $TICKET_A"
kannel_wait_reply "$PHONE_B" 1
REPLY_C1=$REPLY
valid_unissued_ticket NEVER
kannel_send_text "$PHONE_B" "STATUS $NEVER"
kannel_wait_reply "$PHONE_B" 2
REPLY_C2=$REPLY
# The reply may quote the number asked about; compare with it masked.
expect_eq "(c) STATUS of someone else's ticket vs of never-issued $NEVER (numbers masked)" \
	"${REPLY_C2//$NEVER/<ticket>}" "${REPLY_C1//$TICKET_A/<ticket>}"
expect_ne "(c) another phone does not get the reporter's status reply" "$REPLY_B" "$REPLY_C1"
ok "(c) STATUS from another phone = not found: $REPLY_C1"

# ---------------------------------------------------------------------------
# (d) UCS-2 complaint: stored byte for byte as UTF-8.
# ---------------------------------------------------------------------------
TEXT_D="SAMPAH menumpuk di depan pasar – bau sekali 😷 Ümit çay"
kannel_send_ucs2 "$PHONE_D" "$TEXT_D"
kannel_wait_reply "$PHONE_D" 1
expect_match "(d) reply to the UCS-2 complaint has a ticket" '[0-9]{8}' "$REPLY"
TICKET_D=$(ticket_in "$REPLY")
expect_eq "(d) stored message text, hex of the UTF-8 bytes" "$(hex_of "$TEXT_D")" \
	"$(sql "SELECT hex($MSG_TEXT) FROM messages WHERE sender IN ('$PHONE_D', '$(e164 "$PHONE_D")')")"
DESC_D=$(sql "SELECT hex(description) FROM complaints WHERE ticket = '$TICKET_D'")
case "$DESC_D" in
"$(hex_of "$TEXT_D")" | "$(hex_of "${TEXT_D#SAMPAH }")") ;;
*) expect_eq "(d) stored description, hex (the text after the keyword)" \
	"$(hex_of "${TEXT_D#SAMPAH }")" "$DESC_D" ;;
esac
ok "(d) UCS-2 complaint stored exactly, ticket $TICKET_D"

# ---------------------------------------------------------------------------
# (e) 400 characters: stored whole.
# ---------------------------------------------------------------------------
TEXT_E="JALAN Jl. Setiabudi km 4:"
while [ "${#TEXT_E}" -lt 400 ]; do
	TEXT_E+=" lubang besar $((${#TEXT_E} % 97)) di lajur kiri, air menggenang saat hujan;"
done
TEXT_E=${TEXT_E:0:399}.
expect_eq "(e) test text length" 400 "${#TEXT_E}"
kannel_send_text "$PHONE_E" "$TEXT_E"
kannel_wait_reply "$PHONE_E" 1
expect_match "(e) reply to the 400-character complaint has a ticket" '[0-9]{8}' "$REPLY"
TICKET_E=$(ticket_in "$REPLY")
expect_eq "(e) stored message text" "$TEXT_E" \
	"$(sql "SELECT $MSG_TEXT FROM messages WHERE sender IN ('$PHONE_E', '$(e164 "$PHONE_E")')")"
DESC_E=$(sql "SELECT description FROM complaints WHERE ticket = '$TICKET_E'")
case "$DESC_E" in
"$TEXT_E" | "${TEXT_E#JALAN }") ;;
*) expect_eq "(e) stored description (the text after the keyword)" "${TEXT_E#JALAN }" "$DESC_E" ;;
esac
ok "(e) 400-character complaint stored whole (description ${#DESC_E} chars), ticket $TICKET_E"

# ---------------------------------------------------------------------------
# Totals: every phone got exactly its replies, no second ticket anywhere.
# ---------------------------------------------------------------------------
nap 1      # a late duplicate reply (a second retry) would show up by now
expect_eq "replies to $PHONE_F (retried complaint)" 1 "$(kannel_reply_count "$PHONE_F")"
expect_eq "replies to $PHONE_A (complaint, STATUS)" 2 "$(kannel_reply_count "$PHONE_A")"
expect_eq "replies to $PHONE_B (two STATUS)" 2 "$(kannel_reply_count "$PHONE_B")"
expect_eq "replies to $PHONE_D (UCS-2 complaint)" 1 "$(kannel_reply_count "$PHONE_D")"
expect_eq "replies to $PHONE_E (long complaint)" 1 "$(kannel_reply_count "$PHONE_E")"
expect_eq "complaints stored (f, a, d, e)" 4 "$(sql "SELECT count(*) FROM complaints")"
expect_eq "messages stored (f, a, b, c x2, d, e), one per Kannel id" 7 \
	"$(sql "SELECT count(*) FROM messages")"
expect_eq "distinct gateway ids" 7 "$(sql "SELECT count(DISTINCT gw_id) FROM messages")"
ok "reply counts per phone; 4 complaints, 7 messages"

# Logs, before anything is stopped (Kannel logs ERROR lines on shutdown).
check_log_errors "$KANNEL_BEARERBOX_LOG" bearerbox
check_log_errors "$KANNEL_SMSBOX_LOG" smsbox \
	"ERROR: Couldn't fetch <http://127\.0\.0\.1:$PROXY_PORT/kannel/sms\?.*[?&]id=$GWID_F&"
check_log_errors "$KANNEL_FS_LOG" fakesmsc
check_log_errors "$ADUAN_LOG" aduan
[ -s "$IT_TMP/proxy.log" ] && fail "tool_flakyproxy reported: $(cat "$IT_TMP/proxy.log")"
ok "no unexpected ERROR in the bearerbox, smsbox, fakesmsc and aduan logs"
exit 0
