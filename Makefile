# Accessflow — run `make help` for the targets.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

BIN := $(CURDIR)/.bin
export PATH := $(BIN):$(PATH)
GO_PACKAGES := ./... ./api/...
# PostgreSQL for the tests; override to point elsewhere.
ACCESSFLOW_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
# The git ref `buf breaking` compares against (default: the previous commit).
BREAKING_AGAINST ?= HEAD~1
TOOLS := buf protoc-gen-go protoc-gen-go-grpc protoc-gen-grpc-gateway protoc-gen-openapiv2 golangci-lint gotestsum
# Everything `make generate` writes (generate-check compares it with the commit).
GENERATED := api gateway/openapi clients/ts/src/gen clients/python/gen
# The TypeScript client's npm packages (protoc-gen-es, the runtime, tsc), exactly as locked.
TS_DEPS := clients/ts/node_modules/.package-lock.json
# Debian's Python, the one python3-grpcio and python3-protobuf are installed for, and the protoc
# (protobuf-compiler) whose Python output that python3-protobuf runs: other versions generate other code.
PYTHON ?= /usr/bin/python3
PROTOC_VERSION := 3.21.12

.PHONY: help
help: ## Show this help (coloured only on a terminal).
	@if [ -t 1 ]; then on=$$'\033[36m' off=$$'\033[0m'; else on= off=; fi; \
	awk -v on="$$on" -v off="$$off" 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %s%-16s%s %s\n", on, $$1, off, $$2}' $(MAKEFILE_LIST)

.PHONY: tools
tools: $(addprefix $(BIN)/,$(TOOLS)) ## Build the pinned tools (buf, protoc plugins, golangci-lint) into .bin/.

$(BIN)/%: tools/go.mod tools/go.sum
	@mkdir -p $(BIN)
	GOWORK=off go -C tools build -o $(BIN)/ $$(GOWORK=off go -C tools list -f '{{.ImportPath}}' tool | grep '/$*$$')

# Build info: Go stamps the module version and VCS revision into binaries built in a clone
# (-buildvcs=true overrides a GOFLAGS=-buildvcs=false); the revision also goes in by -X for
# builds where Go cannot read it (a git worktree). `accessflow version` prints them.
REVISION := $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -X github.com/accessflow/accessflow/pkg/version.Revision=$(REVISION)

.PHONY: build
build: ## Build every binary into bin/, stamped with the version and VCS revision.
	@mkdir -p bin
	go build -buildvcs=true -ldflags '$(LDFLAGS)' -o bin/ ./cmd/accessflow ./gateway/cmd/gateway ./services/policy/cmd/policy \
		./services/trigger-ingest/cmd/trigger-ingest ./services/approval/cmd/approval ./services/action-execution/cmd/action-execution

.PHONY: run
run: build ## Build and run the whole suite on the embedded default (SQLite in ./data).
	./bin/accessflow serve

.PHONY: demo
FLOW ?= access-request
demo: build ## Run a flow (FLOW=access-request, joiner, mover, leaver or expiry) against the suite on :8080 (or a throwaway `accessflow serve`) and print its timeline; needs slapd.
	go run ./examples/demo --accessflow bin/accessflow --flow $(FLOW)

# Every test event of the last `make test`, replayed to list the store suites' tests.
TEST_EVENTS := bin/test-events.json

.PHONY: test
test: test-packages ## Run every test (a line per package as it finishes), then build with GOWORK=off as CI does.
	GOWORK=off go build ./... && GOWORK=off go -C api build ./...
	@$(MAKE) --no-print-directory test-clients

.PHONY: test-clients
test-clients: $(TS_DEPS) ## Run the TypeScript (node --test) and Python (unittest) clients against a live suite.
	@mkdir -p bin
	go build -o bin/accessflow ./cmd/accessflow
	cd clients/ts && rm -rf dist && node_modules/.bin/tsc -p . && \
		ACCESSFLOW_BIN=$(CURDIR)/bin/accessflow node --test --test-reporter=spec dist/test/*.test.js
	cd clients/python && ACCESSFLOW_BIN=$(CURDIR)/bin/accessflow $(PYTHON) -m unittest -v

.PHONY: test-packages
test-packages: $(BIN)/gotestsum ## Run the tests of GO_PACKAGES, the store suites on SQLite and PostgreSQL (ACCESSFLOW_TEST_DATABASE_URL), listing those suites' results.
	@mkdir -p $(dir $(TEST_EVENTS))
	@status=0; \
	ACCESSFLOW_TEST_DATABASE_URL=$(ACCESSFLOW_TEST_DATABASE_URL) $(BIN)/gotestsum --format pkgname-and-test-fails --format-hide-empty-pkg \
		--jsonfile $(TEST_EVENTS) -- -race -count=1 -timeout 20m $(GO_PACKAGES) || status=$$?; \
	echo "Store and storage backend suites (SQLite, PostgreSQL):"; \
	$(BIN)/gotestsum --format testname --raw-command -- cat $(TEST_EVENTS) | grep -E '\.Test(Store|Backend)[A-Za-z]* \(' || true; \
	exit $$status

.PHONY: bench
bench: ## Measure the trigger path against a no-op grpc-gateway handler on SQLite and PostgreSQL; writes bench/results/ (a few minutes).
	ACCESSFLOW_TEST_DATABASE_URL=$(ACCESSFLOW_TEST_DATABASE_URL) go run ./bench -out bench/results

.PHONY: microbench
microbench: ## Run the Go benchmarks (go test -bench).
	ACCESSFLOW_TEST_DATABASE_URL=$(ACCESSFLOW_TEST_DATABASE_URL) go test -run '^$$' -bench . -benchmem $(GO_PACKAGES)

.PHONY: load
load: ## Run the load generators (REST ingest, deliveries) against an in-process suite; prints rates and percentiles.
	ACCESSFLOW_LOAD=1 ACCESSFLOW_TEST_DATABASE_URL=$(ACCESSFLOW_TEST_DATABASE_URL) go test -count=1 -timeout 20m -run 'TestTriggerLoad' -v ./internal/suite/ | grep -E 'events/s|deliveries/s|memory|^(ok|FAIL|---)'

SCALE_FLOWS ?= 100

.PHONY: scale
scale: ## Run flow 1 SCALE_FLOWS (100) times at once on two replicas of each service on one PostgreSQL (ACCESSFLOW_TEST_DATABASE_URL, slapd), then again with one action-execution replica SIGKILLed half-way; checks exactly-once and prints flows/s, percentiles, the replica split and the recovery.
	ACCESSFLOW_SCENARIO_FLOWS=$(SCALE_FLOWS) ACCESSFLOW_TEST_DATABASE_URL=$(ACCESSFLOW_TEST_DATABASE_URL) go test -count=1 -timeout 20m -run 'TestReplicas' -v ./internal/scenario/ | grep -E 'flows/s|filed and approved|calls served|jobs per River|killed|recover|sent again|Error|Messages|^(ok|FAIL|---)|^\s+--- '

$(TS_DEPS): clients/ts/package.json clients/ts/package-lock.json
	cd clients/ts && npm ci --no-audit --no-fund
	@touch $@

.PHONY: generate
generate: tools $(TS_DEPS) ## Generate Go (api/), OpenAPI (gateway/openapi/), TypeScript and Python (clients/) from proto/.
	@command -v protoc >/dev/null && command -v grpc_python_plugin >/dev/null || \
		{ echo "the Python client needs protoc and grpc_python_plugin: apt-get install protobuf-compiler protobuf-compiler-grpc"; exit 1; }
	@test "$$(protoc --version)" = "libprotoc $(PROTOC_VERSION)" || \
		{ echo "the Python client is generated with Debian 12's protoc $(PROTOC_VERSION) (for its python3-protobuf), not $$(protoc --version)"; exit 1; }
	rm -rf api/accessflow gateway/openapi/*.json clients/ts/src/gen clients/python/gen
	buf generate
	cd api && GOWORK=off go mod tidy

.PHONY: generate-check
generate-check: generate ## Fail when the committed generated code (Go, OpenAPI, clients) is stale.
	@git diff --exit-code -- $(GENERATED) || { echo "generated code is stale: run make generate and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- $(GENERATED))" || { git status --porcelain -- $(GENERATED); echo "untracked generated files: run make generate and commit"; exit 1; }

.PHONY: lint
lint: tools ## Lint protos (buf lint) and Go (golangci-lint).
	buf lint
	golangci-lint run ./...
	cd api && golangci-lint run ./...

.PHONY: breaking
breaking: tools ## Check protos for breaking changes against BREAKING_AGAINST.
	buf breaking --against '.git#ref=$(BREAKING_AGAINST)'

.PHONY: vendor-protos
vendor-protos: ## Re-vendor the third-party protos into third_party/proto.
	./scripts/vendor-protos.sh

.PHONY: docs
docs: ## Regenerate docs/configuration.md from the flag definitions.
	go test ./cmd/accessflow -run TestConfigurationDocs -update

.PHONY: clean
clean: ## Remove build outputs (not the data dir).
	rm -rf bin .bin clients/ts/node_modules clients/ts/dist
