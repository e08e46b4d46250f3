#!/bin/bash
# it_infobip: the Infobip and generic JSON endpoints over real HTTP.
#
# The config is conf/aduan.conf with `infobip` and `generic` groups added
# inside `gateways` (sed), and sms_sender switched to type "africastalking"
# at tool_atapi, a stand-in of Africa's Talking's messaging API that logs
# every SMS it is given: Infobip only wants an acknowledgement, so the
# replies leave through the outbox and reach tool_atapi.  tool_http sends
# the callbacks Infobip (and an aggregator speaking the generic JSON) would
# send; the sqlite3 CLI looks at what was stored.
#
#   (a) an Infobip callback with 2 messages from 2 phones: 2 complaints, 2
#       replies queued, each to its own phone, and sent
#   (b) the same callback again: nothing new (each message deduplicated by
#       its messageId)
#   (c) a batch with one new message and one repeat: one new
#   (d) refused callbacks (malformed JSON, a result without text, wrong
#       secret): 400/403, nothing stored; empty results: 200
#   (e) a batch where one message's sender is not a phone number: the good
#       message is stored once, also over retries; then the same kind of
#       batch while another writer holds the database, where the good
#       message cannot be stored.  What intake answers is printed as a
#       note when it is not 200 (first case) or not 503 (second case).
#   (f) an Infobip delivery report sets the reply's dlr_state
#   (g) generic JSON: a complaint gets {"reply": "... ticket ..."}, the same
#       id again the identical answer, an alphanumeric sender
#       {"reply": ""}, a wrong secret 403, a missing text 400
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

TOOL_ATAPI=$ADUAN_TOOLS/tool_atapi

it_init infobip
[ -x "$TOOL_ATAPI" ] || fail "missing executable: $TOOL_ATAPI (run make first)"

IB_SECRET=it-infobip-secret-0123
GEN_SECRET=it-generic-secret-4567
PHONE_A=081234567890
PHONE_B=085711112222
PHONE_C=087800000003
JSON_CT_RE='^application/json'

e164() { printf '+62%s' "${1#0}"; }

# ---------------------------------------------------------------------------
# The config
# ---------------------------------------------------------------------------
free_port AT_PORT
free_port PORT
CONF=$IT_TMP/aduan.conf
sed -e '/^gateways[[:space:]]*=[[:space:]]*{/a\
  infobip = { secret = "'"$IB_SECRET"'"; };\
  generic = { secret = "'"$GEN_SECRET"'"; };' "$ADUAN_CONF" >"$CONF" ||
	fail "sed on $ADUAN_CONF"
expect_eq "the infobip and generic groups were added once" 2 \
	"$(grep -cE '^  (infobip|generic) = \{ secret' "$CONF")"
conf_set "$CONF" sms_sender type '"africastalking"'
conf_set "$CONF" sms_sender url "\"http://127.0.0.1:$AT_PORT/version1/messaging\""
conf_set "$CONF" delivery backoff_initial 1
conf_set "$CONF" delivery backoff_max 2
conf_set "$CONF" delivery timeout 2
conf_set "$CONF" server port "$PORT"
AT_USER=$(conf_get "$CONF" sms_sender username)
AT_KEY=$(conf_get "$CONF" sms_sender password)
[ -n "$AT_USER" ] && [ -n "$AT_KEY" ] || fail "sms_sender username/password missing in $CONF"
OUT=$("$ADUAN_BIN" check --demo -c "$CONF" 2>&1) || fail "aduan check on the test config: $OUT"
ADUAN_CONF=$CONF
ok "config: infobip and generic groups added, sms_sender at tool_atapi; $OUT"

AT_LOG=$IT_TMP/atapi.log
"$TOOL_ATAPI" "$AT_PORT" "$AT_USER" "$AT_KEY" "$AT_LOG" </dev/null 2>"$IT_TMP/atapi.err" &
track "$!" tool_atapi
add_log "$IT_TMP/atapi.err"
add_log "$AT_LOG"
wait_port "$AT_PORT" 5 "$!" tool_atapi
start_aduan_on "$PORT"
IB_URL=$ADUAN_URL/infobip/sms?secret=$IB_SECRET
GEN_URL=$ADUAN_URL/generic/sms
ok "aduan serve and tool_atapi up"

# ib_post WHAT BODY [URL]: an Infobip callback (JSON POST).
ib_post() {
	http_must "$1" -H 'Content-Type: application/json' -d "$2" "${3:-$IB_URL}"
}

# gen_post WHAT BODY [HEADER]: a generic JSON call, Bearer auth unless HEADER.
gen_post() {
	http_must "$1" -H 'Content-Type: application/json' \
		-H "${3:-Authorization: Bearer $GEN_SECRET}" -d "$2" "$GEN_URL"
}

# ib_result ID FROM TEXT [RECEIVED_AT]: one element of "results".
ib_result() {
	printf '{"messageId":"%s","from":"%s","to":"1708","text":"%s","cleanText":"%s",' \
		"$1" "$2" "$3" "${3#* }"
	printf '"keyword":"%s","receivedAt":"%s","smsCount":1}' "${3%% *}" \
		"${4:-2026-01-02T15:04:05.000+0000}"
}

# ib_body RESULT...: the callback body around the results.
ib_body() {
	local IFS=,
	printf '{"results":[%s],"messageCount":%d,"pendingMessageCount":0}' "$*" "$#"
}

sms_rows() { sql "SELECT count(*) FROM outbox WHERE kind = 'sms'"; }
counts() { echo "$(row_counts) sms=$(sms_rows)"; }

# at_lines TO: tool_atapi's accepted SMS to TO.  at_has TO ERE: one matches.
at_lines() { awk -F'\t' -v to="$1" '$1 == 201 && $4 == to' "$AT_LOG"; }
at_has() { at_lines "$1" | cut -f6 | grep -Eq -- "$2"; }
sql_is() { [ "$(sql "$1")" = "$2" ]; }

# ---------------------------------------------------------------------------
# (a) two messages from two phones in one callback
# ---------------------------------------------------------------------------
TEXT_A="JALAN Jl. Pemuda depan SMP 3 berlubang"
TEXT_B="SAMPAH menumpuk di pasar Bandarjo"
R_A=$(ib_result ib-1 "$(e164 "$PHONE_A" | tr -d +)" "$TEXT_A")
R_B=$(ib_result ib-2 "$PHONE_B" "$TEXT_B" 2026-01-02T22:04:05.000+0700)
BODY_AB=$(ib_body "$R_A" "$R_B")
ib_post "(a) two messages" "$BODY_AB"
expect_eq "(a) status" 200 "$RESP_STATUS"
expect_eq "(a) complaints" 2 "$(sql "SELECT count(*) FROM complaints")"
for p in "ib-1 $PHONE_A $TEXT_A" "ib-2 $PHONE_B $TEXT_B"; do
	set -- $p
	id=$1 ph=$(e164 "$2")
	shift 2
	expect_eq "(a) $id stored from" "$ph" "$(sql "SELECT sender FROM messages WHERE gateway = 'infobip' AND gw_id = '$id'")"
	expect_eq "(a) $id stored text (\"text\", not cleanText)" "$*" \
		"$(sql "SELECT $MSG_TEXT FROM messages WHERE gateway = 'infobip' AND gw_id = '$id'")"
	expect_eq "(a) $id received_at from receivedAt with its offset" 1767366245 \
		"$(sql "SELECT received_at FROM messages WHERE gw_id = '$id'")"
	TICKET=$(sql "SELECT c.ticket FROM complaints c JOIN messages m ON m.complaint_id = c.id WHERE m.gw_id = '$id'")
	expect_match "(a) $id has a ticket" '^[0-9]{8}$' "$TICKET"
	expect_eq "(a) $id: the complaint is the sender's" "$ph" \
		"$(sql "SELECT phone FROM complaints WHERE ticket = '$TICKET'")"
	expect_eq "(a) $id: one reply queued to $ph, with the ticket" 1 \
		"$(sql "SELECT count(*) FROM outbox WHERE kind = 'sms' AND recipient = '$ph' AND idem_key = 'reply:infobip:$id' AND body LIKE '%$TICKET%'")"
	wait_for 10 "(a) the reply with ticket $TICKET sent to $ph (tool_atapi)" at_has "$ph" "$TICKET"
	eval "TICKET_${id#ib-}=\$TICKET"
done
expect_eq "(a) SMS queued in all" 2 "$(sms_rows)"
expect_eq "(a) the reply's stored text is what was queued" \
	"$(sql "SELECT reply FROM messages WHERE gw_id = 'ib-1'")" \
	"$(sql "SELECT body FROM outbox WHERE idem_key = 'reply:infobip:ib-1'")"
ok "(a) 2 messages -> 200, tickets $TICKET_1 and $TICKET_2, each reply sent to its own phone"

# ---------------------------------------------------------------------------
# (b) the same callback again
# ---------------------------------------------------------------------------
BEFORE=$(counts)
ib_post "(b) the same callback again" "$BODY_AB"
expect_eq "(b) status" 200 "$RESP_STATUS"
expect_eq "(b) nothing new" "$BEFORE" "$(counts)"
nap 1.5
expect_eq "(b) still one SMS per phone at tool_atapi" "1 1" \
	"$(at_lines "$(e164 "$PHONE_A")" | wc -l) $(at_lines "$(e164 "$PHONE_B")" | wc -l)"
ok "(b) the same callback again -> 200, nothing new, no second SMS"

# ---------------------------------------------------------------------------
# (c) one new message, one repeat
# ---------------------------------------------------------------------------
TEXT_C="AIR PDAM mati tiga hari di Ungaran"
BEFORE_C=$(sql "SELECT count(*) FROM complaints")
ib_post "(c) a new and a repeat" "$(ib_body "$R_B" "$(ib_result ib-3 "$PHONE_C" "$TEXT_C")")"
expect_eq "(c) status" 200 "$RESP_STATUS"
expect_eq "(c) one new complaint" "$((BEFORE_C + 1))" "$(sql "SELECT count(*) FROM complaints")"
expect_eq "(c) one new reply queued" 3 "$(sms_rows)"
expect_eq "(c) messages" 3 "$(sql "SELECT count(*) FROM messages WHERE gateway = 'infobip'")"
TICKET_3=$(sql "SELECT c.ticket FROM complaints c JOIN messages m ON m.complaint_id = c.id WHERE m.gw_id = 'ib-3'")
wait_for 10 "(c) reply to $PHONE_C" at_has "$(e164 "$PHONE_C")" "$TICKET_3"
ok "(c) a batch of one new and one repeat -> one new ticket ($TICKET_3)"

# ---------------------------------------------------------------------------
# (d) refused callbacks: nothing stored
# ---------------------------------------------------------------------------
BEFORE=$(counts)
ib_post "(d) malformed" '{"results":[{"messageId":"ib-9","from":"081234567890","text":"JALAN x",}]}'
expect_eq "(d) malformed JSON: status" 400 "$RESP_STATUS"
expect_match "(d) malformed JSON: jansson's reason and position" 'bad JSON: .*position [0-9]+' "$RESP_BODY"
expect_eq "(d) malformed JSON: nothing stored" "$BEFORE" "$(counts)"
ok "(d) malformed JSON -> 400 \"${RESP_BODY%$'\n'}\""

ib_post "(d) result 1 without text" \
	"$(ib_body "$(ib_result ib-10 "$PHONE_A" "JALAN baru rusak")" '{"messageId":"ib-11","from":"085711112222"}')"
expect_eq "(d) result 1 without text: status" 400 "$RESP_STATUS"
expect_match "(d) result 1 without text: named" 'results\[1\].*text' "$RESP_BODY"
expect_eq "(d) result 1 without text: nothing stored, not even result 0" "$BEFORE" "$(counts)"
ok "(d) a result without text -> 400 \"${RESP_BODY%$'\n'}\", the whole batch refused"

ib_post "(d) wrong secret" "$(ib_body "$(ib_result ib-12 "$PHONE_A" "JALAN rusak lagi")")" \
	"$ADUAN_URL/infobip/sms?secret=salah-rahasia-123"
expect_eq "(d) wrong secret: status" 403 "$RESP_STATUS"
ib_post "(d) no secret" "$(ib_body "$(ib_result ib-12 "$PHONE_A" "JALAN rusak lagi")")" \
	"$ADUAN_URL/infobip/sms"
expect_eq "(d) no secret: status" 403 "$RESP_STATUS"
expect_eq "(d) wrong or no secret: nothing stored" "$BEFORE" "$(counts)"
ok "(d) wrong or missing secret -> 403"

ib_post "(d) empty results" '{"results":[],"messageCount":0,"pendingMessageCount":0}'
expect_eq "(d) empty results: status" 200 "$RESP_STATUS"
expect_eq "(d) empty results: nothing stored" "$BEFORE" "$(counts)"
ok "(d) empty results -> 200, nothing to do"

# ---------------------------------------------------------------------------
# (e) one message of a batch that intake refuses (not a phone number)
# ---------------------------------------------------------------------------
BAD_FROM=6281234567890123456            # 19 digits: MSISDN_INVALID
BODY_E=$(ib_body "$(ib_result ib-20 "$PHONE_C" "JALAN lampu mati di Jl. Diponegoro")" \
	"$(ib_result ib-21 "$BAD_FROM" "JALAN rusak")")
BEFORE_C=$(sql "SELECT count(*) FROM complaints")
ib_post "(e) a batch with a bad sender" "$BODY_E"
E_STATUS=$RESP_STATUS
E_BODY=${RESP_BODY%$'\n'}
expect_eq "(e) the good message is stored" "$((BEFORE_C + 1))" "$(sql "SELECT count(*) FROM complaints")"
ib_post "(e) the same batch again (Infobip's retry)" "$BODY_E"
expect_eq "(e) the retry: same status" "$E_STATUS" "$RESP_STATUS"
expect_eq "(e) the retry: the good message still stored once" "$((BEFORE_C + 1))" \
	"$(sql "SELECT count(*) FROM complaints")"
expect_eq "(e) the bad one never stored" 0 "$(sql "SELECT count(*) FROM messages WHERE gw_id = 'ib-21'")"
if [ "$E_STATUS" != 200 ]; then
	echo "note: a batch of one good message and one with from=$BAD_FROM is answered" \
		"$E_STATUS \"$E_BODY\" although the good one is stored: Infobip retries the whole" \
		"callback, and every retry gets $E_STATUS again (intake_http_handler)" >&2
fi
ok "(e) a batch with an invalid sender -> $E_STATUS \"$E_BODY\"; the good message stored once"

# The same kind of batch while the database is locked (another writer holds
# it past store.busy_timeout_ms): the good message cannot be stored (503),
# and the callback must say so, whatever the bad one got.
LOCK_FIFO=$IT_TMP/lock.fifo
mkfifo "$LOCK_FIFO" || fail "mkfifo"
sqlite3 -batch "$ADUAN_DB" <"$LOCK_FIFO" >"$IT_TMP/lock.out" 2>&1 &
LOCK_PID=$!
track "$LOCK_PID" sqlite3-lock
exec {LOCK_FD}>"$LOCK_FIFO"
printf 'BEGIN IMMEDIATE;\n' >&"$LOCK_FD"
db_locked() { ! sqlite3 -batch "$ADUAN_DB" 'BEGIN IMMEDIATE; ROLLBACK;' 2>/dev/null; }
wait_for 5 "(e) the database locked by sqlite3" db_locked
BODY_E2=$(ib_body "$(ib_result ib-22 "$BAD_FROM" "JALAN rusak")" \
	"$(ib_result ib-23 "$PHONE_C" "SAMPAH belum diangkut seminggu di Jl. Merdeka")")
ib_post "(e) bad sender + good message, database locked" "$BODY_E2"
E2_STATUS=$RESP_STATUS
E2_BODY=${RESP_BODY%$'\n'}
printf 'ROLLBACK;\n.quit\n' >&"$LOCK_FD"
exec {LOCK_FD}>&-
wait_exit "$LOCK_PID" 5 LOCK_ST
expect_eq "(e) locked: the good message not stored" 0 \
	"$(sql "SELECT count(*) FROM messages WHERE gw_id = 'ib-23'")"
if [ "$E2_STATUS" != 503 ]; then
	echo "note: with the database locked, a batch of [from=$BAD_FROM, a good message] is" \
		"answered $E2_STATUS \"$E2_BODY\", not 503: the good message was not stored and" \
		"the gateway is told the callback is malformed (intake_http_handler keeps the" \
		"first non-200 status)" >&2
fi
ib_post "(e) the same batch once the database is free" "$BODY_E2"
expect_eq "(e) after the lock: the good message stored" 1 \
	"$(sql "SELECT count(*) FROM messages WHERE gw_id = 'ib-23'")"
ok "(e) locked database, batch [bad sender, good] -> $E2_STATUS \"$E2_BODY\"; stored on the retry"

# ---------------------------------------------------------------------------
# (f) an Infobip delivery report
# ---------------------------------------------------------------------------
wait_for 10 "(f) the reply to $PHONE_A sent with a provider id" \
	sql_is "SELECT count(*) FROM outbox WHERE idem_key = 'reply:infobip:ib-1' AND state = 'sent' AND provider_id <> ''" 1
MSGID=$(sql "SELECT provider_id FROM outbox WHERE idem_key = 'reply:infobip:ib-1'")
DLR_URL=$ADUAN_URL/infobip/dlr?secret=$IB_SECRET
dlr_body() {
	printf '{"results":[{"bulkId":"b-1","messageId":"%s","to":"6281234567890",' "$1"
	printf '"sentAt":"2026-01-02T15:04:06.000+0000","doneAt":"2026-01-02T15:04:09.000+0000",'
	printf '"smsCount":1,"status":{"groupId":%d,"groupName":"%s","id":%d,"name":"%s"}}]}' \
		"$2" "$3" "$4" "$5"
}
http_must "(f) dlr, wrong secret" -H 'Content-Type: application/json' \
	-d "$(dlr_body "$MSGID" 3 DELIVERED 5 DELIVERED_TO_HANDSET)" "$ADUAN_URL/infobip/dlr?secret=salah-rahasia-1"
expect_eq "(f) dlr with a wrong secret: status" 403 "$RESP_STATUS"
http_must "(f) dlr to operator" -H 'Content-Type: application/json' \
	-d "$(dlr_body "$MSGID" 3 DELIVERED 2 DELIVERED_TO_OPERATOR)" "$DLR_URL"
expect_eq "(f) DELIVERED_TO_OPERATOR: status" 200 "$RESP_STATUS"
expect_eq "(f) DELIVERED_TO_OPERATOR -> submitted" submitted \
	"$(sql "SELECT dlr_state FROM outbox WHERE provider_id = '$MSGID'")"
http_must "(f) dlr delivered" -H 'Content-Type: application/json' \
	-d "$(dlr_body "$MSGID" 3 DELIVERED 5 DELIVERED_TO_HANDSET)" "$DLR_URL"
expect_eq "(f) DELIVERED_TO_HANDSET: status" 200 "$RESP_STATUS"
expect_eq "(f) DELIVERED_TO_HANDSET -> delivered" delivered \
	"$(sql "SELECT dlr_state FROM outbox WHERE provider_id = '$MSGID'")"
http_must "(f) dlr malformed" -H 'Content-Type: application/json' -d '{"results":[' "$DLR_URL"
expect_eq "(f) malformed dlr: status" 400 "$RESP_STATUS"
ok "(f) Infobip dlr: to operator -> submitted, to handset -> delivered ($MSGID)"

# ---------------------------------------------------------------------------
# (g) the generic JSON endpoint
# ---------------------------------------------------------------------------
PHONE_G=081299990001
G1="{\"from\":\"$PHONE_G\",\"to\":\"1708\",\"text\":\"JALAN jembatan Tuntang retak\",\"id\":\"gen-1\",\"time\":\"2026-01-02T22:04:05+07:00\"}"
gen_post "(g) a complaint" "$G1"
expect_eq "(g) status" 200 "$RESP_STATUS"
expect_match "(g) content type" "$JSON_CT_RE" "$RESP_CTYPE"
G_REPLY=$(json_get "$RESP_BODY" '$.reply')
TICKET_G=$(ticket_in "$G_REPLY")
expect_match "(g) the reply names the ticket" '[0-9]{8}' "$TICKET_G"
expect_eq "(g) ticket for" "$(e164 "$PHONE_G")" "$(sql "SELECT phone FROM complaints WHERE ticket = '$TICKET_G'")"
expect_eq "(g) received_at from the ISO time" 1767366245 \
	"$(sql "SELECT received_at FROM messages WHERE gateway = 'generic' AND gw_id = 'gen-1'")"
expect_eq "(g) the reply is in the answer, not queued" 0 \
	"$(sql "SELECT count(*) FROM outbox WHERE recipient = '$(e164 "$PHONE_G")' AND kind = 'sms'")"
G1_BODY=$RESP_BODY
ok "(g) generic complaint -> 200 $RESP_CTYPE $G1_BODY"

BEFORE=$(counts)
gen_post "(g) the same id again" "$G1" "X-Aduan-Secret: $GEN_SECRET"
expect_eq "(g) same id: status" 200 "$RESP_STATUS"
expect_eq "(g) same id: the identical answer" "$G1_BODY" "$RESP_BODY"
expect_eq "(g) same id: nothing new" "$BEFORE" "$(counts)"
ok "(g) the same id again (X-Aduan-Secret) -> identical body, nothing new"

gen_post "(g) unix time" "{\"from\":\"$PHONE_G\",\"text\":\"STATUS $TICKET_G\",\"id\":\"gen-2\",\"time\":1767366245}"
expect_eq "(g) unix time: status" 200 "$RESP_STATUS"
expect_match "(g) STATUS answers about the ticket" "$TICKET_G" "$(json_get "$RESP_BODY" '$.reply')"
expect_eq "(g) received_at from the unix time" 1767366245 \
	"$(sql "SELECT received_at FROM messages WHERE gateway = 'generic' AND gw_id = 'gen-2'")"
ok "(g) STATUS with a unix time -> $(json_get "$RESP_BODY" '$.reply')"

BEFORE_C=$(sql "SELECT count(*) FROM complaints")
gen_post "(g) alphanumeric sender" '{"from":"TELKOMSEL","text":"Paket internet Anda hampir habis","id":"gen-3"}'
expect_eq "(g) alphanumeric sender: status" 200 "$RESP_STATUS"
expect_eq "(g) alphanumeric sender: the exact answer" '{"reply": ""}' "$RESP_BODY"
expect_eq "(g) alphanumeric sender: no complaint" "$BEFORE_C" "$(sql "SELECT count(*) FROM complaints")"
expect_eq "(g) alphanumeric sender: the message kept" 1 \
	"$(sql "SELECT count(*) FROM messages WHERE gateway = 'generic' AND gw_id = 'gen-3'")"
ok "(g) alphanumeric sender -> {\"reply\": \"\"}"

BEFORE=$(counts)
gen_post "(g) wrong secret" "$G1" "Authorization: Bearer salah-rahasia-123"
expect_eq "(g) wrong secret: status" 403 "$RESP_STATUS"
http_must "(g) no secret" -H 'Content-Type: application/json' -d "$G1" "$GEN_URL"
expect_eq "(g) no secret: status" 403 "$RESP_STATUS"
gen_post "(g) the Infobip secret" "$G1" "X-Aduan-Secret: $IB_SECRET"
expect_eq "(g) another gateway's secret: status" 403 "$RESP_STATUS"
gen_post "(g) missing text" "{\"from\":\"$PHONE_G\",\"id\":\"gen-4\"}"
expect_eq "(g) missing text: status" 400 "$RESP_STATUS"
expect_match "(g) missing text: reason" 'text' "$RESP_BODY"
gen_post "(g) bad JSON" "{\"from\":\"$PHONE_G\" \"text\":\"x\"}"
expect_eq "(g) bad JSON: status" 400 "$RESP_STATUS"
expect_match "(g) bad JSON: position" 'position [0-9]+' "$RESP_BODY"
expect_eq "(g) refusals: nothing stored" "$BEFORE" "$(counts)"
ok "(g) wrong/missing/foreign secret -> 403, missing text and bad JSON -> 400, nothing stored"

# ---------------------------------------------------------------------------
# Logs
# ---------------------------------------------------------------------------
expect_eq "tool_atapi refused nothing" "" "$(awk -F'\t' '$1 != 201' "$AT_LOG")"
# The one store error the test causes: (e)'s locked database.
check_log_errors "$ADUAN_LOG" "aduan log" 'store: begin: database is locked'
ok "no unexpected ERROR in the log"
