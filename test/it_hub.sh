#!/bin/bash
# it_hub: a regency's Aduan forwards chosen tickets to an Open311 hub and
# follows the hub's answer, over real HTTP on loopback.
#
#   Kannel-style GET -> aduan serve -> outbox "hub" -> tool_hub  (the hub)
#   aduan's hub thread -> GET requests/{id}.json  -> status change "by hub"
#                      -> outbox "sms" -> tool_atapi (the citizen's phone)
#
# The config is conf/aduan.conf with its commented hub group made active
# (categories JALAN and SAMPAH, SAMPAH as the hub's KEBERSIHAN, agency
# disperkim) and pointed
# at tool_hub, polls every 1 s up to 2 s; delivery back-off 1..2 s, 60
# attempts, 2 s timeout; sms_sender switched to tool_atapi (as it_agency).
#
# Scenarios:
#   (a) a JALAN complaint is forwarded once; the API shows the hub's id,
#       the history a "forwarded" event; STATUS by SMS names both numbers in
#       one GSM-7 segment; an AIR complaint stays local
#   (b) the hub answers 503 for a while, then 201: exactly one request at
#       the hub (one Idempotency-Key, one NEW), the id stored; the citizen's
#       receipt came at once all the same
#   (c) the hub answers 400: the row is dead, `aduan outbox --dead` shows
#       the hub's own description
#   (d) the hub moves (a)'s ticket to in_progress then resolved (an Aduan
#       hub: extended_attributes): one status SMS each with the hub's note,
#       "by hub" in the history; (b)'s closed by a plain Open311 hub:
#       resolved, one SMS; aduan restarted: no SMS again
#   (e) the hub down: polling logs it once, intake goes on; back: said once
#   (h) a triage ticket routed by hand to disperkim (hub.agencies) is
#       forwarded then, as TRIAGE
#   (g) a hub that answers with a token: the id follows from tokens/{token}.json
#   (f) aduan hub check: a missing service code exits 1, all present 0
# and at the end: no unexpected ERROR in the log, aduan stops cleanly.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

TOOL_HUB=$ADUAN_TOOLS/tool_hub
TOOL_ATAPI=$ADUAN_TOOLS/tool_atapi

it_init hub
for t in "$TOOL_HUB" "$TOOL_ATAPI"; do
	[ -x "$t" ] || fail "missing executable: $t (run make first)"
done

TRIAGE_TOKEN=demo-token-diskominfo-ganti
HUB_KEY=it-hub-key-kabupaten-0123
PHONE_A=081234560001    # (a), (d)
PHONE_B=081234560002    # (b), (d)
PHONE_C=081234560003    # (c)
PHONE_L=081234560004    # (a) the local one, (e)
PHONE_H=081234560005    # (h)
NOW=$(date +%s)

e164() { printf '+62%s' "${1#0}"; }

free_port HUB_PORT
free_port AT_PORT
free_port PORT
HUB_DIR=$IT_TMP/hub
mkdir -p "$HUB_DIR" || fail "mkdir $HUB_DIR"
printf '%s\n' "$HUB_KEY" >"$HUB_DIR/api_key"
: >"$HUB_DIR/log"
HUB_LOG=$HUB_DIR/log

CONF=$IT_TMP/aduan.conf
cp "$ADUAN_CONF" "$CONF"
conf_uncomment_group "$CONF" hub
conf_set "$CONF" hub url "\"http://127.0.0.1:$HUB_PORT/open311/v2/\""
conf_set "$CONF" hub api_key "\"$HUB_KEY\""
conf_set "$CONF" hub agencies '[ "disperkim" ]'
conf_set "$CONF" hub poll_seconds 1
conf_set "$CONF" hub poll_max_seconds 2
conf_set "$CONF" delivery backoff_initial 1
conf_set "$CONF" delivery backoff_max 2
conf_set "$CONF" delivery max_attempts 60
conf_set "$CONF" delivery timeout 2
conf_set "$CONF" sms_sender type '"africastalking"'
conf_set "$CONF" sms_sender url "\"http://127.0.0.1:$AT_PORT/version1/messaging\""
conf_set "$CONF" server port "$PORT"
AT_USER=$(conf_get "$CONF" sms_sender username)
AT_KEY=$(conf_get "$CONF" sms_sender password)
OUT=$("$ADUAN_BIN" check --demo -c "$CONF" 2>&1) || fail "aduan check on the test config: $OUT"
expect_match "aduan check names the hub" "hub http://127.0.0.1:$HUB_PORT/open311/v2/: 2 categories" "$OUT"
ADUAN_CONF=$CONF

HUB_PID=
start_hub() {
	"$TOOL_HUB" "$HUB_PORT" "$HUB_DIR" </dev/null 2>>"$IT_TMP/hub.err" &
	HUB_PID=$!
	track "$HUB_PID" tool_hub
	wait_port "$HUB_PORT" 5 "$HUB_PID" tool_hub
}
AT_LOG=$IT_TMP/atapi.log
"$TOOL_ATAPI" "$AT_PORT" "$AT_USER" "$AT_KEY" "$AT_LOG" </dev/null 2>"$IT_TMP/atapi.err" &
track $! tool_atapi
add_log "$AT_LOG"
add_log "$HUB_LOG"
add_log "$IT_TMP/hub.err"
wait_port "$AT_PORT" 5 $! tool_atapi
start_hub
start_aduan_on "$PORT"
ok "aduan serve, tool_hub (the hub) and tool_atapi (SMS) up"

# sms FROM TEXT ID: a Kannel-style callback; the reply in $REPLY.
sms() {
	http_must "SMS $3" "$(printf '%s/kannel/sms?secret=%s&from=%s&to=1708&text=%s&coding=0&charset=UTF-8&id=%s&time=%s' \
		"$ADUAN_URL" "$(urlencode "$ADUAN_SECRET")" "$(urlencode "$1")" "$(urlencode "$2")" \
		"$3" "$NOW")"
	expect_eq "SMS $3: status" 200 "$RESP_STATUS"
	REPLY=$RESP_BODY
}
# ticket_json T: GET /api/v1/tickets/T as triage, body in $RESP_BODY.
ticket_json() {
	http_must "GET ticket $1" -H "Authorization: Bearer $TRIAGE_TOKEN" "$ADUAN_URL/api/v1/tickets/$1"
	expect_eq "GET ticket $1: status" 200 "$RESP_STATUS"
}
hub_id_of() {
	ticket_json "$1"
	json_get "$RESP_BODY" '$.hub_request_id'
}
has_hub_id() { [ -n "$(hub_id_of "$1")" ]; }
# sms_to PHONE: the SMS tool_atapi accepted for PHONE (E.164), one per line.
sms_to() { awk -F'\t' -v to="$(e164 "$1")" '$1 == 201 && $4 == to { print $6 }' "$AT_LOG"; }
sms_count() { sms_to "$1" | grep -c . ; }
sms_count_is() { [ "$(sms_count "$1")" = "$2" ]; }
hub_lines() { grep -c -- "$1" "$HUB_LOG"; }
hub_lines_ge() { [ "$(hub_lines "$1")" -ge "$2" ]; }
dead_hub_row() { [ -n "$(sql "SELECT id FROM outbox WHERE kind = 'hub' AND state = 'dead' AND idem_key = 'hub:$1'")" ]; }

# ---------------------------------------------------------------------------
# (a) Forwarded once, the hub's id shown; a local category stays local.
# ---------------------------------------------------------------------------
sms "$PHONE_A" "JALAN Jl. Pemuda depan SMP 3 berlubang dalam" it-hub-a
TICKET_A=$(ticket_in "$REPLY")
[ -n "$TICKET_A" ] || fail "(a) no ticket in the reply: $REPLY"
wait_for 15 "(a) hub_request_id of $TICKET_A in the API" has_hub_id "$TICKET_A"
HUB_A=$(hub_id_of "$TICKET_A")
expect_eq "(a) requests at the hub for hub:$TICKET_A" 1 "$(hub_lines " hub:$TICKET_A NEW ")"
expect_match "(a) the hub's line: id, service JALAN, the citizen's text" \
	"^201 hub:$TICKET_A NEW $HUB_A JALAN JALAN Jl. Pemuda depan SMP 3 berlubang dalam\$" \
	"$(grep " hub:$TICKET_A " "$HUB_LOG")"
ticket_json "$TICKET_A"
expect_match "(a) a forwarded event with the hub's id" "forwarded to the hub: request $HUB_A" \
	"$(json_each_get "$RESP_BODY" '$.events' '$.note')"
sms "$PHONE_A" "STATUS $TICKET_A" it-hub-a-status
expect_match "(a) STATUS names the ticket" "$TICKET_A" "$REPLY"
expect_match "(a) STATUS names the hub's number" "Lapor: $HUB_A" "$REPLY"
expect_le "(a) STATUS reply fits one GSM-7 segment (chars)" 160 "${#REPLY}"
sms "$PHONE_L" "AIR PDAM mati tiga hari di Jl. Merak" it-hub-local
TICKET_L=$(ticket_in "$REPLY")
[ -n "$TICKET_L" ] || fail "(a) no ticket in the reply: $REPLY"
expect_eq "(a) AIR ticket: no hub row" 0 "$(sql "SELECT count(*) FROM outbox WHERE kind = 'hub' AND idem_key = 'hub:$TICKET_L'")"
ok "(a) $TICKET_A forwarded once as hub request $HUB_A (API, history, STATUS: $REPLY); AIR stays local"

# ---------------------------------------------------------------------------
# (h) A triage ticket routed by hand to an agency the hub takes: forwarded
#     then, as TRIAGE (the hub routes it by its text).
# ---------------------------------------------------------------------------
sms "$PHONE_H" "tolong ada kejadian aneh di desa kami sejak kemarin" it-hub-h
TICKET_H=$(ticket_in "$REPLY")
[ -n "$TICKET_H" ] || fail "(h) no ticket in the reply: $REPLY"
expect_eq "(h) not forwarded while in triage" 0 \
	"$(sql "SELECT count(*) FROM outbox WHERE kind = 'hub' AND idem_key = 'hub:$TICKET_H'")"
http_must "(h) route by hand" -H "Authorization: Bearer $TRIAGE_TOKEN" \
	-H 'Content-Type: application/json' -d '{"status":"routed","agency":"disperkim"}' \
	"$ADUAN_URL/api/v1/tickets/$TICKET_H/events"
expect_eq "(h) route by hand: HTTP status ($RESP_BODY)" 200 "$RESP_STATUS"
wait_for 15 "(h) hub_request_id of $TICKET_H after routing by hand" has_hub_id "$TICKET_H"
expect_match "(h) the hub's line: service TRIAGE" "^201 hub:$TICKET_H NEW [^ ]+ TRIAGE " \
	"$(grep " hub:$TICKET_H " "$HUB_LOG")"
ok "(h) a triage ticket routed by hand to disperkim (in hub.agencies) forwarded as TRIAGE"

# ---------------------------------------------------------------------------
# (b) 503 for a while, then 201: one request at the hub.
# ---------------------------------------------------------------------------
echo 503 >"$HUB_DIR/post_status"
T0=$(ms_now)
sms "$PHONE_B" "SAMPAH menumpuk di pasar Bandungan belum diangkut" it-hub-b
MS=$(($(ms_now) - T0))
TICKET_B=$(ticket_in "$REPLY")
[ -n "$TICKET_B" ] || fail "(b) no ticket in the reply while the hub fails: $REPLY"
wait_for 20 "(b) three 503 answers to hub:$TICKET_B" hub_lines_ge "^503 hub:$TICKET_B " 3
rm -f "$HUB_DIR/post_status"
wait_for 20 "(b) hub_request_id of $TICKET_B" has_hub_id "$TICKET_B"
HUB_B=$(hub_id_of "$TICKET_B")
expect_eq "(b) requests created at the hub for hub:$TICKET_B" 1 "$(hub_lines " hub:$TICKET_B NEW ")"
expect_eq "(b) ... under its one key, with the hub's code" 1 "$(hub_lines "^201 hub:$TICKET_B NEW $HUB_B KEBERSIHAN ")"
ok "(b) receipt in $MS ms while the hub said 503 ($(hub_lines "^503 hub:$TICKET_B ") times); then one hub request $HUB_B"

# ---------------------------------------------------------------------------
# (c) 400: dead at once, the hub's reason listed.
# ---------------------------------------------------------------------------
echo 400 >"$HUB_DIR/post_status"
sms "$PHONE_C" "JALAN jembatan Ngablak retak" it-hub-c
TICKET_C=$(ticket_in "$REPLY")
[ -n "$TICKET_C" ] || fail "(c) no ticket in the reply: $REPLY"
wait_for 15 "(c) the hub row of $TICKET_C dead" dead_hub_row "$TICKET_C"
rm -f "$HUB_DIR/post_status"
expect_eq "(c) attempts before dead" 1 "$(sql "SELECT attempts FROM outbox WHERE kind = 'hub' AND idem_key = 'hub:$TICKET_C'")"
cli outbox --dead -c "$CONF" -d "$ADUAN_DB"
expect_eq "(c) aduan outbox --dead: exit" 0 "$CLI_RC"
expect_match "(c) aduan outbox --dead shows the hub's reason" \
	"hub .*HTTP 400 from the hub: service_code JALAN is not a service of this hub" "$CLI_OUT"
expect_eq "(c) no hub id on $TICKET_C" "" "$(hub_id_of "$TICKET_C")"
expect_eq "(c) the hub's api_key in no outbox row" 0 "$(sql "SELECT count(*) FROM outbox WHERE body LIKE '%$HUB_KEY%'")"
ok "(c) 400 -> dead row: $(printf '%s\n' "$CLI_OUT" | grep -m1 'HTTP 400' | cut -c1-160)"

# ---------------------------------------------------------------------------
# (d) The hub's status reaches the citizen, once each, even after a restart.
# ---------------------------------------------------------------------------
expect_eq "(d) SMS to A before the hub acted" 0 "$(sms_count "$PHONE_A")"
NOTE1="Tim DPUPR provinsi menuju lokasi"
cat >"$HUB_DIR/request_$HUB_A.json" <<EOF
[{"service_request_id":"$HUB_A","status":"open","status_notes":"$NOTE1","updated_datetime":"2026-12-03T10:00:00Z","extended_attributes":{"aduan_status":"in_progress","status_note":"$NOTE1","agency":"dpupr-prov"}}]
EOF
wait_for 15 "(d) the in_progress SMS to A" sms_count_is "$PHONE_A" 1
expect_match "(d) SMS 1: the ticket and the hub's note" "$TICKET_A.*$NOTE1" "$(sms_to "$PHONE_A")"
expect_eq "(d) $TICKET_A status" in_progress "$(sql "SELECT status FROM complaints WHERE ticket = '$TICKET_A'")"
NOTE2="Lubang sudah ditambal"
cat >"$HUB_DIR/request_$HUB_A.json" <<EOF
[{"service_request_id":"$HUB_A","status":"closed","status_notes":"$NOTE2","updated_datetime":"2026-12-03T11:00:00Z","extended_attributes":{"aduan_status":"resolved","status_note":"$NOTE2","agency":"dpupr-prov"}}]
EOF
wait_for 15 "(d) the resolved SMS to A" sms_count_is "$PHONE_A" 2
expect_match "(d) SMS 2: the hub's note" "$NOTE2" "$(sms_to "$PHONE_A" | tail -n 1)"
expect_eq "(d) $TICKET_A status" resolved "$(sql "SELECT status FROM complaints WHERE ticket = '$TICKET_A'")"
ticket_json "$TICKET_A"
expect_eq "(d) the history's changes were by hub" "hub hub" \
	"$(json_each_get "$RESP_BODY" '$.events' '$.by' | grep -x hub | tr '\n' ' ' | sed 's/ $//')"
# A plain Open311 hub (no extended_attributes): closed -> resolved.
cat >"$HUB_DIR/request_$HUB_B.json" <<EOF
[{"service_request_id":"$HUB_B","status":"closed","status_notes":"Sampah sudah diangkut","updated_datetime":"2026-12-03T11:30:00Z"}]
EOF
wait_for 15 "(d) the resolved SMS to B" sms_count_is "$PHONE_B" 1
expect_eq "(d) $TICKET_B status" resolved "$(sql "SELECT status FROM complaints WHERE ticket = '$TICKET_B'")"
# Polls go on (resolved is still open here); a restart forgets nothing.
stop_checked "$ADUAN_PID" aduan
restart_aduan
nap 4
expect_eq "(d) SMS to A after a restart and more polls" 2 "$(sms_count "$PHONE_A")"
expect_eq "(d) SMS to B after a restart and more polls" 1 "$(sms_count "$PHONE_B")"
ok "(d) in_progress and resolved from the hub: one SMS each; none again after a restart"

# ---------------------------------------------------------------------------
# (e) The hub down: said once, nothing local waits; back: said once.
# ---------------------------------------------------------------------------
stop_checked "$HUB_PID" tool_hub
MARK=$(log_lines "$ADUAN_LOG")
nap 5
T0=$(ms_now)
sms "$PHONE_L" "STATUS $TICKET_L" it-hub-e-status
MS=$(($(ms_now) - T0))
expect_match "(e) STATUS answered while the hub is down" "$TICKET_L" "$REPLY"
expect_eq "(e) 'does not answer' logged once" 1 \
	"$(tail -n +"$MARK" "$ADUAN_LOG" | grep -c 'does not answer')"
start_hub
answers_again() { tail -n +"$MARK" "$ADUAN_LOG" | grep -q 'answers again'; }
wait_for 10 "(e) 'answers again' in the log" answers_again
ok "(e) hub down: logged once, STATUS answered in $MS ms; back: logged once"

# ---------------------------------------------------------------------------
# (g) A hub that answers with a token first: the id follows from tokens/.
# ---------------------------------------------------------------------------
touch "$HUB_DIR/post_token"
sms "$PHONE_L" "JALAN trotoar ambles di Jl. Gatot Subroto" it-hub-g
TICKET_G=$(ticket_in "$REPLY")
[ -n "$TICKET_G" ] || fail "(g) no ticket in the reply: $REPLY"
hub_row_sent() { [ "$(sql "SELECT state FROM outbox WHERE kind = 'hub' AND idem_key = 'hub:$1'")" = sent ]; }
wait_for 15 "(g) the hub row of $TICKET_G sent" hub_row_sent "$TICKET_G"
HUB_G=$(grep " hub:$TICKET_G NEW " "$HUB_LOG" | cut -d' ' -f4)
nap 2
expect_eq "(g) no hub id while the hub has given a token only" "" "$(hub_id_of "$TICKET_G")"
ticket_json "$TICKET_G"
expect_match "(g) the forwarded event names the token" "forwarded to the hub: token tok-$HUB_G" \
	"$(json_each_get "$RESP_BODY" '$.events' '$.note')"
touch "$HUB_DIR/token_ready"
wait_for 15 "(g) the hub id from tokens/tok-$HUB_G.json" has_hub_id "$TICKET_G"
expect_eq "(g) the hub id" "$HUB_G" "$(hub_id_of "$TICKET_G")"
rm -f "$HUB_DIR/post_token" "$HUB_DIR/token_ready"
ok "(g) token tok-$HUB_G, then request $HUB_G once the hub gave it"

# ---------------------------------------------------------------------------
# (f) aduan hub check.
# ---------------------------------------------------------------------------
# Categories only (no agency's tickets forwarded): no TRIAGE code needed.
CONF_C=$IT_TMP/aduan-categories.conf
cp "$CONF" "$CONF_C"
conf_set "$CONF_C" hub agencies '[ ]'
echo '[{"service_code":"JALAN","service_name":"Jalan"}]' >"$HUB_DIR/services.json"
cli hub check -c "$CONF_C"
expect_eq "(f) a code missing at the hub: exit" 1 "$CLI_RC"
expect_match "(f) SAMPAH's code missing" 'SAMPAH +KEBERSIHAN +MISSING' "$CLI_OUT"
expect_match "(f) JALAN's present" 'JALAN +JALAN +ok' "$CLI_OUT"
echo '[{"service_code":"JALAN"},{"service_code":"KEBERSIHAN"}]' >"$HUB_DIR/services.json"
cli hub check -c "$CONF_C"
expect_eq "(f) every code at the hub: exit" 0 "$CLI_RC"
# An agency's tickets forwarded (disperkim): one routed by hand without a
# category goes as TRIAGE, so the hub must have it.
cli hub check -c "$CONF"
expect_eq "(f) an agency forwarded, TRIAGE missing: exit" 1 "$CLI_RC"
expect_match "(f) TRIAGE's line for hand-routed tickets" '\(triage\) +TRIAGE +MISSING' "$CLI_OUT"
# The triage desk's tickets forwarded too: their code is TRIAGE.
CONF_T=$IT_TMP/aduan-triage.conf
cp "$CONF" "$CONF_T"
conf_set "$CONF_T" hub agencies '[ "diskominfo" ]'
cli hub check -c "$CONF_T"
expect_eq "(f) TRIAGE missing at the hub: exit" 1 "$CLI_RC"
expect_match "(f) TRIAGE's line" '\(triage\) +TRIAGE +MISSING' "$CLI_OUT"
echo '[{"service_code":"JALAN"},{"service_code":"KEBERSIHAN"},{"service_code":"TRIAGE"}]' \
	>"$HUB_DIR/services.json"
cli hub check -c "$CONF_T"
expect_eq "(f) TRIAGE at the hub too: exit" 0 "$CLI_RC"
ok "(f) aduan hub check: 1 with a code missing, 0 with all"

check_log_errors "$ADUAN_LOG" aduan
stop_checked "$ADUAN_PID" aduan
check_sanitizer_log "$ADUAN_LOG" aduan
ok "it_hub passed"
