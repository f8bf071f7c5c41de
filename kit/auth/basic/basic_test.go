package basic

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"google.golang.org/grpc/metadata"

	"github.com/kitbench/kitbench/kit/transport"
)

func creds(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func ok(context.Context, any) (any, error) { return "ok", nil }

func TestMiddleware(t *testing.T) {
	ep := Middleware("admin", "s3cret:with:colons", `books "admin"`)(ok)
	cases := []struct {
		name    string
		headers []string // Authorization values; nil means none
		want    error
	}{
		{"right", []string{creds("admin", "s3cret:with:colons")}, nil},
		{"scheme case", []string{strings.Replace(creds("admin", "s3cret:with:colons"), "Basic", "bAsIc", 1)}, nil},
		{"wrong user", []string{creds("root", "s3cret:with:colons")}, ErrInvalid},
		{"wrong password", []string{creds("admin", "s3cret")}, ErrInvalid},
		{"password prefix", []string{creds("admin", "s3cret:with:colons!")}, ErrInvalid},
		{"empty credentials", []string{creds("", "")}, ErrInvalid},
		{"missing", nil, ErrMissing},
		{"bad base64", []string{"Basic !!!notbase64"}, ErrMalformed},
		{"no colon", []string{"Basic " + base64.StdEncoding.EncodeToString([]byte("admin"))}, ErrMalformed},
		{"bearer scheme", []string{"Bearer abc"}, ErrMalformed},
		{"no space", []string{"Basic"}, ErrMalformed},
		{"two spaces", []string{"Basic  " + creds("admin", "s3cret:with:colons")[6:]}, ErrMalformed},
		{"too long", []string{"Basic " + strings.Repeat("A", 4096)}, ErrMalformed},
		{"two headers", []string{creds("admin", "s3cret:with:colons"), creds("admin", "s3cret:with:colons")}, ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Over HTTP.
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			for _, h := range tc.headers {
				r.Header.Add("Authorization", h)
			}
			check(t, ep, HTTPToContext(context.Background(), r), tc.want)
			// Over gRPC metadata.
			md := metadata.MD{}
			for _, h := range tc.headers {
				md.Append("authorization", h)
			}
			check(t, ep, GRPCToContext(context.Background(), md), tc.want)
		})
	}
}

func check(t *testing.T, ep func(context.Context, any) (any, error), ctx context.Context, want error) {
	t.Helper()
	resp, err := ep(ctx, nil)
	if want == nil {
		if err != nil || resp != "ok" {
			t.Fatalf("got (%v, %v), want ok", resp, err)
		}
		return
	}
	if !errors.Is(err, want) || resp != nil {
		t.Fatalf("got (%v, %v), want %v", resp, err, want)
	}
	if got := transport.StatusOf(err); got != http.StatusUnauthorized {
		t.Errorf("status %d, want 401", got)
	}
	var h transport.Headerer
	if !errors.As(err, &h) {
		t.Fatal("error carries no headers")
	}
	if got := h.Headers().Get("WWW-Authenticate"); got != `Basic realm="books \"admin\"", charset="UTF-8"` {
		t.Errorf("WWW-Authenticate = %s", got)
	}
}

func TestDefaultRealm(t *testing.T) {
	_, err := Middleware("u", "p", "")(ok)(context.Background(), nil)
	var h transport.Headerer
	if !errors.As(err, &h) || !strings.Contains(h.Headers().Get("WWW-Authenticate"), `realm="kit"`) {
		t.Fatalf("err = %v", err)
	}
}

// TestNoAllocs checks that checking credentials, right or wrong, allocates
// nothing once they are in the context.
func TestNoAllocs(t *testing.T) {
	ep := Middleware("admin", "secret", "r")(ok)
	for _, h := range []string{creds("admin", "secret"), creds("admin", "wrong"), "Basic %%%"} {
		ctx := context.WithValue(context.Background(), ctxKey{}, h)
		if n := testing.AllocsPerRun(100, func() { _, _ = ep(ctx, nil) }); n != 0 {
			t.Errorf("%q: %v allocs", h, n)
		}
	}
}
