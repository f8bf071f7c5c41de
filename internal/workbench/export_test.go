package workbench

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/examples/gateway"
	"github.com/kitbench/kitbench/kit/endpoint"
	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/transport"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/recorder"
)

const secret = "sekrit-export-7f3a"

// get sends one request to url with a secret in a header and a cookie,
// and traceparent when trace is set (sampled, so the services continue
// the trace), and returns the status.
func get(t *testing.T, method, url, body, trace string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("Cookie", "session="+secret)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if trace != "" {
		req.Header.Set("Traceparent", "00-"+trace+"-00f067aa0ba902b7-01")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// hubOf is inst as the dashboard's hub lists it.
func hubOf(service, id, admin, grpcAddr, httpAddr string) hub.Instance {
	return hub.Instance{Key: hub.Key{Service: service, InstanceID: id}, Admin: "http://" + admin, State: hub.StateUp,
		Meta: map[string]string{"kit_grpc": grpcAddr, "kit_http": httpAddr}}
}

// checkFile reads the exported session: mode 0600, no secret anywhere.
func checkFile(t *testing.T, dir string, res *Exported) *recorder.Session {
	t.Helper()
	path := filepath.Join(dir, res.Path)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", res.Path, fi.Mode().Perm())
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), secret) {
		t.Errorf("the exported session holds the secret:\n%s", raw)
	}
	s, err := recorder.ReadFile(path, recorder.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A trace that enters through the gateway (HTTP) and reaches a Book
// instance (gRPC) exports both calls, one from each instance's ring.
func TestExportTraceAcrossGatewayAndBook(t *testing.T) {
	b := book(t, bookstore.Config{InstanceID: "bookstore-1"})
	gw, err := gateway.Start(gateway.Config{Targets: []string{b.GRPCAddr}, InstanceID: "gateway-1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = gw.Shutdown(ctx)
	})
	const trace = "4bf92f3577b34da6a3ce929d0e0e4736"
	get(t, "GET", "http://"+gw.HTTPAddr+"/v1/books?page_size=2", "", "") // another call, not of the trace
	if code := get(t, "GET", "http://"+gw.HTTPAddr+"/v1/books?page_size=1", "", trace); code != http.StatusOK {
		t.Fatalf("the traced call through the gateway: %d", code)
	}
	fleet := []hub.Instance{
		hubOf("gateway", "gateway-1", gw.AdminAddr, gw.GRPCAddr, gw.HTTPAddr),
		hubOf("bookstore", "bookstore-1", b.AdminAddr, b.GRPCAddr, b.HTTPAddr),
	}
	dir := t.TempDir()
	res, err := Export(context.Background(), ExportOptions{Dir: dir, Name: "trace-4bf92f35", Fleet: fleet, Parts: []ExportPart{
		{Instance: fleet[0].Key, Trace: trace}, {Instance: fleet[1].Key, Trace: trace},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.Path, filepath.Join(SessionsDir, "trace-4bf92f35-")) || res.Total != 2 {
		t.Fatalf("exported %d exchanges to %s, want 2 in %s/trace-4bf92f35-…", res.Total, res.Path, SessionsDir)
	}
	s := checkFile(t, dir, res)
	if len(s.Exchanges) != 2 {
		t.Fatalf("the file holds %d exchanges, want 2", len(s.Exchanges))
	}
	first, second := s.Exchanges[0], s.Exchanges[1]
	if first.Instance != "gateway-1" || first.Transport != recorder.TransportHTTP || second.Instance != "bookstore-1" || second.Transport != recorder.TransportGRPC {
		t.Errorf("exchanges: %s over %s, then %s over %s; want the gateway's HTTP call, then the Book instance's gRPC call",
			first.Instance, first.Transport, second.Instance, second.Transport)
	}
	for _, ex := range s.Exchanges {
		if ex.TraceID != trace {
			t.Errorf("%s: trace %q, want %s", ex.ID, ex.TraceID, trace)
		}
	}
	if got := res.Summary(); got != "2 exchanges from gateway-1, bookstore-1" {
		t.Errorf("summary %q", got)
	}
	if len(res.Lines) == 0 || !strings.Contains(res.Lines[0], "kitbench replay "+res.Path+" --target http://"+gw.HTTPAddr) {
		t.Errorf("replay lines do not replay the gateway's call where it happened: %q", res.Lines)
	}
}

// A breaker's failures export as the failing requests — traced ones by
// trace id, untraced ones by the time the breaker noted them; neither
// another endpoint's failure nor a call rejected after the trip — with the
// last few successful calls of the breaker's endpoint (not another's)
// before them.
func TestExportTripFailuresAndSuccessesBefore(t *testing.T) {
	var failing atomic.Bool
	b := book(t, bookstore.Config{InstanceID: "bookstore-3", Middleware: func(_ string, next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			if failing.Load() {
				return nil, transport.NewError(503, "failing on purpose")
			}
			return next(ctx, req)
		}
	}})
	peer := book(t, bookstore.Config{InstanceID: "bookstore-1"})
	events, stop := b.Introspection.Subscribe(16)
	defer stop()

	base := "http://" + b.HTTPAddr
	if code := get(t, "POST", base+"/v1/books", `{"title":"Dune","author":"Frank Herbert","year":1965}`, ""); code != http.StatusOK {
		t.Fatalf("CreateBook: %d", code)
	}
	books := base + "/v1/books/0000000000000001"
	for range 4 {
		if code := get(t, "GET", books, "", ""); code != http.StatusOK {
			t.Fatalf("GetBook while healthy: %d", code)
		}
	}
	get(t, "GET", base+"/v1/books", "", "") // a success of another endpoint, just before
	failing.Store(true)
	get(t, "GET", base+"/v1/books", "", "") // a failure of another endpoint: not the breaker's
	traces := []string{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1", "", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa3", "", ""}
	for _, tr := range traces {
		if code := get(t, "GET", books, "", tr); code != http.StatusServiceUnavailable {
			t.Fatalf("GetBook while failing: %d", code)
		}
	}
	var trip *wire.BreakerTransition
	timeout := time.After(10 * time.Second)
	for trip == nil {
		select {
		case e := <-events:
			if e.Breaker != nil && e.Breaker.Name == "GetBook" && e.Breaker.To == wire.StateOpen {
				trip = e.Breaker
			}
		case <-timeout:
			t.Fatal("GetBook's breaker did not report opening")
		}
	}
	if len(trip.Failures) != 5 {
		t.Fatalf("the breaker reported %d failures, want 5", len(trip.Failures))
	}
	get(t, "GET", books, "", "") // rejected while open: a failure after the trip, not one of them

	fleet := []hub.Instance{
		hubOf("bookstore", "bookstore-1", peer.AdminAddr, peer.GRPCAddr, peer.HTTPAddr),
		hubOf("bookstore", "bookstore-3", b.AdminAddr, b.GRPCAddr, b.HTTPAddr),
	}
	dir := t.TempDir()
	res, err := Export(context.Background(), ExportOptions{Dir: dir, Name: "trip-bookstore-3-GetBook", Fleet: fleet, Parts: []ExportPart{
		{Instance: fleet[1].Key, Failures: trip.Failures, Endpoint: "GetBook", Before: 3},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Wanted != 5 || res.Failures != 5 || res.Successes != 3 || res.Total != 8 {
		t.Fatalf("found %d of %d failures and %d successes (%d exchanges), want 5 of 5, 3, 8", res.Failures, res.Wanted, res.Successes, res.Total)
	}
	s := checkFile(t, dir, res)
	var statuses []int
	var traced []string
	for _, ex := range s.Exchanges {
		if ex.Endpoint != "GetBook" {
			t.Errorf("%s is %s, not the breaker's endpoint", ex.ID, ex.Endpoint)
		}
		statuses = append(statuses, ex.Response.Status)
		if ex.TraceID != "" {
			traced = append(traced, ex.TraceID)
		}
	}
	if want := []int{200, 200, 200, 503, 503, 503, 503, 503}; !equalInts(statuses, want) {
		t.Errorf("statuses in time order %v, want %v", statuses, want)
	}
	if len(traced) != 2 || traced[0] != traces[0] || traced[1] != traces[2] {
		t.Errorf("traced failures %v, want %s and %s", traced, traces[0], traces[2])
	}
	if got := res.Summary(); got != "8 exchanges (5 of 5 failures, 3 successful calls before them) from bookstore-3" {
		t.Errorf("summary %q", got)
	}
	// The lines make healthy bookstore-1's answers the expected ones and
	// replay the file against bookstore-3.
	if len(res.Lines) < 2 || res.Lines[0] != "kitbench replay "+res.Path+" --target http://"+peer.HTTPAddr+" --update" ||
		res.Lines[1] != "kitbench replay "+res.Path+" --target http://"+b.HTTPAddr {
		t.Errorf("replay lines %q", res.Lines)
	}

	// A second export in the same second gets a name of its own.
	again, err := Export(context.Background(), ExportOptions{Dir: dir, Name: "trip-bookstore-3-GetBook", Fleet: fleet,
		Now: func() time.Time { return time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC) }, Parts: []ExportPart{
			{Instance: fleet[1].Key, Failures: trip.Failures, Endpoint: "GetBook"},
		}})
	if err != nil {
		t.Fatal(err)
	}
	third, err := Export(context.Background(), ExportOptions{Dir: dir, Name: "trip-bookstore-3-GetBook", Fleet: fleet,
		Now: func() time.Time { return time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC) }, Parts: []ExportPart{
			{Instance: fleet[1].Key, Failures: trip.Failures, Endpoint: "GetBook"},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if again.Path == third.Path || again.Total != 5 || third.Total != 5 {
		t.Errorf("two exports at one time: %s (%d), %s (%d)", again.Path, again.Total, third.Path, third.Total)
	}
}

// An instance the fleet does not hold, or whose ring has moved on, gives
// no file and says why.
func TestExportNothingToWrite(t *testing.T) {
	b := book(t, bookstore.Config{InstanceID: "bookstore-1"})
	fleet := []hub.Instance{hubOf("bookstore", "bookstore-1", b.AdminAddr, b.GRPCAddr, b.HTTPAddr)}
	dir := t.TempDir()
	_, err := Export(context.Background(), ExportOptions{Dir: dir, Fleet: fleet, Parts: []ExportPart{
		{Instance: hub.Key{Service: "bookstore", InstanceID: "bookstore-9"}, Trace: "4bf92f3577b34da6a3ce929d0e0e4736"},
	}})
	if err == nil || !strings.Contains(err.Error(), "bookstore-9 is not in the fleet") {
		t.Errorf("unknown instance: %v", err)
	}
	_, err = Export(context.Background(), ExportOptions{Dir: dir, Fleet: fleet, Parts: []ExportPart{
		{Instance: fleet[0].Key, Trace: "4bf92f3577b34da6a3ce929d0e0e4736"},
	}})
	if err == nil || !strings.Contains(err.Error(), "no file written") {
		t.Errorf("nothing matching: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, SessionsDir)); err == nil {
		if es, _ := os.ReadDir(filepath.Join(dir, SessionsDir)); len(es) > 0 {
			t.Errorf("files written: %v", es)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
