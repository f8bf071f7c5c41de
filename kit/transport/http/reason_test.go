package http_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
	"github.com/kitbench/kitbench/kit/transport/internal/reasontest"
)

// reasonServer answers a book's title with a failure: a real breaker
// rejection ("open"), a real rate limiter refusal ("limited"), a handler
// failure with internal text ("fail"), a panic ("panic") and a service's
// own reason ("locked").
func reasonServer(t *testing.T) *kithttp.Server {
	errs := map[string]error{
		"open":    reasontest.BreakerRejection(t),
		"limited": reasontest.RateLimited(t),
		"fail":    reasontest.ErrHandler,
		"locked":  &transport.Error{Status: 409, Msg: "book is locked", Reason: "book_locked"},
	}
	return kithttp.NewServer(endpoint.Typed(func(_ context.Context, r createBook) (book, error) {
		if r.Title == "panic" {
			panic(reasontest.Secret)
		}
		return book{}, errs[r.Title]
	}), kithttp.DecodeJSONRequest[createBook], kithttp.EncodeJSONResponse)
}

// TestReasonsOnTheWire: each failure's JSON body names its cause in
// "reason", a breaker rejection and a handler failure differ, and no body
// carries the handler's internal text.
func TestReasonsOnTheWire(t *testing.T) {
	testutil.NoLeaks(t)
	base := serve(t, reasonServer(t))
	c := newClient(t)
	for title, want := range map[string]struct {
		status int
		reason string
	}{
		"open":    {503, "breaker_open"},
		"limited": {429, "rate_limited"},
		"fail":    {500, "internal"},
		"panic":   {500, "internal"},
		"locked":  {409, "book_locked"},
	} {
		resp, body := do(t, c, "POST", base, `{"title":"`+title+`"}`)
		checkErrorReply(t, resp, body, want.status)
		var e struct {
			Reason string `json:"reason"`
		}
		if err := json.Unmarshal([]byte(body), &e); err != nil || e.Reason != want.reason {
			t.Errorf("%s: reason %q (%v), want %q; body %s", title, e.Reason, err, want.reason, body)
		}
		for _, leak := range []string{"db-3", "hunter2", "circuitbreaker", "reasontest"} {
			if strings.Contains(body, leak) {
				t.Errorf("%s: the body carries internal text %q: %s", title, leak, body)
			}
		}
	}
}

// TestClientReadsReason: a kit Client's *ResponseError holds the reason
// as sent, and reports the one a gateway passes on; an upstream breaker's
// Retry-After is not passed on, a rate limit's is.
func TestClientReadsReason(t *testing.T) {
	testutil.NoLeaks(t)
	get := bookClient(t, serve(t, reasonServer(t)))
	for title, want := range map[string]struct {
		sent, passed string
		retry        bool
	}{
		"open":    {"breaker_open", "unavailable", false},
		"limited": {"rate_limited", "rate_limited", true},
		"fail":    {"internal", "internal", false},
		"locked":  {"book_locked", "book_locked", false},
	} {
		_, err := get(t.Context(), createBook{Title: title})
		var re *kithttp.ResponseError
		if !errors.As(err, &re) {
			t.Fatalf("%s: %v (%T), want a *ResponseError", title, err, err)
		}
		if re.Reason != want.sent || transport.ReasonOf(err) != want.passed {
			t.Errorf("%s: Reason %q, ReasonOf %q; want %q, %q", title, re.Reason, transport.ReasonOf(err), want.sent, want.passed)
		}
		if _, ok := transport.RetryAfterOf(err); ok != want.retry {
			t.Errorf("%s: RetryAfterOf reports a wait: %v, want %v (Retry %v)", title, ok, want.retry, re.Retry)
		}
	}
}

// TestGatewayPassesReasonOn puts a kit HTTP server in front of a kit
// client: the gateway's caller sees unavailable, without Retry-After, for
// the upstream's breaker_open, and the upstream's other reasons as sent.
func TestGatewayPassesReasonOn(t *testing.T) {
	testutil.NoLeaks(t)
	gw := serve(t, kithttp.NewServer(bookClient(t, serve(t, reasonServer(t))), kithttp.DecodeJSONRequest[createBook], kithttp.EncodeJSONResponse))
	c := newClient(t)
	for title, want := range map[string]struct {
		status int
		reason string
		retry  bool
	}{
		"open":    {503, "unavailable", false},
		"limited": {429, "rate_limited", true},
		"fail":    {500, "internal", false},
		"locked":  {409, "book_locked", false},
	} {
		resp, body := do(t, c, "POST", gw, `{"title":"`+title+`"}`)
		checkErrorReply(t, resp, body, want.status)
		var e struct {
			Reason string `json:"reason"`
		}
		if err := json.Unmarshal([]byte(body), &e); err != nil || e.Reason != want.reason {
			t.Errorf("%s: reason %q at the gateway's caller, want %q; body %s", title, e.Reason, want.reason, body)
		}
		if got := resp.Header.Get("Retry-After") != ""; got != want.retry {
			t.Errorf("%s: Retry-After %q, want one: %v", title, resp.Header.Get("Retry-After"), want.retry)
		}
	}
}
