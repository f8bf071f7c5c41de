package main

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// procsSuffix is the -GOMAXPROCS suffix go test adds to benchmark names.
var procsSuffix = regexp.MustCompile(`-[0-9]+$`)

// sample is every run of one benchmark, by unit.
type sample struct {
	pkg, name string // name without the -GOMAXPROCS suffix
	values    map[string][]float64
}

// resultSet holds the samples and the machine description of the runs.
type resultSet struct {
	order   []string // keys in first-seen order
	samples map[string]*sample
	config  map[string]string // goos, goarch, cpu, …
}

func newResultSet() *resultSet {
	return &resultSet{samples: map[string]*sample{}, config: map[string]string{}}
}

func (s *resultSet) readFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	r := benchfmt.NewReader(f, name)
	for r.Scan() {
		res, ok := r.Result().(*benchfmt.Result)
		if !ok {
			continue // syntax errors and unit metadata
		}
		pkg := ""
		for _, c := range res.Config {
			switch c.Key {
			case "pkg":
				pkg = string(c.Value)
			case "goos", "goarch", "cpu":
				s.config[c.Key] = string(c.Value)
			}
		}
		full := "Benchmark" + procsSuffix.ReplaceAllString(string(res.Name.Full()), "")
		key := pkg + " " + full
		smp := s.samples[key]
		if smp == nil {
			smp = &sample{pkg: pkg, name: full, values: map[string][]float64{}}
			s.samples[key] = smp
			s.order = append(s.order, key)
		}
		for _, v := range res.Values {
			smp.values[v.Unit] = append(smp.values[v.Unit], v.Value)
		}
	}
	if err := r.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// median of the values of unit, and whether there were any.
func (smp *sample) median(unit string) (float64, bool) {
	vs := append([]float64(nil), smp.values[unit]...)
	if len(vs) == 0 {
		return 0, false
	}
	sort.Float64s(vs)
	if n := len(vs); n%2 == 1 {
		return vs[n/2], true
	} else {
		return (vs[n/2-1] + vs[n/2]) / 2, true
	}
}

func (smp *sample) runs() int { return len(smp.values["sec/op"]) }

// group is a comparison: the samples that differ only in their impl= part.
type group struct {
	pkg, name string             // name with impl=… removed
	impls     map[string]*sample // by impl value
	order     []string
}

// split separates comparisons from single benchmarks, keeping first-seen order.
func (s *resultSet) split() (groups []*group, singles []*sample) {
	byKey := map[string]*group{}
	for _, key := range s.order {
		smp := s.samples[key]
		rest, impl, ok := cutImpl(smp.name)
		if !ok {
			singles = append(singles, smp)
			continue
		}
		gk := smp.pkg + " " + rest
		g := byKey[gk]
		if g == nil {
			g = &group{pkg: smp.pkg, name: rest, impls: map[string]*sample{}}
			byKey[gk] = g
			groups = append(groups, g)
		}
		if _, dup := g.impls[impl]; !dup {
			g.order = append(g.order, impl)
		}
		g.impls[impl] = smp
	}
	return groups, singles
}

// cutImpl removes the impl=X element from a benchmark name.
func cutImpl(name string) (rest, impl string, ok bool) {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		if v, found := strings.CutPrefix(p, "impl="); found {
			rest := append(append([]string(nil), parts[:i]...), parts[i+1:]...)
			return strings.Join(rest, "/"), v, true
		}
	}
	return name, "", false
}

// baseline is the implementation the others are compared with.
func (g *group) baseline() string {
	for _, b := range []string{"raw", "bare", "gokit"} {
		if _, ok := g.impls[b]; ok {
			return b
		}
	}
	return g.order[0]
}
