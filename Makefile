# Pacer's everyday commands. `make test` sets up what the tests need itself
# (scripts/test-env.sh): Chromium, and Postgres on top of the embedded SQLite.

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
GO ?= go
PKGS := ./...
# Packages where concurrency is the point get the race detector.
RACE_PKGS := $(patsubst %,./%/...,$(wildcard models quota campaign bot))

.PHONY: test race lint fuzz bench run build

test:
	./scripts/test-env.sh $(GO) test -count=1 -timeout 14m $(PKGS)
	./scripts/test-env.sh $(GO) test -count=1 -race -timeout 10m $(RACE_PKGS)

race:
	./scripts/test-env.sh $(GO) test -count=1 -race $(PKGS)

lint:
	$(GO) vet $(PKGS)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "gofmt: the files above need formatting"; exit 1)
	@if command -v golangci-lint >/dev/null 2>&1; then golangci-lint run; fi

# Every fuzz target for a second each (scripts/fuzz.sh); CI runs it after
# `make test`. FUZZTIME=1m make fuzz searches longer.
fuzz:
	./scripts/fuzz.sh

# Every benchmark, once each, into docs/BENCHMARKS.md: each figure against
# its goal (the goals are a table in tools/benchreport). bench.out stays out
# of git.
bench:
	./scripts/test-env.sh $(GO) test -run '^$$' -bench . -benchtime 1x -timeout 40m $(PKGS) | tee bench.out
	$(GO) run ./tools/benchreport < bench.out > docs/BENCHMARKS.md
	@echo "wrote docs/BENCHMARKS.md"

build:
	CGO_ENABLED=0 $(GO) build -o bin/pacer ./cmd/pacer

run:
	$(GO) run ./cmd/pacer serve
