package call

// A streaming call in the view: its messages arrive as tea.Msgs from one
// waiting command at a time (re-armed after each, as ui.WaitFor does), the
// response pane follows them, and keys send, half-close and cancel.

import (
	"context"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kitbench/kitbench/ui"
)

const serverStream = "server_stream"

// live is the open stream, or the last one once it ended.
type live struct {
	s      Stream
	seq    int
	kind   string
	req    Request
	start  time.Time // when the call started
	n      int       // server messages received
	sent   int       // client messages sent (the first with the call)
	last   time.Duration
	closed bool // half-closed
	ended  bool
	lines  []string // the messages, one compact JSON line each; at most MaxBodyLines
}

// Messages of a stream's commands.
type (
	streamMsg struct {
		owner *View
		seq   int
		body  string
		at    time.Duration
	}
	streamEnd struct {
		owner *View
		seq   int
		resp  Response
		err   error
	}
	streamSent struct {
		owner *View
		seq   int
		err   error
	}
)

// startStream shows d's open stream and waits for its first message.
func (v *View) startStream(d callDone) tea.Cmd {
	v.stream = &live{s: d.resp.Stream, seq: d.seq, kind: d.resp.Stream.Kind(), req: d.req, start: d.at, sent: 1}
	v.last, v.err = nil, ""
	v.body.SetText("")
	return v.next()
}

// streaming reports whether a stream is open.
func (v *View) streaming() bool { return v.stream != nil && !v.stream.ended }

// next waits for the stream's next message, or its end.
func (v *View) next() tea.Cmd {
	s, seq := v.stream.s, v.stream.seq
	return func() tea.Msg {
		b, at, ok := s.Next(context.Background()) // the stream ends by itself, by Cancel, or when the dashboard closes
		if !ok {
			resp, err := s.End()
			return streamEnd{owner: v, seq: seq, resp: resp, err: err}
		}
		return streamMsg{owner: v, seq: seq, body: string(b), at: at}
	}
}

// streamUpdate handles the stream's messages; ok is false for any other.
func (v *View) streamUpdate(msg tea.Msg) (tea.Cmd, bool) {
	l := v.stream
	switch msg := msg.(type) {
	case streamMsg:
		if msg.owner != v || l == nil || msg.seq != l.seq {
			return nil, true
		}
		l.n, l.last = l.n+1, msg.at
		if l.lines = append(l.lines, msg.body); len(l.lines) > MaxBodyLines {
			l.lines = l.lines[len(l.lines)-MaxBodyLines:]
		}
		v.body.Follow(strings.Join(l.lines, "\n"))
		return v.next(), true
	case streamSent:
		if msg.owner == v && l != nil && msg.seq == l.seq {
			if msg.err != nil {
				return ui.Notify(ui.Warn, "not sent: "+msg.err.Error()), true
			}
			l.sent++
		}
		return nil, true
	case streamEnd:
		if msg.owner != v || l == nil || msg.seq != l.seq {
			return nil, true
		}
		l.ended = true
		return v.finish(callDone{owner: v, seq: l.seq, at: l.start, req: l.req, resp: msg.resp, err: msg.err}, true), true
	}
	return nil, false
}

// streamKey handles a key while a stream is open (editing or not): send,
// half-close, cancel, and the response pane's paging; ok is false for
// any other key.
func (v *View) streamKey(k tea.KeyPressMsg) (tea.Cmd, bool) {
	l := v.stream
	switch {
	case key.Matches(k, v.km.Send):
		switch {
		case l.kind == serverStream:
			return ui.Notify(ui.Warn, "a server stream takes no more messages: "+v.km.Cancel.Help().Key+" cancels it"), true
		case l.closed:
			return ui.Notify(ui.Warn, "sending has ended ("+v.km.HalfClose.Help().Key+"): the server is finishing"), true
		}
		s, seq, body, timeout := l.s, l.seq, []byte(v.ed.value()), v.opts.Timeout
		return func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			return streamSent{owner: v, seq: seq, err: s.Send(ctx, body)}
		}, true
	case key.Matches(k, v.km.HalfClose):
		if l.kind == serverStream || l.closed {
			return nil, true
		}
		l.closed = true
		s := l.s
		return func() tea.Msg { s.CloseSend(); return nil }, true
	case key.Matches(k, v.km.Cancel):
		s := l.s
		return func() tea.Msg { s.Cancel(); return nil }, true
	case !v.editing && (key.Matches(k, v.pk.PageUp) || key.Matches(k, v.pk.PageDown) || key.Matches(k, v.pk.Top) || key.Matches(k, v.pk.Bottom)):
		v.body.Update(k)
		return nil, true
	}
	return nil, false
}

// streamHelp are the keys that act on the open stream.
func (v *View) streamHelp() []key.Binding {
	if v.stream.kind == serverStream {
		return []key.Binding{v.km.Cancel}
	}
	return []key.Binding{v.km.Send, v.km.HalfClose, v.km.Cancel}
}

// streamLine is the response head while a stream is open, and the
// counts after it ended.
func (v *View) streamLine() string {
	l := v.stream
	s := strings.ReplaceAll(l.kind, "_", " ") + " · " + plural(l.n, "message")
	if l.last > 0 && l.n > 1 {
		s += " · " + strconv.FormatFloat(float64(l.n)/l.last.Seconds(), 'f', 1, 64) + "/s"
	}
	if l.kind != serverStream {
		s += " · " + strconv.Itoa(l.sent) + " sent"
	}
	if l.ended {
		return s
	}
	s = "● " + s
	switch {
	case l.kind == serverStream:
	case l.closed:
		s += " · sending ended"
	default:
		s += " · " + v.km.Send.Help().Key + " sends the editor · " + v.km.HalfClose.Help().Key + " ends sending"
	}
	return s + " · " + v.km.Cancel.Help().Key + " cancels"
}
