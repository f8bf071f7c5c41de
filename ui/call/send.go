package call

// Sending a call and keeping its history: the commands the view returns
// and the messages they come back with.

import (
	"context"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/components"
	"github.com/kitbench/kitbench/ui/styles"
)

// send calls the current method with the editor's body.
func (v *View) send() tea.Cmd {
	switch {
	case v.cur.key == "":
		return ui.Notify(ui.Warn, "pick a method first (enter)")
	case v.sending:
		return ui.Notify(ui.Warn, "a call is in flight")
	case v.deps.Caller == nil:
		return ui.Notify(ui.Error, "calling is not available here")
	}
	cands := v.cat.candidates(v.cur.service, v.cur.name, v.instance, v.rr)
	if len(cands) == 0 {
		if v.instance != "" {
			return ui.Notify(ui.Error, "instance "+v.instance+" is gone: press i to choose another")
		}
		return ui.Notify(ui.Error, "no instance of "+v.cur.service+" offers "+v.cur.name)
	}
	v.rr++
	v.seq++
	v.sending, v.err, v.stream = true, "", nil
	req := Request{Service: v.cur.service, Method: v.cur.name, Instance: v.instance, Instances: cands, Body: []byte(v.ed.value())}
	c, timeout, seq := v.deps.Caller, v.opts.Timeout, v.seq
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		at := time.Now()
		resp, err := c.Call(ctx, req)
		return callDone{owner: v, seq: seq, at: at, req: req, resp: resp, lines: prettyLines(resp.Body), err: err}
	}
}

func (v *View) callDone(d callDone) tea.Cmd {
	if d.owner != v || d.seq != v.seq {
		return nil
	}
	v.sending = false
	if d.err == nil && d.resp.Stream != nil {
		return v.startStream(d)
	}
	return v.finish(d, false)
}

// finish shows a call's answer (a stream's end when streamed: its
// messages stay in the pane) and saves it in the history.
func (v *View) finish(d callDone, streamed bool) tea.Cmd {
	e := HistoryEntry{Time: d.at, Service: d.req.Service, Method: d.req.Method, Instance: d.req.Instance, Body: d.req.Body}
	if d.err != nil {
		v.last, v.err = nil, d.err.Error()
		if !streamed {
			v.body.SetText("")
		}
		e.Status = "error"
	} else {
		r := d.resp
		v.last = &r
		if !streamed {
			v.body.SetText(strings.Join(d.lines, "\n"))
		}
		if r.Recorded {
			v.rec.Calls++
		}
		e.Status, e.OK, e.Latency, e.TraceID = r.Status, r.OK, r.Latency, r.TraceID
	}
	if v.deps.History == nil {
		return nil
	}
	h, timeout := v.deps.History, v.opts.Timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		saved, err := h.Save(ctx, e)
		return historySaved{owner: v, entry: saved, err: err}
	}
}

func (v *View) listHistory() tea.Cmd {
	h, timeout := v.deps.History, v.opts.Timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		es, err := h.List(ctx)
		return historyListed{owner: v, entries: es, err: err}
	}
}

func historyRows(es []HistoryEntry) []components.Row {
	rows := make([]components.Row, len(es))
	for i, e := range es {
		mark := components.Cell{Text: "✓", Tone: styles.ToneGood}
		if !e.OK {
			mark = components.Cell{Text: "✗", Tone: styles.ToneBad}
		}
		k := e.ID
		if k == "" {
			k = strconv.Itoa(i)
		}
		rows[i] = components.Row{Key: k, Value: e, Cells: []components.Cell{
			mark,
			{Text: e.Time.Local().Format("15:04:05"), Tone: styles.ToneMuted},
			{Text: e.Service + "." + e.Method + " " + e.Status},
		}}
	}
	return rows
}
