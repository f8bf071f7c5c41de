package components_test

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/kitbench/kitbench/ui/components"
)

func TestFormatters(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{components.Rate(0), "0"},
		{components.Rate(0.44), "0.4/s"},
		{components.Rate(12.4), "12/s"},
		{components.Rate(3210), "3.2k/s"},
		{components.Rate(-1), "-"},
		{components.Rate(math.NaN()), "-"},
		{components.Count(7), "7"},
		{components.Count(9999), "9999"},
		{components.Count(12_345), "12k"},
		{components.Count(4_500_000), "4.5M"},
		{components.Percent(0), "0%"},
		{components.Percent(0.025), "2.5%"},
		{components.Percent(0.6), "60%"},
		{components.Percent(1), "100%"},
		{components.Percent(math.NaN()), "-"},
		{components.Latency(0), "-"},
		{components.Latency(850 * time.Microsecond), "850µs"},
		{components.Latency(2500 * time.Microsecond), "2.5ms"},
		{components.Latency(120 * time.Millisecond), "120ms"},
		{components.Latency(1250 * time.Millisecond), "1.25s"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for d, want := range map[time.Duration]string{
		-time.Second: "0s", 0: "0s", 45 * time.Second: "45s", 12 * time.Minute: "12m",
		3 * time.Hour: "3h", 50 * time.Hour: "2d",
	} {
		if got := components.Age(now, now.Add(-d)); got != want {
			t.Errorf("Age(%v) = %q, want %q", d, got, want)
		}
	}
	if got := components.Age(time.Time{}, now); got != "-" {
		t.Errorf("Age without a clock = %q", got)
	}
}

func TestHistoryKeepsTheNewest(t *testing.T) {
	var zero components.History
	zero.Add(1) // the zero value holds nothing and does not panic
	if zero.Len() != 0 {
		t.Error("zero History holds samples")
	}
	h := components.NewHistory(3)
	if got := h.Values(nil); len(got) != 0 {
		t.Errorf("empty: %v", got)
	}
	h.Add(1)
	h.Add(2)
	if got := h.Values(nil); !slices.Equal(got, []float64{1, 2}) || h.Len() != 2 {
		t.Errorf("partial: %v", got)
	}
	for _, v := range []float64{3, 4, 5} {
		h.Add(v)
	}
	if got := h.Values(nil); !slices.Equal(got, []float64{3, 4, 5}) || h.Len() != 3 {
		t.Errorf("wrapped: %v", got)
	}
}

func TestPlainTableDrawsNoCursor(t *testing.T) {
	tb := newTable(3, 40, 5)
	if !strings.Contains(tb.View(), "> svc-000") {
		t.Fatalf("a table draws its cursor:\n%s", tb.View())
	}
	tb.Plain = true
	if v := tb.View(); strings.Contains(v, ">") || !strings.Contains(v, "  svc-000") {
		t.Errorf("a plain table draws a cursor:\n%s", v)
	}
}

func TestKeepEndCutsTheStart(t *testing.T) {
	tb := components.NewTable(&plain, km.Nav,
		components.Column{Title: "NAME", Width: 12, KeepEnd: true},
		components.Column{Title: "X", Width: 12})
	tb.SetSize(40, 3)
	tb.SetRows([]components.Row{{Key: "a", Cells: components.Texts("outlier/bookstore/bookstore-3", "outlier/bookstore/bookstore-3")}})
	line := strings.Split(tb.View(), "\n")[1]
	if !strings.Contains(line, "…bookstore-3 outlier/boo…") {
		t.Errorf("row %q", line)
	}
	tb.SetRows([]components.Row{{Key: "a", Cells: components.Texts("\x1b[2J日本語のサービス名前", "short")}})
	line = strings.Split(tb.View(), "\n")[1]
	if strings.Contains(line, "\x1b") || ansi.StringWidth(line) != 40 {
		t.Errorf("hostile or wide text: %q (%d cells)", line, ansi.StringWidth(line))
	}
}
