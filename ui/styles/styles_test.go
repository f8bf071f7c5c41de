package styles_test

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/ui/styles"
)

// allStyles renders "x" with every style of s.
func allStyles(s *styles.Styles) []string {
	var out []string
	v := reflect.ValueOf(*s)
	for i := range v.NumField() {
		if !v.Field(i).CanInterface() {
			continue
		}
		if st, ok := v.Field(i).Interface().(lipgloss.Style); ok {
			out = append(out, st.Render("x"))
		}
	}
	for t := styles.ToneNormal; t <= styles.ToneInfo+1; t++ {
		out = append(out, s.Tone(t).Render("x"))
	}
	return out
}

func TestNoTTYRendersNoEscapes(t *testing.T) {
	s := styles.New(colorprofile.NoTTY)
	for i, r := range allStyles(&s) {
		if r != "x" {
			t.Errorf("style %d rendered %q with the NoTTY profile", i, r)
		}
	}
}

// colourSGR matches an SGR parameter that sets a foreground or background.
var colourSGR = regexp.MustCompile(`[\[;](3[0-8]|4[0-8]|9[0-7]|10[0-7])[;m]`)

func TestASCIIHasAttributesButNoColours(t *testing.T) {
	s := styles.New(colorprofile.ASCII)
	if r := s.Selected.Render("x"); !strings.Contains(r, "\x1b[") {
		t.Errorf("selected row should be reverse video in ASCII: %q", r)
	}
	for i, r := range allStyles(&s) {
		if colourSGR.MatchString(r) {
			t.Errorf("style %d has a colour in ASCII: %q", i, r)
		}
	}
}

func TestColourProfilesColourStates(t *testing.T) {
	for _, p := range []colorprofile.Profile{colorprofile.ANSI, colorprofile.ANSI256, colorprofile.TrueColor} {
		s := styles.New(p)
		open, closed := s.Breaker(introspect.StateOpen).Render("x"), s.Breaker(introspect.StateClosed).Render("x")
		if !colourSGR.MatchString(open) || !colourSGR.MatchString(closed) || open == closed {
			t.Errorf("%v: open %q and closed %q should differ and be coloured", p, open, closed)
		}
	}
}

func TestTones(t *testing.T) {
	for state, want := range map[string]styles.Tone{
		introspect.StateClosed: styles.ToneGood, introspect.StateHalfOpen: styles.ToneWarn,
		introspect.StateOpen: styles.ToneBad, "bogus\x1b[2J": styles.ToneMuted,
	} {
		if got := styles.BreakerTone(state); got != want {
			t.Errorf("BreakerTone(%q) = %v, want %v", state, got, want)
		}
	}
	for health, want := range map[string]styles.Tone{
		sd.HealthPassing: styles.ToneGood, sd.HealthWarning: styles.ToneWarn,
		sd.HealthCritical: styles.ToneBad, "": styles.ToneMuted,
	} {
		if got := styles.HealthTone(health); got != want {
			t.Errorf("HealthTone(%q) = %v, want %v", health, got, want)
		}
	}
}
