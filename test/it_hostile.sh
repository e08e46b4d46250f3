#!/bin/bash
# it_hostile: hostile requests on every endpoint Aduan serves, over real
# HTTP: every gateway's SMS, USSD and delivery-report endpoint, the agency
# API, Open311, /healthz, and the admin listener's /metrics and
# /admin/reload.  Malformed percent-encodings, invalid UTF-8, NUL bytes,
# 10 KB fields and 1 MB bodies, wrong JSON types, duplicate parameters,
# missing and wrong secrets, wrong methods, absurd Content-Length, clients
# that stop half-way through their headers.
#
# Each must get its exact 4xx with a body that says why, and leave the
# store as it was: the rows of every table are counted (sqlite3 CLI) after
# each request and compared with the count before the first one.  Requests
# whose right answer is a ticket are not hostile and are not here.
#
# The config is the example one with every gateway on and secrets and an
# agency token of this test's own (not the example's published ones).
# Open311 is asserted loosely (any 4xx, store unchanged): whether it is on
# depends on the config's open311 group.  HEAD is left out here: it_http.sh
# checks it (405 on every intake endpoint).  Raw requests go through bash's
# /dev/tcp; curl cannot send a Content-Length that is a lie.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init hostile

KSECRET=it-hostile-kannel-0123
ATSECRET=it-hostile-at-0123456
VSECRET=it-hostile-vonage-0123
ISECRET=it-hostile-infobip-012
GSECRET=it-hostile-generic-012
TWTOKEN=it-hostile-twilio-auth-token
APITOKEN=it-hostile-api-token-dpupr-0123456789
APITOKEN_SHA=$(printf '%s' "$APITOKEN" | sha256sum | cut -d' ' -f1)

free_port ADUAN_PORT
free_port APORT
ADUAN_URL=http://127.0.0.1:$ADUAN_PORT
AURL=http://127.0.0.1:$APORT
ADUAN_CONF=$IT_TMP/aduan.conf
ADUAN_DB=$IT_TMP/aduan.db
ADUAN_LOG=$IT_TMP/aduan.log
ADUAN_SECRET=$KSECRET

# The example config: our secrets, every gateway on, dpupr's token ours
# (and the other demo tokens gone).
DPUPR_SHA=$(conf_agency_value conf/aduan.conf dpupr token_sha256)
[ -n "$DPUPR_SHA" ] || fail "no token_sha256 for dpupr in conf/aduan.conf"
sed -e "s/\"ganti-rahasia-kannel\"/\"$KSECRET\"/" \
	-e "s/\"ganti-rahasia-ussd\"/\"$ATSECRET\"/" \
	-e "s/$DPUPR_SHA/$APITOKEN_SHA/" \
	-e "/token_sha256 = \"[0-9a-f]*\"/{/$APITOKEN_SHA/!s/token_sha256 = \"[0-9a-f]*\";//}" \
	conf/aduan.conf >"$ADUAN_CONF"
sed -i "s|^gateways = {\$|&\n  twilio = { auth_token = \"$TWTOKEN\"; url = \"$ADUAN_URL/twilio/sms\"; };\n  vonage = { secret = \"$VSECRET\"; };\n  infobip = { secret = \"$ISECRET\"; };\n  generic = { secret = \"$GSECRET\"; };|" \
	"$ADUAN_CONF"
expect_eq "the test config has our kannel secret" "$KSECRET" "$(conf_kannel_secret "$ADUAN_CONF")"
expect_eq "the test config has our Africa's Talking secret" "$ATSECRET" "$(conf_at_secret "$ADUAN_CONF")"
expect_eq "the test config has dpupr's token" "$APITOKEN_SHA" \
	"$(conf_agency_value "$ADUAN_CONF" dpupr token_sha256)"
expect_eq "the test config has the four other gateways" 1 \
	"$(grep -c "generic = { secret = \"$GSECRET\"" "$ADUAN_CONF")"

"$ADUAN_BIN" serve --demo -c "$ADUAN_CONF" -p "$ADUAN_PORT" --admin-port "$APORT" -d "$ADUAN_DB" \
	</dev/null >"$ADUAN_LOG" 2>&1 &
ADUAN_PID=$!
track "$ADUAN_PID" aduan
add_log "$ADUAN_LOG"
wait_port "$ADUAN_PORT" 15 "$ADUAN_PID" "aduan serve"
wait_port "$APORT" 15 "$ADUAN_PID" "admin listener"

# ---------------------------------------------------------------------------
# One good complaint first, so that the tables are not all empty and the
# API has a ticket to be hostile about.
# ---------------------------------------------------------------------------
K="$ADUAN_URL/kannel/sms?secret=$KSECRET"
http_must "good Kannel callback" "$K&from=081234567890&to=1708&text=JALAN+rusak+di+depan+pasar&id=it-hostile-1"
expect_eq "good Kannel callback: status" 200 "$RESP_STATUS"
TICKET=$(ticket_in "$RESP_BODY")
[ -n "$TICKET" ] || fail "good Kannel callback: no ticket in [$RESP_BODY]"

# store_counts: "table=N ..." for every table of the database.
TABLES=$(sql "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
COUNT_SQL=
for t in $TABLES; do
	COUNT_SQL="${COUNT_SQL:+$COUNT_SQL UNION ALL }SELECT '$t=' || count(*) FROM \"$t\""
done
# One sqlite3 process for every count (a process per request is slow on a
# busy machine); it holds no transaction between queries.
coproc SQ { sqlite3 -batch -noheader -cmd '.timeout 5000' "$ADUAN_DB" 2>&1; }
track "$SQ_PID" sqlite3
store_counts() {
	local line out=
	printf '%s;\nSELECT '"'"'--end--'"'"';\n' "$COUNT_SQL" >&"${SQ[1]}"
	while IFS= read -r -t 10 -u "${SQ[0]}" line; do
		[ "$line" = --end-- ] && break
		out+="$line "
	done
	[ "$line" = --end-- ] || fail "sqlite3 did not answer the row counts (got [$out])"
	printf '%s' "$out"
}
BASE=$(store_counts)
expect_match "the good callback stored a complaint" 'complaints=1 ' "$BASE"

N=0
DISCOVER=${HOSTILE_DISCOVER:-0}

# check WHAT STATUS ERE: the last response had exactly STATUS ("4xx": any
# 4xx), a body matching ERE (case-insensitive: it says why), and every
# table has the rows it had before the first hostile request.
check() {
	local what=$1 want=$2 ere=$3 now
	N=$((N + 1))
	now=$(store_counts)
	if [ "$DISCOVER" = 1 ]; then
		printf '%-60s %s [%s] %s\n' "$what" "$RESP_STATUS" "$(printf '%s' "$RESP_BODY" | head -c 160 | tr '\n' ' ')" \
			"$([ "$now" = "$BASE" ] || echo "STORE CHANGED: $now")"
		return 0
	fi
	if [ "$want" = 4xx ]; then
		expect_match "$what: a 4xx status" '^4[0-9][0-9]$' "$RESP_STATUS"
	elif [ "$want" = 4xx-or-200 ]; then
		expect_match "$what: a 4xx status (or 200)" '^(4[0-9][0-9]|200)$' "$RESP_STATUS"
	else
		expect_eq "$what: status" "$want" "$RESP_STATUS"
	fi
	expect_match_i "$what: the body says why" "$ere" "$RESP_BODY"
	expect_eq "$what: the store is unchanged (rows per table)" "$BASE" "$now"
}

# hostile WHAT STATUS ERE [tool_http args...] URL
hostile() {
	local what=$1 want=$2 ere=$3
	shift 3
	http_must "$what" "$@"
	check "$what" "$want" "$ere"
}

# raw WHAT STATUS ERE PORT FILE: the bytes of FILE sent as they are on one
# connection; the answer read until the server closes it (10 s at most).
raw() {
	local what=$1 want=$2 ere=$3 port=$4 file=$5 fd line
	exec {fd}<>"/dev/tcp/127.0.0.1/$port" || fail "$what: cannot connect"
	cat "$file" >&"$fd" 2>/dev/null
	RESP_STATUS=
	RESP_BODY=
	if IFS= read -r -t 10 -u "$fd" line; then
		line=${line%$'\r'}
		RESP_STATUS=${line#HTTP/1.? }
		RESP_STATUS=${RESP_STATUS%% *}
		# libmicrohttpd's own error answers (Content-Length it cannot
		# parse) come with their header block twice: skip both.
		while IFS= read -r -t 10 -u "$fd" line; do
			line=${line%$'\r'}
			if [ -z "$line" ]; then
				line=
				IFS= read -r -t 10 -u "$fd" line
				case "$line" in HTTP/1.*) continue ;; esac
				RESP_BODY=$line
				[ -n "$line" ] && RESP_BODY+=$'\n'
				break
			fi
		done
		while IFS= read -r -t 10 -u "$fd" line || [ -n "$line" ]; do
			RESP_BODY+=$line$'\n'
		done
	fi
	exec {fd}>&-
	[ -n "$RESP_STATUS" ] || fail "$what: no HTTP answer on a raw connection"
	check "$what" "$want" "$ere"
}

BIG10K=$(head -c 10240 /dev/zero | tr '\0' 'a')
head -c $((1024 * 1024)) /dev/zero | tr '\0' 'x' | sed 's/^/text=/' >"$IT_TMP/1mb.form"
printf '{"from": "081234567890", "text": "%s"}' "$(head -c $((1024 * 1024)) /dev/zero | tr '\0' 'x')" \
	>"$IT_TMP/1mb.json"
FORM='Content-Type: application/x-www-form-urlencoded'
JSON='Content-Type: application/json'

# ---------------------------------------------------------------------------
# Kannel: /kannel/sms, /kannel/dlr
# ---------------------------------------------------------------------------
KS="$ADUAN_URL/kannel/sms"
OKQ="from=081234567890&to=1708&id=h"
hostile "kannel: no secret" 403 'secret' "$KS?$OKQ&text=JALAN+rusak"
hostile "kannel: wrong secret" 403 'secret' "$KS?secret=wrong-secret-000&$OKQ&text=JALAN+rusak"
hostile "kannel: duplicate secret, the wrong one first" 403 'secret' \
	"$KS?secret=wrong-secret-000&secret=$KSECRET&$OKQ&text=JALAN+rusak"
hostile "kannel: secret with a NUL byte after the right one" 403 'secret' \
	"$KS?secret=$KSECRET%00x&$OKQ&text=JALAN+rusak"
hostile "kannel: no from" 400 'from' "$K&to=1708&text=JALAN+rusak&id=h1"
hostile "kannel: no text" 400 'text' "$K&$OKQ"
hostile "kannel: invalid UTF-8 text" 400 'text' "$K&$OKQ&text=JALAN+%C3%28+rusak&charset=UTF-8"
hostile "kannel: overlong UTF-8 (%C0%AF)" 400 'text' "$K&$OKQ&text=JALAN%C0%AFrusak"
hostile "kannel: NUL byte in text" 400 'text' "$K&$OKQ&text=JALAN%00rusak"
hostile "kannel: UCS-2 text of an odd length" 400 'text' "$K&$OKQ&text=%00J%00&coding=2"
hostile "kannel: UCS-2 lone surrogate" 400 'text' "$K&$OKQ&text=%D8%3D%00A&coding=2"
hostile "kannel: coding 7" 400 'coding' "$K&$OKQ&text=JALAN+rusak&coding=7"
hostile "kannel: unknown charset" 400 'charset' "$K&$OKQ&text=JALAN+rusak&charset=EBCDIC-037"
hostile "kannel: charset with a space" 400 'charset' "$K&$OKQ&text=JALAN+rusak&charset=UTF+8"
hostile "kannel: 10 KB text" 413 'too long' "$K&$OKQ&text=$BIG10K"
hostile "kannel: from of 100 characters" 400 'from' "$K&from=${BIG10K:0:100}&text=JALAN+rusak&id=h2"
hostile "kannel: invalid UTF-8 in from" 400 'from' "$K&from=0812%FF%FE&text=JALAN+rusak&id=h3"
hostile "kannel: from with a NUL byte" 400 'from' "$K&from=0812%0034567890&text=JALAN+rusak&id=h4"
hostile "kannel: to with a space" 400 'to' "$K&from=081234567890&to=17+08&text=JALAN+rusak&id=h5"
hostile "kannel: id with a NUL byte" 400 'id' "$K&from=081234567890&text=JALAN+rusak&id=a%00b"
hostile "kannel: id of 200 characters" 400 'id' "$K&from=081234567890&text=JALAN+rusak&id=${BIG10K:0:200}"
hostile "kannel: time not a number" 400 'time' "$K&$OKQ&text=JALAN+rusak&time=yesterday"
hostile "kannel: time in the year 3001" 400 'time' "$K&$OKQ&text=JALAN+rusak&time=32535215999"
# 1 MB bodies: with a Content-Length (and Expect: 100-continue, so that the
# client does not race the early 413 with its upload), and chunked (no
# length: refused when the count passes server.max_body).
hostile "kannel: 1 MB form body" 413 'too large' -H "Expect: 100-continue" -H "$FORM" \
	-d "@$IT_TMP/1mb.form" "$K&$OKQ"
hostile "kannel: 1 MB form body, chunked" 413 'too large' -H "Transfer-Encoding: chunked" -H "$FORM" \
	-d "@$IT_TMP/1mb.form" "$K&$OKQ"
hostile "kannel: PUT" 405 'method' -X PUT "$K&$OKQ&text=JALAN+rusak"
hostile "kannel: DELETE" 405 'method' -X DELETE "$K&$OKQ&text=JALAN+rusak"
KD="$ADUAN_URL/kannel/dlr"
hostile "kannel dlr: no secret" 403 'secret' "$KD?id=1&type=1"
hostile "kannel dlr: type 3 (two bits)" 400 'type' "$KD?secret=$KSECRET&id=1&type=3"
hostile "kannel dlr: type not a number" 400 'type' "$KD?secret=$KSECRET&id=1&type=%FF"
hostile "kannel dlr: no id" 400 'id' "$KD?secret=$KSECRET&type=1"

# ---------------------------------------------------------------------------
# Africa's Talking: /africastalking/sms, /africastalking/ussd, /africastalking/dlr
# ---------------------------------------------------------------------------
AS="$ADUAN_URL/africastalking/sms"
hostile "AT sms: no secret" 403 'secret' -H "$FORM" -d "from=%2B6281234567890&to=1708&text=JALAN+rusak&id=ATX1" "$AS"
hostile "AT sms: invalid UTF-8 text" 400 'text' -H "$FORM" \
	-d "from=%2B6281234567890&to=1708&text=JALAN%FFrusak&id=ATX2" "$AS?secret=$ATSECRET"
hostile "AT sms: malformed date" 400 'date' -H "$FORM" \
	-d "from=%2B6281234567890&to=1708&text=JALAN+rusak&id=ATX3&date=2026-02-31T08:51:03Z" "$AS?secret=$ATSECRET"
hostile "AT sms: 10 KB text" 413 'too long' -H "$FORM" \
	-d "from=%2B6281234567890&to=1708&text=$BIG10K&id=ATX4" "$AS?secret=$ATSECRET"
AU="$ADUAN_URL/africastalking/ussd"
hostile "AT ussd: GET" 405 'method' "$AU?secret=$ATSECRET&sessionId=S1&phoneNumber=%2B6281234567890&text="
hostile "AT ussd: wrong secret" 403 'secret' -H "$FORM" \
	-d "sessionId=S1&serviceCode=*123%23&phoneNumber=%2B6281234567890&text=" "$AU?secret=nope"
hostile "AT ussd: no sessionId" 400 'session' -H "$FORM" \
	-d "serviceCode=*123%23&phoneNumber=%2B6281234567890&text=" "$AU?secret=$ATSECRET"
hostile "AT ussd: NUL in the session id" 400 'session' -H "$FORM" \
	-d "sessionId=S%001&serviceCode=*123%23&phoneNumber=%2B6281234567890&text=" "$AU?secret=$ATSECRET"
hostile "AT ussd: invalid UTF-8 text" 400 'text' -H "$FORM" \
	-d "sessionId=S2&serviceCode=*123%23&phoneNumber=%2B6281234567890&text=1*%FF" "$AU?secret=$ATSECRET"
hostile "AT ussd: no phoneNumber" 400 'phone' -H "$FORM" \
	-d "sessionId=S3&serviceCode=*123%23&text=" "$AU?secret=$ATSECRET"
ADL="$ADUAN_URL/africastalking/dlr"
hostile "AT dlr: no secret" 403 'secret' -H "$FORM" -d "id=ATX1&status=Success" "$ADL"
hostile "AT dlr: unknown status" 400 'status' -H "$FORM" -d "id=ATX1&status=Teleported" "$ADL?secret=$ATSECRET"

# ---------------------------------------------------------------------------
# Twilio: /twilio/sms, /twilio/status
# ---------------------------------------------------------------------------
TW="$ADUAN_URL/twilio/sms"
TWFORM="MessageSid=SM0123456789abcdef0123456789abcdef&From=%2B6281234567890&To=1708&Body=JALAN+rusak"
hostile "twilio: GET" 405 'POST' "$TW?$TWFORM"
hostile "twilio: no signature" 403 'signature' -H "$FORM" -d "$TWFORM" "$TW"
hostile "twilio: wrong signature" 403 'signature' -H "$FORM" \
	-H "X-Twilio-Signature: AAAAAAAAAAAAAAAAAAAAAAAAAAA=" -d "$TWFORM" "$TW"
hostile "twilio: signature of 10 KB" 403 'signature' -H "$FORM" \
	-H "X-Twilio-Signature: ${BIG10K}" -d "$TWFORM" "$TW"
hostile "twilio status: no signature" 4xx 'signature|not enabled' -H "$FORM" \
	-d "MessageSid=SM1&MessageStatus=delivered" "$ADUAN_URL/twilio/status"

# ---------------------------------------------------------------------------
# Vonage: /vonage/sms, /vonage/dlr
# ---------------------------------------------------------------------------
VS="$ADUAN_URL/vonage/sms?secret=$VSECRET"
VQ="msisdn=6281234567890&to=1708&messageId=0A0000000123ABCD1&type=text"
hostile "vonage: no secret" 403 'secret' "$ADUAN_URL/vonage/sms?$VQ&text=JALAN+rusak"
hostile "vonage: JSON that is not an object" 400 'object' -H "$JSON" -d '[1, 2, 3]' "$VS"
hostile "vonage: malformed JSON" 400 'JSON' -H "$JSON" -d '{"msisdn": "6281234567890", "text": ' "$VS"
hostile "vonage: JSON with a duplicate key" 400 'duplicate' -H "$JSON" \
	-d '{"msisdn": "6281234567890", "messageId": "0A01", "text": "JALAN rusak", "text": "x", "type": "text"}' "$VS"
hostile "vonage: JSON text of the wrong type" 400 'text' -H "$JSON" \
	-d '{"msisdn": "6281234567890", "to": "1708", "messageId": "0A02", "text": {"a": 1}, "type": "text"}' "$VS"
hostile "vonage: JSON msisdn a float" 400 'msisdn' -H "$JSON" \
	-d '{"msisdn": 6.28e12, "to": "1708", "messageId": "0A03", "text": "JALAN rusak", "type": "text"}' "$VS"
hostile "vonage: binary message" 400 'binary' "$VS&msisdn=6281234567890&to=1708&messageId=0A04&type=binary&data=00ff&udh=050003"
hostile "vonage: a part without concat-ref" 400 'concat' \
	"$VS&$VQ&text=bagian&concat=true&concat-total=2&concat-part=1"
hostile "vonage: part 3 of 2" 400 'concat' \
	"$VS&$VQ&text=bagian&concat=true&concat-ref=9&concat-total=2&concat-part=3"
hostile "vonage: NUL in the text" 400 'text' "$VS&$VQ&text=JALAN%00rusak"
hostile "vonage dlr: no secret" 403 'secret' "$ADUAN_URL/vonage/dlr?messageId=0A05&status=delivered"
hostile "vonage dlr: unknown status" 400 'status' "$ADUAN_URL/vonage/dlr?secret=$VSECRET&messageId=0A05&status=lost-in-space"

# ---------------------------------------------------------------------------
# Infobip: /infobip/sms, /infobip/dlr
# ---------------------------------------------------------------------------
IS="$ADUAN_URL/infobip/sms?secret=$ISECRET"
hostile "infobip: no secret" 403 'secret' -H "$JSON" \
	-d '{"results": [{"messageId": "1", "from": "6281234567890", "text": "JALAN rusak"}]}' "$ADUAN_URL/infobip/sms"
hostile "infobip: body not JSON" 400 'JSON' -H "$JSON" -d 'results=1' "$IS"
hostile "infobip: results not an array" 400 'results' -H "$JSON" -d '{"results": {"messageId": "1"}}' "$IS"
hostile "infobip: messageId a number" 400 'messageId' -H "$JSON" \
	-d '{"results": [{"messageId": 17, "from": "6281234567890", "text": "JALAN rusak"}]}' "$IS"
hostile "infobip: text an array" 400 'text' -H "$JSON" \
	-d '{"results": [{"messageId": "i2", "from": "6281234567890", "text": ["JALAN"]}]}' "$IS"
hostile "infobip: a good result, then a bad one" 400 'results\[1\]' -H "$JSON" \
	-d '{"results": [{"messageId": "i3", "from": "6281234567890", "text": "JALAN rusak"}, {"messageId": "i4", "text": "x"}]}' "$IS"
{
	printf '{"results": [{"messageId": "b0", "from": "6281234567890", "text": "JALAN rusak 0"}'
	for ((i = 1; i < 101; i++)); do
		printf ', {"messageId": "b%d", "from": "6281234567890", "text": "JALAN rusak %d"}' "$i" "$i"
	done
	printf ']}'
} >"$IT_TMP/101.json"
hostile "infobip: 101 results in one callback" 413 'results|messages|more' -H "$JSON" -d "@$IT_TMP/101.json" "$IS"
hostile "infobip: text with an escaped NUL" 400 'NUL' -H "$JSON" \
	-d '{"results": [{"messageId": "i5", "from": "6281234567890", "text": "JALAN\u0000rusak"}]}' "$IS"
hostile "infobip dlr: no secret" 403 'secret' -H "$JSON" -d '{"results": []}' "$ADUAN_URL/infobip/dlr"
hostile "infobip dlr: status not an object" 400 'status' -H "$JSON" \
	-d '{"results": [{"messageId": "abc", "status": "DELIVERED"}]}' "$ADUAN_URL/infobip/dlr?secret=$ISECRET"

# ---------------------------------------------------------------------------
# Generic JSON: /generic/sms
# ---------------------------------------------------------------------------
GS="$ADUAN_URL/generic/sms"
AUTH="Authorization: Bearer $GSECRET"
hostile "generic: no secret" 403 'secret' -H "$JSON" -d '{"from": "081234567890", "text": "JALAN rusak", "id": "g1"}' "$GS"
hostile "generic: wrong bearer" 403 'secret' -H "$JSON" -H "Authorization: Bearer $GSECRET-x" \
	-d '{"from": "081234567890", "text": "JALAN rusak", "id": "g1"}' "$GS"
hostile "generic: the secret in the query string" 403 'secret' -H "$JSON" \
	-d '{"from": "081234567890", "text": "JALAN rusak", "id": "g1"}' "$GS?secret=$GSECRET"
hostile "generic: from a number" 400 'from' -H "$JSON" -H "$AUTH" -d '{"from": 81234567890, "text": "JALAN rusak", "id": "g2"}' "$GS"
hostile "generic: text an array" 400 'text' -H "$JSON" -H "$AUTH" -d '{"from": "081234567890", "text": ["JALAN"], "id": "g3"}' "$GS"
hostile "generic: id an object" 400 'id' -H "$JSON" -H "$AUTH" -d '{"from": "081234567890", "text": "JALAN rusak", "id": {"x": 1}}' "$GS"
hostile "generic: time a word" 400 'time' -H "$JSON" -H "$AUTH" -d '{"from": "081234567890", "text": "JALAN rusak", "id": "g4", "time": "kemarin"}' "$GS"
hostile "generic: not JSON" 400 'JSON|line|position' -H "$JSON" -H "$AUTH" -d 'from=081234567890&text=JALAN' "$GS"
hostile "generic: truncated JSON" 400 'JSON|line|position' -H "$JSON" -H "$AUTH" -d '{"from": "081234567890", "text": "JAL' "$GS"
hostile "generic: escaped NUL in text" 400 'NUL' -H "$JSON" -H "$AUTH" -d '{"from": "081234567890", "text": "JALAN\u0000rusak", "id": "g5"}' "$GS"
hostile "generic: lone surrogate escape" 400 'JSON|text|surrogate|line' -H "$JSON" -H "$AUTH" -d '{"from": "081234567890", "text": "JALAN \ud800 rusak", "id": "g6"}' "$GS"
hostile "generic: 10 KB text" 413 'long' -H "$JSON" -H "$AUTH" -d "{\"from\": \"081234567890\", \"text\": \"$BIG10K\", \"id\": \"g7\"}" "$GS"
hostile "generic: 1 MB body" 413 'too large' -H "Expect: 100-continue" -H "$JSON" -H "$AUTH" \
	-d "@$IT_TMP/1mb.json" "$GS"
hostile "generic: 1 MB body, chunked" 413 'too large' -H "Transfer-Encoding: chunked" -H "$JSON" \
	-H "$AUTH" -d "@$IT_TMP/1mb.json" "$GS"

# ---------------------------------------------------------------------------
# Agency API: /api/v1/...
# ---------------------------------------------------------------------------
API="$ADUAN_URL/api/v1/tickets"
BEARER="Authorization: Bearer $APITOKEN"
hostile "api: no token" 401 'token' "$API"
hostile "api: wrong token" 401 'token' -H "Authorization: Bearer $APITOKEN-x" "$API"
hostile "api: token of 10 KB" 401 'token' -H "Authorization: Bearer $BIG10K" "$API"
hostile "api: event with a status of the wrong type" 400 'status' -H "$BEARER" -H "$JSON" \
	-d '{"status": 5}' "$API/$TICKET/events"
hostile "api: event that is not JSON" 400 'JSON' -H "$BEARER" -H "$JSON" -d '{"status": ' "$API/$TICKET/events"
hostile "api: event with an unknown status" 400 'status' -H "$BEARER" -H "$JSON" \
	-d '{"status": "teleported"}' "$API/$TICKET/events"
hostile "api: event with a note of 20 KB" 413 'too large' -H "Expect: 100-continue" -H "$BEARER" -H "$JSON" \
	-d "{\"note\": \"$BIG10K$BIG10K\"}" "$API/$TICKET/events"
hostile "api: GET on /events" 405 'method' -H "$BEARER" "$API/$TICKET/events"
hostile "api: PUT on a ticket" 405 'method' -X PUT -H "$BEARER" "$API/$TICKET"
hostile "api: path with ../" 404 'not found' -H "$BEARER" "$API/../../healthz"
hostile "api: ticket with a wrong check digit" 404 'no such ticket' -H "$BEARER" \
	"$API/${TICKET:0:7}$(( (${TICKET:7:1} + 1) % 10 ))"

# ---------------------------------------------------------------------------
# Open311 (on or off by config: any 4xx), /healthz, admin listener
# ---------------------------------------------------------------------------
O311="$ADUAN_URL/open311/v2"
hostile "open311: POST requests.json" 4xx '[a-z]' -H "$FORM" -d "service_code=x&description=y" "$O311/requests.json"
# Today an unknown service code lists nothing (200, []); with open311's
# unknown-code check it is a 400.  Either way nothing is stored.
hostile "open311: invalid UTF-8 service code" 4xx-or-200 '[a-z]|\[\]' "$O311/requests.json?service_code=%FF%FE"
hostile "open311: NUL in the request id" 4xx '[a-z]' "$O311/requests/1%002.json"
hostile "healthz: POST" 405 'method' -H "$FORM" -d "x=1" "$ADUAN_URL/healthz"
hostile "unknown path" 404 'not found' "$ADUAN_URL/kannel/sms/../../etc/passwd"
hostile "metrics: POST" 405 'method' -H "$FORM" -d "x=1" "$AURL/metrics"
hostile "admin reload: GET" 405 'method' "$AURL/admin/reload"
hostile "admin reload: a 2 KB body" 413 'too large' -H "Expect: 100-continue" -H "$FORM" -d "x=${BIG10K:0:2048}" "$AURL/admin/reload"

# ---------------------------------------------------------------------------
# Raw bytes: absurd Content-Length, clients that stop half-way.
# ---------------------------------------------------------------------------
printf 'POST /kannel/sms?secret=%s&from=081234567890&text=JALAN+rusak HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 99999999999999999999999\r\nConnection: close\r\n\r\nid=1' \
	"$KSECRET" >"$IT_TMP/raw1"
raw "raw: Content-Length beyond 64 bits" 413 'too large' "$ADUAN_PORT" "$IT_TMP/raw1"
printf 'POST /generic/sms HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\nConnection: close\r\n\r\n{"from"' \
	>"$IT_TMP/raw2"
raw "raw: Content-Length of 1 GB" 413 'too large' "$ADUAN_PORT" "$IT_TMP/raw2"
printf 'POST /kannel/sms?secret=%s HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\nConnection: close\r\n\r\n' \
	"$KSECRET" >"$IT_TMP/raw3"
raw "raw: negative Content-Length" 400 'Content-Length|malformed' "$ADUAN_PORT" "$IT_TMP/raw3"

# ---------------------------------------------------------------------------
# Slow clients: 20 connections send half their headers and stop.  Others
# are served meanwhile, and the server drops the stalled ones (its idle
# timeout, 30 s).
# ---------------------------------------------------------------------------
SLOW=()
for ((i = 0; i < 20; i++)); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$ADUAN_PORT" || fail "slow client $i: cannot connect"
	printf 'POST /kannel/sms?secret=%s&from=081234567890&text=JALAN+rusak HTTP/1.1\r\nHost: x\r\nX-Slow: ' \
		"$KSECRET" >&"$fd"
	SLOW+=("$fd")
done
for ((i = 0; i < 5; i++)); do
	t0=$(ms_now)
	http_must "healthz while 20 clients stall" -m 5 "$ADUAN_URL/healthz"
	expect_eq "healthz while 20 clients stall: status" 200 "$RESP_STATUS"
	expect_le "healthz while 20 clients stall: answered within 2 s (ms)" 2000 $(($(ms_now) - t0))
	hostile "kannel: no secret, while 20 clients stall" 403 'secret' -m 5 "$KS?$OKQ&text=JALAN+rusak"
done
# Each stalled connection is closed by the server: read sees EOF (or a 408).
t0=$SECONDS
for fd in "${SLOW[@]}"; do
	got=
	while IFS= read -r -t 45 -u "$fd" line; do got+=$line; done
	exec {fd}>&-
	[ $((SECONDS - t0)) -le 45 ] || fail "a stalled client was still connected after 45 s"
	expect_no_match "a stalled client got no answer that runs a handler" '^HTTP/1.[01] (200|403)' "$got"
done
ok "20 stalled clients dropped after $((SECONDS - t0)) s; others served meanwhile"
expect_eq "slow clients: the store is unchanged" "$BASE" "$(store_counts)"
pid_alive "$ADUAN_PID" || fail "aduan is gone after the hostile requests"

if [ "$DISCOVER" = 1 ]; then
	echo "$N requests"
	exit 0
fi
ok "$N hostile requests: each its 4xx with a reason, the store unchanged"
