package logging

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// signup holds secrets under names a word list would miss.
type signup struct {
	User         string            `json:"user"`
	APIKey       string            `json:"api_key"`
	ClientSecret string            // no tag: matched by its Go name
	Profile      map[string]any    `json:"profile"`
	Labels       map[string]string `json:"labels,omitempty"`
	Login        creds             `json:"login"` // a LogValuer; "pass" is in its group
}

// TestRedactFunc: a predicate decides every name — JSON names, Go names,
// map keys at any depth and LogValuer group keys — and adds to Redact's
// list.
func TestRedactFunc(t *testing.T) {
	var mu sync.Mutex
	asked := map[string]bool{}
	secret := func(name string) bool {
		mu.Lock()
		asked[name] = true
		mu.Unlock()
		switch strings.ToLower(name) {
		case "api_key", "clientsecret", "x-secret", "pass":
			return true
		}
		return false
	}
	var buf bytes.Buffer
	e := New(jsonLogger(&buf, slog.LevelDebug), "Signup", RedactFunc(secret), RedactFunc(nil), Redact("user"))(
		func(_ context.Context, req any) (any, error) {
			return map[string]string{"X-Secret": "s-333", "ok": "yes"}, nil
		})
	_, _ = e(context.Background(), signup{
		User: "ann", APIKey: "k-111", ClientSecret: "c-222",
		Profile: map[string]any{"nick": "a", "deep": map[string]any{"x-secret": "s-444"}},
		Login:   creds{user: "ann", pass: "p-555"},
	})
	out := buf.String()
	for _, leak := range []string{"k-111", "c-222", "s-333", "s-444", "p-555", `"ann"`} {
		if strings.Contains(out, leak) {
			t.Errorf("%s leaked: %s", leak, out)
		}
	}
	r := records(t, &buf)[0]
	wantReq := map[string]any{
		"user": Redacted, "api_key": Redacted, "ClientSecret": Redacted,
		"profile": map[string]any{"nick": "a", "deep": map[string]any{"x-secret": Redacted}},
		"login":   map[string]any{"user": Redacted, "pass": Redacted, "inner": map[string]any{"pass": Redacted}},
	}
	if !reflect.DeepEqual(r[KeyRequest], wantReq) {
		t.Errorf("request\n got %v\nwant %v", r[KeyRequest], wantReq)
	}
	if want := map[string]any{"X-Secret": Redacted, "ok": "yes"}; !reflect.DeepEqual(r[KeyResponse], want) {
		t.Errorf("response %v, want %v", r[KeyResponse], want)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, name := range []string{"api_key", "ClientSecret", "nick", "pass"} {
		if !asked[name] {
			t.Errorf("the predicate was never asked about %q (asked: %v)", name, asked)
		}
	}
}

// Without any redaction option, a record with bodies costs what it did:
// the predicate's hook allocates nothing when unset.
func TestRedactFuncUnsetAllocatesNothingMore(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector (sync.Pool drops items on purpose there); test.sh runs this test without -race")
	}
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	ctx := context.Background()
	req := &login{User: "ann", Password: "x"}
	allocs := func(opts ...Option) float64 {
		e := New(logger, "Login", append(opts, Bodies(slog.LevelInfo))...)(func(_ context.Context, req any) (any, error) { return req, nil })
		return testing.AllocsPerRun(200, func() { _, _ = e(ctx, req) })
	}
	plain, named := allocs(), allocs(Redact("password"))
	withFunc := allocs(RedactFunc(func(name string) bool { return name == "password" }))
	if withFunc != named || plain != named {
		t.Errorf("allocations per call: none %v, Redact %v, RedactFunc %v; want them equal", plain, named, withFunc)
	}
}
