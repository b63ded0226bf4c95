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

# Every test event of the last `make test`, replayed to list the store suites' tests.
TEST_EVENTS := bin/test-events.json

.PHONY: test
test: test-packages ## Run every test (a line per package as it finishes), then build with GOWORK=off as CI does.
	GOWORK=off go build ./... && GOWORK=off go -C api build ./...

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
bench: ## Run the benchmarks.
	ACCESSFLOW_TEST_DATABASE_URL=$(ACCESSFLOW_TEST_DATABASE_URL) go test -run '^$$' -bench . -benchmem $(GO_PACKAGES)

.PHONY: load
load: ## Run the load generators (REST ingest, deliveries) against an in-process suite; prints rates and percentiles.
	ACCESSFLOW_LOAD=1 ACCESSFLOW_TEST_DATABASE_URL=$(ACCESSFLOW_TEST_DATABASE_URL) go test -count=1 -timeout 20m -run 'TestTriggerLoad' -v ./internal/suite/ | grep -E 'events/s|deliveries/s|memory|^(ok|FAIL|---)'

.PHONY: generate
generate: tools ## Generate Go (api/) and OpenAPI (gateway/openapi/) from proto/.
	rm -rf api/accessflow gateway/openapi/*.json
	buf generate
	cd api && GOWORK=off go mod tidy

.PHONY: generate-check
generate-check: generate ## Fail when the committed generated code is stale.
	@git diff --exit-code -- api gateway/openapi || { echo "generated code is stale: run make generate and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- api gateway/openapi)" || { git status --porcelain -- api gateway/openapi; echo "untracked generated files: run make generate and commit"; exit 1; }

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
	rm -rf bin .bin
