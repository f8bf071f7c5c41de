package transport_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/kit/transport"
	"github.com/kitbench/kitbench/kit/transport/internal/panictest"
)

func TestRecovered(t *testing.T) {
	rec, err := panictest.New(false)
	if err != nil {
		t.Fatal(err)
	}
	err = rec.Policy.Recovered(context.Background(), "thrift", "", panictest.Secret)
	if !errors.Is(err, transport.ErrPanic) || strings.Contains(err.Error(), panictest.Secret) {
		t.Errorf("Recovered returned %v, want ErrPanic without the value", err)
	}
	if transport.StatusOf(err) != 500 {
		t.Errorf("StatusOf(%v) = %d, want 500", err, transport.StatusOf(err))
	}
	if err := rec.Check(1, "transport_test.TestRecovered", "unknown", "thrift"); err != nil {
		t.Error(err)
	}

	// A runtime error's message is the runtime's, and worth logging.
	func() {
		defer func() { _ = rec.Policy.Recovered(context.Background(), "grpc", "/s/M", recover()) }()
		var s []string
		_ = s[len(panictest.Secret)] // index out of range
	}()
	if !strings.Contains(rec.Log(), "index out of range") {
		t.Errorf("the runtime error's message was not logged:\n%s", rec.Log())
	}
	if strings.Contains(rec.Log(), panictest.Secret) {
		t.Errorf("the log holds the secret:\n%s", rec.Log())
	}
}
