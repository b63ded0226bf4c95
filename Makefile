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
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: tools
tools: $(addprefix $(BIN)/,$(TOOLS)) ## Build the pinned tools (buf, protoc plugins, golangci-lint) into .bin/.

$(BIN)/%: tools/go.mod tools/go.sum
	@mkdir -p $(BIN)
	GOWORK=off go -C tools build -o $(BIN)/ $$(GOWORK=off go -C tools list -f '{{.ImportPath}}' tool | grep '/$*$$')

.PHONY: build
build: ## Build every binary into bin/.
	@mkdir -p bin
	go build -o bin/ ./cmd/accessflow ./gateway/cmd/gateway ./services/policy/cmd/policy \
		./services/trigger-ingest/cmd/trigger-ingest ./services/approval/cmd/approval ./services/action-execution/cmd/action-execution

.PHONY: run
run: build ## Build and run the whole suite on the embedded default (SQLite in ./data).
	./bin/accessflow serve

.PHONY: test
test: $(BIN)/gotestsum ## Run every test, the store suites on SQLite and on PostgreSQL (ACCESSFLOW_TEST_DATABASE_URL).
	ACCESSFLOW_TEST_DATABASE_URL=$(ACCESSFLOW_TEST_DATABASE_URL) $(BIN)/gotestsum --format testname -- -race -count=1 -timeout 20m $(GO_PACKAGES)
	GOWORK=off go build ./... && GOWORK=off go -C api build ./...

.PHONY: bench
bench: ## Measure the trigger path against a no-op grpc-gateway handler on SQLite and PostgreSQL; writes bench/results/ (a few minutes).
	ACCESSFLOW_TEST_DATABASE_URL=$(ACCESSFLOW_TEST_DATABASE_URL) go run ./bench -out bench/results

.PHONY: microbench
microbench: ## Run the Go benchmarks (go test -bench).
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
