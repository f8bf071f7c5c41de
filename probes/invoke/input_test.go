package invoke_test

import (
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/probes/invoke"
)

func TestParseHeaders(t *testing.T) {
	env := map[string]string{"TOKEN": "s3cret", "EMPTY": ""}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	h, err := invoke.ParseHeaders([]string{"Authorization: Bearer ${TOKEN}", "x-a: 1", "X-A:2", "x-b: ${EMPTY}$HOME$"}, lookup)
	want := map[string][]string{"authorization": {"Bearer s3cret"}, "x-a": {"1", "2"}, "x-b": {"$HOME$"}}
	if err != nil || !reflect.DeepEqual(h, want) {
		t.Fatalf("%v, %v", h, err)
	}
	for line, wantErr := range map[string]error{
		"x: ${NOPE}":  invoke.ErrUnsetVariable,
		"x: ${TOKEN":  invoke.ErrBadHeader,
		"no colon":    invoke.ErrBadHeader,
		": empty":     invoke.ErrBadHeader,
		"a b: spaced": invoke.ErrBadHeader,
	} {
		if _, err := invoke.ParseHeaders([]string{line}, lookup); !errors.Is(err, wantErr) {
			t.Errorf("%q: %v, want %v", line, err, wantErr)
		}
	}
	if _, err := invoke.ParseHeaders([]string{"x: ${NOPE}"}, nil); err == nil || !strings.Contains(err.Error(), "${NOPE}") {
		t.Errorf("nil lookup: %v", err)
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"GetBook", "ListBooks", "CreateBook", "DeleteBook"}
	for name, want := range map[string][]string{
		"GetBok":     {"GetBook"},
		"getbook":    {"GetBook"},
		"ListBook":   {"ListBooks"},
		"Book":       {"CreateBook", "DeleteBook", "GetBook"},
		"Frobnicate": nil,
	} {
		if got := invoke.Suggest(name, names); !reflect.DeepEqual(got, want) && (len(got) != 0 || want != nil) {
			t.Errorf("Suggest(%q) = %v, want %v", name, got, want)
		}
	}
	err := invoke.NotFound(invoke.ErrNoService, "bokstore", "", []string{"bookstore", "gateway"})
	if !errors.Is(err, invoke.ErrNoService) || err.Error() != `no such service "bokstore"; did you mean bookstore?` {
		t.Fatalf("%v", err)
	}
}

func TestTraceparent(t *testing.T) {
	re := regexp.MustCompile(`^00-([0-9a-f]{32})-[0-9a-f]{16}-01$`)
	h1, id1 := invoke.Traceparent()
	h2, id2 := invoke.Traceparent()
	m := re.FindStringSubmatch(h1)
	if m == nil || m[1] != id1 || id1 == id2 || h1 == h2 || !re.MatchString(h2) {
		t.Fatalf("%q %q / %q %q", h1, id1, h2, id2)
	}
}

func TestResultOK(t *testing.T) {
	for _, tc := range []struct {
		r  invoke.Result
		ok bool
	}{
		{invoke.Result{Transport: invoke.GRPC, Code: 0}, true},
		{invoke.Result{Transport: invoke.GRPC, Code: 5}, false},
		{invoke.Result{Transport: invoke.HTTP, Code: 204}, true},
		{invoke.Result{Transport: invoke.HTTP, Code: 404}, false},
	} {
		if tc.r.OK() != tc.ok {
			t.Errorf("%+v: OK() = %v", tc.r, !tc.ok)
		}
	}
}

func TestCompareAndDiff(t *testing.T) {
	r := func(code int, body string) *invoke.Result {
		return &invoke.Result{Transport: invoke.HTTP, Code: code, Status: statusText(code), Body: []byte(body)}
	}
	outs := []invoke.Outcome{
		{Instance: "a", Result: r(200, `{"title":"X","year":1.0,"tags":["a"]}`)},
		{Instance: "b", Result: r(200, `{"tags":["a"],"year":1,"title":"X"}`)},
		{Instance: "c", Result: r(200, `{"title":"Y","year":1,"tags":["a","b"],"extra":true}`)},
		{Instance: "d", Result: r(500, `{"error":"boom"}`)},
		{Instance: "e", Err: errors.New("unreachable")},
	}
	if ref := invoke.Compare(outs); ref != 0 {
		t.Fatalf("reference %d", ref)
	}
	if !outs[0].Same || !outs[1].Same || outs[2].Same || outs[3].Same || outs[4].Same {
		t.Fatalf("same: %+v", outs)
	}
	want := []string{`extra: (missing) ≠ true`, `tags: 1 items ≠ 2 items`, `title: "X" ≠ "Y"`}
	if !reflect.DeepEqual(outs[2].Diff, want) {
		t.Fatalf("diff %q", outs[2].Diff)
	}
	if outs[3].Diff[0] != "status: 200 OK ≠ 500 Internal Server Error" || outs[4].Diff[0] != "error: unreachable" {
		t.Fatalf("diffs %q %q", outs[3].Diff, outs[4].Diff)
	}
	if d := invoke.Diff([]byte(`not json`), []byte(`{}`), 0); len(d) != 1 {
		t.Fatalf("non-JSON: %v", d)
	}
	if invoke.Compare(nil) != -1 {
		t.Fatal("empty")
	}
}

func statusText(code int) string {
	return map[int]string{200: "200 OK", 500: "500 Internal Server Error"}[code]
}
