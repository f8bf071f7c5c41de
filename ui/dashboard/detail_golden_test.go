package dashboard_test

import (
	"fmt"
	"testing"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/kitbench/kitbench/ui"
)

// TestGoldenDetailControls pins an instance's detail with a control in
// force (its countdown in the Controls table) and the fault form opened
// from its endpoint list on the chosen endpoint. Regenerate with:
// go test ./ui/dashboard -run TestGoldenDetailControls -update
func TestGoldenDetailControls(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, s := range []struct{ name, keys string }{
			{"detail", ""},
			{"detail_fault_form", "j j f"},
		} {
			t.Run(fmt.Sprintf("%dx%d/%s", size[0], size[1], s.name), func(t *testing.T) {
				f := newFixture(t, colorprofile.NoTTY, size[0], size[1])
				f.send(withControls()...)
				cmd := f.keys("/ b o o k s t o r e - 2 enter enter")
				if cmd == nil {
					t.Fatal("enter on bookstore-2 gave no command")
				}
				push, ok := cmd().(ui.PushMsg)
				if !ok {
					t.Fatal("enter on bookstore-2 pushed no view")
				}
				f.send(push)
				f.keys(s.keys)
				golden.RequireEqual(t, f.screen())
			})
		}
	}
}
