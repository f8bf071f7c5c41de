package sessions_test

import (
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/charmbracelet/colorprofile"

	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/sessions"
)

// refusingStore makes the fixture's store refuse the first exchange
// (CreateBook) unless writes are allowed, as the workbench does.
func refusingStore(f *fixture) {
	f.store.report = func(_ string, _ sessions.Target, w sessions.Writes) *sessions.Report {
		switch w {
		case sessions.WritesRefused:
			return &sessions.Report{Failed: 1, Skipped: 2, Refused: []string{"#1 CreateBook (not marked idempotency_level = NO_SIDE_EFFECTS)"},
				Results: []sessions.Result{{Index: 0, Refused: true}, {Index: 1, Skipped: "not sent"}, {Index: 2, Skipped: "not sent"}}}
		case sessions.WritesSkipped:
			return &sessions.Report{Passed: 2, Skipped: 1, Results: []sessions.Result{
				{Index: 0, Skipped: "unsafe: not marked idempotency_level = NO_SIDE_EFFECTS"},
				{Index: 1, OK: true, Status: "OK", Duration: time.Millisecond}, {Index: 2, OK: true, Status: "NOT_FOUND", Duration: time.Millisecond}}}
		}
		return &sessions.Report{Passed: 3, Results: []sessions.Result{{Index: 0, OK: true, Status: "OK", TraceID: "0af7651916cd43dd8448eb211c80319c", RecordedTraceID: "4bf92f3577b34da6a3ce929d0e0e4736"}, {Index: 1, OK: true, Status: "OK"}, {Index: 2, OK: true, Status: "NOT_FOUND"}}}
	}
}

// TestReplayAsksBeforeWrites checks that a replay the store refuses
// becomes a question naming the unsafe exchange, that y replays with
// writes allowed, s with only the safe ones, and any other key (esc
// included) cancels without sending anything or leaving the session.
func TestReplayAsksBeforeWrites(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, colorprofile.NoTTY, 120, 30)
		refusingStore(f)
		f.keys("enter r")
		s := f.m.Render()
		for _, want := range []string{"send writes?", "Replay against as recorded? 1 of 3 exchanges may change data (nothing has been sent):",
			"#1 CreateBook (not marked idempotency_level = NO_SIDE_EFFECTS)", "y sends them too · s replays only the safe ones · any other key cancels"} {
			if !strings.Contains(s, want) {
				t.Errorf("the question lacks %q:\n%s", want, s)
			}
		}
		if strings.Contains(s, "refused") || strings.Contains(s, "pass") {
			t.Errorf("a refusal is a question, not a result:\n%s", s)
		}
		f.keys("y")
		if !slices.Equal(f.store.writes, []sessions.Writes{sessions.WritesRefused, sessions.WritesAllowed}) {
			t.Fatalf("writes asked for: %v", f.store.writes)
		}
		if s := f.m.Render(); !strings.Contains(s, "3 passed, 0 failed") || strings.Contains(s, "send writes?") ||
			!strings.Contains(s, "replayed in trace 0af7651916cd43dd8448eb211c80319c (recorded 4bf92f3577b34da6a3ce929d0e0e4736)") {
			t.Errorf("y should replay with writes:\n%s", s)
		}

		f.keys("r s")
		if got := f.store.writes[len(f.store.writes)-1]; got != sessions.WritesSkipped {
			t.Fatalf("s asked for %v", got)
		}
		if s := f.m.Render(); !strings.Contains(s, "2 passed, 0 failed, 1 skipped") || !strings.Contains(s, "skip") ||
			!strings.Contains(s, "– not replayed: unsafe: not marked") {
			t.Errorf("s should replay only the safe ones:\n%s", s)
		}

		for _, k := range []string{"x", "esc", "q"} {
			before := len(f.store.writes)
			f.keys("r " + k)
			if len(f.store.writes) != before+1 {
				t.Fatalf("%s: %d replays asked for, want only the refused one", k, len(f.store.writes)-before)
			}
			s := f.m.Render()
			if n := f.notice(); n.Text != "replay cancelled: nothing was sent" || n.Level != ui.Info {
				t.Errorf("%s: notice %+v", k, n)
			}
			if strings.Contains(s, "send writes?") || !strings.Contains(s, "books_grpc.kitrec · bookstore") {
				t.Errorf("%s should cancel and stay in the session:\n%s", k, s)
			}
		}
	})
}

// TestTargetChangeClearsTheResult checks that i shows the new target in
// the title and the TARGET column and drops the previous target's result.
func TestTargetChangeClearsTheResult(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, colorprofile.NoTTY, 120, 30)
		f.keys("enter r")
		if s := f.m.Render(); !strings.Contains(s, "2 passed, 1 failed") || !strings.Contains(s, "127.0.0.1:9090") {
			t.Fatalf("replay as recorded:\n%s", s)
		}
		f.keys("i")
		s := f.m.Render()
		if !strings.Contains(s, "replay → book-1") || !strings.Contains(s, "127.0.0.1:9001") || strings.Contains(s, "127.0.0.1:9090") {
			t.Errorf("the view should show the new target:\n%s", s)
		}
		for _, stale := range []string{"passed", "diff", "replay differs", "replay matches"} {
			if strings.Contains(s, stale) {
				t.Errorf("the previous target's result %q is still shown:\n%s", stale, s)
			}
		}
	})
}
