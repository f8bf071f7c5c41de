package root_test

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/root"
)

// clock is about the smallest possible view.
type clock struct{ text string }

func (c *clock) Update(msg tea.Msg) (ui.View, tea.Cmd) {
	if s, ok := msg.(string); ok {
		c.text = s
	}
	return c, nil
}
func (c *clock) View() string              { return c.text }
func (c *clock) SetSize(int, int)          {}
func (c *clock) Title() string             { return "Clock" }
func (c *clock) ShortHelp() []key.Binding  { return nil }
func (c *clock) FullHelp() [][]key.Binding { return nil }

func Example() {
	m, err := root.New(root.Options{}, root.Tab{ID: "clock", View: &clock{}})
	if err != nil {
		panic(err)
	}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m.Update("12:00") // any other message is broadcast to the views
	m.Update(ui.StatusMsg{Source: "devregistry", Instances: 3})
	lines := strings.Split(m.Render(), "\n")
	fmt.Println(len(lines), "lines")
	for _, i := range []int{0, 1, 22} {
		fmt.Println(strings.TrimRight(lines[i], " "))
	}
	// Output:
	// 24 lines
	//  kitbench   1 Clock
	// 12:00
	//  devregistry · 3 instances
}
