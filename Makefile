# Hotline — make targets (see README.md "Make targets").
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)
GO       ?= go
BIN      := bin/hotline
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)

.PHONY: all build run test unit integration test-deps bench bench-load fuzz vet prompts vendor-js clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/hotline

## run: serve the built-in example configuration (SIP on 127.0.0.1:5060, SQLite in ./hotline.db)
run: build
	./$(BIN) serve

## test: install the test peers when missing, then unit and integration tests
test: test-deps vet unit integration

test-deps:
	@scripts/install-test-deps.sh

vet:
	$(GO) vet ./...

# Every parser that sees outside bytes has a fuzz target: package:target.
FUZZ_TARGETS := ./config:FuzzLoadBytes ./sip/sdp:FuzzParse ./sip:FuzzParseInfoDTMF ./sip:FuzzRequestFault ./sip:FuzzRelaxLWS ./cti:FuzzDecodeCommand \
	./media:FuzzDecodeEvent ./media:FuzzParseWAV ./ivr:FuzzParseExpr ./acd:FuzzEngine ./rtc:FuzzBrowserPacket

unit:
	$(GO) test -count=1 -timeout 300s $$($(GO) list ./... | grep -v /itest)
	@$(MAKE) --no-print-directory fuzz FUZZTIME=3s

integration: build
	HOTLINE_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -p 1 -timeout 1500s -v ./itest 2>&1 | tee itest.log | grep -E '^(=== RUN|--- |PASS|FAIL|ok|panic)|_test.go'; exit $${PIPESTATUS[0]}

## bench: Go micro-benchmarks of the hot paths, each with its baseline in the same run
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./acd ./media/... ./rtc ./cti ./store ./sip/...

## bench-load: the whole-path load benchmark against a same-run SIPp baseline, in a private network
## namespace (needs root and SIPp); LOAD=full for the long steps; writes bench/results.md
LOAD ?= quick
bench-load: build
	$(GO) build -o bin/hotline-load ./bench/load
	unshare -n sh -c 'ip link set lo up && ./bin/hotline-load $(if $(filter quick,$(LOAD)),-quick) -hotline $(BIN) -out bench/results.md $(LOADFLAGS)'

## fuzz: every fuzz target for FUZZTIME each (3s in `make test`)
FUZZTIME ?= 60s
fuzz:
	@set -eo pipefail; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t#*:} ($${t%%:*}) for $(FUZZTIME)"; \
		$(GO) test -count=1 -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) "$${t%%:*}" | tail -1; \
	done

## prompts: regenerate the built-in prompt set (needs espeak-ng and sox)
prompts:
	prompts/generate.sh

## vendor-js: re-fetch and bundle the agent page's SIP library (JsSIP) from the npm registry
vendor-js:
	scripts/vendor-js.sh

clean:
	rm -rf bin itest.log
