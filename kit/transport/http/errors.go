package http

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/kitbench/kitbench/kit/transport"
)

var (
	// ErrBadRequest is wrapped by the 400 errors of the decoders: bad JSON
	// bodies and unparseable path parameters.
	ErrBadRequest = errors.New("kithttp: bad request")
	// ErrBodyTooLarge is wrapped by the 413 error for a body over the
	// Server's limit.
	ErrBodyTooLarge = errors.New("kithttp: request body too large")
	// ErrBadRoute is wrapped by the error Router.Handle returns for a route
	// it cannot register.
	ErrBadRoute = errors.New("kithttp: bad route")
	// ErrStatus is wrapped by every *ResponseError: the server answered
	// with a status outside 2xx.
	ErrStatus = errors.New("kithttp: unsuccessful HTTP status")
	// ErrClient is wrapped by errors of a misconfigured Client.
	ErrClient = errors.New("kithttp: bad client configuration")
)

// errNotConfigured answers requests to a Server built without an endpoint,
// decoder or encoder.
var errNotConfigured = fmt.Errorf("kithttp: server has a nil endpoint, decoder or encoder")

func bodyTooLarge(limit int64) error {
	return &transport.Error{
		Status: http.StatusRequestEntityTooLarge,
		Msg:    "request body is larger than " + strconv.FormatInt(limit, 10) + " bytes",
		Err:    fmt.Errorf("%w: %w", ErrBodyTooLarge, &http.MaxBytesError{Limit: limit}),
	}
}

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Error     string `json:"error"`
	Status    int    `json:"status"`
	Reason    string `json:"reason,omitempty"`
	RequestID string `json:"request_id"`
}

// DefaultErrorEncoder writes err as {"error": msg, "status": code,
// "reason": reason, "request_id": id}; reason is transport.ReasonOf(err)
// ("breaker_open", "rate_limited", "deadline", "unavailable", "internal" or
// the service's own) and is left out when there is none. The status is transport.StatusOf(err), so a raw gRPC
// status keeps its meaning (NotFound is 404). Below 500 msg is
// transport.ClientMessage(err), the client-safe text of the error that
// chose the status, never the text of the chain wrapping it; at 500 and
// above it is the standard status text. err.Error() is never sent. Headers from a transport.Headerer are copied, a
// transport.RetryAfterer sets Retry-After (whole seconds, rounded up), and a
// 413 asks the client to close the connection, since the rest of its body
// will not be read.
func DefaultErrorEncoder(ctx context.Context, err error, w http.ResponseWriter) {
	status := transport.StatusOf(err)
	msg := http.StatusText(status)
	switch {
	case status < 500 && status != transport.StatusClientClosedRequest:
		msg = transport.ClientMessage(err)
	case status == transport.StatusClientClosedRequest:
		msg = "client closed request"
	case msg == "":
		msg = "error"
	}
	h := w.Header()
	var hr transport.Headerer
	if errors.As(err, &hr) {
		for k, vs := range hr.Headers() {
			h.Del(k)
			for _, v := range vs {
				h.Add(k, v)
			}
		}
	}
	if d, ok := transport.RetryAfterOf(err); ok {
		h.Set("Retry-After", strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10))
	}
	if status == http.StatusRequestEntityTooLarge {
		h.Set("Connection", "close")
	}
	h.Del("Content-Length")
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	id := RequestIDFromContext(ctx)
	if id == "" {
		id = h.Get(RequestIDHeader)
	}
	body, mErr := json.Marshal(errorBody{Error: msg, Status: status, Reason: transport.ReasonOf(err), RequestID: id})
	if mErr != nil { // cannot happen for strings and ints; stay safe anyway
		body = []byte(`{"error":"error","status":500}`)
	}
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
