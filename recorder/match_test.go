package recorder

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestPathMatch(t *testing.T) {
	cases := []struct {
		rule string
		path []any
		want bool
	}{
		{"$", nil, true},
		{"$.a", []any{"a"}, true},
		{"$.a", []any{"a", "b"}, false},
		{"$['a b']", []any{"a b"}, true},
		{"$.books[*].id", []any{"books", 3, "id"}, true},
		{"$.books[1].id", []any{"books", 3, "id"}, false},
		{"$.books[3].id", []any{"books", 3, "id"}, true},
		{"$..id", []any{"id"}, true},
		{"$..id", []any{"books", 0, "id"}, true},
		{"$..id", []any{"books", 0, "idx"}, false},
		{"$.*", []any{"x"}, true},
		{"$.a..*", []any{"a", 1, "c"}, true},
	}
	for _, c := range cases {
		p, err := ParsePath(c.rule)
		if err != nil {
			t.Fatalf("ParsePath(%q): %v", c.rule, err)
		}
		if got := p.Match(c.path); got != c.want {
			t.Errorf("%q matches %v = %v, want %v", c.rule, c.path, got, c.want)
		}
	}
	for _, bad := range []string{"", "a.b", "$.", "$[", "$[x]", "$[-1]", "$..", "$.a[", "$a"} {
		if _, err := ParsePath(bad); !errors.Is(err, ErrPath) || !strings.Contains(err.Error(), bad) {
			t.Errorf("ParsePath(%q) = %v, want ErrPath quoting it", bad, err)
		}
	}
}

func jsonResp(status int, body string) *Response {
	return &Response{Status: status, Body: &Body{JSON: json.RawMessage(body)}}
}

func TestCompare(t *testing.T) {
	ign := func(rules ...string) []Path {
		ps, err := CompileIgnore(rules)
		if err != nil {
			t.Fatal(err)
		}
		return ps
	}
	cases := []struct {
		name      string
		want, got *Response
		ignore    []Path
		diffs     []string
	}{
		{"key order, spacing, numbers", jsonResp(200, `{"a":1,"b":[1.0,2e0],"c":{"x":"y"}}`),
			jsonResp(200, `{ "c": {"x":"y"}, "b": [1, 2], "a": 1.00 }`), nil, nil},
		{"status", jsonResp(200, `{}`), jsonResp(404, `{}`), nil, []string{"status: want 200, got 404"}},
		{"field", jsonResp(200, `{"title":"Dune","year":1965}`), jsonResp(200, `{"title":"Emma","year":1965}`), nil,
			[]string{`$.title: want "Dune", got "Emma"`}},
		{"missing and unexpected", jsonResp(200, `{"a":1}`), jsonResp(200, `{"b":2}`), nil,
			[]string{"$.a: missing, want 1", "$.b: unexpected, got 2"}},
		{"array length", jsonResp(200, `{"l":[1,2]}`), jsonResp(200, `{"l":[1]}`), nil, []string{"$.l[1]: missing, want 2"}},
		{"type", jsonResp(200, `{"n":1}`), jsonResp(200, `{"n":"1"}`), nil, []string{`$.n: want 1, got "1"`}},
		{"ignored", jsonResp(200, `{"id":"1","t":"x","books":[{"id":"a","v":1}]}`),
			jsonResp(200, `{"id":"2","books":[{"id":"b","v":1}]}`), ign("$.id", "$.t", "$.books[*].id"), nil},
		{"ignored recursively", jsonResp(200, `{"a":{"request_id":"1"},"request_id":"2"}`),
			jsonResp(200, `{"a":{"request_id":"3"},"request_id":"4"}`), ign("$..request_id"), nil},
		{"raw bodies", &Response{Status: 200, Body: &Body{Bytes: []byte("abc")}},
			&Response{Status: 200, Body: &Body{Bytes: []byte("abd")}}, nil, []string{`body: want abc, got abd`}},
		{"grpc code", &Response{GRPCCode: 5}, &Response{}, nil, []string{`grpc_code: want "NotFound", got "OK"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, d := range Compare(c.want, c.got, c.ignore) {
				got = append(got, d.String())
			}
			if strings.Join(got, "\n") != strings.Join(c.diffs, "\n") {
				t.Errorf("diffs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.diffs, "\n"))
			}
		})
	}
}
