#!/bin/sh
# Installs the Debian packages Aduan needs, or says how.
#   deps.sh run     what `make run` needs (build + run)
#   deps.sh check   what `make check` needs (also cmocka, Kannel, sqlite3 CLI,
#                   aiosmtpd: the SMTP server test/it_email.sh sends to;
#                   Chromium with its driver and Selenium for the web inbox;
#                   go-md2man, dpkg-dev, debhelper, systemd for make install,
#                   the package and the unit's checks; prometheus for promtool;
#                   haproxy and nginx-light for the TLS proxy examples;
#                   postgresql-15 for the PostgreSQL tests)
#   deps.sh bench   what `make bench` needs (also wrk and the sqlite3 CLI;
#                   nodejs and npm for the Node USSD peer, bench/peer-node-ussd/)
#   deps.sh fuzz    what `make fuzz` needs (also clang and libFuzzer: libclang-rt-14-dev)
# As root it runs `apt-get update` (a fresh machine has empty package lists)
# and `apt-get install`; as anyone else it prints the exact command and fails.
set -eu
what=${1:-run}
pkgs="gcc make pkg-config libc6-dev libmicrohttpd-dev libcurl4-openssl-dev libsqlite3-dev libconfig-dev libjansson-dev libssl-dev"
# store/pg.c: the PostgreSQL backend (store.database = "postgresql://...")
pkgs="$pkgs libpq-dev"
# routing: the stemmer (routing/stem.c) and its Indonesian dictionary
pkgs="$pkgs libhunspell-dev hunspell-id"
if [ "$what" = check ]; then
	pkgs="$pkgs libcmocka-dev kannel kannel-extras sqlite3 python3-aiosmtpd"
	# the curl command: several integration tests post with it
	pkgs="$pkgs curl"
	# the web inbox's tests in a real browser (test/it_inbox.sh)
	pkgs="$pkgs chromium chromium-driver python3-selenium"
	# make install, the package and the unit (test/it_install.sh,
	# test/it_package.sh): man pages from README, dpkg-buildpackage,
	# systemd-analyze, man -l and groff to check the pages
	pkgs="$pkgs go-md2man dpkg-dev debhelper systemd man-db groff-base adduser"
	# promtool, for the alert rules (test/it_alerts.sh): about 96 MB installed
	pkgs="$pkgs prometheus"
	# TLS in front (test/it_proxy.sh: dist/haproxy/, dist/nginx/)
	pkgs="$pkgs haproxy nginx-light"
	# PostgreSQL: test_store's second run and test/it_multinode.sh (test/pg.sh
	# starts a throw-away server from /usr/lib/postgresql/15/bin)
	pkgs="$pkgs postgresql-15"
fi
if [ "$what" = fuzz ]; then
	pkgs="$pkgs clang libclang-rt-14-dev"
fi
if [ "$what" = bench ]; then
	pkgs="$pkgs wrk sqlite3"
	# the PostgreSQL rows (issue 17): a server of the bench's own, haproxy
	# in front of three nodes
	pkgs="$pkgs postgresql-15 haproxy"
	# the Node USSD peer (bench/peer-node-ussd/): bench only, never at run
	# time.  Some nodejs packages (NodeSource's) bring their own npm and
	# conflict with Debian's: npm only when no npm command is there.
	pkgs="$pkgs nodejs"
	command -v npm >/dev/null 2>&1 || pkgs="$pkgs npm"
fi
missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "aduan: missing Debian packages:$missing" >&2
	echo "aduan: install them with:  sudo apt-get update && sudo $cmd" >&2
	exit 1
fi
echo "aduan: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >&2
