package capture_test

import (
	"net/http"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/capture"
)

type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) WriteHeader(int)             {}
func (w *nopWriter) Write(p []byte) (int, error) { return len(p), nil }

// processCPU is the process's CPU time (every goroutine's, the Capture's
// writer included) in nanoseconds.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkCaptureServeHTTP calls the Book router in process, bare and
// behind capture writing to a session file (through a Capture, and on
// the request's goroutine): the capture's cost per request, without the
// network. The Capture's goroutine runs beside the loop, so its encoding
// and writing show in ns/op only when both cores are busy; the loopback
// benchmarks count all of the server's CPU. cpu-ns/op is the process's
// CPU time per request, the writer's included; run with -cpu 1 for a
// figure that other load on the machine does not change.
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
				opts := capture.Options{Service: "bookstore", Name: capture.Names(router.Endpoints())}
				if impl == "kit-capture" {
					c := capture.New(w, opts)
					defer c.Close()
					h = c.HTTP(router)
				} else {
					h = capture.HTTP(w, opts)(router)
				}
			}
			r, err := http.NewRequest("GET", "http://127.0.0.1:8080/v1/books/0000000000000001", nil)
			if err != nil {
				b.Fatal(err)
			}
			r.Header.Set("User-Agent", "Go-http-client/1.1")
			r.Header.Set("Accept-Encoding", "gzip")
			w := &nopWriter{h: http.Header{}}
			b.ReportAllocs()
			cpu0 := processCPU()
			for b.Loop() {
				clear(w.h)
				h.ServeHTTP(w, r)
			}
			b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}
