package root_test

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/components"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/styles"
)

// rowsMsg is the test's stand-in for a data snapshot: the rows of a view.
type rowsMsg []components.Row

// tableView is a minimal view for tests: a Table fed by ui.Received[rowsMsg],
// filtered by FilterMsg, drilling into a detailView on enter. It records
// every message it gets so routing can be asserted.
type tableView struct {
	title string
	km    keys.Nav
	st    *styles.Styles
	table components.Table
	got   []tea.Msg
	w, h  int
}

func newTableView(st *styles.Styles, title string) *tableView {
	km := keys.Default().Nav
	v := &tableView{title: title, km: km, st: st}
	v.table = components.NewTable(st, km,
		components.Column{Title: "NAME", Width: 12, Flex: 2},
		components.Column{Title: "STATE", Width: 9},
		components.Column{Title: "ERR%", Width: 6, Align: components.AlignRight, Desc: true},
		components.Column{Title: "RATE", Width: 10, NoSort: true},
		components.Column{Title: "TAGS", Width: 10, Flex: 1},
	)
	return v
}

func (v *tableView) Update(msg tea.Msg) (ui.View, tea.Cmd) {
	v.got = append(v.got, msg)
	switch msg := msg.(type) {
	case ui.Received[rowsMsg]:
		v.table.SetRows(msg.Value)
	case ui.FilterMsg:
		v.table.SetFilter(components.ParseFilter(msg.Query))
	case tea.KeyPressMsg:
		if key.Matches(msg, v.km.Enter) {
			if r, ok := v.table.Selected(); ok {
				return v, ui.Push(&detailView{key: r.Key})
			}
			return v, nil
		}
		v.table.Update(msg)
	}
	return v, nil
}

func (v *tableView) View() string              { return v.table.View() }
func (v *tableView) SetSize(w, h int)          { v.w, v.h = w, h; v.table.SetSize(w, h) }
func (v *tableView) Title() string             { return v.title }
func (v *tableView) ShortHelp() []key.Binding  { return v.km.ShortHelp() }
func (v *tableView) FullHelp() [][]key.Binding { return v.km.FullHelp() }
func (v *tableView) selected() string          { r, _ := v.table.Selected(); return r.Key }
func (v *tableView) Count() (int, int)         { return v.table.Len(), v.table.Total() }
func (v *tableView) count(match func(tea.Msg) bool) int {
	n := 0
	for _, m := range v.got {
		if match(m) {
			n++
		}
	}
	return n
}

// detailView is what enter pushes.
type detailView struct {
	key  string
	got  []tea.Msg
	w, h int
}

func (d *detailView) Update(msg tea.Msg) (ui.View, tea.Cmd) {
	d.got = append(d.got, msg)
	return d, nil
}
func (d *detailView) View() string              { return fmt.Sprintf("detail of %s (%dx%d)", d.key, d.w, d.h) }
func (d *detailView) SetSize(w, h int)          { d.w, d.h = w, h }
func (d *detailView) Title() string             { return d.key }
func (d *detailView) ShortHelp() []key.Binding  { return nil }
func (d *detailView) FullHelp() [][]key.Binding { return nil }

// fleetRows is a fixed data set: n rows with deterministic states, rates
// and tags.
func fleetRows(n int) rowsMsg {
	states := []string{"closed", "open", "half-open"}
	rows := make(rowsMsg, n)
	for i := range rows {
		state := states[i%len(states)]
		series := []float64{float64(i % 5), float64((i * 3) % 7), float64((i * 5) % 11), float64(i % 4), 2, 5, float64(i % 9)}
		rows[i] = components.Row{
			Key: fmt.Sprintf("book-%04d", i),
			Cells: []components.Cell{
				{Text: fmt.Sprintf("book-%04d", i)},
				{Text: state, Tone: styles.BreakerTone(state)},
				{Text: fmt.Sprintf("%d.%d%%", (i*37)%100, i%10), Tone: styles.ToneNormal},
				{Text: components.Sparkline(series, 10)},
				{Text: fmt.Sprintf("zone=z%d", i%3)},
			},
		}
	}
	return rows
}
