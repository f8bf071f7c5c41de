package traces_test

import (
	"fmt"
	"testing"

	"github.com/charmbracelet/colorprofile"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui/traces"
)

// manySpans is 10 000 spans in 2 000 traces of five spans each.
func manySpans() []hub.Span {
	k := key("bookstore", "book-1")
	var out []hub.Span
	for i := range 2000 {
		id := fmt.Sprintf("%032x", i+1)
		out = append(out, span(k, id, "r", "", "GetBook", float64(i), 5, "ok"))
		for j := range 4 {
			out = append(out, span(k, id, fmt.Sprint("c", j), "r", "store.Get", float64(i)+float64(j), 1, "ok"))
		}
	}
	return out
}

// BenchmarkView renders the list (500 traces held) and a waterfall at
// 160×48, as the root draws a frame.
func BenchmarkView(b *testing.B) {
	for _, keys := range []string{"", "enter"} {
		name := map[string]string{"": "list", "enter": "waterfall"}[keys]
		b.Run(name, func(b *testing.B) {
			f := newFixture(b, colorprofile.TrueColor, 160, 48, manySpans())
			f.send(spansArrived(f.src.spans[:1]))
			f.keys("j " + keys)
			b.ReportAllocs()
			for b.Loop() {
				_ = f.m.Render()
			}
		})
	}
}

// BenchmarkSearch is the work of one search, done in a command off the
// update loop: a query of every kind of term over the 2 000 traces of
// 10 000 spans the hub would hold.
func BenchmarkSearch(b *testing.B) {
	all := hub.Join(manySpans())
	q, err := traces.ParseQuery("svc:book op:store !err dur>4ms dur<1s rpc.method=store.Get")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, t := range all {
			if q.Match(t) {
				n++
			}
		}
		if n == 0 {
			b.Fatal("no match")
		}
	}
}
