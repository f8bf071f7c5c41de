package invoke

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// ParseHeaders turns "name: value" lines (curl's -H, grpcurl's -H) into a
// header map, expanding ${NAME} in values with lookup so that secrets stay
// off the command line: -H 'authorization: Bearer ${TOKEN}'. A variable
// lookup does not know is an error wrapping ErrUnsetVariable; "$" not
// followed by "{" is kept as is. Names are lower-cased (gRPC metadata keys
// are; HTTP's are case-insensitive). lookup may be nil when nothing is to
// be expanded (os.LookupEnv is the usual choice).
func ParseHeaders(lines []string, lookup func(string) (string, bool)) (map[string][]string, error) {
	h := make(map[string][]string, len(lines))
	for _, line := range lines {
		name, value, ok := strings.Cut(line, ":")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok || name == "" || strings.ContainsAny(name, " \t\r\n") {
			return nil, fmt.Errorf("%w %q: want \"name: value\"", ErrBadHeader, line)
		}
		v, err := expand(strings.TrimSpace(value), lookup)
		if err != nil {
			return nil, fmt.Errorf("header %q: %w", name, err)
		}
		h[name] = append(h[name], v)
	}
	return h, nil
}

func expand(s string, lookup func(string) (string, bool)) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return "", fmt.Errorf("%w: %q has no closing brace", ErrBadHeader, s[i:])
		}
		name := s[i+2 : i+j]
		var v string
		ok := false
		if lookup != nil && name != "" {
			v, ok = lookup(name)
		}
		if !ok {
			return "", fmt.Errorf("%w: ${%s}", ErrUnsetVariable, name)
		}
		b.WriteString(v)
		s = s[i+j+1:]
	}
}

// checkBody returns body as a JSON object, {} when empty. Malformed JSON is
// an error wrapping ErrBadJSON that gives the line and column.
func checkBody(body []byte) ([]byte, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return []byte("{}"), nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, jsonError(body, err)
	}
	if dec.More() {
		off := dec.InputOffset()
		for off < int64(len(body)) && strings.IndexByte(" \t\r\n", body[off]) >= 0 {
			off++
		}
		line, col := lineCol(body, off)
		return nil, fmt.Errorf("%w at line %d, column %d: data after the JSON object", ErrBadJSON, line, col)
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, fmt.Errorf("%w: the request must be a JSON object {…}, not %s", ErrBadJSON, kindOf(v))
	}
	return body, nil
}

func jsonError(body []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := lineCol(body, se.Offset-1)
		return fmt.Errorf("%w at line %d, column %d: %s", ErrBadJSON, line, col, se.Error())
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		line, col := lineCol(body, int64(len(body)))
		return fmt.Errorf("%w at line %d, column %d: unexpected end of input", ErrBadJSON, line, col)
	}
	return fmt.Errorf("%w: %s", ErrBadJSON, err.Error())
}

// lineCol converts a byte offset into a 1-based line and column (in
// bytes) of body.
func lineCol(body []byte, off int64) (line, col int) {
	off = max(0, min(off, int64(len(body))))
	before := body[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

func kindOf(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// Suggest returns the candidates closest to name (case-insensitive edit
// distance), at most three, best first; none when nothing is close (more
// than a third of the name's length away). It serves "did you mean"
// messages for services and methods.
func Suggest(name string, candidates []string) []string {
	type scored struct {
		s string
		d int
	}
	limit := max(2, len(name)/3)
	var out []scored
	lname := strings.ToLower(name)
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := levenshtein(lname, lc)
		if strings.Contains(lc, lname) || strings.Contains(lname, lc) {
			d = min(d, 1)
		}
		if d <= limit && c != name {
			out = append(out, scored{c, d})
		}
	}
	slices.SortStableFunc(out, func(a, b scored) int {
		if a.d != b.d {
			return a.d - b.d
		}
		return strings.Compare(a.s, b.s)
	})
	names := make([]string, 0, 3)
	for i := 0; i < len(out) && i < 3; i++ {
		if !slices.Contains(names, out[i].s) {
			names = append(names, out[i].s)
		}
	}
	return names
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// NotFound builds the error for a missing service or method: it wraps
// sentinel (ErrNoService or ErrNoMethod), names what was looked for and
// where, and suggests the closest of known.
func NotFound(sentinel error, name, where string, known []string) error {
	msg := fmt.Sprintf("%s %q", sentinel.Error(), name)
	if where != "" {
		msg += " in " + where
	}
	if s := Suggest(name, known); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, ", ") + "?"
	} else if len(known) > 0 && len(known) <= 12 {
		msg += "; known: " + strings.Join(known, ", ")
	}
	return &notFoundError{msg: msg, sentinel: sentinel}
}

type notFoundError struct {
	msg      string
	sentinel error
}

func (e *notFoundError) Error() string { return e.msg }
func (e *notFoundError) Unwrap() error { return e.sentinel }
