package limits

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/components"
	"github.com/kitbench/kitbench/ui/controls"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/styles"
)

// History is how many one-second rejection samples a limiter keeps.
const History = 30

const sparkWidth = 10

type id struct {
	key  hub.Key
	name string
}

type entry struct {
	id
	l       wire.Limiter
	rej     components.History
	prevRej uint64
	sampled bool
	recent  float64 // rejections per second at the last sample
}

// View is the rate-limit view. Build it with New.
type View struct {
	st  *styles.Styles
	km  keys.Map
	nav keys.Nav
	ck  keys.Controls

	act    controls.Active // the controls in force, for the rows' markers
	prompt controls.Prompt // the rate form and its question

	items   map[id]*entry
	now     time.Time
	sampled time.Time
	dirty   bool

	table   components.Table
	summary string
	w, h    int
	short   bool // the RATE column is too narrow for "5/s for 1m0s": "5/s 1m0s"
	scratch []float64
}

// New returns an empty rate-limit view.
func New(st *styles.Styles, km keys.Map) *View {
	v := &View{st: st, km: km, nav: km.Nav, items: map[id]*entry{}, ck: keys.ControlsKeys(), prompt: controls.NewPrompt(st)}
	v.nav.Enter.SetEnabled(false) // nothing to drill into
	right := components.AlignRight
	v.table = components.NewTable(st, v.nav,
		components.Column{Title: "INSTANCE", Width: 12, Flex: 1, NoSort: true, KeepEnd: true},
		components.Column{Title: "LIMITER", Width: 11, Flex: 2, KeepEnd: true, Compare: func(a, b components.Row) int {
			return strings.Compare(a.Value.(*entry).name, b.Value.(*entry).name)
		}},
		components.Column{Title: "MODE", Width: 5, NoSort: true},
		// RATE shows an override with its countdown whole ("5/s for
		// 1m0s"; fitMarkers).
		components.Column{Title: "RATE", Width: 6, Align: right, NoSort: true},
		components.Column{Title: "BURST", Width: 5, Align: right, NoSort: true},
		components.Column{Title: "TOKENS", Width: 6, Align: right, NoSort: true},
		components.Column{Title: "ALLOWED", Width: 7, Align: right, NoSort: true},
		components.Column{Title: "REJECTED", Width: 8, Align: right, Desc: true, Compare: func(a, b components.Row) int {
			return cmp.Compare(a.Value.(*entry).l.Rejected, b.Value.(*entry).l.Rejected)
		}},
		components.Column{Title: "REJECTIONS", Width: sparkWidth, NoSort: true},
	)
	v.table.Empty = "no rate limiters seen yet"
	v.rebuild()
	return v
}

// Update applies hub messages, the clock, the filter and the keys.
func (v *View) Update(msg tea.Msg) (ui.View, tea.Cmd) {
	if v.act.Apply(msg) {
		v.dirty = true
	}
	switch msg := msg.(type) {
	case hub.Snapshot:
		seen := map[id]bool{}
		for _, in := range msg.Instances {
			for _, l := range in.Limiters {
				v.apply(in.Key, l)
				seen[id{in.Key, l.Name}] = true
			}
		}
		for k := range v.items {
			if !seen[k] {
				delete(v.items, k)
			}
		}
		v.rebuild()
	case hub.LimiterUpdate:
		v.apply(msg.Key, msg.Limiter)
		v.dirty = true
	case hub.InstanceGone:
		for k := range v.items {
			if k.key == msg.Key {
				delete(v.items, k)
				v.dirty = true
			}
		}
	case ui.TickMsg:
		v.now = msg.Now
		if msg.Now.Sub(v.sampled) >= time.Second {
			v.sample(msg.Now)
		}
		if v.dirty || v.act.Any() { // an override's countdown moves
			v.rebuild()
		}
	case ui.FilterMsg:
		v.table.SetFilter(components.ParseFilter(msg.Query))
	case tea.PasteMsg:
		if v.prompt.Open() {
			return v, v.prompted(msg)
		}
	case tea.KeyPressMsg:
		if v.prompt.Open() {
			return v, v.prompted(msg)
		}
		if v.controlKey(msg) {
			return v, nil
		}
		if v.table.Update(msg) && key.Matches(msg, v.nav.Sort) {
			v.summary = v.makeSummary()
		}
	}
	return v, nil
}

func (v *View) apply(k hub.Key, l wire.Limiter) {
	i := id{k, l.Name}
	e, ok := v.items[i]
	if !ok {
		e = &entry{id: i, rej: components.NewHistory(History)}
		v.items[i] = e
	}
	e.l = l
}

// sample records each limiter's rejections per second since the last
// sample.
func (v *View) sample(now time.Time) {
	dt := now.Sub(v.sampled).Seconds()
	first := v.sampled.IsZero()
	v.sampled = now
	for _, e := range v.items {
		cur := e.l.Rejected
		if e.sampled && !first && dt > 0 {
			d := cur
			if cur >= e.prevRej {
				d = cur - e.prevRej
			}
			e.recent = float64(d) / dt
			e.rej.Add(e.recent)
		}
		e.prevRej, e.sampled = cur, true
	}
	v.dirty = true
}

func (v *View) rebuild() {
	v.dirty = false
	list := make([]*entry, 0, len(v.items))
	for _, e := range v.items {
		list = append(list, e)
	}
	slices.SortFunc(list, func(a, b *entry) int {
		return cmp.Or(-cmp.Compare(min(a.recent, 1), min(b.recent, 1)),
			strings.Compare(a.key.Service, b.key.Service), strings.Compare(a.key.InstanceID, b.key.InstanceID),
			strings.Compare(a.name, b.name))
	})
	v.fitMarkers()
	rows := make([]components.Row, len(list))
	for i, e := range list {
		l := e.l
		v.scratch = e.rej.Values(v.scratch[:0])
		rejTone, sparkTone := styles.ToneNormal, styles.ToneMuted
		if l.Rejected > 0 {
			rejTone = styles.ToneWarn
		}
		if e.recent > 0 {
			sparkTone = styles.ToneBad
		}
		rate := components.Cell{Text: components.Rate(l.Rate)}
		if m := v.marker(e, v.short); m != "" {
			rate = components.Cell{Text: m, Tone: styles.ToneWarn}
		}
		rows[i] = components.Row{Key: e.key.String() + "\x00" + e.name, Value: e, Cells: []components.Cell{
			{Text: instanceLabel(e.key)},
			{Text: e.name},
			{Text: l.Mode},
			rate,
			{Text: strconv.Itoa(l.Burst)},
			{Text: strconv.FormatFloat(l.Tokens, 'f', 1, 64)},
			{Text: components.Count(l.Allowed)},
			{Text: components.Count(l.Rejected), Tone: rejTone},
			{Text: components.Sparkline(v.scratch, sparkWidth), Tone: sparkTone},
		}}
	}
	v.table.SetRows(rows)
	v.summary = v.makeSummary()
}

func (v *View) makeSummary() string {
	var rejecting int
	var allowed, rejected uint64
	for _, e := range v.items {
		allowed += e.l.Allowed
		rejected += e.l.Rejected
		if e.recent > 0 {
			rejecting++
		}
	}
	sort := "activity"
	if c := v.table.SortColumn(); c >= 0 {
		sort = [...]string{1: "name", 7: "rejected"}[c]
	}
	muted := v.st.Tone(styles.ToneMuted)
	n := strconv.Itoa(len(v.items)) + " limiters"
	if len(v.items) == 1 {
		n = "1 limiter"
	}
	line := v.st.Title.Render(" "+n) + muted.Render(" · ")
	if rejecting > 0 {
		line += v.st.Tone(styles.ToneBad).Render(strconv.Itoa(rejecting)+" rejecting now") + muted.Render(" · ")
	}
	line += "allowed " + components.Count(allowed) + muted.Render(" · ") + "rejected " + components.Count(rejected)
	return line + muted.Render("   sorted by "+sort+" (s)")
}

// View renders the summary line and the table.
func (v *View) View() string {
	return controls.Render(v.summary, &v.table, &v.prompt, v.w, v.h)
}

// SetSize gives the body size; the markers' form follows the width.
func (v *View) SetSize(w, h int) {
	v.w, v.h = w, h
	v.fit()
	if v.act.Any() {
		v.rebuild()
	}
}

// Title is the tab's name.
func (v *View) Title() string { return "Limits" }

// Count implements root.Counter: the limiters shown (after the filter)
// and held.
func (v *View) Count() (shown, total int) { return v.table.Len(), v.table.Total() }

// ShortHelp implements help.KeyMap: the prompt's keys while it is open.
func (v *View) ShortHelp() []key.Binding {
	if v.prompt.Open() {
		return v.prompt.ShortHelp()
	}
	return []key.Binding{v.nav.Down, v.nav.Up, v.nav.Sort, v.ck.Limit}
}

// FullHelp implements help.KeyMap.
func (v *View) FullHelp() [][]key.Binding {
	if v.prompt.Open() {
		return v.prompt.FullHelp()
	}
	n := v.nav
	return [][]key.Binding{{n.Up, n.Down, n.PageUp, n.PageDown}, {n.Top, n.Bottom, n.Sort}, {v.ck.Limit}}
}

// instanceLabel names an instance in a row: its ID when that already
// starts with the service's name ("gateway-1"), else service/ID.
func instanceLabel(k hub.Key) string {
	if strings.HasPrefix(k.InstanceID, k.Service) {
		return k.InstanceID
	}
	return k.String()
}
