package components

import "strings"

// Filter is the predicate typed after '/': rows whose text contains Text
// (case-insensitively) match; with Invert, rows that do not contain it
// match. The zero Filter matches everything.
type Filter struct {
	Text   string // lower-cased needle; empty matches everything
	Invert bool   // match rows that do NOT contain Text
}

// ParseFilter reads a query as typed: a leading '!' inverts it, the rest is
// matched case-insensitively. "" and "!" give the zero Filter.
func ParseFilter(query string) Filter {
	var f Filter
	if rest, ok := strings.CutPrefix(query, "!"); ok {
		f.Invert, query = true, rest
	}
	f.Text = strings.ToLower(query)
	if f.Text == "" {
		return Filter{}
	}
	return f
}

// Active reports whether the filter excludes anything.
func (f Filter) Active() bool { return f.Text != "" }

// String gives the query back as typed (lower-cased).
func (f Filter) String() string {
	if f.Invert {
		return "!" + f.Text
	}
	return f.Text
}

// Match reports whether a lower-cased text matches the filter.
func (f Filter) Match(lower string) bool {
	if f.Text == "" {
		return true
	}
	return strings.Contains(lower, f.Text) != f.Invert
}
