package capture_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/capture"
)

// countingBuffer is an io.Writer that counts Write calls.
type countingBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (c *countingBuffer) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes++
	return c.b.Write(p)
}

func (c *countingBuffer) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writes
}

func ping(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"path":%q}`, r.URL.Path)
}

func serve(h http.Handler, path string) {
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
}

// TestCaptureWritesInBatches: calls are recorded by the Capture's goroutine
// about every 10 ms, many in one write, and Close writes what waits.
func TestCaptureWritesInBatches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf countingBuffer
		w, err := recorder.NewWriter(&buf, recorder.Header{}, recorder.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		c := capture.New(w, capture.Options{Queue: 100})
		h := c.HTTP(http.HandlerFunc(ping))
		for i := range 3 {
			serve(h, fmt.Sprintf("/a/%d", i))
		}
		synctest.Wait()
		if n := buf.count(); n != 1 {
			t.Fatalf("%d writes at once, want the header only", n)
		}
		time.Sleep(10 * time.Millisecond)
		synctest.Wait()
		if n := buf.count(); n != 2 {
			t.Fatalf("%d writes after 10 ms, want the header and one batch", n)
		}
		serve(h, "/b")
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		serve(h, "/after-close") // served, not recorded
		s, err := recorder.Read(&buf.b, recorder.ReadOptions{})
		if err != nil || len(s.Errors) > 0 {
			t.Fatal(err, s.Errors)
		}
		var paths []string
		for _, ex := range s.Exchanges {
			paths = append(paths, ex.Request.Path)
		}
		if got := strings.Join(paths, " "); got != "/a/0 /a/1 /a/2 /b" {
			t.Errorf("recorded %s", got)
		}
		if c.Dropped() != 0 {
			t.Errorf("dropped %d", c.Dropped())
		}
	})
}

// slowSink blocks in Append until released.
type slowSink struct {
	release chan struct{}
	mu      sync.Mutex
	got     []string
}

func (s *slowSink) Append(ex recorder.Exchange) error {
	<-s.release
	s.mu.Lock()
	s.got = append(s.got, ex.Request.Path)
	s.mu.Unlock()
	return nil
}

// TestCaptureNeverBlocksACall: with the writer stuck, calls are served
// at once; past the queue's capacity they are dropped, counted and
// reported through OnError.
func TestCaptureNeverBlocksACall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &slowSink{release: make(chan struct{})}
		var reports []error
		c := capture.New(sink, capture.Options{Queue: 2, OnError: func(err error) { reports = append(reports, err) }})
		h := c.HTTP(http.HandlerFunc(ping))
		serve(h, "/1")
		synctest.Wait() // the writer holds /1, stuck in Append
		for i := 2; i <= 5; i++ {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", fmt.Sprintf("/%d", i), nil))
			if rec.Code != 200 || !strings.Contains(rec.Body.String(), fmt.Sprintf(`"/%d"`, i)) {
				t.Fatalf("call %d: %d %s", i, rec.Code, rec.Body.String())
			}
		}
		if d := c.Dropped(); d != 2 {
			t.Fatalf("Dropped() = %d, want 2 (queue of 2 full)", d)
		}
		close(sink.release)
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(sink.got, " "); got != "/1 /2 /3" {
			t.Errorf("recorded %s", got)
		}
		if len(reports) != 1 || !errors.Is(reports[0], recorder.ErrQueueFull) || !strings.Contains(reports[0].Error(), "2 calls") {
			t.Errorf("OnError got %v, want one report of 2 dropped calls", reports)
		}
	})
}

// TestCaptureUnderLoad: concurrent calls with bodies through a real
// server; every exchange on disk carries its own request and response
// (pooled buffers never cross calls), and the Capture's goroutine is gone
// after Close.
func TestCaptureUnderLoad(t *testing.T) {
	testutil.NoLeaks(t)
	path := filepath.Join(t.TempDir(), "load.kitrec")
	w, err := recorder.Create(path, recorder.Header{}, recorder.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := capture.New(w, capture.Options{Queue: 1024})
	echo := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rw.Header().Set("Content-Type", "application/json")
		rw.Header().Set("X-Echo", r.URL.Path)
		_, _ = rw.Write(b)
	})
	srv := httptest.NewServer(c.HTTP(echo))
	const workers, each = 8, 40
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				body := fmt.Sprintf(`{"g":%d,"i":%d,"pad":%q}`, g, i, strings.Repeat("x", (g*each+i)%300))
				resp, err := srv.Client().Post(fmt.Sprintf("%s/%d/%d", srv.URL, g, i), "application/json", strings.NewReader(body))
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	srv.Close()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := recorder.ReadFile(path, recorder.ReadOptions{})
	if err != nil || len(s.Errors) > 0 {
		t.Fatal(err, s.Errors)
	}
	if len(s.Exchanges)+int(c.Dropped()) != workers*each {
		t.Fatalf("%d exchanges + %d dropped, want %d", len(s.Exchanges), c.Dropped(), workers*each)
	}
	for _, ex := range s.Exchanges {
		var g, i int
		if _, err := fmt.Sscanf(ex.Request.Path, "/%d/%d", &g, &i); err != nil {
			t.Fatalf("path %q", ex.Request.Path)
		}
		want := fmt.Sprintf(`{"g":%d,"i":%d,`, g, i)
		if !bytes.HasPrefix(ex.Request.Body.Raw(), []byte(want)) || !bytes.Equal(ex.Request.Body.Raw(), ex.Response.Body.Raw()) ||
			ex.Response.Headers["X-Echo"][0] != ex.Request.Path {
			t.Fatalf("exchange %s mixes calls: request %s response %s headers %v", ex.Request.Path,
				ex.Request.Body.Raw(), ex.Response.Body.Raw(), ex.Response.Headers)
		}
	}
}
