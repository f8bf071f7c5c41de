#!/usr/bin/env bash
# .ci/deps.sh — installs what the tests need and nothing else: Debian packages
# (only those missing) and pinned Go tools into .tools/bin. Idempotent; test.sh
# calls it, so a fresh machine with Go needs no manual step.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: command → package. Versions are Debian 12's; the generated
# code records the protoc version it was made with, and the stale-code test
# compares against it.
declare -A pkgs=(
  [tmux]=tmux
  [protoc]=protobuf-compiler
  [thrift]=thrift-compiler
  [etcd]=etcd-server # kit/sd/etcd's integration tests start it on free loopback ports
  [prometheus-node-exporter]=prometheus-node-exporter
)
missing=()
for cmd in "${!pkgs[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${pkgs[$cmd]}")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]} from Debian" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Pinned Go tools, built once into .tools/bin (ignored by git).
export GOBIN="$PWD/.tools/bin"
install_tool() { # name module@version
  local name=$1 mod=$2 stamp="$GOBIN/.$1.version"
  if [ -x "$GOBIN/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$mod" ]; then return; fi
  echo "deps: go install $mod" >&2
  go install "$mod"
  echo "$mod" >"$stamp"
}
install_tool staticcheck honnef.co/go/tools/cmd/staticcheck@v0.8.2
install_tool protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
install_tool protoc-gen-go-grpc google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
install_tool grpcurl github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.4

# Servers built from source for the integration tests (Jaeger; Prometheus
# below). They are large — a cold build takes many minutes on two cores — so
# each pinned build is kept outside the clone, in the user's cache like Go's
# own build cache, and a fresh clone (CI's) copies it in seconds. Set
# KITBENCH_TOOLCACHE to keep them elsewhere.
toolcache=${KITBENCH_TOOLCACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kitbench-tools}
# build_server NAME MODULE@VERSION PACKAGE: build PACKAGE from MODULE@VERSION
# in a scratch module of its own (so its dependencies stay out of go.mod;
# `go get -tool` records the pin) into the tool cache, once, and copy it into
# .tools/bin.
build_server() {
  local name=$1 mod=$2 pkg=$3
  local dir="$toolcache/$name-${mod##*@}"
  if ! [ -x "$dir/$name" ]; then
    echo "deps: building $mod into $dir (several minutes on a cold build cache; once per machine)" >&2
    mkdir -p "$dir/src"
    (
      cd "$dir/src"
      [ -f go.mod ] || go mod init "kitbench.tools/$name" >/dev/null 2>&1
      GOFLAGS=-mod=mod go get -tool "$mod"
      go build -o "$dir/$name.tmp" "$pkg"
    )
    mv "$dir/$name.tmp" "$dir/$name"
  fi
  if ! cmp -s "$dir/$name" "$GOBIN/$name"; then
    cp "$dir/$name" "$GOBIN/$name"
  fi
}

# Jaeger v2 (an OTLP receiver with an in-memory store and a query API), for the
# test that a demo fleet's spans reach a real tracing backend.
build_server jaeger github.com/jaegertracing/jaeger/cmd/jaeger@v1.75.0 github.com/jaegertracing/jaeger/cmd/jaeger

# Prometheus, for probes/promql's test against a real server. Built from
# source because Debian's package is built without Consul discovery. Module
# v0.316.0 is Prometheus 3.16.0, the newest at the time, built with Go 1.26.
# A build from a cold build cache costs about 11 CPU-minutes (about 6
# minutes on idle cores, the download a minute more), once per machine.
build_server prometheus github.com/prometheus/prometheus/cmd/prometheus@v0.316.0 github.com/prometheus/prometheus/cmd/prometheus
