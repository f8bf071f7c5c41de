package introspect_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/internal/testutil"
	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/introspect"
)

// An /events stream that opens and then goes silent (a hung handler, a
// proxy that buffers, a dropped path) while the JSON resources still
// answer used to leave Follow in stream mode forever, missing every event.
// The idle bound ends it and Follow polls.
func TestFollowSilentStream(t *testing.T) { bothStreams(t, testFollowSilentStream) }

func testFollowSilentStream(t *testing.T, dial streamDial) {
	testutil.NoLeaks(t)
	h := wire.NewHandler(newRegistry())
	defer h.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/events") {
			h.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, ": kit introspection protocol v1\nretry: 2000\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done() // and nothing more, not even a heartbeat
	}))
	defer srv.Close()
	c, _ := introspect.New(srv.URL, introspect.Options{StreamDial: dial, Interval: 20 * time.Millisecond, StreamIdle: 300 * time.Millisecond})
	rec := follow(t, c)
	rec.wait(t, "stream mode", mode(introspect.ModeStream))
	u := rec.wait(t, "poll mode after the stream went silent", mode(introspect.ModePoll))
	if !errors.Is(u.Err, introspect.ErrStreamIdle) {
		t.Fatalf("poll mode because of %v, want ErrStreamIdle", u.Err)
	}
}
