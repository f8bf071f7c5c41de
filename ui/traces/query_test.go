package traces_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui/traces"
)

func TestParseQueryRejectsWithAReason(t *testing.T) {
	for q, want := range map[string]string{
		"dur>abc":    "is not a duration",
		"dur<=":      "is not a duration",
		"dur>-5ms":   "is not a duration",
		"svc:":       "needs a name",
		"err op:":    "needs a name",
		"!instance:": "needs a name",
	} {
		_, err := traces.ParseQuery(q)
		if !errors.Is(err, traces.ErrQuery) || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseQuery(%q) = %v, want an ErrQuery saying %q", q, err, want)
		}
	}
	for _, q := range []string{"", "  ", "!", "svc:gateway op:GetBook err dur>50ms http.route=/v1/books/{id}", `op:"GET /books/{id}"`, "dur>=1.5s dur<2s", "dur<800µs"} {
		if _, err := traces.ParseQuery(q); err != nil {
			t.Errorf("ParseQuery(%q): %v", q, err)
		}
	}
}

// TestQueryMatch runs every kind of term over the fixed fleet: the retry
// trace (gateway → book-1 failed, book-2 served; 42 ms, error) and quick
// ListBooks traces on book-1 (1–7 ms).
func TestQueryMatch(t *testing.T) {
	all := hub.Join(fleetSpans(8))
	ids := func(q string) []string {
		t.Helper()
		p, err := traces.ParseQuery(q)
		if err != nil {
			t.Fatalf("ParseQuery(%q): %v", q, err)
		}
		var out []string
		for _, tr := range all {
			if p.Match(tr) {
				out = append(out, tr.ID)
			}
		}
		return out
	}
	retryOnly := []string{traceRetry}
	for q, want := range map[string]int{
		"":                          9,
		"svc:gateway":               1,
		"svc:GATE":                  1, // any case, substring
		"svc:bookstore":             9,
		"!svc:gateway":              8,
		"op:getbook":                1,
		"svc:gateway inst:book-2":   0, // one span must be both (the trace has each, on different spans)
		"svc:gateway inst:gw-1":     1,
		"svc:bookstore op:store.g":  1,
		"inst:book-2":               1,
		"inst:book-2 op:listbooks":  0,
		"err":                       1,
		"error":                     1,
		"!err":                      8,
		"dur>40ms":                  1,
		"dur>=42ms":                 1,
		"dur>42ms":                  0,
		"dur<=42ms dur>=42ms":       1,
		"dur<2ms":                   2, // 1 ms ListBooks (i=0 and i=7)
		"dur>3ms dur<5ms":           1,
		"rpc.method=GetBook":        1,
		"rpc.method=getbook":        1, // value in any case
		"RPC.METHOD=GetBook":        0, // the key is exact
		"!rpc.method=ListBooks":     1,
		"http.route=/v1/books/{id}": 9,
		"4bf92f35":                  1, // a word: the id
		"gateway":                   1, // a word: a service
		"store.get":                 1, // a word: a span name
		`op:"GET /books/{id}"`:      1, // quotes keep the space
		"nothing-like-this":         0,
		"svc:gateway err dur>10ms rpc.method=GetBook": 1,
	} {
		got := ids(q)
		if len(got) != want {
			t.Errorf("%q matched %d traces %v, want %d", q, len(got), got, want)
		}
		if want == 1 && strings.Contains(q, "gateway") && got[0] != retryOnly[0] {
			t.Errorf("%q matched %v, want the retry trace", q, got)
		}
	}
}
