package recorder

import (
	"fmt"
	"strconv"
	"strings"
)

// Path is a compiled JSON path rule, a small subset of JSONPath:
//
//	$                 the whole body
//	$.name  $['name'] a member
//	$[3]              an array element
//	$.*  $[*]         any member or element
//	$..name           name at any depth below ($..* is everything below)
//
// e.g. "$.create_time", "$.books[*].id", "$..request_id".
type Path struct {
	src  string
	segs []seg
}

type segKind uint8

const (
	segKey segKind = iota
	segIndex
	segAny
	segDescend // matches zero or more levels before the next segment
)

type seg struct {
	kind segKind
	key  string
	idx  int
}

// ParsePath compiles a path rule; a malformed rule is an error wrapping
// ErrPath that quotes it.
func ParsePath(s string) (Path, error) {
	bad := func(why string) (Path, error) {
		return Path{}, fmt.Errorf("%w %q: %s", ErrPath, s, why)
	}
	if !strings.HasPrefix(s, "$") {
		return bad(`must start with "$"`)
	}
	p := Path{src: s}
	rest := s[1:]
	for rest != "" {
		switch {
		case strings.HasPrefix(rest, ".."):
			p.segs = append(p.segs, seg{kind: segDescend})
			rest = rest[2:]
			if rest == "" || rest[0] == '.' || rest[0] == '[' {
				return bad(`".." must be followed by a name or "*"`)
			}
			rest = "." + rest
		case rest[0] == '.':
			rest = rest[1:]
			n := strings.IndexAny(rest, ".[")
			if n < 0 {
				n = len(rest)
			}
			name := rest[:n]
			rest = rest[n:]
			switch name {
			case "":
				return bad("empty member name")
			case "*":
				p.segs = append(p.segs, seg{kind: segAny})
			default:
				p.segs = append(p.segs, seg{kind: segKey, key: name})
			}
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return bad(`missing "]"`)
			}
			in := rest[1:end]
			rest = rest[end+1:]
			switch {
			case in == "*":
				p.segs = append(p.segs, seg{kind: segAny})
			case len(in) >= 2 && (in[0] == '\'' || in[0] == '"') && in[len(in)-1] == in[0]:
				p.segs = append(p.segs, seg{kind: segKey, key: in[1 : len(in)-1]})
			default:
				n, err := strconv.Atoi(in)
				if err != nil || n < 0 {
					return bad("index " + strconv.Quote(in) + " is not a number, a quoted name or *")
				}
				p.segs = append(p.segs, seg{kind: segIndex, idx: n})
			}
		default:
			return bad(`expected "." or "[" at ` + strconv.Quote(rest))
		}
	}
	return p, nil
}

// String returns the rule as written.
func (p Path) String() string { return p.src }

// Match reports whether the concrete location path (member names as
// strings, element indices as ints, outermost first) is selected by p.
func (p Path) Match(path []any) bool { return matchSegs(p.segs, path) }

func matchSegs(segs []seg, path []any) bool {
	for len(segs) > 0 {
		s := segs[0]
		if s.kind == segDescend {
			for k := 0; k <= len(path); k++ {
				if matchSegs(segs[1:], path[k:]) {
					return true
				}
			}
			return false
		}
		if len(path) == 0 {
			return false
		}
		switch s.kind {
		case segKey:
			if k, ok := path[0].(string); !ok || k != s.key {
				return false
			}
		case segIndex:
			if i, ok := path[0].(int); !ok || i != s.idx {
				return false
			}
		}
		segs, path = segs[1:], path[1:]
	}
	return len(path) == 0
}

// formatPath renders a location path as "$.books[0].id".
func formatPath(path []any) string {
	var b strings.Builder
	b.WriteByte('$')
	for _, e := range path {
		switch t := e.(type) {
		case int:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(t))
			b.WriteByte(']')
		case string:
			if plainName(t) {
				b.WriteByte('.')
				b.WriteString(t)
			} else {
				b.WriteString("[")
				b.WriteString(strconv.Quote(t))
				b.WriteString("]")
			}
		}
	}
	return b.String()
}

func plainName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// compilePaths parses every rule, reporting the first bad one.
func compilePaths(rules []string) ([]Path, error) {
	out := make([]Path, 0, len(rules))
	for _, r := range rules {
		p, err := ParsePath(strings.TrimSpace(r))
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// CompileIgnore parses ignore rules for Replayer.One; a bad rule is an
// error wrapping ErrPath.
func CompileIgnore(rules []string) ([]Path, error) { return compilePaths(rules) }
