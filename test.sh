#!/usr/bin/env bash
# test.sh — the one test command (README, and CI through .ci/run).
# Installs what the tests need, then: gofmt, go vet, staticcheck, go test -race
# over the whole module, every benchmark run once (so none rots), the
# comparison module in bench/ built and vetted, and the tests that need an
# external tool run once more without it, as on a machine with only Go.
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

# Packages whose tests start an external tool (etcd, tmux, protoc, …) run
# with PATH holding only go and gofmt (so no C compiler either: cgo is off)
# and KITBENCH_REQUIRE_TOOLS unset: they must pass, skipping what needs a tool.
step "tests that need a tool, on a machine with only Go: they skip"
onlygo=$(mktemp -d)
trap 'rm -rf "$onlygo"' EXIT
ln -s "$(go env GOROOT)/bin/go" "$(go env GOROOT)/bin/gofmt" "$onlygo/"
mapfile -t toolpkgs < <(find . -name '*_test.go' -not -path './bench/*' -not -path './.tools/*' -print0 |
  xargs -0 grep -lE 'etcdtest\.Start|tmuxtest\.Start|testutil\.(NeedTool|MissingTool)' | xargs -n1 dirname | sort -u)
log=$(mktemp)
if ! env -u KITBENCH_REQUIRE_TOOLS PATH="$onlygo" go test -count=1 -v "${toolpkgs[@]}" >"$log" 2>&1; then
  grep -vE '^ *(=== (RUN|PAUSE|CONT|NAME)|--- PASS|PASS$)' "$log" >&2; rm -f "$log"; exit 1
fi
skipped=$(grep -c -- '--- SKIP' "$log" || true)
rm -f "$log"
if [ "$skipped" -eq 0 ]; then
  echo "no test skipped without the tools: this step is not looking where it should" >&2; exit 1
fi
echo "${#toolpkgs[@]} packages passed with $skipped tests skipped" >&2

step "go test -race"
go test -race -timeout 15m "$@" ./...

printf '\ntest.sh: all checks passed in %ds\n' $((SECONDS - start)) >&2
