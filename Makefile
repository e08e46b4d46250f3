# Aduan: one non-recursive Makefile.
#
#   make                 build ./aduan (warnings are errors)
#   make run             install missing Debian packages, build, serve conf/aduan.conf
#   make check           install missing Debian packages, build, run every test
#   make SANITIZE=address,undefined check
#   make bench           install wrk too, build, run bench/run.sh (BENCH_QUICK=1: short)
#   make fuzz            install clang too, build the libFuzzer targets fuzz/fuzz_*.c in
#                        build/fuzz/, run each for FUZZ_TIME seconds (default 60)
#   make man             build/man/aduan.8 and aduan.conf.5 from README (scripts/man.sh)
#   make install         binary, man pages, config (only when absent), systemd unit under
#                        DESTDIR + PREFIX (default /usr/local); see "Install on a server"
#   make uninstall       removes what install put there, except the config and the data
#
# Objects go to build/ (build/san-<list>/ for sanitizer builds).

CC      ?= gcc
PKGS    := libmicrohttpd libcurl sqlite3 libconfig jansson libcrypto hunspell libpq
SANITIZE ?=
comma   := ,

ifeq ($(SANITIZE),)
BUILD   := build
SANFLAGS :=
else
BUILD   := build/san-$(subst $(comma),-,$(SANITIZE))
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
# FUZZ=1 (set by `make fuzz`): clang with libFuzzer, ASan and UBSan in build/fuzz/.
ifeq ($(FUZZ),1)
BUILD   := build/fuzz
CC      := clang
CFLAGS  := -O1 -g
SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
           -fno-sanitize-recover=all
endif

WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wvla -Werror
ifeq ($(FUZZ),1)
# clang warns about things gcc does not: shown, but the fuzz build goes on.
WARN    += -Wno-error
endif
CFLAGS  ?= -O2 -g
PKG_CONFIG ?= pkg-config

# A library whose .pc file pkg-config cannot find stops the build here, with
# the Debian package that provides it (the names scripts/deps.sh installs),
# instead of failing later on a missing header.  deps, run, check, bench,
# fuzz and clean install or need nothing themselves (check and run call
# deps.sh first, then make again, which checks).  cmocka: only for tests.
DEB_libmicrohttpd := libmicrohttpd-dev
DEB_libcurl     := libcurl4-openssl-dev
DEB_sqlite3     := libsqlite3-dev
DEB_libconfig   := libconfig-dev
DEB_jansson     := libjansson-dev
DEB_libcrypto   := libssl-dev
DEB_hunspell    := libhunspell-dev
DEB_libpq       := libpq-dev
DEB_cmocka      := libcmocka-dev
NOCHECK_GOALS   := deps run check bench fuzz clean man uninstall
ifneq ($(if $(MAKECMDGOALS),$(filter-out $(NOCHECK_GOALS),$(MAKECMDGOALS)),all),)
NEED_PKGS := $(PKGS) $(if $(filter test %/test/%,$(MAKECMDGOALS)),cmocka)
ifeq ($(shell command -v $(PKG_CONFIG)),)
$(error $(PKG_CONFIG) not found: install the Debian package pkg-config (make deps shows the command))
endif
MISSING_PKGS := $(strip $(foreach p,$(NEED_PKGS),$(if $(shell $(PKG_CONFIG) --exists $(p) && echo y),,$(p))))
ifneq ($(MISSING_PKGS),)
$(error pkg-config finds no $(firstword $(MISSING_PKGS)) ($(firstword $(MISSING_PKGS)).pc): \
install the Debian package $(DEB_$(firstword $(MISSING_PKGS))) (missing: $(MISSING_PKGS); \
Debian packages: $(foreach p,$(MISSING_PKGS),$(DEB_$(p))); make deps shows the command))
endif
endif

# CPPFLAGS and LDFLAGS from the command line or the environment are honoured
# in every compile and link rule (a packager's hardening flags, -L paths).
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(CPPFLAGS) $(WARN) $(CFLAGS) $(SANFLAGS) -I. -MMD -MP \
           $(shell $(PKG_CONFIG) --cflags $(PKGS))
LIBS     = $(shell $(PKG_CONFIG) --libs $(PKGS)) -lpthread
TEST_LIBS = $(shell $(PKG_CONFIG) --libs cmocka)
LINK     = $(CC) $(SANFLAGS) $(CFLAGS) $(LDFLAGS)

# Every module source, in libaduan.a (what the tests link); cli/ (main(),
# the command table and one file per command) is linked into aduan alone.
SRCS    := $(wildcard util/*.c sms/*.c net/*.c conf/*.c store/*.c routing/*.c gateway/*.c \
             outbox/*.c ticket/*.c intake/*.c agency/*.c web/*.c ops/*.c)
OBJS    := $(SRCS:%.c=$(BUILD)/%.o)
CLI_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard cli/*.c))

# One cmocka binary per module: test/test_<module>.c
TEST_SRCS := $(wildcard test/test_*.c)
TESTS   := $(TEST_SRCS:test/%.c=$(BUILD)/test/%)
# Helper programs the integration tests use: test/tool_<name>.c
TOOL_SRCS := $(wildcard test/tool_*.c)
TOOLS   := $(TOOL_SRCS:test/%.c=$(BUILD)/test/%)
# Fuzz targets fuzz/fuzz_<name>.c.  In every build each is also linked with
# fuzz/replay.c into $(BUILD)/fuzz-replay/fuzz_<name>, which test/run.sh runs
# on fuzz/corpus/<name>/ and fuzz/crashes/<name>/ (no clang needed).
FUZZ_SRCS := $(wildcard fuzz/fuzz_*.c)
FUZZ_REPLAY := $(FUZZ_SRCS:fuzz/%.c=$(BUILD)/fuzz-replay/%)
FUZZ_BINS := $(FUZZ_SRCS:fuzz/%.c=build/fuzz/bin/%)
FUZZ_TIME ?= 60

.DEFAULT_GOAL := all
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
# The commit `aduan --version` names beside the release: git's short hash
# when this directory is the top of a git checkout, "-dirty" appended when
# tracked files have changes; else the first line of a COMMIT file (a
# tarball or package records it there at packaging time; letters, digits
# and ._+- only); else none (the release alone).  `make ADUAN_COMMIT=...`
# sets it outright.
ifeq ($(origin ADUAN_COMMIT),undefined)
ADUAN_COMMIT := $(shell if [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$(CURDIR)" ] && \
	c=$$(git rev-parse --short=7 HEAD 2>/dev/null); then \
	git diff --quiet HEAD -- 2>/dev/null || c=$$c-dirty; echo "$$c"; \
	elif [ -r COMMIT ]; then head -n 1 COMMIT | tr -cd '0-9A-Za-z._+-'; fi)
endif
# build/commit-id holds it, rewritten only when it changes, so that a new
# commit, like a new VERSION, rebuilds cli/main.o alone.
COMMIT_STAMP := $(BUILD)/commit-id
$(shell mkdir -p $(BUILD) && { [ -f $(COMMIT_STAMP) ] && \
	[ "$$(cat $(COMMIT_STAMP))" = '$(ADUAN_COMMIT)' ] || \
	echo '$(ADUAN_COMMIT)' >$(COMMIT_STAMP); })
# Only cli/main.c uses ADUAN_VERSION and ADUAN_COMMIT (as cli_version and
# cli_commit): only cli/main.o is rebuilt when VERSION or the commit changes
# (test/it_build.sh checks both).  Not the first rule: .DEFAULT_GOAL above
# keeps a bare `make` building ./aduan.
$(BUILD)/cli/main.o: VERSION $(COMMIT_STAMP)
$(BUILD)/cli/main.o: VERSION_DEF = -DADUAN_VERSION='"$(VERSION)"' \
	-DADUAN_COMMIT='"$(ADUAN_COMMIT)"'

.PHONY: all run check test deps clean
# Keep test objects: they are prerequisites of two rules, not throw-away files.
.SECONDARY:
all: aduan

# ./aduan is the plain build; a sanitizer build stays in its own directory.
# Replace, not overwrite: a running ./aduan keeps its old file.
ifeq ($(SANITIZE),)
aduan: $(BUILD)/aduan
	cp $< $@.tmp && mv -f $@.tmp $@
else
.PHONY: aduan
aduan: $(BUILD)/aduan
endif

$(BUILD)/aduan: $(CLI_OBJS) $(BUILD)/libaduan.a
	$(LINK) -o $@ $^ $(LIBS)

$(BUILD)/libaduan.a: $(OBJS)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(VERSION_DEF) -c -o $@ $<

$(BUILD)/test/test_%: $(BUILD)/test/test_%.o $(BUILD)/libaduan.a
	$(LINK) -o $@ $^ $(LIBS) $(TEST_LIBS)

$(BUILD)/test/tool_%: $(BUILD)/test/tool_%.o $(BUILD)/libaduan.a
	$(LINK) -o $@ $^ $(LIBS)

$(BUILD)/fuzz-replay/%.o: fuzz/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/fuzz-replay/fuzz_%: $(BUILD)/fuzz-replay/fuzz_%.o $(BUILD)/fuzz-replay/replay.o \
    $(BUILD)/libaduan.a
	$(LINK) -o $@ $^ $(LIBS)

# The libFuzzer binaries (FUZZ=1 only: BUILD is build/fuzz there).
build/fuzz/bin/fuzz_%: $(BUILD)/fuzz-replay/fuzz_%.o $(BUILD)/libaduan.a
	@mkdir -p $(dir $@)
	$(CC) -fsanitize=fuzzer,address,undefined $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

# deps.sh installs what is missing (as root) or prints the apt-get command.
deps:
	@sh scripts/deps.sh

run:
	@sh scripts/deps.sh run
	@$(MAKE) --no-print-directory aduan
	./aduan serve --demo -c conf/aduan.conf

check:
	@sh scripts/deps.sh check
	@$(MAKE) --no-print-directory test

test: $(BUILD)/aduan $(TESTS) $(TOOLS) $(FUZZ_REPLAY)
	@sh test/run.sh $(BUILD)

# make fuzz: every target for FUZZ_TIME seconds, one after another
# (fuzz/run.sh; FUZZ_MERGE=1 also merges new inputs into fuzz/corpus/).
.PHONY: fuzz fuzz-build
fuzz:
	@sh scripts/deps.sh fuzz
	@$(MAKE) --no-print-directory FUZZ=1 fuzz-build
	@FUZZ_TIME=$(FUZZ_TIME) sh fuzz/run.sh build/fuzz/bin

fuzz-build: $(FUZZ_BINS)

clean:
	rm -rf build aduan

-include $(OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(TESTS:=.d) $(TOOLS:=.d) $(FUZZ_REPLAY:=.d)

# make bench: throughput, latency and memory on loopback (bench/run.sh).
# Never part of make check.  BENCH_QUICK=1 shortens every phase.
BENCH_PROGS := $(BUILD)/bench/baseline $(BUILD)/bench/route_bench $(BUILD)/bench/store_bench
BENCH_PROGS += $(BUILD)/bench/floor

.PHONY: bench
bench:
	@sh scripts/deps.sh bench
	@$(MAKE) --no-print-directory aduan $(BENCH_PROGS)
	@bash bench/run.sh $(BUILD)

# The bare libmicrohttpd server the figures are compared with: no Aduan code.
$(BUILD)/bench/baseline: $(BUILD)/bench/baseline.o
	$(LINK) -o $@ $^ $(LIBS)

$(BUILD)/bench/route_bench: $(BUILD)/bench/route_bench.o $(BUILD)/libaduan.a
	$(LINK) -o $@ $^ $(LIBS)

$(BUILD)/bench/store_bench: $(BUILD)/bench/store_bench.o $(BUILD)/libaduan.a
	$(LINK) -o $@ $^ $(LIBS)

# The SQLite floor of one SMS complaint: its statements straight on sqlite3.
$(BUILD)/bench/floor: $(BUILD)/bench/floor.o $(BUILD)/libaduan.a
	$(LINK) -o $@ $^ $(LIBS)

-include $(BENCH_PROGS:=.d)

# make install: the paths (GNU names; PREFIX=/usr is what the Debian package
# uses).  SYSCONFDIR is /etc for PREFIX=/usr, else $(PREFIX)/etc.  The data
# always lives in STATEDIR, systemd's StateDirectory= (/var/lib/aduan).
# The installed binary is linked again with cli/opts.c compiled with
# -DADUAN_DEFAULT_CONF=$(SYSCONFDIR)/aduan/aduan.conf (cli/cli.h): without
# -c and $ADUAN_CONF it reads that file; ./aduan keeps conf/aduan.conf.
PREFIX  ?= /usr/local
ifeq ($(PREFIX),/usr)
SYSCONFDIR ?= /etc
else
SYSCONFDIR ?= $(PREFIX)/etc
endif
SBINDIR ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share
UNITDIR ?= $(PREFIX)/lib/systemd/system
STATEDIR ?= /var/lib/aduan
INSTALL_CONF = $(SYSCONFDIR)/aduan/aduan.conf
MANS    := build/man/aduan.8 build/man/aduan.conf.5

.PHONY: install uninstall man FORCE
man: $(MANS)

# One run writes both pages, from README's sections (scripts/man.sh).
$(MANS) &: README.md scripts/man.sh VERSION
	sh scripts/man.sh README.md build/man $(VERSION)

# Rewritten only when the path changes: then opts.o is compiled again.
$(BUILD)/install/default-conf: FORCE
	@mkdir -p $(dir $@)
	@echo '$(INSTALL_CONF)' | cmp -s - $@ || echo '$(INSTALL_CONF)' > $@

$(BUILD)/install/cli/opts.o: cli/opts.c $(BUILD)/install/default-conf
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DADUAN_DEFAULT_CONF='"$(INSTALL_CONF)"' -c -o $@ $<

$(BUILD)/install/aduan: $(filter-out $(BUILD)/cli/opts.o,$(CLI_OBJS)) \
    $(BUILD)/install/cli/opts.o $(BUILD)/libaduan.a
	$(LINK) -o $@ $^ $(LIBS)

# The unit with this install's paths; the example config with the database
# in STATEDIR (the line must be there: the sed is checked).
$(BUILD)/install/aduan.service: dist/aduan.service.in FORCE
	@mkdir -p $(dir $@)
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@CONF@|$(INSTALL_CONF)|g' $< > $@.tmp
	mv -f $@.tmp $@

$(BUILD)/install/aduan.conf: conf/aduan.conf FORCE
	@mkdir -p $(dir $@)
	sed 's|^\(  database = \)"aduan\.db";|\1"$(STATEDIR)/aduan.db";|' $< > $@.tmp
	grep -q '^  database = "$(STATEDIR)/aduan.db";' $@.tmp || \
		{ echo "Makefile: no 'database = \"aduan.db\";' line in $<" >&2; rm -f $@.tmp; exit 1; }
	mv -f $@.tmp $@

# The config goes in only when there is none: an operator's is never
# overwritten.  $(DATADIR)/aduan/aduan.conf is always this release's copy.
install: $(BUILD)/install/aduan $(BUILD)/install/aduan.service $(BUILD)/install/aduan.conf $(MANS)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(DATADIR)/aduan $(DESTDIR)$(SYSCONFDIR)/aduan
	install -m 0755 $(BUILD)/install/aduan $(DESTDIR)$(SBINDIR)/aduan
	install -m 0644 build/man/aduan.8 $(DESTDIR)$(MANDIR)/man8/aduan.8
	install -m 0644 build/man/aduan.conf.5 $(DESTDIR)$(MANDIR)/man5/aduan.conf.5
	install -m 0644 $(BUILD)/install/aduan.service $(DESTDIR)$(UNITDIR)/aduan.service
	install -m 0644 $(BUILD)/install/aduan.conf $(DESTDIR)$(DATADIR)/aduan/aduan.conf
	@if [ -e $(DESTDIR)$(INSTALL_CONF) ]; then \
		echo "install: keeping $(DESTDIR)$(INSTALL_CONF) (the new example: $(DESTDIR)$(DATADIR)/aduan/aduan.conf)"; \
	else \
		echo "install -m 0640 $(BUILD)/install/aduan.conf $(DESTDIR)$(INSTALL_CONF)"; \
		install -m 0640 $(BUILD)/install/aduan.conf $(DESTDIR)$(INSTALL_CONF); \
	fi

# The config ($(SYSCONFDIR)/aduan) and the data ($(STATEDIR)) stay.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/aduan $(DESTDIR)$(MANDIR)/man8/aduan.8 \
		$(DESTDIR)$(MANDIR)/man5/aduan.conf.5 $(DESTDIR)$(UNITDIR)/aduan.service \
		$(DESTDIR)$(DATADIR)/aduan/aduan.conf
	-rmdir $(DESTDIR)$(DATADIR)/aduan

-include $(BUILD)/install/cli/opts.d
