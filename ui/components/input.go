package components

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/sanitize"
	"github.com/kitbench/kitbench/ui/styles"
)

// InputEvent tells the owner of an [Input] what a message did.
type InputEvent uint8

// Input events. The zero value means the message was not for the input.
const (
	InputIgnored  InputEvent = iota // not a key or paste the input uses
	InputMoved                      // cursor moved or completion shown; value unchanged
	InputChanged                    // the value changed
	InputAccepted                   // enter: act on Value
	InputCanceled                   // esc: leave the input
)

// Input is a one-line text input with tab completion: the ':' command line
// and the '/' filter line. It draws no cursor itself; the root places the
// terminal's cursor at [Input.CursorX] on the input's line.
//
// Only printable characters enter the value: control characters and escape
// sequences in typed or pasted text are dropped.
type Input struct {
	st *styles.Styles
	km keys.Input

	// Prompt is drawn before the value, e.g. ":" or "/".
	Prompt string
	// Candidates are the completions offered for the value's prefix (view
	// names for ':'); nil disables completion.
	Candidates []string

	value []rune
	pos   int

	cycle    []string // candidates being cycled by repeated tab
	cycleIdx int
}

// NewInput returns an empty input.
func NewInput(st *styles.Styles, km keys.Input, prompt string) Input {
	return Input{st: st, km: km, Prompt: prompt}
}

// Value returns the text typed.
func (in *Input) Value() string { return string(in.value) }

// SetValue replaces the text and puts the cursor at its end.
func (in *Input) SetValue(s string) {
	in.value = []rune(sanitize.Line(s, 0))
	in.pos = len(in.value)
	in.cycle = nil
}

// Matches returns the candidates that start with the value, in order.
func (in *Input) Matches() []string {
	var out []string
	v := strings.ToLower(in.Value())
	for _, c := range in.Candidates {
		if strings.HasPrefix(strings.ToLower(c), v) {
			out = append(out, c)
		}
	}
	return out
}

// Update applies a key press or a paste and reports what happened.
func (in *Input) Update(msg tea.Msg) InputEvent {
	switch msg := msg.(type) {
	case tea.PasteMsg:
		in.insert(msg.Content)
		return InputChanged
	case tea.KeyPressMsg:
		return in.key(msg)
	}
	return InputIgnored
}

func (in *Input) key(k tea.KeyPressMsg) InputEvent {
	if !key.Matches(k, in.km.Complete) {
		in.cycle = nil
	}
	before := in.Value()
	switch {
	case key.Matches(k, in.km.Accept):
		return InputAccepted
	case key.Matches(k, in.km.Cancel):
		return InputCanceled
	case key.Matches(k, in.km.Complete):
		return in.complete()
	case key.Matches(k, in.km.Left):
		in.pos = max(0, in.pos-1)
		return InputMoved
	case key.Matches(k, in.km.Right):
		in.pos = min(len(in.value), in.pos+1)
		return InputMoved
	case key.Matches(k, in.km.Home):
		in.pos = 0
		return InputMoved
	case key.Matches(k, in.km.End):
		in.pos = len(in.value)
		return InputMoved
	case key.Matches(k, in.km.Backspace):
		if in.pos > 0 {
			in.value = slices.Delete(in.value, in.pos-1, in.pos)
			in.pos--
		}
	case key.Matches(k, in.km.Delete):
		if in.pos < len(in.value) {
			in.value = slices.Delete(in.value, in.pos, in.pos+1)
		}
	case key.Matches(k, in.km.KillLine):
		in.value, in.pos = in.value[:0], 0
	case key.Matches(k, in.km.DeleteWord):
		start := in.pos
		for start > 0 && in.value[start-1] == ' ' {
			start--
		}
		for start > 0 && in.value[start-1] != ' ' {
			start--
		}
		in.value = slices.Delete(in.value, start, in.pos)
		in.pos = start
	case k.Text != "" && k.Mod&^tea.ModShift == 0:
		in.insert(k.Text)
	default:
		return InputIgnored
	}
	if in.Value() == before {
		return InputMoved
	}
	return InputChanged
}

// pasteLines turns the line breaks of pasted text into spaces.
var pasteLines = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ")

func (in *Input) insert(s string) {
	var rs []rune
	s = pasteLines.Replace(s) // a pasted line break is a space in a one-line field
	for _, r := range sanitize.Line(s, 0) {
		if unicode.IsPrint(r) || unicode.In(r, unicode.Mn, unicode.Me) {
			rs = append(rs, r)
		}
	}
	in.value = slices.Insert(in.value, in.pos, rs...)
	in.pos += len(rs)
}

// complete extends the value to the longest common prefix of the matching
// candidates; when it already is that prefix, repeated tabs cycle through
// the matches.
func (in *Input) complete() InputEvent {
	if in.cycle != nil {
		in.cycleIdx = (in.cycleIdx + 1) % len(in.cycle)
		in.setRunes(in.cycle[in.cycleIdx])
		return InputChanged
	}
	m := in.Matches()
	if len(m) == 0 {
		return InputMoved
	}
	p := m[0]
	for _, c := range m[1:] {
		for !strings.HasPrefix(strings.ToLower(c), strings.ToLower(p)) {
			_, size := utf8.DecodeLastRuneInString(p)
			p = p[:len(p)-size]
		}
	}
	if len(m) > 1 && strings.EqualFold(p, in.Value()) {
		in.cycle, in.cycleIdx = m, 0
		p = m[0]
	}
	in.setRunes(p)
	return InputChanged
}

func (in *Input) setRunes(s string) {
	in.value = []rune(s)
	in.pos = len(in.value)
}

// View renders the prompt, the value and, when completion is on, the
// matching candidates, in at most width cells. A value wider than the line
// scrolls so that the cursor stays visible.
func (in *Input) View(width int) string {
	if width <= 0 {
		return ""
	}
	prompt := in.st.Prompt.Render(in.Prompt)
	room := width - ansi.StringWidth(in.Prompt) - 1 // one cell for the cursor at the end
	start := in.scroll(room)
	text := string(in.value[start:])
	text = ansi.Truncate(text, max(0, room), "")
	out := prompt + text
	if in.Candidates != nil {
		if hint := strings.Join(in.Matches(), "  "); hint != "" {
			free := width - ansi.StringWidth(in.Prompt) - ansi.StringWidth(text) - 3
			if free > 0 {
				out += "   " + in.st.Hint.Render(ansi.Truncate(hint, free, "…"))
			}
		}
	}
	return out
}

// scroll returns the first rune shown so that the cursor fits in room cells.
func (in *Input) scroll(room int) int {
	start := 0
	for start < in.pos && ansi.StringWidth(string(in.value[start:in.pos])) > room {
		start++
	}
	return start
}

// CursorX is the cell column of the cursor within the line View(width) draws.
func (in *Input) CursorX(width int) int {
	room := width - ansi.StringWidth(in.Prompt) - 1
	start := in.scroll(room)
	return ansi.StringWidth(in.Prompt) + ansi.StringWidth(string(in.value[start:in.pos]))
}
