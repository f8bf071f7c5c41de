package bookstore

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kitbench/kitbench/kit/metrics"
	"github.com/kitbench/kitbench/kit/tracing"
)

// The instance's logging middleware redacts what the recorder's policy
// calls secret, in requests and responses alike, at any depth and in any
// spelling the policy knows.
func TestLogsRedactWithTheRecorderPolicy(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m, err := metrics.New(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	tp, err := tracing.NewProvider(ServiceName, tracing.NewRing(0, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer tp.Shutdown(context.Background())
	echo := func(_ context.Context, req any) (any, error) {
		return map[string]any{"title": "Dune", "auth": map[string]string{"accessToken": "at-555", "client_secret": "cs-666"}}, nil
	}
	e := observed(Endpoints{CreateBook: echo, GetBook: echo, ListBooks: echo, DeleteBook: echo}, "http", tp, m, log)
	type request struct {
		Title    string `json:"title"`
		Password string `json:"password"`
		APIKey   string `json:"api_key"`
		Nested   struct {
			Token string `json:"token"`
		} `json:"nested"`
	}
	req := request{Title: "Dune", Password: "pw-111", APIKey: "ak-222"}
	req.Nested.Token = "tk-333"
	if _, err := e.CreateBook(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	for _, secret := range []string{"pw-111", "ak-222", "tk-333", "at-555", "cs-666"} {
		if strings.Contains(out, secret) {
			t.Errorf("%s reached the log: %s", secret, out)
		}
	}
	if !strings.Contains(out, `"password":"[REDACTED]"`) || !strings.Contains(out, `"title":"Dune"`) {
		t.Errorf("want secrets redacted and the rest logged: %s", out)
	}
}
