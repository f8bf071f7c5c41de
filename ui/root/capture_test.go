package root_test

import (
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/root"
	"github.com/kitbench/kitbench/ui/styles"
)

// editorView captures the keyboard while editing, like a request editor.
type editorView struct {
	*tableView
	editing bool
	typed   string
}

func (e *editorView) CapturesKeys() bool { return e.editing }

func (e *editorView) Update(msg tea.Msg) (ui.View, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && e.editing {
		if k.Code == tea.KeyEscape {
			e.editing = false
			return e, nil
		}
		e.typed += k.Text
		return e, nil
	}
	_, cmd := e.tableView.Update(msg)
	return e, cmd
}

func TestKeyCapturerGetsGlobalKeys(t *testing.T) {
	st := styles.New(colorprofile.NoTTY)
	ed := &editorView{tableView: newTableView(&st, "Call"), editing: true}
	m, err := root.New(root.Options{Styles: &st},
		root.Tab{ID: "call", View: ed}, root.Tab{ID: "other", View: newTableView(&st, "Other")})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	for _, k := range []string{"q", ":", "/", "?", "2", "tab"} {
		if _, cmd := m.Update(press(k)); isQuit(cmd) {
			t.Fatalf("%q quit while the view captures keys", k)
		}
	}
	if ed.typed != "q:/?2" || m.FocusedTab() != "call" {
		t.Fatalf("typed %q, focused %s: global keys must reach the capturing view", ed.typed, m.FocusedTab())
	}
	m.Update(press("esc")) // the view leaves edit mode itself
	if ed.editing {
		t.Fatal("esc did not reach the capturing view")
	}
	m.Update(press("2"))
	if m.FocusedTab() != "other" {
		t.Fatal("after editing, global keys work again")
	}
	m.Update(press("1"))
	ed.editing = true
	if _, cmd := m.Update(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}); !isQuit(cmd) {
		t.Fatal("ctrl+c must quit even while a view captures keys")
	}
}
