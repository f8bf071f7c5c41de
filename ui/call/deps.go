package call

import (
	"context"
	"time"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
)

// Request is one call the view asks for.
type Request struct {
	// Service is the discovery name; Method the endpoint's name as the
	// instances' introspection info lists it ("GetBook").
	Service, Method string
	// Instance is the instance the user chose; empty means balanced.
	Instance string
	// Instances are the candidates in the order to try them: the chosen
	// one, or the healthy instances offering the method from a rotating
	// start, then the others. A Caller moves on when one is unreachable.
	Instances []hub.Instance
	// Body is the JSON request as edited.
	Body []byte
}

// Response is what came back from a call.
type Response struct {
	Instance  string // instance ID that answered
	Transport string // "grpc" or "http"
	Target    string // host:port called
	Method    string // "/pkg.Service/Method" or "GET /v1/books/1"
	Code      int    // gRPC code or HTTP status
	Status    string // "OK", "NOT_FOUND", "404 Not Found", …
	OK        bool
	Message   string // the error message sent by the server, if any
	// Reason is the machine-readable cause a kit service sent with an
	// error ("breaker_open", "rate_limited", "internal", its own); empty
	// when none.
	Reason  string
	Latency time.Duration
	TraceID string
	Body    []byte // JSON; nil when none
	// Recorded is true when the exchange was appended to the session
	// being recorded.
	Recorded bool
	// Stream is the open stream when the method streams; the fields
	// above are then empty, and its End gives them. Nil for a unary call.
	Stream Stream
}

// Stream is a streaming call in progress: the server's messages, then
// its end. The view calls it only from commands, and keeps one Next
// waiting at a time.
type Stream interface {
	// Kind is "server_stream", "client_stream" or "bidi_stream".
	Kind() string
	// Next waits for the server's next message (JSON) and when it came
	// since the call started; ok is false once the stream has ended.
	Next(ctx context.Context) (body []byte, at time.Duration, ok bool)
	// Send sends the next client message; an error when the stream takes
	// none (server-streaming, half-closed, ended).
	Send(ctx context.Context, body []byte) error
	// CloseSend half-closes: the client sends no more.
	CloseSend()
	// Cancel ends the stream.
	Cancel()
	// End waits for the end and returns the call's answer: status,
	// latency, trace; an error means it failed on the caller's side.
	End() (Response, error)
}

// Caller makes calls and describes methods. The view calls it only from
// commands.
type Caller interface {
	// Call sends req and returns the answer; an error means no answer
	// (unreachable, bad request body, deadline).
	Call(ctx context.Context, req Request) (Response, error)
	// Template returns a JSON request to start from for req's method (its
	// fields at their zero values), asking one of req.Instances.
	Template(ctx context.Context, req Request) ([]byte, error)
}

// HistoryEntry is one call in the project's history.
type HistoryEntry struct {
	// ID names the entry in its store (a file name); set by Save.
	ID                        string
	Time                      time.Time
	Service, Method, Instance string // Instance empty: balanced
	Body                      []byte
	// What came back, for the list.
	Status  string
	OK      bool
	Latency time.Duration
	TraceID string
}

// History stores the calls made, per project. The view calls it only from
// commands.
type History interface {
	// List returns the entries, newest first.
	List(ctx context.Context) ([]HistoryEntry, error)
	// Save stores e and returns it with its ID.
	Save(ctx context.Context, e HistoryEntry) (HistoryEntry, error)
}

// Deps are what the view acts through. Caller is required; a nil History
// keeps no history, a nil Recorder says recording is unavailable.
type Deps struct {
	Caller   Caller
	History  History
	Recorder ui.Recorder
}

// Options configure the view. The zero value is usable.
type Options struct {
	// Timeout bounds a call, a template request and a history operation;
	// zero means 30 seconds.
	Timeout time.Duration
}

// MaxBodyLines is how many lines of a pretty-printed response are kept.
const MaxBodyLines = 2000

// Messages from the view's commands, each carrying the view that asked.
type (
	callDone struct {
		owner *View
		seq   int
		at    time.Time // when the call started
		req   Request
		resp  Response
		lines []string // resp.Body pretty-printed
		err   error
	}
	templateDone struct {
		owner  *View
		method string // catalog key
		body   []byte
		err    error
	}
	historyListed struct {
		owner   *View
		entries []HistoryEntry
		err     error
	}
	historySaved struct {
		owner *View
		entry HistoryEntry
		err   error
	}
)
