package controls

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/sanitize"
	"github.com/kitbench/kitbench/ui/styles"
)

// Prompt is the part of a view that stands between a key and a write: a
// Form to fill in (optional), then a question that names exactly what
// will change and for how long. Only Confirm (y) answers yes and returns
// the ui.Control command; any other key cancels and nothing is sent.
// While it is open it takes every key: the view reports CapturesKeys
// from Open, gives it the keys, and draws View under its table.
type Prompt struct {
	st *styles.Styles
	km keys.Controls

	form     *Form
	ask      *ui.ControlMsg // the write waiting for an answer
	question string
}

// NewPrompt returns a closed prompt.
func NewPrompt(st *styles.Styles) Prompt {
	return Prompt{st: st, km: keys.ControlsKeys()}
}

// Open reports whether a form or a question is showing.
func (p *Prompt) Open() bool { return p.form != nil || p.ask != nil }

// Edit opens f.
func (p *Prompt) Edit(f *Form) { p.form, p.ask = f, nil }

// Ask asks question before req is sent.
func (p *Prompt) Ask(req ui.ControlMsg, question string) {
	p.form, p.ask, p.question = nil, &req, question
}

// Form returns the open form, nil when none is.
func (p *Prompt) Form() *Form { return p.form }

// Question returns the question asked, empty when none is.
func (p *Prompt) Question() string {
	if p.ask == nil {
		return ""
	}
	return p.question
}

// Update takes a key press (or a paste into a form) while the prompt is
// open and returns what it asks for: the write, once confirmed, or a
// notice that nothing was sent.
func (p *Prompt) Update(msg tea.Msg) tea.Cmd {
	if p.ask != nil {
		k, ok := msg.(tea.KeyPressMsg)
		if !ok {
			return nil
		}
		req := *p.ask
		p.ask = nil
		if key.Matches(k, p.km.Confirm) {
			return ui.Control(req)
		}
		return ui.Notify(ui.Info, "cancelled: nothing changed")
	}
	if p.form == nil {
		return nil
	}
	f := p.form
	fl := f.fields[f.focus]
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, p.km.Cancel):
			p.form = nil
			return ui.Notify(ui.Info, "cancelled: nothing changed")
		case key.Matches(k, p.km.Submit):
			if req, q, ok := f.Submit(); ok {
				p.Ask(req, q)
			}
			return nil
		case key.Matches(k, p.km.NextField):
			f.focus = (f.focus + 1) % len(f.fields)
			return nil
		case key.Matches(k, p.km.PrevField):
			f.focus = (f.focus + len(f.fields) - 1) % len(f.fields)
			return nil
		case fl.choices != nil && key.Matches(k, p.km.Choice):
			step := 1
			if k.String() == "left" {
				step = len(fl.choices) - 1
			}
			fl.choice = (fl.choice + step) % len(fl.choices)
			if f.changed != nil {
				f.changed(f)
			}
			return nil
		}
	}
	if fl.choices == nil {
		fl.input.Update(msg)
	}
	return nil
}

// Height is the lines View(width) draws: a form's title, fields and
// error line, or the question (wrapped on up to two lines) and its
// answers.
func (p *Prompt) Height(width int) int {
	switch {
	case p.ask != nil:
		return 2 + len(p.questionLines(width))
	case p.form != nil:
		return len(p.form.fields) + 3
	}
	return 0
}

// questionLines is the question wrapped to width, on at most two lines.
func (p *Prompt) questionLines(width int) []string {
	lines := strings.Split(ansi.Wrap(sanitize.Line(p.question, 0), max(1, width-2), " "), "\n")
	if len(lines) > 2 {
		lines[1] = ansi.Truncate(lines[1]+" "+strings.Join(lines[2:], " "), max(1, width-2), "…")
		lines = lines[:2]
	}
	return lines
}

// View draws the open form or question in Height lines of width cells.
func (p *Prompt) View(width int) string {
	line := func(s string, tone styles.Tone) string {
		return p.st.Tone(tone).Render(ansi.Truncate(s, width, "…"))
	}
	rule := p.st.Tone(styles.ToneMuted).Render(strings.Repeat("─", max(0, width)))
	if p.ask != nil {
		out := rule
		for _, l := range p.questionLines(width) {
			out += "\n" + line(" "+l, styles.ToneWarn)
		}
		return out + "\n" + line(" "+p.km.Confirm.Help().Key+" does it · any other key cancels (nothing is sent until then)", styles.ToneInfo)
	}
	if p.form == nil {
		return ""
	}
	f := p.form
	out := []string{rule + "\n" + p.st.Title.Render(ansi.Truncate(" "+sanitize.Line(f.title, 0), width, "…"))}
	for i, fl := range f.fields {
		mark, val := "   ", ""
		if i == f.focus {
			mark = " › "
		}
		if fl.choices != nil {
			val = "‹ " + sanitize.Line(fl.value(), 40) + " ›"
		} else {
			val = fl.input.View(30)
			if i == f.focus {
				val += "▏"
			}
		}
		val = padRight(val, 24)
		label := padRight(fl.label, 9)
		tone := styles.ToneNormal
		if i != f.focus {
			tone = styles.ToneMuted
		}
		out = append(out, ansi.Truncate(mark+p.st.Tone(tone).Render(label)+" "+val+" "+p.st.Hint.Render(fl.hint), width, "…"))
	}
	if f.err != "" {
		out = append(out, line(" ✗ "+f.err, styles.ToneBad))
	} else {
		out = append(out, "")
	}
	return strings.Join(out, "\n")
}

// ShortHelp is the help line while the prompt is open.
func (p *Prompt) ShortHelp() []key.Binding {
	if p.ask != nil {
		return []key.Binding{p.km.Confirm, key.NewBinding(key.WithKeys("n"), key.WithHelp("any other key", "cancel"))}
	}
	return []key.Binding{p.km.Submit, p.km.NextField, p.km.Choice, p.km.Cancel}
}

// FullHelp is the help overlay while the prompt is open.
func (p *Prompt) FullHelp() [][]key.Binding {
	if p.ask != nil {
		return [][]key.Binding{p.ShortHelp()}
	}
	return [][]key.Binding{{p.km.Submit, p.km.Cancel}, {p.km.NextField, p.km.PrevField, p.km.Choice}}
}

// padRight pads s with spaces to w cells.
func padRight(s string, w int) string {
	if n := ansi.StringWidth(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}
