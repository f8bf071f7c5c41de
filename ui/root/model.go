package root

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/components"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/styles"
)

// The smallest terminal the workbench draws in; below it the screen says so.
const (
	MinWidth  = 80
	MinHeight = 24
)

// chrome is the number of lines around the body with a one-line status:
// header, status, bottom. A status that wraps takes up to maxStatus lines.
const (
	chrome    = 3
	maxStatus = 2
)

// ErrTabs reports an unusable tab list given to New.
var ErrTabs = errors.New("root: invalid tabs")

// Tab is one top-level view, reachable by ':'+ID, by its number and by tab.
type Tab struct {
	ID   ui.ViewID
	View ui.View
}

// Options configure the root model. The zero value is usable: plain styles,
// default keys, no subscriptions.
type Options struct {
	// Name is shown at the left of the header; zero means "kitbench".
	Name string
	// Styles are shared with the views; nil means plain (NoTTY) styles.
	// When Bubble Tea reports the terminal's colour profile and FollowProfile
	// is set, the root rebuilds them in place, so every view holding the
	// pointer follows.
	Styles        *styles.Styles
	FollowProfile bool
	// Keys is the key map; nil means keys.Default().
	Keys *keys.Map
	// Subscriptions are started by Init, typically ui.WaitFor commands.
	Subscriptions []tea.Cmd
	// StatusOf, when set, is asked about every broadcast message and may
	// derive the status line from it (e.g. from a hub snapshot). It must be
	// a pure function.
	StatusOf func(tea.Msg) (ui.StatusMsg, bool)
	// NoticeFor is how long a notice stays; zero means 4 seconds.
	NoticeFor time.Duration
}

type mode uint8

const (
	modeNormal mode = iota
	modeCommand
	modeFilter
	modeHelp
	modeConfirm // "quit kitbench?" asked on the bottom line
)

// EmptyMsg tells the root that the fleet is empty: the source failed or
// found nothing. While Lines is set, a top-level view that needs a fleet
// (every view but an Offline one) shows Title and Lines instead of its
// body — what was tried and what to do next. A zero EmptyMsg clears it.
// The wiring of the data source sends it (the dashboard does).
type EmptyMsg struct {
	Title string
	Lines []string
}

// Offline is implemented by a view that is useful without a fleet (the
// sessions view replays files): it keeps its body while EmptyMsg is set.
type Offline interface {
	Offline() bool
}

// Counter is implemented by a view that can say how many rows it shows
// and holds; with a filter active the header shows "4/17 · /GetBook".
type Counter interface {
	Count() (shown, total int)
}

type entry struct {
	view   ui.View
	filter string // the query last sent to the view as a FilterMsg
}

type tab struct {
	id    ui.ViewID
	stack []entry // stack[0] is the tab's own view; pushes go on top
}

// Model is the root tea.Model. Build it with New.
type Model struct {
	opts   Options
	st     *styles.Styles
	keys   keys.Map
	tabs   []tab
	focus  int
	mode   mode
	input  components.Input
	before string // filter text when '/' was pressed, restored by esc

	status   components.StatusLine
	statusH  int // lines the status takes at the current width
	noticeID int
	empty    EmptyMsg

	width, height int
}

// noticeExpired clears notice id when it is still the one shown.
type noticeExpired struct{ id int }

// New returns the root model with the given tabs, the first focused.
func New(opts Options, tabs ...Tab) (*Model, error) {
	if len(tabs) == 0 {
		return nil, fmt.Errorf("%w: no tabs", ErrTabs)
	}
	m := &Model{opts: opts, st: opts.Styles, keys: keys.Default()}
	if m.st == nil {
		plain := styles.New(colorprofile.NoTTY)
		m.st = &plain
	}
	if opts.Keys != nil {
		m.keys = *opts.Keys
	}
	if m.opts.Name == "" {
		m.opts.Name = "kitbench"
	}
	if m.opts.NoticeFor <= 0 {
		m.opts.NoticeFor = 4 * time.Second
	}
	seen := map[ui.ViewID]bool{}
	for i, t := range tabs {
		switch {
		case t.ID == "":
			return nil, fmt.Errorf("%w: tab %d has no ID", ErrTabs, i)
		case t.View == nil:
			return nil, fmt.Errorf("%w: tab %q has no view", ErrTabs, t.ID)
		case seen[t.ID]:
			return nil, fmt.Errorf("%w: duplicate tab %q", ErrTabs, t.ID)
		}
		seen[t.ID] = true
		m.tabs = append(m.tabs, tab{id: t.ID, stack: []entry{{view: t.View}}})
	}
	m.input = components.NewInput(m.st, m.keys.Input, ":")
	m.status.Instances = -1
	m.statusH = 1
	return m, nil
}

// Init starts the subscriptions.
func (m *Model) Init() tea.Cmd { return tea.Batch(m.opts.Subscriptions...) }

// Update routes msg; see the package documentation for the rules.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = max(0, msg.Width), max(0, msg.Height)
		m.statusH = m.status.Height(m.width, maxStatus)
		m.resize()
		return m, nil
	case tea.KeyPressMsg:
		return m, m.key(msg)
	case tea.PasteMsg:
		if m.mode == modeCommand || m.mode == modeFilter {
			return m, m.edit(msg)
		}
		return m, m.updateFocused(msg)
	case tea.MouseMsg:
		return m, m.updateFocused(msg)
	case ui.PushMsg:
		m.push(msg.View)
		return m, nil
	case ui.StatusMsg:
		m.setStatus(msg)
		m.relayout()
		return m, nil
	case EmptyMsg:
		m.empty = msg
		return m, nil
	case ui.NoticeMsg:
		cmd := m.notify(msg)
		m.relayout()
		return m, cmd
	case noticeExpired:
		if msg.id == m.noticeID {
			m.status.Notice = ""
			m.relayout()
		}
		return m, nil
	case ui.RecordingMsg:
		if msg.Err == "" {
			m.status.Mode = ""
			if msg.On {
				m.status.Mode = "● REC " + msg.Path + " (" + strconv.Itoa(msg.Calls) + " calls)"
			}
			m.relayout()
		}
	case tea.ColorProfileMsg:
		if m.opts.FollowProfile {
			*m.st = styles.New(msg.Profile)
		}
	}

	cmd := m.broadcast(msg)
	if m.opts.StatusOf != nil {
		if s, ok := m.opts.StatusOf(msg); ok {
			m.setStatus(s)
		}
	}
	if _, ok := msg.(ui.ClosedSubscription); ok {
		m.status.Stale = true
		m.status.Err = "updates stopped"
		m.relayout()
	}
	if r, ok := msg.(ui.Rearmer); ok {
		cmd = tea.Batch(cmd, r.Next())
	}
	return m, cmd
}

func (m *Model) setStatus(s ui.StatusMsg) {
	m.status.Source, m.status.Instances = s.Source, s.Instances
	m.status.Stale, m.status.Err, m.status.Retry = s.Stale, s.Err, s.Retry
}

// relayout resizes the views when the status line's height changed.
func (m *Model) relayout() {
	if h := m.status.Height(m.width, maxStatus); h != m.statusH {
		m.statusH = h
		m.resize()
	}
}

func (m *Model) notify(n ui.NoticeMsg) tea.Cmd {
	m.noticeID++
	id := m.noticeID
	m.status.Notice = n.Text
	m.status.NoticeTone = [...]styles.Tone{ui.Info: styles.ToneInfo, ui.Warn: styles.ToneWarn, ui.Error: styles.ToneBad}[min(n.Level, ui.Error)]
	return tea.Tick(m.opts.NoticeFor, func(time.Time) tea.Msg { return noticeExpired{id: id} })
}
