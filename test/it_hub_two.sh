#!/bin/bash
# it_hub_two: two real `aduan serve` instances, a regency forwarding to a
# provincial Aduan acting as its hub (issue 16's proof on real parts).
#
#   citizen (Kannel-style GET) -> regency aduan -> outbox "hub"
#       -> POST /open311/v2/requests.json at the hub aduan (partner kab-semarang)
#   hub agency API (dpupr) -> in_progress, resolved
#       -> the regency's poll (GET requests/{id}.json, extended_attributes)
#       -> status SMS from the regency -> tool_atapi (the citizen's phone)
#
# Both configs are conf/aduan.conf: the hub's with its commented partner
# kab-semarang made active (our key's SHA-256), the regency's with its
# commented hub group made active and pointed at the hub, polls every 1 s
# up to 2 s, delivery back-off 1..2 s, sms_sender at tool_atapi; each on a
# port and admin port of its own, each with its own database.
#
# Scenarios:
#   (a) a citizen's JALAN SMS at the regency becomes a ticket there and a
#       ticket at the hub with the regency as partner; the regency's API
#       shows the hub's ticket number
#   (b) the hub's agency moves it to in_progress, then resolved: the
#       citizen gets both status SMS from the regency, with the hub's notes;
#       STATUS at the regency names both numbers
#   (c) the hub is killed (SIGKILL) while complaints are being forwarded and
#       started again on its database: every ticket at the hub exactly once,
#       each regency ticket with its own hub number
# and at the end: no unexpected ERROR in either log, the regency stops cleanly.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

TOOL_ATAPI=$ADUAN_TOOLS/tool_atapi

it_init hub_two
[ -x "$TOOL_ATAPI" ] || fail "missing executable: $TOOL_ATAPI (run make first)"

KEY=it-hub-two-kab-semarang-0123456789
SHA=$(printf '%s' "$KEY" | sha256sum | cut -d' ' -f1)
DPUPR_TOKEN=demo-token-dpupr-ganti
TRIAGE_TOKEN=demo-token-diskominfo-ganti
PHONE=081234567001
NOW=$(date +%s)
N=8                     # (c): complaints forwarded around the hub's SIGKILL

e164() { printf '+62%s' "${1#0}"; }

free_port HPORT
free_port HADMIN
free_port RPORT
free_port RADMIN
free_port AT_PORT
HDB=$IT_TMP/hub.db
HLOG=$IT_TMP/hub-aduan.log
: >"$HLOG"
add_log "$HLOG"

# The hub: the example's commented partner, active with our key.
HCONF=$IT_TMP/hub.conf
cp "$ADUAN_CONF" "$HCONF"
awk -v a="$SHA" '
	/^  # partners = \($/ { sub(/# /, ""); inp = 1; print; next }
	inp && /^  #   \{ id = "kab-semarang"/ { sub(/#   /, "    "); print; next }
	inp && /^  #     key_sha256 = / { print "      key_sha256 = \"" a "\"; }"; n++; next }
	inp && /^  # \);$/ { sub(/# /, ""); inp = 0; print; next }
	{ print }
	END { exit n == 1 ? 0 : 3 }' "$HCONF" >"$HCONF.tmp" || fail "no commented partner in $HCONF"
mv -f "$HCONF.tmp" "$HCONF"
conf_set "$HCONF" open311 enabled true
conf_set "$HCONF" server port "$HPORT"
conf_set "$HCONF" admin port "$HADMIN"
OUT=$("$ADUAN_BIN" check --demo -c "$HCONF" 2>&1) || fail "aduan check on the hub's config: $OUT"

# The regency: its hub group, active, at the hub.
RCONF=$IT_TMP/regency.conf
cp "$ADUAN_CONF" "$RCONF"
conf_uncomment_group "$RCONF" hub
conf_set "$RCONF" hub url "\"http://127.0.0.1:$HPORT/open311/v2/\""
conf_set "$RCONF" hub api_key "\"$KEY\""
conf_set "$RCONF" hub poll_seconds 1
conf_set "$RCONF" hub poll_max_seconds 2
conf_set "$RCONF" delivery backoff_initial 1
conf_set "$RCONF" delivery backoff_max 2
conf_set "$RCONF" delivery max_attempts 60
conf_set "$RCONF" delivery timeout 2
conf_set "$RCONF" sms_sender type '"africastalking"'
conf_set "$RCONF" sms_sender url "\"http://127.0.0.1:$AT_PORT/version1/messaging\""
conf_set "$RCONF" server port "$RPORT"
conf_set "$RCONF" admin port "$RADMIN"
OUT=$("$ADUAN_BIN" check --demo -c "$RCONF" 2>&1) || fail "aduan check on the regency's config: $OUT"
AT_USER=$(conf_get "$RCONF" sms_sender username)
AT_KEY=$(conf_get "$RCONF" sms_sender password)

HUB_PID=
start_hub() {
	printf '==== hub aduan on port %s ====\n' "$HPORT" >>"$HLOG"
	"$ADUAN_BIN" serve --demo -c "$HCONF" -p "$HPORT" -d "$HDB" --admin-port "$HADMIN" \
		</dev/null >>"$HLOG" 2>&1 &
	HUB_PID=$!
	track "$HUB_PID" "hub aduan"
	wait_port "$HPORT" 15 "$HUB_PID" "hub aduan serve"
}
AT_LOG=$IT_TMP/atapi.log
"$TOOL_ATAPI" "$AT_PORT" "$AT_USER" "$AT_KEY" "$AT_LOG" </dev/null 2>"$IT_TMP/atapi.err" &
AT_PID=$!
track "$AT_PID" tool_atapi
add_log "$AT_LOG"
wait_port "$AT_PORT" 5 "$AT_PID" tool_atapi
start_hub
ADUAN_CONF=$RCONF
start_aduan_on "$RPORT"
ok "hub aduan on $HPORT, regency aduan on $RPORT, tool_atapi (SMS) on $AT_PORT"

# hub_sql QUERY: on the hub's database.
hub_sql() {
	sqlite3 -batch -noheader -cmd '.timeout 5000' "$HDB" "$1" || fail "sqlite3 (hub) failed: $1"
}
# sms FROM TEXT ID: a Kannel-style callback at the regency; the reply in $REPLY.
sms() {
	http_must "SMS $3" "$(printf '%s/kannel/sms?secret=%s&from=%s&to=1708&text=%s&coding=0&charset=UTF-8&id=%s&time=%s' \
		"$ADUAN_URL" "$(urlencode "$ADUAN_SECRET")" "$(urlencode "$1")" "$(urlencode "$2")" \
		"$3" "$NOW")"
	expect_eq "SMS $3: status" 200 "$RESP_STATUS"
	REPLY=$RESP_BODY
}
# hub_id_of T: the regency's hub_request_id of its ticket T ("" while none).
hub_id_of() {
	http_must "GET $1 (regency)" -H "Authorization: Bearer $TRIAGE_TOKEN" \
		"$ADUAN_URL/api/v1/tickets/$1"
	expect_eq "GET $1 (regency): status" 200 "$RESP_STATUS"
	json_get "$RESP_BODY" '$.hub_request_id'
}
has_hub_id() { [ -n "$(hub_id_of "$1")" ]; }
sms_to() { awk -F'\t' -v to="$(e164 "$1")" '$1 == 201 && $4 == to { print $6 }' "$AT_LOG"; }
sms_count_is() { [ "$(sms_to "$1" | grep -c .)" = "$2" ]; }
# hub_post T JSON: the hub's dpupr posts an event on its ticket T.
hub_post() {
	http_must "POST $1 (hub)" -H "Authorization: Bearer $DPUPR_TOKEN" \
		-H 'Content-Type: application/json' -d "$2" \
		"http://127.0.0.1:$HPORT/api/v1/tickets/$1/events"
	expect_eq "POST $1 (hub) $2: status" 200 "$RESP_STATUS"
}

# ---------------------------------------------------------------------------
# (a) The citizen's SMS at the regency, a ticket at the hub.
# ---------------------------------------------------------------------------
sms "$PHONE" "JALAN Jl. Diponegoro 5 berlubang besar" hub-two-a
TR=$(ticket_in "$REPLY")
[ -n "$TR" ] || fail "(a) no ticket in the regency's reply: $REPLY"
wait_for 20 "(a) the regency's $TR gets the hub's number" has_hub_id "$TR"
TH=$(hub_id_of "$TR")
expect_match "(a) the hub's number is an Aduan ticket" '^[0-9]{8}$' "$TH"
http_must "GET $TH (hub)" -H "Authorization: Bearer $DPUPR_TOKEN" \
	"http://127.0.0.1:$HPORT/api/v1/tickets/$TH"
expect_eq "(a) the hub's dpupr sees $TH" 200 "$RESP_STATUS"
expect_eq "(a) its partner" kab-semarang "$(json_get "$RESP_BODY" '$.partner')"
expect_eq "(a) its channel" open311 "$(json_get "$RESP_BODY" '$.channel')"
expect_eq "(a) its category" JALAN "$(json_get "$RESP_BODY" '$.category')"
expect_match "(a) the citizen's text" 'Diponegoro 5 berlubang besar' \
	"$(json_get "$RESP_BODY" '$.description')"
ok "(a) regency ticket $TR is hub ticket $TH (partner kab-semarang)"

# ---------------------------------------------------------------------------
# (b) The hub's agency acts; the citizen hears it from the regency.
# ---------------------------------------------------------------------------
NOTE1="Petugas DPUPR provinsi dijadwalkan besok pagi"
NOTE2="Lubang sudah ditambal aspal"
T0=$(ms_now)
hub_post "$TH" "{\"status\":\"in_progress\",\"note\":\"$NOTE1\"}"
wait_for 20 "(b) the in_progress SMS from the regency" sms_count_is "$PHONE" 1
MS1=$(($(ms_now) - T0))
expect_match "(b) SMS 1: the regency's ticket and the hub's note" "$TR.*$NOTE1" "$(sms_to "$PHONE")"
expect_eq "(b) regency's $TR" in_progress "$(sql "SELECT status FROM complaints WHERE ticket = '$TR'")"
T0=$(ms_now)
hub_post "$TH" "{\"status\":\"resolved\",\"note\":\"$NOTE2\"}"
wait_for 20 "(b) the resolved SMS from the regency" sms_count_is "$PHONE" 2
MS2=$(($(ms_now) - T0))
expect_match "(b) SMS 2: the hub's note" "$NOTE2" "$(sms_to "$PHONE" | tail -n 1)"
expect_eq "(b) regency's $TR" resolved "$(sql "SELECT status FROM complaints WHERE ticket = '$TR'")"
sms "$PHONE" "STATUS $TR" hub-two-status
expect_match "(b) STATUS: the regency's number" "$TR" "$REPLY"
expect_match "(b) STATUS: the hub's number" "Lapor: $TH" "$REPLY"
nap 3
expect_eq "(b) no SMS more after further polls" 2 "$(sms_to "$PHONE" | grep -c .)"
ok "(b) in_progress in $MS1 ms, resolved in $MS2 ms at the citizen's phone; STATUS: $(printf '%s' "$REPLY" | tr '\n' ' ')"

# ---------------------------------------------------------------------------
# (c) The hub SIGKILLed while complaints are forwarded, then back.
# ---------------------------------------------------------------------------
for ((i = 1; i <= N; i++)); do
	sms "0812345671$(printf '%02d' "$i")" "JALAN got mampet di gang $i dekat pasar" "hub-two-c-$i"
	T[i]=$(ticket_in "$REPLY")
	[ -n "${T[i]}" ] || fail "(c) no ticket in the reply to complaint $i: $REPLY"
	if [ "$i" = $((N / 2)) ]; then
		kill9_pid "$HUB_PID"
		KILLED_AT=$(hub_sql "SELECT count(*) FROM complaint_partner")
	fi
done
nap 2
start_hub
all_forwarded() {
	[ "$(sql "SELECT count(*) FROM outbox WHERE kind = 'hub' AND state <> 'sent'")" = 0 ]
}
wait_for 40 "(c) every hub row at the regency sent" all_forwarded
for ((i = 1; i <= N; i++)); do
	H[i]=$(hub_id_of "${T[i]}")
	[ -n "${H[i]}" ] || fail "(c) regency ticket ${T[i]} has no hub number"
done
expect_eq "(c) complaints from the regency at the hub" $((N + 1)) \
	"$(hub_sql "SELECT count(*) FROM complaint_partner WHERE partner = 'kab-semarang'")"
expect_eq "(c) distinct hub numbers at the regency" $((N + 1)) \
	"$(printf '%s\n' "$TH" "${H[@]}" | sort -u | grep -c .)"
for ((i = 1; i <= N; i++)); do
	expect_match "(c) hub ticket ${H[i]} holds complaint $i" "gang $i dekat pasar" \
		"$(hub_sql "SELECT description FROM complaints WHERE ticket = '${H[i]}'")"
done
expect_eq "(c) complaints with 'gang' at the hub" "$N" \
	"$(hub_sql "SELECT count(*) FROM complaints WHERE description LIKE '%got mampet di gang%'")"
ok "(c) hub SIGKILLed after $KILLED_AT of $((N + 1)) had arrived; back: all $((N + 1)) exactly once, each with its own number"

check_log_errors "$ADUAN_LOG" "regency aduan"
check_log_errors "$HLOG" "hub aduan"
stop_checked "$ADUAN_PID" "regency aduan"
stop_checked "$HUB_PID" "hub aduan"
check_sanitizer_log "$ADUAN_LOG" "regency aduan"
ok "it_hub_two passed"
