package scrape

import (
	"math"
	"slices"
	"testing"
	"time"
)

var inf = math.Inf(1)

func TestQuantile(t *testing.T) {
	for _, tc := range []struct {
		name   string
		q      float64
		bounds []float64
		counts []float64
		want   time.Duration
	}{
		{"interpolated in first bucket from zero", 0.5, []float64{0.1, 1, inf}, []float64{4, 4, 4}, 50 * time.Millisecond},
		{"exact bucket edge", 0.5, []float64{0.1, 1, inf}, []float64{5, 10, 10}, 100 * time.Millisecond},
		{"in +Inf bucket: largest finite bound", 0.99, []float64{0.1, 1, inf}, []float64{1, 2, 100}, time.Second},
		{"no observations", 0.5, []float64{0.1, 1, inf}, []float64{0, 0, 0}, 0},
		{"only +Inf", 0.5, []float64{inf}, []float64{3}, 0},
		{"non-positive first bound", 0.1, []float64{-1, 1, inf}, []float64{5, 10, 10}, 0},
		{"float counts", 0.25, []float64{1, 2, inf}, []float64{0.5, 1, 1}, 500 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := quantile(tc.q, histogram{tc.bounds, tc.counts, 0}); got != tc.want {
				t.Fatalf("quantile(%v) = %v, want %v", tc.q, got, tc.want)
			}
		})
	}
}

func TestDeltaAndMonotonic(t *testing.T) {
	before := histogram{[]float64{1, inf}, []float64{2, 3}, 0}
	now := histogram{[]float64{1, inf}, []float64{5, 9}, 0}
	if d := delta(before, now); !slices.Equal(d.counts, []float64{3, 6}) {
		t.Fatalf("delta %v, want [3 6]", d.counts)
	}
	relaid := histogram{[]float64{0.5, 1, inf}, []float64{1, 1, 1}, 0}
	if d := delta(before, relaid); !slices.Equal(d.counts, relaid.counts) {
		t.Fatalf("delta across a layout change %v, want the new histogram", d.counts)
	}
	reset := histogram{[]float64{1, inf}, []float64{1, 1}, 0}
	if d := delta(now, reset); !slices.Equal(d.counts, []float64{1, 1}) {
		t.Fatalf("delta across a reset %v, want the new histogram", d.counts)
	}
	racy := histogram{[]float64{1, 2, inf}, []float64{5, 4, 6}, 0}
	m := monotonic(racy)
	if !slices.Equal(m.counts, []float64{5, 5, 6}) || racy.counts[1] != 4 {
		t.Fatalf("monotonic %v (input now %v), want [5 5 6] and the input untouched", m.counts, racy.counts)
	}
}

func TestMergeLayouts(t *testing.T) {
	a := histogram{[]float64{1, inf}, []float64{2, 4}, 0}
	b := histogram{[]float64{0.5, 2, inf}, []float64{1, 3, 3}, 0}
	m := merge([]histogram{a, b})
	// Bounds 0.5 1 2 +Inf; a contributes 0 2 2 4, b 1 1 3 3.
	if !slices.Equal(m.bounds, []float64{0.5, 1, 2, inf}) || !slices.Equal(m.counts, []float64{1, 3, 5, 7}) {
		t.Fatalf("merge = %v %v", m.bounds, m.counts)
	}
	if m := merge(nil); quantile(0.5, m) != 0 {
		t.Fatal("merge of nothing has a quantile")
	}
}

func TestIsErrorCode(t *testing.T) {
	for code, want := range map[string]bool{
		"ok": false, "OK": false, "200": false, "204": false, "304": false, "2xx": false,
		"400": true, "404": true, "429": true, "499": true, "500": true, "503": true,
		"4xx": true, "5xx": true, "Unavailable": true, "": true,
	} {
		if got := IsErrorCode(code); got != want {
			t.Errorf("IsErrorCode(%q) = %v, want %v", code, got, want)
		}
	}
}

func TestLineCounterChunks(t *testing.T) {
	page := "# HELP a A.\n# TYPE a counter\na 1\n\n  \t# indented comment\n  b{x=\"#\"} 2\r\nc 3"
	var whole lineCounter
	whole.feed([]byte(page))
	if whole.n != 3 {
		t.Fatalf("counted %d sample lines, want 3", whole.n)
	}
	for size := 1; size < len(page); size++ {
		var c lineCounter
		for chunk := range slices.Chunk([]byte(page), size) {
			c.feed(chunk)
		}
		if c.n != 3 {
			t.Fatalf("chunks of %d: counted %d, want 3", size, c.n)
		}
	}
}
