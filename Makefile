# sliceproxy — see README.md. Every target works on a fresh clone.
GO       ?= go
BIN      := bin
PKGS     := ./...
FUZZTIME ?= 30s

.PHONY: all build test test-short lint fmt run bench fuzz readme clean

all: build

build:
	$(GO) build -o $(BIN)/sliceproxy ./cmd/sliceproxy
	$(GO) build -o $(BIN)/itkdemo ./cmd/itkdemo

# The whole suite, with the race detector. Tests that need nginx or Apache
# mpm-itk skip with a message when those Debian packages are missing.
test:
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 $(PKGS)

test-short:
	$(GO) test -short -count=1 $(PKGS)

lint:
	$(GO) vet $(PKGS)
	@command -v staticcheck >/dev/null 2>&1 || $(GO) install honnef.co/go/tools/cmd/staticcheck@latest
	PATH="$$PATH:$$($(GO) env GOPATH)/bin" staticcheck $(PKGS)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)

fmt:
	gofmt -w $$(git ls-files '*.go')

# The proxy on examples/demo.conf in front of mpm-itk-like demo backends.
run: build
	./scripts/run-demo.sh

# sliceproxy and nginx side by side (see bench/README.md).
bench: build
	./bench/run.sh

# Every fuzz target for FUZZTIME each.
fuzz:
	./scripts/fuzz-all.sh $(FUZZTIME)

# Regenerate the directive table in README.md from the directive table.
readme: build
	./scripts/update-readme.sh

clean:
	rm -rf $(BIN) bench/results
