package traces

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kitbench/kitbench/probes/hub"
)

// Query is a trace search as typed in the traces view's filter ('/'):
// terms separated by spaces, all of which must hold (see the package
// documentation, Search). The zero Query matches every trace.
type Query struct {
	text  string
	span  []term // svc:, op:, inst: — one span must match all of them
	terms []term // every other term, each on its own
}

type termKind uint8

const (
	kindService termKind = iota
	kindOperation
	kindInstance
	kindError
	kindMinDur // dur>, dur>=
	kindMaxDur // dur<, dur<=
	kindAttr
	kindText
)

// term is one condition: not inverts it.
type term struct {
	kind  termKind
	not   bool
	key   string        // attribute key
	val   string        // lower-cased needle, or attribute value
	dur   time.Duration // bound of a duration term
	equal bool          // >= or <=
}

// ErrQuery is wrapped by every error ParseQuery returns.
var ErrQuery = errors.New("search")

// ParseQuery reads a search as typed. Terms:
//
//	svc:NAME  op:NAME  inst:ID   a span of the service, operation, instance
//	                             (substrings, any case; svc:, op: and inst:
//	                             together must hold on one span, as in Jaeger)
//	err                          a span failed
//	dur>50ms  dur<=2s            the trace's duration (>, >=, <, <=)
//	KEY=VALUE                    a span has the attribute (value in any case)
//	WORD                         the id, a service or a span name contains it
//
// A leading '!' inverts a term (!err, !svc:gateway); double quotes keep
// spaces in a value (op:"GET /books/{id}"). An error names the term and
// what it should look like; it wraps ErrQuery.
func ParseQuery(s string) (Query, error) {
	q := Query{text: strings.TrimSpace(s)}
	for _, w := range fields(q.text) {
		t, err := parseTerm(w)
		if err != nil {
			return Query{}, err
		}
		switch {
		case t.kind <= kindInstance && !t.not:
			q.span = append(q.span, t)
		default:
			q.terms = append(q.terms, t)
		}
	}
	return q, nil
}

// String is the query as typed, trimmed.
func (q Query) String() string { return q.text }

// Active reports whether the query has any term.
func (q Query) Active() bool { return len(q.span)+len(q.terms) > 0 }

func parseTerm(w string) (term, error) {
	var t term
	if rest, ok := strings.CutPrefix(w, "!"); ok && rest != "" {
		t.not, w = true, rest
	}
	lower := strings.ToLower(w)
	for _, p := range []struct {
		prefix []string
		kind   termKind
	}{
		{[]string{"svc:", "service:"}, kindService},
		{[]string{"op:", "operation:"}, kindOperation},
		{[]string{"inst:", "instance:"}, kindInstance},
	} {
		for _, pre := range p.prefix {
			if v, ok := strings.CutPrefix(lower, pre); ok {
				if v == "" {
					return t, fmt.Errorf("%w: %s needs a name, e.g. %sgateway", ErrQuery, w, pre)
				}
				t.kind, t.val = p.kind, v
				return t, nil
			}
		}
	}
	if lower == "err" || lower == "error" {
		t.kind = kindError
		return t, nil
	}
	if rest, ok := strings.CutPrefix(lower, "dur"); ok && rest != "" && strings.ContainsAny(rest[:1], "<>") {
		return parseDur(t, w, rest)
	}
	if k, v, ok := strings.Cut(w, "="); ok && k != "" {
		t.kind, t.key, t.val = kindAttr, k, v
		return t, nil
	}
	t.kind, t.val = kindText, lower
	return t, nil
}

func parseDur(t term, w, rest string) (term, error) {
	t.kind = kindMinDur
	if rest[0] == '<' {
		t.kind = kindMaxDur
	}
	rest = rest[1:]
	if v, ok := strings.CutPrefix(rest, "="); ok {
		t.equal, rest = true, v
	}
	d, err := time.ParseDuration(strings.ReplaceAll(rest, "µ", "u"))
	if err != nil || d < 0 {
		return t, fmt.Errorf("%w: %s: %q is not a duration (50ms, 1.5s, 800us)", ErrQuery, w, rest)
	}
	t.dur = d
	return t, nil
}

// fields splits on spaces outside double quotes and drops the quotes.
func fields(s string) []string {
	var out []string
	var b strings.Builder
	quoted, has := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, has = !quoted, true
		case !quoted && (r == ' ' || r == '\t'):
			if has {
				out = append(out, b.String())
			}
			b.Reset()
			has = false
		default:
			b.WriteRune(r)
			has = true
		}
	}
	if has {
		out = append(out, b.String())
	}
	return out
}

// Match reports whether trace t satisfies every term. It reads t only.
func (q Query) Match(t *hub.Trace) bool {
	if !q.Active() {
		return true
	}
	if t == nil {
		return false
	}
	spans := make([]*hub.Span, 0, t.Spans)
	t.Walk(func(n *hub.Node, _ int) bool { spans = append(spans, &n.Span); return true })
	if len(q.span) > 0 && !anySpan(spans, q.span...) {
		return false
	}
	for _, c := range q.terms {
		if c.holds(t, spans) == c.not {
			return false
		}
	}
	return true
}

// holds evaluates one term, ignoring not.
func (c term) holds(t *hub.Trace, spans []*hub.Span) bool {
	switch c.kind {
	case kindError:
		return t.Error
	case kindMinDur:
		return t.Duration > c.dur || (c.equal && t.Duration == c.dur)
	case kindMaxDur:
		return t.Duration < c.dur || (c.equal && t.Duration == c.dur)
	case kindText:
		if strings.Contains(strings.ToLower(t.ID), c.val) {
			return true
		}
		for _, s := range t.Services {
			if strings.Contains(strings.ToLower(s), c.val) {
				return true
			}
		}
		c.kind = kindOperation
	}
	return anySpan(spans, c)
}

// anySpan reports whether one span satisfies all the span terms.
func anySpan(spans []*hub.Span, terms ...term) bool {
	for _, s := range spans {
		ok := true
		for _, c := range terms {
			if !c.spanHolds(s) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (c term) spanHolds(s *hub.Span) bool {
	switch c.kind {
	case kindService:
		return containsFold(s.Service, c.val)
	case kindOperation:
		return containsFold(s.Name, c.val)
	case kindInstance:
		return containsFold(s.Instance.InstanceID, c.val)
	case kindAttr:
		v, ok := s.Attributes[c.key]
		return ok && strings.EqualFold(v, c.val)
	}
	return false
}

// containsFold reports whether s contains the lower-cased needle, in any
// case.
func containsFold(s, lowerNeedle string) bool {
	return strings.Contains(strings.ToLower(s), lowerNeedle)
}
