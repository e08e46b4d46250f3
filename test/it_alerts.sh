#!/bin/bash
# it_alerts: the Prometheus alert rules in dist/prometheus/ hold.
#
# `promtool check rules` accepts dist/prometheus/aduan-alerts.yml;
# `promtool test rules` runs aduan-alerts.test.yml (series fed in, which
# alerts fire when, with their rendered summary and description); and every
# aduan_* metric an alert's expression reads is one a running `aduan serve`
# exposes on its admin listener's /metrics after one SMS, so a renamed
# metric cannot leave an alert that never fires.  promtool is Debian's
# `prometheus` package (scripts/deps.sh check).
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init alerts
RULES=dist/prometheus/aduan-alerts.yml
RULE_TESTS=dist/prometheus/aduan-alerts.test.yml
PROMTOOL=${PROMTOOL:-promtool}
command -v "$PROMTOOL" >/dev/null ||
	fail "promtool is not installed (Debian package prometheus: scripts/deps.sh check)"

"$PROMTOOL" check rules "$RULES" >"$IT_TMP/check.out" 2>&1 ||
	fail "promtool check rules $RULES:
$(cat "$IT_TMP/check.out")"
NRULES=$(sed -n 's/.*SUCCESS: \([0-9]*\) rules found.*/\1/p' "$IT_TMP/check.out")
NALERTS=$(grep -c '^ *- alert: ' "$RULES")
expect_eq "promtool counted every alert of $RULES" "$NALERTS" "$NRULES"
ok "promtool check rules: $NRULES rules"

"$PROMTOOL" test rules "$RULE_TESTS" >"$IT_TMP/test.out" 2>&1 ||
	fail "promtool test rules $RULE_TESTS:
$(cat "$IT_TMP/test.out")"
TESTED=$(grep -E '^ *alertname: ' "$RULE_TESTS" | awk '{ print $2 }' | sort -u)
[ "$(printf '%s\n' "$TESTED" | wc -l)" -ge 3 ] || fail "fewer than 3 alerts unit-tested: $TESTED"
ok "promtool test rules: $(printf '%s\n' "$TESTED" | wc -l) alerts tested ($(printf '%s' "$TESTED" | tr '\n' ' '))"

# Every alert has a summary, a description and a severity.
BAD=$(awk '/^ *- alert: / { if (a != "" && (s + d + v) != 3) print a; a = $3; s = d = v = 0 }
	/^ *summary: / { s = 1 } /^ *description: / { d = 1 } /^ *severity: / { v = 1 }
	END { if (a != "" && (s + d + v) != 3) print a }' "$RULES")
[ -z "$BAD" ] || fail "alerts without a summary, description or severity: $BAD"

# ---------------------------------------------------------------------------
# README's scrape config (the yaml block of "Scraping from a central
# Prometheus"), its files made in the temp dir: promtool check config.
# ---------------------------------------------------------------------------
awk '/^### Scraping from a central Prometheus/ { on = 1; next } on && /^##/ { exit }
	on && /^```yaml/ { y = 1; next } y && /^```/ { exit } y' README.md >"$IT_TMP/scrape.yml"
grep -q 'job_name: aduan' "$IT_TMP/scrape.yml" || fail "no yaml scrape config with job aduan in README.md"
mkdir -p "$IT_TMP/etc" && sed -i "s,/etc/prometheus/,$IT_TMP/etc/,g" "$IT_TMP/scrape.yml"
printf 'secret\n' >"$IT_TMP/etc/aduan-metrics.pass"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=aduan-test \
	-keyout "$IT_TMP/etc/ca.key" -out "$IT_TMP/etc/aduan-metrics-ca.pem" >/dev/null 2>&1 ||
	fail "openssl could not make a test certificate"
"$PROMTOOL" check config "$IT_TMP/scrape.yml" >"$IT_TMP/config.out" 2>&1 ||
	fail "promtool check config on README's scrape config:
$(cat "$IT_TMP/config.out")"
ok "README's scrape config passes promtool check config"

# ---------------------------------------------------------------------------
# The metric names of the expressions, against a live scrape.
# ---------------------------------------------------------------------------
USED=$(awk '/^ *expr:/ { on = 1 } /^ *(for|labels|annotations):/ { on = 0 } on' "$RULES" |
	grep -oE 'aduan_[a-z0-9_]+' | sort -u)
[ -n "$USED" ] || fail "no aduan_* metric in the expressions of $RULES"

free_port APORT
free_port port
: >"$IT_TMP/aduan.log"
ADUAN_DB=$IT_TMP/aduan.db
ADUAN_LOG=$IT_TMP/aduan.log
ADUAN_PORT=$port
ADUAN_URL=http://127.0.0.1:$ADUAN_PORT
"$ADUAN_BIN" serve --demo -c "$ADUAN_CONF" -p "$ADUAN_PORT" --admin-port "$APORT" -d "$ADUAN_DB" \
	</dev/null >>"$ADUAN_LOG" 2>&1 &
ADUAN_PID=$!
track "$ADUAN_PID" aduan
add_log "$ADUAN_LOG"
wait_port "$ADUAN_PORT" 15 "$ADUAN_PID" "aduan serve"
wait_port "$APORT" 15 "$ADUAN_PID" "admin listener"
"$ADUAN_BIN" sms -c "$ADUAN_CONF" --url "$ADUAN_URL" 081234567890 "JALAN rusak di Jl. Pemuda" \
	>"$IT_TMP/sms.out" 2>&1 || fail "aduan sms: $(cat "$IT_TMP/sms.out")"
http_must "GET /metrics" "http://127.0.0.1:$APORT/metrics"
expect_eq "/metrics: status" 200 "$RESP_STATUS"
# Families and, for histograms, their _bucket/_sum/_count series.
FAMILIES=$(awk '/^# TYPE / { print $3; if ($4 == "histogram") print $3 "_bucket\n" $3 "_sum\n" $3 "_count" }' \
	"$RESP_FILE" | sort -u)
MISSING=$(comm -23 <(printf '%s\n' "$USED") <(printf '%s\n' "$FAMILIES"))
[ -z "$MISSING" ] || fail "metrics the alert rules read that /metrics does not expose:
$MISSING"
ok "the $(printf '%s\n' "$USED" | wc -l) aduan_* metrics of the rules are on a live /metrics"

check_log_errors "$ADUAN_LOG" "aduan"
exit 0
