package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"
)

type login struct {
	User     string `json:"user"`
	Password string `json:"password"`
	Remember bool   `json:"remember,omitempty"`
}

type loginResponse struct {
	Token   string            `json:"token"`
	Session session           `json:"session"`
	Extra   map[string]any    `json:"extra,omitempty"`
	Headers map[string]string `json:"-"`
	Roles   []string          `json:"roles"`
	Keys    []apiKey          `json:"keys,omitempty"`
	Expires time.Time         `json:"expires"`
	err     error
}

func (r loginResponse) Failed() error { return r.err }

type session struct {
	ID           string
	RefreshToken string `json:"refresh_token"`
}

type apiKey struct {
	Name  string `json:"name"`
	Token string `json:"token"`
}

// jsonLogger logs JSON records into buf, at the given level and above.
func jsonLogger(buf *bytes.Buffer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // not deterministic
			}
			return a
		},
	}))
}

func records(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(buf.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("record %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func TestSuccessRecord(t *testing.T) {
	var buf bytes.Buffer
	// A logger at Debug is enabled at the default bodies level.
	e := New(jsonLogger(&buf, slog.LevelDebug), "Login")(func(_ context.Context, req any) (any, error) {
		return "welcome " + req.(login).User, nil
	})
	resp, err := e(context.Background(), login{User: "ann", Password: "pw"})
	if resp != "welcome ann" || err != nil {
		t.Fatalf("the middleware changed the result: %v %v", resp, err)
	}
	recs := records(t, &buf)
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	r := recs[0]
	if r["level"] != "INFO" || r["msg"] != Message || r[KeyMethod] != "Login" || r[KeyResponse] != "welcome ann" {
		t.Errorf("record %v", r)
	}
	if _, ok := r[KeyErr]; ok {
		t.Errorf("a success has no %s: %v", KeyErr, r)
	}
	if took, ok := r[KeyTook].(float64); !ok || took < 0 {
		t.Errorf("%s = %v", KeyTook, r[KeyTook])
	}
	// Without Redact, the request goes to the handler as it is.
	if want := map[string]any{"user": "ann", "password": "pw"}; !reflect.DeepEqual(r[KeyRequest], want) {
		t.Errorf("request %v, want %v", r[KeyRequest], want)
	}
}

func TestBodiesLevel(t *testing.T) {
	echo := func(_ context.Context, req any) (any, error) { return req, nil }
	for _, tc := range []struct {
		name       string
		logger     slog.Level
		opts       []Option
		wantBodies bool
	}{
		{"info logger, default bodies level", slog.LevelInfo, nil, false},
		{"debug logger, default bodies level", slog.LevelDebug, nil, true},
		{"info logger, bodies at info", slog.LevelInfo, []Option{Bodies(slog.LevelInfo)}, true},
		{"debug logger, bodies omitted", slog.LevelDebug, []Option{OmitBodies()}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			_, _ = New(jsonLogger(&buf, tc.logger), "GetBook", tc.opts...)(echo)(context.Background(), "book-1")
			recs := records(t, &buf)
			if len(recs) != 1 || recs[0][KeyMethod] != "GetBook" || recs[0][KeyTook] == nil {
				t.Fatalf("records %v", recs)
			}
			_, req := recs[0][KeyRequest]
			_, resp := recs[0][KeyResponse]
			if req != tc.wantBodies || resp != tc.wantBodies {
				t.Errorf("request logged %v, response logged %v, want %v: %v", req, resp, tc.wantBodies, recs[0])
			}
		})
	}
}

func TestFailureRecords(t *testing.T) {
	var buf bytes.Buffer
	logger := jsonLogger(&buf, slog.LevelDebug)
	boom := errors.New("boom")
	ctx := context.Background()

	e := New(logger, "Fails")(func(context.Context, any) (any, error) { return nil, boom })
	if _, err := e(ctx, 1); err != boom {
		t.Fatalf("error changed: %v", err)
	}
	e = New(logger, "Business")(func(context.Context, any) (any, error) {
		return loginResponse{err: errors.New("bad password")}, nil
	})
	_, _ = e(ctx, 2)
	e = New(logger, "Quiet", Levels(slog.LevelDebug, slog.LevelWarn))(func(context.Context, any) (any, error) {
		return nil, boom
	})
	_, _ = e(ctx, 3)

	recs := records(t, &buf)
	if len(recs) != 3 {
		t.Fatalf("%d records: %s", len(recs), buf.String())
	}
	if r := recs[0]; r["level"] != "ERROR" || r[KeyErr] != "boom" || r[KeyRequest] != 1.0 {
		t.Errorf("error record %v", r)
	}
	if _, ok := recs[0][KeyResponse]; ok {
		t.Errorf("no response is logged with an error: %v", recs[0])
	}
	if r := recs[1]; r["level"] != "ERROR" || r[KeyErr] != "bad password" || r[KeyResponse] == nil {
		t.Errorf("a Failer's error is a failure: %v", r)
	}
	if r := recs[2]; r["level"] != "WARN" {
		t.Errorf("Levels: %v", r)
	}
}

func TestLevelsFilter(t *testing.T) {
	var buf bytes.Buffer
	// Successes at Debug are not logged by an Info logger; failures are.
	logger := jsonLogger(&buf, slog.LevelInfo)
	fail := false
	e := New(logger, "M", Levels(slog.LevelDebug, slog.LevelError))(func(context.Context, any) (any, error) {
		if fail {
			return nil, errors.New("x")
		}
		return "ok", nil
	})
	_, _ = e(context.Background(), nil)
	fail = true
	_, _ = e(context.Background(), nil)
	if recs := records(t, &buf); len(recs) != 1 || recs[0]["level"] != "ERROR" {
		t.Errorf("records %v", recs)
	}
}

func TestRedact(t *testing.T) {
	var buf bytes.Buffer
	e := New(jsonLogger(&buf, slog.LevelDebug), "Login", Redact("Password", "TOKEN"), Redact("refresh_token", "secret"))(
		func(context.Context, any) (any, error) {
			return &loginResponse{
				Token:   "tok-123",
				Session: session{ID: "s1", RefreshToken: "rt-456"},
				Extra:   map[string]any{"secret": "s-789", "note": "hi", "nested": map[string]string{"token": "t-000"}},
				Headers: map[string]string{"x": "hidden by json:-"},
				Roles:   []string{"admin"},
				Keys:    []apiKey{{Name: "ci", Token: "k-111"}},
				Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
			}, nil
		})
	_, _ = e(context.Background(), &login{User: "ann", Password: "hunter2", Remember: true})
	out := buf.String()
	for _, secret := range []string{"hunter2", "tok-123", "rt-456", "s-789", "t-000", "k-111", "hidden"} {
		if strings.Contains(out, secret) {
			t.Errorf("%q leaked: %s", secret, out)
		}
	}
	r := records(t, &buf)[0]
	wantReq := map[string]any{"user": "ann", "password": Redacted, "remember": true}
	if !reflect.DeepEqual(r[KeyRequest], wantReq) {
		t.Errorf("request %v, want %v", r[KeyRequest], wantReq)
	}
	wantResp := map[string]any{
		"token":   Redacted,
		"session": map[string]any{"ID": "s1", "refresh_token": Redacted},
		"extra":   map[string]any{"note": "hi", "secret": Redacted, "nested": map[string]any{"token": Redacted}},
		"roles":   []any{"admin"},
		"keys":    map[string]any{"0": map[string]any{"name": "ci", "token": Redacted}},
		"expires": "2030-01-01T00:00:00Z",
	}
	if !reflect.DeepEqual(r[KeyResponse], wantResp) {
		t.Errorf("response\n got %v\nwant %v", r[KeyResponse], wantResp)
	}
}

// creds is a LogValuer whose group carries a secret.
type creds struct{ user, pass string }

func (c creds) LogValue() slog.Value {
	return slog.GroupValue(slog.String("user", c.user), slog.String("pass", c.pass),
		slog.Any("inner", map[string]string{"pass": c.pass}))
}

type node struct {
	Name string
	Next *node
}

func TestRedactEdgeCases(t *testing.T) {
	var buf bytes.Buffer
	logger := jsonLogger(&buf, slog.LevelDebug)
	loop := &node{Name: "a"}
	loop.Next = loop // a cycle: the walk is bounded by depth
	big := make([]apiKey, 200)
	e := New(logger, "M", Redact("pass"))(func(_ context.Context, req any) (any, error) { return req, nil })
	for _, req := range []any{creds{"ann", "p-1"}, loop, big, map[int]string{1: "one"}, (*login)(nil), []byte("raw")} {
		_, _ = e(context.Background(), req)
	}
	out := buf.String()
	if strings.Contains(out, "p-1") {
		t.Errorf("LogValuer secret leaked: %s", out)
	}
	recs := records(t, &buf)
	if len(recs) != 6 {
		t.Fatalf("%d records", len(recs))
	}
	if !strings.Contains(out, tooDeep) {
		t.Errorf("a cycle should end in %q: %v", tooDeep, recs[1][KeyRequest])
	}
	if keys := recs[2][KeyRequest].(map[string]any); len(keys) != maxElems+1 || keys["more"] != 150.0 {
		t.Errorf("a long slice is summarized: %d entries, more=%v", len(keys), keys["more"])
	}
	if got := recs[3][KeyRequest]; !reflect.DeepEqual(got, map[string]any{"1": "one"}) {
		t.Errorf("int-keyed map: %v", got)
	}
	if recs[4][KeyRequest] != nil {
		t.Errorf("nil pointer: %v", recs[4][KeyRequest])
	}
}

func TestNilLogger(t *testing.T) {
	called := false
	e := New(nil, "M")(func(context.Context, any) (any, error) { called = true; return 1, nil })
	if resp, err := e(context.Background(), nil); resp != 1 || err != nil || !called {
		t.Errorf("nil logger: %v %v %v", resp, err, called)
	}
}

func TestDisabledLevelAllocatesNothing(t *testing.T) {
	var buf bytes.Buffer
	logger := jsonLogger(&buf, slog.LevelError+4) // above both levels
	e := New(logger, "GetBook", Redact("password"))(func(_ context.Context, req any) (any, error) { return req, nil })
	req := &login{User: "ann", Password: "pw"}
	ctx := context.Background()
	if n := testing.AllocsPerRun(1000, func() { _, _ = e(ctx, req) }); n != 0 {
		t.Errorf("%v allocations per call with logging disabled, want 0", n)
	}
	if buf.Len() != 0 {
		t.Errorf("disabled logger wrote %q", buf.String())
	}
}

func TestTextHandler(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	e := New(logger, "Login", Redact("password"), Bodies(slog.LevelInfo))(func(_ context.Context, req any) (any, error) { return "ok", nil })
	_, _ = e(context.Background(), login{User: "ann", Password: "pw"})
	out := buf.String()
	for _, want := range []string{"msg=call", "method=Login", "request.user=ann", "request.password=" + Redacted, "response=ok", "took="} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in %s", want, out)
		}
	}
}

func TestOmitBodies(t *testing.T) {
	var buf bytes.Buffer
	fail := false
	e := New(jsonLogger(&buf, slog.LevelInfo), "Login", OmitBodies())(func(context.Context, any) (any, error) {
		if fail {
			return nil, errors.New("nope")
		}
		return "secret response", nil
	})
	_, _ = e(context.Background(), login{User: "ann", Password: "pw"})
	fail = true
	_, _ = e(context.Background(), login{User: "ann", Password: "pw"})
	recs := records(t, &buf)
	if len(recs) != 2 || recs[1][KeyErr] != "nope" {
		t.Fatalf("records %v", recs)
	}
	for _, r := range recs {
		if _, ok := r[KeyRequest]; ok {
			t.Errorf("request logged: %v", r)
		}
		if _, ok := r[KeyResponse]; ok {
			t.Errorf("response logged: %v", r)
		}
		if r[KeyMethod] != "Login" || r[KeyTook] == nil {
			t.Errorf("record %v", r)
		}
	}
}
