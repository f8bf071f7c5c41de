package trip

import (
	tea "charm.land/bubbletea/v2"

	"charm.land/bubbles/v2/key"

	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/components"
)

// failureKey shows the selected failure whole — its error text is cut in
// the table — in a scrollable pane (v), or copies (y) or pages (o) it.
func (v *View) failureKey(k tea.KeyPressMsg) tea.Cmd {
	r, ok := v.failures.Selected()
	if !ok {
		return ui.Notify(ui.Warn, "no failure selected")
	}
	f := r.Value.(failure)
	trace := f.TraceID
	if trace == "" {
		trace = "(not traced)"
	}
	head := "failure at " + f.Time.Format(timeFormat) + " · tripped " + v.b.Name + " at " + f.trip.Format(timeFormat)
	text := "time   " + f.Time.Format(timeFormat) + "\ntrace  " + trace + "\n\n" + f.Error
	p := components.NewPane(v.st, v.pk)
	p.Name = "failure"
	p.SetText(text)
	if key.Matches(k, v.pk.Open) {
		return ui.Push(components.NewPaneView(v.st, v.pk, "Failure", head, text))
	}
	_, cmd := p.Update(k)
	return cmd
}
