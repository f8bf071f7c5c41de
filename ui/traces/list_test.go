package traces_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/traces"
)

// arrive adds n traces newer than any before (ids "f…01", "f…02", …) to
// the source and tells the view, as the hub bridge would.
func (f *fixture) arrive(from, n int) []string {
	var ids []string
	var spans []hub.Span
	for i := from; i < from+n; i++ {
		id := fmt.Sprintf("f%031x", i)
		ids = append(ids, id)
		spans = append(spans, span(key("bookstore", "book-1"), id, "r"+id[28:], "", "GetBook", 10_000+float64(i), 2, "ok"))
	}
	f.src.spans = append(f.src.spans, spans...)
	f.send(spansArrived(spans))
	return ids
}

func (f *fixture) summary() string { return strings.Split(f.m.Render(), "\n")[1] }

// TestFollowModeShowsNewestAndCountsNew: the cursor rides the newest trace
// until it moves; then it holds its trace while new ones are counted, and
// g follows again.
func TestFollowModeShowsNewestAndCountsNew(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, colorprofile.NoTTY, 120, 30, fleetSpans(5))
		f.send(spansArrived(f.src.spans))
		if !f.v.Following() || !strings.Contains(f.summary(), "following newest") {
			t.Fatalf("a fresh list should follow:\n%s", f.m.Render())
		}
		ids := f.arrive(0, 2)
		if f.v.Selected() != ids[1] {
			t.Fatalf("following: selected %s, want the newest %s", f.v.Selected(), ids[1])
		}
		f.keys("j")
		held := f.v.Selected()
		if f.v.Following() || held != ids[0] || !strings.Contains(f.summary(), "paused") {
			t.Fatalf("after j: following=%v selected %s:\n%s", f.v.Following(), held, f.m.Render())
		}
		f.arrive(2, 3)
		if f.v.Selected() != held {
			t.Fatalf("paused: the cursor moved from %s to %s", held, f.v.Selected())
		}
		if s := f.summary(); !strings.Contains(s, "3 new") {
			t.Fatalf("paused: the summary should count 3 new traces: %q", s)
		}
		if r := f.m.Render(); !strings.Contains(lineOf(r, "> "), held) {
			t.Fatalf("the highlighted row is not the held trace:\n%s", r)
		}
		f.keys("g")
		newest := fmt.Sprintf("f%031x", 4)
		if !f.v.Following() || f.v.Selected() != newest || strings.Contains(f.summary(), "new ") {
			t.Fatalf("g should follow the newest again: following=%v selected %s, %q", f.v.Following(), f.v.Selected(), f.summary())
		}
		f.keys("s") // slowest first: follow means nothing there
		if f.v.Following() || !strings.Contains(f.summary(), "slowest first") {
			t.Fatalf("sorted by duration: %q", f.summary())
		}
	})
}

func lineOf(screen, prefix string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// TestSelectedTraceIsHeldAndPinned: the selected trace stays listed and
// selected while a flood of newer traces pushes it past the list's limit,
// the hub is asked to pin it, and enter opens that trace.
func TestSelectedTraceIsHeldAndPinned(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixtureOpts(t, colorprofile.NoTTY, 120, 30, fleetSpans(8), traces.Options{Limit: 5})
		f.send(spansArrived(f.src.spans))
		f.keys("j j")
		held := f.v.Selected()
		if held == "" || !slices.Equal(f.src.pinned(), []string{held}) {
			t.Fatalf("selected %q, pinned %v", held, f.src.pinned())
		}
		for i := range 10 {
			f.arrive(i*3, 3)
			if f.v.Selected() != held {
				t.Fatalf("after %d arrivals the selection moved from %s to %s", (i+1)*3, held, f.v.Selected())
			}
		}
		if f.v.Len() != 6 {
			t.Fatalf("%d traces listed, want the 5 newest and the selected one", f.v.Len())
		}
		if !slices.Equal(f.src.pinned(), []string{held}) {
			t.Fatalf("pinned %v, want [%s]", f.src.pinned(), held)
		}
		if s := f.summary(); !strings.Contains(s, "paused · 5+ new") {
			t.Fatalf("the list turned over: the summary should say 5+ new: %q", s)
		}
		f.keys("enter")
		if s := f.m.Render(); !strings.Contains(s, "trace "+held) {
			t.Fatalf("enter should open %s:\n%s", held, s)
		}
		f.keys("esc g")
		if got := f.src.pinned(); len(got) != 2 || got[1] != held {
			t.Fatalf("pinned %v: the trace opened last stays pinned beside the selection", got)
		}
	})
}

// TestTraceCommand: ':trace ID' opens a trace by its id or a unique
// prefix, in any case; an ambiguous or unknown prefix says so.
func TestTraceCommand(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, colorprofile.NoTTY, 120, 30, fleetSpans(8))
		f.send(spansArrived(f.src.spans))
		f.command("trace 4BF92F")
		if s := f.m.Render(); !strings.Contains(s, "trace "+traceRetry) || !strings.Contains(s, "6 spans") {
			t.Fatalf(":trace 4BF92F should open the retry trace:\n%s", s)
		}
		f.keys("esc")
		// The rest say so in a notice: asked of the view directly, since
		// the fixture's fake clock expires notices at once.
		for args, want := range map[string]string{
			"0000": "7 traces start with 0000",
			"ffff": "no trace held starts with ffff",
		} {
			if got := notices(f.v, ui.CommandMsg{Args: args}); !strings.Contains(got, want) {
				t.Errorf(":trace %s should say %q, said %q", args, want, got)
			}
		}
		f.command("traces 0123456789abcdef0123456789abcdef")
		if s := f.m.Render(); !strings.Contains(s, "is not in memory yet") {
			t.Errorf("an unknown full id should open its empty waterfall:\n%s", s)
		}
	})
}

// notices gives msg to v, runs what it asks for and feeds the answers back,
// and returns the text of the notices it shows.
func notices(v ui.View, msg tea.Msg) string {
	var out []string
	queue := []tea.Msg{msg}
	for len(queue) > 0 {
		m := queue[0]
		queue = queue[1:]
		if n, ok := m.(ui.NoticeMsg); ok {
			out = append(out, n.Text)
			continue
		}
		_, cmd := v.Update(m)
		queue = append(queue, results(cmd)...)
	}
	return strings.Join(out, "\n")
}

// command types a ':' command line.
func (f *fixture) command(line string) {
	f.send(press(":"))
	for _, r := range line {
		f.send(press(string(r)))
	}
	f.send(press("enter"))
}

// TestSearchInTheFilter: the query typed after '/' narrows the list, the
// summary says how many match, and a bad query says why and keeps the
// last good one.
func TestSearchInTheFilter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, colorprofile.NoTTY, 120, 30, fleetSpans(12))
		f.send(spansArrived(f.src.spans))
		f.filter("svc:gateway err dur>10ms")
		if f.v.Len() != 1 || !strings.Contains(f.summary(), "1/13 match /svc:gateway err dur>10ms") {
			t.Fatalf("search: %d rows:\n%s", f.v.Len(), f.m.Render())
		}
		f.keys("esc")
		f.filter("!err dur<3ms")
		if f.v.Len() != 4 { // ListBooks of 1 and 2 ms, i = 0, 1, 7, 8
			t.Fatalf("!err dur<3ms: %d rows:\n%s", f.v.Len(), f.m.Render())
		}
		f.send(ui.FilterMsg{Query: "!err dur<3ms dur>x"}) // as the root sends it
		if f.v.Len() != 4 || !strings.Contains(f.summary(), `"x" is not a duration`) {
			t.Fatalf("a bad term should keep the last search and say why:\n%s", f.m.Render())
		}
		f.keys("esc")
		if f.v.Len() != 13 {
			t.Fatalf("esc should clear the search: %d rows", f.v.Len())
		}
		// New spans while searching: the search applies to them too.
		f.filter("svc:gateway")
		f.arrive(0, 4)
		if f.v.Len() != 1 {
			t.Fatalf("arrivals that do not match were listed: %d rows", f.v.Len())
		}
	})
}

// filter types '/' and a query (spaces included) and accepts it.
func (f *fixture) filter(q string) {
	f.send(press("/"))
	for _, r := range q {
		f.send(press(string(r)))
	}
	f.send(press("enter"))
}

// TestListSearchesEverythingHeld: the search runs over every trace the
// source holds, not only the newest the list shows.
func TestListSearchesEverythingHeld(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixtureOpts(t, colorprofile.NoTTY, 120, 30, fleetSpans(20), traces.Options{Limit: 5})
		f.send(spansArrived(f.src.spans))
		if f.v.Len() != 5 {
			t.Fatalf("%d rows, want the limit", f.v.Len())
		}
		f.filter("svc:gateway") // the oldest trace
		if f.v.Len() != 1 {
			t.Fatalf("the search missed a trace past the limit: %d rows", f.v.Len())
		}
	})
}
