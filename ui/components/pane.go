package components

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/sanitize"
	"github.com/kitbench/kitbench/ui/styles"
)

// MaxPaneBytes bounds the text a Pane holds; a longer body is cut there
// and says so on its last line.
const MaxPaneBytes = 1 << 20

// PagerMsg asks the program to show Text in the user's $PAGER. A Pane
// returns it for the Pager key; the dashboard runs the pager (a view does
// no I/O), and an embedding that does not handle it leaves the key inert.
type PagerMsg struct {
	// Name names the body ("response", "replay diff").
	Name string
	// Text is the body, already sanitized: what the pane shows.
	Text string
}

// Pane is a scrollable body of text — a response, a replay diff, an error
// message — built on bubbles' viewport: long lines wrap, the last line
// says how much is below ("↓ 83 more lines") when the body does not fit,
// and the keys of keys.Pane scroll it, copy it (OSC 52) and open it in
// $PAGER. Every line is sanitized; the text copied or paged is the text
// shown. The zero value is not usable; build one with NewPane.
type Pane struct {
	st *styles.Styles
	km keys.Pane
	vp viewport.Model

	// Name names the body in notices and in the pager ("response"); zero
	// means "body".
	Name string
	// Hint is added to the "more" marker, saying how to scroll from where
	// the pane is shown ("v scrolls"); zero means the pane's own keys.
	Hint string

	text string
	w, h int
}

// NewPane returns an empty pane using km's bindings.
func NewPane(st *styles.Styles, km keys.Pane) Pane {
	vp := viewport.New()
	vp.SoftWrap = true
	vp.KeyMap = viewport.KeyMap{} // the pane matches its own keys
	return Pane{st: st, km: km, vp: vp}
}

// SetText replaces the body and scrolls to its top. Escape sequences and
// control characters are removed (sanitize.Text); tabs become spaces.
func (p *Pane) SetText(s string) {
	cut := len(s) > MaxPaneBytes
	if cut {
		s = s[:MaxPaneBytes]
	}
	s = strings.ReplaceAll(sanitize.Text(s), "\t", "    ")
	s = strings.TrimRight(s, "\n")
	if cut {
		s += "\n… cut at " + strconv.Itoa(MaxPaneBytes>>10) + " KiB"
	}
	p.text = s
	p.vp.SetContent(s)
	p.vp.GotoTop()
	p.fit()
}

// Follow replaces the body as SetText does but keeps the view where it
// was, or at the end when it was there: a pane of live text (a stream's
// messages) follows what arrives while the user has not scrolled up.
func (p *Pane) Follow(s string) {
	atEnd, off := p.Below() == 0, p.vp.YOffset()
	p.SetText(s)
	if atEnd {
		p.vp.GotoBottom()
	} else {
		p.vp.SetYOffset(off)
	}
}

// Text returns the sanitized body: what y copies and o pages.
func (p *Pane) Text() string { return p.text }

// SetSize gives the pane w×h cells.
func (p *Pane) SetSize(w, h int) {
	p.w, p.h = max(0, w), max(0, h)
	p.fit()
}

// fit sizes the viewport: the whole pane, less the marker line when the
// body does not fit.
func (p *Pane) fit() {
	p.vp.SetWidth(p.w)
	p.vp.SetHeight(p.h)
	if p.vp.TotalLineCount() > p.h && p.h > 1 {
		p.vp.SetHeight(p.h - 1)
	}
	p.vp.SetYOffset(p.vp.YOffset()) // clamp after a resize
}

// Lines is the number of lines of the body as shown (wrapped) at the
// current width.
func (p *Pane) Lines() int { return p.vp.TotalLineCount() }

// Below is the number of lines below the visible part.
func (p *Pane) Below() int {
	return max(0, p.vp.TotalLineCount()-p.vp.YOffset()-p.vp.Height())
}

// Offset is the first visible line, counted from 0.
func (p *Pane) Offset() int { return p.vp.YOffset() }

// Update handles a key of keys.Pane and reports whether it was one; the
// command copies the body or asks for the pager.
func (p *Pane) Update(msg tea.Msg) (bool, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return false, nil
	}
	switch {
	case key.Matches(k, p.km.Down):
		p.vp.ScrollDown(1)
	case key.Matches(k, p.km.Up):
		p.vp.ScrollUp(1)
	case key.Matches(k, p.km.PageDown):
		p.vp.PageDown()
	case key.Matches(k, p.km.PageUp):
		p.vp.PageUp()
	case key.Matches(k, p.km.Top):
		p.vp.GotoTop()
	case key.Matches(k, p.km.Bottom):
		p.vp.GotoBottom()
	case key.Matches(k, p.km.Copy):
		return true, p.Copy()
	case key.Matches(k, p.km.Pager):
		return true, p.Page()
	default:
		return false, nil
	}
	return true, nil
}

// Copy returns the command that puts the body on the clipboard (OSC 52,
// which the terminal may not support) and says so.
func (p *Pane) Copy() tea.Cmd {
	if p.text == "" {
		return ui.Notify(ui.Warn, "nothing to copy")
	}
	n := strings.Count(p.text, "\n") + 1
	return tea.Batch(tea.SetClipboard(p.text),
		ui.Notify(ui.Info, "copied the "+p.name()+" ("+plural(n, "line")+") to the clipboard (OSC 52)"))
}

// Page returns the command asking for the body in $PAGER (a PagerMsg).
func (p *Pane) Page() tea.Cmd {
	if p.text == "" {
		return ui.Notify(ui.Warn, "nothing to show")
	}
	m := PagerMsg{Name: p.name(), Text: p.text}
	return func() tea.Msg { return m }
}

func (p *Pane) name() string {
	if p.Name == "" {
		return "body"
	}
	return p.Name
}

// View renders exactly the pane's height in lines of at most its width.
func (p *Pane) View() string {
	if p.w <= 0 || p.h <= 0 {
		return ""
	}
	body := strings.Split(p.vp.View(), "\n")
	for i, l := range body {
		body[i] = strings.TrimRight(l, " ") // the viewport pads to its width
	}
	if p.vp.Height() < p.h {
		body = append(body, p.marker())
	}
	return strings.Join(body, "\n")
}

// marker is the last line when the body does not fit: where the view is
// and how much is below.
func (p *Pane) marker() string {
	total, first := p.vp.TotalLineCount(), p.vp.YOffset()+1
	last := min(total, p.vp.YOffset()+p.vp.Height())
	where := "lines " + strconv.Itoa(first) + "–" + strconv.Itoa(last) + " of " + strconv.Itoa(total)
	hint := p.Hint
	if hint == "" {
		hint = p.km.PageDown.Help().Key + "/" + p.km.Bottom.Help().Key + " scroll · " +
			p.km.Copy.Help().Key + " copies · " + p.km.Pager.Help().Key + " pager"
	}
	text := "end · " + where + " · " + hint
	if below := p.Below(); below > 0 {
		text = "↓ " + plural(below, "more line") + " · " + hint + " · " + where
	}
	return p.st.Tone(styles.ToneInfo).Render(ansi.Truncate(text, p.w, "…"))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
