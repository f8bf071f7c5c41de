package components

import (
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/sanitize"
	"github.com/kitbench/kitbench/ui/styles"
)

// Export is a view's account of its last export (ui.ExportMsg): asked and
// waiting, then the file written and the commands that replay it, or why
// nothing was written. The zero value shows nothing.
type Export struct {
	waiting bool
	res     *ui.ExportedMsg
}

// Asked records that an export was asked for.
func (e *Export) Asked() { e.waiting, e.res = true, nil }

// Done records the answer.
func (e *Export) Done(m ui.ExportedMsg) { e.waiting, e.res = false, &m }

// Result returns the last answer, nil before one came.
func (e *Export) Result() *ui.ExportedMsg { return e.res }

// Lines renders the account, each line sanitized (paths and errors are
// remote or user text) and led by a space: nothing before an export, one
// line while it runs, and after it the file with the commands that replay
// it (at most MaxExportLines in all).
func (e *Export) Lines(st *styles.Styles) []string {
	muted, good, bad := st.Tone(styles.ToneMuted), st.Tone(styles.ToneGood), st.Tone(styles.ToneBad)
	switch {
	case e.waiting:
		return []string{" " + muted.Render("exporting the exchanges from the instances' rings…")}
	case e.res == nil:
		return nil
	case e.res.Path == "":
		return []string{" " + bad.Render(sanitize.Line("export: "+e.res.Err, 0))}
	}
	r := e.res
	head := "exported " + r.Path + " · " + r.Summary
	tone := good
	if r.Err != "" {
		head += " (" + r.Err + ")"
		tone = st.Tone(styles.ToneWarn)
	}
	out := []string{" " + tone.Render(sanitize.Line(head, 0))}
	for _, l := range r.Lines {
		if len(out) == MaxExportLines {
			break
		}
		out = append(out, "   "+muted.Render(sanitize.Line(l, 0)))
	}
	return out
}

// MaxExportLines bounds the lines Export.Lines returns.
const MaxExportLines = 5
