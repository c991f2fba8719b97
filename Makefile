# Quhao: the two commands a newcomer needs.
#   make run    install missing system packages, build, start the daemon on the built-in demo
#   make test   the same set-up, then every check (format, unit, integration, end-to-end)

SWIFT        ?= swift
BUILD_DIR    ?= .build
SYSTEM_DEPS  := libqrencode-dev libsqlite3-dev pkg-config espeak-ng
TEST_DEPS    := zbar-tools librsvg2-bin curl jq chromium chromium-driver fonts-noto-cjk tmux sqlite3
QUHAO        := $(BUILD_DIR)/debug/quhao

.PHONY: run test deps test-deps build lint unit e2e clean install install-files

# make install: a release build, then the binary, the systemd unit, the configuration (kept
# when one is there already) and the data directory. DESTDIR stages it elsewhere (packaging, tests).
PREFIX       ?= /usr/local
DESTDIR      ?=
BINARY       ?= $(BUILD_DIR)/release/quhao

run: deps build
	@# On the built-in demo (no ARGS), the canteen office gets the source scenario's units once.
	@if [ -z "$(ARGS)" ]; then $(QUHAO) seed canteen-demo --if-empty && \
		echo "Canteen inspections: http://127.0.0.1:8080/admin/inspections (admins), /inspect (inspectors); README, Canteen inspections."; fi
	$(QUHAO) serve $(ARGS)

test: deps test-deps lint
	$(SWIFT) build --build-tests
	$(SWIFT) test --parallel
	Tests/e2e/run-all $(QUHAO)
	for test in Tests/browser/take_a_number.py Tests/browser/window_console.py Tests/browser/display.py Tests/browser/inspections.py Tests/browser/booking.py Tests/browser/kiosk.py Tests/browser/office.py; do python3 $$test $(QUHAO) || exit 1; done

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

install: deps
	$(SWIFT) build -c release --product quhao
	$(MAKE) install-files BINARY=$(BUILD_DIR)/release/quhao

# The files alone, from BINARY (the e2e test installs the debug binary this way).
install-files:
	install -D -m 0755 $(BINARY) $(DESTDIR)$(PREFIX)/bin/quhao
	install -D -m 0644 config/quhao.service $(DESTDIR)/etc/systemd/system/quhao.service
	sed -i 's|/usr/local/bin/quhao|$(PREFIX)/bin/quhao|g' $(DESTDIR)/etc/systemd/system/quhao.service
	@if [ -e $(DESTDIR)/etc/quhao/quhao.yaml ]; then echo "kept $(DESTDIR)/etc/quhao/quhao.yaml"; \
	else install -D -m 0644 config/quhao.yaml $(DESTDIR)/etc/quhao/quhao.yaml && \
		sed -i -e 's|^#~ ||' -e '/# demo only$$/d' $(DESTDIR)/etc/quhao/quhao.yaml; fi
	install -d -m 0750 $(DESTDIR)/var/lib/quhao
	@if [ -z "$(DESTDIR)" ] && ! id quhao >/dev/null 2>&1; then \
		useradd --system --home /var/lib/quhao --shell /usr/sbin/nologin quhao && chown quhao:quhao /var/lib/quhao; fi
	@echo "installed $(DESTDIR)$(PREFIX)/bin/quhao; start it with: systemctl daemon-reload && systemctl enable --now quhao"

clean:
	rm -rf $(BUILD_DIR)
