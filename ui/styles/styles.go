// Package styles holds every Lip Gloss style the workbench uses, built once
// from a colour profile. No other package under ui/ calls lipgloss.NewStyle.
//
// # Usage
//
// Build one [Styles] when the program starts (from the profile Bubble Tea
// reports, or a fixed one in tests) and pass it to every view and component:
//
//	st := styles.New(colorprofile.TrueColor)
//	cell := st.Breaker(introspect.StateOpen).Render("open")
//
// With [colorprofile.NoTTY] every style is empty: rendering adds no escape
// sequence at all, so golden files are plain text and an output containing an
// ESC byte is a bug. [colorprofile.ASCII] keeps bold, faint and reverse but
// no colours. The colour profiles pick a palette entry per profile rather
// than letting the renderer down-sample a true colour.
//
// # Concurrency
//
// A Styles is an immutable value once built; share it freely.
package styles

import (
	"image/color"
	"strconv"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd"
)

// Tone is the meaning of a piece of text, mapped to a style by [Styles.Tone].
// Views say what a cell means; the palette decides how it looks.
type Tone uint8

// Tones. The zero value, ToneNormal, renders text as is.
const (
	ToneNormal Tone = iota // ordinary text
	ToneMuted              // secondary or stale information
	ToneGood               // healthy: breaker closed, health passing
	ToneWarn               // degraded: breaker half-open, health warning
	ToneBad                // failing: breaker open, health critical, errors
	ToneInfo               // neutral emphasis: names, counters in focus
	toneCount
)

// Styles is the complete set of styles of the workbench. Every field is
// usable as is; with the NoTTY profile every field is the empty style.
type Styles struct {
	// Profile is the colour profile the styles were built for.
	Profile colorprofile.Profile

	tones [toneCount]lipgloss.Style

	// Header is the top line: application name and the view tabs.
	Header lipgloss.Style
	// Tab is an inactive view tab in the header; ActiveTab the focused one.
	Tab, ActiveTab lipgloss.Style

	// TableHeader styles a table's column titles; Selected its cursor row.
	TableHeader, Selected lipgloss.Style

	// Stale marks data that is known to be out of date.
	Stale lipgloss.Style

	// StatusLine is the bar under the view; StatusError its error segment.
	StatusLine, StatusError lipgloss.Style

	// Prompt styles the ':' and '/' prompts of the input line; Hint the
	// completion candidates shown after it.
	Prompt, Hint lipgloss.Style

	// Title styles headings inside views and overlays (help, too small).
	Title lipgloss.Style

	// Help styles the short and full help, in bubbles' help.Styles shape.
	Help help.Styles
}

// New builds the styles for the colour profile p. Unknown and NoTTY give
// plain text; ASCII gives attributes without colours.
func New(p colorprofile.Profile) Styles {
	s := Styles{Profile: p}
	plain := lipgloss.NewStyle()
	if p <= colorprofile.NoTTY {
		for i := range s.tones {
			s.tones[i] = plain
		}
		s.Header, s.Tab, s.ActiveTab = plain, plain, plain
		s.TableHeader, s.Selected, s.Stale = plain, plain, plain
		s.StatusLine, s.StatusError = plain, plain
		s.Prompt, s.Hint, s.Title = plain, plain, plain
		s.Help = helpStyles(plain, plain, plain)
		return s
	}

	pick := lipgloss.Complete(p)
	col := func(ansi, ansi256 int, hex string) color.Color {
		if p == colorprofile.ASCII {
			return lipgloss.NoColor{}
		}
		return pick(lipgloss.Color(strconv.Itoa(ansi)), lipgloss.Color(strconv.Itoa(ansi256)), lipgloss.Color(hex))
	}
	var (
		green  = col(2, 42, "#3fbf6f")
		yellow = col(3, 214, "#f0b429")
		red    = col(1, 196, "#ef4444")
		blue   = col(4, 75, "#5fafff")
		grey   = col(8, 244, "#8a8a8a")
		barBg  = col(0, 236, "#303030")
		barFg  = col(7, 252, "#d0d0d0")
	)

	s.tones[ToneNormal] = plain
	s.tones[ToneMuted] = plain.Foreground(grey).Faint(p == colorprofile.ASCII)
	s.tones[ToneGood] = plain.Foreground(green)
	s.tones[ToneWarn] = plain.Foreground(yellow).Bold(true)
	s.tones[ToneBad] = plain.Foreground(red).Bold(true)
	s.tones[ToneInfo] = plain.Foreground(blue)

	s.Header = plain.Bold(true)
	s.Tab = plain.Foreground(grey)
	s.ActiveTab = plain.Bold(true).Reverse(true)
	s.TableHeader = plain.Bold(true).Underline(p == colorprofile.ASCII).Foreground(blue)
	s.Selected = plain.Reverse(true)
	s.Stale = plain.Foreground(grey).Italic(true)
	s.StatusLine = plain.Foreground(barFg).Background(barBg)
	s.StatusError = plain.Foreground(red).Background(barBg).Bold(true)
	s.Prompt = plain.Bold(true).Foreground(blue)
	s.Hint = plain.Foreground(grey)
	s.Title = plain.Bold(true)
	s.Help = helpStyles(plain.Foreground(blue), plain.Foreground(grey), plain.Foreground(grey))
	return s
}

func helpStyles(key, desc, sep lipgloss.Style) help.Styles {
	return help.Styles{
		Ellipsis:       sep,
		ShortKey:       key,
		ShortDesc:      desc,
		ShortSeparator: sep,
		FullKey:        key,
		FullDesc:       desc,
		FullSeparator:  sep,
	}
}

// Tone returns the style of a tone; an out-of-range tone renders as normal.
func (s *Styles) Tone(t Tone) lipgloss.Style {
	if t >= toneCount {
		t = ToneNormal
	}
	return s.tones[t]
}

// BreakerTone maps a breaker state (introspect.StateClosed, StateOpen,
// StateHalfOpen) to its tone; any other state is ToneMuted.
func BreakerTone(state string) Tone {
	switch state {
	case introspect.StateClosed:
		return ToneGood
	case introspect.StateHalfOpen:
		return ToneWarn
	case introspect.StateOpen:
		return ToneBad
	}
	return ToneMuted
}

// HealthTone maps an instance health (sd.HealthPassing, HealthWarning,
// HealthCritical) to its tone; any other value is ToneMuted.
func HealthTone(health string) Tone {
	switch health {
	case sd.HealthPassing:
		return ToneGood
	case sd.HealthWarning:
		return ToneWarn
	case sd.HealthCritical:
		return ToneBad
	}
	return ToneMuted
}

// Breaker returns the style for a breaker state, see [BreakerTone].
func (s *Styles) Breaker(state string) lipgloss.Style { return s.Tone(BreakerTone(state)) }

// Health returns the style for an instance health, see [HealthTone].
func (s *Styles) Health(health string) lipgloss.Style { return s.Tone(HealthTone(health)) }
