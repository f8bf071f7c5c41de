package invoke

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// Outcome is one instance's answer to the same call, for Compare.
type Outcome struct {
	// Instance names the instance (its ID or address).
	Instance string
	// Result is its answer; nil when Err is set.
	Result *Result
	// Err is why there is no answer.
	Err error
	// Same and Diff are set by Compare: whether the answer matches the
	// reference answer, and if not, how it differs (status first, then
	// each differing JSON path of the body).
	Same bool
	Diff []string
}

// Compare marks each outcome Same or different against the reference
// answer — the one most instances gave (the earliest on a tie) — and
// returns the reference's index, -1 when outs is empty. Bodies are compared
// as JSON values: key order and number spelling do not matter.
func Compare(outs []Outcome) int {
	if len(outs) == 0 {
		return -1
	}
	keys := make([]string, len(outs))
	count := map[string]int{}
	for i, o := range outs {
		keys[i] = answerKey(o)
		count[keys[i]]++
	}
	ref := 0
	for i := range outs {
		if count[keys[i]] > count[keys[ref]] {
			ref = i
		}
	}
	for i := range outs {
		outs[i].Same = keys[i] == keys[ref]
		outs[i].Diff = nil
		if !outs[i].Same {
			outs[i].Diff = diffOutcomes(outs[ref], outs[i])
		}
	}
	return ref
}

func answerKey(o Outcome) string {
	if o.Err != nil {
		return "error: " + o.Err.Error()
	}
	return fmt.Sprintf("%d %s", o.Result.Code, canonical(o.Result.Body))
}

func canonical(b []byte) string {
	v, err := decode(b)
	if err != nil {
		return string(b)
	}
	c, _ := json.Marshal(normalize(v))
	return string(c)
}

func diffOutcomes(ref, o Outcome) []string {
	switch {
	case o.Err != nil:
		return []string{"error: " + o.Err.Error()}
	case ref.Err != nil:
		return []string{"answered " + o.Result.Status + " where the reference failed"}
	}
	var d []string
	if ref.Result.Code != o.Result.Code {
		d = append(d, fmt.Sprintf("status: %s ≠ %s", ref.Result.Status, o.Result.Status))
	}
	return append(d, Diff(ref.Result.Body, o.Result.Body, 0)...)
}

// Diff lists where JSON value b differs from a, one "path: a ≠ b" line per
// difference ("books[0].title: \"X\" ≠ \"Y\"", "(missing)" for an absent
// key), at most limit lines (zero means 20). Equal values give none.
func Diff(a, b []byte, limit int) []string {
	if limit <= 0 {
		limit = 20
	}
	va, erra := decode(a)
	vb, errb := decode(b)
	if erra != nil || errb != nil {
		if !bytes.Equal(a, b) {
			return []string{fmt.Sprintf("body: %s ≠ %s", short(a), short(b))}
		}
		return nil
	}
	var out []string
	diffValue("", normalize(va), normalize(vb), &out, limit)
	return out
}

func decode(b []byte) (any, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// normalize turns json.Numbers into float64 where exact, so 1 and 1.0
// compare equal.
func normalize(v any) any {
	switch t := v.(type) {
	case json.Number:
		if f, err := strconv.ParseFloat(string(t), 64); err == nil {
			return f
		}
		return string(t)
	case map[string]any:
		for k, e := range t {
			t[k] = normalize(e)
		}
	case []any:
		for i, e := range t {
			t[i] = normalize(e)
		}
	}
	return v
}

func diffValue(path string, a, b any, out *[]string, limit int) {
	if len(*out) >= limit {
		return
	}
	name := path
	if name == "" {
		name = "body"
	}
	switch ta := a.(type) {
	case map[string]any:
		tb, ok := b.(map[string]any)
		if !ok {
			break
		}
		keys := make([]string, 0, len(ta)+len(tb))
		for k := range ta {
			keys = append(keys, k)
		}
		for k := range tb {
			if _, ok := ta[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			va, ina := ta[k]
			vb, inb := tb[k]
			switch {
			case !ina:
				add(out, limit, fmt.Sprintf("%s: (missing) ≠ %s", p, show(vb)))
			case !inb:
				add(out, limit, fmt.Sprintf("%s: %s ≠ (missing)", p, show(va)))
			default:
				diffValue(p, va, vb, out, limit)
			}
		}
		return
	case []any:
		tb, ok := b.([]any)
		if !ok {
			break
		}
		if len(ta) != len(tb) {
			add(out, limit, fmt.Sprintf("%s: %d items ≠ %d items", name, len(ta), len(tb)))
		}
		for i := range min(len(ta), len(tb)) {
			diffValue(fmt.Sprintf("%s[%d]", path, i), ta[i], tb[i], out, limit)
		}
		return
	}
	if show(a) != show(b) {
		add(out, limit, fmt.Sprintf("%s: %s ≠ %s", name, show(a), show(b)))
	}
}

func add(out *[]string, limit int, s string) {
	if len(*out) < limit {
		*out = append(*out, s)
	}
}

func show(v any) string {
	b, _ := json.Marshal(v)
	return short(b)
}

func short(b []byte) string {
	if len(b) > 60 {
		return string(b[:57]) + "…"
	}
	return string(b)
}
