package trip_test

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/colorprofile"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/styles"
	"github.com/kitbench/kitbench/ui/trip"
)

// x asks for the failures the view lists, from the instance that served
// them (an ejection breaker's is the ejected instance, of any endpoint),
// with the successes before them; the answer is shown, another view's is
// not.
func TestExportAsksForTheFailuresAndShowsTheFile(t *testing.T) {
	f1 := wire.BreakerFailure{Time: t0.Add(-2 * time.Second), Error: "503", TraceID: "aaaa0000aaaa0000aaaa0000aaaa0000"}
	f2 := wire.BreakerFailure{Time: t0.Add(-1 * time.Second), Error: "deadline exceeded"}
	f3 := wire.BreakerFailure{Time: t0.Add(9 * time.Second), Error: "503"}
	v := newView(opened(0, f1, f2), opened(10*time.Second, f3))
	_, cmd := v.Update(press("x"))
	req, ok := cmd().(ui.ExportMsg)
	if !ok {
		t.Fatalf("x gave %#v, want ui.ExportMsg", cmd())
	}
	if len(req.Parts) != 1 || req.For == "" || !strings.Contains(req.Name, "bookstore-3") {
		t.Fatalf("request %+v", req)
	}
	p := req.Parts[0]
	if p.Instance != (hub.Key{Service: "bookstore", InstanceID: "bookstore-3"}) || p.Endpoint != "" || p.Before != trip.ContrastCalls ||
		len(p.Failures) != 3 || p.Failures[0] != f1 || p.Failures[2] != f3 {
		t.Errorf("part %+v: want bookstore-3's three failures, any endpoint, %d successes before", p, trip.ContrastCalls)
	}
	if out := v.View(); !strings.Contains(out, "exporting the exchanges") {
		t.Errorf("no word that the export runs:\n%s", out)
	}

	v.Update(ui.ExportedMsg{For: "someone else", Path: ".kitbench/sessions/other.kitrec", Summary: "1 exchange"})
	if strings.Contains(v.View(), "other.kitrec") {
		t.Error("showed another view's export")
	}
	v.Update(ui.ExportedMsg{For: req.For, Path: ".kitbench/sessions/trip-bookstore-3.kitrec", Exchanges: 6,
		Summary: "6 exchanges (3 of 3 failures, 3 successful calls before them) from bookstore-3",
		Lines:   []string{"kitbench replay .kitbench/sessions/trip-bookstore-3.kitrec --target grpc://127.0.0.1:1", "go test -run TestIncident ./..."}})
	out := v.View()
	for _, want := range []string{"exported .kitbench/sessions/trip-bookstore-3.kitrec · 6 exchanges (3 of 3 failures",
		"kitbench replay .kitbench/sessions/trip-bookstore-3.kitrec --target grpc://127.0.0.1:1", "go test -run TestIncident", "Failing requests that tripped it"} {
		if !strings.Contains(out, want) {
			t.Errorf("view lacks %q:\n%s", want, out)
		}
	}
	v.Update(ui.ExportedMsg{For: req.For, Err: "no instance could be read: bookstore-3: connection refused"})
	if out := v.View(); !strings.Contains(out, "export: no instance could be read") || strings.Contains(out, "trip-bookstore-3.kitrec") {
		t.Errorf("a failed export is not shown as such:\n%s", out)
	}
}

// A kit breaker guards an endpoint of its own instance: "GetBook", or
// "bookstore.GetBook" on a gateway; with no failure there is nothing to
// export.
func TestExportOfAMethodBreaker(t *testing.T) {
	st := styles.New(colorprofile.NoTTY)
	f := wire.BreakerFailure{Time: t0, Error: "503"}
	for name, want := range map[string]string{"bookstore.GetBook": "GetBook", "GetBook": "GetBook", "/bookstore.v1.BookService/GetBook": "/bookstore.v1.BookService/GetBook"} {
		tr := wire.BreakerTransition{Name: name, From: wire.StateClosed, To: wire.StateOpen, Time: t0, Failures: []wire.BreakerFailure{f}}
		v := trip.New(&st, keys.Default(), trip.Breaker{Key: gw, Breaker: wire.Breaker{Name: name, State: wire.StateOpen}, Transitions: []wire.BreakerTransition{tr}}, t0)
		_, cmd := v.Update(press("x"))
		req := cmd().(ui.ExportMsg)
		if p := req.Parts[0]; p.Instance != gw || p.Endpoint != want {
			t.Errorf("%s: exports %s endpoint %q, want %s %q", name, p.Instance, p.Endpoint, gw, want)
		}
	}
	v := trip.New(&st, keys.Default(), trip.Breaker{Key: gw, Breaker: wire.Breaker{Name: "GetBook"}}, t0)
	_, cmd := v.Update(press("x"))
	if n, ok := cmd().(ui.NoticeMsg); !ok || n.Level != ui.Warn || !strings.Contains(n.Text, "nothing to export") {
		t.Errorf("x with no failures gave %#v", cmd())
	}
}
