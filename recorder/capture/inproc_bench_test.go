package capture_test

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/capture"
)

type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) WriteHeader(int)             {}
func (w *nopWriter) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkCaptureServeHTTP calls the Book router in process, bare and
// behind capture writing to a session file (through a Queue, and
// directly): the capture's own cost per request, without the network.
// The Queue's goroutine runs beside the loop, so its encoding and writing
// show in ns/op only when both cores are busy; the loopback benchmark
// counts all of the server's CPU.
func BenchmarkCaptureServeHTTP(b *testing.B) {
	for _, impl := range []string{"kit", "kit-capture", "kit-capture-sync"} {
		b.Run("impl="+impl, func(b *testing.B) {
			router := bookHandler()
			var h http.Handler = router
			if impl != "kit" {
				w, err := recorder.Create(filepath.Join(b.TempDir(), "b.kitrec"), recorder.Header{}, recorder.WriteOptions{})
				if err != nil {
					b.Fatal(err)
				}
				defer w.Close()
				var sink recorder.Appender = w
				if impl == "kit-capture" {
					q := recorder.NewQueue(w, recorder.QueueOptions{})
					defer q.Close()
					sink = q
				}
				h = capture.HTTP(sink, capture.Options{Service: "bookstore", Name: capture.Names(router.Endpoints())})(router)
			}
			r, err := http.NewRequest("GET", "http://127.0.0.1:8080/v1/books/0000000000000001", nil)
			if err != nil {
				b.Fatal(err)
			}
			r.Header.Set("User-Agent", "Go-http-client/1.1")
			r.Header.Set("Accept-Encoding", "gzip")
			w := &nopWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				h.ServeHTTP(w, r)
			}
		})
	}
}
