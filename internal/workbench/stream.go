package workbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/kitbench/kitbench/internal/sanitize"
	"github.com/kitbench/kitbench/probes/invoke"
	"github.com/kitbench/kitbench/recorder"
)

// StreamWriter prints a stream's server messages as `kitbench call` does,
// each as it arrives: the message's JSON as received (one line each when
// piped: JSON lines), or with Envelope, for -o json, a MessageEnvelope a
// line, redacted as the call's final envelope is. Every character a
// terminal could obey is escaped (sanitize.JSON).
type StreamWriter struct {
	// W receives the messages; a write that fails ends the stream.
	W io.Writer
	// Envelope wraps each message in a MessageEnvelope; false prints the
	// message alone.
	Envelope bool
	// Indent indents the JSON (for a terminal); false prints one line.
	Indent bool
}

// MessageEnvelope is `kitbench call -o json`'s line for one message of a
// stream; the call's Envelope follows the last one, with the status.
type MessageEnvelope struct {
	Message int             `json:"message"` // from 0
	At      time.Duration   `json:"at_ns"`   // since the call started
	Body    json.RawMessage `json:"body"`
}

// Receive prints m; it is an invoke.StreamOptions.OnReceive.
func (s StreamWriter) Receive(m invoke.StreamMessage) error {
	if s.Envelope {
		return WriteValue(s.W, MessageEnvelope{Message: m.Index, At: m.At, Body: recorder.DefaultPolicy().JSON(m.Body)}, s.Indent)
	}
	return WriteJSON(s.W, m.Body, s.Indent)
}

// WriteValue writes v as JSON as WriteJSON does.
func WriteValue(w io.Writer, v any, indent bool) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return WriteJSON(w, b, indent)
}

// WriteJSON writes b and a newline to w, indented when indent is set,
// with every character a terminal could obey escaped (sanitize.JSON).
func WriteJSON(w io.Writer, b []byte, indent bool) error {
	if indent {
		var buf bytes.Buffer
		if err := json.Indent(&buf, b, "", "  "); err == nil {
			b = buf.Bytes()
		}
	}
	_, err := fmt.Fprintf(w, "%s\n", sanitize.JSON(b))
	return err
}

// StreamInterrupted turns err, the error a call's answer r means, into
// ExitInterrupted when ctx (the command's) ended during a stream: a
// stream that SIGINT or SIGTERM cancelled ends as a shell says, having
// printed what it received. Any other err is returned as it is.
func StreamInterrupted(ctx context.Context, r *invoke.Result, err error) error {
	if err == nil || ctx.Err() == nil || r == nil || r.Stream == nil {
		return err
	}
	return Exitf(ExitInterrupted, "interrupted: the stream was cancelled after %d messages sent and %d received", r.Stream.Sent, r.Stream.Received)
}
