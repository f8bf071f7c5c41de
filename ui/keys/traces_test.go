package keys_test

import (
	"testing"

	"charm.land/bubbles/v2/key"

	"github.com/kitbench/kitbench/ui/keys"
)

// TestTracesKeysMatchNav: the traces view's follow and sort keys are the
// navigation keys it is given (the view tells them apart by its own
// words), and every binding has help.
func TestTracesKeysMatchNav(t *testing.T) {
	tk, n := keys.TracesKeys(), keys.Default()
	for name, b := range bindings(tk) {
		if len(b.Keys()) == 0 || b.Help().Key == "" || b.Help().Desc == "" {
			t.Errorf("Traces.%s lacks keys or help: %+v", name, b.Help())
		}
	}
	for _, k := range []string{"g", "home"} {
		if !key.Matches(stringer(k), tk.Follow) || !key.Matches(stringer(k), n.Nav.Top) {
			t.Errorf("%q should be both Follow and Nav.Top", k)
		}
	}
	if !key.Matches(stringer("s"), tk.Sort) || !key.Matches(stringer("s"), n.Nav.Sort) {
		t.Error("s should be both Sort and Nav.Sort")
	}
	if !key.Matches(stringer("/"), tk.Search) || !key.Matches(stringer("/"), n.Global.Filter) {
		t.Error("search is the global filter key")
	}
}
