package recorder

import (
	"encoding/json"
	"fmt"
	"testing"
)

// books returns a ListBooks-like body of the given books, each
// {"id", "title", "year"}; noID leaves the ids out.
func books(t *testing.T, ids []int, noID bool) *Response {
	t.Helper()
	list := make([]map[string]any, 0, len(ids))
	for _, i := range ids {
		b := map[string]any{"title": fmt.Sprintf("Book %d", i), "year": 1900 + i}
		if !noID {
			b["id"] = fmt.Sprint(i)
		}
		list = append(list, b)
	}
	body, err := JSONBody(map[string]any{"books": list})
	if err != nil {
		t.Fatal(err)
	}
	return &Response{Status: 200, Body: body}
}

func seq(from, to int, skip ...int) []int {
	var out []int
	for i := from; i <= to; i++ {
		if len(skip) == 0 || i != skip[0] {
			out = append(out, i)
		}
	}
	return out
}

func mustIgnore(t *testing.T, rules ...string) []Path {
	t.Helper()
	ps, err := compilePaths(rules)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// TestDeletedBookIsOneDifference: one of 20 books deleted is one
// difference naming that book, whether the books are paired by id, by a
// longest common subsequence (no id), or by LCS because the id is
// ignored; and so is one book inserted.
func TestDeletedBookIsOneDifference(t *testing.T) {
	for _, tc := range []struct {
		name   string
		noID   bool
		ignore []string
		path   string
	}{
		{"by id", false, nil, "$.books[6]"},
		{"by alignment", true, nil, "$.books[6]"},
		{"id ignored", false, []string{"$.books[*].id"}, "$.books[6]"},
	} {
		want, got := books(t, seq(1, 20), tc.noID), books(t, seq(1, 20, 7), tc.noID)
		diffs := CompareWith(want, got, CompareOptions{Ignore: mustIgnore(t, tc.ignore...)})
		if len(diffs) != 1 || diffs[0].Path != tc.path || diffs[0].Got != "" {
			t.Errorf("%s: deleted: %v, want one missing %s", tc.name, diffs, tc.path)
		}
		diffs = CompareWith(got, want, CompareOptions{Ignore: mustIgnore(t, tc.ignore...)})
		if len(diffs) != 1 || diffs[0].Path != tc.path || diffs[0].Want != "" {
			t.Errorf("%s: inserted: %v, want one unexpected %s", tc.name, diffs, tc.path)
		}
	}
}

func TestArrayDiffs(t *testing.T) {
	body := func(s string) *Response { return &Response{Body: &Body{JSON: json.RawMessage(s)}} }
	for _, tc := range []struct {
		name, want, got string
		keys            []string
		diffs           []string
	}{
		{"changed element by id",
			`[{"id":1,"t":"a"},{"id":2,"t":"b"},{"id":3,"t":"c"}]`,
			`[{"id":1,"t":"a"},{"id":2,"t":"B"},{"id":3,"t":"c"}]`, nil,
			[]string{`$[1].t: want "b", got "B"`}},
		{"reordered by id",
			`[{"id":1},{"id":2},{"id":3}]`, `[{"id":2},{"id":1},{"id":3}]`, nil,
			[]string{`$[*].id: want [1,2,3], got [2,1,3]`}},
		{"by name",
			`[{"name":"a","v":1},{"name":"b","v":2}]`, `[{"name":"b","v":2}]`, nil,
			[]string{`$[0]: missing, want {"name":"a","v":1}`}},
		{"caller's key first",
			`[{"isbn":"x","name":"n","v":1},{"isbn":"y","name":"n2","v":2}]`,
			`[{"isbn":"y","name":"n2","v":2},{"isbn":"x","name":"n","v":1}]`, []string{"isbn"},
			[]string{`$[*].isbn: want ["x","y"], got ["y","x"]`}},
		{"duplicate ids align instead",
			`[{"id":1,"v":1},{"id":1,"v":2},{"id":3}]`, `[{"id":1,"v":1},{"id":3}]`, nil,
			[]string{`$[1]: missing, want {"id":1,"v":2}`}},
		{"scalars inserted",
			`[1,2,3,4,5]`, `[1,2,9,3,4,5]`, nil,
			[]string{`$[2]: unexpected, got 9`}},
		{"scalar changed in place",
			`[1,2,3]`, `[1,7,3]`, nil,
			[]string{`$[1]: want 2, got 7`}},
		{"empty to one",
			`[]`, `[{"id":1}]`, nil,
			[]string{`$[0]: unexpected, got {"id":1}`}},
	} {
		var got []string
		for _, d := range CompareWith(body(tc.want), body(tc.got), CompareOptions{MatchKeys: tc.keys}) {
			got = append(got, d.String())
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.diffs) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.diffs)
		}
	}
}

// TestLargeArraysFallBackToIndex: past the alignment table's bound the
// comparison still finishes, index by index.
func TestLargeArraysFallBackToIndex(t *testing.T) {
	a, b := make([]int, 400), make([]int, 400)
	for i := range a {
		a[i], b[i] = i, i+1000
	}
	wa, _ := json.Marshal(a)
	wb, _ := json.Marshal(b)
	diffs := Compare(&Response{Body: &Body{JSON: wa}}, &Response{Body: &Body{JSON: wb}}, nil)
	if len(diffs) != 400 {
		t.Errorf("%d diffs, want 400", len(diffs))
	}
}
