package workbench

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/examples/bookstore/booktest"
	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/recorder"
)

// thriftCapture captures booktest.ThriftCalls from inst's ring as
// Capture does, through the instance's registration, into a session
// file; it returns the file.
func thriftCapture(t *testing.T, inst *bookstore.Instance) string {
	t.Helper()
	booktest.ThriftCalls(t, inst)
	reg := sd.Instance{ID: inst.InstanceID, Service: "bookstore",
		Meta: map[string]string{sd.MetaAdmin: "http://" + inst.AdminAddr, sd.MetaThrift: inst.ThriftAddr}}
	exs, _, err := pullExchanges(context.Background(), reg, wire.ExchangeQuery{})
	if err != nil || len(exs) != 3 {
		t.Fatalf("captured %d exchanges: %v", len(exs), err)
	}
	for _, ex := range exs {
		if ex.Target != inst.ThriftAddr {
			t.Fatalf("%s captured with target %q, want the instance's Thrift address %s from its registration", ex.Name(), ex.Target, inst.ThriftAddr)
		}
	}
	path := filepath.Join(t.TempDir(), "thrift.kitrec")
	if err := writeSession(path, recorder.Header{Service: "bookstore", Tool: CaptureTool,
		Ignore: []string{`$["0:success"]["1:id"]`, `$["0:success"]["5:create_time_unix_nano"]`}}, exs); err != nil {
		t.Fatal(err)
	}
	return path
}

func ringCount(t *testing.T, inst *bookstore.Instance) int {
	t.Helper()
	s, err := recorder.Read(bytes.NewReader(booktest.Ring(t, inst)), recorder.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return len(s.Exchanges)
}

// TestReplayThrift: a captured Thrift session replays where it was
// recorded, writes included, and passes; sent to another instance
// (--target thrift://…) its calls are writes, refused unless allowed,
// and nothing reaches that instance; allowed, all are sent; --update
// takes the expectations from it.
func TestReplayThrift(t *testing.T) {
	inst := booktest.StartThrift(t, "bookstore-1")
	path := thriftCapture(t, inst)
	ctx := context.Background()

	r, err := Replay(ctx, path, ReplayOptions{})
	if err != nil || r.Foreign != "" || r.Report.Passed != 3 || r.Verdict(ctx) != nil {
		t.Fatalf("where it was recorded: %v, foreign %q, %+v", err, r.Foreign, r.Report)
	}

	other := booktest.StartThrift(t, "bookstore-2")
	to := []string{"thrift://" + other.ThriftAddr}
	r, err = Replay(ctx, path, ReplayOptions{Targets: to})
	if err != nil {
		t.Fatal(err)
	}
	var exit *ExitError
	verdict := r.Verdict(ctx)
	if len(r.Refused()) != 3 || !errors.As(verdict, &exit) || !strings.Contains(verdict.Error(), "--allow-writes") ||
		!strings.Contains(verdict.Error(), "#1 thrift CreateBook (Thrift marks no method read-only") || r.Foreign != other.ThriftAddr {
		t.Fatalf("to another instance: refused %q, verdict %v, foreign %q", r.Refused(), verdict, r.Foreign)
	}
	if n := ringCount(t, other); n != 0 {
		t.Fatalf("a refused replay reached the other instance: %d calls in its ring", n)
	}
	if r, err = Replay(ctx, path, ReplayOptions{Targets: to, Writes: WritesAllowed}); err != nil || r.Report.Passed != 3 {
		t.Fatalf("--allow-writes: %v %+v", err, r.Report)
	}
	if n := ringCount(t, other); n != 3 {
		t.Errorf("--allow-writes sent %d calls to the other instance, want 3", n)
	}

	empty := booktest.StartThrift(t, "bookstore-3")
	if _, err := Update(ctx, path, ReplayOptions{Targets: []string{"thrift://" + empty.ThriftAddr}}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil || bytes.Count(raw, []byte(`"history"`)) != 3 || !bytes.Contains(raw, []byte(`"replaced_by":"thrift://`+empty.ThriftAddr)) {
		t.Errorf("--update did not rewrite the expectations from %s:\n%s", empty.ThriftAddr, raw)
	}
}
