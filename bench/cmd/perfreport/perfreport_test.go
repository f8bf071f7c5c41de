package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sampleOutput = `goos: linux
goarch: amd64
pkg: example.com/x
cpu: Test CPU
BenchmarkServe/impl=kit-2   	 1000	      1100 ns/op	  300 server-ns/op	     120 B/op	       3 allocs/op
BenchmarkServe/impl=kit-2   	 1000	      1300 ns/op	  320 server-ns/op	     120 B/op	       3 allocs/op
BenchmarkServe/impl=kit-2   	 1000	      1200 ns/op	  310 server-ns/op	     120 B/op	       3 allocs/op
BenchmarkServe/impl=raw-2   	 1000	      1000 ns/op	  300 server-ns/op	     100 B/op	       2 allocs/op
BenchmarkServe/impl=raw-2   	 1000	      1000 ns/op	  300 server-ns/op	     100 B/op	       2 allocs/op
BenchmarkAlone-2            	 5000	       25 ns/op	       0 B/op	       0 allocs/op
BenchmarkPaired/impl=bare-2 	 1000	      1000 ns/op	  300 server-ns/op
BenchmarkPaired/impl=kit-2  	 1000	      1000 ns/op	  1.04 server-cpu-ratio	  330 server-ns/op
BenchmarkPaired/impl=kit-2  	 1000	      1000 ns/op	  1.07 server-cpu-ratio	  320 server-ns/op
BenchmarkPaired/impl=kit-2  	 1000	      1000 ns/op	  1.02 server-cpu-ratio	  310 server-ns/op
PASS
`

func TestRender(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "r.txt")
	if err := os.WriteFile(f, []byte(sampleOutput), 0o644); err != nil {
		t.Fatal(err)
	}
	set := newResultSet()
	if err := set.readFile(f); err != nil {
		t.Fatal(err)
	}
	saved := targets
	targets = []target{
		{pkgPart: "example.com/x", bench: "BenchmarkServe", impl: "kit", unit: "allocs/op", maxExtra: ptr(0), issue: "no extra allocations"},
		{pkgPart: "example.com/x", bench: "BenchmarkServe", impl: "kit", unit: "server-sec/op", maxRatio: 1.05, issue: "server CPU within 5 %"},
		{pkgPart: "example.com/x", bench: "BenchmarkAlone", unit: "sec/op", maxAbs: ptr(30e-9), issue: "alone ≤ 30 ns"},
		{pkgPart: "example.com/x", bench: "BenchmarkMissing", unit: "sec/op", maxAbs: ptr(1), issue: "absent"},
		{pkgPart: "example.com/x", bench: "BenchmarkPaired", impl: "kit", unit: "server-cpu-ratio", maxAbs: ptr(1.03), issue: "paired within 3 %"},
	}
	defer func() { targets = saved }()
	var sb strings.Builder
	render(&sb, set)
	out := sb.String()
	if strings.Contains(out, "absent") {
		t.Errorf("a target whose benchmark did not run is reported:\n%s", out)
	}
	for _, want := range []string{
		"### BenchmarkServe",
		"| kit | 3 | 1.20 µs | 1.20× | 310.0 ns | 1.03× | 120 B | 1.20× | 3 | 1.50× |", // medians, ratios to raw
		"| raw | 2 | 1.00 µs | 1.00× |",
		"| no extra allocations | `example.com/x` BenchmarkServe impl=kit, allocs/op | +1 vs raw | **missed** |",
		"| server CPU within 5 % | `example.com/x` BenchmarkServe impl=kit, server-sec/op | 1.033× raw | met |",
		"| alone ≤ 30 ns | `example.com/x` BenchmarkAlone, sec/op | 25.0 ns | met |",
		// A paired ratio is shown as measured, its median checked as is.
		"| kit | 3 | 1.00 µs | 1.00× | 320.0 ns | 1.07× | 1.040× |  |",
		"| paired within 3 % | `example.com/x` BenchmarkPaired impl=kit, server-cpu-ratio | 1.040× | **missed** |",
		"| BenchmarkAlone | 1 | 25.0 ns |",
		"Machine: linux/amd64, Test CPU.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q\n%s", want, out)
		}
	}
}

func TestCutImpl(t *testing.T) {
	rest, impl, ok := cutImpl("BenchmarkX/impl=gokit/size=3")
	if !ok || impl != "gokit" || rest != "BenchmarkX/size=3" {
		t.Fatalf("%q %q %v", rest, impl, ok)
	}
	if _, _, ok := cutImpl("BenchmarkX/size=3"); ok {
		t.Fatal("no impl reported as found")
	}
}

func TestReadMissingFile(t *testing.T) {
	if err := newResultSet().readFile(filepath.Join(t.TempDir(), "none.txt")); err == nil {
		t.Fatal("want error")
	}
}
