package dashboard_test

import (
	"context"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/kitbench/kitbench/ui/call"
	"github.com/kitbench/kitbench/ui/dashboard"
	"github.com/kitbench/kitbench/ui/sessions"
	"github.com/kitbench/kitbench/ui/styles"
)

// nopCaller and nopStore stand in for the command's I/O: these tests only
// look at which tabs exist, and nothing here is ever called.
type nopCaller struct{}

func (nopCaller) Call(context.Context, call.Request) (call.Response, error) {
	return call.Response{}, nil
}
func (nopCaller) Template(context.Context, call.Request) ([]byte, error) { return nil, nil }

type nopStore struct{}

func (nopStore) List(context.Context) ([]sessions.File, error)           { return nil, nil }
func (nopStore) Open(context.Context, string) (*sessions.Session, error) { return nil, nil }
func (nopStore) Replay(context.Context, string, sessions.Target, sessions.Writes) (*sessions.Report, error) {
	return nil, nil
}

func header(t *testing.T, opts dashboard.Options) string {
	t.Helper()
	st := styles.New(colorprofile.NoTTY)
	opts.Styles = &st
	m, err := dashboard.New(opts, &fakeFleet{}, make(chanStream))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	return strings.SplitN(m.View().Content, "\n", 2)[0]
}

func TestCallAndSessionsTabsNeedTheirActions(t *testing.T) {
	bare := header(t, dashboard.Options{})
	if strings.Contains(bare, "Call") || strings.Contains(bare, "Sessions") {
		t.Fatalf("tabs without actions: %q", bare)
	}
	full := header(t, dashboard.Options{Call: call.Deps{Caller: nopCaller{}}, Sessions: nopStore{}})
	for _, want := range []string{"1 Instances", "2 Breakers", "3 Limits", "4 Traces", "5 Call", "6 Sessions"} {
		if !strings.Contains(full, want) {
			t.Errorf("header %q lacks the %s tab", full, want)
		}
	}
}
