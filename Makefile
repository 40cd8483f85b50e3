# Charter — make help lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

GO        ?= go
BIN       := $(CURDIR)/.charter/bin
UNIT_PKGS := ./chaincode/... ./gateway-client/... ./cmd/... ./internal/...
# pkcs11: the client's PKCS#11 (HSM) signer and the SoftHSM2 test (cgo).
TAGS      ?= pkcs11
FUZZTIME  ?= 10s

export PATH := $(BIN):$(PATH)

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## Build the charter CLI, the chaincode server and charter-netadmin into .charter/bin
	@mkdir -p $(BIN)
	$(GO) build -tags $(TAGS) -ldflags "$$(scripts/buildstamp.sh)" -o $(BIN)/charter ./cmd/charter
	network/build-chaincode.sh -o $(BIN)/charter-chaincode
	$(GO) build -o $(BIN)/charter-bench-chaincode ./cmd/charter-bench-chaincode
	$(GO) build -o $(BIN)/charter-netadmin ./cmd/charter-netadmin
	$(GO) build -o $(BIN)/charter-bareput-chaincode ./cmd/charter-bareput-chaincode

.PHONY: fabric
fabric: ## Build the pinned Fabric binaries (peer, orderer, tools) and Fabric CA (server, client) into .charter/bin
	network/build-fabric.sh

.PHONY: up
up: build ## Bring up the consortium network with the chaincode deployed
	network/up.sh

.PHONY: down
down: ## Stop every network process
	network/down.sh

.PHONY: clean
clean: ## Stop the network and remove its state (binaries are kept)
	network/clean.sh

.PHONY: status
status: ## Show the network's processes
	network/status.sh

.PHONY: demo
demo: build ## Fresh network, chaincode deployed, a governance scenario through the client
	network/clean.sh
	network/up.sh
	scripts/demo.sh

.PHONY: test
test: lint test-unit test-integration ## Every test: lint, unit (race), integration on a real network

.PHONY: test-unit
test-unit: ## Unit tests with the race detector
	$(GO) test -race -count=1 -timeout 30m -tags $(TAGS) $(UNIT_PKGS)

.PHONY: test-integration
test-integration: build fabric ## Integration tests: start a fresh network (with the calibration chaincode), run test/, stop it
	CHARTER_BENCH=1 $(GO) test -count=1 -tags $(TAGS) -timeout 80m -v ./test/... 2>&1 | tee .charter/integration.log | grep -E '^(=== RUN|--- |PASS|FAIL|ok|panic|\s+\S+_test.go)' ; exit $${PIPESTATUS[0]}

.PHONY: test-export
test-export: build fabric ## The console's audit export of more than 50,000 transactions against the real API on a fresh network (grows the channel past 50,000 transactions first); make test exports more than 10,000
	CHARTER_EXPORT_ROWS=50000 $(GO) test -count=1 -tags $(TAGS) -timeout 40m -v -run 'TestConsoleAuditExportOnTheNetwork' ./test/

.PHONY: repro-check
repro-check: ## Build the committed chaincode in two fresh folders, the second with an empty build cache: the SHA-256s must match
	@set -e; tmp=$$(mktemp -d); trap "rm -rf $$tmp" EXIT; \
	for d in a b; do mkdir -p $$tmp/$$d; git archive HEAD | tar -x -C $$tmp/$$d; done; \
	one=$$($$tmp/a/network/build-chaincode.sh -o $$tmp/a/out/charter-chaincode | cut -d' ' -f1); \
	two=$$(GOCACHE=$$tmp/cache $$tmp/b/network/build-chaincode.sh -o $$tmp/b/out/charter-chaincode | cut -d' ' -f1); \
	echo "warm cache, folder a: $$one"; echo "empty cache, folder b: $$two"; \
	if [ "$$one" = "$$two" ]; then echo "repro-check: identical"; else echo "repro-check: DIFFERENT builds" >&2; exit 1; fi

.PHONY: generate
generate: ## Regenerate the HTTP API's server interface, models and client from api/openapi.yaml
	$(GO) generate ./internal/api/

.PHONY: lint
lint: ## gofmt, generated API code fresh, go mod tidy -diff, go vet (with and without pkcs11) and the chaincode determinism linter (never writes files)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	@tmp=$$(mktemp -d); trap "rm -rf $$tmp" EXIT; \
	sed "s|^output: .*|output: $$tmp/openapi.gen.go|" internal/api/oapi-codegen.yaml > $$tmp/config.yaml && \
	$(GO) tool oapi-codegen -config $$tmp/config.yaml api/openapi.yaml && \
	if ! cmp -s $$tmp/openapi.gen.go internal/api/openapi.gen.go; then echo "internal/api/openapi.gen.go is stale: run make generate"; exit 1; fi
	$(GO) mod tidy -diff
	$(GO) vet ./...
	$(GO) vet -tags $(TAGS) ./...
	$(GO) tool charter-lint ./chaincode/...

.PHONY: fuzz
fuzz: ## Run each fuzz target for FUZZTIME (default 10s)
	$(GO) test -run=X -fuzz=FuzzRoundTrip -fuzztime=$(FUZZTIME) ./chaincode/errcode/
	$(GO) test -run=X -fuzz=FuzzKeyRoundTrip -fuzztime=$(FUZZTIME) ./chaincode/core/
	$(GO) test -run=X -fuzz=FuzzDecode -fuzztime=$(FUZZTIME) ./chaincode/strictjson/
	$(GO) test -run=X -fuzz=FuzzCheck -fuzztime=$(FUZZTIME) ./chaincode/text/
	$(GO) test -run=X -fuzz=FuzzRegisterArgument -fuzztime=$(FUZZTIME) ./chaincode/contract/
	$(GO) test -run=X -fuzz=FuzzInvoke -fuzztime=$(FUZZTIME) ./chaincode/contract/
	$(GO) test -run=X -fuzz=FuzzAttestArgument -fuzztime=$(FUZZTIME) ./chaincode/contract/
	$(GO) test -run=X -fuzz=FuzzResolve -fuzztime=$(FUZZTIME) ./chaincode/decision/
	$(GO) test -run=X -fuzz='^FuzzQuadraticCost$$' -fuzztime=$(FUZZTIME) ./chaincode/ballot/
	$(GO) test -run=X -fuzz='^FuzzTokenWeight$$' -fuzztime=$(FUZZTIME) ./chaincode/ballot/
	$(GO) test -run=X -fuzz='^FuzzDelegatedWeight$$' -fuzztime=$(FUZZTIME) ./chaincode/ballot/
	$(GO) test -run=X -fuzz='^FuzzReputationWeight$$' -fuzztime=$(FUZZTIME) ./chaincode/ballot/
	$(GO) test -run=X -fuzz='^FuzzSeatWeight$$' -fuzztime=$(FUZZTIME) ./chaincode/ballot/
	$(GO) test -run=X -fuzz='^FuzzPollWeight$$' -fuzztime=$(FUZZTIME) ./chaincode/ballot/
	$(GO) test -run=X -fuzz=FuzzMatch -fuzztime=$(FUZZTIME) ./chaincode/funding/
	$(GO) test -run=X -fuzz=FuzzSubjectKey -fuzztime=$(FUZZTIME) ./chaincode/coi/
	$(GO) test -run=X -fuzz=FuzzErrorTextRoundTrip -fuzztime=$(FUZZTIME) ./gateway-client/
	$(GO) test -run=X -fuzz=FuzzParseRoles -fuzztime=$(FUZZTIME) ./cmd/charter/

.PHONY: bench
bench: ## Domain benchmarks (score computation, decay, tally of 1k/10k/100k votes, delegated tally of 10k members 8 deep)
	$(GO) test -run=X -bench=. -benchmem ./chaincode/...

.PHONY: bench-tally
bench-tally: build fabric ## A ballot of CHARTER_BENCH_VOTES votes (default 100000) cast and tallied in pages on a fresh network
	$(GO) test -count=1 -run=X -bench=LargeBallotTally -benchtime=1x -timeout 360m -v ./test/

.PHONY: bench-round
bench-round: build fabric ## A funding round of CHARTER_BENCH_PROJECTS projects (default 1000) and CHARTER_BENCH_CONTRIBUTIONS contributions (default 100000) on a fresh network, closed through the paged close
	$(GO) test -count=1 -run=X -bench=LargeRound -benchtime=1x -timeout 360m -v ./test/

BENCH_ARGS ?= --workload bareput,put,vote,artifact,query,mix --clients 64 --duration 20s --repeat 3

.PHONY: bench-network
bench-network: build ## charter bench $(BENCH_ARGS) against the running network (make demo first; docs/performance.md)
	$(BIN)/charter bench $(BENCH_ARGS)

.PHONY: bench-vote-put
bench-vote-put: build fabric ## Vote vs key-value put throughput on a fresh network (the Go benchmark BenchmarkVoteVsPut)
	CHARTER_BENCH=1 $(GO) test -count=1 -run=X -bench=VoteVsPut -benchtime=1x -timeout 20m ./test/
