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

# Prometheus, for probes/promql's test against a real server. Built from
# source because Debian's package is built without Consul discovery, in a
# scratch module under .tools/ (the go get -tool pins every dependency the
# way Prometheus's own go.mod does). Module v0.316.0 is Prometheus 3.16.0,
# the newest at the time, built with Go 1.26. On the project's 2-core
# machine a build from a cold build cache costs 11 CPU-minutes (about 6
# minutes on idle cores; the download about a minute more); with the build
# cache warm, a rebuild takes 10-25 s.
prometheus_mod=github.com/prometheus/prometheus/cmd/prometheus@v0.316.0
if ! [ -x "$GOBIN/prometheus" ] || [ "$(cat "$GOBIN/.prometheus.version" 2>/dev/null)" != "$prometheus_mod" ]; then
  echo "deps: building $prometheus_mod (minutes the first time)" >&2
  rm -rf .tools/prometheus-build
  mkdir -p .tools/prometheus-build
  (
    cd .tools/prometheus-build
    go mod init kitbench.invalid/prometheus-build >/dev/null 2>&1
    log=$(go get -tool "$prometheus_mod" 2>&1) || { echo "$log" >&2; exit 1; }
    go build -o "$GOBIN/prometheus" github.com/prometheus/prometheus/cmd/prometheus
  )
  echo "$prometheus_mod" >"$GOBIN/.prometheus.version"
fi
