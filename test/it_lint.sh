#!/bin/bash
# it_lint: `aduan rules lint` as a deploy script uses it.
#
#   the fixtures test/conf/lint-*.conf: exit 0 with nothing to say, 1 with
#       warnings (each FILE:LINE: warning: ... on the right line), 0 with
#       notes only; the closing "N warnings, N notes" line;
#   a config that does not load: exit 2, check's errors on stderr;
#   -c before or after "lint", --config=FILE, $ADUAN_CONF;
#   usage errors: exit 2;
#   the bundled example: loads and lints without warnings (exit 0).
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init lint

LINT_RC=
LINT_OUT=
LINT_ERR=
lint() {
	timeout -k 2 20 "$ADUAN_BIN" "$@" </dev/null >"$IT_TMP/lint.out" 2>"$IT_TMP/lint.err"
	LINT_RC=$?
	LINT_OUT=$(cat "$IT_TMP/lint.out")
	LINT_ERR=$(cat "$IT_TMP/lint.err")
}

# line_of FILE TEXT: the first line of FILE holding TEXT.
line_of() {
	local n
	n=$(grep -n -F -- "$2" "$1" | head -n 1 | cut -d: -f1)
	[ -n "$n" ] || fail "line_of: '$2' not in $1"
	echo "$n"
}

# expect_at FILE LINE LEVEL ERE: the output has FILE:LINE: LEVEL: <ERE>
expect_at() {
	printf '%s\n' "$LINT_OUT" | grep -Eq -- "^$1:$2: $3: .*$4" ||
		fail "rules lint $1: expected a $3 at line $2 matching /$4/; got:
$LINT_OUT"
}

CLEAN=test/conf/lint-clean.conf
lint rules lint -c "$CLEAN"
expect_eq "rules lint $CLEAN: exit status" 0 "$LINT_RC"
expect_eq "rules lint $CLEAN: output" "$CLEAN: 0 warnings, 0 notes" "$LINT_OUT"
expect_eq "rules lint $CLEAN: stderr" "" "$LINT_ERR"
ok "rules lint $CLEAN: exit 0, nothing to say"

WARN=test/conf/lint-warn.conf
lint rules lint -c "$WARN"
expect_eq "rules lint $WARN: exit status" 1 "$LINT_RC"
expect_at "$WARN" "$(line_of "$WARN" '"bpbd"')" warning "agency 'bpbd'.*never reached.*\[agency-unused\]$"
expect_at "$WARN" "$(line_of "$WARN" '"PARKIR"')" warning "phrase 'PASAR BAWEN'.*region ambarawa \(line $(line_of "$WARN" '"ambarawa"')\)"
expect_at "$WARN" "$(line_of "$WARN" '"LIMBAH"')" warning "alias 'PARKIT' of rule LIMBAH and keyword 'PARKIR' of rule PARKIR \(line $(line_of "$WARN" '"PARKIR"')\) are one letter apart.*\[typo-pair\]$"
expect_at "$WARN" "$(line_of "$WARN" '"LIMBAH"')" warning "alias 'JL' .*only 2 characters"
expect_at "$WARN" "$(line_of "$WARN" '"ambarawa"')" note "region ambarawa: no rule has a regional agency"
expect_eq "rules lint $WARN: last line" "$WARN: 4 warnings, 1 note" "$(printf '%s\n' "$LINT_OUT" | tail -n 1)"
# Ordered by line: the line numbers never go down.
LINES=$(printf '%s\n' "$LINT_OUT" | sed -n "s|^$WARN:\([0-9]*\): .*|\1|p" | tr '\n' ' ')
# shellcheck disable=SC2086 # split on purpose: one number a line
expect_eq "rules lint $WARN: lines in order" "$(printf '%s\n' $LINES | sort -n | tr '\n' ' ')" "$LINES"
WARN_OUT=$LINT_OUT
ok "rules lint $WARN: exit 1, findings on lines $LINES"

# The same run twice gives the same text; -c may come first; long forms.
lint rules lint -c "$WARN"
expect_eq "rules lint $WARN: same output again" "$WARN_OUT" "$LINT_OUT"
lint rules -c "$WARN" lint
expect_eq "rules -c FILE lint: exit status" 1 "$LINT_RC"
expect_eq "rules -c FILE lint: output" "$WARN_OUT" "$LINT_OUT"
lint rules lint --config="$WARN"
expect_eq "rules lint --config=FILE: output" "$WARN_OUT" "$LINT_OUT"
ADUAN_CONF=$WARN lint rules lint
expect_eq "rules lint with \$ADUAN_CONF: output" "$WARN_OUT" "$LINT_OUT"
ok "rules lint: stable output; -c before or after lint, --config=, \$ADUAN_CONF"

NOTES=test/conf/lint-notes.conf
lint rules lint -c "$NOTES"
expect_eq "rules lint $NOTES: exit status (notes only)" 0 "$LINT_RC"
expect_at "$NOTES" "$(line_of "$NOTES" '"PJU"')" note "phrase 'LAMPU JALAN' of rule PJU contains 'JALAN'.*\[phrase-shares\]$"
expect_at "$NOTES" "$(line_of "$NOTES" '"PJU"')" note "overlaps 'MATI LAMPU' of rule LISTRIK.*\[phrase-chain\]$"
# "lampu mati" goes to PJU, whose word LAMPU is inside LISTRIK's phrase;
# "jalan lampu" is a tie (JALAN, LAMPU), so PJU's phrase gets no such note.
expect_at "$NOTES" "$(line_of "$NOTES" '"LISTRIK"')" note "phrase 'MATI LAMPU' of rule LISTRIK: in the other order, 'LAMPU MATI', no phrase decides and 'LAMPU', an alias of rule PJU \(line $(line_of "$NOTES" '"PJU"')\), takes the message to rule PJU.*\[phrase-order\]$"
expect_eq "rules lint $NOTES: last line" "$NOTES: 0 warnings, 4 notes" "$(printf '%s\n' "$LINT_OUT" | tail -n 1)"
ok "rules lint $NOTES: exit 0 with notes"

BAD=test/conf/bad-many.conf
lint rules lint -c "$BAD"
expect_eq "rules lint $BAD: exit status" 2 "$LINT_RC"
expect_eq "rules lint $BAD: nothing on stdout" "" "$LINT_OUT"
expect_match "rules lint $BAD: check's errors on stderr" "^$BAD:[0-9]+: " "$LINT_ERR"
expect_match "rules lint $BAD: the closing count" "configuration not usable" "$LINT_ERR"
lint rules lint -c "$IT_TMP/missing.conf"
expect_eq "rules lint on a missing file: exit status" 2 "$LINT_RC"
ok "rules lint: a config that does not load exits 2 with check's errors"

lint rules lint -c "$CLEAN" extra
expect_eq "rules lint with an extra argument: exit status" 2 "$LINT_RC"
lint rules lint --frobnicate
expect_eq "rules lint with an unknown option: exit status" 2 "$LINT_RC"
lint rules
expect_eq "rules without lint: exit status" 2 "$LINT_RC"
lint rules lint --help
expect_eq "rules lint --help: exit status" 0 "$LINT_RC"
expect_match "rules lint --help: the usage text names it" "rules lint \[-c FILE\]" "$LINT_OUT"
ok "rules lint: usage errors exit 2, --help 0"

EXAMPLE=${ADUAN_CONF:-conf/aduan.conf}
lint rules lint -c "$EXAMPLE"
# The bundled example lints without warnings.
[ "$LINT_RC" = 0 ] || fail "rules lint $EXAMPLE: exit $LINT_RC (warnings?):
$LINT_OUT
$LINT_ERR"
expect_match "rules lint $EXAMPLE: the closing count" "^$EXAMPLE: [0-9]+ warnings?, [0-9]+ notes?$" \
	"$(printf '%s\n' "$LINT_OUT" | tail -n 1)"
ok "rules lint $EXAMPLE: $(printf '%s\n' "$LINT_OUT" | tail -n 1 | sed "s|^$EXAMPLE: ||")"
