#!/bin/bash
# it_vonage: Vonage's inbound-SMS webhook against aduan serve.
#
# Vonage wants a 200 at once and retries anything else for a day; the reply
# leaves through the outbox and the sms_sender, here tool_atapi (a stand-in
# of Africa's Talking's messaging API that logs what it gets).  A long
# message comes as one callback per part (concat-ref/-total/-part), in any
# order; Aduan joins them, or handles what came after sms.parts_timeout.
#
# The config is conf/aduan.conf with `vonage = { secret = ...; };` added
# to gateways, `parts_timeout = 5;` to sms, delivery back-off 1..2 s and
# sms_sender switched to type "africastalking" at tool_atapi.
#
# Scenarios:
#   (a) one message in Vonage's exact GET shape -> 200 quickly, a complaint,
#       the reply with the ticket queued to the sender and delivered; the
#       same messageId again -> nothing new; the same as a POST form
#   (b) 3 parts sent 3, 1, 2 -> one complaint, the parts joined in order,
#       one reply; part 2 delivered again afterwards -> nothing new
#   (c) part 1 of 2, part 2 never comes -> after parts_timeout a complaint
#       ending in "[...]", one reply
#   (d) bad secret -> 403, binary -> 400, missing msisdn -> 400, bad
#       timestamp -> 400: nothing stored
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

TOOL_ATAPI=$ADUAN_TOOLS/tool_atapi

it_init vonage
[ -x "$TOOL_ATAPI" ] || fail "missing executable: $TOOL_ATAPI (run make first)"

VONAGE_SECRET=it-vonage-secret-$RANDOM$RANDOM
PARTS_TIMEOUT=5
PHONE_A=6281234567890           # as Vonage writes it: E.164 without '+'
PHONE_B=6281298765432
PHONE_C=6285711112222
VNUM=6281100001708              # our Vonage virtual number

# ---------------------------------------------------------------------------
# The config
# ---------------------------------------------------------------------------
free_port AT_PORT
free_port PORT
CONF=$IT_TMP/aduan.conf
cp "$ADUAN_CONF" "$CONF"
# add_to_group GROUP LINE: LINE as the first member of top-level GROUP.
add_to_group() {
	awk -v grp="$1" -v line="$2" '
		{ print }
		$0 ~ "^" grp "[ \t]*[=:][ \t]*[{]" { print line; n++ }
		END { exit n == 1 ? 0 : 3 }' "$CONF" >"$CONF.tmp" ||
		fail "add_to_group: not exactly one group '$1' in $CONF"
	mv -f "$CONF.tmp" "$CONF"
}
add_to_group gateways "  vonage = { secret = \"$VONAGE_SECRET\"; };"
conf_set "$CONF" sms parts_timeout "$PARTS_TIMEOUT"
conf_set "$CONF" delivery backoff_initial 1
conf_set "$CONF" delivery backoff_max 2
conf_set "$CONF" delivery timeout 2
conf_set "$CONF" sms_sender type '"africastalking"'
conf_set "$CONF" sms_sender url "\"http://127.0.0.1:$AT_PORT/version1/messaging\""
AT_USER=$(conf_get "$CONF" sms_sender username)
AT_KEY=$(conf_get "$CONF" sms_sender password)
[ -n "$AT_USER" ] && [ -n "$AT_KEY" ] || fail "sms_sender username/password missing in $CONF"
OUT=$("$ADUAN_BIN" check --demo -c "$CONF" 2>&1) || fail "aduan check on the test config: $OUT"
ADUAN_CONF=$CONF
ok "config from conf/aduan.conf with vonage and parts_timeout = $PARTS_TIMEOUT: $OUT"

AT_LOG=$IT_TMP/atapi.log
"$TOOL_ATAPI" "$AT_PORT" "$AT_USER" "$AT_KEY" "$AT_LOG" </dev/null 2>"$IT_TMP/atapi.err" &
track "$!" tool_atapi
add_log "$IT_TMP/atapi.err"
add_log "$AT_LOG"
wait_port "$AT_PORT" 5 "$!" tool_atapi
start_aduan_on "$PORT"
URL="$ADUAN_URL/vonage/sms?secret=$VONAGE_SECRET"
ok "aduan serve and tool_atapi up"

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

# venc STRING: URL-encoded the way Vonage writes its query: '+' for space.
venc() {
	local e
	e=$(urlencode "$1")
	printf '%s' "${e//%20/+}"
}

# vonage_query MSISDN MESSAGEID TEXT [EXTRA]: the parameters of Vonage's
# inbound-SMS webhook, in its order; EXTRA (&k=v...) goes before api-key.
vonage_query() {
	local kw=${3%% *}
	printf 'msisdn=%s&to=%s&messageId=%s&text=%s&type=text&keyword=%s&message-timestamp=%s%s&api-key=abcd1234' \
		"$1" "$VNUM" "$2" "$(venc "$3")" "$(venc "${kw^^}")" "$(venc "$TS")" "${4:-}"
}

# vonage_get MSISDN MESSAGEID TEXT [EXTRA] [URL]: one GET callback.
vonage_get() {
	http_must "Vonage GET $2" "${5:-$URL}&$(vonage_query "$1" "$2" "$3" "${4:-}")"
}

# vonage_part MSISDN MESSAGEID TEXT REF TOTAL PART
vonage_part() {
	vonage_get "$1" "$2" "$3" "&concat=true&concat-ref=$4&concat-total=$5&concat-part=$6"
	expect_eq "part $6/$5 of $4 ($2): status" 200 "$RESP_STATUS"
}

e164() { printf '+%s' "$1"; }

# at_has TO ERE: tool_atapi accepted an SMS to TO whose text matches ERE.
at_count() {
	awk -F'\t' -v to="$1" '$1 == 201 && $4 == to' "$AT_LOG" | wc -l
}
at_has() {
	awk -F'\t' -v to="$1" '$1 == 201 && $4 == to' "$AT_LOG" | cut -f6 | grep -Eq -- "$2"
}
sql_is() { [ "$(sql "$1")" = "$2" ]; }

# counts: row counts plus outbox and waiting parts.
counts() {
	echo "$(row_counts) outbox=$(sql "SELECT count(*) FROM outbox") parts=$(sql "SELECT count(*) FROM sms_parts WHERE joined_at = 0")"
}

TS="2026-11-28 08:51:03"
TS_UNIX=$(date -u -d "$TS" +%s)

# ---------------------------------------------------------------------------
# (a) One message, Vonage's exact GET shape.
# ---------------------------------------------------------------------------
TEXT_A="JALAN Jl. Pemuda depan SMP 3 berlubang"
T0=$(ms_now)
vonage_get "$PHONE_A" 1A00000012345678 "$TEXT_A"
MS=$(($(ms_now) - T0))
expect_eq "(a) status" 200 "$RESP_STATUS"
expect_le "(a) answered within 2000 ms (took $MS ms)" 2000 "$MS"
expect_match "(a) text/plain" '^text/plain' "$RESP_CTYPE"
expect_no_match "(a) no ticket in the HTTP answer (Vonage does not send it on)" '[0-9]{8}' "$RESP_BODY"
expect_eq "(a) complaints" 1 "$(sql "SELECT count(*) FROM complaints")"
TICKET_A=$(sql "SELECT ticket FROM complaints WHERE phone = '$(e164 "$PHONE_A")'")
expect_match "(a) a ticket for $(e164 "$PHONE_A")" '^[0-9]{8}$' "$TICKET_A"
expect_eq "(a) description" "$TEXT_A" \
	"$(sql "SELECT description FROM complaints WHERE ticket = '$TICKET_A'")"
expect_eq "(a) message stored with Vonage's id, text and time" \
	"vonage|$(e164 "$PHONE_A")|$VNUM|$TEXT_A|$TS_UNIX" \
	"$(sql "SELECT gateway, sender, receiver, $MSG_TEXT, received_at FROM messages WHERE gw_id = '1A00000012345678'")"
REPLY_A=$(sql "SELECT body FROM outbox WHERE kind = 'sms' AND recipient = '$(e164 "$PHONE_A")' AND idem_key = 'reply:vonage:1A00000012345678'")
expect_match "(a) the reply with the ticket queued to the sender" "$TICKET_A" "$REPLY_A"
wait_for 10 "(a) reply to $(e164 "$PHONE_A") with $TICKET_A at tool_atapi" at_has "$(e164 "$PHONE_A")" "$TICKET_A"
ok "(a) GET in Vonage's shape -> 200 in $MS ms, ticket $TICKET_A, reply delivered by the sender"

BEFORE=$(counts)
vonage_get "$PHONE_A" 1A00000012345678 "$TEXT_A"
expect_eq "(a) same messageId: status" 200 "$RESP_STATUS"
expect_eq "(a) same messageId: nothing new" "$BEFORE" "$(counts)"
nap 1.5
expect_eq "(a) same messageId: still one SMS at tool_atapi" 1 "$(at_count "$(e164 "$PHONE_A")")"
ok "(a) same messageId again -> 200, nothing new"

FORM=$(vonage_query "$PHONE_A" 1A00000012345679 "STATUS $TICKET_A")
http_must "(a) POST form" -H "Content-Type: application/x-www-form-urlencoded" -d "$FORM" "$URL"
expect_eq "(a) POST form: status" 200 "$RESP_STATUS"
expect_match "(a) POST form: the STATUS reply queued" "Tiket $TICKET_A" \
	"$(sql "SELECT body FROM outbox WHERE idem_key = 'reply:vonage:1A00000012345679'")"
ok "(a) POST form -> STATUS reply queued"

# ---------------------------------------------------------------------------
# (b) Three parts, sent 3, 1, 2.
# ---------------------------------------------------------------------------
P1="SAMPAH menumpuk di depan pasar Bandungan "
P2="sejak seminggu, baunya sampai ke "
P3="rumah warga dan sekolah"
REF_B=57
BEFORE=$(row_counts)
OUTBOX_BEFORE=$(sql "SELECT count(*) FROM outbox")
vonage_part "$PHONE_B" 1B00000000000003 "$P3" $REF_B 3 3
vonage_part "$PHONE_B" 1B00000000000001 "$P1" $REF_B 3 1
expect_eq "(b) after parts 3 and 1: nothing handled yet" "$BEFORE" "$(row_counts)"
expect_eq "(b) after parts 3 and 1: no reply queued" "$OUTBOX_BEFORE" "$(sql "SELECT count(*) FROM outbox")"
expect_eq "(b) after parts 3 and 1: two parts waiting" 2 "$(sql "SELECT count(*) FROM sms_parts WHERE joined_at = 0")"
vonage_part "$PHONE_B" 1B00000000000002 "$P2" $REF_B 3 2
expect_eq "(b) one complaint for $(e164 "$PHONE_B")" 1 \
	"$(sql "SELECT count(*) FROM complaints WHERE phone = '$(e164 "$PHONE_B")'")"
expect_eq "(b) the description is the parts joined in order" "$P1$P2$P3" \
	"$(sql "SELECT description FROM complaints WHERE phone = '$(e164 "$PHONE_B")'")"
TICKET_B=$(sql "SELECT ticket FROM complaints WHERE phone = '$(e164 "$PHONE_B")'")
expect_eq "(b) one reply queued to the sender" 1 \
	"$(sql "SELECT count(*) FROM outbox WHERE kind = 'sms' AND recipient = '$(e164 "$PHONE_B")'")"
expect_match "(b) the reply has the ticket" "$TICKET_B" \
	"$(sql "SELECT body FROM outbox WHERE kind = 'sms' AND recipient = '$(e164 "$PHONE_B")'")"
expect_eq "(b) no parts left waiting" 0 "$(sql "SELECT count(*) FROM sms_parts WHERE joined_at = 0")"
wait_for 10 "(b) reply to $(e164 "$PHONE_B") at tool_atapi" at_has "$(e164 "$PHONE_B")" "$TICKET_B"
ok "(b) parts 3, 1, 2 -> one complaint ($TICKET_B), joined in order, one reply"

# Vonage delivers part 2 again (our 200 was lost): kept for a while, then
# found to be handled already (checked with (c) below).
BEFORE=$(row_counts)
OUTBOX_BEFORE=$(sql "SELECT count(*) FROM outbox")
vonage_part "$PHONE_B" 1B00000000000002 "$P2" $REF_B 3 2
expect_eq "(b) part 2 again: nothing handled" "$BEFORE" "$(row_counts)"
expect_eq "(b) part 2 again: no reply queued" "$OUTBOX_BEFORE" "$(sql "SELECT count(*) FROM outbox")"

# ---------------------------------------------------------------------------
# (c) Part 1 of 2; part 2 never comes.
# ---------------------------------------------------------------------------
PC="LAMPU jalan mati di Jl. Diponegoro depan masjid "
vonage_part "$PHONE_C" 1C00000000000001 "$PC" 58 2 1
T0=$SECONDS
expect_eq "(c) not handled at once" 0 \
	"$(sql "SELECT count(*) FROM complaints WHERE phone = '$(e164 "$PHONE_C")'")"
wait_for 15 "(c) the first part handled after parts_timeout" \
	sql_is "SELECT count(*) FROM complaints WHERE phone = '$(e164 "$PHONE_C")'" 1
WAITED=$((SECONDS - T0))
expect_eq "(c) the description: the part that came, the gap marked" "${PC}[...]" \
	"$(sql "SELECT description FROM complaints WHERE phone = '$(e164 "$PHONE_C")'")"
TICKET_C=$(sql "SELECT ticket FROM complaints WHERE phone = '$(e164 "$PHONE_C")'")
expect_eq "(c) one reply queued" 1 \
	"$(sql "SELECT count(*) FROM outbox WHERE kind = 'sms' AND recipient = '$(e164 "$PHONE_C")'")"
wait_for 10 "(c) reply to $(e164 "$PHONE_C") at tool_atapi" at_has "$(e164 "$PHONE_C")" "$TICKET_C"
wait_for 10 "(c) no parts left waiting" sql_is "SELECT count(*) FROM sms_parts WHERE joined_at = 0" 0
ok "(c) part 2 of 2 never came -> handled after ~${WAITED}s: \"${PC}[...]\", ticket $TICKET_C"

# (b)'s repeated part 2 went the same way, and changed nothing.
expect_eq "(b) part 2 again, after the wait: still one complaint for $(e164 "$PHONE_B")" 1 \
	"$(sql "SELECT count(*) FROM complaints WHERE phone = '$(e164 "$PHONE_B")'")"
expect_eq "(b) part 2 again, after the wait: still one reply" 1 \
	"$(sql "SELECT count(*) FROM outbox WHERE kind = 'sms' AND recipient = '$(e164 "$PHONE_B")'")"
ok "(b) part 2 delivered again after the message was handled -> nothing new"

# ---------------------------------------------------------------------------
# (d) Refused: nothing stored.
# ---------------------------------------------------------------------------
BEFORE=$(counts)
vonage_get "$PHONE_A" 1D00000000000001 "JALAN rusak parah" "" "$ADUAN_URL/vonage/sms?secret=wrong-secret-123"
expect_eq "(d) bad secret: status" 403 "$RESP_STATUS"
http_must "(d) no secret" "$ADUAN_URL/vonage/sms?$(vonage_query "$PHONE_A" 1D00000000000002 "JALAN rusak")"
expect_eq "(d) no secret: status" 403 "$RESP_STATUS"
vonage_get "$PHONE_A" 1D00000000000003 "JALAN rusak parah" "&concat=true&concat-ref=1&concat-total=2&concat-part=1" \
	"$ADUAN_URL/vonage/sms?secret=wrong-secret-123"
expect_eq "(d) bad secret on a part: status" 403 "$RESP_STATUS"
expect_eq "(d) bad secret: nothing stored" "$BEFORE" "$(counts)"
ok "(d) bad or missing secret -> 403, nothing stored"

http_must "(d) binary" "$URL&msisdn=$PHONE_A&to=$VNUM&messageId=1D00000000000004&type=binary&data=48656c6c6f&udh=050003CC0201&message-timestamp=$(venc "$TS")&api-key=abcd1234"
expect_eq "(d) binary: status" 400 "$RESP_STATUS"
expect_match "(d) binary: reason" 'binary messages are not supported' "$RESP_BODY"
http_must "(d) missing msisdn" "$URL&to=$VNUM&messageId=1D00000000000005&text=JALAN+rusak&type=text"
expect_eq "(d) missing msisdn: status" 400 "$RESP_STATUS"
expect_match "(d) missing msisdn: reason" 'msisdn' "$RESP_BODY"
TS_SAVED=$TS
TS="2026-02-30 08:00:00"
vonage_get "$PHONE_A" 1D00000000000006 "JALAN rusak parah"
TS=$TS_SAVED
expect_eq "(d) bad timestamp: status" 400 "$RESP_STATUS"
expect_match "(d) bad timestamp: reason" 'message-timestamp' "$RESP_BODY"
vonage_get "$PHONE_A" 1D00000000000007 "JALAN rusak parah" "&concat=true&concat-ref=1&concat-total=2&concat-part=3"
expect_eq "(d) part 3 of 2: status" 400 "$RESP_STATUS"
expect_eq "(d) refused requests: nothing stored" "$BEFORE" "$(counts)"
ok "(d) binary, missing msisdn, bad timestamp, bad part number -> 400, nothing stored"

[ -s "$IT_TMP/atapi.err" ] && fail "tool_atapi reported: $(cat "$IT_TMP/atapi.err")"
expect_eq "tool_atapi refused nothing" "" "$(awk -F'\t' '$1 != 201' "$AT_LOG")"
# ---------------------------------------------------------------------------
# (e) Phones reuse small references: two citizens, both "ref 1", and then
#     the first citizen again with "ref 1" for a new message: three
#     complaints, none lost.
# ---------------------------------------------------------------------------
PHONE_E1=6281311110001
PHONE_E2=6281311110002
vonage_part "$PHONE_E1" 1E00000000000001 "JALAN rusak parah di " 1 2 1
vonage_part "$PHONE_E1" 1E00000000000002 "depan SD Negeri 2" 1 2 2
vonage_part "$PHONE_E2" 1E00000000000003 "SAMPAH menumpuk di " 1 2 1
vonage_part "$PHONE_E2" 1E00000000000004 "pasar Bandungan sejak seminggu" 1 2 2
vonage_part "$PHONE_E1" 1E00000000000005 "LISTRIK padam di " 1 2 1
vonage_part "$PHONE_E1" 1E00000000000006 "Desa Lerep sejak kemarin" 1 2 2
expect_eq "(e) first citizen: two complaints" 2 \
	"$(sql "SELECT count(*) FROM complaints WHERE phone = '$(e164 "$PHONE_E1")'")"
expect_eq "(e) second citizen: one complaint" 1 \
	"$(sql "SELECT count(*) FROM complaints WHERE phone = '$(e164 "$PHONE_E2")'")"
expect_eq "(e) the second citizen's text" "SAMPAH menumpuk di pasar Bandungan sejak seminggu" \
	"$(sql "SELECT description FROM complaints WHERE phone = '$(e164 "$PHONE_E2")'")"
expect_eq "(e) the first citizen's new message" "LISTRIK padam di Desa Lerep sejak kemarin" \
	"$(sql "SELECT description FROM complaints WHERE phone = '$(e164 "$PHONE_E1")' ORDER BY id DESC LIMIT 1")"
ok "(e) the same reference from two phones, and reused later: three complaints"

check_log_errors "$ADUAN_LOG" "aduan log"
ok "no unexpected ERROR lines"
