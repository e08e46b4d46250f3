#!/bin/bash
# it_metrics: GET /metrics and /healthz on the admin listener, over real HTTP.
#
# `aduan serve` with an admin port and a config copy in the temp dir; SMS
# complaints through `aduan sms`, a retried one, a refused one (bad secret)
# and a USSD complaint; then /metrics is parsed as a scraper would (awk):
# the exposition format holds, the callback counters equal what was sent,
# complaints by agency equal the database, the latency histogram counted
# every request, the outbox gauges add up to the outbox.  /healthz answers
# 503 with the reason while another process holds the database's write lock
# (readable, not writable), 200 again after.  A broken config is refused
# by POST /admin/reload with 422 and its line, counted as a reload failure;
# the fixed one reloads (200) and is counted.  Every message handled left
# exactly one log line with its gateway, masked phone, command and time.
# The scrape-time gauges say what the store and the files say: build and
# config version (which follows a reload), start time, database, -wal and
# free filesystem bytes (= stat/df), the age of the oldest undelivered
# outbox row (one queued an hour ago in the database), overdue tickets per
# agency (every configured agency, 0 included; one made overdue counts),
# the last inbound message's time, which a restart keeps.  README's metric
# list names exactly what the service and the code emit, with their types.
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init metrics
CONF=$IT_TMP/aduan.conf
cp "$ADUAN_CONF" "$CONF"
free_port ADUAN_PORT
free_port APORT
ADUAN_SECRET=$(conf_kannel_secret "$CONF")
AT_SECRET=$(conf_at_secret "$CONF")
[ -n "$ADUAN_SECRET" ] && [ -n "$AT_SECRET" ] || fail "no kannel or africastalking secret in $CONF"
ADUAN_DB=$IT_TMP/aduan.db
ADUAN_LOG=$IT_TMP/aduan.log
ADUAN_URL=http://127.0.0.1:$ADUAN_PORT
ADMIN_URL=http://127.0.0.1:$APORT
METRICS=$IT_TMP/metrics.txt
"$ADUAN_BIN" serve --demo -c "$CONF" -p "$ADUAN_PORT" --admin-port "$APORT" -d "$ADUAN_DB" \
	</dev/null >"$ADUAN_LOG" 2>&1 &
ADUAN_PID=$!
track "$ADUAN_PID" aduan
add_log "$ADUAN_LOG"
wait_port "$ADUAN_PORT" 15 "$ADUAN_PID" "aduan serve"
wait_port "$APORT" 15 "$ADUAN_PID" "admin listener"

# scrape: GET /metrics into $METRICS and check the exposition format line
# by line: samples `name{labels} value`, each family's HELP then TYPE
# before its samples and once only, histogram buckets cumulative with
# +Inf equal to _count.
scrape() {
	local bad
	http_must "GET /metrics" "$ADMIN_URL/metrics"
	expect_eq "/metrics: status" 200 "$RESP_STATUS"
	expect_eq "/metrics: content type" "text/plain; version=0.0.4; charset=utf-8" "$RESP_CTYPE"
	cp "$RESP_FILE" "$METRICS"
	bad=$(awk '
		function family(n,   f) {
			if (n in type)
				return n
			f = n
			sub(/_(bucket|sum|count)$/, "", f)
			return (f in type && type[f] == "histogram") ? f : n
		}
		/^# HELP / {
			if ($3 in help) print "HELP twice: " $3
			if (NF < 4) print "HELP without text: " $0
			help[$3] = 1; cur = $3; next
		}
		/^# TYPE / {
			if ($3 != cur) print "TYPE not right after its HELP: " $0
			if ($4 != "counter" && $4 != "gauge" && $4 != "histogram") print "bad TYPE: " $0
			type[$3] = $4; next
		}
		/^#/ { print "stray comment: " $0; next }
		{
			if ($0 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*([{][a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*[}])? [^ ]+$/) {
				print "not a sample line: " $0; next
			}
			name = $0; sub(/[{ ].*/, "", name)
			lab = $0; sub(/^[^{ ]*/, "", lab); sub(/ [^ ]*$/, "", lab)
			val = $NF
			f = family(name)
			if (f != cur || !(f in type)) { print "sample outside its family (no HELP/TYPE just before): " $0; next }
			if (val !~ /^([+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?|[+-]Inf|NaN)$/) print "bad value: " $0
			if (type[f] == "counter" && val + 0 < 0) print "negative counter: " $0
			if (type[f] != "histogram") next
			if (name == f "_bucket") {
				if (lab !~ /le="[^"]*"[}]$/) { print "bucket without le: " $0; next }
				le = lab; sub(/.*le="/, "", le); sub(/"[}]$/, "", le)
				sub(/,?le="[^"]*"[}]$/, "}", lab); if (lab == "{}") lab = ""
				key = f lab
				if (key != lastkey) { lastkey = key; last = -1 }
				if (val + 0 < last) print "buckets not cumulative: " $0
				last = val + 0
				if (le == "+Inf") inf[key] = val
			} else if (name == f "_count") {
				key = f lab
				if (!(key in inf)) print "_count without a +Inf bucket: " $0
				else if (inf[key] != val) print "+Inf bucket " inf[key] " != count: " $0
			}
		}
		END { if (NR == 0) print "empty" }' "$METRICS")
	[ -z "$bad" ] || fail "/metrics is not valid exposition format:
$(printf '%s\n' "$bad" | head -n 10)"
}

# mval SERIES: the value of sample SERIES (exactly name{labels}); 0 when absent.
mval() {
	awk -v s="$1" 'index($0, s " ") == 1 && length($0) > length(s) + 1 {
		print substr($0, length(s) + 2); found = 1; exit } END { if (!found) print 0 }' "$METRICS"
}

# msum PREFIX: the sum of every sample whose line starts with PREFIX.
msum() {
	awk -v p="$1" 'index($0, p) == 1 { s += $NF } END { print s + 0 }' "$METRICS"
}

# mgauges NAME: the samples of family NAME, one per line.
mgauges() {
	grep -E "^$1[{ ]" "$METRICS" || :
}

# near A B TOL: A and B (integers) differ by at most TOL.
near() {
	local d=$(($1 - $2))
	[ "${d#-}" -le "$3" ]
}

# ---------------------------------------------------------------------------
# Gauges of an empty database: build, config, start, nothing inbound yet.
# ---------------------------------------------------------------------------
T_START=$(date +%s)
scrape
VERSION=$("$ADUAN_BIN" --version | awk '{ print $2 }')
COMMIT=$("$ADUAN_BIN" --version | sed -n 's/.*(commit \(.*\))$/\1/p')
if [ -n "$COMMIT" ]; then
	expect_eq "build info: the version and commit of aduan --version" \
		"aduan_build_info{version=\"$VERSION\",commit=\"$COMMIT\"} 1" "$(mgauges aduan_build_info)"
else
	expect_eq "build info: the version of aduan --version (a build without a commit)" \
		"aduan_build_info{version=\"$VERSION\"} 1" "$(mgauges aduan_build_info)"
fi
CONF_VERSION=$(sed -n 's/.*serving on .*(version \([0-9a-f]*\)).*/\1/p' "$ADUAN_LOG" | head -n 1)
[ -n "$CONF_VERSION" ] || fail "no config version in the start-up log line"
expect_eq "config info: the version the start-up log names" \
	"aduan_config_info{version=\"$CONF_VERSION\"} 1" "$(mgauges aduan_config_info)"
START=$(mval aduan_start_time_seconds)
[ "$START" -gt 0 ] 2>/dev/null && near "$START" "$T_START" 20 ||
	fail "start time: expected about $T_START (now), got '$START'"
expect_eq "last inbound message time, nothing received yet" 0 \
	"$(mval aduan_last_inbound_message_time_seconds)"
expect_eq "oldest pending outbox row, none" 0 "$(mval aduan_outbox_oldest_pending_age_seconds)"
NAGENCIES=$(sed -n 's/.*serving on .*, \([0-9]*\) agencies,.*/\1/p' "$ADUAN_LOG" | head -n 1)
[ -n "$NAGENCIES" ] || fail "no agency count in the start-up log line"
expect_eq "overdue tickets: one sample per configured agency" "$NAGENCIES" \
	"$(mgauges aduan_tickets_overdue | wc -l)"
expect_eq "overdue tickets: all 0" 0 "$(msum 'aduan_tickets_overdue{')"
ok "empty database: build $VERSION, config $CONF_VERSION, started $START, $NAGENCIES agencies with 0 overdue"

# ---------------------------------------------------------------------------
# Traffic: SMS complaints, a retry, help, a refusal; a USSD complaint.
# ---------------------------------------------------------------------------
PHONE=081234567890
TEXTS=("JALAN Jl. Pemuda depan SMP 3 berlubang"
	"SAMPAH menumpuk di pasar Bandungan sejak minggu lalu"
	"JALAN aspal rusak parah dekat kantor kecamatan"
	"halo")
for t in "${TEXTS[@]}"; do
	"$ADUAN_BIN" sms -c "$CONF" --url "$ADUAN_URL" "$PHONE" "$t" >"$IT_TMP/sms.out" 2>"$IT_TMP/sms.err" ||
		fail "aduan sms \"$t\" exited $?: $(cat "$IT_TMP/sms.err")"
done
# A gateway retry: the same id twice, the second answered from the store.
for k in 1 2; do
	"$ADUAN_BIN" sms -c "$CONF" --url "$ADUAN_URL" --id it-metrics-retry "$PHONE" \
		"AIR PDAM mati tiga hari di Jl. Diponegoro" >"$IT_TMP/sms.out" 2>"$IT_TMP/sms.err" ||
		fail "aduan sms --id (try $k) exited $?: $(cat "$IT_TMP/sms.err")"
done
SMS_OK=$((${#TEXTS[@]} + 1))
# Refused: a wrong secret.
http_must "wrong secret" \
	"$ADUAN_URL/kannel/sms?secret=salah&from=$PHONE&to=1708&text=JALAN%20rusak&id=it-metrics-bad"
expect_eq "wrong secret: status" 403 "$RESP_STATUS"
KANNEL_REQUESTS=$((SMS_OK + 2))
ok "sent $SMS_OK SMS (+1 retry) and 1 with a wrong secret (403)"

USSD_URL="$ADUAN_URL/africastalking/ussd?secret=$(urlencode "$AT_SECRET")"
USSD_STEPS=("" "1" "1*1" "1*1*Jl Pemuda" "1*1*Jl Pemuda*Jembatan retak" "1*1*Jl Pemuda*Jembatan retak*1")
for t in "${USSD_STEPS[@]}"; do
	http_must "USSD [$t]" -X POST -H 'Content-Type: application/x-www-form-urlencoded' \
		-d "sessionId=it-metrics-ussd&serviceCode=$(urlencode '*123#')&phoneNumber=$PHONE&networkCode=51010&text=$(urlencode "$t")" \
		"$USSD_URL"
	expect_eq "USSD [$t]: status" 200 "$RESP_STATUS"
done
expect_match "USSD: the last screen ends with a ticket" '^END .*[0-9]{8}' "$RESP_BODY"
expect_eq "USSD: one complaint with channel ussd" 1 \
	"$(sql "SELECT count(*) FROM complaints WHERE channel = 'ussd'")"
ok "USSD session: ${#USSD_STEPS[@]} requests, one complaint"

# ---------------------------------------------------------------------------
# /metrics, parsed.
# ---------------------------------------------------------------------------
scrape
CB='aduan_callbacks_total{gateway="kannel",endpoint="sms"'
expect_eq "callbacks ok (kannel sms) = SMS sent" "$SMS_OK" "$(mval "$CB,result=\"ok\"}")"
expect_eq "callbacks retry_replayed (kannel sms)" 1 "$(mval "$CB,result=\"retry_replayed\"}")"
expect_eq "callbacks refused_403 (kannel sms)" 1 "$(mval "$CB,result=\"refused_403\"}")"
expect_eq "callbacks (kannel sms), all results" "$KANNEL_REQUESTS" "$(msum "$CB,")"
expect_eq "callbacks ok (africastalking ussd)" "${#USSD_STEPS[@]}" \
	"$(mval 'aduan_callbacks_total{gateway="africastalking",endpoint="ussd",result="ok"}')"
expect_eq "inline replies sent (kannel): every SMS answered, the retry too" "$((SMS_OK + 1))" \
	"$(mval 'aduan_replies_sent_total{gateway="kannel"}')"
ok "callbacks: ok $SMS_OK, retry_replayed 1, refused_403 1; USSD ok ${#USSD_STEPS[@]}"

DB_BY_AGENCY=$(sql "SELECT agency, channel, count(*) FROM complaints GROUP BY agency, channel")
[ -n "$DB_BY_AGENCY" ] || fail "no complaints in the database"
while IFS='|' read -r agency channel n; do
	expect_eq "complaints created {agency=$agency, channel=$channel} = the database" "$n" \
		"$(mval "aduan_complaints_created_total{agency=\"$agency\",channel=\"$channel\"}")"
done <<<"$DB_BY_AGENCY"
expect_eq "complaints created, all series = complaints in the database" \
	"$(sql "SELECT count(*) FROM complaints")" "$(msum 'aduan_complaints_created_total{')"
ok "complaints by agency and channel equal the database: $(printf '%s' "$DB_BY_AGENCY" | tr '\n' ' ')"

H='aduan_http_request_duration_seconds'
N=$(mval "$H""_count{path=\"/kannel/sms\"}")
[ "$N" -ge "$KANNEL_REQUESTS" ] 2>/dev/null ||
	fail "latency histogram /kannel/sms: count $N < $KANNEL_REQUESTS requests sent"
N=$(mval "$H""_count{path=\"/africastalking/ussd\"}")
[ "$N" -ge "${#USSD_STEPS[@]}" ] 2>/dev/null ||
	fail "latency histogram /africastalking/ussd: count $N < ${#USSD_STEPS[@]} requests sent"
expect_match "latency histogram: a /kannel/sms +Inf bucket" '^[0-9]+$' \
	"$(mval "$H""_bucket{path=\"/kannel/sms\",le=\"+Inf\"}")"
expect_no_match "latency histogram: no raw URL as a label" 'secret=' "$(grep "^$H" "$METRICS")"
ok "latency histogram: /kannel/sms count $(mval "$H""_count{path=\"/kannel/sms\"}") >= $KANNEL_REQUESTS"

for st in pending sending sent dead; do
	grep -q "^aduan_outbox_rows{state=\"$st\"} [0-9]" "$METRICS" ||
		fail "no aduan_outbox_rows gauge for state $st"
done
expect_eq "outbox gauges add up to the outbox" "$(sql "SELECT count(*) FROM outbox")" \
	"$(msum 'aduan_outbox_rows{')"
expect_eq "no dropped samples" 0 "$(mval aduan_metrics_dropped_total)"
expect_eq "reloads before any" 0 "$(mval aduan_config_reloads_total)"
expect_eq "reload failures before any" 0 "$(mval aduan_config_reload_failures_total)"
ok "outbox gauges for pending, sending, sent, dead; nothing dropped; reload counters at 0"

# ---------------------------------------------------------------------------
# Store gauges against the database and the files.
# ---------------------------------------------------------------------------
LAST=$(sql "SELECT max(coalesce((SELECT max(received_at) FROM messages), 0),
	coalesce((SELECT max(updated_at) FROM ussd_sessions), 0))")
[ "$LAST" -gt 0 ] 2>/dev/null || fail "no inbound message in the database"
expect_eq "last inbound message time = the newest message or USSD request stored" "$LAST" \
	"$(mval aduan_last_inbound_message_time_seconds)"

# Sizes move while the delivery workers write: equal in one of a few tries.
for ((i = 0; ; i++)); do
	scrape
	DBB=$(stat -c %s "$ADUAN_DB")
	WALB=$(stat -c %s "$ADUAN_DB-wal" 2>/dev/null || echo 0)
	[ "$(mval aduan_database_bytes)" = "$DBB" ] && [ "$(mval aduan_database_wal_bytes)" = "$WALB" ] && break
	[ "$i" -ge 5 ] && fail "database bytes: expected $DBB (-wal $WALB) as stat says, got" \
		"$(mval aduan_database_bytes) (-wal $(mval aduan_database_wal_bytes))"
	nap 0.2
done
[ "$DBB" -gt 0 ] || fail "database file of 0 bytes"
AVAIL=$(df -B1 --output=avail "$IT_TMP" | tail -n 1 | tr -d ' ')
GOT=$(mval aduan_database_filesystem_avail_bytes)
near "${GOT%.*}" "$AVAIL" $((64 * 1024 * 1024)) ||
	fail "filesystem avail bytes: expected about $AVAIL (df), got $GOT"
SIZE=$(df -B1 --output=size "$IT_TMP" | tail -n 1 | tr -d ' ')
expect_eq "filesystem size bytes = df" "$SIZE" "$(mval aduan_database_filesystem_size_bytes)"
ok "database $DBB bytes, -wal $WALB, filesystem $GOT of $SIZE bytes free, as stat and df say"

# An undelivered row queued an hour ago (retried, next try tomorrow: no
# worker takes it), and a digest queued for tomorrow (not due: not counted).
NOW=$(date +%s)
sql "INSERT INTO outbox (kind, recipient, body, idem_key, state, attempts, next_attempt_at, created_at, updated_at)
	VALUES ('webhook', 'dpupr', '{}', 'it-metrics-old', 'pending', 3, $((NOW + 86400)), $((NOW - 3600)), $NOW),
	('email', 'dpupr', 'digest', 'it-metrics-later', 'pending', 0, $((NOW + 86400)), $((NOW - 7200)), $NOW)"
scrape
AGE=$(mval aduan_outbox_oldest_pending_age_seconds)
near "$AGE" 3600 30 || fail "oldest pending outbox row: expected about 3600 s (queued an hour ago), got $AGE"
sql "DELETE FROM outbox WHERE idem_key IN ('it-metrics-old', 'it-metrics-later')"
ok "oldest undelivered outbox row: $AGE s; a row queued for later is not counted"

# Time passes for one routed ticket: its follow-up is due a minute ago.
OVERDUE_AG=$(sql "SELECT agency FROM complaints WHERE status = 'routed' ORDER BY id LIMIT 1")
[ -n "$OVERDUE_AG" ] || fail "no routed complaint to make overdue"
sql "UPDATE complaints SET followup_due = $((NOW - 60)) WHERE id =
	(SELECT id FROM complaints WHERE status = 'routed' ORDER BY id LIMIT 1)"
scrape
expect_eq "overdue tickets of $OVERDUE_AG" 1 "$(mval "aduan_tickets_overdue{agency=\"$OVERDUE_AG\"}")"
expect_eq "overdue tickets, all agencies" 1 "$(msum 'aduan_tickets_overdue{')"
expect_eq "overdue tickets: still one sample per configured agency" "$NAGENCIES" \
	"$(mgauges aduan_tickets_overdue | wc -l)"
ok "one ticket made overdue: aduan_tickets_overdue{agency=\"$OVERDUE_AG\"} 1, the others 0"

# ---------------------------------------------------------------------------
# One log line per message: gateway, masked phone, command, time.
# ---------------------------------------------------------------------------
SMS_LINES=$(grep -c ' sms kannel from=+62' "$ADUAN_LOG")
expect_eq "one 'sms kannel from=' log line per SMS (the retry too)" "$((SMS_OK + 1))" "$SMS_LINES"
USSD_LINES=$(grep -c ' ussd africastalking from=+62' "$ADUAN_LOG")
expect_eq "one 'ussd africastalking from=' log line per USSD request" "${#USSD_STEPS[@]}" "$USSD_LINES"
BAD=$(grep -E ' (sms|ussd) [a-z]+ from=\+' "$ADUAN_LOG" |
	grep -vE 'from=\+62812\*\*\*\*890 .*command=[a-z_]+.* [0-9]+\.[0-9]ms$' || :)
[ -z "$BAD" ] || fail "log lines without a masked phone, a command or the time:
$BAD"
grep -q "$PHONE\|6281234567890" "$ADUAN_LOG" && fail "the full phone number is in the log"
grep -E ' sms kannel .*command=complaint' "$ADUAN_LOG" | grep -vqE 'ticket=[0-9]{8} agency=[a-z-]+ rule=' &&
	fail "a complaint's log line without ticket, agency and rule"
grep -E ' ussd africastalking .*command=complaint' "$ADUAN_LOG" | grep -qE 'ticket=[0-9]{8} agency=[a-z-]+' ||
	fail "the USSD complaint's log line has no ticket and agency"
ok "one log line per message: $SMS_LINES SMS, $USSD_LINES USSD, masked phone, command, ms"

# ---------------------------------------------------------------------------
# /healthz: 200; 503 while another process holds the write lock.
# ---------------------------------------------------------------------------
http_must "admin /healthz" "$ADMIN_URL/healthz"
expect_eq "admin /healthz: status" 200 "$RESP_STATUS"
http_must "/healthz" "$ADUAN_URL/healthz"
expect_eq "/healthz: status" 200 "$RESP_STATUS"

MARK=$(log_lines "$ADUAN_LOG")
mkfifo "$IT_TMP/lock.fifo"
sqlite3 -cmd ".timeout 5000" "$ADUAN_DB" <"$IT_TMP/lock.fifo" >"$IT_TMP/lock.out" 2>&1 &
LOCK_PID=$!
track "$LOCK_PID" "sqlite3 lock holder"
exec {LOCK_FD}>"$IT_TMP/lock.fifo"
printf 'BEGIN EXCLUSIVE;\n' >&"$LOCK_FD"
# held once another writer gets "database is locked"
for ((i = 0; ; i++)); do
	sqlite3 -cmd '.timeout 50' "$ADUAN_DB" 'BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1 || break
	[ "$i" -ge 100 ] && fail "sqlite3 never took the lock: $(cat "$IT_TMP/lock.out")"
	nap 0.05
done
# Still readable (WAL): the old check (read the schema version) said ok here.
expect_eq "locked: the database still reads" 1 "$(sqlite3 "$ADUAN_DB" 'SELECT count(*) > 0 FROM complaints')"
T0=$SECONDS
http_must "admin /healthz, locked" -m 15 "$ADMIN_URL/healthz"
expect_eq "admin /healthz while locked: status" 503 "$RESP_STATUS"
expect_match "admin /healthz while locked: the reason" 'not writable.*locked' "$RESP_BODY"
http_must "/healthz, locked" -m 15 "$ADUAN_URL/healthz"
expect_eq "/healthz (service listener) while locked: status" 503 "$RESP_STATUS"
WAITED=$((SECONDS - T0))
expect_le "locked: seconds for both answers (busy timeout 2 s each; slack for a loaded or sanitizer run)" 10 "$WAITED"
REASON=${RESP_BODY%$'\n'}
printf 'ROLLBACK;\n.quit\n' >&"$LOCK_FD"
exec {LOCK_FD}>&-
for ((i = 0; i < 40; i++)); do pid_alive "$LOCK_PID" || break; nap 0.05; done
stop_pid "$LOCK_PID"
http_must "admin /healthz, unlocked" "$ADMIN_URL/healthz"
expect_eq "admin /healthz after the lock: status" 200 "$RESP_STATUS"
expect_eq "admin /healthz after the lock: body" "ok" "${RESP_BODY%$'\n'}"
ok "/healthz: 200; locked -> 503 \"$REASON\" on both listeners; 200 after"

# ---------------------------------------------------------------------------
# Reloads: a broken config is refused (422, its line), then the fixed one.
# ---------------------------------------------------------------------------
cp "$CONF" "$IT_TMP/good.conf"
LINE=$(grep -n 'busy_timeout_ms' "$CONF" | head -n 1 | cut -d: -f1)
[ -n "$LINE" ] || fail "no busy_timeout_ms line in $CONF"
sed "${LINE}s/busy_timeout_ms = [0-9]*/busy_timeout_ms = 999999/" "$IT_TMP/good.conf" >"$CONF.new"
mv -f "$CONF.new" "$CONF"
cmp -s "$CONF" "$IT_TMP/good.conf" && fail "could not break the config copy"
http_must "reload, broken config" -X POST -d '' "$ADMIN_URL/admin/reload"
expect_eq "reload of a broken config: status" 422 "$RESP_STATUS"
expect_match "reload of a broken config: the file and line" "^$CONF:$LINE: .*busy_timeout_ms" "$RESP_BODY"
REFUSED=${RESP_BODY%$'\n'}
scrape
expect_eq "after the refused reload: reload failures" 1 "$(mval aduan_config_reload_failures_total)"
expect_eq "after the refused reload: reloads" 0 "$(mval aduan_config_reloads_total)"
ok "broken config -> 422 \"$REFUSED\"; one reload failure counted"

# A changed comment is a new version (the hash covers the file's bytes).
{ cat "$IT_TMP/good.conf"; echo "# it_metrics: reloaded"; } >"$CONF.new"
mv -f "$CONF.new" "$CONF"
scrape
expect_eq "config info after the refused reload: the version in force" \
	"aduan_config_info{version=\"$CONF_VERSION\"} 1" "$(mgauges aduan_config_info)"
http_must "reload, fixed config" -X POST -d '' "$ADMIN_URL/admin/reload"
expect_eq "reload of the fixed config: status" 200 "$RESP_STATUS"
expect_match "reload of the fixed config: the answer" '^reloaded: version [0-9a-f]+' "$RESP_BODY"
NEW_VERSION=$(printf '%s' "$RESP_BODY" | sed -n 's/^reloaded: version \([0-9a-f]*\).*/\1/p' | head -n 1)
[ "$NEW_VERSION" != "$CONF_VERSION" ] || fail "the reloaded config kept version $CONF_VERSION"
scrape
expect_eq "config info after the reload: the new version, alone" \
	"aduan_config_info{version=\"$NEW_VERSION\"} 1" "$(mgauges aduan_config_info)"
expect_eq "after the good reload: reloads" 1 "$(mval aduan_config_reloads_total)"
expect_eq "after the good reload: reload failures" 1 "$(mval aduan_config_reload_failures_total)"
N=$(mval "$H""_count{path=\"/admin/reload\"}")
expect_eq "latency histogram: the two reload requests" 2 "$N"
ok "fixed config -> 200; reloads 1, failures 1; config info $CONF_VERSION -> $NEW_VERSION"

# ---------------------------------------------------------------------------
# README's metric list: exactly the families the service and the code emit.
# ---------------------------------------------------------------------------
# The list: table rows "| `name` | type | labels | meaning |" under "### Metrics".
README_LIST=$(awk '/^### Metrics/ { on = 1; next } on && /^##/ { exit }
	on && /^[|] `aduan_[a-z0-9_]+` [|]/ { n = $2; gsub(/[` ]/, "", n); t = $4; gsub(/ /, "", t); print n, t }' README.md | sort)
[ -n "$README_LIST" ] || fail "README.md has no metric table under '### Metrics'"
SCRAPED=$(awk '/^# TYPE / { print $3, $4 }' "$METRICS" | sort)
MISSING=$(comm -23 <(printf '%s\n' "$SCRAPED") <(printf '%s\n' "$README_LIST"))
[ -z "$MISSING" ] || fail "metrics the service emits that README.md does not list (or with another type):
$MISSING"
# Every name the code gives metrics_count/inc/observe/gauge (or endpoints.c's
# gauge_labeled) on the call's line, and util/metrics.c's own (its HELP table).
CODE=$({ grep -hE '(metrics_(count|inc|observe|gauge)|gauge_labeled)[(]' --include='*.c' -r \
	net conf store routing gateway outbox ticket intake agency web ops cli; cat util/metrics.c; } |
	grep -oE '"aduan_[a-z0-9_]+"' | tr -d '"' | sort -u)
README_NAMES=$(printf '%s\n' "$README_LIST" | awk '{ print $1 }')
UNLISTED=$(comm -23 <(printf '%s\n' "$CODE") <(printf '%s\n' "$README_NAMES"))
[ -z "$UNLISTED" ] || fail "metric names in the code that README.md does not list:
$UNLISTED"
STALE=$(comm -13 <(printf '%s\n' "$CODE") <(printf '%s\n' "$README_NAMES"))
[ -z "$STALE" ] || fail "README.md lists metrics that nothing emits:
$STALE"
grep -q '(no description)' "$METRICS" && fail "a family without a description in util/metrics.c:
$(grep '(no description)' "$METRICS")"
ok "README.md lists the $(printf '%s\n' "$README_NAMES" | wc -l) metrics the code emits, the $(printf '%s\n' "$SCRAPED" | wc -l) scraped with their types"

# ---------------------------------------------------------------------------
# A restart: the last inbound time is read from the store, not reset to 0.
# ---------------------------------------------------------------------------
LAST=$(mval aduan_last_inbound_message_time_seconds)
stop_checked "$ADUAN_PID" "aduan serve"
printf '==== restart ====\n' >>"$ADUAN_LOG"
"$ADUAN_BIN" serve --demo -c "$CONF" -p "$ADUAN_PORT" --admin-port "$APORT" -d "$ADUAN_DB" \
	</dev/null >>"$ADUAN_LOG" 2>&1 &
ADUAN_PID=$!
track "$ADUAN_PID" aduan
wait_port "$APORT" 15 "$ADUAN_PID" "admin listener (restart)"
scrape
expect_eq "last inbound message time after a restart" "$LAST" \
	"$(mval aduan_last_inbound_message_time_seconds)"
[ "$(mval aduan_start_time_seconds)" -ge "$START" ] ||
	fail "start time after the restart: $(mval aduan_start_time_seconds) < $START"
ok "restart: last inbound time still $LAST"

check_log_errors "$ADUAN_LOG" "aduan" 'reload refused: .*busy_timeout_ms'
ok "no unexpected ERROR in the aduan log"
exit 0
