// Command perfreport renders docs/performance.md from `go test -bench`
// output. It is run by bench/report.sh; never edit its output by hand.
//
// Every benchmark is summarised by the median of its runs (-count N). A
// benchmark whose sub-benchmarks are named impl=… is a comparison: its table
// gives each implementation's figures and their ratio to the baseline (raw,
// else bare, else gokit), and the targets the issues set are checked against
// those ratios.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	out := flag.String("o", "", "write the report to this file (default: standard output)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: perfreport [-o FILE] RESULTS.txt...\n\nRenders the performance report from go test -bench output files.\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	set := newResultSet()
	for _, name := range flag.Args() {
		if err := set.readFile(name); err != nil {
			fmt.Fprintf(os.Stderr, "perfreport: %v\n", err)
			os.Exit(1)
		}
	}
	var w io.Writer = os.Stdout
	var sb strings.Builder
	if *out != "" {
		w = &sb
	}
	render(w, set)
	if *out != "" {
		if err := os.WriteFile(*out, []byte(sb.String()), 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "perfreport: %v\n", err)
			os.Exit(1)
		}
	}
}
