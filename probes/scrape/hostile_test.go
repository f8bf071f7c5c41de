package scrape

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/internal/testutil"
	"go.uber.org/goleak"
)

// TestScrapeBadPages: every bad answer is an error that names the URL
// and what was wrong, never a panic.
func TestScrapeBadPages(t *testing.T) {
	protoCT := "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
	huge := binary.AppendUvarint(nil, 1<<40) // a length prefix of 1 TiB
	for _, tc := range []struct {
		name, ct string
		status   int
		body     string
		want     error
		msg      string
	}{
		{"garbage text", "text/plain; version=0.0.4", 200, "hello world {{{\n\x00\xff", ErrParse, "line 1"},
		{"bad second line", "text/plain", 200, "ok_metric 1\nbad{ 2\n", ErrParse, "line 2"},
		{"html", "text/html; charset=utf-8", 200, "<html>login</html>", ErrContentType, `"text/html; charset=utf-8"`},
		{"json", "application/json", 200, `{"a":1}`, ErrContentType, "application/json"},
		{"status", "text/plain", 503, "down", ErrStatus, "503"},
		{"garbage protobuf", protoCT, 200, "\x05\xff\xff\xff\xff\xff", ErrParse, "message 1"},
		{"huge length prefix", protoCT, 200, string(huge) + "abc", ErrParse, "runs past the end"},
		{"truncated protobuf", protoCT, 200, "\x80", ErrParse, "length prefix"},
		{"openmetrics without EOF", "application/openmetrics-text; version=1.0.0; charset=utf-8", 200, "a 1\n", ErrParse, "EOF"},
		// net/http itself refuses the header; any error will do, as long
		// as it prints the escape quoted.
		{"escape in content type", "text/\x1b[31mevil", 200, "", nil, `\x1b`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", tc.ct)
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			s := New()
			defer s.Close()
			snap, err := s.Scrape(context.Background(), url)
			if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Scrape = %v, %v; want %v", snap, err, tc.want)
			}
			msg := err.Error()
			if !strings.Contains(msg, url) || !strings.Contains(msg, tc.msg) {
				t.Fatalf("error %q should name %s and %q", msg, url, tc.msg)
			}
			if strings.ContainsRune(msg, 0x1b) {
				t.Fatalf("error %q carries a raw escape", msg)
			}
		})
	}
}

// TestScrapeCanceled: a target that never answers is bounded by the
// context (and by the Scraper's timeout, which is a context too).
func TestScrapeCanceled(t *testing.T) {
	entered := make(chan struct{})
	url := serve(t, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		close(entered)
		<-r.Context().Done()
	}))
	s := New()
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-entered; cancel() }()
	_, err := s.Scrape(ctx, url)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), url) {
		t.Fatalf("Scrape = %v, want context.Canceled naming %s", err, url)
	}
	s.Close()
}

// TestScrapeHugePage serves a 50 MB page, generated lazily: the scrape
// fails with ErrTooLarge and allocates about the 16 MiB limit, not the
// page. A page that declares its size fails before reading a byte.
func TestScrapeHugePage(t *testing.T) {
	const pageSize = 50 << 20
	line := []byte(`padding_metric{pad="` + strings.Repeat("x", 1000) + `"} 1` + "\n")
	for _, tc := range []struct {
		name     string
		declared bool
		maxAlloc uint64
	}{
		{"chunked", false, DefaultMaxBytes + 8<<20},
		{"Content-Length", true, 1 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/plain; version=0.0.4")
				if tc.declared {
					w.Header().Set("Content-Length", strconv.Itoa(pageSize/len(line)*len(line)))
				}
				for range pageSize / len(line) {
					if _, err := w.Write(line); err != nil {
						return // the client gave up
					}
				}
			}))
			s := New()
			defer s.Close()
			var err error
			alloc := allocated(func() { _, err = s.Scrape(context.Background(), url) })
			if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), url) {
				t.Fatalf("Scrape = %v, want ErrTooLarge naming %s", err, url)
			}
			t.Logf("%v; allocated %.1f MiB", err, float64(alloc)/(1<<20))
			if alloc > tc.maxAlloc {
				t.Fatalf("allocated %d bytes for a %d-byte page, want at most %d", alloc, pageSize, tc.maxAlloc)
			}
		})
	}
}

// seriesPage renders n gauge series of one family.
func seriesPage(n int) []byte {
	var b bytes.Buffer
	b.WriteString("# HELP many_series A family with many series.\n# TYPE many_series gauge\n")
	for i := range n {
		fmt.Fprintf(&b, "many_series{id=\"%d\",zone=\"z%d\"} %d\n", i, i%7, i)
	}
	return b.Bytes()
}

// TestScrapeManySeries: 100 000 series fit the default limits and are
// parsed; a Scraper with a lower series limit refuses the page while it
// arrives, before parsing it.
func TestScrapeManySeries(t *testing.T) {
	page := seriesPage(100_000)
	url := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		_, _ = w.Write(page)
	}))

	s := New()
	defer s.Close()
	var (
		snap *Snapshot
		err  error
	)
	alloc := allocated(func() { snap, err = s.Scrape(context.Background(), url) })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d series, %.1f MiB page, %.1f MiB allocated", snap.Series, float64(len(page))/(1<<20), float64(alloc)/(1<<20))
	if alloc > 32*uint64(len(page)) {
		t.Fatalf("parsing a %d-byte page allocated %d bytes", len(page), alloc)
	}
	if snap.Series != 100_000 || len(snap.Family("many_series").GetMetric()) != 100_000 {
		t.Fatalf("series %d, want 100000", snap.Series)
	}
	if st := Derive(nil, snap); st.Kit {
		t.Fatal("a page without kit metrics reported as kit")
	}

	low := New(WithMaxSeries(50_000))
	defer low.Close()
	lowAlloc := allocated(func() { _, err = low.Scrape(context.Background(), url) })
	if !errors.Is(err, ErrTooManySeries) || !strings.Contains(err.Error(), "50000") {
		t.Fatalf("Scrape = %v, want ErrTooManySeries naming the limit", err)
	}
	if lowAlloc > uint64(len(page)) {
		t.Fatalf("refusing the page allocated %d bytes, more than the page (%d): it was parsed", lowAlloc, len(page))
	}
}

// TestScrapeSeriesLimitProtobuf: the limit holds for protobuf pages,
// which are counted family by family as they are decoded.
func TestScrapeSeriesLimitProtobuf(t *testing.T) {
	k := newKitMetrics(t)
	for i := range 100 {
		k.calls(fmt.Sprintf("E%d", i), "http", "ok", 1, 0.01) // 1 + 8 series each
	}
	s := New(WithMaxSeries(500))
	defer s.Close()
	_, err := s.Scrape(context.Background(), serveRegistry(t, k.reg))
	if !errors.Is(err, ErrTooManySeries) {
		t.Fatalf("Scrape = %v, want ErrTooManySeries", err)
	}
}

// TestScrapeEscapesKeptAsData: label values with terminal escape
// sequences are data; they come back byte for byte, in the families and
// in the kit figures. Display code strips them (see the package doc).
func TestScrapeEscapesKeptAsData(t *testing.T) {
	evil := "\x1b[2J\x1b]0;pwned\x07\x1b[31mred"
	k := newKitMetrics(t)
	k.calls(evil, "http", "ok", 1, 0.01)
	for _, tc := range []struct {
		name string
		url  string
	}{
		{"protobuf", serveRegistry(t, k.reg)},
		{"text", serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain; version=0.0.4")
			fmt.Fprintf(w, "kit_requests_total{endpoint=\"%s\",transport=\"http\",code=\"ok\"} 1\n", evil)
		}))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New()
			defer s.Close()
			snap, err := s.Scrape(context.Background(), tc.url)
			if err != nil {
				t.Fatal(err)
			}
			if got := label(snap.Family("kit_requests_total").GetMetric()[0], "endpoint"); got != evil {
				t.Fatalf("label %q, want %q", got, evil)
			}
			if st := Derive(nil, snap); len(st.Endpoints) != 1 || st.Endpoints[0].Endpoint != evil {
				t.Fatalf("endpoints %+v, want the escape sequence kept", st.Endpoints)
			}
		})
	}
}

// TestScraperGoroutines: scrapes and Close leave no goroutine behind.
func TestScraperGoroutines(t *testing.T) {
	base := goleak.IgnoreCurrent()
	func() {
		k := newKitMetrics(t)
		k.calls("GetBook", "http", "ok", 1, 0.01)
		srv := serveRegistry(t, k.reg)
		s := New()
		defer s.Close()
		for range 5 {
			if _, err := s.Scrape(context.Background(), srv); err != nil {
				t.Fatal(err)
			}
		}
	}()
	// The test server is still up (closed at cleanup), so its accepted
	// connections must be gone: Close dropped the client side.
	testutil.VerifyNone(t, base, goleak.IgnoreAnyFunction("net/http/httptest.(*Server).goServe.func1"))
}
