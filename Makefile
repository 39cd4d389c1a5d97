# haproxy-rs — a drop-in replacement for HAProxy 1.4
PREFIX  ?= /usr
SBINDIR ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
SHARED  ?= ../shared
CARGO   ?= cargo
BIN      = target/release/haproxy

.PHONY: all build test unit harness difftest packaging init-test statspage ha ha-test corpus install demo static rpm rpm-test bench allocs clean lint config-fuzz fuzz net-fuzz soak

all: build

build:
	$(CARGO) build --release

# Everything: unit + integration tests, the shared 1.4 differential suite,
# our own catalogue recorded from the 1.4.25 oracle (tests/difftest), and
# (where rpmbuild is installed) the packaging and init-script tests, Debian 12's
# init script and haproxy 2.x's systemd unit, the stats page in an HTML
# validator and headless Chromium, and (as root) the keepalived pair's failover.
test: build unit harness difftest packaging init-test statspage ha

packaging:
	@if command -v rpmbuild >/dev/null && command -v dnf >/dev/null && command -v createrepo_c >/dev/null; then \
		./scripts/test-rpm.sh; \
	else echo "packaging: rpmbuild/dnf/createrepo_c not installed, skipped (make rpm-test installs them)"; fi

# Debian 12's init script and haproxy 2.x's systemd unit (from Debian's
# haproxy package, fetched at test time) driving our binary: start, reload
# under load, stop.
init-test: build
	./scripts/test-debian-init.sh $(BIN)

unit:
	$(CARGO) test --profile it

harness: build
	@if [ -d $(SHARED)/harness ]; then \
		python3 $(SHARED)/harness/difftest.py --proxy $(BIN) --compare $(SHARED)/harness/golden-1.4.25 -j 4; \
	else echo "harness: $(SHARED)/harness not found, skipped"; fi

# Our catalogue of differential scenarios (goldens recorded from 1.4.25);
# tests/difftest/known-differences.txt lists where we differ today.
difftest: build
	@if [ -d $(SHARED)/harness ]; then \
		SHARED=$(SHARED) ./scripts/difftest.sh $(BIN); \
	else echo "difftest: $(SHARED)/harness not found"; [ -z "$$CI" ]; fi

# The stats page in every state: HTML validation (our strict checker and
# tidy, tolerating exactly 1.4.25's own two quirks) and a headless Chromium
# screenshot and DOM (chromium and tidy from Debian; CI installs them).
statspage: build
	python3 tests/stats_page/run.py --proxy $(BIN)

# An active/passive pair under keepalived in network namespaces of its
# own: kills the active node's haproxy and measures the failover (root).
ha-test: build
	./scripts/ha-test.sh $(BIN)

# ha-test within make test: ~20 s; needs root for its namespaces (CI is).
ha: build
	@if [ "$$(id -u)" = 0 ]; then ./scripts/ha-test.sh $(BIN); \
	elif [ -n "$$CI" ]; then echo "ha-test: needs root"; exit 1; \
	else echo "ha-test: not root, skipped (run make ha-test as root)"; fi

# `-c` parity on 3,000 mutated configs (compat-configs and the shared
# corpus) against the 1.4.25 oracle; not part of `make test` (the oracle is
# not in CI). Usage: make config-fuzz ORACLE=/tmp/haproxy-1.4.25/haproxy
config-fuzz: build
	@if [ -z "$(ORACLE)" ]; then echo "config-fuzz: set ORACLE=/path/to/haproxy-1.4.25"; exit 1; fi
	SHARED=$(SHARED) python3 scripts/config-fuzz.py --oracle $(ORACLE) --ours $(BIN)

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --release --all-targets -- -D warnings

# Runs the proxy on the embedded demo config with a local demo backend.
demo: build
	./scripts/demo.sh

install: build
	install -D -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/haproxy
	install -D -m 0644 man/haproxy.1 $(DESTDIR)$(MANDIR)/man1/haproxy.1

# A binary without dynamic dependencies (fails unless it is one); it needs
# Linux 3.2 or later, so EL7 and later, not EL6 (2.6.32).
static:
	./scripts/build-static.sh

rpm: static
	./rpm/build.sh

bench: build
	./scripts/bench.sh
	./scripts/bench-scale.sh
	./scripts/bench-tls.sh $(BIN) /usr/sbin/haproxy

# cargo fuzz on the pure parsers (HTTP heads and framing, chunked bodies,
# the config), FUZZ_SECONDS each; needs a nightly toolchain and cargo-fuzz.
# Not part of make test.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS  = http_head chunked_body config_parse
fuzz:
	cd fuzz && for t in $(FUZZ_TARGETS); do \
		mkdir -p corpus/$$t && cp -n seeds/$$t/* corpus/$$t/ 2>/dev/null; \
		[ $$t != config_parse ] || cp -n $(abspath $(SHARED))/compat-corpus/*.cfg corpus/$$t/ 2>/dev/null; \
		nice -n 10 $(CARGO) +nightly fuzz run $$t corpus/$$t -- \
			-max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 || exit 1; \
	done

# 20,000 connections of mutated requests against mutant backends; then
# the proxy's fds, RSS and sessions must be back at their baseline.
net-fuzz: build
	nice -n 10 python3 scripts/net-fuzz.py --proxy $(BIN)

# wrk at half capacity through the classic config plus hostile clients for
# SOAK_SECONDS (default 1800); RSS and fds must stay flat.
SOAK_SECONDS ?= 1800
soak: build
	SOAK_SECONDS=$(SOAK_SECONDS) nice -n 10 ./scripts/soak.sh $(BIN)

# Heap allocations per request of the real binary (valgrind DHAT): 0.
allocs: build
	./scripts/allocs.sh

clean:
	$(CARGO) clean

# Builds the RPM, checks it, installs and upgrades it with dnf --installroot
# from a createrepo_c repository, then tests the init script (installs the
# Debian packages it needs).
rpm-test:
	./scripts/test-rpm.sh
