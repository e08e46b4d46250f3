#!/bin/bash
# it_outbound: a status update travels to the citizen's phone through the
# real Kannel.
#
#   fakesmsc (phone) -> bearerbox -> smsbox -> aduan serve      (the complaint)
#   tool_http (agency) -> /api/v1/tickets/N/events -> outbox
#   outbox worker -> smsbox sendsms -> bearerbox -> fakesmsc    (the status SMS)
#   bearerbox/smsbox delivery report -> /kannel/dlr             (dlr_state)
#
# Kannel runs on the smsbox, sendsms-user and sms-service groups of
# doc/kannel.conf (ports and paths substituted by test/lib.sh), Aduan on
# conf/aduan.conf with sms_sender's port pointed at smsbox's sendsms port
# and server.port set to the test's port (public_url defaults to it, and
# the dlr-url Kannel calls back is built from it).  The username and
# password are the two files' own: they must match.
#
# Scenarios:
#   (a) a complaint through fakesmsc gets a ticket
#   (b) the agency posts in_progress with a note: the SMS arrives on the
#       reporter's phone in fakesmsc, with the status text and the note
#   (c) Kannel's delivery report reaches /kannel/dlr: dlr_state
#   (d) a note with an emoji arrives as UCS-2, decoded exactly; a late
#       "accepted by the SMSC" report does not undo "delivered"
# and at the end: no unexpected ERROR in the logs of bearerbox, smsbox,
# fakesmsc and aduan; aduan stops cleanly (sanitizer builds: no report).
# A wrong dlr_state is recorded and the test goes on; the run fails at the
# end with every such failure.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init outbound

EXAMPLE_CONF=$ADUAN_CONF
DPUPR_TOKEN=demo-token-dpupr-ganti
PHONE=081234567890
PHONE_E164=+6281234567890
JSON_CT_RE='^application/json'

# ---------------------------------------------------------------------------
# Configs: Kannel's from doc/kannel.conf, Aduan's from conf/aduan.conf.
# ---------------------------------------------------------------------------
free_port PORT
ADUAN_SECRET=$(conf_kannel_secret "$EXAMPLE_CONF")
[ -n "$ADUAN_SECRET" ] || fail "no kannel secret in $EXAMPLE_CONF"
kannel_write_conf "127.0.0.1:$PORT"

CONF=$IT_TMP/aduan.conf
cp "$EXAMPLE_CONF" "$CONF"
SENDER_URL=$(conf_get "$CONF" sms_sender url)
case "$SENDER_URL" in
http://*/cgi-bin/sendsms) ;;
*) fail "$EXAMPLE_CONF: sms_sender url is not Kannel's http://HOST:PORT/cgi-bin/sendsms: $SENDER_URL" ;;
esac
expect_eq "$EXAMPLE_CONF: sms_sender type" kannel "$(conf_get "$CONF" sms_sender type)"
conf_set "$CONF" sms_sender url "\"$(printf '%s' "$SENDER_URL" | sed "s#^http://[^/]*/#http://127.0.0.1:$KANNEL_SENDSMS_PORT/#")\""
conf_set "$CONF" server port "$PORT"
conf_set "$CONF" delivery backoff_initial 1
conf_set "$CONF" delivery backoff_max 2
conf_set "$CONF" delivery max_attempts 3
conf_set "$CONF" delivery timeout 2
expect_eq "sendsms username: aduan.conf = doc/kannel.conf" \
	"$(doc_conf_value sendsms-user username)" "$(conf_get "$CONF" sms_sender username)"
expect_eq "sendsms password: aduan.conf = doc/kannel.conf" \
	"$(doc_conf_value sendsms-user password)" "$(conf_get "$CONF" sms_sender password)"
OUT=$("$ADUAN_BIN" check --demo -c "$CONF" 2>&1) || fail "aduan check on the test config: $OUT"
ADUAN_CONF=$CONF
FROM=$(conf_get "$CONF" sms_sender from)

start_aduan_on "$PORT"
kannel_start
ok "Kannel up (doc/kannel.conf, sendsms on $KANNEL_SENDSMS_PORT), aduan on $PORT (conf/aduan.conf, sms_sender -> sendsms)"

# api_post PATH JSON: the agency's POST.
api_post() {
	http_must "POST $1" -H "Authorization: Bearer $DPUPR_TOKEN" \
		-H 'Content-Type: application/json' -d "$2" "$ADUAN_URL$1"
}

# got_lines PHONE: fakesmsc's "Got message" lines for PHONE.
got_lines() {
	grep -a 'Got message [0-9]*: <' "$KANNEL_FS_LOG" | awk -v p="$1" '{
		line = $0; sub(/.*Got message [0-9]*: </, "", line)
		split(line, f, " ")
		if (f[2] == p) print line }'
}

sql_is() { [ "$(sql "$1")" = "$2" ]; }
has_dlr() { [ -n "$(sql "SELECT dlr_state FROM outbox WHERE id = $1")" ]; }
# dlr_seq ID: the states of the reports Aduan logged for outbox ID, in order.
dlr_seq() {
	grep -ao "dlr kannel id=$1 state=[a-z]*" "$ADUAN_LOG" | sed 's/.*state=//' | tr '\n' ' ' | sed 's/ $//'
}
dlr_count_ge() { [ "$(grep -ac "dlr kannel id=$1 state=" "$ADUAN_LOG")" -ge "$2" ]; }

# ---------------------------------------------------------------------------
# (a) The complaint through Kannel.
# ---------------------------------------------------------------------------
kannel_send_text "$PHONE" "JALAN Jl. Pemuda depan SMP 3 berlubang dalam"
kannel_wait_reply "$PHONE" 1 15
TICKET=$(ticket_in "$REPLY")
[ -n "$TICKET" ] || fail "(a) no ticket in the reply: $REPLY"
expect_eq "(a) ticket $TICKET stored for" "$PHONE_E164" "$(sql "SELECT phone FROM complaints WHERE ticket = '$TICKET'")"
expect_eq "(a) its agency" dpupr "$(sql "SELECT agency FROM complaints WHERE ticket = '$TICKET'")"
ok "(a) complaint through fakesmsc -> $REPLY"

# ---------------------------------------------------------------------------
# (b) in_progress with a note -> SMS on the phone.
# ---------------------------------------------------------------------------
NOTE="Petugas DPUPR menuju lokasi besok pagi"
T0=$(ms_now)
api_post "/api/v1/tickets/$TICKET/events" "{\"status\":\"in_progress\",\"note\":\"$NOTE\"}"
expect_eq "(b) POST in_progress: status" 200 "$RESP_STATUS"
expect_match "(b) POST in_progress: content type" "$JSON_CT_RE" "$RESP_CTYPE"
OB=$(sql "SELECT max(id) FROM outbox WHERE kind = 'sms' AND recipient = '$PHONE_E164'")
[ -n "$OB" ] || fail "(b) no SMS queued for $PHONE_E164"
kannel_wait_reply "$PHONE_E164" 1 15
MS=$(($(ms_now) - T0))
SMS1=$REPLY
expect_match "(b) the phone shows the ticket" "$TICKET" "$SMS1"
expect_match "(b) the phone shows the status in Bahasa Indonesia" 'sedang ditangani' "$SMS1"
expect_match "(b) the phone shows the note" "$NOTE" "$SMS1"
expect_eq "(b) the phone shows exactly the queued text" "$(sql "SELECT body FROM outbox WHERE id = $OB")" "$SMS1"
LINE=$(got_lines "$PHONE_E164" | head -n 1)
expect_eq "(b) sender shown on the phone (sms_sender.from)" "$FROM" "${LINE%% *}"
wait_for 5 "(b) outbox row $OB sent" sql_is "SELECT state FROM outbox WHERE id = $OB" sent
expect_eq "(b) provider_id (the outbox id, carried in Kannel's dlr-url)" "$OB" \
	"$(sql "SELECT provider_id FROM outbox WHERE id = $OB")"
ok "(b) in_progress -> on the phone in ${MS} ms: \"$SMS1\""

# ---------------------------------------------------------------------------
# (c) Kannel's delivery report.
# ---------------------------------------------------------------------------
# Does Kannel's fake SMSC report at all?  Wait up to 6 s for a first report.
DLR_SEEN=0
for ((i = 0; i < 60; i++)); do
	has_dlr "$OB" && { DLR_SEEN=1; break; }
	nap 0.1
done
if [ "$DLR_SEEN" = 1 ]; then
	# Kannel reports 8 (accepted by the SMSC) and, from fakesmsc's fake
	# SMSC, 1 (delivered), in either order: the final state must stay.
	wait_for 5 "(c) both delivery reports (type 8 and 1) for outbox $OB" dlr_count_ge "$OB" 2
	nap 0.3
	expect_eq_later "(c) dlr_state of outbox $OB after Kannel's reports in the order: $(dlr_seq "$OB")" delivered \
		"$(sql "SELECT dlr_state FROM outbox WHERE id = $OB")"
	# smsbox called the dlr-url Aduan gave it: public_url (http://listen:port
	# by default), the kannel secret, the outbox id and Kannel's %d.
	DLR_URL=$(grep -ao "Parsing URL \`[^']*/kannel/dlr?[^']*id=$OB&type=[0-9]*'" "$KANNEL_SMSBOX_LOG" | head -n 1)
	expect_match "(c) smsbox fetched the dlr-url" \
		"\`http://127\.0\.0\.1:$PORT/kannel/dlr\?secret=$ADUAN_SECRET&id=$OB&type=(1|8)'" "$DLR_URL"
	DLR_HOW="from Kannel itself: $(dlr_seq "$OB"), ${DLR_URL#Parsing URL }"
else
	# No report from the fake SMSC: call the dlr-url as smsbox would, with
	# %d = 1 (delivered to the phone).
	URL=$(grep -ao 'dlr-url=[^& ]*' "$IT_TMP/smsbox-access.log" "$KANNEL_SMSBOX_LOG" 2>/dev/null | head -n 1)
	[ -n "$URL" ] || URL="$ADUAN_URL/kannel/dlr?secret=$(urlencode "$ADUAN_SECRET")&id=$OB&type=%d"
	http_must "(c) /kannel/dlr" "$ADUAN_URL/kannel/dlr?secret=$(urlencode "$ADUAN_SECRET")&id=$OB&type=1"
	expect_eq "(c) /kannel/dlr type=1: status" 200 "$RESP_STATUS"
	expect_eq "(c) dlr_state after type=1" delivered "$(sql "SELECT dlr_state FROM outbox WHERE id = $OB")"
	DLR_HOW="by hand (Kannel sent none within 6 s; dlr-url seen: ${URL:-none})"
fi
DLR_NOW=$(sql "SELECT dlr_state FROM outbox WHERE id = $OB")
http_must "(c) /kannel/dlr wrong secret" "$ADUAN_URL/kannel/dlr?secret=salah-rahasia-123&id=$OB&type=2"
expect_eq "(c) /kannel/dlr with a wrong secret: status" 403 "$RESP_STATUS"
expect_eq "(c) ... dlr_state unchanged" "$DLR_NOW" "$(sql "SELECT dlr_state FROM outbox WHERE id = $OB")"
ok "(c) delivery reports -> dlr_state $DLR_NOW, $DLR_HOW"

# ---------------------------------------------------------------------------
# (d) A note with an emoji: UCS-2 on the phone.
# ---------------------------------------------------------------------------
NOTE2="Sudah diaspal ulang ✅ terima kasih 🙏"
api_post "/api/v1/tickets/$TICKET/events" "{\"status\":\"resolved\",\"note\":\"$NOTE2\"}"
expect_eq "(d) POST resolved with an emoji note: status" 200 "$RESP_STATUS"
OB2=$(sql "SELECT max(id) FROM outbox WHERE kind = 'sms' AND recipient = '$PHONE_E164'")
expect_ne "(d) a second SMS queued" "$OB" "$OB2"
kannel_wait_reply "$PHONE_E164" 2 15
SMS2=$REPLY
expect_match "(d) the phone shows the status" 'selesai ditangani' "$SMS2"
expect_eq "(d) the phone shows exactly the queued text (hex)" \
	"$(sql "SELECT hex(body) FROM outbox WHERE id = $OB2")" "$(hex_of "$SMS2")"
expect_match "(d) the emoji arrived" '🙏' "$SMS2"
TYPE=$(got_lines "$PHONE_E164" | tail -n 1 | cut -d' ' -f3)
case "$TYPE" in
ucs-2) ;;
udh) got_lines "$PHONE_E164" | tail -n 1 | grep -q '%00' ||
	fail "(d) concatenated parts without UTF-16 NUL bytes: not UCS-2" ;;
*) expect_eq "(d) fakesmsc message type" ucs-2 "$TYPE" ;;
esac
wait_for 10 "(d) both delivery reports (type 8 and 1) for outbox $OB2" dlr_count_ge "$OB2" 2
nap 0.3
expect_eq_later "(d) dlr_state of outbox $OB2 after Kannel's reports in the order: $(dlr_seq "$OB2")" \
	delivered "$(sql "SELECT dlr_state FROM outbox WHERE id = $OB2")"
ok "(d) emoji note -> $TYPE on the phone: \"$SMS2\"; reports: $(dlr_seq "$OB2")"

# The same by hand, in a fixed order: "delivered" (1), then a late
# "accepted by the SMSC" (8), as smsbox may deliver them.
for type in 1 8; do
	http_must "(d) /kannel/dlr type=$type" "$ADUAN_URL/kannel/dlr?secret=$(urlencode "$ADUAN_SECRET")&id=$OB&type=$type"
	expect_eq "(d) /kannel/dlr id=$OB type=$type: status" 200 "$RESP_STATUS"
done
expect_eq_later "(d) dlr_state of outbox $OB after GET /kannel/dlr type=1 then type=8" delivered \
	"$(sql "SELECT dlr_state FROM outbox WHERE id = $OB")"

# ---------------------------------------------------------------------------
# Totals and logs.
# ---------------------------------------------------------------------------
nap 1
expect_eq "status SMS on the phone (in_progress, resolved)" 2 "$(kannel_reply_count "$PHONE_E164")"
expect_eq "replies to the complaint's phone" 1 "$(kannel_reply_count "$PHONE")"
expect_eq "dead outbox rows" 0 "$(sql "SELECT count(*) FROM outbox WHERE state = 'dead'")"
check_log_errors "$KANNEL_BEARERBOX_LOG" bearerbox
check_log_errors "$KANNEL_SMSBOX_LOG" smsbox
check_log_errors "$KANNEL_FS_LOG" fakesmsc
check_log_errors "$ADUAN_LOG" aduan
stop_checked "$ADUAN_PID" "aduan serve"
check_sanitizer_log "$ADUAN_LOG" aduan
check_log_errors "$ADUAN_LOG" "aduan (after SIGTERM)"
expect_no_match "no full phone number in the aduan log" '81234567890' "$(cat "$ADUAN_LOG")"
ok "no unexpected ERROR in the bearerbox, smsbox, fakesmsc and aduan logs; aduan stopped cleanly"
deferred_failures
exit 0
