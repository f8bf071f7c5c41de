#!/usr/bin/env bash
# bench/report.sh — regenerates docs/performance.md.
#
#   bench/report.sh                 # every benchmark, 6 runs each (about 50 minutes)
#   COUNT=3 BENCH=Chain bench/report.sh   # fewer runs, only benchmarks matching a regexp
#   COUNT=3 BENCH=x CPUBENCH=BookServerCPU bench/report.sh   # one server-CPU benchmark
#
# The server-CPU benchmarks (names matching $CPUBENCH, "ServerCPU" by default
# when BENCH is not set) run apart, with a fixed $CPU_N requests (100000x)
# per run instead of the second that -benchtime gives the others (about
# 20 000 requests), so that each paired ratio rests on more requests. The
# runs still differ with the machine's load: read the spread of a ratio in
# bench/results/ before trusting its median to a percent.
#
# Runs the benchmarks of the main module and of this comparison module with
# -count, keeps the raw output in bench/results/ (ignored by git), and renders
# the medians and ratios with bench/cmd/perfreport. Run it on an otherwise idle
# machine; the report states the CPU it ran on.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${COUNT:-6}
bench=${BENCH:-.}
if [ -z "${BENCH:-}" ]; then
  cpu=${CPUBENCH-ServerCPU}
else
  cpu=${CPUBENCH-}
fi
cpu_n=${CPU_N:-100000x}
out=bench/results
mkdir -p "$out"

# run DIR FILE: both kinds of benchmark of the module in DIR, into FILE.
run() {
  (
    cd "$1"
    echo "report: $1 benchmarks (-count $count)" >&2
    go test -run '^$' -bench "$bench" ${cpu:+-skip "$cpu"} -benchmem -count "$count" -timeout 60m ./...
    if [ -n "$cpu" ]; then
      echo "report: $1 server-CPU benchmarks (-count $count -benchtime $cpu_n)" >&2
      go test -run '^$' -bench "$cpu" -benchtime "$cpu_n" -benchmem -count "$count" -timeout 60m ./...
    fi
  ) | tee "$2" | grep -E '^(ok|FAIL|---)' >&2 || true
}
run . "$out/main.txt"
run bench "$out/bench.txt"
if grep -q '^FAIL' "$out/main.txt" "$out/bench.txt"; then
  echo "report: a benchmark failed; see $out/" >&2
  exit 1
fi
(cd bench && go run ./cmd/perfreport -o ../docs/performance.md "../$out/main.txt" "../$out/bench.txt")
echo "report: wrote docs/performance.md" >&2
