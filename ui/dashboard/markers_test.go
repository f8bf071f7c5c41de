package dashboard_test

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
)

// At 80 columns the markers read whole in their short form, the names
// giving up their tails; with room they read in full. A resize changes
// the form at once, without waiting for the next tick.
func TestMarkersFitTheWidth(t *testing.T) {
	f := newFixture(t, colorprofile.NoTTY, 160, 48)
	f.send(withControls()...)
	for _, c := range []struct {
		width      int
		tab        string
		want, lack []string
	}{
		{160, "2", []string{"FORCED OPEN 2m10s", "FORCED CLOSED 29m51s", "bookstore.GetBook"}, []string{"F-OPEN"}},
		{160, "3", []string{"gateway-1", " gateway ", "5/s for 4m51s"}, []string{"…teway"}},
		{160, "1", []string{"up · FAULT 38s"}, nil},
		{80, "2", []string{"F-OPEN 2m10s ", "F-CLOSED 29m51s ", ".GetBook", "istBooks"}, []string{"FORCED", "F-OPEN 2m…", "F-CLOSED 2…"}},
		{80, "3", []string{"gateway-1", " gateway ", "5/s 4m51s"}, []string{"…teway"}},
		{80, "1", []string{" FAULT 38s "}, []string{"FAULT 3…"}},
	} {
		f.send(tea.WindowSizeMsg{Width: c.width, Height: 24})
		f.keys(c.tab)
		body := strings.SplitN(f.screen(), "\n", 2)[1]
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("%d columns, tab %s: no %q in\n%s", c.width, c.tab, w, body)
			}
		}
		for _, l := range c.lack {
			if strings.Contains(body, l) {
				t.Errorf("%d columns, tab %s: %q in\n%s", c.width, c.tab, l, body)
			}
		}
	}
}
