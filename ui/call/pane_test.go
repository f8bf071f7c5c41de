package call_test

import (
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/charmbracelet/colorprofile"

	"github.com/kitbench/kitbench/ui/call"
	"github.com/kitbench/kitbench/ui/components"
)

// listBooks answers with n books, one per line when pretty-printed.
func listBooks(n int) func(call.Request) (call.Response, error) {
	return func(req call.Request) (call.Response, error) {
		var b strings.Builder
		b.WriteString(`{"books":[`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":"%016d","title":"Book %d"}`, i+1, i+1)
		}
		b.WriteString(`]}`)
		return call.Response{Instance: req.Instances[0].InstanceID, Transport: "grpc", Method: "ListBooks",
			Status: "OK", OK: true, Latency: time.Millisecond, Body: []byte(b.String())}, nil
	}
}

// TestLongResponseScrolls: a response longer than its pane says how much
// is below, v opens it in a pane of its own where G reaches the last book
// and q comes back; y copies the whole body, o asks for the pager.
func TestLongResponseScrolls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, colorprofile.NoTTY, 80, 24)
		f.caller.answer = listBooks(40)
		f.keys("j j enter esc ctrl+s")
		screen := f.m.Render()
		if !strings.Contains(screen, "more lines") || !strings.Contains(screen, "v scrolls") || strings.Contains(screen, `"Book 40"`) {
			t.Fatalf("the inline response should say how much is below:\n%s", screen)
		}
		f.keys("v")
		if s := f.m.Render(); !strings.Contains(s, "› Response") || !strings.Contains(s, "OK · 1.0ms") {
			t.Fatalf("v should push the response pane:\n%s", s)
		}
		f.keys("G")
		screen = f.m.Render()
		if !strings.Contains(screen, `"title": "Book 40"`) || !strings.Contains(screen, "end · lines") {
			t.Fatalf("G should show the last book:\n%s", screen)
		}
		f.keys("o")
		pm, ok := f.lastOf(func(m any) bool { _, ok := m.(components.PagerMsg); return ok }).(components.PagerMsg)
		if !ok || !strings.Contains(pm.Text, `"Book 1"`) || !strings.Contains(pm.Text, `"Book 40"`) {
			t.Errorf("o should ask for the pager with the whole body, got %+v", ok)
		}
		f.keys("q")
		if s := f.m.Render(); strings.Contains(s, "› Response") || strings.Contains(s, "Quit kitbench?") {
			t.Fatalf("q should go back to the call view:\n%s", s)
		}
		f.keys("y")
		if n := f.notice(); !strings.Contains(n.Text, "copied the response") {
			t.Errorf("y in the call view should copy the body, notice %q", n.Text)
		}
	})
}

// TestBodyKeysWithoutResponse: v, y and o say there is nothing yet.
func TestBodyKeysWithoutResponse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, colorprofile.NoTTY, 80, 24)
		for _, k := range []string{"v", "y", "o"} {
			f.keys(k)
			if n := f.notice(); !strings.Contains(n.Text, "no response body yet") {
				t.Errorf("%s: notice %q", k, n.Text)
			}
		}
	})
}
