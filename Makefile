# Quhao: the two commands a newcomer needs.
#   make run    install missing system packages, build, start the daemon on the built-in demo
#   make test   the same set-up, then every check (format, unit, integration, end-to-end)

SWIFT        ?= swift
BUILD_DIR    ?= .build
SYSTEM_DEPS  := libqrencode-dev libsqlite3-dev pkg-config espeak-ng weasyprint fonts-noto-cjk
TEST_DEPS    := poppler-utils zbar-tools librsvg2-bin curl jq chromium chromium-driver fonts-noto-cjk tmux sqlite3 openssl systemd postgresql
# make package: dpkg-shlibdeps (runtime Depends) and strip.
PACKAGE_DEPS := dpkg-dev binutils
QUHAO        := $(BUILD_DIR)/debug/quhao

RUNTIME_DEPS := libqrencode4 libsqlite3-0 weasyprint fonts-noto-cjk

.PHONY: run test deps test-deps build lint unit e2e clean release package package-files static install install-files

# make release: the binary for a server, on a build machine (it needs the -dev packages and the
# Swift toolchain; the server needs neither): the Swift runtime linked in, so it runs without
# the toolchain. make package wraps it in a .deb for a bare Debian 12; make install (as root)
# installs it here without installing any -dev package.
PREFIX       ?= /usr/local
DESTDIR      ?=
BINARY       ?= $(BUILD_DIR)/release/quhao
# The release (Sources/QuhaoCore/Version.swift) and the commit count, for the .deb.
VERSION      ?= $(shell sed -n 's/.*current = "\(.*\)"/\1/p' Sources/QuhaoCore/Version.swift)+git$(shell git rev-list --count HEAD 2>/dev/null || echo 0)
DIST_DIR     ?= dist

run: deps build
	@# On the built-in demo (no ARGS), the canteen office gets the source scenario's units once.
	@if [ -z "$(ARGS)" ]; then $(QUHAO) seed canteen-demo --if-empty && \
		echo "Canteen inspections: http://127.0.0.1:8080/admin/inspections (admins), /inspect (inspectors); README, Canteen inspections."; fi
	$(QUHAO) serve $(ARGS)

# A throwaway PostgreSQL cluster (Tests/support/with-postgres) for the tests, in /tmp (the postgres
# user must reach it), stopped when the tests end, passed or not. The store suite runs twice:
# on SQLite, then the same tests on PostgreSQL (QUHAO_TEST_ENGINE=postgres).
PG_TEST_DIR  := $(shell mktemp -d -u /tmp/quhao-pg.XXXXXX)

test: deps test-deps lint
	$(SWIFT) build --build-tests
	Tests/support/with-postgres $(PG_TEST_DIR) sh -c '$(SWIFT) test --skip-build --parallel && \
		QUHAO_TEST_ENGINE=postgres $(SWIFT) test --skip-build --parallel --filter QuhaoStoreTests'
	$(MAKE) static
	QUHAO_STATIC=$(CURDIR)/$(STATIC_BINARY) Tests/e2e/run-all $(QUHAO)
	for test in Tests/browser/take_a_number.py Tests/browser/window_console.py Tests/browser/window_printer.py Tests/browser/display.py Tests/browser/inspections.py Tests/browser/booking.py Tests/browser/kiosk.py Tests/browser/office.py Tests/browser/take_over.py; do python3 $$test $(QUHAO) || exit 1; done

deps:
	@scripts/install-deps $(SYSTEM_DEPS)

test-deps:
	@scripts/install-deps $(TEST_DEPS)
	@python3 -c "import selenium, openapi_spec_validator, yaml, schemathesis, prometheus_client" 2>/dev/null || \
		python3 -m pip install --quiet --disable-pip-version-check "selenium>=4.20" "openapi-spec-validator>=0.7" pyyaml "schemathesis>=4.0" \
			"prometheus-client>=0.20"

build:
	$(SWIFT) build --product quhao

lint:
	$(SWIFT) format lint --strict --recursive --parallel Sources Tests bench/QuhaoBench seeds Package.swift

release: deps
	$(SWIFT) build -c release --static-swift-stdlib --product quhao

package: release package-files

# The .deb from BINARY as it is (the e2e test packs a debug build with the runtime linked in).
package-files:
	@scripts/install-deps $(PACKAGE_DEPS) >&2
	@scripts/make-deb $(BINARY) $(VERSION) $(DIST_DIR)

# The debug daemon linked again with the Swift runtime in it (seconds, from the test build's own
# objects): what the package test wraps in a .deb and runs with the toolchain hidden.
STATIC_BINARY ?= $(BUILD_DIR)/static/quhao
static:
	@scripts/link-static $(BUILD_DIR) $(STATIC_BINARY)

# On the server: the runtime libraries only, then the files from BINARY (built by make release
# here or on a build machine), then the user, owners and modes (the .deb's own postinst).
install:
	@test -x $(BINARY) || { echo "no release binary at $(BINARY): run 'make release' (needs the Swift toolchain and -dev packages), or install the .deb from 'make package'"; exit 1; }
	@scripts/install-deps $(RUNTIME_DEPS)
	$(MAKE) install-files
	config/debian/postinst configure

# The files alone, from BINARY, stripped (the e2e test stages the debug binary this way under DESTDIR).
install-files:
	@mkdir -p $(DESTDIR)/
	@tmp=$$(mktemp) && { strip --strip-unneeded -o $$tmp $(BINARY) 2>/dev/null || cp $(BINARY) $$tmp; } && chmod 0755 $$tmp && \
		scripts/stage "$(DESTDIR)" $(PREFIX) /etc/systemd/system $$tmp; status=$$?; rm -f $$tmp; exit $$status
	@echo "installed $(DESTDIR)$(PREFIX)/bin/quhao; start it with: systemctl daemon-reload && systemctl enable --now quhao"

clean:
	rm -rf $(BUILD_DIR) $(DIST_DIR)
