package capture_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/internal/benchutil"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/capture"
)

func TestMain(m *testing.M) { benchutil.Main(m) }

// The capture comparison serves the Book service's HTTP router in a child
// process, bare (impl=kit) and behind capture writing every exchange to a
// session file with default redaction (impl=kit-capture). The router has
// no middleware chain, so the overhead is measured against the cheapest
// kit service there is; against bookstore.Start's full chain it is smaller.
// impl=kit-capture writes through a recorder.Queue; impl=kit-capture-sync
// makes one write(2) per request on the request's goroutine.
func init() {
	benchutil.Register("book-kit", func(ln net.Listener) error {
		return kithttp.NewHTTPServer("", bookHandler()).Serve(ln)
	})
	benchutil.Register("book-kit-capture", func(ln net.Listener) error { return serveCapture(ln, true) })
	benchutil.Register("book-kit-capture-sync", func(ln net.Listener) error { return serveCapture(ln, false) })
}

// serveCapture serves the router behind capture, through a Queue (the
// configuration for busy services) or straight into the Writer.
func serveCapture(ln net.Listener, queued bool) error {
	f, err := os.CreateTemp("", "capture-bench-*.kitrec")
	if err != nil {
		return err
	}
	f.Close()
	w, err := recorder.Create(f.Name(), recorder.Header{Service: "bookstore"}, recorder.WriteOptions{})
	os.Remove(f.Name()) // the open file stays writable; nothing is left behind
	if err != nil {
		return err
	}
	var sink recorder.Appender = w
	if queued {
		sink = recorder.NewQueue(w, recorder.QueueOptions{})
	}
	router := bookHandler()
	h := capture.HTTP(sink, capture.Options{Service: "bookstore", Name: capture.Names(router.Endpoints())})(router)
	return kithttp.NewHTTPServer("", h).Serve(ln)
}

func bookHandler() *kithttp.Router {
	store := bookstore.NewStore()
	_, _ = store.CreateBook(context.Background(), bookstore.Book{Title: "Bench", Author: "Mark", Year: 2026})
	return bookstore.NewHTTPHandler(bookstore.MakeEndpoints(store))
}

// BenchmarkCaptureServerCPU reports the Book service's CPU per GetBook
// over loopback HTTP (server-ns/op), b.N requests over 4 keep-alive
// connections, with and without capture.
func BenchmarkCaptureServerCPU(b *testing.B) {
	for _, impl := range []string{"kit", "kit-capture", "kit-capture-sync"} {
		b.Run("impl="+impl, func(b *testing.B) {
			child := benchutil.StartChild(b, "book-"+impl)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
			defer client.CloseIdleConnections()
			url := "http://" + child.Addr + "/v1/books/0000000000000001"
			get := func(int) error {
				resp, err := client.Get(url)
				if err != nil {
					return err
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					return fmt.Errorf("GetBook: %s", resp.Status)
				}
				return nil
			}
			if err := waitServing(get); err != nil {
				b.Fatal(err)
			}
			if err := benchutil.Spread(1000, 4, get); err != nil { // warm up both processes
				b.Fatal(err)
			}
			b.ReportAllocs()
			benchutil.ReportServerCPU(b, child, func() {
				if err := benchutil.Spread(b.N, 4, get); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

func waitServing(get func(int) error) error {
	var err error
	for range 100 {
		if err = get(0); err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return err
}
