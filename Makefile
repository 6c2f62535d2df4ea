# Pacer's everyday commands. `make test` sets up what the tests need itself
# (scripts/test-env.sh): Chromium, and Postgres on top of the embedded SQLite.

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
GO ?= go
PKGS := ./...
# Packages where concurrency is the point get the race detector.
RACE_PKGS := $(patsubst %,./%/...,$(wildcard models quota campaign bot))

.PHONY: help test race lint fuzz bench soak try run build

help: ## list these targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z]+):.*## (.*)/  make \1\t\2/'

test: ## the whole suite, then the race detector on models, quota, campaign and bot (finds Chromium and Postgres: scripts/test-env.sh)
	./scripts/test-env.sh $(GO) test -count=1 -timeout 14m $(PKGS)
	./scripts/test-env.sh $(GO) test -count=1 -race -timeout 10m $(RACE_PKGS)

race: ## the whole suite under the race detector
	./scripts/test-env.sh $(GO) test -count=1 -race $(PKGS)

lint: ## go vet, gofmt, and golangci-lint when installed
	$(GO) vet $(PKGS)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "gofmt: the files above need formatting"; exit 1)
	@if command -v golangci-lint >/dev/null 2>&1; then golangci-lint run; fi

# FUZZTIME=1m make fuzz searches longer.
fuzz: ## every fuzz target for a second (scripts/fuzz.sh); CI runs it after make test
	./scripts/fuzz.sh

# The goals each figure is measured against are a table in tools/benchreport;
# bench.out stays out of git.
bench: ## every benchmark once, into docs/BENCHMARKS.md, each figure against its goal
	./scripts/test-env.sh $(GO) test -run '^$$' -bench . -benchtime 1x -timeout 40m $(PKGS) | tee bench.out
	$(GO) run ./tools/benchreport -keep docs/BENCHMARKS.md < bench.out > bench.md
	mv bench.md docs/BENCHMARKS.md
	@echo "wrote docs/BENCHMARKS.md"

# An hour of serve --sim at the normal pace, approving in the local console;
# its figures go into docs/BENCHMARKS.md. Not part of CI. DURATION=10m for a
# shorter look.
DURATION ?= 1h
soak: ## an hour of serve --sim at the normal pace; the report goes into docs/BENCHMARKS.md
	CGO_ENABLED=0 $(GO) build -o bin/pacer ./cmd/pacer
	./scripts/test-env.sh $(GO) run ./tools/soak -pacer bin/pacer -duration $(DURATION) -report docs/BENCHMARKS.md

build: ## a static binary in bin/pacer
	CGO_ENABLED=0 $(GO) build -o bin/pacer ./cmd/pacer

try: ## the try-out: pacer serve --sim, in the local console at http://127.0.0.1:8080/console
	$(GO) run ./cmd/pacer serve --sim

run: ## pacer serve with your configuration (PACER_CONFIG or CONFIG=pacer.yml)
	$(GO) run ./cmd/pacer serve $(if $(CONFIG),--config $(CONFIG))
