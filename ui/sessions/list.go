package sessions

import (
	"context"
	"strconv"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/components"
	"github.com/kitbench/kitbench/ui/internal/hubmsg"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/styles"
)

// opTimeout bounds listing and opening files.
const opTimeout = 30 * time.Second

// View lists the session files. Build it with New.
type View struct {
	st    *styles.Styles
	nav   keys.Nav
	km    keys.Sessions
	pk    keys.Pane
	store Store
	rec   ui.Recorder
	table components.Table
	insts map[hub.Key]hub.Instance

	listedOnce, listing bool
}

// New returns the sessions view reading through store; rec toggles the
// recording of dashboard calls (nil: not available).
func New(st *styles.Styles, km keys.Map, store Store, rec ui.Recorder) *View {
	v := &View{st: st, nav: km.Nav.WithEnter("open"), km: keys.SessionsKeys(), pk: km.Pane, store: store, rec: rec, insts: map[hub.Key]hub.Instance{}}
	v.table = components.NewTable(st, v.nav,
		components.Column{Title: "SESSION", Width: 20, Flex: 1},
		components.Column{Title: "SIZE", Width: 9, Align: components.AlignRight, Desc: true,
			Compare: func(a, b components.Row) int { return cmpInt(a.Value.(File).Size, b.Value.(File).Size) }},
		components.Column{Title: "MODIFIED", Width: 16, Desc: true,
			Compare: func(a, b components.Row) int { return a.Value.(File).Modified.Compare(b.Value.(File).Modified) }},
	)
	v.table.Empty = "no sessions: record with R here or in the call view, or kitbench call --record FILE.kitrec"
	return v
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Title implements ui.View.
func (v *View) Title() string { return "Sessions" }

// Offline implements root.Offline: session files are read and replayed
// "as recorded" without a fleet.
func (v *View) Offline() bool { return true }

// Count implements root.Counter: the session files shown and held.
func (v *View) Count() (int, int) { return v.table.Len(), v.table.Total() }

// SetSize implements ui.View.
func (v *View) SetSize(w, h int) { v.table.SetSize(w, h) }

// View implements ui.View.
func (v *View) View() string { return v.table.View() }

// ShortHelp implements help.KeyMap.
func (v *View) ShortHelp() []key.Binding {
	return []key.Binding{v.nav.Down, v.nav.Up, v.nav.Enter, v.km.Reload, v.km.Record}
}

// FullHelp implements help.KeyMap.
func (v *View) FullHelp() [][]key.Binding {
	return append(v.nav.FullHelp(), []key.Binding{v.km.Reload, v.km.Record})
}

// Update implements ui.View.
func (v *View) Update(msg tea.Msg) (ui.View, tea.Cmd) {
	switch msg := msg.(type) {
	case listed:
		if msg.owner != v {
			return v, nil
		}
		v.listing, v.listedOnce = false, true
		if msg.err != nil {
			return v, ui.Notify(ui.Error, "sessions: "+msg.err.Error())
		}
		v.table.SetRows(fileRows(msg.files))
		return v, nil
	case opened:
		if msg.owner != v {
			return v, nil
		}
		if msg.err != nil {
			return v, ui.Notify(ui.Error, msg.err.Error())
		}
		return v, ui.Push(newSessionView(v.st, v.nav, v.km, v.pk, v.store, v.rec, msg.s, v.insts))
	case ui.RecordingMsg:
		return v, v.list() // a recording started or ended: its file is new or grew
	case ui.FilterMsg:
		v.table.SetFilter(components.ParseFilter(msg.Query))
		return v, nil
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, v.nav.Enter):
			if r, ok := v.table.Selected(); ok {
				return v, v.open(r.Value.(File).Path)
			}
		case key.Matches(msg, v.km.Reload):
			return v, v.list()
		case key.Matches(msg, v.km.Record):
			return v, ui.ToggleRecording(v.rec)
		default:
			v.table.Update(msg)
		}
		return v, nil
	}
	if trackInstances(v.insts, msg) && !v.listedOnce {
		return v, v.list()
	}
	return v, nil
}

func (v *View) list() tea.Cmd {
	if v.listing || v.store == nil {
		return nil
	}
	v.listing = true
	s := v.store
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		fs, err := s.List(ctx)
		return listed{owner: v, files: fs, err: err}
	}
}

func (v *View) open(path string) tea.Cmd {
	s := v.store
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		sess, err := s.Open(ctx, path)
		return opened{owner: v, s: sess, err: err}
	}
}

// trackInstances keeps the fleet's instances from hub messages (for the
// replay targets) and reports whether msg was the hub's.
func trackInstances(insts map[hub.Key]hub.Instance, msg tea.Msg) bool {
	if s, ok := hubmsg.Snapshot(msg); ok {
		clear(insts)
		for _, is := range s.Instances {
			insts[is.Key] = is.Instance
		}
		return true
	}
	return hubmsg.Each(msg, func(m hub.Msg) {
		switch m := m.(type) {
		case hub.InstanceUpdate:
			insts[m.Instance.Key] = m.Instance
		case hub.InstanceGone:
			delete(insts, m.Key)
		}
	})
}

func fileRows(fs []File) []components.Row {
	rows := make([]components.Row, len(fs))
	for i, f := range fs {
		rows[i] = components.Row{Key: f.Path, Value: f, Cells: []components.Cell{
			{Text: f.Path},
			{Text: size(f.Size)},
			{Text: f.Modified.Local().Format("2006-01-02 15:04"), Tone: styles.ToneMuted},
		}}
	}
	return rows
}

func size(n int64) string {
	switch {
	case n < 1<<10:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KB"
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
}
