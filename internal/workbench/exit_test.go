package workbench

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/invoke"
)

func code(err error) int {
	var ee *ExitError
	if !errors.As(err, &ee) {
		return -1
	}
	return ee.ExitCode()
}

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{fmt.Errorf("dial: %w", invoke.ErrUnreachable), ExitUnreachable},
		{fmt.Errorf("lookup: %w", invoke.ErrNoService), ExitUnreachable},
		{noCandidates{errors.New("registry down")}, ExitUnreachable},
		{fmt.Errorf("call: %w", context.DeadlineExceeded), ExitDeadline},
		{errors.New("invalid JSON"), ExitUsage},
		{Exit(69, errors.New("kept")), 69},
	} {
		got := Classify(c.err)
		if code(got) != c.want || !errors.Is(got, c.err) || got.Error() != c.err.Error() {
			t.Errorf("Classify(%v) = %v (exit %d), want exit %d wrapping it", c.err, got, code(got), c.want)
		}
	}
	if Classify(nil) != nil {
		t.Error("Classify(nil) is not nil")
	}
}

func TestResultCodeAndError(t *testing.T) {
	for _, c := range []struct {
		r    invoke.Result
		want int
	}{
		{invoke.Result{Transport: invoke.HTTP, Code: 200}, 0},
		{invoke.Result{Transport: invoke.HTTP, Code: 302}, 3},
		{invoke.Result{Transport: invoke.HTTP, Code: 404}, 4},
		{invoke.Result{Transport: invoke.HTTP, Code: 503}, 5},
		{invoke.Result{Transport: invoke.HTTP, Code: 101}, 1},
		{invoke.Result{Transport: invoke.GRPC, Code: 0}, 0},
		{invoke.Result{Transport: invoke.GRPC, Code: 5}, 69},
		{invoke.Result{Transport: invoke.GRPC, Code: 14}, 78},
	} {
		if got := ResultCode(&c.r); got != c.want {
			t.Errorf("ResultCode(%s %d) = %d, want %d", c.r.Transport, c.r.Code, got, c.want)
		}
	}
	r := &invoke.Result{Transport: invoke.GRPC, Code: 5, Status: "NOT_FOUND", Method: "/bookstore.v1.BookService/GetBook", Message: "no book\x1b[2J 7"}
	err := ResultError("book-1", r)
	if want := "bookstore.v1.BookService/GetBook on book-1: NOT_FOUND: no book"; code(err) != 69 || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\x1b") {
		t.Errorf("ResultError = %q (exit %d), want %q… with no escape, exit 69", err, code(err), want)
	}
	if err := ResultError("book-1", &invoke.Result{Transport: invoke.HTTP, Code: 204}); err != nil {
		t.Errorf("a success gives %v", err)
	}
}

func TestCompareError(t *testing.T) {
	ok := &invoke.Result{Transport: invoke.HTTP, Code: 200, Status: "200 OK"}
	bad := &invoke.Result{Transport: invoke.HTTP, Code: 500, Status: "500 Internal Server Error", Message: "boom"}
	down := invoke.Outcome{Instance: "c", Err: invoke.ErrUnreachable}
	for _, c := range []struct {
		name     string
		outs     []invoke.Outcome
		answered int
		want     int
		msg      string
	}{
		{"all same", []invoke.Outcome{{Instance: "a", Result: ok, Same: true}, {Instance: "b", Result: ok, Same: true}}, 2, 0, ""},
		{"none answered", []invoke.Outcome{down}, 0, ExitUnreachable, "no instance of svc is reachable"},
		{"one differs", []invoke.Outcome{{Instance: "a", Result: ok, Same: true}, {Instance: "b", Result: bad}, down}, 2, ExitDiffer, "2 of 3 instances of svc answered differently"},
		{"all failed alike", []invoke.Outcome{{Instance: "a", Result: bad, Same: true}, {Instance: "b", Result: bad, Same: true}}, 2, 5, "every instance of svc answered 500 Internal Server Error: boom"},
	} {
		err := CompareError("svc", c.outs, c.answered, 0)
		if c.want == 0 {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if code(err) != c.want || err.Error() != c.msg {
			t.Errorf("%s: %v (exit %d), want %q, exit %d", c.name, err, code(err), c.msg, c.want)
		}
	}
}

// TestEnvelopeRedacts: what -o json prints of a call, and the error it
// means, carry none of the secrets the recorder redacts; the answer given
// is left as it was.
func TestEnvelopeRedacts(t *testing.T) {
	r := &invoke.Result{
		Transport: invoke.HTTP, Code: 401, Status: "401 Unauthorized",
		Method: "GET /v1/books?access_token=s3cret-q", URL: "http://h/v1/books?access_token=s3cret-q",
		RequestHeader: map[string][]string{"Authorization": {"Bearer s3cret-a"}, "X-Auth-Token": {"s3cret-x"}, "Accept": {"application/json"}},
		Header:        map[string][]string{"Set-Cookie": {"sid=s3cret-c"}},
		RequestBody:   []byte(`{"password":"s3cret-p","title":"Dune"}`),
		Message:       "refused",
	}
	env, err := NewEnvelope("bookstore", sd.Instance{ID: "book-1"}, r)
	shown := fmt.Sprintf("%s %s %v %v %s %s %s", env.Method, env.URL, env.RequestHeader, env.Header, env.RequestBody, env.Message, env.Error)
	if strings.Contains(shown, "s3cret") || !strings.Contains(shown, "application/json") || !strings.Contains(shown, "Dune") {
		t.Errorf("the envelope shows %s", shown)
	}
	if code(err) != 4 || err.Error() != env.Error {
		t.Errorf("error %v (exit %d), envelope's %q", err, code(err), env.Error)
	}
	if r.RequestHeader["Authorization"][0] != "Bearer s3cret-a" {
		t.Error("Redacted changed the result it was given")
	}
	cmp := NewComparison("bookstore", []invoke.Outcome{{Instance: "a", Result: r, Same: true}, {Instance: "b", Err: errors.New("gone")}}, 0)
	if s := fmt.Sprint(cmp.Instances[0].Result.RequestHeader); strings.Contains(s, "s3cret") || cmp.Reference != "a" || cmp.Instances[1].Error != "gone" {
		t.Errorf("comparison: %+v", cmp)
	}
}
