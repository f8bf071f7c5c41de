package keys_test

import (
	"testing"

	"github.com/kitbench/kitbench/ui/keys"
)

// The keys that open a control's form or question are taken by nothing
// else a list view or the root reads, so no navigation or global key
// can start a write's question by accident; the question's own keys
// (y, and the form's) are read only while it is open.
func TestControlKeysAreFree(t *testing.T) {
	m := keys.Default()
	owner := map[string]string{}
	for group, v := range map[string]any{"Global": m.Global, "Nav": m.Nav, "Pane": m.Pane} {
		for name, b := range bindings(v) {
			if group == "Global" && name == "Confirm" {
				continue // read only while the quit question is asked
			}
			for _, k := range b.Keys() {
				owner[k] = group + "." + name
			}
		}
	}
	c := bindings(keys.ControlsKeys())
	for _, name := range []string{"Fault", "Drain", "ForceOpen", "ForceClose", "Reset", "Limit", "Clear"} {
		b := c[name]
		if len(b.Keys()) == 0 || b.Help().Desc == "" {
			t.Errorf("Controls.%s lacks keys or help", name)
		}
		for _, k := range b.Keys() {
			if o, dup := owner[k]; dup {
				t.Errorf("Controls.%s's key %q is also %s", name, k, o)
			}
		}
	}
}
