package keys_test

import (
	"testing"

	"charm.land/bubbles/v2/key"

	"github.com/kitbench/kitbench/ui/keys"
)

// TestViewKeysDoNotShadowNav keeps the call and sessions bindings clear of
// the list navigation they are used beside, and of each other.
func TestViewKeysDoNotShadowNav(t *testing.T) {
	nav := keys.Default().Nav
	c, s := keys.CallKeys(), keys.SessionsKeys()
	navKeys := map[string]bool{}
	for _, b := range []key.Binding{nav.Up, nav.Down, nav.PageUp, nav.PageDown, nav.Top, nav.Bottom, nav.Enter, nav.Sort} {
		for _, k := range b.Keys() {
			navKeys[k] = true
		}
	}
	for name, group := range map[string][]key.Binding{
		"call":     {c.Send, c.Edit, c.Instance, c.Trace, c.History, c.Rerun, c.Record, c.HalfClose, c.Cancel},
		"sessions": {s.Replay, s.Instance, s.Reload, s.Record},
	} {
		seen := map[string]bool{}
		for _, b := range group {
			if b.Help().Desc == "" {
				t.Errorf("%s: a binding has no help", name)
			}
			for _, k := range b.Keys() {
				if navKeys[k] || seen[k] {
					t.Errorf("%s: key %q is bound twice", name, k)
				}
				seen[k] = true
			}
		}
	}
}
