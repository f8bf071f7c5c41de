package dashboard

import (
	"github.com/kitbench/kitbench/ui/breakers"
	"github.com/kitbench/kitbench/ui/call"
	"github.com/kitbench/kitbench/ui/controls"
	"github.com/kitbench/kitbench/ui/instances"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/limits"
	"github.com/kitbench/kitbench/ui/root"
	"github.com/kitbench/kitbench/ui/sessions"
	"github.com/kitbench/kitbench/ui/styles"
	"github.com/kitbench/kitbench/ui/traces"
)

// env is what a tab is built from.
type env struct {
	st   *styles.Styles
	keys keys.Map
	// fleet is read only from commands and the bridge, never from Update.
	fleet Fleet
	opts  Options
}

// tabs is the workbench's tab list, in order: the number keys follow it
// and the ID is the ':' command. Add a view with one line here.
func tabs(e env) []root.Tab {
	t := []root.Tab{
		{ID: "instances", View: instances.New(e.st, e.keys)},
		{ID: "breakers", View: breakers.New(e.st, e.keys)},
		{ID: "limits", View: limits.New(e.st, e.keys)},
		{ID: "traces", View: traces.New(e.st, e.keys, e.fleet, traces.Options{})},
	}
	// The call and sessions views act through what the command gives them;
	// without it (a read-only embedding, the tests) they are left out.
	if e.opts.Call.Caller != nil {
		t = append(t, root.Tab{ID: "call", View: call.New(e.st, e.keys, e.opts.Call, call.Options{})})
	}
	if e.opts.Sessions != nil {
		t = append(t, root.Tab{ID: "sessions", View: sessions.New(e.st, e.keys, e.opts.Sessions, e.opts.Call.Recorder)})
	}
	// Last, so the numbers of the others stay what they were.
	return append(t, root.Tab{ID: "controls", View: controls.New(e.st, e.keys)})
}
