package invoke

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"
)

// Transport names, as in Result.Transport and introspect.EndpointDoc.
const (
	GRPC = "grpc"
	HTTP = "http"
)

// Errors wrapped by what the package returns, so a caller can choose an
// exit status or a message without parsing text.
var (
	// ErrNoService: the named service is not offered by the target.
	ErrNoService = errors.New("no such service")
	// ErrNoMethod: the service has no method (or route) of that name.
	ErrNoMethod = errors.New("no such method")
	// ErrBadJSON: the request body is not valid JSON, or not an object.
	ErrBadJSON = errors.New("invalid JSON")
	// ErrUnknownField: the request body names a field the message lacks.
	ErrUnknownField = errors.New("unknown field")
	// ErrBadRequest: the request cannot be built (a missing path
	// parameter, a nested value where a query parameter must go, …).
	ErrBadRequest = errors.New("bad request")
	// ErrUnreachable: no connection to the target could be made.
	ErrUnreachable = errors.New("unreachable")
	// ErrNoReflection: the server does not offer gRPC server reflection
	// and no .proto or protoset was given.
	ErrNoReflection = errors.New("server reflection not supported")
	// ErrStreaming: the method streams, and what was asked of it makes
	// sense only for a unary one (comparing the answers of every
	// instance, a request with more than one message for a method that
	// takes one).
	ErrStreaming = errors.New("streaming method")
	// ErrUnsetVariable: a header names ${VAR} and VAR is not set.
	ErrUnsetVariable = errors.New("environment variable not set")
	// ErrBadHeader: a header is not "name: value".
	ErrBadHeader = errors.New("bad header")
)

// Request is one call. The zero value calls nothing: Method is required.
type Request struct {
	// Method names what to call. For gRPC: "pkg.Service/Method",
	// "pkg.Service.Method", or a short "Service.Method" or "Method" that
	// Resolve completes. For HTTP: the endpoint's name as the
	// introspection info lists it ("GetBook").
	Method string
	// Body is the request as JSON (one object). Empty means {}.
	Body []byte
	// Header holds request headers (HTTP) or metadata (gRPC); nil means
	// none besides the traceparent every call sends.
	Header map[string][]string
	// PathParams fill {name} path parameters of HTTP routes before the
	// body does; nil means take them all from the body. Ignored for gRPC.
	PathParams map[string]string
	// Timeout bounds the call, the lookup of a gRPC method's descriptors
	// included (connection excluded); a stream has its own
	// (StreamOptions.Timeout). Zero means only the context's deadline.
	Timeout time.Duration
	// Stream says how a gRPC streaming method is called: where the
	// client's messages come from, who hears the server's as they arrive,
	// and when to stop. The zero value sends Body as the only message and
	// waits for the stream's end. Ignored for unary methods and HTTP.
	Stream StreamOptions
}

// Result is everything about one call that a person, a script or a
// session recorder needs: what was sent, what came back, and when.
type Result struct {
	Transport string `json:"transport"` // GRPC or HTTP
	Target    string `json:"target"`    // host:port called
	// Method is what was called: "/pkg.Service/Method" (gRPC) or
	// "GET /v1/books/1" (HTTP, with path parameters filled in).
	Method string `json:"method"`
	// URL is the full request URL (HTTP only).
	URL string `json:"url,omitempty"`
	// TraceID is the W3C trace id of the call's traceparent (32 hex).
	TraceID string `json:"trace_id"`

	RequestHeader map[string][]string `json:"request_headers"`
	// RequestBody is the JSON sent: for HTTP without path and query
	// parameters (nil when the method sends no body).
	RequestBody json.RawMessage `json:"request_body,omitempty"`

	// Code is the gRPC status code (0 is OK) or the HTTP status.
	Code int `json:"code"`
	// Status names Code: "OK", "NOT_FOUND", "404 Not Found", …
	Status string `json:"status"`
	// Message is the gRPC status message, or the "error" field of an
	// HTTP error body; empty on success.
	Message string `json:"message,omitempty"`
	// Reason is the machine-readable cause a kit service sends with an
	// error: "breaker_open", "rate_limited", "deadline", "unavailable",
	// "internal" or the service's own (gRPC: the google.rpc.ErrorInfo
	// detail's reason, lower-cased; HTTP: the "reason" field of the JSON
	// error body). Empty on success and when the server sent none.
	Reason string `json:"reason,omitempty"`
	// Header holds response headers (gRPC: header metadata).
	Header map[string][]string `json:"headers"`
	// Trailer holds gRPC trailer metadata; nil for HTTP.
	Trailer map[string][]string `json:"trailers,omitempty"`
	// Body is the response as compact JSON; nil when there was none (a
	// gRPC error). A non-JSON HTTP body is given as a JSON string.
	Body json.RawMessage `json:"body,omitempty"`

	Start    time.Time     `json:"start"`
	Duration time.Duration `json:"duration_ns"`

	// Stream counts a streaming call's messages and says how it ended;
	// nil for a unary call. Its messages went to the StreamOptions
	// callbacks; Body holds a client-streaming call's one answer.
	Stream *StreamStats `json:"stream,omitempty"`
}

// OK reports whether the call succeeded: gRPC OK or an HTTP 2xx status,
// or a stream the caller stopped at one of its own limits
// (StreamStats.Stopped).
func (r *Result) OK() bool {
	if r.Stream != nil && r.Stream.Stopped != "" {
		return true
	}
	if r.Transport == HTTP {
		return r.Code >= 200 && r.Code < 300
	}
	return r.Code == 0
}

// Invoker calls the methods of one instance over one transport. GRPCClient
// and HTTPClient implement it.
type Invoker interface {
	// Invoke makes one call. A call that reached the server and got an
	// error status is a Result (check OK), not an error; an error means
	// the call could not be made or did not complete (deadline included).
	Invoke(ctx context.Context, req Request) (*Result, error)
	// Methods lists what can be called, sorted.
	Methods(ctx context.Context) ([]string, error)
	// Describe gives the request and response schema of a method.
	Describe(ctx context.Context, method string) (*Schema, error)
	// Close releases connections.
	Close() error
}

// Traceparent returns a new W3C traceparent header value for a sampled
// root span, and its trace id.
func Traceparent() (header, traceID string) {
	var b [24]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[0] |= 1              // an all-zero trace id is invalid
	b[16] |= 1             // as is an all-zero span id
	traceID = hex.EncodeToString(b[:16])
	return "00-" + traceID + "-" + hex.EncodeToString(b[16:]) + "-01", traceID
}

// withTimeout applies req.Timeout to ctx.
func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d > 0 {
		return context.WithTimeout(ctx, d)
	}
	return context.WithCancel(ctx)
}

func cloneHeader(h map[string][]string) map[string][]string {
	out := make(map[string][]string, len(h)+1)
	for k, v := range h {
		out[k] = append([]string(nil), v...)
	}
	return out
}
