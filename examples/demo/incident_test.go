package demo_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/demo"
	"github.com/kitbench/kitbench/internal/workbench"
	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/introspect"
	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/rectest"
)

// TestIncidentToTest runs the demo fleet (no generated traffic) until its
// misbehaving instance, bookstore-3, is in its failing phase, trips its
// GetBook breaker with reads, then does what docs/incident-to-test.md
// says: kitbench capture bookstore/bookstore-3 --failed (the workbench
// function the command calls), replay --update against bookstore-1, and
// replay of the file — which fails against bookstore-3 while it misbehaves
// and passes, in rectest.Replay, against bookstore-1.
//
// The demo's schedule reaches its failing phase 15 to 21 s after the
// start and stays there 10 to 13 s; every step after the wait takes a
// fraction of a second, so a loaded machine has seconds to spare. The
// replay against bookstore-3 uses recorder's Replayer, the engine
// rectest.Replay runs, because a rectest failure would fail this test.
func TestIncidentToTest(t *testing.T) {
	if testing.Short() {
		t.Skip("waits up to 21 s for the demo's failing phase")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	f, err := demo.Start(ctx, demo.Options{RegistryAddr: "127.0.0.1:0", Seed: 22, Rate: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer ccancel()
		_ = f.Close(cctx)
	}()
	good, bad := f.Books[0], f.Books[len(f.Books)-1]
	if bad.InstanceID != f.Misbehaving || bad.InstanceID != "bookstore-3" {
		t.Fatalf("misbehaving instance %s, want bookstore-3", f.Misbehaving)
	}
	waitForPhase(t, ctx, f.Schedule, demo.Failing)

	// The incident: reads of the first book fail, and the breaker opens.
	book := "http://" + bad.HTTPAddr + "/v1/books/0000000000000001"
	for range 8 {
		resp, err := http.Get(book)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("GET %s while failing: %s, want 503", book, resp.Status)
		}
	}
	if !breakerOpen(t, ctx, bad.AdminAddr) {
		t.Fatal("bookstore-3's GetBook breaker did not open after 8 failures")
	}

	// kitbench capture bookstore/bookstore-3 --failed -o incident.kitrec
	path := filepath.Join(t.TempDir(), "incident.kitrec")
	got, err := workbench.Capture(ctx, "bookstore", path, workbench.CaptureOptions{
		Source: workbench.Source{Consul: f.Registry, Instance: "bookstore-3"},
		Query:  wire.ExchangeQuery{Failed: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Total != 8 || len(got.From) != 1 || got.From[0].Instance != "bookstore-3" {
		t.Fatalf("captured %d exchanges from %+v, want the 8 failed reads from bookstore-3", got.Total, got.From)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("session file: %v (mode %v), want mode 0600", err, st.Mode().Perm())
	}

	// kitbench replay incident.kitrec --target GOOD --update
	up, err := workbench.Update(ctx, path, workbench.ReplayOptions{Targets: []string{"http://" + good.HTTPAddr}})
	if err != nil {
		t.Fatal(err)
	}
	if up.Report.Failed != 8 {
		t.Errorf("the update found %d responses changed, want all 8 (503 then, 200 from bookstore-1)", up.Report.Failed)
	}
	s, err := recorder.ReadFile(path, recorder.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range s.Exchanges {
		if ex.Response.Status != http.StatusOK || len(ex.History) != 1 || ex.History[0].Response.Status != http.StatusServiceUnavailable {
			t.Fatalf("exchange %s after --update: status %d, history %+v; want 200 expected and the 503 kept", ex.ID, ex.Response.Status, ex.History)
		}
	}

	// Against bookstore-3, still failing, the session fails and names the
	// exchanges; against bookstore-1 it passes.
	if phase, _ := f.Schedule.At(time.Now()); phase != demo.Failing {
		t.Fatalf("bookstore-3 left its failing phase before the replay (%v): the machine is too slow for this test's margin", phase)
	}
	rp, err := recorder.NewReplayer(recorder.HTTPTarget("http://"+bad.HTTPAddr, nil), recorder.ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := rp.Replay(ctx, s)
	if err != nil || rep.Failed != len(s.Exchanges) {
		t.Errorf("replay against bookstore-3: %v, %d of %d failed; want every one", err, rep.Failed, len(s.Exchanges))
	}
	rectest.Replay(t, path, recorder.HTTPTarget("http://"+good.HTTPAddr, nil))
}

// waitForPhase waits, on the wall clock, for the schedule to enter phase.
func waitForPhase(t *testing.T, ctx context.Context, s demo.Schedule, phase demo.Phase) {
	t.Helper()
	for {
		now, end := time.Now(), time.Time{}
		var p demo.Phase
		if p, end = s.At(now); p == phase {
			return
		}
		timer := time.NewTimer(end.Sub(now) + 10*time.Millisecond)
		select {
		case <-ctx.Done():
			timer.Stop()
			t.Fatalf("the demo did not reach its %v phase: %v", phase, ctx.Err())
		case <-timer.C:
		}
	}
}

// breakerOpen reads the instance's breakers and reports whether GetBook's
// is open.
func breakerOpen(t *testing.T, ctx context.Context, admin string) bool {
	t.Helper()
	c, err := introspect.New(admin, introspect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	bs, err := c.Breakers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		if b.Name == "GetBook" && b.State == wire.StateOpen {
			return true
		}
	}
	t.Logf("breakers: %+v", bs)
	return false
}
