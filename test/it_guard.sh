#!/bin/bash
# it_guard: the flood and loop guard over real HTTP, with a real webhook
# receiver.
#
# `aduan serve` with the example config (guard: burst 3, 10 per hour,
# duplicate window a day, loop after 5 repeats) plus one blocklisted
# number and dpupr's webhook pointed at tool_agency.  Then:
#   (a) 20 complaints from one phone at once: `burst` tickets, one limit
#       reply, empty replies for the rest, and no more webhooks or outbox
#       rows than tickets; the limit holds across a restart;
#   (b) the same text twice (other case and spacing): the same ticket;
#   (c) an auto-reply text, and a robot repeating itself: answers stop and
#       /metrics counts the loop;
#   (d) a blocklisted sender: empty reply, no row at all;
#   (e) UNREG: notifications off, like STOP;
#   (f) a USSD complaint from the limited phone is refused too.
set -u
cd "$(dirname "$0")/.." || exit 1
ADUAN_GUARD=example
. test/lib.sh

TOOL_AGENCY=$ADUAN_TOOLS/tool_agency

it_init guard
[ -x "$TOOL_AGENCY" ] || fail "missing executable: $TOOL_AGENCY (run make first)"

PHONE_A=081234567890    # (a) the flood, (f) USSD
PHONE_B=081298765432    # (b) the same text twice
PHONE_C=085711112222    # (c) auto-reply
PHONE_R=087800000001    # (c) a robot repeating itself
PHONE_X=081100009999    # (d) blocklisted
PHONE_U=081311112222    # (e) UNREG
e164() { printf '+62%s' "${1#0}"; }

free_port AG_PORT
free_port PORT
free_port APORT
CONF=$IT_TMP/aduan.conf
cp "$ADUAN_CONF" "$CONF"
conf_enable_webhook "$CONF" dpupr "http://127.0.0.1:$AG_PORT/aduan/webhook"
conf_set "$CONF" guard blocklist '[ "0811-0000-9999" ]'
BURST=$(conf_get "$CONF" guard burst)
REPEATS=$(conf_get "$CONF" guard loop_repeats)
[ "$BURST" = 3 ] && [ "$REPEATS" = 5 ] ||
	fail "the example's guard changed (burst=$BURST loop_repeats=$REPEATS): update this test"
AG_SECRET=$(conf_agency_value "$CONF" dpupr webhook_secret)
[ -n "$AG_SECRET" ] || fail "no webhook_secret for dpupr in $CONF"
ADUAN_SECRET=$(conf_kannel_secret "$CONF")
AT_SECRET=$(conf_at_secret "$CONF")
ADUAN_DB=$IT_TMP/aduan.db
ADUAN_LOG=$IT_TMP/aduan.log
ADMIN_URL=http://127.0.0.1:$APORT

AG_LOG=$IT_TMP/agency.log
: >"$AG_LOG"
"$TOOL_AGENCY" "$AG_PORT" "$AG_SECRET" "$AG_LOG" </dev/null 2>>"$IT_TMP/agency.err" &
AG_PID=$!
track "$AG_PID" tool_agency
add_log "$AG_LOG"
wait_port "$AG_PORT" 5 "$AG_PID" tool_agency

# serve: aduan serve on $PORT with the admin listener on $APORT.
serve() {
	ADUAN_URL=http://127.0.0.1:$PORT
	"$ADUAN_BIN" serve --demo -c "$CONF" -p "$PORT" --admin-port "$APORT" -d "$ADUAN_DB" \
		</dev/null >>"$ADUAN_LOG" 2>&1 &
	ADUAN_PID=$!
	track "$ADUAN_PID" aduan
	wait_port "$PORT" 15 "$ADUAN_PID" "aduan serve"
	wait_port "$APORT" 15 "$ADUAN_PID" "admin listener"
}
: >"$ADUAN_LOG"
add_log "$ADUAN_LOG"
serve
ok "aduan serve and tool_agency (webhooks) up"

SEQ=0
# kannel_url FROM TEXT ID: smsbox's GET.
kannel_url() {
	printf '%s/kannel/sms?secret=%s&from=%s&to=1708&text=%s&coding=0&charset=UTF-8&id=it-guard-%d' \
		"$ADUAN_URL" "$(urlencode "$ADUAN_SECRET")" "$(urlencode "$1")" "$(urlencode "$2")" "$3"
}
# send FROM TEXT: one SMS with a fresh message id; the reply in $RESP_BODY.
send() {
	SEQ=$((SEQ + 1))
	http_must "SMS from $1 [$2]" "$(kannel_url "$1" "$2" "$SEQ")"
	expect_eq "SMS from $1 [$2]: status" 200 "$RESP_STATUS"
}
# metric NAME LABELS: the value on /metrics, 0 when absent.
metric() {
	http_must "GET /metrics" "$ADMIN_URL/metrics"
	awk -v want="$1{$2}" '$1 == want { v = $2 } END { print v + 0 }' "$RESP_FILE"
}
webhooks() { sql "SELECT count(*) FROM outbox WHERE kind = 'webhook'"; }

# ---------------------------------------------------------------------------
# (a) 20 complaints from one phone, all at once.
# ---------------------------------------------------------------------------
pids=()
for i in $(seq 1 20); do
	SEQ=$((SEQ + 1))
	"$TOOL_HTTP" "$(kannel_url "$PHONE_A" "JALAN berlubang di Jl. Pemuda nomor $i" "$SEQ")" \
		>"$IT_TMP/burst.$i" 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p" || fail "burst: a request got no response"
done
tickets=0 notices=0 empty=0
for i in $(seq 1 20); do
	f=$IT_TMP/burst.$i
	expect_eq "burst $i: status" "STATUS 200" "$(head -n 1 "$f")"
	body=$(tail -n +4 "$f")
	case "$body" in
	*"No tiket"*) tickets=$((tickets + 1)) ;;
	*"Terlalu banyak aduan"*) notices=$((notices + 1)) ;;
	"") empty=$((empty + 1)) ;;
	*) fail "burst $i: unexpected reply [$body]" ;;
	esac
done
expect_eq "burst: tickets" "$BURST" "$tickets"
expect_eq "burst: limit replies" 1 "$notices"
expect_eq "burst: empty replies" $((20 - BURST - 1)) "$empty"
expect_eq "burst: complaints stored" "$BURST" "$(sql "SELECT count(*) FROM complaints")"
expect_eq "burst: webhook rows" "$BURST" "$(webhooks)"
expect_eq "burst: outbox rows" "$BURST" "$(sql "SELECT count(*) FROM outbox")"
expect_eq "burst: every message kept" 20 \
	"$(sql "SELECT count(*) FROM messages WHERE sender = '$(e164 "$PHONE_A")'")"
delivered() { [ "$(grep -c '^200 ' "$AG_LOG")" -ge "$BURST" ]; }
wait_for 10 "the $BURST webhooks delivered" delivered
expect_eq "burst: webhooks received" "$BURST" "$(grep -c '^200 ' "$AG_LOG")"
expect_eq "metric: complaint_limit" 1 \
	"$(metric aduan_guard_total 'action="complaint_limit",channel="sms"')"
expect_eq "metric: complaint_limit_silent" $((20 - BURST - 1)) \
	"$(metric aduan_guard_total 'action="complaint_limit_silent",channel="sms"')"
ok "20 complaints at once -> $BURST tickets, 1 limit reply, $empty empty replies, $BURST webhooks"

send "$PHONE_A" "INFO"
expect_match "the limited phone still gets help" 'Kata kunci' "$RESP_BODY"
send "$PHONE_A" "SAMPAH menumpuk di pasar"
expect_eq "the limited phone: another complaint, silence" "" "$RESP_BODY"
ok "a limited phone is still answered for commands, silent for complaints"

# ---------------------------------------------------------------------------
# (b) The same text twice.
# ---------------------------------------------------------------------------
send "$PHONE_B" "AIR PDAM mati sejak kemarin di Perum Griya"
T1=$(ticket_in "$RESP_BODY")
[ -n "$T1" ] || fail "same text: no ticket in [$RESP_BODY]"
send "$PHONE_B" "air pdam  MATI sejak kemarin di perum griya"
expect_match "same text again: the first ticket" "Aduan ini sudah diterima, No tiket: $T1" \
	"$RESP_BODY"
expect_eq "same text again: one complaint" 1 \
	"$(sql "SELECT count(*) FROM complaints WHERE phone = '$(e164 "$PHONE_B")'")"
ok "the same text again -> 'sudah diterima, No tiket: $T1', no second ticket"

# ---------------------------------------------------------------------------
# (c) Auto-reply loops.
# ---------------------------------------------------------------------------
BEFORE=$(sql "SELECT count(*) FROM complaints")
for i in 1 2 3; do
	send "$PHONE_C" "Nomor yang Anda tuju sedang tidak aktif. Silakan coba beberapa saat lagi."
	expect_eq "auto-reply $i: no answer" "" "$RESP_BODY"
done
expect_eq "auto-reply: no ticket" "$BEFORE" "$(sql "SELECT count(*) FROM complaints")"
expect_eq "auto-reply: the messages are kept" 3 \
	"$(sql "SELECT count(*) FROM messages WHERE sender = '$(e164 "$PHONE_C")' AND command = 'loop'")"
for i in $(seq 1 8); do
	send "$PHONE_R" "Maaf saya sedang rapat, nanti saya hubungi kembali ya"
	if [ "$i" -lt "$REPEATS" ]; then
		expect_ne "robot repeat $i: answered" "" "$RESP_BODY"
	else
		expect_eq "robot repeat $i: a loop, not answered" "" "$RESP_BODY"
	fi
done
expect_eq "robot: one ticket" 1 \
	"$(sql "SELECT count(*) FROM complaints WHERE phone = '$(e164 "$PHONE_R")'")"
expect_eq "metric: loops" $((3 + 8 - REPEATS + 1)) \
	"$(metric aduan_guard_total 'action="loop",channel="sms"')"
expect_match "the log says so, phone masked" \
	'auto-reply loop \(same text again and again\)' "$(grep -a '+62878\*\*\*\*001' "$ADUAN_LOG")"
grep -aq "$(e164 "$PHONE_R")" "$ADUAN_LOG" && fail "the log shows a full phone number"
ok "auto-reply text and a repeating robot -> no answers, counted in /metrics, logged masked"

# ---------------------------------------------------------------------------
# (d) A blocklisted sender.
# ---------------------------------------------------------------------------
BEFORE=$(row_counts)
send "$PHONE_X" "JALAN rusak parah di depan rumah saya"
expect_eq "blocklisted: empty reply" "" "$RESP_BODY"
expect_eq "blocklisted: no row" "$BEFORE" "$(row_counts)"
expect_eq "metric: blocked" 1 "$(metric aduan_guard_total 'action="blocked",channel="sms"')"
ok "a blocklisted sender -> silence, nothing stored"

# ---------------------------------------------------------------------------
# (e) UNREG works like STOP.
# ---------------------------------------------------------------------------
send "$PHONE_U" "UNREG LAPOR"
expect_match "UNREG: the STOP reply" 'dihentikan' "$RESP_BODY"
expect_eq "UNREG: notifications off" 0 \
	"$(sql "SELECT notify FROM phones WHERE phone = '$(e164 "$PHONE_U")'")"
send "$PHONE_U" "MULAI"
send "$PHONE_U" "unreg"
expect_eq "unreg: notifications off again" 0 \
	"$(sql "SELECT notify FROM phones WHERE phone = '$(e164 "$PHONE_U")'")"
ok "UNREG / UNREG LAPOR -> notifications off, like STOP"

# ---------------------------------------------------------------------------
# (f) USSD from the limited phone, and (a) after a restart.
# ---------------------------------------------------------------------------
USSD_URL="$ADUAN_URL/africastalking/ussd?secret=$(urlencode "$AT_SECRET")"
for t in "" "1" "1*1" "1*1*Jl Pemuda 5" "1*1*Jl Pemuda 5*lubang besar di tengah jalan" \
	"1*1*Jl Pemuda 5*lubang besar di tengah jalan*1"; do
	http_must "USSD [$t]" -X POST -d "sessionId=it-guard-u1&serviceCode=$(urlencode '*123#')&phoneNumber=$(urlencode "$PHONE_A")&networkCode=51010&text=$(urlencode "$t")" \
		"$USSD_URL"
	expect_eq "USSD [$t]: status" 200 "$RESP_STATUS"
done
expect_match "USSD from the limited phone: the limit, not a ticket" '^END Terlalu banyak aduan' \
	"$RESP_BODY"
expect_eq "USSD: still $BURST complaints from the phone" "$BURST" \
	"$(sql "SELECT count(*) FROM complaints WHERE phone = '$(e164 "$PHONE_A")'")"
ok "a USSD complaint from the limited phone -> the limit screen, no ticket"

stop_checked "$ADUAN_PID" aduan
printf '==== restart ====\n' >>"$ADUAN_LOG"
serve
send "$PHONE_A" "LISTRIK padam di Jl. Pemuda sejak pagi"
expect_eq "after a restart: the limited phone still gets silence" "" "$RESP_BODY"
expect_eq "after a restart: webhook rows" "$BURST" \
	"$(sql "SELECT count(*) FROM outbox WHERE kind = 'webhook' AND complaint_id IN (SELECT id FROM complaints WHERE phone = '$(e164 "$PHONE_A")')")"
ok "the limit survives a restart (it is in the store)"

check_log_errors "$ADUAN_LOG" "aduan log"
ok "no ERROR in the log"
