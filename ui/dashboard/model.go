package dashboard

import (
	"cmp"
	"context"
	"strconv"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/call"
	"github.com/kitbench/kitbench/ui/components"
	"github.com/kitbench/kitbench/ui/instances"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/root"
	"github.com/kitbench/kitbench/ui/sessions"
	"github.com/kitbench/kitbench/ui/styles"
)

// Defaults of Options.
const (
	DefaultTick     = 250 * time.Millisecond
	DefaultMaxBatch = 256
)

// Options configure the dashboard. The zero value is usable: plain
// styles, default keys, the hub's own description of its source.
type Options struct {
	// Styles are shared by every view; nil means plain (NoTTY) styles.
	// With FollowProfile they follow the terminal's colour profile.
	Styles        *styles.Styles
	FollowProfile bool
	// Keys is the key map; nil means keys.Default().
	Keys *keys.Map
	// Source names the data source in the status line ("demo · dev
	// registry 127.0.0.1:8500"); empty means the hub's description.
	Source string
	// Tick is the period of ui.TickMsg; zero means DefaultTick.
	Tick time.Duration
	// MaxBatch bounds the hub messages delivered at once; zero means
	// DefaultMaxBatch.
	MaxBatch int
	// Call is what the call view acts through (calls, history, recording);
	// without a Caller there is no call tab.
	Call call.Deps
	// Sessions lists, reads and replays session files; nil means no
	// sessions tab.
	Sessions sessions.Store
	// Pager returns the command that shows text in the user's pager with
	// the terminal (tea.ExecProcess), calling done when it ends. The UI
	// packages do no I/O, so the command comes from the caller; nil means
	// `o` only says that no pager is set up.
	Pager func(text string, done tea.ExecCallback) tea.Cmd
	// Hint is what the empty screen tells the user to do when no fleet
	// can be found (start a registry, point at one); empty means a
	// generic line.
	Hint string
	// Export writes the exchanges a view's x asks for (ui.ExportMsg) to a
	// session file; nil means x only says that exporting is not available.
	Export ui.Exporter
	// Controls sets and clears the controls a view asks for (ui.ControlMsg,
	// after the user confirmed); nil means such keys only say that
	// controls are not available.
	Controls ui.Controller
}

// Model is the dashboard's tea.Model: the root model and the bridge.
// Build it with New and Close it after the program ends.
type Model struct {
	root   *root.Model
	bridge *bridge
	wait   tea.Cmd
	opts   Options
	ctx    context.Context // ends with Close: bounds the exports
	fleet  Fleet           // used only by commands

	source  hub.SourceStatus
	dropped uint64
	now     time.Time // the last tick
	down    time.Time // when the source was first seen failing; zero while it answers
	refresh hub.RefreshStatus
}

// tick is the dashboard's own timer message, re-armed on every tick.
type tick time.Time

// New builds the dashboard on fleet and stream (a *hub.Hub and one of its
// subscriptions) and starts the bridge goroutine; Close stops it.
func New(opts Options, fleet Fleet, stream Stream) (*Model, error) {
	if opts.Styles == nil {
		st := styles.New(colorprofile.NoTTY)
		opts.Styles = &st
	}
	km := keys.Default()
	if opts.Keys != nil {
		km = *opts.Keys
	}
	if opts.Tick <= 0 {
		opts.Tick = DefaultTick
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = DefaultMaxBatch
	}
	r, err := root.New(root.Options{Styles: opts.Styles, FollowProfile: opts.FollowProfile, Keys: &km},
		tabs(env{st: opts.Styles, keys: km, fleet: fleet, opts: opts})...)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &Model{root: r, opts: opts, ctx: ctx, fleet: fleet}
	m.bridge = startBridge(ctx, cancel, fleet, stream, opts.MaxBatch)
	m.wait = ui.WaitFor(ctx, m.bridge.out) // ends with ctx, on Close
	return m, nil
}

// Close stops the bridge and waits for it. It is idempotent.
func (m *Model) Close() { m.bridge.stop() }

// Root returns the root model, for tests and captures.
func (m *Model) Root() *root.Model { return m.root }

// Init starts the bridge's delivery and the clock.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.root.Init(), m.wait, func() tea.Msg { return tick(time.Now()) })
}

// Update unwraps the bridge's batches and the clock for the root, keeps
// the status line, and passes everything else on.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case ui.Received[batch]:
		cmds := make([]tea.Cmd, 0, len(msg.Value)+1)
		for _, x := range msg.Value {
			cmds = append(cmds, m.forward(x))
		}
		return m, tea.Batch(append(cmds, msg.Next())...)
	case tick:
		m.now = time.Time(msg)
		if m.source.Err != "" { // the retry's age ticks on screen
			m.root.Update(m.status())
			m.root.Update(m.emptyState())
		}
		next := tea.Tick(m.opts.Tick, func(t time.Time) tea.Msg { return tick(t) })
		return m, tea.Batch(m.forward(ui.TickMsg{Now: time.Time(msg)}), next)
	case instances.FocusMsg:
		return m, focus(m.fleet, msg)
	case components.PagerMsg:
		// The pager runs with the terminal, off the update loop.
		if m.opts.Pager == nil {
			return m, ui.Notify(ui.Warn, "no pager is set up here")
		}
		return m, m.opts.Pager(msg.Text, func(err error) tea.Msg {
			if err != nil {
				return ui.NoticeMsg{Text: "pager: " + err.Error() + " (set $PAGER)", Level: ui.Error}
			}
			return nil
		})
	case ui.ExportMsg:
		return m, m.export(msg)
	case ui.ControlMsg:
		return m, m.control(msg)
	}
	return m, m.forward(msg)
}

// forward gives msg to the root, with the status line it implies first.
func (m *Model) forward(msg tea.Msg) tea.Cmd {
	changed := false
	switch msg := msg.(type) {
	case hub.SourceStatus:
		m.source, changed = msg, true
	case hub.Snapshot:
		m.source, changed = msg.Source, true
	case hub.Dropped:
		m.dropped += msg.N
		changed = true
	case hub.RefreshStatus:
		m.refresh, changed = msg, true
	}
	if changed {
		switch {
		case m.source.Err == "":
			m.down = time.Time{}
		case m.down.IsZero():
			m.down = m.now
		}
		m.root.Update(m.status())
		m.root.Update(m.emptyState())
	}
	_, cmd := m.root.Update(msg)
	return cmd
}

// status is the status line for the source and the drops.
func (m *Model) status() ui.StatusMsg {
	s := m.source
	src := m.opts.Source
	if src == "" {
		src = s.Source
	}
	if !s.Ready && s.Err == "" {
		src += " · connecting…"
	}
	if r := m.refresh; r.Every > 0 {
		src += " · " + refreshText(r)
	}
	if m.dropped > 0 {
		src += " · " + strconv.FormatUint(m.dropped, 10) + " updates dropped"
	}
	st := ui.StatusMsg{Source: src, Instances: s.Instances, Stale: s.Stale, Err: s.Err}
	if s.Err != "" {
		st.Retry = "retrying" + m.downFor()
	}
	return st
}

// downFor is ", down for 12s" while the source fails, "" before the
// first tick.
func (m *Model) downFor() string {
	if m.down.IsZero() || m.now.Before(m.down) {
		return ""
	}
	return ", down for " + m.now.Sub(m.down).Truncate(time.Second).String()
}

// emptyState is what the main pane says while the fleet is empty: what
// was tried, what came back, that it keeps trying, and what to do (the
// CLI's hint). A zero message while instances are known or the source has
// not answered yet.
func (m *Model) emptyState() root.EmptyMsg {
	s := m.source
	if s.Instances > 0 || (s.Err == "" && !s.Ready) {
		return root.EmptyMsg{}
	}
	where := s.Source
	if where == "" {
		where = "the registry"
	}
	tried := "Tried " + where + ": it answered, with no instances registered."
	retry := "Watching it: instances show up here as they register."
	if s.Err != "" {
		tried = "Tried " + where + ": " + components.CauseFirst(s.Err) + "."
		retry = "Retrying every few seconds" + m.downFor() + "; this screen fills in when it answers."
	}
	return root.EmptyMsg{Title: "No instances found", Lines: []string{tried, "", retry, "", "To see a fleet: " + cmp.Or(m.opts.Hint, "start a registry or point kitbench at one") + "."}}
}

// View draws the root.
func (m *Model) View() tea.View { return m.root.View() }

// refreshText is the status line's account of the hub's refreshing:
// "refresh 2s · 40 probes/s", or "refresh 2s–15s · …" when the probe
// budget stretches the period of instances off screen.
func refreshText(r hub.RefreshStatus) string {
	every := r.Every.Round(100 * time.Millisecond).String()
	if slow := r.Slowest.Round(time.Second); slow > r.Every {
		every += "–" + slow.String()
	}
	return "refresh " + every + " · " + strconv.FormatFloat(r.ProbesPerSecond, 'f', 0, 64) + " probes/s"
}
