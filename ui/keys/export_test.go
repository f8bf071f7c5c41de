package keys_test

import (
	"testing"

	"charm.land/bubbles/v2/key"

	"github.com/kitbench/kitbench/ui/keys"
)

// TestExportKeyIsFree: x has help, and no key of the default map (which
// the views that export also handle) answers to it.
func TestExportKeyIsFree(t *testing.T) {
	x := keys.ExportKeys().Export
	if x.Help().Key != "x" || x.Help().Desc == "" || !key.Matches(stringer("x"), x) {
		t.Fatalf("export binding: %+v", x.Help())
	}
	m := keys.Default()
	for _, group := range []any{m.Global, m.Nav, m.Pane} {
		for name, b := range bindings(group) {
			if key.Matches(stringer("x"), b) {
				t.Errorf("%s also answers to x", name)
			}
		}
	}
}
