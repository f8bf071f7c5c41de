package dashboard

import (
	"github.com/kitbench/kitbench/ui/breakers"
	"github.com/kitbench/kitbench/ui/instances"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/limits"
	"github.com/kitbench/kitbench/ui/root"
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
	return []root.Tab{
		{ID: "instances", View: instances.New(e.st, e.keys)},
		{ID: "breakers", View: breakers.New(e.st, e.keys)},
		{ID: "limits", View: limits.New(e.st, e.keys)},
		{ID: "traces", View: traces.New(e.st, e.keys, e.fleet, traces.Options{})},
	}
}
