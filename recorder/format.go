package recorder

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
)

// Format and Version are the header's "format" and "version" values that
// this package writes. A reader accepts Version and refuses any other major
// version with ErrVersion.
const (
	Format  = "kitrec"
	Version = 1
	// MinorVersion is the minor version this package writes: 1 added the
	// response's "reason" and streams (Exchange.Stream, Request.Messages,
	// Response.Messages); 2 added the "thrift" transport (Exchange.Thrift).
	MinorVersion = 2
)

// Transports an Exchange can name.
const (
	TransportHTTP = "http"
	TransportGRPC = "grpc"
)

// Errors of the package; every error it returns wraps one of them.
var (
	// ErrFormat: the input is not a kitrec session (bad header, bad line).
	ErrFormat = errors.New("recorder: not a valid kitrec line")
	// ErrVersion: the file is a kitrec of a major version this reader does not know.
	ErrVersion = errors.New("recorder: unsupported kitrec version")
	// ErrLineTooLong: a line is longer than the reader's limit.
	ErrLineTooLong = errors.New("recorder: line too long")
	// ErrClosed: Append after Close.
	ErrClosed = errors.New("recorder: writer closed")
	// ErrUnreachable: the replay target could not be reached at all.
	ErrUnreachable = errors.New("recorder: target unreachable")
	// ErrReplay: an exchange could not be replayed (unknown method, truncated body…).
	ErrReplay = errors.New("recorder: cannot replay exchange")
	// ErrPath: a JSON path rule does not parse.
	ErrPath = errors.New("recorder: bad JSON path")
)

// Header is the first line of a session file.
type Header struct {
	// Format is always "kitrec"; Version the major format version (1).
	Format  string `json:"format"`
	Version int    `json:"version"`
	// Minor is the minor version of the writer's format (additions within
	// the major version); zero means 1.0.
	Minor int `json:"minor,omitempty"`
	// Created is when the file was started; zero means unknown.
	Created time.Time `json:"created,omitzero"`
	// Service names the service the session was recorded from, when one.
	Service string `json:"service,omitempty"`
	// Tool says what wrote the file, e.g. "kitbench record".
	Tool string `json:"tool,omitempty"`
	// Ignore lists JSON paths that replay does not compare, e.g.
	// "$.create_time" or "$.books[*].id".
	Ignore []string `json:"ignore,omitempty"`
	// Note is free text for people.
	Note string `json:"note,omitempty"`
}

// Exchange is one request and its response.
type Exchange struct {
	// ID is unique within the file; Writer assigns one when empty.
	ID string `json:"id"`
	// Time is when the request started; Writer sets now when zero.
	Time time.Time `json:"time,omitzero"`
	// Service, Endpoint and Instance name what answered: service name,
	// method ("GetBook") and instance id. Empty means unknown.
	Service  string `json:"service,omitempty"`
	Endpoint string `json:"endpoint,omitempty"`
	Instance string `json:"instance,omitempty"`
	// Transport is "http", "grpc" or (format 1.2) "thrift".
	Transport string `json:"transport"`
	// Target is the host:port the request was sent to, when known.
	Target string `json:"target,omitempty"`
	// TraceID is the W3C trace id of the call, when there was one.
	TraceID string `json:"trace_id,omitempty"`
	// Stream is set when the exchange is a streaming gRPC call: its
	// messages are then in Request.Messages and Response.Messages, and
	// the bodies are nil. Nil means a unary call (or HTTP). Added in
	// format 1.1.
	Stream *Stream `json:"stream,omitempty"`
	// Thrift is set when Transport is "thrift": the method, protocol and
	// what the reply was; the bodies are the messages' structs as JSON
	// (see ThriftCall). Added in format 1.2.
	Thrift   *ThriftCall `json:"thrift,omitempty"`
	Request  Request     `json:"request"`
	Response Response    `json:"response"`
	// Duration is how long the call took (nanoseconds on disk).
	Duration time.Duration `json:"duration_ns"`
	// Error is why the call failed without a response (connection
	// refused, deadline), empty when a response was received.
	Error string `json:"error,omitempty"`
	// History holds the responses this exchange expected before updates
	// replaced them (Replayer.Update), oldest first; nil when never
	// updated. Replay compares with Response only.
	History []PastResponse `json:"history,omitempty"`
}

// Request is what was sent. HTTP requests use Method and Path; gRPC
// requests use GRPCMethod, and Headers holds their metadata.
type Request struct {
	// Method is the HTTP method ("GET").
	Method string `json:"method,omitempty"`
	// Path is the HTTP path with its query string ("/v1/books?page_size=2").
	Path string `json:"path,omitempty"`
	// GRPCMethod is the full gRPC method ("/bookstore.v1.BookService/GetBook").
	GRPCMethod string `json:"grpc_method,omitempty"`
	// Headers are HTTP headers or gRPC metadata (keys lower-case for gRPC).
	Headers map[string][]string `json:"headers,omitempty"`
	// Body is nil when the request had none.
	Body *Body `json:"body,omitempty"`
	// Messages are a stream's messages from the client, in the order
	// sent; Dropped counts those sent after the recording's bound, not
	// kept. Both are empty for a unary call. Added in format 1.1.
	Messages []Message `json:"messages,omitempty"`
	Dropped  int       `json:"messages_dropped,omitempty"`
}

// Response is what came back. HTTP responses use Status; gRPC responses
// use GRPCCode and GRPCMessage, and Headers/Trailers hold metadata.
type Response struct {
	// Status is the HTTP status code; zero for gRPC. For Thrift it is
	// the status kit gave the call's error (200 when it succeeded), when
	// the recorder knew it (an exchange ring does); zero otherwise.
	Status int `json:"status,omitempty"`
	// GRPCCode is the gRPC status code (0, OK, when omitted) and
	// GRPCMessage its message.
	GRPCCode    int    `json:"grpc_code,omitempty"`
	GRPCMessage string `json:"grpc_message,omitempty"`
	// Reason is the machine-readable reason a gRPC error carried (a
	// google.rpc.ErrorInfo detail, lower-cased: "breaker_open",
	// "rate_limited", a service's own), or the reason of a Thrift call's
	// error as the server gave it (transport.ReasonOf); empty when none,
	// and for HTTP, whose error bodies carry theirs in the body. Added in
	// format 1.1.
	Reason   string              `json:"reason,omitempty"`
	Headers  map[string][]string `json:"headers,omitempty"`
	Trailers map[string][]string `json:"trailers,omitempty"`
	// Body is nil when the response had none.
	Body *Body `json:"body,omitempty"`
	// Messages are a stream's messages from the server, in the order
	// received; Dropped counts those received after the recording's
	// bound, not kept. Both are empty for a unary call. Added in format
	// 1.1.
	Messages []Message `json:"messages,omitempty"`
	Dropped  int       `json:"messages_dropped,omitempty"`
}

// Body is a message body: JSON when it is JSON, otherwise its bytes.
// Exactly one of JSON and Bytes is set.
type Body struct {
	// JSON is the body itself when it was valid JSON ("json" on disk).
	JSON json.RawMessage `json:"json,omitempty"`
	// Bytes is any other body ("base64" on disk).
	Bytes []byte `json:"base64,omitempty"`
	// Truncated says the body was longer than the capture limit and only
	// its first bytes are kept (then always as Bytes); Size is the full
	// length when known (zero means len of what is kept).
	Truncated bool  `json:"truncated,omitempty"`
	Size      int64 `json:"size,omitempty"`

	valid bool // JSON is known to be valid (made by NewBody and friends)
}

// NewBody returns b as a Body: JSON when contentType is a JSON media type
// (or empty) and b is valid JSON, raw bytes otherwise. It returns nil for
// an empty body. The Body keeps b: do not modify b afterwards.
func NewBody(contentType string, b []byte) *Body {
	if len(b) == 0 {
		return nil
	}
	if isJSONType(contentType) && validJSON(b) {
		return &Body{JSON: b, valid: true}
	}
	return &Body{Bytes: b}
}

// JSONBody returns v marshalled as a JSON Body.
func JSONBody(v any) (*Body, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("recorder: body: %w", err)
	}
	return &Body{JSON: b, valid: true}, nil
}

// Raw returns the body's bytes as sent on the wire (JSON or raw).
func (b *Body) Raw() []byte {
	if b == nil {
		return nil
	}
	if b.JSON != nil {
		return b.JSON
	}
	return b.Bytes
}

func isJSONType(ct string) bool {
	if ct == "" {
		return true
	}
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.TrimSpace(ct)
	return strings.EqualFold(ct, "application/json") ||
		len(ct) > 5 && strings.EqualFold(ct[len(ct)-5:], "+json") && strings.Contains(ct, "/")
}

// Name is a short description of the exchange for tables and diffs:
// "GET /v1/books/1", "/pkg.Svc/Method" or "thrift Method", with the
// endpoint when known.
func (ex *Exchange) Name() string {
	var s string
	switch {
	case ex.Transport == TransportGRPC:
		s = ex.Request.GRPCMethod
	case ex.Transport == TransportThrift && ex.Thrift != nil:
		return "thrift " + ex.Thrift.Method
	case ex.Transport == TransportThrift:
		return "thrift " + ex.Endpoint
	default:
		s = ex.Request.Method + " " + ex.Request.Path
	}
	if ex.Endpoint != "" && ex.Transport != TransportGRPC {
		s += " (" + ex.Endpoint + ")"
	}
	return s
}

// MessageBody returns a protobuf message as a JSON Body, encoded the way
// capture and replay encode gRPC messages (proto field names, unset
// fields omitted).
func MessageBody(m proto.Message) (*Body, error) {
	b, err := appendMessageJSON(nil, m)
	if err != nil {
		return nil, fmt.Errorf("recorder: body: %w", err)
	}
	return &Body{JSON: b, valid: true}, nil
}
