package call_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/call"
)

func ids(in []hub.Instance) []string {
	var out []string
	for _, i := range in {
		out = append(out, i.InstanceID)
	}
	return out
}

func TestMethodsFromTheHubWithFuzzyFilter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, colorprofile.NoTTY, 120, 30)
		screen := f.m.Render()
		for _, want := range []string{"bookstore.CreateBook", "bookstore.GetBook  ", "both", "bookstore.ListBooks", "gateway.GetBook"} {
			if !strings.Contains(screen, want) {
				t.Errorf("method list lacks %q:\n%s", want, screen)
			}
		}
		f.keys("/ type:bkls enter")
		lines := strings.Split(f.m.Render(), "\n")
		if !strings.HasPrefix(lines[2], "> bookstore.ListBooks") {
			t.Fatalf("fuzzy bkls should put ListBooks first under the cursor:\n%s", strings.Join(lines[:6], "\n"))
		}
		f.keys("esc / type:!bookstore enter")
		if s := f.m.Render(); strings.Contains(s, "bookstore.") || !strings.Contains(s, "gateway.GetBook") {
			t.Fatalf("!bookstore leaves the gateway only:\n%s", s)
		}
		f.keys("esc")
		f.send(hub.InstanceGone{Key: hub.Key{Service: "gateway", InstanceID: "gw-1"}})
		if strings.Contains(f.m.Render(), "gateway.GetBook") {
			t.Error("a gone instance's methods should leave the list")
		}
	})
}

// TestEditSendAndOpenTrace walks the main path: open a method (its example
// fills the editor), edit it with keys the root would otherwise take, send,
// read the response, open its trace; the call lands in the history.
func TestEditSendAndOpenTrace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, colorprofile.NoTTY, 120, 30)
		f.keys("j j enter") // bookstore.ListBooks
		if !f.v.CapturesKeys() {
			t.Fatal("enter should start editing")
		}
		s := f.m.Render()
		if !strings.Contains(s, `"page_size": 10,`) || !strings.Contains(s, "bookstore.ListBooks → balanced") {
			t.Fatalf("the example should fill the editor:\n%s", s)
		}
		// Replace 10 by 2: go to the end of line 2, delete "10,", type; q
		// and : must not quit or open the command line while editing.
		f.keys("down end backspace backspace backspace type:2, esc")
		if f.v.CapturesKeys() {
			t.Fatal("esc should stop editing")
		}
		f.keys("e end type::q esc") // typed into the body, then removed by the test below
		if !strings.Contains(f.m.Render(), `"page_size": 2,:q`) {
			t.Fatalf(":q should have been typed into the body:\n%s", f.m.Render())
		}
		f.keys("e backspace backspace esc ctrl+s")
		if len(f.caller.calls) != 1 {
			t.Fatalf("%d calls, want 1", len(f.caller.calls))
		}
		req := f.caller.calls[0]
		if req.Service != "bookstore" || req.Method != "ListBooks" || req.Instance != "" {
			t.Errorf("request %+v", req)
		}
		if got := string(req.Body); got != "{\n  \"page_size\": 2,\n  \"page_token\": \"\"\n}" {
			t.Errorf("body %q", got)
		}
		if got := ids(req.Instances); !slices.Equal(got, []string{"book-1", "book-2", "book-3"}) {
			t.Errorf("balanced candidates %v: healthy first, the critical one last", got)
		}
		s = f.m.Render()
		for _, want := range []string{"✓ OK · 3.2ms · book-1", "trace 4bf92f3577b34da6a3ce929d0e0e4736 (t opens it)", `"title": "Dune"`} {
			if !strings.Contains(s, want) {
				t.Errorf("response lacks %q:\n%s", want, s)
			}
		}
		f.keys("t")
		if m, ok := f.lastOf(func(m any) bool { _, ok := m.(ui.OpenTraceMsg); return ok }).(ui.OpenTraceMsg); !ok || m.TraceID != "4bf92f3577b34da6a3ce929d0e0e4736" {
			t.Errorf("t should ask for the trace, got %#v", f.msgs)
		}
		if len(f.hist.entries) != 1 || f.hist.entries[0].Method != "ListBooks" || !f.hist.entries[0].OK {
			t.Errorf("history %+v", f.hist.entries)
		}
		f.keys("ctrl+s") // balanced: the next call starts at the next healthy instance
		if got := ids(f.caller.calls[1].Instances); !slices.Equal(got, []string{"book-2", "book-1", "book-3"}) {
			t.Errorf("second balanced call candidates %v", got)
		}
	})
}

func TestChooseInstance(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, colorprofile.NoTTY, 120, 30)
		f.keys("j j enter esc i i")
		if !strings.Contains(f.m.Render(), "→ book-2 (127.0.0.1:9002)") {
			t.Fatalf("i i should choose book-2:\n%s", f.m.Render())
		}
		f.keys("ctrl+s")
		if got := ids(f.caller.calls[0].Instances); !slices.Equal(got, []string{"book-2"}) || f.caller.calls[0].Instance != "book-2" {
			t.Errorf("chosen instance: candidates %v", got)
		}
		f.keys("i i")
		if !strings.Contains(f.m.Render(), "→ balanced") {
			t.Error("the choice should cycle back to balanced")
		}
		f.keys("i i")
		f.send(hub.InstanceGone{Key: hub.Key{Service: "bookstore", InstanceID: "book-2"}})
		if !strings.Contains(f.m.Render(), "book-2 (gone)") {
			t.Error("a chosen instance that left should say so")
		}
		f.keys("ctrl+s")
		if len(f.caller.calls) != 1 {
			t.Error("no call should go to a gone instance")
		}
	})
}

func TestTemplateWhenNoExample(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, colorprofile.NoTTY, 120, 30)
		f.keys("j enter") // bookstore.GetBook has no example
		if f.caller.templates != 1 || !strings.Contains(f.m.Render(), `"id": ""`) {
			t.Fatalf("the template should fill the editor (%d requests):\n%s", f.caller.templates, f.m.Render())
		}
		f.keys("esc k enter esc j enter") // away and back: the body is kept, no new request
		if f.caller.templates != 1 {
			t.Errorf("template asked %d times", f.caller.templates)
		}
	})
}

func TestErrorsAreShown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, colorprofile.NoTTY, 120, 30)
		f.keys("ctrl+s")
		if n := f.notice(); !strings.Contains(n.Text, "pick a method") {
			t.Errorf("sending without a method: %#v", n)
		}
		f.caller.answer = func(call.Request) (call.Response, error) { return call.Response{}, errUnreachable }
		f.keys("j j enter ctrl+s")
		if s := f.m.Render(); !strings.Contains(s, "✗ unreachable: dial tcp") {
			t.Errorf("a failed call should show its error:\n%s", s)
		}
		f.caller.answer = func(r call.Request) (call.Response, error) {
			return call.Response{Instance: "book-1", Status: "NOT_FOUND", Code: 5, Message: "no book 42", TraceID: "abc"}, nil
		}
		f.keys("ctrl+s")
		if s := f.m.Render(); !strings.Contains(s, "✗ NOT_FOUND: no book 42") {
			t.Errorf("an error status should show:\n%s", s)
		}
		f.caller.answer = func(call.Request) (call.Response, error) {
			return call.Response{Instance: "book-1", Status: "UNAVAILABLE", Code: 14, Message: "service unavailable", Reason: "breaker_open"}, nil
		}
		f.keys("ctrl+s")
		if s := f.m.Render(); !strings.Contains(s, "✗ UNAVAILABLE: service unavailable (reason: breaker_open)") {
			t.Errorf("the reason should show beside the status:\n%s", s)
		}
		if f.hist.entries[1].OK || f.hist.entries[2].Status != "error" {
			t.Errorf("failed calls are kept in the history too: %+v", f.hist.entries)
		}
	})
}

func TestHistoryListAndRerun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, colorprofile.NoTTY, 120, 30)
		f.hist.entries = []call.HistoryEntry{{ID: "old", Time: t0, Service: "bookstore", Method: "CreateBook", Instance: "book-2",
			Body: []byte(`{"title":"Emma"}`), Status: "OK", OK: true}}
		f.keys("h")
		if s := f.m.Render(); !strings.Contains(s, "> ✓ 09:26:53 bookstore.CreateBook") {
			t.Fatalf("history list:\n%s", s)
		}
		f.keys("r")
		if len(f.caller.calls) != 1 {
			t.Fatal("r should re-run the entry")
		}
		c := f.caller.calls[0]
		if c.Method != "CreateBook" || c.Instance != "book-2" || string(c.Body) != `{"title":"Emma"}` {
			t.Errorf("re-run %+v", c)
		}
		if s := f.m.Render(); !strings.Contains(s, "bookstore.CreateBook → book-2") {
			t.Errorf("the entry should be loaded:\n%s", s)
		}
		if len(f.hist.entries) != 2 {
			t.Errorf("the re-run should be saved: %+v", f.hist.entries)
		}
	})
}

func TestRecordingToggle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, colorprofile.NoTTY, 120, 30)
		f.keys("R")
		if !f.rec.on || !strings.Contains(f.m.Render(), "● REC 0 calls") {
			t.Fatalf("R should start recording and show it:\n%s", f.m.Render())
		}
		f.caller.answer = func(r call.Request) (call.Response, error) {
			return call.Response{Instance: "book-1", Status: "OK", OK: true, Recorded: true}, nil
		}
		f.keys("j j enter ctrl+s esc")
		if !strings.Contains(f.m.Render(), "● REC 1 call") {
			t.Errorf("the recorded call should count:\n%s", f.m.Render())
		}
		f.keys("R")
		if f.rec.on || strings.Contains(f.m.Render(), "REC") {
			t.Error("R again should stop recording")
		}
	})
}

// TestUpdateAndViewDoNoIO: keys and data make no call on the fakes; only
// running the returned commands does.
func TestUpdateAndViewDoNoIO(t *testing.T) {
	caller, hist := &fakeCaller{}, &fakeHistory{}
	st := plainStyles()
	v := call.New(&st, defaultKeys(), call.Deps{Caller: caller, History: hist, Recorder: &fakeRecorder{}}, call.Options{})
	v.SetSize(120, 30)
	for _, m := range fleet() {
		v.Update(m)
	}
	var cmds int
	for _, k := range []string{"j", "enter", "x", "esc", "ctrl+s", "h", "r", "i", "t", "R", "enter", "ctrl+s"} {
		if _, cmd := v.Update(press(k)); cmd != nil {
			cmds++
		}
		_ = v.View()
	}
	if caller.count() != 0 || hist.ops != 0 {
		t.Fatalf("Update/View called the fakes: %d calls, %d history ops", caller.count(), hist.ops)
	}
	if cmds == 0 {
		t.Fatal("the keys should have asked for work")
	}
}

// TestGolden pins the view at 80×24 and 160×48 with the NoTTY profile.
// Regenerate with: go test ./ui/call -run TestGolden -update
func TestGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, s := range []struct{ name, keys string }{
			{"methods", ""},
			{"editing", "j j enter"},
			{"response", "j j enter esc ctrl+s"},
			{"history", "j j enter esc ctrl+s h"},
			{"recording", "R j j enter esc i"},
		} {
			t.Run(fmt.Sprintf("%dx%d/%s", size[0], size[1], s.name), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					f := newFixture(t, colorprofile.NoTTY, size[0], size[1])
					f.keys(s.keys)
					golden.RequireEqual(t, f.m.Render())
				})
			})
		}
	}
}
