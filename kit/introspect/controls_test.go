package introspect_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kitbench/kitbench/kit/circuitbreaker"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/fault"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/ratelimit"
)

// fleet is one instance's controllable parts.
type fleet struct {
	reg     *introspect.Registry
	breaker *circuitbreaker.Breaker
	limiter *ratelimit.Limiter
	faults  *fault.Injector
	getBook endpoint.Endpoint
	drain   *countingDrainer
}

// countingDrainer stands for a registration: the drain tests of
// kit/instance drain a real one.
type countingDrainer struct {
	mu       sync.Mutex
	drained  bool
	drains   int
	undrains int
}

func (d *countingDrainer) Drain(context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.drained, d.drains = true, d.drains+1
	return nil
}

func (d *countingDrainer) Undrain(context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.drained, d.undrains = false, d.undrains+1
	return nil
}

func (d *countingDrainer) state() (bool, int, int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.drained, d.drains, d.undrains
}

func newFleet(t *testing.T) *fleet {
	t.Helper()
	f := &fleet{reg: introspect.NewRegistry(introspect.Info{Service: "books", InstanceID: "books-1"}), drain: &countingDrainer{}}
	var err error
	if f.breaker, err = circuitbreaker.New("books.GetBook", circuitbreaker.WithRegistry(f.reg)); err != nil {
		t.Fatal(err)
	}
	if f.limiter, err = ratelimit.NewErroring("books", 100, 10, ratelimit.WithRegistry(f.reg)); err != nil {
		t.Fatal(err)
	}
	f.faults = fault.New(fault.WithRegistry(f.reg))
	f.getBook = f.faults.Middleware("GetBook")(func(context.Context, any) (any, error) { return "book", nil })
	f.reg.SetDrainer(f.drain)
	return f
}

// serve serves f's registry on a loopback httptest server.
func serve(t *testing.T, f *fleet, opts ...introspect.HandlerOption) string {
	t.Helper()
	h := introspect.NewHandler(f.reg, opts...)
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); h.Close() })
	return srv.URL
}

type answer struct {
	status int
	body   []byte
	err    introspect.ErrorBody
}

func send(t *testing.T, method, url, body string, hdr ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode}
	a.body, _ = io.ReadAll(resp.Body)
	if a.status >= 400 {
		_ = json.Unmarshal(a.body, &a.err)
	}
	return a
}

const faultBody = `{"fault":{"error_rate":1},"ttl":"1m"}`

func TestControlsDisabledAre403(t *testing.T) {
	f := newFleet(t)
	base := serve(t, f) + introspect.ControlsPath
	a := send(t, "PUT", base+"/fault/GetBook", faultBody)
	if a.status != http.StatusForbidden || !strings.Contains(a.err.Error, "disabled") {
		t.Fatalf("PUT with controls disabled: %d %s; want 403 saying they are disabled", a.status, a.body)
	}
	if a := send(t, "DELETE", base, ""); a.status != http.StatusForbidden {
		t.Fatalf("DELETE all with controls disabled: %d", a.status)
	}
	a = send(t, "GET", base, "")
	var l introspect.ControlList
	if err := json.Unmarshal(a.body, &l); a.status != 200 || err != nil || l.Enabled || len(l.FaultEndpoints) != 1 {
		t.Fatalf("GET: %d %s; want 200, enabled false, the fault endpoint listed", a.status, a.body)
	}
	if _, err := f.getBook(context.Background(), nil); err != nil {
		t.Fatalf("a refused control took effect: %v", err)
	}
}

func TestControlsNeedTheToken(t *testing.T) {
	f := newFleet(t)
	base := serve(t, f, introspect.WithControls(introspect.ControlPolicy{}), introspect.WithBearerToken("s3cret")) + introspect.ControlsPath
	for _, hdr := range [][]string{nil, {"Authorization", "Bearer wrong"}} {
		if a := send(t, "PUT", base+"/fault/GetBook", faultBody, hdr...); a.status != http.StatusUnauthorized {
			t.Fatalf("token %v: status %d, want 401", hdr, a.status)
		}
	}
	if _, err := f.getBook(context.Background(), nil); err != nil {
		t.Fatalf("an unauthorized control took effect: %v", err)
	}
	if a := send(t, "PUT", base+"/fault/GetBook", faultBody, "Authorization", "Bearer s3cret"); a.status != 200 {
		t.Fatalf("with the token: %d %s", a.status, a.body)
	}
}

// TestControlsRefusedOffLoopback serves a request as net/http would
// from a listener on a non-loopback address. The request is built by
// hand because tests bind loopback only.
func TestControlsRefusedOffLoopback(t *testing.T) {
	for _, allow := range []bool{false, true} {
		f := newFleet(t)
		h := introspect.NewHandler(f.reg, introspect.WithControls(introspect.ControlPolicy{AllowNonLoopback: allow}))
		defer h.Close()
		req := httptest.NewRequest("PUT", "http://192.0.2.10:9090"+introspect.ControlsPath+"/fault/GetBook", strings.NewReader(faultBody))
		req.Header.Set("Content-Type", "application/json")
		req = req.WithContext(context.WithValue(req.Context(), http.LocalAddrContextKey, &net.TCPAddr{IP: net.ParseIP("192.0.2.10"), Port: 9090}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		want := http.StatusForbidden
		if allow {
			want = http.StatusOK
		}
		if rec.Code != want || (!allow && !strings.Contains(rec.Body.String(), "non-loopback")) {
			t.Fatalf("AllowNonLoopback %v: %d %s, want %d", allow, rec.Code, rec.Body, want)
		}
	}
}

func TestControlsBadRequests(t *testing.T) {
	f := newFleet(t)
	base := serve(t, f, introspect.WithControls(introspect.ControlPolicy{MaxTTL: 10 * time.Minute})) + introspect.ControlsPath
	for _, c := range []struct{ path, body, param string }{
		{"/fault/GetBook", `{"fault":{"error_rate":1},"ttl":"2h"}`, "ttl"},
		{"/fault/GetBook", `{"fault":{"error_rate":1},"ttl":"11m"}`, "ttl"},
		{"/fault/GetBook", `{"fault":{"error_rate":1},"ttl":60}`, "ttl"},
		{"/fault/GetBook", `{"fault":{"error_rate":1},"ttl":"-1m"}`, "ttl"},
		{"/fault/GetBook", `not json`, "body"},
		{"/fault/GetBook", `{"fault":{"error_rate":1},"colour":"red"}`, "colour"},
		{"/fault/GetBook", `{"ttl":"1m"}`, "fault"},
		{"/fault/GetBook", `{"fault":{}}`, "fault"},
		{"/fault/GetBook", `{"fault":{"error_rate":2}}`, "fault.error_rate"},
		{"/fault/GetBook", `{"fault":{"error_rate":"half"}}`, "fault.error_rate"},
		{"/fault/GetBook", `{"fault":{"latency":"fast"}}`, "fault.latency"},
		{"/fault/GetBook", `{"fault":{"latency":"2s","latency_max":"1s"}}`, "fault.latency_max"},
		{"/fault/GetBook", `{"fault":{"error_rate":1,"error_status":200}}`, "fault.error_status"},
		{"/fault/GetBook", `{"fault":{"abort_rate":1,"stream_after":-1}}`, "fault.stream_after"},
		{"/fault/GetBook", `{"fault":{"abort_rate":1,"retries":3}}`, "fault.retries"},
		{"/fault/GetBook", `{"fault":{"error_rate":1},"breaker":"open"}`, "breaker"},
		{"/breaker/books.GetBook", `{"breaker":"half-open"}`, "breaker"},
		{"/limiter/books", `{"limit":{"rate":0}}`, "limit.rate"},
		{"/limiter/books", `{"limit":{"rate":5,"burst":-1}}`, "limit.burst"},
		{"/limiter/books", `{"limit":[1]}`, "limit"},
	} {
		a := send(t, "PUT", base+c.path, c.body)
		if a.status != http.StatusBadRequest || a.err.Param != c.param {
			t.Errorf("PUT %s %s: %d param %q (%s); want 400 naming %q", c.path, c.body, a.status, a.err.Param, a.err.Error, c.param)
		}
	}
	req, _ := http.NewRequest("POST", base+"/fault/GetBook", strings.NewReader(faultBody))
	req.Header.Set("Content-Type", "text/plain") // what a cross-site form sends
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain body: %d, want 415", resp.StatusCode)
	}
	for _, c := range []struct{ method, path, body string }{
		{"PUT", "/fault/Nope", faultBody}, {"PUT", "/breaker/nope", `{"breaker":"open"}`},
		{"PUT", "/limiter/nope", `{"limit":{"rate":1}}`}, {"PUT", "/teleport/x", "{}"},
		{"DELETE", "/fault/GetBook", ""}, {"PUT", "/fault", faultBody}, {"PUT", "/drain/x", "{}"},
	} {
		if a := send(t, c.method, base+c.path, c.body); a.status != http.StatusNotFound {
			t.Errorf("%s %s: %d %s, want 404", c.method, c.path, a.status, a.body)
		}
	}
	if a := send(t, "GET", base+"/fault/GetBook", ""); a.status != http.StatusMethodNotAllowed {
		t.Errorf("GET one control: %d, want 405", a.status)
	}
	if _, err := f.getBook(context.Background(), nil); err != nil {
		t.Fatalf("a refused control took effect: %v", err)
	}
}

// TestControlsChangesAreEvents sets, clears and resets controls and reads
// each change from the /events stream, with who made it and until when.
func TestControlsChangesAreEvents(t *testing.T) {
	f := newFleet(t)
	base := serve(t, f, introspect.WithControls(introspect.ControlPolicy{}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+introspect.PathPrefix+"/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	lines.Scan() // the stream's opening comment: subscribed

	who := []string{introspect.ActorHeader, "alice via kitbench"}
	ctl := base + introspect.ControlsPath
	steps := []struct{ method, path, body, action string }{
		{"PUT", "/fault/GetBook", faultBody, introspect.ControlSet},
		{"DELETE", "/fault/GetBook", "", introspect.ControlCleared},
		{"PUT", "/breaker/books.GetBook", `{"breaker":"open","ttl":"30s"}`, introspect.ControlSet},
		{"POST", "/breaker/books.GetBook", `{"breaker":"reset"}`, introspect.ControlReset},
		{"PUT", "/limiter/books", `{"limit":{"rate":1,"burst":1}}`, introspect.ControlSet},
		{"PUT", "/drain", `{}`, introspect.ControlSet},
		{"DELETE", "", "", introspect.ControlCleared},
		{"", "", "", introspect.ControlCleared},
	}
	for _, s := range steps {
		if s.method != "" {
			if a := send(t, s.method, ctl+s.path, s.body, who...); a.status != 200 {
				t.Fatalf("%s %s: %d %s", s.method, s.path, a.status, a.body)
			}
		}
		ch := nextControl(t, lines)
		if ch.Action != s.action || ch.By != "alice via kitbench" || ch.From == "" {
			t.Fatalf("after %s %s: event %+v; want action %s by alice", s.method, s.path, ch, s.action)
		}
		if s.action == introspect.ControlSet && ch.Control.Until.Sub(ch.Control.SetAt) <= 0 {
			t.Fatalf("set event without an until: %+v", ch.Control)
		}
	}
	if drained, d, u := f.drain.state(); drained || d != 1 || u != 1 {
		t.Fatalf("drainer: drained %v, %d drains, %d undrains; want drained then undrained once", drained, d, u)
	}
}

// nextControl reads the stream up to the next control event.
func nextControl(t *testing.T, lines *bufio.Scanner) introspect.ControlChange {
	t.Helper()
	for lines.Scan() {
		data, ok := strings.CutPrefix(lines.Text(), "data: ")
		if !ok {
			continue
		}
		var e introspect.Event
		if err := json.Unmarshal([]byte(data), &e); err != nil {
			t.Fatal(err)
		}
		if e.Type == introspect.EventControl {
			return *e.Control
		}
	}
	t.Fatalf("the event stream ended: %v", lines.Err())
	return introspect.ControlChange{}
}

// serveLocal serves one request on h as net/http would from 127.0.0.1.
// The TTL tests run in a synctest bubble, where time cannot advance while
// a goroutine waits on a real socket, so they call the handler directly.
func serveLocal(h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "http://127.0.0.1:9090"+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req = req.WithContext(context.WithValue(req.Context(), http.LocalAddrContextKey, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9090}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestControlsExpire sets one control of each kind and checks that each
// holds until its TTL and then reverts by itself, with an event.
func TestControlsExpire(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFleet(t)
		h := introspect.NewHandler(f.reg, introspect.WithControls(introspect.ControlPolicy{}))
		defer h.Close()
		events, stop := f.reg.Subscribe(64)
		defer stop()
		ctl := introspect.ControlsPath
		start := time.Now()
		for _, c := range []struct{ path, body string }{
			{"/fault/GetBook", `{"fault":{"error_rate":1},"ttl":"1m"}`},
			{"/breaker/books.GetBook", `{"breaker":"open","ttl":"2m"}`},
			{"/limiter/books", `{"limit":{"rate":1,"burst":2},"ttl":"3m"}`},
			{"/drain", `{"ttl":"4m"}`},
		} {
			if rec := serveLocal(h, "PUT", ctl+c.path, c.body); rec.Code != 200 {
				t.Fatalf("PUT %s: %d %s", c.path, rec.Code, rec.Body)
			}
		}
		faulty := func() bool { _, err := f.getBook(context.Background(), nil); return err != nil }
		forced := func() bool { return f.breaker.BreakerInfo().Forced }
		limited := func() bool { return f.limiter.LimiterInfo().Rate == 1 }
		drained := func() bool { d, _, _ := f.drain.state(); return d }
		checks := []func() bool{faulty, forced, limited, drained}
		for i := range checks {
			ttl := time.Duration(i+1) * time.Minute
			time.Sleep(time.Until(start.Add(ttl - time.Second)))
			for j, c := range checks {
				if want := j >= i; c() != want {
					t.Fatalf("%v after the start: control %d in force %v, want %v", ttl-time.Second, j, !want, want)
				}
			}
			time.Sleep(time.Until(start.Add(ttl + time.Second)))
			synctest.Wait()
			if checks[i]() {
				t.Fatalf("control %d still in force past its TTL", i)
			}
		}
		if got := f.breaker.BreakerInfo(); got.State != introspect.StateClosed || got.Forced {
			t.Fatalf("breaker after its control expired: %s forced %v; want closed, its policy's", got.State, got.Forced)
		}
		if got := f.limiter.LimiterInfo(); got.Rate != 100 || got.Burst != 10 {
			t.Fatalf("limiter after its control expired: rate %v burst %d; want 100, 10", got.Rate, got.Burst)
		}
		if rec := serveLocal(h, "GET", ctl, ""); !strings.Contains(rec.Body.String(), `"controls":[]`) {
			t.Fatalf("controls still listed: %s", rec.Body)
		}
		expired := 0
		for len(events) > 0 {
			if e := <-events; e.Type == introspect.EventControl && e.Control.Action == introspect.ControlExpired {
				expired++
			}
		}
		if expired != 4 {
			t.Fatalf("%d expiry events, want 4", expired)
		}
	})
}

func TestControlsInInfoAndCloseReverts(t *testing.T) {
	f := newFleet(t)
	h := introspect.NewHandler(f.reg, introspect.WithControls(introspect.ControlPolicy{}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	if a := send(t, "PUT", srv.URL+introspect.ControlsPath+"/fault/GetBook", faultBody); a.status != 200 {
		t.Fatalf("PUT: %d %s", a.status, a.body)
	}
	var info introspect.Info
	a := send(t, "GET", srv.URL+introspect.PathPrefix+"/info", "")
	if err := json.Unmarshal(a.body, &info); err != nil || len(info.Controls) != 1 || info.Controls[0].Target != "GetBook" {
		t.Fatalf("info controls: %s", a.body)
	}
	h.Close()
	if _, err := f.getBook(context.Background(), nil); err != nil {
		t.Fatalf("the fault outlived the handler's Close: %v", err)
	}
	if a := send(t, "PUT", srv.URL+introspect.ControlsPath+"/fault/GetBook", faultBody); a.status != http.StatusServiceUnavailable {
		t.Fatalf("PUT after Close: %d, want 503", a.status)
	}
}
