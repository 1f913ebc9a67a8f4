# The whole test suite: `make test`. It brings up the local primaries and
# their replicas (scripts/dbup), checks formatting and vet, and runs every
# test with the race detector against the real servers.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
DBENV := .athanor-db.env
REPORT := .athanor-test-report

.PHONY: test dbup fmt-check vet gotest quickstart bench

test: dbup fmt-check vet gotest

# Writes the DSN assignments to $(DBENV). When the servers are not
# installed (exit 3) and this is not CI, go on: the tests then use Docker
# through testcontainers-go if it is reachable, or skip saying why.
dbup:
	@rc=0; scripts/dbup > $(DBENV) || rc=$$?; \
	if [ $$rc -ne 0 ]; then \
		if [ $$rc -eq 3 ] && [ "$${CI:-}" != true ]; then \
			echo "make: local database servers missing; tests will use Docker if reachable, else skip" >&2; : > $(DBENV); \
		else exit $$rc; fi; \
	fi

fmt-check:
	@out=$$(gofmt -l .); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	@echo "gofmt: clean"

vet:
	$(GO) vet ./...
	cd examples/conduit && $(GO) vet ./...

gotest:
	@rm -f $(REPORT)
	@# The longest suites are listed first so that go test starts them
	@# first (it runs packages in the order given, -p at a time): the pass
	@# then does not end waiting for one of them alone.
	set -a; . ./$(DBENV); set +a; ATHANOR_TEST_REPORT=$$PWD/$(REPORT) $(GO) test -race -count=1 ./session/ ./router/ ./engine/ ./integration/... ./...
	@# The Conduit example is its own module (its JWT, OTel SDK and
	@# Prometheus dependencies stay out of the library's go.mod). It runs
	@# beside the two passes after this one, its output held until they end.
	@# Allocation counts are pinned without -race: the race detector makes
	@# sync.Pool drop items, so those tests skip themselves under it.
	@# Then the session and loader suites once more, their PostgreSQL tests
	@# through PgBouncer in transaction pooling mode (scripts/dbup-pgbouncer,
	@# internal/testdb).
	@set -a; . ./$(DBENV); set +a; \
	log=$$(mktemp); \
	( cd examples/conduit && CONDUIT_FLOWS=1 ATHANOR_TEST_REPORT=$(CURDIR)/$(REPORT) $(GO) test -race -count=1 ./... ) > $$log 2>&1 & conduit=$$!; \
	rc=0; \
	echo "$(GO) test -count=1 -run 'Alloc' ./..."; $(GO) test -count=1 -run 'Alloc' ./... || rc=$$?; \
	if [ $$rc -eq 0 ]; then \
		echo "ATHANOR_PG_VIA=pgbouncer $(GO) test -count=1 ./session/ ./loader/"; \
		ATHANOR_PG_VIA=pgbouncer $(GO) test -count=1 ./session/ ./loader/ || rc=$$?; \
	fi; \
	crc=0; wait $$conduit || crc=$$?; \
	echo "--- examples/conduit: CONDUIT_FLOWS=1 $(GO) test -race -count=1 ./..."; cat $$log; rm -f $$log; \
	if [ $$rc -ne 0 ]; then exit $$rc; fi; exit $$crc
	@echo "--- databases the integration tests ran against:"
	@if [ -s $(REPORT) ]; then sort $(REPORT); else echo "(none: integration tests were skipped)"; \
		if [ "$${CI:-}" = true ]; then exit 1; fi; fi

quickstart:
	$(GO) run ./examples/quickstart

bench:
	set -a; . ./$(DBENV); set +a; cd bench && $(GO) test -run '^$$' -bench . -benchmem -count 6
