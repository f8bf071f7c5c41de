package recorder_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/recorder"
)

// TestUpdateKeepsHistory records two failing exchanges, updates them from
// a healthy handler over loopback, and checks that the file now expects
// the healthy responses, keeps the failing ones as history (redacted,
// with when and by what), is mode 0600, and replays clean against the
// healthy target and not against the failing one.
func TestUpdateKeepsHistory(t *testing.T) {
	failing := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "session=s3cr3t-cookie")
		http.Error(w, `{"error":"down"}`, http.StatusServiceUnavailable)
	}))
	healthy := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"1","title":"Dune"}`)
	}))
	path := filepath.Join(t.TempDir(), "incident.kitrec")
	w, err := recorder.Create(path, recorder.Header{Service: "books"}, recorder.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/v1/books/1", "/v1/books/1?again=1"} {
		ex := recorder.Exchange{Transport: recorder.TransportHTTP, Instance: "books-3", Request: recorder.Request{Method: "GET", Path: p}}
		got, err := recorder.HTTPTarget(failing, nil).Do(context.Background(), &ex)
		if err != nil {
			t.Fatal(err)
		}
		ex.Response = *got
		if err := w.Append(ex); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := recorder.ReadFile(path, recorder.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rp, err := recorder.NewReplayer(recorder.HTTPTarget(healthy, nil), recorder.ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	when := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	rep, err := rp.Update(context.Background(), s, healthy, when)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed != 2 {
		t.Errorf("the update's report: %d differ, want both (503 then, 200 now)", rep.Failed)
	}
	// A past response is written redacted like the current one, even one
	// that was put there unredacted (a hand-edited file).
	s.Exchanges[0].History[0].Response.Headers = map[string][]string{"Set-Cookie": {"session=s3cr3t-cookie"}}
	if err := recorder.WriteSessionFile(path, s, recorder.Redaction{}); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("updated file: %v, mode %v; want 0600", err, st.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	if contains(raw, "s3cr3t-cookie") {
		t.Errorf("the history kept a secret:\n%s", raw)
	}
	again, err := recorder.ReadFile(path, recorder.ReadOptions{})
	if err != nil || len(again.Exchanges) != 2 {
		t.Fatalf("updated file: %v, %d exchanges", err, len(again.Exchanges))
	}
	for _, ex := range again.Exchanges {
		if ex.Response.Status != 200 || len(ex.History) != 1 {
			t.Fatalf("exchange %s: status %d, %d past responses; want 200 and the 503 kept", ex.ID, ex.Response.Status, len(ex.History))
		}
		h := ex.History[0]
		if h.Response.Status != 503 || !h.Replaced.Equal(when) || h.ReplacedBy != healthy || h.Instance != "books-3" {
			t.Errorf("history %+v: want the 503 from books-3, replaced at %v by %s", h, when, healthy)
		}
	}
	for target, wantFailed := range map[string]int{healthy: 0, failing: 2} {
		rp, _ := recorder.NewReplayer(recorder.HTTPTarget(target, nil), recorder.ReplayOptions{})
		rep, err := rp.Replay(context.Background(), again)
		if err != nil || rep.Failed != wantFailed {
			t.Errorf("replay against %s: %v, %d failed; want %d", target, err, rep.Failed, wantFailed)
		}
	}
}

// TestUpdateLeavesSessionWhenNoResponse: one exchange that gets no
// response leaves every exchange as it was.
func TestUpdateLeavesSessionWhenNoResponse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now: connection refused
	s := &recorder.Session{Exchanges: []recorder.Exchange{{ID: "a", Transport: recorder.TransportHTTP,
		Request: recorder.Request{Method: "GET", Path: "/"}, Response: recorder.Response{Status: 503}}}}
	rp, _ := recorder.NewReplayer(recorder.HTTPTarget(dead, nil), recorder.ReplayOptions{Timeout: 5 * time.Second})
	_, err = rp.Update(context.Background(), s, dead, time.Now())
	if !errors.Is(err, recorder.ErrUpdate) {
		t.Fatalf("err %v, want ErrUpdate", err)
	}
	if s.Exchanges[0].Response.Status != 503 || s.Exchanges[0].History != nil {
		t.Errorf("exchange changed: %+v", s.Exchanges[0])
	}
}

func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }
