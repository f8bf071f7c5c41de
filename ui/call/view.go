package call

import (
	"context"
	"slices"
	"strings"
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

// View is the call view. Build it with New.
type View struct {
	st   *styles.Styles
	nav  keys.Nav
	km   keys.Call
	pk   keys.Pane
	deps Deps
	opts Options

	cat     catalog
	methods []method
	query   string
	mtable  components.Table // methods, fuzzy-filtered
	htable  components.Table // history

	showHistory    bool
	history        []HistoryEntry
	historyLoaded  bool
	historyLoading bool

	cur      method            // the method being edited; cur.key "" when none
	bodies   map[string]string // edited body per method key
	edited   map[string]bool   // bodies the user touched (a late template must not replace them)
	instance string            // chosen instance ID; "" balanced
	ed       editor
	editing  bool
	rr       int

	seq     int
	sending bool
	stream  *live // the open stream, or the last one; nil after a unary call
	last    *Response
	body    components.Pane // the last response's body
	err     string

	rec  ui.RecordingMsg
	w, h int
}

// New returns the call view acting through deps.
func New(st *styles.Styles, km keys.Map, deps Deps, opts Options) *View {
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	v := &View{st: st, nav: km.Nav.WithEnter("edit"), km: keys.CallKeys(), pk: km.Pane, deps: deps, opts: opts,
		cat: newCatalog(), bodies: map[string]string{}, edited: map[string]bool{}, ed: newEditor(),
		body: components.NewPane(st, km.Pane)}
	v.body.Name = "response"
	v.body.Hint = km.Pane.Open.Help().Key + " scrolls · " + km.Pane.Copy.Help().Key + " copies · " + km.Pane.Pager.Help().Key + " pager"
	v.mtable = components.NewTable(st, v.nav,
		components.Column{Title: "METHOD", Width: 12, Flex: 1, NoSort: true},
		components.Column{Title: "VIA", Width: 4, NoSort: true})
	v.mtable.Empty = "no methods: instances publish them on their admin listener"
	v.htable = components.NewTable(st, v.nav,
		components.Column{Title: "", Width: 1, NoSort: true},
		components.Column{Title: "TIME", Width: 8, NoSort: true},
		components.Column{Title: "METHOD", Width: 10, Flex: 1, NoSort: true})
	v.htable.Empty = "no calls yet"
	return v
}

// Title implements ui.View.
func (v *View) Title() string { return "Call" }

// CapturesKeys implements ui.KeyCapturer: true while the editor has the
// keyboard.
func (v *View) CapturesKeys() bool { return v.editing }

// SetSize implements ui.View.
func (v *View) SetSize(w, h int) {
	v.w, v.h = max(0, w), max(0, h)
	v.mtable.SetSize(v.leftWidth(), v.h)
	v.htable.SetSize(v.leftWidth(), v.h)
	// Below the title, the editor's hint and lines, and the two lines of
	// the response's status.
	v.body.SetSize(max(0, v.w-v.leftWidth()-1), max(0, v.h-4-v.editorHeight()))
}

// Count implements root.Counter: the rows of the list shown.
func (v *View) Count() (int, int) {
	if v.showHistory {
		return v.htable.Len(), v.htable.Total()
	}
	return v.mtable.Len(), v.mtable.Total()
}

// ShortHelp implements help.KeyMap.
func (v *View) ShortHelp() []key.Binding {
	var b []key.Binding
	if v.streaming() {
		b = v.streamHelp()
	}
	if v.editing {
		return append(b, v.km.Send, v.km.Done)
	}
	b = append(b, v.nav.Enter, v.km.Send, v.km.Instance, v.km.Trace, v.km.History)
	if v.showHistory {
		b = append(b, v.km.Rerun)
	}
	if v.last != nil && v.body.Text() != "" {
		b = append(b, v.pk.Open, v.pk.Copy)
	}
	return append(b, v.km.Record)
}

// FullHelp implements help.KeyMap.
func (v *View) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{v.nav.Up, v.nav.Down, v.nav.Enter, v.km.Edit, v.km.Done},
		{v.km.Send, v.km.Instance, v.km.Trace},
		{v.km.History, v.km.Rerun, v.km.Record},
		{v.pk.Open, v.pk.Copy, v.pk.Pager},
		{v.km.HalfClose, v.km.Cancel},
	}
}

// Update implements ui.View.
func (v *View) Update(msg tea.Msg) (ui.View, tea.Cmd) {
	if cmd, ok := v.streamUpdate(msg); ok {
		return v, cmd
	}
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return v, v.key(msg)
	case tea.PasteMsg:
		if v.editing {
			v.ed.update(msg)
			v.touch()
		}
		return v, nil
	case ui.FilterMsg:
		v.query = msg.Query
		v.refreshMethods()
		v.htable.SetFilter(components.ParseFilter(msg.Query))
		return v, nil
	case ui.RecordingMsg:
		if msg.Err == "" {
			v.rec = msg
		}
		return v, nil
	case callDone:
		return v, v.callDone(msg)
	case templateDone:
		if msg.owner == v && msg.err == nil && !v.edited[msg.method] {
			v.bodies[msg.method] = pretty(msg.body)
			if v.cur.key == msg.method {
				v.ed.set(v.bodies[msg.method])
			}
		}
		return v, nil
	case historyListed:
		if msg.owner != v {
			return v, nil
		}
		v.historyLoading = false
		if msg.err != nil {
			return v, ui.Notify(ui.Error, "history: "+msg.err.Error())
		}
		v.historyLoaded, v.history = true, msg.entries
		v.htable.SetRows(historyRows(v.history))
		return v, nil
	case historySaved:
		if msg.owner != v {
			return v, nil
		}
		if msg.err != nil {
			return v, ui.Notify(ui.Warn, "history: "+msg.err.Error())
		}
		if v.historyLoaded {
			v.history = append([]HistoryEntry{msg.entry}, v.history...)
			v.htable.SetRows(historyRows(v.history))
		}
		return v, nil
	}
	if s, ok := hubmsg.Snapshot(msg); ok {
		v.cat.reset(s)
		v.refreshMethods()
		return v, nil
	}
	changed := false
	hubmsg.Each(msg, func(m hub.Msg) { changed = v.cat.apply(m) || changed })
	if changed {
		v.refreshMethods()
	}
	return v, nil
}

func (v *View) key(k tea.KeyPressMsg) tea.Cmd {
	if v.streaming() {
		if cmd, ok := v.streamKey(k); ok {
			return cmd
		}
	}
	if v.editing {
		switch {
		case key.Matches(k, v.km.Send):
			return v.send()
		case key.Matches(k, v.km.Done):
			v.editing = false
		default:
			v.ed.update(k)
			v.touch()
		}
		return nil
	}
	switch {
	case key.Matches(k, v.km.Send):
		return v.send()
	case key.Matches(k, v.km.Record):
		return ui.ToggleRecording(v.deps.Recorder)
	case key.Matches(k, v.km.History):
		v.showHistory = !v.showHistory
		if v.showHistory && !v.historyLoaded && !v.historyLoading && v.deps.History != nil {
			v.historyLoading = true
			return v.listHistory()
		}
	case key.Matches(k, v.km.Instance):
		v.nextInstance()
	case key.Matches(k, v.km.Trace):
		if v.last == nil || v.last.TraceID == "" {
			return ui.Notify(ui.Warn, "no trace yet: send a call first")
		}
		return ui.OpenTrace(v.last.TraceID)
	case key.Matches(k, v.km.Edit):
		if v.cur.key == "" {
			return ui.Notify(ui.Warn, "pick a method first (enter)")
		}
		v.editing = true
	case key.Matches(k, v.pk.Open), key.Matches(k, v.pk.Copy), key.Matches(k, v.pk.Pager):
		return v.bodyKey(k)
	case key.Matches(k, v.nav.Enter):
		return v.enter(false)
	case v.showHistory && key.Matches(k, v.km.Rerun):
		return v.enter(true)
	case v.showHistory:
		v.htable.Update(k)
	default:
		v.mtable.Update(k)
	}
	return nil
}

// bodyKey opens, copies or pages the last response's body.
func (v *View) bodyKey(k tea.KeyPressMsg) tea.Cmd {
	if (v.last == nil && v.stream == nil) || v.body.Text() == "" {
		return ui.Notify(ui.Warn, "no response body yet: ctrl+s sends the request")
	}
	if key.Matches(k, v.pk.Open) {
		var head string
		if v.last != nil {
			head = v.last.Status + " · " + latency(v.last) + " · " + v.last.Instance + " · " + v.last.Method
		} else {
			head = v.cur.key + " · " + v.streamLine() // a stream's messages so far
		}
		return ui.Push(components.NewPaneView(v.st, v.pk, "Response", head, v.body.Text()))
	}
	_, cmd := v.body.Update(k)
	return cmd
}

// touch keeps the edited body of the current method.
func (v *View) touch() {
	if v.cur.key != "" {
		v.bodies[v.cur.key] = v.ed.value()
		v.edited[v.cur.key] = true
	}
}

// enter opens the method (or history entry) under the cursor in the
// editor; from history, rerun sends it at once.
func (v *View) enter(rerun bool) tea.Cmd {
	if !v.showHistory {
		r, ok := v.mtable.Selected()
		if !ok {
			return nil
		}
		cmd := v.open(r.Value.(method))
		v.editing = true
		return cmd
	}
	r, ok := v.htable.Selected()
	if !ok {
		return nil
	}
	e := r.Value.(HistoryEntry)
	m, ok := v.find(e.Service + "." + e.Method)
	if !ok {
		m = method{key: e.Service + "." + e.Method, service: e.Service, name: e.Method}
	}
	v.open(m)
	v.bodies[m.key], v.edited[m.key] = string(e.Body), true
	v.ed.set(string(e.Body))
	v.instance = e.Instance
	if rerun {
		return v.send()
	}
	v.editing = true
	return nil
}

func (v *View) find(k string) (method, bool) {
	i := slices.IndexFunc(v.methods, func(m method) bool { return m.key == k })
	if i < 0 {
		return method{}, false
	}
	return v.methods[i], true
}

// open makes m the current method and fills the editor: the body edited
// before, else its published example, else {} and a template request.
func (v *View) open(m method) tea.Cmd {
	if m.service != v.cur.service {
		v.instance = ""
	}
	v.cur = m
	if b, ok := v.bodies[m.key]; ok {
		v.ed.set(b)
		return nil
	}
	if len(m.example) > 0 {
		v.bodies[m.key] = pretty(m.example)
		v.ed.set(v.bodies[m.key])
		return nil
	}
	v.bodies[m.key] = "{}"
	v.ed.set("{}")
	cands := v.cat.candidates(m.service, m.name, "", 0)
	if v.deps.Caller == nil || len(cands) == 0 {
		return nil
	}
	req := Request{Service: m.service, Method: m.name, Instances: cands}
	c, timeout := v.deps.Caller, v.opts.Timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		b, err := c.Template(ctx, req)
		return templateDone{owner: v, method: m.key, body: b, err: err}
	}
}

func (v *View) nextInstance() {
	if v.cur.key == "" {
		return
	}
	ids := []string{""}
	for _, in := range v.cat.instances(v.cur.service, v.cur.name) {
		ids = append(ids, in.InstanceID)
	}
	i := slices.Index(ids, v.instance)
	v.instance = ids[(i+1)%len(ids)]
}

// refreshMethods rebuilds the method list from the catalog and the filter.
func (v *View) refreshMethods() {
	v.methods = v.cat.methods()
	f := components.ParseFilter(v.query)
	type scored struct {
		m     method
		score int
	}
	var keep []scored
	for _, m := range v.methods {
		s, ok := fuzzy(f.Text, m.key)
		if f.Invert {
			ok = !strings.Contains(strings.ToLower(m.key), f.Text)
		}
		if ok {
			keep = append(keep, scored{m, s})
		}
	}
	slices.SortStableFunc(keep, func(a, b scored) int { return b.score - a.score })
	rows := make([]components.Row, len(keep))
	for i, s := range keep {
		rows[i] = components.Row{Key: s.m.key, Cells: components.Texts(s.m.key, via(s.m.transports)), Value: s.m}
	}
	v.mtable.SetRows(rows)
	if v.query != "" {
		v.mtable.Update(tea.KeyPressMsg{Code: tea.KeyHome}) // the best match
	}
}
