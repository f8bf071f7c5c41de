package workbench

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/invoke"
)

// TestReplayFile records 25 calls and a damaged line, then replays the
// file: the damaged line is reported before anything is sent, progress
// comes every tenth exchange and at the end, and each way the replay can
// end gives its exit status.
func TestReplayFile(t *testing.T) {
	inst := book(t, bookstore.Config{InstanceID: "book-1"})
	path := filepath.Join(t.TempDir(), "s.kitrec")
	rec, err := AppendTo(path, "test")
	if err != nil {
		t.Fatal(err)
	}
	c := NewCaller(CallerOptions{})
	ctx := context.Background()
	for range 25 {
		call, err := c.Call(ctx, "bookstore", []sd.Instance{registered(inst)}, invoke.Request{Method: "bookstore.ListBooks", Body: []byte(`{"page_size":1}`)})
		if err != nil {
			t.Fatal(err)
		}
		if err := rec.Record(call); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString("not json\n")
	f.Close()

	var events []string
	var progress []int
	r, err := Replay(ctx, path, ReplayOptions{
		Unreadable: func(err error) { events = append(events, "unreadable "+err.Error()) },
		Progress: func(done, total int) {
			if len(events) == 1 {
				events = append(events, "progress")
			}
			progress = append(progress, done, total)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 || !strings.HasPrefix(events[0], "unreadable line 27") || events[1] != "progress" {
		t.Errorf("events %q: want the unreadable line 27 reported, then progress", events)
	}
	if want := []int{10, 25, 20, 25, 25, 25}; !slices.Equal(progress, want) {
		t.Errorf("progress %v, want %v", progress, want)
	}
	if err := r.Verdict(ctx); r.Report.Passed != 25 || code(err) != ExitUsage || !strings.Contains(err.Error(), "1 unreadable lines") {
		t.Errorf("passed %d, verdict %v (exit %d)", r.Report.Passed, err, code(err))
	}

	r, err = Replay(ctx, path, ReplayOptions{Targets: []string{"grpc://" + closedAddr(t)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Verdict(ctx); code(err) != ExitUnreachable {
		t.Errorf("a closed target: %v (exit %d)", err, code(err))
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if r, err = Replay(cctx, path, ReplayOptions{}); err == nil {
		err = r.Verdict(cctx)
	}
	if code(err) != ExitInterrupted || !strings.Contains(err.Error(), "interrupted (context canceled)") {
		t.Errorf("a cancelled replay: %v (exit %d)", err, code(err))
	}
}

func TestParseHeaders(t *testing.T) {
	h, err := ParseHeaders([]string{"Authorization: Bearer x", " x-id :  7 ", "X-Id: 8"})
	if err != nil || h.Get("Authorization") != "Bearer x" || !slices.Equal(h.Values("X-Id"), []string{"7", "8"}) {
		t.Errorf("%v %v", h, err)
	}
	for _, bad := range []string{"no colon", ": no name"} {
		if _, err := ParseHeaders([]string{bad}); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
