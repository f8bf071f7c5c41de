package main

import (
	"fmt"
	"strings"
)

// target is a bar an issue sets for one comparison: the implementation
// measured, the unit, and the most it may cost relative to the baseline
// (maxRatio) or in absolute extra units (maxExtra), whichever is set.
type target struct {
	bench    string // group name suffix, e.g. "BenchmarkServerCPU"
	pkgPart  string // substring of the package path
	impl     string
	unit     string
	maxRatio float64 // 0: not checked
	maxExtra float64 // used when maxRatio is 0
	against  string  // baseline impl; "" means the group's baseline
	why      string
}

// targets lists the bars the issues set. A bar whose benchmark is absent is
// not reported.
var targets = []target{}

func checkTargets(g *group) []string {
	var out []string
	for _, t := range targets {
		if !strings.Contains(g.pkg, t.pkgPart) || !strings.HasSuffix(g.name, t.bench) {
			continue
		}
		smp, ok := g.impls[t.impl]
		base := t.against
		if base == "" {
			base = g.baseline()
		}
		bs, ok2 := g.impls[base]
		if !ok || !ok2 {
			continue
		}
		v, ok1 := smp.median(t.unit)
		b, ok3 := bs.median(t.unit)
		if !ok1 || !ok3 {
			continue
		}
		var met bool
		var got string
		if t.maxRatio > 0 {
			r := v / b
			met = r <= t.maxRatio
			got = fmt.Sprintf("%.3f×", r)
		} else {
			met = v-b <= t.maxExtra
			got = fmt.Sprintf("%+.0f", v-b)
		}
		mark := "met"
		if !met {
			mark = "**missed**"
		}
		out = append(out, fmt.Sprintf("- Target (%s): %s %s vs %s: %s — %s.", t.why, t.impl, t.unit, base, got, mark))
	}
	if len(out) > 0 {
		out = append(out, "")
	}
	return out
}
