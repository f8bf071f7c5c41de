package keys_test

import (
	"reflect"
	"testing"

	"charm.land/bubbles/v2/key"

	"github.com/kitbench/kitbench/ui/keys"
)

func bindings(v any) map[string]key.Binding {
	out := map[string]key.Binding{}
	rv := reflect.ValueOf(v)
	for i := range rv.NumField() {
		out[rv.Type().Field(i).Name] = rv.Field(i).Interface().(key.Binding)
	}
	return out
}

func TestEveryBindingHasKeysAndHelp(t *testing.T) {
	m := keys.Default()
	for group, v := range map[string]any{"Global": m.Global, "Nav": m.Nav, "Input": m.Input} {
		for name, b := range bindings(v) {
			if len(b.Keys()) == 0 || b.Help().Key == "" || b.Help().Desc == "" {
				t.Errorf("%s.%s lacks keys or help: %+v", group, name, b.Help())
			}
		}
	}
}

// TestGlobalAndNavDoNotOverlap: a view's navigation key must never be
// swallowed by a global key. Confirm is the exception: it is read only
// while the quit question is on screen, when no view has the keyboard.
func TestGlobalAndNavDoNotOverlap(t *testing.T) {
	m := keys.Default()
	owner := map[string]string{}
	for name, b := range bindings(m.Global) {
		if name == "Confirm" {
			continue
		}
		for _, k := range b.Keys() {
			owner[k] = "Global." + name
		}
	}
	for name, b := range bindings(m.Nav) {
		for _, k := range b.Keys() {
			if o, dup := owner[k]; dup {
				t.Errorf("key %q is both %s and Nav.%s", k, o, name)
			}
		}
	}
}

func TestK9sConventions(t *testing.T) {
	m := keys.Default()
	for k, b := range map[string]key.Binding{
		":": m.Global.Command, "/": m.Global.Filter, "?": m.Global.Help, "esc": m.Global.Back,
		"q": m.Global.Quit, "ctrl+c": m.Global.ForceQuit, "tab": m.Global.NextView, "shift+tab": m.Global.PrevView,
		"5": m.Global.GoToView, "j": m.Nav.Down, "k": m.Nav.Up, "G": m.Nav.Bottom, "g": m.Nav.Top,
		"enter": m.Nav.Enter, "s": m.Nav.Sort, "pgdown": m.Nav.PageDown, "home": m.Nav.Top,
	} {
		if !key.Matches(stringer(k), b) {
			t.Errorf("%q does not trigger %q", k, b.Help().Desc)
		}
	}
}

type stringer string

func (s stringer) String() string { return string(s) }

func TestWithEnterChangesOnlyTheHelp(t *testing.T) {
	n := keys.Default().Nav
	o := n.WithEnter("open trace")
	if o.Enter.Help().Desc != "open trace" || o.Enter.Help().Key != n.Enter.Help().Key {
		t.Errorf("help = %+v", o.Enter.Help())
	}
	if !reflect.DeepEqual(o.Enter.Keys(), n.Enter.Keys()) {
		t.Errorf("keys changed: %v", o.Enter.Keys())
	}
	if n.Enter.Help().Desc != "open" {
		t.Error("WithEnter modified the original")
	}
}
