#!/bin/sh
# scripts/man.sh: the man pages aduan(8) and aduan.conf(5), cut from
# README.md, so there is one text to keep right, not two that drift apart.
#   aduan.8       README's "## Commands" and "## Install on a server"
#   aduan.conf.5  README's "## Configuration"
# A section runs from its "## " heading to the next "## " one; its "### "
# headings become subsections.  go-md2man (Debian package go-md2man) turns
# the Markdown into roff.  `make man` runs it; `make install` installs the pages.
#   scripts/man.sh README.md OUTDIR VERSION
set -eu
readme=${1:?usage: scripts/man.sh README.md OUTDIR VERSION}
out=${2:?usage: scripts/man.sh README.md OUTDIR VERSION}
version=${3:-unknown}
command -v go-md2man >/dev/null ||
	{ echo "man.sh: go-md2man not found: install the Debian package go-md2man" >&2; exit 1; }
# The date of the README's last change, not today's: the same tree gives the
# same pages (reproducible builds); SOURCE_DATE_EPOCH wins when set.
date=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(stat -c %Y "$readme")}" +%Y-%m-%d)
mkdir -p "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/aduan-man.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# section TITLE NEWTITLE: README's "## TITLE" section, headings raised one
# level ("## " -> "# ", "### " -> "## "), NEWTITLE its man heading; fails
# when README has no such section.
section() {
	awk -v want="## $1" -v title="$2" '
		/^```/ { fence = !fence }
		!fence && /^## / { on = ($0 == want); if (on) { print "# " title; found = 1 }; next }
		on && !fence && /^###+ / { sub(/^#/, "") }
		on { print }
		END { exit !found }' "$readme" ||
		{ echo "man.sh: $readme has no section '## $1'" >&2; exit 1; }
}

{
	printf '%% ADUAN 8 "%s" "aduan %s" "System Manager'"'"'s Manual"\n' "$date" "$version"
	printf '# NAME\n\naduan \\- SMS and USSD complaint intake service\n\n'
	printf '# SYNOPSIS\n\n**aduan** *command* [*options*] [*arguments*]\n\n'
	printf '# DESCRIPTION\n\n'
	printf 'Aduan takes complaints that citizens send by SMS or USSD through a gateway '
	printf '(Kannel, Africa'"'"'s Talking, ...), routes them by keyword to the agency '
	printf 'responsible, stores them in SQLite and answers with a ticket number. '
	printf 'The configuration file is described in **aduan.conf**(5).\n\n'
	section "Commands" "COMMANDS"
	section "Install on a server" "FILES AND SERVICE"
	printf '\n# SEE ALSO\n\n**aduan.conf**(5), **systemctl**(1), **systemd.exec**(5)\n'
} > "$tmp/aduan.8.md"

{
	printf '%% ADUAN.CONF 5 "%s" "aduan %s" "File Formats Manual"\n' "$date" "$version"
	printf '# NAME\n\naduan.conf \\- configuration of the Aduan complaint intake service\n\n'
	printf '# SYNOPSIS\n\n*/etc/aduan/aduan.conf* (installed), *conf/aduan.conf* (source tree)\n\n'
	section "Configuration" "DESCRIPTION"
	printf '\n# SEE ALSO\n\n**aduan**(8)\n'
} > "$tmp/aduan.conf.5.md"

# A table of README becomes a list: man's 80 columns cannot hold a setting,
# its default and its meaning side by side (tbl warns, the lines overflow).
# "| a | b | c |" -> "- a: b (H3: c)"; under a "default" heading:
# "- a: c (default: b)".
tables_to_lists() {
	awk -F'|' '
		/^```/ { fence = !fence }
		fence || !/^\|/ { intable = 0; print; next }
		/^\|[-| :]+\|$/ { next }
		{
			n = 0
			for (i = 2; i < NF; i++) { c = $i; gsub(/^ +| +$/, "", c); cell[++n] = c }
			if (!intable) { for (i = 1; i <= n; i++) head[i] = cell[i]; hn = n; intable = 1; print ""; next }
			if (hn >= 3 && head[2] == "default") {
				line = "- " cell[1] ": " cell[3] " (default: " cell[2]
				for (i = 4; i <= n; i++) line = line "; " head[i] ": " cell[i]
				print line ")"
			} else {
				line = "- " cell[1] ": " cell[2]
				sep = " ("
				for (i = 3; i <= n; i++) { line = line sep head[i] ": " cell[i]; sep = "; " }
				print line (n >= 3 ? ")" : "")
			}
		}'
}

# A text line that starts with "." or "'" would be read as a request
# ("..." in an example): \& in front keeps it text.
escape_roff() {
	awk '/^[.\047]/ && !/^\.[A-Za-z]/ { $0 = "\\&" $0 } { print }'
}

for page in aduan.8 aduan.conf.5; do
	tables_to_lists < "$tmp/$page.md" > "$tmp/$page.list.md"
	go-md2man -in "$tmp/$page.list.md" -out "$tmp/$page.roff"
	escape_roff < "$tmp/$page.roff" > "$tmp/$page"
	mv -f "$tmp/$page" "$out/$page"
done
