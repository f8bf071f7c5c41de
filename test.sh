#!/usr/bin/env bash
# test.sh — the one test command (README, and CI through .ci/run).
# Installs what the tests need, then: gofmt, go vet, staticcheck, go test -race
# over the whole module, every benchmark run once (so none rots), and the
# comparison module in bench/ built and vetted.
set -euo pipefail
cd "$(dirname "$0")"
start=$SECONDS

./.ci/deps.sh
export PATH="$PWD/.tools/bin:$PATH"
export KITBENCH_REQUIRE_TOOLS=1 # tests that need protoc, tmux, … fail instead of skipping

step() { printf '\n== %s\n' "$*" >&2; }
# quiet runs a command, showing its output only when it fails.
quiet() {
  local log
  log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then cat "$log" >&2; rm -f "$log"; return 1; fi
  rm -f "$log"
}

step gofmt
bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.tools/*'))
if [ -n "$bad" ]; then echo "gofmt would change:" >&2; echo "$bad" >&2; exit 1; fi

step "go vet"
go vet ./...

step staticcheck
staticcheck ./...

if [ -f bench/go.mod ]; then
  step "bench/ (comparison module): vet, staticcheck, tests, each benchmark once"
  (cd bench && go vet ./... && staticcheck ./... && quiet go test -bench . -benchtime 1x -timeout 10m ./...)
fi

step "benchmarks, once each"
quiet go test -run '^$' -bench . -benchtime 1x -timeout 10m ./...

step "allocation tests without -race (the race detector allocates on its own)"
go test -count=1 -run 'Alloc' ./kit/...

step "go test -race"
go test -race -timeout 15m "$@" ./...

printf '\ntest.sh: all checks passed in %ds\n' $((SECONDS - start)) >&2
