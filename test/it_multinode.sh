#!/bin/bash
# it_multinode: three `aduan serve` nodes on one database, haproxy in front,
# the real Kannel, one node SIGKILLed in the middle of a burst (issue 17,
# "Tests on real parts").
#
#   fakesmsc (phones) -> bearerbox -> smsbox -> haproxy -> node 1|2|3 -> database
#   nodes' outbox -> tool_agency (dpupr's webhook) and smsbox sendsms -> fakesmsc
#
# haproxy (Debian's, `haproxy -db`): roundrobin, so consecutive requests hop
# between nodes; health checks on /healthz (every 300 ms, down after 2
# failures); `retries` with `option redispatch` send a request whose
# connection a dead node refuses to another node.  A request a node was
# answering when it died gets no answer or haproxy's 502 (haproxy does not
# send a request twice once it reached a server); smsbox sends such a callback
# again (http-request-retry, http-queue-delay) and the retry reaches another
# node, which finds the message already stored (or not) by its gateway id.
# Node 2 hangs (SIGSTOP) before its SIGKILL until haproxy has handed it a
# callback, so that callbacks are in flight when it dies.
#
# MN_DB chooses the database the three nodes share:
#   postgresql  (the default) a database of its own on test/pg.sh's server: the run's
#               (test/run.sh passes ADUAN_TEST_PG), or one started here when
#               the script runs alone
#   sqlite      one SQLite file, the same -d for the three nodes (how the test
#               was first proven; not a deployment README describes: SQLite's
#               file locks make that correct, if slow)
# MN_N: the size of the burst (default 240 messages from as many phones;
# fakesmsc hands Kannel about 25 a second).
#
# Asserted:
#   - every phone of the burst got exactly one SMS, naming a ticket; the
#     tickets are all different, each stored exactly once, for that phone,
#     one message row per Kannel id; smsbox did retry callbacks; answered
#     callbacks sent again through haproxy get the same reply and store
#     nothing;
#   - USSD sessions sent to haproxy while the burst runs (Africa's Talking's
#     callback shape, as it_ussd), whose steps are answered by several
#     nodes, end with a ticket; their receipt SMS reaches each phone once;
#   - every dpupr ticket's ticket.created webhook reaches the stand-in
#     receiver exactly once (no Idempotency-Key answered 200 twice), also
#     those the killed node had claimed (its lease runs out first);
#   - the killed node, restarted with the same command, is seen UP by
#     haproxy's health checks and answers: /healthz 200, and steps of the
#     USSD sessions after the restart (each session's steps answered by
#     more than one node) end with a ticket;
#   - no unexpected ERROR in any log.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh
. test/pg.sh

MN_DB=${MN_DB:-postgresql}
MN_N=${MN_N:-240}
HAPROXY=${HAPROXY:-/usr/sbin/haproxy}
TOOL_AGENCY=$ADUAN_TOOLS/tool_agency

it_init multinode
[ -x "$HAPROXY" ] || fail "haproxy is not installed (Debian package haproxy; make check installs it)"
[ -x "$TOOL_AGENCY" ] || fail "missing executable: $TOOL_AGENCY (run make first)"
command -v curl >/dev/null || fail "curl is not installed"
command -v python3 >/dev/null || fail "python3 is not installed"

# ---- the database -----------------------------------------------------------
case "$MN_DB" in
postgresql)
	if pg_use_env; then
		PG_WHERE="the run's server ($ADUAN_TEST_PG)"
	else
		IT_ATEXIT+=(pg_stop)    # also after a half-done start
		pg_start || fail "PostgreSQL: $PG_ERR"
		PG_WHERE="a server of its own ($PG_SOCK)"
	fi
	MN_PGDB=aduan_multinode_$$
	pg_createdb "$MN_PGDB" || fail "$PG_ERR"
	DB_ARG=$PG_URI
	# mn_sql QUERY: rows on lines, columns separated by |
	mn_sql() {
		pg_psql "$MN_PGDB" -At -F '|' -c "$1" || fail "psql failed: $1"
	}
	DB_WHAT="PostgreSQL database $MN_PGDB on $PG_WHERE"
	;;
sqlite)
	DB_ARG=$IT_TMP/aduan.db
	ADUAN_DB=$DB_ARG
	mn_sql() { sql "$1"; }
	DB_WHAT="one SQLite file shared by the three nodes"
	;;
*) fail "MN_DB=$MN_DB: postgresql or sqlite" ;;
esac

# ---- config: the example, dpupr's webhook at tool_agency, SMS through Kannel ------
free_port HA_PORT
free_port STATS_PORT
free_port AG_PORT
CONF=$IT_TMP/aduan.conf
cp "$ADUAN_CONF" "$CONF" || fail "copy $ADUAN_CONF"
conf_enable_webhook "$CONF" dpupr "http://127.0.0.1:$AG_PORT/aduan/webhook"
conf_set "$CONF" delivery backoff_initial 1
conf_set "$CONF" delivery backoff_max 2
# a row the killed node had claimed comes back when its lease (2 x timeout
# + 30 s) runs out
conf_set "$CONF" delivery timeout 2
conf_set "$CONF" server threads 16
# the dlr-url Kannel calls for the SMS the nodes send goes through haproxy too
awk -v line="  public_url = \"http://127.0.0.1:$HA_PORT\";" \
	'{ print } /^server[ \t]*=[ \t]*[{]/ { print line; n++ } END { exit n == 1 ? 0 : 3 }' \
	"$CONF" >"$CONF.tmp" && mv -f "$CONF.tmp" "$CONF" ||
	fail "no single 'server = {' line in $CONF for public_url"
AG_SECRET=$(conf_agency_value "$CONF" dpupr webhook_secret)
[ -n "$AG_SECRET" ] || fail "no webhook_secret for dpupr in $CONF"
AT_SECRET=$(conf_at_secret "$CONF")
[ -n "$AT_SECRET" ] || fail "no gateways.africastalking secret in $CONF"
ADUAN_SECRET=$(conf_kannel_secret "$CONF")
[ -n "$ADUAN_SECRET" ] || fail "no kannel secret in $CONF"
kannel_write_conf "127.0.0.1:$HA_PORT"
SENDER_URL=$(conf_get "$CONF" sms_sender url)
conf_set "$CONF" sms_sender url \
	"\"$(printf '%s' "$SENDER_URL" | sed "s#^http://[^/]*/#http://127.0.0.1:$KANNEL_SENDSMS_PORT/#")\""
OUT=$("$ADUAN_BIN" check --demo -c "$CONF" 2>&1) || fail "aduan check on the test config: $OUT"

# ---- processes ------------------------------------------------------------------
AG_LOG=$IT_TMP/agency.log
: >"$AG_LOG"
"$TOOL_AGENCY" "$AG_PORT" "$AG_SECRET" "$AG_LOG" </dev/null 2>"$IT_TMP/agency.err" &
AG_PID=$!
track "$AG_PID" tool_agency
add_log "$IT_TMP/agency.err"
wait_port "$AG_PORT" 5 "$AG_PID" tool_agency

NODE_PORT=()
NODE_PID=()
# start_node I: node I (1-3) on its port, appending to node I's log.
start_node() {
	local i=$1 log=$IT_TMP/node$1.log
	printf '==== start node %s on port %s ====\n' "$i" "${NODE_PORT[i]}" >>"$log"
	"$ADUAN_BIN" serve --demo -c "$CONF" -p "${NODE_PORT[i]}" -d "$DB_ARG" \
		</dev/null >>"$log" 2>&1 &
	NODE_PID[i]=$!
	track "${NODE_PID[i]}" "aduan node $i"
	wait_port "${NODE_PORT[i]}" 20 "${NODE_PID[i]}" "aduan serve (node $i)"
}
T0=$SECONDS
for i in 1 2 3; do
	free_port "NODE_PORT[$i]"
	add_log "$IT_TMP/node$i.log"
	start_node "$i"
done
ok "three nodes on $DB_WHAT, ports ${NODE_PORT[*]} ($((SECONDS - T0))s)"

HCFG=$IT_TMP/haproxy.cfg
cat >"$HCFG" <<EOF
global
	maxconn 512
	log stdout format raw local0

defaults
	mode http
	log global
	log-format "%s %ST retries=%rc %HM %HU"
	option dontlognull
	timeout connect 1s
	timeout client 30s
	timeout server 10s
	retries 3
	option redispatch 1

frontend aduan
	bind 127.0.0.1:$HA_PORT
	default_backend nodes

backend nodes
	balance roundrobin
	option httpchk GET /healthz
	http-check expect status 200
	http-response set-header X-Aduan-Node %s
	timeout check 1s
	default-server check inter 300ms fall 2 rise 2
	server n1 127.0.0.1:${NODE_PORT[1]}
	server n2 127.0.0.1:${NODE_PORT[2]}
	server n3 127.0.0.1:${NODE_PORT[3]}

listen stats
	bind 127.0.0.1:$STATS_PORT
	stats enable
	stats uri /stats
EOF
"$HAPROXY" -c -f "$HCFG" >"$IT_TMP/haproxy-check.out" 2>&1 ||
	fail "haproxy -c: $(cat "$IT_TMP/haproxy-check.out")"
HA_LOG=$IT_TMP/haproxy.log
"$HAPROXY" -db -f "$HCFG" </dev/null >"$HA_LOG" 2>&1 &
HA_PID=$!
track "$HA_PID" haproxy
add_log "$HA_LOG"
wait_port "$HA_PORT" 15 "$HA_PID" haproxy

# server_status NAME: haproxy's view of a server (UP, DOWN, ...), from its stats CSV.
server_status() {
	curl -sS -m 5 "http://127.0.0.1:$STATS_PORT/stats;csv" 2>/dev/null |
		awk -F, -v s="$1" '$1 == "nodes" && $2 == s { print $18 }'
}
server_is() { [ "$(server_status "$1")" = "$2" ]; }
for n in n1 n2 n3; do
	wait_for 10 "haproxy sees $n UP (it is $(server_status "$n"))" server_is "$n" UP
done
ok "haproxy on 127.0.0.1:$HA_PORT: n1, n2, n3 UP (health checks on /healthz)"

kannel_start
ok "Kannel up, its get-url at haproxy"

# ---- USSD through haproxy -----------------------------------------------------------
USSD_URL="http://127.0.0.1:$HA_PORT/africastalking/ussd?secret=$(urlencode "$AT_SECRET")"
# ussd_step SESSION PHONE TEXT: one screen; sets USSD_BODY and USSD_NODE
# (the node haproxy sent it to).  A screen must be 200 "CON ..." or "END ...".
ussd_step() {
	local form rc status
	form=$(printf 'sessionId=%s&serviceCode=%s&phoneNumber=%s&networkCode=51010&text=%s' \
		"$(urlencode "$1")" "$(urlencode '*123#')" "$(urlencode "$2")" "$(urlencode "$3")")
	status=$(curl -sS -m 10 -D "$IT_TMP/ussd.hdr" -o "$IT_TMP/ussd.body" -w '%{http_code}' \
		-H 'Content-Type: application/x-www-form-urlencoded' --data "$form" "$USSD_URL" \
		2>"$IT_TMP/ussd.err")
	rc=$?
	[ "$rc" = 0 ] || fail "USSD $1 text=[$3]: curl exit $rc: $(cat "$IT_TMP/ussd.err")"
	USSD_BODY=$(cat "$IT_TMP/ussd.body")
	USSD_NODE=$(sed -n 's/^[Xx]-[Aa]duan-[Nn]ode: *\([a-z0-9]*\).*/\1/p' "$IT_TMP/ussd.hdr")
	expect_eq "USSD $1 text=[$3]: status (body [$USSD_BODY])" 200 "$status"
	case "$USSD_BODY" in
	"CON "* | "END "*) ;;
	*) fail "USSD $1 text=[$3]: neither CON nor END: [$USSD_BODY]" ;;
	esac
}
USSD_TICKETS=()
USSD_PHONES=()
declare -A SESSION_NODES=()
# ussd_sessions TAG NO COUNT: COUNT sessions from phones +62815<NO>00000<k>,
# their steps interleaved (step 1 of each, then step 2 of each, ...), each
# to the complaint's END screen.
ussd_sessions() {
	local tag=$1 no=$2 count=$3 k step s phone loc desc text ticket
	local -a texts
	for ((step = 0; step < 6; step++)); do
		for ((k = 1; k <= count; k++)); do
			s=ATUid_mn_${tag}_$k
			printf -v phone '+62815%d%06d' "$no" "$k"
			if [ "$step" = 0 ]; then
				USSD_PHONES+=("$phone")
				SESSION_NODES[$s]=
			fi
			loc="Jl. Merdeka $tag $k"
			desc="Jalan berlubang $tag $k"
			texts=("" "1" "1*1" "1*1*$loc" "1*1*$loc*$desc" "1*1*$loc*$desc*1")
			text=${texts[step]}
			ussd_step "$s" "$phone" "$text"
			SESSION_NODES[$s]+="$USSD_NODE "
			if [ "$step" = 5 ]; then
				[ "${USSD_BODY:0:4}" = "END " ] ||
					fail "USSD $s: the last step is not END: [$USSD_BODY]"
				ticket=$(ticket_in "$USSD_BODY")
				[ -n "$ticket" ] || fail "USSD $s: no ticket on the END screen: [$USSD_BODY]"
				USSD_TICKETS+=("$ticket")
			else
				[ "${USSD_BODY:0:4}" = "CON " ] ||
					fail "USSD $s step $((step + 1)) text=[$text]: expected CON, got [$USSD_BODY]"
			fi
		done
	done
}

# ---- the burst, one node killed in the middle ------------------------------------------
# phone I: 0813 + I in 8 digits; its text names I, no region word (dpupr)
burst_phone() { printf '0813%08d' "$1"; }
fs_count() { grep -ac 'Got message [0-9]*: <' "$KANNEL_FS_LOG"; }
T_BURST=$SECONDS
# fakesmsc takes a line per wake-up (test/lib.sh): the writes wait for it,
# in the background, while the rest goes on.
(
	trap - EXIT HUP INT TERM
	for ((i = 1; i <= MN_N; i++)); do
		kannel_send_text "$(burst_phone "$i")" "JALAN rusak parah nomor $i dekat pos ronda"
	done
) &
track "$!" burst-writer
fs_at_least() { [ "$(fs_count)" -ge "$1" ]; }
wait_for 60 "a quarter of the burst's replies at fakesmsc (got $(fs_count))" \
	fs_at_least "$((MN_N / 4))"
# A callback takes a node a millisecond or two: a SIGKILL out of the blue
# would rarely find one in flight.  Node 2 hangs first (SIGSTOP), as a node
# does before it dies, until haproxy has handed it a callback and 0.3 s
# more, so that callbacks are in flight when the SIGKILL comes; haproxy's health checks
# take it out of the rotation after two failed checks.  (On one shared
# SQLite file a hung node that holds the write lock stalls the others too:
# their /healthz waits for the lock, hence `timeout check 1s`.)
# in_flight NAME: requests haproxy has open at server NAME (stats "scur").
in_flight() {
	curl -sS -m 5 "http://127.0.0.1:$STATS_PORT/stats;csv" 2>/dev/null |
		awk -F, -v s="$1" '$1 == "nodes" && $2 == s { print $5 + 0 }'
}
n2_busy() { [ "$(in_flight n2)" -ge 1 ]; }
kill -STOP "${NODE_PID[2]}"
T_HUNG=$(ms_now)
wait_for 10 "a callback in flight at the hung node 2 (haproxy's scur: $(in_flight n2))" n2_busy
nap 0.3
HELD=$(in_flight n2)
KILLED_AT=$(fs_count)
kill9_pid "${NODE_PID[2]}"
T_HUNG=$(($(ms_now) - T_HUNG))
ussd_sessions during 1 2
BURST_AT=$(fs_count)
ok "node 2 hung ${T_HUNG} ms holding $HELD requests, then SIGKILL, after $KILLED_AT of $MN_N replies; then 2 USSD sessions during the burst (replies by then: $BURST_AT)"
wait_for 10 "haproxy sees n2 DOWN (it is $(server_status n2))" server_is n2 DOWN

# burst_replied: every burst phone has its reply (counted by receiver, a
# concatenated SMS as one).  fakesmsc logs a message as
#   Got message N: <FROM TO TYPE [UDH] data DATA>
# TYPE text (as is), ucs-2 (URL-encoded UTF-16BE) or udh (one part of a
# concatenated message: UDH and data URL-encoded).  replies.py writes
# "TO<TAB>TEXT" per whole message, in arrival order.
cat >"$IT_TMP/replies.py" <<'PY'
import re, sys, urllib.parse
parts = {}
out = []
for line in open(sys.argv[1], "rb").read().decode("utf-8", "replace").splitlines():
    m = re.search(r"Got message \d+: <(\S+) (\S+) (\S+) (.*)>$", line)
    if not m:
        continue
    to, typ, rest = m.group(2), m.group(3), m.group(4)
    if typ == "text":
        out.append((to, rest))
    elif typ == "ucs-2":
        out.append((to, urllib.parse.unquote_to_bytes(rest.replace("+", " ")).decode("utf-16-be")))
    elif typ == "udh":
        udh, _, data = rest.partition(" data ")
        u = urllib.parse.unquote_to_bytes(udh)
        if u[1] == 0:
            ref, total, seq = u[3], u[4], u[5]
        else:
            ref, total, seq = u[3] * 256 + u[4], u[5], u[6]
        p = parts.setdefault((to, ref), {})
        p[seq] = urllib.parse.unquote_to_bytes(data.replace("+", " "))
        if len(p) == total:
            raw = b"".join(p[k] for k in sorted(p))
            del parts[(to, ref)]
            out.append((to, raw.decode("utf-16-be") if b"\x00" in raw else raw.decode("latin-1")))
    else:
        out.append((to, "?unknown type " + typ))
for to, text in out:
    print("%s\t%s" % (to, text.replace("\n", " ").replace("\t", " ")))
PY
collect_replies() {
	python3 "$IT_TMP/replies.py" "$KANNEL_FS_LOG" >"$IT_TMP/replies.tsv" ||
		fail "replies.py on $KANNEL_FS_LOG failed"
}
# nsn NUMBER: national significant number (+62812..., 62812..., 0812... -> 812...)
nsn_of() {
	local n=${1#+}
	n=${n#62}
	printf '%s' "${n#0}"
}
burst_replied() {
	local n
	collect_replies
	n=$(awk -F'\t' '$1 ~ /^(\+?62|0)813/ { print $1 }' "$IT_TMP/replies.tsv" | sort -u | wc -l)
	BURST_REPLIED=$n
	[ "$n" -ge "$MN_N" ]
}
BURST_REPLIED=0
wait_for 90 "every burst phone's reply (phones with a reply: $BURST_REPLIED of $MN_N)" burst_replied
ok "burst of $MN_N: every phone has its reply ($((SECONDS - T_BURST))s after the first was sent)"

# ---- the killed node comes back ------------------------------------------------------
start_node 2
wait_for 10 "haproxy sees n2 UP again (it is $(server_status n2))" server_is n2 UP
http_must "node 2's /healthz after the restart" "http://127.0.0.1:${NODE_PORT[2]}/healthz"
expect_eq "node 2's /healthz after the restart" 200 "$RESP_STATUS"
# Two sessions, steps interleaved, roundrobin over three nodes: each
# session's steps go to different nodes (Kannel's delivery reports, also
# through haproxy, may shift the turn but not keep a session on one node).
ussd_sessions after 2 2
after=""
for ((k = 1; k <= 2; k++)); do
	nodes=${SESSION_NODES[ATUid_mn_after_$k]}
	after+="$nodes"
	expect_ne "nodes that served USSD session ATUid_mn_after_$k (steps went to: $nodes)" 1 \
		"$(printf '%s\n' $nodes | sort -u | wc -l)"
done
expect_match "the restarted node n2 served steps of the USSD sessions after the restart (steps went to: $after)" \
	'(^| )n2 ' "$after"
ok "node 2 restarted with the same command: haproxy UP, /healthz 200, serves USSD steps (steps went to: $after)"

# ---- counts: replies, tickets, webhooks, SMS ---------------------------------------------
nap 2          # a late duplicate (a second retry) would show up by now
collect_replies
DUP_PHONES=$(awk -F'\t' '$1 ~ /^(\+?62|0)813/ { print $1 }' "$IT_TMP/replies.tsv" | sort | uniq -d)
expect_eq "burst phones with more than one SMS" "" "$DUP_PHONES"
NO_TICKET=$(awk -F'\t' '$1 ~ /^(\+?62|0)813/ && $2 !~ /(^|[^0-9])[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]([^0-9]|$)/' "$IT_TMP/replies.tsv" | head -n 3)
expect_eq "burst replies without a ticket" "" "$NO_TICKET"
# phone -> ticket the phone received
awk -F'\t' '$1 ~ /^(\+?62|0)813/ {
	if (match($2, /(^|[^0-9])[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]([^0-9]|$)/)) {
		t = substr($2, RSTART, RLENGTH); gsub(/[^0-9]/, "", t)
		p = $1; sub(/^\+?62/, "", p); sub(/^0/, "", p)
		print p "|" t
	} }' "$IT_TMP/replies.tsv" | sort >"$IT_TMP/received.txt"
expect_eq "burst phones with a ticket" "$MN_N" "$(wc -l <"$IT_TMP/received.txt")"
expect_eq "tickets received twice (by two phones)" "" "$(cut -d'|' -f2 "$IT_TMP/received.txt" | sort | uniq -d)"

expect_eq "tickets stored more than once" "" \
	"$(mn_sql "SELECT ticket FROM complaints GROUP BY ticket HAVING count(*) > 1")"
expect_eq "Kannel ids stored more than once" "" \
	"$(mn_sql "SELECT gw_id FROM messages WHERE gateway = 'kannel' GROUP BY gw_id HAVING count(*) > 1")"
mn_sql "SELECT phone || '|' || ticket FROM complaints WHERE channel = 'sms'" |
	sed -e 's/^+62//' | sort >"$IT_TMP/stored.txt"
expect_eq "the stored SMS complaints (phone|ticket) = what the phones received" \
	"$(cat "$IT_TMP/received.txt")" "$(cat "$IT_TMP/stored.txt")"
expect_eq "SMS complaints without the message that opened them" 0 \
	"$(mn_sql "SELECT count(*) FROM complaints c WHERE c.channel = 'sms' AND NOT EXISTS
		(SELECT 1 FROM messages m WHERE m.complaint_id = c.id AND m.command = 'complaint')")"
# The callbacks node 2 held when it died got no answer (haproxy closes the
# connection, or answers 502), and smsbox sent each again, to another node.
RETRIED=$(grep -a 'Retrying request' "$KANNEL_SMSBOX_LOG" | grep -a '/kannel/sms?' |
	grep -aoE '[?&]id=[0-9a-f-]+' | sort -u | wc -l)
expect_ne "callbacks smsbox sent again after node 2 died (its log: 'Retrying request')" 0 "$RETRIED"
HA_REDISPATCHED=$(grep -acE 'retries=\+' "$HA_LOG")
ok "$MN_N phones, $MN_N tickets: each received once, stored once for its phone (node 2 held $HELD requests when killed; smsbox retried $RETRIED callbacks, haproxy redispatched $HA_REDISPATCHED)"

# Kannel's retry of a callback a node answered but whose answer was lost:
# the same URL again, through haproxy, to another node: the same reply,
# nothing new stored.
BEFORE=$(mn_sql "SELECT count(*) FROM complaints")/$(mn_sql "SELECT count(*) FROM messages")
grep -aE '^n[13] 200 retries=0 GET /kannel/sms\?' "$HA_LOG" | head -n 3 >"$IT_TMP/resend.txt"
expect_eq "callbacks picked from haproxy's log to send again" 3 "$(wc -l <"$IT_TMP/resend.txt")"
while read -r node _ _ _ uri; do
	phone=${uri#*from=}
	phone=${phone%%&*}
	first=$(awk -F'\t' -v p="$phone" '$1 == p { print $2; exit }' "$IT_TMP/replies.tsv")
	http_must "the callback for $phone again" "http://127.0.0.1:$HA_PORT$uri"
	expect_eq "callback for $phone sent again: status" 200 "$RESP_STATUS"
	expect_eq "callback for $phone sent again (first answered by $node): the reply" "$first" "$RESP_BODY"
done <"$IT_TMP/resend.txt"
expect_eq "complaints/messages after sending 3 answered callbacks again" "$BEFORE" \
	"$(mn_sql "SELECT count(*) FROM complaints")/$(mn_sql "SELECT count(*) FROM messages")"
ok "3 answered callbacks sent again through haproxy: the same replies, nothing new stored ($BEFORE)"

for t in "${USSD_TICKETS[@]}"; do
	expect_eq "USSD ticket $t: stored, channel" ussd \
		"$(mn_sql "SELECT channel FROM complaints WHERE ticket = '$t'")"
done
during=""
for ((k = 1; k <= 2; k++)); do during+=${SESSION_NODES[ATUid_mn_during_$k]:-}; done
# receipts: each USSD phone gets one SMS (through the outbox, smsbox's sendsms)
ussd_receipts() {
	local p n
	collect_replies
	for p in "${USSD_PHONES[@]}"; do
		n=$(awk -F'\t' -v want="$(nsn_of "$p")" '{ p = $1; sub(/^\+?62/, "", p); sub(/^0/, "", p) }
			p == want' "$IT_TMP/replies.tsv" | wc -l)
		RECEIPTS_OF=$p:$n
		[ "$n" -ge 1 ] || return 1
	done
}
RECEIPTS_OF=
wait_for 60 "a receipt SMS for every USSD ticket (last looked at: $RECEIPTS_OF)" ussd_receipts
for p in "${USSD_PHONES[@]}"; do
	expect_eq "SMS to USSD phone $p (its receipt)" 1 \
		"$(awk -F'\t' -v want="$(nsn_of "$p")" '{ q = $1; sub(/^\+?62/, "", q); sub(/^0/, "", q) }
			q == want' "$IT_TMP/replies.tsv" | wc -l)"
done
expect_eq "SMS at fakesmsc in all (one per burst phone, one receipt per USSD phone)" \
	"$((MN_N + ${#USSD_PHONES[@]}))" "$(wc -l <"$IT_TMP/replies.tsv")"
expect_eq "complaints stored in all (burst and USSD)" "$((MN_N + ${#USSD_TICKETS[@]}))" \
	"$(mn_sql "SELECT count(*) FROM complaints")"
ok "${#USSD_TICKETS[@]} USSD sessions (steps hopping between nodes) ended with a stored ticket and one receipt SMS each; no other SMS, no other complaint"

# webhooks: one ticket.created per dpupr ticket, each Idempotency-Key answered once
DPUPR_N=$(mn_sql "SELECT count(*) FROM complaints WHERE agency = 'dpupr'")
expect_ne "dpupr tickets (the burst's JALAN complaints go there)" 0 "$DPUPR_N"
created_count() {
	grep -a '^200 ' "$AG_LOG" | grep -a '"event":"ticket.created"' |
		grep -aoE '"number":"[0-9]{8}"' | sort -u | wc -l
}
CREATED=0
created_all() {
	CREATED=$(created_count)
	[ "$CREATED" -ge "$DPUPR_N" ]
}
wait_for 60 "ticket.created webhooks for all $DPUPR_N dpupr tickets (got $CREATED)" created_all
nap 1
expect_eq "Idempotency-Keys answered 200 more than once at the webhook receiver" "" \
	"$(grep -a '^200 ' "$AG_LOG" | cut -d' ' -f2 | sort | uniq -d | head -n 5)"
expect_eq "tickets whose ticket.created webhook came twice" "" \
	"$(grep -a '^200 ' "$AG_LOG" | grep -a '"event":"ticket.created"' |
		grep -aoE '"number":"[0-9]{8}"' | sort | uniq -d | head -n 5)"
expect_eq "ticket.created webhooks = dpupr tickets" "$DPUPR_N" "$(created_count)"
[ -s "$IT_TMP/agency.err" ] && fail "tool_agency reported: $(cat "$IT_TMP/agency.err")"
expect_eq "requests refused by the webhook receiver (BADSIG)" 0 "$(grep -ac ' BADSIG ' "$AG_LOG")"
ok "$DPUPR_N dpupr tickets: one ticket.created webhook each, no Idempotency-Key delivered twice"

check_log_errors "$KANNEL_BEARERBOX_LOG" bearerbox
# the callbacks node 2 was answering when it died: smsbox logs the failure, then retries
check_log_errors "$KANNEL_SMSBOX_LOG" smsbox "ERROR: Couldn't fetch <http://127\.0\.0\.1:$HA_PORT/kannel/(sms|dlr)\?"
check_log_errors "$KANNEL_FS_LOG" fakesmsc
for i in 1 2 3; do
	check_log_errors "$IT_TMP/node$i.log" "node $i"
done
# each node stops cleanly on SIGTERM (a sanitizer build: no report at exit)
for i in 1 2 3; do
	stop_checked "${NODE_PID[i]}" "aduan node $i"
	check_sanitizer_log "$IT_TMP/node$i.log" "node $i"
done
ok "no unexpected ERROR in the Kannel and node logs, nodes stopped with exit 0; USSD steps during the burst went to: $during"
exit 0
