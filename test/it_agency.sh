#!/bin/bash
# it_agency: what agencies see of Aduan, over real HTTP, no Kannel.
#
#   aduan sms -> aduan serve -> outbox -> tool_agency   (signed webhooks)
#                            -> outbox -> tool_atapi    (status SMS, Africa's
#                                                        Talking messaging API)
#   tool_http -> /api/v1/..., /open311/v2/..., /africastalking/dlr
#
# The config is conf/aduan.conf with only these substitutions (so the
# shipped example is what is tested): dpupr's commented webhook and
# webhook_secret made active and pointed at tool_agency, and a named API
# token "sistem-dpupr" added beside its token_sha256; delivery back-off
# 1..2 s, 3 attempts, 2 s timeout; sms_sender switched to type
# "africastalking" at tool_atapi (same username and password = API key);
# server.port set to the test's port; open311 publishing the citizen's text
# (masked) and with a rate limit this test's requests stay under.  aduan runs
# with glibc's malloc perturbation, so memory read before it is written
# shows (or crashes) instead of passing by luck.  The API tokens are the example's
# demo tokens.
#
# Scenarios:
#   (a) a complaint -> one signed ticket.created webhook with the ticket's
#       fields (phone masked: show_phone is false)
#   (b) receiver 500, 500, 200 -> delivered on the 3rd attempt, one key;
#       429 the same; a held (timed-out) attempt is retried; 400 -> dead at
#       once, listed by `aduan outbox --dead`, `aduan outbox retry` sends it
#   (c) receiver down, complaint, aduan stopped, receiver up, aduan started
#       again on the same database -> the webhook arrives
#   (d) the agency API: listing and reading per agency (triage: every
#       ticket), 401/403/404/409/400, status changes with their webhooks and
#       SMS, an internal note by a named token (no SMS), closing before the
#       reporter's window 409, the reporter's TAMBAH reopening a resolved
#       ticket, the tick closing it after the window, re-routing by triage,
#       a return to triage (no SMS) and a duplicate rejection (the original's
#       number texted), no SMS after STOP, SMS again after MULAI
#   (e) Open311: services, requests (filters), one request, JSON and XML,
#       escaping, no phone digits anywhere, unknown service codes 400, one
#       request without any agency note answered (again and again) with the
#       service still up
#   (f) Africa's Talking delivery reports set the outbox row's dlr_state; a
#       late "Sent" does not undo "Success"
# and at the end: no BADSIG at the receiver, no unexpected ERROR in the log,
# every process stops cleanly on SIGTERM (sanitizer builds: no report).
# A misbehaviour with a workaround (the documented `outbox retry ID -c -d`
# order, a delivery state going backwards) is recorded and the test goes
# on; the run fails at the end with all of them.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

TOOL_AGENCY=$ADUAN_TOOLS/tool_agency
TOOL_ATAPI=$ADUAN_TOOLS/tool_atapi

it_init agency
for t in "$TOOL_AGENCY" "$TOOL_ATAPI"; do
	[ -x "$t" ] || fail "missing executable: $t (run make first)"
done

EXAMPLE_CONF=$ADUAN_CONF
DPUPR_TOKEN=demo-token-dpupr-ganti
TRIAGE_TOKEN=demo-token-diskominfo-ganti
PHONE_A=081234567890    # (a), (d): the dpupr ticket
PHONE_T=081298765432    # (d): the triage ticket, re-routed
PHONE_S=085711112222    # (d): sends STOP
PHONE_O=081311112222    # (e): a structured complaint with & < >
PHONE_B=081355556666    # (d): returned by dpupr, a duplicate of PHONE_A's
PHONE_R=087800000001    # (b), (c): one per delivery scenario, last digits vary
ISO_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:?[0-9]{2})$'
JSON_CT_RE='^application/json'
XML_CT_RE='^(application|text)/xml'

e164() { printf '+62%s' "${1#0}"; }

# ---------------------------------------------------------------------------
# The config: conf/aduan.conf with the substitutions above.
# ---------------------------------------------------------------------------
free_port AG_PORT
free_port AT_PORT
free_port PORT
CONF=$IT_TMP/aduan.conf
cp "$EXAMPLE_CONF" "$CONF"
conf_enable_webhook "$CONF" dpupr "http://127.0.0.1:$AG_PORT/aduan/webhook"
conf_set "$CONF" delivery backoff_initial 1
conf_set "$CONF" delivery backoff_max 2
conf_set "$CONF" delivery max_attempts 3
conf_set "$CONF" delivery timeout 2
conf_set "$CONF" sms_sender type '"africastalking"'
conf_set "$CONF" sms_sender url "\"http://127.0.0.1:$AT_PORT/version1/messaging\""
conf_set "$CONF" server port "$PORT"
conf_set "$CONF" open311 enabled true
conf_set "$CONF" open311 publish_text true
conf_set "$CONF" open311 requests_per_minute 6000
conf_set "$CONF" open311 burst 1000
# A named token for dpupr (the example shows one, commented out).
NAMED_TOKEN=it-token-sistem-dpupr-0123456789
sed -i "s|^\( *token_sha256 = \"$(conf_agency_value "$CONF" dpupr token_sha256)\";\)|\1\n    tokens = ( { name = \"sistem-dpupr\"; sha256 = \"$(printf '%s' "$NAMED_TOKEN" | sha256sum | cut -d' ' -f1)\"; } );|" "$CONF"
grep -q 'name = "sistem-dpupr"' "$CONF" || fail "no named token added for dpupr in $CONF"
AG_SECRET=$(conf_agency_value "$CONF" dpupr webhook_secret)
[ -n "$AG_SECRET" ] || fail "no webhook_secret for dpupr in $CONF"
AT_USER=$(conf_get "$CONF" sms_sender username)
AT_KEY=$(conf_get "$CONF" sms_sender password)
AT_FROM=$(conf_get "$CONF" sms_sender from)
AT_SECRET=$(conf_at_secret "$CONF")
if [ -z "$AT_USER" ] || [ -z "$AT_KEY" ] || [ -z "$AT_SECRET" ]; then
	fail "sms_sender username/password or gateways.africastalking.secret missing in $CONF"
fi
expect_token() {
	expect_eq "the example's token_sha256 of $1 is the SHA-256 of the demo token '$2'" \
		"$(conf_agency_value "$CONF" "$1" token_sha256)" \
		"$(printf '%s' "$2" | sha256sum | cut -d' ' -f1)"
}
expect_token dpupr "$DPUPR_TOKEN"
expect_token diskominfo "$TRIAGE_TOKEN"
OUT=$("$ADUAN_BIN" check --demo -c "$CONF" 2>&1) || fail "aduan check on the test config: $OUT"
ADUAN_CONF=$CONF
DPUPR_NAME=$(conf_agency_value "$CONF" dpupr name)
ok "config from $EXAMPLE_CONF: webhook, delivery, sms_sender substituted; $OUT"

# ---------------------------------------------------------------------------
# Processes
# ---------------------------------------------------------------------------
AT_LOG=$IT_TMP/atapi.log
"$TOOL_ATAPI" "$AT_PORT" "$AT_USER" "$AT_KEY" "$AT_LOG" </dev/null 2>"$IT_TMP/atapi.err" &
AT_PID=$!
track "$AT_PID" tool_atapi
add_log "$IT_TMP/atapi.err"
add_log "$AT_LOG"
wait_port "$AT_PORT" 5 "$AT_PID" tool_atapi

AG_PID=
AG_LOG=
AG_N=0
# start_receiver [tool_agency options]: a new receiver with a log of its own.
start_receiver() {
	AG_N=$((AG_N + 1))
	AG_LOG=$IT_TMP/agency.$AG_N.log
	: >"$AG_LOG"
	"$TOOL_AGENCY" "$AG_PORT" "$AG_SECRET" "$AG_LOG" "$@" </dev/null \
		2>>"$IT_TMP/agency.err" &
	AG_PID=$!
	track "$AG_PID" tool_agency
	add_log "$AG_LOG"
	wait_port "$AG_PORT" 5 "$AG_PID" tool_agency
}
stop_receiver() {
	[ -n "$AG_PID" ] || return 0
	stop_checked "$AG_PID" tool_agency
	AG_PID=
	port_open "$AG_PORT" && fail "port $AG_PORT still open after stopping tool_agency"
	return 0
}

start_receiver
export GLIBC_TUNABLES=glibc.malloc.perturb=85
start_aduan_on "$PORT"
ok "aduan serve, tool_agency (webhooks) and tool_atapi (SMS) up"

# The receiver itself: a wrong signature and a stale timestamp are refused,
# so every 200 below is a signature that was checked.
NOW=$(date +%s)
http_must "receiver self-test" -H "X-Aduan-Signature: t=$NOW,v1=$(printf '%064d' 0)" \
	-H 'Content-Type: application/json' -H 'Idempotency-Key: selftest-1' \
	-d '{"event":"x"}' "http://127.0.0.1:$AG_PORT/aduan/webhook"
expect_eq "tool_agency: wrong HMAC -> status" 401 "$RESP_STATUS"
http_must "receiver self-test" -H "X-Aduan-Signature: t=$((NOW - 400)),v1=$(printf '%064d' 0)" \
	-H 'Content-Type: application/json' -H 'Idempotency-Key: selftest-2' \
	-d '{"event":"x"}' "http://127.0.0.1:$AG_PORT/aduan/webhook"
expect_eq "tool_agency: 400 s old timestamp -> status" 401 "$RESP_STATUS"
expect_eq "tool_agency: BADSIG lines" 2 "$(grep -c ' BADSIG ' "$AG_LOG")"
stop_receiver
start_receiver
ok "tool_agency refuses a wrong HMAC and a stale timestamp (401 BADSIG)"

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
SMS_REPLY=
# sms FROM TEXT: `aduan sms` against the service; the reply in SMS_REPLY.
sms() {
	SMS_REPLY=$("$ADUAN_BIN" sms -c "$CONF" --url "$ADUAN_URL" "$1" "$2" 2>"$IT_TMP/sms.err") ||
		fail "aduan sms $1 '$2' exited $?: $(cat "$IT_TMP/sms.err")"
}

# complaint FROM TEXT VAR: sends a complaint, VAR = its ticket.
complaint() {
	local t
	sms "$1" "$2"
	t=$(ticket_in "$SMS_REPLY")
	[ -n "$t" ] || fail "complaint '$2' from $1: no ticket in the reply: $SMS_REPLY"
	printf -v "$3" '%s' "$t"
}

# api METHOD TOKEN PATH [JSON]: one agency API request (token "" = none).
api() {
	local args=() 
	[ -n "$2" ] && args+=(-H "Authorization: Bearer $2")
	if [ "$1" = POST ]; then
		args+=(-H 'Content-Type: application/json' -d "${4-}")
	fi
	http_must "$1 $3" "${args[@]}" "$ADUAN_URL$3"
}

# ag_count ERE: lines of the current receiver log matching ERE.
ag_count() {
	grep -cE -- "$1" "$AG_LOG"
}

# ag_wait ERE N TIMEOUT_S WHAT: until N lines of the receiver log match.
ag_has() {
	[ "$(ag_count "$1")" -ge "$2" ]
}
ag_wait() {
	wait_for "$3" "$4 (receiver log $(basename "$AG_LOG"))" ag_has "$1" "$2"
}

# ag_line ERE N: the Nth line matching ERE.
ag_line() {
	grep -E -- "$1" "$AG_LOG" | sed -n "${2}p"
}
# line_key LINE / line_body LINE / line_status LINE
line_status() { printf '%s' "${1%% *}"; }
line_key() { local r=${1#* }; printf '%s' "${r%% *}"; }
line_body() { local r=${1#* }; printf '%s' "${r#* }"; }

# at_has TO ERE: tool_atapi got an accepted SMS to TO whose text matches ERE.
at_lines() {
	awk -F'\t' -v to="$1" '$1 == 201 && $4 == to' "$AT_LOG"
}
at_has() {
	at_lines "$1" | cut -f6 | grep -Eq -- "$2"
}
at_wait() {
	wait_for "$3" "SMS to $1 matching /$2/ at tool_atapi (atapi.log)" at_has "$1" "$2"
}

# sql_is QUERY VALUE / sql_ge QUERY N: for wait_for (evaluated each time).
sql_is() { [ "$(sql "$1")" = "$2" ]; }
sql_ge() { [ "$(sql "$1")" -ge "$2" ]; }

# outbox_id TICKET KIND: the newest outbox row's id of that kind.
outbox_id() {
	sql "SELECT max(o.id) FROM outbox o JOIN complaints c ON c.id = o.complaint_id
		WHERE c.ticket = '$1' AND o.kind = '$2'"
}

# ---------------------------------------------------------------------------
# (a) A complaint -> one signed ticket.created webhook.
# ---------------------------------------------------------------------------
TEXT_A="JALAN Jl. Pemuda depan SMP 3 berlubang"
T0=$(ms_now)
complaint "$PHONE_A" "$TEXT_A" TICKET_A
ag_wait "^200 .*\"number\":\"$TICKET_A\"" 1 10 "(a) ticket.created webhook for $TICKET_A"
MS_A=$(($(ms_now) - T0))
LINE=$(ag_line "^200 " 1)
BODY=$(line_body "$LINE")
KEY_A=$(line_key "$LINE")
expect_eq "(a) event" ticket.created "$(json_get "$BODY" '$.event')"
expect_eq "(a) ticket.number = the ticket in the SMS reply" "$TICKET_A" "$(json_get "$BODY" '$.ticket.number')"
expect_eq "(a) ticket.number is a JSON string" text "$(json_type_of "$BODY" '$.ticket.number')"
expect_eq "(a) ticket.category" JALAN "$(json_get "$BODY" '$.ticket.category')"
expect_eq "(a) ticket.description = the stored description" \
	"$(sql "SELECT description FROM complaints WHERE ticket = '$TICKET_A'")" \
	"$(json_get "$BODY" '$.ticket.description')"
expect_match "(a) ticket.description has the citizen's words" 'Pemuda depan SMP 3 berlubang' \
	"$(json_get "$BODY" '$.ticket.description')"
expect_eq "(a) ticket.channel" sms "$(json_get "$BODY" '$.ticket.channel')"
expect_eq "(a) ticket.agency" dpupr "$(json_get "$BODY" '$.ticket.agency')"
expect_eq "(a) ticket.status (a rule matched)" routed "$(json_get "$BODY" '$.ticket.status')"
PHONE_JSON=$(json_get "$BODY" '$.ticket.reporter.phone')
expect_ne "(a) reporter.phone is not the full number (show_phone = false)" "$(e164 "$PHONE_A")" "$PHONE_JSON"
expect_match "(a) reporter.phone masked like the logs" '^\+62[0-9]{3}\*+[0-9]{3}$' "$PHONE_JSON"
expect_no_match "(a) no full phone number anywhere in the webhook" '81234567890' "$BODY"
RECEIVED_AT=$(json_get "$BODY" '$.ticket.received_at')
expect_match "(a) ticket.received_at is ISO-8601" "$ISO_RE" "$RECEIVED_AT"
expect_eq "(a) ticket.received_at = complaints.created_at" \
	"$(date -u -d "@$(sql "SELECT created_at FROM complaints WHERE ticket = '$TICKET_A'")" +%Y-%m-%dT%H:%M:%SZ)" \
	"$RECEIVED_AT"
OB_A=$(outbox_id "$TICKET_A" webhook)
expect_eq "(a) Idempotency-Key = the outbox row's idem_key" \
	"$(sql "SELECT idem_key FROM outbox WHERE id = $OB_A")" "$KEY_A"
wait_for 5 "(a) outbox row $OB_A state sent" \
	sql_is "SELECT state FROM outbox WHERE id = $OB_A" sent
nap 0.5
expect_eq "(a) requests at the receiver (exactly one)" 1 "$(ag_count '^[0-9A-Z]+ webhook:')"
expect_eq "(a) no SMS is sent for a new SMS complaint (the reply is the receipt)" "" \
	"$(at_lines "$(e164 "$PHONE_A")")"
ok "(a) complaint $TICKET_A -> one signed ticket.created in ${MS_A} ms, fields checked, phone $PHONE_JSON"

# ---------------------------------------------------------------------------
# (b) Retries: 500, 429, a timed-out attempt; 400 is final.
# ---------------------------------------------------------------------------
# retry_case WHAT N OPTS...: a new receiver with OPTS, one complaint; waits
# for the 200, then checks there were N requests, all with one
# Idempotency-Key and one body.  Sets RETRY_MS, RETRY_KEY, RETRY_TICKET.
RETRY_MS=
RETRY_KEY=
RETRY_TICKET=
retry_case() {
	local what=$1 attempts=$2 t0 keys phone
	shift 2
	stop_receiver
	start_receiver "$@"
	phone=${PHONE_R%?}$((AG_N % 10))
	t0=$(ms_now)
	complaint "$phone" "JALAN Jl. Diponegoro km $AG_N aspal mengelupas" RETRY_TICKET
	ag_wait "^200 webhook:" 1 15 "$what: delivery"
	RETRY_MS=$(($(ms_now) - t0))
	expect_eq "$what: requests at the receiver" "$attempts" "$(ag_count ' webhook:')"
	keys=$(grep -E ' webhook:' "$AG_LOG" | cut -d' ' -f2 | sort -u)
	expect_eq "$what: distinct Idempotency-Keys over $attempts attempts" 1 "$(printf '%s\n' "$keys" | grep -c .)"
	RETRY_KEY=$keys
	expect_match "$what: the key names the ticket" "$RETRY_TICKET" "$RETRY_KEY"
	expect_eq "$what: the same body on every attempt" 1 \
		"$(grep -E ' webhook:' "$AG_LOG" | cut -d' ' -f3- | sort -u | grep -c .)"
	expect_eq "$what: the last answer" 200 "$(line_status "$(grep -E ' webhook:' "$AG_LOG" | tail -n 1)")"
}

retry_case "(b) 500 x2" 3 --fail 2 500
expect_eq "(b) 500 x2: answers in order" "500 500 200" "$(cut -d' ' -f1 "$AG_LOG" | tr '\n' ' ' | sed 's/ $//')"
expect_le "(b) 500 x2: ms until delivered (back-off 1-2 s)" 8000 "$RETRY_MS"
OB=$(outbox_id "$RETRY_TICKET" webhook)
wait_for 3 "(b) outbox row $OB sent" sql_is "SELECT state FROM outbox WHERE id = $OB" sent
expect_eq "(b) outbox row $OB idem_key" "$RETRY_KEY" "$(sql "SELECT idem_key FROM outbox WHERE id = $OB")"
ok "(b) 500, 500, 200: delivered on attempt 3 after ${RETRY_MS} ms, one Idempotency-Key"

retry_case "(b) 429 x2" 3 --fail 2 429
expect_eq "(b) 429 x2: answers in order" "429 429 200" "$(cut -d' ' -f1 "$AG_LOG" | tr '\n' ' ' | sed 's/ $//')"
expect_le "(b) 429 x2: ms until delivered" 8000 "$RETRY_MS"
ok "(b) 429, 429, 200: delivered on attempt 3 after ${RETRY_MS} ms, one Idempotency-Key"

retry_case "(b) held past the timeout" 2 --hang-first 1
expect_eq "(b) held: answers in order" "HANG 200" "$(cut -d' ' -f1 "$AG_LOG" | tr '\n' ' ' | sed 's/ $//')"
expect_le "(b) held: ms until delivered (timeout 2 s + back-off)" 8000 "$RETRY_MS"
ok "(b) first attempt held past delivery.timeout (2 s): retried, delivered after ${RETRY_MS} ms"

# 400: final at once.
stop_receiver
start_receiver --fail 1 400
complaint "${PHONE_R%?}8" "JALAN Jl. Gatot Subroto gorong-gorong ambrol" TICKET_D
ag_wait '^400 webhook:' 1 10 "(b) 400: the first attempt"
OB_D=$(outbox_id "$TICKET_D" webhook)
wait_for 3 "(b) 400: outbox row $OB_D dead" sql_is "SELECT state FROM outbox WHERE id = $OB_D" dead
expect_eq "(b) 400: attempts recorded" 1 "$(sql "SELECT attempts FROM outbox WHERE id = $OB_D")"
expect_match "(b) 400: last_error names the status" '400' "$(sql "SELECT last_error FROM outbox WHERE id = $OB_D")"
nap 2.5   # a retry would come within the 1-2 s back-off
expect_eq "(b) 400: no second attempt" 1 "$(ag_count ' webhook:')"
DEAD=$("$ADUAN_BIN" outbox --dead -c "$CONF" -d "$ADUAN_DB" 2>&1) || fail "aduan outbox --dead: $DEAD"
expect_match "(b) aduan outbox --dead lists row $OB_D" "^$OB_D +webhook +dead" "$DEAD"
expect_no_match "(b) aduan outbox --dead lists only dead rows" ' (sent|pending) ' "$DEAD"
# The documented form (aduan --help): outbox retry ID [-c FILE] [-d DATABASE]
OUT=$("$ADUAN_BIN" outbox retry "$OB_D" -c "$CONF" -d "$ADUAN_DB" 2>&1)
RC=$?
if [ "$RC" -ne 0 ]; then
	fail_later "(b) 'aduan outbox retry $OB_D -c CONF -d DB' (the form aduan --help documents) exited $RC: $OUT"
	echo "note: going on with 'aduan outbox -c CONF -d DB retry $OB_D'" >&2
	OUT=$("$ADUAN_BIN" outbox -c "$CONF" -d "$ADUAN_DB" retry "$OB_D" 2>&1) ||
		fail "aduan outbox -c CONF -d DB retry $OB_D: $OUT"
fi
expect_match "(b) aduan outbox retry says so" "$OB_D" "$OUT"
ag_wait '^200 webhook:' 1 10 "(b) the requeued row delivered by the running service"
expect_eq "(b) requeued: the same Idempotency-Key" \
	"$(line_key "$(ag_line '^400 webhook:' 1)")" "$(line_key "$(ag_line '^200 webhook:' 1)")"
wait_for 3 "(b) requeued row $OB_D sent" sql_is "SELECT state FROM outbox WHERE id = $OB_D" sent
ok "(b) 400: dead after 1 attempt, listed by outbox --dead, outbox retry -> delivered"

# ---------------------------------------------------------------------------
# (c) Redelivery after a restart.
# ---------------------------------------------------------------------------
stop_receiver
complaint "${PHONE_R%?}9" "JALAN Jl. Slamet Riyadi jembatan retak" TICKET_C
OB_C=$(outbox_id "$TICKET_C" webhook)
[ -n "$OB_C" ] || fail "(c) no webhook row queued for $TICKET_C"
wait_for 5 "(c) a first attempt while the receiver is down" \
	sql_ge "SELECT attempts FROM outbox WHERE id = $OB_C" 1
stop_checked "$ADUAN_PID" "aduan serve"
ST=$(sql "SELECT state || ' ' || attempts FROM outbox WHERE id = $OB_C")
expect_match "(c) after SIGTERM the row waits (pending, fewer than 3 attempts)" '^pending [12]$' "$ST"
start_receiver
restart_aduan
ag_wait "^200 webhook:.*\"number\":\"$TICKET_C\"" 1 10 "(c) the webhook after the restart"
expect_eq "(c) Idempotency-Key" "$(sql "SELECT idem_key FROM outbox WHERE id = $OB_C")" \
	"$(line_key "$(ag_line '^200 ' 1)")"
wait_for 3 "(c) row $OB_C sent" sql_is "SELECT state FROM outbox WHERE id = $OB_C" sent
ok "(c) receiver down ($ST after stop), aduan restarted on the same database -> delivered"

# ---------------------------------------------------------------------------
# (d) The agency API.
# ---------------------------------------------------------------------------
complaint "$PHONE_T" "tolong ada kejadian aneh menghalangi rumah warga" TICKET_T
expect_eq "(d) the triage complaint's agency" diskominfo \
	"$(sql "SELECT agency FROM complaints WHERE ticket = '$TICKET_T'")"

api GET "$DPUPR_TOKEN" /api/v1/tickets
expect_eq "(d) GET /api/v1/tickets (dpupr): status" 200 "$RESP_STATUS"
expect_match "(d) GET /api/v1/tickets: content type" "$JSON_CT_RE" "$RESP_CTYPE"
LIST=$RESP_BODY
NUMS=$(json_each_get "$LIST" '$.tickets' '$.number')
expect_match "(d) dpupr's list has $TICKET_A" "^$TICKET_A\$" "$NUMS"
expect_no_match "(d) dpupr's list has not the triage ticket $TICKET_T" "$TICKET_T" "$NUMS"
expect_eq "(d) every ticket in dpupr's list is dpupr's" dpupr \
	"$(json_each_get "$LIST" '$.tickets' '$.agency' | sort -u | tr '\n' ' ' | sed 's/ $//')"
expect_eq "(d) dpupr's list: the count of dpupr tickets in the store" \
	"$(sql "SELECT count(*) FROM complaints WHERE agency = 'dpupr'")" \
	"$(json_len "$LIST" '$.tickets')"
expect_no_match "(d) no full phone number in the list" '81234567890|81298765432' "$LIST"

api GET "$TRIAGE_TOKEN" /api/v1/tickets
expect_eq "(d) GET /api/v1/tickets (diskominfo): status" 200 "$RESP_STATUS"
expect_match "(d) diskominfo's list has $TICKET_T" "\"number\":\"$TICKET_T\"" "$RESP_BODY"
expect_no_match "(d) diskominfo's list has not $TICKET_A" "$TICKET_A" "$RESP_BODY"

api GET "$DPUPR_TOKEN" "/api/v1/tickets/$TICKET_A"
expect_eq "(d) GET one (dpupr, own): status" 200 "$RESP_STATUS"
expect_eq "(d) GET one: number" "$TICKET_A" "$(json_get "$RESP_BODY" '$.number')"
expect_eq "(d) GET one: events is an array" array "$(json_type_of "$RESP_BODY" '$.events')"
expect_match "(d) GET one: reporter phone masked" '^\+62[0-9]{3}\*+[0-9]{3}$' \
	"$(json_get "$RESP_BODY" '$.reporter.phone')"

api GET "$DPUPR_TOKEN" "/api/v1/tickets/$TICKET_T"
OTHER_ST=$RESP_STATUS OTHER_CT=$RESP_CTYPE OTHER_BODY=$RESP_BODY
valid_unissued_ticket NEVER
api GET "$DPUPR_TOKEN" "/api/v1/tickets/$NEVER"
expect_eq "(d) GET another agency's ticket: status" 404 "$OTHER_ST"
expect_eq "(d) GET another agency's ticket = GET an unknown number (status)" "$RESP_STATUS" "$OTHER_ST"
expect_eq "(d) ... (content type)" "$RESP_CTYPE" "$OTHER_CT"
expect_eq "(d) ... (body, numbers masked)" "${RESP_BODY//$NEVER/<n>}" "${OTHER_BODY//$TICKET_T/<n>}"
api POST "$DPUPR_TOKEN" "/api/v1/tickets/$TICKET_T/events" '{"status":"in_progress"}'
expect_eq "(d) POST on another agency's ticket: status" 404 "$RESP_STATUS"
expect_eq "(d) ... no event written" 0 \
	"$(sql "SELECT count(*) FROM events e JOIN complaints c ON c.id = e.complaint_id WHERE c.ticket = '$TICKET_T' AND e.actor = 'dpupr'")"
# Triage (the verifier) reads every ticket, one a rule sent straight to dpupr too.
api GET "$TRIAGE_TOKEN" "/api/v1/tickets/$TICKET_A"
expect_eq "(d) triage GETs dpupr's rule-routed ticket: status" 200 "$RESP_STATUS"
expect_eq "(d) ... its agency" dpupr "$(json_get "$RESP_BODY" '$.agency')"
api GET "$TRIAGE_TOKEN" "/api/v1/tickets?agency=all"
expect_match "(d) triage's ?agency=all lists $TICKET_A" "\"number\":\"$TICKET_A\"" "$RESP_BODY"
api POST "$TRIAGE_TOKEN" "/api/v1/tickets/$TICKET_A/events" '{"status":"in_progress"}'
expect_eq "(d) triage setting in_progress on dpupr's ticket: status" 403 "$RESP_STATUS"
expect_eq "(d) ... no event written" 0 \
	"$(sql "SELECT count(*) FROM events e JOIN complaints c ON c.id = e.complaint_id WHERE c.ticket = '$TICKET_A' AND e.actor = 'diskominfo'")"
ok "(d) listing and reading per agency; another agency's ticket = unknown number (404 \"${OTHER_BODY%$'\n'}\"); triage reads every ticket"

api GET "" /api/v1/tickets
expect_eq "(d) no Authorization: status" 401 "$RESP_STATUS"
api GET "demo-token-dpupr-salah" /api/v1/tickets
expect_eq "(d) wrong token: status" 401 "$RESP_STATUS"
http_must "Basic auth" -H "Authorization: Basic $(printf 'dpupr:%s' "$DPUPR_TOKEN" | base64)" "$ADUAN_URL/api/v1/tickets"
expect_eq "(d) Basic instead of Bearer: status" 401 "$RESP_STATUS"
api POST "" "/api/v1/tickets/$TICKET_A/events" '{"status":"in_progress"}'
expect_eq "(d) POST without a token: status" 401 "$RESP_STATUS"
api GET "demo-token-dpupr-salah" "/api/v1/tickets/$TICKET_A"
expect_eq "(d) GET one with a wrong token: status" 401 "$RESP_STATUS"
expect_no_match "(d) 401 says nothing of the ticket" "$TICKET_A|dpupr" "$RESP_BODY"
ok "(d) missing, wrong or Basic token -> 401"

# Bad requests: 400 with a reason, nothing written.
EV_BEFORE=$(sql "SELECT count(*) FROM events")
OB_BEFORE=$(sql "SELECT count(*) FROM outbox")
for body in '{"status": "in_progress"' '["in_progress"]' '{"status":"selesai"}' \
	'{"status":"in_progress","colour":"red"}' '{"status":42}' '' 'status=in_progress'; do
	api POST "$DPUPR_TOKEN" "/api/v1/tickets/$TICKET_A/events" "$body"
	expect_eq "(d) POST body [$body]: status" 400 "$RESP_STATUS"
	expect_match "(d) POST body [$body]: a reason" '[A-Za-z]{4}' "$(json_get "$RESP_BODY" '$.error')"
done
expect_eq "(d) bad requests: events unchanged" "$EV_BEFORE" "$(sql "SELECT count(*) FROM events")"
expect_eq "(d) bad requests: outbox unchanged" "$OB_BEFORE" "$(sql "SELECT count(*) FROM outbox")"
api POST "$DPUPR_TOKEN" "/api/v1/tickets/$TICKET_A/events" '{"status": "in_progress"'
ok "(d) bad JSON and bad fields -> 400 with a reason (\"$(json_get "$RESP_BODY" '$.error')\"), nothing written"

# STOP: the reporter of TICKET_S asks for no notifications.
complaint "$PHONE_S" "JALAN Jl. Kartini saluran got mampet" TICKET_S
sms "$PHONE_S" "STOP"
expect_eq "(d) STOP stored" 0 "$(sql "SELECT notify FROM phones WHERE phone = '$(e164 "$PHONE_S")'")"
ag_wait "\"number\":\"$TICKET_S\"" 1 10 "(d) ticket.created for $TICKET_S"

# Status changes of TICKET_A: each a webhook and an SMS.
NOTE1="Tim sudah ke lokasi, perbaikan dijadwalkan minggu ini"
api POST "$DPUPR_TOKEN" "/api/v1/tickets/$TICKET_S/events" '{"status":"in_progress"}'
expect_eq "(d) in_progress on the STOP reporter's ticket: status" 200 "$RESP_STATUS"
api POST "$DPUPR_TOKEN" "/api/v1/tickets/$TICKET_A/events" \
	"{\"status\":\"in_progress\",\"note\":\"$NOTE1\"}"
expect_eq "(d) routed -> in_progress: status" 200 "$RESP_STATUS"
expect_match "(d) routed -> in_progress: content type" "$JSON_CT_RE" "$RESP_CTYPE"
expect_eq "(d) the answer's status" in_progress "$(json_get "$RESP_BODY" '$.status')"
expect_eq "(d) stored status" in_progress "$(sql "SELECT status FROM complaints WHERE ticket = '$TICKET_A'")"
ag_wait "\"event\":\"ticket.status\".*\"number\":\"$TICKET_A\"" 1 10 "(d) ticket.status webhook (in_progress)"
W=$(line_body "$(ag_line "\"event\":\"ticket.status\".*\"number\":\"$TICKET_A\"" 1)")
expect_eq "(d) ticket.status webhook: ticket.status" in_progress "$(json_get "$W" '$.ticket.status')"
expect_eq "(d) ticket.status webhook: previous_status" routed "$(json_get "$W" '$.previous_status')"
expect_eq "(d) ticket.status webhook: note" "$NOTE1" "$(json_get "$W" '$.note')"
expect_eq "(d) ticket.status webhook: actor" dpupr "$(json_get "$W" '$.actor')"
at_wait "$(e164 "$PHONE_A")" "$TICKET_A.*sedang ditangani" 10
SMS1=$(at_lines "$(e164 "$PHONE_A")" | tail -n 1)
expect_match "(d) status SMS has the note" "Tim sudah ke lokasi" "$(printf '%s' "$SMS1" | cut -f6)"
expect_eq "(d) status SMS from (sms_sender.from)" "$AT_FROM" "$(printf '%s' "$SMS1" | cut -f5)"
expect_eq "(d) status SMS username" "$AT_USER" "$(printf '%s' "$SMS1" | cut -f3)"
ok "(d) routed -> in_progress: 200, ticket.status webhook, SMS \"$(printf '%s' "$SMS1" | cut -f6)\""

ag_wait "\"event\":\"ticket.status\".*\"number\":\"$TICKET_S\"" 1 10 "(d) ticket.status webhook for the STOP reporter's ticket"
expect_eq "(d) no SMS queued for $PHONE_S after STOP" 0 \
	"$(sql "SELECT count(*) FROM outbox WHERE kind = 'sms' AND recipient = '$(e164 "$PHONE_S")'")"
expect_eq "(d) no SMS at tool_atapi for $PHONE_S" "" "$(at_lines "$(e164 "$PHONE_S")")"
ok "(d) after STOP: webhook yes, SMS no"

api POST "$DPUPR_TOKEN" "/api/v1/tickets/$TICKET_A/events" '{"status":"resolved","note":"Sudah ditambal"}'
expect_eq "(d) in_progress -> resolved: status" 200 "$RESP_STATUS"
ag_wait "\"event\":\"ticket.status\".*\"number\":\"$TICKET_A\".*|\"number\":\"$TICKET_A\".*\"event\":\"ticket.status\"" 2 10 \
	"(d) ticket.status webhook (resolved)"
expect_eq "(d) webhook (resolved): ticket.status" resolved \
	"$(json_get "$(line_body "$(ag_line "\"event\":\"ticket.status\".*\"number\":\"$TICKET_A\"" 2)")" '$.ticket.status')"
at_wait "$(e164 "$PHONE_A")" "$TICKET_A.*selesai" 10
api POST "$DPUPR_TOKEN" "/api/v1/tickets/$TICKET_A/events" '{"status":"routed"}'
expect_eq "(d) resolved -> routed: status" 409 "$RESP_STATUS"
expect_match "(d) resolved -> routed: a reason" '[A-Za-z]{4}' "$(json_get "$RESP_BODY" '$.error')"
REASON409=$(json_get "$RESP_BODY" '$.error')
expect_eq "(d) after the 409 the status stays" resolved "$(sql "SELECT status FROM complaints WHERE ticket = '$TICKET_A'")"
# Resolved waits for the reporter (LAPOR!): dpupr cannot close it yet.
api POST "$DPUPR_TOKEN" "/api/v1/tickets/$TICKET_A/events" '{"status":"closed"}'
expect_eq "(d) resolved -> closed within the reporter's window: status" 409 "$RESP_STATUS"
expect_match "(d) ... says until when" 'waits for its reporter until 20[0-9-]+T' "$(json_get "$RESP_BODY" '$.error')"
REASON_WINDOW=$(json_get "$RESP_BODY" '$.error')
# The reporter answers "belum selesai": the ticket is reopened, dpupr told.
sms "$PHONE_A" "TAMBAH $TICKET_A lubangnya muncul lagi setelah hujan"
expect_match "(d) TAMBAH after resolved: the reply says reopened" "Tiket $TICKET_A dibuka kembali" "$SMS_REPLY"
expect_eq "(d) TAMBAH after resolved: stored status" in_progress \
	"$(sql "SELECT status FROM complaints WHERE ticket = '$TICKET_A'")"
expect_eq "(d) TAMBAH after resolved: a new follow-up due date" 1 \
	"$(sql "SELECT followup_due > strftime('%s','now') + 86400 FROM complaints WHERE ticket = '$TICKET_A'")"
ag_wait "\"event\":\"ticket.status\".*\"number\":\"$TICKET_A\"" 3 10 "(d) ticket.status webhook (reopened)"
W=$(line_body "$(ag_line "\"event\":\"ticket.status\".*\"number\":\"$TICKET_A\"" 3)")
expect_eq "(d) reopened webhook: actor" citizen "$(json_get "$W" '$.actor')"
expect_eq "(d) reopened webhook: action" reopened "$(json_get "$W" '$.action')"
expect_eq "(d) reopened webhook: previous_status" resolved "$(json_get "$W" '$.previous_status')"
api POST "$DPUPR_TOKEN" "/api/v1/tickets/$TICKET_A/events" '{"status":"resolved","note":"Ditambal ulang"}'
expect_eq "(d) reopened -> resolved: status" 200 "$RESP_STATUS"
at_wait "$(e164 "$PHONE_A")" "$TICKET_A.*Ditambal ulang" 10
# The window ends (set back here, as if ten working days had passed): the
# service-level tick (every 5 s) closes it and texts the reporter.
sql "UPDATE complaints SET close_due = strftime('%s','now') - 1 WHERE ticket = '$TICKET_A'" >/dev/null
wait_for 15 "(d) the tick closes $TICKET_A after the window" \
	sql_is "SELECT status FROM complaints WHERE ticket = '$TICKET_A'" closed
at_wait "$(e164 "$PHONE_A")" "$TICKET_A.*ditutup" 10
ag_wait "\"event\":\"ticket.status\".*\"number\":\"$TICKET_A\"" 5 10 "(d) ticket.status webhook (closed)"
expect_eq "(d) ticket.status webhooks for $TICKET_A" \
	"in_progress resolved in_progress resolved closed" \
	"$(grep -E "\"event\":\"ticket.status\".*\"number\":\"$TICKET_A\"" "$AG_LOG" | while IFS= read -r l; do
		json_get "$(line_body "$l")" '$.ticket.status'; done | tr '\n' ' ' | sed 's/ $//')"
expect_eq "(d) actor of the closing" aduan \
	"$(json_get "$(line_body "$(ag_line "\"event\":\"ticket.status\".*\"number\":\"$TICKET_A\"" 5)")" '$.actor')"
expect_eq "(d) status SMS to $PHONE_A (in_progress, resolved, resolved again, closed)" 4 \
	"$(at_lines "$(e164 "$PHONE_A")" | grep -c .)"
ok "(d) -> resolved 200, -> routed 409 \"$REASON409\", -> closed 409 \"$REASON_WINDOW\"; TAMBAH reopened it; the tick closed it after the window"

# Inside the signed body (tool_agency logs only what verified): an event id
# per event and a sequence that grows with each event of the ticket, so a
# replay under a new Idempotency-Key is recognised and late arrivals ordered.
A_LINES=$(grep -E "^200 .*\"number\":\"$TICKET_A\"" "$AG_LOG")
A_IDS=$(printf '%s\n' "$A_LINES" | while IFS= read -r l; do json_get "$(line_body "$l")" '$.event_id'; done)
A_SEQS=$(printf '%s\n' "$A_LINES" | while IFS= read -r l; do json_get "$(line_body "$l")" '$.seq'; done)
A_N=$(printf '%s\n' "$A_LINES" | grep -c .)
[ "$A_N" -ge 3 ] || fail "(d) expected at least the 3 ticket.status webhooks of $TICKET_A in $AG_LOG, got $A_N"
expect_eq "(d) each has an event_id of 32 hex digits" "$A_N" "$(printf '%s\n' "$A_IDS" | grep -cE '^[0-9a-f]{32}$')"
expect_eq "(d) the event ids differ" "$A_N" "$(printf '%s\n' "$A_IDS" | sort -u | grep -c .)"
expect_eq "(d) seq grows with each event of $TICKET_A" "$(printf '%s\n' "$A_SEQS" | sort -n -u | tr '\n' ' ')" \
	"$(printf '%s\n' "$A_SEQS" | tr '\n' ' ')"
expect_eq "(d) seq values are integers" "$A_N" "$(printf '%s\n' "$A_SEQS" | grep -cE '^[0-9]+$')"
ok "(d) webhooks of $TICKET_A carry event_id and seq inside the signed body: seq $(printf '%s' "$A_SEQS" | tr '\n' ' ')"

# Internal note by dpupr's named token: in the history with who, at dpupr, not
# at the citizen's phone nor on Open311.
SMS_A_BEFORE=$(at_lines "$(e164 "$PHONE_A")" | grep -c .)
api POST "$NAMED_TOKEN" "/api/v1/tickets/$TICKET_A/events" \
	'{"note":"Kontraktor CV Maju, SPK 17/2026","internal":true}'
expect_eq "(d) internal note by the named token: status" 200 "$RESP_STATUS"
EV=$(json_get "$RESP_BODY" '$.events[#-1]')
expect_eq "(d) internal note: event actor" dpupr "$(json_get "$EV" '$.actor')"
expect_eq "(d) internal note: event by (the token's name)" sistem-dpupr "$(json_get "$EV" '$.by')"
expect_eq "(d) internal note: event internal" 1 "$(json_get "$EV" '$.internal')"
ag_wait "\"event\":\"ticket.note\".*\"number\":\"$TICKET_A\"" 1 10 "(d) ticket.note webhook (internal)"
W=$(line_body "$(ag_line "\"event\":\"ticket.note\".*\"number\":\"$TICKET_A\"" 1)")
expect_eq "(d) internal webhook: by" sistem-dpupr "$(json_get "$W" '$.by')"
expect_eq "(d) internal webhook: internal" 1 "$(json_get "$W" '$.internal')"
expect_eq "(d) internal webhook: note" "Kontraktor CV Maju, SPK 17/2026" "$(json_get "$W" '$.note')"
expect_eq "(d) no SMS queued with the internal note" 0 \
	"$(sql "SELECT count(*) FROM outbox WHERE kind = 'sms' AND body LIKE '%Kontraktor%'")"
nap 0.5
expect_eq "(d) no SMS at tool_atapi for the internal note" "$SMS_A_BEFORE" \
	"$(at_lines "$(e164 "$PHONE_A")" | grep -c .)"
ok "(d) internal note by token sistem-dpupr: event and webhook say by/internal, no SMS"

# MULAI: notifications again.
sms "$PHONE_S" "MULAI"
api POST "$DPUPR_TOKEN" "/api/v1/tickets/$TICKET_S/events" '{"status":"resolved"}'
expect_eq "(d) resolved after MULAI: status" 200 "$RESP_STATUS"
at_wait "$(e164 "$PHONE_S")" "$TICKET_S.*selesai" 10
ok "(d) after MULAI the reporter gets the status SMS again"

# Re-routing: triage (diskominfo) sends its ticket to dpupr.
api POST "$DPUPR_TOKEN" "/api/v1/tickets/$TICKET_T/events" '{"status":"routed","agency":"dpupr"}'
expect_eq "(d) dpupr re-routing triage's ticket (not its own): status" 404 "$RESP_STATUS"
api POST "$TRIAGE_TOKEN" "/api/v1/tickets/$TICKET_T/events" '{"status":"routed","agency":"dpupr","note":"Pohon di jalan kabupaten"}'
expect_eq "(d) re-route by diskominfo: status" 200 "$RESP_STATUS"
expect_eq "(d) re-route: the answer's agency" dpupr "$(json_get "$RESP_BODY" '$.agency')"
expect_eq "(d) re-route: stored agency" dpupr "$(sql "SELECT agency FROM complaints WHERE ticket = '$TICKET_T'")"
api GET "$DPUPR_TOKEN" /api/v1/tickets
expect_match "(d) dpupr now lists $TICKET_T" "\"number\":\"$TICKET_T\"" "$RESP_BODY"
api GET "$TRIAGE_TOKEN" "/api/v1/tickets/$TICKET_T"
expect_eq "(d) diskominfo (triage) still reads $TICKET_T" 200 "$RESP_STATUS"
api GET "$TRIAGE_TOKEN" /api/v1/tickets
expect_no_match "(d) ... but it left triage's own list" "\"number\":\"$TICKET_T\"" "$RESP_BODY"
ag_wait "\"event\":\"ticket.created\".*\"number\":\"$TICKET_T\"" 1 10 "(d) ticket.created at dpupr for the re-routed ticket"
W=$(line_body "$(ag_line "\"number\":\"$TICKET_T\"" 1)")
expect_eq "(d) re-routed webhook: event" ticket.created "$(json_get "$W" '$.event')"
expect_eq "(d) re-routed webhook: previous_agency" diskominfo "$(json_get "$W" '$.previous_agency')"
expect_eq "(d) re-routed webhook: ticket.agency" dpupr "$(json_get "$W" '$.ticket.agency')"
at_wait "$(e164 "$PHONE_T")" "$TICKET_T.*diteruskan" 10
# The citizen adds a note by SMS: the agency it is with now hears of it.
sms "$PHONE_T" "TAMBAH $TICKET_T pohonnya besar, dua meter"
ag_wait "\"event\":\"ticket.note\".*\"number\":\"$TICKET_T\"" 1 10 "(d) ticket.note webhook for TAMBAH"
W=$(line_body "$(ag_line "\"event\":\"ticket.note\".*\"number\":\"$TICKET_T\"" 1)")
expect_eq "(d) ticket.note webhook: actor" citizen "$(json_get "$W" '$.actor')"
expect_eq "(d) ticket.note webhook: note" "pohonnya besar, dua meter" "$(json_get "$W" '$.note')"
ok "(d) re-route by triage: dpupr lists it, gets ticket.created, reporter SMS \"$(at_lines "$(e164 "$PHONE_T")" | tail -n 1 | cut -f6)\""

# "Bukan wewenang": dpupr returns a ticket a rule sent it; triage takes it
# back and finds it is a duplicate of TICKET_A.  The reporter is never told
# "ditolak"; they are told the original's number.
complaint "$PHONE_B" "JALAN Jl. Pemuda depan SMP 3 masih berlubang" TICKET_B
expect_eq "(d) $TICKET_B went to dpupr by rule" dpupr "$(sql "SELECT agency FROM complaints WHERE ticket = '$TICKET_B'")"
api POST "$DPUPR_TOKEN" "/api/v1/tickets/$TICKET_B/events" '{"return":true}'
expect_eq "(d) return without a reason: status" 400 "$RESP_STATUS"
api POST "$DPUPR_TOKEN" "/api/v1/tickets/$TICKET_B/events" \
	'{"return":true,"reason":"bukan wewenang: sudah dilaporkan, tiket lama"}'
expect_eq "(d) return to triage: status" 200 "$RESP_STATUS"
expect_eq "(d) return: stored agency" diskominfo "$(sql "SELECT agency FROM complaints WHERE ticket = '$TICKET_B'")"
expect_eq "(d) return: stored status" received "$(sql "SELECT status FROM complaints WHERE ticket = '$TICKET_B'")"
expect_eq "(d) return: the event" "dpupr|api|returned|1|diskominfo" \
	"$(sql "SELECT e.actor || '|' || d.by_name || '|' || d.action || '|' || d.internal || '|' || d.to_agency
		FROM events e JOIN complaints c ON c.id = e.complaint_id JOIN event_details d ON d.event_id = e.id
		WHERE c.ticket = '$TICKET_B' ORDER BY e.id DESC LIMIT 1")"
api GET "$DPUPR_TOKEN" "/api/v1/tickets/$TICKET_B"
expect_eq "(d) dpupr no longer reads the returned ticket" 404 "$RESP_STATUS"
api GET "$TRIAGE_TOKEN" "/api/v1/tickets?status=received"
expect_match "(d) the returned ticket is in triage's queue" "\"number\":\"$TICKET_B\"" "$RESP_BODY"
ag_wait "\"event\":\"ticket.rerouted_away\".*\"number\":\"$TICKET_B\"" 1 10 "(d) ticket.rerouted_away to dpupr"
expect_eq "(d) no SMS queued to $PHONE_B for the return" 0 \
	"$(sql "SELECT count(*) FROM outbox WHERE kind = 'sms' AND recipient = '$(e164 "$PHONE_B")'")"
api POST "$TRIAGE_TOKEN" "/api/v1/tickets/$TICKET_B/events" \
	"{\"status\":\"rejected\",\"rejection\":\"duplicate\",\"duplicate_of\":\"$TICKET_A\"}"
expect_eq "(d) rejected as a duplicate of $TICKET_A: status" 200 "$RESP_STATUS"
expect_eq "(d) duplicate: the answer links the original" "$TICKET_A" "$(json_get "$RESP_BODY" '$.duplicate_of')"
expect_eq "(d) duplicate: stored link" "$TICKET_A" "$(sql "SELECT l.duplicate_of FROM complaint_links l JOIN complaints c ON c.id = l.complaint_id WHERE c.ticket = '$TICKET_B'")"
at_wait "$(e164 "$PHONE_B")" "$TICKET_B.*sama dengan aduan No tiket $TICKET_A" 10
expect_eq "(d) $PHONE_B was never texted \"ditolak\"" "" "$(at_lines "$(e164 "$PHONE_B")" | cut -f6 | grep ditolak || :)"
ok "(d) dpupr returned $TICKET_B (no SMS), triage rejected it as a duplicate: \"$(at_lines "$(e164 "$PHONE_B")" | tail -n 1 | cut -f6)\""

# ---------------------------------------------------------------------------
# (e) Open311.
# ---------------------------------------------------------------------------
TEXT_O="SAMPAH#Jl. Gatot Subroto & Pasar <Baru>#tumpukan > 2 m & bau, hubungi saya 0813-9876-5432"
complaint "$PHONE_O" "$TEXT_O" TICKET_O
PHONES_NSN="${PHONE_A#0} ${PHONE_T#0} ${PHONE_S#0} ${PHONE_O#0} ${PHONE_B#0} 81398765432"

# o311 PATH WHAT: GET, 200, no phone digits.  Body in O311.
O311=
o311() {
	local flat n
	http_must "GET $1" "$ADUAN_URL$1"
	expect_eq "$2: status" 200 "$RESP_STATUS"
	O311=$RESP_BODY
	expect_no_match "$2: no run of 9+ digits" '[0-9]{9}' "$O311"
	expect_no_match "$2: no +62 number or mask" '\+62|\*\*\*\*' "$O311"
	flat=$(printf '%s' "$O311" | tr -d ' .-')
	for n in $PHONES_NSN; do
		expect_no_match "$2: no phone digits $n (separators removed)" "$n" "$flat"
	done
}

# xml_check WHAT ROOT ITEM COUNT: O311 is well-formed XML of that shape.
xml_check() {
	local what=$1 tag stack=() body rest
	expect_match "$what: XML declaration" '^<\?xml version="1\.0" encoding="[Uu][Tt][Ff]-8"\?>' "$O311"
	body=${O311#*\?>}
	# every & starts an entity
	rest=$(printf '%s' "$body" | grep -oE '&[^;]{0,8};?' | grep -vE '^&(amp|lt|gt|quot|apos);$' || :)
	expect_eq "$what: bare & or unknown entities" "" "$rest"
	# nothing but tags uses < or >
	rest=$(printf '%s' "$body" | sed -E 's#</?[A-Za-z_][A-Za-z0-9_]*>##g; s#<[A-Za-z_][A-Za-z0-9_]*/>##g')
	expect_no_match "$what: < or > outside tags" '[<>]' "$rest"
	# tags balance
	while IFS= read -r tag; do
		case "$tag" in
		*/\>) ;;
		\</*)
			[ "${#stack[@]}" -gt 0 ] || fail "$what: $tag closes nothing"
			[ "<${tag:2}" = "${stack[-1]}" ] || fail "$what: $tag closes ${stack[-1]}"
			unset 'stack[-1]'
			;;
		*) stack+=("$tag") ;;
		esac
	done < <(printf '%s' "$body" | grep -oE '</?[A-Za-z_][A-Za-z0-9_]*/?>')
	expect_eq "$what: unclosed tags" "" "${stack[*]}"
	expect_match "$what: root <$2>" "^[[:space:]]*<$2>" "$body"
	expect_eq "$what: <$3> elements" "$4" "$(printf '%s' "$body" | grep -oE "<$3>" | grep -c .)"
}

RULES=$(awk '/^rules[ \t]*=/ { r = 1 } r && /keyword[ \t]*=[ \t]*"/ {
	v = $0; sub(/.*keyword[ \t]*=[ \t]*"/, "", v); sub(/".*/, "", v); print v }' "$CONF" | tr '\n' ' ' | sed 's/ $//')
NRULES=$(printf '%s' "$RULES" | wc -w)
o311 /open311/v2/services.json "(e) services.json"
expect_match "(e) services.json: content type" "$JSON_CT_RE" "$RESP_CTYPE"
CODES=$(json_each_get "$O311" '$' '$.service_code' | tr '\n' ' ' | sed 's/ $//')
expect_eq "(e) services.json: one service per rule, service_code = keyword" "${RULES% }" "$CODES"
o311 /open311/v2/services.xml "(e) services.xml"
expect_match "(e) services.xml: content type" "$XML_CT_RE" "$RESP_CTYPE"
xml_check "(e) services.xml" services service "$NRULES"
ok "(e) services.json/.xml: $NRULES services ($RULES)"

# codes_of: the service_request_ids of a requests.json body (O311).
ids_of() {
	json_each_get "$O311" '$' '$.service_request_id' | tr '\n' ' ' | sed 's/ $//'
}
o311 /open311/v2/requests.json "(e) requests.json"
expect_match "(e) requests.json: content type" "$JSON_CT_RE" "$RESP_CTYPE"
ALL=$(ids_of)
expect_eq "(e) requests.json: every complaint but the rejected and withdrawn" \
	"$(sql "SELECT count(*) FROM complaints WHERE status NOT IN ('rejected', 'withdrawn')")" \
	"$(printf '%s' "$ALL" | wc -w)"
expect_no_match "(e) requests.json has not the rejected $TICKET_B" "$TICKET_B" "$ALL"
for t in "$TICKET_A" "$TICKET_T" "$TICKET_O"; do
	expect_match "(e) requests.json has $t" "$t" "$ALL"
done
o311 "/open311/v2/requests.json?status=closed" "(e) requests.json?status=closed"
CLOSED=$(ids_of)
expect_match "(e) status=closed has the closed $TICKET_A" "$TICKET_A" "$CLOSED"
expect_no_match "(e) status=closed has not the open $TICKET_O" "$TICKET_O" "$CLOSED"
expect_eq "(e) status=closed: only closed" "closed" "$(json_each_get "$O311" '$' '$.status' | sort -u | tr '\n' ' ' | sed 's/ $//')"
o311 "/open311/v2/requests.json?status=open" "(e) requests.json?status=open"
OPEN=$(ids_of)
expect_no_match "(e) status=open has not the closed $TICKET_A" "$TICKET_A" "$OPEN"
expect_match "(e) status=open has $TICKET_O" "$TICKET_O" "$OPEN"
expect_eq "(e) status=open: only open" open "$(json_each_get "$O311" '$' '$.status' | sort -u | tr '\n' ' ' | sed 's/ $//')"
o311 "/open311/v2/requests.json?service_code=SAMPAH" "(e) requests.json?service_code=SAMPAH"
expect_eq "(e) service_code=SAMPAH: just the SAMPAH complaint" "$TICKET_O" "$(ids_of)"
o311 "/open311/v2/requests.json?service_code=JALAN" "(e) requests.json?service_code=JALAN"
JALAN_IDS=$(ids_of)
expect_match "(e) service_code=JALAN has $TICKET_A" "$TICKET_A" "$JALAN_IDS"
expect_no_match "(e) service_code=JALAN has not $TICKET_O" "$TICKET_O" "$JALAN_IDS"
expect_eq "(e) service_code=JALAN: count" \
	"$(sql "SELECT count(*) FROM complaints WHERE keyword = 'JALAN' AND status NOT IN ('rejected', 'withdrawn')")" \
	"$(printf '%s' "$JALAN_IDS" | wc -w)"
o311 /open311/v2/requests.xml "(e) requests.xml"
expect_match "(e) requests.xml: content type" "$XML_CT_RE" "$RESP_CTYPE"
xml_check "(e) requests.xml" service_requests request "$(printf '%s' "$ALL" | wc -w)"
ok "(e) requests.json/.xml: all, status open/closed, service_code filters"

o311 "/open311/v2/requests/$TICKET_A.json" "(e) requests/$TICKET_A.json"
R=$(json_get "$O311" '$[0]')
expect_eq "(e) one request: array of one" 1 "$(json_len "$O311" '$')"
expect_eq "(e) service_request_id" "$TICKET_A" "$(json_get "$R" '$.service_request_id')"
expect_eq "(e) status" closed "$(json_get "$R" '$.status')"
expect_eq "(e) service_code" JALAN "$(json_get "$R" '$.service_code')"
expect_eq "(e) agency_responsible" "$DPUPR_NAME" "$(json_get "$R" '$.agency_responsible')"
ROW=$(sql "SELECT created_at || ' ' || updated_at FROM complaints WHERE ticket = '$TICKET_A'")
expect_eq "(e) requested_datetime" "$(date -u -d "@${ROW% *}" +%Y-%m-%dT%H:%M:%SZ)" \
	"$(json_get "$R" '$.requested_datetime')"
expect_eq "(e) updated_datetime" "$(date -u -d "@${ROW#* }" +%Y-%m-%dT%H:%M:%SZ)" \
	"$(json_get "$R" '$.updated_datetime')"
for f in service_request_id status service_code agency_responsible requested_datetime \
	updated_datetime address description; do
	[ -n "$(json_type_of "$R" "\$.$f")" ] || fail "(e) requests/$TICKET_A.json has no field $f: $R"
done
expect_eq "(e) description" "$(sql "SELECT description FROM complaints WHERE ticket = '$TICKET_A'")" \
	"$(json_get "$R" '$.description')"
expect_eq "(e) status_notes: the newest public note, never the internal one" "Ditambal ulang" \
	"$(json_get "$R" '$.status_notes')"

o311 "/open311/v2/requests/$TICKET_O.json" "(e) requests/$TICKET_O.json"
R=$(json_get "$O311" '$[0]')
expect_eq "(e) structured: address = the location" "Jl. Gatot Subroto & Pasar <Baru>" "$(json_get "$R" '$.address')"
expect_match "(e) structured: description keeps & and >" 'tumpukan > 2 m & bau' "$(json_get "$R" '$.description')"
expect_eq "(e) structured: status" open "$(json_get "$R" '$.status')"
o311 "/open311/v2/requests/$TICKET_O.xml" "(e) requests/$TICKET_O.xml"
expect_match "(e) requests/$TICKET_O.xml: content type" "$XML_CT_RE" "$RESP_CTYPE"
xml_check "(e) requests/$TICKET_O.xml" service_requests request 1
expect_match "(e) XML escapes the address" 'Gatot Subroto &amp; Pasar &lt;Baru&gt;' "$O311"
expect_match "(e) XML escapes the description" 'tumpukan &gt; 2 m &amp; bau' "$O311"
for f in service_request_id status service_code agency_responsible requested_datetime \
	updated_datetime address description; do
	expect_match "(e) requests/$TICKET_O.xml has <$f>" "<$f>" "$O311"
done
http_must "unknown request" "$ADUAN_URL/open311/v2/requests/$NEVER.json"
expect_eq "(e) requests/<never issued>.json: status" 404 "$RESP_STATUS"
ok "(e) requests/<id>.json/.xml: fields, ISO times, & < > escaped, well-formed, no phone digits"

# No agency wrote a note on TICKET_O: its status_notes is the status, every time.
for i in 1 2 3 4 5 6 7 8 9 10; do
	o311 "/open311/v2/requests/$TICKET_O.json" "(e) requests/$TICKET_O.json without a note, $i"
	expect_eq "(e) without a note, $i: status_notes" routed "$(json_get "$O311" '$[0].status_notes')"
done
pid_alive "$ADUAN_PID" || fail "(e) aduan died answering requests without a note"
http_must "unknown code" "$ADUAN_URL/open311/v2/requests.json?service_code=SAMPAH,TIDAKADA"
expect_eq "(e) unknown service_code: status" 400 "$RESP_STATUS"
expect_match "(e) unknown service_code: says which" "TIDAKADA" "$RESP_BODY"
ok "(e) a request without a note, 10 times: answered, aduan alive; unknown service_code: 400"

# ---------------------------------------------------------------------------
# (f) Africa's Talking delivery reports.
# ---------------------------------------------------------------------------
DLR_LINE=$(at_lines "$(e164 "$PHONE_A")" | grep -F 'sedang ditangani' | head -n 1)
MSGID=$(printf '%s' "$DLR_LINE" | cut -f2)
expect_match "(f) messageId from tool_atapi" '^ATPid_[0-9]+$' "$MSGID"
wait_for 3 "(f) outbox row with provider_id $MSGID" \
	sql_is "SELECT count(*) FROM outbox WHERE provider_id = '$MSGID' AND kind = 'sms' AND state = 'sent'" 1
DLR_FORM="id=$MSGID&status=Success&phoneNumber=$(urlencode "$(e164 "$PHONE_A")")&networkCode=51010&retryCount=0"
http_must "AT dlr, wrong secret" -d "$DLR_FORM" "$ADUAN_URL/africastalking/dlr?secret=salah-rahasia-123"
expect_eq "(f) dlr with a wrong secret: status" 403 "$RESP_STATUS"
expect_eq "(f) ... dlr_state unchanged" "" "$(sql "SELECT dlr_state FROM outbox WHERE provider_id = '$MSGID'")"
http_must "AT dlr" -d "$DLR_FORM" "$ADUAN_URL/africastalking/dlr?secret=$(urlencode "$AT_SECRET")"
expect_eq "(f) dlr Success: status" 200 "$RESP_STATUS"
expect_eq "(f) dlr Success -> dlr_state" delivered "$(sql "SELECT dlr_state FROM outbox WHERE provider_id = '$MSGID'")"
# A late "Sent" (handed to the operator) after "Success" (on the phone).
http_must "AT dlr Sent after Success" -d "id=$MSGID&status=Sent&phoneNumber=$(urlencode "$(e164 "$PHONE_A")")&networkCode=51010" \
	"$ADUAN_URL/africastalking/dlr?secret=$(urlencode "$AT_SECRET")"
expect_eq "(f) dlr Sent after Success: status" 200 "$RESP_STATUS"
expect_eq_later "(f) dlr_state of $MSGID after POST /africastalking/dlr status=Success, then status=Sent" \
	delivered "$(sql "SELECT dlr_state FROM outbox WHERE provider_id = '$MSGID'")"
MSGID2=$(at_lines "$(e164 "$PHONE_T")" | tail -n 1 | cut -f2)
http_must "AT dlr Failed" -d "id=$MSGID2&status=Failed&failureReason=UserDoesNotExist&phoneNumber=$(urlencode "$(e164 "$PHONE_T")")&networkCode=51010" \
	"$ADUAN_URL/africastalking/dlr?secret=$(urlencode "$AT_SECRET")"
expect_eq "(f) dlr Failed: status" 200 "$RESP_STATUS"
expect_eq "(f) dlr Failed -> dlr_state" failed "$(sql "SELECT dlr_state FROM outbox WHERE provider_id = '$MSGID2'")"
http_must "AT dlr unknown id" -d "id=ATPid_999999&status=Success" \
	"$ADUAN_URL/africastalking/dlr?secret=$(urlencode "$AT_SECRET")"
expect_eq "(f) dlr for an unknown id: status (nothing to retry)" 200 "$RESP_STATUS"
ok "(f) AT dlr: Success -> delivered ($MSGID), Failed -> failed ($MSGID2), wrong secret 403"

# ---------------------------------------------------------------------------
# Totals and logs.
# ---------------------------------------------------------------------------
BAD=$(cat "$IT_TMP"/agency.[2-9]*.log "$IT_TMP"/agency.[1-9][0-9]*.log 2>/dev/null | grep ' BADSIG ' || :)
expect_eq "BADSIG lines at the receivers (after the self-test)" "" "$BAD"
expect_eq "tool_atapi refused nothing" "" "$(awk -F'\t' '$1 != 201' "$AT_LOG")"
expect_eq "dead outbox rows left" 0 "$(sql "SELECT count(*) FROM outbox WHERE state = 'dead'")"
expect_no_match "no full phone number in the aduan log" '81234567890|81298765432|85711112222|81311112222|81355556666' \
	"$(cat "$ADUAN_LOG")"
check_log_errors "$ADUAN_LOG" aduan
# Stopped here, so that what they report on the way out is checked too.
stop_checked "$ADUAN_PID" "aduan serve"
stop_receiver
stop_checked "$AT_PID" tool_atapi
check_sanitizer_log "$ADUAN_LOG" aduan
check_log_errors "$ADUAN_LOG" "aduan (after SIGTERM)"
[ -s "$IT_TMP/agency.err" ] && fail "tool_agency reported: $(cat "$IT_TMP/agency.err")"
[ -s "$IT_TMP/atapi.err" ] && fail "tool_atapi reported: $(cat "$IT_TMP/atapi.err")"
ok "no BADSIG, no refused SMS, no dead rows, no unexpected ERROR in the aduan log; all stopped cleanly"
deferred_failures
exit 0
