package recorder

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"

	"github.com/kitbench/kitbench/internal/sanitize"
)

// MaxDepth is how deeply JSON may nest in a body or a line (objects and
// arrays); deeper input is an error, never a stack overflow.
const MaxDepth = 512

// Diff is one difference between a recorded and a replayed response.
type Diff struct {
	// Path is where: "status", "grpc_code", "body" (a non-JSON body), or a
	// JSON path into the body such as "$.books[0].title".
	Path string `json:"path"`
	// Want and Got are the recorded and replayed values as compact JSON
	// (shortened past 120 bytes); "" means absent.
	Want string `json:"want"`
	Got  string `json:"got"`
}

// String renders the diff for people: `$.title: want "Dune", got "Emma"`.
func (d Diff) String() string {
	switch {
	case d.Want == "":
		return d.Path + ": unexpected, got " + d.Got
	case d.Got == "":
		return d.Path + ": missing, want " + d.Want
	}
	return d.Path + ": want " + d.Want + ", got " + d.Got
}

// Compare is CompareWith with ignore rules only.
func Compare(want, got *Response, ignore []Path) []Diff {
	return CompareWith(want, got, CompareOptions{Ignore: ignore})
}

// CompareOptions tune CompareWith. The zero value compares everything and
// matches arrays of objects by "id" or "name" when one is evident.
type CompareOptions struct {
	// Ignore lists locations not compared.
	Ignore []Path
	// MatchKeys are object keys tried, in order and before "id" and
	// "name", to pair the elements of two arrays of objects.
	MatchKeys []string
}

// CompareWith compares a recorded response with a replayed one: HTTP status
// or gRPC code exactly, and bodies semantically — JSON key order, spacing
// and number formatting (1, 1.0, 1e0) do not matter; locations matched by
// an ignore rule are skipped. Non-JSON bodies compare byte for byte.
// A gRPC reason is compared when the recording has one (recordings made
// before format 1.1 have none). Headers are not compared. It returns nil
// when they match. A stream's response messages are compared as a
// sequence, each message as a body, with differences under
// "$.messages[i]" (see compareMessages).
//
// Arrays are compared so that differences explain: when every element of
// both arrays is an object with a unique string or number value under one
// of o.MatchKeys, "id" or "name" (a key not ignored), elements are paired
// by it; otherwise they are aligned by a longest common subsequence
// (index by index past 65,536 table cells). Either way one element
// inserted or deleted is one difference. A changed order of keyed elements
// is one difference at path[*].key.
func CompareWith(want, got *Response, o CompareOptions) []Diff {
	ignore := o.Ignore
	var diffs []Diff
	if want.Status != got.Status {
		diffs = append(diffs, Diff{Path: "status", Want: strconv.Itoa(want.Status), Got: strconv.Itoa(got.Status)})
	}
	if want.GRPCCode != got.GRPCCode {
		diffs = append(diffs, Diff{Path: "grpc_code",
			Want: strconv.Quote(codes.Code(want.GRPCCode).String()), Got: strconv.Quote(codes.Code(got.GRPCCode).String())})
	}
	if want.Reason != "" && want.Reason != got.Reason {
		diffs = append(diffs, Diff{Path: "reason", Want: strconv.Quote(want.Reason), Got: strconv.Quote(got.Reason)})
	}
	diffs = append(diffs, compareBodies(want.Body, got.Body, ignore, o.MatchKeys)...)
	return append(diffs, compareMessages(want, got, o)...)
}

func compareBodies(want, got *Body, ignore []Path, keys []string) []Diff {
	for _, p := range ignore {
		if p.Match(nil) {
			return nil
		}
	}
	if want != nil && got != nil && want.JSON != nil && got.JSON != nil {
		wv, werr := decodeJSON(want.JSON)
		gv, gerr := decodeJSON(got.JSON)
		if werr == nil && gerr == nil {
			c := comparer{ignore: ignore, keys: keys}
			c.value(wv, gv, nil)
			return c.diffs
		}
	}
	if bytes.Equal(want.Raw(), got.Raw()) {
		return nil
	}
	return []Diff{{Path: "body", Want: short(want.Raw()), Got: short(got.Raw())}}
}

type comparer struct {
	ignore []Path
	keys   []string // match keys for arrays of objects, before id and name
	diffs  []Diff
}

func (c *comparer) ignored(path []any) bool {
	for _, p := range c.ignore {
		if p.Match(path) {
			return true
		}
	}
	return false
}

func (c *comparer) add(path []any, want, got any, hasWant, hasGot bool) {
	d := Diff{Path: formatPath(path)}
	if hasWant {
		d.Want = render(want)
	}
	if hasGot {
		d.Got = render(got)
	}
	c.diffs = append(c.diffs, d)
}

func (c *comparer) value(want, got any, path []any) {
	if c.ignored(path) {
		return
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			c.add(path, want, got, true, true)
			return
		}
		keys := make([]string, 0, len(w)+len(g))
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			wv, inW := w[k]
			gv, inG := g[k]
			p := append(path[:len(path):len(path)], k)
			switch {
			case inW && inG:
				c.value(wv, gv, p)
			case !c.ignored(p):
				c.add(p, wv, gv, inW, inG)
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			c.add(path, want, got, true, true)
			return
		}
		c.array(w, g, path)
	case json.Number:
		g, ok := got.(json.Number)
		if !ok || !numbersEqual(w, g) {
			c.add(path, want, got, true, true)
		}
	default: // string, bool, nil
		if want != got {
			c.add(path, want, got, true, true)
		}
	}
}

func numbersEqual(a, b json.Number) bool {
	if a == b {
		return true
	}
	x, ok1 := new(big.Rat).SetString(string(a))
	y, ok2 := new(big.Rat).SetString(string(b))
	return ok1 && ok2 && x.Cmp(y) == 0
}

func render(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return short(b)
}

func short(b []byte) string {
	const limit = 120
	if len(b) > limit {
		return string(b[:limit]) + "…"
	}
	return string(b)
}

// decodeJSON decodes one JSON value with numbers kept exact, refusing
// nesting deeper than MaxDepth and trailing data.
func decodeJSON(b []byte) (any, error) {
	if err := checkDepth(b, MaxDepth); err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the JSON value", ErrFormat)
	}
	return v, nil
}

// checkDepth fails when JSON text nests objects/arrays deeper than limit.
// It only counts brackets outside strings; validity is the decoder's job.
func checkDepth(b []byte, limit int) error {
	depth := 0
	inStr := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inStr {
			switch c {
			case '\\':
				i++
			case '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '{', '[':
			depth++
			if depth > limit {
				return fmt.Errorf("%w: JSON nested deeper than %d levels", ErrFormat, limit)
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

// diffText renders diffs one per line, indented and sanitized, for test
// and CLI output.
func diffText(diffs []Diff) string {
	var b strings.Builder
	for _, d := range diffs {
		b.WriteString("    ")
		b.WriteString(sanitize.Line(d.String(), 0))
		b.WriteByte('\n')
	}
	return b.String()
}
