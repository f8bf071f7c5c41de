package workbench

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/kitbench/kitbench/probes/invoke"
	"github.com/kitbench/kitbench/recorder"
)

// ErrUnkeptStream: a streaming call made by a Caller without
// CallerOptions.Record kept no messages, so it has no exchange.
var ErrUnkeptStream = errors.New("the stream's messages were not kept")

// streamKinds names invoke's kinds of stream as a recording does.
var streamKinds = map[invoke.Kind]string{
	invoke.ServerStream: recorder.StreamServer,
	invoke.ClientStream: recorder.StreamClient,
	invoke.BidiStream:   recorder.StreamBidi,
}

// msgEpoch is the time a streamTap's recorder counts from: invoke gives
// each message's time from the call's start (StreamMessage.At), so the
// offset a recorder computes from msgEpoch.Add(At) is At itself.
var msgEpoch = time.Unix(0, 0).UTC()

// streamTap keeps a streaming call's messages, each way, as they pass
// through its StreamOptions hooks, in a recorder.StreamRecorder (bounded
// by recorder's default StreamLimits). Unary calls pass through it
// untouched.
type streamTap struct {
	// sr is set by OnStart, which invoke calls before any message and
	// before it starts the sending goroutine.
	sr *recorder.StreamRecorder
}

// wrap returns o with hooks that feed t before calling o's own.
func (t *streamTap) wrap(o invoke.StreamOptions) invoke.StreamOptions {
	onStart, onSend, onReceive := o.OnStart, o.OnSend, o.OnReceive
	o.OnStart = func(k invoke.Kind) {
		t.sr = recorder.NewStreamRecorder(recorder.Exchange{Time: msgEpoch}, streamKinds[k], recorder.StreamLimits{})
		if onStart != nil {
			onStart(k)
		}
	}
	o.OnSend = func(m invoke.StreamMessage) {
		if t.sr != nil {
			t.sr.Request(msgEpoch.Add(m.At), jsonBody(m.Body))
		}
		if onSend != nil {
			onSend(m)
		}
	}
	o.OnReceive = func(m invoke.StreamMessage) error {
		if t.sr != nil {
			t.sr.Response(msgEpoch.Add(m.At), jsonBody(m.Body))
		}
		if onReceive != nil {
			return onReceive(m)
		}
		return nil
	}
	return o
}

// done ends the tap's recording with res, the call's answer, and returns
// the stream's part of its exchange (Stream, the messages and the counts
// of those dropped); nil for a unary call. ctx is the call's: a stream
// that ended CANCELLED because ctx did (ctrl+c, LiveStream.Cancel), or at
// one of the caller's limits (--max-messages, --max-time), is marked
// cancelled, as replay needs to end it where the recording did.
func (t *streamTap) done(ctx context.Context, res *invoke.Result) *recorder.Exchange {
	if res == nil || res.Stream == nil {
		return nil
	}
	sr := t.sr
	if sr == nil { // the stream never opened: no message, only the status
		sr = recorder.NewStreamRecorder(recorder.Exchange{Time: msgEpoch}, streamKinds[res.Stream.Kind], recorder.StreamLimits{})
	}
	cancelled := res.Code == int(codes.Canceled) && (res.Stream.Stopped != "" || errors.Is(ctx.Err(), context.Canceled))
	ex := sr.Done(msgEpoch.Add(res.Duration), nil, nil, nil, cancelled)
	return &ex
}

// streamExchange completes ex, a call's exchange made as for a unary
// call, with the messages kept of its stream: a stream has them in
// place of bodies.
func streamExchange(ex *recorder.Exchange, c Call) error {
	kept := c.stream
	if kept == nil {
		return fmt.Errorf("%w: %s is a %s method, called without recording (CallerOptions.Record)",
			ErrUnkeptStream, strings.TrimPrefix(c.Result.Method, "/"), strings.ReplaceAll(string(c.Result.Stream.Kind), "_", "-"))
	}
	ex.Stream = kept.Stream
	ex.Request.Body, ex.Response.Body = nil, nil
	ex.Request.Messages, ex.Request.Dropped = kept.Request.Messages, kept.Request.Dropped
	ex.Response.Messages, ex.Response.Dropped = kept.Response.Messages, kept.Response.Dropped
	return nil
}
