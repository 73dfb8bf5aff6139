# Hotline — make targets (see README.md "Make targets").
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)
GO       ?= go
BIN      := bin/hotline
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)

.PHONY: all build run test unit integration test-deps bench fuzz vet prompts vendor-js clean

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

unit:
	$(GO) test -count=1 -timeout 300s $$($(GO) list ./... | grep -v /itest)
	$(GO) test -count=1 -run '^$$' -fuzz FuzzLoadBytes -fuzztime 5s ./config
	$(GO) test -count=1 -run '^$$' -fuzz FuzzParse -fuzztime 5s ./sip/sdp

integration: build
	HOTLINE_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -p 1 -timeout 600s -v ./itest 2>&1 | tee itest.log | grep -E '^(=== RUN|--- |PASS|FAIL|ok|panic)|_test.go'; exit $${PIPESTATUS[0]}

## bench: Go micro-benchmarks of the hot paths, each with its baseline in the same run
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./acd ./media ./cti ./store ./sip/...

## fuzz: every fuzz target for longer (FUZZTIME each)
FUZZTIME ?= 60s
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzLoadBytes -fuzztime $(FUZZTIME) ./config
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) ./sip/sdp
	$(GO) test -run '^$$' -fuzz FuzzEngine -fuzztime $(FUZZTIME) ./acd

## prompts: regenerate the built-in prompt set (needs espeak-ng and sox)
prompts:
	prompts/generate.sh

## vendor-js: re-fetch and bundle the agent page's SIP library (JsSIP) from the npm registry
vendor-js:
	scripts/vendor-js.sh

clean:
	rm -rf bin itest.log
