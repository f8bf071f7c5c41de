package capture_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/capture"
	"github.com/kitbench/kitbench/recorder/internal/booktest"
	"github.com/kitbench/kitbench/recorder/redacttest"
	"google.golang.org/grpc/metadata"
)

// TestRedactionCorpusCapture sends every case of the redaction corpus
// over loopback: HTTP cases to a server that answers with the case too,
// behind capture (through a Capture, and on the calls' goroutines), and
// metadata cases as gRPC metadata to the Book service behind capture's
// interceptor. The recorded file holds no secret and every non-secret.
func TestRedactionCorpusCapture(t *testing.T) {
	for _, mode := range []string{"capture", "sync"} {
		t.Run(mode, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "corpus.kitrec")
			w, err := recorder.Create(path, recorder.Header{Service: "redacttest"}, recorder.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var h http.Handler
			var c *capture.Capture
			if mode == "sync" {
				h = capture.HTTP(w, capture.Options{})(redacttest.Handler())
			} else {
				c = capture.New(w, capture.Options{})
				h = c.HTTP(redacttest.Handler())
			}
			base := serveHTTP(t, h)
			client := &http.Client{Transport: &http.Transport{}}
			defer client.CloseIdleConnections()
			httpCases := redacttest.Select(redacttest.Header, redacttest.Query, redacttest.JSON, redacttest.Form, redacttest.Text)
			for _, cs := range httpCases {
				req, err := cs.Request(base)
				if err != nil {
					t.Fatal(err)
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatalf("case %s: %v", cs.Name, err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}

			srv := booktest.Start(t, w, capture.Options{Service: "bookstore"}, nil, mode == "sync")
			gc := bookpb.NewBookServiceClient(srv.Conn)
			mdCases := redacttest.Select(redacttest.Metadata)
			for _, cs := range mdCases {
				ctx := metadata.AppendToOutgoingContext(context.Background(), cs.Key, cs.Value)
				_, _ = gc.GetBook(ctx, &bookpb.GetBookRequest{Id: "missing"}) // NOT_FOUND is recorded too
			}

			for _, cc := range []*capture.Capture{c, srv.Capture} {
				if cc != nil {
					if err := cc.Close(); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			s, err := recorder.ReadFile(path, recorder.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if n, want := len(s.Exchanges), len(httpCases)+len(mdCases); n != want {
				t.Fatalf("%d exchanges recorded, want %d", n, want)
			}
			text, err := redacttest.SessionText(raw)
			if err != nil {
				t.Fatal(err)
			}
			redacttest.Check(t, "captured file", text, append(httpCases, mdCases...))
		})
	}
}

// serveHTTP serves h on a loopback listener until the test ends and
// returns its base URL.
func serveHTTP(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: h}
	done := make(chan struct{})
	go func() { _ = hs.Serve(ln); close(done) }()
	t.Cleanup(func() { _ = hs.Close(); <-done })
	return "http://" + ln.Addr().String()
}
