#!/bin/bash
# it_package: the Debian package builds from a clean copy of the tree with
# the standard tools, and holds what README "Install on a server" says.
#
#   the tracked files (as they are in the work tree) are copied to a temp
#       dir: dpkg-buildpackage -us -uc -b there (DEB_BUILD_OPTIONS nocheck,
#       parallel=2) leaves the work tree untouched, the .deb in the parent;
#   dpkg-deb -c: /usr/sbin/aduan, the unit in /lib/systemd/system, both man
#       pages, /etc/aduan/aduan.conf (0640) and the example;
#   dpkg-deb -I: the conffile, the maintainer scripts (user, modes, the unit
#       enabled but never started: no "start" in the postinst, try-restart
#       on upgrade), the dependencies;
#   with ADUAN_IT_DPKG=1, as root, on a machine without aduan installed:
#       dpkg -i, then the user, the modes, the unit enabled, no process
#       started; dpkg --purge leaves no config (it changes the machine:
#       never by default).
set -u
cd "$(dirname "$0")/.." || exit 1
. test/lib.sh

it_init package
unset MAKEFLAGS MFLAGS MAKELEVEL
for t in dpkg-buildpackage dpkg-deb dh go-md2man; do
	command -v "$t" >/dev/null ||
		fail "$t missing: install dpkg-dev, debhelper and go-md2man (scripts/deps.sh check)"
done

# 1. A clean copy: the files git tracks (or would), as they are now.
src=$IT_TMP/src
mkdir -p "$src" || fail "mkdir $src"
if git rev-parse --git-dir >/dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -c | tar -x -C "$src" || fail "copy the tracked files"
else
	tar -c --exclude=./build --exclude=./aduan . | tar -x -C "$src" || fail "copy the tree"
fi
[ -e "$src/build" ] && fail "the copy has a build/ directory"
start=$SECONDS
# A packager's shell: not the variables of the make that runs this test
# (MAKEFLAGS would carry `make SANITIZE=...` into debian/rules' make).
(cd "$src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u SANITIZE \
	DEB_BUILD_OPTIONS='nocheck parallel=2' dpkg-buildpackage -us -uc -b) \
	>"$IT_TMP/build.log" 2>&1
rc=$?
add_log "$IT_TMP/build.log"
expect_eq "dpkg-buildpackage -us -uc -b exit status" 0 "$rc"
took=$((SECONDS - start))
warn=$(grep -E ' error:|warning:' "$IT_TMP/build.log")
expect_eq "compiler warnings in the package build" "" "$warn"
debs=("$IT_TMP"/aduan_*.deb)
[ -f "${debs[0]}" ] || fail "no aduan_*.deb in $IT_TMP: $(ls "$IT_TMP")"
deb=${debs[0]}
expect_eq "the version of the package" "$(dpkg-parsechangelog -l debian/changelog -S Version)" \
	"$(dpkg-deb -f "$deb" Version)"
deps=$(dpkg-deb -f "$deb" Depends)
case $deps in *libasan*|*libubsan*)
	fail "the package's binary is built with sanitizers (Depends: $deps)";; esac
expect_eq "debian/changelog's newest entry is the release in VERSION" "$(cat VERSION)" \
	"$(dpkg-parsechangelog -l debian/changelog -S Version)"
ok "dpkg-buildpackage -us -uc -b in ${took}s: $(basename "$deb")"

# 2. The files, with their modes and owners.
list=$(dpkg-deb -c "$deb") || fail "dpkg-deb -c"
has() {
	printf '%s\n' "$list" | grep -qE "^$1 root/root +[0-9]+ [0-9-]+ [0-9:]+ \./$2\$" ||
		fail "dpkg-deb -c: no $1 root/root ./$2 in:
$list"
}
has -rwxr-xr-x usr/sbin/aduan
has -rw-r--r-- lib/systemd/system/aduan.service
has -rw-r--r-- usr/share/man/man8/aduan.8.gz
has -rw-r--r-- usr/share/man/man5/aduan.conf.5.gz
has -rw-r----- etc/aduan/aduan.conf
has -rw-r--r-- usr/share/aduan/aduan.conf
has -rw-r--r-- usr/share/doc/aduan/copyright
ok "dpkg-deb -c: binary, unit, man pages, config 0640, example"

# 3. The control part: conffile, scripts, dependencies.
info=$(dpkg-deb -I "$deb") || fail "dpkg-deb -I"
for f in conffiles postinst prerm postrm; do
	expect_match "dpkg-deb -I lists $f" "^ +[0-9]+ bytes, +[0-9]+ lines +[*]? +$f( |$)" "$info"
done
expect_eq "conffiles" "/etc/aduan/aduan.conf" "$(dpkg-deb -I "$deb" conffiles)"
expect_match "Depends" "^ Depends: .*libmicrohttpd.*adduser" "$info"
postinst=$(dpkg-deb -I "$deb" postinst)
expect_match "postinst creates the system user" "adduser --system --group" "$postinst"
expect_match "postinst: config root:aduan" "chown root:aduan /etc/aduan/aduan.conf" "$postinst"
expect_match "postinst: /var/lib/aduan aduan:aduan 0750" \
	"install -d -o aduan -g aduan -m 0750 /var/lib/aduan" "$postinst"
expect_match "postinst enables the unit" "deb-systemd-helper enable 'aduan.service'" "$postinst"
expect_match "postinst restarts on upgrade only a running service" \
	"deb-systemd-invoke try-restart 'aduan.service'" "$postinst"
expect_no_match "postinst never starts the service" "deb-systemd-invoke (start|restart) " "$postinst"
if dpkg-deb -I "$deb" preinst >"$IT_TMP/preinst" 2>/dev/null; then
	expect_no_match "preinst does not stop the service before an upgrade" "stop" \
		"$(cat "$IT_TMP/preinst")"
fi
expect_match "prerm stops the service on removal" "deb-systemd-invoke stop aduan.service" \
	"$(dpkg-deb -I "$deb" prerm)"
ok "dpkg-deb -I: conffile, postinst (user, modes, enable, no start), prerm, Depends"

# 4. The unit in the package: the paths the package installs.
dpkg-deb -x "$deb" "$IT_TMP/root" || fail "dpkg-deb -x"
unit=$IT_TMP/root/lib/systemd/system/aduan.service
expect_match "the packaged unit's ExecStart" "^ExecStart=/usr/sbin/aduan serve -c /etc/aduan/aduan.conf$" \
	"$(grep '^ExecStart=' "$unit")"
expect_match "the packaged aduan's default config" "else /etc/aduan/aduan\.conf\)" \
	"$("$IT_TMP/root/usr/sbin/aduan" --help)"
ok "the packaged unit and binary use /usr/sbin/aduan and /etc/aduan/aduan.conf"

# 5. Installing it (opt-in: it changes the machine).
if [ "${ADUAN_IT_DPKG:-0}" != 1 ]; then
	ok "SKIPPED dpkg -i (set ADUAN_IT_DPKG=1, as root, on a machine without aduan)"
	exit 0
fi
[ "$(id -u)" -eq 0 ] || fail "ADUAN_IT_DPKG=1 needs root"
dpkg-query -W aduan >/dev/null 2>&1 && fail "aduan is installed already: not touching it"
had_user=$(id aduan >/dev/null 2>&1 && echo 1)
out=$(dpkg -i "$deb" 2>&1) || fail "dpkg -i: $out"
expect_match "the user aduan" "^uid=[0-9]+\(aduan\) gid=[0-9]+\(aduan\)" "$(id aduan)"
expect_eq "owner and mode of /etc/aduan/aduan.conf" "root:aduan 640" \
	"$(stat -c '%U:%G %a' /etc/aduan/aduan.conf)"
expect_eq "owner and mode of /var/lib/aduan" "aduan:aduan 750" "$(stat -c '%U:%G %a' /var/lib/aduan)"
expect_eq "systemctl is-enabled aduan" enabled "$(systemctl is-enabled aduan 2>&1)"
expect_eq "aduan processes after dpkg -i" "" "$(ps -u aduan -o pid= 2>/dev/null)"
expect_match "the installed aduan check refuses the demo secrets" "demo" \
	"$(aduan check 2>&1)"
out=$(systemd-analyze verify /lib/systemd/system/aduan.service 2>&1)
expect_eq "systemd-analyze verify of the installed unit ($out)" 0 "$?"
ok "dpkg -i: user aduan, config root:aduan 0640, /var/lib/aduan 0750, enabled, not started"
out=$(dpkg --purge aduan 2>&1) || fail "dpkg --purge: $out"
[ -e /etc/aduan/aduan.conf ] && fail "dpkg --purge left /etc/aduan/aduan.conf"
[ -e /usr/sbin/aduan ] && fail "dpkg --purge left /usr/sbin/aduan"
[ -z "$had_user" ] && deluser --quiet --system aduan >/dev/null 2>&1
ok "dpkg --purge: the config and the binary gone"
