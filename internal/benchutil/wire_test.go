package benchutil

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestWireRoundTrips(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.URL.Path != "/echo" || r.Method != "POST" {
			http.Error(w, "wrong route", http.StatusNotFound)
			return
		}
		_, _ = w.Write(b)
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	c := DialWire(t, addr, "/echo", `{"a":1}`)
	for range 3 { // keep-alive: the same connection serves every call
		if err := c.RoundTrip(); err != nil {
			t.Fatal(err)
		}
	}
	if err := DialWire(t, addr, "/nope", `{}`).RoundTrip(); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("a 404 was not an error: %v", err)
	}
}
