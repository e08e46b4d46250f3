#!/bin/bash
# it_open311_post: partner systems filing complaints through Open311
# GeoReport v2 POST, over real HTTP against a real `aduan serve`.
#
# The config is conf/aduan.conf with the commented open311.partners entry
# made active (its key_sha256 the SHA-256 of this test's key) and a second
# partner added; the JALAN rule's JENIS attribute (the example's) made
# required for (d); a second attribute of type number added; server port.
# SMS going out are observed in the outbox (nothing sends them: the
# example's sms_sender points nowhere reachable, the rows stay queued).
#
# Scenarios:
#   (a) a partner's POST -> 201, a ticket the agency API lists with the
#       partner, channel open311, the attribute; the received event's "by"
#       is the partner
#   (b) every missing or bad field -> 400 naming the field, nothing stored;
#       no key or an unknown key -> 403; JSON body -> 415
#   (c) Idempotency-Key: a retry -> 200, the same ticket, one complaint;
#       the same key from another partner is another ticket
#   (d) services/JALAN.json lists the attributes; a required one enforced;
#       services.json says metadata true
#   (e) phone given -> the agency's status change queues a status SMS to
#       it, and STATUS by SMS from it answers; no phone -> no SMS at all; no
#       receipt SMS (receipt_sms false)
#   (f) GET requests/{id}.json with the partner's key: extended_attributes
#       aduan_status follows the agency, updated_datetime moves; without a
#       key or with the other partner's, the public answer; rejected:
#       404 to the public, closed + aduan_status rejected to the owner
#   (g) a valid key is not held to the per-address limit, a wrong one is
#   (h) open311.receipt_sms = true: a receipt SMS to a given phone, none without
# and no unexpected ERROR line in the log.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init open311_post

KEY_A=it-partner-kab-semarang-0123456789
KEY_B=it-partner-kota-salatiga-987654321
TRIAGE_TOKEN=demo-token-diskominfo-ganti
DPUPR_TOKEN=demo-token-dpupr-ganti
SHA_A=$(printf '%s' "$KEY_A" | sha256sum | cut -d' ' -f1)
SHA_B=$(printf '%s' "$KEY_B" | sha256sum | cut -d' ' -f1)

CONF=$IT_TMP/aduan.conf
cp "$ADUAN_CONF" "$CONF"
# The example's commented partner, made active with our key, and a second one.
awk -v a="$SHA_A" -v b="$SHA_B" '
	/^  # partners = \($/ { sub(/# /, ""); inp = 1; print; next }
	inp && /^  #   \{ id = "kab-semarang"/ { sub(/#   /, "    "); print; next }
	inp && /^  #     key_sha256 = / {
		print "      key_sha256 = \"" a "\"; },"
		print "    { id = \"kota-salatiga\"; name = \"Kota Salatiga\"; key_sha256 = \"" b "\"; }"
		n++; next
	}
	inp && /^  # \);$/ { sub(/# /, ""); inp = 0; print; next }
	{ print }
	END { exit n == 1 ? 0 : 3 }' "$CONF" >"$CONF.tmp" || fail "no commented partner in $CONF"
mv -f "$CONF.tmp" "$CONF"
# JENIS required; a number attribute beside it.
sed -i 's|^\(        datatype = "singlevaluelist"; \)required = false;|\1required = true;|' "$CONF"
sed -i 's|^\(        values = \[ "Berlubang", "Retak", "Longsor", "Banjir", "Lainnya" \]; }\)$|\1,\n      { code = "LEBAR"; description = "Lebar (m)"; datatype = "number"; }|' "$CONF"
grep -q 'required = true;' "$CONF" || fail "JENIS not made required in $CONF"
grep -q 'code = "LEBAR"' "$CONF" || fail "LEBAR not added in $CONF"
conf_set "$CONF" open311 requests_per_minute 6000
conf_set "$CONF" open311 burst 1000
OUT=$("$ADUAN_BIN" check --demo -c "$CONF" 2>&1) || fail "aduan check on the test config: $OUT"
ADUAN_CONF=$CONF
ok "config: two partners, JENIS required, LEBAR added; $OUT"

start_aduan
FORM='Content-Type: application/x-www-form-urlencoded'

# post KEY BODY [header...]: POST requests.json as partner KEY ("" none).
post() {
	local key=$1 body=$2
	shift 2
	[ -n "$key" ] && body="api_key=$(urlencode "$key")&$body"
	http_must "POST requests.json" -H "$FORM" "$@" -d "$body" \
		"$ADUAN_URL/open311/v2/requests.json"
}
api() {
	local args=(-H "Authorization: Bearer $2")
	[ "$1" = POST ] && args+=(-H 'Content-Type: application/json' -d "${4-}")
	http_must "$1 $3" "${args[@]}" "$ADUAN_URL$3"
}
complaints() { sql "SELECT count(*) FROM complaints"; }
GOOD="service_code=JALAN&address_string=$(urlencode 'Jl. Pemuda 12')&description=$(urlencode 'Jalan berlubang besar depan SD 2')&attribute%5BJENIS%5D=Berlubang"

# ---- (a) a partner's complaint ------------------------------------------------
post "$KEY_A" "$GOOD&attribute%5BLEBAR%5D=2.5&media_url=$(urlencode 'https://example.org/foto/1.jpg')"
expect_eq "(a) POST: 201" 201 "$RESP_STATUS"
expect_match "(a) POST: JSON" '^application/json' "$RESP_CTYPE"
T_A=$(json_get "$RESP_BODY" '$[0].service_request_id')
expect_match "(a) service_request_id is a ticket number" '^[0-9]{8}$' "$T_A"
expect_eq "(a) account_id null" null "$(json_type_of "$RESP_BODY" '$[0].account_id')"
api GET "$TRIAGE_TOKEN" "/api/v1/tickets/$T_A"
expect_eq "(a) the agency API has it" 200 "$RESP_STATUS"
expect_eq "(a) partner" kab-semarang "$(json_get "$RESP_BODY" '$.partner')"
expect_eq "(a) channel" open311 "$(json_get "$RESP_BODY" '$.channel')"
expect_eq "(a) category by service_code" JALAN "$(json_get "$RESP_BODY" '$.category')"
expect_eq "(a) JALAN's agency" dpupr "$(json_get "$RESP_BODY" '$.agency')"
expect_eq "(a) attribute JENIS" Berlubang "$(json_get "$RESP_BODY" '$.partner_request.attributes.JENIS')"
expect_eq "(a) media_url" https://example.org/foto/1.jpg "$(json_get "$RESP_BODY" '$.partner_request.media_url')"
expect_eq "(a) no phone: reporter.phone null" null "$(json_type_of "$RESP_BODY" '$.reporter.phone')"
expect_eq "(a) the received event's by is the partner" kab-semarang \
	"$(sql "SELECT d.by_name FROM events e JOIN event_details d ON d.event_id = e.id JOIN complaints c ON c.id = e.complaint_id WHERE c.ticket = '$T_A' AND e.actor = 'citizen'")"
api GET "$TRIAGE_TOKEN" "/api/v1/tickets?agency=$(json_get "$RESP_BODY" '$.agency')"
expect_match "(a) the listing shows it with the partner" "\"number\":\"$T_A\"[^}]*" "$RESP_BODY"
expect_match "(a) the listing shows the partner" '"partner":"kab-semarang"' "$RESP_BODY"
# XML answer
post "$KEY_A" "service_code=triage&lat=-7.13&long=110.40&description=$(urlencode 'lampu jalan mati sejak seminggu')" 
expect_eq "(a) triage code, lat/long only: 201" 201 "$RESP_STATUS"
T_L=$(json_get "$RESP_BODY" '$[0].service_request_id')
api GET "$TRIAGE_TOKEN" "/api/v1/tickets/$T_L"
expect_eq "(a) TRIAGE routes the text (lampu -> a rule)" 1 "$([ -n "$(json_get "$RESP_BODY" '$.category')" ] && echo 1 || echo 0)"
expect_eq "(a) the point is the location" "-7.130000,110.400000" "$(json_get "$RESP_BODY" '$.location')"
http_must "POST .xml" -H "$FORM" -d "api_key=$KEY_A&$GOOD" "$ADUAN_URL/open311/v2/requests.xml"
expect_eq "(a) POST .xml: 201" 201 "$RESP_STATUS"
expect_match "(a) POST .xml: GeoReport's XML" '<service_requests><request><service_request_id>[0-9]{8}</service_request_id>' "$RESP_BODY"

# ---- (b) refused requests store nothing ----------------------------------------
N0=$(complaints)
refused() {     # refused WHAT STATUS FIELD_RE
	expect_eq "(b) $1: $2" "$2" "$RESP_STATUS"
	expect_eq "(b) $1: GeoReport error code" "$2" "$(json_get "$RESP_BODY" '$[0].code')"
	expect_match "(b) $1: names the field" "$3" "$(json_get "$RESP_BODY" '$[0].description')"
	expect_eq "(b) $1: nothing stored" "$N0" "$(complaints)"
}
post "" "$GOOD"; refused "no api_key" 403 api_key
post "wrong-key" "$GOOD"; refused "unknown api_key" 403 api_key
http_must "JSON body" -H 'Content-Type: application/json' -d '{"api_key":"x"}' "$ADUAN_URL/open311/v2/requests.json"
refused "JSON body" 415 'x-www-form-urlencoded'
D="description=$(urlencode 'Jalan rusak')"
post "$KEY_A" "address_string=x&$D"; refused "no service_code" 400 service_code
post "$KEY_A" "service_code=NOPE&address_string=x&$D"; refused "unknown service_code" 400 service_code
post "$KEY_A" "service_code=SAMPAH&$D"; refused "no location" 400 address_string
post "$KEY_A" "service_code=SAMPAH&lat=-7.1&$D"; refused "lat without long" 400 long
post "$KEY_A" "service_code=SAMPAH&lat=91&long=110&$D"; refused "lat out of range" 400 lat
post "$KEY_A" "service_code=SAMPAH&lat=-7.1&long=abc&$D"; refused "long not a number" 400 long
post "$KEY_A" "service_code=SAMPAH&address_string=x"; refused "no description" 400 description
post "$KEY_A" "service_code=SAMPAH&address_string=x&description=%20%20"; refused "empty description" 400 description
post "$KEY_A" "service_code=SAMPAH&address_string=x&description=%FF%FE"; refused "description not UTF-8" 400 description
LONG=$(head -c 5000 /dev/zero | tr '\0' 'a')
post "$KEY_A" "service_code=SAMPAH&address_string=x&description=$LONG"; refused "description too long" 400 description
post "$KEY_A" "service_code=SAMPAH&address_string=x&$D&phone=12ab"; refused "bad phone" 400 phone
post "$KEY_A" "service_code=SAMPAH&address_string=x&$D&email=not-an-address"; refused "bad email" 400 email
post "$KEY_A" "service_code=SAMPAH&address_string=x&$D&media_url=ftp://x/y"; refused "bad media_url" 400 media_url
post "$KEY_A" "service_code=SAMPAH&address_string=x&$D&colour=red"; refused "unknown field" 400 colour
post "$KEY_A" "service_code=SAMPAH&address_string=x&$D&attribute%5BJENIS%5D=Retak"; refused "attribute of another service" 400 'attribute\[JENIS\]'
post "$KEY_A" "service_code=JALAN&address_string=x&$D"; refused "required attribute missing" 400 'attribute\[JENIS\]'
post "$KEY_A" "service_code=JALAN&address_string=x&$D&attribute%5BJENIS%5D=Bagus"; refused "value not in the list" 400 'attribute\[JENIS\]'
post "$KEY_A" "service_code=JALAN&address_string=x&$D&attribute%5BJENIS%5D=Retak&attribute%5BLEBAR%5D=lebar"; refused "number attribute not a number" 400 'attribute\[LEBAR\]'
post "$KEY_A" "$GOOD" -H "Idempotency-Key: $(head -c 101 /dev/zero | tr '\0' k)"; refused "Idempotency-Key too long" 400 Idempotency-Key
check_log_errors "$ADUAN_LOG" aduan

# ---- (c) idempotency -----------------------------------------------------------
N0=$(complaints)
post "$KEY_A" "$GOOD" -H 'Idempotency-Key: kab-smg-req-0001'
expect_eq "(c) first: 201" 201 "$RESP_STATUS"
T_C=$(json_get "$RESP_BODY" '$[0].service_request_id')
post "$KEY_A" "$GOOD" -H 'Idempotency-Key: kab-smg-req-0001'
expect_eq "(c) retry: 200" 200 "$RESP_STATUS"
expect_eq "(c) retry: the same ticket" "$T_C" "$(json_get "$RESP_BODY" '$[0].service_request_id')"
expect_eq "(c) one complaint for both" $((N0 + 1)) "$(complaints)"
post "$KEY_B" "$GOOD" -H 'Idempotency-Key: kab-smg-req-0001'
expect_eq "(c) the same key from another partner: 201" 201 "$RESP_STATUS"
expect_ne "(c) ... another ticket" "$T_C" "$(json_get "$RESP_BODY" '$[0].service_request_id')"
post "$KEY_A" "$GOOD"
post "$KEY_A" "$GOOD"
expect_eq "(c) without the header every POST is a ticket" $((N0 + 4)) "$(complaints)"

# ---- (d) service definitions --------------------------------------------------------
http_must "services/JALAN.json" "$ADUAN_URL/open311/v2/services/JALAN.json"
expect_eq "(d) services/JALAN.json: 200" 200 "$RESP_STATUS"
expect_eq "(d) service_code" JALAN "$(json_get "$RESP_BODY" '$.service_code')"
expect_eq "(d) first attribute" JENIS "$(json_get "$RESP_BODY" '$.attributes[0].code')"
expect_eq "(d) its datatype" singlevaluelist "$(json_get "$RESP_BODY" '$.attributes[0].datatype')"
expect_eq "(d) required" 1 "$(json_get "$RESP_BODY" '$.attributes[0].required')"
expect_eq "(d) its first value" Berlubang "$(json_get "$RESP_BODY" '$.attributes[0].values[0].key')"
expect_eq "(d) second attribute: number" number "$(json_get "$RESP_BODY" '$.attributes[1].datatype')"
http_must "services/jalan.xml" "$ADUAN_URL/open311/v2/services/jalan.xml"
expect_match "(d) XML definition" '<service_definition><service_code>JALAN</service_code><attributes><attribute>.*<code>JENIS</code>.*<values><value><key>Berlubang</key>' "$RESP_BODY"
http_must "services/NOPE.json" "$ADUAN_URL/open311/v2/services/NOPE.json"
expect_eq "(d) unknown service: 404" 404 "$RESP_STATUS"
http_must "services.json" "$ADUAN_URL/open311/v2/services.json"
expect_eq "(d) services.json: JALAN has metadata" 1 "$(json_get "$RESP_BODY" '$[0].metadata')"
N_RULES=$(grep -c '^  { keyword = "' "$CONF")
expect_eq "(d) services.json: the rules and, with partners, TRIAGE last" TRIAGE \
	"$(json_get "$RESP_BODY" "\$[$N_RULES].service_code")"
http_must "services/TRIAGE.json" "$ADUAN_URL/open311/v2/services/TRIAGE.json"
expect_eq "(d) services/TRIAGE.json: 200, no attributes" "200 0" \
	"$RESP_STATUS $(json_len "$RESP_BODY" '$.attributes')"

# ---- (e) status SMS to a given phone, none without ------------------------------------
post "$KEY_A" "$GOOD&phone=$(urlencode '0812-3456-7001')"
expect_eq "(e) with phone: 201" 201 "$RESP_STATUS"
T_P=$(json_get "$RESP_BODY" '$[0].service_request_id')
expect_eq "(e) no receipt SMS (receipt_sms false)" 0 \
	"$(sql "SELECT count(*) FROM outbox o JOIN complaints c ON c.id = o.complaint_id WHERE c.ticket = '$T_P' AND o.kind = 'sms'")"
AG_P=$(sql "SELECT agency FROM complaints WHERE ticket = '$T_P'")
api POST "$DPUPR_TOKEN" "/api/v1/tickets/$T_P/events" '{"status":"in_progress","note":"Tim sudah berangkat"}'
expect_eq "(e) the agency moves it: 200" 200 "$RESP_STATUS"
expect_eq "(e) a status SMS to the partner's reporter" "+6281234567001" \
	"$(sql "SELECT o.recipient FROM outbox o JOIN complaints c ON c.id = o.complaint_id WHERE c.ticket = '$T_P' AND o.kind = 'sms'")"
expect_match "(e) ... naming the ticket" "$T_P" \
	"$(sql "SELECT o.body FROM outbox o JOIN complaints c ON c.id = o.complaint_id WHERE c.ticket = '$T_P' AND o.kind = 'sms'")"
api POST "$DPUPR_TOKEN" "/api/v1/tickets/$T_A/events" '{"status":"in_progress","note":"Dicek"}'
expect_eq "(e) no phone: the agency moves it: 200" 200 "$RESP_STATUS"
expect_eq "(e) no phone: no SMS queued anywhere for it" 0 \
	"$(sql "SELECT count(*) FROM outbox o JOIN complaints c ON c.id = o.complaint_id WHERE c.ticket = '$T_A' AND o.kind = 'sms'")"
expect_eq "(e) no SMS to an empty recipient, ever" 0 "$(sql "SELECT count(*) FROM outbox WHERE kind = 'sms' AND recipient = ''")"
[ -n "$AG_P" ] || fail "(e) no agency for $T_P"
# The reporter asks STATUS by SMS (the Kannel endpoint, as smsbox calls it).
kannel_status() {       # kannel_status FROM ID
	http_must "STATUS by SMS" "$ADUAN_URL/kannel/sms?secret=$(urlencode "$ADUAN_SECRET")&from=$(urlencode "$1")&to=1708&text=$(urlencode "STATUS $T_P")&coding=0&charset=UTF-8&id=$2&time=$(date +%s)"
}
kannel_status 081234567001 it-o311-status-1
expect_eq "(e) STATUS by SMS: 200" 200 "$RESP_STATUS"
expect_match "(e) STATUS from the partner's reporter: the ticket's status" "$T_P" "$RESP_BODY"
OWN_REPLY=$RESP_BODY
kannel_status 081234567999 it-o311-status-2
expect_ne "(e) STATUS from another phone: not the ticket's status" "$OWN_REPLY" "$RESP_BODY"

# ---- (f) the partner follows its own requests ---------------------------------------
own() { http_must "GET requests/$1.json" "$ADUAN_URL/open311/v2/requests/$1.json${2:+?api_key=$(urlencode "$2")}"; }
own "$T_A" "$KEY_A"
expect_eq "(f) owner: 200" 200 "$RESP_STATUS"
expect_eq "(f) owner: aduan_status" in_progress "$(json_get "$RESP_BODY" '$[0].extended_attributes.aduan_status')"
expect_eq "(f) owner: status_note" Dicek "$(json_get "$RESP_BODY" '$[0].extended_attributes.status_note')"
expect_eq "(f) owner: agency" "$(sql "SELECT agency FROM complaints WHERE ticket = '$T_A'")" \
	"$(json_get "$RESP_BODY" '$[0].extended_attributes.agency')"
expect_eq "(f) owner: its own text" "Jalan berlubang besar depan SD 2" "$(json_get "$RESP_BODY" '$[0].description')"
UPD1=$(json_get "$RESP_BODY" '$[0].updated_datetime')
own "$T_A" ""
expect_eq "(f) public: 200" 200 "$RESP_STATUS"
expect_eq "(f) public: no extended_attributes" "" "$(json_type_of "$RESP_BODY" '$[0].extended_attributes')"
own "$T_A" "$KEY_B"
expect_eq "(f) another partner: no extended_attributes" "" "$(json_type_of "$RESP_BODY" '$[0].extended_attributes')"
nap 1.1
api POST "$DPUPR_TOKEN" "/api/v1/tickets/$T_A/events" '{"status":"resolved","note":"Sudah ditambal"}'
expect_eq "(f) resolved: 200" 200 "$RESP_STATUS"
own "$T_A" "$KEY_A"
expect_eq "(f) owner: aduan_status moved" resolved "$(json_get "$RESP_BODY" '$[0].extended_attributes.aduan_status')"
expect_eq "(f) owner: the new note" "Sudah ditambal" "$(json_get "$RESP_BODY" '$[0].extended_attributes.status_note')"
expect_ne "(f) owner: updated_datetime moved" "$UPD1" "$(json_get "$RESP_BODY" '$[0].updated_datetime')"
http_must "GET .xml" "$ADUAN_URL/open311/v2/requests/$T_A.xml?api_key=$KEY_A"
expect_match "(f) XML: extended_attributes nested" '<extended_attributes><aduan_status>resolved</aduan_status>' "$RESP_BODY"
api POST "$TRIAGE_TOKEN" "/api/v1/tickets/$T_C/events" '{"status":"rejected","rejection":"spam","note":"Bukan aduan"}'
expect_eq "(f) rejected: 200" 200 "$RESP_STATUS"
own "$T_C" ""
expect_eq "(f) rejected: 404 to the public" 404 "$RESP_STATUS"
own "$T_C" "$KEY_A"
expect_eq "(f) rejected: 200 to the owner" 200 "$RESP_STATUS"
expect_eq "(f) rejected: status closed" closed "$(json_get "$RESP_BODY" '$[0].status')"
expect_eq "(f) rejected: aduan_status" rejected "$(json_get "$RESP_BODY" '$[0].extended_attributes.aduan_status')"

# ---- (g) rate limits ------------------------------------------------------------------
stop_checked "$ADUAN_PID" aduan
conf_set "$CONF" open311 requests_per_minute 1
conf_set "$CONF" open311 burst 2
conf_set "$CONF" open311 receipt_sms true
# As restart_aduan, with the admin listener (for /metrics at the end).
free_port ADUAN_PORT
free_port ADMIN_PORT
ADUAN_URL=http://127.0.0.1:$ADUAN_PORT
"$ADUAN_BIN" serve --demo -c "$ADUAN_CONF" -p "$ADUAN_PORT" --admin-port "$ADMIN_PORT" \
	-d "$ADUAN_DB" </dev/null >>"$ADUAN_LOG" 2>&1 &
ADUAN_PID=$!
track "$ADUAN_PID" aduan
wait_port "$ADUAN_PORT" 15 "$ADUAN_PID" "aduan serve (restart)"
wait_port "$ADMIN_PORT" 15 "$ADUAN_PID" "admin listener"
LIMITED=0
for i in 1 2 3 4 5 6; do
	post "$KEY_A" "$GOOD"
	[ "$RESP_STATUS" = 201 ] || LIMITED=$((LIMITED + 1))
done
expect_eq "(g) six POSTs with a valid key at once: none limited" 0 "$LIMITED"
post "bad-key-1" "$GOOD"; expect_eq "(g) bad key 1: 403" 403 "$RESP_STATUS"
post "bad-key-2" "$GOOD"; expect_eq "(g) bad key 2: 403" 403 "$RESP_STATUS"
post "bad-key-3" "$GOOD"; expect_eq "(g) bad key 3: the address limit (429)" 429 "$RESP_STATUS"
own "$T_A" "$KEY_A"
expect_eq "(g) the partner still reads its request" 200 "$RESP_STATUS"

# ---- (h) receipt_sms = true (set with (g)'s restart) -------------------------------
post "$KEY_B" "$GOOD&phone=0812-3456-7002"
expect_eq "(h) with phone: 201" 201 "$RESP_STATUS"
T_R=$(json_get "$RESP_BODY" '$[0].service_request_id')
expect_match "(h) receipt_sms: the receipt SMS names the ticket" "$T_R" \
	"$(sql "SELECT o.body FROM outbox o JOIN complaints c ON c.id = o.complaint_id WHERE c.ticket = '$T_R' AND o.kind = 'sms' AND o.recipient = '+6281234567002'")"
post "$KEY_B" "$GOOD"
T_N=$(json_get "$RESP_BODY" '$[0].service_request_id')
expect_eq "(h) receipt_sms without a phone: no SMS" 0 \
	"$(sql "SELECT count(*) FROM outbox o JOIN complaints c ON c.id = o.complaint_id WHERE c.ticket = '$T_N' AND o.kind = 'sms'")"

# Counted like SMS and USSD complaints: (g)'s six and (h)'s two, since the restart.
http_must "GET /metrics" "http://127.0.0.1:$ADMIN_PORT/metrics"
expect_eq "(h) /metrics: complaints created by partners" 8 \
	"$(printf '%s\n' "$RESP_BODY" | sed -n 's/^aduan_complaints_created_total{agency="dpupr",channel="open311"} //p')"

check_log_errors "$ADUAN_LOG" aduan
stop_checked "$ADUAN_PID" aduan
ok "it_open311_post"
