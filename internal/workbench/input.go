package workbench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kitbench/kitbench/probes/invoke"
)

// maxInput bounds a request body read from a file or standard input.
const maxInput = 64 << 20

// Input is a request as `kitbench call` takes it from its flags.
type Input struct {
	// Data is the body: inline JSON, @file, or @- for standard input;
	// empty means {}.
	Data string
	// Headers are "name: value" lines; ${VAR} in a value is read with
	// the lookup given to Request (invoke.ParseHeaders).
	Headers []string
	// PathParams are "name=value" HTTP path parameters; nil takes them
	// all from the body.
	PathParams []string
	// Timeout bounds the call; zero means only the context's deadline.
	Timeout time.Duration
	// PrintOnly says the request is printed (--print-grpcurl, --print-curl),
	// not sent: the command keeps ${VAR} for the shell, so an unset one
	// is no error. False reads every ${VAR}.
	PrintOnly bool
	// All says the request goes to every instance (--all), so standard
	// input is read whole before the first call; false reads it one JSON
	// value at a time, as a stream sends them.
	All bool
	// StreamTimeout bounds a streaming call (--timeout given); zero means
	// none, since a stream may rightly last.
	StreamTimeout time.Duration
	// MaxMessages and MaxTime end a stream as a success after so many
	// server messages or so long (--max-messages, --max-time); zero means
	// no limit.
	MaxMessages int
	MaxTime     time.Duration
}

// Request builds the invoke.Request for method, reading the body from
// stdin (@- or grpcurl's @) or a file when Data says so and header
// variables with lookup. The body may hold several JSON values (or JSON
// lines), the messages of a client-streaming or bidirectional call
// (req.Stream.Send); a unary or server-streaming method takes one.
// Standard input is read as the call goes, one value at a time (unless
// All or PrintOnly), so each message is sent as soon as it is read.
// Errors name the flag at fault (-d, -H or -p).
func (in Input) Request(method string, stdin io.Reader, lookup func(string) (string, bool)) (invoke.Request, error) {
	var body []byte
	var err error
	var send func(context.Context) ([]byte, error)
	switch {
	case (in.Data == "@-" || in.Data == "@") && !in.All && !in.PrintOnly:
		send = InputValues(io.LimitReader(stdin, maxInput), "-d "+in.Data)
	case in.Data == "@-" || in.Data == "@":
		body, err = io.ReadAll(io.LimitReader(stdin, maxInput))
		if err != nil {
			return invoke.Request{}, fmt.Errorf("-d %s: reading stdin: %w", in.Data, err)
		}
	case strings.HasPrefix(in.Data, "@"):
		if body, err = os.ReadFile(in.Data[1:]); err != nil {
			return invoke.Request{}, fmt.Errorf("-d %s: %w", in.Data, err)
		}
	default:
		body = []byte(in.Data)
	}
	if in.PrintOnly {
		lookup = func(string) (string, bool) { return "", true }
	}
	hdr, err := invoke.ParseHeaders(in.Headers, lookup)
	if err != nil {
		return invoke.Request{}, fmt.Errorf("-H: %w", err)
	}
	if send == nil {
		send = JSONValues(bytes.NewReader(body), "-d")
	}
	req := invoke.Request{Method: method, Body: body, Header: hdr, Timeout: in.Timeout, Stream: invoke.StreamOptions{
		Send: send, Timeout: in.StreamTimeout, MaxMessages: in.MaxMessages, MaxTime: in.MaxTime}}
	for _, p := range in.PathParams {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return invoke.Request{}, fmt.Errorf("-p %q: want name=value", p)
		}
		if req.PathParams == nil {
			req.PathParams = map[string]string{}
		}
		req.PathParams[k] = v
	}
	return req, nil
}
