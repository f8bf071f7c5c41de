#!/usr/bin/env bash
# bench/report.sh — regenerates docs/performance.md.
#
#   bench/report.sh                 # every benchmark, 6 runs each (about 20–30 minutes)
#   COUNT=3 BENCH=Chain bench/report.sh   # fewer runs, only benchmarks matching a regexp
#
# Runs the benchmarks of the main module and of this comparison module with
# -count, keeps the raw output in bench/results/ (ignored by git), and renders
# the medians and ratios with bench/cmd/perfreport. Run it on an otherwise idle
# machine; the report states the CPU it ran on.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${COUNT:-6}
bench=${BENCH:-.}
out=bench/results
mkdir -p "$out"

echo "report: main module benchmarks (-count $count)" >&2
go test -run '^$' -bench "$bench" -benchmem -count "$count" -timeout 60m ./... | tee "$out/main.txt" | grep -E '^(ok|FAIL|---)' >&2 || true
echo "report: comparison module benchmarks (-count $count)" >&2
(cd bench && go test -run '^$' -bench "$bench" -benchmem -count "$count" -timeout 60m ./...) | tee "$out/bench.txt" | grep -E '^(ok|FAIL|---)' >&2 || true
if grep -q '^FAIL' "$out/main.txt" "$out/bench.txt"; then
  echo "report: a benchmark failed; see $out/" >&2
  exit 1
fi
(cd bench && go run ./cmd/perfreport -o ../docs/performance.md "../$out/main.txt" "../$out/bench.txt")
echo "report: wrote docs/performance.md" >&2
