package capture_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/capture"
	"github.com/kitbench/kitbench/recorder/redacttest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

// startBooks runs a Book instance (whose exchange ring is on by default)
// until the test ends.
func startBooks(t *testing.T) *bookstore.Instance {
	t.Helper()
	inst, err := bookstore.Start(bookstore.Config{InstanceID: "bookstore-t", RateLimit: 1e6, Burst: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = inst.Shutdown(ctx)
	})
	return inst
}

// exchanges GETs /exchanges from an admin listener with query q and reads
// the answer as a session, with the page's headers.
func exchanges(t *testing.T, admin, q string) (*recorder.Session, []byte, http.Header) {
	t.Helper()
	resp, err := http.Get("http://" + admin + introspect.PathPrefix + "/exchanges?" + q)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/exchanges?%s: %s: %s", q, resp.Status, raw)
	}
	if ct := resp.Header.Get("Content-Type"); ct != introspect.ExchangesContentType {
		t.Fatalf("content type %q", ct)
	}
	s, err := recorder.Read(bytes.NewReader(raw), recorder.ReadOptions{})
	if err != nil || len(s.Errors) > 0 {
		t.Fatalf("/exchanges?%s is no session: %v %v\n%s", q, err, s.Errors, raw)
	}
	return s, raw, resp.Header
}

func get(t *testing.T, url string, hdr ...string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// TestRingFiltersAndCursors serves Book calls over HTTP and gRPC and reads
// them back through the admin listener: the filters select what they
// say, and pages of a limit follow each other by cursor with nothing
// repeated or skipped.
func TestRingFiltersAndCursors(t *testing.T) {
	inst := startBooks(t)
	base := "http://" + inst.HTTPAddr
	const trace = "4bf92f3577b34da6a3ce929d0e0e4736"
	for i := range 12 {
		get(t, base+"/v1/books/"+strconv.Itoa(1000+i)) // 404s: client errors, not failures
	}
	get(t, base+"/v1/books", "Traceparent", "00-"+trace+"-00f067aa0ba902b7-01")
	mid := time.Now()
	cc, err := grpc.NewClient(inst.GRPCAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	created, err := bookpb.NewBookServiceClient(cc).CreateBook(context.Background(), &bookpb.CreateBookRequest{Book: &bookpb.Book{Title: "Ring", Author: "Ada", Year: 2026}})
	if err != nil {
		t.Fatal(err)
	}

	all, _, _ := exchanges(t, inst.AdminAddr, "limit=1000")
	if len(all.Exchanges) != 14 {
		t.Fatalf("%d exchanges, want 14", len(all.Exchanges))
	}
	g := all.Exchanges[13]
	if g.Transport != recorder.TransportGRPC || g.Endpoint != "CreateBook" || g.Instance != "bookstore-t" ||
		g.Response.Body == nil || !bytes.Contains(g.Response.Body.JSON, []byte(created.GetId())) {
		t.Errorf("gRPC exchange %+v: want CreateBook with the created book as JSON", g)
	}

	for q, want := range map[string]int{
		"endpoint=GetBook": 12,
		"endpoint=/bookstore.v1.BookService/CreateBook": 1,
		"trace=" + trace: 1,
		"failed=true":    0,
		"since=" + mid.UTC().Format(time.RFC3339Nano): 1,
		"until=" + mid.UTC().Format(time.RFC3339Nano): 13,
	} {
		if s, _, _ := exchanges(t, inst.AdminAddr, q); len(s.Exchanges) != want {
			t.Errorf("?%s: %d exchanges, want %d", q, len(s.Exchanges), want)
		}
	}

	seen := map[string]bool{}
	after, pages := "0", 0
	for {
		s, _, h := exchanges(t, inst.AdminAddr, "endpoint=GetBook&limit=5&after="+after)
		pages++
		for _, ex := range s.Exchanges {
			if seen[ex.ID] {
				t.Errorf("exchange %s on two pages", ex.ID)
			}
			seen[ex.ID] = true
		}
		after = h.Get(introspect.HeaderExchangesNext)
		if h.Get(introspect.HeaderExchangesMore) != "true" || pages > 10 {
			break
		}
	}
	if len(seen) != 12 || pages != 3 {
		t.Errorf("paging saw %d exchanges in %d pages, want 12 in 3", len(seen), pages)
	}
	if s, _, h := exchanges(t, inst.AdminAddr, "after="+after); len(s.Exchanges) != 0 || h.Get(introspect.HeaderExchangesNext) != after {
		t.Errorf("after the last page's cursor %s: %d exchanges, next %s; want none, and the same cursor", after, len(s.Exchanges), h.Get(introspect.HeaderExchangesNext))
	}
	if s, _, _ := exchanges(t, inst.AdminAddr, "after=12"); len(s.Exchanges) != 2 {
		t.Errorf("after cursor 12: %d exchanges, want the ListBooks and CreateBook calls", len(s.Exchanges))
	}
	for _, q := range []string{"limit=0", "after=x", "since=yesterday", "failed=maybe", "trace=xyz"} {
		resp, err := http.Get("http://" + inst.AdminAddr + introspect.PathPrefix + "/exchanges?" + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("?%s: %s, want 400", q, resp.Status)
		}
	}
}

// TestRingRedactionCorpus sends every case of the redaction corpus
// through a Ring — HTTP cases to a server that answers with the case too,
// metadata cases as gRPC metadata to the Book service — and reads
// /exchanges: no secret is in the answer, every non-secret is.
func TestRingRedactionCorpus(t *testing.T) {
	ring, err := capture.NewRing(capture.Options{Service: "redacttest"}, capture.RingOptions{Bytes: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	adminAddr := serveRingAdmin(t, ring, "redacttest")
	base := serveHTTP(t, ring.HTTP(redacttest.Handler()))
	httpCases := redacttest.Select(redacttest.Header, redacttest.Query, redacttest.JSON, redacttest.Form, redacttest.Text)
	for _, cs := range httpCases {
		req, err := cs.Request(base)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("case %s: %v", cs.Name, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	s, raw, _ := exchanges(t, adminAddr, "limit=1000")
	if len(s.Exchanges) != len(httpCases) {
		t.Fatalf("%d exchanges, want %d", len(s.Exchanges), len(httpCases))
	}
	text, err := redacttest.SessionText(raw)
	if err != nil {
		t.Fatal(err)
	}
	redacttest.Check(t, "/exchanges (HTTP)", text, httpCases)

	inst := startBooks(t)
	cc, err := grpc.NewClient(inst.GRPCAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	mdCases := redacttest.Select(redacttest.Metadata)
	for _, cs := range mdCases {
		ctx := metadata.AppendToOutgoingContext(context.Background(), cs.Key, cs.Value)
		_, _ = bookpb.NewBookServiceClient(cc).GetBook(ctx, &bookpb.GetBookRequest{Id: "missing"})
	}
	s, raw, _ = exchanges(t, inst.AdminAddr, "limit=1000")
	if len(s.Exchanges) != len(mdCases) {
		t.Fatalf("%d gRPC exchanges, want %d", len(s.Exchanges), len(mdCases))
	}
	redacttest.Check(t, "/exchanges (gRPC)", raw, mdCases)
}

// TestRingKeepsFailuresLonger: a failure stays readable after many more
// successes than the ring has slots.
func TestRingKeepsFailuresLonger(t *testing.T) {
	ring, err := capture.NewRing(capture.Options{}, capture.RingOptions{Size: 8, Failures: 2})
	if err != nil {
		t.Fatal(err)
	}
	base := serveHTTP(t, ring.HTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/boom" {
			http.Error(w, "down", http.StatusServiceUnavailable)
		}
	})))
	get(t, base+"/boom")
	for i := range 50 {
		get(t, fmt.Sprintf("%s/ok/%d", base, i))
	}
	var out bytes.Buffer
	page, err := ring.WriteExchanges(&out, introspect.ExchangeQuery{Failed: true})
	if err != nil {
		t.Fatal(err)
	}
	if page.Count != 1 || !strings.Contains(out.String(), `"path":"/boom"`) {
		t.Errorf("failed exchanges after 50 successes: %d, %s", page.Count, out.String())
	}
}

// serveRingAdmin serves ring's /exchanges on an admin listener of
// service until the test ends, and returns its address.
func serveRingAdmin(t *testing.T, ring *capture.Ring, service string) string {
	t.Helper()
	reg := introspect.NewRegistry(introspect.Info{Service: service})
	reg.SetExchanges(ring)
	h := introspect.NewHandler(reg)
	t.Cleanup(func() { h.Close() })
	admin, err := introspect.ListenAdmin("", h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	return admin.Addr()
}
