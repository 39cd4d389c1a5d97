# haproxy-rs — a drop-in replacement for HAProxy 1.4
PREFIX  ?= /usr
SBINDIR ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
SHARED  ?= ../shared
CARGO   ?= cargo
BIN      = target/release/haproxy

.PHONY: all build test unit harness difftest packaging corpus install demo static rpm rpm-test bench allocs clean lint config-fuzz

all: build

build:
	$(CARGO) build --release

# Everything: unit + integration tests, the shared 1.4 differential suite,
# our own catalogue recorded from the 1.4.25 oracle (tests/difftest), and
# (where rpmbuild is installed) the packaging and init-script tests.
test: build unit harness difftest packaging

packaging:
	@if command -v rpmbuild >/dev/null && command -v dnf >/dev/null && command -v createrepo_c >/dev/null; then \
		./scripts/test-rpm.sh; \
	else echo "packaging: rpmbuild/dnf/createrepo_c not installed, skipped (make rpm-test installs them)"; fi

unit:
	$(CARGO) test --release

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

# A binary without dynamic dependencies, for old RHEL/CentOS userlands.
static:
	./scripts/build-static.sh

rpm: static
	./rpm/build.sh

bench: build
	./scripts/bench.sh

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
